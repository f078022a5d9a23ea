package demo

import (
	"fmt"
	"strings"

	"jlcredit/internal/subject"
)

// violation is a penalty template: what was done, the provisions violated
// and applied, the statutory fine range of the case as described, and who
// may have done it.
type violation struct {
	wfxw   string      // 违法行为类型
	act    string      // 违法事实, after "在{地点}"
	rule   string      // the provision violated
	basis  string      // the provision applied
	person bool        // may concern a natural person
	lo, hi int         // fine in 元 the applied provision allows for the case described
	fits   industrySet // industries of the organisations it may concern (none: persons only)
}

// personOnly names the violations (by 违法行为类型) only a natural person
// commits, offences against public order: never an organisation's case.
var personOnly = map[string]bool{"殴打他人": true, "盗窃": true, "参与赌博": true, "寻衅滋事": true}

// personFineCap lowers the fine of a natural person where the provision
// sets a lower range for individuals than for units.
var personFineCap = map[string]int{"随意倾倒建筑垃圾": 200}

// firmOnly names the violations only an enterprise (not an individual
// business) commits.
var firmOnly = map[string]bool{"单用途预付卡未按规定备案": true, "偷税": true, "虚开发票": true}

// kindDrug is the internal kind of 吉林省药品监督管理局 (a market-regulation
// department to the platform): drug and medical-device cases and licences,
// decided by it or by the market-regulation department of the subject's
// 市州, as drug retail is supervised there.
const kindDrug = "drug"

