package storage_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"jlcredit/internal/access"
	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
	"jlcredit/internal/pgtest"
	"jlcredit/internal/record"
	"jlcredit/internal/storage"
)

// sealFixture is a database with everything a seal covers: verifications
// with hits and query-log rows, feedback, an archive read, a batch with a
// rejected row and one without, all sealed.
type sealFixture struct {
	*listFixture
	v1, v2      int64  // verifications with a hit each; v1 has feedback, v2 is the last sealed
	rejecting   string // a batch with a rejected row
	clean       string // a batch without
	archiveRead int64  // the query-log row of the archive read
}

func newSealFixture(t *testing.T, open opener) *sealFixture {
	t.Helper()
	f := &sealFixture{listFixture: newListFixture(t, open)}
	bad := f.blackRow("吉人社失〔2026〕2号")
	bad[3] = "91220101MA0Y567" // not a USCC
	rc := f.submitAs(t, f.lister, f.blackRow("吉人社失〔2026〕1号"), bad)
	if rc.Accepted != 1 || rc.Rejected != 1 {
		t.Fatalf("receipt %+v: want one accepted, one rejected", rc)
	}
	f.rejecting = string(rc.Batch)
	f.clean = string(f.submitAs(t, f.lister, f.blackRow("吉人社失〔2026〕3号")).Batch)

	v1 := f.verify(t, "政府采购", lists.Query{Code: f.company})
	ctx := credit.NewContextWithActor(t.Context(), deptCtx(f.user))
	if _, err := f.db.CreateFeedback(ctx, v1.ID, []lists.Feedback{{Seq: 1, MeasureCode: "N1-01", Applied: true, AppliedOn: "2026-11-20"}}); err != nil {
		t.Fatalf("CreateFeedback: %v", err)
	}
	if _, err := f.db.FindArchive(sys(), f.company, "行政许可审批：测试"); err != nil {
		t.Fatalf("FindArchive: %v", err)
	}
	if err := f.db.SQL().QueryRow(`SELECT MAX(id) FROM query_log`).Scan(&f.archiveRead); err != nil {
		t.Fatal(err)
	}
	v2 := f.verify(t, "政府采购", lists.Query{Code: f.company}, lists.Query{Code: uscc(t, "91220104MA0Y9999")})
	if v1.Hits == 0 || v2.Hits == 0 {
		t.Fatalf("hits %d and %d: want a hit in each", v1.Hits, v2.Hits)
	}
	f.v1, f.v2 = v1.ID, v2.ID
	f.seal(t, 2)
	return f
}

// seal seals and checks how many verifications were sealed.
func (f *sealFixture) seal(t *testing.T, want int) {
	t.Helper()
	n, err := f.db.SealVerifications(sys())
	if err != nil || n != want {
		t.Fatalf("SealVerifications = %d, %v; want %d", n, err, want)
	}
}

func sealCount(t *testing.T, db *storage.DB) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action = 'verification.seal'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func wantLedgerValid(t *testing.T, db *storage.DB) {
	t.Helper()
	if rep, err := db.VerifyLedger(sys()); err != nil {
		t.Fatalf("VerifyLedger = %+v, %v", rep, err)
	}
}

