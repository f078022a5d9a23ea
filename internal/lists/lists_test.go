package lists

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"jlcredit/internal/catalog"
	"jlcredit/internal/credit"
	"jlcredit/internal/credit/credittest"
	"jlcredit/internal/record"
)

func mustData(t *testing.T) *Data {
	t.Helper()
	d, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func date(s string) credit.Date {
	d, ok := record.ParseDate(s)
	if !ok {
		panic(s)
	}
	return d
}

func dp(s string) *credit.Date { d := date(s); return &d }

func TestDefaultData(t *testing.T) {
	d := mustData(t)
	// Every list type is a value of the catalog's list_type code table and
	// the other way round, so that every ingestible entry has a type.
	cat, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	table, ok := cat.CodeTable("list_type")
	if !ok {
		t.Fatal("code table list_type missing")
	}
	for _, v := range table.Values {
		if _, ok := d.ListTypeByName(v); !ok {
			t.Errorf("code table value %q has no list type", v)
		}
	}
	for _, lt := range d.ListTypes {
		if !table.Has(lt.Name) {
			t.Errorf("list type %s (%s) is not in code table list_type", lt.Code, lt.Name)
		}
	}
	if _, ok := cat.Class(ClassCode); !ok {
		t.Fatalf("catalog class %s missing", ClassCode)
	}
	// The 2021 national basic list: three classes, 14 items.
	national := map[int]int{}
	for _, m := range d.Measures {
		if strings.Contains(m.Clause, "全国失信惩戒措施基础清单（2021年版）") {
			national[m.Class]++
		}
	}
	if n := national[1] + national[2] + national[3]; n != 14 || national[1] == 0 || national[2] == 0 || national[3] == 0 {
		t.Errorf("national measures by class = %v, want 14 in three classes", national)
	}
	for _, s := range []string{"政府采购", "招标投标", "行政审批", "财政资金支持", "评优评先", "公务员录用", "国有土地出让", "资质审核"} {
		if _, ok := d.Scenario(s); !ok {
			t.Errorf("scenario %s missing", s)
		}
	}
}

func TestMeasureValidate(t *testing.T) {
	d := mustData(t)
	good := d.Measures[0]
	for _, test := range []struct {
		name string
		edit func(m *Measure)
		code string
	}{
		{"OK", func(m *Measure) {}, ""},
		{"ErrNoBasis", func(m *Measure) { m.Basis = "  " }, "no_basis"},
		{"ErrNoClause", func(m *Measure) { m.Clause = "" }, "no_clause"},
		{"ErrBadClass", func(m *Measure) { m.Class = 4 }, "bad_class"},
		{"ErrUnknownListType", func(m *Measure) { m.ListTypes = []string{"nope"} }, "bad_list_type"},
		{"ErrUnknownScenario", func(m *Measure) { m.Scenarios = []string{"买菜"} }, "bad_scenario"},
		{"ErrUnknownDepartmentKind", func(m *Measure) { m.DepartmentKinds = []string{"resources"} }, "bad_kind"},
		{"ErrLowerCaseCode", func(m *Measure) { m.Code = "jl-99" }, "bad_code"},
		{"ErrCodeWithoutHyphen", func(m *Measure) { m.Code = "JL98" }, "bad_code"},
		{"NormalizedCode", func(m *Measure) { m.Code = NormalizeMeasureCode(" ｊｌ-99 ") }, ""},
		{"ErrRestrictOnRedList", func(m *Measure) { m.Effect, m.ListTypes = Restrict, []string{"black", "tax_a"} }, "effect_kind"},
		{"ErrRewardOnBlackList", func(m *Measure) { m.Effect, m.ListTypes = Reward, []string{"black"} }, "effect_kind"},
		{"RewardOnRedList", func(m *Measure) { m.Effect, m.ListTypes = Reward, []string{"tax_a"} }, ""},
	} {
		t.Run(test.name, func(t *testing.T) {
			m := good
			m.ListTypes, m.Scenarios = slices.Clone(good.ListTypes), slices.Clone(good.Scenarios)
			test.edit(&m)
			err := m.Validate(d)
			if test.code == "" {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			var codes []string
			if e, ok := err.(*credit.Error); ok {
				for _, p := range e.Details {
					codes = append(codes, p.Code)
				}
			}
			if !slices.Contains(codes, test.code) {
				t.Errorf("problems %v, want %s", codes, test.code)
			}
		})
	}
}

func TestValidity(t *testing.T) {
	d := mustData(t)
	black, _ := d.ListType("black")
	watch, _ := d.ListType("watch")
	court, _ := d.ListType("court_dishonest")
	abnormal, _ := d.ListType("abnormal")
	for _, test := range []struct {
		name     string
		lt       *ListType
		from     string
		declared *credit.Date
		special  string
		want     string // "" = nil
		capped   bool
	}{
		{"BlackWithin", black, "2024-03-01", dp("2025-02-28"), "", "2025-02-28", false},
		{"BlackExactlyThreeYears", black, "2024-03-01", dp("2027-02-28"), "", "2027-02-28", false},
		{"BlackOverThreeYearsCapped", black, "2024-03-01", dp("2027-03-01"), "", "2027-02-28", true},
		{"BlackNoEndGetsLimit", black, "2024-03-01", nil, "", "2027-02-28", false},
		{"BlackSpecialBasisKeepsEnd", black, "2024-03-01", dp("2029-03-01"), "《某法》第十条规定五年", "2029-03-01", false},
		{"WatchTwoYears", watch, "2024-02-29", dp("2030-01-01"), "", "2026-02-27", true},
		{"WatchLeapStart", watch, "2024-02-29", nil, "", "2026-02-27", false},
		{"CourtNoLimitNoEnd", court, "2024-01-01", nil, "", "", false},
		{"AbnormalDeclared", abnormal, "2024-01-01", dp("2024-06-30"), "", "2024-06-30", false},
	} {
		t.Run(test.name, func(t *testing.T) {
			got, capped := Validity(test.lt, date(test.from), test.declared, test.special)
			gs := ""
			if got != nil {
				gs = got.Format(credit.DateLayout)
			}
			if gs != test.want || capped != test.capped {
				t.Errorf("Validity = %q, %v; want %q, %v", gs, capped, test.want, test.capped)
			}
		})
	}
}

// entry builds an entry through EntryFromRecord, as storage does.
func entry(t *testing.T, d *Data, typ, from, until string, extra map[string]string) *Entry {
	t.Helper()
	f := map[string]string{FieldType: typ, FieldName: "长春某某建筑有限公司", FieldDocNo: "吉发改认〔2026〕1号",
		FieldDecisionDate: from, FieldValidFrom: from, FieldDepartment: "吉林省发展和改革委员会", FieldReason: "拖欠工程款", FieldBasis: "某条例"}
	if until != "" {
		f[FieldValidUntil] = until
	}
	for k, v := range extra {
		f[k] = v
	}
	e, err := EntryFromRecord(d, &record.Record{ID: 7, Key: typ + "|" + f[FieldDocNo], Fields: f})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestEntryMasksIDsInText checks that a citizen ID written inside an
// entry's text is masked wherever the entry is shown (verification
// answers, notices, webhooks), and that the key keeps it.
func TestEntryMasksIDsInText(t *testing.T) {
	d := mustData(t)
	const id, masked = "220202199005150039", "220202********0039"
	e := entry(t, d, "失信被执行人", "2026-01-10", "", map[string]string{
		FieldDocNo:         "（2026）吉0202执" + id + "号",
		FieldReason:        "被执行人刘某（身份证" + id + "）拒不履行",
		FieldBasis:         "依据" + id + "号裁定",
		FieldRemovedOn:     "2026-06-01",
		FieldRemovalKind:   RemovedEarly,
		FieldRemovalReason: "刘某（身份证" + id + "）已履行完毕",
	})
	v := NoticeView(NotifyRemoval, e)
	for name, got := range map[string]string{"DocNo": v.DocNo, "Reason": v.Reason, "Basis": v.Basis, "RemovalReason": v.RemovalReason} {
		if strings.Contains(got, id) || !strings.Contains(got, masked) {
			t.Errorf("%s = %q, want the ID masked as %s", name, got, masked)
		}
	}
	if !strings.Contains(e.Key, id) {
		t.Errorf("Key = %q: the list index's key must stay as stored", e.Key)
	}
}

func TestStateOn(t *testing.T) {
	d := mustData(t)
	e := entry(t, d, "严重失信主体名单", "2026-01-10", "2027-01-09", nil)
	for _, test := range []struct {
		on   string
		want State
	}{
		{"2026-01-09", Pending}, {"2026-01-10", Active}, {"2027-01-09", Active}, {"2027-01-10", Expired},
	} {
		if got := e.StateOn(date(test.on)); got != test.want {
			t.Errorf("StateOn(%s) = %s, want %s", test.on, got, test.want)
		}
	}
	removed := entry(t, d, "严重失信主体名单", "2026-01-10", "2027-01-09",
		map[string]string{FieldRemovedOn: "2026-06-01", FieldRemovalKind: RemovedRepaired, FieldRemovalReason: "已履行义务"})
	if got := removed.StateOn(date("2026-05-31")); got != Active {
		t.Errorf("day before removal: %s, want active", got)
	}
	if got := removed.StateOn(date("2026-06-01")); got != Removed {
		t.Errorf("removal day: %s, want removed", got)
	}
}

func TestRemovalFields(t *testing.T) {
	d := mustData(t)
	e := entry(t, d, "重点关注名单", "2026-01-10", "2027-01-09", nil)
	fields := map[string]string{FieldType: "重点关注名单", FieldDocNo: "x"}
	got, err := RemovalFields(e, fields, date("2026-03-01"), "", "整改到位")
	if err != nil {
		t.Fatal(err)
	}
	if got[FieldRemovedOn] != "2026-03-01" || got[FieldRemovalKind] != RemovedEarly || got[FieldRemovalReason] != "整改到位" || got[FieldDocNo] != "x" {
		t.Errorf("RemovalFields = %v", got)
	}
	if _, ok := fields[FieldRemovedOn]; ok {
		t.Error("RemovalFields changed its input")
	}
	if _, err := RemovalFields(e, fields, date("2026-03-01"), "", ""); credit.ErrorCode(err) != credit.EINVALID {
		t.Errorf("no reason: %v, want EINVALID", err)
	}
	if _, err := RemovalFields(e, fields, date("2025-03-01"), "", "x"); credit.ErrorCode(err) != credit.EINVALID {
		t.Errorf("before decision: %v, want EINVALID", err)
	}
	// 有效期届满 only after the last valid day (2027-01-09).
	for day, want := range map[string]string{"2026-03-01": credit.EINVALID, "2027-01-09": credit.EINVALID, "2027-01-10": ""} {
		_, err := RemovalFields(e, fields, date(day), RemovedExpired, "有效期届满")
		if credit.ErrorCode(err) != want || want != "" && !strings.Contains(credit.ErrorMessage(err), "应晚于有效期止2027-01-09") {
			t.Errorf("有效期届满 on %s: %v, want %q naming the validity end", day, err, want)
		}
	}
	// After the last valid day an entry is not removed early nor by
	// repair: without a kind it is recorded as expired; 撤销认定 stays
	// possible (the decision was wrong); on the last day 提前移出 is still early.
	for _, test := range []struct {
		day, kind, wantKind, wantCode string
	}{
		{"2027-01-10", "", RemovedExpired, ""},
		{"2027-01-09", "", RemovedEarly, ""},
		{"2027-01-09", RemovedRepaired, RemovedRepaired, ""},
		{"2027-01-10", RemovedEarly, "", "removal_after_expiry"},
		{"2027-03-01", RemovedRepaired, "", "removal_after_expiry"},
		{"2027-03-01", RemovedRevoked, RemovedRevoked, ""},
	} {
		got, err := RemovalFields(e, fields, date(test.day), test.kind, "x")
		if test.wantCode != "" {
			_, msg, p := credittest.FirstProblem(t, err)
			if p.Code != test.wantCode || p.Field != RemovalFieldKind || !strings.Contains(msg, "有效期已于2027-01-09届满") {
				t.Errorf("%s on %s: %q (%+v), want %s naming the validity end", test.kind, test.day, msg, p, test.wantCode)
			}
			continue
		}
		if err != nil || got[FieldRemovalKind] != test.wantKind {
			t.Errorf("kind %q on %s: %v, %v; want %s", test.kind, test.day, got[FieldRemovalKind], err, test.wantKind)
		}
	}
	open := entry(t, d, "失信被执行人", "2026-01-10", "", nil)
	if _, err := RemovalFields(open, fields, date("2030-01-01"), RemovedEarly, "x"); err != nil {
		t.Errorf("提前移出 of an entry without an end: %v", err)
	}
	if _, err := RemovalFields(open, fields, date("2030-01-01"), RemovedExpired, "x"); credit.ErrorCode(err) != credit.EINVALID || !strings.Contains(credit.ErrorMessage(err), "没有有效期止") {
		t.Errorf("有效期届满 of an entry without an end: %v, want EINVALID", err)
	}
	e.RemovedOn = dp("2026-02-01")
	if _, err := RemovalFields(e, fields, date("2026-03-01"), "", "x"); credit.ErrorCode(err) != credit.ECONFLICT {
		t.Errorf("already removed: %v, want ECONFLICT", err)
	}
}

func measureCodes(ms []AppliedMeasure) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Code+":"+string(m.Obligation))
	}
	return out
}

