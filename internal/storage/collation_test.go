package storage_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"jlcredit/internal/archive"
	"jlcredit/internal/credit"
	"jlcredit/internal/pgtest"
	"jlcredit/internal/record"
	"jlcredit/internal/storage"
	"jlcredit/internal/subject"
)

// TestCodePrefixAnyCollation: a search by the start of a code finds the
// subjects whose code starts so, also on a PostgreSQL database created
// with a Chinese ICU collation (as deployments often are), where “~” sorts
// before digits and the range [prefix, prefix+"~") was empty.
func TestCodePrefixAnyCollation(t *testing.T) {
	for _, db := range []struct {
		name string
		open func(t *testing.T) *storage.DB
	}{
		{"SQLite", func(t *testing.T) *storage.DB { return openSQLite(t) }},
		{"Postgres", func(t *testing.T) *storage.DB { return openPostgres(t) }},
		{"PostgresICUChinese", func(t *testing.T) *storage.DB {
			return mustOpen(t, pgtest.DSNWithLocale(t, `LOCALE_PROVIDER icu ICU_LOCALE 'zh-Hans-CN' LOCALE 'C.UTF-8'`))
		}},
	} {
		t.Run(db.name, func(t *testing.T) {
			d := db.open(t)
			codes := []string{uscc(t, "91220104MA0Y0001"), uscc(t, "91220104MA0Y0002"), uscc(t, "9122010YMA0Y0003"), uscc(t, "91220201MA0Y0004")}
			var refs []record.SubjectRef
			for i, c := range codes {
				refs = append(refs, record.SubjectRef{Name: "长春测试" + string(rune('甲'+i)) + "有限公司", Type: string(subject.Enterprise), USCC: c})
			}
			if err := d.EnsureSubjects(sys(), refs); err != nil {
				t.Fatal(err)
			}
			for _, tc := range []struct {
				prefix string
				want   int
			}{
				{"912201", 3},
				{"91220104", 2},
				{"9122010Y", 1}, // the last letter of the code alphabet
				{"91220104MA0Y0001", 1},
				{"912203", 0},
			} {
				got, total, err := d.FindSubjects(sys(), subject.Filter{Query: tc.prefix, Limit: 20})
				if err != nil || len(got) != tc.want || total != tc.want {
					t.Errorf("FindSubjects(%q) = %d subjects (total %d), %v; want %d", tc.prefix, len(got), total, err, tc.want)
				}
			}
		})
	}
}

// TestSearchNameWithSpaces: a name written with spaces is found by its
// whole name and by any part, with or without the spaces (the query's
// spaces were dropped but the name's kept, so only two-character queries
// found it).
func TestSearchNameWithSpaces(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		d := open(t)
		if err := d.EnsureSubjects(sys(), []record.SubjectRef{{Name: "长春 空格 有限公司", Type: string(subject.Enterprise), USCC: uscc(t, "91220104MA0Y0001")}}); err != nil {
			t.Fatal(err)
		}
		if err := d.EnsureSubjects(sys(), []record.SubjectRef{{Name: "长春市博成商贸有限公司", Type: string(subject.Enterprise), USCC: uscc(t, "91220104MA0Y0002")}}); err != nil {
			t.Fatal(err)
		}
		// Words are each looked for: “长春 博成” finds 长春市博成…
		for q, want := range map[string]int{"长春 博成": 1, "博成 长春": 1, "长春 博成 钢铁": 0, "长春 公司": 2, "长 春": 2} {
			got, _, err := d.FindSubjects(sys(), subject.Filter{Query: q, Limit: 20})
			if err != nil || len(got) != want {
				t.Errorf("FindSubjects(%q) = %d subjects, %v; want %d", q, len(got), err, want)
			}
		}
		for _, q := range []string{"春 空", "长春 空格", "长春空格", "长春 空格 有限公司", "空格有限"} {
			got, _, err := d.FindSubjects(sys(), subject.Filter{Query: q, Limit: 20})
			if err != nil || len(got) != 1 {
				t.Errorf("FindSubjects(%q) = %d subjects, %v; want the one", q, len(got), err)
			}
		}
	})
}

// TestNotFoundMessages: a code that names nothing is echoed masked when it
// may be a citizen ID (the public's 404 page showed the number whole), an
// empty one is named so, and no message points the public at the API.
func TestNotFoundMessages(t *testing.T) {
	d := openSQLite(t)
	id := citizenID(t, "22010219900101123")
	for _, tc := range []struct {
		code, want, not string
	}{
		{id, subject.MaskCitizenID(id), id},
		{"", "未提供统一社会信用代码", "“”"},
	} {
		_, err := d.FindSubjectByCode(sys(), tc.code)
		if msg := credit.ErrorMessage(err); credit.ErrorCode(err) != credit.ENOTFOUND || !strings.Contains(msg, tc.want) || strings.Contains(msg, tc.not) {
			t.Errorf("FindSubjectByCode(%q): %q; want it to say %q, not %q", tc.code, msg, tc.want, tc.not)
		}
	}
	if _, err := d.FindArchive(context.Background(), id, ""); strings.Contains(credit.ErrorMessage(err), id) {
		t.Errorf("FindArchive of an ID: %q shows the number", credit.ErrorMessage(err))
	}
	if _, err := d.FindClass(sys(), "foo"); credit.ErrorCode(err) != credit.ENOTFOUND || strings.Contains(credit.ErrorMessage(err), "/api/") {
		t.Errorf("FindClass(foo): %v; want not found, without API advice", err)
	}
}

// TestArchiveSectionCap: an archive holds the newest MaxSectionEntries of
// a class and says how many there are (a subject with 125,000 records made
// a 200 MB answer).
func TestArchiveSectionCap(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newFixture(t, open)
		var rows [][]string
		for i := range archive.MaxSectionEntries + 5 {
			rows = append(rows, f.penaltyRow(fmt.Sprintf("长市监罚〔2026〕%d号", i+1), "警告", "", "2026-11-16"))
		}
		if rc := f.submit(t, "penalty", "many.csv", csvBytes(t, penaltyHeader, rows...)); rc.Accepted != len(rows) {
			t.Fatalf("receipt %+v", rc)
		}
		a, err := f.db.FindArchive(context.Background(), f.company, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(a.Sections) != 1 || len(a.Sections[0].Entries) != archive.MaxSectionEntries || a.Sections[0].Total != len(rows) || a.Total != len(rows) {
			t.Fatalf("archive: %d sections, %d entries of %d (total %d); want %d of %d", len(a.Sections), len(a.Sections[0].Entries), a.Sections[0].Total, a.Total, archive.MaxSectionEntries, len(rows))
		}
	})
}
