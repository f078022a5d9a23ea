package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"

	"encoding/json"
	"fmt"
	"jlcredit/internal/access"
	"slices"
	"sync"
	"time"

	"jlcredit/internal/credit"
	"jlcredit/internal/demo"
	"jlcredit/internal/record"
	"jlcredit/internal/storage"
	"jlcredit/internal/subject"
)

// runBenchRead measures name search (2- and 4-character queries) and
// archive reads over a province of N subjects, seeding it when smaller.
func runBenchRead(ctx context.Context, env *Env, args []string) error {
	ctx = systemContext(ctx)
	fs := env.flags("bench read")
	dsn := fs.String("db", dsnDefault(), "数据库连接串")
	n := fs.Int("subjects", 100000, "主体数量（不足时补足）")
	queries := fs.Int("queries", 2000, "每类查询的次数")
	workers := fs.Int("concurrency", 8, "并发数")
	records := fs.Int("records", 0, "行政处罚记录数（不足时补足；另为一个主体写入50条记录用于档案测试）")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := checkSubjects(*n, false); err != nil {
		return err
	}
	for _, c := range []struct {
		name      string
		v, lo, hi int
	}{
		{"queries", *queries, 1, maxBenchRequests},
		{"concurrency", *workers, 1, maxBenchConcurrency},
		{"records", *records, 0, -1},
	} {
		if err := checkRange(c.name, c.v, c.lo, c.hi); err != nil {
			return err
		}
	}
	db, err := env.openDB(ctx, *dsn, openMigrate)
	if err != nil {
		return err
	}
	defer db.Close()
	g := demo.New(42, *n)
	have, err := db.CountSubjects(ctx)
	if err != nil {
		return err
	}
	if have < *n {
		fmt.Fprintf(env.Stderr, "补足主体至%d个……\n", *n)
		start := time.Now()
		for i := 0; i < *n; i += 10000 {
			var refs []record.SubjectRef
			for j := i; j < min(i+10000, *n); j++ {
				s := g.Subject(j)
				refs = append(refs, record.SubjectRef{Name: s.Name, Type: s.Type, USCC: s.USCC, CitizenID: s.CitizenID, LegalRep: s.LegalRep})
			}
			if err := db.EnsureSubjects(ctx, refs); err != nil {
				return err
			}
		}
		fmt.Fprintf(env.Stderr, "写入主体用时%.1f秒\n", time.Since(start).Seconds())
	}
	archiveCode, err := seedArchiveBench(ctx, env, db, g, *records)
	if err != nil {
		return err
	}
	// Queries taken from real names: 2 and 4 characters from their middle
	// (a small province may have fewer than 500 such names, or none).
	var q2, q4, codes []string
	for k, i := 0, 0; len(q2) < 500 && k < *n; k, i = k+1, (i+7919)%*n {
		s := g.Subject(i)
		if s.Type == "person" {
			continue
		}
		rs := []rune(s.Name)
		if len(rs) >= 8 {
			q2 = append(q2, string(rs[2:4]))
			q4 = append(q4, string(rs[2:6]))
			codes = append(codes, s.USCC)
		}
	}
	if len(q2) == 0 {
		return credit.Errorf(credit.EINVALID, "%d个主体中没有名称足够长（8个字以上）的组织，无法生成名称查询；请增大 --subjects", *n)
	}
	pub := credit.NewContextWithActor(context.Background(), credit.Public)
	measure := func(name string, fn func(i int) error) (map[string]float64, error) {
		lat := make([]time.Duration, *queries)
		var wg sync.WaitGroup
		var mu sync.Mutex
		var ferr error
		next := 0
		start := time.Now()
		for w := 0; w < *workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					mu.Lock()
					i := next
					next++
					mu.Unlock()
					if i >= *queries {
						return
					}
					t := time.Now()
					if err := fn(i); err != nil {
						mu.Lock()
						ferr = err
						mu.Unlock()
						return
					}
					lat[i] = time.Since(t)
				}
			}()
		}
		wg.Wait()
		if ferr != nil {
			return nil, ferr
		}
		wall := time.Since(start)
		slices.Sort(lat)
		ms := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
		r := map[string]float64{"p50_ms": ms(0.5), "p99_ms": ms(0.99), "qps": round1(float64(*queries) / wall.Seconds())}
		fmt.Fprintf(env.Stderr, "%s：p50 %.2f ms，p99 %.2f ms，%.0f 次/秒（并发%d）\n", name, r["p50_ms"], r["p99_ms"], r["qps"], *workers)
		return r, nil
	}
	out := map[string]any{"subjects": *n, "dialect": db.Dialect().String()}
	for _, c := range []struct {
		key  string
		name string
		fn   func(i int) error
	}{
		{"search_2", "2字名称查询", func(i int) error {
			_, _, err := db.FindSubjects(pub, subject.Filter{Query: q2[i%len(q2)], Limit: 20})
			return err
		}},
		{"search_4", "4字名称查询", func(i int) error {
			_, _, err := db.FindSubjects(pub, subject.Filter{Query: q4[i%len(q4)], Limit: 20})
			return err
		}},
		{"archive", "信用档案（公众）", func(i int) error {
			_, err := db.FindArchive(pub, codes[i%len(codes)], "")
			return err
		}},
		{"archive_50", "50条记录的信用档案（公众）", func(i int) error {
			a, err := db.FindArchive(pub, archiveCode, "")
			if err == nil && a.Total != 50 {
				return credit.Errorf(credit.EINVALID, "有50条记录的主体，其信用档案显示%d条记录", a.Total)
			}
			return err
		}},
		{"archive_50_gov", "50条记录的信用档案（政务，含查询登记写入）", func(i int) error {
			_, err := db.FindArchive(ctx, archiveCode, "性能测试")
			return err
		}},
	} {
		r, err := measure(c.name, c.fn)
		if err != nil {
			return err
		}
		out[c.key] = r
	}
	b, _ := json.Marshal(out)
	fmt.Fprintln(env.Stdout, string(b))
	return nil
}

