package catalog

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func mustDefault(tb testing.TB) *Catalog {
	tb.Helper()
	c, err := Default()
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func mustClass(tb testing.TB, code string) *Class {
	tb.Helper()
	cl, ok := mustDefault(tb).Class(code)
	if !ok {
		tb.Fatalf("class %s missing", code)
	}
	return cl
}

// fresh returns an unvalidated copy of the embedded catalog to break.
func fresh(tb testing.TB) *Catalog {
	tb.Helper()
	var c Catalog
	if err := json.Unmarshal(defaultJSON, &c); err != nil {
		tb.Fatal(err)
	}
	return &c
}

func TestDefault(t *testing.T) {
	c := mustDefault(t)
	if c2, _ := Default(); c2 != c {
		t.Error("Default returned a different catalog on the second call")
	}
	want := map[string]int{
		"registration": 1, "judicial": 2, "license": 3, "penalty": 3, "admin_other": 3,
		"qualification": 4, "abnormal_operation": 5, "black_list": 6, "contract": 7,
		"commitment": 8, "evaluation_result": 9, "honor": 10, "voluntary": 11,
		"compliance": 12, "intellectual_property": 13, "list_entry": 6,
	}
	for code, cat := range want {
		cl, ok := c.Class(code)
		if !ok {
			t.Errorf("class %s missing", code)
			continue
		}
		if cl.Category != cat {
			t.Errorf("%s: category = %d, want %d", code, cl.Category, cat)
		}
		ingestible := code == "registration" || code == "license" || code == "penalty" || code == "list_entry"
		if cl.Ingestible != ingestible {
			t.Errorf("%s: ingestible = %v, want %v", code, cl.Ingestible, ingestible)
		}
	}
	if len(c.Classes) != len(want) {
		t.Errorf("%d classes, want %d", len(c.Classes), len(want))
	}
	cats := map[int]bool{}
	for _, cl := range c.Classes {
		cats[cl.Category] = true
	}
	if len(cats) != 13 {
		t.Errorf("classes cover %d national categories, want 13", len(cats))
	}
	if _, ok := c.Class("nope"); ok {
		t.Error(`Class("nope") found`)
	}
}

// TestDualPublicityFields checks the national field sets of DOMAIN.md §2.2.
func TestDualPublicityFields(t *testing.T) {
	for _, test := range []struct {
		class  string
		key    []string
		fields map[string]string // code -> Chinese name
	}{
		{"penalty", []string{"CF_WSH", "CF_CFJGDM"}, map[string]string{
			"CF_XDR_MC": "行政相对人名称", "CF_XDR_LB": "行政相对人类别",
			"CF_XDR_SHXYM": "行政相对人代码_1 (统一社会信用代码)", "CF_XDR_GSZC": "行政相对人代码_2 (工商注册号)",
			"CF_XDR_ZZJG": "行政相对人代码_3 (组织机构代码)", "CF_XDR_SWDJ": "行政相对人代码_4 (税务登记号)",
			"CF_XDR_SYDW": "行政相对人代码_5 (事业单位证书号)", "CF_XDR_SHZZ": "行政相对人代码_6 (社会组织登记证号)",
			"CF_FRDB": "法定代表人", "CF_FR_ZJLX": "法定代表人证件类型", "CF_FR_ZJHM": "法定代表人证件号码",
			"CF_XDR_ZJLX": "证件类型", "CF_XDR_ZJHM": "证件号码", "CF_WSH": "行政处罚决定书文号",
			"CF_WFXW": "违法行为类型", "CF_SY": "违法事实", "CF_YJ": "处罚依据", "CF_CFLB": "处罚类别",
			"CF_NR": "处罚内容", "CF_NR_FK": "罚款金额（万元）", "CF_NR_WFFF": "没收违法所得、没收非法财物的金额（万元）",
			"CF_NR_ZKDX": "暂扣或吊销证照名称及编号", "CF_JDRQ": "处罚决定日期", "CF_YXQ": "处罚有效期",
			"CF_GSJZQ": "公示截止期", "CF_CFJG": "处罚机关", "CF_CFJGDM": "处罚机关统一社会信用代码",
			"CF_SJLY": "数据来源单位", "CF_SJLYDM": "数据来源单位统一社会信用代码", "BZ": "备注",
			"SXYZCD": "失信严重程度",
		}},
		{"license", []string{"XK_WSH", "XK_XKJGDM"}, map[string]string{
			"XK_XDR_MC": "行政相对人名称", "XK_XDR_LB": "行政相对人类别",
			"XK_XDR_SHXYM": "行政相对人代码_1 (统一社会信用代码)", "XK_XDR_GSZC": "行政相对人代码_2 (工商注册号)",
			"XK_XDR_ZZJG": "行政相对人代码_3 (组织机构代码)", "XK_XDR_SWDJ": "行政相对人代码_4 (税务登记号)",
			"XK_XDR_SYDW": "行政相对人代码_5 (事业单位证书号)", "XK_XDR_SHZZ": "行政相对人代码_6 (社会组织登记证号)",
			"XK_FRDB": "法定代表人", "XK_FR_ZJLX": "法定代表人证件类型", "XK_FR_ZJHM": "法定代表人证件号码",
			"XK_XDR_ZJLX": "证件类型", "XK_XDR_ZJHM": "证件号码", "XK_XKWS": "行政许可决定文书名称",
			"XK_WSH": "行政许可决定文书号", "XK_XKLB": "许可类别", "XK_XKZS": "许可证书名称",
			"XK_XKBH": "许可编号", "XK_NR": "许可内容", "XK_JDRQ": "许可决定日期", "XK_YXQZ": "有效期自",
			"XK_YXQZI": "有效期至", "XK_XKJG": "许可机关", "XK_XKJGDM": "许可机关统一社会信用代码",
			"XK_ZT": "当前状态", "XK_LYDW": "数据来源单位", "XK_LYDWDM": "数据来源单位统一社会信用代码",
			"BZ": "备注",
		}},
	} {
		t.Run(test.class, func(t *testing.T) {
			cl := mustClass(t, test.class)
			if !slices.Equal(cl.BusinessKey, test.key) {
				t.Errorf("business key = %v, want %v", cl.BusinessKey, test.key)
			}
			if !cl.DualPublicity || cl.Disclosure != Public || cl.TimelinessDays != 7 {
				t.Errorf("dual_publicity=%v disclosure=%s timeliness=%d, want true public 7",
					cl.DualPublicity, cl.Disclosure, cl.TimelinessDays)
			}
			if len(cl.Fields) != len(test.fields) {
				t.Errorf("%d fields, want %d", len(cl.Fields), len(test.fields))
			}
			for code, name := range test.fields {
				f, ok := cl.Field(code)
				if !ok {
					t.Errorf("field %s missing", code)
					continue
				}
				if f.Name != name {
					t.Errorf("%s: name = %q, want %q", code, f.Name, name)
				}
			}
		})
	}
	p := mustClass(t, "penalty")
	for code, max := range map[string]int{"CF_XDR_MC": 200, "CF_WSH": 128} {
		if f, _ := p.Field(code); f.MaxLen != max {
			t.Errorf("%s: max_len = %d, want %d", code, f.MaxLen, max)
		}
	}
	if f, _ := p.Field("CF_CFLB"); !f.Multi || f.CodeTable != "penalty_category" {
		t.Errorf("CF_CFLB: multi=%v table=%s", f.Multi, f.CodeTable)
	}
	for _, code := range []string{"CF_XDR_ZJHM", "CF_FR_ZJHM"} {
		if f, _ := p.Field(code); f.IsPublic() {
			t.Errorf("%s is public; identity numbers must not be", code)
		}
	}
	reg := mustClass(t, "registration")
	if !slices.Equal(reg.BusinessKey, []string{"DJ_TYSHXYDM"}) || reg.Publicity.Adverse {
		t.Errorf("registration: key %v adverse %v", reg.BusinessKey, reg.Publicity.Adverse)
	}
}

func TestFieldByHeader(t *testing.T) {
	p := mustClass(t, "penalty")
	l := mustClass(t, "license")
	for _, test := range []struct {
		class  *Class
		header string
		want   string // "" = no match
	}{
		{p, "CF_WSH", "CF_WSH"},
		{p, "cf_wsh", "CF_WSH"},
		{p, " Cf_Wsh ", "CF_WSH"},
		{p, "行政处罚决定书文号", "CF_WSH"},
		{p, "行政处罚决定书文号*", "CF_WSH"},
		{p, "*行政处罚决定书文号", "CF_WSH"},
		{p, "行政处罚决定书文号（必填）", "CF_WSH"},
		{p, "行政处罚决定书文号(必填)", "CF_WSH"},
		{p, "行政 处罚\t决定书文号", "CF_WSH"},
		{p, "\ufeffCF_WSH", "CF_WSH"},
		{p, "统一社会信用代码", "CF_XDR_SHXYM"},
		{p, "行政相对人代码_1(统一社会信用代码)", "CF_XDR_SHXYM"},
		{p, "行政相对人代码_1（统一社会信用代码）", "CF_XDR_SHXYM"},
		{p, "行政相对人代码_1 (统一社会信用代码)", "CF_XDR_SHXYM"},
		{p, "行政相对人代码_1", "CF_XDR_SHXYM"},
		{p, "行政相对人代码＿１", "CF_XDR_SHXYM"},
		{p, "相对人名称", "CF_XDR_MC"},
		{p, "企业名称", "CF_XDR_MC"},
		{p, "处罚决定日期", "CF_JDRQ"},
		{p, "决定日期", "CF_JDRQ"},
		{p, "罚款金额", "CF_NR_FK"},
		{p, "罚款金额(万元)", "CF_NR_FK"},
		{p, "罚款金额（万元）*", "CF_NR_FK"},
		{p, "xy020102", "CF_WSH"},
		{p, "XY020116", "CF_NR_FK"},
		{p, "xy010133", "CF_XDR_SHXYM"},
		{p, "失信严重程度", "SXYZCD"},
		{p, "公示截止期", "CF_GSJZQ"},
		{p, "XK_WSH", ""},
		{p, "", ""},
		{p, "*", ""},
		{p, "罚款", ""},
		{l, "XK_FR_SFZH", "XK_FR_ZJHM"},
		{l, "xk_fr_sfzh", "XK_FR_ZJHM"},
		{l, "有效期至", "XK_YXQZI"},
		{l, "有效期自", "XK_YXQZ"},
		{l, "决定日期", "XK_JDRQ"},
	} {
		f, ok := test.class.FieldByHeader(test.header)
		got := ""
		if ok {
			got = f.Code
		}
		if got != test.want {
			t.Errorf("%s.FieldByHeader(%q) = %q, want %q", test.class.Code, test.header, got, test.want)
		}
	}
}

func TestFieldByHeaderWithoutIndex(t *testing.T) {
	c := fresh(t) // not validated: no index, linear fallback
	cl, _ := c.Class("penalty")
	if f, ok := cl.FieldByHeader("罚款金额(万元)*"); !ok || f.Code != "CF_NR_FK" {
		t.Errorf("got %v %v, want CF_NR_FK", f, ok)
	}
	tbl, _ := c.CodeTable("subject_category")
	if v, ok := tbl.Canonical("法人"); !ok || v != "法人及非法人组织" {
		t.Errorf("Canonical(法人) = %q %v", v, ok)
	}
}

func TestCanonical(t *testing.T) {
	c := mustDefault(t)
	for _, test := range []struct {
		table, in, want string // want "" = not found
	}{
		{"subject_category", "法人及非法人组织", "法人及非法人组织"},
		{"subject_category", " 法人及非法人组织 ", "法人及非法人组织"},
		{"subject_category", "法人", "法人及非法人组织"},
		{"subject_category", "非法人组织", "法人及非法人组织"},
		{"subject_category", "01", "自然人"},
		{"subject_category", "０２", "法人及非法人组织"},
		{"subject_category", "04", "个体工商户"},
		{"subject_category", "个体户", "个体工商户"},
		{"subject_category", "公司", ""},
		{"id_type", "居民身份证", "身份证"},
		{"id_type", "身份证", "身份证"},
		{"id_type", "05", "外国人永久居留身份证"},
		{"license_category", "03", "认可"},
		{"license_category", "普通", "普通"},
		{"license_status", "1", "有效"},
		{"license_status", "2", "无效"},
		{"license_status", "3", ""},
		{"penalty_category", "吊销许可证", "吊销许可证件"},
		{"penalty_category", "吊销营业执照", "吊销许可证件"},
		{"penalty_category", "罚款", "罚款"},
		{"penalty_category", "罚 款", "罚款"},
		{"penalty_category", "没收违法所得、没收非法财物", ""}, // split by the validator
		{"severity", "SERIOUS", "严重"},
		{"severity", "minor", "轻微"},
		{"severity", "一般", "一般"},
		{"registration_status", "在营", "存续"},
		{"registration_status", "", ""},
	} {
		tbl, ok := c.CodeTable(test.table)
		if !ok {
			t.Fatalf("code table %s missing", test.table)
		}
		got, ok := tbl.Canonical(test.in)
		if ok != (test.want != "") || got != test.want {
			t.Errorf("%s.Canonical(%q) = %q, %v; want %q", test.table, test.in, got, ok, test.want)
		}
	}
	if _, ok := c.CodeTable("nope"); ok {
		t.Error(`CodeTable("nope") found`)
	}
}

func TestClassify(t *testing.T) {
	pub := mustClass(t, "penalty").Publicity
	for _, test := range []struct {
		name     string
		cats     []string
		fine     float64
		explicit string
		want     Severity
	}{
		{"WarningMinor", []string{"警告"}, 0, "", Minor},
		{"WarningAndCriticismMinor", []string{"警告", "通报批评"}, 0, "", Minor},
		{"FineGeneral", []string{"罚款"}, 5, "", General},
		{"WarningAndFineGeneral", []string{"警告", "罚款"}, 0.5, "", General},
		{"FineJustBelow100General", []string{"罚款"}, 99.999999, "", General},
		{"Fine100Serious", []string{"罚款"}, 100, "", Serious},
		{"FineAbove100Serious", []string{"罚款", "没收违法所得"}, 250, "", Serious},
		{"WarningWithLargeFineSerious", []string{"警告"}, 100, "", Serious},
		{"RevocationSerious", []string{"吊销许可证件"}, 0, "", Serious},
		{"MultiWithRevocationSerious", []string{"警告", "罚款", "吊销许可证件"}, 1, "", Serious},
		{"ClosureSerious", []string{"责令关闭"}, 0, "", Serious},
		{"SuspensionSerious", []string{"责令停产停业"}, 0, "", Serious},
		{"BarSerious", []string{"限制从业"}, 0, "", Serious},
		{"DetentionSerious", []string{"行政拘留"}, 0, "", Serious},
		{"TemporarySeizureGeneral", []string{"暂扣许可证件"}, 0, "", General},
		{"OtherGeneral", []string{"其他"}, 0, "", General},
		{"NoCategoriesGeneral", nil, 0, "", General},
		{"ExplicitMinorWins", []string{"吊销许可证件"}, 500, "轻微", Minor},
		{"ExplicitSeriousWins", []string{"警告"}, 0, "严重", Serious},
		{"ExplicitSeverityCode", []string{"警告"}, 0, "general", General},
		{"UnknownExplicitIgnored", []string{"警告"}, 0, "很严重", Minor},
	} {
		t.Run(test.name, func(t *testing.T) {
			if got := pub.Classify(test.cats, test.fine, test.explicit); got != test.want {
				t.Errorf("Classify(%v, %v, %q) = %q, want %q", test.cats, test.fine, test.explicit, got, test.want)
			}
		})
	}
	t.Run("NotAdverseNone", func(t *testing.T) {
		lic := mustClass(t, "license").Publicity
		if got := lic.Classify([]string{"吊销许可证件"}, 1000, "严重"); got != None {
			t.Errorf("license Classify = %q, want None", got)
		}
	})
	t.Run("Periods", func(t *testing.T) {
		for s, want := range map[Severity]Period{Minor: {0, 3}, General: {3, 12}, Serious: {12, 36}} {
			if got := pub.Periods[s]; got != want {
				t.Errorf("period %s = %+v, want %+v", s, got, want)
			}
		}
	})
}

func TestNormalizeHeader(t *testing.T) {
	for in, want := range map[string]string{
		"罚款金额（万元）":       "罚款金额(万元)",
		"ｃｆ＿ｗｓｈ":         "CF_WSH",
		"处罚机关：":          "处罚机关:",
		"**名称 (必填)":      "名称",
		"名称（选填）*":        "名称",
		"\u200b名称\u3000": "名称",
	} {
		if got := NormalizeHeader(in); got != want {
			t.Errorf("NormalizeHeader(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestValidateRejects(t *testing.T) {
	for _, test := range []struct {
		name   string
		mutate func(c *Catalog)
		want   string
	}{
		{"ErrDuplicateClass", func(c *Catalog) { c.Classes = append(c.Classes, c.Classes[0]) }, "duplicate code"},
		{"ErrDuplicateField", func(c *Catalog) {
			cl := classOf(c, "penalty")
			cl.Fields = append(cl.Fields, cl.Fields[0])
		}, "duplicate field code CF_XDR_MC"},
		{"ErrAliasCollision", func(c *Catalog) {
			f := fieldOf(c, "penalty", "CF_WSH")
			f.Aliases = append(f.Aliases, "罚款金额（万元）*")
		}, "of field CF_NR_FK is also a header of field CF_WSH"},
		{"ErrUnknownCodeTable", func(c *Catalog) { fieldOf(c, "penalty", "CF_CFLB").CodeTable = "nope" }, `unknown code table "nope"`},
		{"ErrBusinessKey", func(c *Catalog) { classOf(c, "penalty").BusinessKey = []string{"CF_NOPE"} }, `business key refers to unknown field "CF_NOPE"`},
		{"ErrRole", func(c *Catalog) { classOf(c, "penalty").Roles.DecisionDate = "CF_NOPE" }, `role decision_date refers to unknown field "CF_NOPE"`},
		{"ErrRoleType", func(c *Catalog) { classOf(c, "penalty").Roles.DecisionDate = "CF_WSH" }, "has type string"},
		{"ErrRuleKind", func(c *Catalog) {
			cl := classOf(c, "penalty")
			cl.Rules = append(cl.Rules, Rule{Kind: "must_be_nice", Field: "CF_WSH"})
		}, "unknown rule kind"},
		{"ErrRuleField", func(c *Catalog) {
			cl := classOf(c, "penalty")
			cl.Rules = append(cl.Rules, Rule{Kind: RuleNotFuture, Field: "CF_NOPE"})
		}, `unknown field "CF_NOPE"`},
		{"ErrConditionValue", func(c *Catalog) {
			cl := classOf(c, "penalty")
			cl.Rules = append(cl.Rules, Rule{Kind: RuleRequiredIf, Field: "CF_FRDB",
				If: &Condition{Field: "CF_XDR_LB", Equals: []string{"法人"}}})
		}, `condition value "法人" is not a value`},
		{"ErrAliasTarget", func(c *Catalog) { c.CodeTables[0].Aliases["x"] = "nope" }, `maps to unknown value "nope"`},
		{"ErrRegistersWithoutCode", func(c *Catalog) { classOf(c, "penalty").Registers, classOf(c, "penalty").Roles.USCC = true, "" }, "registers needs an ingestible class with a uscc role"},
		{"ErrMissingPeriod", func(c *Catalog) { delete(classOf(c, "penalty").Publicity.Periods, Serious) }, "no publicity period for serious"},
		{"ErrSeverityRuleValue", func(c *Catalog) {
			p := &classOf(c, "penalty").Publicity
			p.SeverityRules[0].AnyOf = append(p.SeverityRules[0].AnyOf, "吊销许可证")
		}, `"吊销许可证" is not a value`},
	} {
		t.Run(test.name, func(t *testing.T) {
			c := fresh(t)
			test.mutate(c)
			err := c.Validate()
			if err == nil {
				t.Fatal("Validate() = nil, want an error")
			}
			if !strings.Contains(err.Error(), test.want) {
				t.Errorf("Validate() = %v, want it to mention %q", err, test.want)
			}
		})
	}
}

func TestParseRejectsUnknownMember(t *testing.T) {
	if _, err := Parse([]byte(`{"version":"x","classes":[],"code_tables":[],"extra":1}`)); err == nil {
		t.Error("Parse accepted an unknown member")
	}
}

func classOf(c *Catalog, code string) *Class {
	for _, cl := range c.Classes {
		if cl.Code == code {
			return cl
		}
	}
	panic(code)
}

func fieldOf(c *Catalog, class, code string) *Field {
	cl := classOf(c, class)
	for i := range cl.Fields {
		if cl.Fields[i].Code == code {
			return &cl.Fields[i]
		}
	}
	panic(code)
}

// TestShaanxiDataElements checks the 陕西 data-element codes of DOMAIN.md §2.2.
func TestShaanxiDataElements(t *testing.T) {
	p := mustClass(t, "penalty")
	for code, want := range map[string]string{
		"xy010101": "CF_XDR_MC", "xy010105": "CF_FRDB", "xy010107": "CF_FR_ZJLX", "xy010108": "CF_FR_ZJHM",
		"xy010133": "CF_XDR_SHXYM", "xy020101": "CF_CFJG", "xy020102": "CF_WSH", "xy020103": "CF_CFLB",
		"xy020104": "CF_SY", "xy020106": "CF_YJ", "xy020107": "CF_JDRQ", "xy020108": "BZ",
		"xy020109": "CF_WFXW", "xy020116": "CF_NR_FK", "xy020130": "CF_NR", "xy020133": "CF_GSJZQ",
		"xy020134": "CF_CFJGDM", "xy020135": "CF_SJLY", "xy020136": "CF_SJLYDM",
	} {
		if f, ok := p.FieldByHeader(code); !ok || f.Code != want {
			t.Errorf("FieldByHeader(%q) = %v, %v; want %s", code, f, ok, want)
		}
	}
}

// TestListEntryDisclosure: of a list entry the public sees the legal
// representative (public registration data, as 法定代表人 of a 双公示
// penalty) but neither the 直接责任人, a natural person named only for
// linkage, nor any identity document; 重点关注名单 entries are shared between
// departments only.
func TestListEntryDisclosure(t *testing.T) {
	c := mustClass(t, "list_entry")
	for code, public := range map[string]bool{
		"MD_ZTMC": true, "MD_FDDBR": true, "MD_FDDBR_ZJLX": true,
		"MD_ZJHM": false, "MD_FDDBR_ZJHM": false, "MD_ZRR": false, "MD_ZRR_ZJLX": false, "MD_ZRR_ZJHM": false,
	} {
		f, ok := c.Field(code)
		if !ok {
			t.Errorf("%s: no such field", code)
			continue
		}
		if f.IsPublic() != public {
			t.Errorf("%s: public = %v, want %v", code, f.IsPublic(), public)
		}
	}
	for lx, want := range map[string]Disclosure{"严重失信主体名单": Public, "纳税信用A级纳税人": Public, "重点关注名单": Shared} {
		if got := c.DisclosureOf(map[string]string{"MD_LX": lx}); got != want {
			t.Errorf("disclosure of a %s entry = %s, want %s", lx, got, want)
		}
	}
}

func TestVerifiable(t *testing.T) {
	c := mustDefault(t)
	for _, tc := range []struct {
		uscc string
		want bool
	}{
		{"91220101MA0Y3XQJ2U", true},  // 市场监督管理
		{"92220101MA0Y3XQJ2U", true},  // 个体工商户, 市场监督管理
		{"51220000MJ0000000X", true},  // 民政
		{"12220000412755332B", true},  // 机构编制
		{"31220000MD0000000X", false}, // 司法行政 (律师事务所): not on the platform
		{"71220000MC0000000X", false}, // 宗教
		{"Y1220000MC0000000X", false}, // 其他
		{"", false},                   // a person
	} {
		if got := c.Verifiable(tc.uscc); got != tc.want {
			t.Errorf("Verifiable(%q) = %v, want %v", tc.uscc, got, tc.want)
		}
	}
	// A registering class without registered_by lets any department verify.
	open := &Catalog{Classes: []*Class{{Code: "reg", Registers: true}}}
	if !open.Verifiable("31220000MD0000000X") {
		t.Error("a registering class without registered_by: Verifiable = false, want true")
	}
	if (&Catalog{}).Verifiable("91220101MA0Y3XQJ2U") {
		t.Error("no registering class: Verifiable = true, want false")
	}
}
