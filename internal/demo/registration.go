package demo

import (
	"math"
	"strings"
	"time"

	"jlcredit/internal/credit"
	"jlcredit/internal/subject"
)

// ClassRegistration is the catalog class of registration records
// (登记注册基本信息, DJ_* fields).
const ClassRegistration = "registration"

// saltRegistration salts the registration row stream.
const saltRegistration = 0x4e6157

// usccEpoch is the day unified social credit codes replaced organisation
// codes (GB 32100-2015): bodies founded since got a new-style code (MA, MJ,
// MB …), older ones a code built on their organisation code.
var usccEpoch = credit.MakeDate(2015, 10, 1)

// Registrations calls fn, in index order, with the registration row of every
// organisation of the province (every subject with a USCC: enterprises,
// cooperatives, 个体工商户, social organisations, public institutions and
// government bodies; persons have none), stopping at the first error fn
// returns. Rows are keyed by national field code and pass the catalog's
// rules when validated for the department fn receives: the market-regulation
// department of the subject's county, else of its 市州, else the province's
// (DJ_SJLYDM carries its code). The row of subject i depends only on the
// seed, i and the date of asOf; its 成立日期 falls more than historyYears+1
// years before that date, so before every record Rows and ListEntries
// generate about the subject.
func (g *Generator) Registrations(asOf time.Time, fn func(i int, dept Department, row map[string]string) error) error {
	today := credit.DateOf(asOf)
	for i := range g.n {
		d, row, ok := g.registration(i, today)
		if !ok {
			continue
		}
		if err := fn(i, d, row); err != nil {
			return err
		}
	}
	return nil
}

// Registration returns the registration row of subject i and the department
// that submits it (see Registrations), or false for a person. It panics if i
// is out of [0, Subjects()).
func (g *Generator) Registration(i int, asOf time.Time) (Department, map[string]string, bool) {
	return g.registration(i, credit.DateOf(asOf))
}

func (g *Generator) registration(i int, today credit.Date) (Department, map[string]string, bool) {
	s := g.Subject(i)
	if s.USCC == "" {
		return Department{}, nil, false
	}
	k, _, t, x, _, _ := g.place(i)
	r := newRNG(g.seed^saltRegistration, uint64(i))
	dept := g.depts[g.registrar(k, s.RegionCode)]
	authority, authorityCode := g.registrationAuthority(k, s.USCC)
	// New-style codes have a letter at position 9 (MA, MJ, MB).
	founded := foundingDate(&r, k, s.USCC[8] > '9', today.AddDate(-historyYears-1, 0, 0))
	address := g.address(&r, s.RegionCode)
	if !strings.HasPrefix(address, "吉林省") {
		address = "吉林省" + address
	}
	row := map[string]string{
		"DJ_MC":       s.Name,
		"DJ_TYSHXYDM": s.USCC,
		"DJ_LX":       registrationType(&r, k, s.Name),
		"DJ_FDDBR":    s.LegalRep,
		"DJ_CLRQ":     founded.Format(credit.DateLayout),
		"DJ_ZS":       address,
		"DJ_DJJG":     authority,
		"DJ_ZT":       registrationStatus(&r, k),
		"DJ_SJLYDM":   dept.Code,
	}
	if authorityCode != "" {
		row["DJ_DJJGDM"] = authorityCode
	}
	if fen := registeredCapital(&r, k, s.Name); fen > 0 {
		row["DJ_ZCZB"] = wan(fen)
	}
	if sc := scope(k, t, x); sc != "" {
		row["DJ_JYFW"] = sc
	}
	return dept, row, true
}

// registrar returns the index of the department that reports the
// registrations of subjects of kind k in region: for social organisations
// the 民政 body, for public institutions and government bodies the 机构编制
// body, of its 市州 or else the province's; for market subjects the
// market-regulation department of its county when the province has one,
// else of its 市州, else the provincial 厅 (listed before 吉林省药品监督管理局,
// which is of the same kind).
func (g *Generator) registrar(k kind, region string) int {
	if rk := registrarKind(k); rk != "" {
		if pi := g.geo.prefIndex(region); pi >= 0 {
			if ds := g.deptByKey[rk+"|"+g.geo.prefs[pi].code]; len(ds) > 0 {
				return ds[0]
			}
		}
		return g.deptByKey[rk+"|"+subject.JilinCode][0]
	}
	codes := []string{region}
	if pi := g.geo.prefIndex(region); pi >= 0 {
		codes = append(codes, g.geo.prefs[pi].code)
	}
	codes = append(codes, subject.JilinCode)
	for _, c := range codes {
		if ds := g.deptByKey[KindMarket+"|"+c]; len(ds) > 0 {
			return ds[0]
		}
	}
	for i, d := range g.depts {
		if d.Kind == KindMarket {
			return i
		}
	}
	return 0
}

