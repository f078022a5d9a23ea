package jsonapi

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"jlcredit/internal/access"
	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
	"jlcredit/internal/respond"
)

// listRoutes is the route table of the lists, measures and verification
// endpoints. They need a Backend that also implements lists.Service.
//
// Scopes: verifications, their feedback, statistics and reports need
// verify, and so does the government index of list entries (the data a
// verification checks against, for 联合奖惩). Removing a list entry is a
// new version of the listing department's own data: ingest, like the batch
// that listed it. Saving a measure changes reference data and is ingest
// too (and only province administrators may; access.Can decides). List
// types and the measures catalog are public.
func (s *Server) listRoutes() []route {
	return []route{
		{"GET /api/v1/lists", public, s.handleListData},
		{"GET /api/v1/lists/entries", access.ScopeVerify, s.handleListEntryIndex},
		{"POST /api/v1/lists/entries/{id}/removal", access.ScopeIngest, s.handleListEntryRemove},
		{"GET /api/v1/measures", public, s.handleMeasureIndex},
		{"PUT /api/v1/measures/{code}", access.ScopeIngest, s.handleMeasureSave},
		{"POST /api/v1/verifications", access.ScopeVerify, s.handleVerificationCreate},
		{"GET /api/v1/verifications/stats", access.ScopeVerify, s.handleVerificationStats},
		{"GET /api/v1/verifications/{id}", access.ScopeVerify, s.handleVerificationView},
		{"GET /api/v1/verifications/{id}/feedback", access.ScopeVerify, s.handleFeedbackIndex},
		{"POST /api/v1/verifications/{id}/feedback", access.ScopeVerify, s.handleFeedbackCreate},
		{"GET /api/v1/verifications/{id}/report.xlsx", access.ScopeVerify, s.handleVerificationReportXLSX},
		{"GET /api/v1/verifications/{id}/report.html", access.ScopeVerify, s.handleVerificationReportHTML},
	}
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

// decodeJSON decodes the request body, one JSON value of at most
// maxJSONBody bytes, into v; fields v does not have are refused. Every
// failure is a *credit.Error (EINVALID; ETOOLARGE for a body over the
// limit) whose zh-CN message names the field, with its position in arrays
// (“subjects[2].code”), what was expected and what came: never Go's type
// names.
//
// A body whose Content-Type is present and not JSON (application/json or
// a +json type, with any parameters) is refused with 415 before it is
// read; a body without Content-Type is read as JSON.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if err := checkJSONType(r); err != nil {
		return err
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxJSONBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return credit.Errorf(credit.ETOOLARGE, "请求体超过%d MB上限", maxJSONBody>>20)
		}
		return credit.Errorf(credit.EINVALID, "读取请求体失败，请重新发送")
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return credit.Errorf(credit.EINVALID, "请求体为空：应为JSON对象")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(data, reflect.TypeOf(v), err)
	}
	if end := dec.InputOffset(); len(bytes.TrimSpace(data[end:])) > 0 {
		at := end + int64(len(data[end:])-len(bytes.TrimLeft(data[end:], " \t\r\n"))) + 1
		return credit.Errorf(credit.EINVALID, "请求体只能有一个JSON值，第%d个字节起还有多余内容", at)
	}
	return nil
}

// checkJSONType returns a 415 error when r's Content-Type is present and
// is not JSON: application/json or a type ending in +json, with any
// parameters (a malformed parameter is overlooked, as sniffBatch does).
func checkJSONType(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return nil
	}
	mt, _, _ := mime.ParseMediaType(ct)
	if mt == "application/json" || strings.HasSuffix(mt, "+json") {
		return nil
	}
	msg := fmt.Sprintf("请求体应为JSON：请求头Content-Type应为application/json（可带charset参数），实际为“%s”", clip(ct))
	if mt == "application/x-www-form-urlencoded" {
		msg += "；使用curl -d发送时请加上 -H \"Content-Type: application/json\""
	}
	return &respond.StatusError{
		Err: &credit.Error{Code: credit.EINVALID, Message: msg, Details: []credit.Problem{
			{Field: "Content-Type", Code: "unsupported_media_type", Message: msg},
		}},
		Status: http.StatusUnsupportedMediaType,
	}
}

