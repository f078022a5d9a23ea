package storage_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
	"jlcredit/internal/record"
	"jlcredit/internal/storage"
)

// tamperFixture is a database with imported records (penalties, some in a
// second version), list entries (active with responsible persons, removed
// early, expiring, expired) and audit entries, and what the tamperings
// below need to name.
type tamperFixture struct {
	*listFixture
	active, removed, expiring, watch string // list_entries keys
	otherSubject                     string // a subject id other than the black-listed company's
	otherDept                        string // a department id other than the lister's
	lastBatch                        string // the newest batch: penalties only
}

// listResponsibleHeader is listHeader with the responsible person (直接责任人).
var listResponsibleHeader = append(slices.Clone(listHeader), "MD_ZRR", "MD_ZRR_ZJLX", "MD_ZRR_ZJHM")

func newTamperFixture(t *testing.T, open opener) *tamperFixture {
	t.Helper()
	f := &tamperFixture{listFixture: newListFixture(t, open)}
	ctx := credit.NewContextWithActor(t.Context(), deptCtx(f.lister))
	submit := func(class string, header []string, rows ...[]string) *record.Receipt {
		t.Helper()
		rc, err := f.db.Submit(ctx, record.Submission{Class: class, Filename: "t.csv", Body: bytes.NewReader(csvBytes(t, header, rows...))})
		if err != nil || rc.Rejected > 0 {
			errs, _, _ := f.db.FindBatchErrors(sys(), rc.Batch, 0, 10)
			t.Fatalf("Submit(%s) = %+v, %v; %+v", class, rc, err, errs)
		}
		return rc
	}
	responsible := citizenID(t, "22010219850505321")
	withPerson := func(row []string) []string { return append(row, "赵责任", "身份证", responsible) }
	active := withPerson(f.blackRow("吉人社失〔2026〕11号"))
	removed := withPerson(f.blackRow("吉人社失〔2026〕12号"))
	expiring := withPerson(f.blackRow("吉人社失〔2026〕13号"))
	expiring[19] = "2026-12-31"
	watch := append([]string{"重点关注名单", "长春观察物流有限公司", "法人及非法人组织", f.watched, "", "", "", "", "",
		"吉人社关〔2023〕5号", "2023-06-01", f.lister.Name, f.lister.Code, "拖欠工资经责令限期改正", "《拖欠农民工工资失信联合惩戒对象名单管理暂行办法》第十三条",
		"", "期满自动移出", "可依法申请行政复议", "2023-06-01", "2027-06-01", f.lister.Code}, "", "", "") // capped: expired in 2025, not yet removed
	submit(lists.ClassCode, listResponsibleHeader, active, removed, expiring, watch)
	keys := map[string]string{}
	err := scanRows(f.db, `SELECT key FROM list_entries`, func(k string) {
		for _, doc := range []string{"11号", "12号", "13号", "5号"} {
			if strings.Contains(k, doc) {
				keys[doc] = k
			}
		}
	})
	if err != nil || len(keys) != 4 {
		t.Fatalf("list entries: %v, %v", keys, err)
	}
	f.active, f.removed, f.expiring, f.watch = keys["11号"], keys["12号"], keys["13号"], keys["5号"]
	list, _, err := f.db.FindListEntries(ctx, lists.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range list {
		if e.Key == f.removed {
			if _, err := f.db.RemoveListEntry(ctx, e.RecordID, lists.Removal{Kind: lists.RemovedEarly, Reason: "已清偿拖欠工资，经复核提前移出"}); err != nil {
				t.Fatal(err)
			}
		}
	}

	pf := &fixture{db: f.db, dept: f.lister, company: f.company}
	submit("penalty", penaltyHeader, pf.penaltyRow("吉人社罚〔2026〕1号", "警告", "", "2026-11-16"), pf.penaltyRow("吉人社罚〔2026〕2号", "警告", "", "2026-11-16"))
	submit("penalty", penaltyHeader, pf.penaltyRow("吉人社罚〔2026〕1号", "罚款", "0.5", "2026-11-16")) // a second version
	if err := f.db.UpsertDepartment(sys(), f.user); err != nil {
		t.Fatal(err)
	}
	last := submit("penalty", penaltyHeader, pf.penaltyRow("吉人社罚〔2026〕3号", "警告", "", "2026-11-17"), pf.penaltyRow("吉人社罚〔2026〕4号", "警告", "", "2026-11-17"))
	f.lastBatch = string(last.Batch)

	row := func(q string) string {
		var s string
		if err := f.db.SQL().QueryRow(q).Scan(&s); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return s
	}
	f.otherSubject = row(`SELECT CAST(id AS TEXT) FROM subjects WHERE uscc = '` + f.watched + `'`)
	f.otherDept = row(`SELECT CAST(id AS TEXT) FROM departments WHERE code = '` + f.user.Code + `'`)
	if _, err := f.db.VerifyLedger(sys()); err != nil {
		t.Fatalf("VerifyLedger of the fixture: %v", err)
	}
	return f
}

// scanRows calls fn with the single text column of each row of q.
func scanRows(db *storage.DB, q string, fn func(string)) error {
	rows, err := db.SQL().Query(q)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return err
		}
		fn(s)
	}
	return rows.Err()
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// TestVerifyTamper applies one tampering to the fixture database per case:
// `ledger verify` must fail naming what was changed.
func TestVerifyTamper(t *testing.T) {
	const (
		newestAudit  = `(SELECT MAX(size) FROM audit_checkpoints)`
		newestLedger = `(SELECT MAX(size) FROM ledger_checkpoints)`
		// the ledger before the newest batch (one chunk, one checkpoint)
		beforeLast = `(SELECT MAX(size) FROM ledger_checkpoints WHERE size < (SELECT MAX(size) FROM ledger_checkpoints))`
	)
	entry := func(set, key string) []string {
		return []string{`UPDATE list_entries SET ` + set + ` WHERE key = ` + quote(key)}
	}
	for _, c := range []struct {
		name string
		sql  func(f *tamperFixture) []string
		want string
	}{
		// 1. The list index against the list records.
		{"ListEntryDeleted", func(f *tamperFixture) []string {
			return []string{`DELETE FROM list_entries WHERE key = ` + quote(f.active)}
		}, "名单索引（list_entries）中缺少该名单"},
		{"ListEntryForged", func(f *tamperFixture) []string {
			return []string{`INSERT INTO list_entries (key, record_id, subject_id, department_id, list_type, kind, valid_from, valid_until, removed_on, updated_at)
				SELECT key || '1', record_id, subject_id, department_id, list_type, kind, valid_from, valid_until, removed_on, updated_at FROM list_entries WHERE key = ` + quote(f.active)}
		}, "存证记录中却没有该名单的当前版本"},
		{"ListEntrySubject", func(f *tamperFixture) []string { return entry(`subject_id = `+f.otherSubject, f.active) }, "主体ID"},
		{"ListEntryRecord", func(f *tamperFixture) []string { return entry(`record_id = record_id + 1`, f.active) }, "名单索引（list_entries）中的记录ID为"},
		{"ListEntryDepartment", func(f *tamperFixture) []string { return entry(`department_id = `+f.otherDept, f.active) }, "认定部门ID"},
		{"ListEntryType", func(f *tamperFixture) []string { return entry(`list_type = 'watch', kind = 'watch'`, f.active) }, "名单类型为“watch”"},
		{"ListEntryKind", func(f *tamperFixture) []string { return entry(`kind = 'red'`, f.active) }, "名单性质为“red”"},
		{"ListEntryValidFrom", func(f *tamperFixture) []string { return entry(`valid_from = '2027-01-01'`, f.active) }, "有效期起始日"},
		{"ListEntryValidUntil", func(f *tamperFixture) []string { return entry(`valid_until = '2026-01-01'`, f.active) }, "有效期截止日为“2026-01-01”"},
		{"ListEntryValidUntilCleared", func(f *tamperFixture) []string { return entry(`valid_until = NULL`, f.watch) }, "有效期截止日为无"},
		{"ListEntryRemovedCleared", func(f *tamperFixture) []string { return entry(`removed_on = NULL`, f.removed) }, "移出日期为无（未移出）"},
		{"ListEntryRemovedSet", func(f *tamperFixture) []string { return entry(`removed_on = '2026-01-01'`, f.active) }, "移出日期为“2026-01-01”"},
		{"ListPersonsDeleted", func(f *tamperFixture) []string { return []string{`DELETE FROM list_persons`} }, "名单关联责任人（list_persons）中缺少"},
		{"ListPersonRenamed", func(f *tamperFixture) []string {
			return []string{`UPDATE list_persons SET role = role || '某' WHERE key = ` + quote(f.active) + ` AND role LIKE '直接责任人%'`}
		}, "名单关联责任人（list_persons）中"},
		{"ListPersonAdded", func(f *tamperFixture) []string {
			return []string{`INSERT INTO list_persons (key, id_hash, role) SELECT ` + quote(f.watch) + `, id_hash, role FROM list_persons WHERE key = ` + quote(f.active)}
		}, "名单关联责任人（list_persons）中多出"},
		{"ListPersonOrphan", func(f *tamperFixture) []string {
			return []string{`INSERT INTO list_persons (key, id_hash, role) SELECT 'nobody', id_hash, role FROM list_persons WHERE key = ` + quote(f.active)}
		}, "名单关联责任人（list_persons）中有业务主键为 nobody 的行"},

		// 2. The audit log's checkpoints and state.
		{"AuditCheckpointSwapped", func(f *tamperFixture) []string {
			return []string{`UPDATE audit_checkpoints SET note = (SELECT note FROM audit_checkpoints WHERE size = 3) WHERE size = ` + newestAudit}
		}, "的签名文本是大小为3的检查点：检查点被替换"},
		{"AuditCheckpointMiddleSwapped", func(f *tamperFixture) []string {
			return []string{`UPDATE audit_checkpoints SET note = (SELECT note FROM audit_checkpoints WHERE size = 3) WHERE size = 4`}
		}, "审计日志检查点（大小4）的签名文本是大小为3的检查点"},
		{"AuditCheckpointCorrupt", func(f *tamperFixture) []string {
			return []string{`UPDATE audit_checkpoints SET note = note || 'x' WHERE size = 4`}
		}, "审计日志检查点（大小4）不是平台密钥的签名文本"},
		{"AuditCheckpointOrigin", func(f *tamperFixture) []string {
			return []string{`UPDATE audit_checkpoints SET note = replace(note, 'gov.cn/audit', 'gov.cn/ledger') WHERE size = 4`}
		}, "审计日志检查点（大小4）的来源为“jl.credit.gov.cn/ledger”"},
		{"AuditCheckpointRoot", func(f *tamperFixture) []string {
			return []string{`UPDATE audit_checkpoints SET root = (SELECT root FROM audit_checkpoints WHERE size = 3) WHERE size = 4`}
		}, "审计日志检查点（大小4）的树根"},
		{"AuditTruncated", func(f *tamperFixture) []string {
			return []string{`DELETE FROM audit_log WHERE leaf >= ` + newestAudit + ` - 2`, `DELETE FROM audit_checkpoints WHERE size > ` + newestAudit + ` - 2`}
		}, "审计日志状态不符"},
		{"AuditState", func(f *tamperFixture) []string { return []string{`UPDATE audit_ledger_state SET size = size - 1`} }, "审计日志状态不符"},
		{"AuditEntryBeyond", func(f *tamperFixture) []string {
			return []string{`DELETE FROM audit_checkpoints WHERE size = ` + newestAudit, `UPDATE audit_ledger_state SET size = size - 1`}
		}, "数据库中有1条审计记录不在已签名的审计日志内"},

		// 3. The records' checkpoints, state and receipts.
		{"LedgerCheckpointSwapped", func(f *tamperFixture) []string {
			return []string{`UPDATE ledger_checkpoints SET note = (SELECT note FROM ledger_checkpoints WHERE size = ` + beforeLast + `) WHERE size = ` + newestLedger}
		}, "的检查点：检查点被替换"},
		{"LedgerCheckpointRoot", func(f *tamperFixture) []string {
			return []string{`UPDATE ledger_checkpoints SET root = (SELECT root FROM ledger_checkpoints WHERE size = ` + beforeLast + `) WHERE size = ` + newestLedger}
		}, "的树根与其签名文本中的不一致"},
		{"LedgerTruncated", func(f *tamperFixture) []string {
			return []string{`DELETE FROM records WHERE id > ` + beforeLast, `DELETE FROM ledger_checkpoints WHERE size > ` + beforeLast}
		}, "存证账本状态不符：状态行记载账本大小为"},
		{"LedgerTruncatedWithState", func(f *tamperFixture) []string {
			return []string{`DELETE FROM records WHERE id > ` + beforeLast, `DELETE FROM ledger_checkpoints WHERE size > ` + beforeLast,
				`UPDATE ledger_state SET size = (SELECT MAX(size) FROM ledger_checkpoints), next_record_id = (SELECT MAX(size) FROM ledger_checkpoints) + 1`}
		}, "的回执（审计日志序号"},
		{"LedgerStateSize", func(f *tamperFixture) []string { return []string{`UPDATE ledger_state SET size = size + 1`} }, "存证账本状态不符"},
		{"LedgerStateNextID", func(f *tamperFixture) []string {
			return []string{`UPDATE ledger_state SET next_record_id = next_record_id + 5`}
		}, "下一记录ID"},
	} {
		t.Run(c.name, func(t *testing.T) {
			forBothDialects(t, func(t *testing.T, open opener) {
				f := newTamperFixture(t, open)
				for _, q := range c.sql(f) {
					storage.Tamper(t, f.db, q)
				}
				_, err := f.db.VerifyLedger(sys())
				if credit.ErrorCode(err) != credit.EINVALID || !strings.Contains(credit.ErrorMessage(err), c.want) {
					t.Fatalf("VerifyLedger = %v; want invalid with %q", err, c.want)
				}
				t.Log(credit.ErrorMessage(err))
			})
		})
	}
}

