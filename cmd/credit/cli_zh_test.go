package main

import (
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
)

// allowedWords are the ASCII words a Chinese message may contain: the
// names of the databases and of the values the user types.
var allowedWords = map[string]bool{"sqlite": true, "postgres": true, "true": true, "false": true, "http": true, "https": true,
	"SQLite": true, "PostgreSQL": true,
	// subcommands, which a message names as the user types them
	"resume": true, "expire": true, "verify": true, "ingest": true, "read": true, "list": true, "reset": true, "load": true, "reapply-policy": true}

// rejectedCSV is a penalty file with every column and one row that is
// rejected: a batch that imports, with an error file to write.
const rejectedCSV = "CF_XDR_MC,CF_XDR_LB,CF_XDR_SHXYM,CF_FRDB,CF_WSH,CF_WFXW,CF_SY,CF_YJ,CF_CFLB,CF_NR,CF_NR_FK,CF_JDRQ,CF_YXQ,CF_CFJG,CF_CFJGDM,CF_SJLY,CF_SJLYDM\n" +
	"测试公司,法人及非法人组织,91220101MA0000000X,张三,文号1,违法,事实,依据,罚款,内容,abc,2026-13-01,2027-01-01,机关,11220000002224657C,来源,11220000002224657C\n"

// asciiToken is a run of what an ASCII word, code, path, URL or option
// consists of.
var asciiToken = regexp.MustCompile(`[A-Za-z0-9_./:%@?=&+\-\[\]]+`)

// englishWords returns the ASCII words of 4 or more letters in the
// messages of out (its lines before a usage, 用法…, which lists options
// and their machine values) that a Chinese message must not contain:
// quoted input (“…”), options (--x), paths and URLs (with / . or :), codes
// (with digits or _, or in capitals: CIDR, JSON) and command lines (after
// “credit ”) are left out.
func englishWords(out string) []string {
	var bad []string
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "用法") {
			break
		}
		line = regexp.MustCompile(`“[^”]*”`).ReplaceAllString(line, "")
		line = regexp.MustCompile(`credit [a-z]+( [a-z]+)?`).ReplaceAllString(line, "")
		for _, tok := range asciiToken.FindAllString(line, -1) {
			if strings.HasPrefix(tok, "-") || strings.HasPrefix(tok, "[-") || strings.ContainsAny(tok, "/.:0123456789%@_") || tok == strings.ToUpper(tok) || allowedWords[tok] {
				continue
			}
			letters := 0
			for _, r := range tok {
				if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
					letters++
				}
			}
			if letters >= 4 {
				bad = append(bad, tok)
			}
		}
	}
	return bad
}

func TestEnglishWords(t *testing.T) {
	if got := englishWords("错误：无法连接数据库：failed to connect to `user=nobody`"); len(got) != 3 {
		t.Errorf("englishWords found %q, want failed, connect, user=nobody", got)
	}
	if got := englishWords("错误：文件“/x/nope file.csv”不存在；请用 --code 指定，credit migrate 生成的JSON，B20261128000748-3cfc8bbebd68"); len(got) != 0 {
		t.Errorf("englishWords found %q in a Chinese message", got)
	}
}

// freePort returns a TCP port of 127.0.0.1 that nothing listens on.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

