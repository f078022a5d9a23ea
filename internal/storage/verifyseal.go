package storage

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"jlcredit/internal/credit"
)

// verifySeals checks stored verifications and batch files against the
// audit trail: every seal recomputed from the rows it covers (seal.go), the
// feedback marks of hits against the feedback rows, and every stored batch
// file against its batch.store audit entry. It runs after verifyAudit, so
// the audit entries it reads are those of the signed tree.
func (db *DB) verifySeals(ctx context.Context) error {
	_, err := db.checkSeals(ctx)
	return err
}

// unsealedCounts is what each seal stream holds beyond the newest seal:
// not protected yet, and not an error (serve seals every 30 seconds), but
// reported, so that a row inserted there behind the platform's back is at
// least seen in the count.
type unsealedCounts struct {
	verifications, queryLog, feedback, batches int64
}

// checkSeals is verifySeals; it also returns how many items of each stream
// were written after the newest seal.
func (db *DB) checkSeals(ctx context.Context) (unsealedCounts, error) {
	var u unsealedCounts
	seals, err := db.readSeals(ctx)
	if err != nil {
		return u, err
	}
	sealedTo := map[string]int64{}
	for _, s := range sealStreams {
		to, err := db.checkStream(ctx, s, seals)
		if err != nil {
			return u, err
		}
		sealedTo[s.name] = to
	}
	if err := db.checkFeedbackMarks(ctx); err != nil {
		return u, err
	}
	if err := db.checkBatchFiles(ctx); err != nil {
		return u, err
	}
	// Counted as the streams select their items (seal.go): every row by
	// id, and each batch by the id of the audit entry that ended it.
	err = db.queryRow(ctx, `SELECT (SELECT COUNT(*) FROM verifications WHERE id > $1), (SELECT COUNT(*) FROM query_log WHERE id > $2),
		(SELECT COUNT(*) FROM verification_feedback WHERE id > $3),
		(SELECT COUNT(*) FROM audit_log WHERE id > $4 AND action IN ('batch.done', 'batch.failed'))`,
		sealedTo[streamVerifications], sealedTo[streamQueryLog], sealedTo[streamFeedback], sealedTo[streamBatchErrors]).
		Scan(&u.verifications, &u.queryLog, &u.feedback, &u.batches)
	return u, err
}

// sealEntry is a verification.seal audit entry.
type sealEntry struct {
	auditID int64
	ranges  map[string]sealRange
}

func (db *DB) readSeals(ctx context.Context) ([]*sealEntry, error) {
	var out []*sealEntry
	err := scanAll(db.rows(ctx, `SELECT id, detail FROM audit_log WHERE action = 'verification.seal' AND leaf IS NOT NULL ORDER BY id`), func(rows *sql.Rows) error {
		var e sealEntry
		var detail string
		if err := rows.Scan(&e.auditID, &detail); err != nil {
			return err
		}
		rs, err := parseSeal(detail)
		if err != nil {
			return credit.Errorf(credit.EINVALID, "核查记录封存校验失败：审计ID %d 的封存内容无法解析：%v", e.auditID, err)
		}
		e.ranges = rs
		out = append(out, &e)
		return nil
	})
	return out, err
}

// streamRange is a non-empty range of a stream and the seal it is part of.
type streamRange struct {
	seal *sealEntry
	r    sealRange
}

