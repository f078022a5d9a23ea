package storage

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"strings"
	"time"

	"jlcredit/internal/credit"
)

// Stored verifications (信用核查) and what comes with them are made
// tamper-evident after the fact, off the verification path: the sealer
// (SealVerifications, run every few seconds by the server) appends to the
// audit log, whose signed tree `credit ledger verify` checks, one
// "verification.seal" entry covering every row written since the previous
// seal, and verifySeals recomputes every seal from the rows. A verification
// costs nothing more when it is written. ("Seal" here is a hash in the audit
// log, not the encryption of Secrets.seal.)
//
// A seal covers four streams of rows, each by a range of ids that follows
// on from the previous seal's:
//
//   - verifications: a verification row with its hits (verification_hits),
//     by verification id. Every column is covered but verification_hits.
//     feedback_at, which the first feedback on a hit sets later; whether
//     it is set must agree with the (sealed) feedback rows instead
//     (checkFeedbackMarks).
//   - query_log: every row of the query log (查询登记), those written with
//     verifications and the archive reads alike, by id; every column.
//   - verification_feedback: feedback rows (执行反馈), by id; every
//     column. Feedback comes after its verification was sealed, and is
//     sealed in turn by the seal after it was given.
//   - batch_errors: the rejected rows of each batch whose processing ended
//     (its batch.done or batch.failed audit entry), by the id of that audit
//     entry: a batch's rejected rows never change once it ended. Rows of a
//     batch still being processed are not sealed yet.
//
// None of these rows is ever updated or deleted by the platform, except
// feedback_at above. Other tables the verification path maintains
// (verified_subjects, verified_codes, verification_days,
// verification_hit_days) are derived and overwritten as a matter of course:
// they are not sealed.
//
// The seal's detail holds, per stream, {from_id, to_id, count, sha256}:
// the range, the number of items in it and
//
//	sha256( key₁ ‖ digest₁ ‖ key₂ ‖ digest₂ ‖ … )
//
// over the items in key order, key an 8-byte big-endian id and digest the
// SHA-256 of the item's canonical encoding (sealCanon). A stream with
// nothing new has an empty range (to_id = from_id - 1, count 0). Beside the
// entry, verification_seals keeps each item's key and the first 8 bytes of
// its digest: not trusted (the audit entry is what counts), only used to
// name the first changed, deleted or inserted row when a range no longer
// matches.
//
// A range may only end where no row with a smaller id can still appear. On
// SQLite the single writer commits ids in order. On PostgreSQL ids come from
// sequences and concurrent transactions commit in any order, so the sealer
// reads each sequence's last value and then waits for every transaction
// still holding a lock on the sequence (nextval holds one to the end of the
// transaction) before it reads the rows: none of them blocks, and no
// writer waits for the sealer. Audit entries are numbered under the audit
// log's lock, so the batch_errors stream's bound is simply the largest
// committed audit id.

// Seal streams, as named in a seal's detail and in verification_seals.
const (
	streamVerifications = "verifications"
	streamQueryLog      = "query_log"
	streamFeedback      = "verification_feedback"
	streamBatchErrors   = "batch_errors"
)

// sealItem is one sealed item: its key (an id) and the SHA-256 of its
// canonical encoding.
type sealItem struct {
	key    int64
	digest [sha256.Size]byte
}

// sealStream is a kind of row a seal covers.
type sealStream struct {
	name  string
	label string // in messages: 核查记录
	// items calls fn with every item whose key is in (after, upto], in
	// key order. fn is never called while a query is open (every page is
	// read whole first), so it may query; an error from fn stops items.
	items func(db *DB, ctx context.Context, after, upto int64, fn func(sealItem) error) error
}

var sealStreams = []sealStream{
	{streamVerifications, "核查记录", (*DB).verificationItems},
	{streamQueryLog, "查询登记", (*DB).queryLogItems},
	{streamFeedback, "执行反馈", (*DB).feedbackItems},
	{streamBatchErrors, "批次错误行", (*DB).batchErrorItems},
}

// sealRange is one stream's part of a seal.
type sealRange struct {
	FromID int64  `json:"from_id"`
	ToID   int64  `json:"to_id"`
	Count  int64  `json:"count"`
	SHA256 string `json:"sha256"`
}

