package record

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"jlcredit/internal/catalog"
	"jlcredit/internal/credit"
)

// Synthetic codes that pass the GB 32100 / GB 11643 checks (computed with
// subject.USCCCheckChar, subject.OrgCodeCheckChar and CitizenIDCheckChar).
// They are not real entities.
const (
	entUSCC    = "91220101MA0Y12340Q" // enterprise, 长春
	indUSCC    = "92220102MA0Y56781X" // 个体工商户, 南关区
	instUSCC   = "122200000123456714" // 事业单位, 省级
	cityUSCC   = "11220100012345671C" // 机关, 长春市 (the submitting department)
	provUSCC   = "112200000123456717" // 机关, 省级
	citizenID  = "220102198001011234"
	badIDCheck = "220102198001011235"
)

var today = credit.MakeDate(2024, time.March, 5)

func mustCatalog(tb testing.TB) *catalog.Catalog {
	tb.Helper()
	c, err := catalog.Default()
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func newValidator(tb testing.TB, class string) *Validator {
	tb.Helper()
	c := mustCatalog(tb)
	cl, ok := c.Class(class)
	if !ok {
		tb.Fatalf("class %s missing", class)
	}
	return &Validator{Catalog: c, Class: cl, Department: cityUSCC, Today: today}
}

// penaltyRow is a valid 行政处罚 row of a legal person.
func penaltyRow() map[string]string {
	return map[string]string{
		"CF_XDR_MC":    "长春市示例商贸有限公司",
		"CF_XDR_LB":    "法人及非法人组织",
		"CF_XDR_SHXYM": entUSCC,
		"CF_FRDB":      "张三",
		"CF_WSH":       "长市监罚〔2024〕12号",
		"CF_WFXW":      "销售不合格产品",
		"CF_SY":        "当事人销售的产品经抽检不合格。",
		"CF_YJ":        "《中华人民共和国产品质量法》第四十九条",
		"CF_CFLB":      "警告;罚款",
		"CF_NR":        "警告，并处罚款5万元",
		"CF_NR_FK":     "5",
		"CF_JDRQ":      "2024-03-01",
		"CF_YXQ":       "2025-03-01",
		"CF_CFJG":      "长春市市场监督管理局",
		"CF_CFJGDM":    cityUSCC,
		"CF_SJLY":      "长春市市场监督管理局",
		"CF_SJLYDM":    cityUSCC,
	}
}

// licenseRow is a valid 行政许可 row.
func licenseRow() map[string]string {
	return map[string]string{
		"XK_XDR_MC":    "长春市示例商贸有限公司",
		"XK_XDR_LB":    "法人及非法人组织",
		"XK_XDR_SHXYM": entUSCC,
		"XK_FRDB":      "张三",
		"XK_XKWS":      "食品经营许可决定书",
		"XK_WSH":       "长市监许〔2024〕7号",
		"XK_XKLB":      "普通",
		"XK_NR":        "食品销售经营者",
		"XK_JDRQ":      "2024-03-01",
		"XK_YXQZ":      "2024-03-01",
		"XK_YXQZI":     "2029-02-28",
		"XK_XKJG":      "长春市市场监督管理局",
		"XK_XKJGDM":    cityUSCC,
		"XK_ZT":        "1",
		"XK_LYDW":      "长春市市场监督管理局",
		"XK_LYDWDM":    cityUSCC,
	}
}

type wantProblem struct {
	field, code string
	fragments   []string // substrings of the message
}

func checkProblems(t *testing.T, got []credit.Problem, want []wantProblem) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("got %d problems, want %d:\n%s", len(got), len(want), problemList(got))
		return
	}
	for i, w := range want {
		p := got[i]
		if p.Field != w.field || p.Code != w.code {
			t.Errorf("problem %d = %s/%s, want %s/%s (%s)", i, p.Field, p.Code, w.field, w.code, p.Message)
		}
		for _, frag := range w.fragments {
			if !strings.Contains(p.Message, frag) {
				t.Errorf("problem %d message %q does not contain %q", i, p.Message, frag)
			}
		}
	}
}

func problemList(ps []credit.Problem) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString("  " + p.Code + ": " + p.Message + "\n")
	}
	return b.String()
}

func TestValidatePenaltyValid(t *testing.T) {
	v := newValidator(t, "penalty")
	row := penaltyRow()
	row["CF_XDR_MC"] = " 长春市示例商贸有限公司（南关分公司） "
	row["CF_XDR_SHXYM"] = " 91220101ma0y12340q"
	row["CF_CFLB"] = "罚款、警告；罚款"
	row["CF_NR_FK"] = "5.000000"
	row["CF_JDRQ"] = "2024年3月1日"
	row["CF_YXQ"] = "2099/12/31"
	row["BZ"] = "无"
	r, probs := v.Validate(3, row)
	if len(probs) > 0 {
		t.Fatalf("unexpected problems:\n%s", problemList(probs))
	}
	if r.Class != "penalty" {
		t.Errorf("Class = %q, want penalty", r.Class)
	}
	if want := "长市监罚〔2024〕12号|" + cityUSCC; r.Key != want {
		t.Errorf("Key = %q, want %q", r.Key, want)
	}
	for code, want := range map[string]string{
		"CF_XDR_MC":    "长春市示例商贸有限公司(南关分公司)",
		"CF_XDR_SHXYM": entUSCC,
		"CF_CFLB":      "警告;罚款",
		"CF_NR_FK":     "5",
		"CF_JDRQ":      "2024-03-01",
		"CF_YXQ":       "2099-12-31",
	} {
		if got := r.Fields[code]; got != want {
			t.Errorf("Fields[%s] = %q, want %q", code, got, want)
		}
	}
	if _, ok := r.Fields["BZ"]; ok {
		t.Error("placeholder 备注 “无” was stored")
	}
	if r.DecisionDate == nil || !r.DecisionDate.Equal(credit.MakeDate(2024, 3, 1)) {
		t.Errorf("DecisionDate = %v, want 2024-03-01", r.DecisionDate)
	}
	// Matched on its normalised name, shown as written.
	want := SubjectRef{Name: "长春市示例商贸有限公司(南关分公司)", DisplayName: "长春市示例商贸有限公司（南关分公司）", Type: "enterprise", USCC: entUSCC, LegalRep: "张三"}
	if r.Subject != want {
		t.Errorf("Subject = %+v, want %+v", r.Subject, want)
	}
	if r.ID != 0 || r.Version != 0 || r.ContentHash != "" || r.Severity != "" || r.PublicFrom != nil || r.Status != "" {
		t.Errorf("Validate set members it should leave alone: %+v", r)
	}
}

