package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"jlcredit/internal/access"
	"jlcredit/internal/catalog"
	"jlcredit/internal/credit"
	"jlcredit/internal/demo"
	"jlcredit/internal/record"
	"jlcredit/internal/storage"
)

func runBench(ctx context.Context, env *Env, args []string) error {
	if len(args) > 0 && args[0] == "read" {
		return runBenchRead(ctx, env, args[1:])
	}
	if len(args) == 0 || args[0] != "ingest" {
		return groupUsage(env, "bench", args, "用法：credit bench ingest --db DSN --records N | credit bench read --db DSN --subjects N | credit bench verify --db DSN --subjects N --entries M [--rate 2000] [--url http://…]；各子命令的参数：credit bench ingest -h", "ingest、read 或 verify")
	}
	ctx = systemContext(ctx)
	fs := env.flags("bench ingest")
	dsn := fs.String("db", dsnDefault(), "数据库连接串（建议使用空库）")
	n := fs.Int("records", 100000, "行政处罚记录数")
	subjects := fs.Int("subjects", 0, "主体数量（默认为记录数的1/5）")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if err := checkRange("records", *n, 1, -1); err != nil {
		return err
	}
	if err := checkSubjects(*subjects, true); err != nil {
		return err
	}
	if *subjects == 0 {
		*subjects = min(max(*n/5, 1), demo.MaxSubjects)
	}
	db, err := env.openDB(ctx, *dsn, openMigrate)
	if err != nil {
		return err
	}
	defer db.Close()

	g := demo.New(42, *subjects)
	var dept demo.Department
	for _, d := range g.Departments() {
		if d.Penalizes {
			dept = d
			break
		}
	}
	if err := db.UpsertDepartment(ctx, &access.Department{Code: dept.Code, Name: dept.Name, RegionCode: dept.RegionCode, Kind: dept.Kind}); err != nil {
		return err
	}
	cat, err := db.Catalog(ctx)
	if err != nil {
		return err
	}
	class, _ := cat.Class("penalty")
	dir, err := os.MkdirTemp("", "credit-bench-")
	if err != nil {
		return fileError(err, os.TempDir(), true, "在临时目录中创建测试目录")
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "penalty.csv")
	fmt.Fprintf(env.Stderr, "生成%d条行政处罚记录……\n", *n)
	if err := writeBenchCSV(path, g, class.Fields, dept, *n, db.Now()); err != nil {
		return err
	}
	st, _ := os.Stat(path)

	// End to end: parse, validate, resolve subject, write, ledger.
	f, err := os.Open(path)
	if err != nil {
		return fileError(err, path, false, "读取测试文件")
	}
	start := time.Now()
	receipt, err := db.Submit(ctx, record.Submission{Class: "penalty", DepartmentCode: dept.Code, Filename: "penalty.csv", Channel: "cli", Body: f})
	f.Close()
	if err != nil {
		return err
	}
	e2e := time.Since(start)
	if receipt.Duplicates > 0 {
		// The generated rows are the same each run: on a database that
		// holds them already, the end-to-end phase only finds duplicates
		// and its rate means nothing.
		return credit.Errorf(credit.EINVALID, "数据库中已有本基准测试生成的记录（%d行重复），端到端速率不反映归集能力；请对新的数据库运行 credit bench ingest", receipt.Duplicates)
	}
	if receipt.Accepted+receipt.Duplicates != *n {
		fmt.Fprintf(env.Stderr, "注意：%d行被拒绝\n", receipt.Rejected)
	}

	// Raw: the same rows into the same database without the platform.
	start = time.Now()
	loaded, err := db.RawLoad(ctx, func(yield func(storage.BenchRow) bool) {
		f, err := os.Open(path)
		if err != nil {
			return
		}
		defer f.Close()
		r := csv.NewReader(f)
		header, err := r.Read()
		if err != nil {
			return
		}
		for {
			rec, err := r.Read()
			if err == io.EOF || err != nil {
				return
			}
			fields := make(map[string]string, len(header))
			for i, h := range header {
				if rec[i] != "" {
					fields[h] = rec[i]
				}
			}
			if !yield(storage.BenchRow{SubjectCode: fields["CF_XDR_SHXYM"] + fields["CF_XDR_ZJHM"], Key: fields["CF_WSH"] + "|" + fields["CF_CFJGDM"],
				DecisionDate: fields["CF_JDRQ"], Fields: fields}) {
				return
			}
		}
	})
	if err != nil {
		return err
	}
	raw := time.Since(start)
	e2eRate := float64(*n) / e2e.Seconds()
	rawRate := float64(loaded) / raw.Seconds()
	fmt.Fprintf(env.Stderr, "数据库：%s；文件%.1f MB\n", db.Dialect(), float64(st.Size())/(1<<20))
	fmt.Fprintf(env.Stderr, "端到端归集（解析、校验、主体匹配、写入、存证）：%d行，%.1f秒，%.0f行/秒（接收%d，拒绝%d）\n", *n, e2e.Seconds(), e2eRate, receipt.Accepted, receipt.Rejected)
	fmt.Fprintf(env.Stderr, "原始装载（%s）：%d行，%.1f秒，%.0f行/秒\n", map[bool]string{true: "COPY", false: "预编译INSERT，每事务1万行"}[db.Dialect() == storage.Postgres], loaded, raw.Seconds(), rawRate)
	fmt.Fprintf(env.Stderr, "比值：%.1f%%\n", 100*e2eRate/rawRate)
	b, _ := json.Marshal(map[string]any{"records": *n, "end_to_end_rows_per_s": round1(e2eRate), "raw_rows_per_s": round1(rawRate), "ratio": round3(e2eRate / rawRate)})
	fmt.Fprintln(env.Stdout, string(b))
	return nil
}

