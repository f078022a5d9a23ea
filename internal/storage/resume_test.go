package storage_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"jlcredit/internal/credit"
	"jlcredit/internal/record"
	"jlcredit/internal/storage"
)

// resumeCSV returns 350 penalty rows of the fixture's company: one of them
// rejected (罚款 without an amount) and one a duplicate of an earlier row,
// so that an interrupted and resumed run must count all three kinds right.
func (f *fixture) resumeCSV(t *testing.T) []byte {
	t.Helper()
	var rows [][]string
	for i := range 348 {
		rows = append(rows, f.penaltyRow(fmtWSH(i), "警告", "", "2026-11-16"))
	}
	rows = append(rows, f.penaltyRow(fmtWSH(1000), "罚款", "", "2026-11-16"))
	rows = append(rows, f.penaltyRow(fmtWSH(7), "警告", "", "2026-11-16"))
	return csvBytes(t, penaltyHeader, rows...)
}

// interrupt submits body and cancels the submission's context once the
// first chunk of rows is written, as a stopped command or a stopping
// server does. It returns the batch, kept whole and partly processed.
func (f *fixture) interrupt(t *testing.T, name string, body []byte) credit.BatchID {
	t.Helper()
	ctx, cancel := context.WithCancel(sys())
	defer cancel()
	rec, err := f.db.Submit(ctx, record.Submission{Class: "penalty", DepartmentCode: f.dept.Code, Filename: name,
		Body: bytes.NewReader(body), Progress: func(int) { cancel() }})
	if credit.ErrorCode(err) != credit.EUNAVAILABLE || !strings.Contains(credit.ErrorMessage(err), "自动继续处理") {
		t.Fatalf("interrupted Submit: err = %v, want EUNAVAILABLE saying processing will continue", err)
	}
	// The message reaches console and API users: no operator's command.
	if strings.Contains(credit.ErrorMessage(err), "credit ") {
		t.Errorf("interrupted Submit tells the submitter to run a command: %v", err)
	}
	if rec == nil || rec.Batch == "" || rec.Total != 100 {
		t.Fatalf("interrupted Submit: receipt %+v, want the batch and its first 100 rows", rec)
	}
	return rec.Batch
}

func batchState(t *testing.T, f *fixture, id credit.BatchID) (status string, processed int, leased bool) {
	t.Helper()
	var until *time.Time
	if err := f.db.SQL().QueryRow(f.db.Rebind(`SELECT status, processed_rows, lease_until FROM batches WHERE id = $1`), string(id)).Scan(&status, &processed, &until); err != nil {
		t.Fatal(err)
	}
	return status, processed, until != nil
}

func countRecords(t *testing.T, f *fixture) int {
	t.Helper()
	var n int
	if err := f.db.SQL().QueryRow(`SELECT COUNT(*) FROM records`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestBatchResume: a batch whose processing stopped half-way is kept,
// released, and finished by ResumeBatches with the receipt of an
// uninterrupted run; nothing is written twice.
func TestBatchResume(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newFixture(t, open)
		storage.SetFlushRows(t, 100)
		id := f.interrupt(t, "resume.csv", f.resumeCSV(t))

		status, processed, leased := batchState(t, f, id)
		// processed_rows is the row number of the last row written; the
		// header is row 1.
		if status != "processing" || processed != 101 || leased {
			t.Fatalf("after the interruption: status %q, last row %d, leased %v; want processing, 101, released", status, processed, leased)
		}
		if n := countRecords(t, f); n != 100 {
			t.Fatalf("%d records after the interruption, want 100", n)
		}

		n, err := f.db.ResumeBatches(sys())
		if err != nil || n != 1 {
			t.Fatalf("ResumeBatches = %d, %v; want 1", n, err)
		}
		b, err := f.db.FindBatchByID(sys(), id)
		if err != nil {
			t.Fatal(err)
		}
		want := record.Receipt{Batch: id, Total: 350, Accepted: 348, Rejected: 1, Duplicates: 1}
		if b.Status != "done" || b.Receipt != want {
			t.Errorf("resumed batch: status %q, receipt %+v; want done, %+v", b.Status, b.Receipt, want)
		}
		if n := countRecords(t, f); n != 348 {
			t.Errorf("%d records after resuming, want 348", n)
		}
		if _, _, leased := batchState(t, f, id); leased {
			t.Error("a finished batch still holds its lease")
		}
		if n, err := f.db.ResumeBatches(sys()); err != nil || n != 0 {
			t.Errorf("second ResumeBatches = %d, %v; want 0", n, err)
		}
		if errs, total, err := f.db.FindBatchErrors(sys(), id, 0, 10); err != nil || total != 1 || len(errs) != 1 || errs[0].Row != 350 {
			t.Errorf("row errors = %+v (%d), %v; want row 350 only", errs, total, err)
		}
		if rep, err := f.db.VerifyLedger(sys()); err != nil || rep.Records != 348 {
			t.Errorf("ledger after resuming: %+v, %v; want 348 records verified", rep, err)
		}
	})
}

