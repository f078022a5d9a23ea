package demo

import (
	"fmt"
	"strings"
)

// Industries of subjects (SubjectSeed.Industry). A subject's industry is
// what its name says it does: the 行业 word of an enterprise name, the shop
// of an individual business, the product of a cooperative, the kind of a
// social organisation, school, hospital or other public body. Penalty and
// licence templates name the industries they apply to, so that a 包子铺 is
// not licensed to sell veterinary drugs nor a school fined for letting
// minors into an internet café. Persons have none ("").
const (
	indRestaurant     = "restaurant"           // 餐饮
	indFoodWorkshop   = "food_workshop"        // 糕点、饮品现制现售
	indFoodRetail     = "food_retail"          // 食品销售: 超市, 便利店, 食杂店 …
	indFoodMaker      = "food_production"      // 食品生产
	indMineralWater   = "mineral_water"        // 矿泉水 (食品生产, 采矿, 取水)
	indHotel          = "hotel"                // 住宿
	indPharmacy       = "pharmacy"             // 药品经营
	indMedDevice      = "medical_device"       // 医疗器械经营
	indRetail         = "retail"               // 非食品零售
	indHardware       = "hardware"             // 五金、建材零售
	indTrade          = "trade"                // 批发、贸易
	indBeauty         = "beauty"               // 美容美发
	indBath           = "bath"                 // 洗浴、足疗
	indServices       = "services"             // 居民服务、修理
	indPrinting       = "printing"             // 印刷、打印、刻章
	indAutoRepair     = "auto_repair"          // 机动车维修、洗车
	indAutoTrade      = "auto_trade"           // 汽车销售、租赁、二手车
	indFreight        = "freight"              // 货运、物流
	indPassenger      = "passenger"            // 客运
	indTaxi           = "taxi"                 // 出租汽车
	indFuel           = "fuel"                 // 成品油零售
	indChemical       = "chemical"             // 化工
	indGas            = "gas"                  // 燃气
	indEnergy         = "energy"               // 热力、电力
	indMining         = "mining"               // 采矿
	indManufacturing  = "manufacturing"        // 制造
	indConstruction   = "construction"         // 建筑施工
	indRealEstate     = "real_estate"          // 房地产开发
	indProperty       = "property"             // 物业、商业管理
	indTech           = "tech"                 // 信息技术
	indMedia          = "media"                // 广告、文化传媒
	indTravel         = "travel"               // 旅行社
	indEduConsulting  = "education_consulting" // 教育咨询
	indHR             = "human_resources"      // 人力资源服务
	indDispatch       = "labour_dispatch"      // 劳务派遣
	indEnvServices    = "environmental"        // 环保服务
	indAgriculture    = "agriculture"          // 种植、农业科技
	indLivestock      = "livestock"            // 畜牧
	indSeed           = "seed"                 // 种子
	indFeed           = "feed"                 // 饲料
	indAgriInputs     = "agricultural_inputs"  // 农资 (农药、化肥)
	indVetDrugs       = "veterinary_drugs"     // 兽药
	indRecycling      = "recycling"            // 再生资源回收
	indInternetCafe   = "internet_cafe"        // 网吧
	indEntertainment  = "entertainment"        // 歌舞娱乐
	indProfessional   = "professional"         // 技术、咨询、投资服务
	indCoopCrops      = "coop_crops"           // 种植合作社
	indCoopLivestock  = "coop_livestock"       // 养殖合作社
	indCoopServices   = "coop_services"        // 农机、收储、加工合作社
	indAssociation    = "association"          // 社会团体
	indTraining       = "training"             // 民办培训学校
	indKindergarten   = "kindergarten"         // 民办幼儿园、托育
	indElderlyCare    = "elderly_care"         // 养老
	indClinic         = "clinic"               // 民办医院、康复中心
	indSports         = "sports"               // 体育健身
	indSocialServices = "social_services"      // 社工、心理、文化服务
	indFoundation     = "foundation"           // 基金会
	indSchool         = "school"               // 公办学校、幼儿园
	indHospital       = "hospital"             // 公立医院、卫生院
	indPublicService  = "public_service"       // 其他事业单位
	indGovernment     = "government"           // 机关
)

// industryTags lists every industry; its order gives the bit of an
// industrySet.
var industryTags = []string{
	indRestaurant, indFoodWorkshop, indFoodRetail, indFoodMaker, indMineralWater, indHotel, indPharmacy, indMedDevice,
	indRetail, indHardware, indTrade, indBeauty, indBath, indServices, indPrinting, indAutoRepair, indAutoTrade,
	indFreight, indPassenger, indTaxi, indFuel, indChemical, indGas, indEnergy, indMining, indManufacturing,
	indConstruction, indRealEstate, indProperty, indTech, indMedia, indTravel, indEduConsulting, indHR, indDispatch,
	indEnvServices, indAgriculture, indLivestock, indSeed, indFeed, indAgriInputs, indVetDrugs, indRecycling,
	indInternetCafe, indEntertainment, indProfessional, indCoopCrops, indCoopLivestock, indCoopServices,
	indAssociation, indTraining, indKindergarten, indElderlyCare, indClinic, indSports, indSocialServices,
	indFoundation, indSchool, indHospital, indPublicService, indGovernment,
}

