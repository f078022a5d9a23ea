package storage

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"iter"
	"log/slog"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/klauspost/compress/zstd"

	"jlcredit/internal/access"
	"jlcredit/internal/catalog"
	"jlcredit/internal/credit"
	"jlcredit/internal/record"
	"jlcredit/internal/record/ingest"
)

// chunkSize is the size of the pieces a batch's raw bytes are stored in.
const chunkSize = 1 << 20

// MaxBatchBytes is the largest batch accepted.
var MaxBatchBytes int64 = 2 << 30

// detectFormat names the format of a submission from its declared format or
// its file name; "" leaves it to content sniffing.
func detectFormat(s record.Submission) string {
	if s.Format != "" {
		return strings.ToLower(s.Format)
	}
	switch strings.ToLower(filepath.Ext(s.Filename)) {
	case ".csv", ".txt":
		return "csv"
	case ".xlsx":
		return "xlsx"
	case ".json":
		return "json"
	}
	return ""
}

// MaxFilenameChars is the longest file name a batch may carry (as most
// file systems allow): it is shown in listings and sent back in the raw
// file's Content-Disposition header.
const MaxFilenameChars = 255

// checkFilename refuses a batch's file name that is too long or holds
// control characters (QA: a 100,000-character name was stored, and its
// download answered with a 200 KB header line). A name that is not UTF-8
// (a GBK name given to the CLI) is kept, each such byte U+FFFD.
func checkFilename(name string) error {
	switch n := utf8.RuneCountInString(name); {
	case n > MaxFilenameChars:
		return credit.Errorf(credit.EINVALID, "文件名过长（%d个字符），最多%d个字符，请改短后重新上传", n, MaxFilenameChars)
	case strings.ContainsFunc(name, unicode.IsControl):
		return credit.Errorf(credit.EINVALID, "文件名含有控制字符，请改名后重新上传")
	case strings.ContainsFunc(name, func(r rune) bool { return unicode.Is(unicode.Bidi_Control, r) }):
		// (“处罚‮vsc.exe.csv” shows as “处罚csv.exe.csv”)
		return credit.Errorf(credit.EINVALID, "文件名含有文字方向控制符，会改变文件名的显示顺序，请改名后重新上传")
	}
	return nil
}

// Submit stores the batch whole, then processes it row by row.
func (db *DB) Submit(ctx context.Context, s record.Submission) (*record.Receipt, error) {
	class, err := db.FindClass(ctx, s.Class)
	if err != nil {
		return nil, err
	}
	if !class.Ingestible {
		return nil, credit.Errorf(credit.EINVALID, "信息类“%s（%s）”暂不支持批量报送", class.Name, class.Code)
	}
	dep, err := db.submittingDepartment(ctx, s.DepartmentCode)
	if err != nil {
		return nil, err
	}
	if err := checkFilename(s.Filename); err != nil {
		return nil, err
	}
	if r := credit.ActorFromContext(ctx).Role; s.Backfill && r != credit.RoleSystem && r != credit.RoleProvince {
		return nil, credit.Errorf(credit.EFORBIDDEN, "历史数据补录仅限省级管理员操作")
	}
	// A file named or declared .xlsx that is not one (a CSV renamed, an
	// export gone wrong) is refused before it is stored, not stored to fail.
	if detectFormat(s) == "xlsx" && s.Body != nil {
		br := bufio.NewReader(s.Body)
		if head, _ := br.Peek(4); len(head) > 0 && !bytes.Equal(head, []byte("PK\x03\x04")) {
			name := s.Filename
			if name == "" {
				name = "上传的文件"
			}
			return nil, credit.Errorf(credit.EINVALID, "“%s”声明为Excel（.xlsx）文件，但内容不是（.xlsx文件以“PK”开头）：请按文件的实际格式上传，CSV文件请使用.csv扩展名", name)
		}
		s.Body = br
	}
	start := time.Now()
	lease := newLease()
	id, err := db.storeBatch(ctx, s, class, dep, lease)
	if err != nil {
		return nil, err
	}
	db.logger.Debug("批次文件已保存", slog.String("batch", string(id)), slog.Duration("took", time.Since(start)))
	if s.Stored != nil {
		s.Stored(id)
	}
	start = time.Now()
	r, err := db.processBatch(ctx, id, lease, s.Progress)
	db.logger.Debug("批次处理结束", slog.String("batch", string(id)), slog.Duration("took", time.Since(start)))
	return r, err
}

