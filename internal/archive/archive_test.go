package archive

import (
	"slices"
	"strings"
	"testing"
	"time"

	"jlcredit/internal/catalog"
	"jlcredit/internal/credit"
	"jlcredit/internal/record"
	"jlcredit/internal/subject"
)

// TestVisible is the table of the one visibility policy.
func TestVisible(t *testing.T) {
	cat, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	penalty, _ := cat.Class("penalty")
	lists, _ := cat.Class("list_entry")
	license, _ := cat.Class("license")
	today := credit.MakeDate(2026, 11, 20)
	day := func(y int, m time.Month, d int) *credit.Date { x := credit.MakeDate(y, m, d); return &x }
	company := &subject.Subject{Type: subject.Enterprise}
	person := &subject.Subject{Type: subject.Person}
	rec := func(mod func(*record.Record)) *record.Record {
		r := &record.Record{Current: true, Status: record.Active, PublicFrom: day(2026, 11, 2), PublicUntil: day(2027, 11, 2), Fields: map[string]string{}}
		if mod != nil {
			mod(r)
		}
		return r
	}
	for _, test := range []struct {
		name string
		aud  Audience
		c    *catalog.Class
		s    *subject.Subject
		r    *record.Record
		want Reason
	}{
		{"PublicInWindow", Public, penalty, company, rec(nil), Shown},
		{"PublicPerson", Public, penalty, person, rec(nil), PersonData},
		{"GovernmentPerson", Government, penalty, person, rec(nil), Shown},
		{"PublicOldVersion", Public, penalty, company, rec(func(r *record.Record) { r.Current = false }), NotCurrent},
		{"AdminOldVersion", Admin, penalty, company, rec(func(r *record.Record) { r.Current = false }), Shown},
		{"PublicExpired", Public, penalty, company, rec(func(r *record.Record) { r.PublicUntil = day(2026, 11, 20) }), Expired},
		{"PublicLastDay", Public, penalty, company, rec(func(r *record.Record) { r.PublicUntil = day(2026, 11, 21) }), Shown},
		{"PublicNotYet", Public, penalty, company, rec(func(r *record.Record) { r.PublicFrom = day(2026, 11, 21) }), NotYet},
		{"PublicWithdrawn", Public, penalty, company, rec(func(r *record.Record) { r.Status = record.Withdrawn }), WithdrawnRec},
		{"PublicRepaired", Public, penalty, company, rec(func(r *record.Record) { r.Status = record.Repaired }), RepairedRec},
		{"PublicObjectedStillShown", Public, penalty, company, rec(func(r *record.Record) { r.Status = record.Objected }), Shown},
		{"PublicBlackList", Public, lists, company, rec(func(r *record.Record) { r.Fields["MD_LX"] = "严重失信主体名单" }), Shown},
		{"PublicWatchList", Public, lists, company, rec(func(r *record.Record) { r.Fields["MD_LX"] = "重点关注名单" }), NotPublicClass},
		{"GovernmentWatchList", Government, lists, company, rec(func(r *record.Record) { r.Fields["MD_LX"] = "重点关注名单" }), Shown},
		{"PublicValidLicence", Public, license, company, rec(func(r *record.Record) { r.PublicUntil = nil; r.Fields["XK_ZT"] = "有效" }), Shown},
		{"PublicInvalidLicence", Public, license, company, rec(func(r *record.Record) { r.PublicUntil = nil; r.Fields["XK_ZT"] = "无效" }), InvalidLicence},
		{"GovernmentInvalidLicence", Government, license, company, rec(func(r *record.Record) { r.PublicUntil = nil; r.Fields["XK_ZT"] = "无效" }), Shown},
	} {
		t.Run(test.name, func(t *testing.T) {
			if got := Visible(test.aud, test.c, test.s, test.r, today); got != test.want {
				t.Errorf("Visible = %q, want %q", got, test.want)
			}
		})
	}
}

