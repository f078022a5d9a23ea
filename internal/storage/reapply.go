package storage

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"

	"jlcredit/internal/catalog"
	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
	"jlcredit/internal/record"
)

// ChannelReapply is the channel of the batches ReapplyPolicy submits.
const ChannelReapply = "reapply"

// ChannelSystem is the channel of the batches the platform composes from
// stored versions in a department's name: removals and expiries of list
// entries.
const ChannelSystem = "system"

// policyMembers are the members of a record version that the rules derive
// from its content (record.ApplyPolicy, lists.PrepareRecord): severity,
// publicity window and 可修复起始日, as stored (yyyy-MM-dd or "").
type policyMembers struct {
	severity, from, until, repairable string
}

func policyOf(r *record.Record) policyMembers {
	return policyMembers{string(r.Severity), dateText(r.PublicFrom), dateText(r.PublicUntil), dateText(r.RepairableFrom)}
}

func dateText(d *credit.Date) string {
	if d == nil {
		return ""
	}
	return d.Format(credit.DateLayout)
}

// fromDate is the stored start of publicity, when there is one.
func (m policyMembers) fromDate() (credit.Date, bool) {
	if m.from == "" {
		return credit.Date{}, false
	}
	return record.ParseDate(m.from)
}

// policiesOf returns the policy members of the current versions that rows
// of recs repeat unchanged in content (their heads), by record id.
func (tx *Tx) policiesOf(ctx context.Context, recs []*record.Record, heads map[string]head) (map[int64]policyMembers, error) {
	var ids []any
	seen := map[int64]bool{}
	for _, r := range recs {
		if h, ok := heads[r.Key]; ok && h.hash == r.ContentHash && !seen[h.id] {
			seen[h.id] = true
			ids = append(ids, h.id)
		}
	}
	out := make(map[int64]policyMembers, len(ids))
	err := inChunks(ids, func(part []any) error {
		return scanAll(tx.rows(ctx, `SELECT id, severity, COALESCE(public_from, ''), COALESCE(public_until, ''), COALESCE(repairable_from, '')
			FROM records WHERE id IN (`+placeholders(1, len(part))+`)`, part...), func(rows *sql.Rows) error {
			var id int64
			var m policyMembers
			if err := rows.Scan(&id, &m.severity, &m.from, &m.until, &m.repairable); err != nil {
				return err
			}
			out[id] = m
			return nil
		})
	})
	return out, err
}

// ReapplyReport is what ReapplyPolicy found and did.
type ReapplyReport struct {
	Checked  int               `json:"checked"`  // current versions read
	Differ   int               `json:"differ"`   // of which the rules now give other policy members
	Receipts []*record.Receipt `json:"receipts"` // the batches written (none for a dry run)
}

// reapplyChunk is how many versions ReapplyPolicy reads at a time, and
// the most rows it submits in one batch.
var reapplyChunk = 5000