func TestValidateSubject(t *testing.T) {
	v := newValidator(t, "penalty")
	for _, test := range []struct {
		name   string
		mutate func(map[string]string)
		want   SubjectRef
	}{
		{"Enterprise", func(map[string]string) {},
			SubjectRef{Name: "长春市示例商贸有限公司", Type: "enterprise", USCC: entUSCC, LegalRep: "张三"}},
		{"PublicInstitution", func(r map[string]string) { r["CF_XDR_SHXYM"] = instUSCC },
			SubjectRef{Name: "长春市示例商贸有限公司", Type: "public_institution", USCC: instUSCC, LegalRep: "张三"}},
		{"IndividualBusiness", func(r map[string]string) {
			r["CF_XDR_LB"] = "个体工商户"
			r["CF_XDR_SHXYM"] = indUSCC
			delete(r, "CF_FRDB")
		}, SubjectRef{Name: "长春市示例商贸有限公司", Type: "individual_business", USCC: indUSCC}},
		{"PersonWithCitizenID", func(r map[string]string) {
			r["CF_XDR_MC"] = "李四"
			r["CF_XDR_LB"] = "自然人"
			r["CF_XDR_ZJLX"] = "居民身份证"
			r["CF_XDR_ZJHM"] = citizenID
			delete(r, "CF_XDR_SHXYM")
			delete(r, "CF_FRDB")
		}, SubjectRef{Name: "李四", Type: "person", CitizenID: citizenID, IDType: "身份证"}},
		{"PersonLowerCaseX", func(r map[string]string) {
			r["CF_XDR_MC"] = "王五"
			r["CF_XDR_LB"] = "01"
			r["CF_XDR_ZJLX"] = "01"
			r["CF_XDR_ZJHM"] = "11010519491231002x"
			delete(r, "CF_XDR_SHXYM")
			delete(r, "CF_FRDB")
		}, SubjectRef{Name: "王五", Type: "person", CitizenID: "11010519491231002X", IDType: "身份证"}},
		{"PersonWithPassport", func(r map[string]string) {
			r["CF_XDR_MC"] = "JOHN SMITH"
			r["CF_XDR_LB"] = "自然人"
			r["CF_XDR_ZJLX"] = "护照"
			r["CF_XDR_ZJHM"] = "e12345678"
			delete(r, "CF_XDR_SHXYM")
			delete(r, "CF_FRDB")
		}, SubjectRef{Name: "JOHN SMITH", Type: "person", IDType: "护照号"}},
	} {
		t.Run(test.name, func(t *testing.T) {
			row := penaltyRow()
			test.mutate(row)
			r, probs := v.Validate(2, row)
			if len(probs) > 0 {
				t.Fatalf("unexpected problems:\n%s", problemList(probs))
			}
			if r.Subject != test.want {
				t.Errorf("Subject = %+v, want %+v", r.Subject, test.want)
			}
		})
	}
}

