// Package pgtest gives tests a throwaway PostgreSQL database.
//
// DSN returns a fresh empty database on a server shared by the whole test
// process. The server is the one named by CREDIT_TEST_POSTGRES (a DSN), or
// else a cluster that pgtest starts itself with initdb and pg_ctl in a
// temporary directory, listening on a unix socket in that directory and on a
// free TCP port of 127.0.0.1, tuned for speed rather than durability
// (fsync=off). As PostgreSQL refuses to run as root, a root test process runs
// initdb and pg_ctl as the postgres system user (runuser, or su).
//
// When no server can be had, tests that call DSN are skipped, or fail when
// CREDIT_REQUIRE_POSTGRES=1 (as in CI). A package that uses DSN stops the
// cluster at the end with
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
// Should the test process die before that (a -timeout panic, a kill), a
// watchdog process started with the cluster stops it and removes its files.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Environment variables read by DSN.
const (
	EnvDSN     = "CREDIT_TEST_POSTGRES"    // DSN of an existing server to create databases in
	EnvRequire = "CREDIT_REQUIRE_POSTGRES" // "1": a missing PostgreSQL fails tests instead of skipping them
)

var (
	startOnce sync.Once
	mu        sync.Mutex // guards srv and srvErr after start
	srv       *server
	srvErr    error
)

// server is the PostgreSQL server of the test process.
type server struct {
	admin    string              // DSN of the maintenance database, for CREATE/DROP DATABASE
	dbDSN    func(string) string // DSN of the named database
	cluster  *cluster            // nil for a server given by CREDIT_TEST_POSTGRES
	stopped  bool
	creating sync.WaitGroup // DSN calls creating a database
}

// DSN returns the DSN of a new empty database (CREATE DATABASE t_<random>,
// UTF8, locale C.UTF-8) on the test process's PostgreSQL server, starting the
// server on first use. The database is dropped when tb's test ends. If there
// is no PostgreSQL, DSN skips tb, or fails it when CREDIT_REQUIRE_POSTGRES=1.
func DSN(tb testing.TB) string {
	tb.Helper()
	return dsnWith(tb, `LOCALE 'C.UTF-8'`)
}

// DSNWithLocale is DSN for a database created with the given locale
// clause instead of LOCALE 'C.UTF-8' — e.g. LOCALE_PROVIDER icu ICU_LOCALE
// 'zh-Hans-CN' LOCALE 'C.UTF-8', a Chinese collation as deployments create
// them — to test what depends on the database's collation.
func DSNWithLocale(tb testing.TB, locale string) string {
	tb.Helper()
	return dsnWith(tb, locale)
}

func dsnWith(tb testing.TB, locale string) string {
	tb.Helper()
	startOnce.Do(func() {
		s, err := start()
		mu.Lock()
		srv, srvErr = s, err
		mu.Unlock()
	})
	mu.Lock()
	s, err := srv, srvErr
	if err == nil && s.stopped {
		err = errors.New("pgtest.Stop was already called")
	}
	if err == nil {
		s.creating.Add(1)
	}
	mu.Unlock()
	if err != nil {
		if os.Getenv(EnvRequire) == "1" {
			tb.Fatalf("pgtest: PostgreSQL is required (%s=1) but not available: %v", EnvRequire, err)
		}
		tb.Skipf("pgtest: skipping, no PostgreSQL: %v (set %s to a server's DSN, or install initdb and pg_ctl)", err, EnvDSN)
	}
	defer s.creating.Done()

	name := "t_" + randomHex(8)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := s.exec(ctx, `CREATE DATABASE `+name+` TEMPLATE template0 ENCODING 'UTF8' `+locale); err != nil {
		tb.Fatalf("pgtest: creating database %s: %v", name, err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		// FORCE ends connections the test left open.
		if err := s.exec(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			tb.Errorf("pgtest: dropping database %s: %v", name, err)
		}
	})
	return s.dbDSN(name)
}

// exec runs one statement on the maintenance database.
func (s *server) exec(ctx context.Context, sql string) error {
	conn, err := pgx.Connect(ctx, s.admin)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}

// Stop stops and removes the cluster that DSN started, if any. Databases on
// a CREDIT_TEST_POSTGRES server are dropped by their tests' cleanups, and the
// server is left running. Stop is safe to call more than once.
func Stop() {
	mu.Lock()
	s := srv
	if s == nil || s.stopped {
		mu.Unlock()
		return
	}
	s.stopped = true
	mu.Unlock()
	s.creating.Wait()
	if s.cluster != nil {
		if err := s.cluster.stop(); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
		}
	}
}

// Main runs the tests of m, stops the cluster and exits with the tests'
// status. Call it from TestMain:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
func Main(m *testing.M) {
	code := m.Run()
	Stop()
	os.Exit(code)
}