// jsonError turns an error of decoding data into a value of type t into a
// *credit.Error for the caller.
func jsonError(data []byte, t reflect.Type, err error) error {
	var (
		syntax  *json.SyntaxError
		typ     *json.UnmarshalTypeError
		invalid *json.InvalidUnmarshalError
		parse   *time.ParseError
		ce      *credit.Error
	)
	switch {
	case errors.As(err, &syntax):
		return credit.Errorf(credit.EINVALID, "请求体不是有效的JSON（第%d个字节附近）", syntax.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return credit.Errorf(credit.EINVALID, "请求体不是完整的JSON：在第%d个字节处意外结束，请检查括号和引号是否成对", len(data))
	case errors.Is(err, io.EOF):
		return credit.Errorf(credit.EINVALID, "请求体为空：应为JSON对象")
	case errors.As(err, &typ):
		want, got := jsonTypeName(typ.Type), jsonValueName(typ.Value, typ.Type)
		path := typ.Field
		if p := jsonPathAt(data, typ.Offset); fieldOf(p, typ.Field) {
			path = p
		}
		if path == "" {
			return credit.Errorf(credit.EINVALID, "请求体应为%s，实际为%s", want, got)
		}
		return credit.Errorf(credit.EINVALID, "字段“%s”应为%s，实际为%s", clip(path), want, got)
	case errors.As(err, &parse):
		return credit.Errorf(credit.EINVALID, "时间“%s”格式无效，应为RFC 3339格式（如2026-11-20T10:00:00+08:00）", clip(parse.Value))
	case errors.As(err, &ce):
		return ce
	case errors.As(err, &invalid):
		return fmt.Errorf("jsonapi.decodeJSON: %w", err) // a bug: v is not a pointer
	}
	// encoding/json has no error type for an unknown field: its message,
	// json: unknown field "name", is the only way to tell.
	if rest, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name, uerr := strconv.Unquote(rest)
		if uerr != nil {
			name = strings.Trim(rest, `"`)
		}
		path, fields := unknownField(data, t, name)
		if path == "" {
			path = name
		}
		msg := fmt.Sprintf("字段“%s”无法识别，请检查拼写", clip(path))
		if len(fields) > 0 {
			msg += "；此处可用的字段为：" + strings.Join(fields, "、")
		}
		return credit.Errorf(credit.EINVALID, "%s", msg)
	}
	return credit.Errorf(credit.EINVALID, "请求体中有字段的值格式不正确")
}

// clip shortens what the caller sent to quote it in a message.
func clip(s string) string { return credit.Clip(s, 60) }

// jsonTypeName names in Chinese the JSON value a Go type is decoded from.
func jsonTypeName(t reflect.Type) string {
	if t == nil {
		return "其他类型的值"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == reflect.TypeFor[time.Time]() {
		return "RFC 3339格式的时间字符串"
	}
	if reflect.PointerTo(t).Implements(reflect.TypeFor[encoding.TextUnmarshaler]()) {
		return "字符串"
	}
	switch t.Kind() {
	case reflect.String:
		return "字符串"
	case reflect.Bool:
		return "布尔值（true或false）"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "整数"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "非负整数"
	case reflect.Float32, reflect.Float64:
		return "数字"
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return "Base64编码的字符串"
		}
		return "数组"
	case reflect.Map, reflect.Struct:
		return "对象"
	}
	return "其他类型的值"
}

// jsonValueName names in Chinese the JSON value an UnmarshalTypeError
// describes ("string", "number", "number 1.5", "array", ...), decoded into
// a value of type t.
func jsonValueName(v string, t reflect.Type) string {
	switch v {
	case "string":
		return "字符串"
	case "number":
		return "数字"
	case "bool":
		return "布尔值"
	case "array":
		return "数组"
	case "object":
		return "对象"
	case "null":
		return "null"
	}
	if n, ok := strings.CutPrefix(v, "number "); ok {
		if t != nil && strings.Contains(jsonTypeName(t), "整数") {
			if f, err := strconv.ParseFloat(n, 64); err == nil && f == math.Trunc(f) {
				return "超出范围的数字" + n
			}
		}
		return "数字" + n
	}
	return "其他类型的值"
}

// fieldOf reports whether path, the place of a value in the request with
// array positions (“subjects[2].code”), is the field encoding/json named
// (“subjects.code”), or lies within it.
func fieldOf(path, field string) bool {
	var b strings.Builder
	skip := false
	for _, c := range path {
		switch {
		case c == '[':
			skip = true
		case c == ']':
			skip = false
		case !skip:
			b.WriteRune(c)
		}
	}
	p := b.String()
	return field != "" && (strings.EqualFold(p, field) || len(p) > len(field) && strings.EqualFold(p[:len(field)], field) && p[len(field)] == '.')
}

