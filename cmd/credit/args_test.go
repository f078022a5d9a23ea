package main

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestStrayArguments checks that every command refuses a positional
// argument it does not take, naming it, with exit status 2 and before it
// touches the database; and that an option written after import's file
// (which Go's flag package leaves unparsed) is named as such.
func TestStrayArguments(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("CREDIT_KEY_FILE", filepath.Join(dir, "k.key"))
	dbFile := filepath.Join(dir, "c.db")
	dsn := "sqlite:" + dbFile
	file := writeFile(t, "a.csv", []byte("x\n"))
	// Commands that would run long (or, for serve, until stopped) if the
	// argument were ignored get a DSN that cannot be opened, so that the
	// test fails fast rather than hangs then.
	const noDB = "nope:x"
	for _, test := range []struct {
		name string
		args []string
		want string
	}{
		{"Migrate", []string{"migrate", "--db", dsn, "extra"}, "多余的参数“extra”：credit migrate 不接受选项以外的参数"},
		{"MigrateOptionAfter", []string{"migrate", "extra", "--db", dsn}, "写在它之后的选项“--db”因此未被识别"},
		{"Serve", []string{"serve", "--db", noDB, "--addr", "127.0.0.1:0", "extra"}, "多余的参数“extra”：credit serve"},
		{"DepartmentAdd", []string{"department", "add", "--db", dsn, "--code", "11220100MB0000019X", "--name", "某局", "--region", "220100", "oops"}, "多余的参数“oops”：credit department add"},
		{"DepartmentKey", []string{"department", "key", "--db", dsn, "--code", "X", "extra"}, "多余的参数“extra”：credit department key"},
		{"DepartmentList", []string{"department", "list", "--db", dsn, "extra"}, "多余的参数“extra”：credit department list"},
		{"UserAdd", []string{"user", "add", "--db", dsn, "--name", "admin", "--role", "province", "extra"}, "多余的参数“extra”：credit user add"},
		{"UserReset", []string{"user", "reset", "--db", dsn, "--name", "admin", "extra"}, "多余的参数“extra”：credit user reset"},
		{"UserList", []string{"user", "list", "--db", dsn, "extra"}, "多余的参数“extra”：credit user list"},
		{"BatchResume", []string{"batch", "resume", "--db", dsn, "extra"}, "多余的参数“extra”：credit batch resume"},
		{"Demo", []string{"demo", "--db", noDB, "--subjects", "1", "extra"}, "多余的参数“extra”：credit demo"},
		{"LedgerVerify", []string{"ledger", "verify", "--db", dsn, "extra"}, "多余的参数“extra”：credit ledger verify"},
		{"ListsExpire", []string{"lists", "expire", "--db", dsn, "2026-01-01"}, "多余的参数“2026-01-01”：credit lists expire"},
		{"RecordsReapply", []string{"records", "reapply-policy", "--db", dsn, "penalty"}, "多余的参数“penalty”：credit records reapply-policy"},
		{"PushRun", []string{"push", "run", "--db", noDB, "--once", "extra"}, "多余的参数“extra”：credit push run"},
		{"CalendarList", []string{"calendar", "list", "--db", dsn, "extra"}, "多余的参数“extra”：credit calendar list"},
		{"BenchIngest", []string{"bench", "ingest", "--db", noDB, "extra"}, "多余的参数“extra”：credit bench ingest"},
		{"BenchRead", []string{"bench", "read", "--db", noDB, "extra"}, "多余的参数“extra”：credit bench read"},
		{"BenchVerify", []string{"bench", "verify", "--db", noDB, "extra"}, "多余的参数“extra”：credit bench verify"},
		{"Version", []string{"version", "extra"}, "多余的参数“extra”：credit version"},
		{"ImportOptionAfterFile", []string{"import", file, "--class", "penalty"}, "参数“--class”出现在文件名之后，未被识别；请把选项写在文件名之前"},
		{"ImportSwitchAfterFile", []string{"import", "--db", dsn, "--class", "penalty", "--department", "X", file, "--backfill"}, "参数“--backfill”出现在文件名之后"},
		{"ImportTwoFiles", []string{"import", "--db", dsn, "--class", "penalty", "--department", "X", file, file}, "多余的参数“" + file + "”：credit import 只接受一个文件名"},
		{"ImportSwitchValue", []string{"import", "--db", dsn, "--class", "penalty", "--department", "X", "--backfill", "false", file}, "参数“false”未被识别：开关选项的值须用等号连接，如 --backfill=false"},
		{"ImportAfterDashes", []string{"import", "--db", dsn, "--class", "penalty", "--department", "X", "--", file, "-x"}, "多余的参数“-x”：credit import 只接受一个文件名"},
		{"CalendarLoadOptionAfterFile", []string{"calendar", "load", "--db", dsn, "--year", "2027", file, "--replace"}, "参数“--replace”出现在文件名之后"},
	} {
		t.Run(test.name, func(t *testing.T) {
			out, e, code := run(t, test.args...)
			if code != 2 || !strings.HasPrefix(e, "错误：") || !strings.Contains(e, test.want) {
				t.Errorf("%q: exit %d, stderr %q; want 2 with %q", test.args, code, e, test.want)
			}
			if out != "" {
				t.Errorf("%q: stdout %q, want nothing", test.args, out)
			}
			if _, err := os.Stat(dbFile); err == nil {
				t.Fatalf("%q created the database", test.args)
			}
		})
	}
	// Options before the file, as the usage says, still work.
	if _, e, code := run(t, "import", "--db", dsn, "--class", "nope", "--department", "X", file); code != 1 || !strings.Contains(e, "信息类“nope”不存在") {
		t.Errorf("import with its options first: exit %d, %q", code, e)
	}
}

