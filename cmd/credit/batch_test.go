package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"jlcredit/internal/credit"
	"jlcredit/internal/record"
)

// interruptImport stores a 6,000-row penalty batch and stops its
// processing after the first chunk of rows, as an import stopped with
// Ctrl-C does; it returns the batch.
func interruptImport(t *testing.T, env *Env, dsn, dept, company, prefix string) credit.BatchID {
	t.Helper()
	var b strings.Builder
	b.WriteString("CF_XDR_MC,CF_XDR_LB,CF_XDR_SHXYM,CF_FRDB,CF_WSH,CF_WFXW,CF_SY,CF_YJ,CF_CFLB,CF_NR,CF_JDRQ,CF_YXQ,CF_CFJG,CF_CFJGDM,CF_SJLY,CF_SJLYDM\n")
	today := credit.DateOf(time.Now()).Format(credit.DateLayout) // decided today: not late
	for i := range 6000 {
		fmt.Fprintf(&b, "长春北辰汽车零部件有限公司,法人及非法人组织,%s,王建国,长市监罚〔2026〕%s%d号,虚假宣传,发布虚假广告。,《广告法》第五十五条,警告,警告,%s,2099-12-31,长春市市场监督管理局,%s,长春市市场监督管理局,%s\n",
			company, prefix, i, today, dept, dept)
	}
	ctx, cancel := context.WithCancel(systemContext(context.Background()))
	defer cancel()
	db, err := env.openDB(ctx, dsn, openMigrate)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r, err := db.Submit(ctx, record.Submission{Class: "penalty", DepartmentCode: dept, Filename: "中断.csv", Channel: "cli",
		Body: strings.NewReader(b.String()), Progress: func(int) { cancel() }})
	if credit.ErrorCode(err) != credit.EUNAVAILABLE || r == nil || r.Total != 5000 {
		t.Fatalf("interrupted import: %+v, %v; want the first 5,000 rows and EUNAVAILABLE", r, err)
	}
	return r.Batch
}

func batchStatus(t *testing.T, env *Env, dsn string, id credit.BatchID) (string, record.Receipt) {
	t.Helper()
	ctx := systemContext(context.Background())
	db, err := env.openDB(ctx, dsn, openExisting)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	b, err := db.FindBatchByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return b.Status, b.Receipt
}

// TestResumeInterruptedImport: a batch whose import was stopped half way
// is finished by `credit batch resume`, and another by a starting server,
// each with all its rows and nothing twice.
func TestResumeInterruptedImport(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("CREDIT_KEY_FILE", filepath.Join(dir, "k.key"))
	dsn := "sqlite:" + filepath.Join(dir, "c.db")
	dept := validUSCC(t, "11220100MB000001")
	company := validUSCC(t, "91220101MA0Y1234")
	if _, e, code := run(t, "department", "add", "--db", dsn, "--code", dept, "--name", "长春市市场监督管理局", "--region", "220100", "--kind", "market"); code != 0 {
		t.Fatalf("department add: %d %s", code, e)
	}
	env := &Env{Stdout: io.Discard, Stderr: io.Discard}
	want := func(id credit.BatchID) record.Receipt {
		return record.Receipt{Batch: id, Total: 6000, Accepted: 6000}
	}

	first := interruptImport(t, env, dsn, dept, company, "A")
	if status, _ := batchStatus(t, env, dsn, first); status != "processing" {
		t.Fatalf("interrupted batch: status %q, want processing", status)
	}
	out, e, code := run(t, "batch", "resume", "--db", dsn)
	if code != 0 || !strings.Contains(out, "完成了1个") {
		t.Fatalf("batch resume: exit %d, %q %q", code, out, e)
	}
	if status, r := batchStatus(t, env, dsn, first); status != "done" || r != want(first) {
		t.Errorf("after batch resume: %s %+v, want done %+v", status, r, want(first))
	}

	second := interruptImport(t, env, dsn, dept, company, "B")
	srv := &ServeCommand{Env: env, DSN: dsn, Addr: "127.0.0.1:0"}
	if err := srv.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	// The first round runs as the server starts; wait for it (no timing
	// is asserted: only that it happens).
	deadline := time.Now().Add(time.Minute)
	for {
		b, err := srv.DB.FindBatchByID(systemContext(context.Background()), second)
		if err != nil {
			t.Fatal(err)
		}
		if b.Status == "done" {
			if b.Receipt != want(second) {
				t.Errorf("resumed by the server: %+v, want %+v", b.Receipt, want(second))
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not resume the batch: status %q", b.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
	var n int
	if err := srv.DB.SQL().QueryRow(`SELECT COUNT(*) FROM records`).Scan(&n); err != nil || n != 12000 {
		t.Errorf("%d records (%v), want 12,000", n, err)
	}
}

// TestDepartmentAddAgain: adding a registered department again updates the
// name and region given, keeps a kind not given, and says what changed.
func TestDepartmentAddAgain(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("CREDIT_KEY_FILE", filepath.Join(dir, "k.key"))
	dsn := "sqlite:" + filepath.Join(dir, "c.db")
	code := validUSCC(t, "11220000002224MA")
	if out, e, rc := run(t, "department", "add", "--db", dsn, "--code", code, "--name", "吉林省市场监督管理厅", "--region", "220000", "--kind", "market"); rc != 0 || !strings.Contains(out, "部门已登记：") {
		t.Fatalf("add: %d %q %q", rc, out, e)
	}
	out, e, rc := run(t, "department", "add", "--db", dsn, "--code", code, "--name", "吉林省市场监管厅", "--region", "220000")
	if rc != 0 || !strings.Contains(out, "已更新：名称“吉林省市场监督管理厅”→“吉林省市场监管厅”") || strings.Contains(out, "类别") {
		t.Fatalf("add again: %d %q %q", rc, out, e)
	}
	env := &Env{Stdout: io.Discard, Stderr: io.Discard}
	db, err := env.openDB(systemContext(context.Background()), dsn, openExisting)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	d, err := db.FindDepartmentByCode(context.Background(), code)
	if err != nil || d.Kind != "market" || d.Name != "吉林省市场监管厅" {
		t.Errorf("department = %+v, %v; want the kind kept and the new name", d, err)
	}
}
