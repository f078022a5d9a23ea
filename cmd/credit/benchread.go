package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"jlcredit/internal/credit"
	"jlcredit/internal/demo"
	"jlcredit/internal/record"
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
	if err := parse(fs, args); err != nil {
		return err
	}
	db, err := env.openDB(ctx, *dsn, true)
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
	// Queries taken from real names: 2 and 4 characters from their middle.
	var q2, q4, codes []string
	for i := 0; len(q2) < 500; i = (i + 7919) % *n {
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

