// Package storage is the only package that speaks SQL. It implements the
// domain Services on SQLite (modernc.org/sqlite, pure Go) and PostgreSQL
// (pgx), with one code path for both: DML is written once with $n
// placeholders and rebound for SQLite; DDL lives in per-dialect migrations.
// The domain decides, storage orchestrates: validation, policy and
// authorization are domain functions called inside storage transactions.
package storage

import (
	"context"
	"crypto/tls"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"jlcredit/internal/catalog"
	"jlcredit/internal/credit"
	"jlcredit/internal/workday"
)

// Dialect is the SQL flavour of a database.
type Dialect int

// Dialects.
const (
	SQLite Dialect = iota
	Postgres
)

func (d Dialect) String() string {
	if d == Postgres {
		return "postgres"
	}
	return "sqlite"
}

// DB is an open platform database.
type DB struct {
	sql   *sql.DB // reads (SQLite: several connections; Postgres: the pool)
	write *sql.DB // writes (SQLite: one connection; Postgres: same as sql)
	// lookups runs the prepared lookups of the verification path on
	// PostgreSQL: a pool that keeps generic plans. nil on SQLite, where
	// they run on sql.
	lookups *sql.DB
	dialect Dialect
	dsn     string
	logger  *slog.Logger

	// Now returns the current time; tests replace it.
	Now func() time.Time
	// calendar is the working-day calendar for every deadline (Calendar);
	// ReloadCalendar replaces it while requests read it.
	calendar atomic.Pointer[workday.Calendar]
	// Secrets holds the keys for citizen ID encryption and ledger signing.
	Secrets *Secrets

	catalogOnce sync.Once
	newCatalog  atomic.Bool // Migrate loaded the catalog's version (LoadedNewCatalog)
	catalog     *catalog.Catalog
	catalogErr  error

	rebindCache sync.Map // query -> rebound query

	// SQLite: a connection of its own that checkpoints the WAL in the
	// background, and the loop's stop and done channels.
	ckpt     *sql.DB
	ckptPath string // the database file, which the loop fsyncs itself
	// dbFile is the loop's descriptor of the database file, opened once
	// and closed only after every SQLite connection (see syncDatabase).
	dbFile   *os.File
	stopCkpt chan struct{}
	ckptDone chan struct{}

	verifyOnce sync.Once
	verify     *verifyState // prepared statements and caches of the verification path

	// life is cancelled when Close begins: long work (processing a batch)
	// stops at its next transaction. busy counts that work, which Close
	// waits for before it closes the connections; enter refuses new work
	// once closing is set.
	life     context.Context
	endLife  context.CancelFunc
	lifeMu   sync.Mutex
	closing  bool
	busy     sync.WaitGroup
	closeErr error
}

// enter registers long work (see life); false when the database is closing.
func (db *DB) enter() bool {
	db.lifeMu.Lock()
	defer db.lifeMu.Unlock()
	if db.closing {
		return false
	}
	db.busy.Add(1)
	return true
}

// Options configure Open.
type Options struct {
	Logger *slog.Logger
	// KeyFile holds the platform's secrets. Empty means "credit.key" next
	// to a SQLite file; it must be set for PostgreSQL unless EphemeralKeys
	// is. A missing file is created with fresh keys only for a database
	// that has none yet. The first Migrate binds the database to the keys
	// (platform_keys), and Open refuses any other keys.
	KeyFile string
	// EphemeralKeys (tests) holds the keys in memory instead: generated at
	// the first Open of a database in the process, and the same at every
	// other Open of it in the process, as a shared key file would be.
	EphemeralKeys bool
	// NoNewKey refuses a missing KeyFile instead of creating it: for a
	// caller that will not migrate (a listing, a server without --demo),
	// so that a mistyped path or an unmigrated database does not get a
	// key file of its own that a later migrate would bind.
	NoNewKey bool
}

// RedactDSN returns dsn with its password, if any, replaced by xxxxx: as a
// URL (postgres://user:secret@host/db, or ?password=secret), or as
// key=value pairs (host=… password=secret). DSNs are shown in messages
// and logs; passwords never are.
func RedactDSN(dsn string) string {
	if strings.Contains(dsn, "://") {
		if u, err := url.Parse(dsn); err == nil {
			if q := u.Query(); q.Has("password") {
				q.Set("password", "xxxxx")
				u.RawQuery = q.Encode()
			}
			return u.Redacted()
		}
		// Not a URL Go parses (a stray % or #): the user-information part
		// masked as written.
		dsn = urlPassword.ReplaceAllString(dsn, "${1}xxxxx@")
	}
	return passwordPair.ReplaceAllString(dsn, "${1}xxxxx")
}