// violations per department kind. The provisions are real articles of the
// laws named; fines stay within what the applied article provides for the
// case as described (货值金额较小, 情节一般), conservatively where the
// amount depends on facts the record does not give.
var violations = map[string][]violation{
	KindMarket: {
		{"经营超过保质期的食品", "经营超过保质期的预包装食品，货值金额不足一万元", "《中华人民共和国食品安全法》第三十四条第（十）项", "《中华人民共和国食品安全法》第一百二十四条第一款第（五）项", false, 50_000, 100_000, foodSellers | foodMakers | inds(indElderlyCare, indKindergarten)},
		{"未取得食品经营许可从事食品经营活动", "未取得食品经营许可从事餐饮服务活动，货值金额不足一万元", "《中华人民共和国食品安全法》第三十五条第一款", "《中华人民共和国食品安全法》第一百二十二条第一款", false, 50_000, 100_000, inds(indRestaurant, indFoodWorkshop)},
		{"食品从业人员未取得健康证明上岗", "安排未取得健康证明的人员从事接触直接入口食品的工作，经责令改正拒不改正", "《中华人民共和国食品安全法》第四十五条第一款", "《中华人民共和国食品安全法》第一百二十六条第一款第（六）项", false, 5_000, 50_000, foodSellers | foodMakers | canteens},
		{"虚假宣传", "通过店内宣传展板对商品的性能、功能作虚假的商业宣传", "《中华人民共和国反不正当竞争法》第八条第一款", "《中华人民共和国反不正当竞争法》第二十条第一款", false, 200_000, 1_000_000, inds(indFoodMaker, indTrade, indRetail, indMedDevice, indEduConsulting, indRealEstate, indAutoTrade, indTech, indTravel, indBeauty)},
		{"销售不合格产品", "销售经抽样检验不合格的产品", "《中华人民共和国产品质量法》第三十九条", "《中华人民共和国产品质量法》第五十条", false, 2_000, 100_000, inds(indTrade, indRetail, indHardware, indAutoTrade, indAgriInputs, indManufacturing)},
		{"特种设备未按规定定期检验", "使用未经定期检验的电梯", "《中华人民共和国特种设备安全法》第四十条第三款", "《中华人民共和国特种设备安全法》第八十四条第（一）项", false, 30_000, 300_000, industrial | inds(indHotel, indProperty, indRealEstate, indTrade)},
		{"不明码标价", "销售商品未按照规定明码标价", "《中华人民共和国价格法》第十三条第一款", "《明码标价和禁止价格欺诈规定》第二十一条", true, 200, 5_000, shopsFront | inds(indFuel, indAutoTrade)},
		{"销售侵犯注册商标专用权的商品", "销售侵犯他人注册商标专用权的商品，违法经营额不足五万元", "《中华人民共和国商标法》第五十七条第（三）项", "《中华人民共和国商标法》第六十条第二款", true, 1_000, 250_000, inds(indRetail, indFoodRetail, indTrade, indHardware, indAutoRepair)},
		{"发布违法广告", "发布含有“国家级”“最佳”等用语的广告", "《中华人民共和国广告法》第九条第（三）项", "《中华人民共和国广告法》第五十七条第（一）项", false, 200_000, 1_000_000, inds(indMedia, indRealEstate, indFoodMaker, indEduConsulting, indTech, indAutoTrade, indTravel)},
		{"使用未经检定的计量器具", "使用未经检定的电子计价秤", "《中华人民共和国计量法》第九条第一款", "《中华人民共和国计量法实施细则》第四十三条", true, 100, 1_000, inds(indFoodRetail, indTrade, indRecycling, indAgriInputs, indCoopServices)},
	},
	kindDrug: {
		{"未按规定储存药品", "未按照药品经营质量管理规范的要求储存需冷藏的药品", "《中华人民共和国药品管理法》第五十三条第一款", "《中华人民共和国药品管理法》第一百二十六条", false, 100_000, 500_000, inds(indPharmacy)},
		{"经营使用无合格证明文件的医疗器械", "经营、使用无合格证明文件的医疗器械，货值金额不足一万元", "《医疗器械监督管理条例》第五十五条", "《医疗器械监督管理条例》第八十六条第（三）项", false, 20_000, 50_000, inds(indMedDevice, indPharmacy, indClinic, indHospital)},
	},
	KindEnvironment: {
		{"超标排放大气污染物", "锅炉排放的大气污染物浓度超过国家规定的排放标准", "《中华人民共和国大气污染防治法》第十八条", "《中华人民共和国大气污染防治法》第九十九条第（二）项", false, 100_000, 1_000_000, industrial},
		{"未采取有效扬尘防治措施", "建设工地未采取覆盖、围挡等有效扬尘防治措施", "《中华人民共和国大气污染防治法》第六十九条第三款", "《中华人民共和国大气污染防治法》第一百一十五条第一款第（一）项", false, 10_000, 100_000, builderInds},
		{"露天焚烧秸秆", "露天焚烧农作物秸秆", "《中华人民共和国大气污染防治法》第七十七条", "《中华人民共和国大气污染防治法》第一百一十九条第一款", true, 500, 2_000, inds(indCoopCrops, indAgriculture)},
		{"逃避监管排放水污染物", "通过暗管排放生产废水", "《中华人民共和国水污染防治法》第三十九条", "《中华人民共和国水污染防治法》第八十三条第（三）项", false, 200_000, 1_000_000, inds(indManufacturing, indChemical, indFoodMaker, indLivestock)},
		{"建设项目未批先建", "建设项目环境影响评价文件未经批准擅自开工建设", "《中华人民共和国环境影响评价法》第二十五条", "《中华人民共和国环境影响评价法》第三十一条第一款", false, 50_000, 5_000_000, industrial | inds(indLivestock)},
		{"未按规定贮存危险废物", "将废机油等危险废物露天堆放，未按规定贮存", "《中华人民共和国固体废物污染环境防治法》第八十一条第一款", "《中华人民共和国固体废物污染环境防治法》第一百一十二条第一款第（六）项", false, 100_000, 1_000_000, inds(indAutoRepair, indManufacturing, indChemical, indMining, indFreight, indPassenger)},
		{"无证排污", "未取得排污许可证排放污染物", "《排污许可管理条例》第二条第一款", "《排污许可管理条例》第三十三条第（一）项", false, 200_000, 1_000_000, industrial | inds(indLivestock)},
	},
	KindTransport: {
		{"未取得道路运输经营许可擅自从事道路客运经营", "驾驶小型客车未取得道路运输经营许可擅自从事道路旅客运输经营", "《中华人民共和国道路运输条例》第十条", "《中华人民共和国道路运输条例》第六十三条", true, 10_000, 100_000, inds(indTravel, indAutoTrade)},
		{"车辆超限运输", "驾驶货运车辆违法超限运输", "《公路安全保护条例》第三十三条第一款", "《公路安全保护条例》第六十四条", true, 200, 30_000, inds(indFreight, indConstruction, indMining, indTrade)},
		{"未取得网约车经营许可从事网约车经营", "未取得网络预约出租汽车经营许可从事网约车经营服务", "《网络预约出租汽车经营服务管理暂行办法》第十三条", "《网络预约出租汽车经营服务管理暂行办法》第三十四条", true, 10_000, 30_000, inds(indTaxi, indTech)},
		{"未按规定维护和检测运输车辆", "未按照规定对营运车辆进行维护和检测", "《中华人民共和国道路运输条例》第三十条", "《中华人民共和国道路运输条例》第七十条第一款", false, 1_000, 5_000, inds(indFreight, indPassenger, indTaxi)},
		{"客运车辆不按批准的线路运营", "客运班车不按照批准的客运线路运营", "《道路旅客运输及客运站管理规定》第五十八条", "《道路旅客运输及客运站管理规定》第一百零二条", false, 1_000, 3_000, inds(indPassenger)},
	},
	KindHousing: {
		{"未取得施工许可证擅自施工", "未取得建筑工程施工许可证擅自开工建设", "《中华人民共和国建筑法》第七条第一款", "《建筑工程施工许可管理办法》第十二条", false, 10_000, 200_000, builderInds},
		{"未组织竣工验收擅自交付使用", "建设工程未组织竣工验收擅自交付使用", "《建设工程质量管理条例》第十六条", "《建设工程质量管理条例》第五十八条", false, 20_000, 500_000, inds(indRealEstate)},
		{"违法分包", "将承包的工程违法分包给不具备相应资质的单位", "《建设工程质量管理条例》第二十五条第三款", "《建设工程质量管理条例》第六十二条第一款", false, 10_000, 300_000, inds(indConstruction)},
		{"未取得商品房预售许可证预售商品房", "未取得商品房预售许可证向买受人预售商品房", "《城市房地产开发经营管理条例》第二十二条", "《城市房地产开发经营管理条例》第三十六条", false, 5_000, 200_000, inds(indRealEstate)},
		{"施工现场安全防护措施不到位", "施工现场未按规定设置安全防护设施，逾期未改正", "《建设工程安全生产管理条例》第二十八条", "《建设工程安全生产管理条例》第六十四条", false, 50_000, 100_000, inds(indConstruction)},
	},
	KindSafety: {
		{"未按规定对从业人员进行安全生产教育和培训", "未按照规定对从业人员进行安全生产教育和培训", "《中华人民共和国安全生产法》第二十八条第一款", "《中华人民共和国安全生产法》第九十七条第（三）项", false, 5_000, 100_000, industrial | inds(indConstruction, indFuel, indFreight, indHotel, indEntertainment, indFoodRetail)},
		{"未建立事故隐患排查治理制度", "未建立安全风险分级管控和事故隐患排查治理制度", "《中华人民共和国安全生产法》第四十一条第二款", "《中华人民共和国安全生产法》第一百零一条第（五）项", false, 10_000, 100_000, industrial | inds(indConstruction, indFuel)},
		{"特种作业人员未持证上岗", "特种作业人员未按照规定经专门的安全作业培训并取得相应资格即上岗作业", "《中华人民共和国安全生产法》第三十条第一款", "《中华人民共和国安全生产法》第九十七条第（七）项", false, 5_000, 100_000, industrial | inds(indConstruction)},
		{"未经许可经营危险化学品", "未取得危险化学品经营许可证经营油漆、稀释剂等危险化学品", "《危险化学品安全管理条例》第三十三条第一款", "《危险化学品安全管理条例》第七十七条第三款", false, 100_000, 200_000, inds(indChemical, indTrade, indHardware)},
		{"非法经营烟花爆竹", "未经许可经营烟花爆竹制品", "《烟花爆竹安全管理条例》第三条", "《烟花爆竹安全管理条例》第三十六条第一款", true, 20_000, 100_000, inds(indFoodRetail, indHardware)},
	},
	KindHealth: {
		{"公共场所未取得卫生许可证", "经营公共场所未取得公共场所卫生许可证", "《公共场所卫生管理条例实施细则》第二十二条", "《公共场所卫生管理条例实施细则》第三十五条", false, 500, 5_000, inds(indHotel, indBeauty, indBath, indEntertainment, indSports)},
		{"使用非卫生技术人员从事医疗卫生技术工作", "使用非卫生技术人员从事医疗卫生技术工作", "《医疗机构管理条例》第二十七条", "《医疗机构管理条例》第四十七条", false, 10_000, 100_000, inds(indClinic)},
		{"非法行医", "未取得医疗机构执业许可证擅自开展诊疗活动，违法所得不足一万元", "《中华人民共和国基本医疗卫生与健康促进法》第三十八条", "《中华人民共和国基本医疗卫生与健康促进法》第九十九条第一款", true, 50_000, 200_000, inds(indBeauty, indBath)},
		{"医疗废物管理不规范", "未将医疗废物按照类别分置于专用包装物或者容器", "《医疗废物管理条例》第十六条", "《医疗废物管理条例》第四十六条第（一）项", false, 500, 5_000, inds(indHospital, indClinic)},
		{"未按规定组织职业健康检查", "未按照规定组织劳动者进行职业健康检查", "《中华人民共和国职业病防治法》第三十五条", "《中华人民共和国职业病防治法》第七十一条第（四）项", false, 50_000, 100_000, inds(indManufacturing, indChemical, indMining)},
	},
	KindCulture: {
		{"网吧接纳未成年人", "互联网上网服务营业场所接纳未成年人进入", "《互联网上网服务营业场所管理条例》第二十一条", "《互联网上网服务营业场所管理条例》第三十一条第（二）项", false, 1_000, 15_000, inds(indInternetCafe)},
		{"娱乐场所超时营业", "娱乐场所在每日凌晨2时至上午8时营业", "《娱乐场所管理条例》第二十八条", "《娱乐场所管理条例》第四十九条第（二）项", false, 10_000, 30_000, inds(indEntertainment)},
		{"未与旅游者订立书面旅游合同", "旅行社未与旅游者订立书面包价旅游合同", "《中华人民共和国旅游法》第五十八条", "《旅行社条例》第五十五条", false, 20_000, 100_000, inds(indTravel)},
		{"未经批准举办营业性演出", "未经批准擅自举办营业性演出，违法所得不足一万元", "《营业性演出管理条例》第十三条", "《营业性演出管理条例》第四十四条第一款", true, 50_000, 100_000, inds(indMedia, indEntertainment)},
	},
	KindAgriculture: {
		{"经营假农药", "经营假农药，货值金额不足一万元", "《农药管理条例》第四十四条", "《农药管理条例》第五十五条第一款第（一）项", true, 5_000, 50_000, inds(indAgriInputs, indCoopServices)},
		{"非法捕捞", "在禁渔期内使用禁用渔具进行捕捞", "《中华人民共和国渔业法》第三十条", "《中华人民共和国渔业法》第三十八条第一款", true, 200, 5_000, 0},
		{"经营劣种子", "销售质量低于标签标注指标的劣种子，货值金额不足二万元", "《中华人民共和国种子法》第四十九条", "《中华人民共和国种子法》第七十五条", false, 10_000, 100_000, inds(indSeed, indAgriInputs)},
		{"经营未经检疫的动物产品", "经营依法应当检疫而未经检疫的动物产品", "《中华人民共和国动物防疫法》第二十九条第（三）项", "《中华人民共和国动物防疫法》第九十七条", true, 500, 10_000, inds(indFoodRetail, indRestaurant, indLivestock, indCoopLivestock, indFoodMaker)},
		{"经营假兽药", "经营假兽药", "《兽药管理条例》第二十七条", "《兽药管理条例》第五十六条第一款", false, 10_000, 200_000, inds(indVetDrugs, indLivestock)},
	},
	KindResources: {
		{"非法占用土地", "未经批准非法占用集体土地建设建筑物", "《中华人民共和国土地管理法》第四十四条第一款", "《中华人民共和国土地管理法》第七十七条第一款", true, 5_000, 500_000, inds(indCoopCrops, indCoopLivestock, indCoopServices, indLivestock, indManufacturing)},
		{"未取得采矿许可证擅自采矿", "未取得采矿许可证擅自开采建筑用砂石", "《中华人民共和国矿产资源法》第三条第三款", "《中华人民共和国矿产资源法》第三十九条", true, 10_000, 500_000, inds(indMining, indConstruction)},
		{"未取得建设工程规划许可证进行建设", "未取得建设工程规划许可证进行建设", "《中华人民共和国城乡规划法》第四十条第一款", "《中华人民共和国城乡规划法》第六十四条", false, 10_000, 3_000_000, inds(indRealEstate, indManufacturing)},
	},
	KindHRSS: {
		{"未按规定编制工资支付台账", "未按照工资支付周期编制书面工资支付台账，逾期未改正", "《保障农民工工资支付条例》第十五条", "《保障农民工工资支付条例》第五十四条第（二）项", false, 20_000, 50_000, inds(indConstruction, indManufacturing, indProperty, indRealEstate)},
		{"未依法缴纳社会保险费", "未按时足额缴纳社会保险费，逾期仍不缴纳", "《中华人民共和国社会保险法》第六十条第一款", "《中华人民共和国社会保险法》第八十六条", false, 2_000, 200_000, employers &^ shopsFront},
		{"未经许可从事劳务派遣", "未经许可擅自经营劳务派遣业务，没有违法所得", "《中华人民共和国劳动合同法》第五十七条第二款", "《中华人民共和国劳动合同法》第九十二条第一款", false, 5_000, 50_000, inds(indHR, indProperty)},
		{"违法延长劳动者工作时间", "安排劳动者延长工作时间超过法定标准", "《中华人民共和国劳动法》第四十一条", "《劳动保障监察条例》第二十五条", false, 500, 10_000, inds(indManufacturing, indFoodMaker, indRestaurant, indFreight, indFoodRetail, indHotel, indConstruction)},
	},
	KindPolice: {
		{"殴打他人", "因琐事与他人发生纠纷并殴打他人", "《中华人民共和国治安管理处罚法》第四十三条第一款", "《中华人民共和国治安管理处罚法》第四十三条第一款", true, 200, 500, 0},
		{"盗窃", "趁无人看管之机窃取他人财物", "《中华人民共和国治安管理处罚法》第四十九条", "《中华人民共和国治安管理处罚法》第四十九条", true, 100, 1_000, 0},
		{"参与赌博", "以营利为目的参与赌博，赌资较大", "《中华人民共和国治安管理处罚法》第七十条", "《中华人民共和国治安管理处罚法》第七十条", true, 100, 500, 0},
		{"寻衅滋事", "无故滋扰他人，扰乱公共秩序", "《中华人民共和国治安管理处罚法》第二十六条第（四）项", "《中华人民共和国治安管理处罚法》第二十六条", true, 100, 1_000, 0},
		{"旅馆未按规定登记住宿旅客信息", "旅馆业工作人员未按规定查验、登记住宿旅客身份信息", "《中华人民共和国反恐怖主义法》第二十一条", "《中华人民共和国反恐怖主义法》第八十六条第二款", false, 100_000, 500_000, inds(indHotel)},
	},
	KindTax: {
		{"未按照规定期限办理纳税申报", "未按照规定期限办理增值税纳税申报和报送纳税资料", "《中华人民共和国税收征收管理法》第二十五条第一款", "《中华人民共和国税收征收管理法》第六十二条", true, 50, 2_000, marketInds | inds(indAssociation, indTraining, indKindergarten, indElderlyCare, indClinic, indSports, indSocialServices)},
		{"偷税", "通过在账簿上少列收入的手段少缴应纳税款", "《中华人民共和国税收征收管理法》第六十三条第一款", "《中华人民共和国税收征收管理法》第六十三条第一款", false, 10_000, 5_000_000, employers &^ shopsFront},
		{"未按规定开具发票", "应当开具发票而未开具发票", "《中华人民共和国发票管理办法》第十八条", "《中华人民共和国发票管理办法》第三十三条第一款", true, 100, 10_000, employers},
		{"未按照规定设置、保管账簿", "未按照规定设置、保管账簿和记账凭证", "《中华人民共和国税收征收管理法》第十九条", "《中华人民共和国税收征收管理法》第六十条第一款第（二）项", false, 200, 10_000, employers},
		{"虚开发票", "为他人开具与实际经营业务情况不符的发票，虚开金额超过一万元", "《中华人民共和国发票管理办法》第二十一条第二款", "《中华人民共和国发票管理办法》第三十五条", false, 50_000, 500_000, inds(indTrade, indTech, indProfessional, indConstruction, indFreight, indMedia)},
	},
	KindEducation: {
		{"民办学校擅自招生", "未经审批擅自扩大办学规模招收学生", "《中华人民共和国民办教育促进法》第二十九条", "《中华人民共和国民办教育促进法》第六十二条第（三）项", false, 10_000, 50_000, inds(indTraining, indKindergarten)},
		{"擅自举办民办学校", "未经批准擅自举办校外培训机构", "《中华人民共和国民办教育促进法》第十二条", "《中华人民共和国民办教育促进法》第六十四条", true, 10_000, 50_000, inds(indEduConsulting)},
	},
	KindCommerce: {
		{"单用途预付卡未按规定备案", "发行单用途商业预付卡未按规定办理备案，逾期仍不改正", "《单用途商业预付卡管理办法（试行）》第七条", "《单用途商业预付卡管理办法（试行）》第三十六条", false, 10_000, 30_000, inds(indFoodRetail, indRestaurant, indBeauty, indHotel, indRetail)},
		{"再生资源回收经营者未备案", "从事再生资源回收经营活动未向商务主管部门备案，逾期拒不改正", "《再生资源回收管理办法》第七条", "《再生资源回收管理办法》第二十二条", true, 500, 2_000, inds(indRecycling)},
		{"违规回收拆解报废机动车", "未按规定回收拆解报废机动车", "《报废机动车回收管理办法》第十二条", "《报废机动车回收管理办法》第二十一条", false, 10_000, 100_000, inds(indRecycling, indAutoRepair)},
	},
	KindWater: {
		{"未经批准擅自取水", "未经批准擅自取用地下水", "《中华人民共和国水法》第四十八条第一款", "《中华人民共和国水法》第六十九条第（一）项", false, 20_000, 100_000, inds(indMineralWater, indFoodMaker, indManufacturing, indCoopCrops, indLivestock, indBath)},
		{"在河道管理范围内非法采砂", "未经许可在河道管理范围内采砂", "《中华人民共和国河道管理条例》第二十五条", "《中华人民共和国河道管理条例》第四十四条第一款", true, 2_000, 50_000, inds(indConstruction, indMining)},
		{"未编报水土保持方案", "生产建设项目未依法编报水土保持方案擅自开工建设", "《中华人民共和国水土保持法》第二十五条第一款", "《中华人民共和国水土保持法》第五十三条第（一）项", false, 50_000, 500_000, inds(indRealEstate, indConstruction, indMining, indEnergy)},
	},
	KindUrban: {
		{"占道经营", "擅自占用城市道路摆摊经营", "《城市市容和环境卫生管理条例》第十四条", "《城市市容和环境卫生管理条例》第三十六条第（二）项", true, 50, 2_000, inds(indRestaurant, indFoodWorkshop, indFoodRetail, indRetail, indHardware, indAutoRepair)},
		{"擅自设置户外广告", "未经批准擅自设置大型户外广告牌", "《城市市容和环境卫生管理条例》第十一条", "《城市市容和环境卫生管理条例》第三十六条第（一）项", false, 500, 10_000, shopsFront | inds(indMedia, indRealEstate, indAutoTrade)},
		{"随意倾倒建筑垃圾", "将建筑垃圾随意倾倒在非指定地点", "《城市建筑垃圾管理规定》第九条", "《城市建筑垃圾管理规定》第二十条", true, 5_000, 50_000, inds(indConstruction, indFreight)},
		{"未经批准擅自挖掘城市道路", "未经批准擅自挖掘城市道路", "《城市道路管理条例》第三十三条", "《城市道路管理条例》第四十二条第（二）项", false, 1_000, 20_000, inds(indConstruction, indGas, indEnergy)},
		{"餐饮服务油烟超标排放", "餐饮服务项目未安装油烟净化设施超标排放油烟", "《中华人民共和国大气污染防治法》第八十一条第一款", "《中华人民共和国大气污染防治法》第一百一十八条第一款", true, 5_000, 50_000, inds(indRestaurant)},
	},
}

