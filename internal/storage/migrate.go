package storage

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

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

// noTransaction, as a migration's first line, makes it run outside a
// transaction, one statement at a time, on PostgreSQL. Such a migration
// builds its indexes with CREATE INDEX CONCURRENTLY, which cannot run in a
// transaction and does not hold off writes to the table while it reads it
// (a plain CREATE INDEX blocks every insert for as long as it takes, which
// on a table of a billion records is a long time). It must be safe to run
// again from the start after failing half way, for example by dropping the
// index it builds first (DROP INDEX CONCURRENTLY IF EXISTS). On SQLite,
// where one writer excludes all others anyway, every migration runs in a
// transaction.
const noTransaction = "-- credit:no-transaction"

// migrationLock is the PostgreSQL advisory lock that serialises Migrate
// across processes.
const migrationLock = 0x6a6c6d67

// Migrate applies every migration not yet applied, each in its own
// transaction (but see noTransaction), and loads the embedded catalog when
// its version is new.
func (db *DB) Migrate(ctx context.Context) error {
	err := db.migrateAll(ctx)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "42501" { // insufficient_privilege
		return credit.Errorf(credit.EFORBIDDEN, "数据库用户没有更新数据库结构所需的权限（%s）：请以数据库所有者（或有建表权限的用户）运行 credit migrate；平台日常运行的用户只需读写数据的权限", pe.Message)
	}
	return err
}

