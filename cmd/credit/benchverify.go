package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"jlcredit/internal/access"
	"jlcredit/internal/credit"
	"jlcredit/internal/demo"
	"jlcredit/internal/lists"
	"jlcredit/internal/record"
	"jlcredit/internal/storage"
	"jlcredit/internal/subject"
)

// runBenchVerify runs `credit bench verify`: it seeds a province of N
// subjects and M active list entries (subjects directly, entries through
// the ordinary ingestion path), starts the real HTTP server on 127.0.0.1:0
// in-process, and measures POST /api/v1/verifications: single subjects with
// C concurrent clients (p50, p99, req/s), single subjects one at a time, the
// same without HTTP, and 1000-subject batches. The last line is JSON.
func runBenchVerify(ctx context.Context, env *Env, args []string) error {
	ctx = systemContext(ctx)
	fs := env.flags("bench verify")
	dsn := fs.String("db", dsnDefault(), "数据库连接串（不足时补足主体和名单）")
	n := fs.Int("subjects", 1000000, "主体数量")
	m := fs.Int("entries", 100000, "有效名单条目数量")
	workers := fs.Int("concurrency", 50, "并发客户端数")
	requests := fs.Int("requests", 20000, "单主体核查请求数")
	batches := fs.Int("batches", 5, "1000个主体的批量核查次数")
	rate := fs.Float64("rate", 2000, "定速测试的目标速率（次/秒），由并发客户端按时发出")
	remote := fs.String("url", "", "已运行的平台地址（如 http://127.0.0.1:8080，使用同一数据库）；为空时在本进程内启动平台")
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
		{"entries", *m, 1, -1},
		{"concurrency", *workers, 1, maxBenchConcurrency},
		{"requests", *requests, 1, maxBenchRequests},
		{"batches", *batches, 1, maxBenchBatches},
	} {
		if err := checkRange(c.name, c.v, c.lo, c.hi); err != nil {
			return err
		}
	}
	if *m > *n {
		return credit.Errorf(credit.EINVALID, "--entries 不得大于 --subjects（%d）", *n)
	}
	if !(*rate > 0) || math.IsInf(*rate, 0) {
		return credit.Errorf(credit.EINVALID, "--rate 应为大于0的数（每秒请求数），如 2000")
	}
	if *remote != "" {
		if u, err := url.Parse(*remote); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return credit.Errorf(credit.EINVALID, "--url 应以 http:// 或 https:// 开头，如 http://127.0.0.1:8080")
		}
	}
	g := demo.New(42, *n)
	db, err := env.openDB(ctx, *dsn, openMigrate)
	if err != nil {
		return err
	}
	seedStart := time.Now()
	key, err := seedVerifyBench(ctx, env, db, g, *n, *m)
	if err != nil {
		db.Close()
		return err
	}
	seed := time.Since(seedStart)
	// The subjects to verify come from the database, so that a database
	// seeded by another version of the demo generator measures the same.
	listed, err := sampleCodes(ctx, db, `SELECT s.uscc, s.cid_cipher FROM list_entries e JOIN subjects s ON s.id = e.subject_id
		WHERE e.department_id = (SELECT id FROM departments WHERE code = '`+benchListerCode+`') AND e.removed_on IS NULL ORDER BY e.key LIMIT 50000`)
	if err != nil {
		db.Close()
		return err
	}
	anywhere, err := sampleCodes(ctx, db, fmt.Sprintf(`SELECT uscc, cid_cipher FROM subjects WHERE id %% %d = 0 LIMIT 50000`, max(*n/50000, 1)))
	if err != nil {
		db.Close()
		return err
	}
	if len(listed) == 0 || len(anywhere) == 0 {
		db.Close()
		return credit.Errorf(credit.EINVALID, "数据库中没有可供核查的主体或名单")
	}
	dialect := db.Dialect().String()
	if err := db.Close(); err != nil {
		return err
	}

	// The real server, as `credit serve` runs it: in this process, or
	// another process serving the same database (--url), so that the load
	// generator can run at a lower priority than the server (nice).
	var srv *ServeCommand
	base := strings.TrimSuffix(*remote, "/")
	if base == "" {
		srv = &ServeCommand{Env: &Env{Stdin: env.Stdin, Stdout: io.Discard, Stderr: env.Stderr}, DSN: *dsn, Addr: "127.0.0.1:0"}
		if err := srv.Open(ctx); err != nil {
			return err
		}
		defer srv.Close()
		base = srv.Server.URL()
	}
	url := base + "/api/v1/verifications"
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *workers + 4, MaxConnsPerHost: *workers + 4}, Timeout: time.Minute}

	// Subjects to verify: 20% listed, 75% anywhere in the province, 5% unknown.
	unknown := demo.New(99, 1000)
	code := func(i int) string {
		switch r := i % 20; {
		case r < 4:
			return listed[(i*7919)%len(listed)]
		case r == 4:
			return subjectCode(unknown.Subject(i % 1000))
		default:
			return anywhere[(i*104729)%len(anywhere)]
		}
	}
	body := func(codes ...string) []byte {
		req := lists.VerificationRequest{Scenario: "政府采购", Purpose: "性能测试：2026年度办公设备采购项目"}
		for _, c := range codes {
			req.Subjects = append(req.Subjects, lists.Query{Code: c})
		}
		b, _ := json.Marshal(req)
		return b
	}
	var hits atomic.Int64
	bodies := sync.Pool{New: func() any { return new(bytes.Buffer) }}
	post := func(b []byte) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return requestError(base, err)
		}
		defer resp.Body.Close()
		buf := bodies.Get().(*bytes.Buffer)
		defer bodies.Put(buf)
		buf.Reset()
		if _, err := buf.ReadFrom(resp.Body); err != nil {
			return err
		}
		if resp.StatusCode != http.StatusCreated {
			var v struct {
				Message string `json:"message"`
			}
			_ = json.Unmarshal(buf.Bytes(), &v)
			return credit.Errorf(credit.EINVALID, "平台%s答复HTTP %d：%s", base, resp.StatusCode, v.Message)
		}
		// The load generator shares the CPU with the server: it reads the
		// one number it counts instead of decoding the whole answer
		// ("hits" is a member of the verification only, not of its results).
		n, err := jsonInt(buf.Bytes(), `"hits":`)
		if err != nil {
			return err
		}
		hits.Add(n)
		return nil
	}
	var cpuMark time.Duration
	var stealMark cpuTicks
	var writeMark int64
	markCPU := func() { cpuMark, stealMark, writeMark = processCPU(), machineTicks(), writtenBytes() }
	summary := func(name string, lat []time.Duration, wall time.Duration, conc int) map[string]float64 {
		cpu := processCPU() - cpuMark
		slices.Sort(lat)
		ms := func(p float64) float64 { return round3(float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000) }
		r := map[string]float64{"p50_ms": ms(0.5), "p99_ms": ms(0.99), "max_ms": ms(1), "per_s": round1(float64(len(lat)) / wall.Seconds()), "n": float64(len(lat)), "concurrency": float64(conc)}
		r["cpu_ms_per_op"] = round3(float64(cpu.Microseconds()) / 1000 / float64(len(lat)))
		// Time the hypervisor gave to others while this phase ran: on a
		// shared VM, a stolen core stalls whatever it was running.
		written := float64(writtenBytes()-writeMark) / 1024 / float64(len(lat))
		r["written_kb_per_op"] = round1(written)
		steal := -1.0
		if t := machineTicks(); t.total > stealMark.total {
			steal = round1(100 * float64(t.steal-stealMark.steal) / float64(t.total-stealMark.total))
			r["steal_pct"] = steal
		}
		fmt.Fprintf(env.Stderr, "%s：%d次，p50 %.2f ms，p99 %.2f ms，最大 %.2f ms，%.0f 次/秒（并发%d），进程CPU %.3f ms/次，整机磁盘写入 %.1f KB/次，虚拟机被抢占 %.1f%%\n",
			name, len(lat), r["p50_ms"], r["p99_ms"], r["max_ms"], r["per_s"], conc, r["cpu_ms_per_op"], written, steal)
		return r
	}
	// paced sends count requests at a fixed rate from conc clients and
	// measures each from the moment it was due, so that a stall counts for
	// every request it delays (no coordinated omission).
	//
	// It also reports how late the load generator itself was: from when a
	// request was due until the pacing loop handed it to the clients (the
	// loop wakes every 100 µs). Client and server share two cores, so a
	// pacing loop that is not scheduled in time adds to every latency
	// without the server being slow: a late_p99_ms near the p99 means the
	// run measured the machine, not the server.
	paced := func(name string, count, conc int, perSec float64, fn func(i int) error) (map[string]float64, error) {
		lat := make([]time.Duration, count)
		late := make([]time.Duration, count)
		due := make(chan int, count)
		var wg sync.WaitGroup
		var mu sync.Mutex
		var ferr error
		markCPU()
		start := time.Now()
		at := func(i int) time.Time { return start.Add(time.Duration(float64(i) / perSec * float64(time.Second))) }
		for w := 0; w < conc; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range due {
					if err := fn(i); err != nil {
						mu.Lock()
						ferr = err
						mu.Unlock()
					}
					lat[i] = time.Since(at(i))
				}
			}()
		}
		for i := 0; i < count; {
			now := time.Now()
			for ; i < count && !at(i).After(now); i++ {
				late[i] = now.Sub(at(i))
				due <- i
			}
			time.Sleep(100 * time.Microsecond)
		}
		close(due)
		wg.Wait()
		if ferr != nil {
			return nil, ferr
		}
		r := summary(name, lat, time.Since(start), conc)
		r["offered_per_s"] = perSec
		slices.Sort(late)
		r["late_p99_ms"] = round3(float64(late[int(0.99*float64(count-1))].Microseconds()) / 1000)
		fmt.Fprintf(env.Stderr, "—— 其中负载程序自身的发出延迟（应发出至交给客户端）：p99 %.2f ms\n", r["late_p99_ms"])
		return r, nil
	}
	run := func(name string, count, conc int, fn func(i int) error) (map[string]float64, error) {
		lat := make([]time.Duration, count)
		var next atomic.Int64
		var wg sync.WaitGroup
		var mu sync.Mutex
		var ferr error
		markCPU()
		start := time.Now()
		for w := 0; w < conc; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(next.Add(1) - 1)
					if i >= count {
						return
					}
					t := time.Now()
					if err := fn(i); err != nil {
						mu.Lock()
						ferr = err
						mu.Unlock()
						next.Store(int64(count))
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
		return summary(name, lat, time.Since(start), conc), nil
	}

	out := map[string]any{"dialect": dialect, "subjects": *n, "entries": *m, "seed_s": round1(seed.Seconds())}
	if _, err := run("预热", min(1000, *requests), *workers, func(i int) error { return post(body(code(i + 7))) }); err != nil {
		return err
	}
	// Flat out first, then at the offered rate: a server just started (or
	// a database just opened) answers its first few seconds of load far
	// slower while its connections fill their page caches — measured at
	// 2,000 /s right after the 1,000-request warm-up, p99 0.6-1.0 s,
	// against 12-19 ms the same run after the flat-out phase. The rate's
	// p99 is the steady state's; the warm-up's line shows the cold start.
	hits.Store(0)
	r, err := run("单主体核查（HTTP，满负荷）", *requests, *workers, func(i int) error { return post(body(code(i))) })
	if err != nil {
		return err
	}
	r["hit_rate"] = round3(float64(hits.Load()) / float64(*requests))
	out["single"] = r
	if out["single_at_rate"], err = paced(fmt.Sprintf("单主体核查（HTTP，定速%.0f次/秒）", *rate), *requests, *workers, *rate, func(i int) error { return post(body(code(i + 13))) }); err != nil {
		return err
	}
	if out["single_sequential"], err = run("单主体核查（HTTP，逐个）", 1000, 1, func(i int) error { return post(body(code(i + 3))) }); err != nil {
		return err
	}
	if srv == nil {
		// The server is another process: no storage-level phase, and the
		// CPU figures are the load generator's alone.
		out["server"] = base
		if out["batch_1000"], err = run("1000个主体批量核查（HTTP）", *batches, 1, func(i int) error { return post(body(batchCodes(code, i)...)) }); err != nil {
			return err
		}
		b, _ := json.Marshal(out)
		fmt.Fprintln(env.Stdout, string(b))
		return nil
	}
	// Server side: the same call without HTTP, JSON or authentication.
	dep := credit.Actor{}
	if err := srv.DB.SQL().QueryRowContext(ctx, `SELECT d.id, d.code, d.name FROM departments d WHERE d.code = '`+benchVerifierCode+`'`).
		Scan(&dep.DepartmentID, &dep.DepartmentCode, &dep.Name); err != nil {
		return err
	}
	dep.Role, dep.Channel = credit.RoleDepartment, "api"
	dctx := credit.NewContextWithActor(ctx, dep)
	if out["server_side"], err = run("单主体核查（存储层，逐个）", 1000, 1, func(i int) error {
		_, err := srv.DB.Verify(dctx, lists.VerificationRequest{Scenario: "政府采购", Purpose: "性能测试", Subjects: []lists.Query{{Code: code(i + 5)}}})
		return err
	}); err != nil {
		return err
	}
	if out["batch_1000"], err = run("1000个主体批量核查（HTTP）", *batches, 1, func(i int) error { return post(body(batchCodes(code, i)...)) }); err != nil {
		return err
	}
	b, _ := json.Marshal(out)
	fmt.Fprintln(env.Stdout, string(b))
	return nil
}

