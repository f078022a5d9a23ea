package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"os"

	"jlcredit/internal/credit"
	"jlcredit/internal/storage"
)

// Env is what a command reads and writes.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// DefaultDSN is the embedded database used when --db is not given.
const DefaultDSN = "sqlite:data/credit.db"

var errUsage = errors.New("usage")

func (e *Env) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.Stderr)
	return fs
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	return nil
}

func dsnDefault() string {
	if v := os.Getenv("CREDIT_DB"); v != "" {
		return v
	}
	return DefaultDSN
}

func (e *Env) logger() *slog.Logger {
	level := slog.LevelInfo
	if os.Getenv("CREDIT_DEBUG") != "" {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(e.Stderr, &slog.HandlerOptions{Level: level}))
}

// openDB opens and migrates the database. The key file comes from
// CREDIT_KEY_FILE, or sits next to a SQLite file.
func (e *Env) openDB(ctx context.Context, dsn string, migrate bool) (*storage.DB, error) {
	db, err := storage.Open(ctx, dsn, storage.Options{Logger: e.logger(), KeyFile: keyFile(dsn)})
	if err != nil {
		return nil, err
	}
	if migrate {
		if err := db.Migrate(ctx); err != nil {
			db.Close()
			return nil, err
		}
	} else if err := db.RequireSchema(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func keyFile(dsn string) string {
	if v := os.Getenv("CREDIT_KEY_FILE"); v != "" {
		return v
	}
	if len(dsn) > 7 && dsn[:7] == "sqlite:" {
		return "" // next to the database file
	}
	return "data/credit-postgres.key"
}

// systemContext runs CLI commands as the platform itself.
func systemContext(ctx context.Context) context.Context {
	return credit.NewContextWithActor(ctx, credit.System)
}
