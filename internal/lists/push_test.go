package lists

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"jlcredit/internal/credit"
	"jlcredit/internal/subject"
)

func TestPushEvent(t *testing.T) {
	d := mustData(t)
	on := date("2026-11-20")
	active := entry(t, d, "严重失信主体名单", "2026-01-10", "", nil)
	future := entry(t, d, "严重失信主体名单", "2026-12-01", "", nil)
	expired := entry(t, d, "严重失信主体名单", "2022-01-10", "2024-01-09", nil)
	removed := entry(t, d, "严重失信主体名单", "2026-01-10", "", map[string]string{FieldRemovedOn: "2026-11-20", FieldRemovalKind: RemovedEarly, FieldRemovalReason: "x"})
	for _, test := range []struct {
		name      string
		prev, cur *Entry
		want      NotificationKind
		ok        bool
	}{
		{"NewActiveIsListing", nil, active, NotifyListing, true},
		{"NewPendingIsListing", nil, future, NotifyListing, true},
		{"HistoricalIsNothing", nil, expired, "", false},
		{"CorrectionIsUpdate", active, active, NotifyUpdate, true},
		{"RemovalIsRemoval", active, removed, NotifyRemoval, true},
		{"ExpiryIsRemoval", active, expired, NotifyRemoval, true},
		{"RelistingIsListing", removed, active, NotifyListing, true},
		{"RemovedAgainIsNothing", removed, removed, "", false},
	} {
		t.Run(test.name, func(t *testing.T) {
			got, ok := PushEvent(test.prev, test.cur, on)
			if got != test.want || ok != test.ok {
				t.Errorf("PushEvent = %q, %v; want %q, %v", got, ok, test.want, test.ok)
			}
		})
	}
}

func TestNextAttempt(t *testing.T) {
	at := time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)
	want := []time.Duration{30 * time.Second, 2 * time.Minute, 10 * time.Minute, time.Hour, 6 * time.Hour}
	for i, w := range want {
		got, ok := NextAttempt(i+1, at)
		if !ok || !got.Equal(at.Add(w)) {
			t.Errorf("NextAttempt(%d) = %v, %v; want %v", i+1, got, ok, at.Add(w))
		}
	}
	if _, ok := NextAttempt(len(want)+1, at); ok {
		t.Error("retried after the last scheduled retry")
	}
	if _, ok := NextAttempt(0, at); ok {
		t.Error("NextAttempt(0) ok")
	}
}

func TestSignWebhook(t *testing.T) {
	secret, uid, ts, body := "whsec_test", "dlv_1", int64(1795000000), []byte(`{"event":"listing"}`)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("1795000000.dlv_1.{\"event\":\"listing\"}"))
	want := "sha256=" + hex.EncodeToString(m.Sum(nil))
	if got := SignWebhook(secret, uid, ts, body); got != want {
		t.Fatalf("SignWebhook = %s, want %s", got, want)
	}
	now := time.Unix(ts, 0).Add(time.Minute)
	if err := VerifyWebhook(secret, want, uid, "1795000000", body, now, 5*time.Minute); err != nil {
		t.Errorf("VerifyWebhook: %v", err)
	}
	for name, err := range map[string]error{
		"WrongSecret": VerifyWebhook("other", want, uid, "1795000000", body, now, 5*time.Minute),
		"Replayed":    VerifyWebhook(secret, want, uid, "1795000000", body, now.Add(time.Hour), 5*time.Minute),
		"FromFuture":  VerifyWebhook(secret, want, uid, "1795000000", body, now.Add(-time.Hour), 5*time.Minute),
		"BadStamp":    VerifyWebhook(secret, want, uid, "soon", body, now, 5*time.Minute),
		"OtherID":     VerifyWebhook(secret, want, "dlv_2", "1795000000", body, now, 5*time.Minute),
	} {
		if credit.ErrorCode(err) != credit.EUNAUTHORIZED {
			t.Errorf("%s: %v, want unauthorized", name, err)
		}
	}
}

