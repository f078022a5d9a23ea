package storage_test

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"jlcredit/internal/access"
	"jlcredit/internal/credit"
	"jlcredit/internal/storage"
)

// technical is the detail the command line prints apart from a message.
type technical interface{ TechnicalDetail() string }

// openErr opens dsn and returns its error, which must be EINVALID.
func openErr(t *testing.T, dsn string, opt storage.Options) error {
	t.Helper()
	db, err := storage.Open(context.Background(), dsn, opt)
	if err == nil {
		db.Close()
		t.Fatalf("Open(%s) succeeded", dsn)
	}
	if credit.ErrorCode(err) != credit.EINVALID {
		t.Errorf("Open(%s): code %s (%v), want invalid", dsn, credit.ErrorCode(err), err)
	}
	return err
}

// noEnglish fails when msg has the driver's or the system's words in it.
func noEnglish(t *testing.T, msg string) {
	t.Helper()
	for _, w := range []string{"failed", "connect:", "dial", "cannot", "parse", "unable", "invalid", "file is not", "no such", "permission", "directory", "(14)", "(26)"} {
		if strings.Contains(msg, w) {
			t.Errorf("message %q has %q", msg, w)
		}
	}
}

// Opening a database that cannot be reached or is not one is told in
// Chinese, naming the database and the reason; the driver's words are
// the error's cause, not its message.
func TestOpenErrorsChinese(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close() // nothing listens there now
	dir := t.TempDir()
	notDB := filepath.Join(dir, "notdb.db")
	os.WriteFile(notDB, []byte("this is not a database, only text long enough to be read as a header of one\n"), 0o644)
	aFile := filepath.Join(dir, "afile")
	os.WriteFile(aFile, []byte("x"), 0o644)
	keys := storage.Options{EphemeralKeys: true}
	for _, tc := range []struct {
		name, dsn, want string
		cause           error // errors.Is(err, cause), when not nil
	}{
		{"Refused", "postgres://nobody:s3cret@127.0.0.1:" + port + "/x",
			"无法连接数据库（127.0.0.1:" + port + "，用户nobody，数据库x）：连接被拒绝，地址或端口有误，或数据库服务器未启动", syscall.ECONNREFUSED},
		{"Percent", "postgres://%zz", "数据库连接串中的“%zz”不是有效的百分号编码", nil},
		{"SSLMode", "postgres://u@127.0.0.1:" + port + "/x?sslmode=bogus", "sslmode的值“bogus”无效，应为disable、allow、prefer、require、verify-ca或verify-full", nil},
		{"Port", "postgres://u@127.0.0.1:99999/x", "数据库连接串中的端口“99999”无效，应为1至65535", nil},
		{"SQLiteDirectory", "sqlite:" + dir, "无法打开SQLite数据库文件“" + dir + "”：该路径是目录", nil},
		{"SQLiteNotADatabase", "sqlite:" + notDB, "文件“" + notDB + "”不是SQLite数据库（可能已损坏或不是本平台的数据库文件）", nil},
		{"SQLiteDirUnderFile", "sqlite:" + aFile + "/x/c.db", "无法创建数据库目录“" + aFile + "/x”：“" + aFile + "”是文件，不是目录", syscall.ENOTDIR},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := openErr(t, tc.dsn, keys)
			msg := credit.ErrorMessage(err)
			if !strings.HasPrefix(msg, tc.want) {
				t.Errorf("message %q, want it to begin with %q", msg, tc.want)
			}
			noEnglish(t, msg)
			if strings.Contains(msg, "s3cret") {
				t.Errorf("message %q shows the password", msg)
			}
			var td technical
			if errors.As(err, &td) && td.TechnicalDetail() != "" {
				t.Errorf("技术信息 %q for a cause the message names", td.TechnicalDetail())
			}
			if tc.cause != nil && !errors.Is(err, tc.cause) {
				t.Errorf("error %v does not wrap %v", err, tc.cause)
			}
		})
	}
	// A DSN Go cannot parse as a URL: neither the message nor the
	// 技术信息 shows its password (url.Error quotes the whole URL).
	for _, dsn := range []string{"postgres://u:s3cret@[bad/x", "postgres://u:s3cret@h:x/x"} {
		err := openErr(t, dsn, keys)
		var td technical
		if !errors.As(err, &td) || td.TechnicalDetail() == "" {
			t.Errorf("Open(%s): no 技术信息 for a cause the message does not name", dsn)
			continue
		}
		if msg := credit.ErrorMessage(err) + td.TechnicalDetail(); strings.Contains(msg, "s3cret") {
			t.Errorf("Open(%s): %q shows the password", dsn, msg)
		}
	}
	// A directory that cannot be created for want of permission: a
	// read-only directory (as root, who may write anywhere, /sys).
	parent := filepath.Join(dir, "ro")
	os.Mkdir(parent, 0o555)
	if os.Geteuid() == 0 {
		parent = "/sys"
	}
	if err := os.Mkdir(filepath.Join(parent, "credit-probe"), 0o755); errors.Is(err, fs.ErrPermission) {
		t.Run("MkdirPermission", func(t *testing.T) {
			d := filepath.Join(parent, "credit-probe")
			err := openErr(t, "sqlite:"+d+"/c.db", keys)
			if msg := credit.ErrorMessage(err); msg != "无法创建数据库目录“"+d+"”：没有写入权限" {
				t.Errorf("message %q", msg)
			}
		})
	} else if err == nil {
		os.Remove(filepath.Join(parent, "credit-probe"))
	}
}

