package web

import (
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
)

// The console pages of webhook subscriptions (推送订阅) and their delivery
// log. They use lists.PushService, as the JSON API does; storage decides
// who may see, create, revoke and retry (a department its own, the
// province and auditors all, auditors read-only).
func init() {
	views["subscriptions"] = SubscriptionsPage{}
	views["subscription"] = SubscriptionPage{}
}

// SubscriptionRow is a subscription with the names of its department and
// list types.
type SubscriptionRow struct {
	*lists.Subscription
	DepartmentName string
	ListNames      []string // empty: every list
}

// ListTypeOption is a list type to tick on the subscription form.
type ListTypeOption struct {
	Code, Name, Description string
	Checked                 bool
}

// ListTypeGroup is a top-level list with its national sub-lists.
type ListTypeGroup struct {
	Top  ListTypeOption
	Subs []ListTypeOption
}

// ListTypeChecks are the checkboxes of list types of a form (template
// "listTypeChecks"): ErrID is the id of the group's error message, "" when
// there is none.
type ListTypeChecks struct {
	Groups []ListTypeGroup
	ErrID  string
}

// listTypeChecks is the template function that builds ListTypeChecks:
// the group's error is errID when invalid is true in the template's sense
// (a message, a non-empty list, a non-nil *FieldError).
func listTypeChecks(groups []ListTypeGroup, invalid any, errID string) ListTypeChecks {
	c := ListTypeChecks{Groups: groups}
	if ok, _ := template.IsTrue(invalid); ok {
		c.ErrID = errID
	}
	return c
}

// SubscriptionsPage lists subscriptions and offers the form to add one.
type SubscriptionsPage struct {
	Page
	Rows      []SubscriptionRow
	Admin     bool // every department's subscriptions are listed
	CanCreate bool // the user is a department's
	CanRevoke bool
	ListTypes []ListTypeGroup
	URL       string
	FormErrors
	Max int
}

// SubscriptionPage is one subscription and its delivery log.
type SubscriptionPage struct {
	Page
	Sub        SubscriptionRow
	Deliveries []*lists.Delivery
	Status     string
	Statuses   []lists.DeliveryStatus
	Pager      Pager
	CanRetry   bool
	CanRevoke  bool
}

// StatusLabel returns the Chinese name of a delivery status.
func (*SubscriptionPage) StatusLabel(s lists.DeliveryStatus) string { return deliveryStatusLabel(s) }

// StatusClass returns the CSS class of a delivery status.
func (*SubscriptionPage) StatusClass(s lists.DeliveryStatus) string {
	switch s {
	case lists.DeliveryDelivered:
		return "tag tag-ok"
	case lists.DeliveryFailed:
		return "tag tag-late"
	case lists.DeliveryCancelled:
		return "tag tag-muted"
	}
	return "tag tag-warn"
}

func deliveryStatusLabel(s lists.DeliveryStatus) string {
	switch s {
	case lists.DeliveryPending:
		return "待推送"
	case lists.DeliveryDelivered:
		return "已送达"
	case lists.DeliveryFailed:
		return "推送失败"
	case lists.DeliveryCancelled:
		return "已取消"
	}
	return string(s)
}

// deliveryStatuses are the filters of the delivery log, in display order.
var deliveryStatuses = []lists.DeliveryStatus{lists.DeliveryPending, lists.DeliveryDelivered, lists.DeliveryFailed, lists.DeliveryCancelled}

// pushAdmin reports whether the actor sees every department's
// subscriptions; canChangePush whether it may revoke and retry (auditors
// only read). Storage enforces both; these only decide what to show.
func pushAdmin(a credit.Actor) bool {
	return a.Role == credit.RoleSystem || a.Role == credit.RoleProvince || a.Role == credit.RoleAuditor
}

func canChangePush(a credit.Actor) bool { return a.Role != credit.RoleAuditor }

// subscriptionRows names the departments and list types of subscriptions.
func (s *Server) subscriptionRows(r *http.Request, subs []*lists.Subscription) ([]SubscriptionRow, error) {
	names, err := s.departmentNames(r.Context())
	if err != nil {
		return nil, err
	}
	data, err := s.listData(r)
	if err != nil {
		return nil, err
	}
	out := make([]SubscriptionRow, 0, len(subs))
	for _, sub := range subs {
		row := SubscriptionRow{Subscription: sub, DepartmentName: names[sub.DepartmentID]}
		for _, code := range sub.ListTypes {
			if lt, ok := data.ListType(code); ok {
				row.ListNames = append(row.ListNames, lt.Name)
			} else {
				row.ListNames = append(row.ListNames, code)
			}
		}
		out = append(out, row)
	}
	return out, nil
}