// TestSealUntampered: sealed rows verify, sealing again at once writes
// nothing, rows written after the last seal are not an error, and the next
// seal (paced, as the server's) takes them in.
func TestSealUntampered(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newSealFixture(t, open)
		wantLedgerValid(t, f.db)
		seals := sealCount(t, f.db)
		f.seal(t, 0)
		if n := sealCount(t, f.db); n != seals {
			t.Errorf("sealing again wrote %d seals", n-seals)
		}
		// Not yet sealed: verifications, feedback, an archive read, a batch.
		v := f.verify(t, "政府采购", lists.Query{Code: f.company})
		ctx := credit.NewContextWithActor(t.Context(), deptCtx(f.user))
		if _, err := f.db.CreateFeedback(ctx, f.v2, []lists.Feedback{{Seq: 1, MeasureCode: "N1-01", Applied: false, Reason: "项目已终止"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.FindArchive(sys(), f.company, "测试"); err != nil {
			t.Fatal(err)
		}
		bad := f.blackRow("吉人社失〔2026〕4号")
		bad[3] = "x"
		f.submitAs(t, f.lister, bad)
		wantLedgerValid(t, f.db)
		// As the server seals: paced, the same seal.
		if n, err := f.db.SealVerificationsPaced(sys()); err != nil || n != 1 {
			t.Fatalf("SealVerificationsPaced = %d, %v; want 1", n, err)
		}
		wantLedgerValid(t, f.db)
		// The new seal follows on from the previous one.
		var detail string
		if err := f.db.SQL().QueryRow(`SELECT detail FROM audit_log WHERE action = 'verification.seal' ORDER BY id DESC LIMIT 1`).Scan(&detail); err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf(`"verifications":{"from_id":%d,"to_id":%d,"count":1,`, f.v2+1, v.ID); !bytes.Contains([]byte(detail), []byte(want)) {
			t.Errorf("seal %s: want %s", detail, want)
		}
	})
}

// TestSealTampered changes, deletes or adds what the seals and batch.store
// entries cover, each in a database of its own, and wants `ledger verify`
// to name it.
func TestSealTampered(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		for _, tc := range []struct {
			name string
			sql  func(f *sealFixture) []string
			want func(f *sealFixture) string
		}{
			{"AnswerEdited",
				func(f *sealFixture) []string {
					return []string{`UPDATE verifications SET answer = answer || ' ' WHERE id = ` + strconv.FormatInt(f.v1, 10)}
				},
				func(f *sealFixture) string {
					return fmt.Sprintf("第一条异常为 核查记录ID %d（或其命中明细）被改动", f.v1)
				}},
			{"HitsZeroed",
				func(f *sealFixture) []string {
					return []string{`UPDATE verifications SET hits = 0 WHERE id = ` + strconv.FormatInt(f.v2, 10)}
				},
				func(f *sealFixture) string {
					return fmt.Sprintf("核查记录ID %d（或其命中明细）被改动", f.v2)
				}},
			{"RepeatsSet", // with the statistics made to agree: the seal still tells
				func(f *sealFixture) []string {
					id := strconv.FormatInt(f.v2, 10)
					return []string{`UPDATE verifications SET repeats = 1 WHERE id = ` + id,
						`UPDATE verification_days SET subjects = subjects - 1 WHERE subjects > 1`}
				},
				func(f *sealFixture) string {
					return fmt.Sprintf("核查记录ID %d（或其命中明细）被改动", f.v2)
				}},
			{"VerificationDeleted",
				func(f *sealFixture) []string {
					id := strconv.FormatInt(f.v2, 10)
					return []string{`DELETE FROM verification_hits WHERE verification_id = ` + id, `DELETE FROM verifications WHERE id = ` + id}
				},
				func(f *sealFixture) string { return fmt.Sprintf("核查记录ID %d 已被删除", f.v2) }},
			{"HitDeleted",
				func(f *sealFixture) []string {
					return []string{`DELETE FROM verification_hits WHERE verification_id = ` + strconv.FormatInt(f.v2, 10)}
				},
				func(f *sealFixture) string {
					return fmt.Sprintf("核查记录ID %d（或其命中明细）被改动", f.v2)
				}},
			{"HitVerdictEdited",
				func(f *sealFixture) []string {
					return []string{`UPDATE verification_hits SET verdict = 'x' WHERE verification_id = ` + strconv.FormatInt(f.v1, 10)}
				},
				func(f *sealFixture) string {
					return fmt.Sprintf("核查记录ID %d（或其命中明细）被改动", f.v1)
				}},
			{"QueryLogDeleted",
				func(f *sealFixture) []string {
					return []string{`DELETE FROM query_log WHERE id = ` + strconv.FormatInt(f.archiveRead, 10)}
				},
				func(f *sealFixture) string { return fmt.Sprintf("查询登记ID %d 已被删除", f.archiveRead) }},
			{"QueryLogEdited",
				func(f *sealFixture) []string {
					return []string{`UPDATE query_log SET purpose = '其他' WHERE id = ` + strconv.FormatInt(f.archiveRead, 10)}
				},
				func(f *sealFixture) string { return fmt.Sprintf("查询登记ID %d 被改动", f.archiveRead) }},
			{"FeedbackEdited",
				func(f *sealFixture) []string {
					return []string{`UPDATE verification_feedback SET applied_on = '2026-11-19'`}
				},
				func(f *sealFixture) string { return "执行反馈封存校验失败" }},
			{"FeedbackMarkCleared",
				func(f *sealFixture) []string {
					return []string{`UPDATE verification_hits SET feedback_at = NULL WHERE verification_id = ` + strconv.FormatInt(f.v1, 10)}
				},
				func(f *sealFixture) string {
					return fmt.Sprintf("核查记录ID %d 第1个核查对象有1条执行反馈，却标记为未反馈", f.v1)
				}},
			{"FeedbackMarkSet",
				func(f *sealFixture) []string {
					return []string{`UPDATE verification_hits SET feedback_at = (SELECT MAX(at) FROM verifications) WHERE verification_id = ` + strconv.FormatInt(f.v2, 10)}
				},
				func(f *sealFixture) string {
					return fmt.Sprintf("核查记录ID %d 第1个核查对象标记为已反馈，但没有执行反馈记录", f.v2)
				}},
			{"RejectedRowEdited",
				func(f *sealFixture) []string { return []string{`UPDATE batch_errors SET problems = '[]'`} },
				func(f *sealFixture) string { return "批次错误行封存校验失败" }},
			{"RejectedRowDeleted",
				func(f *sealFixture) []string { return []string{`DELETE FROM batch_errors`} },
				func(f *sealFixture) string { return "批次“" + f.rejecting + "”" }},
			{"HintsGoneToo",
				func(f *sealFixture) []string {
					return []string{`DELETE FROM verification_seals`, `UPDATE verifications SET answer = answer || ' ' WHERE id = ` + strconv.FormatInt(f.v1, 10)}
				},
				func(f *sealFixture) string { return "无法定位到具体记录" }},
			{"ChunkDeleted",
				func(f *sealFixture) []string {
					return []string{`DELETE FROM batch_chunks WHERE batch_id = '` + f.clean + `'`}
				},
				func(f *sealFixture) string { return "批次“" + f.clean + "”存储的文件为0字节" }},
			{"ChunkAltered",
				func(f *sealFixture) []string {
					if f.db.Dialect() == storage.Postgres {
						return []string{`UPDATE batch_chunks SET data = set_byte(data, 20, get_byte(data, 20) # 1) WHERE batch_id = '` + f.clean + `'`}
					}
					return []string{`UPDATE batch_chunks SET data = CAST(substr(data, 1, 20) || X'FF' || substr(data, 22) AS BLOB) WHERE batch_id = '` + f.clean + `'`}
				},
				func(f *sealFixture) string { return "批次“" + f.clean + "”的第1块数据无法解密" }},
			{"BatchSHA256Changed",
				func(f *sealFixture) []string {
					return []string{`UPDATE batches SET sha256 = '0000000000000000000000000000000000000000000000000000000000000000' WHERE id = '` + f.clean + `'`}
				},
				func(f *sealFixture) string { return "批次“" + f.clean + "”记录的文件为" }},
			{"BatchSizeChanged",
				func(f *sealFixture) []string {
					return []string{`UPDATE batches SET size = size + 1 WHERE id = '` + f.clean + `'`}
				},
				func(f *sealFixture) string { return "（批次记录被改动）" }},
			{"BatchRowDeleted",
				func(f *sealFixture) []string {
					return []string{`DELETE FROM batch_chunks WHERE batch_id = '` + f.clean + `'`, `DELETE FROM batches WHERE id = '` + f.clean + `'`}
				},
				func(f *sealFixture) string { return "批次“" + f.clean + "”已存储" }},
			{"BatchNotStoredByPlatform",
				func(f *sealFixture) []string {
					return []string{`INSERT INTO batches (id, class, department_id, submitted_by, channel, filename, format, size, sha256, status, created_at)
						SELECT 'B-forged', class, department_id, submitted_by, channel, 'forged.csv', format, size, sha256, 'done', created_at FROM batches WHERE id = '` + f.clean + `'`}
				},
				func(f *sealFixture) string {
					return "批次“B-forged”（状态done）没有存储时的审计记录"
				}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				f := newSealFixture(t, open)
				wantLedgerValid(t, f.db)
				for _, q := range tc.sql(f) {
					storage.Tamper(t, f.db, q)
				}
				wantLedgerInvalid(t, f.db, tc.want(f))
			})
		}
	})
}