// urlPassword is the password of a URL's user information.
var urlPassword = regexp.MustCompile(`(://[^:/@]*:)[^@]*@`)

// passwordPair is a password in a key=value DSN, quoted or not.
var passwordPair = regexp.MustCompile(`(?i)(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)`)

// Open opens the database named by dsn: "sqlite:path/to/file.db",
// "sqlite::memory:" or "postgres://…" (also "postgresql://…"). It does not
// migrate; call Migrate.
func Open(ctx context.Context, dsn string, opt Options) (*DB, error) {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	// A URL's scheme is case-insensitive; pgx takes it in lower case.
	for _, scheme := range []string{"postgresql://", "postgres://", "sqlite:"} {
		if len(dsn) >= len(scheme) && strings.EqualFold(dsn[:len(scheme)], scheme) {
			dsn = scheme + dsn[len(scheme):]
			break
		}
	}
	db := &DB{dsn: dsn, logger: opt.Logger, Now: time.Now}
	db.life, db.endLife = context.WithCancel(context.Background())
	db.calendar.Store(workday.Default())
	// identity names the database itself, whatever else the DSN says
	// (EphemeralKeys); "" for an in-memory one, each of which is its own.
	var identity string
	// target names the database in a connection error: the server, user
	// and database, or the SQLite file.
	var target string
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		db.dialect = Postgres
		cfg, err := parsePostgresDSN(dsn)
		if err != nil {
			return nil, err
		}
		identity = fmt.Sprintf("postgres://%s:%d/%s", cfg.Host, cfg.Port, cfg.Database)
		target = postgresTarget(cfg)
		// Generic plans turn `LIKE $1` into sequential scans; force custom plans.
		if db.sql, err = openPostgres(dsn, "force_custom_plan", 32); err != nil {
			return nil, err
		}
		db.write = db.sql
		// The prepared lookups of the verification path are equality
		// lookups, for which a cached generic plan is as good as a custom
		// one; planning them at every execution cost four times their
		// execution (pg_stat_statements). They get a pool of their own
		// where PostgreSQL may keep generic plans.
		if db.lookups, err = openPostgres(dsn, "auto", 16); err != nil {
			db.sql.Close()
			return nil, err
		}
	case strings.HasPrefix(dsn, "sqlite:"):
		db.dialect = SQLite
		path := strings.TrimPrefix(dsn, "sqlite:")
		path = strings.TrimPrefix(path, "//")
		if path == "" {
			return nil, credit.Errorf(credit.EINVALID, "SQLite数据库路径为空")
		}
		memory := path == ":memory:"
		target = path
		if !memory {
			if dir := filepath.Dir(path); dir != "" {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					return nil, fileError(err, true, "无法创建数据库目录“"+dir+"”")
				}
			}
		}
		params := "?_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_pragma=journal_mode(wal)&_pragma=synchronous(normal)&_pragma=cache_size(-65536)&_pragma=temp_store(memory)&_txlock=immediate&_time_format=sqlite"
		if memory {
			// One connection: each connection to :memory: is its own database.
			w, err := sql.Open("sqlite", "file::memory:"+params)
			if err != nil {
				return nil, err
			}
			w.SetMaxOpenConns(1)
			db.sql, db.write = w, w
		} else {
			// Checkpoints run in the background (see checkpointLoop), not
			// inside whichever commit crosses the WAL's size threshold.
			w, err := sql.Open("sqlite", "file:"+path+params+"&_pragma=wal_autocheckpoint(0)")
			if err != nil {
				return nil, err
			}
			w.SetMaxOpenConns(1)
			w.SetConnMaxIdleTime(0)
			// A short busy timeout: a RESTART checkpoint waits for readers
			// while holding off the writer, so it gives up quickly and is
			// tried again at the next tick instead of stalling commits.
			ck, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10)&_time_format=sqlite")
			if err != nil {
				return nil, err
			}
			ck.SetMaxOpenConns(1)
			db.ckpt, db.ckptPath = ck, path
			db.stopCkpt = make(chan struct{})
			db.ckptDone = make(chan struct{})
			go db.checkpointLoop()
			// Readers do not map the database file (mmap_size 0). Mapping
			// it served 25-30 % more reads per second without writes on an
			// earlier machine, but with the platform's steady writes
			// (verifications, ingestion) it measured 3x the CPU per
			// verification on this one: after every commit a reader's
			// cache is reset, and taking a page again from the map cost far
			// more than a read() (sqlite3 btreeInitPage, where the mapped
			// page is first touched, was 43 % of the profile).
			// BENCHMARKS.md, 2026-11-27 18:20 UTC.
			r, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=query_only(1)&_pragma=cache_size(-32768)&_time_format=sqlite")
			if err != nil {
				return nil, err
			}
			r.SetMaxOpenConns(8)
			// Keep every read connection: a closed one takes its prepared
			// statements and page cache with it.
			r.SetMaxIdleConns(8)
			db.sql, db.write = r, w
		}
		if opt.KeyFile == "" && !memory && !opt.EphemeralKeys {
			opt.KeyFile = filepath.Join(filepath.Dir(path), "credit.key")
		}
		if !memory {
			identity = "sqlite:" + absPath(path)
		}
	default:
		return nil, credit.Errorf(credit.EINVALID, "不支持的数据库连接串“%s”：应以 sqlite: 或 postgres:// 开头", RedactDSN(dsn))
	}
	if err := db.write.PingContext(ctx); err != nil {
		db.Close()
		return nil, db.connectError(target, err)
	}
	// The keys, then whether they are the database's own: before anything
	// is written with them (bindKey).
	if err := db.loadKeys(ctx, opt, identity); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.bindKey(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// loadKeys sets db.Secrets: from opt.KeyFile, which is created with fresh
// keys only for a database that has none yet (refuseNewKeyFile); or, with
// EphemeralKeys or for an in-memory database, keys held in memory and
// shared by the process's handles on the database named by identity.
func (db *DB) loadKeys(ctx context.Context, opt Options, identity string) error {
	if opt.KeyFile == "" {
		if !opt.EphemeralKeys && db.dialect == Postgres {
			return credit.Errorf(credit.EINVALID, "PostgreSQL数据库须指定密钥文件（CREDIT_KEY_FILE）")
		}
		s, err := ephemeralSecrets(identity)
		db.Secrets = s
		return err
	}
	s, err := LoadSecrets(opt.KeyFile)
	if errors.Is(err, fs.ErrNotExist) {
		// A database with data says which key it is bound to.
		if err := db.refuseNewKeyFile(ctx, opt.KeyFile); err != nil {
			return err
		}
		if opt.NoNewKey {
			return credit.Errorf(credit.EINVALID, "密钥文件“%s”不存在。如为新数据库，请先运行 credit migrate；否则请用 CREDIT_KEY_FILE 指定该数据库的密钥文件", absPath(opt.KeyFile))
		}
		if s, err = createSecretsFile(opt.KeyFile); err == nil {
			db.logger.Info("已为新数据库生成密钥文件，请与数据库一同备份", slog.String("path", absPath(opt.KeyFile)))
		}
	}
	db.Secrets = s
	return err
}

// idleInTransaction is how long a PostgreSQL session may sit idle inside a
// transaction before the server ends it (a DSN may set its own).
const idleInTransaction = "2min"

// openPostgres opens a pool of up to conns connections to dsn whose
// sessions use planMode (plan_cache_mode) and UTC.
func openPostgres(dsn, planMode string, conns int) (*sql.DB, error) {
	cfg, err := parsePostgresDSN(dsn)
	if err != nil {
		return nil, err
	}
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	cfg.RuntimeParams["plan_cache_mode"] = planMode
	cfg.RuntimeParams["timezone"] = "UTC"
	// A process stopped in the middle of a transaction (a paused VM, a
	// network partition) would otherwise hold its locks, the ingestion
	// locks among them, until TCP gives up hours later, and every other
	// server's imports wait behind it. No transaction of the platform waits
	// for a client between its statements, so two minutes idle means the
	// process is gone: the server ends the session and its locks go.
	if _, set := cfg.RuntimeParams["idle_in_transaction_session_timeout"]; !set {
		cfg.RuntimeParams["idle_in_transaction_session_timeout"] = idleInTransaction
	}
	// JIT compilation pays off for long analytic queries, not for the
	// platform's short ones: on a page of list entries it added a quarter
	// of a second. Off unless the DSN asks for it.
	if _, set := cfg.RuntimeParams["jit"]; !set {
		cfg.RuntimeParams["jit"] = "off"
	}
	// A statement_timeout set on the database or the role (by a DBA, for
	// other applications) would cancel the platform's long statements —
	// ledger verify, seals, migrations — half way. Off unless the DSN
	// sets one (as a parameter, or in options=-c statement_timeout=…).
	if _, set := cfg.RuntimeParams["statement_timeout"]; !set && !strings.Contains(cfg.RuntimeParams["options"], "statement_timeout") {
		cfg.RuntimeParams["statement_timeout"] = "0"
	}
	// Instants come back in UTC, as from SQLite, whatever the process's
	// time zone (pgx gives timestamptz in time.Local): the API wrote
	// "-05:00" on PostgreSQL where it wrote "Z" on SQLite.
	utc := stdlib.OptionAfterConnect(func(_ context.Context, c *pgx.Conn) error {
		c.TypeMap().RegisterType(&pgtype.Type{Name: "timestamptz", OID: pgtype.TimestamptzOID, Codec: &pgtype.TimestamptzCodec{ScanLocation: time.UTC}})
		return nil
	})
	pool := stdlib.OpenDB(*cfg, utc)
	pool.SetMaxOpenConns(conns)
	pool.SetMaxIdleConns(conns)
	return pool, nil
}

// sslModes are the values of sslmode, in libpq's order.
var sslModes = []string{"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}

// parsePostgresDSN parses a postgres:// DSN, saying in Chinese what is
// wrong with one pgx refuses: the mistakes an operator makes are checked
// first (a stray %, an sslmode or port that does not exist), and anything
// else pgx refuses is named with pgx's own words as 技术信息.
func parsePostgresDSN(dsn string) (*pgx.ConnConfig, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) { // without the DSN it quotes, password and all
			err = ue.Err
		}
		var esc url.EscapeError
		var host url.InvalidHostError
		switch {
		case errors.As(err, &esc):
			return nil, credit.Explained(credit.Errorf(credit.EINVALID, "数据库连接串中的“%s”不是有效的百分号编码：%%后应为两位十六进制数字（如密码中的@写作%%40，%%写作%%25）", string(esc)), err)
		case errors.As(err, &host):
			return nil, credit.Explained(credit.Errorf(credit.EINVALID, "数据库连接串中的主机名含有无效字符“%s”", string(host)), err)
		}
		return nil, credit.WithCause(credit.Errorf(credit.EINVALID, "数据库连接串“%s”无效：应为 postgres://用户名:密码@主机:端口/数据库名", RedactDSN(dsn)), err)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, credit.Errorf(credit.EINVALID, "数据库连接串中的端口“%s”无效，应为1至65535", p)
		}
	}
	q := u.Query()
	if q.Has("sslmode") && !slices.Contains(sslModes, q.Get("sslmode")) {
		return nil, credit.Errorf(credit.EINVALID, "sslmode的值“%s”无效，应为%s", q.Get("sslmode"), strings.Join(sslModes[:5], "、")+"或"+sslModes[5])
	}
	if q.Has("connect_timeout") {
		if n, err := strconv.Atoi(q.Get("connect_timeout")); err != nil || n < 0 {
			return nil, credit.Errorf(credit.EINVALID, "connect_timeout的值“%s”无效，应为秒数（非负整数）", q.Get("connect_timeout"))
		}
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, credit.WithCause(credit.Errorf(credit.EINVALID, "数据库连接串“%s”无效", RedactDSN(dsn)), parseCause(err))
	}
	return cfg, nil
}

