package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"

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

// isHelp reports whether arg asks for help.
func isHelp(arg string) bool {
	switch arg {
	case "-h", "-help", "--help", "help":
		return true
	}
	return false
}

// usageOrHelp is the error of a command group given no subcommand (usage,
// exit 2) or asked for help (exit 0).
func usageOrHelp(args []string) error {
	if len(args) > 0 && isHelp(args[0]) {
		return errHelp
	}
	return errUsage
}

// errHelp is the error of -h or --help: the usage was asked for and
// printed (exit status 0).
var errHelp = errors.New("help")

func (e *Env) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.Stderr)
	fs.Usage = func() { printUsage(fs, nil) }
	return fs
}

// printUsage writes fs's options in Chinese: flag.PrintDefaults says
// "Usage of …" and "(default …)".
func printUsage(fs *flag.FlagSet, names []string) {
	w := fs.Output()
	fmt.Fprintf(w, "用法：credit %s [选项]", fs.Name())
	for _, n := range names {
		fmt.Fprintf(w, " %s", n)
	}
	fmt.Fprintln(w)
	n := 0
	fs.VisitAll(func(f *flag.Flag) {
		if n == 0 {
			fmt.Fprintln(w, "选项：")
		}
		n++
		arg, usage := flag.UnquoteUsage(f)
		switch arg {
		case "string":
			arg = "文本"
		case "int", "uint", "int64", "uint64", "float":
			arg = "数字"
		case "duration":
			arg = "时长"
		case "value":
			arg = "值"
		}
		if arg != "" {
			arg = " " + arg
		}
		fmt.Fprintf(w, "  --%s%s\n    \t%s", f.Name, arg, usage)
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
			fmt.Fprintf(w, "（默认：%s）", f.DefValue)
		}
		fmt.Fprintln(w)
	})
}

// flagError says a flag package parse error in Chinese.
func flagError(err error) string {
	msg := err.Error()
	switch {
	case strings.HasPrefix(msg, "flag provided but not defined: "):
		return "未知的参数“" + strings.TrimPrefix(msg, "flag provided but not defined: ") + "”"
	case strings.HasPrefix(msg, "flag needs an argument: "):
		return "参数“" + strings.TrimPrefix(msg, "flag needs an argument: ") + "”缺少值"
	case strings.HasPrefix(msg, "invalid value "), strings.HasPrefix(msg, "invalid boolean value "):
		// invalid value "abc" for flag -records: parse error
		rest := msg[strings.Index(msg, "value ")+len("value "):]
		if v, after, ok := strings.Cut(rest, " for flag "); ok {
			name, _, _ := strings.Cut(after, ":")
			return "参数“" + name + "”的值" + strings.ReplaceAll(v, `"`, "") + "无效"
		}
	case strings.HasPrefix(msg, "bad flag syntax: "):
		return "参数格式错误：“" + strings.TrimPrefix(msg, "bad flag syntax: ") + "”"
	}
	return msg
}

// parse parses args into fs and refuses any positional argument: the
// commands that take none would otherwise ignore it, and with it every
// option written after it (Go's flag package stops at the first
// non-option).
func parse(fs *flag.FlagSet, args []string) error {
	return parseArgs(fs, args)
}

// parseArgs parses args into fs and refuses positional arguments beyond
// the ones named (in Chinese, e.g. "文件名"); fewer than named is the
// command's to check. An option after the last positional argument was not
// parsed, and is named as such. The message goes to fs's output, and the
// error is errUsage (exit status 2, as for an unknown option).
func parseArgs(fs *flag.FlagSet, args []string, names ...string) error {
	out := fs.Output()
	fs.SetOutput(io.Discard) // the flag package's own (English) message
	err := fs.Parse(args)
	fs.SetOutput(out)
	switch {
	case errors.Is(err, flag.ErrHelp):
		printUsage(fs, names)
		return errHelp
	case err != nil:
		fmt.Fprintf(out, "错误：%s\n", flagError(err))
		printUsage(fs, names)
		return errUsage
	}
	if fs.NArg() <= len(names) {
		return nil
	}
	fmt.Fprintf(fs.Output(), "错误：%s\n", strayMessage(fs, args, names))
	hasOptions := false
	fs.VisitAll(func(*flag.Flag) { hasOptions = true })
	if hasOptions {
		fmt.Fprintf(fs.Output(), "各参数的说明：credit %s -h\n", fs.Name())
	}
	return errUsage
}

