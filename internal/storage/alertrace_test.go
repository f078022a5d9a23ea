package storage

// Races between a verification (信用核查) and a new version of a list entry
// of a subject it verified (核查预警, README "名单推送与核查报告"): a
// department that verified a subject and was answered without the entry is
// told of it, whatever the order in which the two transactions read and
// write. Each interleaving is made deterministic with the test hooks of
// verification.go and push.go, on both databases, and a stress test runs
// listings and verifications at once.

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"jlcredit/internal/access"
	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
	"jlcredit/internal/record"
	"jlcredit/internal/subject/subjecttest"
)

// alertRaceHeader is the header of a list-entry CSV file (catalog codes).
var alertRaceHeader = []string{"MD_LX", "MD_ZTMC", "MD_ZTLB", "MD_TYSHXYDM", "MD_ZJLX", "MD_ZJHM", "MD_FDDBR", "MD_FDDBR_ZJLX", "MD_FDDBR_ZJHM",
	"MD_RDWH", "MD_RDRQ", "MD_RDBM", "MD_RDBMDM", "MD_SY", "MD_YJ", "MD_CSTS", "MD_YCTJ", "MD_JJCS", "MD_YXQQ", "MD_YXQZ", "MD_SJLYDM"}

// alertRace is a database with a listing department and departments that
// verify.
type alertRace struct {
	db        *DB
	lister    *access.Department
	verifiers []*access.Department
	seq       atomic.Int64 // codes and document numbers
}

func newAlertRace(t *testing.T, db *DB, verifiers int) *alertRace {
	t.Helper()
	a := &alertRace{db: db,
		lister: &access.Department{Code: subjecttest.USCC(t, "11220000MB000011"), Name: "吉林省人力资源和社会保障厅", RegionCode: "220000", Kind: "human_resources"}}
	for i := range verifiers {
		a.verifiers = append(a.verifiers, &access.Department{Code: subjecttest.USCC(t, fmt.Sprintf("11220000MB%06d", 100+i)),
			Name: fmt.Sprintf("吉林省核查部门%d", i+1), RegionCode: "220000", Kind: "finance"})
	}
	for _, d := range append([]*access.Department{a.lister}, a.verifiers...) {
		if err := db.UpsertDepartment(hookSys(), d); err != nil {
			t.Fatalf("UpsertDepartment: %v", err)
		}
	}
	return a
}

func (a *alertRace) ctx(d *access.Department) context.Context {
	return credit.NewContextWithActor(context.Background(),
		credit.Actor{Role: credit.RoleDepartment, DepartmentID: d.ID, DepartmentCode: d.Code, Name: d.Name, Channel: "api"})
}

// company returns the USCC of an organisation nobody recorded yet.
func (a *alertRace) company(t *testing.T) string {
	return subjecttest.USCC(t, fmt.Sprintf("91220101MA%06d", a.seq.Add(1)))
}

// person returns a citizen ID number nobody recorded yet.
func (a *alertRace) person(t *testing.T) string {
	return subjecttest.CitizenID(t, fmt.Sprintf("22010219850505%03d", a.seq.Add(1)%1000))
}

func (a *alertRace) doc(prefix string) string {
	return fmt.Sprintf("%s〔2026〕%d号", prefix, a.seq.Add(1))
}

// blackRow lists the organisation code on the black list.
func (a *alertRace) blackRow(code string) []string {
	return []string{"严重失信主体名单", "核查预警测试有限公司" + code[12:17], "法人及非法人组织", code, "", "", "王建国", "", "",
		a.doc("吉人社黑"), "2026-03-02", a.lister.Name, a.lister.Code, "拒不支付农民工工资，情节严重", "《保障农民工工资支付条例》第四十八条",
		"限制参加政府采购、招标投标，限制申请财政资金", "自列入之日起满1年且已清偿拖欠工资的，可申请提前移出", "可依法申请行政复议或者提起行政诉讼",
		"2026-03-02", "2029-03-01", a.lister.Code}
}