// Every message the command line shows for a mistake of its user is
// Chinese and names what was wrong and what is expected; the system's and
// the driver's words appear, if at all, only on a line of their own
// (技术信息), and never for the mistakes below (QA review, /tmp/qa-zh/cli).
func TestCLIMessagesChinese(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("CREDIT_KEY_FILE", "")
	t.Setenv("CREDIT_DB", "")
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	sub := filepath.Join(dir, "dirx")
	os.Mkdir(sub, 0o755)
	notDB := write("notdb.db", "this is not a database, only some text that is long enough to be read as a header\n")
	aFile := write("afile", "x")
	badKey := write("bad.key", "null1")
	csvFile := write("bad.csv", rejectedCSV)

	// A SQLite database with a department, for the commands that import.
	dsn := "sqlite:" + filepath.Join(dir, "db", "c.db")
	dept := validUSCC(t, "11220100MB000001")
	if _, e, code := run(t, "department", "add", "--db", dsn, "--code", dept, "--name", "长春市市场监督管理局", "--region", "220100"); code != 0 {
		t.Fatalf("department add: %d %s", code, e)
	}
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	port := strconv.Itoa(freePort(t))
	// The ASCII words of the user's input that a message names: a user
	// name, the values an option takes.
	input := map[string][]string{
		"PostgresRefused": {"nobody"},
		"DSNSSLMode":      {"sslmode", "disable", "allow", "prefer", "require", "verify-ca", "verify-full"},
	}

	for _, test := range []struct {
		name string
		args []string
		env  map[string]string
		code int
		want []string // in stderr
		// notWant must not be in stderr (besides English words).
		notWant []string
	}{
		// 1. PostgreSQL refuses the connection: where, as whom, and why,
		// without the password and without the driver's words.
		{"PostgresRefused", []string{"migrate", "--db", "postgres://nobody:s3cret@127.0.0.1:" + port + "/x"}, nil, 1,
			[]string{"错误：无法连接数据库（127.0.0.1:" + port + "，用户nobody，数据库x）：连接被拒绝，地址或端口有误，或数据库服务器未启动"}, []string{"s3cret", "技术信息"}},
		// 2. SQLite: a directory, a file that is not a database, a
		// directory that cannot be created.
		{"SQLiteDirectory", []string{"migrate", "--db", "sqlite:" + sub}, nil, 1, []string{"无法打开SQLite数据库文件“" + sub + "”：该路径是目录"}, nil},
		{"SQLiteNotADatabase", []string{"migrate", "--db", "sqlite:" + notDB}, nil, 1, []string{"文件“" + notDB + "”不是SQLite数据库（可能已损坏或不是本平台的数据库文件）"}, nil},
		{"SQLiteDirUnderFile", []string{"migrate", "--db", "sqlite:" + aFile + "/x/c.db"}, nil, 1, []string{"无法创建数据库目录“" + aFile + "/x”：“" + aFile + "”是文件，不是目录"}, nil},
		// 3. DSNs pgx cannot parse.
		{"DSNPercent", []string{"migrate", "--db", "postgres://%zz"}, nil, 1, []string{"连接串中的“%zz”不是有效的百分号编码"}, nil},
		{"DSNSSLMode", []string{"migrate", "--db", "postgres://u@127.0.0.1:" + port + "/x?sslmode=bogus"}, nil, 1,
			[]string{"sslmode的值“bogus”无效，应为disable、allow、prefer、require、verify-ca或verify-full"}, nil},
		// 4. The key file is a directory, or not JSON.
		{"KeyFileDirectory", []string{"migrate", "--db", "sqlite:" + filepath.Join(dir, "k1", "c.db")}, map[string]string{"CREDIT_KEY_FILE": sub}, 1,
			[]string{"密钥文件“" + sub + "”", "该路径是目录"}, nil},
		{"KeyFileNotJSON", []string{"migrate", "--db", "sqlite:" + filepath.Join(dir, "k2", "c.db")}, map[string]string{"CREDIT_KEY_FILE": badKey}, 1,
			[]string{"密钥文件“" + badKey + "”不是有效的JSON，应为credit migrate生成的密钥文件"}, nil},
		// 5. Files: the import file, the error file, the calendar file.
		{"ErrorsFileNoDirectory", []string{"import", "--db", dsn, "--class", "penalty", "--department", dept, "--errors", "/nonexistent/x.csv", csvFile}, nil, 1,
			[]string{"无法创建错误文件“/nonexistent/x.csv”：目录“/nonexistent”不存在（未导入任何数据）"}, nil},
		{"ErrorsFileDirectory", []string{"import", "--db", dsn, "--class", "penalty", "--department", dept, "--errors", sub, csvFile}, nil, 1,
			[]string{"无法创建错误文件“" + sub + "”：该路径是目录，不是文件（未导入任何数据）"}, nil},
		{"ImportDirectory", []string{"import", "--db", dsn, "--class", "penalty", "--department", dept, sub}, nil, 1, []string{"“" + sub + "”是目录，不是文件"}, nil},
		{"ImportMissing", []string{"import", "--db", dsn, "--class", "penalty", "--department", dept, filepath.Join(dir, "nosuch.csv")}, nil, 1,
			[]string{"文件“" + filepath.Join(dir, "nosuch.csv") + "”不存在"}, nil},
		{"CalendarMissing", []string{"calendar", "load", "--db", dsn, "--year", "2027", filepath.Join(dir, "nosuch.csv")}, nil, 1,
			[]string{"文件“" + filepath.Join(dir, "nosuch.csv") + "”不存在"}, nil},
		{"CalendarDirectory", []string{"calendar", "load", "--db", dsn, "--year", "2027", sub}, nil, 1, []string{"“" + sub + "”是目录，不是文件"}, nil},
		// 6. calendar load without a file, and -h: the Chinese usage, once.
		{"CalendarNoFile", []string{"calendar", "load", "--db", dsn}, nil, 2, []string{"用法：credit calendar load [选项] 文件名", "--year 数字"}, []string{"(default", "-db string"}},
		{"CalendarHelp", []string{"calendar", "load", "-h"}, nil, 0, []string{"用法：credit calendar load [选项] 文件名", "holiday 为放假日"}, []string{"用法:"}},
		// 7. A value a flag does not take.
		{"BoolFlag", []string{"import", "--backfill=maybe", csvFile}, nil, 2, []string{"参数“--backfill”的值“maybe”无效，应为true或false"}, nil},
		{"IntFlag", []string{"bench", "ingest", "--records", "abc"}, nil, 2, []string{"参数“--records”的值“abc”无效，应为整数"}, nil},
		{"UintFlag", []string{"demo", "--seed=-1"}, nil, 2, []string{"参数“--seed”的值“-1”无效，应为非负整数"}, nil},
		{"DurationFlag", []string{"push", "run", "-interval", "5x"}, nil, 2, []string{"参数“-interval”的值“5x”无效，应为时长"}, nil},
		{"IntOutOfRange", []string{"bench", "read", "--records=99999999999999999999"}, nil, 2, []string{"参数“--records”的值“99999999999999999999”无效，超出了整数的范围"}, nil},
		// 8. serve's address.
		{"ServePortInUse", []string{"serve", "--db", dsn, "--addr", busy.Addr().String()}, nil, 1, []string{"端口已被占用（可能已有平台在运行）：" + busy.Addr().String()}, nil},
		{"ServeBadAddr", []string{"serve", "--db", dsn, "--addr", "bad"}, nil, 1, []string{"监听地址“bad”无效，应为“主机:端口”，如127.0.0.1:8080"}, nil},
		{"ServeBadPort", []string{"serve", "--db", dsn, "--addr", "127.0.0.1:99999"}, nil, 1, []string{"端口99999无效，应为1至65535"}, nil},
		// 9. A configuration error is its message, not Go's rendering of it.
		{"WebhookNetworks", []string{"push", "run", "--once", "--db", dsn}, map[string]string{lists.WebhookNetworksEnv: "junk"}, 1,
			[]string{"错误：推送网段配置错误"}, []string{"详情", "credit error", "code="}},
		// 10. Numeric options of demo and bench, checked before anything runs.
		{"BenchReadSubjects", []string{"bench", "read", "--db", dsn, "--subjects", "0"}, nil, 1, []string{"--subjects 应在1至887503681之间"}, nil},
		{"DemoSubjects", []string{"demo", "--db", dsn, "--subjects", "999999999999"}, nil, 1, []string{"--subjects 应在1至887503681之间"}, nil},
		{"DemoRecords", []string{"demo", "--db", dsn, "--records", "-1"}, nil, 1, []string{"--records 不能为负数"}, nil},
		{"BenchReadQueries", []string{"bench", "read", "--db", dsn, "--queries", "-1"}, nil, 1, []string{"--queries 至少为1"}, nil},
		{"BenchReadConcurrency", []string{"bench", "read", "--db", dsn, "--concurrency", "0"}, nil, 1, []string{"--concurrency 至少为1"}, nil},
		{"BenchIngestSubjects", []string{"bench", "ingest", "--db", dsn, "--subjects", "-5"}, nil, 1, []string{"--subjects 应在1至887503681之间"}, nil},
		{"BenchVerifyBatches", []string{"bench", "verify", "--db", dsn, "--subjects", "10", "--entries", "5", "--batches", "0"}, nil, 1, []string{"--batches 至少为1"}, nil},
		{"BenchVerifyConcurrency", []string{"bench", "verify", "--db", dsn, "--subjects", "10", "--entries", "5", "--concurrency", "0"}, nil, 1, []string{"--concurrency 至少为1"}, nil},
		{"BenchVerifyRequests", []string{"bench", "verify", "--db", dsn, "--subjects", "10", "--entries", "5", "--requests", "0"}, nil, 1, []string{"--requests 至少为1"}, nil},
		{"BenchVerifyEntries", []string{"bench", "verify", "--db", dsn, "--subjects", "10", "--entries", "0"}, nil, 1, []string{"--entries 至少为1"}, nil},
		{"BenchVerifyRate", []string{"bench", "verify", "--db", dsn, "--subjects", "10", "--entries", "5", "--rate", "0"}, nil, 1, []string{"--rate 应为大于0的数"}, nil},
		// 11. --url.
		{"BenchVerifyURL", []string{"bench", "verify", "--db", dsn, "--subjects", "10", "--entries", "5", "--url", "foo://bar"}, nil, 1,
			[]string{"--url 应以 http:// 或 https:// 开头"}, nil},
		// 12. A missing --code or --name; batch -h.
		{"DepartmentKeyNoCode", []string{"department", "key", "--db", dsn}, nil, 1, []string{"请用 --code 指定部门的统一社会信用代码"}, []string{"部门“”"}},
		{"UserResetNoName", []string{"user", "reset", "--db", dsn}, nil, 1, []string{"请用 --name 指定用户名"}, []string{"用户“”"}},
		{"BatchHelp", []string{"batch", "-h"}, nil, 0, []string{"用法：credit batch resume [选项]", "--db 文本"}, nil},
		{"PushHelp", []string{"push", "-h"}, nil, 0, []string{"用法：credit push run [选项]", "--interval 时长"}, nil},
		{"ListsHelp", []string{"lists", "-h"}, nil, 0, []string{"用法：credit lists expire [选项]"}, nil},
		{"RecordsHelp", []string{"records", "-h"}, nil, 0, []string{"用法：credit records reapply-policy [选项]", "--dry-run"}, nil},
		{"RecordsUnknown", []string{"records", "foo"}, nil, 2, []string{"未知的子命令“records foo”：应为 reapply-policy"}, nil},
		{"LedgerHelp", []string{"ledger", "-h"}, nil, 0, []string{"credit ledger verify"}, nil},
		{"BenchHelp", []string{"bench", "-h"}, nil, 0, []string{"credit bench ingest"}, nil},
		{"UserHelp", []string{"user", "-h"}, nil, 0, []string{"credit user add"}, nil},
		{"BatchUnknown", []string{"batch", "foo"}, nil, 2, []string{"未知的子命令“batch foo”：应为 resume"}, nil},
	} {
		t.Run(test.name, func(t *testing.T) {
			for k, v := range test.env {
				t.Setenv(k, v)
			}
			if _, ok := test.env[lists.WebhookNetworksEnv]; ok {
				restore := lists.ResetWebhookNetworks()
				defer func() { lists.ResetWebhookNetworks(); restore() }()
			}
			_, e, code := run(t, test.args...)
			if code != test.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, test.code, e)
			}
			for _, w := range test.want {
				if !strings.Contains(e, w) {
					t.Errorf("stderr does not say %q:\n%s", w, e)
				}
			}
			for _, w := range test.notWant {
				if strings.Contains(e, w) {
					t.Errorf("stderr says %q:\n%s", w, e)
				}
			}
			for _, w := range englishWords(withoutLogs(e)) {
				if !slices.Contains(input[test.name], w) {
					t.Errorf("stderr has English %q:\n%s", w, e)
				}
			}
			if strings.Contains(e, "goroutine ") || strings.Count(e, "用法") > 1 {
				t.Errorf("stderr has a stack trace or two usages:\n%s", e)
			}
		})
	}
}