// TestValidatePenaltyRules has one case per rule and type check, valid and invalid.
func TestValidatePenaltyRules(t *testing.T) {
	person := func(r map[string]string) {
		r["CF_XDR_MC"] = "李四"
		r["CF_XDR_LB"] = "自然人"
		r["CF_XDR_ZJLX"] = "身份证"
		r["CF_XDR_ZJHM"] = citizenID
		delete(r, "CF_XDR_SHXYM")
		delete(r, "CF_FRDB")
	}
	for _, test := range []struct {
		name   string
		mutate func(map[string]string)
		want   []wantProblem
	}{
		{"OK", func(map[string]string) {}, nil},
		{"ErrRequired", func(r map[string]string) { delete(r, "CF_WSH") },
			[]wantProblem{{"CF_WSH", "required", []string{"第3行“行政处罚决定书文号”（CF_WSH）：必填项不能为空"}}}},
		{"ErrRequiredBlank", func(r map[string]string) { r["CF_WSH"] = " \u3000 " },
			[]wantProblem{{"CF_WSH", "required", []string{"必填项不能为空"}}}},
		{"ErrRequiredPlaceholder", func(r map[string]string) { r["CF_CFJG"] = "无" },
			[]wantProblem{{"CF_CFJG", "required", []string{"必填项不能为空", "“无”视为未填写"}}}},
		{"ErrTooLong", func(r map[string]string) { r["CF_XDR_MC"] = strings.Repeat("长", 201) },
			[]wantProblem{{"CF_XDR_MC", "too_long", []string{"“行政相对人名称”（CF_XDR_MC）", "201", "200"}}}},
		{"MaxLenInRunes", func(r map[string]string) { r["CF_XDR_MC"] = strings.Repeat("长", 200) }, nil},
		// Characters that would show nothing or turn the text around on the
		// portal (QA: a name with U+202E and BEL was published).
		{"ErrBidiOverride", func(r map[string]string) { r["CF_XDR_MC"] = "测试\u202e有限公司" },
			[]wantProblem{{"CF_XDR_MC", "bad_character", []string{"第3行“行政相对人名称”（CF_XDR_MC）：", "U+202E"}}}},
		{"ErrBidiIsolate", func(r map[string]string) { r["CF_WFXW"] = "未按规定\u2067公示" },
			[]wantProblem{{"CF_WFXW", "bad_character", []string{"U+2067"}}}},
		{"ErrControl", func(r map[string]string) { r["CF_XDR_MC"] = "测试有限公司\u0007" },
			[]wantProblem{{"CF_XDR_MC", "bad_character", []string{"U+0007"}}}},
		{"ErrC1Control", func(r map[string]string) { r["CF_SY"] = "事由\u0090" },
			[]wantProblem{{"CF_SY", "bad_character", []string{"U+0090"}}}},
		{"ErrReplacementCharacter", func(r map[string]string) { r["CF_XDR_MC"] = "测试\ufffd公司" },
			[]wantProblem{{"CF_XDR_MC", "bad_character", []string{"无法识别", "编码"}}}},
		{"LineBreaksAndTabsAreSpace", func(r map[string]string) { r["CF_SY"] = "第一段\r\n第二段\t完" }, nil},
		{"ZeroWidthDropped", func(r map[string]string) { r["CF_XDR_MC"] = "长春北辰\u200b汽车零部件有限公司" }, nil},
		{"ErrWSHTooLong", func(r map[string]string) { r["CF_WSH"] = strings.Repeat("号", 129) },
			[]wantProblem{{"CF_WSH", "too_long", []string{"128"}}}},
		{"ErrBadDate", func(r map[string]string) { r["CF_JDRQ"] = "2024-13-01" },
			[]wantProblem{{"CF_JDRQ", "bad_date", []string{"第3行“处罚决定日期”（CF_JDRQ）：日期“2024-13-01”无法识别，应为“年-月-日”（如2026-11-27）、“年/月/日”（如2026/11/27）、8位数字（如20261127）或Excel日期单元格"}}}},
		{"ErrDateBefore1900", func(r map[string]string) { r["CF_JDRQ"] = "1899-12-31" },
			[]wantProblem{{"CF_JDRQ", "bad_date", []string{"第3行“处罚决定日期”（CF_JDRQ）：日期“1899-12-31”早于1900年1月1日，平台不接收：应为1900年及以后的日期，请核对年份"}}}},
		{"ErrDateYear1", func(r map[string]string) { r["CF_JDRQ"] = "0001/1/1" },
			[]wantProblem{{"CF_JDRQ", "bad_date", []string{"早于1900年1月1日"}}}},
		{"ErrDateYear0", func(r map[string]string) { r["CF_JDRQ"] = "00000101" },
			[]wantProblem{{"CF_JDRQ", "bad_date", []string{"无法识别"}}}},
		{"ErrBadDateFeb30", func(r map[string]string) { r["CF_YXQ"] = "2025-02-30" },
			[]wantProblem{{"CF_YXQ", "bad_date", []string{"2025-02-30"}}}},
		{"ErrFutureDate", func(r map[string]string) { r["CF_JDRQ"] = "2024-03-06" },
			[]wantProblem{{"CF_JDRQ", "future_date", []string{"2024-03-06", "2024-03-05"}}}},
		{"DecisionToday", func(r map[string]string) { r["CF_JDRQ"] = "20240305" }, nil},
		{"ErrValidityBeforeDecision", func(r map[string]string) { r["CF_YXQ"] = "2024-02-29" },
			[]wantProblem{{"CF_YXQ", "date_order", []string{"“处罚有效期”（CF_YXQ）", "2024-02-29", "“处罚决定日期”", "2024-03-01"}}}},
		{"ValiditySameDay", func(r map[string]string) { r["CF_YXQ"] = "2024-03-01" }, nil},
		{"ErrPublicityEndBeforeDecision", func(r map[string]string) { r["CF_GSJZQ"] = "2024-01-01" },
			[]wantProblem{{"CF_GSJZQ", "date_order", []string{"公示截止期"}}}},
		{"PublicityEnd", func(r map[string]string) { r["CF_GSJZQ"] = "2024-12-31" }, nil},
		{"ErrThousandsSeparator", func(r map[string]string) { r["CF_NR_FK"] = "1,000" },
			[]wantProblem{{"CF_NR_FK", "bad_decimal", []string{"“1,000”", "千分位"}}}},
		{"ErrDecimalUnit", func(r map[string]string) { r["CF_NR_FK"] = "5万元" },
			[]wantProblem{{"CF_NR_FK", "bad_decimal", []string{"“5万元”", "1000或0.5"}}}},
		{"ErrDecimalLeadingPoint", func(r map[string]string) { r["CF_NR_FK"] = ".5" },
			[]wantProblem{{"CF_NR_FK", "bad_decimal", nil}}},
		{"ErrDecimalExponent", func(r map[string]string) { r["CF_NR_FK"] = "1e3" },
			[]wantProblem{{"CF_NR_FK", "bad_decimal", nil}}},
		{"ErrNegative", func(r map[string]string) { r["CF_NR_FK"] = "-1" },
			[]wantProblem{{"CF_NR_FK", "negative", []string{"负"}}}},
		{"ErrTooManyDecimals", func(r map[string]string) { r["CF_NR_FK"] = "0.1234567" },
			[]wantProblem{{"CF_NR_FK", "too_many_decimals", []string{"6位小数"}}}},
		{"SixDecimals", func(r map[string]string) { r["CF_NR_FK"] = "0.123456" }, nil},
		{"ErrZeroFine", func(r map[string]string) { r["CF_NR_FK"] = "0" },
			[]wantProblem{{"CF_NR_FK", "not_positive", []string{"第3行“罚款金额（万元）”（CF_NR_FK）：“处罚类别”包含“罚款”时金额应大于0，实际为0"}}}},
		{"ErrZeroFineWritten", func(r map[string]string) { r["CF_NR_FK"] = "-0.000" },
			[]wantProblem{{"CF_NR_FK", "not_positive", nil}}},
		{"ZeroAmountWithoutFine", func(r map[string]string) { r["CF_CFLB"], r["CF_NR"], r["CF_NR_FK"] = "警告", "警告", "0" }, nil},
		{"ErrBadCode", func(r map[string]string) { r["CF_XDR_LB"] = "公司" },
			[]wantProblem{{"CF_XDR_LB", "bad_code", []string{"“公司”", "法人及非法人组织、自然人、个体工商户"}}}},
		{"ErrBadMultiCode", func(r map[string]string) { r["CF_CFLB"] = "警告；罚金" },
			[]wantProblem{{"CF_CFLB", "bad_code", []string{"“罚金”", "警告、通报批评、罚款"}}}},
		{"ErrBadSeverity", func(r map[string]string) { r["SXYZCD"] = "较重" },
			[]wantProblem{{"SXYZCD", "bad_code", []string{"轻微、一般、严重"}}}},
		{"ErrUSCCCheck", func(r map[string]string) { r["CF_XDR_SHXYM"] = "91220101MA0Y12340A" },
			[]wantProblem{{"CF_XDR_SHXYM", "uscc_check", []string{"第3行“行政相对人代码_1 (统一社会信用代码)”（CF_XDR_SHXYM）：", "“Q”"}}}},
		{"ErrUSCCLength", func(r map[string]string) { r["CF_CFJGDM"] = "1122010001234567" },
			[]wantProblem{{"CF_CFJGDM", "uscc_length", []string{"18"}}}},
		{"ErrUSCCCharset", func(r map[string]string) { r["CF_XDR_SHXYM"] = "91220101MA0Y1234OQ" },
			[]wantProblem{{"CF_XDR_SHXYM", "uscc_charset", nil}}},
		{"ErrUSCCRequiredForLegalPerson", func(r map[string]string) { delete(r, "CF_XDR_SHXYM") },
			[]wantProblem{{"CF_XDR_SHXYM", "required", []string{"“行政相对人类别”为“法人及非法人组织”时为必填项"}}}},
		{"ErrUSCCRequiredForIndividualBusiness", func(r map[string]string) {
			r["CF_XDR_LB"] = "个体工商户"
			delete(r, "CF_XDR_SHXYM")
		}, []wantProblem{{"CF_XDR_SHXYM", "required", []string{"个体工商户"}}}},
		{"ErrIndividualBusinessPrefix", func(r map[string]string) { r["CF_XDR_LB"] = "个体工商户" },
			[]wantProblem{{"CF_XDR_SHXYM", "prefix", []string{"个体工商户的统一社会信用代码应以92开头", entUSCC}}}},
		{"IndividualBusiness92", func(r map[string]string) {
			r["CF_XDR_LB"] = "04"
			r["CF_XDR_SHXYM"] = indUSCC
		}, nil},
		{"ErrLegalPersonWith92", func(r map[string]string) { r["CF_XDR_SHXYM"] = indUSCC },
			[]wantProblem{{"CF_XDR_SHXYM", "prefix", []string{"不应以92开头", "个体工商户"}}}},
		{"PublicInstitution12", func(r map[string]string) { r["CF_XDR_SHXYM"] = instUSCC }, nil},
		{"BadUSCCGivesOneProblem", func(r map[string]string) {
			r["CF_XDR_LB"] = "个体工商户"
			r["CF_XDR_SHXYM"] = "91220101MA0Y12340A"
		}, []wantProblem{{"CF_XDR_SHXYM", "uscc_check", nil}}},
		{"Person", person, nil},
		{"ErrPersonWithoutID", func(r map[string]string) {
			person(r)
			delete(r, "CF_XDR_ZJLX")
			delete(r, "CF_XDR_ZJHM")
		}, []wantProblem{
			{"CF_XDR_ZJLX", "required", []string{"“行政相对人类别”为“自然人”时"}},
			{"CF_XDR_ZJHM", "required", []string{"“行政相对人类别”为“自然人”时"}},
		}},
		{"ErrPersonIDCheck", func(r map[string]string) { person(r); r["CF_XDR_ZJHM"] = badIDCheck },
			[]wantProblem{{"CF_XDR_ZJHM", "id_check", []string{"第3行“证件号码”（CF_XDR_ZJHM）：", "“4”"}}}},
		{"ErrPersonIDLength", func(r map[string]string) { person(r); r["CF_XDR_ZJHM"] = "22010219800101123" },
			[]wantProblem{{"CF_XDR_ZJHM", "id_length", nil}}},
		{"ErrPersonIDBirthInFuture", func(r map[string]string) {
			person(r)
			r["CF_XDR_ZJHM"] = "220102202501011230" // check char irrelevant: birth fails first
		}, []wantProblem{{"CF_XDR_ZJHM", "id_birth", nil}}},
		{"PersonPassportNotChecked", func(r map[string]string) {
			person(r)
			r["CF_XDR_ZJLX"] = "02"
			r["CF_XDR_ZJHM"] = "E12345678"
		}, nil},
		{"ErrIDNumberWithoutType", func(r map[string]string) { r["CF_XDR_ZJHM"] = citizenID },
			[]wantProblem{{"CF_XDR_ZJLX", "required", []string{"填写了“证件号码”时"}}}},
		{"ErrPersonWith91USCC", func(r map[string]string) { person(r); r["CF_XDR_SHXYM"] = entUSCC },
			[]wantProblem{{"CF_XDR_SHXYM", "prefix", []string{"自然人的统一社会信用代码应以92开头"}}}},
		{"ErrLegalRepRequired", func(r map[string]string) { delete(r, "CF_FRDB") },
			[]wantProblem{{"CF_FRDB", "required", []string{"法人及非法人组织"}}}},
		{"LegalRepID", func(r map[string]string) {
			r["CF_FR_ZJLX"] = "身份证"
			r["CF_FR_ZJHM"] = citizenID
		}, nil},
		{"ErrLegalRepIDCheck", func(r map[string]string) {
			r["CF_FR_ZJLX"] = "身份证"
			r["CF_FR_ZJHM"] = badIDCheck
		}, []wantProblem{{"CF_FR_ZJHM", "id_check", nil}}},
		{"ErrLegalRepIDWithoutNumber", func(r map[string]string) { r["CF_FR_ZJLX"] = "身份证" },
			[]wantProblem{{"CF_FR_ZJHM", "required", []string{"填写了“法定代表人证件类型”时"}}}},
		{"ErrLegalRepNumberWithoutType", func(r map[string]string) { r["CF_FR_ZJHM"] = citizenID },
			[]wantProblem{{"CF_FR_ZJLX", "required", nil}}},
		{"ErrFineRequired", func(r map[string]string) { delete(r, "CF_NR_FK") },
			[]wantProblem{{"CF_NR_FK", "required", []string{"第3行“罚款金额（万元）”（CF_NR_FK）：“处罚类别”包含“罚款”时为必填项，不能为空"}}}},
		{"ErrFinePlaceholder", func(r map[string]string) { r["CF_NR_FK"] = "/" },
			[]wantProblem{{"CF_NR_FK", "required", []string{"“/”视为未填写"}}}},
		{"NoFineWithoutFineCategory", func(r map[string]string) {
			r["CF_CFLB"] = "警告"
			delete(r, "CF_NR_FK")
		}, nil},
		{"ErrConfiscationAmountRequired", func(r map[string]string) { r["CF_CFLB"] = "罚款、没收违法所得、没收非法财物" },
			[]wantProblem{{"CF_NR_WFFF", "required", []string{"“处罚类别”包含“没收违法所得”或“没收非法财物”时"}}}},
		{"ConfiscationAmount", func(r map[string]string) {
			r["CF_CFLB"] = "没收违法所得"
			r["CF_NR_WFFF"] = "0.35"
			delete(r, "CF_NR_FK")
		}, nil},
		{"ErrLicenceRequired", func(r map[string]string) { r["CF_CFLB"] = "罚款;吊销营业执照" },
			[]wantProblem{{"CF_NR_ZKDX", "required", []string{"吊销许可证件"}}}},
		{"ErrSuspendedLicenceRequired", func(r map[string]string) { r["CF_CFLB"] = "暂扣许可证件" },
			[]wantProblem{{"CF_NR_ZKDX", "required", []string{"暂扣许可证件"}}}},
		{"Licence", func(r map[string]string) {
			r["CF_CFLB"] = "吊销许可证"
			r["CF_NR_ZKDX"] = "食品经营许可证 JY12201020001234"
			delete(r, "CF_NR_FK")
		}, nil},
		{"ErrSourceDepartment", func(r map[string]string) { r["CF_SJLYDM"] = provUSCC },
			[]wantProblem{{"CF_SJLYDM", "source_department", []string{
				"第3行“数据来源单位统一社会信用代码”（CF_SJLYDM）：应为提交部门的统一社会信用代码“11220100012345671C”，不得代其他单位报送"}}}},
		{"SourceDepartmentNormalised", func(r map[string]string) { r["CF_SJLYDM"] = "１１２２０１００ ０１２３４５６７１ｃ" }, nil},
		{"AuthorityMayDifferFromSource", func(r map[string]string) { r["CF_CFJGDM"] = provUSCC }, nil},
		{"ErrAllProblemsOfTheRow", func(r map[string]string) {
			delete(r, "CF_WSH")
			r["CF_JDRQ"] = "2024/02/30"
			r["CF_XDR_LB"] = "企业"
			r["CF_NR_FK"] = "1,5"
			r["CF_SJLYDM"] = provUSCC
		}, []wantProblem{
			{"CF_XDR_LB", "bad_code", nil},
			{"CF_WSH", "required", nil},
			{"CF_NR_FK", "bad_decimal", nil},
			{"CF_JDRQ", "bad_date", nil},
			{"CF_SJLYDM", "source_department", nil},
		}},
	} {
		t.Run(test.name, func(t *testing.T) {
			v := newValidator(t, "penalty")
			row := penaltyRow()
			test.mutate(row)
			r, probs := v.Validate(3, row)
			checkProblems(t, probs, test.want)
			if (r == nil) == (len(test.want) == 0) {
				t.Errorf("record = %v with %d problems", r, len(probs))
			}
			for _, p := range probs {
				f, _ := v.Class.Field(p.Field)
				if p.Row != 3 || f == nil || p.FieldName != f.Name || !strings.HasPrefix(p.Message, "第3行“") {
					t.Errorf("problem lacks position: %+v", p)
				}
			}
		})
	}
}