// checkStream recomputes every range of stream s from the rows, reading the
// stream once in id order, and returns the last id sealed. The ranges of
// successive seals must follow on from each other.
func (db *DB) checkStream(ctx context.Context, s sealStream, seals []*sealEntry) (int64, error) {
	var rs []streamRange
	var to int64
	for _, e := range seals {
		r, ok := e.ranges[s.name]
		if !ok {
			return 0, credit.Errorf(credit.EINVALID, "%s封存校验失败：审计ID %d 的封存缺少“%s”部分", s.label, e.auditID, s.name)
		}
		if r.FromID != to+1 || r.ToID < to {
			return 0, credit.Errorf(credit.EINVALID, "%s封存校验失败：审计ID %d 的封存范围（%d–%d）未紧接上一次封存（至%d）", s.label, e.auditID, r.FromID, r.ToID, to)
		}
		to = r.ToID
		if r.ToID >= r.FromID {
			rs = append(rs, streamRange{e, r})
		}
	}
	if len(rs) == 0 {
		return to, nil
	}
	i := 0
	sum := newSealSum(rs[0].r.FromID - 1)
	// next compares the range being summed with its seal and moves on.
	next := func() error {
		cur := rs[i]
		if sum.n != cur.r.Count || sum.sum() != cur.r.SHA256 {
			return db.describeSealMismatch(ctx, s, cur, sum.n)
		}
		i++
		if i < len(rs) {
			sum = newSealSum(rs[i].r.FromID - 1)
		}
		return nil
	}
	err := s.items(db, ctx, 0, to, func(it sealItem) error {
		for it.key > rs[i].r.ToID { // ranges cover (0, to] without a gap
			if err := next(); err != nil {
				return err
			}
		}
		sum.add(it)
		return nil
	})
	if err != nil {
		return 0, err
	}
	for i < len(rs) {
		if err := next(); err != nil {
			return 0, err
		}
	}
	return to, nil
}

// describeSealMismatch returns the EINVALID error of a range that no longer
// matches its seal, naming the first item changed, deleted or inserted when
// the seal's hints (verification_seals) tell.
func (db *DB) describeSealMismatch(ctx context.Context, s sealStream, sr streamRange, now int64) error {
	r := sr.r
	span := fmt.Sprintf("%sID %d–%d，封存时%d条，现有%d条", s.label, r.FromID, r.ToID, r.Count, now)
	if s.name == streamBatchErrors {
		span = fmt.Sprintf("审计ID %d–%d 间处理结束的批次，封存时%d个，现有%d个", r.FromID, r.ToID, r.Count, now)
	}
	msg := fmt.Sprintf("%s封存校验失败：审计ID %d 的封存（%s）与数据库中的不一致", s.label, sr.seal.auditID, span)
	first, err := db.firstSealDifference(ctx, s, sr)
	if err != nil {
		return err
	}
	if first == "" {
		return credit.Errorf(credit.EINVALID, "%s（无法定位到具体记录）", msg)
	}
	return credit.Errorf(credit.EINVALID, "%s：第一条异常为 %s", msg, first)
}

// firstSealDifference compares the items of a range with the seal's hints
// and describes the first difference, or returns "" when the hints are
// missing or show none (they were changed too).
func (db *DB) firstSealDifference(ctx context.Context, s sealStream, sr streamRange) (string, error) {
	var b []byte
	err := db.queryRow(ctx, `SELECT digests FROM verification_seals WHERE audit_id = $1 AND stream = $2`, sr.seal.auditID, s.name).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	sealed, ok := decodeHints(sr.r.FromID-1, b)
	if !ok || int64(len(sealed)) != sr.r.Count {
		return "", nil
	}
	var now []sealHint
	err = s.items(db, ctx, sr.r.FromID-1, sr.r.ToID, func(it sealItem) error {
		h := sealHint{key: it.key}
		copy(h.digest[:], it.digest[:])
		now = append(now, h)
		return nil
	})
	if err != nil {
		return "", err
	}
	key, how, found := firstHintDifference(sealed, now)
	if !found {
		return "", nil
	}
	if how == "被改动" && s.name == streamVerifications {
		how = "（或其命中明细）被改动"
	}
	name := db.sealItemName(ctx, s, key)
	if c := name[len(name)-1]; c >= '0' && c <= '9' && !strings.HasPrefix(how, "（") {
		name += " " // 核查记录ID 12 已被删除
	}
	return name + how, nil
}

// firstHintDifference returns the key of the first item that differs
// between the sealed hints and the items now, and how.
func firstHintDifference(sealed, now []sealHint) (key int64, how string, found bool) {
	for i := 0; i < len(sealed) || i < len(now); i++ {
		switch {
		case i >= len(now) || i < len(sealed) && sealed[i].key < now[i].key:
			return sealed[i].key, "已被删除", true
		case i >= len(sealed) || now[i].key < sealed[i].key:
			return now[i].key, "是封存后插入的", true
		case sealed[i].digest != now[i].digest:
			return now[i].key, "被改动", true
		}
	}
	return 0, "", false
}