// ReapplyPolicy applies the rules and catalog of this build again to every
// current, active version of class (every ingestible class when class is
// ""): severity, publicity window (公示起止) and 可修复起始日 are computed
// when a version is written and covered by the ledger, so a correction of
// the rules or a new period in the catalog does not reach what is already
// stored. Each version whose members now differ gets a new version,
// identical in content, with the members the rules give today: written
// through ingestion as a batch of its department on channel
// ChannelReapply (stored whole, audited, in the ledger; the old version
// stays in the history). A version changed meanwhile is refused by its
// base (record.BaseColumn), and a row that today's rules reject is
// recorded in its batch's errors; neither changes anything. With dryRun
// it only counts. Only the platform and province administrators may run
// it.
func (db *DB) ReapplyPolicy(ctx context.Context, class string, dryRun bool) (*ReapplyReport, error) {
	actor := credit.ActorFromContext(ctx)
	if actor.Role != credit.RoleSystem && actor.Role != credit.RoleProvince {
		return nil, credit.Errorf(credit.EFORBIDDEN, "只有平台或省级管理员可以按现行规则重算公示期限")
	}
	cat, err := db.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	var classes []*catalog.Class
	if class != "" {
		c, ok := cat.Class(class)
		if !ok || !c.Ingestible {
			return nil, credit.Errorf(credit.EINVALID, "信息类别“%s”不存在或不能报送，请用 GET /api/v1/catalog 查看可用的类别代码", class)
		}
		classes = append(classes, c)
	} else {
		for _, c := range cat.Classes {
			if c.Ingestible {
				classes = append(classes, c)
			}
		}
	}
	rep := &ReapplyReport{Receipts: []*record.Receipt{}}
	for _, c := range classes {
		if err := db.reapplyClass(ctx, c, dryRun, rep); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

func (db *DB) reapplyClass(ctx context.Context, c *catalog.Class, dryRun bool, rep *ReapplyReport) error {
	var data *lists.Data
	if c.Code == lists.ClassCode {
		var err error
		if data, err = db.ListData(ctx); err != nil {
			return err
		}
	}
	cal := db.Calendar()
	pending := map[credit.DepartmentID][]map[string]string{}
	submit := func(dep credit.DepartmentID) error {
		rows := pending[dep]
		delete(pending, dep)
		if len(rows) == 0 || dryRun {
			return nil
		}
		d, err := db.FindDepartmentByID(ctx, dep)
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		if err := json.NewEncoder(&buf).Encode(rows); err != nil {
			return err
		}
		rc, err := db.Submit(ctx, record.Submission{Class: c.Code, DepartmentCode: d.Code, Format: "json",
			Filename: "按现行规则重算公示期限.json", Channel: ChannelReapply, Body: &buf})
		if err != nil {
			return err
		}
		rep.Receipts = append(rep.Receipts, rc)
		return nil
	}
	// By business key, along records_current: each chunk costs its own
	// rows whatever the class's size, and the versions this run writes
	// (same keys, behind the scan) are not read again.
	last, pendingRows := "", 0
	for {
		var recs []*record.Record
		err := scanAll(db.rows(ctx, `SELECT `+recordColumns+` FROM records WHERE class = $1 AND is_current AND key > $2 ORDER BY key LIMIT `+strconv.Itoa(reapplyChunk),
			c.Code, last), func(rows *sql.Rows) error {
			r, err := scanRecord(rows)
			if err != nil {
				return err
			}
			recs = append(recs, r)
			return nil
		})
		if err != nil {
			return fmt.Errorf("storage.ReapplyPolicy: %w", err)
		}
		if len(recs) == 0 {
			break
		}
		last = recs[len(recs)-1].Key
		for _, r := range recs {
			if r.Status != record.Active {
				continue
			}
			rep.Checked++
			clear, err := db.clearFields(r.Fields)
			if err != nil {
				return err
			}
			now := *r
			now.Fields = clear
			received := credit.DateOf(r.CreatedAt)
			if r.DecisionDate == nil && r.PublicFrom != nil {
				received = *r.PublicFrom
			}
			record.ApplyPolicy(&now, c, cal, received)
			if data != nil && len(lists.PrepareRecord(data, &now)) > 0 {
				continue // today's list rules refuse it: nothing to derive
			}
			if policyOf(&now) == policyOf(r) {
				continue
			}
			rep.Differ++
			row := make(map[string]string, len(clear)+1)
			for k, v := range clear {
				row[k] = v
			}
			row[record.BaseColumn] = strconv.FormatInt(int64(r.ID), 10)
			pending[r.DepartmentID] = append(pending[r.DepartmentID], row)
			pendingRows++
			if len(pending[r.DepartmentID]) >= reapplyChunk {
				pendingRows -= len(pending[r.DepartmentID])
				if err := submit(r.DepartmentID); err != nil {
					return err
				}
			}
			if pendingRows >= 4*reapplyChunk { // bounded memory, however many departments
				for dep := range pending {
					if err := submit(dep); err != nil {
						return err
					}
				}
				pendingRows = 0
			}
		}
	}
	for dep := range pending {
		if err := submit(dep); err != nil {
			return err
		}
	}
	return nil
}