// registrationAuthority returns the 登记机关 of a subject of kind k with
// code uscc, found from the code's region (positions 3–8): 市场监督管理
// for market subjects, 民政 for social organisations, 事业单位登记管理局 for
// public institutions and the 机构编制委员会办公室 for government bodies.
// The code is set when the body is one of the province's departments.
func (g *Generator) registrationAuthority(k kind, uscc string) (name, code string) {
	label, region := "吉林省", subject.JilinCode
	if ci, ok := g.geo.byCode[uscc[2:8]]; ok {
		label, region = g.geo.counties[ci].label, g.geo.counties[ci].code
	} else if pi := g.geo.prefIndex(uscc[2:8]); pi >= 0 {
		label, region = g.geo.prefs[pi].name, g.geo.prefs[pi].code // also a 市州's historic 市辖区 code
	}
	province := region == subject.JilinCode
	// The body's code when it is one of the platform's departments.
	body := func(name string) (string, string) {
		if i, ok := g.deptByName[name]; ok {
			return name, g.depts[i].Code
		}
		return name, ""
	}
	switch k {
	case kAssociation, kNonEnterprise, kFoundation:
		if province {
			return body("吉林省民政厅")
		}
		return body(label + "民政局")
	case kPublic:
		return label + "事业单位登记管理局", ""
	case kGovernment:
		return body("中共" + label + "委机构编制委员会办公室")
	}
	if ds := g.deptByKey[KindMarket+"|"+region]; len(ds) > 0 {
		return g.depts[ds[0]].Name, g.depts[ds[0]].Code
	}
	return label + "市场监督管理局", ""
}

// foundingDate draws a working-week day between the earliest plausible
// founding date of kind k and latest: on or after usccEpoch for a new-style
// code, before it for an old-style one (when latest allows), more often
// recent than old.
func foundingDate(r *rng, k kind, newStyle bool, latest credit.Date) credit.Date {
	from := credit.MakeDate(1992, 6, 1)
	switch k {
	case kCoop:
		from = credit.MakeDate(2007, 7, 2) // 农民专业合作社法 in force
	case kIndividual:
		from = credit.MakeDate(1995, 3, 1)
	case kAssociation:
		from = credit.MakeDate(1990, 1, 1)
	case kNonEnterprise:
		from = credit.MakeDate(1999, 1, 4) // 民办非企业单位登记管理暂行条例
	case kFoundation:
		from = credit.MakeDate(2004, 6, 1) // 基金会管理条例
	case kPublic, kGovernment:
		from = credit.MakeDate(1985, 1, 2)
	}
	to := latest
	if newStyle {
		from = later(from, usccEpoch)
	} else {
		to = earlier(to, usccEpoch.AddDate(0, 0, -1))
	}
	if !from.Before(to) {
		from = to.AddDate(-3, 0, 0)
	}
	span := int(math.Round(to.Sub(from).Hours() / 24))
	d := from.AddDate(0, 0, int(math.Sqrt(r.float())*float64(span+1)))
	d = earlier(d, to)
	switch d.Weekday() {
	case time.Saturday:
		d = d.AddDate(0, 0, -1)
	case time.Sunday:
		d = d.AddDate(0, 0, -2)
	}
	return d
}

func later(a, b credit.Date) credit.Date {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b credit.Date) credit.Date {
	if a.Before(b) {
		return a
	}
	return b
}