// submittingDepartment resolves who submits: a department's own credentials
// decide; the platform itself and administrators name the department.
func (db *DB) submittingDepartment(ctx context.Context, code string) (*access.Department, error) {
	actor := credit.ActorFromContext(ctx)
	if actor.Role == credit.RoleDepartment {
		if code != "" && !strings.EqualFold(strings.TrimSpace(code), actor.DepartmentCode) {
			return nil, credit.Errorf(credit.EFORBIDDEN, "不得代其他部门报送数据：当前凭据属于“%s”", actor.DepartmentCode)
		}
		return db.FindDepartmentByID(ctx, actor.DepartmentID)
	}
	if code == "" {
		return nil, credit.Errorf(credit.EINVALID, "请指定报送部门的统一社会信用代码")
	}
	dep, err := db.FindDepartmentByCode(ctx, code)
	if err != nil {
		return nil, err
	}
	if !access.Can(actor, access.ActionSubmit, access.Target{DepartmentID: dep.ID, RegionCode: dep.RegionCode}) {
		return nil, credit.Errorf(credit.EFORBIDDEN, "无权以“%s”的名义报送数据", dep.Name)
	}
	return dep, nil
}

// storeBatch stores the batch row and its raw bytes: nothing is processed
// before the whole submission is stored. The row is written first
// (status receiving, held by the upload's lease), each chunk in a
// transaction of its own as it arrives, and the status stored with the
// file's size and hash last: a slow upload does not hold the database's
// writer (SQLite has one) while the network delivers it. An upload that
// fails is removed again, chunks and row, so that a batch either was
// stored whole or never was.
func (db *DB) storeBatch(ctx context.Context, s record.Submission, class *catalog.Class, dep *access.Department, lease string) (credit.BatchID, error) {
	id := credit.NewBatchID(db.Now())
	actor := credit.ActorFromContext(ctx)
	channel := s.Channel
	if channel == "" {
		channel = actor.Channel
	}
	err := db.transact(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `INSERT INTO batches (id, class, department_id, submitted_by, channel, filename, format, status, created_at, backfill, lease_owner, lease_until)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			string(id), class.Code, int64(dep.ID), actor.Label(), channel, s.Filename, detectFormat(s), "receiving", tx.now, s.Backfill, lease, tx.now.Add(receiveLease))
		return err
	})
	if err != nil {
		return "", err
	}
	if err := db.storeChunks(ctx, id, s, class, dep, lease); err != nil {
		// Removed even when the upload failed because ctx was cancelled
		// (Ctrl-C, a client gone): then above all.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		cerr := db.transact(cctx, func(tx *Tx) error {
			// Only while still this upload's: removed as abandoned
			// meanwhile, it is gone already; stored after all (the
			// commit went through, its answer was lost), it stays.
			held, err := tx.lockUpload(cctx, `id = $1 AND status = 'receiving' AND lease_owner = $2`, string(id), lease)
			if err != nil || !held {
				return err
			}
			_, err = tx.deleteUpload(cctx, string(id), nil)
			return err
		})
		if cerr != nil {
			db.logger.Error("上传失败的批次未能清除", slog.String("batch", string(id)), slog.Any("error", cerr))
		}
		if ctx.Err() != nil && credit.ErrorCode(err) == credit.EINTERNAL {
			return "", credit.Errorf(credit.EUNAVAILABLE, "上传已中断，文件未保存；请重新报送")
		}
		return "", err
	}
	return id, nil
}

// receiveLease is how long a batch stays receiving without a new chunk
// before its upload counts as abandoned (the process that received it
// died): a chunk is 1 MiB.
const receiveLease = 10 * time.Minute

// errUploadRemoved is the error of an upload removed as abandoned
// (RemoveAbandonedUploads) while its sender was still sending, slowly:
// nothing of it is kept.
func errUploadRemoved() error {
	return credit.Errorf(credit.ECONFLICT, "上传超时：超过%d分钟未收到文件的后续内容，未完成的上传已被清除，文件未保存，请重新报送", int(receiveLease/time.Minute))
}

// renewUpload renews the lease of batch id's upload until until, while
// the batch is still receiving under lease; errUploadRemoved when it no
// longer is (RemoveAbandonedUploads removed it first). On PostgreSQL the
// update waits for a removal that holds the row (lockUpload) and then
// finds it gone; a removal that comes after it finds the lease renewed.
func (tx *Tx) renewUpload(ctx context.Context, id credit.BatchID, lease string, until time.Time) error {
	res, err := tx.exec(ctx, `UPDATE batches SET lease_until = $1 WHERE id = $2 AND status = 'receiving' AND lease_owner = $3`, until, string(id), lease)
	if err != nil {
		return err
	}
	if k, err := res.RowsAffected(); err != nil {
		return err
	} else if k == 0 {
		return errUploadRemoved()
	}
	return nil
}

// lockUpload selects the batch row WHERE cond (its arguments args) and
// holds it (PostgreSQL: FOR UPDATE; SQLite's write transaction excludes
// every other writer already) until the transaction ends, so that no
// chunk and no end of the upload comes in between. It reports whether
// the row was there.
func (tx *Tx) lockUpload(ctx context.Context, cond string, args ...any) (bool, error) {
	q := `SELECT id FROM batches WHERE ` + cond
	if tx.db.dialect == Postgres {
		q += ` FOR UPDATE`
	}
	var id string
	err := tx.queryRow(ctx, q, args...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// deleteUpload deletes the chunks and the row of batch id, an upload
// still receiving that lockUpload holds, and returns how many chunks it
// had; between the two, it calls between when not nil.
func (tx *Tx) deleteUpload(ctx context.Context, id string, between func()) (chunks int64, err error) {
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM batch_chunks WHERE batch_id = $1`, id).Scan(&chunks); err != nil {
		return 0, err
	}
	if _, err := tx.exec(ctx, `DELETE FROM batch_chunks WHERE batch_id = $1`, id); err != nil {
		return 0, err
	}
	if between != nil {
		between()
	}
	_, err = tx.exec(ctx, `DELETE FROM batches WHERE id = $1 AND status = $2`, id, "receiving")
	return chunks, err
}