// subject kinds a licence may be granted to (bit set of subject.Type).
type typeSet uint8

func typesOf(names ...subject.Type) typeSet {
	var s typeSet
	for _, n := range names {
		s |= 1 << typeBit(string(n))
	}
	return s
}

func typeBit(t string) uint {
	for i, x := range subject.Types {
		if string(x) == t {
			return uint(i)
		}
	}
	return 7
}

func (s typeSet) has(t string) bool { return s&(1<<typeBit(t)) != 0 }

var (
	orgs       = typesOf(subject.Enterprise, subject.IndividualBusiness)
	firms      = typesOf(subject.Enterprise)
	anyOrg     = typesOf(subject.Enterprise, subject.IndividualBusiness, subject.SocialOrg, subject.PublicInstitution, subject.Government)
	persons    = typesOf(subject.Person)
	builders   = typesOf(subject.Enterprise, subject.PublicInstitution, subject.Government)
	institutes = typesOf(subject.Enterprise, subject.SocialOrg, subject.PublicInstitution)
)

// licCtx is what a licence number may use.
type licCtx struct {
	r      *rng
	year   int
	region string // subject's region code
	abbr   string // region part of the authority's 文号 (长, 吉市 …)
	s      *SubjectSeed
}

func (c *licCtx) digits(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + c.r.intn(10))
	}
	return string(b)
}