// TestUserAddRoleFlags checks that user add refuses --department and
// --region for a role that does not use them, naming both, instead of
// creating the user without them.
func TestUserAddRoleFlags(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("CREDIT_KEY_FILE", filepath.Join(dir, "k.key"))
	dsn := "sqlite:" + filepath.Join(dir, "c.db")
	dept := validUSCC(t, "11220100MB000001")
	if _, e, code := run(t, "department", "add", "--db", dsn, "--code", dept, "--name", "长春市市场监督管理局", "--region", "220100"); code != 0 {
		t.Fatalf("department add: %d %s", code, e)
	}
	for _, test := range []struct {
		name string
		args []string
		want string
	}{
		{"ProvinceWithDepartment", []string{"--role", "province", "--department", dept}, "--department 只用于部门用户（department），省级管理员（province）不属于部门"},
		{"ProvinceWithRegion", []string{"--role", "province", "--region", "220100"}, "--region 只用于地区管理员（region），省级管理员（province）不使用此项"},
		{"RegionWithDepartment", []string{"--role", "region", "--region", "220100", "--department", dept}, "--department 只用于部门用户（department），地区管理员（region）不属于部门"},
		{"DepartmentWithRegion", []string{"--role", "department", "--department", dept, "--region", "220100"}, "--region 只用于地区管理员（region），部门用户（department）的行政区划取自所属部门"},
		{"BankWithRegion", []string{"--role", "bank", "--region", "220100"}, "金融机构用户（bank）不使用此项"},
		{"AuditorWithEmptyDepartment", []string{"--role", "auditor", "--department", ""}, "审计员（auditor）不属于部门"},
	} {
		t.Run(test.name, func(t *testing.T) {
			args := append([]string{"user", "add", "--db", dsn, "--name", "u-" + strings.ToLower(test.name)}, test.args...)
			out, e, code := run(t, args...)
			if code != 1 || !strings.HasPrefix(e, "错误：") || !strings.Contains(e, test.want) {
				t.Errorf("%q: exit %d, stderr %q; want 1 with %q", test.args, code, e, test.want)
			}
			if out != "" {
				t.Errorf("%q: stdout %q, want no password", test.args, out)
			}
		})
	}
	if out, e, code := run(t, "user", "list", "--db", dsn); code != 0 || out != "" {
		t.Errorf("user list after refusals: exit %d, %q %q; want no users", code, out, e)
	}
	// Each role with what it does use.
	for _, args := range [][]string{
		{"--name", "prov", "--role", "province"},
		{"--name", "changchun", "--role", "region", "--region", "220100"},
		{"--name", "op1", "--role", "department", "--department", dept},
	} {
		if _, e, code := run(t, append([]string{"user", "add", "--db", dsn}, args...)...); code != 0 {
			t.Errorf("user add %q: exit %d, %s", args, code, e)
		}
	}
}

