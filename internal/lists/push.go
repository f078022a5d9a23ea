package lists

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"jlcredit/internal/credit"
	"jlcredit/internal/subject"
)

// 发起—响应—反馈 (DOMAIN.md §4.2). A new version of a list entry is the
// 发起. The platform answers it (响应) by pushing it to the departments that
// subscribed to its list type: a notification in the department's inbox in
// the console, and a signed webhook delivery to each URL the department
// registered. The department acknowledges the notification with feedback
// (反馈). A department that verified a subject in the last AlertDays days is
// alerted in its inbox when the subject is newly listed on an adverse list
// (Kind.Adverse), whether or not it subscribed; the alert goes to its
// webhooks only when they subscribed to the list type, as every other event.

// AlertDays is how far back a verification makes its department receive an
// alert when the verified subject is newly listed.
const AlertDays = 90

// NotificationKind is what happened to a list entry, from the point of view
// of the notified department.
type NotificationKind string

// Notification kinds.
const (
	NotifyListing NotificationKind = "listing" // 列入: a new entry, in force or about to be
	NotifyUpdate  NotificationKind = "update"  // 变更: a new version of an entry still in force
	NotifyRemoval NotificationKind = "removal" // 移出: the entry is no longer in force (removed, expired)
	NotifyAlert   NotificationKind = "alert"   // 核查预警: newly listed, and verified by the department lately
)

// Label returns the Chinese name of k.
func (k NotificationKind) Label() string {
	switch k {
	case NotifyListing:
		return "列入名单"
	case NotifyUpdate:
		return "名单信息变更"
	case NotifyRemoval:
		return "移出名单"
	case NotifyAlert:
		return "核查预警"
	}
	return string(k)
}

// Adverse reports whether entries of kind k are adverse to the subject (the
// black list and its sub-lists, the watch list, 经营异常名录): a department
// that verified the subject lately is alerted when it is newly listed on
// one. A red list (守信激励对象) is not adverse and raises no alert.
func (k Kind) Adverse() bool { return k == Black || k == Watch || k == Abnormal }

// inForce reports whether an entry in state s binds departments now or will
// from its start: pending entries are pushed as soon as they are decided.
func inForce(s State) bool { return s == Active || s == Pending }

// PushEvent returns what a new version cur of an entry means on day, given
// the previous current version prev (nil for the first version): a listing
// when it comes into force, an update when it stays in force, a removal when
// it leaves it. It returns false when nothing is to be pushed, e.g. a
// historical entry imported after it expired.
func PushEvent(prev, cur *Entry, day credit.Date) (NotificationKind, bool) {
	now := inForce(cur.StateOn(day))
	was := prev != nil && inForce(prev.StateOn(day))
	switch {
	case now && !was:
		return NotifyListing, true
	case now && was:
		return NotifyUpdate, true
	case !now && was:
		return NotifyRemoval, true
	}
	return "", false
}

// Title returns the one-line summary of a notification about e.
func Title(kind NotificationKind, e *Entry) string {
	switch kind {
	case NotifyListing:
		return "“" + e.SubjectName + "”列入" + e.ListName
	case NotifyUpdate:
		return "“" + e.SubjectName + "”的" + e.ListName + "信息变更"
	case NotifyRemoval:
		return "“" + e.SubjectName + "”移出" + e.ListName
	case NotifyAlert:
		return "核查预警：本部门核查过的“" + e.SubjectName + "”新列入" + e.ListName
	}
	return e.SubjectName
}

// NoticeEntry is a list entry as a notification shows it: the entry as
// verification answers show it and, once it is removed or expired, when,
// how and why it left the list.
type NoticeEntry struct {
	EntryView
	RemovedOn     string `json:"removed_on,omitempty"`     // 移出日期, the first day no longer in force
	RemovalKind   string `json:"removal_kind,omitempty"`   // 移出方式: RemovedExpired, RemovedEarly, ...
	RemovalReason string `json:"removal_reason,omitempty"` // 移出原因
}