// TestBatchLease: a batch another process is processing (its lease not yet
// expired) is neither resumed nor processed again; once the lease has
// expired (the process died), it is.
func TestBatchLease(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newFixture(t, open)
		storage.SetFlushRows(t, 100)
		id := f.interrupt(t, "lease.csv", f.resumeCSV(t))
		storage.SetBatchLease(t, f.db, string(id), "another-process", f.db.Now().Add(time.Minute))
		if n, err := f.db.ResumeBatches(sys()); err != nil || n != 0 {
			t.Fatalf("ResumeBatches under another's lease = %d, %v; want 0", n, err)
		}
		if _, err := f.db.ProcessBatch(sys(), id); credit.ErrorCode(err) != credit.ECONFLICT {
			t.Fatalf("ProcessBatch under another's lease: err = %v, want ECONFLICT", err)
		}
		if n := countRecords(t, f); n != 100 {
			t.Fatalf("%d records, want the 100 of the first chunk", n)
		}
		storage.SetBatchLease(t, f.db, string(id), "another-process", f.db.Now().Add(-time.Second))
		if n, err := f.db.ResumeBatches(sys()); err != nil || n != 1 {
			t.Fatalf("ResumeBatches after the lease expired = %d, %v; want 1", n, err)
		}
		if status, processed, _ := batchState(t, f, id); status != "done" || processed != 351 {
			t.Errorf("status %q, last row %d; want done, 351", status, processed)
		}
	})
}

// TestBatchInterruptedByClose: closing the database while a batch is
// processed stops it after the chunk being written and releases it, so
// that the next process resumes it at once.
func TestBatchInterruptedByClose(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newFixture(t, open)
		storage.SetFlushRows(t, 100)
		first := make(chan struct{})
		done := make(chan error, 1)
		var rec *record.Receipt
		body := f.resumeCSV(t)
		go func() {
			var err error
			once := false
			rec, err = f.db.Submit(sys(), record.Submission{Class: "penalty", DepartmentCode: f.dept.Code, Filename: "close.csv",
				Body: bytes.NewReader(body), Progress: func(int) {
					if !once {
						once = true
						close(first)
						<-storage.Closing(f.db) // the next chunk is written after Close began
					}
				}})
			done <- err
		}()
		<-first
		dsn := storage.DSN(f.db)
		if err := f.db.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		err := <-done
		if credit.ErrorCode(err) != credit.EUNAVAILABLE {
			t.Fatalf("Submit while closing: err = %v, want EUNAVAILABLE", err)
		}
		db := mustOpen(t, dsn)
		db.Secrets = f.db.Secrets // the raw chunks are sealed with the first process's keys
		var status string
		var until *time.Time
		if err := db.SQL().QueryRow(db.Rebind(`SELECT status, lease_until FROM batches WHERE id = $1`), string(rec.Batch)).Scan(&status, &until); err != nil {
			t.Fatal(err)
		}
		if status != "processing" || until != nil {
			t.Fatalf("after Close: status %q, lease %v; want processing, released", status, until)
		}
		if n, err := db.ResumeBatches(sys()); err != nil || n != 1 {
			t.Fatalf("ResumeBatches after reopening = %d, %v; want 1", n, err)
		}
		b, err := db.FindBatchByID(sys(), rec.Batch)
		if err != nil {
			t.Fatal(err)
		}
		if want := (record.Receipt{Batch: rec.Batch, Total: 350, Accepted: 348, Rejected: 1, Duplicates: 1}); b.Receipt != want {
			t.Errorf("receipt %+v, want %+v", b.Receipt, want)
		}
	})
}

