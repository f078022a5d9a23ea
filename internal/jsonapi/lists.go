package jsonapi

import (
	"encoding/json"
	"net/http"
	"strconv"

	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
	"jlcredit/internal/record"
	"jlcredit/internal/respond"
)

// listRoutes registers the lists, measures and verification endpoints. They
// need a Backend that also implements lists.Service.
func (s *Server) listRoutes(h func(pattern string, fn handlerFunc)) {
	h("GET /api/v1/lists", s.handleListData)
	h("GET /api/v1/lists/entries", s.handleListEntryIndex)
	h("POST /api/v1/lists/entries/{id}/removal", s.handleListEntryRemove)
	h("GET /api/v1/measures", s.handleMeasureIndex)
	h("PUT /api/v1/measures/{code}", s.handleMeasureSave)
	h("POST /api/v1/verifications", s.handleVerificationCreate)
	h("GET /api/v1/verifications/stats", s.handleVerificationStats)
	h("GET /api/v1/verifications/{id}", s.handleVerificationView)
	h("GET /api/v1/verifications/{id}/feedback", s.handleFeedbackIndex)
	h("POST /api/v1/verifications/{id}/feedback", s.handleFeedbackCreate)
}

func (s *Server) lists() (lists.Service, error) {
	ls, ok := s.Backend.(lists.Service)
	if !ok {
		return nil, credit.Errorf(credit.ENOTFOUND, "本平台未启用名单与信用核查功能")
	}
	return ls, nil
}

// maxJSONBody limits JSON request bodies of these endpoints (a 1000-subject
// verification is well under it).
const maxJSONBody = 4 << 20

func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxJSONBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if e := uploadError(err); e != err {
			return e
		}
		return credit.Errorf(credit.EINVALID, "请求体不是有效的JSON：%v", err)
	}
	return nil
}

func dateParam(r *http.Request, name string) (*credit.Date, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return nil, nil
	}
	d, ok := record.ParseDate(v)
	if !ok {
		return nil, credit.Errorf(credit.EINVALID, "参数%s应为日期（yyyy-MM-dd），实际为“%s”", name, v)
	}
	return &d, nil
}

func int64Path(r *http.Request, name, what string) (int64, error) {
	n, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || n <= 0 {
		return 0, credit.Errorf(credit.EINVALID, "%s“%s”无效，应为正整数", what, r.PathValue(name))
	}
	return n, nil
}

// handleListData returns list types, scenarios and measures.
func (s *Server) handleListData(w http.ResponseWriter, r *http.Request) error {
	ls, err := s.lists()
	if err != nil {
		return err
	}
	d, err := ls.ListData(r.Context())
	if err != nil {
		return err
	}
	respond.JSON(w, http.StatusOK, d)
	return nil
}

// handleMeasureIndex returns the measures catalog.
func (s *Server) handleMeasureIndex(w http.ResponseWriter, r *http.Request) error {
	ls, err := s.lists()
	if err != nil {
		return err
	}
	d, err := ls.ListData(r.Context())
	if err != nil {
		return err
	}
	respond.JSON(w, http.StatusOK, map[string]any{"version": d.Version, "measures": d.Measures})
	return nil
}

// handleMeasureSave creates or replaces a measure (province administrators).
func (s *Server) handleMeasureSave(w http.ResponseWriter, r *http.Request) error {
	ls, err := s.lists()
	if err != nil {
		return err
	}
	if _, err := requireActor(r.Context()); err != nil {
		return err
	}
	var m lists.Measure
	if err := decodeJSON(w, r, &m); err != nil {
		return err
	}
	if m.Code == "" {
		m.Code = r.PathValue("code")
	}
	if m.Code != r.PathValue("code") {
		return credit.Errorf(credit.EINVALID, "请求体中的措施代码“%s”与路径中的“%s”不一致", m.Code, r.PathValue("code"))
	}
	if err := ls.SaveMeasure(r.Context(), &m); err != nil {
		return err
	}
	respond.JSON(w, http.StatusOK, m)
	return nil
}

// handleListEntryIndex lists entries for government users: ?subject_id=,
// ?type= (list type code), ?kind=, ?active=yyyy-MM-dd, offset, limit.
func (s *Server) handleListEntryIndex(w http.ResponseWriter, r *http.Request) error {
	ls, err := s.lists()
	if err != nil {
		return err
	}
	if _, err := requireActor(r.Context()); err != nil {
		return err
	}
	q := r.URL.Query()
	f := lists.Filter{ListType: q.Get("type"), Kind: lists.Kind(q.Get("kind"))}
	if v := q.Get("subject_id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return credit.Errorf(credit.EINVALID, "参数subject_id应为整数")
		}
		id := credit.SubjectID(n)
		f.SubjectID = &id
	}
	if f.ActiveOn, err = dateParam(r, "active"); err != nil {
		return err
	}
	if f.Offset, err = intParam(r, "offset", 0, 0); err != nil {
		return err
	}
	if f.Limit, err = intParam(r, "limit", 100, 1000); err != nil {
		return err
	}
	list, total, err := ls.FindListEntries(r.Context(), f)
	if err != nil {
		return err
	}
	if list == nil {
		list = []*lists.Entry{}
	}
	respond.JSON(w, http.StatusOK, map[string]any{"entries": list, "total": total})
	return nil
}