func TestDecide(t *testing.T) {
	d := mustData(t)
	on := date("2026-11-20")
	black := entry(t, d, "严重失信主体名单", "2026-01-10", "", nil)
	procurement := entry(t, d, "政府采购严重违法失信行为记录", "2026-01-10", "", nil)
	expired := entry(t, d, "严重失信主体名单", "2022-01-10", "2024-01-09", nil)
	removed := entry(t, d, "严重失信主体名单", "2026-01-10", "", map[string]string{FieldRemovedOn: "2026-10-01", FieldRemovalKind: RemovedEarly, FieldRemovalReason: "x"})
	watch := entry(t, d, "重点关注名单", "2026-01-10", "2027-01-09", nil)
	red := entry(t, d, "纳税信用A级纳税人", "2026-04-01", "2027-03-31", nil)
	coming := entry(t, d, "严重失信主体名单", "2026-12-15", "", nil) // decided, in force from 15 December
	for _, test := range []struct {
		name     string
		entries  []*Entry
		linked   []Linked
		scenario string
		kind     string
		verdict  Verdict
		measures []string
		incent   []string
	}{
		{"NothingFound", nil, nil, "政府采购", "finance", NoVerdict, nil, nil},
		{"BlackInProcurementByFinanceMust", []*Entry{black}, nil, "政府采购", "finance", Restricted, []string{"N1-01:must"}, nil},
		{"BlackInProcurementByOtherKindMay", []*Entry{black}, nil, "政府采购", "market", Restricted, []string{"N1-01:may"}, nil},
		{"SubListInheritsParent", []*Entry{procurement}, nil, "政府采购", "finance", Restricted, []string{"N1-01:must"}, nil},
		{"ExpiredIgnored", []*Entry{expired}, nil, "政府采购", "finance", NoVerdict, nil, nil},
		{"RemovedIgnored", []*Entry{removed}, nil, "政府采购", "finance", NoVerdict, nil, nil},
		{"WatchIsCaution", []*Entry{watch}, nil, "政府采购", "finance", Caution, []string{"JL-01:may"}, nil},
		{"WatchRestrictedInHonours", []*Entry{watch}, nil, "评优评先", "", Restricted, []string{"N2-03:must"}, nil},
		{"RedIsIncentive", []*Entry{red}, nil, "行政审批", "", Incentive, nil, []string{"R-01:may"}},
		{"RedWithheldWhenBlack", []*Entry{red, black}, nil, "评优评先", "", Restricted, []string{"N2-03:must"}, nil},
		{"ClassThreeOnlyForNamedKinds", []*Entry{black}, nil, "融资信贷", "market", Caution, nil, nil},
		{"ClassThreeForBanks", []*Entry{black}, nil, "融资信贷", "bank", Caution, []string{"N3-01:may"}, nil},
		{"LinkedPersonIsCaution", nil, []Linked{{Entry: black, Role: "法定代表人（主要负责人）"}}, "政府采购", "finance", Caution, nil, nil},
		{"LinkedRemovedIgnored", nil, []Linked{{Entry: removed, Role: "法定代表人（主要负责人）"}}, "政府采购", "finance", NoVerdict, nil, nil},
		{"LinkedWatchIgnored", nil, []Linked{{Entry: watch, Role: "法定代表人（主要负责人）"}}, "政府采购", "finance", NoVerdict, nil, nil},
		{"ComingBlackIsCaution", []*Entry{coming}, nil, "政府采购", "finance", Caution, nil, nil},
		{"ComingBlackWithholdsIncentives", []*Entry{coming, red}, nil, "行政审批", "", Caution, nil, nil},
	} {
		t.Run(test.name, func(t *testing.T) {
			res := Decide(d, test.entries, test.linked, test.scenario, test.kind, on)
			if res.Verdict != test.verdict {
				t.Errorf("verdict = %s, want %s (%s)", res.Verdict, test.verdict, res.Explanation)
			}
			if got := measureCodes(res.Measures); !slices.Equal(got, test.measures) {
				t.Errorf("measures = %v, want %v", got, test.measures)
			}
			if got := measureCodes(res.Incentives); !slices.Equal(got, test.incent) {
				t.Errorf("incentives = %v, want %v", got, test.incent)
			}
		})
	}
}

