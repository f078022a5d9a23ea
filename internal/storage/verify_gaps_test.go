package storage_test

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
	"jlcredit/internal/record"
	"jlcredit/internal/storage"
	"jlcredit/internal/subject"
)

// gapsFixture is tamperFixture with a natural person among the subjects
// (penalised, with a citizen ID), and what the tamperings below name.
type gapsFixture struct {
	*tamperFixture
	person      string // citizen ID of the penalised person
	personBatch string // the batch of the person's penalty
	lateBatch   string // a finished batch with late records
	firstOfLast int64  // the first record of the newest batch
}

func newGapsFixture(t *testing.T, open opener) *gapsFixture {
	t.Helper()
	f := &gapsFixture{tamperFixture: newTamperFixture(t, open), person: citizenID(t, "22010219900303456")}
	pf := &fixture{db: f.db, dept: f.lister, company: f.company, person: f.person}
	ctx := credit.NewContextWithActor(t.Context(), deptCtx(f.lister))
	// The person's penalty, and a company's decided in October: late.
	body := csvBytes(t, penaltyHeader, pf.personRow("吉人社罚〔2026〕9号"), pf.penaltyRow("吉人社罚〔2026〕8号", "警告", "", "2026-10-09"))
	rc, err := f.db.Submit(ctx, record.Submission{Class: "penalty", Filename: "p.csv", Body: bytes.NewReader(body)})
	if err != nil || rc.Accepted != 2 || rc.Late != 1 {
		t.Fatalf("Submit(person) = %+v, %v; want 2 accepted, 1 late", rc, err)
	}
	f.personBatch, f.lateBatch = string(rc.Batch), string(rc.Batch)
	// The newest batch: two penalties in one chunk (one checkpoint).
	last := f.submitPenalties(t, pf, "吉人社罚〔2026〕5号", "吉人社罚〔2026〕6号")
	f.lastBatch = string(last.Batch)
	if err := f.db.SQL().QueryRow(`SELECT MIN(id) FROM records WHERE batch_id = ` + quote(f.lastBatch)).Scan(&f.firstOfLast); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.VerifyLedger(sys()); err != nil {
		t.Fatalf("VerifyLedger of the fixture: %v", err)
	}
	return f
}

func (f *gapsFixture) submitPenalties(t *testing.T, pf *fixture, docs ...string) *record.Receipt {
	t.Helper()
	var rows [][]string
	for _, d := range docs {
		rows = append(rows, pf.penaltyRow(d, "警告", "", "2026-11-18"))
	}
	ctx := credit.NewContextWithActor(t.Context(), deptCtx(f.lister))
	rc, err := f.db.Submit(ctx, record.Submission{Class: "penalty", Filename: "q.csv", Body: bytes.NewReader(csvBytes(t, penaltyHeader, rows...))})
	if err != nil || rc.Accepted != len(docs) {
		t.Fatalf("Submit(penalties) = %+v, %v", rc, err)
	}
	return rc
}

