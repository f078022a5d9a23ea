package storage_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"jlcredit/internal/credit"
	"jlcredit/internal/record"
	"jlcredit/internal/storage"
	"jlcredit/internal/subject"
)

// TestRecordFilters checks the text, department and region filters of the
// 双公示 listing against the unfiltered listing: a text selects the records
// whose subject's name contains it or whose business key starts with it; a
// department or region the records its departments decided; whether the
// candidates are few (selected by id) or many (the fallback conditions).
func TestRecordFilters(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		db := open(t)
		seedDemo(t, db, 60)
		public := context.Background()
		// every reads all pages of a listing.
		every := func(f record.RecordFilter) []*record.Record {
			t.Helper()
			var out []*record.Record
			for off := 0; ; off += 100 {
				f.Limit, f.Offset = 100, off
				recs, _, err := db.FindRecords(public, f)
				if err != nil {
					t.Fatalf("FindRecords(%+v): %v", f, err)
				}
				out = append(out, recs...)
				if len(recs) < 100 {
					return out
				}
			}
		}
		list := func(f record.RecordFilter) []credit.RecordID {
			t.Helper()
			var ids []credit.RecordID
			for _, r := range every(f) {
				ids = append(ids, r.ID)
			}
			slices.Sort(ids)
			return ids
		}
		all := every(record.RecordFilter{})
		if len(all) < 50 {
			t.Fatalf("only %d public records to search", len(all))
		}
		names := map[credit.SubjectID]string{}
		for _, r := range all {
			if _, ok := names[r.SubjectID]; !ok {
				s, err := db.FindSubjectByID(public, r.SubjectID)
				if err != nil {
					t.Fatal(err)
				}
				names[r.SubjectID] = s.Name
			}
		}
		want := func(text string) []credit.RecordID {
			var ids []credit.RecordID
			lower := strings.ToLower(text)
			for _, r := range all {
				if strings.Contains(strings.ToLower(names[r.SubjectID]), lower) || strings.HasPrefix(r.Key, subject.NormalizeText(text)) {
					ids = append(ids, r.ID)
				}
			}
			slices.Sort(ids)
			return ids
		}
		name := []rune(names[all[0].SubjectID])
		key := []rune(all[len(all)/2].Key)
		texts := []string{
			string(name[1:4]),        // a rare part of one name
			string(name[:2]),         // a city: many subjects
			"有限公司",                   // nearly every organisation
			string(key[:len(key)/2]), // the start of a 文书号
			"没有这个名称的主体",              // nothing
		}
		regions := map[credit.DepartmentID]string{}
		for _, r := range all {
			if _, ok := regions[r.DepartmentID]; !ok {
				d, err := db.FindDepartmentByID(public, r.DepartmentID)
				if err != nil {
					t.Fatal(err)
				}
				regions[r.DepartmentID] = d.RegionCode
			}
		}
		byDepartment := func(keep func(credit.DepartmentID) bool) []credit.RecordID {
			var ids []credit.RecordID
			for _, r := range all {
				if keep(r.DepartmentID) {
					ids = append(ids, r.ID)
				}
			}
			slices.Sort(ids)
			return ids
		}
		// A department of a 市州 or county, so that the region narrows.
		var dep credit.DepartmentID
		for _, r := range all {
			if !strings.HasSuffix(regions[r.DepartmentID], "0000") {
				dep = r.DepartmentID
				break
			}
		}
		if dep == 0 {
			t.Fatal("no record of a city or county department")
		}
		city := regions[dep][:4] + "00"
		if n := len(byDepartment(func(d credit.DepartmentID) bool { return strings.HasPrefix(regions[d], city[:4]) })); n == len(all) {
			t.Fatalf("region %s holds every record: the test would not narrow", city)
		}
		// A county none of whose departments decided any record (which
		// one depends on the demo's departments).
		empty := ""
		for _, c := range subject.Regions() {
			if c.Code[4:] != "00" && len(byDepartment(func(d credit.DepartmentID) bool { return regions[d] == c.Code })) == 0 {
				empty = c.Code
				break
			}
		}
		if empty == "" {
			t.Fatal("every county has a department with records: no region to check an empty answer with")
		}
		for _, cap := range []int{1000, 1, 0} {
			storage.SetMaxCandidates(t, cap)
			got, exp := list(record.RecordFilter{DepartmentID: &dep}), byDepartment(func(d credit.DepartmentID) bool { return d == dep })
			if !slices.Equal(got, exp) || len(exp) == 0 {
				t.Errorf("candidates ≤ %d, department %d: %d records, want %d", cap, dep, len(got), len(exp))
			}
			got, exp = list(record.RecordFilter{RegionPrefix: city}), byDepartment(func(d credit.DepartmentID) bool { return strings.HasPrefix(regions[d], city[:4]) })
			if !slices.Equal(got, exp) || len(exp) == 0 {
				t.Errorf("candidates ≤ %d, region %s: %d records, want %d", cap, city, len(got), len(exp))
			}
			if got := list(record.RecordFilter{RegionPrefix: empty}); len(got) != 0 {
				t.Errorf("region %s, whose departments decided nothing here: %d records", empty, len(got))
			}
			inRegion := map[credit.RecordID]bool{}
			for _, id := range byDepartment(func(d credit.DepartmentID) bool { return strings.HasPrefix(regions[d], city[:4]) }) {
				inRegion[id] = true
			}
			for _, text := range texts {
				// Text and region together: both sets of candidates.
				var both []credit.RecordID
				for _, id := range want(text) {
					if inRegion[id] {
						both = append(both, id)
					}
				}
				if got := list(record.RecordFilter{RegionPrefix: city, Text: text}); !slices.Equal(got, both) {
					t.Errorf("candidates ≤ %d, region %s and text %q: %d records, want %d", cap, city, text, len(got), len(both))
				}
				got, exp := list(record.RecordFilter{Text: text}), want(text)
				if !slices.Equal(got, exp) {
					t.Errorf("candidates ≤ %d, text %q: %d records, want %d", cap, text, len(got), len(exp))
				}
				if text != "没有这个名称的主体" && len(exp) == 0 {
					t.Errorf("text %q selects nothing: the test proves nothing", text)
				}
			}
		}
	})
}