// requestError says in Chinese why a request to the platform at base
// failed; the system's words follow as 技术信息 when that is not known.
func requestError(base string, err error) error {
	var dns *net.DNSError
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return &credit.Caused{Msg: credit.Errorf(credit.EINVALID, "无法连接平台%s：连接被拒绝，地址或端口有误，或平台未启动", base), Cause: err, Said: true}
	case errors.As(err, &dns):
		return &credit.Caused{Msg: credit.Errorf(credit.EINVALID, "无法连接平台%s：找不到主机“%s”", base, dns.Name), Cause: err, Said: dns.IsNotFound}
	case errors.As(err, &ne) && ne.Timeout():
		return &credit.Caused{Msg: credit.Errorf(credit.EINVALID, "请求平台%s超时", base), Cause: err, Said: true}
	}
	return &credit.Caused{Msg: credit.Errorf(credit.EINVALID, "请求平台%s失败", base), Cause: err}
}

// batchCodes returns the codes of the i-th 1000-subject batch.
func batchCodes(code func(int) string, i int) []string {
	codes := make([]string, lists.MaxBatch)
	for j := range codes {
		codes[j] = code(i*lists.MaxBatch + j + 11)
	}
	return codes
}

const (
	benchListerName   = "吉林省发展和改革委员会（性能测试）"
	benchVerifierName = "吉林省政府采购中心（性能测试）"
)