// jsonFrame is an object or array being read by jsonPathAt.
type jsonFrame struct {
	array   bool
	index   int    // array: the position of the next element
	key     string // object: the key of the value being read
	wantKey bool   // object: a key comes next
}

// jsonPath joins the places of stack: “subjects[2].code”.
func jsonPath(stack []jsonFrame) string {
	var b strings.Builder
	for _, f := range stack {
		if f.array {
			fmt.Fprintf(&b, "[%d]", f.index)
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(f.key)
	}
	return b.String()
}

// jsonPathAt returns the place in data of the value whose reading reaches
// byte offset, where encoding/json reported a value of the wrong type; ""
// for the top-level value or when data cannot be followed that far.
func jsonPathAt(data []byte, offset int64) string {
	dec := json.NewDecoder(bytes.NewReader(data))
	var stack []jsonFrame
	next := func() { // the value in the innermost container was read
		if n := len(stack); n > 0 {
			if stack[n-1].array {
				stack[n-1].index++
			} else {
				stack[n-1].wantKey = true
			}
		}
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		end := dec.InputOffset()
		if n := len(stack); n > 0 && !stack[n-1].array && stack[n-1].wantKey {
			if key, ok := tok.(string); ok {
				stack[n-1].key, stack[n-1].wantKey = key, false
				continue
			}
		}
		switch tok {
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			if end >= offset {
				return jsonPath(stack)
			}
			next()
			continue
		}
		path := jsonPath(stack)
		if end >= offset {
			return path
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, jsonFrame{wantKey: true})
		case json.Delim('['):
			stack = append(stack, jsonFrame{array: true})
		default:
			next()
		}
	}
}

// unknownField finds in data the first object key named name that is not
// a field of the struct decoded at its place (t is the type data is
// decoded into): its path, and the fields that struct has.
func unknownField(data []byte, t reflect.Type, name string) (string, []string) {
	dec := json.NewDecoder(bytes.NewReader(data))
	path, fields, _ := findUnknown(dec, t, "", name)
	return path, fields
}

func findUnknown(dec *json.Decoder, t reflect.Type, path, name string) (string, []string, bool) {
	tok, err := dec.Token()
	if err != nil {
		return "", nil, false
	}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t != nil && (reflect.PointerTo(t).Implements(reflect.TypeFor[json.Unmarshaler]()) ||
		reflect.PointerTo(t).Implements(reflect.TypeFor[encoding.TextUnmarshaler]())) {
		t = nil // decodes itself: its keys are its own business
	}
	switch tok {
	case json.Delim('{'):
		var fields []jsonField
		if t != nil && t.Kind() == reflect.Struct {
			fields = jsonFields(t)
		}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return "", nil, false
			}
			key, _ := kt.(string)
			at := key
			if path != "" {
				at = path + "." + key
			}
			var vt reflect.Type
			switch {
			case t != nil && t.Kind() == reflect.Struct:
				f, ok := lookupField(fields, key)
				if !ok && key == name {
					names := make([]string, len(fields))
					for i, f := range fields {
						names[i] = f.name
					}
					return at, names, true
				}
				vt = f
			case t != nil && t.Kind() == reflect.Map:
				vt = t.Elem()
			}
			if p, names, ok := findUnknown(dec, vt, at, name); ok {
				return p, names, true
			}
		}
		_, _ = dec.Token() // }
	case json.Delim('['):
		var et reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			et = t.Elem()
		}
		for i := 0; dec.More(); i++ {
			if p, names, ok := findUnknown(dec, et, fmt.Sprintf("%s[%d]", path, i), name); ok {
				return p, names, true
			}
		}
		_, _ = dec.Token() // ]
	}
	return "", nil, false
}

// jsonField is a field of a struct as encoding/json sees it.
type jsonField struct {
	name string
	typ  reflect.Type
}

// jsonFields lists the JSON fields of struct type t, with the fields of
// embedded structs.
func jsonFields(t reflect.Type) []jsonField {
	var out []jsonField
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
			out = append(out, jsonFields(ft)...)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, jsonField{name, f.Type})
	}
	return out
}

