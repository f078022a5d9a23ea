package lists

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"

	"jlcredit/internal/credit"
)

func TestWebhookPolicyCheckAddr(t *testing.T) {
	none := &WebhookPolicy{}
	gov, err := ParseWebhookNetworks(" 10.0.0.0/8, 127.0.0.1/32,fd12::/16 ,,192.168.1.7")
	if err != nil {
		t.Fatal(err)
	}
	everything, err := ParseWebhookNetworks("0.0.0.0/0,::/0")
	if err != nil {
		t.Fatal(err)
	}
	for _, test := range []struct {
		name   string
		policy *WebhookPolicy
		addr   string
		https  bool
		want   string // "" = allowed, else a part of the message
	}{
		{"PublicHTTPS", none, "8.8.8.8", true, ""},
		{"PublicHTTPSv6", none, "2001:4860:4860::8888", true, ""},
		{"ErrPublicHTTP", none, "8.8.8.8", false, "须使用https://"},
		{"ErrPublicHTTPv6", none, "2001:4860:4860::8888", false, "须使用https://"},
		{"ErrLoopback", none, "127.0.0.1", true, "内网或本机地址127.0.0.1"},
		{"ErrLoopbackOther", none, "127.8.9.10", true, "内网或本机地址"},
		{"ErrLoopbackV6", none, "::1", true, "内网或本机地址::1"},
		{"ErrMappedLoopback", none, "::ffff:127.0.0.1", true, "内网或本机地址127.0.0.1"},
		{"ErrMappedPrivate", none, "::ffff:10.1.2.3", true, "内网或本机地址10.1.2.3"},
		{"ErrNAT64Loopback", none, "64:ff9b::7f00:1", true, "内网或本机地址"},
		{"ErrPrivate10", none, "10.1.2.3", true, "CREDIT_WEBHOOK_NETWORKS"},
		{"ErrPrivate172", none, "172.20.0.5", true, "内网或本机地址"},
		{"Public172Outside", none, "172.32.0.5", true, ""},
		{"ErrPrivate192", none, "192.168.0.1", true, "内网或本机地址"},
		{"ErrShared", none, "100.64.0.1", true, "内网或本机地址"},
		{"ErrULA", none, "fd00::1", true, "内网或本机地址"},
		{"ErrThisNetwork", none, "0.1.2.3", true, "内网或本机地址"},
		{"ErrUnspecified", none, "0.0.0.0", true, "未指定地址"},
		{"ErrUnspecifiedV6", none, "::", true, "未指定地址"},
		{"ErrMetadata", none, "169.254.169.254", true, "链路本地地址169.254.169.254"},
		{"ErrLinkLocalV6", none, "fe80::1", true, "链路本地地址"},
		{"ErrLinkLocalZone", none, "fe80::1%eth0", true, "链路本地地址"},
		{"ErrMulticast", none, "224.0.0.1", true, "组播"},
		{"ErrMulticastV6", none, "ff02::1", true, "组播"},
		{"ErrBroadcast", none, "255.255.255.255", true, "广播"},
		{"AllowedPrivateHTTP", gov, "10.1.2.3", false, ""},
		{"AllowedPrivateHTTPS", gov, "10.200.0.1", true, ""},
		{"AllowedLoopback", gov, "127.0.0.1", false, ""},
		{"AllowedMappedLoopback", gov, "::ffff:127.0.0.1", false, ""},
		{"ErrLoopbackNotAllowed", gov, "127.0.0.2", false, "内网或本机地址127.0.0.2"},
		{"AllowedBareAddress", gov, "192.168.1.7", false, ""},
		{"ErrNeighbourNotAllowed", gov, "192.168.1.8", true, "内网或本机地址"},
		{"AllowedULA", gov, "fd12::1", false, ""},
		{"ErrPublicHTTPStillHTTPS", gov, "8.8.8.8", false, "须使用https://"},
		{"ErrMetadataEvenIfAllowed", everything, "169.254.169.254", true, "链路本地地址"},
		{"ErrUnspecifiedEvenIfAllowed", everything, "0.0.0.0", true, "未指定地址"},
		{"ErrMulticastEvenIfAllowed", everything, "ff02::1", true, "组播"},
		{"PublicHTTPWhenAllowed", everything, "8.8.8.8", false, ""},
	} {
		t.Run(test.name, func(t *testing.T) {
			err := test.policy.CheckAddr(netip.MustParseAddr(test.addr), test.https)
			switch {
			case test.want == "" && err != nil:
				t.Errorf("CheckAddr(%s, https=%v) = %v, want allowed", test.addr, test.https, err)
			case test.want != "" && err == nil:
				t.Errorf("CheckAddr(%s, https=%v) allowed, want %q", test.addr, test.https, test.want)
			case err != nil && (credit.ErrorCode(err) != credit.EINVALID || !strings.Contains(credit.ErrorMessage(err), test.want)):
				t.Errorf("CheckAddr(%s, https=%v) = %v, want invalid with %q", test.addr, test.https, err, test.want)
			}
		})
	}
}

