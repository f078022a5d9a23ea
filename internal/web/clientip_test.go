package web

import (
	"net/http/httptest"
	"net/netip"
	"testing"

	"jlcredit/internal/credit"
)

func TestClientIP(t *testing.T) {
	proxies, err := ParseTrustedProxies("10.0.0.0/8, 127.0.0.1, fd00::/8")
	if err != nil {
		t.Fatal(err)
	}
	for _, test := range []struct {
		name    string
		remote  string
		xff     []string // X-Forwarded-For header lines
		trusted []netip.Prefix
		want    string
	}{
		{"NoProxies", "192.0.2.1:5000", nil, nil, "192.0.2.1"},
		{"NoProxiesIgnoresHeader", "192.0.2.1:5000", []string{"198.51.100.1"}, nil, "192.0.2.1"},
		{"UntrustedPeerIgnoresHeader", "192.0.2.1:5000", []string{"198.51.100.1"}, proxies, "192.0.2.1"},
		{"UntrustedPeerClaimingProxy", "192.0.2.1:5000", []string{"198.51.100.1, 10.0.0.1"}, proxies, "192.0.2.1"},
		{"TrustedPeer", "10.1.2.3:5000", []string{"198.51.100.1"}, proxies, "198.51.100.1"},
		{"TrustedPeerNoHeader", "10.1.2.3:5000", nil, proxies, "10.1.2.3"},
		{"RightmostUntrusted", "10.1.2.3:5000", []string{"203.0.113.9, 198.51.100.1"}, proxies, "198.51.100.1"},
		{"SkipsTrustedHops", "127.0.0.1:5000", []string{"203.0.113.9, 198.51.100.1, 10.9.9.9, 10.0.0.2"}, proxies, "198.51.100.1"},
		{"SeveralHeaderLines", "10.1.2.3:5000", []string{"203.0.113.9", "198.51.100.1, 10.0.0.2"}, proxies, "198.51.100.1"},
		{"SeveralHeaderLinesLastWins", "10.1.2.3:5000", []string{"203.0.113.9, 10.0.0.5", "198.51.100.1"}, proxies, "198.51.100.1"},
		{"SkipsMalformed", "10.1.2.3:5000", []string{"198.51.100.1, unknown, , 300.1.1.1, [2001:db8::1"}, proxies, "198.51.100.1"},
		{"AllMalformed", "10.1.2.3:5000", []string{"unknown, _hidden"}, proxies, "10.1.2.3"},
		{"AllTrusted", "10.1.2.3:5000", []string{"10.0.0.9, 127.0.0.1"}, proxies, "10.1.2.3"},
		{"EntryWithPort", "10.1.2.3:5000", []string{"198.51.100.1:61000"}, proxies, "198.51.100.1"},
		{"IPv6Entry", "10.1.2.3:5000", []string{"2001:db8::1"}, proxies, "2001:db8::1"},
		{"IPv6EntryBracketed", "10.1.2.3:5000", []string{"[2001:db8::1]"}, proxies, "2001:db8::1"},
		{"IPv6EntryWithPort", "10.1.2.3:5000", []string{"[2001:db8::1]:61000"}, proxies, "2001:db8::1"},
		{"MappedEntry", "10.1.2.3:5000", []string{"::ffff:198.51.100.1"}, proxies, "198.51.100.1"},
		{"MappedTrustedEntry", "10.1.2.3:5000", []string{"198.51.100.1, ::ffff:10.0.0.2"}, proxies, "198.51.100.1"},
		{"IPv6TrustedPeer", "[fd00::1]:443", []string{"2001:db8::7"}, proxies, "2001:db8::7"},
		{"MappedTrustedPeer", "[::ffff:127.0.0.1]:443", []string{"198.51.100.1"}, proxies, "198.51.100.1"},
		{"ZonedPeer", "[fe80::1%eth0]:443", []string{"198.51.100.1"}, proxies, "fe80::1"},
		{"UnparsablePeer", "pipe", []string{"198.51.100.1"}, proxies, "pipe"},
	} {
		t.Run(test.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = test.remote
			for _, v := range test.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := clientIP(r, test.trusted); got != test.want {
				t.Errorf("clientIP(%s, X-Forwarded-For %q) = %q, want %q", test.remote, test.xff, got, test.want)
			}
		})
	}
}

func TestParseTrustedProxies(t *testing.T) {
	for _, test := range []struct {
		in   string
		want string // the networks, comma-separated
	}{
		{"", ""},
		{" , ", ""},
		{"10.0.0.0/8,127.0.0.1/32", "10.0.0.0/8,127.0.0.1/32"},
		{" 10.1.2.3/8 , 192.0.2.1 ", "10.0.0.0/8,192.0.2.1/32"},
		{"2001:db8::/32,::1", "2001:db8::/32,::1/128"},
		{"::ffff:10.0.0.0/104", "10.0.0.0/8"},
	} {
		nets, err := ParseTrustedProxies(test.in)
		if err != nil {
			t.Errorf("ParseTrustedProxies(%q): %v", test.in, err)
			continue
		}
		got := ""
		for i, p := range nets {
			if i > 0 {
				got += ","
			}
			got += p.String()
		}
		if got != test.want {
			t.Errorf("ParseTrustedProxies(%q) = %q, want %q", test.in, got, test.want)
		}
	}
	for _, in := range []string{"10.0.0.0/33", "nope", "10.0.0.0/8,10.0.0", "fe80::1%eth0", "10.0.0.0/8/8"} {
		_, err := ParseTrustedProxies(in)
		if credit.ErrorCode(err) != credit.EINVALID {
			t.Errorf("ParseTrustedProxies(%q): %v, want EINVALID", in, err)
		}
	}
	_, err := ParseTrustedProxies("10.0.0.0/8, 10.0.0.0/33")
	if got, want := credit.ErrorMessage(err), "网段“10.0.0.0/33”无效，应为CIDR格式，如10.0.0.0/8或127.0.0.1/32，多个以逗号分隔"; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
}