// NoticeView returns e as a notification of kind shows it. A removal always
// says when and how: an entry that expired without a removal date was
// removed the day after its last valid day, as RemovedExpired.
func NoticeView(kind NotificationKind, e *Entry) NoticeEntry {
	v := NoticeEntry{EntryView: e.View(), RemovalKind: e.RemovalKind, RemovalReason: e.RemovalReason}
	if e.RemovedOn != nil {
		v.RemovedOn = day(*e.RemovedOn)
	}
	if kind == NotifyRemoval && e.RemovedOn == nil && e.ValidUntil != nil {
		v.RemovedOn = day(e.ValidUntil.AddDate(0, 0, 1))
		if v.RemovalKind == "" {
			v.RemovalKind = RemovedExpired
		}
	}
	return v
}

// NoticeSubject identifies the subject of a notification. A person's
// identity number is masked: the department verifies the person with the
// number it holds.
type NoticeSubject struct {
	ID   credit.SubjectID `json:"id"`
	Name string           `json:"name"`
	Type string           `json:"type,omitempty"`
	// Code is the USCC of an organisation, or the masked identity number of
	// a person (e.g. 220102********123X).
	Code string `json:"code,omitempty"`
}

// SubjectCode returns the code shown for a subject: an organisation's USCC
// in clear, anything else masked.
func SubjectCode(typ, uscc, citizenID string) string {
	if uscc != "" && typ != string(subject.Person) {
		return uscc
	}
	if citizenID != "" {
		return subject.MaskCitizenID(citizenID)
	}
	return ""
}

// AlertInfo is why a department is alerted: its latest verification of the
// subject within AlertDays days.
type AlertInfo struct {
	VerificationID int64     `json:"verification_id,omitempty"`
	VerifiedAt     time.Time `json:"verified_at"`
}

// Notification is one item of a department's inbox.
type Notification struct {
	ID           int64               `json:"id"`
	DepartmentID credit.DepartmentID `json:"department_id"`
	Kind         NotificationKind    `json:"kind"`
	KindLabel    string              `json:"kind_label"`
	Title        string              `json:"title"`
	RecordID     credit.RecordID     `json:"record_id"` // the entry version that caused it
	Key          string              `json:"key"`
	Subject      NoticeSubject       `json:"subject"`
	Entry        NoticeEntry         `json:"entry"`
	Alert        *AlertInfo          `json:"alert,omitempty"`
	CreatedAt    time.Time           `json:"created_at"`
	AckedAt      *time.Time          `json:"acked_at,omitempty"`
	AckedBy      string              `json:"acked_by,omitempty"`
	Feedback     string              `json:"feedback,omitempty"`
}

// NotificationFilter selects inbox items.
type NotificationFilter struct {
	// DepartmentID is the inbox; departments always see their own.
	DepartmentID *credit.DepartmentID
	Kind         NotificationKind
	Unacked      bool // only those not yet acknowledged
	Offset       int
	Limit        int
}

// MaxFeedback is the longest feedback text, in characters.
const MaxFeedback = 2000

// ValidateAck checks the feedback given with an acknowledgement.
func ValidateAck(feedback string) (string, error) {
	feedback = strings.TrimSpace(feedback)
	if credit.Blank(feedback) {
		feedback = ""
	}
	if c, bad := credit.BadRune(feedback); bad {
		return "", credit.Errorf(credit.EINVALID, "反馈内容%s", credit.BadRuneMessage(c))
	}
	if n := len([]rune(feedback)); n > MaxFeedback {
		return "", credit.Errorf(credit.EINVALID, "反馈内容最多%d字，实际%d字", MaxFeedback, n)
	}
	return feedback, nil
}

