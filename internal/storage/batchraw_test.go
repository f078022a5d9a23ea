package storage_test

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"jlcredit/internal/access"
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
		csv := f.bigCSV(t)
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
			{"noise.csv", noise, "raw"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				// The noise is not a CSV file: its batch fails, but only
				// after it was stored whole.
				rec, err := f.db.Submit(sys(), record.Submission{Class: "penalty", DepartmentCode: f.dept.Code, Filename: tc.name, Body: bytes.NewReader(tc.body)})
				var id credit.BatchID
				switch {
				case err == nil:
					id = rec.Batch
				case tc.encoding == "raw":
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

// bigCSV returns a penalty CSV of 6,000 valid rows, over 2 MiB: three
// stored chunks.
func (f *fixture) bigCSV(t *testing.T) []byte {
	t.Helper()
	var rows [][]string
	for i := range 6000 {
		rows = append(rows, f.penaltyRow(fmtWSH(i), "警告", "", "2026-11-16"))
	}
	return csvBytes(t, penaltyHeader, rows...)
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

// TestBatchChunksBound checks that a stored chunk opens only as what and
// where it was stored: relabelled, moved to another place or missing, the
// batch fails to read, while chunks stored before chunks had an encoding
// still read. The raw file's SHA-256 is in its batch.store audit entry.
func TestBatchChunksBound(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newFixture(t, open)
		body := f.bigCSV(t)
		rec := f.submit(t, "penalty", "bound.csv", body)
		id := string(rec.Batch)
		read := func() ([]byte, error) {
			rd, err := f.db.OpenBatchRaw(sys(), rec.Batch)
			if err != nil {
				return nil, err
			}
			return io.ReadAll(rd)
		}
		var sum, detail string
		if err := f.db.SQL().QueryRow(f.db.Rebind(`SELECT b.sha256, a.detail FROM batches b JOIN audit_log a ON a.object_id = b.id AND a.action = 'batch.store' WHERE b.id = $1`), id).Scan(&sum, &detail); err != nil {
			t.Fatal(err)
		}
		if len(sum) != 64 || !strings.Contains(detail, `"sha256":"`+sum+`"`) {
			t.Errorf("batch.store audit detail %s does not carry the file's SHA-256 %s", detail, sum)
		}

		// A chunk as stored before 0012 still reads.
		storage.StoreLegacyChunk(t, f.db, id, 0, body[:1<<20])
		if got, err := read(); err != nil || !bytes.Equal(got, body) {
			t.Fatalf("with a legacy chunk: %d bytes, %v", len(got), err)
		}
		// A chunk as stored by the builds that compressed chunks before
		// they were sealed with associated data still reads.
		storage.StoreWindowChunk(t, f.db, id, 1, body[1<<20:2<<20])
		if got, err := read(); err != nil || !bytes.Equal(got, body) {
			t.Fatalf("with a chunk compressed and sealed without associated data: %d bytes, %v", len(got), err)
		}
		// Moved places: chunks 1 and 2 swapped.
		storage.Tamper(t, f.db, `UPDATE batch_chunks SET seq = 100 WHERE batch_id = '`+id+`' AND seq = 1`)
		storage.Tamper(t, f.db, `UPDATE batch_chunks SET seq = 1 WHERE batch_id = '`+id+`' AND seq = 2`)
		storage.Tamper(t, f.db, `UPDATE batch_chunks SET seq = 2 WHERE batch_id = '`+id+`' AND seq = 100`)
		if _, err := read(); err == nil {
			t.Error("swapped chunks read without error")
		}
		storage.Tamper(t, f.db, `UPDATE batch_chunks SET seq = 100 WHERE batch_id = '`+id+`' AND seq = 1`)
		storage.Tamper(t, f.db, `UPDATE batch_chunks SET seq = 1 WHERE batch_id = '`+id+`' AND seq = 2`)
		storage.Tamper(t, f.db, `UPDATE batch_chunks SET seq = 2 WHERE batch_id = '`+id+`' AND seq = 100`)
		if got, err := read(); err != nil || !bytes.Equal(got, body) {
			t.Fatalf("swapped back: %d bytes, %v", len(got), err)
		}
		// Cut short: the last chunk gone.
		var last int
		if err := f.db.SQL().QueryRow(f.db.Rebind(`SELECT MAX(seq) FROM batch_chunks WHERE batch_id = $1`), id).Scan(&last); err != nil || last < 2 {
			t.Fatalf("last chunk %d (%v): want at least three", last, err)
		}
		storage.Tamper(t, f.db, `UPDATE batch_chunks SET seq = 100 WHERE batch_id = '`+id+`' AND seq = `+strconv.Itoa(last))
		if got, err := read(); err == nil {
			t.Errorf("a batch without its last chunk read as %d bytes without error", len(got))
		}
		storage.Tamper(t, f.db, `UPDATE batch_chunks SET seq = `+strconv.Itoa(last)+` WHERE batch_id = '`+id+`' AND seq = 100`)
		// Relabelled: a compressed chunk said to be stored as received.
		storage.Tamper(t, f.db, `UPDATE batch_chunks SET encoding = 'raw' WHERE batch_id = '`+id+`' AND seq = 1`)
		if _, err := read(); err == nil {
			t.Error("a relabelled chunk read without error")
		}
	})
}

// gatedReader yields its data up to half and then waits for open to be
// closed, as a client whose upload stalls.
type gatedReader struct {
	data    []byte
	off     int
	half    chan struct{} // closed when the first half has been read
	open    chan struct{}
	halfOne sync.Once
}

func (g *gatedReader) Read(p []byte) (int, error) {
	if g.off >= len(g.data)/2 {
		g.halfOne.Do(func() { close(g.half) })
		<-g.open
	}
	if g.off >= len(g.data) {
		return 0, io.EOF
	}
	n := copy(p, g.data[g.off:])
	g.off += n
	return n, nil
}

// TestBatchUploadDoesNotHoldWriter stores a batch whose upload stalls
// halfway: other writes go on meanwhile (SQLite has one writer), and the
// batch is stored whole once the rest arrives. An upload that fails leaves
// nothing behind.
func TestBatchUploadDoesNotHoldWriter(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newFixture(t, open)
		body := f.bigCSV(t)
		g := &gatedReader{data: body, half: make(chan struct{}), open: make(chan struct{})}
		done := make(chan error, 1)
		go func() {
			_, err := f.db.Submit(sys(), record.Submission{Class: "penalty", DepartmentCode: f.dept.Code, Filename: "slow.csv", Body: g})
			done <- err
		}()
		<-g.half
		wrote := make(chan error, 1)
		go func() {
			wrote <- f.db.UpsertDepartment(sys(), &access.Department{Code: uscc(t, "11220100MB000777"), Name: "上传期间新增的部门", RegionCode: "220100", Kind: "market"})
		}()
		select {
		case err := <-wrote:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(20 * time.Second): // a guard against hanging, not a timing assertion
			t.Fatal("a write waited for a stalled upload")
		}
		close(g.open)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		id := batchByName(t, f, "slow.csv")
		rd, err := f.db.OpenBatchRaw(sys(), id)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := io.ReadAll(rd); err != nil || !bytes.Equal(got, body) {
			t.Fatalf("read back %d bytes (%v), stored %d", len(got), err, len(body))
		}

		// An upload that breaks off leaves no batch and no chunks.
		var before int
		f.db.SQL().QueryRow(`SELECT COUNT(*) FROM batch_chunks`).Scan(&before)
		_, err = f.db.Submit(sys(), record.Submission{Class: "penalty", DepartmentCode: f.dept.Code, Filename: "broken.csv", Body: io.MultiReader(bytes.NewReader(body[:3<<20/2]), iotest.ErrReader(errors.New("connection reset")))})
		if credit.ErrorCode(err) != credit.EINVALID {
			t.Errorf("broken upload: %v, want EINVALID", err)
		}
		var batches, after int
		f.db.SQL().QueryRow(f.db.Rebind(`SELECT COUNT(*) FROM batches WHERE filename = $1`), "broken.csv").Scan(&batches)
		f.db.SQL().QueryRow(`SELECT COUNT(*) FROM batch_chunks`).Scan(&after)
		if batches != 0 || after != before {
			t.Errorf("a broken upload left %d batches and %d chunks", batches, after-before)
		}
	})
}