// RemoveAbandonedUploads removes batches still receiving (upload begun,
// never finished: the process stopped) with their chunks: they were never
// stored, and nothing processes them. A batch is abandoned when no chunk
// came for receiveLease, or, for those an earlier build began (without
// that lease), when begun before cutoff. Each removal checks that again
// in its own transaction, holding the row: an upload that was only slow
// and sent a chunk or finished since they were selected is left alone,
// and one removed fails its next write (errUploadRemoved). Each removal
// is audited. It returns how many were removed.
func (db *DB) RemoveAbandonedUploads(ctx context.Context, cutoff time.Time) (int, error) {
	var ids []string
	// The status written out and no ORDER BY: the partial index
	// batches_receiving (0022), not a walk of every batch in id order; the
	// few ids are sorted here.
	err := scanAll(db.rows(ctx, `SELECT id FROM batches WHERE status = 'receiving' AND (lease_until < $1 OR lease_until IS NULL AND created_at < $2)`,
		db.Now().UTC().Truncate(time.Microsecond), cutoff.UTC()), func(rows *sql.Rows) error {
		var id string
		ids = append(ids, id)
		return rows.Scan(&ids[len(ids)-1])
	})
	if err != nil {
		return 0, fmt.Errorf("storage.RemoveAbandonedUploads: %w", err)
	}
	slices.Sort(ids)
	n := 0
	for _, id := range ids {
		if beforeAbandonedRemoval != nil {
			beforeAbandonedRemoval(id)
		}
		err := db.transact(ctx, func(tx *Tx) error {
			abandoned, err := tx.lockUpload(ctx, `id = $1 AND status = 'receiving' AND (lease_until < $2 OR lease_until IS NULL AND created_at < $3)`,
				id, tx.now, cutoff.UTC())
			if err != nil || !abandoned {
				return err // not abandoned: alive (a chunk came) or stored meanwhile
			}
			var between func()
			if duringAbandonedRemoval != nil {
				between = func() { duringAbandonedRemoval(id) }
			}
			chunks, err := tx.deleteUpload(ctx, id, between)
			if err != nil {
				return err
			}
			n++
			return tx.audit(ctx, "batch.abandoned", "batch", id, map[string]any{"chunks": chunks})
		})
		if err != nil {
			return n, fmt.Errorf("storage.RemoveAbandonedUploads: %w", err)
		}
	}
	return n, nil
}

