package storage

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
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

// sqliteLocks counts the POSIX locks this process holds on a file, from
// /proc/locks (Linux).
func sqliteLocks(t *testing.T, path string) int {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	ino := strconv.FormatUint(st.Sys().(*syscall.Stat_t).Ino, 10)
	b, err := os.ReadFile("/proc/locks")
	if err != nil {
		t.Fatalf("this test needs /proc/locks (Linux): %v", err)
	}
	pid, n := strconv.Itoa(os.Getpid()), 0
	for _, line := range strings.Split(string(b), "\n") {
		// 1: POSIX  ADVISORY  READ 4242 fd:01:1234567 128 128
		f := strings.Fields(line)
		if len(f) >= 6 && f[1] == "POSIX" && f[4] == pid && strings.HasSuffix(f[5], ":"+ino) {
			n++
		}
	}
	return n
}

// TestSyncKeepsLocks checks that the checkpoint loop's fsync of the
// database file leaves SQLite's locks in place. They are POSIX locks,
// owned by the process: closing any descriptor of the file drops them
// all, and then another process that opens and closes the database takes
// itself for the last one, deletes the WAL under the running server, and
// the database is corrupt ("database disk image is malformed").
func TestSyncKeepsLocks(t *testing.T) {
	ctx := context.Background()
	path := t.TempDir() + "/credit.db"
	db, err := Open(ctx, "sqlite:"+path, Options{EphemeralKeys: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.write.Exec(`CREATE TABLE scratch (id INTEGER PRIMARY KEY, body TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	insert := func() {
		t.Helper()
		if _, err := db.write.Exec(`INSERT INTO scratch (body) VALUES (?)`, strings.Repeat("信用", 500)); err != nil {
			t.Fatal(err)
		}
	}
	for range 50 {
		insert()
	}
	before := sqliteLocks(t, path)
	if before == 0 {
		t.Fatal("SQLite holds no lock on an open WAL database; this test cannot tell a dropped lock")
	}
	for range 3 { // the loop's work: checkpoint, then fsync
		walFrames(t, db)
		if err := db.syncDatabase(); err != nil {
			t.Fatal(err)
		}
		insert()
	}
	if after := sqliteLocks(t, path); after != before {
		t.Fatalf("%d locks on the database after the checkpoint loop's fsync, want the %d held before", after, before)
	}

	// Another process opens, reads and closes the database; the WAL must
	// survive it, and so must the data.
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "CREDIT_TEST_SQLITE_PEEK="+path)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the other process: %v\n%s", err, out)
	}
	if _, err := os.Stat(path + "-wal"); err != nil {
		t.Fatalf("the WAL of the open database is gone after another process closed it: %v", err)
	}
	for range 50 {
		insert()
	}
	walFrames(t, db)
	var check string
	if err := db.sql.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check = %q, %v", check, err)
	}
	var rows int
	if err := db.sql.QueryRow(`SELECT COUNT(*) FROM scratch`).Scan(&rows); err != nil || rows != 103 {
		t.Fatalf("%d rows, %v; want 103", rows, err)
	}
}
