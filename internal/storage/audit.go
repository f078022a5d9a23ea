package storage

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"jlcredit/internal/credit"
	"jlcredit/internal/ledger"
)

// AuditOrigin is the origin line of the audit log's checkpoints: a tree of
// its own beside the records' (LedgerOrigin), signed with the same key.
const AuditOrigin = "jl.credit.gov.cn/audit"

// auditEntry is one row of the audit log as its leaf hash covers it.
type auditEntry struct {
	id                                  int64
	leaf                                int64
	at                                  time.Time
	actor, action, objectType, objectID string
	detail                              string
}

// auditCanonical is the byte string whose leaf hash an audit entry's place
// in the audit tree holds: a JSON object with sorted keys, the time in UTC
// (RFC 3339 with nanoseconds). Changing any of these columns afterwards is
// found by `credit ledger verify`. The encoding must never change for
// existing entries.
func auditCanonical(e *auditEntry) []byte {
	b, _ := json.Marshal(struct {
		Action     string `json:"action"`
		Actor      string `json:"actor"`
		At         string `json:"at"`
		Detail     string `json:"detail"`
		Leaf       int64  `json:"leaf"`
		ObjectID   string `json:"object_id"`
		ObjectType string `json:"object_type"`
	}{e.action, e.actor, e.at.UTC().Format(time.RFC3339Nano), e.detail, e.leaf, e.objectID, e.objectType})
	return b
}

// audit appends a row to the audit log in the same transaction as the
// change, as the next leaf of the audit tree, and signs the tree's new
// checkpoint.
func (tx *Tx) audit(ctx context.Context, action, objectType, objectID string, detail any) error {
	b, err := json.Marshal(detail)
	if err != nil {
		return err
	}
	actor := credit.ActorFromContext(ctx)
	return tx.appendAudit(ctx, &auditEntry{at: tx.now, actor: actor.Label(), action: action, objectType: objectType, objectID: objectID, detail: string(b)})
}

// appendAudit writes es as the next leaves of the audit tree: a new row for
// an entry whose id is 0, else the existing row (written before the audit
// tree existed, and still without a leaf). The lock on audit_ledger_state
// serialises appends.
func (tx *Tx) appendAudit(ctx context.Context, es ...*auditEntry) error {
	size, _, err := tx.lockAudit(ctx)
	if err != nil {
		return err
	}
	return tx.appendAuditAt(ctx, size, es)
}

// lockAudit locks the audit tree's state row (on PostgreSQL; SQLite's
// write transaction already excludes every other writer) and returns the
// tree's size and the id bound of the entries written before the tree.
func (tx *Tx) lockAudit(ctx context.Context) (size, legacyMaxID int64, err error) {
	lock := `SELECT size, legacy_max_id FROM audit_ledger_state WHERE id = 1`
	if tx.db.dialect == Postgres {
		lock += ` FOR UPDATE`
	}
	err = tx.queryRow(ctx, lock).Scan(&size, &legacyMaxID)
	return size, legacyMaxID, err
}