func TestValidateLegacyUSCC(t *testing.T) {
	v := newValidator(t, "penalty")
	legacy := "91220101MA0Y12340A" // wrong check character
	v.Legacy = func(code string) bool { return code == legacy }
	row := penaltyRow()
	row["CF_XDR_SHXYM"] = strings.ToLower(legacy)
	r, probs := v.Validate(1, row)
	if len(probs) > 0 {
		t.Fatalf("whitelisted legacy code rejected:\n%s", problemList(probs))
	}
	if r.Subject.USCC != legacy {
		t.Errorf("USCC = %q, want %q", r.Subject.USCC, legacy)
	}
}

func TestValidateNoDepartment(t *testing.T) {
	v := newValidator(t, "penalty")
	v.Department = ""
	row := penaltyRow()
	row["CF_SJLYDM"] = provUSCC
	if _, probs := v.Validate(1, row); len(probs) > 0 {
		t.Errorf("source_department checked without a department:\n%s", problemList(probs))
	}
}

func TestValidateNormalisesValues(t *testing.T) {
	for _, test := range []struct {
		field, in, want string
	}{
		{"CF_JDRQ", "2024-03-01", "2024-03-01"},
		{"CF_JDRQ", "2024/3/1", "2024-03-01"},
		{"CF_JDRQ", "2024-3-1", "2024-03-01"},
		{"CF_JDRQ", "20240301", "2024-03-01"},
		{"CF_JDRQ", "2024年3月1日", "2024-03-01"},
		{"CF_JDRQ", "2024年03月01日", "2024-03-01"},
		{"CF_JDRQ", "45352", "2024-03-01"},
		{"CF_JDRQ", "45352.0", "2024-03-01"},
		{"CF_JDRQ", "2024-03-01 00:00:00", "2024-03-01"},
		{"CF_JDRQ", "２０２４－０３－０１", "2024-03-01"},
		{"CF_YXQ", "2099-12-31", "2099-12-31"},
		{"CF_NR_FK", "5.000000", "5"},
		{"CF_NR_FK", "0.50", "0.5"},
		{"CF_NR_FK", "0100", "100"},
		{"CF_NR_FK", "１００", "100"},
		{"CF_NR_FK", "0", "0"},
		{"CF_NR_FK", "-0", "0"},
		{"CF_NR_FK", "0.0000001000", "BAD"}, // 7 significant decimals: rejected
		{"CF_CFLB", "罚款、警告；罚款,吊销营业执照", "警告;罚款;吊销许可证件"},
		{"CF_CFLB", "罚款，，警告", "警告;罚款"},
		{"CF_XDR_LB", "法人", "法人及非法人组织"},
		{"CF_XDR_LB", " 02 ", "法人及非法人组织"},
		{"SXYZCD", "Serious", "严重"},
		{"CF_XDR_MC", "长春市  示例\u3000商贸（有限）公司", "长春市 示例 商贸(有限)公司"},
		{"CF_XDR_SHXYM", "９１２２０１０１ｍａ０ｙ１２３４０ｑ", entUSCC},
		{"CF_WSH", "长市监罚（2024）12号", "长市监罚(2024)12号"},
	} {
		row := penaltyRow()
		row[test.field] = test.in
		if test.field == "CF_CFLB" {
			row["CF_NR_ZKDX"] = "营业执照"
		}
		if test.field == "CF_NR_FK" && test.want == "0" {
			row["CF_CFLB"] = "警告" // a fine of 0 is refused (ErrZeroFine); here only its canonical form counts
		}
		r, probs := newValidator(t, "penalty").Validate(1, row)
		got := "BAD"
		if len(probs) == 0 {
			got = r.Fields[test.field]
		}
		if got != test.want {
			t.Errorf("%s %q -> %q, want %q\n%s", test.field, test.in, got, test.want, problemList(probs))
		}
	}
}