// parseCause is pgx's reason for refusing a DSN without the DSN itself,
// which pgx quotes with its password masked only as well as it can.
func parseCause(err error) error {
	var pe *pgconn.ParseConfigError
	if !errors.As(err, &pe) {
		return err
	}
	msg := pe.Error()
	if i := strings.LastIndex(msg, "`: "); i >= 0 {
		msg = msg[i+len("`: "):]
	}
	return errors.New(msg)
}

// postgresTarget names the server, user and database of cfg in a message.
func postgresTarget(cfg *pgx.ConnConfig) string {
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port)))
	if strings.HasPrefix(cfg.Host, "/") { // a unix socket's directory
		addr = filepath.Join(cfg.Host, fmt.Sprintf(".s.PGSQL.%d", cfg.Port))
	}
	s := addr + "，用户" + cfg.User
	if cfg.Database != "" {
		s += "，数据库" + cfg.Database
	}
	return s
}

// connectError says in Chinese why the database at target could not be
// opened.
func (db *DB) connectError(target string, err error) error {
	if db.dialect == SQLite {
		return sqliteOpenError(target, err)
	}
	reason, known := connectReason(err)
	msg := credit.Errorf(credit.EINVALID, "无法连接数据库（%s）：%s", target, reason)
	if known {
		return credit.Explained(msg, err)
	}
	return credit.WithCause(msg, err)
}