// TestVerifyUntampered checks that an untouched database verifies, also
// after its list entries expired with time (their rows do not depend on the
// day) and after the expiry was recorded as removals.
func TestVerifyUntampered(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newTamperFixture(t, open)
		// (newTamperFixture verified it as of 2026-11-20.)
		later := time.Date(2027, 3, 1, 2, 0, 0, 0, time.UTC)
		f.db.Now = func() time.Time { return later }
		rep, err := f.db.VerifyLedger(sys())
		if err != nil {
			t.Fatalf("VerifyLedger after the entries expired: %v", err)
		}
		n, err := f.db.ExpireListEntries(sys(), credit.DateOf(later))
		if err != nil || n != 2 {
			t.Fatalf("ExpireListEntries = %d, %v; want 2 (the watch entry and the one valid until 2026-12-31)", n, err)
		}
		after, err := f.db.VerifyLedger(sys())
		if err != nil {
			t.Fatalf("VerifyLedger after the expiry was recorded: %v", err)
		}
		if after.Records != rep.Records+2 || after.AuditEntries <= rep.AuditEntries {
			t.Errorf("after the expiry: %+v, before %+v", after, rep)
		}
		var removed int
		if err := f.db.SQL().QueryRow(`SELECT COUNT(*) FROM list_entries WHERE removed_on IS NOT NULL`).Scan(&removed); err != nil || removed != 3 {
			t.Errorf("removed entries = %d, %v; want 3", removed, err)
		}
	})
}
