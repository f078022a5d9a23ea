package storage_test

import (
	"bytes"
	"fmt"
	"sync"
	"testing"

	"jlcredit/internal/record"
	"jlcredit/internal/storage"
)

// versionRows returns penalty rows that restate, change and revert the
// contents of a few business keys again and again, so that with small
// chunks a key changes in consecutive chunks; and what a serial reading
// must make of them: the receipt and, per key, the fine of each version.
func versionRows(f *fixture, keys, rounds int) (rows [][]string, want record.Receipt, fines map[string][]string) {
	fines = map[string][]string{}
	for v := range rounds {
		for i := range keys {
			wsh := fmt.Sprintf("长市监罚〔2026〕%d号", 100+i)
			fine := fmt.Sprintf("%d", 1+(v*(i+1))%3) // repeats and reverts
			rows = append(rows, f.penaltyRow(wsh, "警告;罚款", fine, "2026-11-16"))
			if i%4 == 0 {
				rows = append(rows, f.penaltyRow(wsh, "警告;罚款", fine, "2026-11-16")) // the same row again
			}
		}
	}
	for _, r := range rows {
		key := r[6] + "|" + f.dept.Code
		want.Total++
		if vs := fines[key]; len(vs) > 0 && vs[len(vs)-1] == r[12] {
			want.Duplicates++
			continue
		}
		want.Accepted++
		fines[key] = append(fines[key], r[12])
	}
	return rows, want, fines
}

// storedVersions returns, per key, the fine of each stored version in
// version order, checking that versions count 1, 2, … and that exactly the
// last one is current.
func storedVersions(t *testing.T, db *storage.DB) map[string][]string {
	t.Helper()
	rows, err := db.SQL().Query(`SELECT key, version, is_current, fields FROM records WHERE class = 'penalty' ORDER BY key, version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string][]string{}
	current := map[string]int{}
	for rows.Next() {
		var key, fields string
		var version int
		var cur bool
		if err := rows.Scan(&key, &version, &cur, &fields); err != nil {
			t.Fatal(err)
		}
		if version != len(got[key])+1 {
			t.Errorf("key %s: version %d after %d versions", key, version, len(got[key]))
		}
		m, err := record.ParseFieldsJSON([]byte(fields))
		if err != nil {
			t.Fatal(err)
		}
		got[key] = append(got[key], m["CF_NR_FK"])
		if cur {
			current[key] = version
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for key, vs := range got {
		if current[key] != len(vs) {
			t.Errorf("key %s: version %d current of %d", key, current[key], len(vs))
		}
	}
	var n int
	if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM records WHERE class = 'penalty' AND is_current`).Scan(&n); err != nil || n != len(got) {
		t.Errorf("%d current versions for %d keys (%v)", n, len(got), err)
	}
	return got
}

// TestVersionsAcrossChunks writes a batch whose keys change in chunk after
// chunk: each chunk must see what the chunks before it wrote, also where
// PostgreSQL reads a chunk's current versions ahead, before those chunks
// are written.
func TestVersionsAcrossChunks(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newFixture(t, open)
		storage.SetFlushRows(t, 7)
		rows, want, fines := versionRows(f, 9, 12)
		got := f.submit(t, "penalty", "v.csv", csvBytes(t, penaltyHeader, rows...))
		want.Batch = got.Batch
		if *got != want {
			t.Errorf("receipt = %+v, want %+v", *got, want)
		}
		stored := storedVersions(t, f.db)
		for key, vs := range fines {
			if fmt.Sprint(stored[key]) != fmt.Sprint(vs) {
				t.Errorf("key %s: versions %v, want %v", key, stored[key], vs)
			}
		}
		// Again: every row is now a duplicate or a change back and forth
		// that the serial reading predicts from the stored state.
		again := f.submit(t, "penalty", "v.csv", csvBytes(t, penaltyHeader, rows...))
		if again.Accepted+again.Duplicates != want.Total {
			t.Errorf("second receipt = %+v", *again)
		}
		storedVersions(t, f.db)
	})
}

// TestVersionsConcurrentBatches writes two batches of the same department
// about the same keys at once. Whichever commits a chunk first, a key's
// versions stay 1, 2, … with one current: a chunk whose look-ahead missed
// the other batch's writes must notice and read the current versions again.
func TestVersionsConcurrentBatches(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newFixture(t, open)
		storage.SetFlushRows(t, 5)
		rows, _, _ := versionRows(f, 6, 20)
		var wg sync.WaitGroup
		receipts := make([]*record.Receipt, 2)
		for i := range receipts {
			body := csvBytes(t, penaltyHeader, rows[i:]...) // offset: the batches differ
			wg.Go(func() {
				r, err := f.db.Submit(sys(), record.Submission{Class: "penalty", DepartmentCode: f.dept.Code, Filename: "c.csv", Body: bytes.NewReader(body)})
				if err != nil {
					t.Errorf("Submit %d: %v", i, err)
					return
				}
				receipts[i] = r
			})
		}
		wg.Wait()
		stored := storedVersions(t, f.db)
		total := 0
		for _, vs := range stored {
			total += len(vs)
		}
		accepted := 0
		for _, r := range receipts {
			if r != nil {
				accepted += r.Accepted
			}
		}
		if accepted != total {
			t.Errorf("%d versions stored, receipts accepted %d", total, accepted)
		}
	})
}