// lookupField finds key among fields the way encoding/json does: exactly,
// else without regard to case.
func lookupField(fields []jsonField, key string) (reflect.Type, bool) {
	for _, f := range fields {
		if f.name == key {
			return f.typ, true
		}
	}
	for _, f := range fields {
		if strings.EqualFold(f.name, key) {
			return f.typ, true
		}
	}
	return nil, false
}

// dateParam returns the date of query parameter name, nil when it is
// absent. A value that is not a date, or a date before 1900, is refused as
// lists.ReadDate words it, with a problem bad_date on the parameter.
func dateParam(r *http.Request, name string) (*credit.Date, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return nil, nil
	}
	d, msg := lists.ReadDate("参数"+name, v)
	if msg != "" {
		return nil, credit.Invalid(msg, credit.Problem{Field: name, Code: "bad_date", Message: msg})
	}
	return &d, nil
}

// idParam returns the positive integer (an ID) of query parameter name,
// and false when it is absent; anything else is refused naming it.
func idParam(r *http.Request, name string) (int64, bool, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		msg := fmt.Sprintf("参数%s应为正整数，实际为“%s”", name, clip(v))
		return 0, false, credit.Invalid(msg, credit.Problem{Field: name, Code: "bad_id", Message: msg})
	}
	return n, true, nil
}

func int64Path(r *http.Request, name, what string) (int64, error) {
	n, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || n <= 0 {
		return 0, credit.Errorf(credit.EINVALID, "%s“%s”无效，应为正整数", what, clip(r.PathValue(name)))
	}
	return n, nil
}

