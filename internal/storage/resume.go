package storage

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"jlcredit/internal/credit"
	"jlcredit/internal/record"
)

// A stored batch is processed under a lease: the process that stores it
// holds it from the moment the batch is stored, and renews it with every
// chunk of rows it writes (in the chunk's transaction, which fails when the
// lease is no longer its own). Processing that stops half way (the command
// was stopped, the server shut down, the process died) leaves the batch
// stored whole with processed_rows counting what was written; the lease is
// released when the process can, or expires. ResumeBatches then finishes
// the batch from processed_rows: a row is never written twice, and the
// receipt is that of an uninterrupted run.

// leaseTTL is how long a lease holds without renewal. A chunk is written
// in about a second; a process that renews nothing for this long has died.
var leaseTTL = 5 * time.Minute

// errLeaseLost stops processing when another process took the batch over
// (this one renewed nothing for leaseTTL).
var errLeaseLost = credit.Errorf(credit.ECONFLICT, "批次已由其他进程接手处理")

// newLease returns a fresh lease owner token.
func newLease() string {
	b := make([]byte, 16)
	rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// claimBatch takes the lease of a stored or partly processed batch that no
// other process holds. It returns the lease, or ECONFLICT when another
// process holds it or the batch is not waiting to be processed.
func (db *DB) claimBatch(ctx context.Context, id credit.BatchID) (string, error) {
	lease := newLease()
	var claimed int64
	err := db.transact(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE batches SET lease_owner = $1, lease_until = $2
			WHERE id = $3 AND status IN ('stored', 'processing') AND (lease_until IS NULL OR lease_until < $4)`,
			lease, tx.now.Add(leaseTTL), string(id), tx.now)
		if err != nil {
			return err
		}
		claimed, _ = res.RowsAffected()
		return nil
	})
	if err != nil {
		return "", err
	}
	if claimed == 0 {
		return "", credit.Errorf(credit.ECONFLICT, "批次%s正在由其他进程处理，或不在待处理状态", id)
	}
	return lease, nil
}

// releaseBatch gives up the lease of a batch whose processing stopped, so
// that it is resumed at once rather than when the lease expires. It runs
// even when ctx is cancelled (that is usually why processing stopped).
func (db *DB) releaseBatch(ctx context.Context, id credit.BatchID, lease string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	err := db.transact(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `UPDATE batches SET lease_owner = '', lease_until = NULL WHERE id = $1 AND lease_owner = $2`, string(id), lease)
		return err
	})
	if err != nil {
		db.logger.Warn("释放中断批次的租约失败，该批次将在租约到期后继续处理", slog.String("batch", string(id)), slog.Any("error", err))
	}
}

// retryDelay is how long a batch whose processing failed on an internal
// error waits before it is resumed; maxResumes is how many times it is
// resumed before it is given up as failed.
var (
	retryDelay = time.Minute
	maxResumes = 20
)

// deferBatch gives up the lease of a batch whose processing failed on an
// internal error, to be resumed after delay (not at once: the cause, a
// database restarting, usually takes a moment to pass). The database that
// failed the batch is often still down when this runs: then it is tried
// again in the background, every few seconds, until it succeeds or the
// lease has run out anyway — otherwise the batch waited for its whole
// lease (5 minutes and more) while its sender was told about a minute.
func (db *DB) deferBatch(ctx context.Context, id credit.BatchID, lease string, delay time.Duration) {
	err := db.tryDeferBatch(ctx, id, lease, delay)
	if err == nil {
		return
	}
	db.logger.Warn("延后处理失败的批次时出错，正在后台重试", slog.String("batch", string(id)), slog.Any("error", err))
	if !db.enter() {
		return
	}
	go func() {
		defer db.busy.Done()
		start := time.Now()
		for wait := deferRetry; time.Since(start) < leaseTTL; wait = min(2*wait, 30*time.Second) {
			select {
			case <-db.life.Done():
				return
			case <-time.After(wait):
			}
			if err := db.tryDeferBatch(db.life, id, lease, delay); err == nil {
				return
			}
		}
		db.logger.Warn("延后处理失败的批次未成功，已停止重试；该批次将在租约到期后继续处理", slog.String("batch", string(id)))
	}()
}

// deferRetry is the first wait before deferBatch tries again.
var deferRetry = 2 * time.Second

// deferFault, set by tests only, fails tryDeferBatch when it returns an
// error.
var deferFault func() error

// tryDeferBatch sets the batch's lease to end after delay, once.
func (db *DB) tryDeferBatch(ctx context.Context, id credit.BatchID, lease string, delay time.Duration) error {
	if deferFault != nil {
		if err := deferFault(); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	return db.transact(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `UPDATE batches SET lease_owner = '', lease_until = $1 WHERE id = $2 AND lease_owner = $3`, tx.now.Add(delay), string(id), lease)
		return err
	})
}

// paused is the error of a batch whose processing stopped on an internal
// error and will be resumed. Its words are for whoever submitted the batch
// (console, API, command line); the command line adds the operator's own
// command (credit batch resume).
func paused(id credit.BatchID, receipt *record.Receipt, cause error) error {
	done := 0
	if receipt != nil {
		done = receipt.Total
	}
	why := "系统故障"
	if credit.ErrorCode(cause) == credit.EUNAVAILABLE {
		why = credit.ErrorMessage(cause) // e.g. a read-only database file: the operator's to fix
	}
	return credit.Errorf(credit.EUNAVAILABLE, "批次%s的处理已中断（已处理%d行），原因：%s。文件已完整保存，平台会在约一分钟后自动继续处理；处理结果可按批次号查询，无须重新报送。", id, done, why)
}

// interrupted is the error of a batch whose processing stopped because its
// context was cancelled: the caller went away or the database is closing.
func interrupted(id credit.BatchID, receipt *record.Receipt) error {
	done := 0
	if receipt != nil {
		done = receipt.Total
	}
	return credit.Errorf(credit.EUNAVAILABLE, "批次%s的处理已中断（已处理%d行）。文件已完整保存，平台会自动继续处理；处理结果可按批次号查询，无须重新报送。", id, done)
}

// ResumeBatches finishes the batches whose processing stopped half way and
// that no process holds any more, oldest first, each from the row where it
// stopped. A batch another process takes meanwhile is skipped. It returns
// how many batches it finished.
func (db *DB) ResumeBatches(ctx context.Context) (int, error) {
	var ids []string
	err := scanAll(db.rows(ctx, `SELECT id FROM batches WHERE status IN ('stored', 'processing') AND (lease_until IS NULL OR lease_until < $1) ORDER BY created_at, id`,
		db.Now().UTC().Truncate(time.Microsecond)), func(rows *sql.Rows) error {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		ids = append(ids, id)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("storage.ResumeBatches: %w", err)
	}
	n := 0
	for _, id := range ids {
		lease, err := db.claimBatch(ctx, credit.BatchID(id))
		if credit.ErrorCode(err) == credit.ECONFLICT {
			continue // taken meanwhile
		}
		if err != nil {
			return n, fmt.Errorf("storage.ResumeBatches: %w", err)
		}
		var resumed int
		if err := db.queryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'batch.resume' AND object_type = 'batch' AND object_id = $1`, id).Scan(&resumed); err != nil {
			db.releaseBatch(ctx, credit.BatchID(id), lease)
			return n, fmt.Errorf("storage.ResumeBatches: %w", err)
		}
		if resumed >= maxResumes {
			// Taken up again and again without finishing: not something
			// passing. It needs an operator; the file stays stored.
			msg := fmt.Sprintf("批次已%d次继续处理仍未完成，已停止自动处理，请联系平台运维人员查看系统日志；文件已完整保存", resumed)
			if err := db.finishBatch(ctx, credit.BatchID(id), lease, "failed", msg, nil); err != nil {
				return n, fmt.Errorf("storage.ResumeBatches: %w", err)
			}
			db.logger.Error("批次多次继续处理仍未完成，已停止自动处理", slog.String("batch", id), slog.Int("resumes", resumed))
			continue
		}
		db.logger.Info("继续处理中断的批次", slog.String("batch", id))
		if err := db.auditBatch(ctx, "batch.resume", credit.BatchID(id), nil); err != nil {
			db.releaseBatch(ctx, credit.BatchID(id), lease)
			return n, fmt.Errorf("storage.ResumeBatches: %w", err)
		}
		if _, err := db.processBatch(ctx, credit.BatchID(id), lease, nil); err != nil {
			if ctx.Err() != nil || db.life.Err() != nil {
				return n, err // stopping
			}
			// The batch failed (its status says why), stopped on an
			// internal error (it is resumed later) or was taken over: go
			// on with the others.
			db.logger.Warn("继续处理的批次未能完成", slog.String("batch", id), slog.Any("error", err))
			continue
		}
		n++
	}
	return n, nil
}