// Set by tests only, to run what another process does at the steps of an
// upload and of the removal of abandoned ones where it may come in between:
// beforeChunkWrite before chunk seq of batch id is stored, beforeStoredWrite
// before the batch is marked stored, beforeAbandonedRemoval before the
// transaction removing an abandoned upload begins, duringAbandonedRemoval
// in that transaction once the chunks are deleted, before the row is.
var (
	beforeChunkWrite       func(id credit.BatchID, seq int)
	beforeStoredWrite      func(id credit.BatchID)
	beforeAbandonedRemoval func(id string)
	duringAbandonedRemoval func(id string)
)

// auditBatchHash puts the file's SHA-256 in its batch.store audit entry;
// only tests turn it off, to store batches as older builds did.
var auditBatchHash = true

// storeChunks stores the raw bytes of batch id as they arrive, then marks
// the batch stored, held by lease (resume.go). Each write goes through only
// while the batch is still receiving under lease: errUploadRemoved once
// RemoveAbandonedUploads removed it.
func (db *DB) storeChunks(ctx context.Context, id credit.BatchID, s record.Submission, class *catalog.Class, dep *access.Department, lease string) error {
	// Reading, hashing, compressing and sealing run in a goroutine of
	// their own, a chunk ahead of the inserts.
	chunks, hash, stop := db.sealChunks(id, s.Body)
	defer stop()
	var size int64
	for c := range chunks {
		if c.err != nil {
			return c.err
		}
		size += int64(c.size)
		if beforeChunkWrite != nil {
			beforeChunkWrite(id, c.seq)
		}
		err := db.transact(ctx, func(tx *Tx) error {
			// The upload is alive as long as chunks keep coming: the
			// lease is renewed first, which fails once the upload was
			// removed as abandoned, and holds the row against a removal
			// until the chunk is in.
			if err := tx.renewUpload(ctx, id, lease, tx.now.Add(receiveLease)); err != nil {
				return err
			}
			_, err := tx.exec(ctx, `INSERT INTO batch_chunks (batch_id, seq, data, encoding) VALUES ($1, $2, $3, $4)`, string(id), c.seq, c.sealed, c.encoding)
			return err
		})
		if err != nil {
			return err
		}
	}
	if size == 0 {
		return credit.Errorf(credit.EINVALID, "文件为空")
	}
	sum := hex.EncodeToString(hash())
	if beforeStoredWrite != nil {
		beforeStoredWrite(id)
	}
	return db.transact(ctx, func(tx *Tx) error {
		// Stored only while still receiving under this upload's lease:
		// removed as abandoned meanwhile, its chunks are gone, and an
		// audit entry would name a batch that does not exist.
		res, err := tx.exec(ctx, `UPDATE batches SET status = $1, size = $2, sha256 = $3, lease_owner = $4, lease_until = $5
			WHERE id = $6 AND status = 'receiving' AND lease_owner = $7`,
			"stored", size, sum, lease, tx.now.Add(leaseTTL), string(id), lease)
		if err != nil {
			return err
		}
		if k, err := res.RowsAffected(); err != nil {
			return err
		} else if k == 0 {
			return errUploadRemoved()
		}
		// The raw file's hash goes into the audit tree with the rest: the
		// bytes stored can be checked against a signed record of them.
		detail := map[string]any{"class": class.Code, "department": dep.Code, "size": size, "filename": s.Filename, "sha256": sum, "backfill": s.Backfill}
		if !auditBatchHash { // (tests: as builds before 7078564 wrote it)
			delete(detail, "sha256")
		}
		return tx.audit(ctx, "batch.store", "batch", string(id), detail)
	})
}