// seedArchiveBench brings the database to at least n penalty records (rows
// of one department, as bench ingest writes them) and gives one company
// exactly 50 records; it returns that company's code.
func seedArchiveBench(ctx context.Context, env *Env, db *storage.DB, g *demo.Generator, n int) (string, error) {
	var dept demo.Department
	for _, d := range g.Departments() {
		if d.Penalizes {
			dept = d
			break
		}
	}
	if err := db.UpsertDepartment(ctx, &access.Department{Code: dept.Code, Name: dept.Name, RegionCode: dept.RegionCode, Kind: dept.Kind}); err != nil {
		return "", err
	}
	cat, err := db.Catalog(ctx)
	if err != nil {
		return "", err
	}
	class, _ := cat.Class("penalty")
	have, err := db.CountRecords(ctx)
	if err != nil {
		return "", err
	}
	if have < n {
		fmt.Fprintf(env.Stderr, "补足行政处罚记录至%d条……\n", n)
		dir, err := os.MkdirTemp("", "credit-bench-")
		if err != nil {
			return "", fileError(err, os.TempDir(), true, "在临时目录中创建测试目录")
		}
		defer os.RemoveAll(dir)
		path := filepath.Join(dir, "penalty.csv")
		if err := writeBenchCSV(path, g, class.Fields, dept, n-have, db.Now()); err != nil {
			return "", err
		}
		f, err := os.Open(path)
		if err != nil {
			return "", fileError(err, path, false, "读取测试文件")
		}
		defer f.Close()
		if _, err := db.Submit(ctx, record.Submission{Class: "penalty", DepartmentCode: dept.Code, Filename: "penalty.csv", Channel: "cli", Body: f}); err != nil {
			return "", err
		}
	}
	// One company with exactly 50 records, decided in the last month.
	var company demo.SubjectSeed
	for i := 0; i < g.Subjects() && company.USCC == ""; i++ {
		if s := g.Subject(i); s.Type == "enterprise" {
			company = s
		}
	}
	if company.USCC == "" {
		return "", credit.Errorf(credit.EINVALID, "%d个主体中没有企业，无法测试信用档案；请增大 --subjects", g.Subjects())
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	header := make([]string, len(class.Fields))
	for i, f := range class.Fields {
		header[i] = f.Code
	}
	w.Write(header)
	today := credit.DateOf(db.Now())
	for i := range 50 {
		row := map[string]string{"CF_XDR_MC": company.Name, "CF_XDR_LB": "法人及非法人组织", "CF_XDR_SHXYM": company.USCC, "CF_FRDB": company.LegalRep,
			"CF_WSH": fmt.Sprintf("档案测试〔2026〕%d号", i+1), "CF_WFXW": "未按规定公示信息", "CF_SY": "未按规定公示信息。", "CF_YJ": "《企业信息公示暂行条例》第十八条",
			"CF_CFLB": "罚款", "CF_NR": "罚款", "CF_NR_FK": "0.5", "CF_JDRQ": today.AddDate(0, 0, -1-i%20).Format(credit.DateLayout), "CF_YXQ": "2099-12-31",
			"CF_CFJG": dept.Name, "CF_CFJGDM": dept.Code, "CF_SJLY": dept.Name, "CF_SJLYDM": dept.Code}
		rec := make([]string, len(class.Fields))
		for j, f := range class.Fields {
			rec[j] = row[f.Code]
		}
		w.Write(rec)
	}
	w.Flush()
	r, err := db.Submit(ctx, record.Submission{Class: "penalty", DepartmentCode: dept.Code, Filename: "archive.csv", Channel: "cli", Body: &b})
	if err != nil {
		return "", err
	}
	if r.Rejected > 0 {
		return "", credit.Errorf(credit.EINVALID, "档案测试数据有%d行被拒绝", r.Rejected)
	}
	return company.USCC, nil
}