// TestVerifyGaps applies one tampering per case, as TestVerifyTamper does,
// to what `ledger verify` let pass before: subjects' names and other
// columns, batch rows, records beyond the newest checkpoint (named).
func TestVerifyGaps(t *testing.T) {
	company := func(f *gapsFixture) string { return `uscc = ` + quote(f.company) }
	batch := func(set string) func(f *gapsFixture) []string {
		return func(f *gapsFixture) []string {
			return []string{`UPDATE batches SET ` + set + ` WHERE id = ` + quote(f.lastBatch)}
		}
	}
	inBatch := func(what string) func(f *gapsFixture) string {
		return func(f *gapsFixture) string { return "批次“" + f.lastBatch + "”的" + what }
	}
	masked := func(f *gapsFixture) string { return "主体 " + subject.MaskCitizenID(f.person) + " 的" }
	for _, c := range []struct {
		name string
		sql  func(f *gapsFixture) []string
		want func(f *gapsFixture) string
	}{
		// 1. Subjects against what their records say.
		{"SubjectRenamed", func(f *gapsFixture) []string {
			return []string{`UPDATE subjects SET name = '改名后的公司' WHERE ` + company(f)}
		}, func(f *gapsFixture) string {
			return "主体 " + f.company + " 的名称（subjects.name）为“改名后的公司”"
		}},
		{"SubjectDisplayName", func(f *gapsFixture) []string {
			return []string{`UPDATE subjects SET display_name = '改名后的公司' WHERE ` + company(f)}
		}, func(f *gapsFixture) string {
			return "主体 " + f.company + " 的显示名称（subjects.display_name）为“改名后的公司”"
		}},
		{"SubjectLegalRep", func(f *gapsFixture) []string {
			return []string{`UPDATE subjects SET legal_rep = '张冒名' WHERE ` + company(f)}
		}, func(f *gapsFixture) string {
			return "主体 " + f.company + " 的法定代表人（subjects.legal_rep）为“张冒名”"
		}},
		{"SubjectType", func(f *gapsFixture) []string {
			return []string{`UPDATE subjects SET type = 'social_org' WHERE ` + company(f)}
		}, func(f *gapsFixture) string {
			return "主体 " + f.company + " 的主体类型（subjects.type）为“社会组织”"
		}},
		{"SubjectMaskedOnCompany", func(f *gapsFixture) []string {
			return []string{`UPDATE subjects SET cid_masked = '220102********1234' WHERE ` + company(f)}
		}, func(f *gapsFixture) string {
			return "主体 " + f.company + " 的证件号码（掩码）（subjects.cid_masked）为“220102********1234”"
		}},
		{"SubjectVerified", func(f *gapsFixture) []string {
			return []string{`UPDATE subjects SET verified = TRUE WHERE ` + company(f)}
		}, func(f *gapsFixture) string {
			return "主体 " + f.company + " 的已核实标记（subjects.verified）"
		}},
		{"PersonRenamed", func(f *gapsFixture) []string {
			return []string{`UPDATE subjects SET name = '王某某' WHERE type = 'person'`}
		}, func(f *gapsFixture) string { return masked(f) + "名称（subjects.name）为“王某某”" }},
		{"PersonDisplayName", func(f *gapsFixture) []string {
			return []string{`UPDATE subjects SET display_name = '王某某' WHERE type = 'person'`}
		}, func(f *gapsFixture) string {
			return masked(f) + "显示名称（subjects.display_name）为“王某某”"
		}},
		{"PersonMasked", func(f *gapsFixture) []string {
			return []string{`UPDATE subjects SET cid_masked = '220102********9999' WHERE type = 'person'`}
		}, func(f *gapsFixture) string {
			return masked(f) + "证件号码（掩码）（subjects.cid_masked）为“220102********9999”"
		}},
		{"PersonRegion", func(f *gapsFixture) []string {
			return []string{`UPDATE subjects SET region_code = '220200' WHERE type = 'person'`}
		}, func(f *gapsFixture) string {
			return masked(f) + "行政区划（subjects.region_code）为“220200”"
		}},
		{"PersonCipher", func(f *gapsFixture) []string {
			return []string{`UPDATE subjects SET cid_cipher = NULL WHERE type = 'person'`}
		}, func(f *gapsFixture) string { return masked(f) + "证件号码密文（subjects.cid_cipher）" }},

		// 2. Batch rows against their audited receipts and submissions.
		{"BatchAccepted", batch(`accepted = accepted + 1`), inBatch("接收条数（batches.accepted）为3，其处理结束的审计记录")},
		{"BatchTotal", batch(`total = total + 5`), inBatch("总行数（batches.total）为7")},
		{"BatchRejected", batch(`rejected = rejected + 1`), inBatch("拒收条数（batches.rejected）为1")},
		{"BatchDuplicates", batch(`duplicates = 1`), inBatch("重复条数（batches.duplicates）为1")},
		{"BatchLate", batch(`late = late + 1`), inBatch("迟报条数（batches.late）为1")},
		{"BatchFailed", batch(`status = 'failed', error = '文件无法读取'`), inBatch("状态（batches.status）为“failed”")},
		{"BatchReopened", batch(`status = 'processing'`), inBatch("状态（batches.status）为“processing”")},
		{"BatchError", batch(`error = '文件无法读取'`), inBatch("错误说明（batches.error）为“文件无法读取”")},
		{"BatchSubmitter", batch(`submitted_by = '冒名报送人'`), inBatch("报送人（batches.submitted_by）为“冒名报送人”")},
		{"BatchClass", batch(`class = 'license'`), inBatch("信息类（batches.class）为“license”")},
		{"BatchFilename", batch(`filename = 'forged.csv'`), inBatch("文件名（batches.filename）为“forged.csv”")},
		{"BatchDepartment", func(f *gapsFixture) []string {
			return []string{`UPDATE batches SET department_id = ` + f.otherDept + ` WHERE id = ` + quote(f.lastBatch)}
		}, inBatch("报送部门（batches.department_id）")},
		{"BatchCreatedEarlier", batch(`created_at = '2026-11-19 02:00:00'`), inBatch("创建时间（batches.created_at）")},
		// The storage entry records backfill: either way is caught, late
		// records or not.
		{"BatchBackfill", func(f *gapsFixture) []string {
			return []string{`UPDATE batches SET backfill = TRUE WHERE id = ` + quote(f.lateBatch)}
		}, func(f *gapsFixture) string {
			return "批次“" + f.lateBatch + "”的历史数据补录（batches.backfill）为“是”，其存储时的审计记录"
		}},
		{"BatchBackfillNoLate", batch(`backfill = TRUE`), inBatch("历史数据补录（batches.backfill）为“是”，其存储时的审计记录")},

		// 4. Records beyond the newest checkpoint are named.
		{"LedgerNewestCheckpointDeleted", func(f *gapsFixture) []string {
			return []string{`DELETE FROM ledger_checkpoints WHERE size = (SELECT MAX(size) FROM ledger_checkpoints)`}
		}, func(f *gapsFixture) string {
			return fmt.Sprintf("数据库中有2条记录不在已签名的存证账本内（记录未经平台写入），第一条为 记录ID %d（信息类 penalty，", f.firstOfLast)
		}},
		{"LedgerCheckpointsDeleted", func(f *gapsFixture) []string { return []string{`DELETE FROM ledger_checkpoints`} },
			func(f *gapsFixture) string {
				return "条记录：记录未经平台写入，第一条为 记录ID 1（信息类 list_entry，"
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			forBothDialects(t, func(t *testing.T, open opener) {
				f := newGapsFixture(t, open)
				want := c.want(f)
				for _, q := range c.sql(f) {
					storage.Tamper(t, f.db, q)
				}
				_, err := f.db.VerifyLedger(sys())
				if credit.ErrorCode(err) != credit.EINVALID || !strings.Contains(credit.ErrorMessage(err), want) {
					t.Fatalf("VerifyLedger = %v; want invalid with %q", err, want)
				}
				if strings.Contains(credit.ErrorMessage(err), f.person) {
					t.Errorf("the message names the person's citizen ID in clear: %s", credit.ErrorMessage(err))
				}
				t.Log(credit.ErrorMessage(err))
			})
		})
	}
}