// redRow lists the organisation code on a red list (never alerted).
func (a *alertRace) redRow(code string) []string {
	return []string{"纳税信用A级纳税人", "核查预警测试有限公司" + code[12:17], "法人及非法人组织", code, "", "", "", "", "",
		a.doc("吉税A"), "2026-04-01", a.lister.Name, a.lister.Code, "2025年度纳税信用评价A级", "《纳税信用管理办法（试行）》", "", "", "",
		"2026-04-01", "2027-03-31", a.lister.Code}
}

// personRow lists a natural person on the black list (失信被执行人).
func (a *alertRace) personRow(id string) []string {
	return []string{"失信被执行人", "赵失信", "自然人", "", "身份证", id, "", "", "",
		a.doc("（2026）吉01执"), "2026-03-02", a.lister.Name, a.lister.Code, "有履行能力而拒不履行生效法律文书确定义务",
		"《最高人民法院关于公布失信被执行人名单信息的若干规定》第一条", "限制高消费", "履行完毕后移出", "可向执行法院申请纠正", "2026-03-02", "", a.lister.Code}
}

// list submits rows as the listing department; every row must be accepted.
func (a *alertRace) list(t *testing.T, rows ...[]string) {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(alertRaceHeader)
	w.WriteAll(rows)
	rc, err := a.db.Submit(a.ctx(a.lister), record.Submission{Class: lists.ClassCode, Filename: "list.csv", Body: &b})
	if err != nil {
		t.Errorf("Submit: %v", err)
		return
	}
	if rc.Accepted != len(rows) {
		errs, _, _ := a.db.FindBatchErrors(hookSys(), rc.Batch, 0, 10)
		t.Errorf("listing: receipt %+v, errors %+v", rc, errs)
	}
}

// verify verifies codes as department d.
func (a *alertRace) verify(t *testing.T, d *access.Department, codes ...string) *lists.Verification {
	t.Helper()
	qs := make([]lists.Query, len(codes))
	for i, c := range codes {
		qs[i] = lists.Query{Code: c}
	}
	v, err := a.db.Verify(a.ctx(d), lists.VerificationRequest{Scenario: "政府采购", Purpose: "核查预警竞态测试", Subjects: qs})
	if err != nil {
		t.Errorf("Verify: %v", err)
		return nil
	}
	return v
}

// notices counts department d's notifications of kind about the subject
// with code (a USCC or citizen ID number).
func (a *alertRace) notices(t *testing.T, d *access.Department, code string, kind lists.NotificationKind) int {
	t.Helper()
	var n int
	err := a.db.sql.QueryRow(a.db.rebind(`SELECT COUNT(*) FROM notifications n JOIN subjects s ON s.id = n.subject_id
		WHERE n.department_id = $1 AND n.kind = $2 AND (s.uscc = $3 OR s.cid_hash = $4)`),
		int64(d.ID), string(kind), code, a.db.Secrets.HashCitizenID(code)).Scan(&n)
	if err != nil {
		t.Fatalf("notifications: %v", err)
	}
	return n
}

// alertRaceVerdicts says how v answered each subject.
func alertRaceVerdicts(v *lists.Verification) string {
	var b bytes.Buffer
	for _, r := range v.Results {
		fmt.Fprintf(&b, "[%s hit=%v] ", r.Verdict, r.Hit)
	}
	return b.String()
}

// alertRaceAdverse reports whether r answered an adverse entry (受限 or
// 提示); a red list (激励) is no reason to be alerted of a black one.
func alertRaceAdverse(r lists.SubjectResult) bool {
	return r.Verdict == lists.Restricted || r.Verdict == lists.Caution
}

// wantAlerted checks that v, which answered subject i of its request
// without the entry listed meanwhile, is followed by exactly one alert of
// department d.
func (a *alertRace) wantAlerted(t *testing.T, d *access.Department, v *lists.Verification, i int, code string) {
	t.Helper()
	if v == nil {
		return
	}
	if alertRaceAdverse(v.Results[i]) {
		t.Fatalf("the verification saw the entry listed meanwhile: %s", alertRaceVerdicts(v))
	}
	if n := a.notices(t, d, code, lists.NotifyAlert); n != 1 {
		t.Errorf("verification #%d (data version %d) answered %q, then the subject was listed: %d alerts, want 1",
			v.ID, v.DataVersion, v.Results[i].Verdict, n)
	}
}