func TestValidateWebhookURL(t *testing.T) {
	gov := &WebhookPolicy{Allow: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}
	for _, test := range []struct {
		in, want string // want "" = invalid
		policy   *WebhookPolicy
	}{
		{"https://hook.cz.jl.gov.cn/credit", "https://hook.cz.jl.gov.cn/credit", nil},
		{"http://hook.cz.jl.gov.cn/credit", "http://hook.cz.jl.gov.cn/credit", nil}, // resolved and checked later
		{"https://8.8.8.8/credit", "https://8.8.8.8/credit", nil},
		{"http://8.8.8.8/credit", "", nil}, // public: https only
		{"  HTTP://10.1.2.3:8080/a?b=c  ", "", nil},
		{"  HTTP://10.1.2.3:8080/a?b=c  ", "http://10.1.2.3:8080/a?b=c", gov},
		{"https://[fd00::1]/x", "", nil},
		{"https://[fd00::1]/x", "", gov},
		{"http://127.0.0.1:8080/", "", nil},
		{"https://[::1]/", "", nil},
		{"https://169.254.169.254/latest/meta-data/", "", nil},
		{"http://[::ffff:127.0.0.1]/", "", nil},
		{"https://[fe80::1%25eth0]/", "", nil},
		{"ftp://x.gov.cn/", "", nil},
		{"file:///etc/passwd", "", nil},
		{"javascript:alert(1)", "", nil},
		{"//x.gov.cn/a", "", nil},
		{"https:///a", "", nil},
		{"https://u:p@x.gov.cn/", "", nil},
		{"https://x.gov.cn/#frag", "", nil},
		{"https://x.gov.cn:99999/", "", nil},
		{"http://0.0.0.0/", "", nil},
		// Address forms the sender would look up as names: refused.
		{"https://127.1/h", "", gov},
		{"https://0x7f000002/hex", "", gov},
		{"https://2130706434/int", "", gov},
		{"https://10.1/h", "", gov},
		{"https://-bad.gov.cn/", "", nil},
		{"https://hook-1.cz.jl.gov.cn./a", "https://hook-1.cz.jl.gov.cn./a", nil},
		{"https://localhost/a", "https://localhost/a", nil}, // a name: resolved and checked later
		{"", "", nil},
		{"https://x.gov.cn/" + strings.Repeat("a", 2000), "", nil},
	} {
		p := test.policy
		if p == nil {
			p = &WebhookPolicy{}
		}
		got, err := p.ValidateURL(test.in)
		if test.want == "" {
			if err == nil {
				t.Errorf("ValidateURL(%q) with %q = %q, want error", test.in, p, got)
			}
			continue
		}
		if err != nil || got != test.want {
			t.Errorf("ValidateURL(%q) with %q = %q, %v; want %q", test.in, p, got, err, test.want)
		}
	}
}

func TestSubscriptionValidateMatches(t *testing.T) {
	d := mustData(t)
	s := Subscription{URL: "https://x.gov.cn/h", ListTypes: []string{"重点关注名单", " black ", "black"}}
	if err := s.Validate(d); err != nil {
		t.Fatal(err)
	}
	if strings.Join(s.ListTypes, ",") != "black,watch" {
		t.Errorf("list types = %v", s.ListTypes)
	}
	for code, want := range map[string]bool{"black": true, "court_dishonest": true, "watch": true, "tax_a": false, "abnormal": false} {
		if got := s.Matches(d, code); got != want {
			t.Errorf("Matches(%s) = %v", code, got)
		}
	}
	all := Subscription{}
	if !all.Matches(d, "tax_a") {
		t.Error("empty list types should match every list")
	}
}