func TestLinkage(t *testing.T) {
	d := mustData(t)
	e := entry(t, d, "严重失信主体名单", "2026-01-10", "", map[string]string{
		FieldLegalRep: "王建国", FieldLegalRepIDT: "身份证", FieldLegalRepID: "22010219800101123X",
		FieldResponsible: "李四", FieldResponsibleT: "身份证", FieldResponsibleID: "220102198001011247"})
	if got := LinkedRole(e, "22010219800101123X"); got != "法定代表人（主要负责人）" {
		t.Errorf("LinkedRole(legal rep) = %q", got)
	}
	if got := LinkedRole(e, "220102198001011247"); got != "直接责任人" {
		t.Errorf("LinkedRole(responsible) = %q", got)
	}
	if got := LinkedRole(e, "220102198001019999"); got != "" {
		t.Errorf("LinkedRole(stranger) = %q", got)
	}
	// The view never carries identity numbers.
	v := e.View()
	if s := strings.Join(v.ResponsibleOf, ","); strings.Contains(s, "2201") || !strings.Contains(s, "王建国") {
		t.Errorf("view persons = %q", s)
	}
	// Verifying 李四 shows the organisation's entry with his own role, not
	// the names of its other responsible persons.
	res := Decide(d, nil, []Linked{{Entry: e, Role: LinkedRole(e, "220102198001011247")}}, "政府采购", "finance", date("2026-11-20"))
	if len(res.Linked) != 1 {
		t.Fatalf("linked = %+v, want the organisation's entry", res.Linked)
	}
	if l := res.Linked[0]; l.LinkedAs != "直接责任人" || len(l.ResponsibleOf) != 0 {
		t.Errorf("linked view: linked_as %q, responsible persons %q; want 直接责任人 and no other person", l.LinkedAs, l.ResponsibleOf)
	}
}