func (s *Server) listData(r *http.Request) (*lists.Data, error) {
	ls, err := s.listService()
	if err != nil {
		return nil, err
	}
	return ls.ListData(r.Context())
}

// subscriptionsPage lists the actor's subscriptions with an empty form.
func (s *Server) subscriptionsPage(r *http.Request) (*SubscriptionsPage, error) {
	ps, err := s.pushService()
	if err != nil {
		return nil, err
	}
	subs, err := ps.FindSubscriptions(r.Context())
	if err != nil {
		return nil, err
	}
	a := credit.ActorFromContext(r.Context())
	p := &SubscriptionsPage{Page: base(r, "推送订阅", "subscriptions"), Admin: pushAdmin(a), CanRevoke: canChangePush(a),
		CanCreate: a.Role == credit.RoleDepartment && a.DepartmentID != 0, Max: lists.MaxSubscriptions}
	// Active subscriptions first, each group oldest first.
	slices.SortStableFunc(subs, func(x, y *lists.Subscription) int {
		switch {
		case x.RevokedAt == nil && y.RevokedAt != nil:
			return -1
		case x.RevokedAt != nil && y.RevokedAt == nil:
			return 1
		}
		return 0
	})
	if p.Rows, err = s.subscriptionRows(r, subs); err != nil {
		return nil, err
	}
	data, err := s.listData(r)
	if err != nil {
		return nil, err
	}
	for _, top := range data.ListTypes {
		if top.Parent != "" {
			continue
		}
		g := ListTypeGroup{Top: ListTypeOption{Code: top.Code, Name: top.Name, Description: top.Description}}
		for _, sub := range data.ListTypes {
			if sub.Parent == top.Code {
				g.Subs = append(g.Subs, ListTypeOption{Code: sub.Code, Name: sub.Name, Description: sub.Description})
			}
		}
		p.ListTypes = append(p.ListTypes, g)
	}
	return p, nil
}

func (s *Server) handleSubscriptionIndex(w http.ResponseWriter, r *http.Request) error {
	p, err := s.subscriptionsPage(r)
	if err != nil {
		return err
	}
	switch r.URL.Query().Get("done") {
	case "revoked":
		p.Notice = "订阅已撤销，尚未完成的推送已取消。"
	case "created":
		p.Notice = "订阅已创建，推送将以您设置的签名密钥签名（密钥不再显示）。"
	}
	return s.render(w, r, http.StatusOK, "subscriptions", p)
}

// handleSubscriptionCreate registers a webhook for the user's department
// and shows its signing secret, this once.
func (s *Server) handleSubscriptionCreate(w http.ResponseWriter, r *http.Request) error {
	form, err := postForm(w, r)
	if err != nil {
		return err
	}
	ps, err := s.pushService()
	if err != nil {
		return err
	}
	in := &lists.Subscription{URL: strings.TrimSpace(form.Get("url")), ListTypes: form["list_types"], Secret: strings.TrimSpace(form.Get("secret"))}
	sub, cerr := ps.CreateSubscription(r.Context(), in)
	if cerr != nil {
		if c := credit.ErrorCode(cerr); c == credit.EINTERNAL || c == credit.EUNAUTHORIZED || c == credit.EFORBIDDEN {
			return cerr
		}
		p, err := s.subscriptionsPage(r)
		if err != nil {
			return err
		}
		p.URL = in.URL
		p.fail(cerr, subscriptionInputs, "")
		for i := range p.ListTypes {
			g := &p.ListTypes[i]
			g.Top.Checked = slices.Contains(in.ListTypes, g.Top.Code)
			for j := range g.Subs {
				g.Subs[j].Checked = slices.Contains(in.ListTypes, g.Subs[j].Code)
			}
		}
		return s.render(w, r, statusOf(cerr), "subscriptions", p)
	}
	if in.Secret != "" {
		// The department chose the secret: it is not shown again.
		redirect(w, r, "/console/subscriptions?done=created", http.StatusSeeOther)
		return nil
	}
	what := "全部名单"
	if rows, err := s.subscriptionRows(r, []*lists.Subscription{sub}); err == nil && len(rows[0].ListNames) > 0 {
		what = strings.Join(rows[0].ListNames, "、")
	}
	p := &SecretPage{Page: base(r, "新推送订阅", "subscriptions"), Heading: "已创建推送订阅（" + what + "）", Label: "签名密钥（" + sub.URL + "）",
		Secret: sub.Secret, Hint: "签名密钥只显示这一次，请立即复制并配置到接收系统中。平台推送时在请求头 " + lists.HeaderSignature +
			" 中附上 sha256=HMAC-SHA256(密钥, 时间戳 + \".\" + 推送编号 + \".\" + 请求体) 的十六进制值，接收方据此验证来源；密钥遗失时请撤销订阅后重新创建。",
		Back: "返回推送订阅", BackTo: "/console/subscriptions"}
	return s.render(w, r, http.StatusOK, "secret", p)
}