// connectReason says in Chinese why a connection to PostgreSQL failed, and
// whether that is all there is to say (false: the driver's words are
// wanted too).
func connectReason(err error) (string, bool) {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "28P01":
			return "用户名或密码错误", true
		case "28000":
			return "该用户无权登录（请检查 pg_hba.conf），或用户名、密码错误", true
		case "3D000":
			return "数据库不存在，请先创建数据库", true
		case "42501":
			return "该用户没有连接此数据库的权限", true
		case "53300":
			return "数据库连接数已满，请稍后重试", true
		case "57P03":
			return "数据库正在启动，请稍后重试", true
		}
		return "数据库服务器拒绝了连接", false
	}
	var dns *net.DNSError
	var cert *tls.CertificateVerificationError
	var ne net.Error
	switch {
	case errors.As(err, &dns):
		if dns.IsNotFound {
			return "找不到主机“" + dns.Name + "”，请检查主机名", true
		}
		return "无法解析主机“" + dns.Name + "”", false
	case errors.Is(err, syscall.ECONNREFUSED):
		return "连接被拒绝，地址或端口有误，或数据库服务器未启动", true
	case errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH):
		return "网络不可达，请检查地址和网络", true
	case errors.Is(err, syscall.ENOENT):
		return "找不到数据库服务器的套接字文件，地址有误或数据库服务器未启动", true
	case errors.Is(err, syscall.EACCES):
		return "没有访问数据库服务器套接字文件的权限", true
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "连接超时，请检查地址、端口和网络（防火墙）", true
	case errors.As(err, &cert):
		return "服务器证书校验失败（sslmode为verify-ca或verify-full时，须能用所给的根证书校验服务器证书）", false
	}
	return "连接失败", false
}