func TestValidateRequest(t *testing.T) {
	d := mustData(t)
	ok := VerificationRequest{Scenario: "政府采购", Purpose: "采购项目", Subjects: []Query{{Code: " 9122 0101 "}}}
	if err := ok.Validate(d); err != nil {
		t.Fatal(err)
	}
	for _, test := range []struct {
		name string
		req  VerificationRequest
		code string
	}{
		{"ErrScenario", VerificationRequest{Scenario: "买菜", Purpose: "x", Subjects: []Query{{Code: "1"}}}, credit.EINVALID},
		{"ErrPurpose", VerificationRequest{Scenario: "政府采购", Subjects: []Query{{Code: "1"}}}, credit.EINVALID},
		{"ErrEmpty", VerificationRequest{Scenario: "政府采购", Purpose: "x"}, credit.EINVALID},
		{"ErrBlankSubject", VerificationRequest{Scenario: "政府采购", Purpose: "x", Subjects: []Query{{Name: "\u3000"}}}, credit.EINVALID},
		{"ErrTooMany", VerificationRequest{Scenario: "政府采购", Purpose: "x", Subjects: make([]Query, MaxBatch+1)}, credit.ETOOLARGE},
	} {
		t.Run(test.name, func(t *testing.T) {
			if got := credit.ErrorCode(test.req.Validate(d)); got != test.code {
				t.Errorf("code = %q, want %q", got, test.code)
			}
		})
	}
	if q := (Query{Code: "９１２２ ０１０１", Name: "长春（北辰）有限公司"}).Normalized(); q.Code != "91220101" || q.Name != "长春(北辰)有限公司" {
		t.Errorf("Normalized = %+v", q)
	}
	// A code in the name column is the code; names stay names.
	for _, test := range []struct {
		in   Query
		want Query
	}{
		{Query{Name: "220102198808080054"}, Query{Code: "220102198808080054"}},
		{Query{Name: " ９１２２０１０２ ９９８８７７６６５Ｔ "}, Query{Code: "91220102998877665T"}},
		{Query{Name: "91220102998877665X"}, Query{Code: "91220102998877665X"}}, // a mistyped code: answered as an invalid code
		{Query{Name: "ABCDEFGHIJKLMNOPQR"}, Query{Name: "ABCDEFGHIJKLMNOPQR"}},
		{Query{Name: "长春北辰汽车零部件有限公司"}, Query{Name: "长春北辰汽车零部件有限公司"}},
		{Query{Code: "91220102998877665T", Name: "220102198808080054"}, Query{Code: "91220102998877665T"}},
	} {
		if got := test.in.Normalized(); got != test.want {
			t.Errorf("%+v.Normalized() = %+v, want %+v", test.in, got, test.want)
		}
	}
}