// strayMessage says which of fs's positional arguments beyond names is not
// expected, preferring an option that came too late over other arguments.
func strayMessage(fs *flag.FlagSet, args []string, names []string) string {
	rest := fs.Args()
	// After "--" everything is a positional argument, even "-x".
	afterDashes := len(args) > len(rest) && args[len(args)-len(rest)-1] == "--"
	isOption := func(a string) bool { return !afterDashes && len(a) > 1 && a[0] == '-' }
	// "--backfill false" sets --backfill and leaves "false" behind.
	if prev := len(args) - len(rest) - 1; !afterDashes && prev >= 0 && isBoolFlag(fs, args[prev]) {
		if _, err := strconv.ParseBool(rest[0]); err == nil {
			return fmt.Sprintf("参数“%s”未被识别：开关选项的值须用等号连接，如 %s=%s", rest[0], args[prev], rest[0])
		}
	}
	if len(names) == 0 {
		msg := fmt.Sprintf("多余的参数“%s”：credit %s 不接受选项以外的参数", rest[0], fs.Name())
		for _, a := range rest[1:] {
			if isOption(a) {
				return msg + fmt.Sprintf("；写在它之后的选项“%s”因此未被识别", a)
			}
		}
		return msg
	}
	last := names[len(names)-1]
	extra := rest[len(names):]
	for _, a := range extra {
		if isOption(a) {
			return fmt.Sprintf("参数“%s”出现在%s之后，未被识别；请把选项写在%s之前", a, last, last)
		}
	}
	if len(names) == 1 {
		return fmt.Sprintf("多余的参数“%s”：credit %s 只接受一个%s", extra[0], fs.Name(), last)
	}
	return fmt.Sprintf("多余的参数“%s”：credit %s 只接受%d个参数", extra[0], fs.Name(), len(names))
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

// openMode says what openDB may do to the database's structure.
type openMode int

const (
	// openExisting requires a database at the current schema version.
	openExisting openMode = iota
	// openCreate creates and migrates a SQLite database (a file on this
	// machine, set up by the first command that uses it); a PostgreSQL
	// database must be at the current version already: production's
	// schema changes only by `credit migrate`, run when the operator
	// decides (some migrations want older servers stopped first).
	openCreate
	// openMigrate migrates either (credit migrate, demo and benchmarks).
	openMigrate
)

// openDB opens the database, migrating it as mode allows. The key file
// comes from CREDIT_KEY_FILE, or sits next to a SQLite file (keyFile). The
// database is bound to the key file it was created with: storage.Open
// refuses another one, and creates a missing one only for a new database,
// so a command run from another directory, or a second server without a
// copy of the key file, stops with an error instead of writing with new
// keys.
func (e *Env) openDB(ctx context.Context, dsn string, mode openMode) (*storage.DB, error) {
	migrate := mode == openMigrate || mode == openCreate && isSQLiteDSN(dsn)
	db, err := storage.Open(ctx, dsn, storage.Options{Logger: e.logger(), KeyFile: keyFile(dsn), NoNewKey: !migrate})
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

// isSQLiteDSN reports whether dsn names a SQLite database.
func isSQLiteDSN(dsn string) bool {
	return len(dsn) >= 7 && strings.EqualFold(dsn[:7], "sqlite:")
}

// keyFile returns the key file of dsn: CREDIT_KEY_FILE, else "" (credit.key
// next to a SQLite database), else data/credit-postgres.key in the working
// directory, which storage.Open names by its absolute path when it refuses
// it.
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

// isBoolFlag reports whether arg is an option of fs that takes no value
// ("--backfill", not "--backfill=true").
func isBoolFlag(fs *flag.FlagSet, arg string) bool {
	name := strings.TrimPrefix(strings.TrimPrefix(arg, "-"), "-")
	if name == arg || strings.Contains(name, "=") {
		return false
	}
	f := fs.Lookup(name)
	if f == nil {
		return false
	}
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// flagGiven reports whether the option name was given on the command line,
// which may differ from its default.
func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}