// sealPage is how many rows the sealer and verifySeals read per query.
const sealPage = 1000

// maxSealItems bounds the items of a stream in one seal (and so the size of
// its verification_seals row); a longer backlog, such as the first seal of
// a database upgraded with millions of verifications, gets several seals.
var maxSealItems int64 = 250_000

// sealCanon is a canonical encoding of column values, the same whatever
// the database: every value is a tag byte and a body of fixed length or
// with its length in front, so no two sequences of values encode alike.
// Integers are 8 bytes big-endian, times the microseconds since 1970 (UTC;
// PostgreSQL keeps microseconds and the platform writes no finer), NULL a
// tag of its own, text its UTF-8 bytes as stored.
type sealCanon []byte

func (c sealCanon) str(s string) sealCanon {
	c = binary.AppendUvarint(append(c, 's'), uint64(len(s)))
	return append(c, s...)
}

func (c sealCanon) int(n int64) sealCanon {
	return binary.BigEndian.AppendUint64(append(c, 'i'), uint64(n))
}

func (c sealCanon) time(t time.Time) sealCanon {
	return binary.BigEndian.AppendUint64(append(c, 't'), uint64(t.UnixMicro()))
}

func (c sealCanon) bool(b bool) sealCanon {
	if b {
		return append(c, 'b', 1)
	}
	return append(c, 'b', 0)
}

func (c sealCanon) nullInt(n sql.NullInt64) sealCanon {
	if !n.Valid {
		return append(c, 'n')
	}
	return c.int(n.Int64)
}

func (c sealCanon) nullStr(s sql.NullString) sealCanon {
	if !s.Valid {
		return append(c, 'n')
	}
	return c.str(s.String)
}