// registrationType is the 主体类型 (DJ_LX) of a subject of kind k.
func registrationType(r *rng, k kind, name string) string {
	switch k {
	case kEnterprise:
		switch {
		case strings.Contains(name, "合伙企业（有限合伙）"):
			return "有限合伙企业"
		case strings.Contains(name, "股份有限公司"):
			return "股份有限公司（非上市、自然人投资或控股）"
		}
		return llcTypes[r.weighted(llcTypeWeights)]
	case kCoop:
		return "农民专业合作社"
	case kIndividual:
		return "个体工商户"
	case kAssociation:
		return "社会团体"
	case kNonEnterprise:
		return "民办非企业单位"
	case kFoundation:
		return "基金会"
	case kPublic:
		return "事业单位"
	}
	return "机关"
}

var (
	llcTypes       = []string{"有限责任公司（自然人投资或控股）", "有限责任公司（自然人独资）", "其他有限责任公司"}
	llcTypeWeights = []int{60, 30, 10}
)

// registrationStatus is a 登记状态 of a subject in business: 存续, or 在业
// as many registers write it for 个体工商户 and some firms.
func registrationStatus(r *rng, k kind) string {
	switch {
	case k == kIndividual && r.chance(0.5), k == kEnterprise && r.chance(0.1):
		return "在业"
	}
	return "存续"
}

// registeredCapital draws the 注册资本 (or 出资额, 资金数额, 开办资金,
// 原始基金) of a subject of kind k in fen (0.01 元); 0 for government
// bodies, which have none. Amounts are mostly round, as registered.
func registeredCapital(r *rng, k kind, name string) uint64 {
	var lo, hi float64 // 万元
	switch k {
	case kEnterprise:
		switch {
		case strings.Contains(name, "集团"):
			lo, hi = 5_000, 50_000
		case strings.Contains(name, "股份有限公司"):
			lo, hi = 500, 20_000
		case strings.Contains(name, "合伙企业"):
			lo, hi = 100, 5_000
		default:
			lo, hi = 10, 5_000
		}
	case kCoop:
		lo, hi = 5, 500
	case kIndividual:
		lo, hi = 1, 50
	case kAssociation:
		lo, hi = 3, 50
	case kNonEnterprise:
		lo, hi = 3, 200
	case kFoundation:
		lo, hi = 200, 2_000 // 地方性公募基金会 at least 200 万元
	case kPublic:
		lo, hi = 10, 5_000
	default:
		return 0
	}
	v := logUniform(r, lo, hi)
	const fenPerWan = 1_000_000
	var step float64 // rounding step in 万元
	switch {
	case r.chance(0.1):
		step = 0.01 // paid in odd amounts: 123.45 万元
	case v < 10:
		step = 1
	case v < 100:
		step = 5
	case v < 1_000:
		step = 50
	default:
		step = 500
	}
	// In units of 0.01 万元 (100 元), exactly.
	hundreds := uint64(math.Round(v/step)) * uint64(math.Round(step*100))
	return max(hundreds*(fenPerWan/100), uint64(lo)*fenPerWan)
}

// scope is the 经营范围 (业务范围, 宗旨和业务范围, 主要职责) of a subject of
// kind k whose name is at tier t, position x of the kind's name space (see
// Subject): what the name says it does.
func scope(k kind, t int, x uint64) string {
	switch k {
	case kEnterprise:
		s := industryScopes[industries[x%uint64(len(industries))]]
		return marketScope(s.licensed, s.general)
	case kCoop:
		p := coopProducts[x%uint64(len(coopProducts))]
		if w, ok := coopWork[p]; ok {
			p = w
		}
		return "组织成员开展" + p + "；组织采购、供应成员所需的生产资料；组织收购、销售成员生产的产品；开展成员所需的运输、贮藏、加工、包装等服务；" +
			"引进新技术、新品种，开展与农业生产经营有关的技术培训、技术交流和信息咨询服务。"
	case kIndividual:
		s := shopScopes[shops[x%uint64(len(shops))]]
		return marketScope(s.licensed, s.general)
	case kAssociation:
		var w string
		switch t {
		case 0:
			w = associations[x%uint64(len(associations))]
		case 1:
			w = industryAssociations[x%uint64(len(industryAssociations))]
		default:
			w = townAssociations[x%uint64(len(townAssociations))]
		}
		return "业务范围：" + byKeyword(associationScopes, w) + "。"
	case kNonEnterprise:
		return "业务范围：" + nonEnterpriseScopes[nonEnterprises[x%uint64(len(nonEnterprises))]] + "。"
	case kFoundation:
		var w string
		if t == 0 {
			w = foundationTopics[x%uint64(len(foundationTopics))]
		} else {
			w = foundationForms[x%uint64(len(foundationForms))]
		}
		w = strings.TrimSuffix(w, "基金会")
		return "业务范围：接受社会捐赠；资助" + w + "相关公益项目；开展公益宣传和慈善活动。"
	case kPublic:
		var w string
		if t == 0 {
			w = publicSuffixes[x%uint64(len(publicSuffixes))]
		} else {
			w = townSuffixesPublic[x%uint64(len(townSuffixesPublic))]
		}
		return "宗旨和业务范围：" + byKeyword(publicScopes, w) + "。"
	case kGovernment:
		var w string
		if t == 0 {
			w = regionAgencies[x%uint64(len(regionAgencies))]
		} else {
			w = townSuffixesGov[x%uint64(len(townSuffixesGov))]
		}
		return "主要职责：" + byKeyword(governmentScopes, w) + "。"
	}
	return ""
}