// sqliteOpenError says in Chinese why the SQLite database file at path
// could not be opened.
func sqliteOpenError(path string, err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return credit.WithCause(credit.Errorf(credit.EINVALID, "无法打开SQLite数据库文件“%s”", path), err)
	}
	var msg *credit.Error
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_CANTOPEN:
		reason := "该路径是目录或没有读写权限"
		st, e := os.Stat(path)
		switch {
		case e == nil && st.IsDir():
			reason = "该路径是目录，不是文件"
		case e == nil:
			reason = "没有读写权限（请检查该文件及其所在目录的权限）"
		case errors.Is(e, fs.ErrNotExist):
			reason = "没有在目录“" + filepath.Dir(path) + "”中创建文件的权限"
		}
		msg = credit.Errorf(credit.EINVALID, "无法打开SQLite数据库文件“%s”：%s", path, reason)
	case sqlite3.SQLITE_NOTADB:
		msg = credit.Errorf(credit.EINVALID, "文件“%s”不是SQLite数据库（可能已损坏或不是本平台的数据库文件）", path)
	case sqlite3.SQLITE_CORRUPT:
		msg = credit.Errorf(credit.EINVALID, "SQLite数据库文件“%s”已损坏", path)
	case sqlite3.SQLITE_READONLY:
		msg = credit.Errorf(credit.EINVALID, "SQLite数据库文件“%s”为只读，无法写入：请检查数据库文件及其所在目录（含 -wal、-shm 文件）的写权限", path)
	case sqlite3.SQLITE_PERM:
		msg = credit.Errorf(credit.EINVALID, "没有访问SQLite数据库文件“%s”的权限", path)
	case sqlite3.SQLITE_FULL:
		msg = credit.Errorf(credit.EINVALID, "无法写入SQLite数据库文件“%s”：磁盘空间不足", path)
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		msg = credit.Errorf(credit.EUNAVAILABLE, "SQLite数据库文件“%s”正被其他进程锁定，请稍后重试", path)
	default:
		return credit.WithCause(credit.Errorf(credit.EINVALID, "无法打开SQLite数据库文件“%s”", path), err)
	}
	return credit.Explained(msg, err)
}