var industryBit = func() map[string]uint {
	if len(industryTags) > 64 {
		panic("demo: more than 64 industries")
	}
	m := make(map[string]uint, len(industryTags))
	for i, t := range industryTags {
		if _, dup := m[t]; dup {
			panic("demo: duplicate industry " + t)
		}
		m[t] = uint(i)
	}
	return m
}()

// industrySet is a set of industries.
type industrySet uint64

// inds returns the set of the given industries; it panics on an unknown one.
func inds(tags ...string) industrySet {
	var s industrySet
	for _, t := range tags {
		b, ok := industryBit[t]
		if !ok {
			panic("demo: unknown industry " + t)
		}
		s |= 1 << b
	}
	return s
}

// has reports whether industry t is in s ("" never is).
func (s industrySet) has(t string) bool {
	b, ok := industryBit[t]
	return ok && s&(1<<b) != 0
}

// Industry groups used by the templates.
var (
	// marketInds are the industries of market subjects (企业, 合作社, 个体工商户).
	marketInds = inds(indRestaurant, indFoodWorkshop, indFoodRetail, indFoodMaker, indMineralWater, indHotel, indPharmacy,
		indMedDevice, indRetail, indHardware, indTrade, indBeauty, indBath, indServices, indPrinting, indAutoRepair,
		indAutoTrade, indFreight, indPassenger, indTaxi, indFuel, indChemical, indGas, indEnergy, indMining,
		indManufacturing, indConstruction, indRealEstate, indProperty, indTech, indMedia, indTravel, indEduConsulting,
		indHR, indDispatch, indEnvServices, indAgriculture, indLivestock, indSeed, indFeed, indAgriInputs, indVetDrugs,
		indRecycling, indInternetCafe, indEntertainment, indProfessional, indCoopCrops, indCoopLivestock, indCoopServices)
	// foodMakers produce food; foodSellers sell or serve it; canteens are
	// bodies with a canteen (学校、医院、养老机构食堂).
	foodMakers  = inds(indFoodMaker, indMineralWater)
	foodSellers = inds(indRestaurant, indFoodWorkshop, indFoodRetail)
	canteens    = inds(indSchool, indHospital, indKindergarten, indElderlyCare)
	// industrial are production sites: emissions, boilers, work safety.
	industrial = inds(indManufacturing, indChemical, indMining, indEnergy, indGas, indFoodMaker, indMineralWater)
	// builders commission or carry out construction works.
	builderInds = inds(indConstruction, indRealEstate)
	// employers are market subjects with staff enough to be inspected.
	employers = marketInds &^ inds(indCoopCrops, indCoopLivestock, indCoopServices)
	// shopsFront are businesses with a shop front on a street.
	shopsFront = inds(indRestaurant, indFoodWorkshop, indFoodRetail, indRetail, indHardware, indBeauty, indBath, indServices,
		indPrinting, indAutoRepair, indPharmacy, indHotel, indInternetCafe, indEntertainment, indAgriInputs, indVetDrugs)
)

// enterpriseIndustry maps the 行业 word of enterprise names to an industry.
var enterpriseIndustry = map[string]string{
	"汽车零部件": indManufacturing, "建筑工程": indConstruction, "商贸": indTrade, "物流": indFreight, "食品": indFoodMaker,
	"农业科技": indAgriculture, "医药": indPharmacy, "房地产开发": indRealEstate, "物业管理": indProperty, "餐饮管理": indRestaurant,
	"酒店管理": indHotel, "信息技术": indTech, "网络科技": indTech, "电子科技": indManufacturing, "机械制造": indManufacturing,
	"化工": indChemical, "新材料": indManufacturing, "生物科技": indTech, "人参制品": indFoodMaker, "矿泉水": indMineralWater,
	"木业": indManufacturing, "家具": indManufacturing, "服装": indManufacturing, "印刷": indPrinting, "广告": indMedia,
	"文化传媒": indMedia, "旅游开发": indTravel, "教育咨询": indEduConsulting, "人力资源服务": indHR, "劳务派遣": indDispatch,
	"装饰工程": indConstruction, "市政工程": indConstruction, "路桥工程": indConstruction, "水利工程": indConstruction,
	"电力工程": indConstruction, "环保科技": indEnvServices, "新能源": indEnergy, "石油化工": indChemical, "燃气": indGas,
	"供热": indEnergy, "热电": indEnergy, "钢材": indTrade, "冶金": indManufacturing, "建材": indTrade,
	"水泥制品": indManufacturing, "粮食贸易": indTrade, "米业": indFoodMaker, "乳业": indFoodMaker, "肉类加工": indFoodMaker,
	"饲料": indFeed, "种业": indSeed, "农机": indTrade, "畜牧": indLivestock, "食用菌": indAgriculture,
	"中药材": indAgriculture, "医疗器械": indMedDevice, "保健品": indFoodMaker, "酒业": indFoodMaker, "煤炭": indMining,
	"矿业": indMining, "运输": indFreight, "客运": indPassenger, "出租汽车": indTaxi, "汽车销售": indAutoTrade,
	"汽车租赁": indAutoTrade, "二手车": indAutoTrade, "石油销售": indFuel, "超市": indFoodRetail, "医药连锁": indPharmacy,
	"商业管理": indProperty, "投资管理": indProfessional, "安全技术服务": indProfessional, "检测技术": indProfessional,
	"工程监理": indProfessional, "工程咨询": indProfessional, "软件": indTech, "通信工程": indConstruction,
	"冷链物流": indFreight, "包装": indManufacturing, "玻璃": indManufacturing,
}