// licenseTemplate is a kind of licence.
type licenseTemplate struct {
	ws     string   // 行政许可决定文书名称
	zs     string   // 许可证书名称 ("" = no certificate)
	lb     string   // 许可类别
	nr     []string // 许可内容 options
	num    func(c *licCtx) string
	months []int // validity options in months; 0 = 长期 (2099-12-31)
	types  typeSet
	fits   industrySet         // industries of the organisations it is granted to (persons: none)
	nrBy   map[string][]string // 许可内容 options by the subject's industry, overriding nr
}

// foodCategories are the 食品生产许可 categories by a word of the maker's
// name (the first that matches).
var foodCategories = []struct{ word, nr string }{
	{"米业", "食品类别：粮食加工品（大米）"}, {"乳业", "食品类别：乳制品"}, {"肉类加工", "食品类别：肉制品"},
	{"酒业", "食品类别：酒类（白酒）"}, {"人参", "食品类别：其他食品（人参制品）"}, {"保健品", "食品类别：保健食品"},
	{"矿泉水", "食品类别：饮料（包装饮用水）"}, {"", "食品类别：糕点；速冻食品"},
}

// content returns the 许可内容 options of t for s.
func (t *licenseTemplate) content(s *SubjectSeed) []string {
	if t.zs == "食品生产许可证" {
		for _, c := range foodCategories {
			if strings.Contains(s.Name, c.word) {
				return []string{c.nr}
			}
		}
	}
	if o, ok := t.nrBy[s.Industry]; ok {
		return o
	}
	return t.nr
}