// cancelAfter is a body that cancels the upload's context once n bytes
// were read, as Ctrl-C during a long upload does.
type cancelAfter struct {
	r      io.Reader
	n      int
	cancel context.CancelFunc
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	k, err := c.r.Read(p)
	if c.n -= k; c.n <= 0 {
		c.cancel()
	}
	return k, err
}

// TestUploadInterrupted: an upload stopped before the file was stored whole
// leaves nothing behind and says so (not an internal error).
func TestUploadInterrupted(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newFixture(t, open)
		ctx, cancel := context.WithCancel(sys())
		defer cancel()
		body := &cancelAfter{r: bytes.NewReader(f.bigCSV(t)), n: 1 << 20, cancel: cancel}
		_, err := f.db.Submit(ctx, record.Submission{Class: "penalty", DepartmentCode: f.dept.Code, Filename: "cut.csv", Body: body})
		if credit.ErrorCode(err) != credit.EUNAVAILABLE || !strings.Contains(credit.ErrorMessage(err), "文件未保存") {
			t.Fatalf("interrupted upload: err = %v, want EUNAVAILABLE saying nothing was stored", err)
		}
		var batches, chunks int
		if err := f.db.SQL().QueryRow(`SELECT (SELECT COUNT(*) FROM batches), (SELECT COUNT(*) FROM batch_chunks)`).Scan(&batches, &chunks); err != nil {
			t.Fatal(err)
		}
		if batches != 0 || chunks != 0 {
			t.Errorf("%d batches and %d chunks left behind", batches, chunks)
		}
	})
}