func (db *DB) migrateAll(ctx context.Context) error {
	if db.dialect == Postgres {
		// Two processes starting at once must not both apply a migration.
		conn, err := db.write.Conn(ctx)
		if err != nil {
			return fmt.Errorf("storage.Migrate: %w", err)
		}
		defer conn.Close()
		// Polled, not waited for: a session waiting in pg_advisory_lock
		// holds a snapshot, and CREATE INDEX CONCURRENTLY in the session
		// holding the lock waits for every snapshot to go: a deadlock.
		for {
			var locked bool
			if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1)`, migrationLock).Scan(&locked); err != nil {
				return fmt.Errorf("storage.Migrate: %w", err)
			}
			if locked {
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("storage.Migrate: %w", ctx.Err())
			case <-time.After(100 * time.Millisecond):
			}
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLock)
	}
	// Under the lock: two CREATE TABLE IF NOT EXISTS at once can both try
	// to create the table on PostgreSQL, and one fails.
	if _, err := db.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("storage.Migrate: %w", err)
	}
	names, err := db.migrations()
	if err != nil {
		return err
	}
	for _, name := range names {
		if err := db.migrate(ctx, name); err != nil {
			return fmt.Errorf("storage.Migrate: %w", err)
		}
	}
	if err := db.repairEditedMigrations(ctx); err != nil {
		return fmt.Errorf("storage.Migrate: %w", err)
	}
	// Open checked the keys; a new database (or one migrated to 0019 just
	// now) is bound to them here, before anything is signed or sealed.
	if err := db.bindKey(ctx); err != nil {
		return err
	}
	// Audit entries written before the audit log had a tree (0013).
	if err := db.catchUpAudit(ctx); err != nil {
		return fmt.Errorf("storage.Migrate: %w", err)
	}
	if err := db.loadCalendar(ctx); err != nil {
		return fmt.Errorf("storage.Migrate: %w", err)
	}
	if err := db.loadCatalog(ctx); err != nil {
		return err
	}
	return db.runUpgradeTasks(credit.NewContextWithActor(ctx, credit.System))
}

// runUpgradeTasks does the work migrations leave to Go, named in
// upgrade_tasks (0027); each task deletes its row when done.
func (db *DB) runUpgradeTasks(ctx context.Context) error {
	var names []string
	err := scanAll(db.rows(ctx, `SELECT name FROM upgrade_tasks ORDER BY name`), func(rows *sql.Rows) error {
		var n string
		err := rows.Scan(&n)
		names = append(names, n)
		return err
	})
	if err != nil {
		return fmt.Errorf("storage.Migrate: %w", err)
	}
	for _, n := range names {
		switch n {
		case "follow_registrations":
			err = db.upgradeFollowRegistrations(ctx)
		default:
			err = fmt.Errorf("storage.Migrate: upgrade task %q is unknown to this build", n)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// repairEditedMigrations brings databases migrated by a version of a
// migration that was later edited in place (which TestMigrationsUnchanged
// now forbids) to what the edited version creates. Migration 0013 as first
// released (commit df835ce) created audit_ledger_state without
// legacy_max_id, added by 7078564: such a database would fail on every
// audit append. Its entries were all taken into the tree when it ran, so
// none is legacy any more: 0.
func (db *DB) repairEditedMigrations(ctx context.Context) error {
	q := `SELECT COUNT(*) FROM pragma_table_info('audit_ledger_state') WHERE name = 'legacy_max_id'`
	if db.dialect == Postgres {
		q = `SELECT COUNT(*) FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = 'audit_ledger_state' AND column_name = 'legacy_max_id'`
	}
	var n int
	if err := db.write.QueryRowContext(ctx, q).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	typ := "INTEGER"
	if db.dialect == Postgres {
		typ = "BIGINT"
	}
	// (On PostgreSQL, IF NOT EXISTS lets two processes migrating at once
	// both get here; Migrate holds its lock there anyway.)
	add := `ALTER TABLE audit_ledger_state ADD COLUMN legacy_max_id ` + typ + ` NOT NULL DEFAULT 0`
	if db.dialect == Postgres {
		add = `ALTER TABLE audit_ledger_state ADD COLUMN IF NOT EXISTS legacy_max_id ` + typ + ` NOT NULL DEFAULT 0`
	}
	_, err := db.write.ExecContext(ctx, add)
	return err
}

// migrate applies the migration at name unless it has been applied.
func (db *DB) migrate(ctx context.Context, name string) error {
	base := name[strings.LastIndex(name, "/")+1:]
	body, err := fs.ReadFile(migrationFS, name)
	if err != nil {
		return err
	}
	applied := func(q func(string, ...any) *sql.Row) (bool, error) {
		var n int
		err := q(db.rebind(`SELECT COUNT(*) FROM schema_migrations WHERE name = $1`), base).Scan(&n)
		return n > 0, err
	}
	if db.dialect == Postgres && strings.HasPrefix(string(body), noTransaction) {
		if done, err := applied(func(q string, args ...any) *sql.Row { return db.write.QueryRowContext(ctx, q, args...) }); err != nil || done {
			return err
		}
		for _, stmt := range splitStatements(string(body)) {
			if _, err := db.write.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("migration %s: %w", base, err)
			}
		}
		_, err := db.write.ExecContext(ctx, `INSERT INTO schema_migrations (name, applied_at) VALUES ($1, $2)`, base, db.Now().UTC().Format("2006-01-02T15:04:05Z"))
		return err
	}
	return db.transact(ctx, func(tx *Tx) error {
		if done, err := applied(func(q string, args ...any) *sql.Row { return tx.Tx.QueryRowContext(ctx, q, args...) }); err != nil || done {
			return err
		}
		if _, err := tx.Tx.ExecContext(ctx, string(body)); err != nil {
			return fmt.Errorf("migration %s: %w", base, err)
		}
		_, err = tx.exec(ctx, `INSERT INTO schema_migrations (name, applied_at) VALUES ($1, $2)`, base, tx.now.Format("2006-01-02T15:04:05Z"))
		return err
	})
}

// splitStatements splits a migration into its statements: each ends with
// a semicolon at the end of a line. Comment lines are dropped. (Migrations
// that run this way hold no functions or string literals spanning lines.)
func splitStatements(body string) []string {
	var stmts []string
	var cur strings.Builder
	for line := range strings.Lines(body) {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "--") {
			continue
		}
		cur.WriteString(line)
		if strings.HasSuffix(t, ";") {
			stmts = append(stmts, strings.TrimSpace(cur.String()))
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		stmts = append(stmts, s)
	}
	return stmts
}

// SchemaUpToDate reports whether every migration has been applied and the
// embedded catalog's version loaded (Migrate does both): records written
// under a catalog the database does not know could not be traced to it.
func (db *DB) SchemaUpToDate(ctx context.Context) (bool, error) {
	names, err := db.migrations()
	if err != nil {
		return false, err
	}
	var n int
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil {
		return false, nil
	}
	if n < len(names) {
		return false, nil
	}
	c, err := db.Catalog(ctx)
	if err != nil {
		return false, err
	}
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM catalog_versions WHERE version = $1`, c.Version).Scan(&n); err != nil {
		return false, nil
	}
	return n > 0, nil
}

// RequireSchema returns an error telling the operator to run migrate when
// the schema is old. Otherwise it loads the working-day calendar's years
// stored in the database, as Migrate does.
func (db *DB) RequireSchema(ctx context.Context) error {
	ok, err := db.SchemaUpToDate(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return credit.Errorf(credit.ECONFLICT, "数据库结构或信息目录不是最新版本，请先运行 credit migrate --db %s", RedactDSN(db.dsn))
	}
	return db.loadCalendar(ctx)
}