// start finds or starts the server.
func start() (*server, error) {
	if dsn := os.Getenv(EnvDSN); dsn != "" {
		return external(dsn)
	}
	c, err := startCluster()
	if err != nil {
		return nil, err
	}
	base := "postgres://postgres@127.0.0.1:" + strconv.Itoa(c.port) + "/"
	return &server{
		admin:   base + "postgres?sslmode=disable",
		dbDSN:   func(name string) string { return base + name + "?sslmode=disable" },
		cluster: c,
	}, nil
}

// external checks the server named by dsn.
func external(dsn string) (*server, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", EnvDSN, err)
	}
	defer conn.Close(context.Background())
	if err := conn.Ping(ctx); err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", EnvDSN, err)
	}
	s := &server{admin: dsn}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return nil, fmt.Errorf("parsing %s: %w", EnvDSN, err)
		}
		s.dbDSN = func(name string) string {
			v := *u
			v.Path, v.RawPath = "/"+name, ""
			return v.String()
		}
	} else {
		// keyword=value form: a later dbname overrides an earlier one.
		s.dbDSN = func(name string) string { return dsn + " dbname=" + name }
	}
	return s, nil
}

// randomHex returns 2n random lowercase hex digits.
func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return hex.EncodeToString(b)
}

// cluster is a PostgreSQL cluster started by pgtest.
type cluster struct {
	dir      string   // temporary directory: data/, the socket, postgres.log
	pgCtl    string   // path of pg_ctl
	asUser   []string // command prefix to run as postgres, or nil
	port     int
	watchdog *exec.Cmd
	pipe     *os.File // write end of the watchdog's stdin; closing it fires the watchdog
}

// findBinaries returns the paths of initdb and pg_ctl: from PATH, else from
// the newest /usr/lib/postgresql/*/bin.
func findBinaries() (initdb, pgCtl string, err error) {
	if initdb, err := exec.LookPath("initdb"); err == nil {
		if pgCtl, err := exec.LookPath("pg_ctl"); err == nil {
			return initdb, pgCtl, nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		initdb, pgCtl := filepath.Join(d, "initdb"), filepath.Join(d, "pg_ctl")
		if isExecutable(initdb) && isExecutable(pgCtl) {
			return initdb, pgCtl, nil
		}
	}
	return "", "", errors.New("initdb and pg_ctl are neither on PATH nor in /usr/lib/postgresql/*/bin")
}

// version returns the major version in /usr/lib/postgresql/<v>/bin.
func version(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// runAs returns the command prefix that runs a program as the postgres
// system user when we are root, or nil otherwise, and that user's ids.
func runAs() (prefix []string, uid, gid int, err error) {
	if os.Geteuid() != 0 {
		return nil, -1, -1, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, 0, 0, fmt.Errorf("running as root and there is no postgres system user to run PostgreSQL: %w", err)
	}
	uid, _ = strconv.Atoi(u.Uid)
	gid, _ = strconv.Atoi(u.Gid)
	if p, err := exec.LookPath("runuser"); err == nil {
		return []string{p, "-u", "postgres", "--"}, uid, gid, nil
	}
	if p, err := exec.LookPath("su"); err == nil {
		// su takes one shell command line: the prefix marks where it starts.
		return []string{p, "postgres", "-s", "/bin/sh", "-c"}, uid, gid, nil
	}
	return nil, 0, 0, errors.New("running as root and neither runuser nor su is available to run PostgreSQL as postgres")
}

// command returns the command that runs argv, as postgres if needed.
func (c *cluster) command(argv ...string) *exec.Cmd {
	var cmd *exec.Cmd
	switch {
	case c.asUser == nil:
		cmd = exec.Command(argv[0], argv[1:]...)
	case filepath.Base(c.asUser[0]) == "su":
		cmd = exec.Command(c.asUser[0], append(c.asUser[1:], shellJoin(argv))...)
	default:
		cmd = exec.Command(c.asUser[0], append(c.asUser[1:], argv...)...)
	}
	cmd.Dir = c.dir // the postgres user may not be able to enter our working directory
	return cmd
}

// run runs argv and returns its combined output in the error.
func (c *cluster) run(argv ...string) error {
	out, err := c.command(argv...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %v\n%s", strings.Join(argv, " "), err, out)
	}
	return nil
}

// shellJoin quotes argv for /bin/sh.
func shellJoin(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}

// tempBase returns the directory to create the cluster's directory in:
// os.TempDir(), unless the postgres user could not reach it or the unix
// socket path would be too long, then /tmp.
func tempBase(asUser bool) string {
	base := os.TempDir()
	const socketName = "/pgtest-0123456789/.s.PGSQL.65535"
	if len(base)+len(socketName) > 100 || asUser && !reachable(base) {
		return "/tmp"
	}
	return base
}

// reachable reports whether every directory from / to dir may be entered
// by other users.
func reachable(dir string) bool {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return false
	}
	for {
		fi, err := os.Stat(dir)
		if err != nil || fi.Mode().Perm()&0o001 == 0 {
			return false
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return true
		}
		dir = parent
	}
}

// freePort returns a TCP port of 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	return port, l.Close()
}

