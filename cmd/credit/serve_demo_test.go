package main

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"testing"

	"jlcredit/internal/access"
)

// TestServeDemoAccount: the run command's demo province comes with a
// console account whose one-time password is printed, so that the console
// can be tried at once; a second start prints none.
func TestServeDemoAccount(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds a demo province")
	}
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "credit.db")
	var stderr bytes.Buffer
	c := &ServeCommand{Env: &Env{Stdout: &bytes.Buffer{}, Stderr: &stderr}, DSN: dsn, Addr: "127.0.0.1:0", Demo: true}
	if err := c.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`管理端演示账号：admin，一次性密码：(\S+?)（`).FindStringSubmatch(stderr.String())
	if m == nil {
		c.Close()
		t.Fatalf("no demo account printed: %s", stderr.String())
	}
	if _, _, err := c.DB.Login(context.Background(), access.LoginAttempt{Username: "admin", Password: m[1], IP: "127.0.0.1"}); err != nil {
		t.Errorf("signing in with the printed password: %v", err)
	}
	c.Close()
	stderr.Reset()
	c = &ServeCommand{Env: &Env{Stdout: &bytes.Buffer{}, Stderr: &stderr}, DSN: dsn, Addr: "127.0.0.1:0", Demo: true}
	if err := c.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if bytes.Contains(stderr.Bytes(), []byte("一次性密码")) {
		t.Errorf("a second start printed a password again: %s", stderr.String())
	}
}
