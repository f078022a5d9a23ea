package storage

import (
	"context"
	"encoding/json"
	"strconv"

	"jlcredit/internal/credit"
)

// audit appends a row to the audit log in the same transaction as the change.
func (tx *Tx) audit(ctx context.Context, action, objectType, objectID string, detail any) error {
	b, err := json.Marshal(detail)
	if err != nil {
		return err
	}
	actor := credit.ActorFromContext(ctx)
	_, err = tx.exec(ctx, `INSERT INTO audit_log (at, actor, action, object_type, object_id, detail) VALUES ($1, $2, $3, $4, $5, $6)`,
		tx.now, actor.Label(), action, objectType, objectID, string(b))
	return err
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