// startCluster initialises and starts a throwaway cluster.
func startCluster() (_ *cluster, err error) {
	initdb, pgCtl, err := findBinaries()
	if err != nil {
		return nil, err
	}
	prefix, uid, gid, err := runAs()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(tempBase(prefix != nil), "pgtest-")
	if err != nil {
		return nil, err
	}
	c := &cluster{dir: dir, pgCtl: pgCtl, asUser: prefix}
	defer func() {
		if err != nil {
			if serr := c.stop(); serr != nil {
				err = errors.Join(err, serr)
			}
		}
	}()
	if prefix != nil {
		if err := os.Chown(dir, uid, gid); err != nil {
			return nil, err
		}
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, err
	}
	if err := c.startWatchdog(); err != nil {
		return nil, err
	}
	becomeSubreaper()

	data := filepath.Join(dir, "data")
	if err := c.run(initdb, "-D", data, "--locale=C.UTF-8", "-E", "UTF8", "-A", "trust", "-U", "postgres", "--no-sync"); err != nil {
		return nil, err
	}
	// Another process may take the free port before postgres does: retry.
	for attempt := 1; ; attempt++ {
		if c.port, err = freePort(); err != nil {
			return nil, err
		}
		conf := fmt.Sprintf(`
# pgtest: a throwaway cluster for tests, fast rather than durable.
listen_addresses = '127.0.0.1'
port = %d
unix_socket_directories = '%s'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
shared_buffers = 128MB
`, c.port, strings.ReplaceAll(dir, "'", "''"))
		// postgresql.auto.conf is read after postgresql.conf and owned by
		// postgres; appending keeps its owner.
		if err := appendFile(filepath.Join(data, "postgresql.auto.conf"), conf); err != nil {
			return nil, err
		}
		err = c.run(pgCtl, "-D", data, "-l", filepath.Join(dir, "postgres.log"), "-w", "-t", "60", "start")
		if err == nil {
			return c, nil
		}
		if attempt == 3 {
			log, _ := os.ReadFile(filepath.Join(dir, "postgres.log"))
			return nil, fmt.Errorf("starting PostgreSQL: %v\npostgres.log:\n%s", err, log)
		}
	}
}

func appendFile(name, text string) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(text); err != nil {
		return errors.Join(err, f.Close())
	}
	return f.Close()
}

// startWatchdog starts a process in its own session that waits for the
// end of its standard input, a pipe whose write end only this process holds,
// then stops the cluster and removes its directory: so a test process that
// dies without calling Stop leaves nothing behind.
func (c *cluster) startWatchdog() error {
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer r.Close()
	stop := shellJoin(c.command(c.pgCtl, "-D", filepath.Join(c.dir, "data"), "stop", "-m", "immediate").Args)
	script := "cat >/dev/null; " + stop + " >/dev/null 2>&1; rm -rf " + shellJoin([]string{c.dir})
	cmd := exec.Command("/bin/sh", "-c", script)
	cmd.Stdin = r
	cmd.SysProcAttr = watchdogAttr()
	if err := cmd.Start(); err != nil {
		return errors.Join(fmt.Errorf("starting the cluster's watchdog: %w", err), w.Close())
	}
	c.watchdog, c.pipe = cmd, w
	return nil
}

// postmasterPID returns the process id in data/postmaster.pid, if the
// cluster is running.
func postmasterPID(data string) (int, bool) {
	b, err := os.ReadFile(filepath.Join(data, "postmaster.pid"))
	if err != nil {
		return 0, false
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	return pid, err == nil && pid > 0
}

// stop stops the cluster (pg_ctl stop -m immediate), removes its directory
// and ends the watchdog.
func (c *cluster) stop() error {
	var errs []error
	if pid, ok := postmasterPID(filepath.Join(c.dir, "data")); ok {
		if err := c.run(c.pgCtl, "-D", filepath.Join(c.dir, "data"), "stop", "-m", "immediate"); err != nil {
			errs = append(errs, err)
		} else {
			reap(pid)
		}
	}
	if err := os.RemoveAll(c.dir); err != nil {
		errs = append(errs, err)
	}
	if c.watchdog != nil {
		// With the cluster gone, the watchdog's own cleanup finds nothing to do.
		if err := c.pipe.Close(); err != nil {
			errs = append(errs, err)
		}
		if err := c.watchdog.Wait(); err != nil {
			errs = append(errs, fmt.Errorf("watchdog: %w", err))
		}
		c.watchdog = nil
	}
	return errors.Join(errs...)
}