// marketScope writes the 经营范围 of a market subject as registers do since
// the 2021 reform: 许可项目 first (when any), then 一般项目.
func marketScope(licensed, general string) string {
	s := ""
	if licensed != "" {
		s = "许可项目：" + licensed + "。（依法须经批准的项目，经相关部门批准后方可开展经营活动，具体经营项目以相关部门批准文件或许可证件为准）"
	}
	return s + "一般项目：" + general + "。（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）"
}

// keywordScope gives the scope of names containing any of keywords.
type keywordScope struct{ keywords, scope string }

// byKeyword returns the scope of the first rule a keyword of which word
// contains; the last rule, without keywords, is the default.
func byKeyword(rules []keywordScope, word string) string {
	for _, rule := range rules {
		if rule.keywords == "" {
			return rule.scope
		}
		for _, kw := range strings.Fields(rule.keywords) {
			if strings.Contains(word, kw) {
				return rule.scope
			}
		}
	}
	return ""
}

// scopeItems are the licensed (许可项目) and general (一般项目) items of a
// business scope.
type scopeItems struct{ licensed, general string }

// industryScopes is the scope of an enterprise by the industry in its name.
var industryScopes = map[string]scopeItems{
	"汽车零部件":  {"", "汽车零部件及配件制造；汽车零配件批发；汽车零配件零售；机械零件、零部件加工"},
	"建筑工程":   {"建设工程施工", "工程管理服务；建筑材料销售；建筑工程机械与设备租赁"},
	"商贸":     {"", "日用百货销售；五金产品批发；五金产品零售；针纺织品销售；办公用品销售；电子产品销售；建筑材料销售"},
	"物流":     {"道路货物运输（不含危险货物）", "普通货物仓储服务（不含危险化学品等需许可审批的项目）；国内货物运输代理；装卸搬运；供应链管理服务"},
	"食品":     {"食品生产；食品销售", "食用农产品初加工；食用农产品批发"},
	"农业科技":   {"", "农业科学研究和试验发展；技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广；谷物种植；化肥销售"},
	"医药":     {"药品批发；药品零售", "第一类医疗器械销售；第二类医疗器械销售；保健食品（预包装）销售"},
	"房地产开发":  {"房地产开发经营", "房地产经纪；房地产咨询；住房租赁"},
	"物业管理":   {"", "物业管理；停车场服务；家政服务；专业保洁、清洗、消毒服务；园林绿化工程施工"},
	"餐饮管理":   {"餐饮服务", "餐饮管理；食品销售（仅销售预包装食品）"},
	"酒店管理":   {"住宿服务；餐饮服务", "酒店管理；会议及展览服务"},
	"信息技术":   {"", "信息技术咨询服务；信息系统集成服务；软件开发；计算机系统服务；数据处理和存储支持服务"},
	"网络科技":   {"第二类增值电信业务", "网络技术服务；软件开发；互联网销售（除销售需要许可的商品）；广告设计、代理"},
	"电子科技":   {"", "电子元器件制造；电子产品销售；计算机软硬件及辅助设备零售；技术服务、技术开发、技术咨询"},
	"机械制造":   {"", "通用设备制造（不含特种设备制造）；专用设备制造（不含许可类专业设备制造）；机械设备研发；机械设备销售"},
	"化工":     {"危险化学品经营", "化工产品销售（不含许可类化工产品）；专用化学产品制造（不含危险化学品）"},
	"新材料":    {"", "新材料技术研发；高性能纤维及复合材料制造；合成材料销售；技术服务、技术开发"},
	"生物科技":   {"", "生物基材料技术研发；生物有机肥料研发；技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广"},
	"人参制品":   {"食品生产；保健食品生产", "人参种植；初级农产品收购；地产中草药（不含中药饮片）购销"},
	"矿泉水":    {"饮料生产；食品销售", "包装材料及制品销售"},
	"木业":     {"", "木材加工；木制品制造；木材销售；人造板制造"},
	"家具":     {"", "家具制造；家具销售；家具安装和维修服务；木制品销售"},
	"服装":     {"", "服装制造；服装服饰批发；服装服饰零售；针纺织品销售"},
	"印刷":     {"包装装潢印刷品印刷；文件、资料等其他印刷品印刷", "平面设计；办公服务"},
	"广告":     {"", "广告设计、代理；广告制作；广告发布；图文设计制作；会议及展览服务"},
	"文化传媒":   {"广播电视节目制作经营", "组织文化艺术交流活动；文艺创作；摄像及视频制作服务；广告制作；会议及展览服务"},
	"旅游开发":   {"旅游业务", "旅游开发项目策划咨询；游览景区管理；休闲观光活动；酒店管理"},
	"教育咨询":   {"", "教育咨询服务（不含涉许可审批的教育培训活动）；信息咨询服务（不含许可类信息咨询服务）；组织文化艺术交流活动"},
	"人力资源服务": {"职业中介活动", "人力资源服务（不含职业中介活动、劳务派遣服务）；企业管理咨询"},
	"劳务派遣":   {"劳务派遣服务", "劳务服务（不含劳务派遣）；人力资源服务（不含职业中介活动、劳务派遣服务）"},
	"装饰工程":   {"住宅室内装饰装修；建设工程施工", "建筑装饰材料销售；家具安装和维修服务"},
	"市政工程":   {"建设工程施工", "市政设施管理；园林绿化工程施工；土石方工程施工"},
	"路桥工程":   {"公路管理与养护；建设工程施工", "工程管理服务；建筑材料销售"},
	"水利工程":   {"水利工程建设监理；建设工程施工", "水利相关咨询服务；水资源管理"},
	"电力工程":   {"输电、供电、受电电力设施的安装、维修和试验；建设工程施工", "电气设备销售；电力设施器材销售"},
	"环保科技":   {"", "环保咨询服务；污水处理及其再生利用；固体废物治理；大气污染治理；技术服务、技术开发"},
	"新能源":    {"发电业务、输电业务、供（配）电业务", "太阳能发电技术服务；风力发电技术服务；光伏设备及元器件销售；储能技术服务"},
	"石油化工":   {"危险化学品经营", "石油制品销售（不含危险化学品）；化工产品销售（不含许可类化工产品）"},
	"燃气":     {"燃气经营；燃气燃烧器具安装、维修", "燃气器具销售"},
	"供热":     {"供暖服务", "热力生产和供应；通用设备修理"},
	"热电":     {"发电业务、输电业务、供（配）电业务；供暖服务", "热力生产和供应"},
	"钢材":     {"", "金属材料销售；建筑用钢筋产品销售；金属制品销售；金属结构销售"},
	"冶金":     {"", "钢压延加工；有色金属压延加工；冶金专用设备制造"},
	"建材":     {"", "建筑材料销售；轻质建筑材料制造；建筑防水卷材产品销售；保温材料销售"},
	"水泥制品":   {"", "水泥制品制造；水泥制品销售；砼结构构件制造；建筑砌块制造"},
	"粮食贸易":   {"", "粮食收购；谷物销售；豆及薯类销售；粮油仓储服务；农副产品销售"},
	"米业":     {"粮食加工食品生产；食品销售", "谷物种植；粮食收购；谷物销售"},
	"乳业":     {"乳制品生产；食品销售", "牲畜饲养；食用农产品初加工"},
	"肉类加工":   {"牲畜屠宰；食品生产", "食用农产品初加工；鲜肉批发；鲜肉零售"},
	"饲料":     {"饲料生产", "饲料原料销售；畜牧渔业饲料销售"},
	"种业":     {"主要农作物种子生产；农作物种子经营", "谷物种植；农业科学研究和试验发展"},
	"农机":     {"", "农业机械制造；农业机械销售；农业机械服务；农业机械租赁"},
	"畜牧":     {"动物饲养；种畜禽生产", "牲畜销售；畜牧专业及辅助性活动"},
	"食用菌":    {"食用菌菌种生产", "食用菌种植；食用农产品初加工；食用农产品批发"},
	"中药材":    {"", "中草药种植；中草药收购；地产中草药（不含中药饮片）购销"},
	"医疗器械":   {"第三类医疗器械经营", "第一类医疗器械销售；第二类医疗器械销售；医护人员防护用品批发"},
	"保健品":    {"保健食品生产；食品销售", "保健食品（预包装）销售"},
	"酒业":     {"酒类生产；食品销售", "食用农产品批发"},
	"煤炭":     {"煤炭开采", "煤炭及制品销售；煤制品制造；选矿"},
	"矿业":     {"非煤矿山矿产资源开采", "选矿；矿物洗选加工；非金属矿及制品销售"},
	"运输":     {"道路货物运输（不含危险货物）", "国内货物运输代理；装卸搬运；机动车修理和维护"},
	"客运":     {"道路旅客运输经营；城市公共交通", "汽车租赁；旅客票务代理"},
	"出租汽车":   {"巡游出租汽车经营服务；网络预约出租汽车经营服务", "机动车修理和维护"},
	"汽车销售":   {"", "汽车新车销售；汽车零配件零售；汽车装饰用品销售；二手车经纪；机动车修理和维护"},
	"汽车租赁":   {"", "小微型客车租赁经营服务；汽车租赁；机动车修理和维护"},
	"二手车":    {"", "二手车经纪；二手车鉴定评估；汽车零配件零售"},
	"石油销售":   {"成品油零售（限危险化学品）；危险化学品经营", "润滑油销售；日用百货销售"},
	"超市":     {"食品销售", "日用百货销售；食用农产品零售；母婴用品销售；文具用品零售"},
	"医药连锁":   {"药品零售；药品批发", "第二类医疗器械销售；保健食品（预包装）销售"},
	"商业管理":   {"", "商业综合体管理服务；非居住房地产租赁；物业管理；市场营销策划"},
	"投资管理":   {"", "以自有资金从事投资活动；企业管理咨询；财务咨询"},
	"安全技术服务": {"安全评价业务", "安全咨询服务；安全系统监控服务；消防技术服务"},
	"检测技术":   {"检验检测服务", "技术服务、技术开发、技术咨询；计量技术服务"},
	"工程监理":   {"建设工程监理", "工程管理服务；工程造价咨询业务"},
	"工程咨询":   {"建设工程勘察；建设工程设计", "工程管理服务；工程造价咨询业务；规划设计管理"},
	"软件":     {"", "软件开发；软件销售；信息系统集成服务；信息技术咨询服务"},
	"通信工程":   {"建设工程施工", "通信设备销售；信息系统集成服务；5G通信技术服务"},
	"冷链物流":   {"道路货物运输（不含危险货物）", "低温仓储（不含危险化学品等需许可审批的项目）；供应链管理服务；食用农产品批发"},
	"包装":     {"包装装潢印刷品印刷", "包装材料及制品销售；纸和纸板容器制造；塑料包装箱及容器制造"},
	"玻璃":     {"", "玻璃制造；技术玻璃制品制造；建筑装饰材料销售"},
}

