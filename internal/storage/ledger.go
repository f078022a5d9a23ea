package storage

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/tlog"

	"jlcredit/internal/catalog"
	"jlcredit/internal/credit"
	"jlcredit/internal/ledger"
	"jlcredit/internal/record"
	"jlcredit/internal/subject"
)

// VerifierKey returns the note verifier key (C2SP vkey) of the ledger's
// signing key: what a third party checks checkpoints with. The operator
// publishes it out of band (credit ledger key); the API shows it too.
func (db *DB) VerifierKey() string { return db.Secrets.VerifierKey() }

// LatestCheckpoint returns the newest signed checkpoint, or ENOTFOUND when
// the ledger is empty.
func (db *DB) LatestCheckpoint(ctx context.Context) (*ledger.Checkpoint, error) {
	return db.latestCheckpoint(ctx, `ledger_checkpoints`, "存证账本为空，尚无检查点")
}

// LatestAuditCheckpoint returns the latest signed checkpoint of the audit
// log's tree (origin AuditOrigin), or ENOTFOUND before the first entry.
func (db *DB) LatestAuditCheckpoint(ctx context.Context) (*ledger.Checkpoint, error) {
	return db.latestCheckpoint(ctx, `audit_checkpoints`, "审计日志为空，尚无检查点")
}

func (db *DB) latestCheckpoint(ctx context.Context, table, empty string) (*ledger.Checkpoint, error) {
	var note string
	row := db.queryRow(ctx, `SELECT note FROM `+table+` ORDER BY size DESC LIMIT 1`)
	if err := row.Scan(&note); errors.Is(err, sql.ErrNoRows) {
		return nil, credit.Errorf(credit.ENOTFOUND, "%s", empty)
	} else if err != nil {
		return nil, err
	}
	cp, err := ledger.OpenCheckpoint([]byte(note), db.Secrets.VerifierKey())
	if err != nil {
		return nil, fmt.Errorf("storage: latest checkpoint of %s does not verify: %w", table, err)
	}
	return cp, nil
}

var _ ledger.Service = (*DB)(nil)

// ProveRecord returns the inclusion proof of a record version in the latest
// checkpoint. The record must be visible to the actor (FindRecordByID, whose
// query logging it shares). The canonical bytes of the version go only to
// administrators and the department that submitted it (recordRead.knowsAll):
// anyone else gets the leaf hash and its inclusion proof without them.
func (db *DB) ProveRecord(ctx context.Context, id credit.RecordID) (*ledger.RecordProof, error) {
	rd, err := db.readRecord(ctx, id)
	if err != nil {
		return nil, err
	}
	cp, err := db.LatestCheckpoint(ctx)
	if err != nil {
		return nil, err
	}
	p, err := ledger.ProveInclusion(ctx, dbHashStore{db, recordHashes}, cp.Size, rd.stored.LedgerIndex)
	if err != nil {
		return nil, err
	}
	canon := record.Canonical(rd.stored)
	if ledger.Leaf(canon) != p.Leaf {
		return nil, credit.Errorf(credit.ECONFLICT, "记录%d的内容与存证不一致，可能已被篡改", id)
	}
	out := &ledger.RecordProof{RecordID: id, Proof: p, Checkpoint: cp, VerifierKey: db.Secrets.VerifierKey()}
	// The canonical bytes carry the content hash, an unkeyed hash over
	// every field with identity numbers in clear (whoever sees a number
	// only masked or sealed could recover it from them), and the batch,
	// row and lateness, which are not the public's: they go only to who
	// knows all that already.
	if rd.knowsAll(ctx) {
		out.Canonical = string(canon)
	}
	return out, nil
}

// ProveConsistency returns the latest checkpoint of the records' tree (the
// audit log's, with audit) and the proof that it extends the tree of
// oldSize leaves. Public, as the checkpoints are: the proof's hashes are
// interior hashes of the tree, which reveal nothing of the records.
func (db *DB) ProveConsistency(ctx context.Context, audit bool, oldSize int64) (*ledger.ConsistencyAnswer, error) {
	latest, hashes := db.LatestCheckpoint, recordHashes
	if audit {
		latest, hashes = db.LatestAuditCheckpoint, auditHashes
	}
	cp, err := latest(ctx)
	if err != nil {
		return nil, err
	}
	if oldSize < 1 || oldSize > cp.Size {
		return nil, credit.Errorf(credit.EINVALID, "旧检查点的大小%d无效：应在1到最新检查点的大小%d之间", oldSize, cp.Size)
	}
	p, err := ledger.ProveConsistency(ctx, dbHashStore{db, hashes}, oldSize, cp.Size)
	if err != nil {
		return nil, err
	}
	return &ledger.ConsistencyAnswer{Proof: p, Checkpoint: cp, VerifierKey: db.Secrets.VerifierKey()}, nil
}