// chunkAD is the associated data a chunk is sealed with: its batch, place
// and encoding, so that a chunk moved to another batch or place, or
// relabelled, no longer opens. Chunks stored before encodings existed
// (encoding "") were sealed without it.
func chunkAD(id credit.BatchID, seq int, encoding string) []byte {
	if encoding == "" {
		return nil
	}
	return []byte(string(id) + "\x00" + strconv.Itoa(seq) + "\x00" + encoding)
}

// sealedChunk is one piece of a batch's raw bytes, ready to be stored.
type sealedChunk struct {
	seq      int
	size     int // raw bytes
	sealed   []byte
	encoding string
	err      error
}

// chunkEncoder compresses stored chunks: zstd at its fastest level, which
// keeps a CSV or JSON batch at about a seventh of its size (BENCHMARKS.md)
// at a few milliseconds per chunk. EncodeAll and DecodeAll may be called
// concurrently (batches stored at once each get an encoder, up to
// GOMAXPROCS). No zstd checksum: the sealed chunk is authenticated.
var (
	chunkEncoder, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderCRC(false))
	chunkDecoder, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(0), zstd.WithDecoderMaxMemory(4*chunkSize))
)

// sealChunks reads body in chunks of chunkSize and sends each, compressed
// when that saves at least a tenth (an XLSX file is compressed already) and
// sealed, on the returned channel, which is closed after the last chunk or
// after a chunk carrying an error. hash returns the SHA-256 of the raw bytes
// once the channel is drained; stop ends the goroutine early.
func (db *DB) sealChunks(id credit.BatchID, body io.Reader) (chunks <-chan sealedChunk, hash func() []byte, stop func()) {
	out := make(chan sealedChunk, 1)
	done := make(chan struct{})
	h := sha256.New()
	go func() {
		defer close(out)
		send := func(c sealedChunk) bool {
			select {
			case out <- c:
				return c.err == nil
			case <-done:
				return false
			}
		}
		var size int64
		for seq := 0; ; seq++ {
			buf := make([]byte, chunkSize)
			n, rerr := readChunk(body, buf)
			if n > 0 {
				size += int64(n)
				if size > MaxBatchBytes {
					send(sealedChunk{err: credit.Errorf(credit.ETOOLARGE, "文件超过%d MB上限", MaxBatchBytes>>20)})
					return
				}
				raw := buf[:n]
				h.Write(raw)
				c := sealedChunk{seq: seq, size: n, encoding: "raw"}
				plain := raw
				if z := chunkEncoder.EncodeAll(raw, make([]byte, 0, n/4)); len(z) < n-n/10 {
					plain, c.encoding = z, "zstd"
				}
				sealed, err := db.Secrets.sealFor(plain, chunkAD(id, seq, c.encoding))
				if err != nil {
					send(sealedChunk{err: err})
					return
				}
				c.sealed = sealed
				if !send(c) {
					return
				}
			}
			if rerr == io.EOF {
				return
			}
			if rerr != nil {
				var ce *credit.Error
				switch {
				case errors.As(rerr, &ce):
					send(sealedChunk{err: ce})
				case errors.Is(rerr, io.ErrUnexpectedEOF):
					// The request body or multipart part ended before its
					// declared length or closing boundary: a broken upload,
					// whose rows must not be taken for the whole file.
					send(sealedChunk{err: record.ErrUploadBrokenOff()})
				case errors.As(rerr, new(*http.MaxBytesError)):
					// The server's limit on a request body (a caller
					// that did not say it in a credit.Error itself).
					var mbe *http.MaxBytesError
					errors.As(rerr, &mbe)
					send(sealedChunk{err: credit.Errorf(credit.ETOOLARGE, "上传的文件超过%d MB上限", mbe.Limit>>20)})
				default:
					send(sealedChunk{err: credit.Errorf(credit.EINVALID, "读取上传文件失败：%v", rerr)})
				}
				return
			}
		}
	}()
	var once sync.Once
	return out, func() []byte { return h.Sum(nil) }, func() {
		once.Do(func() { close(done) })
		for range out {
		}
	}
}