// TestSealLegacyBatch: a batch stored before batch.store entries were
// written (created before the first of them) has none, and is not checked.
func TestSealLegacyBatch(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newSealFixture(t, open)
		storage.Tamper(t, f.db, `INSERT INTO batches (id, class, department_id, submitted_by, channel, filename, format, size, sha256, status, created_at)
			SELECT 'B-legacy', class, department_id, submitted_by, channel, 'old.csv', format, size, sha256, 'done', '2020-01-01 00:00:00+00:00' FROM batches WHERE id = '`+f.clean+`'`)
		wantLedgerValid(t, f.db)
	})
}

// TestSealOlderBatchEntries: batches stored by older builds verify. Before
// 7078564 a batch.store entry had the file's size but not its hash: the
// size is checked against the entry and the file against its batch row.
// Builds 64afd6d..7078564 sealed compressed chunks without associated data.
func TestSealOlderBatchEntries(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newFixture(t, open)
		storage.OmitBatchStoreHash(t)
		body := f.bigCSV(t)
		rec := f.submit(t, "penalty", "old.csv", body)
		id := string(rec.Batch)
		wantLedgerValid(t, f.db)
		storage.StoreWindowChunk(t, f.db, id, 1, body[1<<20:2<<20])
		wantLedgerValid(t, f.db)
		for _, c := range []struct{ tamper, undo string }{
			{`UPDATE batches SET size = size + 1 WHERE id = '` + id + `'`, `UPDATE batches SET size = size - 1 WHERE id = '` + id + `'`},
			{`UPDATE batch_chunks SET seq = 100 WHERE batch_id = '` + id + `' AND seq = 2`, `UPDATE batch_chunks SET seq = 2 WHERE batch_id = '` + id + `' AND seq = 100`},
		} {
			storage.Tamper(t, f.db, c.tamper)
			if _, err := f.db.VerifyLedger(sys()); credit.ErrorCode(err) != credit.EINVALID || !strings.Contains(credit.ErrorMessage(err), id) {
				t.Errorf("after %s: VerifyLedger err = %v; want the batch named", c.tamper, err)
			}
			storage.Tamper(t, f.db, c.undo)
			wantLedgerValid(t, f.db)
		}
	})
}