// HeldBatch is a batch waiting to be processed that a lease holds: another
// process is processing it, or the process that was has died (the lease
// then expires), or it waits to be retried after an internal error.
type HeldBatch struct {
	ID            credit.BatchID
	ProcessedRows int // the last row written; the header is row 1
	LeaseUntil    time.Time
}

// HeldBatches returns the batches that ResumeBatches leaves alone now
// because a lease holds them, oldest first.
func (db *DB) HeldBatches(ctx context.Context) ([]HeldBatch, error) {
	var out []HeldBatch
	err := scanAll(db.rows(ctx, `SELECT id, processed_rows, lease_until FROM batches WHERE status IN ('stored', 'processing') AND lease_until >= $1 ORDER BY created_at, id`,
		db.Now().UTC().Truncate(time.Microsecond)), func(rows *sql.Rows) error {
		var h HeldBatch
		var id string
		if err := rows.Scan(&id, &h.ProcessedRows, &h.LeaseUntil); err != nil {
			return err
		}
		h.ID = credit.BatchID(id)
		out = append(out, h)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("storage.HeldBatches: %w", err)
	}
	return out, nil
}

// auditBatch appends one audit entry about a batch.
func (db *DB) auditBatch(ctx context.Context, action string, id credit.BatchID, detail any) error {
	return db.transact(ctx, func(tx *Tx) error {
		return tx.audit(ctx, action, "batch", string(id), detail)
	})
}

// isCancelled reports whether err comes from a cancelled or expired context.
func isCancelled(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