// withoutLogs drops the log lines (time=… level=…) of a command's stderr:
// structured logs for the operator's tools, not messages.
func withoutLogs(s string) string {
	var keep []string
	for _, line := range strings.Split(s, "\n") {
		if !strings.HasPrefix(line, "time=") {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n")
}

// The file errors of every command, from the system's errors: each in
// Chinese, naming the file and what is wrong with it.
func TestFileErrorChinese(t *testing.T) {
	dir := t.TempDir()
	aFile := filepath.Join(dir, "afile")
	os.WriteFile(aFile, []byte("x"), 0o644)
	pathErr := func(op, path string, errno syscall.Errno) error { return &fs.PathError{Op: op, Path: path, Err: errno} }
	for _, test := range []struct {
		err   error
		path  string
		write bool
		op    string
		want  string
	}{
		{pathErr("open", "x.csv", syscall.ENOENT), "x.csv", false, "读取文件", "文件“x.csv”不存在"},
		{pathErr("open", "/nonexistent/x.csv", syscall.ENOENT), "/nonexistent/x.csv", true, "创建错误文件", "无法创建错误文件“/nonexistent/x.csv”：目录“/nonexistent”不存在"},
		{pathErr("open", "u.csv", syscall.EACCES), "u.csv", false, "读取文件", "无法读取文件“u.csv”：没有读取权限"},
		{pathErr("open", "u.csv", syscall.EACCES), "u.csv", true, "创建错误文件", "无法创建错误文件“u.csv”：没有写入权限"},
		{pathErr("read", "dirx", syscall.EISDIR), "dirx", false, "读取文件", "“dirx”是目录，不是文件"},
		{pathErr("write", "/dev/full", syscall.ENOSPC), "/dev/full", true, "写入错误文件", "无法写入错误文件“/dev/full”：磁盘空间不足"},
		// As ingest.WriteErrorsCSV returns it.
		{errors.Join(errors.New("ingest.WriteErrorsCSV"), pathErr("write", "/dev/full", syscall.ENOSPC)), "/dev/full", true, "写入错误文件", "无法写入错误文件“/dev/full”：磁盘空间不足"},
		{pathErr("open", aFile+"/x.csv", syscall.ENOTDIR), aFile + "/x.csv", false, "读取文件", "无法读取文件“" + aFile + "/x.csv”：“" + aFile + "”是文件，不是目录"},
		{pathErr("open", "r.csv", syscall.EROFS), "r.csv", true, "创建错误文件", "无法创建错误文件“r.csv”：文件系统为只读"},
	} {
		err := fileError(test.err, test.path, test.write, test.op)
		if got := credit.ErrorMessage(err); got != test.want || credit.ErrorCode(err) != credit.EINVALID {
			t.Errorf("fileError(%v) = %q (%s), want %q", test.err, got, credit.ErrorCode(err), test.want)
		}
		if d := technicalDetail(err); d != "" {
			t.Errorf("fileError(%v) has 技术信息 %q; its message says it all", test.err, d)
		}
		if !errors.Is(err, test.err) {
			t.Errorf("fileError(%v) does not wrap the error", test.err)
		}
	}
	// A cause it does not know: named apart, as 技术信息.
	err := fileError(pathErr("open", "x.csv", syscall.EIO), "x.csv", false, "读取文件")
	if credit.ErrorMessage(err) != "无法读取文件“x.csv”" || !strings.Contains(technicalDetail(err), "input/output error") {
		t.Errorf("fileError(EIO) = %q, 技术信息 %q", credit.ErrorMessage(err), technicalDetail(err))
	}
}

// An unreadable import file (not as root, who reads anything).
func TestImportUnreadableChinese(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads a file of mode 000")
	}
	p := filepath.Join(t.TempDir(), "unread.csv")
	os.WriteFile(p, []byte("x"), 0o000)
	_, e, code := run(t, "import", "--db", "sqlite:"+filepath.Join(t.TempDir(), "c.db"), "--class", "penalty", "--department", "X", p)
	if code != 1 || !strings.Contains(e, "无法读取文件“"+p+"”：没有读取权限") {
		t.Errorf("import of an unreadable file: exit %d, %q", code, e)
	}
}

// The error file on a full disk (/dev/full): the batch is imported, and
// the message says the disk is full, in Chinese.
func TestImportErrorsFileDiskFull(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "c.db")
	dept := validUSCC(t, "11220100MB000001")
	if _, e, code := run(t, "department", "add", "--db", dsn, "--code", dept, "--name", "长春市市场监督管理局", "--region", "220100"); code != 0 {
		t.Fatalf("department add: %d %s", code, e)
	}
	file := filepath.Join(dir, "bad.csv")
	os.WriteFile(file, []byte(rejectedCSV), 0o644)
	for _, out := range []string{"/dev/full", filepath.Join(dir, "full.xlsx")} {
		if out != "/dev/full" {
			if err := os.Symlink("/dev/full", out); err != nil {
				t.Fatal(err)
			}
		}
		_, e, code := run(t, "import", "--db", dsn, "--class", "penalty", "--department", dept, "--errors", out, file)
		if code != 0 || !strings.Contains(e, "无法写入错误文件“"+out+"”：磁盘空间不足") {
			t.Errorf("import --errors %s: exit %d, %q", out, code, e)
		}
		if bad := englishWords(withoutLogs(e)); len(bad) > 0 {
			t.Errorf("import --errors %s: English %q in %q", out, bad, e)
		}
	}
}