// beforeWrite makes fn run once, in the next verification of db, between
// its reads and its write.
func (a *alertRace) beforeWrite(t *testing.T, fn func()) {
	var fired atomic.Bool
	db := a.db
	setTestHook(t, &verifyBeforeWrite, func(d *DB, _ *lists.Verification) {
		if d == db && fired.CompareAndSwap(false, true) {
			fn()
		}
	})
}

// TestAlertRaceListedBeforeWrite: the listing commits while the verification
// is between reading the subject's entries and writing itself (QA: 5 of 40
// alerts lost on SQLite, 2–8 of 40 on PostgreSQL). The verification answers
// without the entry, so the department is alerted.
func TestAlertRaceListedBeforeWrite(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		a := newAlertRace(t, db, 2)
		d := a.verifiers[0]
		t.Run("unknown code", func(t *testing.T) {
			// verified_codes: the platform does not know the code yet.
			code := a.company(t)
			a.beforeWrite(t, func() { a.list(t, a.blackRow(code)) })
			a.wantAlerted(t, d, a.verify(t, d, code), 0, code)
		})
		t.Run("known subject", func(t *testing.T) {
			// verified_subjects: the subject is on a red list (激励), and
			// the verification read that entry.
			code := a.company(t)
			a.list(t, a.redRow(code))
			a.beforeWrite(t, func() { a.list(t, a.blackRow(code)) })
			v := a.verify(t, d, code)
			if v != nil && v.Results[0].Verdict != lists.Incentive {
				t.Errorf("verdict %q, want %q", v.Results[0].Verdict, lists.Incentive)
			}
			a.wantAlerted(t, d, v, 0, code)
		})
		t.Run("person with webhook", func(t *testing.T) {
			// A person's entry goes to verifiers only: the alert, and the
			// webhook of the department's subscription to the black list.
			id := a.person(t)
			sub, err := db.CreateSubscription(a.ctx(d), &lists.Subscription{URL: "https://1.1.1.1/hook", ListTypes: []string{"black"}})
			if err != nil {
				t.Fatal(err)
			}
			a.beforeWrite(t, func() { a.list(t, a.personRow(id)) })
			a.wantAlerted(t, d, a.verify(t, d, id), 0, id)
			var n int
			if err := db.sql.QueryRow(db.rebind(`SELECT COUNT(*) FROM deliveries WHERE subscription_id = $1 AND event = $2`), sub.ID, string(lists.NotifyAlert)).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 1 {
				t.Errorf("%d alert deliveries to the department's webhook, want 1", n)
			}
			if _, err := db.RevokeSubscription(a.ctx(d), sub.ID); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("subscriber", func(t *testing.T) {
			// A department subscribed to the list type is pushed the
			// listing as a subscriber (the listing did not know of the
			// verification): one notice of the version, not two.
			code := a.company(t)
			sub, err := db.CreateSubscription(a.ctx(d), &lists.Subscription{URL: "https://1.1.1.1/hook", ListTypes: []string{"black"}})
			if err != nil {
				t.Fatal(err)
			}
			a.beforeWrite(t, func() { a.list(t, a.blackRow(code)) })
			v := a.verify(t, d, code)
			if v != nil && alertRaceAdverse(v.Results[0]) {
				t.Fatalf("the verification saw the entry listed meanwhile: %s", alertRaceVerdicts(v))
			}
			alerts, listings := a.notices(t, d, code, lists.NotifyAlert), a.notices(t, d, code, lists.NotifyListing)
			if alerts+listings != 1 {
				t.Errorf("%d alerts and %d listing notices, want one notice", alerts, listings)
			}
			if _, err := db.RevokeSubscription(a.ctx(d), sub.ID); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("several subjects", func(t *testing.T) {
			// A verification of several subjects (IN queries): one of
			// them listed meanwhile; the other department is told nothing.
			known, unknown, other := a.company(t), a.company(t), a.company(t)
			a.list(t, a.redRow(known))
			a.beforeWrite(t, func() { a.list(t, a.blackRow(known), a.blackRow(unknown)) })
			v := a.verify(t, d, other, known, unknown)
			a.wantAlerted(t, d, v, 1, known)
			a.wantAlerted(t, d, v, 2, unknown)
			if n := a.notices(t, a.verifiers[1], known, lists.NotifyAlert); n != 0 {
				t.Errorf("a department that did not verify the subject got %d alerts", n)
			}
		})
		t.Run("verified before too", func(t *testing.T) {
			// The department verified the subject before: the listing
			// alerts it of that verification, and the one in between adds
			// no second alert.
			code := a.company(t)
			a.list(t, a.redRow(code))
			a.verify(t, d, code)
			a.beforeWrite(t, func() { a.list(t, a.blackRow(code)) })
			a.wantAlerted(t, d, a.verify(t, d, code), 0, code)
		})
		t.Run("removed", func(t *testing.T) {
			// The adverse entry the verification answered ends before the
			// verification is written: the department, which may apply
			// its measures, is told (同步解除惩戒措施).
			code := a.company(t)
			a.list(t, a.blackRow(code))
			s, err := db.FindSubjectByCode(hookSys(), code)
			if err != nil {
				t.Fatal(err)
			}
			sid := s.ID
			es, _, err := db.FindListEntries(a.ctx(a.lister), lists.Filter{SubjectID: &sid})
			if err != nil || len(es) != 1 {
				t.Fatalf("entries: %d, %v", len(es), err)
			}
			a.beforeWrite(t, func() {
				if _, err := db.RemoveListEntry(a.ctx(a.lister), es[0].RecordID, lists.Removal{Kind: lists.RemovedEarly, Reason: "已清偿拖欠工资，经复核提前移出"}); err != nil {
					t.Errorf("RemoveListEntry: %v", err)
				}
			})
			d := a.verifiers[1] // subscribed to nothing
			v := a.verify(t, d, code)
			if v != nil && !alertRaceAdverse(v.Results[0]) {
				t.Fatalf("the verification did not see the entry: %s", alertRaceVerdicts(v))
			}
			if n := a.notices(t, d, code, lists.NotifyRemoval); n != 1 {
				t.Errorf("the entry a hit showed was removed before the verification was written: %d removal notices, want 1", n)
			}
		})
	})
}

// TestAlertRaceListingInFlight: the listing has read who verified the
// subject, and not committed yet, when the verification reads the entries
// and writes itself.
func TestAlertRaceListingInFlight(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		a := newAlertRace(t, db, 1)
		d := a.verifiers[0]
		for _, known := range []bool{false, true} {
			t.Run(fmt.Sprintf("known=%v", known), func(t *testing.T) {
				code := a.company(t)
				if known {
					a.list(t, a.redRow(code))
				}
				reached, release := make(chan struct{}), make(chan struct{})
				var fired atomic.Bool
				setTestHook(t, &pushAfterVerifiers, func(x *DB) {
					if x == db && fired.CompareAndSwap(false, true) {
						close(reached)
						<-release
					}
				})
				listed := make(chan struct{})
				go func() { defer close(listed); a.list(t, a.blackRow(code)) }()
				<-reached
				before := db.write.Stats().WaitCount
				var v *lists.Verification
				verified := make(chan struct{})
				go func() { defer close(verified); v = a.verify(t, d, code) }()
				hookWaitForWriter(t, db, before, verified)
				close(release)
				<-listed
				<-verified
				a.wantAlerted(t, d, v, 0, code)
			})
		}
	})
}