func TestValidateFeedback(t *testing.T) {
	v := &Verification{At: date("2026-11-02"), Results: []SubjectResult{
		{Seq: 1, Hit: true, Measures: []AppliedMeasure{{Measure: Measure{Code: "N1-01"}}}},
		{Seq: 2, Hit: false},
	}}
	today := date("2026-11-20")
	for _, test := range []struct {
		name string
		fb   Feedback
		ok   bool
	}{
		{"Applied", Feedback{Seq: 1, MeasureCode: "N1-01", Applied: true, AppliedOn: "2026-11-03"}, true},
		{"NotAppliedWithReason", Feedback{Seq: 1, MeasureCode: "N1-01", Reason: "项目终止"}, true},
		{"MeasureCodeAsTyped", Feedback{Seq: 1, MeasureCode: " ｎ1-01 ", Reason: "项目终止"}, true},
		{"ErrNotAppliedNoReason", Feedback{Seq: 1, MeasureCode: "N1-01"}, false},
		{"ErrAppliedNoDate", Feedback{Seq: 1, MeasureCode: "N1-01", Applied: true}, false},
		{"ErrAppliedFuture", Feedback{Seq: 1, MeasureCode: "N1-01", Applied: true, AppliedOn: "2026-12-01"}, false},
		{"ErrAppliedBeforeVerification", Feedback{Seq: 1, MeasureCode: "N1-01", Applied: true, AppliedOn: "2026-11-01"}, false},
		{"ErrUnknownMeasure", Feedback{Seq: 1, MeasureCode: "N9-99", Applied: true, AppliedOn: "2026-11-03"}, false},
		{"ErrNotHit", Feedback{Seq: 2, MeasureCode: "N1-01", Reason: "x"}, false},
		{"ErrBadSeq", Feedback{Seq: 3, MeasureCode: "N1-01", Reason: "x"}, false},
		{"LongestReason", Feedback{Seq: 1, MeasureCode: "N1-01", Reason: strings.Repeat("因", MaxFeedbackReason)}, true},
		{"ErrReasonTooLong", Feedback{Seq: 1, MeasureCode: "N1-01", Reason: strings.Repeat("因", MaxFeedbackReason+1)}, false}, // message checked below
	} {
		t.Run(test.name, func(t *testing.T) {
			err := ValidateFeedback(v, []Feedback{test.fb}, today)
			if (err == nil) != test.ok {
				t.Errorf("ValidateFeedback = %v, want ok=%v", err, test.ok)
			}
		})
	}
}