// A file whose name is not UTF-8 is imported, and the ledger still
// verifies: the batch's file name and its audit entry agree (QA 13).
func TestImportNonUTF8FilenameLedger(t *testing.T) {
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "c.db")
	dept := validUSCC(t, "11220100MB000001")
	if _, e, code := run(t, "department", "add", "--db", dsn, "--code", dept, "--name", "\xff\xfe部门", "--region", "220100"); code != 0 {
		t.Fatalf("department add: %d %s", code, e)
	}
	// Again, the same name: nothing changed.
	if out, e, code := run(t, "department", "add", "--db", dsn, "--code", dept, "--name", "\xff\xfe部门", "--region", "220100"); code != 0 || !strings.Contains(out, "信息未变") {
		t.Errorf("department add again with the same name: %d %q %q", code, out, e)
	}
	if _, e, code := run(t, "user", "add", "--db", dsn, "--name", "zhangsan", "--role", "province", "--display", "\xff\xfe"); code != 0 {
		t.Fatalf("user add: %d %s", code, e)
	}
	file := filepath.Join(dir, "\xff\xfe.csv")
	os.WriteFile(file, []byte(rejectedCSV), 0o644)
	if _, e, code := run(t, "import", "--db", dsn, "--class", "penalty", "--department", dept, file); code != 0 {
		t.Fatalf("import: %d %s", code, e)
	}
	if _, e, code := run(t, "ledger", "verify", "--db", dsn); code != 0 {
		t.Errorf("ledger verify after a non-UTF-8 file name: exit %d, %s", code, e)
	}
}