func TestParseDate(t *testing.T) {
	for _, test := range []struct {
		in   string
		want string // "" = rejected
	}{
		{"2024-01-01", "2024-01-01"},
		{"2024-1-1", "2024-01-01"},
		{"2024/1/1", "2024-01-01"},
		{"2024/01/01", "2024-01-01"},
		{"20240101", "2024-01-01"},
		{"2024年1月1日", "2024-01-01"},
		{"45292", "2024-01-01"},
		{"45292.75", "2024-01-01"},
		{"73050", "2099-12-31"},
		{"2024-02-29", "2024-02-29"},
		{"2024-01-01T08:30:00", "2024-01-01"},
		{"2024-01-01 8:30", "2024-01-01"},
		{"2024/1/1 0:00:00.000", "2024-01-01"},
		{"2023-02-29", ""},
		{"2024-13-01", ""},
		{"2024-00-10", ""},
		{"2024-01-32", ""},
		{"2024-01", ""},
		{"2024-1/1", ""},
		{"24-01-01", ""},
		{"2024.01.01", ""},
		{"2024-01-01 noon", ""},
		{"2024年1月1", ""},
		{"18991231", ""},
		{"2024", ""},
		{"0", ""},
		{"9999", ""},
		{"045292", ""},
		{"45292.", ""},
		{"", ""},
		{"长期", ""},
	} {
		d, ok := ParseDate(test.in)
		got := ""
		if ok {
			got = d.Format(credit.DateLayout)
		}
		if got != test.want {
			t.Errorf("ParseDate(%q) = %q, want %q", test.in, got, test.want)
		}
	}
}