func TestFeedbackReasonTooLongMessage(t *testing.T) {
	v := &Verification{At: date("2026-11-02"), Results: []SubjectResult{{Seq: 1, Hit: true, Measures: []AppliedMeasure{{Measure: Measure{Code: "N1-01"}}}}}}
	err := ValidateFeedback(v, []Feedback{{Seq: 1, MeasureCode: "N1-01", Reason: strings.Repeat("因", MaxFeedbackReason+1)}}, date("2026-11-20"))
	if credit.ErrorCode(err) != credit.EINVALID || !strings.Contains(credit.ErrorMessage(err), "原因或说明最多500字，实际501字") {
		t.Errorf("ValidateFeedback = %v, want EINVALID naming the limit and the length", err)
	}
}

func TestMeasureCodeMessage(t *testing.T) {
	m := mustData(t).Measures[0]
	m.Code = "jl-99"
	if err := m.Validate(mustData(t)); credit.ErrorCode(err) != credit.EINVALID || !strings.Contains(credit.ErrorMessage(err), "措施代码“jl-99”格式不对") {
		t.Errorf("Validate = %v, want EINVALID naming the code", err)
	}
}

func TestCodeProblem(t *testing.T) {
	today := date("2026-11-20")
	for _, test := range []struct {
		code, want string // want: part of the message, "" for a valid code
	}{
		{"91220101MA0Y56781J", ""},
		{"220102198001011234", ""},
		{"91220101MA0Y56781X", "校验位"},
		{"220102198001011231", "校验"},
		{"220102800101123", "18位身份证号码"},
		{"ABC", "18位"},
	} {
		got := CodeProblem(test.code, today)
		if (test.want == "") != (got == "") || !strings.Contains(got, test.want) {
			t.Errorf("CodeProblem(%s) = %q, want %q", test.code, got, test.want)
		}
	}
}