// Upper bounds of the benchmarks' options: the latencies of every request
// are kept in memory, and each client is a goroutine with a connection.
const (
	maxBenchRequests    = 10_000_000
	maxBenchConcurrency = 10_000
	maxBenchBatches     = 100_000
)

func round1(f float64) float64 { return float64(int64(f*10+0.5)) / 10 }
func round3(f float64) float64 { return float64(int64(f*1000+0.5)) / 1000 }

// writeBenchCSV writes n generated penalty rows, all from dept.
func writeBenchCSV(path string, g *demo.Generator, fields []catalog.Field, dept demo.Department, n int, asOf time.Time) error {
	out, err := os.Create(path)
	if err != nil {
		return fileError(err, path, true, "创建测试文件")
	}
	defer out.Close()
	w := csv.NewWriter(out)
	header := make([]string, len(fields))
	for i, f := range fields {
		header[i] = f.Code
	}
	w.Write(header)
	rec := make([]string, len(fields))
	err = g.Rows("penalty", n, asOf, func(i int, _ demo.Department, row map[string]string) error {
		row["CF_SJLY"], row["CF_SJLYDM"] = dept.Name, dept.Code
		for j, f := range fields {
			rec[j] = row[f.Code]
		}
		return w.Write(rec)
	})
	if err != nil {
		return fileError(err, path, true, "写入测试文件")
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return fileError(err, path, true, "写入测试文件")
	}
	if err := out.Close(); err != nil {
		return fileError(err, path, true, "写入测试文件")
	}
	return nil
}

// checkRange refuses an option's value outside [lo, hi] (hi < lo: no upper
// bound) in Chinese, before anything is done with it: the commands would
// otherwise panic on it, or loop, or print rates of nothing.
func checkRange(name string, v, lo, hi int) error {
	switch {
	case v < lo && lo == 0:
		return credit.Errorf(credit.EINVALID, "--%s 不能为负数", name)
	case v < lo:
		return credit.Errorf(credit.EINVALID, "--%s 至少为%d", name, lo)
	case hi >= lo && v > hi:
		return credit.Errorf(credit.EINVALID, "--%s 应在%d至%d之间", name, lo, hi)
	}
	return nil
}

// checkSubjects refuses a province size the demo generator cannot make
// (demo.New panics on it); zero is allowed where it means a default.
func checkSubjects(v int, zeroOK bool) error {
	if zeroOK && v == 0 {
		return nil
	}
	if v < 1 || v > demo.MaxSubjects {
		return credit.Errorf(credit.EINVALID, "--subjects 应在1至%d之间", demo.MaxSubjects)
	}
	return nil
}