// TestListingTotalFromOffset: a listing counts its matches up to
// subject.MaxTotal beyond the offset it starts at, so that a deep page still
// knows whether more follow.
func TestListingTotalFromOffset(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newFixture(t, open)
		const n = subject.MaxTotal + 50
		rows := make([][]string, n)
		for i := range rows {
			rows[i] = f.penaltyRow(fmt.Sprintf("长市监罚〔2026〕%d号", 1000+i), "警告", "", "2026-11-16")
		}
		if r := f.submit(t, "penalty", "many.csv", csvBytes(t, penaltyHeader, rows...)); r.Accepted != n {
			t.Fatalf("receipt %+v", *r)
		}
		for _, tc := range []struct{ offset, total, page int }{
			{0, subject.MaxTotal, 20}, // capped: more follow
			{980, n, 20},              // page 50 sees all of them
			{subject.MaxTotal, n, 20}, // page 51
			{n - 10, n, 10},           // the last page
		} {
			recs, total, err := f.db.FindRecords(context.Background(), record.RecordFilter{Class: "penalty", Offset: tc.offset, Limit: 20})
			if err != nil || total != tc.total || len(recs) != tc.page {
				t.Errorf("offset %d: %d records, total %d, %v; want %d, %d", tc.offset, len(recs), total, err, tc.page, tc.total)
			}
		}
	})
}