// TestVerifyGapsUnsealed: rows of the query log and feedback written after
// the newest seal are counted and reported like verifications, a forged
// one included (it is not protected yet, but not hidden either).
func TestVerifyGapsUnsealed(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newSealFixture(t, open)
		rep, err := f.db.VerifyLedger(sys())
		if err != nil {
			t.Fatal(err)
		}
		if rep.Unsealed != 0 || rep.UnsealedQueryLog != 0 || rep.UnsealedFeedback != 0 || rep.UnsealedBatches != 0 || rep.UnsealedNote() != "" {
			t.Fatalf("all sealed: %+v, note %q", rep, rep.UnsealedNote())
		}
		maxID := func(table string) int64 {
			var n int64
			if err := f.db.SQL().QueryRow(`SELECT COALESCE(MAX(id), 0) FROM ` + table).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		count := func(table string, after int64) int64 {
			var n int64
			if err := f.db.SQL().QueryRow(`SELECT COUNT(*) FROM `+table+` WHERE id > $1`, after).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		sealedQ, sealedF := maxID("query_log"), maxID("verification_feedback")
		storage.Tamper(t, f.db, `INSERT INTO query_log (at, actor, role, department_id, user_id, subject_id, purpose, channel, what)
			SELECT at, actor, role, department_id, user_id, subject_id, '伪造的查询', channel, what FROM query_log WHERE id = `+strconv.FormatInt(f.archiveRead, 10))
		rep, err = f.db.VerifyLedger(sys())
		if err != nil {
			t.Fatal(err)
		}
		if rep.Unsealed != 0 || rep.UnsealedQueryLog != 1 || rep.UnsealedFeedback != 0 {
			t.Errorf("after a query-log row was inserted: %+v", rep)
		}
		if note := rep.UnsealedNote(); !strings.Contains(note, "1条查询登记") || !strings.Contains(note, "尚未封存") {
			t.Errorf("note %q: want it to count 1条查询登记", note)
		}
		// Feedback given after the seal, a verification and a batch with a
		// rejected row.
		ctx := credit.NewContextWithActor(t.Context(), deptCtx(f.user))
		if _, err := f.db.CreateFeedback(ctx, f.v2, []lists.Feedback{{Seq: 1, MeasureCode: "N1-01", Applied: false, Reason: "项目已终止"}}); err != nil {
			t.Fatal(err)
		}
		f.verify(t, "政府采购", lists.Query{Code: f.company})
		bad := f.blackRow("吉人社失〔2026〕4号")
		bad[3] = "x"
		f.submitAs(t, f.lister, bad)
		rep, err = f.db.VerifyLedger(sys())
		if err != nil {
			t.Fatal(err)
		}
		q, fb := count("query_log", sealedQ), count("verification_feedback", sealedF)
		if q < 2 || fb != 1 { // the forged row and the verification's
			t.Fatalf("%d query-log rows, %d feedback rows since the seal", q, fb)
		}
		if rep.Unsealed != 1 || rep.UnsealedQueryLog != q || rep.UnsealedFeedback != fb || rep.UnsealedBatches != 1 {
			t.Errorf("after feedback, a verification and a batch: %+v; want 1, %d, %d, 1", rep, q, fb)
		}
		note := rep.UnsealedNote()
		for _, w := range []string{"1条核查记录", fmt.Sprintf("%d条查询登记", q), "1条执行反馈", "1个批次的错误行"} {
			if !strings.Contains(note, w) {
				t.Errorf("note %q: want %q", note, w)
			}
		}
		t.Log(note)
		f.seal(t, 1)
		// The forged row is sealed with the rest now: from here on it is
		// protected like them (the seal cannot tell it from a real one).
		rep, err = f.db.VerifyLedger(sys())
		if err != nil || rep.UnsealedNote() != "" {
			t.Fatalf("after sealing: %+v, %v", rep, err)
		}
	})
}