// shopIndustry maps the shops of individual businesses to an industry.
var shopIndustry = func() map[string]string {
	m := map[string]string{}
	for ind, list := range map[string]string{
		indRestaurant:    "面馆 饺子馆 烧烤店 快餐店 小吃部 冷面馆 朝鲜族饭店 包子铺 火锅店 酸菜鱼馆 米粉店 麻辣烫店 炸鸡店 小酒馆 粥铺 烤肉店 串店 砂锅居",
		indFoodWorkshop:  "奶茶店 面包房 蛋糕店",
		indFoodRetail:    "便利店 超市 日杂商店 食杂店 水果店 蔬菜店 粮油店 熟食店 肉店 鲜鱼店 调料店 茶叶店 烟酒店 豆腐坊",
		indHardware:      "五金店 建材商店 装饰材料商店 门窗店 劳保用品店",
		indRetail:        "服装店 鞋店 床上用品店 窗帘店 布艺店 饰品店 家电商店 文具店 图书店 花店 眼镜店 母婴店 化妆品店 渔具店 自行车行 电动车行 宠物店",
		indBeauty:        "理发店 美容美发店",
		indBath:          "足疗店 浴池",
		indServices:      "洗衣店 干洗店 手机维修部 电器维修部 钟表维修部 开锁部 照相馆 家政服务部 台球厅",
		indPrinting:      "打印部",
		indAutoRepair:    "修车行 汽车修理部 轮胎店 汽车美容店 洗车行",
		indFreight:       "货运部 搬家服务部",
		indAgriInputs:    "农资商店",
		indSeed:          "种子商店",
		indVetDrugs:      "兽药店",
		indRecycling:     "废品收购站",
		indHotel:         "旅馆 宾馆",
		indInternetCafe:  "网吧",
		indEntertainment: "歌厅",
		indPharmacy:      "大药房",
	} {
		for _, s := range strings.Fields(list) {
			if _, dup := m[s]; dup {
				panic("demo: shop " + s + " in two industries")
			}
			m[s] = ind
		}
	}
	return m
}()

// coopIndustry is the industry of a cooperative by its product.
func coopIndustry(product string) string {
	switch {
	case strings.Contains(product, "养殖") || product == "蜂业":
		return indCoopLivestock
	case strings.Contains(product, "种植") || product == "鲜食玉米":
		return indCoopCrops
	}
	return indCoopServices
}

// nonEnterpriseIndustry is the industry of a 民办非企业单位.
var nonEnterpriseIndustry = map[string]string{
	"培训学校": indTraining, "职业技能培训学校": indTraining, "艺术培训学校": indTraining, "幼儿园": indKindergarten,
	"养老院": indElderlyCare, "托育中心": indKindergarten, "社会工作服务中心": indSocialServices, "康复中心": indClinic,
	"文化艺术中心": indSocialServices, "心理咨询服务中心": indSocialServices, "体育健身俱乐部": indSports, "医院": indClinic,
}

// publicIndustry is the industry of a 事业单位 by the suffix of its name.
func publicIndustry(suffix string) string {
	switch {
	case strings.Contains(suffix, "医院") || strings.Contains(suffix, "卫生院") || strings.Contains(suffix, "保健院"):
		return indHospital
	case strings.HasSuffix(suffix, "中学") || strings.HasSuffix(suffix, "小学") || strings.HasSuffix(suffix, "幼儿园") ||
		strings.HasSuffix(suffix, "学校"):
		return indSchool
	}
	return indPublicService
}

// Per-word industry tables, parallel to the word lists, so that Subject
// does no map lookups.
var (
	enterpriseIndustries    = parallel(industries, func(w string) string { return enterpriseIndustry[w] })
	shopIndustries          = parallel(shops, func(w string) string { return shopIndustry[w] })
	coopIndustries          = parallel(coopProducts, coopIndustry)
	nonEnterpriseIndustries = parallel(nonEnterprises, func(w string) string { return nonEnterpriseIndustry[w] })
	publicIndustries        = parallel(publicSuffixes, publicIndustry)
	townPublicIndustries    = parallel(townSuffixesPublic, publicIndustry)
)

func parallel(words []string, f func(string) string) []string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = f(w)
		if _, ok := industryBit[out[i]]; !ok {
			panic(fmt.Sprintf("demo: no industry for %q", w))
		}
	}
	return out
}
