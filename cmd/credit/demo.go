package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"sort"
	"time"

	"jlcredit/internal/access"
	"jlcredit/internal/catalog"
	"jlcredit/internal/credit"
	"jlcredit/internal/demo"
	"jlcredit/internal/record"
	"jlcredit/internal/storage"
)

type demoOptions struct {
	Subjects int
	Records  int
	Seed     uint64
	AsOf     time.Time
}

func runDemo(ctx context.Context, env *Env, args []string) error {
	ctx = systemContext(ctx)
	fs := env.flags("demo")
	dsn := fs.String("db", dsnDefault(), "数据库连接串")
	subjects := fs.Int("subjects", 2000, "生成的信用主体数量（组织各附一条登记注册信息；自然人有记录才成为主体）")
	records := fs.Int("records", 10000, "双公示记录数量（许可与处罚约各一半）")
	seed := fs.Uint64("seed", 1, "随机种子（相同参数生成相同数据）")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := checkSubjects(*subjects, false); err != nil {
		return err
	}
	if err := checkRange("records", *records, 0, -1); err != nil {
		return err
	}
	db, err := env.openDB(ctx, *dsn, openMigrate)
	if err != nil {
		return err
	}
	defer db.Close()
	summary, err := seedDemo(ctx, env, db, demoOptions{Subjects: *subjects, Records: *records, Seed: *seed})
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, summary)
	return nil
}

// seedDemo generates a deterministic province and imports it through the
// real ingestion path, one batch per department and class (5 000 rows at
// most): first the organisations' registration records, which create their
// subjects, then licences and penalties, which also create the persons they
// name, then list entries. No subject is written without a record behind it,
// so credit ledger verify finds every subject row implied by the ledger;
// generated persons that no record names do not exist.
func seedDemo(ctx context.Context, env *Env, db *storage.DB, o demoOptions) (string, error) {
	if o.AsOf.IsZero() {
		o.AsOf = db.Now()
	}
	g := demo.New(o.Seed, o.Subjects)
	depts := g.Departments()
	for _, d := range depts {
		if err := db.UpsertDepartment(ctx, &access.Department{Code: d.Code, Name: d.Name, RegionCode: d.RegionCode, Kind: d.Kind}); err != nil {
			return "", fmt.Errorf("department %s: %w", d.Name, err)
		}
	}
	cat, err := db.Catalog(ctx)
	if err != nil {
		return "", err
	}
	classOf := func(code string) (*catalog.Class, error) {
		cl, ok := cat.Class(code)
		if !ok {
			return nil, credit.Errorf(credit.ENOTFOUND, "目录中没有信息类%s", code)
		}
		return cl, nil
	}
	// What was decided more than 10 days ago is the departments' history,
	// loaded once (历史数据补录); the rest arrives as daily reports would.
	backfillBefore := credit.DateOf(o.AsOf).AddDate(0, 0, -10).Format(credit.DateLayout)
	// Every organisation comes into existence as in production: from its
	// registration record, reported by a market-regulation department, so
	// that the ledger implies every subject row (credit ledger verify).
	// Persons come from the records that name them.
	var regs record.Receipt
	cl, err := classOf(demo.ClassRegistration)
	if err != nil {
		return "", err
	}
	w := newDemoBatcher(ctx, db, cl, &regs)
	w.backfillBefore = backfillBefore
	if err := g.Registrations(o.AsOf, func(i int, d demo.Department, row map[string]string) error {
		return w.add(d.Code, row)
	}); err != nil {
		return "", err
	}
	if err := w.flushAll(); err != nil {
		return "", err
	}
	var total record.Receipt
	for _, class := range []string{demo.ClassLicense, demo.ClassPenalty} {
		n := o.Records / 2
		if class == demo.ClassPenalty {
			n = o.Records - o.Records/2
		}
		cl, err := classOf(class)
		if err != nil {
			return "", err
		}
		w := newDemoBatcher(ctx, db, cl, &total)
		w.backfillBefore = backfillBefore
		w.lateFrom, w.lateBefore = demoLateWindow(o.AsOf)
		if err := g.Rows(class, n, o.AsOf, func(i int, d demo.Department, row map[string]string) error {
			return w.add(d.Code, row)
		}); err != nil {
			return "", err
		}
		if err := w.flushAll(); err != nil {
			return "", err
		}
	}
	// List entries (one per 30 subjects), through the same ingestion path,
	// so that the public lists, verification and pushes have something to show.
	var entries record.Receipt
	if cl, err = classOf(demo.ClassListEntry); err != nil {
		return "", err
	}
	w = newDemoBatcher(ctx, db, cl, &entries)
	if err := g.ListEntries(g.Subjects()/30, o.AsOf, func(i int, d demo.Department, row map[string]string) error {
		return w.add(d.Code, row)
	}); err != nil {
		return "", err
	}
	if err := w.flushAll(); err != nil {
		return "", err
	}
	subjects, err := db.CountSubjects(ctx)
	if err != nil {
		return "", err
	}
	fmt.Fprintf(env.Stderr, "演示数据：%d个部门，%d个主体（%d条登记注册信息：接收%d，拒绝%d，重复%d），%d条双公示记录（接收%d，拒绝%d，重复%d），%d条名单信息\n",
		len(depts), subjects, regs.Total, regs.Accepted, regs.Rejected, regs.Duplicates,
		total.Total, total.Accepted, total.Rejected, total.Duplicates, entries.Accepted)
	b, _ := json.Marshal(map[string]int{"departments": len(depts), "subjects": subjects,
		"registrations": regs.Accepted, "registrations_rejected": regs.Rejected,
		"records": total.Accepted, "rejected": total.Rejected,
		"list_entries": entries.Accepted, "list_entries_rejected": entries.Rejected})
	return string(b), nil
}