func TestValidateLicense(t *testing.T) {
	for _, test := range []struct {
		name   string
		mutate func(map[string]string)
		want   []wantProblem
	}{
		{"OK", func(map[string]string) {}, nil},
		{"LongTerm", func(r map[string]string) { r["XK_YXQZI"] = "2099-12-31" }, nil},
		{"Invalid", func(r map[string]string) { r["XK_ZT"] = "2" }, nil},
		{"ErrValidityOrder", func(r map[string]string) { r["XK_YXQZI"] = "2024-02-28" },
			[]wantProblem{{"XK_YXQZI", "date_order", []string{"“有效期至”（XK_YXQZI）", "“有效期自”"}}}},
		{"ErrFutureDecision", func(r map[string]string) {
			r["XK_JDRQ"] = "2024-04-01"
			r["XK_YXQZ"] = "2024-04-01"
		}, []wantProblem{{"XK_JDRQ", "future_date", nil}}},
		{"ErrStatus", func(r map[string]string) { r["XK_ZT"] = "3" },
			[]wantProblem{{"XK_ZT", "bad_code", []string{"有效、无效"}}}},
		{"ErrCategory", func(r map[string]string) { r["XK_XKLB"] = "一般" },
			[]wantProblem{{"XK_XKLB", "bad_code", []string{"普通、特许、认可、核准、登记、其他"}}}},
		{"ErrSourceDepartment", func(r map[string]string) { r["XK_LYDWDM"] = provUSCC },
			[]wantProblem{{"XK_LYDWDM", "source_department", nil}}},
		{"ErrIndividualBusinessPrefix", func(r map[string]string) {
			r["XK_XDR_LB"] = "个体工商户"
		}, []wantProblem{{"XK_XDR_SHXYM", "prefix", []string{"个体工商户的统一社会信用代码应以92开头"}}}},
		{"ErrLegalRepID", func(r map[string]string) {
			r["XK_FR_ZJLX"] = "身份证"
			r["XK_FR_ZJHM"] = badIDCheck
		}, []wantProblem{{"XK_FR_ZJHM", "id_check", nil}}},
		{"ErrPersonID", func(r map[string]string) {
			r["XK_XDR_LB"] = "自然人"
			r["XK_XDR_ZJLX"] = "身份证"
			r["XK_XDR_ZJHM"] = badIDCheck
			delete(r, "XK_XDR_SHXYM")
			delete(r, "XK_FRDB")
		}, []wantProblem{{"XK_XDR_ZJHM", "id_check", nil}}},
	} {
		t.Run(test.name, func(t *testing.T) {
			v := newValidator(t, "license")
			row := licenseRow()
			test.mutate(row)
			r, probs := v.Validate(4, row)
			checkProblems(t, probs, test.want)
			if len(test.want) == 0 && r != nil {
				if want := "长市监许〔2024〕7号|" + cityUSCC; r.Key != want {
					t.Errorf("Key = %q, want %q", r.Key, want)
				}
			}
		})
	}
}