// VerifyLedger recomputes every record version's hash from what is stored,
// rebuilds the tree, and checks it against the stored hashes and every
// signed checkpoint; then the audit log's tree the same way; then what is
// kept beside the trees against them: the trees' state rows, the record
// versions of each batch against its audited receipt, the batch rows
// against their audit entries (checkBatchRows), the list index against the
// list records, and verifyDerived. It returns an EINVALID error
// naming the first bad record, audit entry or row when anything was changed
// behind the platform's back.
func (db *DB) VerifyLedger(ctx context.Context) (*ledger.VerifyReport, error) {
	// Every checkpoint: signed, of this ledger, for exactly the size and
	// root of its row (a note moved to another row would otherwise make
	// the newest row vouch for an older, smaller tree).
	var cps []ledger.Checkpoint
	err := scanAll(db.rows(ctx, `SELECT size, root, note FROM ledger_checkpoints ORDER BY size`), func(rows *sql.Rows) error {
		var size int64
		var root []byte
		var note string
		if err := rows.Scan(&size, &root, &note); err != nil {
			return err
		}
		cp, err := db.checkpointRow("存证账本", LedgerOrigin, size, root, note, true)
		if err != nil {
			return err
		}
		cp.Note = nil // not needed: keep the list small
		cps = append(cps, *cp)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(cps) == 0 {
		var n int64
		if err := db.queryRow(ctx, `SELECT COUNT(*) FROM records`).Scan(&n); err != nil {
			return nil, err
		}
		if n > 0 {
			first, err := db.firstRecordAfter(ctx, 0)
			if err != nil {
				return nil, err
			}
			return nil, credit.Errorf(credit.EINVALID, "存证账本为空，但数据库中有%d条记录：记录未经平台写入，第一条为 %s", n, first)
		}
		if err := db.checkLedgerState(ctx); err != nil {
			return nil, err
		}
		audits, receipts, err := db.verifyAudit(ctx)
		if err != nil {
			return nil, err
		}
		if err := db.checkReceipts(ctx, receipts, nil); err != nil {
			return nil, err
		}
		if err := db.checkBatchRows(ctx, nil); err != nil {
			return nil, err
		}
		if err := db.verifyListIndex(ctx); err != nil {
			return nil, err
		}
		unsealed, err := db.verifyDerived(ctx)
		if err != nil {
			return nil, err
		}
		return unsealed.report(&ledger.VerifyReport{AuditEntries: audits}), nil
	}
	latest := cps[len(cps)-1]
	size := latest.Size
	var count int64
	perBatch := map[credit.BatchID]int64{}     // record versions of each batch, for checkReceipts
	tallies := map[credit.BatchID]batchTally{} // and their department, for checkBatchRows
	t := db.treeRows(ctx, `SELECT `+recordColumns+`, ledger_hashes FROM records WHERE id <= $1 ORDER BY id`, []any{size},
		func(rows *sql.Rows) (int64, []byte, []byte, error) {
			var hashes []byte
			r, err := scanRecord(rows, &hashes)
			if err != nil {
				return 0, nil, nil, err
			}
			count++
			if perBatch[r.BatchID]++; perBatch[r.BatchID] == 1 && r.BatchID != "" {
				tallies[r.BatchID] = batchTally{department: int64(r.DepartmentID), record: int64(r.ID)}
			}
			return r.LedgerIndex, record.Canonical(r), hashes, nil
		})
	verr := ledger.VerifyAll(t.leaves, t.stored, cps...)
	if t.err != nil {
		return nil, t.err
	}
	var mm *ledger.Mismatch
	if errors.As(verr, &mm) {
		return nil, db.describeMismatch(ctx, mm)
	}
	if verr != nil {
		return nil, verr
	}
	if count != size {
		return nil, credit.Errorf(credit.EINVALID, "存证账本记录数不符：检查点为%d条，数据库中为%d条（有记录被删除）", size, count)
	}
	// is_current is derived (the highest version of a business key), not in
	// the canonical bytes: check it, or a record could be hidden by
	// flipping it. One sorted pass; each key's last version must be the
	// only current one.
	if err := db.checkCurrentFlags(ctx); err != nil {
		return nil, err
	}
	if err := db.checkSubjects(ctx); err != nil {
		return nil, err
	}
	var extra int64
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM records WHERE id > $1`, size).Scan(&extra); err != nil {
		return nil, err
	}
	if extra > 0 {
		first, err := db.firstRecordAfter(ctx, size)
		if err != nil {
			return nil, err
		}
		return nil, credit.Errorf(credit.EINVALID, "数据库中有%d条记录不在已签名的存证账本内（记录未经平台写入），第一条为 %s", extra, first)
	}
	if err := db.checkLedgerState(ctx); err != nil {
		return nil, err
	}
	audits, receipts, err := db.verifyAudit(ctx)
	if err != nil {
		return nil, err
	}
	if err := db.checkReceipts(ctx, receipts, perBatch); err != nil {
		return nil, err
	}
	if err := db.checkBatchRows(ctx, tallies); err != nil {
		return nil, err
	}
	if err := db.verifyListIndex(ctx); err != nil {
		return nil, err
	}
	unsealed, err := db.verifyDerived(ctx)
	if err != nil {
		return nil, err
	}
	return unsealed.report(&ledger.VerifyReport{Records: count, Size: size, Root: latest.Root.String(), Checkpoints: int64(len(cps)), AuditEntries: audits}), nil
}

// firstRecordAfter names the record with the smallest id above id, as the
// other messages name records: 记录ID 12（信息类 …，业务主键 …，存证序号 11）.
func (db *DB) firstRecordAfter(ctx context.Context, id int64) (string, error) {
	var rid, idx int64
	var class, key string
	err := db.queryRow(ctx, `SELECT id, class, key, ledger_index FROM records WHERE id > $1 ORDER BY id LIMIT 1`, id).Scan(&rid, &class, &key, &idx)
	if errors.Is(err, sql.ErrNoRows) {
		return "（已不存在）", nil // deleted meanwhile
	}
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("记录ID %d（信息类 %s，业务主键 %s，存证序号 %d）", rid, class, key, idx), nil
}

// checkpointRow checks one row of a checkpoint table (what names the tree,
// in Chinese): its note must be a checkpoint of origin for exactly the size
// and root in the row. With verify the note's signature is checked too
// (about 90 µs); without, the note is only parsed.
func (db *DB) checkpointRow(what, origin string, size int64, root []byte, note string, verify bool) (*ledger.Checkpoint, error) {
	var cp *ledger.Checkpoint
	var err error
	if verify {
		if cp, err = ledger.OpenCheckpoint([]byte(note), db.Secrets.VerifierKey()); err != nil {
			return nil, credit.Errorf(credit.EINVALID, "%s检查点（大小%d）签名无效：%s", what, size, credit.ErrorMessage(err))
		}
	} else {
		// A signed note is its text, a blank line and the signatures
		// (golang.org/x/mod/sumdb/note).
		i := strings.LastIndex(note, "\n\n")
		if i < 0 || !signedShape(note[i+2:], db.Secrets.VerifierKey()) {
			return nil, credit.Errorf(credit.EINVALID, "%s检查点（大小%d）不是平台密钥的签名文本", what, size)
		}
		if cp, err = ledger.ParseCheckpointBody([]byte(note[:i+1])); err != nil {
			return nil, credit.Errorf(credit.EINVALID, "%s检查点（大小%d）无法解析：%s", what, size, credit.ErrorMessage(err))
		}
	}
	switch {
	case cp.Origin != origin:
		return nil, credit.Errorf(credit.EINVALID, "%s检查点（大小%d）的来源为“%s”，应为“%s”", what, size, cp.Origin, origin)
	case cp.Size != size:
		return nil, credit.Errorf(credit.EINVALID, "%s检查点（大小%d）的签名文本是大小为%d的检查点：检查点被替换", what, size, cp.Size)
	case !bytes.Equal(root, cp.Root[:]):
		return nil, credit.Errorf(credit.EINVALID, "%s检查点（大小%d）的树根与其签名文本中的不一致", what, size)
	}
	return cp, nil
}

// signedShape reports whether sigs, the signature lines of a signed note,
// are one line “— name base64(key hash, signature)” of the key vkey names
// (name+hash+key), well formed: what can be told without verifying the
// signature.
func signedShape(sigs, vkey string) bool {
	name, rest, _ := strings.Cut(vkey, "+")
	hash16, _, _ := strings.Cut(rest, "+")
	hash, err := strconv.ParseUint(hash16, 16, 32)
	if err != nil {
		return false
	}
	line, ok := strings.CutPrefix(sigs, "— "+name+" ")
	if !ok || !strings.HasSuffix(line, "\n") {
		return false
	}
	sig, err := base64.StdEncoding.DecodeString(line[:len(line)-1])
	return err == nil && len(sig) == 4+ed25519.SignatureSize && binary.BigEndian.Uint32(sig) == uint32(hash)
}

// checkLedgerState checks the ledger's state row, which every append
// updates with its checkpoint: its size must be the newest checkpoint's
// and the next record id follow it (id = ledger index + 1). The row is the
// witness of the newest records: deleted with their checkpoints, they
// would leave a smaller tree that verifies. One statement reads the row
// and the checkpoints, so an append meanwhile is seen in both or neither.
func (db *DB) checkLedgerState(ctx context.Context) error {
	var size, next, newest int64
	err := db.queryRow(ctx, `SELECT size, next_record_id, (SELECT COALESCE(MAX(size), 0) FROM ledger_checkpoints) FROM ledger_state WHERE id = 1`).Scan(&size, &next, &newest)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return credit.Errorf(credit.EINVALID, "存证账本状态不符：状态行（ledger_state）缺失")
	case err != nil:
		return err
	case size != newest:
		return credit.Errorf(credit.EINVALID, "存证账本状态不符：状态行记载账本大小为%d，最新检查点的大小为%d（最新的记录及其检查点被删除，或状态被改动）", size, newest)
	case next != size+1:
		return credit.Errorf(credit.EINVALID, "存证账本状态不符：状态行记载下一记录ID为%d，账本大小为%d时应为%d", next, size, size+1)
	}
	return nil
}

// verifyDerived checks what is not itself in a tree against what is: the
// configuration tables against the audit trail (verifyState), the
// statistics and alert tables against the stored verifications
// (verifyVerificationDerived), stored verifications and batch files
// against their seals (verifySeals).
// It returns what each seal stream holds beyond the newest seal.
func (db *DB) verifyDerived(ctx context.Context) (unsealedCounts, error) {
	if err := db.verifyState(ctx); err != nil {
		return unsealedCounts{}, err
	}
	if err := db.verifyVerificationDerived(ctx); err != nil {
		return unsealedCounts{}, err
	}
	return db.checkSeals(ctx)
}

// report fills in the counts of what is not sealed yet.
func (u unsealedCounts) report(r *ledger.VerifyReport) *ledger.VerifyReport {
	r.Unsealed, r.UnsealedQueryLog, r.UnsealedFeedback, r.UnsealedBatches = u.verifications, u.queryLog, u.feedback, u.batches
	return r
}

// checkSubjects returns EINVALID naming the first record whose subject no
// longer carries the code the record itself names: subjects are not in the
// ledger, but each record's fields (which are) say whose it is, so a
// subject's USCC or citizen-ID hash changed behind the platform's back, or a
// subject deleted, would move or hide records unnoticed otherwise.
//
// Then the rest of each subject's row, which the portal, archives and
// verification answers show: resolveSubjects writes it once, when a row
// first names the subject, from that row (name, display_name, legal_rep,
// type, region_code, cid_masked, cid_cipher; see impliedSubject), and only
// the subject's registration authority updates it afterwards, from a
// registration record (name, display_name, legal_rep; see
// followRegistrations). So the row must be what one of the subject's
// records implies: its first record, or its latest registration. Any record is
// accepted, not only the first, because the row that created the subject
// is not always its first record in the ledger: on PostgreSQL the subjects
// of a chunk are created ahead of the chunk's write, so another batch may
// write a record naming the subject (spelled its own way) first. A subject
// whose row matches none of its records is reported, naming the column
// that differs from its first record. Subjects without records (created
// for a chunk that then failed, or by a row the writer refused) cannot be
// checked this way. The verified flag is set by nothing: it must be false.
func (db *DB) checkSubjects(ctx context.Context) error {
	cat, err := db.Catalog(ctx)
	if err != nil {
		return err
	}
	bad := func(id int64, class, key, what string) error {
		return credit.Errorf(credit.EINVALID, "存证校验失败：记录ID %d（信息类 %s，业务主键 %s）%s：主体信息被改动", id, class, key, what)
	}
	var matched idSet                       // subjects whose row one of their records implies
	pending := map[int64]*subjectMismatch{} // the others, with their first record's difference
	err = scanAll(db.rows(ctx, `SELECT r.id, r.class, r.key, r.fields, s.id, s.type, s.uscc, s.cid_hash, s.region_code,
		s.name, s.display_name, s.legal_rep, s.cid_masked, s.cid_cipher
		FROM records r LEFT JOIN subjects s ON s.id = r.subject_id ORDER BY r.id`), func(rows *sql.Rows) error {
		var id int64
		var class, key, fieldsJSON string
		var sid sql.NullInt64
		var typ, uscc, region, name, display, legalRep, masked sql.NullString
		var cidHash, cidCipher []byte
		if err := rows.Scan(&id, &class, &key, &fieldsJSON, &sid, &typ, &uscc, &cidHash, &region, &name, &display, &legalRep, &masked, &cidCipher); err != nil {
			return err
		}
		if !sid.Valid {
			return bad(id, class, key, "所属的主体不存在")
		}
		c, ok := cat.Class(class)
		if !ok {
			return nil
		}
		// The fields the checks read, in one pass. Fields that do not read
		// as an object of strings fail the leaf check too; here they are a
		// mismatch, never "nothing to compare".
		roles := []string{c.Roles.USCC, c.Roles.SubjectType, c.Roles.IDNumber, c.Roles.SubjectName, c.Roles.LegalRep}
		vals := make([]string, len(roles))
		if err := jsonFields(fieldsJSON, roles, vals); err != nil {
			return bad(id, class, key, "的字段内容无法读取")
		}
		field := func(code string) string {
			if i := slices.Index(roles, code); code != "" && i >= 0 {
				return vals[i]
			}
			return ""
		}
		// The record's own code, and the subject's against it.
		var code, clear string // the USCC; or the citizen ID in clear
		if role := c.Roles.USCC; role != "" {
			if v := field(role); v != "" {
				want := subject.Normalize(v)
				switch {
				case uscc.String != want:
					return bad(id, class, key, fmt.Sprintf("所属主体的统一社会信用代码为“%s”，记录中为“%s”", uscc.String, want))
				case typ.String == string(subject.Person):
					// (a company's records would leave the public's view)
					return bad(id, class, key, "所属主体有统一社会信用代码，类型却为自然人")
				case len(want) == 18 && region.String != want[2:8]:
					return bad(id, class, key, fmt.Sprintf("所属主体的行政区划为“%s”，与统一社会信用代码中的“%s”不一致", region.String, want[2:8]))
				}
				code = want
			}
		}
		if code == "" {
			// A person's record whose subject is no longer a person would be
			// published.
			if role := c.Roles.SubjectType; role != "" && field(role) == "自然人" && typ.String != string(subject.Person) {
				return bad(id, class, key, fmt.Sprintf("是自然人的记录，所属主体的类型却为“%s”", typ.String))
			}
			if role := c.Roles.IDNumber; typ.String == string(subject.Person) && role != "" {
				v := field(role)
				if !strings.HasPrefix(v, sealedPrefix) {
					return nil // (not a sealed number: nothing to compare)
				}
				b, err := base64.StdEncoding.DecodeString(v[len(sealedPrefix):])
				if err != nil {
					return bad(id, class, key, "中的证件号码无法解密")
				}
				if clear, err = db.Secrets.DecryptCitizenID(b); err != nil {
					return bad(id, class, key, "中的证件号码无法解密")
				}
				if !bytes.Equal(db.Secrets.HashCitizenID(clear), cidHash) {
					return bad(id, class, key, "所属主体的身份证号码与记录中的不一致")
				}
			}
			if clear == "" {
				return nil
			}
		}
		// The rest of the subject's row.
		s := sid.Int64
		if matched.has(s) {
			return nil
		}
		row := subjectCols{typ: typ.String, name: name.String, display: display.String, legalRep: legalRep.String,
			masked: masked.String, region: region.String, uscc: uscc, hasHash: cidHash != nil}
		want := impliedSubject(c, field, code, clear)
		col, have, implied := row.diff(want)
		if col == "" && (cidCipher != nil || want.cid != "") {
			// The sealed number: decrypted only until the subject matched.
			got := ""
			if cidCipher != nil {
				var derr error
				if got, derr = db.Secrets.DecryptCitizenID(cidCipher); derr != nil {
					got = "\x00" // never a number
				}
			}
			if got != want.cid {
				col = "cid_cipher"
			}
		}
		if col == "" {
			matched.add(s)
			delete(pending, s)
			return nil
		}
		if _, ok := pending[s]; !ok {
			who := code
			if who == "" {
				who = subject.MaskCitizenID(clear)
			}
			pending[s] = &subjectMismatch{subject: s, who: who, column: col, have: have, want: implied, record: id, class: class, key: key}
		}
		return nil
	})
	if err != nil {
		return err
	}
	var first *subjectMismatch
	for _, m := range pending {
		if first == nil || m.subject < first.subject {
			first = m
		}
	}
	// A subject with a current registration from its authority is checked
	// against it first: its message names the column changed, where the
	// difference from the subject's first record may be another (a name
	// renamed since, QA).
	if err := db.checkRegisteredNames(ctx, cat); err != nil {
		return err
	}
	if first != nil {
		return first.err()
	}
	if err := db.checkFormerNames(ctx, cat); err != nil {
		return err
	}
	var sid int64
	var who string
	err = db.queryRow(ctx, `SELECT id, COALESCE(uscc, cid_masked) FROM subjects WHERE verified ORDER BY id LIMIT 1`).Scan(&sid, &who)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return err
	}
	return credit.Errorf(credit.EINVALID, "存证校验失败：主体 %s 的已核实标记（subjects.verified）为“是”，平台从不设置该标记（主体ID %d）：主体信息被改动", who, sid)
}

// checkRegisteredNames returns EINVALID naming the first subject whose
// name, display name or legal representative is not what its current
// registration from its registration authority says (followRegistrations
// keeps them so): checkSubjects accepts a row any of the subject's
// records implies, and an older record implies the name a rename
// replaced, so a rename undone behind the platform's back would pass it
// (QA).
func (db *DB) checkRegisteredNames(ctx context.Context, cat *catalog.Catalog) error {
	cond := registrationSQL(cat, "s")
	if cond == "" {
		return nil
	}
	var bad *subjectMismatch
	err := scanAll(db.rows(ctx, `SELECT vr.id, vr.class, vr.key, vr.fields, s.id, s.uscc, s.name, s.display_name, s.legal_rep
		FROM records vr JOIN subjects s ON s.id = vr.subject_id
		WHERE vr.is_current AND s.uscc IS NOT NULL AND `+cond+` ORDER BY s.id, vr.id`), func(rows *sql.Rows) error {
		if bad != nil {
			return nil
		}
		var id, sid int64
		var class, key, fields, uscc string
		var row subjectCols
		if err := rows.Scan(&id, &class, &key, &fields, &sid, &uscc, &row.name, &row.display, &row.legalRep); err != nil {
			return err
		}
		c, ok := cat.Class(class)
		if !ok {
			return nil
		}
		roles := []string{c.Roles.SubjectName, c.Roles.LegalRep, c.Roles.SubjectType}
		vals := make([]string, len(roles))
		if err := jsonFields(fields, roles, vals); err != nil {
			return nil // (the record check reports fields that do not read)
		}
		want := impliedSubject(c, func(code string) string {
			if i := slices.Index(roles, code); code != "" && i >= 0 {
				return vals[i]
			}
			return ""
		}, uscc, "")
		// Only the registration's columns are compared.
		row.typ, row.uscc, row.region, row.masked, row.hasHash = want.typ, want.uscc, want.region, want.masked, want.hasHash
		if col, have, implied := row.diff(want); col != "" {
			bad = &subjectMismatch{subject: sid, who: uscc, column: col, have: have, want: implied, record: id, class: class, key: key}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if bad != nil {
		return bad.err()
	}
	return nil
}

// checkFormerNames returns EINVALID naming the first subject whose former
// names (subject_former_names, 曾用名) are not the names its registration
// authority's registrations gave it other than its current one, as
// syncFormerNames keeps them: a former name planted or deleted in the
// database would change verification answers (a planted one makes a
// listed company's name ambiguous) and pass the other checks (QA).
// Names are compared by their compared form (subject.NameKey).
func (db *DB) checkFormerNames(ctx context.Context, cat *catalog.Catalog) error {
	have := map[int64]map[string]bool{} // subject → name keys held
	err := scanAll(db.rows(ctx, `SELECT subject_id, name_key FROM subject_former_names`), func(rows *sql.Rows) error {
		var id int64
		var key string
		if err := rows.Scan(&id, &key); err != nil {
			return err
		}
		if have[id] == nil {
			have[id] = map[string]bool{}
		}
		have[id][key] = true
		return nil
	})
	if err != nil {
		return err
	}
	keys := func(m map[string]bool) string { return strings.Join(slices.Sorted(maps.Keys(m)), "、") }
	bad := func(id int64, who string, held, want map[string]bool) error {
		return credit.Errorf(credit.EINVALID, "存证校验失败：主体 %s 的曾用名（subject_former_names）为“%s”，按其登记机关报送的登记注册信息应为“%s”（主体ID %d）：主体信息被改动",
			who, keys(held), keys(want), id)
	}
	if cond := registrationSQL(cat, "s"); cond != "" {
		var cur int64
		var curWho, curName string
		want := map[string]bool{}
		check := func() error {
			if cur == 0 {
				return nil
			}
			delete(want, subject.NameKey(subject.NormalizeText(curName)))
			held := have[cur]
			delete(have, cur)
			if !maps.Equal(held, want) && (len(held) > 0 || len(want) > 0) {
				return bad(cur, curWho, held, want)
			}
			return nil
		}
		err = scanAll(db.rows(ctx, `SELECT s.id, s.uscc, s.name, vr.class, vr.fields FROM records vr JOIN subjects s ON s.id = vr.subject_id
			WHERE vr.status <> '`+string(record.Withdrawn)+`' AND s.uscc IS NOT NULL AND `+cond+` ORDER BY s.id`), func(rows *sql.Rows) error {
			var id int64
			var uscc, name, class, fields string
			if err := rows.Scan(&id, &uscc, &name, &class, &fields); err != nil {
				return err
			}
			if id != cur {
				if err := check(); err != nil {
					return err
				}
				cur, curWho, curName, want = id, uscc, name, map[string]bool{}
			}
			c, ok := cat.Class(class)
			if !ok || c.Roles.SubjectName == "" {
				return nil
			}
			vals := make([]string, 1)
			if err := jsonFields(fields, []string{c.Roles.SubjectName}, vals); err != nil || vals[0] == "" {
				return nil // (the record check reports fields that do not read)
			}
			want[subject.NameKey(subject.NormalizeText(vals[0]))] = true
			return nil
		})
		if err == nil {
			err = check()
		}
		if err != nil {
			return err
		}
	}
	// Former names of a subject without a registration from its authority.
	for id, held := range have {
		var who string
		if err := db.queryRow(ctx, `SELECT COALESCE(uscc, cid_masked) FROM subjects WHERE id = $1`, id).Scan(&who); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		return bad(id, who, held, nil)
	}
	return nil
}

// subjectCols are the columns of a subject's row that resolveSubjects
// derives from the record that creates it: as stored, or as a record
// implies them (impliedSubject).
type subjectCols struct {
	typ, name, display, legalRep, masked, region string
	uscc                                         sql.NullString
	hasHash                                      bool   // cid_hash is set
	cid                                          string // implied only: the citizen ID in clear ("" for organisations)
}

// impliedSubject returns the subject's columns as resolveSubjects writes
// them from a record of class c (field reads its stored fields): the code
// is the record's USCC, or "" for a person, whose citizen ID in clear is
// cid. Text is stored as written (record.Record.Verbatim); the subject's
// name is its normalised form, display_name the written one where it
// differs, legal_rep normalised (record.SubjectRef).
func impliedSubject(c *catalog.Class, field func(string) string, code, cid string) subjectCols {
	var out subjectCols
	written := field(c.Roles.SubjectName)
	out.name = subject.NormalizeText(written)
	if written != out.name {
		out.display = written
	}
	out.legalRep = subject.NormalizeText(field(c.Roles.LegalRep))
	if code != "" {
		// record.Validator: a person with a registration code is a sole
		// trader, found by the code; 个体工商户 is one whatever its code.
		out.uscc = sql.NullString{String: code, Valid: true}
		if field(c.Roles.SubjectType) == "个体工商户" {
			out.typ = string(subject.IndividualBusiness)
		} else {
			out.typ = string(subject.TypeFromUSCC(code))
		}
		if out.typ == "" {
			out.typ = string(subject.Enterprise)
		}
		if len(code) >= 8 {
			out.region = code[2:8]
		}
		return out
	}
	out.typ = string(subject.Person)
	out.cid, out.hasHash = cid, true
	out.masked = subject.MaskCitizenID(cid)
	if len(cid) >= 6 && isDigits(cid[:6]) {
		out.region = cid[:6]
	}
	return out
}

// diff returns the first column of the row that differs from want, with
// both values as messages show them, or "" when they agree. An empty
// display_name is what subjects created before migration 0017 hold, and
// means the name itself is shown: it is accepted for any subject. The
// legal representative is compared only where both the row and the record
// name one (a subject created from a row or a seed without one keeps it
// empty; a record without one says nothing of it).
func (row subjectCols) diff(want subjectCols) (column, have, implied string) {
	typeLabel := func(t string) string { return subject.Type(t).Label() }
	orNone := func(s sql.NullString) string {
		if !s.Valid {
			return "无"
		}
		return s.String
	}
	// Names are compared as normalised (subject.NormalizeText): subjects
	// seeded by EnsureSubjects before it normalised kept names as given
	// (full-width brackets), which name the same subject.
	switch {
	case subject.NormalizeText(row.name) != want.name:
		return "name", row.name, want.name
	case row.display != want.display && row.display != "" && subject.NormalizeText(row.display) != want.name:
		return "display_name", row.display, want.display
	case row.legalRep != "" && want.legalRep != "" && subject.NormalizeText(row.legalRep) != want.legalRep: // empty on either side: nothing to compare
		return "legal_rep", row.legalRep, want.legalRep
	case row.typ != want.typ:
		return "type", typeLabel(row.typ), typeLabel(want.typ)
	case row.uscc != want.uscc:
		return "uscc", orNone(row.uscc), orNone(want.uscc)
	case row.region != want.region:
		return "region_code", row.region, want.region
	case row.masked != want.masked:
		return "cid_masked", row.masked, want.masked
	case row.hasHash != want.hasHash:
		return "cid_hash", map[bool]string{true: "有", false: "无"}[row.hasHash], map[bool]string{true: "有", false: "无"}[want.hasHash]
	}
	return "", "", ""
}

// subjectColumnNames are the subjects' columns in messages.
var subjectColumnNames = map[string]string{
	"name":         "名称",
	"display_name": "显示名称",
	"legal_rep":    "法定代表人",
	"type":         "主体类型",
	"uscc":         "统一社会信用代码",
	"region_code":  "行政区划",
	"cid_masked":   "证件号码（掩码）",
	"cid_hash":     "证件号码摘要",
	"cid_cipher":   "证件号码密文",
}

// subjectMismatch is a subject whose row none of its records implies, with
// the difference from its first record.
type subjectMismatch struct {
	subject            int64
	who                string // its code, masked for a person
	column, have, want string
	record             int64
	class, key         string
}

func (m *subjectMismatch) err() error {
	col := subjectColumnNames[m.column] + "（subjects." + m.column + "）"
	rec := fmt.Sprintf("（主体ID %d；记录ID %d，信息类 %s，业务主键 %s）", m.subject, m.record, m.class, m.key)
	if m.column == "cid_cipher" {
		return credit.Errorf(credit.EINVALID, "存证校验失败：主体 %s 的%s与其存证记录中的证件号码不一致%s：主体信息被改动", m.who, col, rec)
	}
	if m.column == "display_name" && m.want == "" {
		// The record's name is written as normalised: no separate form.
		return credit.Errorf(credit.EINVALID, "存证校验失败：主体 %s 的%s为%s，而其存证记录中的名称无需单独的显示名称（应为空）%s：主体信息被改动", m.who, col, quoteValue(m.have), rec)
	}
	return credit.Errorf(credit.EINVALID, "存证校验失败：主体 %s 的%s为%s，其存证记录中为%s%s：主体信息被改动", m.who, col, quoteValue(m.have), quoteValue(m.want), rec)
}

// quoteValue quotes a value in a message: “value”, or 空 when empty.
func quoteValue(s string) string {
	if s == "" {
		return "空"
	}
	return "“" + s + "”"
}

// idSet is a set of ids (subject ids: small and dense), a bit each.
type idSet struct {
	bits []uint64
	big  map[int64]bool // ids beyond maxIDSetBits
}

const maxIDSetBits = 1 << 28 // 32 MiB of bits at most

func (s *idSet) has(id int64) bool {
	if id < 0 || id >= maxIDSetBits {
		return s.big[id]
	}
	i := int(id / 64)
	return i < len(s.bits) && s.bits[i]&(1<<(id%64)) != 0
}

func (s *idSet) add(id int64) {
	if id < 0 || id >= maxIDSetBits {
		if s.big == nil {
			s.big = map[int64]bool{}
		}
		s.big[id] = true
		return
	}
	i := int(id / 64)
	if i >= len(s.bits) {
		s.bits = append(s.bits, make([]uint64, i+1-len(s.bits))...)
	}
	s.bits[i] |= 1 << (id % 64)
}

// jsonField returns the string value of key code in a record's fields as
// stored: a JSON object whose values are strings. It reads the object as
// encoding/json reads it into a map[string]string — any white space,
// escapes anywhere (also in keys), null as "", a repeated key's last value
// — without building the map: verification reads a few fields of every
// record, and a full decode made it half as slow again. Reading only the
// compact form the platform writes let a record whose fields were merely
// re-serialised (same content, so the same leaf) hide its subject from
// every check. It returns "" when the key is absent, and an error when obj
// is not such an object.
func jsonField(obj, code string) (string, error) {
	var v [1]string
	err := jsonFields(obj, []string{code}, v[:])
	return v[0], err
}

// jsonFields is jsonField for several keys in one pass: it sets out[i] to
// the value of codes[i] ("" when absent).
func jsonFields(obj string, codes []string, out []string) error {
	clear(out)
	bad := errors.New("fields are not a JSON object of strings")
	i := jsonSpace(obj, 0)
	if i >= len(obj) || obj[i] != '{' {
		return bad
	}
	i = jsonSpace(obj, i+1)
	if i < len(obj) && obj[i] == '}' {
		if jsonSpace(obj, i+1) != len(obj) {
			return bad
		}
		return nil
	}
	for {
		key, j, err := jsonString(obj, i, false)
		if err != nil {
			return err
		}
		i = jsonSpace(obj, j)
		if i >= len(obj) || obj[i] != ':' {
			return bad
		}
		val, j, err := jsonString(obj, jsonSpace(obj, i+1), true)
		if err != nil {
			return err
		}
		for k, c := range codes {
			if key == c {
				out[k] = val
			}
		}
		i = jsonSpace(obj, j)
		if i >= len(obj) {
			return bad
		}
		switch obj[i] {
		case ',':
			i = jsonSpace(obj, i+1)
		case '}':
			if jsonSpace(obj, i+1) != len(obj) {
				return bad
			}
			return nil
		default:
			return bad
		}
	}
}

// jsonSpace returns the index of the first byte at or after i that is not
// JSON white space.
func jsonSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

// jsonString reads the JSON string that starts at s[i] (or null, when
// orNull) and returns its value and the index after it. A string without
// escapes and in valid UTF-8 is returned as it stands; any other is
// decoded by encoding/json, so that both read it alike.
func jsonString(s string, i int, orNull bool) (string, int, error) {
	if orNull && strings.HasPrefix(s[i:], "null") {
		return "", i + 4, nil
	}
	if i >= len(s) || s[i] != '"' {
		return "", i, errors.New("fields are not a JSON object of strings")
	}
	plain := true
	for j := i + 1; j < len(s); j++ {
		switch c := s[j]; {
		case c == '"':
			if plain {
				return s[i+1 : j], j + 1, nil
			}
			var v string
			if err := json.Unmarshal([]byte(s[i:j+1]), &v); err != nil {
				return "", j + 1, err
			}
			return v, j + 1, nil
		case c == '\\':
			plain = false
			j++ // the escaped byte cannot end the string
		case c < 0x20:
			return "", j, errors.New("fields hold a control character")
		case c >= utf8.RuneSelf:
			if plain {
				r, n := utf8.DecodeRuneInString(s[j:])
				if r == utf8.RuneError && n == 1 {
					plain = false // encoding/json reads it as U+FFFD
				}
				j += n - 1
			}
		}
	}
	return "", len(s), errors.New("fields end inside a string")
}

// describeMismatch names the first bad record of a ledger mismatch.
func (db *DB) describeMismatch(ctx context.Context, mm *ledger.Mismatch) error {
	var id int64
	var class, key string
	err := db.queryRow(ctx, `SELECT id, class, key FROM records WHERE id = $1`, mm.Index+1).Scan(&id, &class, &key)
	if errors.Is(err, sql.ErrNoRows) {
		return credit.Errorf(credit.EINVALID, "存证校验失败：存证序号%d对应的记录缺失（%s）", mm.Index, mm.Reason)
	}
	if err != nil {
		return err
	}
	return credit.Errorf(credit.EINVALID, "存证校验失败：第一条异常记录为 记录ID %d（信息类 %s，业务主键 %s，存证序号 %d）：%s", id, class, key, mm.Index, mm.Reason)
}

// checkCurrentFlags returns EINVALID naming the first record whose
// is_current flag disagrees with its being the highest version of its key.
func (db *DB) checkCurrentFlags(ctx context.Context) error {
	var (
		prevClass, prevKey string
		prevID             int64
		prevCurrent        bool
		bad                int64
		badClass, badKey   string
	)
	report := func(id int64, class, key string) {
		if bad == 0 || id < bad {
			bad, badClass, badKey = id, class, key
		}
	}
	err := scanAll(db.rows(ctx, `SELECT id, class, key, is_current FROM records ORDER BY class, key, version`), func(rows *sql.Rows) error {
		var id int64
		var class, key string
		var current bool
		if err := rows.Scan(&id, &class, &key, &current); err != nil {
			return err
		}
		if prevID != 0 {
			last := class != prevClass || key != prevKey // prev was its key's last version
			if prevCurrent != last {
				report(prevID, prevClass, prevKey)
			}
		}
		prevClass, prevKey, prevID, prevCurrent = class, key, id, current
		return nil
	})
	if err != nil {
		return err
	}
	if prevID != 0 && !prevCurrent {
		report(prevID, prevClass, prevKey)
	}
	if bad != 0 {
		return credit.Errorf(credit.EINVALID, "存证校验失败：记录ID %d（信息类 %s，业务主键 %s）的“当前版本”标记被改动", bad, badClass, badKey)
	}
	return nil
}

// treeRows reads the rows of a tree (records or audit entries) in leaf order
// with one query and feeds both iterators ledger.VerifyAll takes: leaves
// yields each row's leaf index and leaf hash, recomputed from its canonical
// bytes (from scan); stored yields the tree hashes the row carries.
// VerifyAll pulls a leaf's stored hashes right after the leaf, so they are
// queued as each row is read: one cursor, one snapshot, one connection
// (two queries open at once would need two). A read error stops both and
// is kept in err, which the caller must check first.
type treeRows struct {
	leaves, stored iter.Seq2[int64, tlog.Hash]
	err            error
}

func (db *DB) treeRows(ctx context.Context, q string, args []any, scan func(*sql.Rows) (leaf int64, canonical, hashes []byte, err error)) *treeRows {
	t := &treeRows{}
	type storedHash struct {
		idx int64
		h   tlog.Hash
	}
	var queue []storedHash
	t.leaves = func(yield func(int64, tlog.Hash) bool) {
		rows, err := db.query(ctx, q, args...)
		if err != nil {
			t.err = err
			return
		}
		defer rows.Close()
		for rows.Next() {
			leaf, canonical, hashes, err := scan(rows)
			if err != nil {
				t.err = err
				return
			}
			base := tlog.StoredHashIndex(0, leaf)
			for k := 0; k+tlog.HashSize <= len(hashes); k += tlog.HashSize {
				var h tlog.Hash
				copy(h[:], hashes[k:])
				queue = append(queue, storedHash{base + int64(k/tlog.HashSize), h})
			}
			if !yield(leaf, ledger.Leaf(canonical)) {
				return
			}
		}
		t.err = rows.Err()
	}
	// Resumed by each pull, after the leaf it belongs to was read: an
	// empty queue then means a hash is missing.
	t.stored = func(yield func(int64, tlog.Hash) bool) {
		for len(queue) > 0 {
			e := queue[0]
			queue = queue[1:]
			if !yield(e.idx, e.h) {
				return
			}
		}
	}
	return t
}