// TestRemoveAbandonedUploads removes an upload a stopped process left
// unfinished once it is old enough, and nothing else.
func TestRemoveAbandonedUploads(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newFixture(t, open)
		rec := f.submit(t, "penalty", "done.csv", csvBytes(t, penaltyHeader, f.penaltyRow("长市监罚〔2026〕1号", "警告", "", "2026-11-16")))
		// An upload cut off by a crash: its row and first chunk, still
		// receiving.
		storage.Tamper(t, f.db, `INSERT INTO batches (id, class, department_id, submitted_by, channel, filename, format, status, created_at)
			SELECT 'B-abandoned', class, department_id, submitted_by, channel, 'cut.csv', format, 'receiving', created_at FROM batches WHERE id = '`+string(rec.Batch)+`'`)
		storage.Tamper(t, f.db, `INSERT INTO batch_chunks (batch_id, seq, data, encoding) SELECT 'B-abandoned', seq, data, encoding FROM batch_chunks WHERE batch_id = '`+string(rec.Batch)+`'`)
		now := f.db.Now()
		if n, err := f.db.RemoveAbandonedUploads(sys(), now.Add(-time.Hour)); err != nil || n != 0 {
			t.Fatalf("too young: removed %d, %v", n, err)
		}
		if n, err := f.db.RemoveAbandonedUploads(sys(), now.Add(time.Hour)); err != nil || n != 1 {
			t.Fatalf("removed %d, %v; want 1", n, err)
		}
		var batches, chunks, kept int
		f.db.SQL().QueryRow(`SELECT COUNT(*) FROM batches WHERE id = 'B-abandoned'`).Scan(&batches)
		f.db.SQL().QueryRow(`SELECT COUNT(*) FROM batch_chunks WHERE batch_id = 'B-abandoned'`).Scan(&chunks)
		f.db.SQL().QueryRow(f.db.Rebind(`SELECT COUNT(*) FROM batch_chunks WHERE batch_id = $1`), string(rec.Batch)).Scan(&kept)
		if batches != 0 || chunks != 0 || kept != 1 {
			t.Errorf("left %d abandoned batches and %d chunks; the stored batch has %d chunks, want 1", batches, chunks, kept)
		}
		if _, err := f.db.VerifyLedger(sys()); err != nil {
			t.Errorf("VerifyLedger after the removal: %v", err)
		}

		// An upload of this build: abandoned once no chunk came for ten
		// minutes, however young.
		storage.Tamper(t, f.db, `INSERT INTO batches (id, class, department_id, submitted_by, channel, filename, format, status, created_at, lease_until)
			SELECT 'B-dead', class, department_id, submitted_by, channel, 'dead.csv', format, 'receiving', created_at, created_at FROM batches WHERE id = '`+string(rec.Batch)+`'`)
		storage.Tamper(t, f.db, `INSERT INTO batches (id, class, department_id, submitted_by, channel, filename, format, status, created_at, lease_until)
			SELECT 'B-alive', class, department_id, submitted_by, channel, 'alive.csv', format, 'receiving', created_at, created_at FROM batches WHERE id = '`+string(rec.Batch)+`'`)
		storage.SetBatchLease(t, f.db, "B-dead", "", now.Add(-time.Second))
		storage.SetBatchLease(t, f.db, "B-alive", "", now.Add(time.Minute))
		if n, err := f.db.RemoveAbandonedUploads(sys(), now.Add(-24*time.Hour)); err != nil || n != 1 {
			t.Fatalf("removed %d, %v; want the one without a chunk for ten minutes", n, err)
		}
		var left []string
		rows, err := f.db.SQL().Query(`SELECT id FROM batches WHERE status = 'receiving'`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id string
			rows.Scan(&id)
			left = append(left, id)
		}
		rows.Close()
		if len(left) != 1 || left[0] != "B-alive" {
			t.Errorf("receiving after the removal: %v, want B-alive", left)
		}
	})
}