// verificationItems: a verification's digest covers its row, then each
// hit in seq order (without feedback_at).
func (db *DB) verificationItems(ctx context.Context, after, upto int64, fn func(sealItem) error) error {
	type row struct {
		id int64
		h  hash.Hash
	}
	var c sealCanon
	for after < upto {
		began := time.Now()
		var page []row
		at := map[int64]int{}
		err := scanAll(db.rows(ctx, `SELECT id, at, actor, role, department_id, scenario, purpose, data_version, total, found, hits, feedback_due, answer, repeats
			FROM verifications WHERE id > $1 AND id <= $2 ORDER BY id LIMIT $3`, after, upto, sealPage), func(rows *sql.Rows) error {
			var id, version, total, found, hits, repeats int64
			var t time.Time
			var actor, role, scenario, purpose, answer string
			var dep sql.NullInt64
			var due sql.NullString
			if err := rows.Scan(&id, &t, &actor, &role, &dep, &scenario, &purpose, &version, &total, &found, &hits, &due, &answer, &repeats); err != nil {
				return err
			}
			c = c[:0].str("verification").int(id).time(t).str(actor).str(role).nullInt(dep).str(scenario).str(purpose).
				int(version).int(total).int(found).int(hits).nullStr(due).str(answer)
			if repeats != 0 { // (0 in every row written before 0026: their seals stand)
				c = c.str("repeats").int(repeats)
			}
			h := sha256.New()
			h.Write(c)
			at[id] = len(page)
			page = append(page, row{id, h})
			return nil
		})
		if err != nil || len(page) == 0 {
			return err
		}
		last := page[len(page)-1].id
		err = scanAll(db.rows(ctx, `SELECT verification_id, seq, subject_id, verdict FROM verification_hits
			WHERE verification_id > $1 AND verification_id <= $2 ORDER BY verification_id, seq`, after, last), func(rows *sql.Rows) error {
			var id, seq int64
			var subj sql.NullInt64
			var verdict string
			if err := rows.Scan(&id, &seq, &subj, &verdict); err != nil {
				return err
			}
			if i, ok := at[id]; ok { // (a hit without its verification: the verification's item is missing)
				c = c[:0].str("hit").int(seq).nullInt(subj).str(verdict)
				page[i].h.Write(c)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, r := range page {
			it := sealItem{key: r.id}
			r.h.Sum(it.digest[:0])
			if err := fn(it); err != nil {
				return err
			}
		}
		after = last
		sealRest(ctx, began)
	}
	return nil
}

// pagedItems reads the items of a table keyed by its id column page by
// page: q selects the rows with id > $1 AND id <= $2 in id order, LIMIT $3;
// scan returns a row's id and canonical encoding.
func (db *DB) pagedItems(ctx context.Context, q string, after, upto int64, scan func(*sql.Rows, sealCanon) (int64, sealCanon, error), fn func(sealItem) error) error {
	var c sealCanon
	for after < upto {
		began := time.Now()
		var page []sealItem
		err := scanAll(db.rows(ctx, q, after, upto, 5*sealPage), func(rows *sql.Rows) error {
			var it sealItem
			var err error
			if it.key, c, err = scan(rows, c[:0]); err != nil {
				return err
			}
			it.digest = sha256.Sum256(c)
			page = append(page, it)
			return nil
		})
		if err != nil || len(page) == 0 {
			return err
		}
		for _, it := range page {
			if err := fn(it); err != nil {
				return err
			}
		}
		after = page[len(page)-1].key
		sealRest(ctx, began)
	}
	return nil
}

func (db *DB) queryLogItems(ctx context.Context, after, upto int64, fn func(sealItem) error) error {
	return db.pagedItems(ctx, `SELECT id, at, actor, role, department_id, user_id, subject_id, purpose, channel, what
		FROM query_log WHERE id > $1 AND id <= $2 ORDER BY id LIMIT $3`, after, upto, func(rows *sql.Rows, c sealCanon) (int64, sealCanon, error) {
		var id, subj int64
		var t time.Time
		var actor, role, purpose, channel, what string
		var dep, user sql.NullInt64
		if err := rows.Scan(&id, &t, &actor, &role, &dep, &user, &subj, &purpose, &channel, &what); err != nil {
			return 0, nil, err
		}
		return id, c.str("query_log").int(id).time(t).str(actor).str(role).nullInt(dep).nullInt(user).int(subj).str(purpose).str(channel).str(what), nil
	}, fn)
}

func (db *DB) feedbackItems(ctx context.Context, after, upto int64, fn func(sealItem) error) error {
	return db.pagedItems(ctx, `SELECT id, verification_id, seq, measure_code, applied, applied_on, reason, at, actor
		FROM verification_feedback WHERE id > $1 AND id <= $2 ORDER BY id LIMIT $3`, after, upto, func(rows *sql.Rows, c sealCanon) (int64, sealCanon, error) {
		var id, vid, seq int64
		var code, reason, actor string
		var applied bool
		var on sql.NullString
		var t time.Time
		if err := rows.Scan(&id, &vid, &seq, &code, &applied, &on, &reason, &t, &actor); err != nil {
			return 0, nil, err
		}
		return id, c.str("verification_feedback").int(id).int(vid).int(seq).str(code).bool(applied).nullStr(on).str(reason).time(t).str(actor), nil
	}, fn)
}

// batchErrorItems: one item per batch whose processing ended, keyed by the
// id of its batch.done or batch.failed audit entry; the digest covers the
// batch id and each rejected row in row order.
func (db *DB) batchErrorItems(ctx context.Context, after, upto int64, fn func(sealItem) error) error {
	type ended struct {
		id    int64
		batch string
	}
	var c sealCanon
	for after < upto {
		began := time.Now()
		var page []ended
		err := scanAll(db.rows(ctx, `SELECT id, object_id FROM audit_log
			WHERE id > $1 AND id <= $2 AND action IN ('batch.done', 'batch.failed') ORDER BY id LIMIT $3`, after, upto, sealPage), func(rows *sql.Rows) error {
			var e ended
			err := rows.Scan(&e.id, &e.batch)
			page = append(page, e)
			return err
		})
		if err != nil || len(page) == 0 {
			return err
		}
		for _, e := range page {
			h := sha256.New()
			h.Write(sealCanon(nil).str("batch_errors").str(e.batch))
			err := scanAll(db.rows(ctx, `SELECT row_num, problems, raw FROM batch_errors WHERE batch_id = $1 ORDER BY row_num`, e.batch), func(rows *sql.Rows) error {
				var n int64
				var problems, raw string
				if err := rows.Scan(&n, &problems, &raw); err != nil {
					return err
				}
				c = c[:0].str("row").int(n).str(problems).str(raw)
				h.Write(c)
				return nil
			})
			if err != nil {
				return err
			}
			it := sealItem{key: e.id}
			h.Sum(it.digest[:0])
			if err := fn(it); err != nil {
				return err
			}
		}
		after = page[len(page)-1].id
		sealRest(ctx, began)
	}
	return nil
}

// sealSum accumulates a stream's items into a seal range and its hints.
type sealSum struct {
	h     hash.Hash
	n     int64
	last  int64 // the key of the last item added, or the range's start
	hints []byte
}

func newSealSum(after int64) *sealSum { return &sealSum{h: sha256.New(), last: after} }

func (s *sealSum) add(it sealItem) {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], uint64(it.key))
	s.h.Write(k[:])
	s.h.Write(it.digest[:])
	s.n++
	s.hints = binary.AppendUvarint(s.hints, uint64(it.key-s.last))
	s.hints = append(s.hints, it.digest[:sealHintSize]...)
	s.last = it.key
}

func (s *sealSum) sum() string { return hex.EncodeToString(s.h.Sum(nil)) }

// sealHintSize is how much of each item's digest verification_seals keeps.
const sealHintSize = 8

// sealHint is an item as verification_seals names it.
type sealHint struct {
	key    int64
	digest [sealHintSize]byte
}

// decodeHints reads a verification_seals row back; ok is false when it is
// malformed.
func decodeHints(after int64, b []byte) (hs []sealHint, ok bool) {
	key := after
	for len(b) > 0 {
		d, n := binary.Uvarint(b)
		if n <= 0 || len(b) < n+sealHintSize {
			return nil, false
		}
		key += int64(d)
		h := sealHint{key: key}
		copy(h.digest[:], b[n:])
		hs = append(hs, h)
		b = b[n+sealHintSize:]
	}
	return hs, true
}

// lastSeal is the newest seal: its audit id (0 when there is none) and
// each stream's last sealed id.
type lastSeal struct {
	auditID int64
	to      map[string]int64
}

// rowQuerier is what both DB and Tx read with.
type rowQuerier interface {
	queryRow(ctx context.Context, q string, args ...any) *sql.Row
}

// findLastSeal returns the newest verification.seal entry of the audit log
// (in its tree). verification_seals names a recent one, from which the
// newest is found without reading the whole audit log; it is only a
// starting point: an entry is looked for from there on, and from the start
// when there is none.
func findLastSeal(ctx context.Context, q rowQuerier) (*lastSeal, error) {
	var from int64
	if err := q.queryRow(ctx, `SELECT COALESCE(MAX(audit_id), 0) FROM verification_seals`).Scan(&from); err != nil {
		return nil, err
	}
	for {
		ls := &lastSeal{to: map[string]int64{}}
		var detail string
		err := q.queryRow(ctx, `SELECT id, detail FROM audit_log WHERE id >= $1 AND action = 'verification.seal' AND leaf IS NOT NULL ORDER BY id DESC LIMIT 1`, from).
			Scan(&ls.auditID, &detail)
		switch {
		case errors.Is(err, sql.ErrNoRows) && from > 0:
			from = 0
			continue
		case errors.Is(err, sql.ErrNoRows):
			return ls, nil
		case err != nil:
			return nil, err
		}
		rs, err := parseSeal(detail)
		if err != nil {
			return nil, fmt.Errorf("seal %d: %w", ls.auditID, err)
		}
		for name, r := range rs {
			ls.to[name] = r.ToID
		}
		return ls, nil
	}
}

func parseSeal(detail string) (map[string]sealRange, error) {
	var rs map[string]sealRange
	if err := json.Unmarshal([]byte(detail), &rs); err != nil {
		return nil, err
	}
	return rs, nil
}

// sealPaceKey carries, in the context of a paced seal (SealVerificationsPaced),
// how long the sealer rests after a page for each unit of time it took.
type sealPaceKey struct{}

// sealRest rests after a page of the sealer read since began, when the
// seal is paced.
func sealRest(ctx context.Context, began time.Time) {
	f, ok := ctx.Value(sealPaceKey{}).(float64)
	if !ok {
		return
	}
	select {
	case <-ctx.Done():
	case <-time.After(time.Duration(float64(time.Since(began)) * f)):
	}
}

// SealVerificationsPaced is SealVerifications for the server's background
// loop: the sealer rests three times as long as each page took, so that it
// uses at most a quarter of a core instead of a whole one in bursts. (At
// 2,000 verifications a second, half a minute's rows took 0.8 s of one core
// to read and hash, and the verifications answered meanwhile waited: p99 at
// 2,000 /s 39 and 56 ms with the sealer every 30 s against 25 and 30 ms
// without; BENCHMARKS.md.) The rows to seal are bounded when it starts, so
// it ends however fast verifications keep coming.
func (db *DB) SealVerificationsPaced(ctx context.Context) (int, error) {
	return db.SealVerifications(context.WithValue(ctx, sealPaceKey{}, 3.0))
}

// SealVerifications seals the verifications, query-log rows, feedback and
// rejected batch rows written since the previous seal: one
// "verification.seal" audit entry, normally, or one per maxSealItems rows of
// a longer backlog. Nothing new, nothing is written: calling it again
// at once, or from several processes at once, seals each row once. It
// returns how many verifications it sealed. The server calls it every few
// seconds; a verification is "not yet sealed" (and unprotected) until then.
func (db *DB) SealVerifications(ctx context.Context) (int, error) {
	ctx = credit.NewContextWithActor(ctx, credit.System) // the platform's own act
	total, conflicts := 0, 0
	for {
		n, more, conflict, err := db.sealOnce(ctx)
		if err != nil {
			return total, fmt.Errorf("storage.SealVerifications: %w", err)
		}
		total += n
		if conflict {
			// Another process sealed meanwhile: start again from its seal.
			if conflicts++; conflicts > 5 {
				return total, nil
			}
			continue
		}
		if !more {
			return total, nil
		}
	}
}

// errSealFull stops reading a stream at maxSealItems.
var errSealFull = errors.New("seal full")

// sealOnce appends one seal. Everything is read and hashed before the
// transaction, which only checks under the audit log's lock that the seal
// it follows is still the newest (else conflict: another process sealed
// meanwhile) and appends. more reports a stream cut at maxSealItems.
func (db *DB) sealOnce(ctx context.Context) (sealed int, more, conflict bool, err error) {
	prev, err := findLastSeal(ctx, db)
	if err != nil {
		return 0, false, false, err
	}
	bound, err := db.sealBounds(ctx)
	if err != nil {
		return 0, false, false, err
	}
	ranges := map[string]sealRange{}
	hints := map[string][]byte{}
	grew := false
	for _, s := range sealStreams {
		after := prev.to[s.name]
		sum := newSealSum(after)
		to := max(bound[s.name], after)
		err := s.items(db, ctx, after, to, func(it sealItem) error {
			sum.add(it)
			if sum.n >= maxSealItems {
				return errSealFull
			}
			return nil
		})
		switch {
		case errors.Is(err, errSealFull):
			to, more = sum.last, true
		case err != nil:
			return 0, false, false, fmt.Errorf("%s: %w", s.name, err)
		}
		ranges[s.name] = sealRange{FromID: after + 1, ToID: to, Count: sum.n, SHA256: sum.sum()}
		// A range may move on without items (ids of transactions rolled
		// back; the seals' own audit entries), but only new items make a
		// seal worth writing.
		if sum.n > 0 {
			grew = true
			hints[s.name] = sum.hints
		}
	}
	if !grew {
		return 0, false, false, nil
	}
	v := ranges[streamVerifications]
	err = db.transact(ctx, func(tx *Tx) error {
		size, _, err := tx.lockAudit(ctx)
		if err != nil {
			return err
		}
		cur, err := findLastSeal(ctx, tx)
		if err != nil {
			return err
		}
		if cur.auditID != prev.auditID {
			conflict = true
			return nil
		}
		if err := tx.audit(ctx, "verification.seal", "verification", fmt.Sprintf("%d-%d", v.FromID, v.ToID), ranges); err != nil {
			return err
		}
		var id int64
		if err := tx.queryRow(ctx, `SELECT id FROM audit_log WHERE leaf = $1`, size).Scan(&id); err != nil {
			return err
		}
		for _, s := range sealStreams {
			if h, ok := hints[s.name]; ok {
				if _, err := tx.exec(ctx, `INSERT INTO verification_seals (audit_id, stream, digests) VALUES ($1, $2, $3)`, id, s.name, h); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil || conflict {
		return 0, false, conflict, err
	}
	return int(v.Count), more, false, nil
}

// sealWait bounds how long the sealer waits for transactions that may
// still write rows below its bounds (PostgreSQL).
const sealWait = time.Minute

// sealBounds returns, per stream, the id up to which rows can be sealed: no
// row with a smaller id can still appear.
func (db *DB) sealBounds(ctx context.Context) (map[string]int64, error) {
	var v, q, f, a int64
	if db.dialect == SQLite {
		// One writer, which commits ids in order: whatever is committed is
		// final below the largest id.
		err := db.queryRow(ctx, `SELECT (SELECT COALESCE(MAX(id), 0) FROM verifications), (SELECT COALESCE(MAX(id), 0) FROM query_log),
			(SELECT COALESCE(MAX(id), 0) FROM verification_feedback), (SELECT COALESCE(MAX(id), 0) FROM audit_log)`).Scan(&v, &q, &f, &a)
		return map[string]int64{streamVerifications: v, streamQueryLog: q, streamFeedback: f, streamBatchErrors: a}, err
	}
	// Audit entries are numbered and committed one after the other under
	// the audit log's lock.
	if err := db.queryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM audit_log`).Scan(&a); err != nil {
		return nil, err
	}
	// Every id up to a sequence's last value was handed out by a
	// transaction that has ended or still holds its lock on the sequence
	// (nextval takes one until the end of the transaction): read the
	// values first, then wait for those holders.
	err := db.queryRow(ctx, `SELECT COALESCE(pg_sequence_last_value(pg_get_serial_sequence('verifications', 'id')::regclass), 0),
		COALESCE(pg_sequence_last_value(pg_get_serial_sequence('query_log', 'id')::regclass), 0),
		COALESCE(pg_sequence_last_value(pg_get_serial_sequence('verification_feedback', 'id')::regclass), 0)`).Scan(&v, &q, &f)
	if err != nil {
		return nil, err
	}
	if err := db.waitForSequenceHolders(ctx); err != nil {
		return nil, err
	}
	return map[string]int64{streamVerifications: v, streamQueryLog: q, streamFeedback: f, streamBatchErrors: a}, nil
}

// waitForSequenceHolders waits until every transaction that holds a lock on
// the sequences of the sealed tables now has ended (PostgreSQL). It holds
// nothing itself while it waits: nobody waits for it.
func (db *DB) waitForSequenceHolders(ctx context.Context) error {
	const q = `SELECT DISTINCT virtualtransaction FROM pg_locks
		WHERE locktype = 'relation' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
		AND relation IN (pg_get_serial_sequence('verifications', 'id')::regclass, pg_get_serial_sequence('query_log', 'id')::regclass,
			pg_get_serial_sequence('verification_feedback', 'id')::regclass)
		AND (pid IS NULL OR pid <> pg_backend_pid())`
	holders := func() (map[string]bool, error) {
		out := map[string]bool{}
		err := scanAll(db.rows(ctx, q), func(rows *sql.Rows) error {
			var vxid string
			err := rows.Scan(&vxid)
			out[vxid] = true
			return err
		})
		return out, err
	}
	waiting, err := holders()
	if err != nil || len(waiting) == 0 {
		return err
	}
	deadline := time.Now().Add(sealWait)
	pause := 2 * time.Millisecond
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
		now, err := holders()
		if err != nil {
			return err
		}
		var left []string
		for vxid := range waiting {
			if now[vxid] {
				left = append(left, vxid)
			}
		}
		if len(left) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("transactions %s still hold the sequences of verifications, query_log or verification_feedback after %v", strings.Join(left, ", "), sealWait)
		}
		pause = min(2*pause, 100*time.Millisecond)
	}
}