// openSealShared opens dsn with the keys in keyFile: two handles on one
// database, as two servers are.
func openSealShared(tb testing.TB, dsn, keyFile string) *storage.DB {
	tb.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, dsn, storage.Options{KeyFile: keyFile})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	db.Now = func() time.Time { return time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC) }
	if err := db.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	return db
}

// TestSealConcurrent seals from two processes at once while verifications,
// feedback and archive reads go on: every row is sealed once, in ranges
// that follow on from each other, and everything verifies.
func TestSealConcurrent(t *testing.T) {
	for _, tc := range []struct {
		name string
		dsn  func(t *testing.T) string
	}{
		{"SQLite", func(t *testing.T) string { return "sqlite:" + t.TempDir() + "/credit.db" }},
		{"Postgres", func(t *testing.T) string { return pgtest.DSN(t) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dsn, keys := tc.dsn(t), t.TempDir()+"/credit.key"
			f := newSealFixture(t, func(tb testing.TB) *storage.DB { return openSealShared(tb, dsn, keys) })
			other := openSealShared(t, dsn, keys)

			// Two sealers at once, nothing new.
			var wg sync.WaitGroup
			var sealed [2]int
			for i, db := range []*storage.DB{f.db, other} {
				wg.Go(func() {
					n, err := db.SealVerifications(sys())
					if err != nil {
						t.Errorf("SealVerifications: %v", err)
					}
					sealed[i] = n
				})
			}
			wg.Wait()
			if sealed != [2]int{} {
				t.Errorf("sealed %v with nothing new", sealed)
			}

			// Two sealers looping while verifications and reads go on.
			stop := make(chan struct{})
			var writers, sealers sync.WaitGroup
			ctx := credit.NewContextWithActor(t.Context(), deptCtx(f.user))
			var made sync.Map
			for w := range 4 {
				writers.Go(func() {
					for i := range 15 {
						v, err := f.db.Verify(ctx, lists.VerificationRequest{Scenario: "政府采购", Purpose: "并发封存测试", Subjects: []lists.Query{{Code: f.company}}})
						if err != nil {
							t.Errorf("Verify: %v", err)
							return
						}
						made.Store(v.ID, true)
						if (w+i)%5 == 0 {
							if _, err := other.FindArchive(sys(), f.company, "并发封存测试"); err != nil {
								t.Errorf("FindArchive: %v", err)
								return
							}
						}
						if i%7 == 0 {
							_, err := other.CreateFeedback(ctx, v.ID, []lists.Feedback{{Seq: 1, MeasureCode: "N1-01", Applied: true, AppliedOn: "2026-11-20"}})
							if err != nil {
								t.Errorf("CreateFeedback: %v", err)
								return
							}
						}
					}
				})
			}
			var total [2]int
			for i, db := range []*storage.DB{f.db, other} {
				sealers.Go(func() {
					for {
						n, err := db.SealVerifications(sys())
						if err != nil {
							t.Errorf("SealVerifications: %v", err)
							return
						}
						total[i] += n
						select {
						case <-stop:
							return
						case <-time.After(3 * time.Millisecond):
						}
					}
				})
			}
			writers.Wait()
			close(stop)
			sealers.Wait()
			n, err := f.db.SealVerifications(sys())
			if err != nil {
				t.Fatal(err)
			}
			count := 0
			made.Range(func(any, any) bool { count++; return true })
			if got := total[0] + total[1] + n; got != count {
				t.Errorf("sealed %d verifications (%v, then %d), made %d", got, total, n, count)
			}
			wantLedgerValid(t, f.db)
			wantLedgerValid(t, other)
		})
	}
}