// TestVerifyGapsSubjectsUntampered: subjects created from rows written in
// every way the writer tidies (full-width letters and brackets, runs of
// white space, invisible characters), sole traders with a 92 code as
// 个体工商户 and as 自然人, and a person, verify: what checkSubjects
// derives from the records is what resolveSubjects wrote.
func TestVerifyGapsSubjectsUntampered(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newListFixture(t, open)
		pf := &fixture{db: f.db, dept: f.lister}
		row := func(name, kind, code, rep, idType, id, doc string) []string {
			r := pf.penaltyRow(doc, "警告", "", "2026-11-16")
			r[0], r[1], r[2], r[3], r[4], r[5] = name, kind, code, rep, idType, id
			return r
		}
		body := csvBytes(t, penaltyHeader,
			row(" 长春　北辰（集团）\u200b有限公司 ", "法人及非法人组织", uscc(t, "91220101MA0Y0101"), "ＷＡＮＧ　建国", "", "", "吉罚〔2026〕1号"),
			row("长春ＡＢＣ  商贸有限公司", "法人及非法人组织", uscc(t, "91220101MA0Y0102"), " 李\t四 ", "", "", "吉罚〔2026〕2号"),
			row("南关区老王小吃店（个体）", "个体工商户", uscc(t, "92220102MA0Y0103"), "", "", "", "吉罚〔2026〕3号"),
			row("朝阳区张记修理部", "自然人", uscc(t, "92220104MA0Y0104"), "", "身份证", citizenID(t, "22010419850505123"), "吉罚〔2026〕4号"),
			row("赵　某（化名）", "自然人", "", "", "身份证", citizenID(t, "22010519900909456"), "吉罚〔2026〕5号"),
			// The same company again, its name written otherwise.
			row("长春北辰(集团)有限公司", "法人及非法人组织", uscc(t, "91220101MA0Y0101"), "王建国", "", "", "吉罚〔2026〕6号"),
		)
		ctx := credit.NewContextWithActor(t.Context(), deptCtx(f.lister))
		rc, err := f.db.Submit(ctx, record.Submission{Class: "penalty", Filename: "p.csv", Body: bytes.NewReader(body)})
		if err != nil || rc.Accepted != 6 {
			errs, _, _ := f.db.FindBatchErrors(sys(), rc.Batch, 0, 10)
			t.Fatalf("Submit = %+v, %v; %+v", rc, err, errs)
		}
		var displayed int
		if err := f.db.SQL().QueryRow(`SELECT COUNT(*) FROM subjects WHERE display_name <> ''`).Scan(&displayed); err != nil || displayed == 0 {
			t.Fatalf("%d subjects with a display name, %v: want some", displayed, err)
		}
		if _, err := f.db.VerifyLedger(sys()); err != nil {
			t.Fatalf("VerifyLedger: %v", err)
		}
		// And the check holds for them: a legal rep forged where the
		// records name one. (Where none does there is nothing to compare:
		// TestVerifySeededLegalRep.)
		storage.Tamper(t, f.db, `UPDATE subjects SET legal_rep = '冒名' WHERE uscc = `+quote(uscc(t, "91220101MA0Y0101")))
		if _, err := f.db.VerifyLedger(sys()); credit.ErrorCode(err) != credit.EINVALID || !strings.Contains(credit.ErrorMessage(err), "法定代表人（subjects.legal_rep）为“冒名”") {
			t.Fatalf("VerifyLedger after a company's legal rep was forged: %v", err)
		}
	})
}