// fileError is the message what (“无法创建数据库目录“data””) with the reason
// the file operation failed (fileReason) after it, or with the error as
// 技术信息 for a reason fileReason does not know.
func fileError(err error, write bool, what string) error {
	if r := fileReason(err, write); r != "" {
		return credit.Explained(credit.Errorf(credit.EINVALID, "%s：%s", what, r), err)
	}
	return credit.WithCause(credit.Errorf(credit.EINVALID, "%s", what), err)
}

// fileReason says in Chinese why a file operation failed (write: creating
// or writing; else reading), or "" for a cause it does not know.
func fileReason(err error, write bool) string {
	switch {
	case errors.Is(err, fs.ErrPermission) && write:
		return "没有写入权限"
	case errors.Is(err, fs.ErrPermission):
		return "没有读取权限"
	case errors.Is(err, syscall.ENOSPC):
		return "磁盘空间不足"
	case errors.Is(err, syscall.EROFS):
		return "文件系统为只读"
	case errors.Is(err, syscall.EISDIR):
		return "该路径是目录，不是文件"
	case errors.Is(err, syscall.ENOTDIR):
		var pe *fs.PathError
		if errors.As(err, &pe) {
			if f := fileInPath(pe.Path); f != "" {
				return "“" + f + "”是文件，不是目录"
			}
		}
		return "路径中有一段是文件，不是目录"
	}
	return ""
}

// fileInPath returns the nearest of path and its parents that exists and
// is not a directory, or "".
func fileInPath(path string) string {
	for p := path; ; p = filepath.Dir(p) {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
		if q := filepath.Dir(p); q == p {
			return ""
		}
	}
}

// Dialect returns the database's SQL flavour.
func (db *DB) Dialect() Dialect { return db.dialect }

// checkpointInterval is how often the background loop checkpoints the WAL.
const checkpointInterval = 500 * time.Millisecond

// restartFrames is the WAL size (in 4 KiB frames, 64 MiB) past which the
// loop starts the WAL file over.
const restartFrames = 16 << 10