// handleListEntryRemove removes an entry early: {"reason": "...", "kind":
// "提前移出|信用修复|撤销认定", "date": "yyyy-MM-dd"}.
func (s *Server) handleListEntryRemove(w http.ResponseWriter, r *http.Request) error {
	ls, err := s.lists()
	if err != nil {
		return err
	}
	id, err := int64Path(r, "id", "名单记录ID")
	if err != nil {
		return err
	}
	var body struct {
		Reason string `json:"reason"`
		Kind   string `json:"kind"`
		Date   string `json:"date"`
	}
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	rm := lists.Removal{Reason: body.Reason, Kind: body.Kind}
	if body.Date != "" {
		d, ok := record.ParseDate(body.Date)
		if !ok {
			return credit.Errorf(credit.EINVALID, "移出日期“%s”无效，应为yyyy-MM-dd", body.Date)
		}
		rm.Date = &d
	}
	e, err := ls.RemoveListEntry(r.Context(), credit.RecordID(id), rm)
	if err != nil {
		return err
	}
	respond.JSON(w, http.StatusOK, e)
	return nil
}

// handleVerificationCreate runs a verification and answers 201 with it.
func (s *Server) handleVerificationCreate(w http.ResponseWriter, r *http.Request) error {
	ls, err := s.lists()
	if err != nil {
		return err
	}
	if _, err := requireActor(r.Context()); err != nil {
		return err
	}
	var req lists.VerificationRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	v, err := ls.Verify(r.Context(), req)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/verifications/"+strconv.FormatInt(v.ID, 10))
	respond.JSON(w, http.StatusCreated, v)
	return nil
}

// handleVerificationView returns a stored verification.
func (s *Server) handleVerificationView(w http.ResponseWriter, r *http.Request) error {
	ls, err := s.lists()
	if err != nil {
		return err
	}
	id, err := int64Path(r, "id", "核查记录ID")
	if err != nil {
		return err
	}
	v, err := ls.FindVerificationByID(r.Context(), id)
	if err != nil {
		return err
	}
	respond.JSON(w, http.StatusOK, v)
	return nil
}

// handleFeedbackIndex returns the feedback of a verification.
func (s *Server) handleFeedbackIndex(w http.ResponseWriter, r *http.Request) error {
	ls, err := s.lists()
	if err != nil {
		return err
	}
	id, err := int64Path(r, "id", "核查记录ID")
	if err != nil {
		return err
	}
	fb, err := ls.FindFeedback(r.Context(), id)
	if err != nil {
		return err
	}
	respond.JSON(w, http.StatusOK, map[string]any{"feedback": fb})
	return nil
}

// handleFeedbackCreate records 执行反馈: {"feedback": [{"seq": 1,
// "measure_code": "N1-01", "applied": true, "applied_on": "2026-11-20"}]}.
func (s *Server) handleFeedbackCreate(w http.ResponseWriter, r *http.Request) error {
	ls, err := s.lists()
	if err != nil {
		return err
	}
	id, err := int64Path(r, "id", "核查记录ID")
	if err != nil {
		return err
	}
	var body struct {
		Feedback []lists.Feedback `json:"feedback"`
	}
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	fb, err := ls.CreateFeedback(r.Context(), id, body.Feedback)
	if err != nil {
		return err
	}
	respond.JSON(w, http.StatusCreated, map[string]any{"feedback": fb})
	return nil
}

// handleVerificationStats returns hit and feedback rates by department and
// scenario: ?from=&to= (dates), ?feedback_days=N.
func (s *Server) handleVerificationStats(w http.ResponseWriter, r *http.Request) error {
	ls, err := s.lists()
	if err != nil {
		return err
	}
	var f lists.StatsFilter
	if f.From, err = dateParam(r, "from"); err != nil {
		return err
	}
	if f.To, err = dateParam(r, "to"); err != nil {
		return err
	}
	if f.FeedbackDays, err = intParam(r, "feedback_days", 0, 60); err != nil {
		return err
	}
	st, err := ls.VerificationStats(r.Context(), f)
	if err != nil {
		return err
	}
	respond.JSON(w, http.StatusOK, st)
	return nil
}
