package storage

// Races between an upload that is slow but alive and the removal of
// abandoned uploads (RemoveAbandonedUploads), each interleaving made
// deterministic with the hooks of batch.go, on both databases.

import (
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"jlcredit/internal/access"
	"jlcredit/internal/credit"
	"jlcredit/internal/record"
	"jlcredit/internal/subject/subjecttest"
)

// hookDepartment registers a department and returns it.
func hookDepartment(t *testing.T, db *DB, prefix16, name string) *access.Department {
	t.Helper()
	d := &access.Department{Code: subjecttest.USCC(t, prefix16), Name: name, RegionCode: "220100", Kind: "market"}
	if err := db.UpsertDepartment(hookSys(), d); err != nil {
		t.Fatalf("UpsertDepartment: %v", err)
	}
	return d
}

// slowUpload is a batch upload of two chunks, a full one and a short
// last one, as a slow sender makes it.
type slowUpload struct {
	body   []byte
	stored chan credit.BatchID // the id, once stored (Submission.Stored)
	done   chan error          // Submit's error, once it returns
}

func startSlowUpload(t *testing.T, db *DB, dep *access.Department) *slowUpload {
	t.Helper()
	u := &slowUpload{
		body:   append(bytes.Repeat([]byte("x"), chunkSize), bytes.Repeat([]byte("y"), 1000)...),
		stored: make(chan credit.BatchID, 1),
		done:   make(chan error, 1),
	}
	go func() {
		_, err := db.Submit(hookSys(), record.Submission{Class: "penalty", DepartmentCode: dep.Code, Filename: "slow.csv", Body: bytes.NewReader(u.body),
			Stored: func(id credit.BatchID) { u.stored <- id }})
		u.done <- err
	}()
	return u
}

// wait returns Submit's error; it fails the test after a minute.
func (u *slowUpload) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-u.done:
		return err
	case <-time.After(time.Minute):
		t.Fatal("Submit did not return within a minute")
		return nil
	}
}

// uploadState is what the database holds of batch id.
type uploadState struct {
	status      string // "" when the row is gone
	chunks      int
	storeAudits int
}

func uploadStateOf(t *testing.T, db *DB, id credit.BatchID) uploadState {
	t.Helper()
	var s uploadState
	if err := db.sql.QueryRow(db.rebind(`SELECT status FROM batches WHERE id = $1`), string(id)).Scan(&s.status); err != nil && !errors.Is(err, sql.ErrNoRows) {
		t.Fatal(err)
	}
	if err := db.sql.QueryRow(db.rebind(`SELECT COUNT(*) FROM batch_chunks WHERE batch_id = $1`), string(id)).Scan(&s.chunks); err != nil {
		t.Fatal(err)
	}
	if err := db.sql.QueryRow(db.rebind(`SELECT COUNT(*) FROM audit_log WHERE action = 'batch.store' AND object_id = $1`), string(id)).Scan(&s.storeAudits); err != nil {
		t.Fatal(err)
	}
	return s
}

// hookLedgerIntact runs credit ledger verify's check.
func hookLedgerIntact(t *testing.T, db *DB) {
	t.Helper()
	if _, err := db.VerifyLedger(hookSys()); err != nil {
		t.Errorf("VerifyLedger: %v", err)
	}
}

// wantUploadRemoved checks the outcome of an upload whose batch was
// removed as abandoned before it was stored: the sender is told to send
// the file again, and nothing of it is left.
func wantUploadRemoved(t *testing.T, db *DB, id credit.BatchID, err error) {
	t.Helper()
	if credit.ErrorCode(err) != credit.ECONFLICT || !strings.Contains(credit.ErrorMessage(err), "请重新报送") {
		t.Errorf("Submit = %v (%s), want ECONFLICT telling the sender to send the file again", err, credit.ErrorCode(err))
	}
	if s := uploadStateOf(t, db, id); s != (uploadState{}) {
		t.Errorf("batch %s after its removal: %+v, want no row, chunk or batch.store entry", id, s)
	}
	hookLedgerIntact(t, db)
}

// TestUploadFinishedBeforeRemoval: the removal picks an upload whose lease
// ran out, and the upload stores its last chunk and is marked stored before
// the removal's transaction: the removal leaves it alone.
func TestUploadFinishedBeforeRemoval(t *testing.T) {
	eachDialect(t, func(t *testing.T, db *DB, clock *testClock) {
		dep := hookDepartment(t, db, "11220100MB000001", "长春市市场监督管理局")
		picked, proceed := make(chan struct{}), make(chan struct{})
		removed := make(chan error, 1)
		setTestHook(t, &beforeChunkWrite, func(id credit.BatchID, seq int) {
			if seq != 1 {
				return
			}
			// Chunk 0 is in; eleven minutes without a chunk: the lease
			// ran out, the sender is slow but alive.
			clock.add(11 * time.Minute)
			go func() {
				n, err := db.RemoveAbandonedUploads(hookSys(), clock.now().Add(-24*time.Hour))
				if err == nil && n != 0 {
					err = fmt.Errorf("removed %d uploads, want 0", n)
				}
				removed <- err
			}()
			<-picked
		})
		setTestHook(t, &beforeAbandonedRemoval, func(id string) {
			close(picked)
			<-proceed
		})
		u := startSlowUpload(t, db, dep)
		id := <-u.stored
		close(proceed)
		if err := <-removed; err != nil {
			t.Errorf("RemoveAbandonedUploads: %v", err)
		}
		u.wait(t) // processing a file of x's fails: not what is tested
		if s := uploadStateOf(t, db, id); s.status == "" || s.status == "receiving" || s.chunks != 2 || s.storeAudits != 1 {
			t.Errorf("batch %s stored before its removal: %+v, want stored with 2 chunks and its batch.store entry", id, s)
		}
		raw, err := db.OpenBatchRaw(hookSys(), id)
		if err != nil {
			t.Fatal(err)
		}
		if b, err := io.ReadAll(raw); err != nil || !bytes.Equal(b, u.body) {
			t.Errorf("stored file: %d bytes, %v; want the %d bytes sent", len(b), err, len(u.body))
		}
		hookLedgerIntact(t, db)
	})
}