// TestVisibleFields: the public does not see a record's non-public fields
// (an identity number, a 直接责任人); other audiences see every field; a
// citizen ID written in text is masked for everyone.
func TestVisibleFields(t *testing.T) {
	cat, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	penalty, _ := cat.Class("penalty")
	lists, _ := cat.Class("list_entry")
	withID := &record.Record{Fields: map[string]string{"CF_WSH": "长市监罚〔2026〕1号", "CF_FRDB": "王建国", "CF_FR_ZJHM": "enc:v1:AAAA"}}
	entry := &record.Record{Fields: map[string]string{"MD_LX": "严重失信主体名单", "MD_FDDBR": "王建国", "MD_ZRR": "李责任"}}
	idInText := &record.Record{Fields: map[string]string{"CF_WSH": "长市监罚〔2026〕1号", "CF_SY": "当事人刘大（身份证号220102197001011117）无证经营"}}
	if f := VisibleFields(Public, penalty, withID); f["CF_FR_ZJHM"] != "" || f["CF_FRDB"] != "王建国" {
		t.Errorf("public fields of a penalty = %v, want no identity number", f)
	}
	if f := VisibleFields(Government, penalty, withID); f["CF_FR_ZJHM"] != "enc:v1:AAAA" {
		t.Errorf("government fields of a penalty = %v, want every field", f)
	}
	if f := VisibleFields(Admin, lists, entry); f["MD_ZRR"] != "李责任" {
		t.Errorf("administrator's fields of a list entry = %v, want every field", f)
	}
	for _, a := range []Audience{Public, Self, Government, Admin} {
		if f := VisibleFields(a, penalty, idInText); f["CF_SY"] != "当事人刘大（身份证号220102********1117）无证经营" || f["CF_WSH"] != "长市监罚〔2026〕1号" {
			t.Errorf("%s: fields %v, want the ID number in the text masked", a, f)
		}
	}
	if idInText.Fields["CF_SY"] != "当事人刘大（身份证号220102197001011117）无证经营" {
		t.Error("VisibleFields changed the record's own fields")
	}
	if f := VisibleFields(Public, lists, entry); f["MD_FDDBR"] != "王建国" || f["MD_ZRR"] != "" {
		t.Errorf("public fields of a list entry = %v, want the legal representative and not the responsible person", f)
	}
}

// TestNewEntryMasksKey checks that the key of an archive entry, which
// repeats its 文书号, is masked as the field is for every reader but the
// administrator (who acts on records by their key).
func TestNewEntryMasksKey(t *testing.T) {
	cat, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	penalty, _ := cat.Class("penalty")
	const wsh = "长市监罚〔2026〕220102197703030072号"
	r := &record.Record{Class: "penalty", Key: wsh + "|11220100MB0000011X", Fields: map[string]string{"CF_WSH": wsh}}
	for _, a := range []Audience{Public, Self, Government, Admin} {
		e := NewEntry(a, penalty, r, credit.MakeDate(2026, 11, 27))
		masked := strings.Contains(e.Record.Key, "220102********0072")
		if masked != (a != Admin) || e.Fields["CF_WSH"] != "长市监罚〔2026〕220102********0072号" {
			t.Errorf("%s: key %q, 文书号 %q", a, e.Record.Key, e.Fields["CF_WSH"])
		}
	}
	if r.Key != wsh+"|11220100MB0000011X" {
		t.Error("NewEntry changed the record's own key")
	}
}

// TestNewEntryInvalidLicence: a licence marked 无效 is labelled so in the
// government view (the public does not see it at all).
func TestNewEntryInvalidLicence(t *testing.T) {
	cat, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	license, _ := cat.Class("license")
	if license.Roles.Status == "" {
		t.Fatal("the license class has no status field")
	}
	r := &record.Record{Class: "license", Fields: map[string]string{license.Roles.Status: "无效"}}
	e := NewEntry(Government, license, r, credit.MakeDate(2026, 11, 27))
	if !slices.Contains(e.Labels, "许可无效（不予公示）") {
		t.Errorf("labels %v, want the licence marked invalid", e.Labels)
	}
	r.Fields[license.Roles.Status] = "有效"
	if e := NewEntry(Government, license, r, credit.MakeDate(2026, 11, 27)); slices.Contains(e.Labels, "许可无效（不予公示）") {
		t.Errorf("a valid licence labelled invalid: %v", e.Labels)
	}
}
