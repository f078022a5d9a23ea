package archive

import (
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
