package storage

import (
	"context"
	"strings"
	"sync"
	"testing"
)

// walFrames runs a PASSIVE checkpoint and returns the frames in the WAL.
func walFrames(t *testing.T, db *DB) int {
	t.Helper()
	var busy, frames, done int
	if err := db.ckpt.QueryRow(`PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &done); err != nil {
		t.Fatal(err)
	}
	return frames
}

// TestRestartWAL checks that restartWAL starts the WAL over while another
// goroutine keeps writing, and that no write is lost or fails.
func TestRestartWAL(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, "sqlite:"+t.TempDir()+"/credit.db", Options{EphemeralKeys: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.write.Exec(`CREATE TABLE scratch (id INTEGER PRIMARY KEY, body TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	body := strings.Repeat("信用", 1000)
	insert := func() error {
		_, err := db.write.Exec(`INSERT INTO scratch (body) VALUES (?)`, body)
		return err
	}
	for range 300 {
		if err := insert(); err != nil {
			t.Fatal(err)
		}
	}
	if n := walFrames(t, db); n < 300 {
		t.Fatalf("WAL holds %d frames after 300 commits, want at least 300", n)
	}

	// Restart while a writer goes on: the writer waits, nothing fails.
	var wg sync.WaitGroup
	stop := make(chan struct{})
	writes, werr := 0, error(nil)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if werr = insert(); werr != nil {
				return
			}
			writes++
		}
	}()
	if err := db.restartWAL(); err != nil {
		t.Fatalf("restartWAL: %v", err)
	}
	close(stop)
	wg.Wait()
	if werr != nil {
		t.Fatalf("concurrent write: %v", werr)
	}
	// Once the writers are done, a restart leaves an empty WAL that the
	// next commit fills from its start.
	if err := db.restartWAL(); err != nil {
		t.Fatalf("restartWAL: %v", err)
	}
	if err := insert(); err != nil {
		t.Fatal(err)
	}
	if n := walFrames(t, db); n > 10 {
		t.Errorf("WAL holds %d frames after a restart and one commit, want a few", n)
	}
	var rows int
	if err := db.sql.QueryRow(`SELECT COUNT(*) FROM scratch`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if want := 300 + writes + 1; rows != want {
		t.Errorf("%d rows, want %d", rows, want)
	}
	if err := fsyncFile(t.TempDir() + "/missing.db"); err != nil {
		t.Errorf("fsync of a missing file: %v, want nil (no WAL yet)", err)
	}
}
