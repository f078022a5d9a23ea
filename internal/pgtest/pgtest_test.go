package pgtest

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { Main(m) }

func mustConnect(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatalf("pgx.Connect(%q): %v", dsn, err)
	}
	t.Cleanup(func() {
		if err := conn.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return conn
}

func TestDSN(t *testing.T) {
	ctx := context.Background()
	dsn1, dsn2 := DSN(t), DSN(t)
	if dsn1 == dsn2 {
		t.Fatalf("two DSN calls returned the same DSN %q", dsn1)
	}
	c1, c2 := mustConnect(t, dsn1), mustConnect(t, dsn2)

	var one int
	if err := c1.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("SELECT 1 = %d, %v", one, err)
	}
	for _, test := range []struct{ setting, want string }{
		{"lc_ctype", "C.UTF-8"},
		{"lc_collate", "C.UTF-8"},
		{"server_encoding", "UTF8"},
	} {
		var got string
		if err := c1.QueryRow(ctx, "SHOW "+test.setting).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != test.want {
			t.Errorf("SHOW %s = %q, want %q", test.setting, got, test.want)
		}
	}

	var db1, db2 string
	if err := c1.QueryRow(ctx, "SELECT current_database()").Scan(&db1); err != nil {
		t.Fatal(err)
	}
	if err := c2.QueryRow(ctx, "SELECT current_database()").Scan(&db2); err != nil {
		t.Fatal(err)
	}
	if db1 == db2 {
		t.Fatalf("both DSNs reach database %q", db1)
	}

	// The databases are separate and start empty.
	if _, err := c1.Exec(ctx, "CREATE TABLE t (name text)"); err != nil {
		t.Fatal(err)
	}
	if _, err := c1.Exec(ctx, "INSERT INTO t VALUES ('吉林省')"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := c2.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").Scan(&n); err != nil || n != 0 {
		t.Fatalf("second database has %d tables (err %v), want 0", n, err)
	}
}

func TestDatabaseDroppedAtCleanup(t *testing.T) {
	ctx := context.Background()
	var name string
	var leftOpen *pgx.Conn
	t.Run("Inner", func(t *testing.T) {
		var err error
		leftOpen, err = pgx.Connect(ctx, DSN(t))
		if err != nil {
			t.Fatal(err)
		}
		if err := leftOpen.QueryRow(ctx, "SELECT current_database()").Scan(&name); err != nil {
			t.Fatal(err)
		}
		// leftOpen stays open when the database is dropped.
	})
	if leftOpen != nil {
		defer leftOpen.Close(ctx) // fails: the drop ended the connection
	}
	conn := mustConnect(t, DSN(t))
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Fatalf("database %s still exists after its test ended", name)
	}
}