// A key file that is a directory, or not JSON, or not a key file, is an
// EINVALID message naming the file, in Chinese.
func TestKeyFileErrorsChinese(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o600)
		return p
	}
	keyDir := filepath.Join(dir, "keys")
	os.Mkdir(keyDir, 0o700)
	for _, tc := range []struct{ name, path, want string }{
		{"Directory", keyDir, "无法读取密钥文件“" + keyDir + "”：该路径是目录，不是文件"},
		{"NotJSON", write("null1.key", "null1"), "密钥文件“" + filepath.Join(dir, "null1.key") + "”不是有效的JSON，应为credit migrate生成的密钥文件"},
		{"Literal", write("o.key", "o"), "密钥文件“" + filepath.Join(dir, "o.key") + "”不是有效的JSON，应为credit migrate生成的密钥文件"},
		{"WrongType", write("type.key", `{"id_key": 5}`), "密钥文件“" + filepath.Join(dir, "type.key") + "”的内容有误：字段id_key的类型不对"},
		{"Empty", write("empty.key", `{}`), "密钥文件“" + filepath.Join(dir, "empty.key") + "”无效：身份证号加密密钥（id_key）和查询哈希密钥（id_hash_key）应各为32字节"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := storage.LoadSecrets(tc.path)
			if credit.ErrorCode(err) != credit.EINVALID || !strings.HasPrefix(credit.ErrorMessage(err), tc.want) {
				t.Errorf("LoadSecrets: %s %q, want invalid %q", credit.ErrorCode(err), credit.ErrorMessage(err), tc.want)
			}
			noEnglish(t, credit.ErrorMessage(err))
			// And through Open, as every command meets it.
			err = openErr(t, "sqlite:"+filepath.Join(t.TempDir(), "c.db"), storage.Options{KeyFile: tc.path})
			if !strings.HasPrefix(credit.ErrorMessage(err), tc.want) {
				t.Errorf("Open: %q, want %q", credit.ErrorMessage(err), tc.want)
			}
		})
	}
	if os.Geteuid() != 0 { // root reads a file of mode 000
		p := write("unreadable.key", "{}")
		os.Chmod(p, 0)
		_, err := storage.LoadSecrets(p)
		if want := "无法读取密钥文件“" + p + "”：没有读取权限"; credit.ErrorMessage(err) != want {
			t.Errorf("LoadSecrets of an unreadable file: %q, want %q", credit.ErrorMessage(err), want)
		}
	}
}

// ValidText replaces each byte that is not UTF-8 by U+FFFD, as
// encoding/json does, not each run of them.
func TestValidTextPerByte(t *testing.T) {
	for in, want := range map[string]string{
		"\xff\xfe.csv":   "\uFFFD\uFFFD.csv",
		"\xed\xa0\x80部门": "\uFFFD\uFFFD\uFFFD部门", // a surrogate: three bytes, three U+FFFD
		"长春":             "长春",
		"a\xe9\x95b":     "a\uFFFD\uFFFDb", // a cut-off 3-byte sequence: json replaces each byte
	} {
		if got := storage.ValidText(in); got != want {
			t.Errorf("ValidText(%q) = %q, want %q", in, got, want)
		}
		var viaJSON string
		if b, err := json.Marshal(in); err != nil || json.Unmarshal(b, &viaJSON) != nil || viaJSON != want {
			t.Errorf("%q through encoding/json is %q (%v), ValidText gives %q", in, viaJSON, err, want)
		}
	}
}

func TestNonUTF8LedgerSQLite(t *testing.T)   { testNonUTF8Ledger(t, openSQLite) }
func TestNonUTF8LedgerPostgres(t *testing.T) { testNonUTF8Ledger(t, openPostgres) }

// A batch whose file name, a department whose name and a user whose
// display name are not UTF-8 are stored as their audit entries quote them
// (each such byte U+FFFD, as in the entry's JSON), so that the ledger still
// verifies: it found the batch's file name “�.csv” where the audit entry
// said “��.csv”.
func testNonUTF8Ledger(t *testing.T, open opener) {
	f := newFixture(t, open)
	ctx := sys()
	odd := &access.Department{Code: uscc(t, "11220300MB000003"), Name: "\xff\xfe四平市\xed\xa0\x80局", RegionCode: "220300", Kind: "market"}
	if err := f.db.UpsertDepartment(ctx, odd); err != nil {
		t.Fatalf("UpsertDepartment: %v", err)
	}
	u := &access.User{Username: "zhangsan", DisplayName: "\xff\xfe张三", Role: credit.RoleProvince}
	if _, err := f.db.CreateUser(ctx, u, ""); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	r := f.submit(t, "penalty", "\xff\xfe.csv", csvBytes(t, penaltyHeader, f.penaltyRow("长市监罚〔2026〕1号", "警告", "", "2026-11-16")))
	b, err := f.db.FindBatchByID(ctx, r.Batch)
	if err != nil {
		t.Fatal(err)
	}
	if b.Filename != "\uFFFD\uFFFD.csv" {
		t.Errorf("stored file name %q, want %q", b.Filename, "\uFFFD\uFFFD.csv")
	}
	d, err := f.db.FindDepartmentByCode(ctx, odd.Code)
	if err != nil {
		t.Fatal(err)
	}
	if want := "\uFFFD\uFFFD四平市\uFFFD\uFFFD\uFFFD局"; d.Name != want {
		t.Errorf("stored department name %q, want %q", d.Name, want)
	}
	if _, err := f.db.VerifyLedger(ctx); err != nil {
		t.Errorf("VerifyLedger: %v", err)
	}
}