// coopWork rewrites the 农民专业合作社 products that do not read as work.
var coopWork = map[string]string{
	"蜂业":   "蜜蜂养殖及蜂产品加工",
	"农机":   "农机作业服务",
	"土地股份": "土地股份合作经营",
	"鲜食玉米": "鲜食玉米种植及加工",
}

// shopScopes is the scope of an individual business by its shop.
var shopScopes = func() map[string]scopeItems {
	groups := []struct {
		shops string
		scopeItems
	}{
		{"面馆 饺子馆 烧烤店 快餐店 小吃部 冷面馆 朝鲜族饭店 包子铺 火锅店 酸菜鱼馆 米粉店 麻辣烫店 炸鸡店 小酒馆 粥铺 烤肉店 串店 砂锅居",
			scopeItems{"餐饮服务", "食品销售（仅销售预包装食品）"}},
		{"奶茶店 面包房 蛋糕店", scopeItems{"餐饮服务；食品小作坊经营", "食品销售（仅销售预包装食品）"}},
		{"便利店 超市 日杂商店 食杂店 水果店 蔬菜店 粮油店 熟食店 肉店 鲜鱼店 调料店 茶叶店",
			scopeItems{"食品销售", "日用百货销售；食用农产品零售"}},
		{"烟酒店", scopeItems{"烟草制品零售；食品销售", "日用百货销售"}},
		{"豆腐坊", scopeItems{"食品小作坊经营", "食用农产品零售"}},
		{"五金店 建材商店 装饰材料商店 门窗店 劳保用品店", scopeItems{"", "五金产品零售；建筑材料销售；建筑装饰材料销售；门窗销售；劳动保护用品销售"}},
		{"服装店 鞋店 床上用品店 窗帘店 布艺店 饰品店", scopeItems{"", "服装服饰零售；鞋帽零售；针纺织品销售；家居用品销售；日用杂品销售"}},
		{"理发店 美容美发店", scopeItems{"理发服务；生活美容服务", "化妆品零售"}},
		{"洗衣店 干洗店", scopeItems{"", "洗烫服务；洗染服务"}},
		{"修车行 汽车修理部 轮胎店 汽车美容店 洗车行", scopeItems{"", "机动车修理和维护；洗车服务；汽车零配件零售；轮胎销售"}},
		{"手机维修部 电器维修部 钟表维修部 开锁部", scopeItems{"", "通讯设备修理；日用电器修理；钟表与计时仪器修理；日用品修理；锁具销售"}},
		{"家电商店", scopeItems{"", "家用电器销售；家用电器安装服务；日用电器修理"}},
		{"文具店 打印部 照相馆", scopeItems{"", "文具用品零售；办公服务；图文设计制作；摄影扩印服务"}},
		{"图书店", scopeItems{"出版物零售", "文具用品零售"}},
		{"花店", scopeItems{"", "鲜花零售；花卉绿植租借与代管理；礼品花卉销售"}},
		{"眼镜店", scopeItems{"", "眼镜销售（不含隐形眼镜）；验光配镜服务"}},
		{"家政服务部 搬家服务部", scopeItems{"", "家政服务；装卸搬运；专业保洁、清洗、消毒服务"}},
		{"货运部", scopeItems{"道路货物运输（不含危险货物）", "装卸搬运；国内货物运输代理"}},
		{"农资商店", scopeItems{"农药零售", "化肥销售；农用薄膜销售；农业机械销售"}},
		{"种子商店", scopeItems{"农作物种子经营", "化肥销售；农业机械销售"}},
		{"宠物店", scopeItems{"", "宠物食品及用品零售；宠物服务（不含动物诊疗）"}},
		{"足疗店", scopeItems{"", "养生保健服务（非医疗）；足浴服务"}},
		{"台球厅", scopeItems{"", "台球活动；体育用品及器材零售"}},
		{"自行车行 电动车行", scopeItems{"", "自行车及零配件零售；电动自行车销售；自行车修理"}},
		{"母婴店 化妆品店", scopeItems{"", "母婴用品销售；化妆品零售；日用百货销售"}},
		{"渔具店", scopeItems{"", "渔具销售；体育用品及器材零售"}},
		{"废品收购站", scopeItems{"", "再生资源回收（除生产性废旧金属）；生产性废旧金属回收"}},
		{"旅馆 宾馆", scopeItems{"住宿服务", "日用百货销售；停车场服务"}},
		{"网吧", scopeItems{"互联网上网服务", "食品销售（仅销售预包装食品）；办公服务"}},
		{"歌厅", scopeItems{"歌舞娱乐活动", "日用百货销售"}},
		{"浴池", scopeItems{"洗浴服务", "养生保健服务（非医疗）；日用百货销售"}},
		{"大药房", scopeItems{"药品零售", "第二类医疗器械销售；保健食品（预包装）销售；日用百货销售"}},
		{"兽药店", scopeItems{"兽药经营", "畜牧渔业饲料销售；宠物食品及用品零售"}},
	}
	m := map[string]scopeItems{}
	for _, g := range groups {
		for _, s := range strings.Fields(g.shops) {
			m[s] = g.scopeItems
		}
	}
	return m
}()