// subscriptionInputs are the inputs of the new-subscription form, by the
// field of the problems of lists.PushService.CreateSubscription.
var subscriptionInputs = map[string]formInput{
	"url":        {"url", "接收推送的URL"},
	"secret":     {"webhook-secret", "签名密钥"},
	"list_types": {"list-types", "名单类型"},
}

// pushRequest returns the push service and the {id} of a subscription or
// delivery path (what names it in the 404).
func (s *Server) pushRequest(r *http.Request, what string) (lists.PushService, int64, error) {
	ps, err := s.pushService()
	if err != nil {
		return nil, 0, err
	}
	id, err := pathID(r, what)
	return ps, id, err
}

// deliveryPageSize is how many deliveries a page of the log shows.
const deliveryPageSize = 20

// handleSubscriptionView shows a subscription and its delivery log, newest
// first, filtered by status.
func (s *Server) handleSubscriptionView(w http.ResponseWriter, r *http.Request) error {
	ps, id, err := s.pushRequest(r, "订阅")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	status := lists.DeliveryStatus(q.Get("status"))
	if status != "" && !slices.Contains(deliveryStatuses, status) {
		return credit.Errorf(credit.EINVALID, "推送状态“%s”无效", credit.Clip(string(status), 20))
	}
	page := pageParam(r)
	// FindDeliveries checks that the subscription exists and is the
	// actor's to see before anything is shown.
	ds, total, err := ps.FindDeliveries(r.Context(), id, lists.DeliveryFilter{Status: status, Offset: (page - 1) * deliveryPageSize, Limit: deliveryPageSize})
	if err != nil {
		return err
	}
	subs, err := ps.FindSubscriptions(r.Context())
	if err != nil {
		return err
	}
	i := slices.IndexFunc(subs, func(v *lists.Subscription) bool { return v.ID == id })
	if i < 0 {
		return credit.Errorf(credit.ENOTFOUND, "订阅%d不存在", id)
	}
	rows, err := s.subscriptionRows(r, subs[i:i+1])
	if err != nil {
		return err
	}
	a := credit.ActorFromContext(r.Context())
	p := &SubscriptionPage{Page: base(r, "推送订阅 "+strconv.FormatInt(id, 10), "subscriptions"), Sub: rows[0], Deliveries: ds,
		Status: string(status), Statuses: deliveryStatuses}
	p.CanRevoke = canChangePush(a) && p.Sub.RevokedAt == nil
	p.CanRetry = p.CanRevoke
	pq := url.Values{}
	if status != "" {
		pq.Set("status", string(status))
	}
	p.Pager = newPager(r.URL.Path, pq, page, deliveryPageSize, total, true)
	switch q.Get("done") {
	case "retry":
		p.Notice = "已安排重新推送，稍后刷新本页查看结果。"
	}
	return s.render(w, r, http.StatusOK, "subscription", p)
}

func (s *Server) handleSubscriptionRevoke(w http.ResponseWriter, r *http.Request) error {
	ps, id, err := s.pushRequest(r, "订阅")
	if err != nil {
		return err
	}
	if _, err := ps.RevokeSubscription(r.Context(), id); err != nil {
		return err
	}
	redirect(w, r, "/console/subscriptions?done=revoked", http.StatusSeeOther)
	return nil
}

func (s *Server) handleDeliveryRetry(w http.ResponseWriter, r *http.Request) error {
	ps, id, err := s.pushRequest(r, "推送记录")
	if err != nil {
		return err
	}
	d, err := ps.RetryDelivery(r.Context(), id)
	if err != nil {
		return err
	}
	redirect(w, r, "/console/subscriptions/"+strconv.FormatInt(d.SubscriptionID, 10)+"?done=retry", http.StatusSeeOther)
	return nil
}
