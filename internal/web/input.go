package web

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
	"jlcredit/internal/respond"
)

// This file holds what every page does with its input and its answer the
// same way: form text that is not UTF-8, unreadable multipart forms, query
// parameters out of range, wrong methods and redirects.

// fieldLabels name the fields of the console and portal forms, by field
// name, for messages about a field that name no form of their own
// (formLabels). Names not here are called by their name.
var fieldLabels = map[string]string{
	"csrf_token":       "安全令牌",
	"q":                "查询关键词",
	"page":             "页码",
	"from":             "起始日期",
	"to":               "截止日期",
	"since":            "起始日期",
	"region":           "地区",
	"department":       "部门",
	"class":            "信息类",
	"type":             "名单类型",
	"kind":             "类别",
	"scope":            "范围",
	"code":             "代码",
	"name":             "名称",
	"username":         "用户名",
	"password":         "密码",
	"next":             "登录后返回的页面",
	"reason":           "原因",
	"note":             "具体说明",
	"purpose":          "查询事由",
	"subject":          "主体代码",
	"actor":            "查询人",
	"date":             "日期",
	"feedback":         "反馈",
	"disabled":         "账号状态",
	"scenario":         "应用场景",
	"scenarios":        "应用场景",
	"subjects":         "核查对象",
	"effect":           "措施效果",
	"mandatory":        "应当实施",
	"basis":            "法律依据",
	"clause":           "清单条款",
	"department_kinds": "部门类别",
	"version":          "版本",
	"seq":              "核查对象",
	"url":              "接收推送的URL",
	"secret":           "签名密钥",
	"list_types":       "名单类型",
}

// formLabels name the fields of one route's form where they differ from
// fieldLabels, by the route's pattern.
var formLabels = map[string]map[string]formInput{
	"POST /console/departments":             departmentInputs,
	"POST /console/departments/{code}/keys": keyInputs,
	"POST /console/users":                   userInputs,
	"POST /console/password":                passwordInputs,
	"POST /console/subscriptions":           subscriptionInputs,
	"POST /console/verify":                  verifyInputs,
	"POST /console/subjects/archive": {
		"code": {"code", "统一社会信用代码或公民身份号码"}, "reason": {"reason", "查询事由"}, "note": {"note", "具体说明"}},
	"POST /console/lists/entries/{id}/removal": {
		"kind": {"f-kind", "移出方式"}, "date": {"f-date", "移出日期"}, "reason": {"f-reason", "移出原因"}},
	"POST /console/measures/new":    measureLabels,
	"POST /console/measures/{code}": measureLabels,
	"POST /console/inbox/{id}/ack":  {"feedback": {"feedback", "反馈情况"}},
}

var measureLabels = map[string]formInput{
	"code": {"f-code", "措施代码"}, "name": {"f-name", "措施名称"}, "class": {"f-class", "措施类别"}, "effect": {"f-effect", "措施效果"}}

// fieldPrefixes name the numbered fields of a form (the feedback form's
// status.2, on.2, reason.2).
var fieldPrefixes = map[string]string{"status.": "执行情况", "on.": "实施日期", "reason.": "情况说明"}

// fieldLabel returns how a message names the field name of r's form.
func (s *Server) fieldLabel(r *http.Request, name string) string {
	if in, ok := formLabels[r.Pattern][name]; ok {
		return in.Label
	}
	if r.Pattern == "POST /console/lists/new" {
		// The entry form's fields are the catalog's.
		if cat, err := s.backend.Catalog(r.Context()); err == nil {
			if c, ok := cat.Class(lists.ClassCode); ok {
				if f, ok := c.Field(name); ok {
					return f.Name
				}
			}
		}
	}
	if l, ok := fieldLabels[name]; ok {
		return l
	}
	for p, l := range fieldPrefixes {
		if strings.HasPrefix(name, p) {
			return l
		}
	}
	return credit.Clip(name, 30)
}

