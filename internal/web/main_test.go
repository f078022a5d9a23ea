package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"jlcredit/internal/access"
	"jlcredit/internal/catalog"
	"jlcredit/internal/credit"
	"jlcredit/internal/demo"
	"jlcredit/internal/jsonapi"
	"jlcredit/internal/record"
	"jlcredit/internal/server"
	"jlcredit/internal/storage"
	"jlcredit/internal/web"
)

// fixture is one running platform on a temporary SQLite database, seeded
// with demo departments and 双公示 rows through the real ingestion path.
type fixture struct {
	db   *storage.DB
	srv  *server.Server
	web  *web.Server
	url  string
	dsn  string // the database's file, for tests that alter it behind the platform
	gen  *demo.Generator
	depA demo.Department // a department with records and an operator
	depB demo.Department // another department with an operator
	// A subject with public records (an organisation).
	subjectCode, subjectName string
	asOf                     time.Time
}

// Accounts of the fixture; every password is Passw0rd-2026.
const testPassword = "Passw0rd-2026"

var (
	fx      *fixture
	fxError error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "webtest")
	if err != nil {
		panic(err)
	}
	fx, fxError = newFixture(dir)
	code := m.Run()
	if fx != nil {
		fx.srv.Close()
		fx.db.Close()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// mustFixture returns the shared fixture or fails the test.
func mustFixture(tb testing.TB) *fixture {
	tb.Helper()
	if fxError != nil {
		tb.Fatalf("fixture: %v", fxError)
	}
	return fx
}

func newFixture(dir string) (*fixture, error) {
	ctx := context.Background()
	db, err := storage.Open(ctx, "sqlite:"+dir+"/t.db", storage.Options{EphemeralKeys: true})
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		return nil, err
	}
	f := &fixture{db: db, dsn: dir + "/t.db", asOf: time.Now(), gen: demo.New(11, 3000)}
	sys := credit.NewContextWithActor(ctx, credit.System)
	for _, d := range f.gen.Departments() {
		if err := db.UpsertDepartment(sys, &access.Department{Code: d.Code, Name: d.Name, RegionCode: d.RegionCode, Kind: d.Kind}); err != nil {
			return nil, fmt.Errorf("UpsertDepartment: %w", err)
		}
	}
	// Every subject of the province exists, as credit demo makes them.
	var refs []record.SubjectRef
	for i := range f.gen.Subjects() {
		s := f.gen.Subject(i)
		refs = append(refs, record.SubjectRef{Name: s.Name, Type: s.Type, USCC: s.USCC, CitizenID: s.CitizenID, LegalRep: s.LegalRep})
	}
	if err := db.EnsureSubjects(sys, refs); err != nil {
		return nil, err
	}
	if err := f.seed(ctx, 300); err != nil {
		return nil, err
	}
	if err := f.users(sys); err != nil {
		return nil, err
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	w, err := web.New(web.Options{Backend: db, Logger: logger})
	if err != nil {
		return nil, err
	}
	api := &jsonapi.Server{Backend: db, Logger: logger, SessionActor: w.SessionActor}
	f.web = w
	f.srv = &server.Server{Addr: "127.0.0.1:0", API: api.Handler(), Web: w, Logger: logger}
	if err := f.srv.Open(); err != nil {
		return nil, err
	}
	f.url = f.srv.URL()
	return f, nil
}

// seed submits n rows of each 双公示 class, one batch per department and
// class, each as that department (the way a department's own upload would).
func (f *fixture) seed(ctx context.Context, n int) error {
	cat, err := f.db.Catalog(ctx)
	if err != nil {
		return err
	}
	count := map[string]int{}
	for _, class := range []string{"license", "penalty"} {
		c, _ := cat.Class(class)
		bufs := map[string]*bytes.Buffer{}
		depts := map[string]demo.Department{}
		err := f.gen.Rows(class, n, f.asOf, func(i int, d demo.Department, row map[string]string) error {
			b := bufs[d.Code]
			if b == nil {
				b = &bytes.Buffer{}
				bufs[d.Code] = b
				writeRow(b, c, nil)
			}
			depts[d.Code] = d
			count[d.Code]++
			writeRow(b, c, row)
			return nil
		})
		if err != nil {
			return err
		}
		for code, b := range bufs {
			dep, err := f.db.FindDepartmentByCode(ctx, code)
			if err != nil {
				return err
			}
			actor := credit.Actor{Role: credit.RoleDepartment, DepartmentID: dep.ID, DepartmentCode: dep.Code, Name: dep.Name, RegionCode: dep.RegionCode, Channel: "api"}
			if _, err := f.db.Submit(credit.NewContextWithActor(ctx, actor), record.Submission{Class: class, Filename: class + ".csv", Body: b}); err != nil {
				return fmt.Errorf("Submit: %w", err)
			}
		}
	}
	// depA: the busiest department; depB: another one.
	for _, d := range f.gen.Departments() {
		switch {
		case count[d.Code] > count[f.depA.Code]:
			f.depB, f.depA = f.depA, d
		case f.depB.Code == "" || count[d.Code] > count[f.depB.Code] && d.Code != f.depA.Code:
			f.depB = d
		}
	}
	if f.depB.Code == "" || f.depB.Code == f.depA.Code {
		return fmt.Errorf("seed: need two departments")
	}
	recs, _, err := f.db.FindRecords(ctx, record.RecordFilter{Class: "penalty", Limit: 50})
	if err != nil {
		return err
	}
	for _, r := range recs {
		s, err := f.db.FindSubjectByID(ctx, r.SubjectID)
		if err != nil {
			return err
		}
		if s.USCC != "" {
			f.subjectCode, f.subjectName = s.USCC, s.Name
			return nil
		}
	}
	return fmt.Errorf("seed: no public penalty about an organisation")
}

func writeRow(b *bytes.Buffer, c *catalog.Class, row map[string]string) {
	w := csv.NewWriter(b)
	rec := make([]string, len(c.Fields))
	for i, f := range c.Fields {
		if row == nil {
			rec[i] = f.Name // Chinese headers, as the national template has them
		} else {
			rec[i] = row[f.Code]
		}
	}
	w.Write(rec)
	w.Flush()
}

// users creates the accounts of the fixture.
func (f *fixture) users(ctx context.Context) error {
	depA, err := f.db.FindDepartmentByCode(ctx, f.depA.Code)
	if err != nil {
		return err
	}
	depB, err := f.db.FindDepartmentByCode(ctx, f.depB.Code)
	if err != nil {
		return err
	}
	region := depA.RegionCode
	if region == "220000" || region == "229900" {
		region = "220100"
	}
	for _, u := range []*access.User{
		{Username: "admin", DisplayName: "省信用中心管理员", Role: credit.RoleProvince},
		{Username: "auditor", DisplayName: "审计员", Role: credit.RoleAuditor},
		{Username: "region", DisplayName: "地区管理员", Role: credit.RoleRegion, RegionCode: region},
		{Username: "opa", DisplayName: "甲部门操作员", Role: credit.RoleDepartment, DepartmentID: depA.ID},
		{Username: "opb", DisplayName: "乙部门操作员", Role: credit.RoleDepartment, DepartmentID: depB.ID},
		{Username: "e2ea", DisplayName: "甲部门（浏览器测试）", Role: credit.RoleDepartment, DepartmentID: depA.ID},
		{Username: "e2eb", DisplayName: "乙部门（浏览器测试）", Role: credit.RoleDepartment, DepartmentID: depB.ID},
		{Username: "locked", Role: credit.RoleDepartment, DepartmentID: depB.ID},
		{Username: "changer", Role: credit.RoleDepartment, DepartmentID: depB.ID},
	} {
		if _, err := f.db.CreateUser(ctx, u, testPassword); err != nil {
			return fmt.Errorf("CreateUser(%s): %w", u.Username, err)
		}
	}
	return nil
}

// client is a browser-like HTTP client with a cookie jar that does not
// follow redirects.
type client struct {
	tb   testing.TB
	base string
	http *http.Client
	csrf string
}

func newClient(tb testing.TB) *client {
	tb.Helper()
	f := mustFixture(tb)
	jar, _ := cookiejar.New(nil)
	return &client{tb: tb, base: f.url, http: &http.Client{Jar: jar, Timeout: 60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// login signs in as username and remembers the CSRF token of the console.
func login(tb testing.TB, username string) *client {
	tb.Helper()
	c := newClient(tb)
	res := c.post("/login", url.Values{"username": {username}, "password": {testPassword}})
	if res.StatusCode != http.StatusSeeOther {
		tb.Fatalf("login %s: status %d, want 303", username, res.StatusCode)
	}
	doc := c.doc("/console/", http.StatusOK)
	c.csrf, _ = doc.Find(`input[name=csrf_token]`).First().Attr("value")
	if c.csrf == "" {
		tb.Fatalf("login %s: no CSRF token on the dashboard", username)
	}
	return c
}

func (c *client) do(req *http.Request) *http.Response {
	c.tb.Helper()
	res, err := c.http.Do(req)
	if err != nil {
		c.tb.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	c.tb.Cleanup(func() { res.Body.Close() })
	return res
}

func (c *client) get(path string) *http.Response {
	c.tb.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.base+path, nil)
	req.Header.Set("Accept", "text/html")
	return c.do(req)
}

func (c *client) post(path string, form url.Values) *http.Response {
	c.tb.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// postCSRF posts form with the session's CSRF token.
func (c *client) postCSRF(path string, form url.Values) *http.Response {
	c.tb.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf_token", c.csrf)
	return c.post(path, form)
}

// doc gets path, checks the status and parses the page.
func (c *client) doc(path string, status int) *goquery.Document {
	c.tb.Helper()
	return parse(c.tb, c.get(path), status)
}

func parse(tb testing.TB, res *http.Response, status int) *goquery.Document {
	tb.Helper()
	if res.StatusCode != status {
		body, _ := io.ReadAll(res.Body)
		tb.Fatalf("%s %s: status %d, want %d\n%s", res.Request.Method, res.Request.URL.Path, res.StatusCode, status, trimBody(body))
	}
	doc, err := goquery.NewDocumentFromReader(res.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return doc
}

func trimBody(b []byte) string {
	s := string(b)
	if i := strings.Index(s, `<main`); i >= 0 {
		s = s[i:]
	}
	if len(s) > 1500 {
		s = s[:1500]
	}
	return s
}

// text returns the whitespace-collapsed text of the selection.
func text(s *goquery.Selection) string { return strings.Join(strings.Fields(s.Text()), " ") }
