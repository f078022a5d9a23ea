package web

import (
	"net/http"
	"net/netip"
	"strings"

	"jlcredit/internal/credit"
)

// ParseTrustedProxies parses a comma-separated list of the networks of
// trusted reverse proxies, in CIDR notation ("10.0.0.0/8,127.0.0.1/32"; a
// bare address is its /32 or /128). Empty entries are skipped. It returns
// EINVALID naming the first entry that is not a network.
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var nets []netip.Prefix
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			a, aerr := netip.ParseAddr(part)
			if aerr != nil || a.Zone() != "" {
				return nil, credit.Errorf(credit.EINVALID, "网段“%s”无效，应为CIDR格式，如10.0.0.0/8或127.0.0.1/32，多个以逗号分隔", part)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		// ::ffff:10.0.0.0/104 is 10.0.0.0/8: addresses are compared unmapped.
		if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
		}
		nets = append(nets, p.Masked())
	}
	return nets, nil
}

// clientIP returns the address of the client that sent r. That is the
// direct peer, unless the peer is in a trusted proxy network: then it is
// the rightmost address in X-Forwarded-For that is not itself in one (each
// proxy appends the address it was reached from, so the entries to the
// left of that one are the client's own claims). Malformed entries are
// skipped; when no entry qualifies, the peer it is. From a peer that is not
// trusted X-Forwarded-For is ignored, so a client cannot choose its own
// address.
func clientIP(r *http.Request, trusted []netip.Prefix) string {
	peer, ok := parseIP(r.RemoteAddr)
	if !ok {
		host := r.RemoteAddr
		if i := strings.LastIndexByte(host, ':'); i > 0 {
			host = host[:i]
		}
		return strings.Trim(host, "[]")
	}
	if !inNetworks(peer, trusted) {
		return peer.String()
	}
	hops := r.Header.Values("X-Forwarded-For")
	for i := len(hops) - 1; i >= 0; i-- {
		entries := strings.Split(hops[i], ",")
		for j := len(entries) - 1; j >= 0; j-- {
			a, ok := parseIP(strings.TrimSpace(entries[j]))
			if ok && !inNetworks(a, trusted) {
				return a.String()
			}
		}
	}
	return peer.String()
}

// parseIP parses an address as it appears in RemoteAddr or an
// X-Forwarded-For entry: "192.0.2.1", "192.0.2.1:5000", "2001:db8::1",
// "[2001:db8::1]" or "[2001:db8::1]:5000". The address is returned
// unmapped (::ffff:192.0.2.1 is 192.0.2.1) and without a zone.
func parseIP(s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		if inner, ok := strings.CutPrefix(s, "["); ok && strings.HasSuffix(inner, "]") {
			a, err = netip.ParseAddr(strings.TrimSuffix(inner, "]"))
		} else if ap, perr := netip.ParseAddrPort(s); perr == nil {
			a, err = ap.Addr(), nil
		}
		if err != nil {
			return netip.Addr{}, false
		}
	}
	return a.WithZone("").Unmap(), true
}

// inNetworks reports whether a is in one of nets.
func inNetworks(a netip.Addr, nets []netip.Prefix) bool {
	for _, p := range nets {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