// grants reports whether t may be granted to s.
func (t *licenseTemplate) grants(s *SubjectSeed) bool {
	if !t.types.has(s.Type) {
		return false
	}
	return s.Type == string(subject.Person) || t.fits.has(s.Industry)
}

var licenseTemplates = map[string][]licenseTemplate{
	KindMarket: {
		// Changes only: a 设立登记 is the registration record itself
		// (DJ_CLRQ), years before the decisions the demo generates.
		{"准予变更登记通知书", "营业执照", "登记", []string{"准予变更登记（经营范围变更）", "准予变更登记（住所变更）", "准予变更登记（法定代表人变更）", "准予变更登记（注册资本变更）"},
			func(c *licCtx) string { return c.s.USCC }, []int{0, 0, 0, 240, 360}, orgs, marketInds,
			map[string][]string{
				indCoopCrops: {"准予变更登记（住所变更）", "准予变更登记（法定代表人变更）", "准予变更登记（成员出资总额变更）"}, indCoopLivestock: {"准予变更登记（住所变更）", "准予变更登记（法定代表人变更）", "准予变更登记（成员出资总额变更）"},
				indCoopServices: {"准予变更登记（住所变更）", "准予变更登记（法定代表人变更）", "准予变更登记（成员出资总额变更）"},
			}},
		{"食品经营许可决定书", "食品经营许可证", "普通", []string{"主体业态：食品销售经营者；经营项目：预包装食品（含冷藏冷冻食品）销售；散装食品（不含冷藏冷冻食品）销售", "主体业态：食品销售经营者；经营项目：预包装食品（不含冷藏冷冻食品）销售"},
			func(c *licCtx) string { return fmt.Sprintf("JY%d%s%s", 1+c.r.intn(3), c.region, c.digits(7)) }, []int{60}, typesOf(subject.Enterprise, subject.IndividualBusiness, subject.SocialOrg, subject.PublicInstitution),
			foodSellers | canteens | inds(indPharmacy),
			map[string][]string{
				indRestaurant:   {"主体业态：餐饮服务经营者（小型餐馆）；经营项目：热食类食品制售", "主体业态：餐饮服务经营者；经营项目：热食类食品制售；冷食类食品制售"},
				indFoodWorkshop: {"主体业态：餐饮服务经营者（糕点店）；经营项目：糕点类食品制售（含裱花蛋糕）", "主体业态：餐饮服务经营者（饮品店）；经营项目：自制饮品制售"},
				indPharmacy:     {"主体业态：食品销售经营者；经营项目：预包装食品（不含冷藏冷冻食品）销售；保健食品销售"},
				indSchool:       {"主体业态：单位食堂（学校食堂）；经营项目：热食类食品制售"},
				indKindergarten: {"主体业态：单位食堂（托幼机构食堂）；经营项目：热食类食品制售"},
				indHospital:     {"主体业态：单位食堂（职工食堂）；经营项目：热食类食品制售"},
				indElderlyCare:  {"主体业态：单位食堂（养老机构食堂）；经营项目：热食类食品制售"},
			}},
		{"食品生产许可决定书", "食品生产许可证", "普通", []string{"食品类别：粮食加工品"},
			func(c *licCtx) string { return "SC1" + c.digits(2) + c.region + c.digits(5) }, []int{60}, firms, foodMakers,
			map[string][]string{indMineralWater: {"食品类别：饮料（包装饮用水）"}}},
		{"特种设备使用登记决定书", "特种设备使用登记证", "登记", []string{"设备类别：电梯（曳引驱动乘客电梯）", "设备类别：锅炉（承压热水锅炉）", "设备类别：压力容器（储气罐）"},
			func(c *licCtx) string { return "梯11" + c.abbr + c.digits(5) + fmt.Sprintf("(%02d)", c.year%100) }, []int{0}, builders,
			industrial | inds(indHotel, indProperty, indRealEstate, indHospital, indSchool, indPublicService), nil},
	},
	kindDrug: {
		{"药品经营许可决定书", "药品经营许可证", "普通", []string{"经营范围：中药饮片、中成药、化学药、生物制品（除疫苗）", "经营范围：处方药、甲类非处方药、乙类非处方药（零售）"},
			func(c *licCtx) string { return "吉" + []string{"AA", "CA", "DA", "BA"}[c.r.intn(4)] + c.digits(7) }, []int{60}, orgs, inds(indPharmacy), nil},
		{"医疗器械经营许可决定书", "医疗器械经营许可证", "普通", []string{"经营范围：第三类医疗器械（注输、护理和防护器械；医用成像器械）", "经营范围：第三类医疗器械（体外诊断试剂）"},
			func(c *licCtx) string {
				return fmt.Sprintf("吉%s药监械经营许%d%s号", c.abbr, c.year, c.digits(4))
			}, []int{60}, firms, inds(indMedDevice, indPharmacy), nil},
	},
	KindEnvironment: {
		{"排污许可决定书", "排污许可证", "普通", []string{"行业类别：锅炉；主要污染物类别：废气", "行业类别：污水处理及其再生利用；主要污染物类别：废水"},
			func(c *licCtx) string { return c.s.USCC + []string{"001P", "001V", "001U"}[c.r.intn(3)] }, []int{60}, builders,
			industrial | inds(indAutoRepair, indLivestock, indHospital),
			map[string][]string{
				indAutoRepair: {"行业类别：汽车修理与维护；主要污染物类别：废气、废水"},
				indLivestock:  {"行业类别：牲畜饲养；主要污染物类别：废水"},
				indHospital:   {"行业类别：医院；主要污染物类别：废水"},
			}},
		{"危险废物经营许可决定书", "危险废物经营许可证", "普通", []string{"核准经营危险废物类别：HW08废矿物油与含矿物油废物；经营方式：收集、贮存、利用"},
			func(c *licCtx) string { return "JLHW" + c.region[:4] + c.digits(3) }, []int{60}, firms, inds(indEnvServices), nil},
		{"建设项目环境影响报告表审批意见", "", "普通", []string{"同意该建设项目按照环境影响报告表所列的性质、规模、地点和环境保护措施进行建设"},
			nil, []int{0}, builders, industrial | inds(indRealEstate, indLivestock, indHospital), nil},
	},
	KindTransport: {
		{"道路运输经营行政许可决定书", "道路运输经营许可证", "普通", []string{"经营范围：道路普通货物运输", "经营范围：道路普通货物运输；货物专用运输（集装箱）"},
			func(c *licCtx) string { return "吉交运管许可" + c.abbr + "字" + c.region + c.digits(6) + "号" }, []int{48}, orgs,
			inds(indFreight, indPassenger), map[string][]string{indPassenger: {"经营范围：道路旅客运输（县内班车客运）", "经营范围：道路旅客运输（市际包车客运）"}}},
		{"道路运输从业资格认定决定书", "道路运输从业人员从业资格证", "认可", []string{"从业资格类别：经营性道路货物运输驾驶员", "从业资格类别：经营性道路旅客运输驾驶员", "从业资格类别：出租汽车驾驶员"},
			func(c *licCtx) string { return c.s.CitizenID }, []int{72}, persons, 0, nil},
		{"网络预约出租汽车经营许可决定书", "网络预约出租汽车经营许可证", "特许", []string{"经营区域：本市行政区域内；经营范围：网络预约出租汽车客运"},
			func(c *licCtx) string { return "吉网约" + c.abbr + c.digits(6) }, []int{48}, firms, inds(indTaxi), nil},
	},
	KindHousing: {
		{"建筑施工企业安全生产许可决定书", "安全生产许可证", "普通", []string{"许可范围：建筑施工"},
			func(c *licCtx) string { return fmt.Sprintf("（吉）JZ安许证字〔%d〕%s", c.year, c.digits(6)) }, []int{36}, firms, inds(indConstruction), nil},
		{"建筑业企业资质核准决定书", "建筑业企业资质证书", "认可", []string{"资质类别及等级：建筑工程施工总承包三级", "资质类别及等级：市政公用工程施工总承包二级", "资质类别及等级：建筑装修装饰工程专业承包二级"},
			func(c *licCtx) string { return "D3" + c.region[:2] + c.digits(7) }, []int{60}, firms, inds(indConstruction), nil},
		{"建筑工程施工许可决定书", "建筑工程施工许可证", "普通", []string{"建设规模：建筑面积12860平方米，地上18层", "建设规模：建筑面积5420平方米，地上6层"},
			func(c *licCtx) string { return c.region + fmt.Sprintf("%d", c.year) + c.digits(8) }, []int{0, 24}, builders,
			inds(indRealEstate, indManufacturing, indFoodMaker, indSchool, indHospital),
			map[string][]string{
				indManufacturing: {"建设规模：厂房及附属设施，建筑面积8600平方米"}, indFoodMaker: {"建设规模：厂房及附属设施，建筑面积8600平方米"},
				indSchool: {"建设规模：教学楼，建筑面积6200平方米，地上4层"}, indHospital: {"建设规模：门诊住院综合楼，建筑面积15800平方米，地上9层"},
			}},
		{"商品房预售许可决定书", "商品房预售许可证", "普通", []string{"预售范围：1#、2#住宅楼，预售面积23560平方米", "预售范围：5#商住楼，预售面积9870平方米"},
			func(c *licCtx) string { return fmt.Sprintf("%s房预售第%d%s号", c.abbr, c.year, c.digits(4)) }, []int{0}, firms, inds(indRealEstate), nil},
	},
	KindSafety: {
		{"危险化学品经营许可决定书", "危险化学品经营许可证", "普通", []string{"许可范围：盐酸、硫酸、氢氧化钠（不带储存设施经营）"},
			func(c *licCtx) string {
				return fmt.Sprintf("吉%s危化经字〔%d〕%s号", c.abbr, c.year, c.digits(6))
			}, []int{36}, firms, inds(indChemical, indFuel), map[string][]string{indFuel: {"许可范围：汽油、柴油（闭杯闪点≤60℃）零售"}}},
		{"非煤矿矿山企业安全生产许可决定书", "安全生产许可证", "普通", []string{"许可范围：建筑用花岗岩露天开采", "许可范围：石灰岩露天开采"},
			func(c *licCtx) string {
				return fmt.Sprintf("（吉）FM安许证字〔%d〕%s号", c.year, c.digits(6))
			}, []int{36}, firms, inds(indMining), nil},
		{"烟花爆竹经营（零售）许可决定书", "烟花爆竹经营（零售）许可证", "普通", []string{"许可范围：烟花爆竹零售（C级、D级）"},
			func(c *licCtx) string { return fmt.Sprintf("（吉）YH经〔%d〕%s", c.year, c.digits(6)) }, []int{12}, orgs, inds(indFoodRetail, indHardware), nil},
	},
	KindHealth: {
		{"医疗机构执业登记决定书", "医疗机构执业许可证", "普通", []string{"诊疗科目：内科；外科；妇产科；儿科；医学检验科；医学影像科", "诊疗科目：中医科；康复医学科"},
			func(c *licCtx) string { return "PDY" + c.digits(8) + c.region + c.digits(6) }, []int{60}, institutes, inds(indHospital, indClinic),
			map[string][]string{indClinic: {"诊疗科目：康复医学科；内科", "诊疗科目：内科；外科；医学检验科"}}},
		{"公共场所卫生许可决定书", "公共场所卫生许可证", "普通", []string{"许可项目：住宿"},
			func(c *licCtx) string {
				return fmt.Sprintf("吉卫公证字〔%d〕第%s-%s号", c.year, c.region, c.digits(6))
			}, []int{48}, typesOf(subject.Enterprise, subject.IndividualBusiness, subject.SocialOrg),
			inds(indHotel, indBeauty, indBath, indEntertainment, indSports),
			map[string][]string{indBeauty: {"许可项目：美容美发"}, indBath: {"许可项目：沐浴"}, indEntertainment: {"许可项目：歌舞厅"}, indSports: {"许可项目：游泳场所"}}},
		{"医师执业注册决定书", "医师执业证书", "认可", []string{"执业类别：临床；执业范围：内科专业", "执业类别：中医；执业范围：中医专业", "执业类别：口腔；执业范围：口腔专业"},
			func(c *licCtx) string { return "1" + c.digits(2) + c.region[:2] + c.digits(10) }, []int{0}, persons, 0, nil},
	},
	KindCulture: {
		{"娱乐经营许可决定书", "娱乐经营许可证", "普通", []string{"经营范围：歌舞娱乐场所"},
			func(c *licCtx) string { return c.region + c.digits(6) }, []int{24}, orgs, inds(indEntertainment), nil},
		{"网络文化经营许可决定书", "网络文化经营许可证", "普通", []string{"经营范围：利用信息网络经营演出剧（节）目、表演"},
			func(c *licCtx) string {
				return fmt.Sprintf("吉网文〔%d〕%s-%s号", c.year, c.digits(4), c.digits(3))
			}, []int{36}, firms, inds(indMedia, indTech), nil},
		{"旅行社业务经营许可决定书", "旅行社业务经营许可证", "普通", []string{"经营范围：国内旅游业务、入境旅游业务"},
			func(c *licCtx) string { return "L-JL-" + c.digits(5) }, []int{0}, firms, inds(indTravel), nil},
		{"营业性演出许可决定书", "营业性演出许可证", "普通", []string{"演出经纪机构：从事营业性演出的居间、代理活动"},
			func(c *licCtx) string { return c.region + "120" + c.digits(4) }, []int{24}, firms, inds(indMedia), nil},
	},
	KindAgriculture: {
		{"农药经营许可决定书", "农药经营许可证", "普通", []string{"经营范围：农药（限制使用农药除外）", "经营范围：农药（含限制使用农药）"},
			func(c *licCtx) string { return "农药经许（吉）" + c.region + c.digits(4) }, []int{60}, orgs, inds(indAgriInputs, indCoopServices), nil},
		{"兽药经营许可决定书", "兽药经营许可证", "普通", []string{"经营范围：化学药品、中药制剂、外用杀虫剂、消毒剂"},
			func(c *licCtx) string { return fmt.Sprintf("（%d）兽药经营证字%s号", c.year, c.digits(8)) }, []int{60}, orgs, inds(indVetDrugs), nil},
		{"种子生产经营许可决定书", "农作物种子生产经营许可证", "普通", []string{"生产经营范围：玉米；生产经营方式：生产、加工、包装、批发、零售", "生产经营范围：水稻；生产经营方式：批发、零售"},
			func(c *licCtx) string {
				return fmt.Sprintf("D(吉%s)农种许字(%d)第%s号", c.region[2:4], c.year, c.digits(4))
			}, []int{60}, firms, inds(indSeed), nil},
		{"渔业捕捞许可决定书", "内陆渔业捕捞许可证", "特许", []string{"作业类型：刺网；作业水域：本县内陆水域", "作业类型：定置网；作业水域：水库"},
			func(c *licCtx) string { return fmt.Sprintf("吉%s(%d)内捕字%s号", c.abbr, c.year, c.digits(4)) }, []int{60}, persons, 0, nil},
	},
	KindResources: {
		{"采矿许可决定书", "采矿许可证", "特许", []string{"开采矿种：建筑用花岗岩；开采方式：露天开采；生产规模：10万吨/年"},
			func(c *licCtx) string { return "C22" + c.region[2:6] + fmt.Sprintf("%d", c.year) + c.digits(10) }, []int{36, 60, 120}, firms,
			inds(indMining, indMineralWater), map[string][]string{indMineralWater: {"开采矿种：矿泉水；开采方式：地下开采；生产规模：5万立方米/年"}}},
		{"建设工程规划许可决定书", "建设工程规划许可证", "普通", []string{"建设规模：总建筑面积35600平方米", "建设规模：总建筑面积4800平方米"},
			func(c *licCtx) string { return fmt.Sprintf("建字第%s%d%s号", c.region, c.year, c.digits(5)) }, []int{0}, builders,
			inds(indRealEstate, indManufacturing, indFoodMaker, indSchool, indHospital), nil},
		{"建设用地规划许可决定书", "建设用地规划许可证", "普通", []string{"用地面积：23000平方米；用地性质：二类居住用地"},
			func(c *licCtx) string { return fmt.Sprintf("地字第%s%d%s号", c.region, c.year, c.digits(5)) }, []int{0}, builders,
			inds(indRealEstate, indManufacturing, indFoodMaker, indSchool, indHospital),
			map[string][]string{
				indManufacturing: {"用地面积：56000平方米；用地性质：工业用地"}, indFoodMaker: {"用地面积：56000平方米；用地性质：工业用地"},
				indSchool: {"用地面积：32000平方米；用地性质：教育科研用地"}, indHospital: {"用地面积：28000平方米；用地性质：医疗卫生用地"},
			}},
	},
	KindHRSS: {
		{"人力资源服务行政许可决定书", "人力资源服务许可证", "普通", []string{"服务范围：为劳动者介绍用人单位；为用人单位推荐劳动者；举办现场招聘会"},
			func(c *licCtx) string {
				return fmt.Sprintf("（吉）人服证字〔%d〕第%s%s号", c.year, c.region, c.digits(4))
			}, []int{0}, firms, inds(indHR), nil},
		{"劳务派遣经营许可决定书", "劳务派遣经营许可证", "普通", []string{"许可经营事项：劳务派遣"},
			func(c *licCtx) string {
				return fmt.Sprintf("吉%s人社派许字〔%d〕%s号", c.abbr, c.year, c.digits(4))
			}, []int{36}, firms, inds(indDispatch), nil},
	},
	KindPolice: {
		{"特种行业许可决定书", "特种行业许可证", "普通", []string{"许可项目：旅馆业"},
			func(c *licCtx) string { return fmt.Sprintf("%s公特字〔%d〕第%s号", c.abbr, c.year, c.digits(4)) }, []int{0}, orgs,
			inds(indHotel, indPrinting), map[string][]string{indPrinting: {"许可项目：公章刻制业"}}},
		{"大型群众性活动安全许可决定书", "", "普通", []string{"活动名称：迎新春文艺演出；预计参加人数：3000人"},
			nil, []int{1}, anyOrg, inds(indMedia, indTravel, indTrade, indProperty),
			map[string][]string{indTrade: {"活动名称：商品展销会；预计参加人数：5000人"}, indProperty: {"活动名称：商品展销会；预计参加人数：5000人"}}},
	},
	KindEducation: {
		{"民办学校办学许可决定书", "民办学校办学许可证", "普通", []string{"办学内容：文化艺术类培训", "办学内容：职业技能培训（电工、焊工）"},
			func(c *licCtx) string { return "教民" + c.region + c.digits(9) + "号" }, []int{60}, typesOf(subject.SocialOrg, subject.Enterprise),
			inds(indTraining, indKindergarten), map[string][]string{indKindergarten: {"办学内容：学前教育"}}},
		{"教师资格认定决定书", "教师资格证书", "认可", []string{"资格种类：小学教师资格；任教学科：语文", "资格种类：初级中学教师资格；任教学科：数学", "资格种类：幼儿园教师资格"},
			func(c *licCtx) string { return fmt.Sprintf("%d22%s", c.year, c.digits(11)) }, []int{0}, persons, 0, nil},
	},
	KindCommerce: {
		{"成品油零售经营资格审批决定书", "成品油零售经营批准证书", "普通", []string{"经营范围：汽油、柴油零售"},
			func(c *licCtx) string { return "油零售证书第" + c.region[:4] + c.digits(4) + "号" }, []int{60}, firms, inds(indFuel), nil},
		{"报废机动车回收拆解企业资质认定决定书", "报废机动车回收拆解资质认定证书", "认可", []string{"资质范围：报废机动车回收、拆解"},
			func(c *licCtx) string { return "吉报废回收" + c.region[:4] + c.digits(3) }, []int{0}, firms, inds(indRecycling, indAutoTrade), nil},
	},
	KindWater: {
		{"取水许可决定书", "取水许可证", "特许", []string{"取水方式：地下水（机井）；取水量：5万立方米/年", "取水方式：地表水；取水量：20万立方米/年"},
			func(c *licCtx) string {
				return fmt.Sprintf("取水（吉%s）字〔%d〕第%s号", c.abbr, c.year, c.digits(4))
			}, []int{60}, builders | typesOf(subject.IndividualBusiness),
			inds(indMineralWater, indFoodMaker, indManufacturing, indCoopCrops, indLivestock, indEnergy, indBath), nil},
		{"河道采砂许可决定书", "河道采砂许可证", "特许", []string{"采砂范围：指定可采区；采砂量：2万立方米"},
			func(c *licCtx) string { return fmt.Sprintf("吉%s采砂〔%d〕%s号", c.abbr, c.year, c.digits(3)) }, []int{12}, firms | persons, inds(indConstruction, indMining), nil},
		{"生产建设项目水土保持方案审批决定书", "", "核准", []string{"同意该项目水土保持方案报告书（表）"}, nil, []int{0}, builders,
			inds(indRealEstate, indConstruction, indMining, indEnergy, indManufacturing), nil},
	},
	KindUrban: {
		{"城市建筑垃圾处置核准决定书", "城市建筑垃圾处置核准证", "核准", []string{"处置方式：运输至指定消纳场；处置量：8000立方米"},
			func(c *licCtx) string { return fmt.Sprintf("%s建垃准字〔%d〕%s号", c.abbr, c.year, c.digits(4)) }, []int{12}, firms, inds(indConstruction, indFreight, indRealEstate), nil},
		{"设置大型户外广告许可决定书", "", "普通", []string{"设置地点：主干道沿线；广告形式：单立柱广告牌"}, nil, []int{12, 36}, orgs,
			inds(indMedia, indRealEstate, indAutoTrade, indHotel, indFoodRetail, indRestaurant), nil},
		{"临时占用城市道路许可决定书", "", "普通", []string{"占用面积：60平方米；用途：施工围挡"}, nil, []int{3, 6}, anyOrg,
			inds(indConstruction, indRealEstate, indGas, indEnergy), nil},
	},
}

