package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
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

// catchUpAudit appends the audit entries written before the audit tree
// existed (ids up to legacy_max_id, set by migration 0013), in id order, a
// thousand per transaction. They are read inside the transaction that
// appends them, under the tree's lock, so that two processes migrating at
// once append each entry once. Any other entry without a leaf was not
// written by the platform and stays out (verifyAudit reports it).
func (db *DB) catchUpAudit(ctx context.Context) error {
	for {
		var n int
		err := db.transact(ctx, func(tx *Tx) error {
			size, bound, err := tx.lockAudit(ctx)
			if err != nil {
				return err
			}
			var es []*auditEntry
			err = scanAll(tx.rows(ctx, `SELECT `+auditColumns+` FROM audit_log WHERE leaf IS NULL AND id <= $1 ORDER BY id LIMIT 1000`, bound), func(rows *sql.Rows) error {
				e, err := scanAudit(rows)
				es = append(es, e)
				return err
			})
			if err != nil || len(es) == 0 {
				return err
			}
			n = len(es)
			return tx.appendAuditAt(ctx, size, es)
		})
		if err != nil {
			return fmt.Errorf("storage: audit log into its tree: %w", err)
		}
		if n == 0 {
			return nil
		}
	}
}

// verifyAudit checks the audit tree as VerifyLedger checks the records':
// every entry's leaf recomputed from its row, every stored hash, every
// signed checkpoint, no entry missing or outside the tree. It returns the
// number of entries.
func (db *DB) verifyAudit(ctx context.Context) (int64, error) {
	// Every append signs a checkpoint; checking every thousandth and the
	// latest bounds where tampering lies as well, at a thousandth of the
	// signatures to verify.
	var cps []ledger.Checkpoint
	err := scanAll(db.rows(ctx, `SELECT note FROM audit_checkpoints
		WHERE size % 1000 = 0 OR size = (SELECT MAX(size) FROM audit_checkpoints) ORDER BY size`), func(rows *sql.Rows) error {
		var note string
		if err := rows.Scan(&note); err != nil {
			return err
		}
		cp, err := ledger.OpenCheckpoint([]byte(note), db.Secrets.VerifierKey())
		if err != nil {
			return credit.Errorf(credit.EINVALID, "审计日志检查点签名无效：%v", err)
		}
		if cp.Origin != AuditOrigin {
			return credit.Errorf(credit.EINVALID, "审计日志检查点的来源为“%s”，应为“%s”", cp.Origin, AuditOrigin)
		}
		cps = append(cps, *cp)
		return nil
	})
	if err != nil {
		return 0, err
	}
	var size int64
	if len(cps) > 0 {
		size = cps[len(cps)-1].Size
	}
	var count int64
	t := db.treeRows(ctx, `SELECT `+auditColumns+`, ledger_hashes FROM audit_log WHERE leaf IS NOT NULL AND leaf < $1 ORDER BY leaf`, []any{size},
		func(rows *sql.Rows) (int64, []byte, []byte, error) {
			var e auditEntry
			var hashes []byte
			if err := rows.Scan(&e.id, &e.leaf, &e.at, &e.actor, &e.action, &e.objectType, &e.objectID, &e.detail, &hashes); err != nil {
				return 0, nil, nil, err
			}
			count++
			return e.leaf, auditCanonical(&e), hashes, nil
		})
	verr := ledger.VerifyAll(t.leaves, t.stored, cps...)
	if t.err != nil {
		return 0, t.err
	}
	var mm *ledger.Mismatch
	if errors.As(verr, &mm) {
		var id int64
		var action string
		err := db.queryRow(ctx, `SELECT id, action FROM audit_log WHERE leaf = $1`, mm.Index).Scan(&id, &action)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, credit.Errorf(credit.EINVALID, "审计日志校验失败：序号%d的审计记录缺失（%s）", mm.Index, mm.Reason)
		}
		if err != nil {
			return 0, err
		}
		return 0, credit.Errorf(credit.EINVALID, "审计日志校验失败：第一条异常审计记录为 审计ID %d（操作 %s，序号 %d）：%s", id, action, mm.Index, mm.Reason)
	}
	if verr != nil {
		return 0, verr
	}
	if count != size {
		return 0, credit.Errorf(credit.EINVALID, "审计日志条数不符：检查点为%d条，数据库中为%d条（有审计记录被删除）", size, count)
	}
	// Entries outside the tree: without a leaf (older ones not yet taken
	// in, or foreign), or with a leaf beyond every checkpoint. Entries the
	// platform appended since the checks above come with their checkpoint,
	// in the same transaction: one statement sees both or neither.
	var pending, foreign, beyond int64
	err = db.queryRow(ctx, `SELECT
		(SELECT COUNT(*) FROM audit_log WHERE leaf IS NULL AND id <= (SELECT legacy_max_id FROM audit_ledger_state WHERE id = 1)),
		(SELECT COUNT(*) FROM audit_log WHERE leaf IS NULL AND id > (SELECT legacy_max_id FROM audit_ledger_state WHERE id = 1)),
		(SELECT COUNT(*) FROM audit_log WHERE leaf >= (SELECT COALESCE(MAX(size), 0) FROM audit_checkpoints))`).Scan(&pending, &foreign, &beyond)
	if err != nil {
		return 0, err
	}
	switch {
	case foreign+beyond > 0:
		return 0, credit.Errorf(credit.EINVALID, "数据库中有%d条审计记录不在已签名的审计日志内（未经平台写入）", foreign+beyond)
	case pending > 0:
		return 0, credit.Errorf(credit.EINVALID, "有%d条升级前的审计记录尚未纳入审计日志账本，请先运行 credit migrate", pending)
	}
	// The newest checkpoint, which may have come after the checks above,
	// must be signed too.
	cp, err := db.LatestAuditCheckpoint(ctx)
	switch {
	case credit.ErrorCode(err) == credit.ENOTFOUND:
	case err != nil:
		return 0, credit.Errorf(credit.EINVALID, "审计日志最新检查点签名无效：%v", err)
	case cp.Origin != AuditOrigin:
		return 0, credit.Errorf(credit.EINVALID, "审计日志检查点的来源为“%s”，应为“%s”", cp.Origin, AuditOrigin)
	}
	return count, nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