// TestSealWaitsForEarlierIDs: on PostgreSQL a transaction may commit a
// query-log row after a later one was committed; the sealer must not seal
// past the earlier row before its transaction ends, or the row would turn
// up inside a sealed range.
func TestSealWaitsForEarlierIDs(t *testing.T) {
	f := newSealFixture(t, openPostgres)
	tx, err := f.db.SQL().BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	var early int64
	if err := tx.QueryRow(`INSERT INTO query_log (at, actor, role, subject_id, purpose, channel, what)
		SELECT at, actor, role, subject_id, purpose, channel, what FROM query_log WHERE id = $1 RETURNING id`, f.archiveRead).Scan(&early); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.FindArchive(sys(), f.company, "测试"); err != nil { // a later id, committed first
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := f.db.SealVerifications(sys())
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("sealed (%v) while query-log row %d was not yet committed", err, early)
	case <-time.After(300 * time.Millisecond):
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	wantLedgerValid(t, f.db)
	storage.Tamper(t, f.db, `DELETE FROM query_log WHERE id = `+strconv.FormatInt(early, 10))
	wantLedgerInvalid(t, f.db, fmt.Sprintf("查询登记ID %d 已被删除", early))
}

// BenchmarkSealVerifications seals 100,000 verifications (each with a hit
// and a query-log row, copied from a real one) on SQLite.
func BenchmarkSealVerifications(b *testing.B) {
	const n = 100_000
	db := openSQLite(b)
	ctx := sys()
	lister := &access.Department{Code: uscc(b, "11220000MB000011"), Name: "吉林省人力资源和社会保障厅", RegionCode: "220000", Kind: "human_resources"}
	user := &access.Department{Code: uscc(b, "11220000MB000022"), Name: "吉林省财政厅", RegionCode: "220000", Kind: "finance"}
	for _, d := range []*access.Department{lister, user} {
		if err := db.UpsertDepartment(ctx, d); err != nil {
			b.Fatal(err)
		}
	}
	lf := &listFixture{db: db, lister: lister, company: uscc(b, "91220101MA0Y5678"), rep: citizenID(b, "22010219800101123")}
	body := csvBytes(b, listHeader, lf.blackRow("吉人社失〔2026〕1号"))
	if _, err := db.Submit(credit.NewContextWithActor(ctx, deptCtx(lister)), record.Submission{Class: lists.ClassCode, Filename: "list.csv", Body: bytes.NewReader(body)}); err != nil {
		b.Fatal(err)
	}
	v, err := db.Verify(credit.NewContextWithActor(ctx, deptCtx(user)), lists.VerificationRequest{Scenario: "政府采购", Purpose: "2026年办公设备采购项目", Subjects: []lists.Query{{Code: lf.company}}})
	if err != nil || v.Hits != 1 {
		b.Fatalf("Verify = %+v, %v", v, err)
	}
	if _, err := db.SealVerifications(ctx); err != nil {
		b.Fatal(err)
	}
	var answer int
	if err := db.SQL().QueryRow(`SELECT LENGTH(answer) FROM verifications`).Scan(&answer); err != nil {
		b.Fatal(err)
	}
	tmpl := strconv.FormatInt(v.ID, 10)
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		var last, lastLog int64
		if err := db.SQL().QueryRow(`SELECT (SELECT MAX(id) FROM verifications), (SELECT MAX(id) FROM query_log)`).Scan(&last, &lastLog); err != nil {
			b.Fatal(err)
		}
		from, logFrom := strconv.FormatInt(last, 10), strconv.FormatInt(lastLog, 10)
		series := `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ` + strconv.Itoa(n) + `) `
		storage.Tamper(b, db, series+`INSERT INTO verifications (id, at, actor, role, department_id, scenario, purpose, data_version, total, found, hits, feedback_due, answer)
			SELECT `+from+` + i, at, actor, role, department_id, scenario, purpose, data_version, total, found, hits, feedback_due, answer FROM n, verifications WHERE id = `+tmpl)
		storage.Tamper(b, db, series+`INSERT INTO verification_hits (verification_id, seq, subject_id, verdict)
			SELECT `+from+` + i, seq, subject_id, verdict FROM n, verification_hits WHERE verification_id = `+tmpl)
		storage.Tamper(b, db, series+`INSERT INTO query_log (id, at, actor, role, department_id, user_id, subject_id, purpose, channel, what)
			SELECT `+logFrom+` + i, at, actor, role, department_id, user_id, subject_id, purpose, channel, what FROM n, query_log WHERE id = (SELECT MIN(id) FROM query_log)`)
		b.StartTimer()
		got, err := db.SealVerifications(ctx)
		if err != nil || got != n {
			b.Fatalf("SealVerifications = %d, %v; want %d", got, err, n)
		}
	}
	b.ReportMetric(float64(answer), "answer-bytes")
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*n), "µs/verification")
}