// penaltyMix is the mix of 处罚类别 per 1000 penalties.
var penaltyMix = []struct {
	cats   string
	weight int
}{
	{"罚款", 390}, {"警告", 150}, {"警告;罚款", 100}, {"罚款;没收违法所得", 80}, {"通报批评", 50},
	{"责令停产停业", 30}, {"吊销许可证件", 30}, {"行政拘留", 20}, {"没收非法财物;罚款", 25},
	{"暂扣许可证件", 15}, {"罚款;暂扣许可证件", 10}, {"限制开展生产经营活动", 10}, {"降低资质等级", 10},
	{"责令关闭", 10}, {"限制从业", 10}, {"警告;没收违法所得", 15}, {"罚款;责令停产停业", 10},
	{"其他", 10}, {"没收违法所得", 15},
}

var penaltyMixWeights = func() []int {
	var w []int
	for _, m := range penaltyMix {
		w = append(w, m.weight)
	}
	return w
}()

// personMix replaces categories that make no sense for a natural person.
var personMix = []string{"罚款", "罚款", "罚款", "罚款", "罚款", "罚款", "警告", "警告", "警告;罚款", "罚款;没收违法所得", "没收非法财物;罚款"}

// orgOnly are the categories that apply only to organisations here.
var orgOnly = []string{"暂扣许可证件", "降低资质等级", "吊销许可证件", "限制开展生产经营活动", "责令停产停业", "责令关闭"}