// TestTitleRowFile: a department's export with a title row above the header
// is read from the header down, errors keep the file's row numbers, and the
// error sheet's columns are the header's (BatchHeaders).
func TestTitleRowFile(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newFixture(t, open)
		body := append([]byte("行政处罚信息公示表\n填报单位：长春市市场监督管理局\n"), csvBytes(t, penaltyHeader,
			f.penaltyRow("长市监罚〔2026〕61号", "警告", "", "2026-11-16"),
			f.penaltyRow("长市监罚〔2026〕62号", "罚款", "", "2026-11-16"), // 罚款 without an amount
		)...)
		rc := f.submit(t, "penalty", "title.csv", body)
		if rc.Total != 2 || rc.Accepted != 1 || rc.Rejected != 1 {
			t.Fatalf("receipt %+v, want 2 rows: 1 accepted, 1 rejected", rc)
		}
		errs, _, err := f.db.FindBatchErrors(sys(), rc.Batch, 0, 10)
		if err != nil || len(errs) != 1 || errs[0].Row != 5 || !strings.HasPrefix(errs[0].Problems[0].Message, "第5行") {
			t.Errorf("row errors %+v, %v; want the file's row 5", errs, err)
		}
		headers, err := f.db.BatchHeaders(sys(), rc.Batch)
		if err != nil || strings.Join(headers, ",") != strings.Join(penaltyHeader, ",") {
			t.Errorf("BatchHeaders = %q, %v; want the header row below the title", headers, err)
		}
	})
}

