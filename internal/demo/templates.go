package demo

import (
	"fmt"
	"strings"

	"jlcredit/internal/subject"
)

// violation is a penalty template: what was done and the provisions
// violated and applied.
type violation struct {
	wfxw   string // 违法行为类型
	act    string // 违法事实, after "在{地点}"
	rule   string // the provision violated
	basis  string // the provision applied
	person bool   // may concern a natural person
}

// personOnly names the violations (by 违法行为类型) only a natural person
// commits, offences against public order: never an organisation's case.
var personOnly = map[string]bool{"殴打他人": true, "盗窃": true, "参与赌博": true, "寻衅滋事": true}

// violations per department kind. The provisions are real articles of the
// laws named; the pairing of a case with a 处罚类别 is random, so a record
// may apply a measure the article does not provide for.
var violations = map[string][]violation{
	KindMarket: {
		{"经营超过保质期的食品", "经营超过保质期的预包装食品，货值金额较小", "《中华人民共和国食品安全法》第三十四条第（十）项", "《中华人民共和国食品安全法》第一百二十四条第一款第（五）项", false},
		{"未取得食品经营许可从事食品经营活动", "未取得食品经营许可从事餐饮服务活动", "《中华人民共和国食品安全法》第三十五条第一款", "《中华人民共和国食品安全法》第一百二十二条第一款", true},
		{"虚假宣传", "通过店内宣传展板对商品的性能、功能作虚假的商业宣传", "《中华人民共和国反不正当竞争法》第八条第一款", "《中华人民共和国反不正当竞争法》第二十条第一款", false},
		{"销售不合格产品", "销售经抽样检验不合格的产品", "《中华人民共和国产品质量法》第三十九条", "《中华人民共和国产品质量法》第五十条", false},
		{"特种设备未按规定定期检验", "使用未经定期检验的电梯", "《中华人民共和国特种设备安全法》第四十条第三款", "《中华人民共和国特种设备安全法》第八十四条第（一）项", false},
		{"不明码标价", "销售商品未按照规定明码标价", "《中华人民共和国价格法》第十三条第一款", "《明码标价和禁止价格欺诈规定》第二十一条", true},
		{"销售侵犯注册商标专用权的商品", "销售侵犯他人注册商标专用权的商品", "《中华人民共和国商标法》第五十七条第（三）项", "《中华人民共和国商标法》第六十条第二款", true},
		{"发布违法广告", "发布含有“国家级”“最佳”等用语的广告", "《中华人民共和国广告法》第九条第（三）项", "《中华人民共和国广告法》第五十七条第（一）项", false},
		{"使用未经检定的计量器具", "使用未经检定的电子计价秤", "《中华人民共和国计量法》第九条第一款", "《中华人民共和国计量法实施细则》第四十三条", true},
		{"未按规定储存药品", "未按照药品经营质量管理规范的要求储存需冷藏的药品", "《中华人民共和国药品管理法》第五十三条第一款", "《中华人民共和国药品管理法》第一百二十六条", false},
	},
	KindEnvironment: {
		{"超标排放大气污染物", "锅炉排放的大气污染物浓度超过国家规定的排放标准", "《中华人民共和国大气污染防治法》第十八条", "《中华人民共和国大气污染防治法》第九十九条第（二）项", false},
		{"未采取有效扬尘防治措施", "建设工地未采取覆盖、围挡等有效扬尘防治措施", "《中华人民共和国大气污染防治法》第六十九条第三款", "《中华人民共和国大气污染防治法》第一百一十五条第一款第（一）项", false},
		{"露天焚烧秸秆", "露天焚烧农作物秸秆", "《中华人民共和国大气污染防治法》第七十七条", "《中华人民共和国大气污染防治法》第一百一十九条第一款", true},
		{"逃避监管排放水污染物", "通过暗管排放生产废水", "《中华人民共和国水污染防治法》第三十九条", "《中华人民共和国水污染防治法》第八十三条第（三）项", false},
		{"建设项目未批先建", "建设项目环境影响评价文件未经批准擅自开工建设", "《中华人民共和国环境影响评价法》第二十五条", "《中华人民共和国环境影响评价法》第三十一条第一款", false},
		{"未按规定贮存危险废物", "将废机油等危险废物露天堆放，未按规定贮存", "《中华人民共和国固体废物污染环境防治法》第八十一条第一款", "《中华人民共和国固体废物污染环境防治法》第一百一十二条第一款第（六）项", false},
		{"无证排污", "未取得排污许可证排放污染物", "《排污许可管理条例》第二条第一款", "《排污许可管理条例》第三十三条第（一）项", false},
	},
	KindTransport: {
		{"未取得道路运输经营许可擅自从事道路客运经营", "驾驶小型客车未取得道路运输经营许可擅自从事道路旅客运输经营", "《中华人民共和国道路运输条例》第十条", "《中华人民共和国道路运输条例》第六十三条", true},
		{"车辆超限运输", "驾驶货运车辆违法超限运输", "《公路安全保护条例》第三十三条第一款", "《公路安全保护条例》第六十四条", true},
		{"未取得网约车经营许可从事网约车经营", "未取得网络预约出租汽车经营许可从事网约车经营服务", "《网络预约出租汽车经营服务管理暂行办法》第十三条", "《网络预约出租汽车经营服务管理暂行办法》第三十四条", true},
		{"未按规定维护和检测运输车辆", "未按照规定对营运车辆进行维护和检测", "《中华人民共和国道路运输条例》第三十条", "《中华人民共和国道路运输条例》第七十条第一款", false},
		{"客运车辆不按批准的线路运营", "客运班车不按照批准的客运线路运营", "《道路旅客运输及客运站管理规定》第五十八条", "《道路旅客运输及客运站管理规定》第一百零二条", false},
	},
	KindHousing: {
		{"未取得施工许可证擅自施工", "未取得建筑工程施工许可证擅自开工建设", "《中华人民共和国建筑法》第七条第一款", "《建筑工程施工许可管理办法》第十二条", false},
		{"未组织竣工验收擅自交付使用", "建设工程未组织竣工验收擅自交付使用", "《建设工程质量管理条例》第十六条", "《建设工程质量管理条例》第五十八条", false},
		{"违法分包", "将承包的工程违法分包给不具备相应资质的单位", "《建设工程质量管理条例》第二十五条第三款", "《建设工程质量管理条例》第六十二条第一款", false},
		{"未取得商品房预售许可证预售商品房", "未取得商品房预售许可证向买受人预售商品房", "《城市房地产开发经营管理条例》第二十二条", "《城市房地产开发经营管理条例》第三十六条", false},
		{"施工现场安全防护措施不到位", "施工现场未按规定设置安全防护设施", "《建设工程安全生产管理条例》第二十八条", "《建设工程安全生产管理条例》第六十四条", false},
	},
	KindSafety: {
		{"未按规定对从业人员进行安全生产教育和培训", "未按照规定对从业人员进行安全生产教育和培训", "《中华人民共和国安全生产法》第二十八条第一款", "《中华人民共和国安全生产法》第九十七条第（三）项", false},
		{"未建立事故隐患排查治理制度", "未建立安全风险分级管控和事故隐患排查治理制度", "《中华人民共和国安全生产法》第四十一条第二款", "《中华人民共和国安全生产法》第一百零一条第（五）项", false},
		{"特种作业人员未持证上岗", "特种作业人员未按照规定经专门的安全作业培训并取得相应资格即上岗作业", "《中华人民共和国安全生产法》第三十条第一款", "《中华人民共和国安全生产法》第九十七条第（七）项", false},
		{"未经许可经营危险化学品", "未取得危险化学品经营许可证经营危险化学品", "《危险化学品安全管理条例》第三十三条第一款", "《危险化学品安全管理条例》第七十七条第三款", false},
		{"非法经营烟花爆竹", "未经许可经营烟花爆竹制品", "《烟花爆竹安全管理条例》第三条", "《烟花爆竹安全管理条例》第三十六条第一款", true},
	},
	KindHealth: {
		{"公共场所未取得卫生许可证", "经营公共场所未取得公共场所卫生许可证", "《公共场所卫生管理条例实施细则》第二十二条", "《公共场所卫生管理条例实施细则》第三十五条", false},
		{"使用非卫生技术人员从事医疗卫生技术工作", "使用非卫生技术人员从事医疗卫生技术工作", "《医疗机构管理条例》第二十七条", "《医疗机构管理条例》第四十七条", false},
		{"非法行医", "未取得医疗机构执业许可证擅自开展诊疗活动", "《中华人民共和国基本医疗卫生与健康促进法》第三十八条", "《中华人民共和国基本医疗卫生与健康促进法》第九十九条第一款", true},
		{"医疗废物管理不规范", "未将医疗废物按照类别分置于专用包装物或者容器", "《医疗废物管理条例》第十六条", "《医疗废物管理条例》第四十六条第（一）项", false},
		{"未按规定组织职业健康检查", "未按照规定组织劳动者进行职业健康检查", "《中华人民共和国职业病防治法》第三十五条", "《中华人民共和国职业病防治法》第七十一条第（四）项", false},
	},
	KindCulture: {
		{"网吧接纳未成年人", "互联网上网服务营业场所接纳未成年人进入", "《互联网上网服务营业场所管理条例》第二十一条", "《互联网上网服务营业场所管理条例》第三十一条第（二）项", false},
		{"娱乐场所超时营业", "娱乐场所在每日凌晨2时至上午8时营业", "《娱乐场所管理条例》第二十八条", "《娱乐场所管理条例》第四十九条第（一）项", false},
		{"未与旅游者订立书面旅游合同", "旅行社未与旅游者订立书面包价旅游合同", "《中华人民共和国旅游法》第五十八条", "《旅行社条例》第五十五条", false},
		{"未经批准举办营业性演出", "未经批准擅自举办营业性演出", "《营业性演出管理条例》第十三条", "《营业性演出管理条例》第四十四条第一款", true},
	},
	KindAgriculture: {
		{"经营假农药", "经营假农药", "《农药管理条例》第四十四条", "《农药管理条例》第五十五条第一款第（一）项", true},
		{"非法捕捞", "在禁渔期内使用禁用渔具进行捕捞", "《中华人民共和国渔业法》第三十条", "《中华人民共和国渔业法》第三十八条第一款", true},
		{"经营劣种子", "销售质量低于标签标注指标的劣种子", "《中华人民共和国种子法》第四十九条", "《中华人民共和国种子法》第七十五条", false},
		{"经营未经检疫的动物产品", "经营依法应当检疫而未经检疫的动物产品", "《中华人民共和国动物防疫法》第二十九条第（三）项", "《中华人民共和国动物防疫法》第九十七条", true},
		{"经营假兽药", "经营假兽药", "《兽药管理条例》第二十七条", "《兽药管理条例》第五十六条第一款", false},
	},
	KindResources: {
		{"非法占用土地", "未经批准非法占用集体土地建设建筑物", "《中华人民共和国土地管理法》第四十四条第一款", "《中华人民共和国土地管理法》第七十七条第一款", true},
		{"未取得采矿许可证擅自采矿", "未取得采矿许可证擅自开采建筑用砂石", "《中华人民共和国矿产资源法》第三条第三款", "《中华人民共和国矿产资源法》第三十九条", true},
		{"未取得建设工程规划许可证进行建设", "未取得建设工程规划许可证进行建设", "《中华人民共和国城乡规划法》第四十条第一款", "《中华人民共和国城乡规划法》第六十四条", false},
	},
	KindHRSS: {
		{"拖欠劳动者工资", "克扣、无故拖欠劳动者工资报酬", "《保障农民工工资支付条例》第十五条", "《劳动保障监察条例》第二十六条", false},
		{"未依法缴纳社会保险费", "未按时足额缴纳社会保险费", "《中华人民共和国社会保险法》第六十条第一款", "《中华人民共和国社会保险法》第八十六条", false},
		{"未经许可从事劳务派遣", "未经许可擅自经营劳务派遣业务", "《中华人民共和国劳动合同法》第五十七条第二款", "《中华人民共和国劳动合同法》第九十二条第一款", false},
		{"违法延长劳动者工作时间", "安排劳动者延长工作时间超过法定标准", "《中华人民共和国劳动法》第四十一条", "《劳动保障监察条例》第二十五条", false},
	},
	KindPolice: {
		{"殴打他人", "因琐事与他人发生纠纷并殴打他人", "《中华人民共和国治安管理处罚法》第四十三条第一款", "《中华人民共和国治安管理处罚法》第四十三条第一款", true},
		{"盗窃", "趁无人看管之机窃取他人财物", "《中华人民共和国治安管理处罚法》第四十九条", "《中华人民共和国治安管理处罚法》第四十九条", true},
		{"参与赌博", "以营利为目的参与赌博，赌资较大", "《中华人民共和国治安管理处罚法》第七十条", "《中华人民共和国治安管理处罚法》第七十条", true},
		{"寻衅滋事", "无故滋扰他人，扰乱公共秩序", "《中华人民共和国治安管理处罚法》第二十六条第（四）项", "《中华人民共和国治安管理处罚法》第二十六条", true},
		{"旅馆未按规定登记住宿旅客信息", "旅馆业工作人员未按规定登记住宿旅客身份信息", "《中华人民共和国治安管理处罚法》第五十六条第一款", "《中华人民共和国反恐怖主义法》第八十六条第二款", false},
	},
	KindTax: {
		{"未按照规定期限办理纳税申报", "未按照规定期限办理增值税纳税申报和报送纳税资料", "《中华人民共和国税收征收管理法》第二十五条第一款", "《中华人民共和国税收征收管理法》第六十二条", true},
		{"偷税", "通过在账簿上少列收入的手段少缴应纳税款", "《中华人民共和国税收征收管理法》第六十三条第一款", "《中华人民共和国税收征收管理法》第六十三条第一款", false},
		{"未按规定开具发票", "应当开具发票而未开具发票", "《中华人民共和国发票管理办法》第十八条", "《中华人民共和国发票管理办法》第三十三条第一款", true},
		{"未按照规定设置、保管账簿", "未按照规定设置、保管账簿和记账凭证", "《中华人民共和国税收征收管理法》第十九条", "《中华人民共和国税收征收管理法》第六十条第一款第（二）项", false},
		{"虚开发票", "为他人开具与实际经营业务情况不符的发票", "《中华人民共和国发票管理办法》第二十一条第二款", "《中华人民共和国发票管理办法》第三十五条", false},
	},
	KindEducation: {
		{"民办学校擅自招生", "未经审批擅自扩大办学规模招收学生", "《中华人民共和国民办教育促进法》第二十九条", "《中华人民共和国民办教育促进法》第六十二条第（三）项", false},
		{"擅自举办民办学校", "未经批准擅自举办校外培训机构", "《中华人民共和国民办教育促进法》第十二条", "《中华人民共和国民办教育促进法》第六十四条", true},
	},
	KindCommerce: {
		{"单用途预付卡未按规定备案", "发行单用途商业预付卡未按规定办理备案", "《单用途商业预付卡管理办法（试行）》第七条", "《单用途商业预付卡管理办法（试行）》第三十六条", false},
		{"再生资源回收经营者未备案", "从事再生资源回收经营活动未向商务主管部门备案", "《再生资源回收管理办法》第七条", "《再生资源回收管理办法》第二十二条", true},
		{"违规回收拆解报废机动车", "未按规定回收拆解报废机动车", "《报废机动车回收管理办法》第十二条", "《报废机动车回收管理办法》第二十一条", false},
	},
	KindWater: {
		{"未经批准擅自取水", "未经批准擅自取用地下水", "《中华人民共和国水法》第四十八条第一款", "《中华人民共和国水法》第六十九条第（一）项", false},
		{"在河道管理范围内非法采砂", "未经许可在河道管理范围内采砂", "《中华人民共和国河道管理条例》第二十五条", "《中华人民共和国河道管理条例》第四十四条第一款", true},
		{"未编报水土保持方案", "生产建设项目未依法编报水土保持方案擅自开工建设", "《中华人民共和国水土保持法》第二十五条第一款", "《中华人民共和国水土保持法》第五十三条第（一）项", false},
	},
	KindUrban: {
		{"占道经营", "擅自占用城市道路摆摊经营", "《城市市容和环境卫生管理条例》第十四条", "《城市市容和环境卫生管理条例》第三十六条第（二）项", true},
		{"擅自设置户外广告", "未经批准擅自设置大型户外广告牌", "《城市市容和环境卫生管理条例》第十一条", "《城市市容和环境卫生管理条例》第三十六条第（一）项", false},
		{"随意倾倒建筑垃圾", "将建筑垃圾随意倾倒在非指定地点", "《城市建筑垃圾管理规定》第九条", "《城市建筑垃圾管理规定》第二十条", true},
		{"未经批准擅自挖掘城市道路", "未经批准擅自挖掘城市道路", "《城市道路管理条例》第三十三条", "《城市道路管理条例》第四十二条第（二）项", false},
		{"餐饮服务油烟超标排放", "餐饮服务项目未安装油烟净化设施超标排放油烟", "《中华人民共和国大气污染防治法》第八十一条第一款", "《中华人民共和国大气污染防治法》第一百一十八条第一款", true},
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
}

var licenseTemplates = map[string][]licenseTemplate{
	KindMarket: {
		{"准予设立登记通知书", "营业执照", "登记", []string{"准予设立登记", "准予变更登记（经营范围变更）", "准予变更登记（住所变更）"},
			func(c *licCtx) string { return c.s.USCC }, []int{0, 0, 0, 240, 360}, orgs},
		{"食品经营许可决定书", "食品经营许可证", "普通", []string{"经营项目：预包装食品（含冷藏冷冻食品）销售；散装食品（不含冷藏冷冻食品）销售", "经营项目：热食类食品制售；冷食类食品制售", "经营项目：预包装食品（不含冷藏冷冻食品）销售；保健食品销售", "经营项目：糕点类食品制售（含裱花蛋糕）；自制饮品制售"},
			func(c *licCtx) string { return fmt.Sprintf("JY%d%s%s", 1+c.r.intn(3), c.region, c.digits(7)) }, []int{60}, orgs},
		{"食品生产许可决定书", "食品生产许可证", "普通", []string{"食品类别：粮食加工品；饮料", "食品类别：肉制品；速冻食品", "食品类别：酒类；调味品", "食品类别：糕点；豆制品"},
			func(c *licCtx) string { return "SC1" + c.digits(2) + c.region + c.digits(5) }, []int{60}, firms},
		{"药品经营许可决定书", "药品经营许可证", "普通", []string{"经营范围：中药饮片、中成药、化学药、生物制品（除疫苗）", "经营范围：处方药、甲类非处方药、乙类非处方药（零售）"},
			func(c *licCtx) string { return "吉" + []string{"AA", "CA", "DA", "BA"}[c.r.intn(4)] + c.digits(7) }, []int{60}, firms},
		{"特种设备使用登记决定书", "特种设备使用登记证", "登记", []string{"设备类别：电梯（曳引驱动乘客电梯）", "设备类别：锅炉（承压热水锅炉）", "设备类别：压力容器（储气罐）"},
			func(c *licCtx) string { return "梯11" + c.abbr + c.digits(5) + fmt.Sprintf("(%02d)", c.year%100) }, []int{0}, builders},
	},
	KindEnvironment: {
		{"排污许可决定书", "排污许可证", "普通", []string{"行业类别：锅炉；主要污染物类别：废气", "行业类别：污水处理及其再生利用；主要污染物类别：废水", "行业类别：汽车修理与维护；主要污染物类别：废气、废水"},
			func(c *licCtx) string { return c.s.USCC + []string{"001P", "001V", "001U"}[c.r.intn(3)] }, []int{60}, builders},
		{"危险废物经营许可决定书", "危险废物经营许可证", "普通", []string{"核准经营危险废物类别：HW08废矿物油与含矿物油废物；经营方式：收集、贮存、利用"},
			func(c *licCtx) string { return "JLHW" + c.region[:4] + c.digits(3) }, []int{60}, firms},
		{"建设项目环境影响报告表审批意见", "", "普通", []string{"同意该建设项目按照环境影响报告表所列的性质、规模、地点和环境保护措施进行建设"},
			nil, []int{0}, builders},
	},
	KindTransport: {
		{"道路运输经营行政许可决定书", "道路运输经营许可证", "普通", []string{"经营范围：道路普通货物运输", "经营范围：道路旅客运输（县内班车客运）", "经营范围：道路普通货物运输；货物专用运输（集装箱）"},
			func(c *licCtx) string { return "吉交运管许可" + c.abbr + "字" + c.region + c.digits(6) + "号" }, []int{48}, orgs},
		{"道路运输从业资格认定决定书", "道路运输从业人员从业资格证", "认可", []string{"从业资格类别：经营性道路货物运输驾驶员", "从业资格类别：经营性道路旅客运输驾驶员", "从业资格类别：出租汽车驾驶员"},
			func(c *licCtx) string { return c.s.CitizenID }, []int{72}, persons},
		{"网络预约出租汽车经营许可决定书", "网络预约出租汽车经营许可证", "特许", []string{"经营区域：本市行政区域内；经营范围：网络预约出租汽车客运"},
			func(c *licCtx) string { return "吉网约" + c.abbr + c.digits(6) }, []int{48}, firms},
	},
	KindHousing: {
		{"建筑施工企业安全生产许可决定书", "安全生产许可证", "普通", []string{"许可范围：建筑施工"},
			func(c *licCtx) string { return fmt.Sprintf("（吉）JZ安许证字〔%d〕%s", c.year, c.digits(6)) }, []int{36}, firms},
		{"建筑业企业资质核准决定书", "建筑业企业资质证书", "认可", []string{"资质类别及等级：建筑工程施工总承包三级", "资质类别及等级：市政公用工程施工总承包二级", "资质类别及等级：建筑装修装饰工程专业承包二级"},
			func(c *licCtx) string { return "D3" + c.region[:2] + c.digits(7) }, []int{60}, firms},
		{"建筑工程施工许可决定书", "建筑工程施工许可证", "普通", []string{"建设规模：建筑面积12860平方米，地上18层", "建设规模：建筑面积5420平方米，地上6层", "建设规模：厂房及附属设施，建筑面积8600平方米"},
			func(c *licCtx) string { return c.region + fmt.Sprintf("%d", c.year) + c.digits(8) }, []int{0, 24}, builders},
		{"商品房预售许可决定书", "商品房预售许可证", "普通", []string{"预售范围：1#、2#住宅楼，预售面积23560平方米", "预售范围：5#商住楼，预售面积9870平方米"},
			func(c *licCtx) string { return fmt.Sprintf("%s房预售第%d%s号", c.abbr, c.year, c.digits(4)) }, []int{0}, firms},
	},
	KindSafety: {
		{"危险化学品经营许可决定书", "危险化学品经营许可证", "普通", []string{"许可范围：汽油、柴油（闭杯闪点≤60℃）零售", "许可范围：盐酸、硫酸、氢氧化钠（不带储存设施经营）"},
			func(c *licCtx) string {
				return fmt.Sprintf("吉%s危化经字〔%d〕%s号", c.abbr, c.year, c.digits(6))
			}, []int{36}, firms},
		{"非煤矿矿山企业安全生产许可决定书", "安全生产许可证", "普通", []string{"许可范围：建筑用花岗岩露天开采", "许可范围：石灰岩露天开采"},
			func(c *licCtx) string {
				return fmt.Sprintf("（吉）FM安许证字〔%d〕%s号", c.year, c.digits(6))
			}, []int{36}, firms},
		{"烟花爆竹经营（零售）许可决定书", "烟花爆竹经营（零售）许可证", "普通", []string{"许可范围：烟花爆竹零售（C级、D级）"},
			func(c *licCtx) string { return fmt.Sprintf("（吉）YH经〔%d〕%s", c.year, c.digits(6)) }, []int{12}, orgs},
	},
	KindHealth: {
		{"医疗机构执业登记决定书", "医疗机构执业许可证", "普通", []string{"诊疗科目：内科；外科；妇产科；儿科；医学检验科；医学影像科", "诊疗科目：口腔科", "诊疗科目：中医科；康复医学科"},
			func(c *licCtx) string { return "PDY" + c.digits(8) + c.region + c.digits(6) }, []int{60}, institutes},
		{"公共场所卫生许可决定书", "公共场所卫生许可证", "普通", []string{"许可项目：住宿", "许可项目：美容美发", "许可项目：沐浴", "许可项目：游泳场所"},
			func(c *licCtx) string {
				return fmt.Sprintf("吉卫公证字〔%d〕第%s-%s号", c.year, c.region, c.digits(6))
			}, []int{48}, orgs},
		{"医师执业注册决定书", "医师执业证书", "认可", []string{"执业类别：临床；执业范围：内科专业", "执业类别：中医；执业范围：中医专业", "执业类别：口腔；执业范围：口腔专业"},
			func(c *licCtx) string { return "1" + c.digits(2) + c.region[:2] + c.digits(10) }, []int{0}, persons},
	},
	KindCulture: {
		{"娱乐经营许可决定书", "娱乐经营许可证", "普通", []string{"经营范围：歌舞娱乐场所", "经营范围：游艺娱乐场所"},
			func(c *licCtx) string { return c.region + c.digits(6) }, []int{24}, orgs},
		{"网络文化经营许可决定书", "网络文化经营许可证", "普通", []string{"经营范围：利用信息网络经营演出剧（节）目、表演"},
			func(c *licCtx) string {
				return fmt.Sprintf("吉网文〔%d〕%s-%s号", c.year, c.digits(4), c.digits(3))
			}, []int{36}, firms},
		{"旅行社业务经营许可决定书", "旅行社业务经营许可证", "普通", []string{"经营范围：国内旅游业务、入境旅游业务"},
			func(c *licCtx) string { return "L-JL-" + c.digits(5) }, []int{0}, firms},
		{"营业性演出许可决定书", "营业性演出许可证", "普通", []string{"演出经纪机构：从事营业性演出的居间、代理活动"},
			func(c *licCtx) string { return c.region + "120" + c.digits(4) }, []int{24}, firms},
	},
	KindAgriculture: {
		{"农药经营许可决定书", "农药经营许可证", "普通", []string{"经营范围：农药（限制使用农药除外）", "经营范围：农药（含限制使用农药）"},
			func(c *licCtx) string { return "农药经许（吉）" + c.region + c.digits(4) }, []int{60}, orgs},
		{"兽药经营许可决定书", "兽药经营许可证", "普通", []string{"经营范围：化学药品、中药制剂、外用杀虫剂、消毒剂"},
			func(c *licCtx) string { return fmt.Sprintf("（%d）兽药经营证字%s号", c.year, c.digits(8)) }, []int{60}, orgs},
		{"种子生产经营许可决定书", "农作物种子生产经营许可证", "普通", []string{"生产经营范围：玉米；生产经营方式：生产、加工、包装、批发、零售", "生产经营范围：水稻；生产经营方式：批发、零售"},
			func(c *licCtx) string {
				return fmt.Sprintf("D(吉%s)农种许字(%d)第%s号", c.region[2:4], c.year, c.digits(4))
			}, []int{60}, firms},
		{"渔业捕捞许可决定书", "内陆渔业捕捞许可证", "特许", []string{"作业类型：刺网；作业水域：本县内陆水域", "作业类型：定置网；作业水域：水库"},
			func(c *licCtx) string { return fmt.Sprintf("吉%s(%d)内捕字%s号", c.abbr, c.year, c.digits(4)) }, []int{60}, persons | typesOf(subject.Enterprise)},
	},
	KindResources: {
		{"采矿许可决定书", "采矿许可证", "特许", []string{"开采矿种：建筑用花岗岩；开采方式：露天开采；生产规模：10万吨/年", "开采矿种：矿泉水；开采方式：地下开采；生产规模：5万立方米/年"},
			func(c *licCtx) string { return "C22" + c.region[2:6] + fmt.Sprintf("%d", c.year) + c.digits(10) }, []int{36, 60, 120}, firms},
		{"建设工程规划许可决定书", "建设工程规划许可证", "普通", []string{"建设规模：总建筑面积35600平方米", "建设规模：总建筑面积4800平方米"},
			func(c *licCtx) string { return fmt.Sprintf("建字第%s%d%s号", c.region, c.year, c.digits(5)) }, []int{0}, builders},
		{"建设用地规划许可决定书", "建设用地规划许可证", "普通", []string{"用地面积：23000平方米；用地性质：二类居住用地", "用地面积：56000平方米；用地性质：工业用地"},
			func(c *licCtx) string { return fmt.Sprintf("地字第%s%d%s号", c.region, c.year, c.digits(5)) }, []int{0}, builders},
	},
	KindHRSS: {
		{"人力资源服务行政许可决定书", "人力资源服务许可证", "普通", []string{"服务范围：为劳动者介绍用人单位；为用人单位推荐劳动者；举办现场招聘会"},
			func(c *licCtx) string {
				return fmt.Sprintf("（吉）人服证字〔%d〕第%s%s号", c.year, c.region, c.digits(4))
			}, []int{0}, firms},
		{"劳务派遣经营许可决定书", "劳务派遣经营许可证", "普通", []string{"许可经营事项：劳务派遣"},
			func(c *licCtx) string {
				return fmt.Sprintf("吉%s人社派许字〔%d〕%s号", c.abbr, c.year, c.digits(4))
			}, []int{36}, firms},
	},
	KindPolice: {
		{"特种行业许可决定书", "特种行业许可证", "普通", []string{"许可项目：旅馆业", "许可项目：公章刻制业"},
			func(c *licCtx) string { return fmt.Sprintf("%s公特字〔%d〕第%s号", c.abbr, c.year, c.digits(4)) }, []int{0}, orgs},
		{"大型群众性活动安全许可决定书", "", "普通", []string{"活动名称：迎新春文艺演出；预计参加人数：3000人", "活动名称：商品展销会；预计参加人数：5000人"},
			nil, []int{1}, anyOrg},
	},
	KindEducation: {
		{"民办学校办学许可决定书", "民办学校办学许可证", "普通", []string{"办学内容：文化艺术类培训", "办学内容：职业技能培训（电工、焊工）", "办学内容：学前教育"},
			func(c *licCtx) string { return "教民" + c.region + c.digits(9) + "号" }, []int{60}, typesOf(subject.SocialOrg, subject.Enterprise)},
		{"教师资格认定决定书", "教师资格证书", "认可", []string{"资格种类：小学教师资格；任教学科：语文", "资格种类：初级中学教师资格；任教学科：数学", "资格种类：幼儿园教师资格"},
			func(c *licCtx) string { return fmt.Sprintf("%d22%s", c.year, c.digits(11)) }, []int{0}, persons},
	},
	KindCommerce: {
		{"成品油零售经营资格审批决定书", "成品油零售经营批准证书", "普通", []string{"经营范围：汽油、柴油零售"},
			func(c *licCtx) string { return "油零售证书第" + c.region[:4] + c.digits(4) + "号" }, []int{60}, firms},
		{"拍卖业务许可决定书", "拍卖经营批准证书", "普通", []string{"经营范围：文物以外的物品拍卖"},
			func(c *licCtx) string { return c.region[:4] + c.digits(3) }, []int{0}, firms},
	},
	KindWater: {
		{"取水许可决定书", "取水许可证", "特许", []string{"取水方式：地下水（机井）；取水量：5万立方米/年", "取水方式：地表水；取水量：20万立方米/年"},
			func(c *licCtx) string {
				return fmt.Sprintf("取水（吉%s）字〔%d〕第%s号", c.abbr, c.year, c.digits(4))
			}, []int{60}, builders | typesOf(subject.IndividualBusiness)},
		{"河道采砂许可决定书", "河道采砂许可证", "特许", []string{"采砂范围：指定可采区；采砂量：2万立方米"},
			func(c *licCtx) string { return fmt.Sprintf("吉%s采砂〔%d〕%s号", c.abbr, c.year, c.digits(3)) }, []int{12}, firms | persons},
		{"生产建设项目水土保持方案审批决定书", "", "核准", []string{"同意该项目水土保持方案报告书（表）"}, nil, []int{0}, builders},
	},
	KindUrban: {
		{"城市建筑垃圾处置核准决定书", "城市建筑垃圾处置核准证", "核准", []string{"处置方式：运输至指定消纳场；处置量：8000立方米"},
			func(c *licCtx) string { return fmt.Sprintf("%s建垃准字〔%d〕%s号", c.abbr, c.year, c.digits(4)) }, []int{12}, firms},
		{"设置大型户外广告许可决定书", "", "普通", []string{"设置地点：主干道沿线；广告形式：单立柱广告牌"}, nil, []int{12, 36}, orgs},
		{"临时占用城市道路许可决定书", "", "普通", []string{"占用面积：60平方米；用途：施工围挡"}, nil, []int{3, 6}, anyOrg},
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
	penaltyKinds        = []string{KindMarket, KindPolice, KindSafety, KindEnvironment, KindTransport, KindTax, KindUrban, KindHousing, KindHealth, KindCulture, KindAgriculture, KindResources, KindHRSS, KindCommerce, KindWater}
	penaltyKindWeights  = []int{28, 6, 8, 8, 8, 10, 8, 5, 5, 3, 3, 2, 3, 1, 2}
	personKinds         = []string{KindPolice, KindUrban, KindTransport, KindEnvironment, KindAgriculture, KindResources, KindWater, KindMarket, KindSafety, KindTax}
	personKindWeights   = []int{40, 15, 10, 8, 8, 6, 5, 5, 2, 1}
	licenseKinds        = []string{KindMarket, KindHealth, KindTransport, KindHousing, KindEnvironment, KindCulture, KindAgriculture, KindSafety, KindPolice, KindResources, KindHRSS, KindEducation, KindCommerce, KindWater, KindUrban}
	licenseKindWeights  = []int{35, 10, 10, 10, 6, 5, 5, 4, 3, 3, 2, 2, 2, 2, 1}
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