// TestSealBatchChunkMissing: a chunk gone from the middle of a stored file
// is named.
func TestSealBatchChunkMissing(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newFixture(t, open)
		id := string(f.submit(t, "penalty", "big.csv", f.bigCSV(t)).Batch)
		wantLedgerValid(t, f.db)
		storage.Tamper(t, f.db, `DELETE FROM batch_chunks WHERE batch_id = '`+id+`' AND seq = 1`)
		wantLedgerInvalid(t, f.db, "批次“"+id+"”缺少第2块数据")
	})
}

// TestSealSameOnBothDialects: the same verifications, hits, query-log rows
// and feedback (times, NULLs, booleans, JSON text) hash alike on SQLite and
// PostgreSQL. (Rejected rows differ: batch ids are random, and the raw
// values are sealed with a random nonce.)
func TestSealSameOnBothDialects(t *testing.T) {
	detail := map[string]map[string]json.RawMessage{}
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newSealFixture(t, open)
		var d string
		if err := f.db.SQL().QueryRow(`SELECT detail FROM audit_log WHERE action = 'verification.seal'`).Scan(&d); err != nil {
			t.Fatal(err)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(d), &m); err != nil {
			t.Fatal(err)
		}
		detail[f.db.Dialect().String()] = m
	})
	if len(detail) < 2 {
		t.Skip("needs both dialects")
	}
	for _, stream := range []string{"verifications", "query_log", "verification_feedback"} {
		if a, b := string(detail["sqlite"][stream]), string(detail["postgres"][stream]); a != b || a == "" {
			t.Errorf("%s sealed as %s on SQLite, %s on PostgreSQL", stream, a, b)
		}
	}
}