// TestXLSXNotXLSX: a file named .xlsx whose content is not one is refused
// before anything is stored, whoever submits it (API, console, CLI).
func TestXLSXNotXLSX(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newFixture(t, open)
		_, err := f.db.Submit(sys(), record.Submission{Class: "penalty", DepartmentCode: f.dept.Code, Filename: "处罚.xlsx",
			Body: bytes.NewReader(csvBytes(t, penaltyHeader, f.penaltyRow("长市监罚〔2026〕91号", "警告", "", "2026-11-16")))})
		if credit.ErrorCode(err) != credit.EINVALID || !strings.Contains(credit.ErrorMessage(err), "“处罚.xlsx”声明为Excel（.xlsx）文件，但内容不是") {
			t.Fatalf("CSV named .xlsx: %v, want invalid", err)
		}
		var n int
		if err := f.db.SQL().QueryRow(`SELECT COUNT(*) FROM batches`).Scan(&n); err != nil || n != 0 {
			t.Errorf("%d batches stored (%v), want none", n, err)
		}
	})
}

// brokenBody is a request body that ends with err after its bytes, as an
// HTTP body or multipart part does when the upload breaks off.
type brokenBody struct {
	r   io.Reader
	err error
}

func (b *brokenBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err == io.EOF {
		return n, b.err
	}
	return n, err
}

// TestBatchUploadBrokenOff checks that an upload that breaks off is
// refused and nothing of it is kept, whether it ends inside the first chunk
// or a later one: a truncated file parses (its last row a shorter amount),
// and must not be taken for the whole.
func TestBatchUploadBrokenOff(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newFixture(t, open)
		small := csvBytes(t, penaltyHeader, f.penaltyRow("长市监罚〔2026〕1号", "警告;罚款", "150", "2026-11-16"))
		for name, body := range map[string][]byte{"small.csv": small[:len(small)-3], "big.csv": f.bigCSV(t)[:3<<20/2]} {
			_, err := f.db.Submit(sys(), record.Submission{Class: "penalty", DepartmentCode: f.dept.Code, Filename: name,
				Body: &brokenBody{bytes.NewReader(body), io.ErrUnexpectedEOF}})
			if credit.ErrorCode(err) != credit.EINVALID || !strings.Contains(credit.ErrorMessage(err), "上传中断") {
				t.Errorf("%s broken off: err = %v, want invalid, 上传中断", name, err)
			}
		}
		var batches, chunks int
		if err := f.db.SQL().QueryRow(`SELECT (SELECT COUNT(*) FROM batches), (SELECT COUNT(*) FROM batch_chunks)`).Scan(&batches, &chunks); err != nil || batches+chunks != 0 {
			t.Errorf("%d batches and %d chunks kept of broken uploads (%v)", batches, chunks, err)
		}
		// The same file whole is stored and processed.
		if got := f.submit(t, "penalty", "small.csv", small); got.Accepted != 1 {
			t.Errorf("whole file: %+v", got)
		}
	})
}

// TestSummaryRowSkipped: a spreadsheet's 合计 line under the data is
// skipped like a blank row, not rejected as a record (which would count
// against the department's 准确率); a record row mentioning 合计 in a field
// is read as usual.
func TestSummaryRowSkipped(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newFixture(t, open)
		row := f.penaltyRow("长市监罚〔2026〕91号", "警告", "", "2026-11-16")
		row[8] = "合计违法所得五千元" // 违法事实 starting with 合计: a record still
		total := make([]string, len(penaltyHeader))
		total[0] = "合计：2条"
		got := f.submit(t, "penalty", "合计.csv", csvBytes(t, penaltyHeader, f.penaltyRow("长市监罚〔2026〕90号", "警告", "", "2026-11-16"), row, total))
		if want := (record.Receipt{Batch: got.Batch, Total: 2, Accepted: 2}); *got != want {
			t.Errorf("receipt %+v, want %+v (the 合计 line skipped)", *got, want)
		}
	})
}