// TestVerifySeededSubjectNames: a subject whose name differs from its
// records' only in width (seeded by EnsureSubjects before it normalised
// names, as the demo province and the benchmarks did) is no tampering;
// another name is.
func TestVerifySeededSubjectNames(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newFixture(t, open)
		const written = "长春北辰汽车零部件（有限合伙）"
		if err := f.db.EnsureSubjects(sys(), []record.SubjectRef{{Name: written, Type: string(subject.Enterprise), USCC: f.company}}); err != nil {
			t.Fatal(err)
		}
		var name, display string
		if err := f.db.SQL().QueryRow(`SELECT name, display_name FROM subjects WHERE uscc = `+quote(f.company)).Scan(&name, &display); err != nil {
			t.Fatal(err)
		}
		if name != subject.NormalizeText(written) || display != written {
			t.Errorf("seeded subject: name %q, display %q; want them as ingestion stores them", name, display)
		}
		row := f.penaltyRow("长市监罚〔2026〕1号", "警告", "", "2026-11-16")
		row[0] = written
		f.submit(t, "penalty", "a.csv", csvBytes(t, penaltyHeader, row))
		if _, err := f.db.VerifyLedger(sys()); err != nil {
			t.Fatalf("VerifyLedger: %v", err)
		}
		// As seeded before: the name as given, no display name.
		storage.Tamper(t, f.db, `UPDATE subjects SET name = `+quote(written)+`, display_name = '' WHERE uscc = `+quote(f.company))
		if _, err := f.db.VerifyLedger(sys()); err != nil {
			t.Errorf("VerifyLedger of a subject seeded with a full-width name: %v", err)
		}
		storage.Tamper(t, f.db, `UPDATE subjects SET name = '长春北辰汽车零部件（无限合伙）' WHERE uscc = `+quote(f.company))
		if _, err := f.db.VerifyLedger(sys()); credit.ErrorCode(err) != credit.EINVALID || !strings.Contains(credit.ErrorMessage(err), "subjects.name") {
			t.Errorf("VerifyLedger of a renamed subject: %v, want the name reported", err)
		}
	})
}