// sealItemName names an item of a stream in messages.
func (db *DB) sealItemName(ctx context.Context, s sealStream, key int64) string {
	switch s.name {
	case streamVerifications:
		return fmt.Sprintf("核查记录ID %d", key)
	case streamQueryLog:
		return fmt.Sprintf("查询登记ID %d", key)
	case streamFeedback:
		return fmt.Sprintf("执行反馈ID %d", key)
	}
	var batch string
	if err := db.queryRow(ctx, `SELECT object_id FROM audit_log WHERE id = $1`, key).Scan(&batch); err != nil {
		return fmt.Sprintf("审计ID %d 所记批次的错误行", key)
	}
	return fmt.Sprintf("批次“%s”（审计ID %d）的错误行", batch, key)
}

// checkFeedbackMarks checks the one column of a hit that changes after it
// is written, and that the seals leave out: feedback_at is set, in the
// transaction of the first feedback on the hit, if and only if there is
// feedback on it (which is sealed). Cleared, a given feedback would count
// as missing and overdue; set, a missing one as given. (Only whether it is
// set matters to what the platform reports.)
func (db *DB) checkFeedbackMarks(ctx context.Context) error {
	var id, seq, marked, n int64
	err := db.queryRow(ctx, `SELECT h.verification_id, h.seq, CASE WHEN h.feedback_at IS NULL THEN 0 ELSE 1 END, COUNT(f.id)
		FROM verification_hits h LEFT JOIN verification_feedback f ON f.verification_id = h.verification_id AND f.seq = h.seq
		GROUP BY h.verification_id, h.seq, h.feedback_at
		HAVING (h.feedback_at IS NULL AND COUNT(f.id) > 0) OR (h.feedback_at IS NOT NULL AND COUNT(f.id) = 0)
		ORDER BY h.verification_id, h.seq LIMIT 1`).Scan(&id, &seq, &marked, &n)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return err
	case marked == 1:
		return credit.Errorf(credit.EINVALID, "核查记录校验失败：核查记录ID %d 第%d个核查对象标记为已反馈，但没有执行反馈记录（标记或反馈被改动）", id, seq)
	}
	return credit.Errorf(credit.EINVALID, "核查记录校验失败：核查记录ID %d 第%d个核查对象有%d条执行反馈，却标记为未反馈（标记被改动）", id, seq, n)
}

// storedBatch is a batch row beside its batch.store audit entry, if any.
type storedBatch struct {
	id, status      string
	size            int64
	sha256          string
	createdAt       time.Time
	audited         bool
	auditID         int64
	at              time.Time
	auditSize       int64
	auditSHA256     string
	auditDetailBad  bool
	auditDetailText string
	noAuditedHash   bool // an entry of a build before the file's hash was audited
}