// demoBatcher buffers generated rows per department as CSV and submits a
// batch when a department's buffer is full, keeping memory bounded.
type demoBatcher struct {
	ctx   context.Context
	db    *storage.DB
	class *catalog.Class
	bufs  map[demoKey]*demoBuf
	total *record.Receipt
	// Rows decided before backfillBefore go in as 历史数据补录, the
	// initial load of a department's history, not as late reports.
	backfillBefore string
	// Of the rows decided in [lateFrom, lateBefore), a few (demoLateShare,
	// chosen by a hash of the row) go in with the recent ones, as reports
	// a department sent weeks after the decision: late (超期报送).
	lateFrom, lateBefore string
	late                 int // rows routed as late reports
}

// demoLatePerMille is the share (‰) of the rows decided 20 to 60 days before
// the as-of date that are reported late rather than loaded as history:
// about 4–5 % of the recent (non-backfill) rows then arrive late, which
// makes the 及时率 of the demo neither 100 % nor implausible.
const demoLatePerMille = 12

// demoLateWindow returns the decision dates [from, before) whose rows may be
// reported late: old enough to be more than 7 working days late whatever
// the holidays, recent enough to be a late report rather than history.
func demoLateWindow(asOf time.Time) (from, before string) {
	today := credit.DateOf(asOf)
	return today.AddDate(0, 0, -60).Format(credit.DateLayout), today.AddDate(0, 0, -20).Format(credit.DateLayout)
}

// demoLate reports whether a row (its CSV fields) decided on day is
// reported late: deterministic, by a hash of the row.
func (b *demoBatcher) demoLate(day string, rec []string) bool {
	if b.lateBefore == "" || day < b.lateFrom || day >= b.lateBefore {
		return false
	}
	h := fnv.New64a()
	for _, f := range rec {
		h.Write([]byte(f))
		h.Write([]byte{0})
	}
	return h.Sum64()%1000 < demoLatePerMille
}

// demoKey is a department and whether its rows are history.
type demoKey struct {
	dept     string
	backfill bool
}

type demoBuf struct {
	buf bytes.Buffer
	w   *csv.Writer
	n   int
}

const demoBatchRows = 5000

func newDemoBatcher(ctx context.Context, db *storage.DB, c *catalog.Class, total *record.Receipt) *demoBatcher {
	return &demoBatcher{ctx: ctx, db: db, class: c, bufs: map[demoKey]*demoBuf{}, total: total}
}

// route returns the batch of a row of dept (history or not) and its CSV
// fields, and whether it is a late report.
func (b *demoBatcher) route(dept string, row map[string]string) (key demoKey, rec []string, late bool) {
	rec = make([]string, len(b.class.Fields))
	for i, f := range b.class.Fields {
		rec[i] = row[f.Code]
	}
	key = demoKey{dept: dept}
	if b.backfillBefore != "" {
		if d, ok := record.ParseDate(row[b.class.Roles.DecisionDate]); ok && d.Format(credit.DateLayout) < b.backfillBefore {
			late = b.demoLate(d.Format(credit.DateLayout), rec)
			key.backfill = !late
		}
	}
	return key, rec, late
}

func (b *demoBatcher) add(dept string, row map[string]string) error {
	key, rec, late := b.route(dept, row)
	if late {
		b.late++
	}
	d := b.bufs[key]
	if d == nil {
		d = &demoBuf{}
		d.w = csv.NewWriter(&d.buf)
		header := make([]string, len(b.class.Fields))
		for i, f := range b.class.Fields {
			header[i] = f.Code
		}
		d.w.Write(header)
		b.bufs[key] = d
	}
	d.w.Write(rec)
	d.n++
	if d.n >= demoBatchRows {
		return b.flush(key)
	}
	return nil
}

func (b *demoBatcher) flush(key demoKey) error {
	d := b.bufs[key]
	if d == nil || d.n == 0 {
		return nil
	}
	d.w.Flush()
	r, err := b.db.Submit(b.ctx, record.Submission{Class: b.class.Code, DepartmentCode: key.dept, Filename: "demo.csv", Format: "csv", Channel: "cli",
		Backfill: key.backfill, Body: &d.buf})
	if err != nil {
		return err
	}
	b.total.Total += r.Total
	b.total.Accepted += r.Accepted
	b.total.Rejected += r.Rejected
	b.total.Duplicates += r.Duplicates
	delete(b.bufs, key)
	return nil
}

func (b *demoBatcher) flushAll() error {
	keys := make([]demoKey, 0, len(b.bufs))
	for k := range b.bufs {
		keys = append(keys, k)
	}
	// History first, then each department's recent rows: a deterministic
	// order, as the demo's record ids are.
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].backfill != keys[j].backfill {
			return keys[i].backfill
		}
		return keys[i].dept < keys[j].dept
	})
	for _, k := range keys {
		if err := b.flush(k); err != nil {
			return err
		}
	}
	return nil
}