func TestParseWebhookNetworks(t *testing.T) {
	for _, test := range []struct {
		in, want string // want "!" = invalid
	}{
		{"", ""},
		{" , ", ""},
		{"10.0.0.0/8,127.0.0.1/32", "10.0.0.0/8,127.0.0.1/32"},
		{"10.1.2.3/8", "10.0.0.0/8"},
		{"::ffff:10.0.0.0/104", "10.0.0.0/8"},
		{"fd00::/8, 127.0.0.1", "fd00::/8,127.0.0.1/32"},
		{"10.0.0.0/33", "!"},
		{"10.0.0.0/8;192.168.0.0/16", "!"},
		{"政务外网", "!"},
		{"fe80::1%eth0", "!"},
	} {
		p, err := ParseWebhookNetworks(test.in)
		if test.want == "!" {
			if err == nil || credit.ErrorCode(err) != credit.EINVALID || !strings.Contains(credit.ErrorMessage(err), WebhookNetworksEnv) {
				t.Errorf("ParseWebhookNetworks(%q) = %v, %v; want invalid naming %s", test.in, p, err, WebhookNetworksEnv)
			}
			continue
		}
		if err != nil || p.String() != test.want {
			t.Errorf("ParseWebhookNetworks(%q) = %v, %v; want %q", test.in, p, err, test.want)
		}
	}
}

func TestWebhookNetworksFromEnv(t *testing.T) {
	// Forget the policy so that the next use reads the environment again.
	defer ResetWebhookNetworks()()
	forget := func() { ResetWebhookNetworks() }
	t.Setenv(WebhookNetworksEnv, "10.0.0.0/8, 127.0.0.1/32")
	forget()
	p, err := WebhookNetworks()
	if err != nil || p.String() != "10.0.0.0/8,127.0.0.1/32" {
		t.Fatalf("WebhookNetworks = %v, %v", p, err)
	}
	// Parsed once: a change of the environment is not seen until restart.
	t.Setenv(WebhookNetworksEnv, "")
	if p, _ := WebhookNetworks(); p.String() != "10.0.0.0/8,127.0.0.1/32" {
		t.Errorf("after a change of the environment: %v", p)
	}
	t.Setenv(WebhookNetworksEnv, "10.0.0.0/8,bad")
	forget()
	if _, err := WebhookNetworks(); err == nil || !strings.Contains(credit.ErrorMessage(err), "“bad”") {
		t.Errorf("bad value: %v", err)
	}
	if _, err := ValidateWebhookURL("https://x.gov.cn/h"); err == nil {
		t.Error("a subscription was accepted with a bad CREDIT_WEBHOOK_NETWORKS")
	}
}

func TestSubscriptionRefusesLoopback(t *testing.T) {
	d := mustData(t)
	defer SetWebhookNetworks(nil)()
	s := Subscription{URL: "http://127.0.0.1:8080/hook"}
	err := s.Validate(d)
	if credit.ErrorCode(err) != credit.EINVALID || !strings.Contains(credit.ErrorMessage(err), "不允许推送到内网或本机地址127.0.0.1") {
		t.Fatalf("subscription to http://127.0.0.1 = %v, want refused", err)
	}
	defer SetWebhookNetworks(&WebhookPolicy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})()
	s = Subscription{URL: "http://127.0.0.1:8080/hook"}
	if err := s.Validate(d); err != nil {
		t.Errorf("subscription to an allowed network: %v", err)
	}
}

func TestWebhookPolicyCheckHost(t *testing.T) {
	p := &WebhookPolicy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
	addrs := []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::1")}
	err := p.CheckHost("localhost", false, addrs)
	if err == nil || !strings.Contains(credit.ErrorMessage(err), "URL主机“localhost”解析为::1") {
		t.Errorf("CheckHost(localhost) = %v, want refused naming the host and ::1", err)
	}
	if err := p.CheckHost("localhost", false, addrs[:1]); err != nil {
		t.Errorf("CheckHost(localhost → 127.0.0.1) = %v", err)
	}
}

func TestKindAdverse(t *testing.T) {
	d := mustData(t)
	for _, lt := range d.ListTypes {
		if got, want := lt.Kind.Adverse(), lt.Kind != Red; got != want {
			t.Errorf("%s (%s): Adverse = %v, want %v", lt.Code, lt.Kind, got, want)
		}
	}
}

func TestNoticeView(t *testing.T) {
	d := mustData(t)
	removed := entry(t, d, "重点关注名单", "2026-01-10", "2027-01-09",
		map[string]string{FieldRemovedOn: "2026-11-20", FieldRemovalKind: RemovedEarly, FieldRemovalReason: "已整改到位"})
	expired := entry(t, d, "严重失信主体名单", "2022-01-10", "2024-01-09", nil)
	active := entry(t, d, "严重失信主体名单", "2026-01-10", "", nil)
	for _, test := range []struct {
		name              string
		kind              NotificationKind
		e                 *Entry
		on, how, why, doc string
	}{
		{"Removed", NotifyRemoval, removed, "2026-11-20", RemovedEarly, "已整改到位", "吉发改认〔2026〕1号"},
		{"Expired", NotifyRemoval, expired, "2024-01-10", RemovedExpired, "", "吉发改认〔2026〕1号"},
		{"Listing", NotifyListing, active, "", "", "", "吉发改认〔2026〕1号"},
	} {
		t.Run(test.name, func(t *testing.T) {
			v := NoticeView(test.kind, test.e)
			if v.RemovedOn != test.on || v.RemovalKind != test.how || v.RemovalReason != test.why || v.DocNo != test.doc {
				t.Errorf("NoticeView = %+v, want removed on %q, %q, %q", v, test.on, test.how, test.why)
			}
			b, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			if m["doc_no"] != test.doc {
				t.Errorf("JSON %s lacks the entry's fields at the top level", b)
			}
			for field, want := range map[string]string{"removed_on": test.on, "removal_kind": test.how, "removal_reason": test.why} {
				got, ok := m[field]
				if (want == "") != !ok || (ok && got != want) {
					t.Errorf("JSON %s: %s = %v, want %q", b, field, got, want)
				}
			}
		})
	}
}