// checkBatchFiles checks every stored batch file against its batch.store
// audit entry, which holds the file's size and SHA-256: the batch row says
// the same, and its chunks are all there, open (they are sealed with their
// batch, place and encoding), decompress, and add up to that size and hash.
// A batch row without the entry is an upload in progress (status
// receiving), or a batch stored before batch.store entries were written
// (created before the first of them): both are skipped. Any other is
// reported, as is an entry whose batch row is gone.
func (db *DB) checkBatchFiles(ctx context.Context) error {
	// One statement: a batch stored meanwhile is seen with its entry or
	// not at all.
	var bs []*storedBatch
	err := scanAll(db.rows(ctx, `SELECT b.id, b.status, b.size, b.sha256, b.created_at, COALESCE(a.id, 0), a.at, COALESCE(a.detail, '')
		FROM batches b LEFT JOIN audit_log a ON a.object_type = 'batch' AND a.object_id = b.id AND a.action = 'batch.store' AND a.leaf IS NOT NULL
		ORDER BY b.created_at, b.id`), func(rows *sql.Rows) error {
		b := &storedBatch{}
		var at sql.NullTime
		var detail string
		if err := rows.Scan(&b.id, &b.status, &b.size, &b.sha256, &b.createdAt, &b.auditID, &at, &detail); err != nil {
			return err
		}
		b.audited, b.at = b.auditID != 0, at.Time
		if b.audited {
			var d struct {
				Size   *int64  `json:"size"`
				SHA256 *string `json:"sha256"`
			}
			switch err := json.Unmarshal([]byte(detail), &d); {
			case err != nil || d.Size == nil:
				b.auditDetailBad, b.auditDetailText = true, detail
			case d.SHA256 == nil:
				// Written before 7078564, which added the file's hash:
				// the size is what the entry says; the file is checked
				// against the hash in its batch row.
				b.auditSize, b.auditSHA256, b.noAuditedHash = *d.Size, b.sha256, true
			default:
				b.auditSize, b.auditSHA256 = *d.Size, *d.SHA256
			}
		}
		bs = append(bs, b)
		return nil
	})
	if err != nil {
		return err
	}
	// Batch rows are never deleted once stored (only uploads that never
	// finished, which have no entry): an entry without its row, read
	// after the rows, is one deleted.
	var gone []*storedBatch
	err = scanAll(db.rows(ctx, `SELECT a.object_id, a.id FROM audit_log a LEFT JOIN batches b ON b.id = a.object_id
		WHERE a.object_type = 'batch' AND a.action = 'batch.store' AND a.leaf IS NOT NULL AND b.id IS NULL ORDER BY a.id LIMIT 1`), func(rows *sql.Rows) error {
		b := &storedBatch{}
		gone = append(gone, b)
		return rows.Scan(&b.id, &b.auditID)
	})
	if err != nil {
		return err
	}
	if len(gone) > 0 {
		return credit.Errorf(credit.EINVALID, "批次文件校验失败：批次“%s”已存储（审计ID %d），但批次记录已被删除", gone[0].id, gone[0].auditID)
	}
	var first time.Time // the first batch.store entry
	for _, b := range bs {
		if b.audited && (first.IsZero() || b.at.Before(first)) {
			first = b.at
		}
	}
	for _, b := range bs {
		switch {
		case !b.audited && (b.status == "receiving" || first.IsZero() || b.createdAt.Before(first)):
			continue
		case !b.audited:
			return credit.Errorf(credit.EINVALID, "批次文件校验失败：批次“%s”（状态%s）没有存储时的审计记录（batch.store）：批次未经平台写入", b.id, b.status)
		case b.auditDetailBad:
			return credit.Errorf(credit.EINVALID, "批次文件校验失败：批次“%s”的存储审计记录（审计ID %d）缺少文件大小：%s", b.id, b.auditID, b.auditDetailText)
		case b.size != b.auditSize || b.sha256 != b.auditSHA256:
			return credit.Errorf(credit.EINVALID, "批次文件校验失败：批次“%s”记录的文件为%d字节、SHA-256 %s，存储时的审计记录（审计ID %d）为%d字节、%s（批次记录被改动）",
				b.id, b.size, b.sha256, b.auditID, b.auditSize, b.auditSHA256)
		}
		if err := db.checkBatchFile(ctx, b); err != nil {
			return err
		}
	}
	return nil
}

