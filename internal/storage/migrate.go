package storage

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"jlcredit/internal/credit"
)

//go:embed migrations
var migrationFS embed.FS

func (db *DB) migrations() ([]string, error) {
	dir := "migrations/" + db.dialect.String()
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") {
			names = append(names, dir+"/"+e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}

// Migrate applies every migration not yet applied, each in its own
// transaction, and loads the embedded catalog when its version is new.
func (db *DB) Migrate(ctx context.Context) error {
	if _, err := db.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("storage.Migrate: %w", err)
	}
	names, err := db.migrations()
	if err != nil {
		return err
	}
	for _, name := range names {
		base := name[strings.LastIndex(name, "/")+1:]
		err := db.transact(ctx, func(tx *Tx) error {
			var n int
			if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE name = $1`, base).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			body, err := fs.ReadFile(migrationFS, name)
			if err != nil {
				return err
			}
			if _, err := tx.Tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("migration %s: %w", base, err)
			}
			_, err = tx.exec(ctx, `INSERT INTO schema_migrations (name, applied_at) VALUES ($1, $2)`, base, tx.now.Format("2006-01-02T15:04:05Z"))
			return err
		})
		if err != nil {
			return fmt.Errorf("storage.Migrate: %w", err)
		}
	}
	return db.loadCatalog(ctx)
}

// SchemaUpToDate reports whether every migration has been applied.
func (db *DB) SchemaUpToDate(ctx context.Context) (bool, error) {
	names, err := db.migrations()
	if err != nil {
		return false, err
	}
	var n int
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil {
		return false, nil
	}
	return n >= len(names), nil
}

// RequireSchema returns an error telling the operator to run migrate when
// the schema is old.
func (db *DB) RequireSchema(ctx context.Context) error {
	ok, err := db.SchemaUpToDate(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return credit.Errorf(credit.ECONFLICT, "数据库结构不是最新版本，请先运行 credit migrate --db %s", db.dsn)
	}
	return nil
}