// checkpointLoop keeps the WAL small without stalling the writer:
//
//   - Every checkpointInterval a PASSIVE checkpoint copies committed frames
//     into the database file; it never blocks readers or the writer.
//   - The loop then fsyncs the database file itself. SQLite syncs it only
//     after a checkpoint that copied every frame, which under steady writes
//     is rare, so dirty pages piled up in the OS and the next checkpoint
//     that did sync paid for all of them while holding the writer off
//     (100–150 ms measured; BENCHMARKS.md).
//   - Past restartFrames, restartWAL starts the WAL over, briefly holding
//     the write connection.
func (db *DB) checkpointLoop() {
	defer close(db.ckptDone)
	t := time.NewTicker(checkpointInterval)
	defer t.Stop()
	for {
		select {
		case <-db.stopCkpt:
			_, _ = db.ckpt.Exec(`PRAGMA wal_checkpoint(PASSIVE)`)
			return
		case <-t.C:
			var busy, logFrames, done int
			if err := db.ckpt.QueryRow(`PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logFrames, &done); err != nil {
				db.logger.Warn("WAL检查点失败", slog.Any("error", err))
				continue
			}
			if done > 0 {
				if err := db.syncDatabase(); err != nil {
					db.logger.Warn("WAL检查点后同步数据库文件（fsync）失败", slog.Any("error", err))
					continue
				}
			}
			if logFrames > restartFrames && logFrames-done < restartFrames/8 {
				if err := db.restartWAL(); err != nil {
					db.logger.Warn("重置WAL文件失败", slog.Any("error", err))
				}
			}
		}
	}
}

// restartWAL starts the WAL file over from its beginning. It syncs the WAL
// first without holding anything, then takes the write connection, so that
// no writer of this process adds frames: a PASSIVE checkpoint copies the
// few frames committed since the loop's (syncing only those), and the
// RESTART has nothing left to copy and only waits, at most 10 ms, for
// readers of old frames. Writers wait a few milliseconds instead of for a
// checkpoint that copies and syncs while holding them off.
func (db *DB) restartWAL() error {
	if err := fsyncFile(db.ckptPath + "-wal"); err != nil {
		return err
	}
	ctx := context.Background()
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA busy_timeout = 10`); err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`)
	if err == nil {
		_, err = conn.ExecContext(ctx, `PRAGMA wal_checkpoint(RESTART)`)
	}
	if _, e := conn.ExecContext(ctx, `PRAGMA busy_timeout = 10000`); err == nil {
		err = e
	}
	return err
}

// syncDatabase flushes the database file's written pages to disk (fsync
// applies to the file, whichever descriptor wrote the pages).
//
// It keeps its descriptor open until Close, after SQLite's connections:
// SQLite's locks are POSIX record locks, which belong to the process, and
// closing any descriptor of the file drops all of them. Another process
// (the sqlite3 shell, `credit import` next to `credit serve`) then takes
// this one for gone, may delete the WAL as the last connection, and the
// database is corrupt (TestSyncKeepsLocks).
func (db *DB) syncDatabase() error {
	if db.dbFile == nil {
		f, err := os.Open(db.ckptPath)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		db.dbFile = f
	}
	return db.dbFile.Sync()
}

// fsyncFile flushes a file's written pages to disk. It is for the WAL
// only: SQLite locks the database file and the shared-memory index, never
// the WAL, so opening and closing a descriptor of the WAL drops no lock
// (closing one of the database file would; see syncDatabase).
func fsyncFile(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// Close closes the database. Work in progress (a batch being processed)
// stops after its current transaction and is resumed by the next process.
// Closing again returns the first Close's result.
func (db *DB) Close() error {
	db.lifeMu.Lock()
	if db.closing {
		db.lifeMu.Unlock()
		db.busy.Wait()
		return db.closeErr
	}
	db.closing = true
	db.lifeMu.Unlock()
	db.endLife()
	db.busy.Wait()
	db.closeErr = db.close()
	return db.closeErr
}

func (db *DB) close() error {
	var err error
	if db.ckpt != nil {
		close(db.stopCkpt)
		<-db.ckptDone
		db.ckpt.Close()
	}
	if db.write != nil && db.write != db.sql {
		err = db.write.Close()
	}
	if db.lookups != nil && db.lookups != db.sql {
		if e := db.lookups.Close(); err == nil {
			err = e
		}
	}
	if db.sql != nil {
		if e := db.sql.Close(); err == nil {
			err = e
		}
	}
	// Last, when no SQLite connection of this DB holds a lock any more.
	if db.dbFile != nil {
		if e := db.dbFile.Close(); err == nil {
			err = e
		}
	}
	return err
}

// SQL returns the underlying read handle, for tests and tools.
func (db *DB) SQL() *sql.DB { return db.sql }

// rebind turns $1..$n into ? for SQLite. Every $n appears once and in
// ascending order in our queries, so the mechanical rewrite is safe.
func (db *DB) rebind(q string) string {
	if db.dialect == Postgres {
		return q
	}
	if v, ok := db.rebindCache.Load(q); ok {
		return v.(string)
	}
	var b strings.Builder
	b.Grow(len(q))
	for i := 0; i < len(q); i++ {
		if q[i] == '$' && i+1 < len(q) && q[i+1] >= '0' && q[i+1] <= '9' {
			b.WriteByte('?')
			i++
			for i+1 < len(q) && q[i+1] >= '0' && q[i+1] <= '9' {
				i++
			}
			continue
		}
		b.WriteByte(q[i])
	}
	s := b.String()
	db.rebindCache.Store(q, s)
	return s
}

// placeholders returns "$from, $from+1, ..." n times, for IN lists and
// multi-row VALUES.
func placeholders(from, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(from + i))
	}
	return b.String()
}

// Tx is a transaction with one "now" for all of it.
type Tx struct {
	*sql.Tx
	db   *DB
	now  time.Time
	conn *sql.Conn
}

func (tx *Tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return tx.Tx.ExecContext(ctx, tx.db.rebind(q), tx.db.textArgs(args)...)
}

func (tx *Tx) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return tx.Tx.QueryContext(ctx, tx.db.rebind(q), tx.db.textArgs(args)...)
}

func (tx *Tx) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return tx.Tx.QueryRowContext(ctx, tx.db.rebind(q), tx.db.textArgs(args)...)
}

// textArgs makes the string arguments of a statement acceptable to both
// databases, with the same outcome on each: PostgreSQL refuses a NUL in
// text (and answered a search for “长\x00” with an error where SQLite found
// nothing), so on PostgreSQL a NUL becomes U+FFFD, which no stored text
// holds either (ingestion removes NULs); and bytes that are not UTF-8 (a
// request's “%FF”), which PostgreSQL refuses and SQLite would store
// as they are, become U+FFFD on both, one for each byte (ValidText), as in
// the JSON of an audit entry that quotes the same text. Arguments without
// either are passed as they are, without copying.
func (db *DB) textArgs(args []any) []any {
	var out []any
	for i, a := range args {
		v, ok := a.(string)
		if !ok {
			continue
		}
		nul := db.dialect == Postgres && strings.IndexByte(v, 0) >= 0
		if !nul && utf8.ValidString(v) {
			continue
		}
		if out == nil {
			out = append([]any(nil), args...)
		}
		v = ValidText(v)
		if nul {
			v = strings.ReplaceAll(v, "\x00", "\uFFFD")
		}
		out[i] = v
	}
	if out == nil {
		return args
	}
	return out
}

// ValidText returns s with each byte that is not part of valid UTF-8
// replaced by U+FFFD, as encoding/json writes it. A text that goes into a
// column and into the JSON detail of an audit entry (a batch's file name,
// a department's name) is then the same string in both: strings.ToValidUTF8
// replaces a run of such bytes by one U+FFFD, and ledger verify found the
// batch's file name “�.csv” where its audit entry said “��.csv”.
func ValidText(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteString("\uFFFD")
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// transact runs fn in a write transaction, committing when fn returns nil.
func (db *DB) transact(ctx context.Context, fn func(tx *Tx) error) (err error) {
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("storage: connect: %w", err)
	}
	defer conn.Close()
	stx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("storage: begin: %w", err)
	}
	tx := &Tx{Tx: stx, db: db, now: db.Now().UTC().Truncate(time.Microsecond), conn: conn}
	defer func() {
		if p := recover(); p != nil {
			_ = stx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = stx.Rollback()
			err = readOnly(err)
			return
		}
		err = readOnly(stx.Commit())
	}()
	return fn(tx)
}

// readOnly turns SQLite's refusal to write a database file it may only
// read (file or directory permissions, a read-only mount) into a message
// an operator can act on, instead of an internal error.
func readOnly(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_READONLY {
		return credit.Errorf(credit.EUNAVAILABLE, "数据库文件为只读，无法写入：请检查数据库文件及其所在目录（含 -wal、-shm 文件）的写权限")
	}
	return err
}

// pgConn runs fn with the pgx connection under tx (PostgreSQL only), for COPY.
func (tx *Tx) pgConn(fn func(*pgx.Conn) error) error {
	return tx.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("storage: not a pgx connection: %T", dc)
		}
		return fn(c.Conn())
	})
}

func (db *DB) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return db.sql.QueryContext(ctx, db.rebind(q), db.textArgs(args)...)
}

func (db *DB) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return db.sql.QueryRowContext(ctx, db.rebind(q), db.textArgs(args)...)
}

// isUniqueViolation reports whether err is a unique-constraint violation,
// classified by driver code, never by message text.
func isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// result is the outcome of a query, so that it can be passed as one value.
type result struct {
	rows *sql.Rows
	err  error
}

func (db *DB) rows(ctx context.Context, q string, args ...any) result {
	r, err := db.query(ctx, q, args...)
	return result{r, err}
}

func (tx *Tx) rows(ctx context.Context, q string, args ...any) result {
	r, err := tx.query(ctx, q, args...)
	return result{r, err}
}

// scanAll calls scan for each row of res, closing the rows and checking rows.Err.
func scanAll(res result, scan func(*sql.Rows) error) error {
	if res.err != nil {
		return res.err
	}
	rows := res.rows
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