func TestValidateRegistration(t *testing.T) {
	v := newValidator(t, "registration")
	row := map[string]string{
		"DJ_MC":       "吉林省示例研究院",
		"DJ_TYSHXYDM": instUSCC,
		"DJ_CLRQ":     "2001-05-10",
		"DJ_DJJG":     "吉林省事业单位登记管理局",
		"DJ_ZT":       "存续",
		"DJ_ZCZB":     "1000",
		"DJ_SJLYDM":   cityUSCC,
	}
	r, probs := v.Validate(1, row)
	if len(probs) > 0 {
		t.Fatalf("unexpected problems:\n%s", problemList(probs))
	}
	if r.Key != instUSCC || r.Subject.Type != "public_institution" || r.Subject.USCC != instUSCC {
		t.Errorf("Key %q Subject %+v", r.Key, r.Subject)
	}
	row["DJ_ZT"] = "歇业"
	if _, probs := v.Validate(1, row); len(probs) != 1 || probs[0].Code != "bad_code" {
		t.Errorf("DJ_ZT 歇业: problems %v, want one bad_code", probs)
	}
}

// TestValidateIdempotent checks that validating a record's own fields again
// gives the same fields: normalisation is stable.
func TestValidateIdempotent(t *testing.T) {
	v := newValidator(t, "penalty")
	row := penaltyRow()
	row["CF_CFLB"] = "罚款、警告"
	row["CF_NR_FK"] = "５．５０"
	row["CF_JDRQ"] = "45352"
	r1, probs := v.Validate(1, row)
	if len(probs) > 0 {
		t.Fatal(problemList(probs))
	}
	r2, probs := v.Validate(1, maps.Clone(r1.Fields))
	if len(probs) > 0 {
		t.Fatal(problemList(probs))
	}
	if !maps.Equal(r1.Fields, r2.Fields) || r1.Key != r2.Key || r1.Subject != r2.Subject {
		t.Errorf("second pass changed the record:\n%v\n%v", r1.Fields, r2.Fields)
	}
}

// FuzzValidate feeds arbitrary strings into every field of a penalty row:
// Validate must not panic, must return either a record or problems, every
// problem must carry its position, and an accepted record must validate
// again to the same fields.
func FuzzValidate(f *testing.F) {
	c := mustCatalog(f)
	cl, _ := c.Class("penalty")
	codes := make([]string, len(cl.Fields))
	for i, fd := range cl.Fields {
		codes[i] = fd.Code
	}
	join := func(row map[string]string) string {
		vals := make([]string, len(codes))
		for i, code := range codes {
			vals[i] = row[code]
		}
		return strings.Join(vals, "\x00")
	}
	f.Add(join(penaltyRow()))
	row := penaltyRow()
	row["CF_CFLB"] = "警告、罚款;;吊销营业执照"
	row["CF_JDRQ"] = "45352.5"
	row["CF_NR_FK"] = "1,000"
	f.Add(join(row))
	f.Add("")
	f.Add(strings.Repeat("\x00", len(codes)))
	f.Add("\xff\xfe\x00２０２４年２月３０日\x00-0.0000001\x00、、；")
	f.Fuzz(func(t *testing.T, data string) {
		vals := strings.Split(data, "\x00")
		row := map[string]string{}
		for i, code := range codes {
			if i < len(vals) {
				row[code] = vals[i]
			}
		}
		v := &Validator{Catalog: c, Class: cl, Department: cityUSCC, Today: today}
		r, probs := v.Validate(7, row)
		if (r == nil) == (len(probs) == 0) {
			t.Fatalf("record %v with %d problems", r, len(probs))
		}
		for _, p := range probs {
			if p.Row != 7 || p.Field == "" || p.Code == "" || !strings.HasPrefix(p.Message, "第7行“") {
				t.Fatalf("bad problem %+v", p)
			}
		}
		if r == nil {
			return
		}
		r2, probs := v.Validate(7, maps.Clone(r.Fields))
		if len(probs) > 0 {
			t.Fatalf("normalised record rejected: %s", problemList(probs))
		}
		if !maps.Equal(r.Fields, r2.Fields) {
			t.Fatalf("not idempotent:\n%q\n%q", r.Fields, r2.Fields)
		}
		if slices.ContainsFunc(slices.Collect(maps.Values(r.Fields)), func(s string) bool { return s == "" }) {
			t.Fatalf("empty value stored: %q", r.Fields)
		}
	})
}

