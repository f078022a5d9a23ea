package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"golang.org/x/mod/sumdb/tlog"

	"jlcredit/internal/catalog"
	"jlcredit/internal/credit"
	"jlcredit/internal/ledger"
	"jlcredit/internal/lists"
	"jlcredit/internal/record"
	"jlcredit/internal/record/ingest"
	"jlcredit/internal/subject"
	"jlcredit/internal/workday"
)

// flushRows is how many rows are written per transaction while processing.
var flushRows = 5000

// pending is the work of one flush: accepted candidates and rejected rows.
type pending struct {
	recs     []*record.Record
	errs     []record.RowError
	rows     int  // rows read in this flush
	last     int  // number of the last row read
	resolved bool // the records' SubjectID are set (resolveChunk)
	// ahead, when not nil, holds the current versions of the chunk's keys
	// as resolveChunk read them before the chunks ahead of this one were
	// written, and aheadAt the ledger size they were read at; flush uses
	// them when nothing but this batch appended since (see recentChunks).
	ahead   map[string]head
	aheadAt int64
}

// ProcessBatch reads a stored batch and writes its rows: rejected rows with
// their problems, accepted rows as new record versions appended to the
// ledger in the same transaction. Processing is resumable: rows up to the
// batch's processed_rows are skipped, and re-processing a row is a duplicate.
// It returns ECONFLICT while another process holds the batch (resume.go).
func (db *DB) ProcessBatch(ctx context.Context, id credit.BatchID) (*record.Receipt, error) {
	return db.processBatch(ctx, id, "", nil)
}

// processBatch processes batch id under lease ("": claim it first). When
// ctx is cancelled or the database closes, it stops after the chunk being
// written, releases the lease and returns an EUNAVAILABLE error with the
// receipt so far: the batch is resumed later (ResumeBatches).
func (db *DB) processBatch(ctx context.Context, id credit.BatchID, lease string, progress func(int)) (*record.Receipt, error) {
	if !db.enter() {
		return nil, credit.Errorf(credit.EUNAVAILABLE, "平台正在停止，批次%s将在平台重新运行后处理", id)
	}
	defer db.busy.Done()
	b, err := db.findBatch(ctx, id)
	if err != nil {
		return nil, err
	}
	if b.Status == "done" {
		r := b.Receipt
		return &r, nil
	}
	if lease == "" {
		if lease, err = db.claimBatch(ctx, id); err != nil {
			return nil, err
		}
	}
	b.lease = lease
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(db.life, cancel)()
	var processed int
	if err := db.queryRow(pctx, `SELECT processed_rows FROM batches WHERE id = $1`, string(id)).Scan(&processed); err != nil {
		db.releaseBatch(ctx, id, lease)
		return nil, err
	}
	receipt, perr := db.process(pctx, b, processed, progress)
	switch {
	case perr == nil:
	case errors.Is(perr, errLeaseLost):
		return receipt, perr // another process finishes it
	case pctx.Err() != nil || isCancelled(perr):
		db.releaseBatch(ctx, id, lease)
		return receipt, interrupted(id, receipt)
	case credit.ErrorCode(perr) == credit.EINTERNAL || credit.ErrorCode(perr) == credit.EUNAVAILABLE:
		// Not the file's fault (a database that restarted, a connection
		// cut, a lock held too long): the file is stored whole, and the
		// batch is taken up again from where it stopped, a little later.
		// A batch that keeps failing is given up by ResumeBatches.
		db.logger.Error("批次处理中断，稍后将自动继续处理", slog.String("batch", string(id)), slog.Any("error", perr))
		db.deferBatch(ctx, id, lease, retryDelay)
		return receipt, paused(id, receipt, perr)
	}
	status, msg := "done", ""
	if perr != nil {
		status, msg = "failed", credit.ErrorMessage(perr)
	}
	err = db.finishBatch(ctx, id, lease, status, msg, receipt)
	if perr != nil {
		return receipt, perr
	}
	return receipt, err
}