func TestSubscriptionSecretLength(t *testing.T) {
	d := mustData(t)
	for _, tc := range []struct {
		secret, code, message string
	}{
		{"", "", ""}, // the platform generates one
		{strings.Repeat("s", MinSecret), "", ""},
		{strings.Repeat("s", MaxSecret), "", ""},
		{strings.Repeat("s", MinSecret-1), "short_secret", "签名密钥至少32个字符；不提供时由平台生成"},
		{strings.Repeat("s", MaxSecret+1), "long_secret", "签名密钥不能超过200个字符"},
	} {
		s := Subscription{URL: "https://x.gov.cn/h", Secret: tc.secret}
		err := s.Validate(d)
		var code, message string
		var ce *credit.Error
		if errors.As(err, &ce) && len(ce.Details) > 0 {
			code, message = ce.Details[0].Code, ce.Details[0].Message
		} else if err != nil {
			code = err.Error()
		}
		if code != tc.code || message != tc.message {
			t.Errorf("secret of %d characters: %q %q, want %q %q", len(tc.secret), code, message, tc.code, tc.message)
		}
		if err != nil && credit.ErrorCode(err) != credit.EINVALID {
			t.Errorf("secret of %d characters: error code %s, want %s", len(tc.secret), credit.ErrorCode(err), credit.EINVALID)
		}
	}
}

func TestReportRows(t *testing.T) {
	person := "22010219800101123X"
	v := &Verification{Results: []SubjectResult{
		{Seq: 1, Query: Query{Code: "91220101MA0Y5678XX"}, Found: true, Name: "长春某某公司", USCC: "91220101MA0Y56781K", Type: subject.Enterprise, Verdict: Restricted,
			Entries:  []EntryView{{ListName: "严重失信主体名单", Department: "吉林省发展和改革委员会", DocNo: "吉发改〔2026〕1号", ValidFrom: "2026-01-01", ValidUntil: "2028-12-31"}},
			Measures: []AppliedMeasure{{Measure: Measure{Code: "N1-01", Name: "限制参加政府采购活动", Basis: "《政府采购法》第二十二条"}, Obligation: Must}, {Measure: Measure{Code: "JL-01", Name: "加强审查"}, Obligation: May}}},
		{Seq: 2, Query: Query{Code: person}, Found: true, Name: "王某", Type: subject.Person, Verdict: Caution,
			Linked: []EntryView{{SubjectName: "长春某某公司", ListName: "严重失信主体名单", DocNo: "吉发改〔2026〕1号", LinkedAs: "法定代表人（主要负责人）"}}},
		{Seq: 3, Query: Query{Code: person}, Verdict: NoVerdict},
		{Seq: 4, Query: Query{Name: "某公司"}, Ambiguous: 3, Verdict: NoVerdict},
		{Seq: 5, Query: Query{Code: "12345"}, Verdict: NoVerdict},
	}}
	rows := ReportRows(v)
	if len(rows) != 5 || len(rows[0].Cells()) != len(ReportHeader) {
		t.Fatalf("rows = %+v", rows)
	}
	r := rows[0]
	if r.Code != "91220101MA0Y56781K" || r.Found != "是" || r.Validity != "2026-01-01 至 2028-12-31" ||
		r.Must != "N1-01 限制参加政府采购活动（依据：《政府采购法》第二十二条）" || r.May != "JL-01 加强审查" || !strings.HasPrefix(r.Conclusion(), "受限") {
		t.Errorf("row 1 = %+v", r)
	}
	if rows[1].Code != "220102********123X" || !strings.Contains(rows[1].Linked, "关联身份：法定代表人") {
		t.Errorf("row 2 = %+v", rows[1])
	}
	if rows[2].Code != "220102********123X" || rows[2].Found != "否" {
		t.Errorf("row 3 = %+v", rows[2])
	}
	if rows[3].Found != "否（名称对应3个主体）" || rows[3].Name != "某公司" {
		t.Errorf("row 4 = %+v", rows[3])
	}
	if rows[4].Code != "*****" {
		t.Errorf("row 5 code = %q, want masked", rows[4].Code)
	}
	for _, r := range rows {
		if strings.Contains(strings.Join(r.Cells(), "|"), person) {
			t.Errorf("row %d shows the ID number in clear", r.Seq)
		}
	}
}