// TestAlertRaceVerificationInFlight: the verification, answered without
// the entry, is about to commit when the listing runs.
func TestAlertRaceVerificationInFlight(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		a := newAlertRace(t, db, 1)
		d := a.verifiers[0]
		for _, known := range []bool{false, true} {
			t.Run(fmt.Sprintf("known=%v", known), func(t *testing.T) {
				code := a.company(t)
				if known {
					a.list(t, a.redRow(code))
				}
				var fired atomic.Bool
				listed := make(chan struct{})
				setTestHook(t, &verifyBeforeCommit, func(x *DB) {
					if x != db || !fired.CompareAndSwap(false, true) {
						return
					}
					before := db.write.Stats().WaitCount
					go func() { defer close(listed); a.list(t, a.blackRow(code)) }()
					hookWaitForWriter(t, db, before, listed)
				})
				v := a.verify(t, d, code)
				<-listed
				a.wantAlerted(t, d, v, 0, code)
			})
		}
	})
}

// TestAlertRaceOrdered: one after the other, the department is alerted
// once (verification first) or sees the entry and is not alerted (listing
// first).
func TestAlertRaceOrdered(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		a := newAlertRace(t, db, 1)
		d := a.verifiers[0]
		code := a.company(t)
		v := a.verify(t, d, code)
		a.list(t, a.blackRow(code))
		a.wantAlerted(t, d, v, 0, code)
		code = a.company(t)
		a.list(t, a.blackRow(code))
		if v := a.verify(t, d, code); v != nil && !alertRaceAdverse(v.Results[0]) {
			t.Errorf("verified after the listing: %s, want a hit", alertRaceVerdicts(v))
		}
		if n := a.notices(t, d, code, lists.NotifyAlert); n != 0 {
			t.Errorf("verified after the listing, and hit: %d alerts, want none", n)
		}
	})
}