// checkBatchFile reads a stored batch back, chunk by chunk as chunkReader
// does, and compares it with its batch.store entry.
func (db *DB) checkBatchFile(ctx context.Context, b *storedBatch) error {
	bad := func(format string, args ...any) error {
		return credit.Errorf(credit.EINVALID, "批次文件校验失败：批次“%s”%s", b.id, fmt.Sprintf(format, args...))
	}
	var seqs []int
	err := scanAll(db.rows(ctx, `SELECT seq FROM batch_chunks WHERE batch_id = $1 ORDER BY seq`, b.id), func(rows *sql.Rows) error {
		var seq int
		err := rows.Scan(&seq)
		seqs = append(seqs, seq)
		return err
	})
	if err != nil {
		return err
	}
	for i, seq := range seqs {
		if seq != i {
			return bad("缺少第%d块数据（存储的文件被删改）", i+1)
		}
	}
	h := sha256.New()
	var size int64
	for _, seq := range seqs {
		var sealed []byte
		var encoding string
		err := db.queryRow(ctx, `SELECT data, encoding FROM batch_chunks WHERE batch_id = $1 AND seq = $2`, b.id, seq).Scan(&sealed, &encoding)
		if err != nil {
			return err
		}
		plain, err := db.openChunk(credit.BatchID(b.id), seq, sealed, encoding)
		switch {
		case errors.Is(err, errChunkSeal):
			return bad("的第%d块数据无法解密（被改动、移动或改标）", seq+1)
		case errors.Is(err, errChunkDecode):
			return bad("的第%d块数据无法解压", seq+1)
		case errors.Is(err, errChunkEncoding):
			return bad("的第%d块数据编码“%s”未知", seq+1, encoding)
		case err != nil:
			return err
		}
		h.Write(plain)
		size += int64(len(plain))
	}
	if sum := hex.EncodeToString(h.Sum(nil)); size != b.auditSize || sum != b.auditSHA256 {
		return bad("存储的文件为%d字节、SHA-256 %s，与存储时的审计记录（审计ID %d：%d字节、%s）不符（数据块被删改）", size, sum, b.auditID, b.auditSize, b.auditSHA256)
	}
	return nil
}

// batchTally is what the verified records say about a batch: the
// department of its first record version, and that version's id.
type batchTally struct {
	department int64
	record     int64
}

// batchCheck is a batch row beside its batch.store entry and the newest
// entry that ended its processing (batch.done, batch.failed), if any.
type batchCheck struct {
	id, class, depCode, submittedBy, filename, status, errText string
	department                                                 int64
	total, accepted, rejected, duplicates, late                int64
	backfill                                                   bool
	createdAt                                                  time.Time

	storeID              int64
	storeAt              time.Time
	storeActor, storeDet string
	endID                int64
	endAction, endDet    string
}

// checkBatchRows checks each batch row, which the dashboards sum (报送
// 准确率 and 及时率 come from its counts, late and backfill columns, per
// day of created_at), against the audit trail:
//
//   - against its batch.store entry (batch.go storeChunks): class,
//     submitting department (the entry names its code), file name, and
//     the submitter, who is the entry's actor (the same actor label
//     storeBatch writes into submitted_by); backfill when the entry says
//     (entries of this build do not); created_at no later than the entry
//     (the row is written before its file) and no earlier than the time in
//     the batch id (credit.NewBatchID, taken before the row is written),
//     both give or take batchClockSlack;
//   - against the newest entry that ended it (process.go finishBatch): the
//     status is the entry's (done or failed), a finished batch is never
//     taken up again, and a done batch has no error; the counts are the
//     receipt's (the receipt is the batch's whole, the row's counts when it
//     ended, and the row never changes after); a backfill batch counts no
//     late records (process.go clears lateness for them), so a receipt
//     with late records is not one; a batch with a batch.store entry whose
//     row says done or failed without such an entry was not ended by the
//     platform. The error text of a failed batch is compared when the entry
//     carries it (entries of this build do not);
//   - against its verified record versions (tallies): their department.
//
// One statement reads the rows with their entries, so a batch stored or
// finished meanwhile is seen with its entries or not at all. Detail fields
// an older build did not write are not compared.
func (db *DB) checkBatchRows(ctx context.Context, tallies map[credit.BatchID]batchTally) error {
	// Each batch is checked once its rows have all come (they come
	// together, in the order of the statement): a million batches are not
	// held in memory at once.
	var cur *batchCheck
	err := scanAll(db.rows(ctx, `SELECT b.id, b.class, b.department_id, COALESCE(d.code, ''), b.submitted_by, b.filename, b.status, b.error,
		b.total, b.accepted, b.rejected, b.duplicates, b.late, b.backfill, b.created_at,
		COALESCE(a.id, 0), COALESCE(a.action, ''), a.at, COALESCE(a.actor, ''), COALESCE(a.detail, '')
		FROM batches b LEFT JOIN departments d ON d.id = b.department_id
		LEFT JOIN audit_log a ON a.object_type = 'batch' AND a.object_id = b.id AND a.leaf IS NOT NULL AND a.action IN ('batch.store', 'batch.done', 'batch.failed')
		ORDER BY b.created_at, b.id, a.leaf`), func(rows *sql.Rows) error {
		var b batchCheck
		var auditID int64
		var action, actor, detail string
		var at sql.NullTime
		if err := rows.Scan(&b.id, &b.class, &b.department, &b.depCode, &b.submittedBy, &b.filename, &b.status, &b.errText,
			&b.total, &b.accepted, &b.rejected, &b.duplicates, &b.late, &b.backfill, &b.createdAt,
			&auditID, &action, &at, &actor, &detail); err != nil {
			return err
		}
		if cur == nil || cur.id != b.id {
			if cur != nil {
				if err := cur.check(tallies); err != nil {
					return err
				}
			}
			cur = &b
		}
		switch action {
		case "batch.store":
			if cur.storeID == 0 {
				cur.storeID, cur.storeAt, cur.storeActor, cur.storeDet = auditID, at.Time, actor, detail
			}
		case "batch.done", "batch.failed":
			cur.endID, cur.endAction, cur.endDet = auditID, action, detail // the newest wins
		}
		return nil
	})
	if err != nil || cur == nil {
		return err
	}
	return cur.check(tallies)
}