// TestVerifyFailedBatchError: a failed batch's reason is in its audit
// entry, so a changed reason is caught.
func TestVerifyFailedBatchError(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newFixture(t, open)
		ctx := credit.NewContextWithActor(t.Context(), deptCtx(f.dept))
		rc, err := f.db.Submit(ctx, record.Submission{Class: "penalty", Filename: "x.csv", Body: bytes.NewReader([]byte("甲,乙\n1,2\n"))})
		if err == nil || rc == nil {
			t.Fatalf("Submit of a file without the class's columns = %+v, %v; want it failed", rc, err)
		}
		var status, msg string
		if err := f.db.SQL().QueryRow(`SELECT status, error FROM batches WHERE id = `+quote(string(rc.Batch))).Scan(&status, &msg); err != nil || status != "failed" || msg == "" {
			t.Fatalf("batch: %s %q %v; want failed with its reason", status, msg, err)
		}
		if _, err := f.db.VerifyLedger(sys()); err != nil {
			t.Fatalf("VerifyLedger: %v", err)
		}
		storage.Tamper(t, f.db, `UPDATE batches SET error = '文件格式正确' WHERE id = `+quote(string(rc.Batch)))
		if _, err := f.db.VerifyLedger(sys()); credit.ErrorCode(err) != credit.EINVALID || !strings.Contains(credit.ErrorMessage(err), "batches.error") {
			t.Errorf("VerifyLedger after the reason was changed: %v, want the batch's error reported", err)
		}
	})
}

// TestVerifySeededLegalRep: a subject seeded with a legal representative
// whose records name none (list entries of the verification benchmark) is
// no tampering.
func TestVerifySeededLegalRep(t *testing.T) {
	forBothDialects(t, func(t *testing.T, open opener) {
		f := newFixture(t, open)
		if err := f.db.EnsureSubjects(sys(), []record.SubjectRef{{Name: "长春北辰汽车零部件有限公司", Type: string(subject.Enterprise), USCC: f.company, LegalRep: "贺秀珍"}}); err != nil {
			t.Fatal(err)
		}
		row := f.penaltyRow("长市监罚〔2026〕1号", "警告", "", "2026-11-16")
		row[3] = "" // CF_FRDB
		f.submit(t, "penalty", "a.csv", csvBytes(t, penaltyHeader, row))
		if _, err := f.db.VerifyLedger(sys()); err != nil {
			t.Fatalf("VerifyLedger: %v", err)
		}
	})
}