// Department kinds deciding penalties and licences, with weights; persons
// meet other departments than companies.
var (
	penaltyKinds        = []string{KindMarket, kindDrug, KindPolice, KindSafety, KindEnvironment, KindTransport, KindTax, KindUrban, KindHousing, KindHealth, KindCulture, KindAgriculture, KindResources, KindHRSS, KindCommerce, KindWater}
	penaltyKindWeights  = []int{26, 2, 6, 8, 8, 8, 10, 8, 5, 5, 3, 3, 2, 3, 1, 2}
	personKinds         = []string{KindPolice, KindUrban, KindTransport, KindEnvironment, KindAgriculture, KindResources, KindWater, KindMarket, KindSafety, KindTax}
	personKindWeights   = []int{40, 15, 10, 8, 8, 6, 5, 5, 2, 1}
	licenseKinds        = []string{KindMarket, kindDrug, KindHealth, KindTransport, KindHousing, KindEnvironment, KindCulture, KindAgriculture, KindSafety, KindPolice, KindResources, KindHRSS, KindEducation, KindCommerce, KindWater, KindUrban}
	licenseKindWeights  = []int{32, 3, 10, 10, 10, 6, 5, 5, 4, 3, 3, 2, 2, 2, 2, 1}
	personLicenseKinds  = []string{KindTransport, KindHealth, KindEducation, KindAgriculture, KindWater}
	personLicenseWeight = []int{40, 20, 25, 10, 5}
)

// hasCategory reports whether the ";"-joined cats contain c.
func hasCategory(cats, c string) bool {
	for _, x := range strings.Split(cats, ";") {
		if x == c {
			return true
		}
	}
	return false
}
