package storage

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
	"jlcredit/internal/record"
	"jlcredit/internal/subject"
)

var _ lists.PushService = (*DB)(nil)

// listEvent is a new version of a list entry to be pushed.
type listEvent struct {
	kind  lists.NotificationKind
	entry *lists.Entry
	rec   *record.Record
}

// pushSub is an active subscription as the push needs it.
type pushSub struct {
	lists.Subscription
}

// notice is the JSON body of a notification row.
type notice struct {
	Subject lists.NoticeSubject `json:"subject"`
	Entry   lists.NoticeEntry   `json:"entry"`
	Alert   *lists.AlertInfo    `json:"alert,omitempty"`
}

// verifiedBy is a department's latest verification of a subject.
type verifiedBy struct {
	department     credit.DepartmentID
	verificationID sql.NullInt64
	at             time.Time
}

// pushListEntries answers new list entry versions (发起) in the transaction
// that writes them (响应): an inbox notification for every department that
// subscribed to the list type, or an alert for every department that
// verified the subject in the last lists.AlertDays days when it is newly
// listed on an adverse list (lists.Kind.Adverse: never a red list), and a
// pending webhook delivery for each of the department's subscriptions that
// match the list type, alerts included. The department that decided the
// entry is not notified of its own decision, and a natural person's entry
// is not pushed to subscribers as such: only alerts.
//
// A verification written meanwhile, which this transaction cannot see, is
// not lost: on PostgreSQL the alert lock orders the two (see alertLock), on
// SQLite the one writer does, and the verification looks for the entries
// written since it read them (alertMissed).
func (tx *Tx) pushListEntries(ctx context.Context, data *lists.Data, events []listEvent) error {
	if len(events) == 0 {
		return nil
	}
	if tx.db.dialect == Postgres && slices.ContainsFunc(events, followsVerifiers) {
		if _, err := tx.exec(ctx, `SELECT pg_advisory_xact_lock($1)`, alertLock); err != nil {
			return err
		}
	}
	subs, err := tx.activeSubscriptions(ctx)
	if err != nil {
		return err
	}
	verified, err := tx.recentVerifiers(ctx, events)
	if err != nil {
		return err
	}
	if pushAfterVerifiers != nil {
		pushAfterVerifiers(tx.db)
	}
	return tx.push(ctx, data, events, subs, verified, true)
}

// activeSubscriptions returns the subscriptions not revoked.
func (tx *Tx) activeSubscriptions(ctx context.Context) ([]*pushSub, error) {
	var subs []*pushSub
	err := scanAll(tx.rows(ctx, `SELECT id, department_id, url, list_types FROM subscriptions WHERE revoked_at IS NULL ORDER BY id`), func(rows *sql.Rows) error {
		s := &pushSub{}
		var dep int64
		var types string
		if err := rows.Scan(&s.ID, &dep, &s.URL, &types); err != nil {
			return err
		}
		s.DepartmentID = credit.DepartmentID(dep)
		s.ListTypes = splitList(types)
		subs = append(subs, s)
		return nil
	})
	return subs, err
}

// push writes the notifications and deliveries of events: to the
// departments in verified (by subject) as followsVerifiers says, and, when
// toSubscribers, to the subscribers of each entry's list type.
func (tx *Tx) push(ctx context.Context, data *lists.Data, events []listEvent, subs []*pushSub, verified map[credit.SubjectID][]verifiedBy, toSubscribers bool) error {
	if len(subs) == 0 && len(verified) == 0 {
		return nil
	}
	codes := map[credit.DepartmentID]string{}
	depCode := func(id credit.DepartmentID) (string, error) {
		if c, ok := codes[id]; ok {
			return c, nil
		}
		var c string
		if err := tx.queryRow(ctx, `SELECT code FROM departments WHERE id = $1`, int64(id)).Scan(&c); err != nil {
			return "", err
		}
		codes[id] = c
		return c, nil
	}
	for _, ev := range events {
		e := ev.entry
		type target struct {
			kind  lists.NotificationKind
			alert *lists.AlertInfo
		}
		targets := map[credit.DepartmentID]target{}
		if followsVerifiers(ev) {
			// Alerted of a listing, or told that an entry it may be
			// applying measures for has ended (同步解除惩戒措施).
			kind := lists.NotifyAlert
			if ev.kind == lists.NotifyRemoval {
				kind = lists.NotifyRemoval
			}
			for _, v := range verified[e.SubjectID] {
				if v.department != e.DepartmentID {
					targets[v.department] = target{kind, &lists.AlertInfo{VerificationID: v.verificationID.Int64, VerifiedAt: v.at.UTC()}}
				}
			}
		}
		// A natural person's entry goes only to the departments that
		// verified the person lately (alerts): others learn of a person by
		// verifying the ID, which is query-logged, not by subscribing to
		// a list (as they cannot list persons' entries either).
		person := ev.rec.Subject.Type == string(subject.Person)
		for _, s := range subs {
			if _, ok := targets[s.DepartmentID]; !ok && toSubscribers && !person && s.DepartmentID != e.DepartmentID && s.Matches(data, e.ListType) {
				targets[s.DepartmentID] = target{kind: ev.kind}
			}
		}
		if len(targets) == 0 {
			continue
		}
		deps := make([]credit.DepartmentID, 0, len(targets))
		for d := range targets {
			deps = append(deps, d)
		}
		slices.Sort(deps)
		n := notice{
			Subject: lists.NoticeSubject{ID: e.SubjectID, Name: e.SubjectName, Type: ev.rec.Subject.Type,
				Code: lists.SubjectCode(ev.rec.Subject.Type, ev.rec.Subject.USCC, ev.rec.Subject.CitizenID)},
			Entry: lists.NoticeView(ev.kind, e),
		}
		if n.Subject.Name == "" {
			n.Subject.Name = ev.rec.Subject.Name
		}
		for _, dep := range deps {
			tg := targets[dep]
			n.Alert = tg.alert
			body, err := json.Marshal(n)
			if err != nil {
				return err
			}
			var vid any
			if tg.alert != nil && tg.alert.VerificationID != 0 {
				vid = tg.alert.VerificationID
			}
			title := lists.Title(tg.kind, e)
			var id int64
			err = tx.queryRow(ctx, `INSERT INTO notifications (department_id, kind, record_id, entry_key, subject_id, list_type, title, body, verification_id, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
				int64(dep), string(tg.kind), int64(e.RecordID), e.Key, int64(e.SubjectID), e.ListType, title, string(body), vid, tx.now).Scan(&id)
			if err != nil {
				return fmt.Errorf("storage: notification: %w", err)
			}
			code, err := depCode(dep)
			if err != nil {
				return err
			}
			for _, s := range subs {
				// An alert is in the inbox whatever the department
				// subscribed to; a webhook gets only the lists it asked for.
				if s.DepartmentID != dep || !s.Matches(data, e.ListType) {
					continue
				}
				uid := "dlv_" + credit.RandomHex(12)
				payload, err := json.Marshal(lists.WebhookPayload{
					Delivery: uid, Event: tg.kind, EventLabel: tg.kind.Label(), NotificationID: id, DepartmentCode: code,
					Title: title, CreatedAt: tx.now, Subject: n.Subject, Entry: n.Entry, Alert: n.Alert, AckPath: lists.AckPath(id),
				})
				if err != nil {
					return err
				}
				if _, err := tx.exec(ctx, `INSERT INTO deliveries (uid, subscription_id, notification_id, event, payload, status, attempts, next_attempt_at, created_at)
					VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
					uid, s.ID, id, string(tg.kind), string(payload), string(lists.DeliveryPending), 0, tx.now, tx.now); err != nil {
					return fmt.Errorf("storage: delivery: %w", err)
				}
			}
		}
	}
	return nil
}

