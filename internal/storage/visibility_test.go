package storage_test

import (
	"bytes"
	"context"
	"maps"
	"slices"
	"strings"
	"testing"

	"jlcredit/internal/credit"
	"jlcredit/internal/ledger"
	"jlcredit/internal/lists"
	"jlcredit/internal/record"
	"jlcredit/internal/storage"
	"jlcredit/internal/subject"
)

// TestRecordByIDAudiences: a record read by id (FindRecordByID, and
// ProveRecord through it) passes the one visibility policy for every
// audience but administrators, and access.Can for the government: a
// department reads the current versions of its own records in full and
// anyone else's only as the public does; a region user reads current
// versions; superseded versions are for administrators only.
func TestRecordByIDAudiences(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newFixture(t, open)
		header := append(slices.Clone(penaltyHeader), "CF_FR_ZJLX", "CF_FR_ZJHM")
		rep := citizenID(t, "22010219750505123")
		row := func(sy string) []string {
			r := append(f.penaltyRow("长市监罚〔2026〕1号", "警告", "", "2026-11-16"), "身份证", rep)
			r[8] = sy // CF_SY
			return r
		}
		f.submit(t, "penalty", "a.csv", csvBytes(t, header, row("该公司未按规定期限公示年度报告。"), append(f.personRow("长市监罚〔2026〕4号"), "", "")))
		f.submit(t, "penalty", "b.csv", csvBytes(t, header, row("该公司未按规定期限公示2025年度报告。")))
		var old, cur, person credit.RecordID
		for id := credit.RecordID(1); id <= 3; id++ {
			r, err := f.db.FindRecordByID(sys(), id)
			if err != nil {
				t.Fatalf("administrator FindRecordByID(%d): %v", id, err)
			}
			switch {
			case r.Fields["CF_XDR_LB"] == "自然人":
				person = id
			case r.Current:
				cur = id
			default:
				old = id
			}
		}
		if old == 0 || cur == 0 || person == 0 {
			t.Fatalf("records: old %d current %d person %d", old, cur, person)
		}
		// A hidden record answers as a missing one: the public cannot tell
		// which ids exist.
		_, errHidden := f.db.FindRecordByID(context.Background(), person)
		_, errMissing := f.db.FindRecordByID(context.Background(), 99999)
		if credit.ErrorCode(errHidden) != credit.ENOTFOUND || credit.ErrorMessage(errHidden) != credit.ErrorMessage(errMissing) {
			t.Errorf("hidden record: %v; missing record: %v; want one not-found answer", errHidden, errMissing)
		}
		dept := func(id credit.DepartmentID) context.Context {
			return credit.NewContextWithActor(context.Background(), credit.Actor{Role: credit.RoleDepartment, DepartmentID: id, Channel: "api"})
		}
		region := credit.NewContextWithActor(context.Background(), credit.Actor{Role: credit.RoleRegion, UserID: 9, RegionCode: "220100", Channel: "web"})
		otherRegion := credit.NewContextWithActor(context.Background(), credit.Actor{Role: credit.RoleRegion, UserID: 10, RegionCode: "220200", Channel: "web"})
		const (
			hidden = "hidden"
			public = "public" // the public view: no identity numbers, not logged
			full   = "full"   // every field, identity numbers masked, logged
		)
		// canonical: the reader gets what derives from every field in
		// clear (the canonical bytes, the content hash): the submitting
		// department and administrators only, as from those a masked
		// identity number could be recovered by trying every birth date.
		for _, test := range []struct {
			name                string
			ctx                 context.Context
			old, current, human string
			canonical           bool
		}{
			{"Public", context.Background(), hidden, public, hidden, false},
			{"OwnDepartment", dept(f.dept.ID), hidden, full, full, true},
			{"OtherDepartment", dept(f.other.ID), hidden, public, hidden, false},
			{"Region", region, hidden, full, full, false},               // the department's region
			{"OtherRegion", otherRegion, hidden, public, hidden, false}, // records by id of its region only
			{"Administrator", sys(), full, full, full, true},
		} {
			t.Run(test.name, func(t *testing.T) {
				for _, c := range []struct {
					id   credit.RecordID
					want string
				}{{old, test.old}, {cur, test.current}, {person, test.human}} {
					before := queryLogRows(t, f.db)
					r, err := f.db.FindRecordByID(test.ctx, c.id)
					p, perr := f.db.ProveRecord(test.ctx, c.id)
					logged := queryLogRows(t, f.db) - before
					if c.want == hidden {
						if credit.ErrorCode(err) != credit.ENOTFOUND || credit.ErrorCode(perr) != credit.ENOTFOUND {
							t.Errorf("record %d: FindRecordByID err = %v, ProveRecord err = %v; want not found", c.id, err, perr)
						}
						if logged != 0 {
							t.Errorf("record %d: %d query-log rows for a refused read", c.id, logged)
						}
						continue
					}
					if err != nil || perr != nil {
						t.Fatalf("record %d: FindRecordByID err = %v, ProveRecord err = %v", c.id, err, perr)
					}
					idField := "CF_FR_ZJHM"
					if c.id == person {
						idField = "CF_XDR_ZJHM"
					}
					got, shown := r.Fields[idField]
					switch c.want {
					case public:
						if r.BatchID != "" || r.Row != 0 {
							t.Errorf("record %d: batch %q row %d shown to the public", c.id, r.BatchID, r.Row)
						}
						if shown || logged != 0 || p.Canonical != "" || r.ContentHash != "" {
							t.Errorf("record %d: %s shown %v (%q), logged %d, canonical %d bytes; want the public view: hidden, not logged, no canonical bytes",
								c.id, idField, shown, got, logged, len(p.Canonical))
						}
					case full:
						if !shown || strings.HasPrefix(got, "enc:") || strings.Contains(got, rep[6:14]) || strings.Contains(got, f.person[6:14]) {
							t.Errorf("record %d: %s = %q (shown %v); want it masked", c.id, idField, got, shown)
						}
						switch {
						case test.canonical && ledger.Leaf([]byte(p.Canonical)) != p.Proof.Leaf:
							t.Errorf("record %d: canonical bytes (%d) do not hash to the proof's leaf", c.id, len(p.Canonical))
						case test.canonical && r.ContentHash == "":
							t.Errorf("record %d: no content hash for the submitter or an administrator", c.id)
						case !test.canonical && (p.Canonical != "" || r.ContentHash != ""):
							t.Errorf("record %d: canonical %d bytes, content hash %q; want neither", c.id, len(p.Canonical), r.ContentHash)
						}
						if wantLogged := 2; test.name != "Administrator" && logged != wantLogged {
							t.Errorf("record %d: %d query-log rows, want %d (the record and its proof)", c.id, logged, wantLogged)
						}
					}
					if err := ledger.VerifyInclusion(p.Proof, p.Checkpoint.Root); err != nil {
						t.Errorf("record %d: proof does not verify: %v", c.id, err)
					}
				}
			})
		}
	})
}