// finishBatch ends a batch held by lease as done or failed, with its
// receipt (nil: the one stored) in the audit entry.
func (db *DB) finishBatch(ctx context.Context, id credit.BatchID, lease, status, msg string, receipt *record.Receipt) error {
	if receipt == nil {
		b, err := db.findBatch(ctx, id)
		if err != nil {
			return err
		}
		receipt = &b.Receipt
	}
	return db.transact(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE batches SET status = $1, error = $2, finished_at = $3, lease_owner = '', lease_until = NULL WHERE id = $4 AND lease_owner = $5`,
			status, msg, tx.now, string(id), lease)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errLeaseLost
		}
		// A failed batch's entry keeps its reason beside the receipt, so
		// that ledger verify can check the batch row's error against it.
		var detail any = receipt
		if msg != "" {
			detail = struct {
				*record.Receipt
				Error string `json:"error"`
			}{receipt, msg}
		}
		return tx.audit(ctx, "batch."+status, "batch", string(id), detail)
	})
}

func (db *DB) process(ctx context.Context, b *batchRow, skip int, progress func(int)) (*record.Receipt, error) {
	receipt := &record.Receipt{Batch: b.ID, Total: b.Total, Accepted: b.Accepted, Rejected: b.Rejected, Duplicates: b.Duplicates, Late: b.Late}
	cat, err := db.Catalog(ctx)
	if err != nil {
		return receipt, err
	}
	class, ok := cat.Class(b.Class)
	if !ok {
		return receipt, credit.Errorf(credit.ENOTFOUND, "信息类“%s”不存在", b.Class)
	}
	dep, err := db.FindDepartmentByID(ctx, b.DepartmentID)
	if err != nil {
		return receipt, err
	}
	legacy, err := db.legacyChecker(ctx)
	if err != nil {
		return receipt, err
	}
	rdr, err := db.openBatchReader(ctx, b, class)
	if err != nil {
		return receipt, err
	}
	defer rdr.Close()
	match := func(h string) (string, bool) {
		f, ok := class.FieldByHeader(h)
		if !ok {
			return "", false
		}
		return f.Code, true
	}
	// Two headers naming the same field make the whole file ambiguous.
	if _, _, err := ingest.NewMapper(rdr.Headers(), match); err != nil {
		return receipt, err
	}
	// A table (CSV, XLSX) none of whose columns is a field of the class,
	// or JSON whose first object has no key of the class, was almost surely
	// submitted as the wrong class: say so once instead of rejecting every
	// row for every required field.
	classFile := len(rdr.Headers()) == 0
	for _, h := range rdr.Headers() {
		if _, ok := match(h); ok {
			classFile = true
			break
		}
	}
	if !classFile {
		where, label := "文件的表头", "表头"
		if b.Format == "json" {
			where, label = "JSON文件第一个对象的键", "键"
		}
		return receipt, credit.Errorf(credit.EINVALID, "%s中没有“%s”信息类的任何字段（%s：%s）。请确认选择的信息类是否正确，或下载该信息类的导入模板核对表头。",
			where, class.Name, label, credit.Clip(strings.Join(rdr.Headers(), "、"), 200))
	}
	// (The keys of JSON objects may differ from object to object: an
	// empty value is often left out, so columns are checked for tables
	// only.)
	if b.Format != "json" && len(rdr.Headers()) > 0 {
		// A required column missing altogether would reject every row
		// for it: one message for the file says what to add.
		have := map[string]bool{}
		for _, h := range rdr.Headers() {
			if code, ok := match(h); ok {
				have[code] = true
			}
		}
		var missing []string
		for _, f := range class.Fields {
			if f.Req == catalog.Required && !have[f.Code] {
				missing = append(missing, "“"+f.Name+"”（"+f.Code+"）")
			}
		}
		if len(missing) > 0 {
			return receipt, credit.Errorf(credit.EINVALID, "文件缺少必填列：%s。请按“%s”的导入模板补齐这些列后重新上传。", strings.Join(missing, "、"), class.Name)
		}
	}
	// JSON objects may each carry other keys, so rows are mapped one by one;
	// the file's headers are matched once, here, and the map is only read
	// by the validation workers.
	codes := map[string]string{}
	for _, h := range rdr.Headers() {
		codes[h], _ = match(h)
	}
	codeOf := func(h string) string {
		code, ok := codes[h]
		if !ok {
			code, _ = match(h)
		}
		return code
	}
	mapRow := func(row ingest.Row) (map[string]string, []credit.Problem) {
		out := make(map[string]string, len(row.Values))
		var probs []credit.Problem
		for h, v := range row.Values {
			code := codeOf(h)
			if code == "" || v == "" {
				continue
			}
			if _, dup := out[code]; dup {
				// Rare (JSON objects only: a file's headers are checked
				// above): name the other header, in a stable order.
				other := ""
				for h2, v2 := range row.Values {
					if h2 != h && v2 != "" && codeOf(h2) == code && (other == "" || h2 < other) {
						other = h2
					}
				}
				a, b := min(h, other), max(h, other)
				probs = append(probs, credit.Problem{Row: row.Num, Field: code, Code: "duplicate_field",
					Message: fmt.Sprintf("第%d行：“%s”与“%s”对应同一字段%s", row.Num, a, b, code)})
				continue
			}
			out[code] = v
		}
		return out, probs
	}
	today := credit.DateOf(b.CreatedAt)
	v := &record.Validator{Catalog: cat, Class: class, Department: dep.Code, Today: today, Legacy: legacy}
	fieldCodes := make([]string, len(class.Fields))
	for i, f := range class.Fields {
		fieldCodes[i] = f.Code
	}
	order := record.NewFieldOrder(fieldCodes)
	// List entries follow the rules of their list type too.
	var listData *lists.Data
	if class.Code == lists.ClassCode {
		if listData, err = db.ListData(ctx); err != nil {
			return receipt, err
		}
	}
	// A pipeline: one goroutine reads rows into chunks; workers validate
	// chunks in parallel (CPU in this process); this goroutine writes them in
	// order (mostly the database's work). At most a few chunks are in flight,
	// so memory stays bounded whatever the file's size.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := max(1, min(runtime.GOMAXPROCS(0), 4))
	type rawChunk struct {
		seq  int
		rows []ingest.Row
	}
	type doneChunk struct {
		seq int
		p   *pending
		err error
	}
	raws := make(chan rawChunk, workers)
	dones := make(chan doneChunk, workers)
	var readErr error
	go func() {
		defer close(raws)
		seq := 0
		var rows []ingest.Row
		send := func() bool {
			if len(rows) == 0 {
				return true
			}
			select {
			case raws <- rawChunk{seq, rows}:
				seq++
				rows = nil
				return true
			case <-ctx.Done():
				return false
			}
		}
		for ctx.Err() == nil {
			row, err := rdr.Next()
			if err == io.EOF {
				send()
				return
			}
			if err != nil {
				if send() {
					readErr = err
				}
				return
			}
			if row.Num <= skip || ingest.SummaryRow(row) {
				continue
			}
			rows = append(rows, row)
			if len(rows) >= flushRows && !send() {
				return
			}
		}
	}()
	validate := func(rows []ingest.Row) (*pending, error) {
		p := &pending{rows: len(rows), last: rows[len(rows)-1].Num}
		for _, row := range rows {
			values, mprobs := mapRow(row)
			rec, probs := v.Validate(row.Num, values)
			probs = append(probs, mprobs...)
			if len(row.Problems) > 0 {
				probs = withReaderProblems(row.Problems, probs, codeOf)
			}
			if len(probs) == 0 && rec != nil && subjectKey(rec) == "" {
				probs = append(probs, noIdentifier(v.Class, row.Num, rec))
			}
			if len(probs) > 0 || rec == nil {
				p.errs = append(p.errs, record.RowError{Row: row.Num, Problems: probs, Raw: row.Values})
				continue
			}
			base, bprob := record.ParseBase(row.Num, row.Values[record.BaseColumn])
			if bprob != nil {
				p.errs = append(p.errs, record.RowError{Row: row.Num, Problems: []credit.Problem{*bprob}, Raw: row.Values})
				continue
			}
			rec.Row = row.Num
			rec.Raw = row.Values
			rec.Base = base
			// Everything that does not depend on the database's state.
			// The content hash is over clear values, what is stored has
			// identity numbers sealed; without any, one encoding serves both.
			clear := order.AppendJSON(nil, rec.Fields)
			rec.ContentHash = record.ContentHashJSON(rec.Class, rec.Key, clear)
			record.ApplyPolicy(rec, class, db.Calendar(), today)
			if b.Backfill { // 历史数据补录: history, not a late report
				rec.Late, rec.LateDays = false, 0
			}
			// (A reapply batch repeats what the department already holds.)
			if prob := registrarProblem(class, dep, rec); prob != nil && b.Channel != ChannelReapply {
				p.errs = append(p.errs, record.RowError{Row: row.Num, Problems: []credit.Problem{*prob}, Raw: row.Values})
				continue
			}
			if listData != nil {
				if probs := lists.PrepareRecord(listData, rec); len(probs) > 0 {
					p.errs = append(p.errs, record.RowError{Row: row.Num, Problems: probs, Raw: row.Values})
					continue
				}
			}
			sealed, err := db.Secrets.protectFields(class, rec.Fields)
			if err != nil {
				return nil, err
			}
			// Text is stored as written (full-width punctuation kept); the
			// content hash above is over its normalised form, so that a row
			// that differs only in width is still a duplicate.
			for code, v := range rec.Verbatim {
				rec.Fields[code] = v
			}
			if sealed || len(rec.Verbatim) > 0 {
				clear = order.AppendJSON(nil, rec.Fields)
			}
			rec.FieldsJSON = clear
			p.recs = append(p.recs, rec)
		}
		return p, nil
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range raws {
				p, err := validate(c.rows)
				select {
				case dones <- doneChunk{c.seq, p, err}:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); close(dones) }()
	// Put chunks in order. On PostgreSQL the subjects of a chunk are
	// resolved (new ones created) in a transaction of their own, on a
	// second connection, and the current versions of its keys read ahead,
	// while the chunks before it are written: the two overlap in the
	// database. (SQLite has one writer, so there the writer resolves them
	// inside the chunk's own transaction: skipping the lookup there
	// altogether gained only 3-5 %.)
	known := map[string]credit.SubjectID{}
	names := registeredNames{} // for the batch: a subject's registration is not re-read per chunk
	ready := make(chan doneChunk, 1)
	go func() {
		defer close(ready)
		waiting := map[int]doneChunk{}
		next := 0
		for d := range dones {
			waiting[d.seq] = d
			for {
				c, ok := waiting[next]
				if !ok {
					break
				}
				delete(waiting, next)
				next++
				if c.err == nil && db.dialect == Postgres {
					c.err = db.resolveChunk(ctx, class.Code, c.p, known)
				}
				select {
				case ready <- c:
				case <-ctx.Done():
				}
			}
		}
	}()
	// Write in order.
	var recent recentChunks
	var werr error
	for c := range ready {
		if werr != nil {
			continue // drain
		}
		if c.err == nil {
			c.err = db.life.Err() // the database is closing: stop before the next chunk
		}
		if c.err == nil {
			c.err = db.flush(ctx, b, class, c.p, receipt, today, known, &recent, names)
			if c.err == nil && progress != nil {
				progress(receipt.Total)
			}
		}
		if c.err != nil {
			werr = c.err
			cancel()
		}
	}
	if werr != nil {
		return receipt, werr
	}
	// Cancelled, the reader stops without an error and the writer runs out
	// of chunks: that is an interruption, not the end of the file.
	if err := ctx.Err(); err != nil {
		return receipt, err
	}
	return receipt, readErr
}

// resolveChunk finds or creates the subjects of a chunk's records in a
// transaction of its own and sets their SubjectID, and meanwhile, on
// another connection, reads the current versions of the chunk's keys ahead
// of the writer (readAhead). A subject created for a chunk whose records
// then fail to be written stays (a subject without records, found again
// when the batch is processed again).
func (db *DB) resolveChunk(ctx context.Context, class string, p *pending, known map[string]credit.SubjectID) error {
	if len(p.recs) == 0 {
		p.resolved = true
		return nil
	}
	ahead := make(chan error, 1)
	go func() { ahead <- db.readAhead(ctx, class, p) }()
	err := db.transact(ctx, func(tx *Tx) error {
		ids, err := tx.resolveSubjects(ctx, p.recs, known)
		if err != nil {
			return err
		}
		for _, r := range p.recs {
			r.SubjectID = ids[subjectKey(r)]
		}
		p.resolved = true
		return nil
	})
	return errors.Join(err, <-ahead)
}

// readAhead sets p.ahead and p.aheadAt: the current versions of the
// chunk's keys and the ledger size, from one statement's snapshot, outside
// the writer's transaction (on PostgreSQL this lookup took a third of the
// writer's time per chunk). It reads only the records' keys.
func (db *DB) readAhead(ctx context.Context, class string, p *pending) error {
	ahead := map[string]head{}
	var at int64
	err := scanAll(db.rows(ctx, `SELECT l.size, r.id, r.key, r.version, r.content_hash, r.department_id, r.decision_date, r.late, r.late_days FROM ledger_state l
		LEFT JOIN records r ON r.class = $1 AND r.is_current AND r.key = ANY($2) WHERE l.id = 1`, class, chunkKeys(p.recs)), func(rows *sql.Rows) error {
		var id, version, dep, lateDays sql.NullInt64
		var key, hash, decided sql.NullString
		var late sql.NullBool
		if err := rows.Scan(&at, &id, &key, &version, &hash, &dep, &decided, &late, &lateDays); err != nil {
			return err
		}
		if id.Valid {
			ahead[key.String] = head{id: id.Int64, version: int(version.Int64), hash: hash.String, department: dep.Int64,
				decided: decided.String, late: late.Bool, lateDays: int(lateDays.Int64)}
		}
		return nil
	})
	if err != nil {
		return err
	}
	p.ahead, p.aheadAt = ahead, at
	return nil
}

// withReaderProblems puts the problems the file reader found in a row (an
// unbalanced quote, a formula without its value) first, with their field
// codes, and leaves out the validator's problems about the same fields: a
// cell the reader could not read is reported as such, not also as empty.
func withReaderProblems(reader, validator []credit.Problem, codeOf func(header string) string) []credit.Problem {
	out := make([]credit.Problem, 0, len(reader)+len(validator))
	seen := map[string]bool{}
	for _, p := range reader {
		if p.Field == "" && p.FieldName != "" {
			p.Field = codeOf(p.FieldName)
		}
		if p.Field != "" {
			seen[p.Field] = true
		}
		out = append(out, p)
	}
	for _, p := range validator {
		if p.Field == "" || !seen[p.Field] {
			out = append(out, p)
		}
	}
	return out
}

// chunkKeys returns the distinct business keys of recs.
func chunkKeys(recs []*record.Record) []string {
	seen := make(map[string]bool, len(recs))
	keys := make([]string, 0, len(recs))
	for _, r := range recs {
		if !seen[r.Key] {
			seen[r.Key] = true
			keys = append(keys, r.Key)
		}
	}
	return keys
}

// recentChunks remembers what the writer wrote for the last few chunks of
// a batch: the ledger range each appended and the version it left current
// for each key it wrote.
type recentChunks []writtenChunk

type writtenChunk struct {
	start, end int64 // ledger indexes [start, end)
	heads      map[string]head
}

const recentKept = 3

func (rc *recentChunks) add(c writtenChunk) {
	*rc = append(*rc, c)
	if len(*rc) > recentKept {
		*rc = (*rc)[1:]
	}
}

// heads returns the current versions of p's keys from p.ahead, read at
// ledger size p.aheadAt, brought up to ledger size now with what this
// batch wrote since. ok is false when p has none, or when anything else
// appended to the ledger in between (every record version is a leaf, so
// a foreign append is the only way a key can have changed unseen) or a
// chunk of this batch written since is no longer remembered.
func (rc recentChunks) heads(p *pending, now int64) (map[string]head, bool) {
	if p.ahead == nil {
		return nil, false
	}
	var ours int64
	for _, c := range rc {
		if c.start >= p.aheadAt {
			ours += c.end - c.start
		}
	}
	if now-p.aheadAt != ours {
		return nil, false
	}
	heads := p.ahead
	for _, c := range rc { // oldest first: the newest version wins
		if c.start < p.aheadAt {
			continue // already in the snapshot
		}
		for _, r := range p.recs {
			if h, ok := c.heads[r.Key]; ok {
				heads[r.Key] = h
			}
		}
	}
	return heads, true
}

// subjectKey identifies the subject of a row: its USCC, or for persons the
// kind and number of the identity document.
// noIdentifier is the problem of a valid row whose subject cannot be
// determined: no registration code, and no citizen ID number. A person
// with another kind of ID (passport, travel permits) is named as such: the
// platform identifies persons by citizen ID number only, and the row must
// say so instead of claiming the number is missing.
func noIdentifier(c *catalog.Class, row int, r *record.Record) credit.Problem {
	if idType := r.Subject.IDType; idType != "" && idType != "身份证" && r.Subject.Type == string(subject.Person) {
		return credit.Problem{Row: row, Field: c.Roles.IDType, Code: "unsupported_id_type",
			Message: fmt.Sprintf("第%d行“%s”（%s）：证件类型为“%s”的自然人暂不能归集，平台以身份证号码确定自然人信用主体；请报送身份证号码，或联系省信用中心", row, fieldName(c, c.Roles.IDType), c.Roles.IDType, idType)}
	}
	return credit.Problem{Row: row, Code: "no_identifier",
		Message: fmt.Sprintf("第%d行：缺少行政相对人的统一社会信用代码或身份证号码，无法确定信用主体", row)}
}

// fieldName is a field's Chinese name, or its code for an unknown field.
func fieldName(c *catalog.Class, code string) string {
	if f, ok := c.Field(code); ok {
		return f.Name
	}
	return code
}

func subjectKey(r *record.Record) string {
	if r.Subject.USCC != "" {
		return "U:" + r.Subject.USCC
	}
	if r.Subject.CitizenID != "" {
		return "C:" + r.Subject.CitizenID
	}
	return ""
}

// flushFault, set by tests only, fails the write of the chunk whose last
// row is given when it returns an error, as a database that goes away does.
var flushFault func(lastRow int) error

// flush writes one chunk of a batch in one transaction.
func (db *DB) flush(ctx context.Context, b *batchRow, class *catalog.Class, p *pending, receipt *record.Receipt, today credit.Date, known map[string]credit.SubjectID, recent *recentChunks, names registeredNames) error {
	var chunk record.Receipt
	var written writtenChunk
	cal := db.Calendar()
	err := db.transact(ctx, func(tx *Tx) error {
		if flushFault != nil {
			if err := flushFault(p.last); err != nil {
				return err
			}
		}
		chunk = record.Receipt{Total: p.rows, Rejected: len(p.errs)}
		// The ledger lock serialises appends (and record ids) across writers.
		lock := `SELECT size, next_record_id FROM ledger_state WHERE id = 1`
		if db.dialect == Postgres {
			lock += ` FOR UPDATE`
		}
		var size, nextID int64
		if err := tx.queryRow(ctx, lock).Scan(&size, &nextID); err != nil {
			return err
		}
		if !p.resolved {
			subjects, err := tx.resolveSubjects(ctx, p.recs, known)
			if err != nil {
				return err
			}
			for _, r := range p.recs {
				r.SubjectID = subjects[subjectKey(r)]
			}
		}
		heads, ok := recent.heads(p, size)
		if !ok {
			var err error
			if heads, err = tx.currentHeads(ctx, class.Code, p.recs); err != nil {
				return err
			}
		}
		// Names are checked against the registration authority's in what
		// departments send, not in what the platform composes from stored
		// versions (removals, expiries, reapplied rules), nor in the
		// authority's own registrations (a rename).
		var check registeredNames
		if !class.Registers && b.Channel != ChannelReapply && b.Channel != ChannelSystem {
			check = names
		}
		refusedErrs, refused, err := tx.storedRejections(ctx, class, b.DepartmentID, p.recs, heads, b.Channel == ChannelReapply, check)
		if err != nil {
			return err
		}
		chunk.Rejected += len(refusedErrs)
		app := ledger.NewAppender(ctx, txHashStore{tx, recordHashes}, size)
		var (
			out    []*record.Record
			oldIDs []int64
			byKey  = map[string]*record.Record{}
		)
		// A batch of ReapplyPolicy rewrites a record unchanged in content
		// when the rules now give it other policy members.
		var policies map[int64]policyMembers
		if b.Channel == ChannelReapply {
			if policies, err = tx.policiesOf(ctx, p.recs, heads); err != nil {
				return err
			}
		}
		for _, r := range p.recs {
			if refused[r] {
				continue
			}
			prevVersion := 0
			if q, ok := byKey[r.Key]; ok { // earlier in this chunk
				if q.ContentHash == r.ContentHash {
					chunk.Duplicates++
					continue
				}
				q.Current = false
				prevVersion = q.Version
				if !b.Backfill {
					inheritLateness(r, headOf(q, 0), class.TimelinessDays, cal)
				}
			} else if h, ok := heads[r.Key]; ok {
				if h.hash == r.ContentHash {
					pm, reapply := policies[h.id]
					if !reapply {
						chunk.Duplicates++
						continue
					}
					if from, ok := pm.fromDate(); ok && r.DecisionDate == nil {
						// Without a decision date publicity counts from
						// the day the record was received, not today.
						record.ApplyPolicy(r, class, cal, from)
					}
					if policyOf(r) == pm {
						chunk.Duplicates++
						continue
					}
				}
				oldIDs = append(oldIDs, h.id)
				prevVersion = h.version
				if !b.Backfill {
					inheritLateness(r, h, class.TimelinessDays, cal)
				}
			}
			r.ID = credit.RecordID(nextID)
			r.LedgerIndex = nextID - 1 // the invariant id = ledger index + 1
			nextID++
			r.Version = prevVersion + 1
			r.Current = true
			r.DepartmentID = b.DepartmentID
			r.BatchID = b.ID
			r.CreatedAt = tx.now
			byKey[r.Key] = r
			out = append(out, r)
			chunk.Accepted++
			if r.Late {
				chunk.Late++
			}
		}
		if len(out) > 0 && out[0].LedgerIndex != size {
			return fmt.Errorf("ledger size %d and next record id %d: the invariant id = ledger index + 1 is broken", size, out[0].ID)
		}
		// Each version's leaf is appended as its row is written, in order:
		// on PostgreSQL while COPY sends earlier rows, so that hashing and
		// the database's work overlap.
		if err := app.Load(); err != nil {
			return err
		}
		appendLeaf := func(r *record.Record) ([]byte, error) {
			idx, st, err := app.Append(ledger.Leaf(record.Canonical(r)))
			if err != nil {
				return nil, err
			}
			if idx != r.LedgerIndex {
				return nil, fmt.Errorf("ledger index %d for record %d (ledger index %d): appended out of order", idx, r.ID, r.LedgerIndex)
			}
			return packStored(idx, st)
		}
		if len(oldIDs) > 0 {
			for i := 0; i < len(oldIDs); i += 500 {
				ids := oldIDs[i:min(i+500, len(oldIDs))]
				args := make([]any, len(ids))
				for j, id := range ids {
					args[j] = id
				}
				if _, err := tx.exec(ctx, `UPDATE records SET is_current = FALSE WHERE id IN (`+placeholders(1, len(ids))+`)`, args...); err != nil {
					return err
				}
			}
		}
		if err := tx.insertRecords(ctx, out, appendLeaf); err != nil {
			return err
		}
		if err := tx.afterRecords(ctx, class, out, b.Channel == ChannelReapply); err != nil {
			return err
		}
		rowErrs := p.errs
		if len(refusedErrs) > 0 {
			rowErrs = append(slices.Clip(p.errs), refusedErrs...)
			slices.SortFunc(rowErrs, func(a, b record.RowError) int { return a.Row - b.Row })
		}
		if err := tx.insertRowErrors(ctx, b.ID, rowErrs); err != nil {
			return err
		}
		if len(out) > 0 {
			if err := tx.checkpoint(ctx, app, nextID); err != nil {
				return err
			}
		}
		written = writtenChunk{start: size, end: size + int64(len(out)), heads: make(map[string]head, len(byKey))}
		for k, r := range byKey {
			written.heads[k] = headOf(r, b.DepartmentID)
		}
		// The chunk is written only while this process holds the batch.
		res, err := tx.exec(ctx, `UPDATE batches SET processed_rows = $1, status = $2, total = total + $3, accepted = accepted + $4,
			rejected = rejected + $5, duplicates = duplicates + $6, late = late + $7, lease_until = $8 WHERE id = $9 AND lease_owner = $10`,
			p.last, "processing", chunk.Total, chunk.Accepted, chunk.Rejected, chunk.Duplicates, chunk.Late, tx.now.Add(leaseTTL), string(b.ID), b.lease)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errLeaseLost
		}
		return nil
	})
	if err != nil {
		return err
	}
	recent.add(written)
	receipt.Total += chunk.Total
	receipt.Accepted += chunk.Accepted
	receipt.Rejected += chunk.Rejected
	receipt.Duplicates += chunk.Duplicates
	receipt.Late += chunk.Late
	return nil
}

// checkpoint records the new ledger size and signs a checkpoint for it.
func (tx *Tx) checkpoint(ctx context.Context, app *ledger.Appender, nextID int64) error {
	if _, err := tx.exec(ctx, `UPDATE ledger_state SET size = $1, next_record_id = $2 WHERE id = 1`, app.Size(), nextID); err != nil {
		return err
	}
	return tx.signCheckpoint(ctx, "ledger_checkpoints", LedgerOrigin, app)
}

// signCheckpoint signs the tree app has built so far as origin's checkpoint
// and stores it in table (ledger_checkpoints or audit_checkpoints).
func (tx *Tx) signCheckpoint(ctx context.Context, table, origin string, app *ledger.Appender) error {
	root, err := app.Root()
	if err != nil {
		return err
	}
	note, err := tx.db.Secrets.signer.Sign(origin, app.Size(), root)
	if err != nil {
		return err
	}
	_, err = tx.exec(ctx, `INSERT INTO `+table+` (size, root, note, created_at) VALUES ($1, $2, $3, $4)`,
		app.Size(), root[:], string(note), tx.now)
	return err
}

type head struct {
	id         int64
	version    int
	hash       string
	department int64 // who submitted it
	// The version's timeliness, which later versions keep (inheritLateness).
	decided  string // decision date, yyyy-MM-dd or ""
	late     bool
	lateDays int
}

// headOf returns the head that r leaves once written.
func headOf(r *record.Record, department credit.DepartmentID) head {
	h := head{id: int64(r.ID), version: r.Version, hash: r.ContentHash, department: int64(department), late: r.Late, lateDays: r.LateDays}
	if r.DecisionDate != nil {
		h.decided = r.DecisionDate.Format(credit.DateLayout)
	}
	return h
}

// inheritLateness gives r, a new version of the record whose current
// version is prev, the timeliness of the decision's first report rather
// than of this one: a department that corrects a record it reported in
// time does not make it 超期报送, nor does a correction of a late one make
// it timely. When the correction moves the decision date, the working days
// between the two dates are added to or taken from prev's count. (Rows of
// 历史数据补录 are never late, and keep that.)
func inheritLateness(r *record.Record, prev head, limit int, cal *workday.Calendar) {
	if r.DecisionDate == nil || prev.decided == "" {
		return
	}
	old, ok := record.ParseDate(prev.decided)
	if !ok {
		return
	}
	days := prev.lateDays
	switch now := *r.DecisionDate; {
	case now.Before(old):
		days += cal.WorkingDaysBetween(now, old)
	case old.Before(now):
		days = max(0, days-cal.WorkingDaysBetween(old, now))
	}
	r.LateDays = days
	r.Late = limit > 0 && days > limit
}

// currentHeads returns the current version of each business key in recs.
func (tx *Tx) currentHeads(ctx context.Context, class string, recs []*record.Record) (map[string]head, error) {
	heads := map[string]head{}
	keys := chunkKeys(recs)
	scan := func(rows *sql.Rows) error {
		var h head
		var k string
		if err := rows.Scan(&h.id, &k, &h.version, &h.hash, &h.department, &h.decided, &h.late, &h.lateDays); err != nil {
			return err
		}
		heads[k] = h
		return nil
	}
	const q = `SELECT id, key, version, content_hash, department_id, COALESCE(decision_date, ''), late, late_days FROM records WHERE class = $1 AND is_current AND key `
	if tx.db.dialect == Postgres {
		// One round trip and one plan for the whole chunk.
		if len(keys) > 0 {
			if err := scanAll(tx.rows(ctx, q+`= ANY($2)`, class, keys), scan); err != nil {
				return nil, err
			}
		}
		return heads, nil
	}
	for i := 0; i < len(keys); i += 500 {
		part := keys[i:min(i+500, len(keys))]
		args := []any{class}
		for _, k := range part {
			args = append(args, k)
		}
		if err := scanAll(tx.rows(ctx, q+`IN (`+placeholders(2, len(part))+`)`, args...), scan); err != nil {
			return nil, err
		}
	}
	return heads, nil
}

// resolveSubjects returns the subject id for every subjectKey of recs,
// creating unknown subjects (unverified) from what the rows say.
//
// known, when not nil, caches subject ids across the chunks of one batch
// (rows of a batch name the same subjects again and again; a subject's id
// never changes): hits need no query, and resolved ids are added to it.
func (tx *Tx) resolveSubjects(ctx context.Context, recs []*record.Record, known map[string]credit.SubjectID) (map[string]credit.SubjectID, error) {
	ids := map[string]credit.SubjectID{}
	if known != nil {
		defer func() {
			if len(known) > 500000 {
				clear(known)
			}
			for k, id := range ids {
				known[k] = id
			}
		}()
	}
	var usccs []string
	var cids [][]byte
	cidKey := map[string]string{} // hash -> subject key
	first := map[string]*record.Record{}
	for _, r := range recs {
		k := subjectKey(r)
		if _, ok := first[k]; ok {
			continue
		}
		first[k] = r
		if id, ok := known[k]; ok {
			ids[k] = id
			continue
		}
		if r.Subject.USCC != "" {
			usccs = append(usccs, r.Subject.USCC)
		} else {
			h := tx.db.Secrets.HashCitizenID(r.Subject.CitizenID)
			cids = append(cids, h)
			cidKey[string(h)] = k
		}
	}
	// Creating subjects is serialised across transactions: the records of
	// a chunk are written under the ledger lock, but on PostgreSQL the
	// subjects of the next chunk are resolved beside it (resolveChunk), and
	// two batches must not both find a subject missing and both create it.
	if tx.db.dialect == Postgres && len(usccs)+len(cids) > 0 {
		if _, err := tx.exec(ctx, `SELECT pg_advisory_xact_lock($1)`, subjectsLock); err != nil {
			return nil, err
		}
	}
	scanUSCC := func(rows *sql.Rows) error {
		var id int64
		var c string
		if err := rows.Scan(&id, &c); err != nil {
			return err
		}
		ids["U:"+c] = credit.SubjectID(id)
		return nil
	}
	if tx.db.dialect == Postgres && len(usccs) > 0 {
		if err := scanAll(tx.rows(ctx, `SELECT id, uscc FROM subjects WHERE uscc = ANY($1)`, usccs), scanUSCC); err != nil {
			return nil, err
		}
		usccs = nil
	}
	for i := 0; i < len(usccs); i += 500 {
		part := usccs[i:min(i+500, len(usccs))]
		args := make([]any, len(part))
		for j, c := range part {
			args[j] = c
		}
		if err := scanAll(tx.rows(ctx, `SELECT id, uscc FROM subjects WHERE uscc IN (`+placeholders(1, len(part))+`)`, args...), scanUSCC); err != nil {
			return nil, err
		}
	}
	for i := 0; i < len(cids); i += 500 {
		part := cids[i:min(i+500, len(cids))]
		args := make([]any, len(part))
		for j, c := range part {
			args[j] = c
		}
		err := scanAll(tx.rows(ctx, `SELECT id, cid_hash FROM subjects WHERE cid_hash IN (`+placeholders(1, len(part))+`)`, args...), func(rows *sql.Rows) error {
			var id int64
			var h []byte
			if err := rows.Scan(&id, &h); err != nil {
				return err
			}
			ids[cidKey[string(h)]] = credit.SubjectID(id)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	// Create the unknown ones, in first-seen order.
	var create []*record.Record
	for _, r := range recs {
		k := subjectKey(r)
		if _, ok := ids[k]; !ok && first[k] == r {
			create = append(create, r)
		}
	}
	// The values of a new subject's row, in subjectInsertColumns order.
	subjectRow := func(r *record.Record) ([]any, error) {
		s := r.Subject
		var uscc, hash, cipher any
		masked, region := "", ""
		if s.USCC != "" {
			uscc = s.USCC
			region = s.USCC[2:8]
		} else {
			hash = tx.db.Secrets.HashCitizenID(s.CitizenID)
			c, err := tx.db.Secrets.EncryptCitizenID(s.CitizenID)
			if err != nil {
				return nil, err
			}
			cipher = c
			masked = subject.MaskCitizenID(s.CitizenID)
			if len(s.CitizenID) >= 6 && isDigits(s.CitizenID[:6]) {
				region = s.CitizenID[:6]
			}
		}
		typ := s.Type
		if typ == "" {
			typ = string(subject.Enterprise)
		}
		return []any{typ, s.Name, s.DisplayName, uscc, hash, cipher, masked, region, s.LegalRep, tx.now, tx.now}, nil
	}
	var grams [][2]any
	created := func(id int64, r *record.Record) {
		ids[subjectKey(r)] = credit.SubjectID(id)
		if r.Subject.Type != string(subject.Person) {
			for _, g := range nameGrams(r.Subject.Name) {
				grams = append(grams, [2]any{g, id})
			}
		}
	}
	if tx.db.dialect == Postgres && len(create) > 0 {
		// Allocate ids from the sequence, then COPY: one round trip for the ids.
		var newIDs []int64
		err := scanAll(tx.rows(ctx, `SELECT nextval(pg_get_serial_sequence('subjects', 'id')) FROM generate_series(1, $1)`, len(create)), func(rows *sql.Rows) error {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			newIDs = append(newIDs, id)
			return nil
		})
		if err != nil {
			return nil, err
		}
		rows := make([][]any, len(create))
		for i, r := range create {
			v, err := subjectRow(r)
			if err != nil {
				return nil, err
			}
			rows[i] = append([]any{newIDs[i]}, v...)
			created(newIDs[i], r)
		}
		err = tx.pgConn(func(c *pgx.Conn) error {
			_, err := c.CopyFrom(ctx, pgx.Identifier{"subjects"}, append([]string{"id"}, subjectInsertColumns...), pgx.CopyFromRows(rows))
			return err
		})
		if err != nil {
			return nil, err
		}
		create = nil
	}
	// SQLite: one prepared one-row INSERT per subject, as for record
	// versions (insertRecords): a multi-row INSERT makes SQLite keep a
	// statement journal of every page it touches (7.5 s of CPU at a
	// million records, profile of 2026-11-27).
	if len(create) > 0 {
		stmt, err := tx.PrepareContext(ctx, tx.db.rebind(`INSERT INTO subjects (`+strings.Join(subjectInsertColumns, ", ")+`) VALUES (`+
			placeholders(1, len(subjectInsertColumns))+`) RETURNING id`))
		if err != nil {
			return nil, err
		}
		defer stmt.Close()
		for _, r := range create {
			v, err := subjectRow(r)
			if err != nil {
				return nil, err
			}
			var id int64
			if err := stmt.QueryRowContext(ctx, v...).Scan(&id); err != nil {
				return nil, err
			}
			created(id, r)
		}
	}
	if err := tx.insertGrams(ctx, grams); err != nil {
		return nil, err
	}
	return ids, nil
}

// subjectsLock is the PostgreSQL advisory lock that serialises creating
// subjects.
const subjectsLock = 0x6a6c6373

var subjectInsertColumns = []string{"type", "name", "display_name", "uscc", "cid_hash", "cid_cipher", "cid_masked", "region_code", "legal_rep", "created_at", "updated_at"}

// insertGrams adds name bigrams to the search index.
func (tx *Tx) insertGrams(ctx context.Context, grams [][2]any) error {
	if len(grams) == 0 {
		return nil
	}
	if tx.db.dialect == Postgres {
		return tx.pgConn(func(c *pgx.Conn) error {
			rows := make([][]any, len(grams))
			for i, g := range grams {
				rows[i] = []any{g[0], g[1]}
			}
			_, err := c.CopyFrom(ctx, pgx.Identifier{"subject_grams"}, []string{"gram", "subject_id"}, pgx.CopyFromRows(rows))
			return err
		})
	}
	return tx.insertMulti(ctx, `INSERT OR IGNORE INTO subject_grams (gram, subject_id) VALUES `, 2, len(grams), func(i int, args []any) []any {
		return append(args, grams[i][0], grams[i][1])
	})
}

// insertMulti inserts n rows of width cols with multi-row VALUES statements.
func (tx *Tx) insertMulti(ctx context.Context, prefix string, cols, n int, row func(i int, args []any) []any) error {
	per := 30000 / cols
	if per > 500 {
		per = 500
	}
	var stmt *sql.Stmt
	defer func() {
		if stmt != nil {
			stmt.Close()
		}
	}()
	query := func(m int) string {
		values := make([]string, m)
		for j := range values {
			values[j] = "(" + placeholders(j*cols+1, cols) + ")"
		}
		return tx.db.rebind(prefix + strings.Join(values, ", "))
	}
	for i := 0; i < n; i += per {
		m := min(per, n-i)
		args := make([]any, 0, m*cols)
		for j := 0; j < m; j++ {
			args = row(i+j, args)
		}
		if m == per {
			if stmt == nil {
				var err error
				if stmt, err = tx.PrepareContext(ctx, query(m)); err != nil {
					return err
				}
			}
			if _, err := stmt.ExecContext(ctx, args...); err != nil {
				return err
			}
			continue
		}
		if _, err := tx.Tx.ExecContext(ctx, query(m), args...); err != nil {
			return err
		}
	}
	return nil
}

var recordInsertColumns = []string{"id", "class", "key", "version", "is_current", "subject_id", "department_id", "batch_id", "row_num",
	"fields", "content_hash", "decision_date", "severity", "public_from", "public_until", "repairable_from", "status", "late", "late_days",
	"ledger_index", "ledger_hashes", "created_at"}

func dateArg(d *credit.Date) any {
	if d == nil {
		return nil
	}
	return d.Format(credit.DateLayout)
}

func recordArgs(r *record.Record, blob []byte, args []any) []any {
	fields := r.FieldsJSON
	if fields == nil {
		fields = record.AppendFieldsJSON(nil, r.Fields)
	}
	return append(args, int64(r.ID), r.Class, r.Key, r.Version, r.Current, int64(r.SubjectID), int64(r.DepartmentID), string(r.BatchID), r.Row,
		string(fields), r.ContentHash, dateArg(r.DecisionDate), string(r.Severity), dateArg(r.PublicFrom), dateArg(r.PublicUntil),
		dateArg(r.RepairableFrom), string(r.Status), r.Late, r.LateDays, r.LedgerIndex, blob, r.CreatedAt)
}

// insertRecords writes record versions: COPY on PostgreSQL, multi-row
// INSERT on SQLite. leaf appends a version to the ledger and returns the
// tree hashes to store with it; it is called once per version, in order.
func (tx *Tx) insertRecords(ctx context.Context, recs []*record.Record, leaf func(*record.Record) ([]byte, error)) error {
	if len(recs) == 0 {
		return nil
	}
	if tx.db.dialect == Postgres {
		return tx.pgConn(func(c *pgx.Conn) error {
			_, err := c.CopyFrom(ctx, pgx.Identifier{"records"}, recordInsertColumns, &recordSource{recs: recs, leaf: leaf})
			return err
		})
	}
	// SQLite, in process: one prepared one-row INSERT per version. A
	// multi-row INSERT makes SQLite keep a statement journal (a copy of
	// every page the statement touches, to undo it alone), which cost a
	// quarter of the writer's time at a million records.
	// Nameless parameters (rebind): the driver asks SQLite each parameter's
	// name for every row, and "$n" names cost an allocation each.
	stmt, err := tx.PrepareContext(ctx, tx.db.rebind(`INSERT INTO records (`+strings.Join(recordInsertColumns, ", ")+`) VALUES (`+placeholders(1, len(recordInsertColumns))+`)`))
	if err != nil {
		return err
	}
	defer stmt.Close()
	// The ledger leaves (canonical encoding, hashing, tree hashes) are
	// computed in order by a goroutine of their own while this one inserts
	// earlier versions: SQLite's single writer is the pipeline's bottleneck,
	// and the leaves need no database. The channel holds every leaf, so
	// the goroutine never blocks when an insert fails.
	type leafBlob struct {
		blob []byte
		err  error
	}
	blobs := make(chan leafBlob, len(recs))
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		defer close(blobs)
		for _, r := range recs {
			select {
			case <-stop:
				return
			default:
			}
			blob, err := leaf(r)
			blobs <- leafBlob{blob, err}
			if err != nil {
				return
			}
		}
	}()
	args := make([]any, 0, len(recordInsertColumns))
	for _, r := range recs {
		l, ok := <-blobs
		if !ok {
			return fmt.Errorf("storage: ledger leaf of record %d missing", r.ID)
		}
		if l.err != nil {
			return l.err
		}
		if _, err := stmt.ExecContext(ctx, recordArgs(r, l.blob, args[:0])...); err != nil {
			return err
		}
	}
	return nil
}

// recordSource feeds record versions to COPY, appending each to the
// ledger as pgx asks for its values (pgx encodes rows in a goroutine of
// its own while it sends earlier ones).
type recordSource struct {
	recs []*record.Record
	leaf func(*record.Record) ([]byte, error)
	i    int
	err  error
}

func (s *recordSource) Next() bool { s.i++; return s.err == nil && s.i <= len(s.recs) }

func (s *recordSource) Values() ([]any, error) {
	r := s.recs[s.i-1]
	blob, err := s.leaf(r)
	if err != nil {
		s.err = err
		return nil, err
	}
	return recordArgs(r, blob, nil), nil
}

func (s *recordSource) Err() error { return s.err }

// insertRowErrors keeps rejected rows with their problems and raw values.
func (tx *Tx) insertRowErrors(ctx context.Context, id credit.BatchID, errs []record.RowError) error {
	if len(errs) == 0 {
		return nil
	}
	sealed := make([]string, len(errs))
	for i, e := range errs {
		r, _ := json.Marshal(e.Raw)
		s, err := tx.db.Secrets.sealText(r)
		if err != nil {
			return err
		}
		sealed[i] = s
	}
	return tx.insertMulti(ctx, `INSERT INTO batch_errors (batch_id, row_num, problems, raw) VALUES `, 4, len(errs), func(i int, args []any) []any {
		p, _ := json.Marshal(errs[i].Problems)
		return append(args, string(id), errs[i].Row, string(p), sealed[i])
	})
}

// hashTable says where a tree keeps the hashes each append stored: in the
// row of the leaf's record version (records, leaf = id - 1) or audit entry
// (audit_log, by leaf).
type hashTable struct {
	sel    string // SELECT leaf, hashes … WHERE key IN (
	offset int64  // key = leaf + offset
}

var (
	recordHashes = hashTable{`SELECT id - 1, ledger_hashes FROM records WHERE id IN (`, 1}
	auditHashes  = hashTable{`SELECT leaf, ledger_hashes FROM audit_log WHERE leaf IN (`, 0}
)

// txHashStore reads ledger hashes inside a transaction.
type txHashStore struct {
	tx    *Tx
	table hashTable
}

func (s txHashStore) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	return readHashes(ctx, indexes, s.table, func(q string, args ...any) result { return s.tx.rows(ctx, q, args...) })
}

// dbHashStore reads ledger hashes outside a transaction.
type dbHashStore struct {
	db    *DB
	table hashTable
}

func (s dbHashStore) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	return readHashes(ctx, indexes, s.table, func(q string, args ...any) result { return s.db.rows(ctx, q, args...) })
}

func readHashes(ctx context.Context, indexes []int64, t hashTable, query func(string, ...any) result) ([]tlog.Hash, error) {
	// Map each storage index to the leaf whose append stored it.
	leaves := map[int64][]byte{}
	var ids []any
	for _, x := range indexes {
		leaf, _ := storedLeaf(x)
		if _, ok := leaves[leaf]; !ok {
			leaves[leaf] = nil
			ids = append(ids, leaf+t.offset)
		}
	}
	for i := 0; i < len(ids); i += 500 {
		part := ids[i:min(i+500, len(ids))]
		err := scanAll(query(t.sel+placeholders(1, len(part))+`)`, part...), func(rows *sql.Rows) error {
			var leaf int64
			var b []byte
			if err := rows.Scan(&leaf, &b); err != nil {
				return err
			}
			leaves[leaf] = b
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		leaf, pos := storedLeaf(x)
		b := leaves[leaf]
		if (pos+1)*tlog.HashSize > int64(len(b)) {
			return nil, errors.New("ledger: missing stored hash " + itoa(x))
		}
		copy(out[i][:], b[pos*tlog.HashSize:])
	}
	return out, nil
}

// storedLeaf returns the leaf whose append stored the hash at storage index
// x, and the hash's position among the hashes stored by that append.
func storedLeaf(x int64) (leaf, pos int64) {
	level, n := tlog.SplitStoredHashIndex(x)
	leaf = (n+1)<<level - 1
	return leaf, x - tlog.StoredHashIndex(0, leaf)
}

// packStored concatenates the hashes stored by appending leaf idx. They sit
// at consecutive storage indexes from tlog.StoredHashIndex(0, idx), so the
// record version row can carry them and the ledger needs no table of its own.
func packStored(idx int64, st []ledger.Stored) ([]byte, error) {
	b := make([]byte, 0, len(st)*tlog.HashSize)
	base := tlog.StoredHashIndex(0, idx)
	for i, h := range st {
		if h.Index != base+int64(i) {
			return nil, fmt.Errorf("ledger: stored hash %d of leaf %d at index %d, want %d", i, idx, h.Index, base+int64(i))
		}
		b = append(b, h.Hash[:]...)
	}
	return b, nil
}