// pushAfterVerifiers, set by tests only, runs in pushListEntries once it
// has read who verified the entries' subjects.
var pushAfterVerifiers func(db *DB)

// alerts reports whether ev may alert the departments that verified its
// subject lately: a new entry of an adverse list.
func alerts(ev listEvent) bool {
	return ev.kind == lists.NotifyListing && ev.entry.Kind.Adverse()
}

// followsVerifiers reports whether ev goes to the departments that
// verified its subject lately: an alert of a new adverse entry, or the end
// of one (removed, expired, repaired), so that a department that applied
// its measures learns that they end — subscribed or not.
func followsVerifiers(ev listEvent) bool {
	return alerts(ev) || ev.kind == lists.NotifyRemoval && ev.entry.Kind.Adverse()
}

// recentVerifiers returns, for the subjects of entries that follow their
// verifiers (followsVerifiers), the
// departments that verified them within lists.AlertDays days: as subjects
// (verified_subjects), or by a code that named no subject then
// (verified_codes: the subject is new, or was recorded since). Each
// department appears once, with its latest verification.
func (tx *Tx) recentVerifiers(ctx context.Context, events []listEvent) (map[credit.SubjectID][]verifiedBy, error) {
	var ids, keys []any
	seen := map[credit.SubjectID]bool{}
	byKey := map[string]credit.SubjectID{}
	for _, ev := range events {
		if !followsVerifiers(ev) || ev.entry.SubjectID == 0 {
			continue
		}
		if !seen[ev.entry.SubjectID] {
			seen[ev.entry.SubjectID] = true
			ids = append(ids, int64(ev.entry.SubjectID))
		}
		// The entry's codes passed ingestion's checks (legacy whitelist
		// included), so each has its key.
		for _, code := range []string{ev.rec.Subject.USCC, ev.rec.Subject.CitizenID} {
			if code == "" {
				continue
			}
			if key := tx.db.codeKey(code); byKey[key] == 0 {
				byKey[key] = ev.entry.SubjectID
				keys = append(keys, key)
			}
		}
	}
	out := map[credit.SubjectID][]verifiedBy{}
	cutoff := tx.now.AddDate(0, 0, -lists.AlertDays)
	add := func(sid credit.SubjectID, v verifiedBy) {
		for i, w := range out[sid] {
			if w.department == v.department {
				if v.at.After(w.at) {
					out[sid][i] = v
				}
				return
			}
		}
		out[sid] = append(out[sid], v)
	}
	for i := 0; i < len(keys); i += 500 {
		part := keys[i:min(i+500, len(keys))]
		args := append([]any{cutoff}, part...)
		err := scanAll(tx.rows(ctx, `SELECT code_key, department_id, verification_id, at FROM verified_codes
			WHERE at >= $1 AND code_key IN (`+placeholders(2, len(part))+`) ORDER BY code_key, department_id`, args...),
			func(rows *sql.Rows) error {
				var key string
				var dep int64
				var v verifiedBy
				if err := rows.Scan(&key, &dep, &v.verificationID, &v.at); err != nil {
					return err
				}
				v.department = credit.DepartmentID(dep)
				add(byKey[key], v)
				return nil
			})
		if err != nil {
			return nil, fmt.Errorf("storage: recent verifiers by code: %w", err)
		}
	}
	for i := 0; i < len(ids); i += 500 {
		part := ids[i:min(i+500, len(ids))]
		args := append([]any{cutoff}, part...)
		err := scanAll(tx.rows(ctx, `SELECT subject_id, department_id, verification_id, at FROM verified_subjects
			WHERE at >= $1 AND subject_id IN (`+placeholders(2, len(part))+`) ORDER BY subject_id, department_id`, args...),
			func(rows *sql.Rows) error {
				var sid, dep int64
				var v verifiedBy
				if err := rows.Scan(&sid, &dep, &v.verificationID, &v.at); err != nil {
					return err
				}
				v.department = credit.DepartmentID(dep)
				add(credit.SubjectID(sid), v)
				return nil
			})
		if err != nil {
			return nil, fmt.Errorf("storage: recent verifiers: %w", err)
		}
	}
	return out, nil
}

// alertLock is the PostgreSQL advisory lock that orders the pushes of list
// entries to the departments that verified their subjects (pushListEntries)
// and the verifications being written (writeVerifications). A push takes it
// exclusively before it reads who verified the subjects and holds it until
// it commits; a group of verifications takes it shared in its first
// statement and, holding it, reads the newest list entry version. So either
// the push sees the verifications or they see its entries (alertMissed).
// A verification waits at most for the end of a push's transaction, not for
// a whole chunk under the ledger lock; pushes that alert no one and batches
// of other classes never take it. (SQLite's one writer orders them anyway.)
const alertLock = 0x6a6c6176