// TestBatchResumeAfterFault: a chunk whose write fails for a reason that is
// not the file's (the database went away) leaves the batch to be resumed a
// little later, not failed half imported; it then finishes with the receipt
// of an uninterrupted run. A batch that fails every time it is resumed is
// given up after maxResumes, with a message, its file kept.
func TestBatchResumeAfterFault(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newFixture(t, open)
		storage.SetFlushRows(t, 100)
		now := f.db.Now()
		f.db.Now = func() time.Time { return now }
		broken := true
		storage.SetFlushFault(t, func(last int) error {
			if broken && last > 101 {
				return errors.New("driver: bad connection")
			}
			return nil
		})
		rec, err := f.db.Submit(sys(), record.Submission{Class: "penalty", DepartmentCode: f.dept.Code, Filename: "fault.csv", Body: bytes.NewReader(f.resumeCSV(t))})
		if credit.ErrorCode(err) != credit.EUNAVAILABLE || !strings.Contains(credit.ErrorMessage(err), "自动继续处理") || rec == nil || rec.Total != 100 {
			t.Fatalf("Submit with a failing database: %+v, %v; want EUNAVAILABLE after 100 rows, saying processing will continue", rec, err)
		}
		id := rec.Batch
		if status, processed, leased := batchState(t, f, id); status != "processing" || processed != 101 || !leased {
			t.Fatalf("after the fault: status %q, last row %d, leased %v; want processing, 101, deferred", status, processed, leased)
		}
		if n, err := f.db.ResumeBatches(sys()); err != nil || n != 0 {
			t.Fatalf("ResumeBatches at once = %d, %v; want 0 (it waits a moment)", n, err)
		}
		if held, err := f.db.HeldBatches(sys()); err != nil || len(held) != 1 || held[0].ID != id || held[0].ProcessedRows != 101 || !held[0].LeaseUntil.After(now) {
			t.Fatalf("HeldBatches = %+v, %v; want the deferred batch at row 101", held, err)
		}
		broken = false
		now = now.Add(2 * time.Minute)
		if n, err := f.db.ResumeBatches(sys()); err != nil || n != 1 {
			t.Fatalf("ResumeBatches later = %d, %v; want 1", n, err)
		}
		b, err := f.db.FindBatchByID(sys(), id)
		if want := (record.Receipt{Batch: id, Total: 350, Accepted: 348, Rejected: 1, Duplicates: 1}); err != nil || b.Status != "done" || b.Receipt != want {
			t.Fatalf("resumed batch: %+v, %v; want done, %+v", b, err, want)
		}

		// Failing for good.
		storage.SetMaxResumes(t, 2)
		storage.SetFlushFault(t, func(int) error { return errors.New("driver: bad connection") })
		rec, err = f.db.Submit(sys(), record.Submission{Class: "penalty", DepartmentCode: f.dept.Code, Filename: "always.csv",
			Body: bytes.NewReader(csvBytes(t, penaltyHeader, f.penaltyRow("长市监罚〔2026〕1号", "警告", "", "2026-11-16"), f.penaltyRow("长市监罚〔2026〕2号", "警告", "", "2026-11-16")))})
		if credit.ErrorCode(err) != credit.EUNAVAILABLE {
			t.Fatalf("Submit: %v, want EUNAVAILABLE", err)
		}
		for range 3 {
			now = now.Add(2 * time.Minute)
			if _, err := f.db.ResumeBatches(sys()); err != nil {
				t.Fatal(err)
			}
		}
		b, err = f.db.FindBatchByID(sys(), rec.Batch)
		if err != nil || b.Status != "failed" || !strings.Contains(b.Error, "已停止自动处理") {
			t.Errorf("a batch failing every time: %+v, %v; want failed, saying it was given up", b, err)
		}
		if _, err := f.db.VerifyLedger(sys()); err != nil {
			t.Error(err)
		}
	})
}

// TestDeferWhileDatabaseDown: a batch stopped because the database went
// away is deferred once the database answers again, a few seconds later,
// not when its lease runs out minutes later (the sender was told about a
// minute).
func TestDeferWhileDatabaseDown(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newFixture(t, open)
		storage.SetFlushRows(t, 100)
		var mu sync.Mutex
		down := 2 // the first two deferrals fail: the database is still down
		storage.SetDeferFault(t, func() error {
			mu.Lock()
			defer mu.Unlock()
			if down > 0 {
				down--
				return errors.New("driver: bad connection")
			}
			return nil
		}, 10*time.Millisecond)
		storage.SetFlushFault(t, func(last int) error {
			if last > 101 {
				return errors.New("driver: bad connection")
			}
			return nil
		})
		rec, err := f.db.Submit(sys(), record.Submission{Class: "penalty", DepartmentCode: f.dept.Code, Filename: "down.csv", Body: bytes.NewReader(f.resumeCSV(t))})
		if credit.ErrorCode(err) != credit.EUNAVAILABLE || rec == nil {
			t.Fatalf("Submit with a failing database: %+v, %v", rec, err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			var owner string
			var until time.Time
			if err := f.db.SQL().QueryRow(f.db.Rebind(`SELECT lease_owner, lease_until FROM batches WHERE id = $1`), string(rec.Batch)).Scan(&owner, &until); err != nil {
				t.Fatal(err)
			}
			if owner == "" {
				if left := time.Until(until); left > 2*time.Minute {
					t.Errorf("deferred until %s (%s from now), want about a minute", until, left)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the batch is still held by %q until %s: not deferred once the database answered", owner, until)
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}
