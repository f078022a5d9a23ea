package storage_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"jlcredit/internal/credit"
	"jlcredit/internal/record"
	"jlcredit/internal/storage"
	"jlcredit/internal/subject"
)

// TestRecordTextSearch checks the free-text filter of the 双公示 listing
// against the unfiltered listing: a text selects the records whose
// subject's name contains it or whose business key starts with it, whether
// the candidates are few (selected by id) or many (the fallback condition).
func TestRecordTextSearch(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		db := open(t)
		seedDemo(t, db, 60)
		public := context.Background()
		list := func(text string) []credit.RecordID {
			t.Helper()
			var ids []credit.RecordID
			for off := 0; ; off += 100 {
				recs, _, err := db.FindRecords(public, record.RecordFilter{Text: text, Limit: 100, Offset: off})
				if err != nil {
					t.Fatalf("FindRecords(%q): %v", text, err)
				}
				for _, r := range recs {
					ids = append(ids, r.ID)
				}
				if len(recs) < 100 {
					break
				}
			}
			slices.Sort(ids)
			return ids
		}
		var all []*record.Record
		for off := 0; ; off += 100 {
			recs, _, err := db.FindRecords(public, record.RecordFilter{Limit: 100, Offset: off})
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, recs...)
			if len(recs) < 100 {
				break
			}
		}
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
		for _, cap := range []int{1000, 1, 0} {
			storage.SetMaxTextCandidates(t, cap)
			for _, text := range texts {
				got, exp := list(text), want(text)
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