var (
	benchListerCode   = benchUSCC("11220000MB99BE01")
	benchVerifierCode = benchUSCC("11220000MB99BE02")
)

func subjectCode(s demo.SubjectSeed) string {
	if s.USCC != "" {
		return s.USCC
	}
	return s.CitizenID
}

// benchUSCC completes a 16-character prefix with its check characters.
func benchUSCC(prefix16 string) string {
	c17, _ := subject.OrgCodeCheckChar(prefix16[8:16])
	s := prefix16 + string(c17)
	c18, _ := subject.USCCCheckChar(s)
	return s + string(c18)
}

// seedVerifyBench makes sure the database holds n subjects and m active list
// entries of the bench's listing department, and returns an API key of the
// verifying department (a procurement centre).
func seedVerifyBench(ctx context.Context, env *Env, db *storage.DB, g *demo.Generator, n, m int) (string, error) {
	lister := &access.Department{Code: benchListerCode, Name: benchListerName, RegionCode: "220000", Kind: "development_reform"}
	verifier := &access.Department{Code: benchVerifierCode, Name: benchVerifierName, RegionCode: "220000", Kind: "procurement"}
	for _, d := range []*access.Department{lister, verifier} {
		if err := db.UpsertDepartment(ctx, d); err != nil {
			return "", err
		}
	}
	// An unlimited key (rate 0): the benchmark measures the server, not the
	// per-key rate limit that guards it against runaway clients.
	key, _, err := db.CreateAPIKeyWithLimit(ctx, verifier.ID, []string{access.ScopeVerify}, credit.RateLimit{})
	if err != nil {
		return "", err
	}
	have, err := db.CountSubjects(ctx)
	if err != nil {
		return "", err
	}
	if have < n {
		fmt.Fprintf(env.Stderr, "写入主体至%d个……\n", n)
		start := time.Now()
		refs := make([]record.SubjectRef, 0, 10000)
		for i := 0; i < n; i += 10000 {
			refs = refs[:0]
			for j := i; j < min(i+10000, n); j++ {
				s := g.Subject(j)
				refs = append(refs, record.SubjectRef{Name: s.Name, Type: s.Type, USCC: s.USCC, CitizenID: s.CitizenID, LegalRep: s.LegalRep})
			}
			if err := db.EnsureSubjects(ctx, refs); err != nil {
				return "", err
			}
			if (i/10000)%10 == 9 {
				fmt.Fprintf(env.Stderr, "  %d个主体，%.0f秒\n", i+10000, time.Since(start).Seconds())
			}
		}
		fmt.Fprintf(env.Stderr, "写入主体用时%.1f秒\n", time.Since(start).Seconds())
	}
	var existing int
	if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM list_entries WHERE department_id = `+fmt.Sprint(int64(lister.ID))).Scan(&existing); err != nil {
		return "", err
	}
	stride := max(n/m, 1)
	if existing >= m {
		return key, nil
	}
	fmt.Fprintf(env.Stderr, "通过归集接口报送%d条名单信息……\n", m-existing)
	start := time.Now()
	asOf := credit.DateOf(db.Now())
	const chunk = 20000
	for i := existing; i < m; i += chunk {
		var rows []map[string]string
		for j := i; j < min(i+chunk, m); j++ {
			rows = append(rows, benchListRow(g.Subject(j*stride%n), j, lister, asOf))
		}
		var buf bytes.Buffer
		if err := json.NewEncoder(&buf).Encode(rows); err != nil {
			return "", err
		}
		rc, err := db.Submit(ctx, record.Submission{Class: lists.ClassCode, DepartmentCode: lister.Code, Format: "json", Filename: "bench-lists.json", Channel: "cli", Body: &buf})
		if err != nil {
			return "", err
		}
		if rc.Rejected > 0 {
			errs, _, _ := db.FindBatchErrors(ctx, rc.Batch, 0, 3)
			var msgs []string
			for _, e := range errs {
				for _, p := range e.Problems {
					msgs = append(msgs, p.Message)
				}
			}
			return "", credit.Errorf(credit.EINVALID, "性能测试的名单数据有%d行被拒绝：%s", rc.Rejected, strings.Join(msgs, "；"))
		}
		fmt.Fprintf(env.Stderr, "  %d条，%.0f秒\n", min(i+chunk, m), time.Since(start).Seconds())
	}
	fmt.Fprintf(env.Stderr, "报送名单用时%.1f秒\n", time.Since(start).Seconds())
	return key, nil
}

// benchListRow returns the i-th list entry row, about subject s, active on
// asOf: organisations on the black list and its sub-lists (with their legal
// representative, for linkage), the watch list, the red lists and the
// abnormal-operations list; persons as 失信被执行人.
func benchListRow(s demo.SubjectSeed, i int, d *access.Department, asOf credit.Date) map[string]string {
	types := []string{"严重失信主体名单", "拖欠农民工工资失信联合惩戒对象", "重大税收违法失信主体", "政府采购严重违法失信行为记录", "失信被执行人",
		"严重失信主体名单", "重点关注名单", "重点关注名单", "纳税信用A级纳税人", "守合同重信用企业", "经营异常名录"}
	typ := types[i%len(types)]
	if s.Type == string(subject.Person) {
		typ = "失信被执行人"
	}
	days := i % 700
	if typ == "纳税信用A级纳税人" || typ == "守合同重信用企业" {
		days = i % 300
	}
	return demo.ListRow(demo.ListEntry{Subject: s, Type: typ, By: demo.Department{Code: d.Code, Name: "吉林省发展和改革委员会"},
		DocNo: fmt.Sprintf("吉发改信〔2026〕%d号", i+1), Reason: "性能测试数据：依法认定", Basis: "《吉林省社会信用条例》", From: asOf.AddDate(0, 0, -days)})
}

// processCPU returns the CPU time (user and system) the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// writtenBytes returns the bytes written to the machine's disks so far
// (sectors written in /proc/diskstats, whole disks only, without loop, RAM
// and zram devices; Linux, 0 elsewhere): for SQLite, the WAL and what the
// checkpoints copy into the database file, whichever process wrote them,
// so it also counts a server started separately (--url). The per-process
// write_bytes of /proc/self/io is not used: on this VM it counted 15.7 GB
// for a run that wrote 0.5 GB through system calls (BENCHMARKS.md).
func writtenBytes() int64 {
	b, err := os.ReadFile("/proc/diskstats")
	if err != nil {
		return 0
	}
	var total int64
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 10 || strings.HasPrefix(f[2], "loop") || strings.HasPrefix(f[2], "ram") || strings.HasPrefix(f[2], "zram") {
			continue
		}
		if _, err := os.Stat("/sys/block/" + f[2]); err != nil {
			continue // a partition: its disk counts it already
		}
		n, _ := strconv.ParseInt(f[9], 10, 64)
		total += n * 512
	}
	return total
}

// cpuTicks are the machine's CPU time counters (USER_HZ ticks, all CPUs).
type cpuTicks struct{ total, steal int64 }

// machineTicks reads the first line of /proc/stat (Linux); zero elsewhere.
func machineTicks() cpuTicks {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return cpuTicks{}
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return cpuTicks{}
	}
	var t cpuTicks
	for i, s := range f[1:] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return cpuTicks{}
		}
		if i < 8 { // user nice system idle iowait irq softirq steal (guest time is inside user)
			t.total += n
		}
		if i == 7 {
			t.steal = n
		}
	}
	return t
}

// sampleCodes returns the codes (USCC, or the decrypted citizen ID) of the
// subjects q selects as (uscc, cid_cipher).
func sampleCodes(ctx context.Context, db *storage.DB, q string) ([]string, error) {
	rows, err := db.SQL().QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var uscc sql.NullString
		var cipher []byte
		if err := rows.Scan(&uscc, &cipher); err != nil {
			return nil, err
		}
		switch {
		case uscc.String != "":
			out = append(out, uscc.String)
		case len(cipher) > 0:
			id, err := db.Secrets.DecryptCitizenID(cipher)
			if err != nil {
				return nil, err
			}
			out = append(out, id)
		}
	}
	return out, rows.Err()
}

// jsonInt returns the integer after the first occurrence of member (such as
// `"hits":`) in a compact JSON document.
func jsonInt(doc []byte, member string) (int64, error) {
	i := bytes.Index(doc, []byte(member))
	if i < 0 {
		return 0, fmt.Errorf("答复中没有%s", member)
	}
	rest := bytes.TrimLeft(doc[i+len(member):], " ")
	j := 0
	for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
		j++
	}
	return strconv.ParseInt(string(rest[:j]), 10, 64)
}