// readChunk fills buf from r as io.ReadFull does, but returns r's own
// error: io.EOF only at the end of the body, and io.ErrUnexpectedEOF only
// when r says the body broke off (io.ReadFull reports a short last chunk
// with the same error, which made a truncated upload look complete).
func readChunk(r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// Errors of openChunk, by what failed.
var (
	errChunkSeal     = errors.New("cannot be opened (altered, moved or relabelled)")
	errChunkDecode   = errors.New("cannot be decompressed")
	errChunkEncoding = errors.New("has an unknown encoding")
)

// openChunk opens chunk seq of batch id as stored (sealed, encoded) and
// returns its bytes as received.
func (db *DB) openChunk(id credit.BatchID, seq int, sealed []byte, encoding string) ([]byte, error) {
	plain, err := db.Secrets.openFor(sealed, chunkAD(id, seq, encoding))
	if err != nil {
		// Builds of 2026-11-27 01:15–02:33 UTC (64afd6d up to 7078564)
		// compressed chunks ('zstd') but sealed them without associated
		// data. Such a chunk opens only without it; one sealed with it
		// never does, so this admits nothing else.
		if encoding != "zstd" {
			return nil, fmt.Errorf("storage: batch chunk %s/%d %w: %v", id, seq, errChunkSeal, err)
		}
		var lerr error
		if plain, lerr = db.Secrets.openFor(sealed, nil); lerr != nil {
			return nil, fmt.Errorf("storage: batch chunk %s/%d %w: %v", id, seq, errChunkSeal, err)
		}
	}
	switch encoding {
	case "", "raw":
		return plain, nil
	case "zstd":
		if plain, err = chunkDecoder.DecodeAll(plain, make([]byte, 0, chunkSize)); err != nil {
			return nil, fmt.Errorf("storage: batch chunk %s/%d %w: %v", id, seq, errChunkDecode, err)
		}
		return plain, nil
	}
	return nil, fmt.Errorf("storage: batch chunk %s/%d %w: %q", id, seq, errChunkEncoding, encoding)
}

// chunkReader streams a stored batch back from the database, and at the
// end checks the bytes against the size and SHA-256 recorded when the batch
// was stored (also in its batch.store audit entry): a chunk missing,
// replaced or cut short is an error, not a shorter file.
type chunkReader struct {
	ctx  context.Context
	db   *DB
	b    *record.Batch
	seq  int
	buf  []byte
	eof  bool
	h    hash.Hash
	read int64
}

func newChunkReader(ctx context.Context, db *DB, b *record.Batch) *chunkReader {
	return &chunkReader{ctx: ctx, db: db, b: b, h: sha256.New()}
}

func (r *chunkReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if r.eof {
			return 0, io.EOF
		}
		var sealed []byte
		var encoding string
		err := r.db.queryRow(r.ctx, `SELECT data, encoding FROM batch_chunks WHERE batch_id = $1 AND seq = $2`, string(r.b.ID), r.seq).Scan(&sealed, &encoding)
		if errors.Is(err, sql.ErrNoRows) {
			r.eof = true
			if sum := hex.EncodeToString(r.h.Sum(nil)); r.read != r.b.Size || sum != r.b.SHA256 {
				return 0, fmt.Errorf("storage: batch %s: the stored bytes (%d, SHA-256 %s) are not those stored (%d, %s)", r.b.ID, r.read, sum, r.b.Size, r.b.SHA256)
			}
			continue
		}
		if err != nil {
			return 0, err
		}
		if r.buf, err = r.db.openChunk(r.b.ID, r.seq, sealed, encoding); err != nil {
			return 0, err
		}
		r.h.Write(r.buf)
		r.read += int64(len(r.buf))
		r.seq++
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// OpenBatchRaw returns the stored bytes of a batch.
func (db *DB) OpenBatchRaw(ctx context.Context, id credit.BatchID) (io.Reader, error) {
	b, err := db.FindBatchByID(ctx, id)
	if err != nil {
		return nil, err
	}
	return newChunkReader(ctx, db, b), nil
}

const batchColumns = `b.id, b.class, b.department_id, d.code, b.submitted_by, b.channel, b.filename, b.format, b.size, b.sha256, b.status, b.error,
	b.total, b.accepted, b.rejected, b.duplicates, b.late, b.created_at, b.finished_at, b.backfill`

type batchRow struct {
	record.Batch
	lease string // the lease this process holds while processing it (resume.go)
}

func scanBatch(s interface{ Scan(...any) error }, extra ...any) (*batchRow, error) {
	var b batchRow
	var id string
	var dep int64
	var fin sql.NullTime
	dest := append([]any{&id, &b.Class, &dep, &b.DepartmentCode, &b.SubmittedBy, &b.Channel, &b.Filename, &b.Format, &b.Size, &b.SHA256, &b.Status, &b.Error,
		&b.Total, &b.Accepted, &b.Rejected, &b.Duplicates, &b.Late, &b.CreatedAt, &fin, &b.Backfill}, extra...)
	if err := s.Scan(dest...); err != nil {
		return nil, err
	}
	b.ID = credit.BatchID(id)
	b.Receipt.Batch = b.ID
	b.DepartmentID = credit.DepartmentID(dep)
	if fin.Valid {
		t := fin.Time
		b.FinishedAt = &t
	}
	return &b, nil
}

// FindBatchByID returns the batch, ENOTFOUND, or EFORBIDDEN when the actor may
// not see it.
func (db *DB) FindBatchByID(ctx context.Context, id credit.BatchID) (*record.Batch, error) {
	b, err := db.findBatch(ctx, id)
	if err != nil {
		return nil, err
	}
	return &b.Batch, nil
}

func (db *DB) findBatch(ctx context.Context, id credit.BatchID) (*batchRow, error) {
	var region string
	b, err := scanBatch(db.queryRow(ctx, `SELECT `+batchColumns+`, d.region_code FROM batches b JOIN departments d ON d.id = b.department_id WHERE b.id = $1`, string(id)), &region)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, credit.Errorf(credit.ENOTFOUND, "批次“%s”不存在", id)
	}
	if err != nil {
		return nil, err
	}
	if !access.Can(credit.ActorFromContext(ctx), access.ActionViewBatch, access.Target{DepartmentID: b.DepartmentID, RegionCode: region}) {
		return nil, credit.Errorf(credit.EFORBIDDEN, "无权查看其他部门的批次")
	}
	return b, nil
}

// FindBatchErrors returns the rejected rows of a batch in row order, and
// how many there are (also for a page past the last). A limit of 0 or less
// means every row from offset on.
func (db *DB) FindBatchErrors(ctx context.Context, id credit.BatchID, offset, limit int) ([]record.RowError, int, error) {
	if _, err := db.findBatch(ctx, id); err != nil {
		return nil, 0, err
	}
	if limit <= 0 {
		limit = 1 << 30
	}
	// The total by a count of its own: a window count (COUNT(*) OVER())
	// made the database read and hold every rejected row of the batch for
	// each page — an error sheet of 300,000 rows took 13 minutes and 1 GB.
	var total int
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM batch_errors WHERE batch_id = $1`, string(id)).Scan(&total); err != nil {
		return nil, 0, err
	}
	var out []record.RowError
	err := scanAll(db.rows(ctx, `SELECT row_num, problems, raw FROM batch_errors WHERE batch_id = $1 ORDER BY row_num LIMIT $2 OFFSET $3`, string(id), limit, offset),
		func(rows *sql.Rows) error {
			e, err := db.scanRowError(rows)
			if err == nil {
				out = append(out, e)
			}
			return err
		})
	return out, total, err
}

// batchErrorChunk is how many rejected rows BatchErrors reads per query.
var batchErrorChunk = 2000

// BatchErrors yields every rejected row of a batch in row order, reading
// them a chunk at a time after the last row number seen, so that an error
// sheet of a million rejected rows needs neither a million rows in memory
// nor OFFSET scans that grow with the page. An error ends the sequence,
// yielded with a zero row.
func (db *DB) BatchErrors(ctx context.Context, id credit.BatchID) iter.Seq2[record.RowError, error] {
	return func(yield func(record.RowError, error) bool) {
		if _, err := db.findBatch(ctx, id); err != nil {
			yield(record.RowError{}, err)
			return
		}
		after := -1
		for {
			var chunk []record.RowError
			err := scanAll(db.rows(ctx, `SELECT row_num, problems, raw FROM batch_errors WHERE batch_id = $1 AND row_num > $2 ORDER BY row_num LIMIT $3`, string(id), after, batchErrorChunk),
				func(rows *sql.Rows) error {
					e, err := db.scanRowError(rows)
					if err == nil {
						chunk = append(chunk, e)
					}
					return err
				})
			if err != nil {
				yield(record.RowError{}, err)
				return
			}
			for _, e := range chunk {
				if !yield(e, nil) {
					return
				}
			}
			if len(chunk) < batchErrorChunk {
				return
			}
			after = chunk[len(chunk)-1].Row
		}
	}
}

// scanRowError reads one batch_errors row (row_num, problems, raw),
// opening the sealed raw values.
func (db *DB) scanRowError(rows *sql.Rows) (record.RowError, error) {
	var e record.RowError
	var probs, raw string
	if err := rows.Scan(&e.Row, &probs, &raw); err != nil {
		return e, err
	}
	if err := json.Unmarshal([]byte(probs), &e.Problems); err != nil {
		return e, err
	}
	clear, err := db.Secrets.openText(raw)
	if err != nil {
		return e, err
	}
	err = json.Unmarshal(clear, &e.Raw)
	return e, err
}

// FindBatches lists the batches the actor may see, newest first.
func (db *DB) FindBatches(ctx context.Context, f record.BatchFilter) ([]*record.Batch, int, error) {
	actor := credit.ActorFromContext(ctx)
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "$?", fmt.Sprintf("$%d", len(args))))
	}
	switch actor.Role {
	case credit.RoleProvince, credit.RoleSystem, credit.RoleAuditor:
	case credit.RoleRegion:
		add(`d.region_code LIKE $?`, regionLike(actor.RegionCode))
	case credit.RoleDepartment:
		add(`b.department_id = $?`, int64(actor.DepartmentID))
	default:
		return nil, 0, credit.Errorf(credit.EFORBIDDEN, "无权查看报送批次")
	}
	if f.DepartmentID != nil {
		add(`b.department_id = $?`, int64(*f.DepartmentID))
	}
	if f.Class != "" {
		add(`b.class = $?`, f.Class)
	}
	if f.Since != nil {
		add(`b.created_at >= $?`, f.Since.UTC())
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	// A page newest first, by the (created_at, id) indexes (0022), and the
	// total counted up to subject.TotalCap: a window count sorted every
	// batch of the province for the dashboard's eight (seconds at a
	// million).
	from := ` FROM batches b JOIN departments d ON d.id = b.department_id`
	if len(where) > 0 {
		from += ` WHERE ` + strings.Join(where, ` AND `)
	}
	total, err := db.countCapped(ctx, from, f.Offset, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("storage.FindBatches: %w", err)
	}
	q := `SELECT ` + batchColumns + from
	args = append(args, f.Limit, f.Offset)
	q += fmt.Sprintf(` ORDER BY b.created_at DESC, b.id DESC LIMIT $%d OFFSET $%d`, len(args)-1, len(args))
	var out []*record.Batch
	err = scanAll(db.rows(ctx, q, args...), func(rows *sql.Rows) error {
		b, err := scanBatch(rows)
		if err != nil {
			return err
		}
		out = append(out, &b.Batch)
		return nil
	})
	return out, total, err
}

// openBatchReader opens the stored bytes of a batch as rows.
// openBatchReader opens a stored batch for reading with the header row found
// by the fields of class c (title rows above it skipped).
func (db *DB) openBatchReader(ctx context.Context, b *batchRow, c *catalog.Class) (ingest.Reader, error) {
	lim := ingest.DefaultLimits()
	lim.IsField = func(h string) bool { _, ok := c.FieldByHeader(h); return ok }
	return ingest.Open(newChunkReader(ctx, db, &b.Batch), b.Filename, b.Format, lim)
}

// BatchHeaders returns the header row of a batch's file as processing read
// it.
func (db *DB) BatchHeaders(ctx context.Context, id credit.BatchID) ([]string, error) {
	b, err := db.findBatch(ctx, id)
	if err != nil {
		return nil, err
	}
	c, err := db.FindClass(ctx, b.Class)
	if err != nil {
		return nil, err
	}
	rdr, err := db.openBatchReader(ctx, b, c)
	if err != nil {
		return nil, err
	}
	defer rdr.Close()
	return rdr.Headers(), nil
}