// TestValidateOtherRuleKinds covers rule kinds the embedded catalog does not
// use yet, on a small catalog of its own.
func TestValidateOtherRuleKinds(t *testing.T) {
	c, err := catalog.Parse([]byte(`{
		"version": "test",
		"code_tables": [{"code": "yn", "name": "是否", "values": ["是", "否"]}],
		"classes": [{
			"code": "t", "name": "测试", "category": 1, "category_name": "测试",
			"disclosure": "shared", "ingestible": true, "business_key": ["ID"],
			"fields": [
				{"code": "ID", "name": "编号", "type": "string", "required": "required"},
				{"code": "ORG", "name": "是否单位", "type": "code", "code_table": "yn", "required": "optional"},
				{"code": "CODE", "name": "代码", "type": "string", "required": "optional"},
				{"code": "PHONE", "name": "电话", "type": "string", "required": "optional"},
				{"code": "MAIL", "name": "邮箱", "type": "string", "required": "optional"}
			],
			"rules": [
				{"kind": "uscc_if", "field": "CODE", "if": {"field": "ORG", "equals": ["是"]}},
				{"kind": "one_of_present", "fields": ["PHONE", "MAIL"]}
			],
			"roles": {"subject_name": "ID"},
			"publicity": {"adverse": false, "default": {"min_months": 0, "max_months": 0}}
		}]
	}`))
	if err != nil {
		t.Fatal(err)
	}
	cl, _ := c.Class("t")
	v := &Validator{Catalog: c, Class: cl, Today: today}
	for _, test := range []struct {
		name string
		row  map[string]string
		want []wantProblem
	}{
		{"OK", map[string]string{"ID": "1", "ORG": "是", "CODE": entUSCC, "PHONE": "1"}, nil},
		{"NotUSCCWhenNotOrg", map[string]string{"ID": "1", "ORG": "否", "CODE": "abc", "MAIL": "a@b"}, nil},
		{"ErrUSCCIf", map[string]string{"ID": "1", "ORG": "是", "CODE": "91220101MA0Y12340A", "PHONE": "1"},
			[]wantProblem{{"CODE", "uscc_check", []string{"第1行“代码”（CODE）："}}}},
		{"ErrOneOf", map[string]string{"ID": "1"},
			[]wantProblem{{"PHONE", "one_of", []string{"“电话”、“邮箱”至少填写一项"}}}},
	} {
		t.Run(test.name, func(t *testing.T) {
			_, probs := v.Validate(1, test.row)
			checkProblems(t, probs, test.want)
		})
	}
}

func BenchmarkValidatePenalty(b *testing.B) {
	v := newValidator(b, "penalty")
	row := penaltyRow()
	b.ReportAllocs()
	for b.Loop() {
		if _, probs := v.Validate(2, row); len(probs) > 0 {
			b.Fatal(probs)
		}
	}
}

// TestListEntryResponsiblePerson: an organisation on the black list or a
// sub-list names its legal representative or the person directly
// responsible (a rule with a joined condition); other lists and persons
// need neither.
func TestListEntryResponsiblePerson(t *testing.T) {
	row := func(typ, kind string, mod func(map[string]string)) map[string]string {
		r := map[string]string{
			"MD_LX": typ, "MD_ZTMC": "长春市示例商贸有限公司", "MD_ZTLB": kind, "MD_TYSHXYDM": entUSCC,
			"MD_RDWH": "长发改信〔2024〕1号", "MD_RDRQ": "2024-03-01", "MD_RDBM": "长春市发展和改革委员会", "MD_RDBMDM": cityUSCC,
			"MD_SY": "拒不履行法定义务，情节严重", "MD_YJ": "《吉林省社会信用条例》第三十条",
			"MD_CSTS": "依清单实施惩戒", "MD_YCTJ": "有效期届满自动移出", "MD_JJCS": "可依法申请行政复议",
			"MD_YXQQ": "2024-03-01", "MD_YXQZ": "2025-02-28", "MD_SJLYDM": cityUSCC,
		}
		if kind == "自然人" {
			delete(r, "MD_TYSHXYDM")
			r["MD_ZTMC"], r["MD_ZJLX"], r["MD_ZJHM"] = "张三", "身份证", "11010519491231002X"
		}
		if mod != nil {
			mod(r)
		}
		return r
	}
	v := newValidator(t, "list_entry")
	for _, test := range []struct {
		name string
		row  map[string]string
		want string // problem field, "" for none
	}{
		{"BlackOrganisationWithout", row("严重失信主体名单", "法人及非法人组织", nil), "MD_FDDBR"},
		{"SubListOrganisationWithout", row("重大税收违法失信主体", "法人及非法人组织", nil), "MD_FDDBR"},
		{"BlackOrganisationWithRepresentative", row("严重失信主体名单", "法人及非法人组织", func(r map[string]string) { r["MD_FDDBR"] = "张三" }), ""},
		{"BlackOrganisationWithResponsible", row("严重失信主体名单", "法人及非法人组织", func(r map[string]string) { r["MD_ZRR"] = "李四" }), ""},
		{"WatchListOrganisationWithout", row("重点关注名单", "法人及非法人组织", nil), ""},
		{"BlackPerson", row("失信被执行人", "自然人", func(r map[string]string) { delete(r, "MD_YXQZ") }), ""},
	} {
		t.Run(test.name, func(t *testing.T) {
			_, probs := v.Validate(2, test.row)
			switch {
			case test.want == "" && len(probs) > 0:
				t.Errorf("problems %s, want none", problemList(probs))
			case test.want != "" && (len(probs) != 1 || probs[0].Field != test.want || !strings.Contains(probs[0].Message, "直接责任人")):
				t.Errorf("problems %s, want one on %s naming 直接责任人", problemList(probs), test.want)
			}
		})
	}
}

// A wrong value is quoted clipped: a whole long cell pasted into a date,
// amount or code column is not repeated in the message (and so in the
// error sheet and the receipt).
func TestValidateClipsEchoedValues(t *testing.T) {
	v := newValidator(t, "penalty")
	long := strings.Repeat("长春", 2000)
	for _, field := range []string{"CF_JDRQ", "CF_NR_FK", "CF_CFLB", "CF_XDR_LB"} {
		row := penaltyRow()
		row[field] = long
		_, probs := v.Validate(3, row)
		var msg string
		for _, p := range probs {
			if p.Field == field {
				msg = p.Message
			}
		}
		if msg == "" {
			t.Errorf("%s: no problem for a %d-character value: %+v", field, len([]rune(long)), probs)
			continue
		}
		if !strings.Contains(msg, strings.Repeat("长春", maxEcho/2)+"…") || strings.Contains(msg, strings.Repeat("长春", maxEcho)) {
			t.Errorf("%s: message does not quote the value clipped to %d characters: %d characters: %.200s", field, maxEcho, len([]rune(msg)), msg)
		}
	}
}