// listDataNote is the note of the list catalog as the API shows it. The
// catalog data's own note (lists/data/lists.json) is written for the
// platform's maintainers and is not shown.
const listDataNote = "名单类型、应用场景和失信惩戒措施清单。措施依《全国失信惩戒措施基础清单（2021年版）》的分类整理，" +
	"条款编号为本平台的编排序号；措施名称与法律依据为摘要转述，以清单和法律、法规原文为准。" +
	"省级补充措施只依据地方性法规（《吉林省社会信用条例》）。"

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
	out := *d // d may be shared: change a copy
	out.Note = listDataNote
	respond.JSON(w, http.StatusOK, &out)
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
	// Each with its version: a PUT that sends it back is refused (409)
	// when someone changed the measure since.
	out := slices.Clone(d.Measures)
	for i := range out {
		out[i].Version = lists.MeasureVersion(out[i])
	}
	respond.JSON(w, http.StatusOK, map[string]any{"version": d.Version, "measures": out})
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
		return credit.Errorf(credit.EINVALID, "请求体中的措施代码“%s”与路径中的“%s”不一致", clip(m.Code), clip(r.PathValue("code")))
	}
	if err := ls.SaveMeasure(r.Context(), &m, lists.MeasureSave{Base: m.Version}); err != nil {
		return err
	}
	m.Version = lists.MeasureVersion(m)
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
	if f.ListType != "" || f.Kind != "" {
		d, err := ls.ListData(r.Context())
		if err != nil {
			return err
		}
		if err := checkListFilter(d, f); err != nil {
			return err
		}
	}
	if n, ok, err := idParam(r, "subject_id"); err != nil {
		return err
	} else if ok {
		id := credit.SubjectID(n)
		f.SubjectID = &id
	}
	if f.ActiveOn, err = dateParam(r, "active"); err != nil {
		return err
	}
	if f.Offset, err = intParam(r, "offset", 0, 0); err != nil {
		return err
	}
	if f.Limit, err = limitParam(r, 100, 1000); err != nil {
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

// checkListFilter refuses a list type or kind the list catalog d does not
// have, naming the valid values: an unknown one would find nothing and
// look like an empty list.
func checkListFilter(d *lists.Data, f lists.Filter) error {
	var types, kinds []string
	typeOK, kindOK := f.ListType == "", f.Kind == ""
	seen := map[lists.Kind]bool{}
	for _, t := range d.ListTypes {
		types = append(types, t.Code+"（"+t.Name+"）")
		typeOK = typeOK || t.Code == f.ListType
		if !seen[t.Kind] {
			seen[t.Kind] = true
			kinds = append(kinds, string(t.Kind)+"（"+t.Kind.Label()+"）")
			kindOK = kindOK || t.Kind == f.Kind
		}
	}
	if !typeOK {
		return credit.Invalid(fmt.Sprintf("参数type的值“%s”无效，应为名单类型代码：%s", clip(f.ListType), strings.Join(types, "、")),
			credit.Problem{Field: "type", Code: "bad_list_type", Message: "名单类型“" + clip(f.ListType) + "”不存在"})
	}
	if !kindOK {
		return credit.Invalid(fmt.Sprintf("参数kind的值“%s”无效，应为名单类别：%s", clip(string(f.Kind)), strings.Join(kinds, "、")),
			credit.Problem{Field: "kind", Code: "bad_kind", Message: "名单类别“" + clip(string(f.Kind)) + "”不存在"})
	}
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
		d, msg := lists.ReadDate("移出日期", body.Date)
		if msg != "" {
			return credit.Invalid(msg, credit.Problem{Field: lists.RemovalFieldDate, FieldName: "移出日期", Code: "bad_date", Message: msg})
		}
		rm.Date = &d
	}
	e, err := ls.RemoveListEntry(r.Context(), credit.RecordID(id), rm)
	if err != nil {
		return err // (a refused row is told as the request's fields: lists.RemovalError)
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

// feedbackItem is one item of a feedback request: what the department
// reports. The fields the platform sets (id, verification_id, at, actor)
// are not among them, so that a request carrying one is refused as a field
// it cannot set (FeedbackItem in openapi.json: additionalProperties false).
type feedbackItem struct {
	Seq         int    `json:"seq"`
	MeasureCode string `json:"measure_code"`
	Applied     bool   `json:"applied"`
	AppliedOn   string `json:"applied_on"`
	Reason      string `json:"reason"`
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
		Feedback []feedbackItem `json:"feedback"`
	}
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	items := make([]lists.Feedback, len(body.Feedback))
	for i, f := range body.Feedback {
		items[i] = lists.Feedback{Seq: f.Seq, MeasureCode: f.MeasureCode, Applied: f.Applied, AppliedOn: f.AppliedOn, Reason: f.Reason}
	}
	fb, err := ls.CreateFeedback(r.Context(), id, items)
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
	if f.From != nil && f.To != nil && f.From.After(*f.To) {
		return credit.Errorf(credit.EINVALID, "参数from（%s）不得晚于参数to（%s）：统计期间从from开始、到to结束（含当日）",
			f.From.Format(credit.DateLayout), f.To.Format(credit.DateLayout))
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

// reportVerification loads a verification for its report: only the
// verifying department and administrators may (FindVerificationByID).
func (s *Server) reportVerification(r *http.Request) (*lists.Verification, error) {
	ls, err := s.lists()
	if err != nil {
		return nil, err
	}
	if _, err := requireActor(r.Context()); err != nil {
		return nil, err
	}
	id, err := int64Path(r, "id", "核查记录ID")
	if err != nil {
		return nil, err
	}
	return ls.FindVerificationByID(r.Context(), id)
}

func reportFilename(v *lists.Verification, ext string) string {
	return "信用核查报告-" + strconv.FormatInt(v.ID, 10) + "." + ext
}

func setAttachment(w http.ResponseWriter, name, ascii string) {
	w.Header().Set("Content-Disposition", `attachment; filename="`+ascii+`"; filename*=UTF-8''`+url.PathEscape(name))
}

// handleVerificationReportXLSX returns the verification report as a
// workbook: sheet 核查结果 (one row per subject, Chinese headers, identity
// numbers of persons masked) and sheet 核查信息.
func (s *Server) handleVerificationReportXLSX(w http.ResponseWriter, r *http.Request) error {
	v, err := s.reportVerification(r)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := lists.WriteReportXLSX(&buf, v); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Cache-Control", "no-store")
	setAttachment(w, reportFilename(v, "xlsx"), "verification-"+strconv.FormatInt(v.ID, 10)+".xlsx")
	_, err = w.Write(buf.Bytes())
	return err
}

// handleVerificationReportHTML returns the verification report as a
// standalone printable zh-CN page.
func (s *Server) handleVerificationReportHTML(w http.ResponseWriter, r *http.Request) error {
	v, err := s.reportVerification(r)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	o := lists.ReportHTMLOptions{Feedback: "命中名单的主体请通过执行反馈接口报告措施实施情况。", Generated: time.Now()}
	if err := lists.WriteReportHTML(&buf, v, o); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", lists.ReportHTMLPolicy)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	_, err = w.Write(buf.Bytes())
	return err
}
