package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

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

// oneSubcommand checks the subcommand of a group that has only one (batch
// resume, push run, lists expire) and returns the arguments from it on.
// The group's -h is that subcommand's (its options, exit status 0); no
// subcommand or another one is a usage error.
func oneSubcommand(env *Env, group, sub string, args []string) ([]string, error) {
	switch {
	case len(args) > 0 && isHelp(args[0]):
		return []string{sub, "-h"}, nil
	case len(args) == 0:
		fmt.Fprintf(env.Stderr, "用法：credit %s %s [选项]；各选项：credit %s %s -h\n", group, sub, group, sub)
		return nil, errUsage
	case args[0] != sub:
		fmt.Fprintf(env.Stderr, "错误：未知的子命令“%s %s”：应为 %s\n用法：credit %s %s [选项]；各选项：credit %s %s -h\n", group, args[0], sub, group, sub, group, sub)
		return nil, errUsage
	}
	return args, nil
}

// groupUsage prints a command group's usage for no subcommand or -h, and
// names an unknown subcommand (subs: the ones it has, in Chinese).
func groupUsage(env *Env, group string, args []string, usage, subs string) error {
	if len(args) > 0 && !isHelp(args[0]) {
		fmt.Fprintf(env.Stderr, "错误：未知的子命令“%s %s”：应为 %s\n", group, args[0], subs)
	}
	fmt.Fprintln(env.Stderr, usage)
	return usageOrHelp(args)
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

// flagError says a flag package parse error in Chinese, naming the option
// as it was written in args ("--db" or "-db"; the flag package says "-db").
func flagError(err error, fs *flag.FlagSet, args []string) string {
	msg := err.Error()
	switch {
	case strings.HasPrefix(msg, "flag provided but not defined: "):
		return "未知的参数“" + typedName(args, strings.TrimPrefix(msg, "flag provided but not defined: -")) + "”"
	case strings.HasPrefix(msg, "flag needs an argument: "):
		return "参数“" + typedName(args, strings.TrimPrefix(msg, "flag needs an argument: -")) + "”缺少值"
	case strings.HasPrefix(msg, "invalid boolean value "), strings.HasPrefix(msg, "invalid value "):
		// invalid value "abc" for flag -records: parse error
		// invalid boolean value "maybe" for -backfill: parse error
		rest := msg[strings.Index(msg, "value ")+len("value "):]
		quoted, err := strconv.QuotedPrefix(rest)
		if err != nil {
			break
		}
		value, _ := strconv.Unquote(quoted)
		rest = strings.TrimPrefix(strings.TrimPrefix(rest[len(quoted):], " for flag -"), " for -")
		name, cause, _ := strings.Cut(rest, ": ")
		return "参数“" + typedName(args, name) + "”的值“" + value + "”无效，" + flagExpects(fs.Lookup(name), cause)
	case strings.HasPrefix(msg, "bad flag syntax: "):
		return "参数格式错误：“" + strings.TrimPrefix(msg, "bad flag syntax: ") + "”"
	}
	return "参数有误：" + msg
}

// typedName returns the option name as args wrote it ("--db" or "-db"),
// else "--name".
func typedName(args []string, name string) string {
	for _, a := range args {
		if a == "--" {
			break
		}
		opt, _, _ := strings.Cut(a, "=")
		if opt == "-"+name || opt == "--"+name {
			return opt
		}
	}
	return "--" + name
}

// flagExpects says what the option f takes, after a value it refused;
// cause is the flag package's reason ("parse error", "value out of range").
func flagExpects(f *flag.Flag, cause string) string {
	var v any
	if f != nil {
		if g, ok := f.Value.(flag.Getter); ok {
			v = g.Get()
		}
	}
	outOfRange := cause == "value out of range"
	switch v.(type) {
	case bool:
		return "应为true或false"
	case int, int64:
		if outOfRange {
			return "超出了整数的范围"
		}
		return "应为整数"
	case uint, uint64:
		if outOfRange {
			return "超出了整数的范围"
		}
		return "应为非负整数"
	case float64:
		if outOfRange {
			return "超出了数字的范围"
		}
		return "应为数字"
	case time.Duration:
		return "应为时长，如 10s、5m、1h"
	}
	return "请检查该参数的写法（credit 命令 -h 列出各参数）"
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
		fmt.Fprintf(out, "错误：%s\n", flagError(err, fs, args))
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
		if db.LoadedNewCatalog() {
			if err := e.upgradeNotices(ctx, db); err != nil {
				db.Close()
				return nil, err
			}
		}
	} else if err := db.RequireSchema(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// upgradeNotices tells the operator, once, when a database got a newer
// catalog (credit migrate, or on SQLite any command that writes), what the
// new catalog changes for data already stored: registrations that no longer
// make their subject 经登记机关核验 (catalog 2024.9).
func (e *Env) upgradeNotices(ctx context.Context, db *storage.DB) error {
	others, unserved, err := db.RegistrationsFromOthers(ctx)
	if err != nil {
		return err
	}
	if others > 0 {
		fmt.Fprintf(e.Stderr, "注意：%d条现行登记注册信息不是由主体的登记机关报送（统一社会信用代码以9开头的由市场监管部门、以5开头的由民政部门、以1开头的由机构编制部门登记），这些主体不再显示为“经登记机关核验”。"+
			"请为民政、机构编制部门设置部门类别（credit department add --db … --code … --name … --region … --kind civil_affairs 或 establishment），再由登记机关重新报送其登记注册信息。\n", others)
	}
	if unserved > 0 {
		fmt.Fprintf(e.Stderr, "注意：%d条现行登记注册信息的主体由平台尚未接入的登记机关登记（统一社会信用代码首位不是1、5、9，如司法行政、宗教事务部门），这些主体不再显示为“经登记机关核验”。\n", unserved)
	}
	return nil
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

// fileError says in Chinese why the file at path could not be read (write
// false) or created and written: op is what was done, as “读取文件” or
// “创建错误文件”. A missing file is “文件“x”不存在” (or its directory is
// named, when that is missing too), a directory given for a file is named
// as such; permissions, a full disk or a read-only file system are the
// reason after “无法<op>“path””. Any other error keeps the system's words as
// 技术信息, apart from the message.
func fileError(err error, path string, write bool, op string) error {
	var ce *credit.Error
	if errors.As(err, &ce) && !isOSError(err) {
		return err // already said (a storage or ingest error)
	}
	var msg string
	switch {
	case errors.Is(err, fs.ErrNotExist):
		dir := filepath.Dir(path)
		if _, e := os.Stat(dir); errors.Is(e, fs.ErrNotExist) {
			msg = fmt.Sprintf("无法%s“%s”：目录“%s”不存在", op, path, dir)
		} else if write {
			msg = fmt.Sprintf("无法%s“%s”：路径不存在", op, path)
		} else {
			msg = fmt.Sprintf("文件“%s”不存在", path)
		}
	case errors.Is(err, syscall.EISDIR):
		if write {
			msg = fmt.Sprintf("无法%s“%s”：该路径是目录，不是文件", op, path)
		} else {
			msg = fmt.Sprintf("“%s”是目录，不是文件", path)
		}
	case errors.Is(err, fs.ErrPermission) && write:
		msg = fmt.Sprintf("无法%s“%s”：没有写入权限", op, path)
	case errors.Is(err, fs.ErrPermission):
		msg = fmt.Sprintf("无法%s“%s”：没有读取权限", op, path)
	case errors.Is(err, syscall.ENOSPC):
		msg = fmt.Sprintf("无法%s“%s”：磁盘空间不足", op, path)
	case errors.Is(err, syscall.EDQUOT):
		msg = fmt.Sprintf("无法%s“%s”：超出了磁盘配额", op, path)
	case errors.Is(err, syscall.EROFS):
		msg = fmt.Sprintf("无法%s“%s”：文件系统为只读", op, path)
	case errors.Is(err, syscall.ENOTDIR):
		if f := fileInPath(filepath.Dir(path)); f != "" {
			msg = fmt.Sprintf("无法%s“%s”：“%s”是文件，不是目录", op, path, f)
		} else {
			msg = fmt.Sprintf("无法%s“%s”：路径中有一段是文件，不是目录", op, path)
		}
	default:
		return &credit.Caused{Msg: credit.Errorf(credit.EINVALID, "无法%s“%s”", op, path), Cause: err}
	}
	return &credit.Caused{Msg: credit.Errorf(credit.EINVALID, "%s", msg), Cause: err, Said: true}
}

// isOSError reports whether err comes from the file system.
func isOSError(err error) bool {
	var pe *fs.PathError
	var errno syscall.Errno
	return errors.As(err, &pe) || errors.As(err, &errno)
}

// fileInPath returns the nearest of path and its parents that exists and
// is not a directory, or "".
func fileInPath(path string) string {
	for p := path; ; p = filepath.Dir(p) {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
		if filepath.Dir(p) == p {
			return ""
		}
	}
}
