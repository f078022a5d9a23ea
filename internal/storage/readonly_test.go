package storage

import (
	"database/sql"
	"strings"
	"testing"

	"jlcredit/internal/credit"
)

// TestReadOnlyMessage: a write SQLite refuses because the database file may
// only be read is told as such, not as an internal error.
func TestReadOnlyMessage(t *testing.T) {
	path := t.TempDir() + "/ro.db"
	rw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rw.Exec(`CREATE TABLE t (x INTEGER)`); err != nil {
		t.Fatal(err)
	}
	rw.Close()
	ro, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	_, werr := ro.Exec(`INSERT INTO t VALUES (1)`)
	if werr == nil {
		t.Fatal("a write to a read-only database succeeded")
	}
	err = readOnly(werr)
	if credit.ErrorCode(err) != credit.EUNAVAILABLE || !strings.Contains(credit.ErrorMessage(err), "数据库文件为只读") {
		t.Errorf("readOnly(%v) = %v", werr, err)
	}
	if other := readOnly(sql.ErrNoRows); other != sql.ErrNoRows {
		t.Errorf("readOnly changed another error: %v", other)
	}
}