// Subscription is a department's request to be pushed list entries by
// webhook. Every subscribing department also receives them in its inbox.
type Subscription struct {
	ID           int64               `json:"id"`
	DepartmentID credit.DepartmentID `json:"department_id"`
	URL          string              `json:"url"`
	// ListTypes are list type codes; a parent list includes its national
	// sub-lists. Empty means every list.
	ListTypes []string   `json:"list_types"`
	CreatedAt time.Time  `json:"created_at"`
	CreatedBy string     `json:"created_by,omitempty"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	// Secret signs the deliveries. It is returned once, when the
	// subscription is created, and never shown again.
	Secret string `json:"secret,omitempty"`
}

// SecretPrefix starts every signing secret the platform generates.
const SecretPrefix = "whsec_"

// MinSecret and MaxSecret bound the length of a signing secret a
// department chooses.
const (
	MinSecret = 32
	MaxSecret = 200
)

// MaxSubscriptions is how many active subscriptions a department may have.
const MaxSubscriptions = 10

// Validate checks a subscription before it is saved and normalises its URL
// and list types. A list type without a visible character (null or "" in
// a request) is refused, naming its place ("list_types[0]"): only no list
// types at all means every list. A secret is checked by secretProblem.
func (s *Subscription) Validate(d *Data) error {
	var ps []credit.Problem
	u, err := ValidateWebhookURL(s.URL)
	if err != nil {
		ps = append(ps, credit.Problem{Field: "url", Code: "bad_url", Message: credit.ErrorMessage(err)})
	} else {
		s.URL = u
	}
	var types []string
	for i, t := range s.ListTypes {
		at := "list_types[" + strconv.Itoa(i) + "]"
		t = strings.TrimSpace(t)
		if credit.Blank(t) {
			// null or "" in a request: not a list type, and not "every
			// list" either (that is no list_types at all).
			ps = append(ps, credit.Problem{Field: at, Code: "bad_list_type",
				Message: "第" + strconv.Itoa(i+1) + "个名单类型（" + at + "）为空：应为名单类型代码或名称，如black；订阅全部名单时请省略list_types"})
			continue
		}
		if slices.Contains(types, t) {
			continue
		}
		if _, ok := d.ListType(t); !ok {
			if lt, ok := d.ListTypeByName(t); ok {
				t = lt.Code
			} else {
				ps = append(ps, credit.Problem{Field: at, Code: "bad_list_type", Message: "名单类型“" + clip(t) + "”不存在"})
				continue
			}
		}
		types = append(types, t)
	}
	slices.Sort(types)
	s.ListTypes = types
	if p := secretProblem(s.Secret); p != nil {
		ps = append(ps, *p)
	}
	if len(ps) > 0 {
		return credit.Invalid(ps[0].Message, ps...)
	}
	return nil
}

// secretProblem says what is wrong with a signing secret a department
// chooses, or returns nil: "" (the platform generates one), or
// MinSecret to MaxSecret characters, each visible (no white space,
// control or zero-width characters, which are easily lost or added on the
// receiver's side, and no invalid UTF-8).
func secretProblem(secret string) *credit.Problem {
	const generated = "；不提供时由平台生成"
	if secret == "" {
		return nil
	}
	if !utf8.ValidString(secret) || strings.ContainsFunc(secret, credit.Invisible) {
		return &credit.Problem{Field: "secret", Code: "bad_secret", Message: "签名密钥只能由可见字符组成，不能含空格、控制字符或零宽字符等不可见字符" + generated}
	}
	switch n := utf8.RuneCountInString(secret); {
	case n < MinSecret:
		return &credit.Problem{Field: "secret", Code: "short_secret", Message: "签名密钥至少" + strconv.Itoa(MinSecret) + "个字符" + generated}
	case n > MaxSecret:
		return &credit.Problem{Field: "secret", Code: "long_secret", Message: "签名密钥不能超过" + strconv.Itoa(MaxSecret) + "个字符"}
	}
	return nil
}

// Matches reports whether the subscription covers entries of list type
// code: listed directly, through its parent list, or all lists.
func (s *Subscription) Matches(d *Data, code string) bool {
	if len(s.ListTypes) == 0 || slices.Contains(s.ListTypes, code) {
		return true
	}
	if lt, ok := d.ListType(code); ok && lt.Parent != "" {
		return slices.Contains(s.ListTypes, lt.Parent)
	}
	return false
}

// ValidateWebhookURL checks a webhook URL a department registers against
// the process's WebhookNetworks and returns it normalised; see
// WebhookPolicy.ValidateURL.
func ValidateWebhookURL(raw string) (string, error) {
	p, err := WebhookNetworks()
	if err != nil {
		return "", err
	}
	return p.ValidateURL(raw)
}

// ValidateURL checks a webhook URL a department registers and returns it
// normalised: absolute https (or http to an allowed network), a host, no
// user information (credentials belong in the signature, not the URL), no
// fragment, at most 2,000 characters. A host given as an IP address must
// pass CheckAddr; a host name is checked by CheckHost once resolved, and
// every connection by CheckAddr again when it is made.
func (p *WebhookPolicy) ValidateURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", credit.Errorf(credit.EINVALID, "请提供接收推送的URL")
	}
	if len(raw) > 2000 {
		return "", credit.Errorf(credit.EINVALID, "URL过长（最多2000个字符）")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", credit.Errorf(credit.EINVALID, "URL“%s”无效", clip(raw))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", credit.Errorf(credit.EINVALID, "URL须以 https:// 开头（http:// 仅限运维人员允许的网段）")
	}
	if u.Opaque != "" || u.Hostname() == "" {
		return "", credit.Errorf(credit.EINVALID, "URL“%s”缺少主机名", clip(raw))
	}
	if u.User != nil {
		return "", credit.Errorf(credit.EINVALID, "URL中不得包含用户名或密码，推送以签名验证来源")
	}
	if u.Fragment != "" || u.RawFragment != "" {
		return "", credit.Errorf(credit.EINVALID, "URL中不得包含“#”片段")
	}
	if port := u.Port(); port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return "", credit.Errorf(credit.EINVALID, "URL端口“%s”无效", clip(port))
		}
	}
	host := u.Hostname()
	if a, err := netip.ParseAddr(host); err == nil {
		if err := p.CheckAddr(a, u.Scheme == "https"); err != nil {
			return "", err
		}
	} else if strings.Contains(host, ":") || strings.Contains(host, "%") {
		return "", credit.Errorf(credit.EINVALID, "URL主机“%s”无效", clip(host))
	} else if !dnsName(host) {
		// 127.1, 0x7f000001, 2130706433: address forms other programs
		// read as IP addresses, which neither the check nor the sender
		// does (the sender would look them up as names and fail forever).
		return "", credit.Errorf(credit.EINVALID, "URL主机“%s”不是规范的IP地址（如203.0.113.5）或域名", clip(host))
	}
	u.Host = strings.ToLower(u.Host)
	return u.String(), nil
}

// dnsName reports whether host is a domain name as the sender resolves it:
// dot-separated labels of letters, digits and hyphens (not at either end),
// the last of which is not all digits, and not a hexadecimal number (0x…).
func dnsName(host string) bool {
	host = strings.TrimSuffix(host, ".")
	if host == "" || len(host) > 253 || strings.HasPrefix(strings.ToLower(host), "0x") {
		return false
	}
	labels := strings.Split(host, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c >= 0x80) {
				return false
			}
		}
	}
	return strings.Trim(labels[len(labels)-1], "0123456789") != ""
}

// WebhookNetworksEnv names the environment variable that lists the networks
// webhooks may be sent to although they are private or loopback addresses,
// e.g. the province's 电子政务外网: comma-separated CIDR prefixes such as
// "10.0.0.0/8,127.0.0.1/32". Plain http:// is allowed only to them.
const WebhookNetworksEnv = "CREDIT_WEBHOOK_NETWORKS"

// WebhookPolicy decides which addresses the platform sends webhooks to.
// Unspecified, multicast, broadcast and link-local addresses (169.254.0.0/16
// with the cloud metadata service, fe80::/10) are always refused. Loopback,
// private and shared addresses (10/8, 172.16/12, 192.168/16, 100.64/10,
// fc00::/7 and other ranges that are not globally routable) are refused
// unless in Allow. Any other address receives https only, unless in Allow.
type WebhookPolicy struct {
	// Allow are the networks that may receive webhooks over http or https,
	// even when private or loopback.
	Allow []netip.Prefix
}

// ParseWebhookNetworks reads the value of WebhookNetworksEnv: CIDR prefixes
// separated by commas; a bare address stands for itself (/32 or /128). An
// empty value allows no network. Returns EINVALID naming the bad prefix.
func ParseWebhookNetworks(s string) (*WebhookPolicy, error) {
	p := &WebhookPolicy{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		pfx, err := netip.ParsePrefix(part)
		if err != nil {
			a, aerr := netip.ParseAddr(part)
			if aerr != nil || a.Zone() != "" {
				return nil, credit.Errorf(credit.EINVALID, "%s中的网段“%s”无效，应为CIDR格式，如10.0.0.0/8或127.0.0.1/32，多个以逗号分隔", WebhookNetworksEnv, part)
			}
			pfx = netip.PrefixFrom(a, a.BitLen())
		}
		if a := pfx.Addr(); a.Is4In6() && pfx.Bits() >= 96 {
			pfx = netip.PrefixFrom(a.Unmap(), pfx.Bits()-96)
		}
		p.Allow = append(p.Allow, pfx.Masked())
	}
	return p, nil
}

// String returns the allowed networks as WebhookNetworksEnv lists them.
func (p *WebhookPolicy) String() string {
	s := make([]string, len(p.Allow))
	for i, pfx := range p.Allow {
		s[i] = pfx.String()
	}
	return strings.Join(s, ",")
}

// Allows reports whether a is in an allowed network.
func (p *WebhookPolicy) Allows(a netip.Addr) bool {
	a = a.WithZone("").Unmap()
	for _, pfx := range p.Allow {
		if pfx.Contains(a) {
			return true
		}
	}
	return false
}

// internalPrefixes are the ranges refused unless allowed: loopback, private
// and shared networks, and others that are not globally reachable (RFC 6890).
var internalPrefixes = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "172.16.0.0/12", "192.0.0.0/24",
		"192.168.0.0/16", "198.18.0.0/15", "240.0.0.0/4",
		"::/96", "100::/64", "fc00::/7", "fec0::/10", "2001:db8::/32",
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// nat64 is the well-known NAT64 prefix: its addresses reach the IPv4
// address in their last 32 bits, which is checked in their stead.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// CheckAddr checks a webhook may be sent to a, over https or plain http.
// The error (EINVALID) names the address and why it is refused.
func (p *WebhookPolicy) CheckAddr(a netip.Addr, https bool) error {
	a = a.WithZone("").Unmap()
	if !a.IsValid() {
		return credit.Errorf(credit.EINVALID, "接收地址无效")
	}
	target := a
	if nat64.Contains(a) {
		b := a.As16()
		target = netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
	}
	switch {
	case target.IsUnspecified():
		return credit.Errorf(credit.EINVALID, "不允许推送到未指定地址%s", a)
	case target.IsMulticast() || target == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return credit.Errorf(credit.EINVALID, "不允许推送到组播或广播地址%s", a)
	case target.IsLinkLocalUnicast():
		return credit.Errorf(credit.EINVALID, "不允许推送到链路本地地址%s（169.254.0.0/16、fe80::/10，含云主机元数据服务）", a)
	}
	if p.Allows(a) || (target != a && p.Allows(target)) {
		return nil
	}
	if target.IsLoopback() || target.IsPrivate() || slices.ContainsFunc(internalPrefixes, func(pfx netip.Prefix) bool { return pfx.Contains(target) }) {
		return credit.Errorf(credit.EINVALID, "不允许推送到内网或本机地址%s；如确需推送到电子政务外网，请由运维人员在%s中配置允许的网段", a, WebhookNetworksEnv)
	}
	if !https {
		return credit.Errorf(credit.EINVALID, "推送到%s须使用https://；http://仅允许用于运维人员在%s中配置的网段（如电子政务外网）", a, WebhookNetworksEnv)
	}
	return nil
}

// CheckHost checks the addresses host resolved to, as a subscription is
// created: every one must pass CheckAddr. The error names the host.
func (p *WebhookPolicy) CheckHost(host string, https bool, addrs []netip.Addr) error {
	for _, a := range addrs {
		if err := p.CheckAddr(a, https); err != nil {
			return credit.Errorf(credit.EINVALID, "URL主机“%s”解析为%s：%s", host, a.WithZone("").Unmap(), credit.ErrorMessage(err))
		}
	}
	return nil
}

// webhookNetworks is the process's policy: read from WebhookNetworksEnv on
// first use, or set by SetWebhookNetworks.
var webhookNetworks struct {
	sync.Mutex
	loaded bool
	policy *WebhookPolicy
	err    error
}

// WebhookNetworks returns the process's webhook policy: the networks of
// WebhookNetworksEnv, parsed once, on first use. A bad value is an error
// (EINTERNAL, naming the variable and the bad prefix) on every use, so that
// nothing is sent and no subscription is created until an operator fixes
// it; call it at startup to fail early.
func WebhookNetworks() (*WebhookPolicy, error) {
	w := &webhookNetworks
	w.Lock()
	defer w.Unlock()
	if !w.loaded {
		w.loaded = true
		w.policy, w.err = ParseWebhookNetworks(os.Getenv(WebhookNetworksEnv))
		if w.err != nil {
			w.err = credit.Errorf(credit.EINTERNAL, "推送网段配置错误：%s；请联系运维人员修正后重启", credit.ErrorMessage(w.err))
		}
	}
	return w.policy, w.err
}

// ResetWebhookNetworks forgets the process's webhook policy, so that its
// next use reads WebhookNetworksEnv again as a new process does, and returns
// a function that restores the policy it forgot. For tests.
func ResetWebhookNetworks() (restore func()) {
	w := &webhookNetworks
	w.Lock()
	defer w.Unlock()
	loaded, policy, err := w.loaded, w.policy, w.err
	w.loaded, w.policy, w.err = false, nil, nil
	return func() {
		w.Lock()
		defer w.Unlock()
		w.loaded, w.policy, w.err = loaded, policy, err
	}
}

// SetWebhookNetworks replaces the process's webhook policy, in place of
// WebhookNetworksEnv, and returns a function that restores the previous one.
// Tests use it to let deliveries reach a receiver on 127.0.0.1:
//
//	t.Cleanup(lists.SetWebhookNetworks(&lists.WebhookPolicy{Allow: ...}))
func SetWebhookNetworks(p *WebhookPolicy) (restore func()) {
	if p == nil {
		p = &WebhookPolicy{}
	}
	w := &webhookNetworks
	w.Lock()
	defer w.Unlock()
	loaded, policy, err := w.loaded, w.policy, w.err
	w.loaded, w.policy, w.err = true, p, nil
	return func() {
		w.Lock()
		defer w.Unlock()
		w.loaded, w.policy, w.err = loaded, policy, err
	}
}

// DeliveryStatus is the state of a webhook delivery.
type DeliveryStatus string

// Delivery states.
const (
	DeliveryPending   DeliveryStatus = "pending"   // waiting for its (next) attempt
	DeliveryDelivered DeliveryStatus = "delivered" // the receiver answered 2xx
	DeliveryFailed    DeliveryStatus = "failed"    // given up after the last retry
	DeliveryCancelled DeliveryStatus = "cancelled" // the subscription was revoked first
)

// RetrySchedule is how long to wait after each failed attempt before the
// next one. After the last failed retry the delivery is given up: a first
// attempt and len(RetrySchedule) retries over about 7 hours.
var RetrySchedule = []time.Duration{30 * time.Second, 2 * time.Minute, 10 * time.Minute, time.Hour, 6 * time.Hour}

// NextAttempt returns when to retry after the failed-th failed attempt
// (1-based) that happened at at, or false when the delivery is given up.
func NextAttempt(failed int, at time.Time) (time.Time, bool) {
	if failed < 1 || failed > len(RetrySchedule) {
		return time.Time{}, false
	}
	return at.Add(RetrySchedule[failed-1]), true
}

// Delivery is one webhook delivery of a notification to a subscription.
type Delivery struct {
	ID             int64              `json:"id"`
	UID            string             `json:"delivery"` // the X-Credit-Delivery header, the same on every attempt
	SubscriptionID int64              `json:"subscription_id"`
	NotificationID int64              `json:"notification_id"`
	Event          NotificationKind   `json:"event"`
	Status         DeliveryStatus     `json:"status"`
	Attempts       int                `json:"attempts"`
	NextAttemptAt  *time.Time         `json:"next_attempt_at,omitempty"`
	LastStatusCode int                `json:"last_status_code,omitempty"`
	LastError      string             `json:"last_error,omitempty"`
	CreatedAt      time.Time          `json:"created_at"`
	DeliveredAt    *time.Time         `json:"delivered_at,omitempty"`
	Log            []*DeliveryAttempt `json:"log"`
}

// DeliveryAttempt is one try of a delivery.
type DeliveryAttempt struct {
	N          int       `json:"n"`
	At         time.Time `json:"at"`
	StatusCode int       `json:"status_code,omitempty"` // 0: no answer
	Error      string    `json:"error,omitempty"`
	DurationMS int64     `json:"duration_ms"`
}

// DeliveryFilter selects deliveries of a subscription.
type DeliveryFilter struct {
	Status DeliveryStatus
	Offset int
	Limit  int
}

// Webhook request headers.
const (
	HeaderSignature = "X-Credit-Signature" // "sha256=" + hex HMAC-SHA256, see SignWebhook
	HeaderDelivery  = "X-Credit-Delivery"  // delivery id, the same on every retry: deduplicate on it
	HeaderTimestamp = "X-Credit-Timestamp" // Unix seconds of this attempt
	HeaderEvent     = "X-Credit-Event"     // NotificationKind
)

// SignWebhook returns the X-Credit-Signature of a delivery attempt:
// "sha256=" and the hex HMAC-SHA256 under secret of
//
//	timestamp + "." + delivery + "." + body
//
// where body is the exact request body. Covering the timestamp and the
// delivery id lets receivers refuse replays: reject a timestamp more than a
// few minutes away from their clock and a delivery id already seen.
func SignWebhook(secret, delivery string, timestamp int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(timestamp, 10)))
	m.Write([]byte{'.'})
	m.Write([]byte(delivery))
	m.Write([]byte{'.'})
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// VerifyWebhook checks a received delivery as a receiver should: the
// signature in constant time, and the timestamp within tolerance of now.
func VerifyWebhook(secret, signature, delivery, timestamp string, body []byte, now time.Time, tolerance time.Duration) error {
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return credit.Errorf(credit.EUNAUTHORIZED, "推送时间戳无效")
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return credit.Errorf(credit.EUNAUTHORIZED, "推送时间戳超出允许范围，可能是重放")
	}
	want := SignWebhook(secret, delivery, ts, body)
	if !hmac.Equal([]byte(want), []byte(signature)) {
		return credit.Errorf(credit.EUNAUTHORIZED, "推送签名不符")
	}
	return nil
}

// WebhookPayload is the JSON body of a delivery.
type WebhookPayload struct {
	Delivery       string           `json:"delivery"`
	Event          NotificationKind `json:"event"`
	EventLabel     string           `json:"event_label"`
	NotificationID int64            `json:"notification_id"`
	DepartmentCode string           `json:"department_code"` // the receiving department
	Title          string           `json:"title"`
	CreatedAt      time.Time        `json:"created_at"`
	Subject        NoticeSubject    `json:"subject"`
	Entry          NoticeEntry      `json:"entry"`
	Alert          *AlertInfo       `json:"alert,omitempty"`
	// AckPath is where the department acknowledges with feedback:
	// POST {"feedback": "..."} with its API key.
	AckPath string `json:"ack_path"`
}

// AckPath returns the API path that acknowledges notification id.
func AckPath(id int64) string { return "/api/v1/inbox/" + strconv.FormatInt(id, 10) + "/ack" }

// PushService is the inbox, the subscriptions and their delivery log.
type PushService interface {
	// FindNotifications returns inbox items, newest first, the total before
	// Limit (counted up to subject.TotalCap(Offset): more may follow) and
	// the number not yet acknowledged. Departments see their own
	// inbox; administrators any. Returns EUNAUTHORIZED, EFORBIDDEN.
	FindNotifications(ctx context.Context, f NotificationFilter) (list []*Notification, total, unacked int, err error)
	// AckNotification acknowledges an inbox item with feedback (反馈).
	// Returns ENOTFOUND, EFORBIDDEN (another department's), ECONFLICT
	// (already acknowledged), EINVALID.
	AckNotification(ctx context.Context, id int64, feedback string) (*Notification, error)
	// CreateSubscription registers a webhook for the actor's department and
	// returns it with its signing secret, shown only this once. Returns
	// EUNAUTHORIZED, EFORBIDDEN (no department), EINVALID, ECONFLICT (too many).
	CreateSubscription(ctx context.Context, s *Subscription) (*Subscription, error)
	// FindSubscriptions returns the department's subscriptions (all for
	// administrators), without secrets.
	FindSubscriptions(ctx context.Context) ([]*Subscription, error)
	// RevokeSubscription stops a subscription and cancels its pending
	// deliveries. Returns ENOTFOUND, EFORBIDDEN, ECONFLICT (already revoked).
	RevokeSubscription(ctx context.Context, id int64) (*Subscription, error)
	// FindDeliveries returns the delivery log of a subscription, newest
	// first, and the total (counted up to subject.TotalCap(Offset)).
	// Returns ENOTFOUND, EFORBIDDEN.
	FindDeliveries(ctx context.Context, subscriptionID int64, f DeliveryFilter) ([]*Delivery, int, error)
	// RetryDelivery schedules a failed delivery for a new round of attempts
	// now. Returns ENOTFOUND, EFORBIDDEN, ECONFLICT unless it failed.
	RetryDelivery(ctx context.Context, id int64) (*Delivery, error)
}