// checkText refuses form values (or query parameters) that are not
// UTF-8 text, and, when nul, that hold a NUL character (a database text
// cannot): they would be stored as U+FFFD, or not at all. The error names
// the field. Values are checked in name order, so that the message is
// the same each time.
func (s *Server) checkText(r *http.Request, vals url.Values, nul bool) error {
	names := make([]string, 0, len(vals))
	for name := range vals {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if !utf8.ValidString(name) {
			return credit.Invalid("表单中有字段名含有无法识别的字符（须为UTF-8文本），请从本站页面重新提交",
				credit.Problem{Field: strings.ToValidUTF8(name, "?"), Code: "not_utf8", Message: "字段名含有无法识别的字符"})
		}
		for _, v := range vals[name] {
			var msg string
			switch {
			case !utf8.ValidString(v):
				msg = "“" + s.fieldLabel(r, name) + "”含有无法识别的字符（须为UTF-8文本），请改正后重新提交"
			case nul && strings.ContainsRune(v, 0):
				msg = "“" + s.fieldLabel(r, name) + "”含有空字符（U+0000），请删除后重新提交"
			default:
				continue
			}
			return credit.Invalid(msg, credit.Problem{Field: name, Code: "not_text", Message: msg})
		}
	}
	return nil
}

// errBrokenForm is the error of a multipart form that broke off or has no
// closing boundary.
var errBrokenForm = credit.Errorf(credit.EINVALID, "表单不完整或格式错误，无法读取（上传可能中断），请重新提交")

// multipartError is the error of a multipart form that could not be read,
// whose file may have at most limit bytes: over the body's limit
// (http.MaxBytesReader's), ETOOLARGE naming limit; over the multipart
// reader's limits of its other fields, formError's; otherwise (cut off,
// no closing boundary) errBrokenForm. Nothing was done with such a form,
// so it is answered before its token is checked, as checkCSRF answers an
// unreadable url-encoded form and handleUpload one whose parts break off.
func multipartError(err error, limit int64) error {
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return credit.Errorf(credit.ETOOLARGE, "上传文件超过%s上限", byteSize(limit))
	case errors.Is(err, multipart.ErrMessageTooLarge):
		return formError(err, errBrokenForm)
	}
	return errBrokenForm
}

// uploadReader reads the file part of a multipart form whose body is
// limited by http.MaxBytesReader, turning the limit's error into
// multipartError's ETOOLARGE: storage reports a read error it does not
// know as EINVALID with its (English) text.
type uploadReader struct {
	r     io.Reader
	limit int64 // the file's limit, as the message names it
}

func (u uploadReader) Read(p []byte) (int, error) {
	n, err := u.r.Read(p)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		err = multipartError(err, u.limit)
	}
	return n, err
}

// intParam returns the integer query parameter name of r, between lo and
// hi: def when it is absent or empty, EINVALID naming it otherwise.
func intParam(r *http.Request, name string, def, lo, hi int) (int, error) {
	v := strings.TrimSpace(r.URL.Query().Get(name))
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, credit.Errorf(credit.EINVALID, "参数%s应为%d至%d之间的整数，实际为“%s”", name, lo, hi, credit.Clip(v, 20))
	}
	return n, nil
}

// flagParam returns the query parameter name of r that a checkbox or link
// sets: "1" is true, "0" or absent false; anything else is EINVALID.
func flagParam(r *http.Request, name, what string) (bool, error) {
	switch v := r.URL.Query().Get(name); v {
	case "", "0":
		return false, nil
	case "1":
		return true, nil
	default:
		return false, credit.Errorf(credit.EINVALID, "参数%s应为“1”（%s）或“0”，实际为“%s”", name, what, credit.Clip(v, 20))
	}
}

// methodNotAllowed is the 405 answer to r, whose path is served with the
// methods allow only.
func methodNotAllowed(r *http.Request, allow []string) error {
	msg := fmt.Sprintf("页面“%s”不支持%s请求，只支持%s", credit.Clip(r.URL.Path, 100), credit.Clip(r.Method, 20), strings.Join(allow, "、"))
	if r.URL.Path == "/logout" {
		msg += "：退出登录请使用页面顶部的“退出登录”按钮"
	}
	return respond.MethodNotAllowed(msg, allow)
}

// redirect sends r to target (a path of this site) with code, with a
// Chinese body for the rare client that shows it (http.Redirect writes
// English: “See Other”).
func redirect(w http.ResponseWriter, r *http.Request, target string, code int) {
	h := w.Header()
	h.Set("Location", target)
	h.Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	if r.Method != http.MethodHead {
		_, _ = fmt.Fprint(w, respond.RedirectBody(target))
	}
}