func (b *batchCheck) check(tallies map[credit.BatchID]batchTally) error {
	yes := func(v bool) string { return map[bool]string{true: "“是”", false: "“否”"}[v] }
	when := func(t time.Time) string { return t.In(credit.Shanghai).Format("2006-01-02 15:04:05.000000") }
	// bad names a column whose value (have) differs from what an entry
	// (what: its id and action) says (want).
	bad := func(column, have, what, want string) error {
		return credit.Errorf(credit.EINVALID, "批次校验失败：批次“%s”的%s（batches.%s）为%s，%s载明为%s（批次记录被改动）", b.id, batchColumnNames[column], column, have, what, want)
	}
	if b.storeID != 0 {
		what := fmt.Sprintf("其存储时的审计记录（审计ID %d，batch.store）", b.storeID)
		var d struct {
			Class      *string `json:"class"`
			Department *string `json:"department"`
			Filename   *string `json:"filename"`
			Backfill   *bool   `json:"backfill"`
		}
		if err := json.Unmarshal([]byte(b.storeDet), &d); err != nil {
			return credit.Errorf(credit.EINVALID, "批次校验失败：批次“%s”存储时的审计记录（审计ID %d）无法解析：%s", b.id, b.storeID, b.storeDet)
		}
		switch {
		case d.Class != nil && b.class != *d.Class:
			return bad("class", quoteValue(b.class), what, quoteValue(*d.Class))
		case d.Department != nil && b.depCode != *d.Department:
			return bad("department_id", fmt.Sprintf("%d（%s）", b.department, quoteValue(b.depCode)), what, quoteValue(*d.Department))
		case d.Filename != nil && b.filename != *d.Filename:
			return bad("filename", quoteValue(b.filename), what, quoteValue(*d.Filename))
		case b.submittedBy != b.storeActor:
			return bad("submitted_by", quoteValue(b.submittedBy), what, quoteValue(b.storeActor))
		case d.Backfill != nil && b.backfill != *d.Backfill:
			return bad("backfill", yes(b.backfill), what, yes(*d.Backfill))
		case b.createdAt.After(b.storeAt.Add(batchClockSlack)):
			return credit.Errorf(credit.EINVALID, "批次校验失败：批次“%s”的%s（batches.created_at）为%s，晚于%s的时间%s（批次记录被改动）",
				b.id, batchColumnNames["created_at"], when(b.createdAt), what, when(b.storeAt))
		}
	}
	// B20261120100000-…: the Shanghai time, to the second, before the row
	// was written.
	if len(b.id) > 15 && b.id[0] == 'B' {
		if t, err := time.ParseInLocation("20060102150405", b.id[1:15], credit.Shanghai); err == nil && b.createdAt.Before(t.Add(-batchClockSlack)) {
			return credit.Errorf(credit.EINVALID, "批次校验失败：批次“%s”的%s（batches.created_at）为%s，早于批次号中的时间%s（批次记录被改动）",
				b.id, batchColumnNames["created_at"], when(b.createdAt), when(t))
		}
	}
	if b.endID == 0 {
		if b.storeID != 0 && (b.status == "done" || b.status == "failed") {
			return credit.Errorf(credit.EINVALID, "批次校验失败：批次“%s”的%s（batches.status）为%s，审计日志中却没有其处理结束的记录（batch.done或batch.failed）（批次记录被改动）",
				b.id, batchColumnNames["status"], quoteValue(b.status))
		}
	} else {
		what := fmt.Sprintf("其处理结束的审计记录（审计ID %d，%s）", b.endID, b.endAction)
		var d struct {
			Total      *int64  `json:"total"`
			Accepted   *int64  `json:"accepted"`
			Rejected   *int64  `json:"rejected"`
			Duplicates *int64  `json:"duplicates"`
			Late       *int64  `json:"late"`
			Error      *string `json:"error"`
		}
		if err := json.Unmarshal([]byte(b.endDet), &d); err != nil {
			return credit.Errorf(credit.EINVALID, "批次校验失败：批次“%s”处理结束的审计记录（审计ID %d）无法解析：%s", b.id, b.endID, b.endDet)
		}
		status := strings.TrimPrefix(b.endAction, "batch.")
		if b.status != status {
			return bad("status", quoteValue(b.status), what, quoteValue(status))
		}
		if d.Error == nil && status == "done" {
			d.Error = new(string) // a done batch has no error
		}
		if d.Error != nil && b.errText != *d.Error {
			return bad("error", quoteValue(b.errText), what, quoteValue(*d.Error))
		}
		for _, c := range []struct {
			column string
			have   int64
			want   *int64
		}{
			{"total", b.total, d.Total}, {"accepted", b.accepted, d.Accepted}, {"rejected", b.rejected, d.Rejected},
			{"duplicates", b.duplicates, d.Duplicates}, {"late", b.late, d.Late},
		} {
			if c.want != nil && c.have != *c.want {
				return bad(c.column, strconv.FormatInt(c.have, 10), what, strconv.FormatInt(*c.want, 10))
			}
		}
		if b.backfill && d.Late != nil && *d.Late > 0 {
			return credit.Errorf(credit.EINVALID, "批次校验失败：批次“%s”标记为历史数据补录（batches.backfill），%s却载明迟报%d条（补录批次的记录不计迟报）（批次记录被改动）",
				b.id, what, *d.Late)
		}
	}
	if t, ok := tallies[credit.BatchID(b.id)]; ok && t.department != b.department {
		return credit.Errorf(credit.EINVALID, "批次校验失败：批次“%s”的%s（batches.department_id）为%d，其存证记录（记录ID %d）中为%d（批次记录被改动）",
			b.id, batchColumnNames["department_id"], b.department, t.record, t.department)
	}
	return nil
}

// batchClockSlack is how far created_at may lie outside the times it is
// checked against (the batch id's, the batch.store entry's): the clock
// read for each may be stepped back in between. Moving a batch to another
// day of the dashboards takes more.
const batchClockSlack = time.Minute

// batchColumnNames are the batches' columns in messages.
var batchColumnNames = map[string]string{
	"class":         "信息类",
	"department_id": "报送部门",
	"filename":      "文件名",
	"submitted_by":  "报送人",
	"backfill":      "历史数据补录",
	"created_at":    "创建时间",
	"status":        "状态",
	"error":         "错误说明",
	"total":         "总行数",
	"accepted":      "接收条数",
	"rejected":      "拒收条数",
	"duplicates":    "重复条数",
	"late":          "迟报条数",
}