// alertMissed alerts the departments of the verifications in batch of the
// list entry versions written after they read the entries: a listing that
// committed while a verification was between its reads and its write did
// not see the verification, and the verification answered without it. Each
// department is told what pushListEntries tells a department that verified
// the subject lately (followsVerifiers: a new adverse entry, or the end of
// one it answered), through the same code (push), judged against what the
// verification read (pendingVerification.seen) rather than against the
// version before. latest is the newest list entry version (record id), read
// in batch's transaction under the alert lock: a group of verifications
// none of which read before it costs nothing more. A department told of a
// version already (by an earlier verification, or as a subscriber) is not
// told again.
func (tx *Tx) alertMissed(ctx context.Context, latest int64, batch []*pendingVerification) error {
	var late []*pendingVerification
	since := latest
	for _, p := range batch {
		if p.actor.DepartmentID != 0 && p.base < latest {
			late = append(late, p)
			since = min(since, p.base)
		}
	}
	if len(late) == 0 {
		return nil
	}
	// The subjects each verification found, and the codes that named no
	// subject then (verified_codes), which may name one recorded since.
	verifiers := map[credit.SubjectID][]*pendingVerification{}
	byCode := map[string][]*pendingVerification{} // USCC, or the citizen ID's keyed hash
	var sids, usccs, hashes []any
	for _, p := range late {
		for _, r := range p.v.Results {
			if r.Found && !slices.Contains(verifiers[r.SubjectID], p) {
				if verifiers[r.SubjectID] == nil {
					sids = append(sids, int64(r.SubjectID))
				}
				verifiers[r.SubjectID] = append(verifiers[r.SubjectID], p)
			}
		}
		for _, key := range p.unknown {
			code, isUSCC := strings.CutPrefix(key, "U:")
			if !isUSCC {
				h, err := hex.DecodeString(strings.TrimPrefix(key, "C:"))
				if err != nil {
					return fmt.Errorf("storage: code key %q: %w", key, err)
				}
				code = string(h)
			}
			switch {
			case byCode[code] != nil:
			case isUSCC:
				usccs = append(usccs, code)
			default:
				hashes = append(hashes, []byte(code))
			}
			if !slices.Contains(byCode[code], p) {
				byCode[code] = append(byCode[code], p)
			}
		}
	}
	// Their entries' current versions written since the earliest read, with
	// their subjects, in one statement (a group is at most maxGroup
	// subjects): during a listing most groups find nothing else.
	args := []any{since}
	var which []string
	for _, c := range []struct {
		open, close string
		codes       []any
	}{
		{`subject_id IN (`, `)`, sids},
		{`subject_id IN (SELECT id FROM subjects WHERE uscc IN (`, `))`, usccs},
		{`subject_id IN (SELECT id FROM subjects WHERE cid_hash IN (`, `))`, hashes},
	} {
		if len(c.codes) > 0 {
			which = append(which, c.open+placeholders(len(args)+1, len(c.codes))+c.close)
			args = append(args, c.codes...)
		}
	}
	if len(which) == 0 {
		return nil
	}
	var recs []*record.Record
	err := scanAll(tx.rows(ctx, `SELECT `+recordColumns+`, s_type, s_name, s_display, s_uscc, s_hash, s_cipher FROM records
		JOIN (SELECT id AS s_id, type AS s_type, name AS s_name, display_name AS s_display, uscc AS s_uscc, cid_hash AS s_hash, cid_cipher AS s_cipher FROM subjects) s
		ON s_id = records.subject_id
		WHERE records.id IN (SELECT record_id FROM list_entries WHERE record_id > $1 AND (`+strings.Join(which, ` OR `)+`)) ORDER BY records.id`, args...),
		func(rows *sql.Rows) error {
			var ref record.SubjectRef
			var display string
			var uscc sql.NullString
			var hash, cipher []byte
			r, err := scanRecord(rows, &ref.Type, &ref.Name, &display, &uscc, &hash, &cipher)
			if err != nil {
				return err
			}
			// The subject as the row named it, for the notice.
			ref.USCC, ref.Name = uscc.String, shownName(ref.Name, display)
			if len(cipher) > 0 {
				if ref.CitizenID, err = tx.db.Secrets.DecryptCitizenID(cipher); err != nil {
					return fmt.Errorf("subject %d: citizen ID: %w", r.SubjectID, err)
				}
			}
			r.Subject = ref
			recs = append(recs, r)
			// A subject recorded since under a code a verification named.
			for _, code := range []string{uscc.String, string(hash)} {
				if code == "" {
					continue
				}
				for _, p := range byCode[code] {
					if !slices.Contains(verifiers[r.SubjectID], p) {
						verifiers[r.SubjectID] = append(verifiers[r.SubjectID], p)
					}
				}
			}
			return nil
		})
	if err != nil || len(recs) == 0 {
		return err
	}
	data, err := lists.Default()
	if err != nil {
		return err
	}
	// What each department missed, as pushListEntries tells it: per
	// version, the event (judged by its latest verification that missed
	// it) and that verification.
	type missed struct {
		ev listEvent
		by verifiedBy
	}
	targets := map[credit.RecordID]map[credit.DepartmentID]missed{}
	var deps, ids []any
	today := credit.DateOf(tx.now)
	for _, r := range recs {
		e, err := tx.db.listEntry(data, r)
		if err != nil {
			return err
		}
		for _, p := range verifiers[r.SubjectID] {
			if int64(r.ID) <= p.base {
				continue // read
			}
			var prev *lists.Entry // the version it read
			for _, s := range p.seen[r.SubjectID] {
				if s.Key == e.Key {
					prev = s
				}
			}
			if prev != nil && prev.RecordID == e.RecordID {
				continue
			}
			kind, ok := lists.PushEvent(prev, e, today)
			ev := listEvent{kind: kind, entry: e, rec: r}
			if !ok || !followsVerifiers(ev) {
				continue
			}
			dep := p.actor.DepartmentID
			if targets[r.ID] == nil {
				targets[r.ID] = map[credit.DepartmentID]missed{}
				ids = append(ids, int64(r.ID))
			}
			if m, ok := targets[r.ID][dep]; !ok || m.by.verificationID.Int64 < p.v.ID {
				targets[r.ID][dep] = missed{ev, verifiedBy{department: dep, verificationID: sql.NullInt64{Int64: p.v.ID, Valid: true}, at: tx.now}}
			}
			if !slices.Contains(deps, any(int64(dep))) {
				deps = append(deps, int64(dep))
			}
		}
	}
	if len(targets) == 0 {
		return nil
	}
	// Told already: one notification per department and version.
	err = inChunks(ids, func(part []any) error {
		args := append(slices.Clip(deps), part...)
		return scanAll(tx.rows(ctx, `SELECT department_id, record_id FROM notifications WHERE department_id IN (`+placeholders(1, len(deps))+
			`) AND record_id IN (`+placeholders(len(deps)+1, len(part))+`)`, args...), func(rows *sql.Rows) error {
			var dep, rec int64
			if err := rows.Scan(&dep, &rec); err != nil {
				return err
			}
			delete(targets[credit.RecordID(rec)], credit.DepartmentID(dep))
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("storage: missed alerts: %w", err)
	}
	subs, err := tx.activeSubscriptions(ctx)
	if err != nil {
		return err
	}
	for _, r := range recs {
		byKind := map[lists.NotificationKind][]missed{}
		for _, m := range targets[r.ID] {
			byKind[m.ev.kind] = append(byKind[m.ev.kind], m)
		}
		for _, ms := range byKind {
			verified := map[credit.SubjectID][]verifiedBy{}
			for _, m := range ms {
				verified[r.SubjectID] = append(verified[r.SubjectID], m.by)
			}
			if err := tx.push(ctx, data, []listEvent{ms[0].ev}, subs, verified, false); err != nil {
				return err
			}
		}
	}
	return nil
}

func splitList(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// canAdminPush reports whether the actor sees every department's inbox and
// subscriptions.
func canAdminPush(a credit.Actor) bool {
	return a.Role == credit.RoleSystem || a.Role == credit.RoleProvince || a.Role == credit.RoleAuditor
}

// pushActor checks that the actor may use the inbox and subscriptions: a
// department (its own) or an administrator (all).
func pushActor(ctx context.Context) (credit.Actor, error) {
	a := credit.ActorFromContext(ctx)
	switch {
	case a.Role == credit.RolePublic:
		return a, credit.Errorf(credit.EUNAUTHORIZED, "需要提供API密钥或登录")
	case a.Role == credit.RoleDepartment && a.DepartmentID != 0, canAdminPush(a):
		return a, nil
	}
	return a, credit.Errorf(credit.EFORBIDDEN, "只有部门用户或管理员可以使用名单推送")
}

const notificationColumns = `id, department_id, kind, record_id, entry_key, subject_id, list_type, title, body, created_at, acked_at, acked_by, feedback`

func scanNotification(s interface{ Scan(...any) error }, extra ...any) (*lists.Notification, error) {
	n := &lists.Notification{}
	var dep, rec, subj int64
	var listType, body string
	var acked sql.NullTime
	var ackedBy sql.NullString
	dest := append([]any{&n.ID, &dep, &n.Kind, &rec, &n.Key, &subj, &listType, &n.Title, &body, &n.CreatedAt, &acked, &ackedBy, &n.Feedback}, extra...)
	if err := s.Scan(dest...); err != nil {
		return nil, err
	}
	var nb notice
	if err := json.Unmarshal([]byte(body), &nb); err != nil {
		return nil, fmt.Errorf("storage: notification %d body: %w", n.ID, err)
	}
	n.DepartmentID, n.RecordID = credit.DepartmentID(dep), credit.RecordID(rec)
	n.Subject, n.Entry, n.Alert = nb.Subject, nb.Entry, nb.Alert
	n.KindLabel = n.Kind.Label()
	n.CreatedAt = n.CreatedAt.UTC()
	if acked.Valid {
		t := acked.Time.UTC()
		n.AckedAt = &t
	}
	n.AckedBy = ackedBy.String
	return n, nil
}

// FindNotifications returns a department's inbox, newest first.
func (db *DB) FindNotifications(ctx context.Context, f lists.NotificationFilter) ([]*lists.Notification, int, int, error) {
	actor, err := pushActor(ctx)
	if err != nil {
		return nil, 0, 0, err
	}
	if actor.Role == credit.RoleDepartment {
		d := actor.DepartmentID
		f.DepartmentID = &d
	}
	where, args := []string{"1 = 1"}, []any{}
	arg := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.Replace(cond, "?", fmt.Sprintf("$%d", len(args)), 1))
	}
	if f.DepartmentID != nil {
		arg("department_id = ?", int64(*f.DepartmentID))
	}
	unackedArgs, unackedWhere := slices.Clone(args), strings.Join(where, " AND ")
	if f.Kind != "" {
		arg("kind = ?", string(f.Kind))
	}
	if f.Unacked {
		where = append(where, "acked_at IS NULL")
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	out := []*lists.Notification{}
	// The page walks the inbox index newest first; the total is counted up
	// to subject.TotalCap (a window count read and sorted a department's
	// whole inbox, bodies included, on every call: seconds at 300,000).
	err = scanAll(db.rows(ctx, `SELECT `+notificationColumns+` FROM notifications WHERE `+strings.Join(where, " AND ")+
		fmt.Sprintf(` ORDER BY id DESC LIMIT %d OFFSET %d`, limit, max(f.Offset, 0)), args...), func(rows *sql.Rows) error {
		n, err := scanNotification(rows)
		if err != nil {
			return err
		}
		out = append(out, n)
		return nil
	})
	if err != nil {
		return nil, 0, 0, fmt.Errorf("storage.FindNotifications: %w", err)
	}
	total, err := db.countCapped(ctx, `FROM notifications WHERE `+strings.Join(where, " AND "), f.Offset, args...)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("storage.FindNotifications: %w", err)
	}
	var unacked int
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM notifications WHERE `+unackedWhere+` AND acked_at IS NULL`, unackedArgs...).Scan(&unacked); err != nil {
		return nil, 0, 0, fmt.Errorf("storage.FindNotifications: %w", err)
	}
	return out, total, unacked, nil
}

// findNotification returns one notification, checking that the actor may
// see it.
func (db *DB) findNotification(ctx context.Context, actor credit.Actor, id int64) (*lists.Notification, error) {
	n, err := scanNotification(db.queryRow(ctx, `SELECT `+notificationColumns+` FROM notifications WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, credit.Errorf(credit.ENOTFOUND, "通知%d不存在", id)
	}
	if err != nil {
		return nil, err
	}
	if !canAdminPush(actor) && n.DepartmentID != actor.DepartmentID {
		return nil, credit.Errorf(credit.EFORBIDDEN, "只能查看本部门的通知")
	}
	return n, nil
}

// AckNotification records the department's acknowledgement and feedback.
func (db *DB) AckNotification(ctx context.Context, id int64, feedback string) (*lists.Notification, error) {
	actor, err := pushActor(ctx)
	if err != nil {
		return nil, err
	}
	feedback, err = lists.ValidateAck(feedback)
	if err != nil {
		return nil, err
	}
	n, err := db.findNotification(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if actor.Role != credit.RoleSystem && (actor.Role != credit.RoleDepartment || actor.DepartmentID != n.DepartmentID) {
		return nil, credit.Errorf(credit.EFORBIDDEN, "只有接收通知的部门可以确认并反馈")
	}
	err = db.transact(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE notifications SET acked_at = $1, acked_by = $2, feedback = $3 WHERE id = $4 AND acked_at IS NULL`,
			tx.now, actor.Label(), feedback, id)
		if err != nil {
			return err
		}
		if k, err := res.RowsAffected(); err != nil {
			return err
		} else if k == 0 {
			return credit.Errorf(credit.ECONFLICT, "该通知已于此前确认")
		}
		return tx.audit(ctx, "notification.ack", "notification", itoa(id), map[string]string{"feedback": feedback})
	})
	if err != nil {
		return nil, err
	}
	return db.findNotification(ctx, actor, id)
}

const subscriptionColumns = `id, department_id, url, list_types, created_at, created_by, revoked_at`

func scanSubscription(s interface{ Scan(...any) error }) (*lists.Subscription, error) {
	v := &lists.Subscription{}
	var dep int64
	var types string
	var revoked sql.NullTime
	if err := s.Scan(&v.ID, &dep, &v.URL, &types, &v.CreatedAt, &v.CreatedBy, &revoked); err != nil {
		return nil, err
	}
	v.DepartmentID, v.ListTypes, v.CreatedAt = credit.DepartmentID(dep), splitList(types), v.CreatedAt.UTC()
	if revoked.Valid {
		t := revoked.Time.UTC()
		v.RevokedAt = &t
	}
	return v, nil
}

// subscriptionsCounted, set by tests only, runs in CreateSubscription's
// transaction once the department's active subscriptions are counted: what
// another creation does in between.
var subscriptionsCounted func(dep credit.DepartmentID)

// CreateSubscription registers a webhook for the actor's department. The
// platform generates the signing secret unless the department gives one of
// at least lists.MinSecret characters; either way it is stored sealed and
// returned only now.
func (db *DB) CreateSubscription(ctx context.Context, s *lists.Subscription) (*lists.Subscription, error) {
	actor, err := pushActor(ctx)
	if err != nil {
		return nil, err
	}
	sub := *s
	switch {
	case actor.Role == credit.RoleDepartment:
		sub.DepartmentID = actor.DepartmentID
	case actor.Role == credit.RoleSystem && sub.DepartmentID != 0:
	default:
		return nil, credit.Errorf(credit.EFORBIDDEN, "订阅须以部门身份（部门API密钥或部门用户）创建")
	}
	data, err := lists.Default()
	if err != nil {
		return nil, err
	}
	if err := sub.Validate(data); err != nil {
		return nil, err
	}
	if err := checkWebhookHost(ctx, sub.URL); err != nil {
		return nil, err
	}
	if sub.Secret == "" {
		sub.Secret = lists.SecretPrefix + credit.RandomHex(24)
	}
	sealed, err := db.Secrets.seal([]byte(sub.Secret))
	if err != nil {
		return nil, err
	}
	err = db.transact(ctx, func(tx *Tx) error {
		// Creations for one department take turns, so that each counts
		// the others' (SQLite's write transaction does that already).
		if err := tx.lockSubscriber(ctx, sub.DepartmentID); err != nil {
			return err
		}
		var n int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM subscriptions WHERE department_id = $1 AND revoked_at IS NULL`, int64(sub.DepartmentID)).Scan(&n); err != nil {
			return err
		}
		if subscriptionsCounted != nil {
			subscriptionsCounted(sub.DepartmentID)
		}
		if n >= lists.MaxSubscriptions {
			return credit.Errorf(credit.ECONFLICT, "每个部门最多%d个有效订阅，请先撤销不再使用的订阅", lists.MaxSubscriptions)
		}
		sub.CreatedAt, sub.CreatedBy = tx.now, actor.Label()
		if err := tx.queryRow(ctx, `INSERT INTO subscriptions (department_id, url, list_types, secret, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			int64(sub.DepartmentID), sub.URL, strings.Join(sub.ListTypes, ","), sealed, tx.now, sub.CreatedBy).Scan(&sub.ID); err != nil {
			return err
		}
		code, err := tx.departmentCode(ctx, sub.DepartmentID)
		if err != nil {
			return err
		}
		return tx.audit(ctx, "subscription.create", "subscription", itoa(sub.ID), map[string]any{"url": sub.URL, "list_types": sub.ListTypes, "department_id": sub.DepartmentID,
			"department": code})
	})
	if err != nil {
		return nil, err
	}
	if sub.ListTypes == nil {
		sub.ListTypes = []string{}
	}
	return &sub, nil
}

// lockSubscriber holds the row of department dep until the transaction
// ends, so that CreateSubscription's count of its active subscriptions
// and the insert after it are not interleaved with another creation's:
// under READ COMMITTED each counted without the other's row, and both
// inserted past lists.MaxSubscriptions. FOR NO KEY UPDATE, not FOR
// UPDATE: rows that merely refer to the department (its batches, records)
// are written meanwhile as before. On SQLite the write transaction
// excludes every other writer already, and the select only checks that
// the department exists. ENOTFOUND when it does not.
func (tx *Tx) lockSubscriber(ctx context.Context, dep credit.DepartmentID) error {
	q := `SELECT id FROM departments WHERE id = $1`
	if tx.db.dialect == Postgres {
		q += ` FOR NO KEY UPDATE`
	}
	var id int64
	err := tx.queryRow(ctx, q, int64(dep)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return credit.Errorf(credit.ENOTFOUND, "部门不存在")
	}
	return err
}

// checkWebhookHost resolves the host name of a webhook URL and checks every
// address against the webhook policy, so that a department learns when it
// subscribes that it named an internal address. A host that does not
// resolve now is let through: the Pusher checks the policy again on every
// connection it makes, whatever the name resolves to then.
func checkWebhookHost(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("storage: webhook URL: %w", err)
	}
	host := u.Hostname()
	if _, err := netip.ParseAddr(host); err == nil {
		return nil // an address: lists.Subscription.Validate checked it
	}
	policy, err := lists.WebhookNetworks()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		if u.Scheme == "http" && len(policy.Allow) == 0 {
			// http is for allowed networks only, and there are none.
			return credit.Errorf(credit.EINVALID, "URL须以 https:// 开头：http:// 仅限运维人员在CREDIT_WEBHOOK_NETWORKS中允许的网段，目前没有配置")
		}
		return nil
	}
	return policy.CheckHost(host, u.Scheme == "https", addrs)
}

// FindSubscriptions returns the actor's department's subscriptions, or all
// of them for administrators, oldest first.
func (db *DB) FindSubscriptions(ctx context.Context) ([]*lists.Subscription, error) {
	actor, err := pushActor(ctx)
	if err != nil {
		return nil, err
	}
	q, args := `SELECT `+subscriptionColumns+` FROM subscriptions`, []any{}
	if !canAdminPush(actor) {
		q += ` WHERE department_id = $1`
		args = append(args, int64(actor.DepartmentID))
	}
	out := []*lists.Subscription{}
	err = scanAll(db.rows(ctx, q+` ORDER BY id`, args...), func(rows *sql.Rows) error {
		s, err := scanSubscription(rows)
		if err != nil {
			return err
		}
		out = append(out, s)
		return nil
	})
	return out, err
}

func (db *DB) findSubscription(ctx context.Context, actor credit.Actor, id int64) (*lists.Subscription, error) {
	s, err := scanSubscription(db.queryRow(ctx, `SELECT `+subscriptionColumns+` FROM subscriptions WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, credit.Errorf(credit.ENOTFOUND, "订阅%d不存在", id)
	}
	if err != nil {
		return nil, err
	}
	if !canAdminPush(actor) && s.DepartmentID != actor.DepartmentID {
		return nil, credit.Errorf(credit.EFORBIDDEN, "只能查看本部门的订阅")
	}
	return s, nil
}

// RevokeSubscription stops a subscription; its pending deliveries are
// cancelled.
func (db *DB) RevokeSubscription(ctx context.Context, id int64) (*lists.Subscription, error) {
	actor, err := pushActor(ctx)
	if err != nil {
		return nil, err
	}
	s, err := db.findSubscription(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if actor.Role == credit.RoleAuditor {
		return nil, credit.Errorf(credit.EFORBIDDEN, "审计员不能撤销订阅")
	}
	err = db.transact(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE subscriptions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`, tx.now, id)
		if err != nil {
			return err
		}
		if k, err := res.RowsAffected(); err != nil {
			return err
		} else if k == 0 {
			return credit.Errorf(credit.ECONFLICT, "该订阅已撤销")
		}
		if _, err := tx.exec(ctx, `UPDATE deliveries SET status = $1, next_attempt_at = NULL WHERE subscription_id = $2 AND status = $3`,
			string(lists.DeliveryCancelled), id, string(lists.DeliveryPending)); err != nil {
			return err
		}
		code, err := tx.departmentCode(ctx, s.DepartmentID)
		if err != nil {
			return err
		}
		return tx.audit(ctx, "subscription.revoke", "subscription", itoa(id), map[string]any{"url": s.URL, "list_types": s.ListTypes, "department_id": s.DepartmentID,
			"department": code})
	})
	if err != nil {
		return nil, err
	}
	return db.findSubscription(ctx, actor, id)
}

const deliveryColumns = `id, uid, subscription_id, notification_id, event, status, attempts, next_attempt_at, last_status, last_error, created_at, delivered_at`

func scanDelivery(s interface{ Scan(...any) error }, extra ...any) (*lists.Delivery, error) {
	d := &lists.Delivery{Log: []*lists.DeliveryAttempt{}}
	var next, delivered sql.NullTime
	var last sql.NullInt64
	dest := append([]any{&d.ID, &d.UID, &d.SubscriptionID, &d.NotificationID, &d.Event, &d.Status, &d.Attempts, &next, &last, &d.LastError, &d.CreatedAt, &delivered}, extra...)
	if err := s.Scan(dest...); err != nil {
		return nil, err
	}
	d.CreatedAt, d.LastStatusCode = d.CreatedAt.UTC(), int(last.Int64)
	if next.Valid {
		t := next.Time.UTC()
		d.NextAttemptAt = &t
	}
	if delivered.Valid {
		t := delivered.Time.UTC()
		d.DeliveredAt = &t
	}
	return d, nil
}

// FindDeliveries returns the delivery log of a subscription, newest first,
// each delivery with its attempts.
func (db *DB) FindDeliveries(ctx context.Context, subscriptionID int64, f lists.DeliveryFilter) ([]*lists.Delivery, int, error) {
	actor, err := pushActor(ctx)
	if err != nil {
		return nil, 0, err
	}
	if _, err := db.findSubscription(ctx, actor, subscriptionID); err != nil {
		return nil, 0, err
	}
	where, args := `subscription_id = $1`, []any{subscriptionID}
	if f.Status != "" {
		where += ` AND status = $2`
		args = append(args, string(f.Status))
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	out := []*lists.Delivery{}
	byID := map[int64]*lists.Delivery{}
	// A page newest first, the total counted up to subject.TotalCap (as
	// FindNotifications).
	err = scanAll(db.rows(ctx, `SELECT `+deliveryColumns+` FROM deliveries WHERE `+where+
		fmt.Sprintf(` ORDER BY id DESC LIMIT %d OFFSET %d`, limit, max(f.Offset, 0)), args...), func(rows *sql.Rows) error {
		d, err := scanDelivery(rows)
		if err != nil {
			return err
		}
		out = append(out, d)
		byID[d.ID] = d
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("storage.FindDeliveries: %w", err)
	}
	total, err := db.countCapped(ctx, `FROM deliveries WHERE `+where, f.Offset, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("storage.FindDeliveries: %w", err)
	}
	if len(out) == 0 {
		return out, total, nil
	}
	ids := make([]any, len(out))
	for i, d := range out {
		ids[i] = d.ID
	}
	err = scanAll(db.rows(ctx, `SELECT delivery_id, n, at, status_code, error, duration_ms FROM delivery_attempts WHERE delivery_id IN (`+
		placeholders(1, len(ids))+`) ORDER BY delivery_id, n`, ids...), func(rows *sql.Rows) error {
		var id int64
		var code sql.NullInt64
		a := &lists.DeliveryAttempt{}
		if err := rows.Scan(&id, &a.N, &a.At, &code, &a.Error, &a.DurationMS); err != nil {
			return err
		}
		a.At, a.StatusCode = a.At.UTC(), int(code.Int64)
		byID[id].Log = append(byID[id].Log, a)
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("storage.FindDeliveries: %w", err)
	}
	return out, total, nil
}

// RetryDelivery schedules one more attempt of a failed delivery, due now;
// if it fails too, the delivery is failed again.
func (db *DB) RetryDelivery(ctx context.Context, id int64) (*lists.Delivery, error) {
	actor, err := pushActor(ctx)
	if err != nil {
		return nil, err
	}
	d, err := scanDelivery(db.queryRow(ctx, `SELECT `+deliveryColumns+` FROM deliveries WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, credit.Errorf(credit.ENOTFOUND, "推送记录%d不存在", id)
	}
	if err != nil {
		return nil, err
	}
	s, err := db.findSubscription(ctx, actor, d.SubscriptionID)
	if err != nil {
		return nil, err
	}
	if actor.Role == credit.RoleAuditor {
		return nil, credit.Errorf(credit.EFORBIDDEN, "审计员不能重新推送")
	}
	if s.RevokedAt != nil {
		return nil, credit.Errorf(credit.ECONFLICT, "订阅已撤销，不能重新推送")
	}
	err = db.transact(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE deliveries SET status = $1, next_attempt_at = $2 WHERE id = $3 AND status = $4`,
			string(lists.DeliveryPending), tx.now, id, string(lists.DeliveryFailed))
		if err != nil {
			return err
		}
		if k, err := res.RowsAffected(); err != nil {
			return err
		} else if k == 0 {
			return credit.Errorf(credit.ECONFLICT, "只有推送失败（已放弃重试）的记录可以重新推送")
		}
		return tx.audit(ctx, "delivery.retry", "delivery", itoa(id), map[string]string{"uid": d.UID})
	})
	if err != nil {
		return nil, err
	}
	return scanDelivery(db.queryRow(ctx, `SELECT `+deliveryColumns+` FROM deliveries WHERE id = $1`, id))
}

// deliveryJob is a claimed delivery, ready to send.
type deliveryJob struct {
	id      int64
	uid     string
	event   string
	payload string
	url     string
	secret  []byte    // sealed
	until   time.Time // the claim's lease: the next_attempt_at it wrote
}

// attemptResult is the outcome of sending a job once.
type attemptResult struct {
	status   int
	err      string
	duration time.Duration
	skipped  bool // not sent (shutting down): the lease runs out and it is claimed again
}

// deliveryLeaseMargin is what the lease of a claimed delivery adds to the
// pusher's Timeout. While the lease runs the delivery is hidden from every
// other worker (another process); when it runs out a worker that died
// mid-send is replaced. A worker that is alive must therefore be done with
// the delivery, its attempt recorded, before its lease runs out, or the
// delivery is sent twice.
//
// DeliverDue claims a delivery only when one of its Concurrency workers is
// free to send it at once, and the worker records the attempt as soon as
// the answer is in: the lease covers one send, never a queue. Its worst
// case, from the claim to the attempt recorded:
//
//   - building the request and opening the sealed secret: microseconds;
//   - the request: at most Timeout, which http.Client.Timeout enforces on
//     the whole exchange (dial, TLS handshake, headers, reading the body);
//   - the transaction that records the attempt: it waits for the write
//     lock, up to SQLite's busy timeout (10 s); on PostgreSQL the row is
//     held only by the short transactions of claims and records;
//   - the clocks of two servers differing: each compares the lease with its
//     own clock.
//
// Two minutes covers the last three many times over. (Before, one lease of
// 2 minutes covered a whole round: Batch deliveries claimed at once and sent
// Concurrency at a time, so up to ceil(100/8) × 10 s = 130 s with the
// defaults, and the attempts were recorded only at the end of the round:
// another server reclaimed, and sent again, deliveries still waiting their
// turn or sent but not yet recorded.)
const deliveryLeaseMargin = 2 * time.Minute

// claimDeliveries takes up to limit deliveries due at now: it moves their
// next attempt to until, the end of their lease, so that another worker
// (another process) does not send them too, and cancels those whose
// subscription was revoked.
func (db *DB) claimDeliveries(ctx context.Context, now, until time.Time, limit int) ([]deliveryJob, error) {
	// Most rounds find nothing: look first without taking the write lock.
	var one int
	err := db.queryRow(ctx, `SELECT 1 FROM deliveries WHERE status = $1 AND next_attempt_at <= $2 LIMIT 1`, string(lists.DeliveryPending), now).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("storage: claim deliveries: %w", err)
	}
	var jobs []deliveryJob
	err = db.transact(ctx, func(tx *Tx) error {
		jobs = jobs[:0]
		q := `SELECT d.id, d.uid, d.event, d.payload, s.url, s.secret, s.revoked_at FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id
			WHERE d.status = $1 AND d.next_attempt_at <= $2 ORDER BY d.next_attempt_at, d.id LIMIT ` + fmt.Sprint(limit)
		if db.dialect == Postgres {
			q += ` FOR UPDATE OF d SKIP LOCKED`
		}
		var cancelled []any
		err := scanAll(tx.rows(ctx, q, string(lists.DeliveryPending), now), func(rows *sql.Rows) error {
			j := deliveryJob{until: until}
			var revoked sql.NullTime
			if err := rows.Scan(&j.id, &j.uid, &j.event, &j.payload, &j.url, &j.secret, &revoked); err != nil {
				return err
			}
			if revoked.Valid {
				cancelled = append(cancelled, j.id)
				return nil
			}
			jobs = append(jobs, j)
			return nil
		})
		if err != nil {
			return err
		}
		if len(cancelled) > 0 {
			args := append([]any{string(lists.DeliveryCancelled)}, cancelled...)
			if _, err := tx.exec(ctx, `UPDATE deliveries SET status = $1, next_attempt_at = NULL WHERE id IN (`+placeholders(2, len(cancelled))+`)`, args...); err != nil {
				return err
			}
		}
		if len(jobs) == 0 {
			return nil
		}
		args := []any{until}
		for _, j := range jobs {
			args = append(args, j.id)
		}
		_, err = tx.exec(ctx, `UPDATE deliveries SET next_attempt_at = $1 WHERE id IN (`+placeholders(2, len(jobs))+`)`, args...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("storage: claim deliveries: %w", err)
	}
	return jobs, nil
}

// recordAttempt writes the outcome of one attempt of job made at now: the
// attempt in the log, and the delivery delivered, rescheduled by
// lists.NextAttempt, or given up. Every attempt made is logged. Should the
// claim have been lost meanwhile (its lease ran out and another worker
// claimed the delivery, or it was cancelled), the attempt is only counted,
// and the delivery's schedule is left to whoever holds it now; a success
// still marks a pending delivery delivered.
func (db *DB) recordAttempt(ctx context.Context, now time.Time, j deliveryJob, r attemptResult) error {
	return db.transact(ctx, func(tx *Tx) error {
		lock := `SELECT attempts, status, next_attempt_at FROM deliveries WHERE id = $1`
		if db.dialect == Postgres {
			lock += ` FOR UPDATE`
		}
		var attempts int
		var status string
		var leased sql.NullTime
		if err := tx.queryRow(ctx, lock, j.id).Scan(&attempts, &status, &leased); err != nil {
			return err
		}
		n := attempts + 1
		var code any
		if r.status != 0 {
			code = r.status
		}
		if _, err := tx.exec(ctx, `INSERT INTO delivery_attempts (delivery_id, n, at, status_code, error, duration_ms) VALUES ($1, $2, $3, $4, $5, $6)`,
			j.id, n, now, code, r.err, r.duration.Milliseconds()); err != nil {
			return err
		}
		pending := status == string(lists.DeliveryPending)
		held := pending && leased.Valid && leased.Time.Equal(j.until)
		var err error
		switch next, retry := lists.NextAttempt(n, now); {
		case r.err == "" && pending:
			_, err = tx.exec(ctx, `UPDATE deliveries SET status = $1, attempts = $2, next_attempt_at = NULL, last_status = $3, last_error = '', delivered_at = $4 WHERE id = $5`,
				string(lists.DeliveryDelivered), n, code, now, j.id)
		case !held:
			_, err = tx.exec(ctx, `UPDATE deliveries SET attempts = $1 WHERE id = $2`, n, j.id)
		case retry:
			_, err = tx.exec(ctx, `UPDATE deliveries SET attempts = $1, next_attempt_at = $2, last_status = $3, last_error = $4 WHERE id = $5`,
				n, next, code, r.err, j.id)
		default:
			_, err = tx.exec(ctx, `UPDATE deliveries SET status = $1, attempts = $2, next_attempt_at = NULL, last_status = $3, last_error = $4 WHERE id = $5`,
				string(lists.DeliveryFailed), n, code, r.err, j.id)
		}
		return err
	})
}

// Pusher delivers webhooks (响应) in the background: every Interval it sends
// the deliveries that are due and records each attempt. Its schedule is in
// the database, so a restarted process resumes it, and several processes
// may run one: a claimed delivery is leased to one of them.
//
// It sends only to the URLs departments registered, connects only to
// addresses lists.WebhookNetworks allows (checked on every connection, after
// the name is resolved, so that a name resolving to an internal address
// later is refused all the same), uses no proxy, does not follow redirects,
// keeps only the status code of an answer, and gives every attempt Timeout.
type Pusher struct {
	DB     *DB
	Logger *slog.Logger
	// Now is the clock of the background loop (default time.Now), and
	// measures how long a round has run, from which the leases of the
	// deliveries it claims count. Tests call DeliverDue with the time they
	// want instead.
	Now         func() time.Time
	Interval    time.Duration // between rounds (default 5 s)
	Timeout     time.Duration // per attempt (default 10 s)
	Batch       int           // deliveries claimed per round (default 100)
	Concurrency int           // attempts in flight (default 8)

	once   sync.Once
	client *http.Client
	cancel context.CancelFunc
	done   chan struct{}
}

func (p *Pusher) init() {
	p.once.Do(func() {
		if p.Logger == nil {
			p.Logger = slog.New(slog.DiscardHandler)
		}
		if p.Now == nil {
			p.Now = time.Now
		}
		if p.Interval <= 0 {
			p.Interval = 5 * time.Second
		}
		if p.Timeout <= 0 {
			p.Timeout = 10 * time.Second
		}
		if p.Batch <= 0 {
			p.Batch = 100
		}
		if p.Concurrency <= 0 {
			p.Concurrency = 8
		}
		t := http.DefaultTransport.(*http.Transport).Clone()
		// A proxy would connect wherever the URL points, past the check.
		t.Proxy = nil
		t.DialContext = webhookDial
		p.client = &http.Client{
			Timeout:   p.Timeout,
			Transport: t,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		}
	})
}

// webhookScheme is the context key of the scheme of the URL a webhook
// connection is dialled for.
type webhookScheme struct{}

// webhookDial connects a webhook request, checking each address the host
// resolves to against lists.WebhookNetworks just before connecting to it:
// https is needed unless the address is in an allowed network. net/http
// passes the request's context, and so its scheme, to the dial.
func webhookDial(ctx context.Context, network, address string) (net.Conn, error) {
	https := ctx.Value(webhookScheme{}) == "https"
	d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error { return checkDialAddr(address, https) }}
	return d.DialContext(ctx, network, address)
}

// checkDialAddr checks the resolved address (ip:port) of a connection.
func checkDialAddr(address string, https bool) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return credit.Errorf(credit.EINVALID, "无法识别接收地址%s", address)
	}
	policy, err := lists.WebhookNetworks()
	if err != nil {
		return err
	}
	return policy.CheckAddr(ap.Addr(), https)
}

// DeliverDue sends every delivery due at now, up to Batch of them, and
// records the attempts with now as their time; it returns how many it
// attempted. Tests drive the retry schedule by calling it with a clock of
// their own.
//
// It claims deliveries only as workers are free to send them, each at
// once, and records each attempt as soon as its answer is in (see
// deliveryLeaseMargin). A lease is counted from the time of its claim: now
// plus how long the round has run by the pusher's clock Now.
func (p *Pusher) DeliverDue(ctx context.Context, now time.Time) (int, error) {
	p.init()
	// With a bad allowlist nothing is sent: the deliveries wait, their
	// retries unspent, until an operator fixes it.
	if _, err := lists.WebhookNetworks(); err != nil {
		return 0, fmt.Errorf("storage: webhook networks: %w", err)
	}
	now = now.UTC().Truncate(time.Microsecond)
	start, lease := p.Now(), p.Timeout+deliveryLeaseMargin
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if firstErr == nil {
			firstErr = err
		}
	}
	workers := make(chan struct{}, p.Concurrency)
	claimed := 0
	for claimed < p.Batch {
		// Wait for a free worker, then take every other one free now.
		workers <- struct{}{}
		free := 1
	take:
		for free < min(p.Concurrency, p.Batch-claimed) {
			select {
			case workers <- struct{}{}:
				free++
			default:
				break take
			}
		}
		var jobs []deliveryJob
		err := ctx.Err()
		if err == nil {
			until := now.Add(p.Now().Sub(start) + lease).Truncate(time.Microsecond)
			jobs, err = p.DB.claimDeliveries(ctx, now, until, free)
		}
		for range free - len(jobs) {
			<-workers
		}
		if err != nil {
			fail(err)
			break
		}
		if len(jobs) == 0 {
			break
		}
		claimed += len(jobs)
		for _, j := range jobs {
			wg.Add(1)
			go func() {
				defer func() { <-workers; wg.Done() }()
				if err := p.attempt(ctx, j, now); err != nil {
					fail(err)
				}
			}()
		}
	}
	wg.Wait()
	return claimed, firstErr
}

// attempt sends job once at now and records the attempt right away.
func (p *Pusher) attempt(ctx context.Context, j deliveryJob, now time.Time) error {
	r := p.send(ctx, j, now)
	if r.skipped {
		return nil
	}
	if err := p.DB.recordAttempt(context.WithoutCancel(ctx), now, j, r); err != nil {
		return fmt.Errorf("storage: record delivery %s: %w", j.uid, err)
	}
	if r.err == "" {
		p.Logger.Debug("webhook投递成功", slog.String("delivery", j.uid), slog.Int("status", r.status))
	} else {
		p.Logger.Info("webhook本次投递失败", slog.String("delivery", j.uid), slog.String("url", j.url), slog.String("error", r.err))
	}
	return nil
}

// send makes one attempt of job at now.
func (p *Pusher) send(ctx context.Context, j deliveryJob, now time.Time) attemptResult {
	if ctx.Err() != nil {
		return attemptResult{skipped: true}
	}
	secret, err := p.DB.Secrets.open(j.secret)
	if err != nil {
		return attemptResult{err: "无法解密签名密钥"}
	}
	body := []byte(j.payload)
	ts := now.Unix()
	req, err := http.NewRequestWithContext(context.WithValue(ctx, webhookScheme{}, strings.ToLower(strings.SplitN(j.url, ":", 2)[0])),
		http.MethodPost, j.url, bytes.NewReader(body))
	if err != nil {
		return attemptResult{err: "无法构造请求：" + err.Error()}
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "jlcredit-webhook/1")
	req.Header.Set(lists.HeaderEvent, j.event)
	req.Header.Set(lists.HeaderDelivery, j.uid)
	req.Header.Set(lists.HeaderTimestamp, fmt.Sprint(ts))
	req.Header.Set(lists.HeaderSignature, lists.SignWebhook(string(secret), j.uid, ts, body))
	start := time.Now()
	resp, err := p.client.Do(req)
	d := time.Since(start)
	if err != nil {
		if ctx.Err() != nil {
			return attemptResult{skipped: true}
		}
		return attemptResult{err: transportError(err), duration: d}
	}
	// The answer's body is not kept: only its status is the receiver's
	// business with the platform, and a body would show a department what
	// an address it should not reach answered.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return attemptResult{status: resp.StatusCode, duration: d}
	}
	msg := "接收方返回HTTP " + fmt.Sprint(resp.StatusCode)
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		msg += "（重定向）：推送不跟随重定向，请登记最终的接收地址"
	}
	return attemptResult{status: resp.StatusCode, err: msg, duration: d}
}

// transportError says in Chinese why a delivery got no response, for the
// department reading its delivery log: the common causes by name, anything
// else with the technical detail after it.
func transportError(err error) string {
	var dnsErr *net.DNSError
	var unknownCA x509.UnknownAuthorityError
	var badHost x509.HostnameError
	var badCert x509.CertificateInvalidError
	var tlsHeader tls.RecordHeaderError
	var netErr net.Error
	var refused *credit.Error
	switch {
	case errors.As(err, &refused): // the address policy, at dial time
		return refused.Message
	case errors.As(err, &dnsErr):
		return "无法解析接收地址的域名“" + dnsErr.Name + "”，请检查地址是否正确"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "接收地址拒绝连接：对方服务未启动或端口未开放"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "连接被接收方中断，未收到响应"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "无法到达接收地址所在的网络"
	case errors.As(err, &unknownCA):
		return "接收地址的TLS证书不是受信任的机构签发的"
	case errors.As(err, &badHost):
		return "接收地址的TLS证书与域名不符"
	case errors.As(err, &badCert):
		return "接收地址的TLS证书无效或已过期"
	case errors.As(err, &tlsHeader), strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"): // net/http hides the TLS error
		return "接收地址不支持HTTPS（请确认地址应以http://还是https://开头）"
	case errors.As(err, &netErr) && netErr.Timeout():
		return "接收方在规定时间内未响应（超时）"
	}
	return "推送失败，技术信息：" + credit.Clip(err.Error(), 400)
}

// Run delivers due webhooks every Interval until ctx is done.
func (p *Pusher) Run(ctx context.Context) {
	p.init()
	t := time.NewTicker(p.Interval)
	defer t.Stop()
	for {
		for ctx.Err() == nil {
			n, err := p.DeliverDue(ctx, p.Now())
			if err != nil {
				if ctx.Err() == nil {
					p.Logger.Error("本轮webhook投递出错", slog.Any("error", err))
				}
				break
			}
			if n < p.Batch {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Start runs the pusher in the background until Stop.
func (p *Pusher) Start() {
	p.init()
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel, p.done = cancel, make(chan struct{})
	go func() {
		defer close(p.done)
		p.Run(ctx)
	}()
}

// Stop stops a started pusher and waits for the round in progress; attempts
// cut short are not counted and are retried after their lease.
func (p *Pusher) Stop() {
	if p.cancel == nil {
		return
	}
	p.cancel()
	<-p.done
	p.cancel = nil
}
