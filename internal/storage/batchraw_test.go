package storage_test

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"strconv"
	"testing"

	"jlcredit/internal/credit"
	"jlcredit/internal/record"
	"jlcredit/internal/storage"
)

// TestBatchRawStored stores batches whose bytes compress well (CSV rows)
// and not at all (random bytes, as inside an XLSX file), over several
// chunks, and reads each back byte for byte. Compressible chunks are kept
// compressed; incompressible ones as received.
func TestBatchRawStored(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newFixture(t, open)
		var rows [][]string
		for i := range 6000 {
			rows = append(rows, f.penaltyRow(fmtWSH(i), "警告", "", "2026-11-16"))
		}
		csv := csvBytes(t, penaltyHeader, rows...)
		if len(csv) < 3<<20/2 {
			t.Fatalf("CSV of %d bytes: want more than one chunk", len(csv))
		}
		noise := make([]byte, 2<<20+123)
		r := rand.NewChaCha8([32]byte{1})
		r.Read(noise)

		for _, tc := range []struct {
			name     string
			body     []byte
			encoding string
		}{
			{"csv", csv, "zstd"},
			{"noise.csv", noise, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				// The noise is not a CSV file: its batch fails, but only
				// after it was stored whole.
				rec, err := f.db.Submit(sys(), record.Submission{Class: "penalty", DepartmentCode: f.dept.Code, Filename: tc.name, Body: bytes.NewReader(tc.body)})
				var id credit.BatchID
				switch {
				case err == nil:
					id = rec.Batch
				case tc.encoding == "":
					id = batchByName(t, f, tc.name)
				default:
					t.Fatal(err)
				}
				rd, err := f.db.OpenBatchRaw(sys(), id)
				if err != nil {
					t.Fatal(err)
				}
				back, err := io.ReadAll(rd)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(back, tc.body) {
					t.Fatalf("read back %d bytes, stored %d: not the same", len(back), len(tc.body))
				}
				var chunks, encoded, stored int
				if err := f.db.SQL().QueryRow(f.db.Rebind(`SELECT COUNT(*), SUM(CASE WHEN encoding = $1 THEN 1 ELSE 0 END), SUM(LENGTH(data)) FROM batch_chunks WHERE batch_id = $2`),
					tc.encoding, string(id)).Scan(&chunks, &encoded, &stored); err != nil {
					t.Fatal(err)
				}
				if want := (len(tc.body) + 1<<20 - 1) >> 20; chunks != want || encoded != chunks {
					t.Errorf("%d chunks, %d of them encoded %q; want %d, all", chunks, encoded, tc.encoding, want)
				}
				if tc.encoding == "zstd" && stored*3 > len(tc.body) {
					t.Errorf("compressed CSV takes %d bytes for %d", stored, len(tc.body))
				}
			})
		}
	})
}

// TestBatchTooLarge stops storing a batch at the size limit and stores
// nothing of it.
func TestBatchTooLarge(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newFixture(t, open)
		storage.SetMaxBatchBytes(t, 3<<20/2)
		_, err := f.db.Submit(sys(), record.Submission{Class: "penalty", DepartmentCode: f.dept.Code, Filename: "big.csv", Body: bytes.NewReader(make([]byte, 2<<20))})
		var ce *credit.Error
		if !errors.As(err, &ce) || ce.Code != credit.ETOOLARGE {
			t.Fatalf("err = %v, want ETOOLARGE", err)
		}
		var n int
		if err := f.db.SQL().QueryRow(`SELECT COUNT(*) FROM batch_chunks`).Scan(&n); err != nil || n != 0 {
			t.Errorf("%d chunks stored (%v)", n, err)
		}
	})
}

func fmtWSH(i int) string { return "长市监罚〔2026〕" + strconv.Itoa(1000+i) + "号" }

// batchByName returns the id of the one batch stored from the file name.
func batchByName(t *testing.T, f *fixture, name string) credit.BatchID {
	t.Helper()
	var id string
	if err := f.db.SQL().QueryRow(f.db.Rebind(`SELECT id FROM batches WHERE filename = $1`), name).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return credit.BatchID(id)
}