// TestAlertRaceStress: listings and verifications of the same subjects by
// several departments at once, in rounds of a few subjects, each
// verification started at a random time within twice the time a listing
// takes. Every verification that answered without the adverse entry is
// followed by exactly one alert; one that saw it, by none.
func TestAlertRaceStress(t *testing.T) {
	const (
		rounds   = 8
		perRound = 4
	)
	eachDB(t, func(t *testing.T, db *DB) {
		a := newAlertRace(t, db, 3)
		codes := make([]string, rounds*perRound)
		var known [][]string
		for i := range codes {
			if i%4 == 3 {
				codes[i] = a.person(t)
			} else {
				codes[i] = a.company(t)
			}
			if i%4 == 1 {
				known = append(known, a.redRow(codes[i]))
			}
		}
		start := time.Now()
		a.list(t, known...) // known before
		span := 2 * time.Since(start)
		// vs[i][j]: department j's verification of subject i.
		vs := make([][]*lists.Verification, len(codes))
		for r := range rounds {
			var wg sync.WaitGroup
			for i := r * perRound; i < (r+1)*perRound; i++ {
				code := codes[i]
				vs[i] = make([]*lists.Verification, len(a.verifiers))
				wg.Add(1)
				go func() {
					defer wg.Done()
					if i%4 == 3 {
						a.list(t, a.personRow(code))
					} else {
						a.list(t, a.blackRow(code))
					}
				}()
				for j, d := range a.verifiers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						time.Sleep(rand.N(span))
						vs[i][j] = a.verify(t, d, code)
					}()
				}
			}
			wg.Wait()
		}
		var saw, alerted, lost, twice int
		for i, code := range codes {
			for j, d := range a.verifiers {
				v := vs[i][j]
				if v == nil {
					continue
				}
				n := a.notices(t, d, code, lists.NotifyAlert)
				switch {
				case alertRaceAdverse(v.Results[0]) && n == 0:
					saw++
				case alertRaceAdverse(v.Results[0]):
					twice++
					t.Errorf("%s: verification #%d saw the entry and was alerted too (%d)", code, v.ID, n)
				case n == 1:
					alerted++
				case n == 0:
					lost++
					t.Errorf("%s: verification #%d (data version %d) answered %q, and no alert", code, v.ID, v.DataVersion, v.Results[0].Verdict)
				default:
					twice++
					t.Errorf("%s: verification #%d answered %q, and %d alerts", code, v.ID, v.Results[0].Verdict, n)
				}
			}
		}
		t.Logf("%d verifications (within %v of a listing): %d saw the entry, %d alerted, %d LOST, %d told twice",
			len(codes)*len(a.verifiers), span, saw, alerted, lost, twice)
	})
}