// TestEntryJSONDates: an entry's dates are written as yyyy-MM-dd, like every
// other date of the API, and read back the same.
func TestEntryJSONDates(t *testing.T) {
	until := date("2029-03-01")
	e := Entry{RecordID: 7, ListType: "black", DocNo: "吉人社失〔2026〕7号", DecisionDate: date("2026-03-02"), ValidFrom: date("2026-03-02"), ValidUntil: &until}
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"decision_date":"2026-03-02"`, `"valid_from":"2026-03-02"`, `"valid_until":"2029-03-01"`, `"doc_no":"吉人社失〔2026〕7号"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON %s lacks %s", b, want)
		}
	}
	if strings.Contains(string(b), "removed_on") || strings.Contains(string(b), "T00:00:00") {
		t.Errorf("JSON %s: want no removal and no instants", b)
	}
	var back Entry
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !back.DecisionDate.Equal(e.DecisionDate) || back.ValidUntil == nil || !back.ValidUntil.Equal(until) || back.DocNo != e.DocNo || back.RemovedOn != nil {
		t.Errorf("read back %+v, want %+v", back, e)
	}
	// Verification answers stored before hold instants: still read.
	var old Entry
	if err := json.Unmarshal([]byte(`{"decision_date":"2026-03-02T00:00:00Z","valid_from":"2026-03-02T00:00:00Z","valid_until":"2029-03-01T00:00:00Z"}`), &old); err != nil ||
		!old.DecisionDate.Equal(e.DecisionDate) || old.ValidUntil == nil || !old.ValidUntil.Equal(until) {
		t.Errorf("old form read as %+v, %v", old, err)
	}
}