// TestServeTrustedProxies checks --trusted-proxies and
// CREDIT_TRUSTED_PROXIES end to end: a bad network stops serve before it
// opens the database; the flag wins over the variable; from a trusted
// proxy the sign-in limit counts the client X-Forwarded-For names, and
// from any other peer it ignores that header.
func TestServeTrustedProxies(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("CREDIT_KEY_FILE", filepath.Join(dir, "k.key"))
	dbFile := filepath.Join(dir, "c.db")
	dsn := "sqlite:" + dbFile

	t.Run("ErrBadFlag", func(t *testing.T) {
		t.Setenv(TrustedProxiesEnv, "10.0.0.0/8")
		_, e, code := run(t, "serve", "--db", dsn, "--addr", "127.0.0.1:0", "--trusted-proxies", "10.0.0.0/8, 10.0.0.0/33")
		if want := "错误：--trusted-proxies 中的网段“10.0.0.0/33”无效"; code != 1 || !strings.Contains(e, want) || !strings.Contains(e, "平台未启动") {
			t.Errorf("exit %d, stderr %q; want 1 with %q", code, e, want)
		}
		if _, err := os.Stat(dbFile); err == nil {
			t.Errorf("serve opened the database")
		}
	})
	t.Run("ErrBadEnv", func(t *testing.T) {
		t.Setenv(TrustedProxiesEnv, "127.0.0.1/32,nope")
		_, e, code := run(t, "serve", "--db", dsn, "--addr", "127.0.0.1:0")
		if want := "错误：环境变量 CREDIT_TRUSTED_PROXIES 中的网段“nope”无效"; code != 1 || !strings.Contains(e, want) {
			t.Errorf("exit %d, stderr %q; want 1 with %q", code, e, want)
		}
	})

	// serve starts the server with args and returns a function that makes
	// a failed sign-in with X-Forwarded-For xff ("" for none) and returns
	// its status.
	serve := func(t *testing.T, args ...string) (post func(xff string) int) {
		t.Helper()
		ctx, cancel := context.WithCancel(context.Background())
		var stdout, stderr lockedBuffer
		done := make(chan int, 1)
		go func() {
			done <- Run(ctx, append([]string{"serve", "--db", dsn, "--addr", "127.0.0.1:0"}, args...), strings.NewReader(""), &stdout, &stderr)
		}()
		t.Cleanup(func() {
			cancel()
			if code := <-done; code != 0 {
				t.Errorf("serve exited %d: %s", code, stderr.String())
			}
		})
		started := regexp.MustCompile(`已启动：(http://\S+)`)
		var base string
		for deadline := time.Now().Add(time.Minute); base == ""; time.Sleep(20 * time.Millisecond) {
			if m := started.FindStringSubmatch(stdout.String()); m != nil {
				base = m[1]
			} else if time.Now().After(deadline) {
				t.Fatalf("serve did not start: %s", stderr.String())
			}
			select {
			case code := <-done:
				done <- code // for the cleanup
				t.Fatalf("serve exited %d: %s", code, stderr.String())
			default:
			}
		}
		return func(xff string) int {
			t.Helper()
			req, err := http.NewRequest(http.MethodPost, base+"/login", strings.NewReader(url.Values{"username": {"nobody-at-all"}}.Encode()))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if xff != "" {
				req.Header.Set("X-Forwarded-For", xff)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
	}
	// trusted checks that 20 failures from one forwarded client throttle
	// that client only.
	trusted := func(t *testing.T, post func(string) int, client, other string) {
		t.Helper()
		for i := range 20 {
			if code := post("203.0.113.99, " + client); code != http.StatusUnauthorized {
				t.Fatalf("failed sign-in %d of %s: %d, want 401", i+1, client, code)
			}
		}
		if code := post(client); code != http.StatusTooManyRequests {
			t.Errorf("sign-in of %s after 20 failures: %d, want 429", client, code)
		}
		if code := post(other); code != http.StatusUnauthorized {
			t.Errorf("sign-in of another client %s behind the same proxy: %d, want 401", other, code)
		}
		if code := post(""); code != http.StatusUnauthorized {
			t.Errorf("sign-in of the proxy itself: %d, want 401", code)
		}
	}

	t.Run("FlagWins", func(t *testing.T) {
		t.Setenv(TrustedProxiesEnv, "nope")
		trusted(t, serve(t, "--trusted-proxies", "127.0.0.1/32"), "198.51.100.1", "198.51.100.2")
	})
	t.Run("Env", func(t *testing.T) {
		t.Setenv(TrustedProxiesEnv, "10.0.0.0/8, 127.0.0.0/8")
		trusted(t, serve(t), "198.51.100.3", "198.51.100.4")
	})
	t.Run("UntrustedPeer", func(t *testing.T) {
		t.Setenv(TrustedProxiesEnv, "")
		post := serve(t, "--trusted-proxies", "10.0.0.0/8")
		for i := range 20 {
			if code := post("198.51.100." + string(rune('0'+i%10))); code != http.StatusUnauthorized {
				t.Fatalf("failed sign-in %d: %d, want 401", i+1, code)
			}
		}
		if code := post("198.51.100.200"); code != http.StatusTooManyRequests {
			t.Errorf("sign-in naming a new X-Forwarded-For from an untrusted peer: %d, want 429", code)
		}
	})
}

// Usage errors and -h speak Chinese (the flag package says "flag provided
// but not defined" and "Usage of"), and -h exits 0.
func TestFlagMessagesChinese(t *testing.T) {
	for _, test := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"migrate", "--foo"}, 2, "未知的参数“--foo”"},
		{[]string{"bench", "ingest", "--records", "abc"}, 2, "参数“--records”的值“abc”无效，应为整数"},
		{[]string{"migrate", "--db"}, 2, "参数“--db”缺少值"},
		{[]string{"import", "-h"}, 0, "用法：credit import [选项] 文件名"},
	} {
		_, e, code := run(t, test.args...)
		if code != test.code || !strings.Contains(e, test.want) || strings.Contains(e, "Usage of") || strings.Contains(e, "flag provided") || strings.Contains(e, "(default") {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q, in Chinese", test.args, code, e, test.code, test.want)
		}
	}
}

// A command group's -h is help (exit 0) and an unknown subcommand is a
// usage error (exit 2), for every group alike.
func TestGroupHelp(t *testing.T) {
	for _, group := range []string{"department", "calendar"} {
		if _, e, code := run(t, group, "-h"); code != 0 || !strings.Contains(e, "用法") {
			t.Errorf("%s -h: exit %d, %q; want 0 with the usage", group, code, e)
		}
		if _, e, code := run(t, group, "foo"); code != 2 || !strings.Contains(e, "未知的子命令") {
			t.Errorf("%s foo: exit %d, %q; want 2 naming the unknown subcommand", group, code, e)
		}
	}
}