func (tx *Tx) appendAuditAt(ctx context.Context, size int64, es []*auditEntry) error {
	app := ledger.NewAppender(ctx, txHashStore{tx, auditHashes}, size)
	if err := app.Load(); err != nil {
		return err
	}
	for _, e := range es {
		e.leaf = app.Size()
		idx, st, err := app.Append(ledger.Leaf(auditCanonical(e)))
		if err != nil {
			return err
		}
		hashes, err := packStored(idx, st)
		if err != nil {
			return err
		}
		if e.id == 0 {
			_, err = tx.exec(ctx, `INSERT INTO audit_log (at, actor, action, object_type, object_id, detail, leaf, ledger_hashes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
				e.at, e.actor, e.action, e.objectType, e.objectID, e.detail, e.leaf, hashes)
			if err != nil {
				return err
			}
			continue
		}
		res, err := tx.exec(ctx, `UPDATE audit_log SET leaf = $1, ledger_hashes = $2 WHERE id = $3 AND leaf IS NULL`, e.leaf, hashes, e.id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return fmt.Errorf("storage: audit entry %d changed while it was taken into the tree (%d rows, %v)", e.id, n, err)
		}
	}
	if _, err := tx.exec(ctx, `UPDATE audit_ledger_state SET size = $1 WHERE id = 1`, app.Size()); err != nil {
		return err
	}
	return tx.signCheckpoint(ctx, "audit_checkpoints", AuditOrigin, app)
}

const auditColumns = `id, COALESCE(leaf, -1), at, actor, action, object_type, object_id, detail`

func scanAudit(s interface{ Scan(...any) error }) (*auditEntry, error) {
	var e auditEntry
	if err := s.Scan(&e.id, &e.leaf, &e.at, &e.actor, &e.action, &e.objectType, &e.objectID, &e.detail); err != nil {
		return nil, err
	}
	return &e, nil
}

// legacyClosed is the action of the audit entry that ends the catch-up:
// its detail holds legacy_max_id as it stood then. The state row is not
// tamper-evident, this entry is: once it is in the tree, no entry without
// a leaf is ever taken in again, and verifyAudit holds the state row to it.
// Without it, raising legacy_max_id above a row inserted behind the
// platform's back would have made the next Migrate adopt that row.
const legacyClosed = "audit.legacy_closed"

// legacyClosedQuery reads the legacyClosed entry's detail. The action is
// written out, not a parameter, so that both databases use the partial
// index audit_log_legacy_closed (0021) rather than scan the audit log.
const legacyClosedQuery = `SELECT detail FROM audit_log WHERE action = 'audit.legacy_closed' AND leaf IS NOT NULL ORDER BY leaf LIMIT 1`

// legacyClosedDetail is the detail of the legacyClosed entry.
type legacyClosedDetail struct {
	LegacyMaxID int64 `json:"legacy_max_id"`
}

// catchUpAudit appends the audit entries written before the audit tree
// existed (ids up to legacy_max_id, set by migration 0013), in id order, a
// thousand per transaction, then closes the catch-up with a legacyClosed
// entry. They are read inside the transaction that appends them, under the
// tree's lock, so that two processes migrating at once append each entry
// once. Any other entry without a leaf was not written by the platform and
// stays out (verifyAudit reports it).
func (db *DB) catchUpAudit(ctx context.Context) error {
	for {
		var done bool
		err := db.transact(ctx, func(tx *Tx) error {
			size, bound, err := tx.lockAudit(ctx)
			if err != nil {
				return err
			}
			if _, closed, err := tx.legacyClosed(ctx); err != nil || closed {
				done = true
				return err
			}
			var es []*auditEntry
			err = scanAll(tx.rows(ctx, `SELECT `+auditColumns+` FROM audit_log WHERE leaf IS NULL AND id <= $1 ORDER BY id LIMIT 1000`, bound), func(rows *sql.Rows) error {
				e, err := scanAudit(rows)
				es = append(es, e)
				return err
			})
			if err != nil {
				return err
			}
			if len(es) == 0 {
				done = true
				es = append(es, &auditEntry{at: tx.now, actor: credit.System.Label(), action: legacyClosed, objectType: "audit_log", objectID: strconv.FormatInt(bound, 10)})
				b, err := json.Marshal(legacyClosedDetail{LegacyMaxID: bound})
				if err != nil {
					return err
				}
				es[0].detail = string(b)
			}
			return tx.appendAuditAt(ctx, size, es)
		})
		if err != nil {
			return fmt.Errorf("storage: audit log into its tree: %w", err)
		}
		if done {
			return nil
		}
	}
}

// legacyClosed returns the legacy_max_id recorded by the legacyClosed
// entry in the audit tree, and whether there is one.
func (tx *Tx) legacyClosed(ctx context.Context) (int64, bool, error) {
	return readLegacyClosed(tx.queryRow(ctx, legacyClosedQuery))
}

func readLegacyClosed(row *sql.Row) (int64, bool, error) {
	var detail string
	switch err := row.Scan(&detail); {
	case errors.Is(err, sql.ErrNoRows):
		return 0, false, nil
	case err != nil:
		return 0, false, err
	}
	var d legacyClosedDetail
	if err := json.Unmarshal([]byte(detail), &d); err != nil {
		return 0, false, credit.Errorf(credit.EINVALID, "审计日志中升级记录（%s）的内容无法解析：%v", legacyClosed, err)
	}
	return d.LegacyMaxID, true, nil
}

// verifyAudit checks the audit tree as VerifyLedger checks the records':
// every entry's leaf recomputed from its row, every stored hash, the
// signed checkpoints, no entry missing or outside the tree, the state row.
// It returns the number of entries, and the accepted count of the newest
// receipt of each batch whose processing ended (batch.done, batch.failed),
// with the entry's leaf, for checkReceipts.
func (db *DB) verifyAudit(ctx context.Context) (int64, map[credit.BatchID]receipt, error) {
	// Every append signs a checkpoint. Each row's note must be a
	// checkpoint of the audit log for the size and root of its row (a note
	// moved to another row would make that row vouch for a smaller tree);
	// the signatures of every thousandth and the newest are verified,
	// which bounds where tampering lies as well at a thousandth of the
	// cost (about 90 µs a signature, one checkpoint per entry).
	var (
		cps  []ledger.Checkpoint
		last struct {
			size int64
			root []byte
			note string
		}
		seen bool
	)
	err := scanAll(db.rows(ctx, `SELECT size, root, note FROM audit_checkpoints ORDER BY size`), func(rows *sql.Rows) error {
		if err := rows.Scan(&last.size, &last.root, &last.note); err != nil {
			return err
		}
		seen = true
		sampled := last.size%1000 == 0
		cp, err := db.checkpointRow("审计日志", AuditOrigin, last.size, last.root, last.note, sampled)
		if err != nil {
			return err
		}
		if sampled {
			cp.Note = nil
			cps = append(cps, *cp)
		}
		return nil
	})
	if err != nil {
		return 0, nil, err
	}
	var size int64 // the verified size
	if seen {
		size = last.size
		if size%1000 != 0 {
			cp, err := db.checkpointRow("审计日志", AuditOrigin, last.size, last.root, last.note, true)
			if err != nil {
				return 0, nil, err
			}
			cps = append(cps, *cp)
		}
	}
	var count int64
	receipts := map[credit.BatchID]receipt{}
	t := db.treeRows(ctx, `SELECT `+auditColumns+`, ledger_hashes FROM audit_log WHERE leaf IS NOT NULL AND leaf < $1 ORDER BY leaf`, []any{size},
		func(rows *sql.Rows) (int64, []byte, []byte, error) {
			var e auditEntry
			var hashes []byte
			if err := rows.Scan(&e.id, &e.leaf, &e.at, &e.actor, &e.action, &e.objectType, &e.objectID, &e.detail, &hashes); err != nil {
				return 0, nil, nil, err
			}
			count++
			if e.objectType == "batch" && (e.action == "batch.done" || e.action == "batch.failed") {
				// The receipt is the batch's whole (a resumed batch's
				// counts from before the interruption included): the
				// newest wins. Receipts without counts (written before
				// they were) are left out.
				var d struct {
					Accepted *int64 `json:"accepted"`
				}
				if json.Unmarshal([]byte(e.detail), &d) == nil && d.Accepted != nil {
					receipts[credit.BatchID(e.objectID)] = receipt{leaf: e.leaf, accepted: *d.Accepted}
				}
			}
			return e.leaf, auditCanonical(&e), hashes, nil
		})
	verr := ledger.VerifyAll(t.leaves, t.stored, cps...)
	if t.err != nil {
		return 0, nil, t.err
	}
	var mm *ledger.Mismatch
	if errors.As(verr, &mm) {
		var id int64
		var action string
		err := db.queryRow(ctx, `SELECT id, action FROM audit_log WHERE leaf = $1`, mm.Index).Scan(&id, &action)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, nil, credit.Errorf(credit.EINVALID, "审计日志校验失败：序号%d的审计记录缺失（%s）", mm.Index, mm.Reason)
		}
		if err != nil {
			return 0, nil, err
		}
		return 0, nil, credit.Errorf(credit.EINVALID, "审计日志校验失败：第一条异常审计记录为 审计ID %d（操作 %s，序号 %d）：%s", id, action, mm.Index, mm.Reason)
	}
	if verr != nil {
		return 0, nil, verr
	}
	if count != size {
		return 0, nil, credit.Errorf(credit.EINVALID, "审计日志条数不符：检查点为%d条，数据库中为%d条（有审计记录被删除）", size, count)
	}
	// Entries outside the verified tree: without a leaf (older ones not yet
	// taken in, or foreign), or with a leaf at or beyond its size. Entries
	// the platform appended since the checks above come with their
	// checkpoint and the state row, in the same transaction: one statement
	// sees all or none of them, and the newest checkpoint it sees must
	// then account for every one.
	var state, legacy, newest, pending, foreign, after, beyond int64
	err = db.queryRow(ctx, `SELECT s.size, s.legacy_max_id,
		(SELECT COALESCE(MAX(size), 0) FROM audit_checkpoints),
		(SELECT COUNT(*) FROM audit_log WHERE leaf IS NULL AND id <= s.legacy_max_id),
		(SELECT COUNT(*) FROM audit_log WHERE leaf IS NULL AND id > s.legacy_max_id),
		(SELECT COUNT(*) FROM audit_log WHERE leaf >= $1),
		(SELECT COUNT(*) FROM audit_log WHERE leaf >= (SELECT COALESCE(MAX(size), 0) FROM audit_checkpoints))
		FROM audit_ledger_state s WHERE s.id = 1`, size).Scan(&state, &legacy, &newest, &pending, &foreign, &after, &beyond)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, credit.Errorf(credit.EINVALID, "审计日志状态不符：状态行（audit_ledger_state）缺失")
	} else if err != nil {
		return 0, nil, err
	}
	// After the catch-up (legacyClosed in the tree) the bound is fixed and
	// an entry without a leaf below it is as foreign as one above.
	closedAt, closed, err := readLegacyClosed(db.queryRow(ctx, legacyClosedQuery))
	if err != nil {
		return 0, nil, err
	}
	if closed {
		foreign += pending
		pending = 0
	}
	switch {
	case closed && legacy != closedAt:
		return 0, nil, credit.Errorf(credit.EINVALID, "审计日志状态不符：状态行记载升级前审计记录的编号上限（legacy_max_id）为%d，审计日志记载为%d（状态被改动）", legacy, closedAt)
	case newest < size:
		return 0, nil, credit.Errorf(credit.EINVALID, "审计日志检查点被删除：已校验大小为%d的检查点，最新检查点的大小却为%d", size, newest)
	case state != newest:
		return 0, nil, credit.Errorf(credit.EINVALID, "审计日志状态不符：状态行记载审计日志大小为%d，最新检查点的大小为%d（最新的审计记录及其检查点被删除，或状态被改动）", state, newest)
	case foreign+beyond > 0:
		return 0, nil, credit.Errorf(credit.EINVALID, "数据库中有%d条审计记录不在已签名的审计日志内（未经平台写入）", foreign+beyond)
	case after-beyond != newest-size:
		return 0, nil, credit.Errorf(credit.EINVALID, "审计日志条数不符：校验期间新增的检查点为%d条，数据库中为%d条（有审计记录被删除）", newest-size, after-beyond)
	case pending > 0:
		return 0, nil, credit.Errorf(credit.EINVALID, "有%d条升级前的审计记录尚未纳入审计日志账本，请先运行 credit migrate", pending)
	}
	// The newest checkpoint, which may have come after the checks above,
	// must be signed too.
	if newest > size {
		var root []byte
		var note string
		if err := db.queryRow(ctx, `SELECT root, note FROM audit_checkpoints WHERE size = $1`, newest).Scan(&root, &note); err != nil {
			return 0, nil, err
		}
		if _, err := db.checkpointRow("审计日志", AuditOrigin, newest, root, note, true); err != nil {
			return 0, nil, err
		}
	}
	return count, receipts, nil
}

// receipt is what a batch's audited receipt says was accepted: the number
// of record versions the batch wrote.
type receipt struct {
	leaf     int64 // of the audit entry
	accepted int64
}

// checkReceipts compares the record versions of each batch (perBatch,
// counted while the records were verified) with the accepted count of its
// audited receipt: the audit log is in a tree of its own, so record
// versions deleted together with their checkpoints and the ledger's state
// row, which the records' tree alone cannot tell from a smaller ledger,
// are still found. A batch that has no receipt yet (being processed) is
// not checked.
func (db *DB) checkReceipts(ctx context.Context, receipts map[credit.BatchID]receipt, perBatch map[credit.BatchID]int64) error {
	ids := make([]credit.BatchID, 0, len(receipts))
	for id, r := range receipts {
		if perBatch[id] != r.accepted {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, func(a, b credit.BatchID) int { return cmp.Compare(receipts[a].leaf, receipts[b].leaf) })
	for _, id := range ids {
		r := receipts[id]
		// A batch that finished after its records were verified may have
		// written versions since: count again.
		var n int64
		if err := db.queryRow(ctx, `SELECT COUNT(*) FROM records WHERE batch_id = $1`, string(id)).Scan(&n); err != nil {
			return err
		}
		if n != r.accepted {
			return credit.Errorf(credit.EINVALID, "批次%s的回执（审计日志序号%d）载明接收%d条记录，存证账本中该批次的记录版本却有%d条（记录被删除或改动）", id, r.leaf, r.accepted, n)
		}
	}
	return nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