// TestUploadRemovedBeforeStored: the upload's last chunk is in, and the
// removal of abandoned uploads removes it before it is marked stored: the
// upload fails, and no batch.store entry names a batch that is gone.
func TestUploadRemovedBeforeStored(t *testing.T) {
	eachDialect(t, func(t *testing.T, db *DB, clock *testClock) {
		dep := hookDepartment(t, db, "11220100MB000001", "长春市市场监督管理局")
		setTestHook(t, &beforeStoredWrite, func(id credit.BatchID) {
			clock.add(11 * time.Minute)
			if n, err := db.RemoveAbandonedUploads(hookSys(), clock.now().Add(-24*time.Hour)); err != nil || n != 1 {
				t.Errorf("RemoveAbandonedUploads = %d, %v; want 1 removed", n, err)
			}
		})
		var id credit.BatchID
		setTestHook(t, &beforeAbandonedRemoval, func(b string) { id = credit.BatchID(b) })
		u := startSlowUpload(t, db, dep)
		err := u.wait(t)
		select {
		case <-u.stored:
			t.Error("the sender was told the file was stored")
		default:
		}
		wantUploadRemoved(t, db, id, err)
	})
}

// TestUploadRemovedBetweenChunks: the removal of abandoned uploads removes
// the upload after its first chunk; its next chunk finds it gone.
func TestUploadRemovedBetweenChunks(t *testing.T) {
	eachDialect(t, func(t *testing.T, db *DB, clock *testClock) {
		dep := hookDepartment(t, db, "11220100MB000001", "长春市市场监督管理局")
		var id credit.BatchID
		setTestHook(t, &beforeChunkWrite, func(b credit.BatchID, seq int) {
			if seq != 1 {
				return
			}
			id = b
			clock.add(11 * time.Minute)
			if n, err := db.RemoveAbandonedUploads(hookSys(), clock.now().Add(-24*time.Hour)); err != nil || n != 1 {
				t.Errorf("RemoveAbandonedUploads = %d, %v; want 1 removed", n, err)
			}
		})
		u := startSlowUpload(t, db, dep)
		wantUploadRemoved(t, db, id, u.wait(t))
	})
}

// TestUploadChunkDuringRemoval: the upload's next chunk comes while the
// removal's transaction is under way (its chunks deleted, its row not
// yet): the chunk waits for the removal and then finds the upload gone;
// the removal succeeds (on PostgreSQL it failed on the foreign key of the
// chunk written meanwhile, and the batch was then stored without its
// first chunk).
func TestUploadChunkDuringRemoval(t *testing.T) {
	eachDialect(t, func(t *testing.T, db *DB, clock *testClock) {
		dep := hookDepartment(t, db, "11220100MB000001", "长春市市场监督管理局")
		var id credit.BatchID
		inRemoval, chunkSent := make(chan struct{}), make(chan struct{})
		chunksWritten := make(chan struct{})
		removed := make(chan error, 1)
		var waitsBefore int64
		setTestHook(t, &beforeChunkWrite, func(b credit.BatchID, seq int) {
			if seq != 1 {
				return
			}
			id = b
			clock.add(11 * time.Minute)
			go func() {
				n, err := db.RemoveAbandonedUploads(hookSys(), clock.now().Add(-24*time.Hour))
				if err == nil && n != 1 {
					err = fmt.Errorf("removed %d uploads, want 1", n)
				}
				removed <- err
			}()
			<-inRemoval
			waitsBefore = db.write.Stats().WaitCount
			close(chunkSent)
		})
		setTestHook(t, &duringAbandonedRemoval, func(string) {
			close(inRemoval)
			<-chunkSent
			// The chunk's write waits for the removal, or (unlocked) is
			// written before it.
			hookWaitForWriter(t, db, waitsBefore, chunksWritten)
		})
		setTestHook(t, &beforeStoredWrite, func(credit.BatchID) { close(chunksWritten) })
		u := startSlowUpload(t, db, dep)
		err := u.wait(t)
		if rerr := <-removed; rerr != nil {
			t.Errorf("RemoveAbandonedUploads: %v", rerr)
		}
		wantUploadRemoved(t, db, id, err)
	})
}