func queryLogRows(t *testing.T, db *storage.DB) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM query_log`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestListEntryVisibility: the public sees a list entry without its
// responsible persons (直接责任人 and identity numbers are not public; the
// 法定代表人 is), its ledger proof without the canonical bytes, and does not
// see or count a 重点关注名单 entry (shared between departments only, by the
// catalog's disclosure_by): the counts of a search page (CountPublicRecords)
// and the listings are the SQL twin of the visibility policy.
func TestListEntryVisibility(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newListFixture(t, open)
		header := append(slices.Clone(listHeader), "MD_ZRR", "MD_ZRR_ZJLX", "MD_ZRR_ZJHM")
		responsible := citizenID(t, "22010219900202123")
		black := append(f.blackRow("吉人社失〔2026〕9号"), "李责任", "身份证", responsible)
		watch := []string{"重点关注名单", "长春观察物流有限公司", "法人及非法人组织", f.watched, "", "", "", "", "",
			"吉人社关〔2026〕5号", "2026-06-01", f.lister.Name, f.lister.Code, "拖欠工资经责令限期改正", "《拖欠农民工工资失信联合惩戒对象名单管理暂行办法》第十三条",
			"", "期满自动移出", "可依法申请行政复议", "2026-06-01", "2027-06-01", f.lister.Code, "", "", ""}
		red := []string{"纳税信用A级纳税人", "长春守信商贸有限公司", "法人及非法人组织", f.red, "", "", "", "", "",
			"吉税A〔2026〕1号", "2026-04-01", f.lister.Name, f.lister.Code, "2025年度纳税信用评价A级", "《纳税信用管理办法（试行）》", "", "", "", "2026-04-01", "2027-03-31", f.lister.Code, "", "", ""}
		lister := credit.NewContextWithActor(t.Context(), deptCtx(f.lister))
		rc, err := f.db.Submit(lister, record.Submission{Class: lists.ClassCode, Filename: "list.csv", Body: bytes.NewReader(csvBytes(t, header, black, watch, red))})
		if err != nil || rc.Accepted != 3 {
			var errs []record.RowError
			if err == nil {
				errs, _, _ = f.db.FindBatchErrors(sys(), rc.Batch, 0, 10)
			}
			t.Fatalf("Submit = %+v, %v; errors %+v", rc, err, errs)
		}
		subjectOf := func(code string) *subject.Subject {
			t.Helper()
			s, err := f.db.FindSubjectByCode(sys(), code)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		recordOf := func(code string) credit.RecordID {
			t.Helper()
			a, err := f.db.FindArchive(sys(), code, "测试")
			if err != nil || a.Total != 1 {
				t.Fatalf("archive of %s: %v, %v", code, a, err)
			}
			return a.Sections[0].Entries[0].Record.ID
		}
		blackID, watchID := recordOf(f.company), recordOf(f.watched)

		// The entry's record, read by id.
		public := context.Background()
		r, err := f.db.FindRecordByID(public, blackID)
		if err != nil {
			t.Fatal(err)
		}
		for _, code := range []string{"MD_ZRR", "MD_ZRR_ZJLX", "MD_ZRR_ZJHM", "MD_FDDBR_ZJHM"} {
			if v, ok := r.Fields[code]; ok {
				t.Errorf("public record shows %s = %q", code, v)
			}
		}
		if r.Fields["MD_FDDBR"] != "王建国" {
			t.Errorf("public record: MD_FDDBR = %q, want the legal representative (public)", r.Fields["MD_FDDBR"])
		}
		own, err := f.db.FindRecordByID(lister, blackID)
		if err != nil || own.Fields["MD_ZRR"] != "李责任" || own.Fields["MD_ZRR_ZJHM"] != subject.MaskCitizenID(responsible) {
			t.Errorf("lister's record: MD_ZRR %q, MD_ZRR_ZJHM %q, %v; want the name and the masked number", own.Fields["MD_ZRR"], own.Fields["MD_ZRR_ZJHM"], err)
		}
		// Another department reads it as the public does.
		user := credit.NewContextWithActor(t.Context(), deptCtx(f.user))
		if r, err := f.db.FindRecordByID(user, blackID); err != nil || r.Fields["MD_ZRR"] != "" {
			t.Errorf("another department's read: MD_ZRR %q, %v; want the public view", r.Fields["MD_ZRR"], err)
		}

		// Its ledger proof: the leaf and the path, without the content.
		p, err := f.db.ProveRecord(public, blackID)
		if err != nil {
			t.Fatal(err)
		}
		if p.Canonical != "" {
			t.Errorf("public proof carries the canonical bytes: %.80s…", p.Canonical)
		}
		if err := ledger.VerifyInclusion(p.Proof, p.Checkpoint.Root); err != nil {
			t.Errorf("public proof: %v", err)
		}
		full, err := f.db.ProveRecord(lister, blackID)
		if err != nil || !strings.Contains(full.Canonical, `"MD_ZRR":"李责任"`) || ledger.Leaf([]byte(full.Canonical)) != p.Proof.Leaf {
			t.Errorf("lister's proof: %v; canonical %.200s; want the canonical bytes of the public proof's leaf", err, full.Canonical)
		}

		// The watch-list entry: neither shown nor counted.
		if _, err := f.db.FindRecordByID(public, watchID); credit.ErrorCode(err) != credit.ENOTFOUND {
			t.Errorf("public read of the watch-list entry: %v, want not found", err)
		}
		recs, total, err := f.db.FindRecords(public, record.RecordFilter{Class: lists.ClassCode})
		if err != nil || total != 2 || len(recs) != 2 || slices.ContainsFunc(recs, func(r *record.Record) bool { return r.ID == watchID }) {
			t.Errorf("public list_entry records: %d of %d, %v; want the black and the red entry", len(recs), total, err)
		}
		subjects := []*subject.Subject{subjectOf(f.company), subjectOf(f.watched), subjectOf(f.red)}
		ids := make([]credit.SubjectID, len(subjects))
		for i, s := range subjects {
			ids[i] = s.ID
		}
		counts, err := f.db.CountPublicRecords(public, ids)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range subjects {
			a, err := f.db.FindArchive(public, s.USCC, "")
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]int{}
			for _, sec := range a.Sections {
				want[sec.Class] = len(sec.Entries)
			}
			if got := counts[s.ID]; !maps.Equal(got, want) {
				t.Errorf("%s: counted %v, the public archive shows %v", s.Name, got, want)
			}
		}
		if n := counts[subjectOf(f.watched).ID][lists.ClassCode]; n != 0 {
			t.Errorf("watch-list entry counted for the public: %d", n)
		}
		if n := counts[subjectOf(f.company).ID][lists.ClassCode]; n != 1 {
			t.Errorf("black-list entry counted %d times, want 1", n)
		}
		// The government still sees the watch-list entry.
		if r, err := f.db.FindRecordByID(lister, watchID); err != nil || !r.Current {
			t.Errorf("lister's read of the watch-list entry: %v", err)
		}
	})
}