// An import that fails removes the error file it created, and only that:
// not a file that was there, nor a device (as root, it removed /dev/full).
func TestImportFailureKeepsExistingErrorsFile(t *testing.T) {
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "c.db")
	dept := validUSCC(t, "11220100MB000001")
	if _, e, code := run(t, "department", "add", "--db", dsn, "--code", dept, "--name", "长春市市场监督管理局", "--region", "220100"); code != 0 {
		t.Fatalf("department add: %d %s", code, e)
	}
	file := filepath.Join(dir, "columns.csv")
	os.WriteFile(file, []byte("CF_XDR_MC,CF_XDR_LB\n测试公司,法人及非法人组织\n"), 0o644) // columns missing: the import fails
	existing := filepath.Join(dir, "existing.csv")
	os.WriteFile(existing, []byte("x"), 0o644)
	created := filepath.Join(dir, "created.csv")
	for _, out := range []string{existing, created} {
		if _, e, code := run(t, "import", "--db", dsn, "--class", "penalty", "--department", dept, "--errors", out, file); code != 1 {
			t.Fatalf("import of a file without the columns: exit %d, %s", code, e)
		}
	}
	if _, err := os.Stat(existing); err != nil {
		t.Errorf("the error file that was there before the failed import: %v", err)
	}
	if _, err := os.Stat(created); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the error file the failed import created: %v, want it removed", err)
	}
}