// TestKeySearchHidesMaskedDigits checks that a 文书号 search matches keys
// as they are shown: a prefix that reaches into the masked digits of an
// identity number written in a 文书号 finds nothing whether the digits are
// right or wrong, so that they cannot be recovered one at a time, while a
// long serial number that is no identity number is still found.
func TestKeySearchHidesMaskedDigits(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newFixture(t, open)
		f.submit(t, "penalty", "a.csv", csvBytes(t, penaltyHeader,
			f.penaltyRow("长市监罚〔2026〕220102197703030072号", "警告", "", "2026-11-16"),
			f.penaltyRow("长市监罚〔2026〕20260315001号", "警告", "", "2026-11-16"),
			f.penaltyRow("长市监罚〔2025〕220102-19770303-0072号", "警告", "", "2026-11-16"),
			f.penaltyRow("长市监罚〔2024〕220102.19770303.0072号", "警告", "", "2026-11-16"),
		))
		count := func(text string) int {
			t.Helper()
			recs, _, err := f.db.FindRecords(context.Background(), record.RecordFilter{Text: text, Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			return len(recs)
		}
		for text, want := range map[string]int{
			"长市监罚〔2026〕":                   2,
			"长市监罚〔2026〕220102":             1, // the region, shown
			"长市监罚〔2026〕2201021977":         0, // the birth year, masked: right
			"长市监罚〔2026〕2201021978":         0, // and wrong alike
			"长市监罚〔2026〕220102197703030072": 0,
			"长市监罚〔2026〕220102********0072": 1, // as shown
			"长市监罚〔2026〕20260315001":        1,
			"长市监罚〔2026〕20260315002":        0,
			"长市监罚〔2025〕220102-1977":        0, // written in groups: masked alike
			"长市监罚〔2025〕220102-1978":        0,
			"长市监罚〔2025〕220102-":            1,
			"长市监罚〔2024〕220102.197703":      0,
			"长市监罚〔2024〕220102.197704":      0,
		} {
			if got := count(text); got != want {
				t.Errorf("public search %q: %d records, want %d", text, got, want)
			}
		}
		// The key repeats the 文书号 and is masked as it is, for the
		// department reading its own record too.
		recs, _, err := f.db.FindRecords(context.Background(), record.RecordFilter{Text: "长市监罚〔2026〕220102", Limit: 1})
		if err != nil || len(recs) != 1 {
			t.Fatalf("FindRecords: %d, %v", len(recs), err)
		}
		for _, ctx := range []context.Context{context.Background(), credit.NewContextWithActor(context.Background(), deptCtx(f.dept))} {
			r, err := f.db.FindRecordByID(ctx, recs[0].ID)
			if err != nil || strings.Contains(r.Key, "197703030072") || !strings.Contains(r.Key, "220102********0072") {
				t.Errorf("record read as %s: key %q (%v)", credit.ActorFromContext(ctx).Label(), r.Key, err)
			}
		}
	})
}

// TestRarestGramsBreaksTies: when every bigram of a query occurs in more
// names than the first count reaches, they are counted further, so that a
// search starts from the rarest rather than from the first two.
func TestRarestGramsBreaksTies(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		db := open(t)
		var refs []record.SubjectRef
		add := func(prefix string, n, from int) {
			for i := range n {
				refs = append(refs, record.SubjectRef{Name: fmt.Sprintf("%s%d号商店", prefix, i), Type: string(subject.Enterprise),
					USCC: uscc(t, fmt.Sprintf("91220101MA%06d", from+i))})
			}
		}
		add("甲乙", 7000, 0)
		add("乙丙", 21000, 100000)
		add("丙丁", 5500, 200000)
		if err := db.EnsureSubjects(sys(), refs); err != nil {
			t.Fatal(err)
		}
		got := storage.RarestGrams(t, db, []string{"甲乙", "乙丙", "丙丁"})
		if want := []string{"丙丁", "甲乙", "乙丙"}; !slices.Equal(got, want) {
			t.Errorf("rarest grams %v, want %v", got, want)
		}
	})
}
