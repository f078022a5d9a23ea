package jsonapi

import (
	"net/http"
	"strconv"

	"jlcredit/internal/access"
	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
	"jlcredit/internal/respond"
)

// pushRoutes is the route table of the inbox and webhook subscription
// endpoints of 发起—响应—反馈. They need a Backend that also implements
// lists.PushService.
//
// Scope: verify, for all of them. Pushes are the other half of 联合奖惩:
// list entries and 核查预警 alerts reach a department because it applies
// measures (or verified the subject), and it answers with feedback, as it
// does for a verification. None of them reads another department's
// archive data, which is what share is for.
func (s *Server) pushRoutes() []route {
	return []route{
		{"GET /api/v1/inbox", access.ScopeVerify, s.handleInboxIndex},
		{"POST /api/v1/inbox/{id}/ack", access.ScopeVerify, s.handleInboxAck},
		{"GET /api/v1/subscriptions", access.ScopeVerify, s.handleSubscriptionIndex},
		{"POST /api/v1/subscriptions", access.ScopeVerify, s.handleSubscriptionCreate},
		{"DELETE /api/v1/subscriptions/{id}", access.ScopeVerify, s.handleSubscriptionDelete},
		{"GET /api/v1/subscriptions/{id}/deliveries", access.ScopeVerify, s.handleDeliveryIndex},
		{"POST /api/v1/deliveries/{id}/retry", access.ScopeVerify, s.handleDeliveryRetry},
	}
}

func (s *Server) push() (lists.PushService, error) {
	ps, ok := s.Backend.(lists.PushService)
	if !ok {
		return nil, credit.Errorf(credit.ENOTFOUND, "本平台未启用名单推送功能")
	}
	return ps, nil
}

// handleInboxIndex returns the department's inbox, newest first:
// ?unacked=1 or true (only items not yet acknowledged; 0 or false: all), ?kind=listing|update|removal|alert,
// ?department_id= (administrators), offset, limit.
func (s *Server) handleInboxIndex(w http.ResponseWriter, r *http.Request) error {
	ps, err := s.push()
	if err != nil {
		return err
	}
	if _, err := requireActor(r.Context()); err != nil {
		return err
	}
	q := r.URL.Query()
	f := lists.NotificationFilter{Kind: lists.NotificationKind(q.Get("kind"))}
	switch f.Kind {
	case "", lists.NotifyListing, lists.NotifyUpdate, lists.NotifyRemoval, lists.NotifyAlert:
	default:
		return credit.Errorf(credit.EINVALID, "参数kind应为listing（列入名单）、update（名单信息变更）、removal（移出名单）或alert（核查预警），实际为“%s”", clip(q.Get("kind")))
	}
	switch v := q.Get("unacked"); v {
	case "", "0", "false":
	case "1", "true":
		f.Unacked = true
	default:
		msg := "参数unacked应为1或true（只列未确认的）、0或false（全部），实际为“" + clip(v) + "”"
		return credit.Invalid(msg, credit.Problem{Field: "unacked", Code: "bad_bool", Message: msg})
	}
	if n, ok, err := idParam(r, "department_id"); err != nil {
		return err
	} else if ok {
		d := credit.DepartmentID(n)
		f.DepartmentID = &d
	}
	if f.Offset, err = intParam(r, "offset", 0, 0); err != nil {
		return err
	}
	if f.Limit, err = limitParam(r, 50, 500); err != nil {
		return err
	}
	list, total, unacked, err := ps.FindNotifications(r.Context(), f)
	if err != nil {
		return err
	}
	respond.JSON(w, http.StatusOK, map[string]any{"notifications": list, "total": total, "unacked": unacked})
	return nil
}

// handleInboxAck acknowledges an inbox item with feedback (反馈):
// {"feedback": "已暂停其参与本部门采购项目"}.
func (s *Server) handleInboxAck(w http.ResponseWriter, r *http.Request) error {
	ps, err := s.push()
	if err != nil {
		return err
	}
	id, err := int64Path(r, "id", "通知ID")
	if err != nil {
		return err
	}
	var body struct {
		Feedback string `json:"feedback"`
	}
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, &body); err != nil {
			return err
		}
	}
	n, err := ps.AckNotification(r.Context(), id, body.Feedback)
	if err != nil {
		return err
	}
	respond.JSON(w, http.StatusOK, n)
	return nil
}

