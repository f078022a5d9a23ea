package storage_test

import (
	"bytes"
	"context"
	"sync"
	"testing"

	"jlcredit/internal/access"
	"jlcredit/internal/credit"
	"jlcredit/internal/demo"
	"jlcredit/internal/record"
	"jlcredit/internal/storage"
)

// TestConcurrentBatchesShareSubjects processes batches of several
// departments at once, each spanning many chunks, about the same companies:
// every row lands, and every company is one subject, although the subjects
// of a chunk are created beside the writing of the chunk before it (on
// PostgreSQL) and other batches create the same ones.
func TestConcurrentBatchesShareSubjects(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		db := open(t)
		storage.SetFlushRows(t, 40)
		ctx := credit.NewContextWithActor(context.Background(), credit.System)
		bufs, rows := demoBatches(t, db, 11, 60, 1500) // few subjects: the batches overlap
		if len(bufs) < 3 {
			t.Fatalf("only %d departments in the demo rows", len(bufs))
		}
		var wg sync.WaitGroup
		receipts := make(map[string]*record.Receipt)
		var mu sync.Mutex
		for code, b := range bufs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := db.Submit(ctx, record.Submission{Class: "penalty", DepartmentCode: code, Filename: "p.csv", Body: bytes.NewReader(b.Bytes())})
				if err != nil {
					t.Errorf("Submit %s: %v", code, err)
					return
				}
				mu.Lock()
				receipts[code] = r
				mu.Unlock()
			}()
		}
		wg.Wait()
		for code, r := range receipts {
			if r.Total != rows[code] || r.Accepted+r.Duplicates != r.Total {
				t.Errorf("department %s: receipt %+v for %d rows", code, r, rows[code])
			}
		}
		// Every record's subject is the one its code names, and a code is
		// one subject.
		var recs []*record.Record
		for {
			page, _, err := db.FindRecords(ctx, record.RecordFilter{Class: "penalty", Offset: len(recs), Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			recs = append(recs, page...)
		}
		accepted := 0
		for _, r := range receipts {
			accepted += r.Accepted
		}
		if len(recs) != accepted || accepted == 0 {
			t.Fatalf("%d records found, %d accepted", len(recs), accepted)
		}
		byCode := map[string]credit.SubjectID{}
		for _, r := range recs {
			code := r.Fields["CF_XDR_SHXYM"]
			if code == "" {
				continue // a person
			}
			s, err := db.FindSubjectByCode(ctx, code)
			if err != nil {
				t.Fatalf("subject %s: %v", code, err)
			}
			if s.ID != r.SubjectID {
				t.Errorf("record %d names %s (subject %d) but points to subject %d", r.ID, code, s.ID, r.SubjectID)
			}
			if id, ok := byCode[code]; ok && id != s.ID {
				t.Errorf("code %s is subjects %d and %d", code, id, s.ID)
			}
			byCode[code] = s.ID
		}
		if len(byCode) < 10 {
			t.Errorf("only %d companies checked", len(byCode))
		}
	})
}

// TestCancelledBatchStops cancels a multi-chunk batch after its first chunk
// is written: Submit returns (no goroutine of the pipeline blocks it), the
// batch is stored whole, and what was written stays consistent.
func TestCancelledBatchStops(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		db := open(t)
		storage.SetFlushRows(t, 20)
		sys := credit.NewContextWithActor(context.Background(), credit.System)
		bufs, _ := demoBatches(t, db, 5, 50, 800)
		var code string
		for k, b := range bufs {
			if code == "" || b.Len() > bufs[code].Len() {
				code = k
			}
		}
		ctx, cancel := context.WithCancel(sys)
		defer cancel()
		chunks := 0
		_, err := db.Submit(ctx, record.Submission{Class: "penalty", DepartmentCode: code, Filename: "p.csv", Body: bytes.NewReader(bufs[code].Bytes()),
			Progress: func(int) {
				chunks++
				cancel()
			}})
		if err == nil {
			t.Fatalf("Submit of a cancelled batch succeeded after %d chunks", chunks)
		}
		if chunks == 0 {
			t.Fatalf("no chunk written before the cancellation: %v", err)
		}
		// What was written is in the ledger and verifies.
		rep, err := db.VerifyLedger(sys)
		if err != nil || rep.Records == 0 {
			t.Errorf("ledger after a cancelled batch: %+v, %v", rep, err)
		}
	})
}

// demoBatches registers the departments of a demo province of n subjects
// and returns its rows penalty rows as one CSV per department, with the
// number of rows of each.
func demoBatches(t *testing.T, db *storage.DB, seed uint64, n, rows int) (map[string]*bytes.Buffer, map[string]int) {
	t.Helper()
	sys := credit.NewContextWithActor(context.Background(), credit.System)
	g := demo.New(seed, n)
	for _, d := range g.Departments() {
		if err := db.UpsertDepartment(sys, &access.Department{Code: d.Code, Name: d.Name, RegionCode: d.RegionCode, Kind: d.Kind}); err != nil {
			t.Fatal(err)
		}
	}
	cat, err := db.Catalog(sys)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := cat.Class("penalty")
	bufs := map[string]*bytes.Buffer{}
	counts := map[string]int{}
	err = g.Rows("penalty", rows, db.Now(), func(i int, d demo.Department, row map[string]string) error {
		b := bufs[d.Code]
		if b == nil {
			b = &bytes.Buffer{}
			bufs[d.Code] = b
			writeCSVRow(b, c, nil)
		}
		counts[d.Code]++
		writeCSVRow(b, c, row)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return bufs, counts
}