// nonEnterpriseScopes is the 业务范围 of a 民办非企业单位.
var nonEnterpriseScopes = map[string]string{
	"培训学校":     "文化教育培训（非学历）",
	"职业技能培训学校": "职业技能培训（非学历）",
	"艺术培训学校":   "音乐、舞蹈、美术等艺术培训（非学历）",
	"幼儿园":      "学前教育",
	"养老院":      "为老年人提供生活照料、康复护理、精神慰藉等养老服务",
	"托育中心":     "为3岁以下婴幼儿提供托育服务",
	"社会工作服务中心": "社会工作服务；社区服务；志愿服务组织协调",
	"康复中心":     "残疾人康复训练；康复咨询",
	"文化艺术中心":   "组织文化艺术交流；文艺演出；艺术培训",
	"心理咨询服务中心": "心理健康咨询；心理健康知识宣传；心理测评",
	"体育健身俱乐部":  "组织群众性体育健身活动；体育运动培训；体育赛事服务",
	"医院":       "预防保健、医疗与护理服务",
}

// associationScopes, publicScopes and governmentScopes are the scopes of
// social organisations, public institutions and government bodies, by the
// words of their names.
var (
	associationScopes = []keywordScope{
		{"商会", "加强会员联系，开展行业调研、经贸交流和招商引资服务，维护会员合法权益"},
		{"企业家 个体劳动者", "开展调研、培训和交流活动，反映会员诉求，维护会员合法权益，承办政府部门委托事项"},
		{"学会", "开展学术交流、科普宣传、业务培训和咨询服务，编辑学术资料"},
		{"家协会", "组织会员开展创作、展览、交流和培训活动，评选优秀作品，培养扶持人才"},
		{"体育 足球 篮球 围棋", "组织开展群众性体育活动和比赛，开展培训、交流和裁判员管理"},
		{"慈善 志愿者", "募集慈善资金，开展扶贫济困、志愿服务等公益活动"},
		{"老年人", "组织老年人开展文体活动，维护老年人合法权益"},
		{"", "开展行业自律、行业调研、业务培训、信息交流和咨询服务，维护会员合法权益，承办政府部门委托事项"},
	}
	publicScopes = []keywordScope{
		{"幼儿园", "实施学前教育，促进幼儿身心健康发展"},
		{"职业", "实施中等职业学历教育，开展职业技能培训"},
		{"特殊教育", "为残疾儿童少年实施义务教育和康复训练"},
		{"小学 中学", "实施基础教育，促进基础教育发展"},
		{"医院 卫生院 保健院", "为人民身体健康提供医疗与护理保健服务，开展基本公共卫生服务"},
		{"疾病预防控制", "开展疾病预防控制、突发公共卫生事件应急处置和健康教育"},
		{"卫生监督", "承担卫生健康监督执法的辅助性工作"},
		{"图书馆 文化馆 博物馆 档案馆 文化站", "收藏、保护和展示文献资料与文物，开展公共文化服务"},
		{"广播电视", "制作、播出广播电视节目，开展公共信息服务"},
		{"公证处", "依法办理公证事项，提供法律服务"},
		{"执法大队", "承担相关领域综合行政执法的辅助性工作"},
		{"农业 畜牧 兽医 林业 动物疫病", "开展农业、畜牧和林业技术推广、疫病防控和技术服务"},
		{"", "提供公益服务，承担职责范围内的事务性、技术性和辅助性工作"},
	}
	governmentScopes = []keywordScope{
		{"乡人民政府 镇人民政府", "依法履行本乡镇经济发展、社会管理、公共服务和基层治理职责"},
		{"街道办事处", "依法履行辖区社会管理、公共服务和基层治理职责"},
		{"人民法院", "依法审理刑事、民事、行政等案件，执行生效裁判"},
		{"人民检察院", "依法行使检察权，开展法律监督"},
		{"", "贯彻执行有关法律法规和方针政策，依法履行本机关职责"},
	}
)

// registrarKind returns the kind of department that registers subjects of
// kind k, "" for market subjects.
func registrarKind(k kind) string {
	switch k {
	case kAssociation, kNonEnterprise, kFoundation:
		return KindCivilAffairs
	case kPublic, kGovernment:
		return KindEstablishment
	}
	return ""
}