// handleSubscriptionIndex lists the department's subscriptions (no secrets).
func (s *Server) handleSubscriptionIndex(w http.ResponseWriter, r *http.Request) error {
	ps, err := s.push()
	if err != nil {
		return err
	}
	list, err := ps.FindSubscriptions(r.Context())
	if err != nil {
		return err
	}
	respond.JSON(w, http.StatusOK, map[string]any{"subscriptions": list})
	return nil
}

// handleSubscriptionCreate registers a webhook: {"url": "https://…",
// "list_types": ["black", "watch"], "secret": "(optional, ≥ 32 characters)"}.
// The answer (201) carries the signing secret, shown only this once.
func (s *Server) handleSubscriptionCreate(w http.ResponseWriter, r *http.Request) error {
	ps, err := s.push()
	if err != nil {
		return err
	}
	if _, err := requireActor(r.Context()); err != nil {
		return err
	}
	var body struct {
		URL       string   `json:"url"`
		ListTypes []string `json:"list_types"`
		Secret    string   `json:"secret"`
	}
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	sub, err := ps.CreateSubscription(r.Context(), &lists.Subscription{URL: body.URL, ListTypes: body.ListTypes, Secret: body.Secret})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/subscriptions/"+strconv.FormatInt(sub.ID, 10)+"/deliveries")
	w.Header().Set("Cache-Control", "no-store")
	respond.JSON(w, http.StatusCreated, sub)
	return nil
}

// handleSubscriptionDelete revokes a subscription and cancels its pending
// deliveries.
func (s *Server) handleSubscriptionDelete(w http.ResponseWriter, r *http.Request) error {
	ps, err := s.push()
	if err != nil {
		return err
	}
	id, err := int64Path(r, "id", "订阅ID")
	if err != nil {
		return err
	}
	sub, err := ps.RevokeSubscription(r.Context(), id)
	if err != nil {
		return err
	}
	respond.JSON(w, http.StatusOK, sub)
	return nil
}

// handleDeliveryIndex returns a subscription's delivery log, newest first:
// ?status=pending|delivered|failed|cancelled, offset, limit.
func (s *Server) handleDeliveryIndex(w http.ResponseWriter, r *http.Request) error {
	ps, err := s.push()
	if err != nil {
		return err
	}
	id, err := int64Path(r, "id", "订阅ID")
	if err != nil {
		return err
	}
	f := lists.DeliveryFilter{Status: lists.DeliveryStatus(r.URL.Query().Get("status"))}
	switch f.Status {
	case "", lists.DeliveryPending, lists.DeliveryDelivered, lists.DeliveryFailed, lists.DeliveryCancelled:
	default:
		return credit.Errorf(credit.EINVALID, "参数status应为pending（待推送）、delivered（已送达）、failed（推送失败）或cancelled（已取消），实际为“%s”", clip(string(f.Status)))
	}
	if f.Offset, err = intParam(r, "offset", 0, 0); err != nil {
		return err
	}
	if f.Limit, err = limitParam(r, 50, 500); err != nil {
		return err
	}
	list, total, err := ps.FindDeliveries(r.Context(), id, f)
	if err != nil {
		return err
	}
	respond.JSON(w, http.StatusOK, map[string]any{"deliveries": list, "total": total})
	return nil
}

// handleDeliveryRetry schedules one more attempt of a failed delivery.
func (s *Server) handleDeliveryRetry(w http.ResponseWriter, r *http.Request) error {
	ps, err := s.push()
	if err != nil {
		return err
	}
	id, err := int64Path(r, "id", "推送记录ID")
	if err != nil {
		return err
	}
	d, err := ps.RetryDelivery(r.Context(), id)
	if err != nil {
		return err
	}
	respond.JSON(w, http.StatusOK, d)
	return nil
}
