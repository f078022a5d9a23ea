package web

import (
	"net/http"
	"strings"
	"time"

	"jlcredit/internal/access"
	"jlcredit/internal/archive"
	"jlcredit/internal/credit"
	"jlcredit/internal/subject"
)

// LookupPage searches subjects for the government view.
type LookupPage struct {
	Page
	Query string
	FormErrors
	Results []*subject.Subject
	Pager   Pager
}

func (s *Server) requireArchiveAccess(r *http.Request) error {
	if !access.Can(credit.ActorFromContext(r.Context()), access.ActionViewArchive, access.Target{}) {
		return credit.Errorf(credit.EFORBIDDEN, "当前账号无权查询信用主体的政务档案")
	}
	return nil
}

func (s *Server) handleLookup(w http.ResponseWriter, r *http.Request) error {
	if err := s.requireArchiveAccess(r); err != nil {
		return err
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	p := &LookupPage{Page: base(r, "主体查询", "lookup"), Query: q}
	if q != "" {
		page := pageParam(r)
		// Persons are found only by their full citizen ID, which goes
		// straight to the purpose form instead of into a URL.
		list, total, err := s.backend.FindSubjects(r.Context(), subject.Filter{Query: q, Offset: (page - 1) * searchPageSize, Limit: searchPageSize})
		if credit.ErrorCode(err) == credit.EINVALID {
			p.fail(err, map[string]formInput{"q": {"q", "名称或代码前缀"}}, "q")
		} else if err != nil {
			return err
		}
		p.Results = list
		p.Pager = newPager(r.URL.Path, r.URL.Query(), page, searchPageSize, total, true)
	}
	return s.render(w, r, filterStatus(p), "lookup", p)
}

// PurposePage asks for the purpose (查询事由) before the government view of
// an archive is shown; the read is logged with it.
type PurposePage struct {
	Page
	Code    string
	Subject *subject.Subject
	Reason  string
	Note    string
	FormErrors
}

// purposeInputs are the inputs of the purpose form, by the field of the
// problems of access.Purpose.
var purposeInputs = map[string]formInput{
	"code":    {"code", "统一社会信用代码或公民身份号码"},
	"purpose": {"reason", "查询事由"},
	"note":    {"note", "具体说明"},
}

// errIDInURL is why a citizen ID in the address is not used.
var errIDInURL = credit.Invalid("公民身份号码不在网址中传递，请在下方重新填写号码和查询事由",
	credit.Problem{Field: "code", Code: "id_in_url", Message: "公民身份号码不在网址中传递，请在下方重新填写号码和查询事由"})

func (s *Server) handleLookupPurpose(w http.ResponseWriter, r *http.Request) error {
	if err := s.requireArchiveAccess(r); err != nil {
		return err
	}
	code := subject.Normalize(r.URL.Query().Get("code"))
	p := &PurposePage{Page: base(r, "填写查询事由", "lookup"), Code: code}
	if code != "" && subject.CheckUSCC(code, nil) != nil && subject.CheckCitizenID(code, credit.DateOf(s.now())) == nil {
		// A citizen ID in the address: nothing of the person — not even
		// whether the platform knows them — is shown before the read is
		// logged with its purpose, and the number is not echoed.
		p.Code = ""
		p.fail(errIDInURL, purposeInputs, "")
		return s.render(w, r, http.StatusOK, "purpose", p)
	}
	if code != "" {
		sub, err := s.backend.FindSubjectByCode(r.Context(), code)
		if err != nil {
			return err
		}
		if sub.Type == subject.Person {
			p.Code = ""
			p.fail(errIDInURL, purposeInputs, "")
			return s.render(w, r, http.StatusOK, "purpose", p)
		}
		p.Subject = sub
	}
	return s.render(w, r, http.StatusOK, "purpose", p)
}

// ArchivePage is the government view of a subject's archive.
type ArchivePage struct {
	Page
	Archive  *archive.Archive
	Sections []ArchiveSection
	Purpose  string
	Audience string
	At       time.Time
	// Verifiable: as on SubjectPage, whether the platform has the subject's
	// registration authority.
	Verifiable bool
}

func (s *Server) handleGovArchive(w http.ResponseWriter, r *http.Request) error {
	if err := s.requireArchiveAccess(r); err != nil {
		return err
	}
	form, err := postForm(w, r)
	if err != nil {
		return err
	}
	code := strings.TrimSpace(form.Get("code"))
	reason, note := form.Get("reason"), form.Get("note")
	purpose, err := access.Purpose(reason, note)
	if err == nil && code == "" {
		err = credit.Invalid("请输入统一社会信用代码或公民身份号码",
			credit.Problem{Field: "code", Code: "required", Message: "请输入统一社会信用代码或公民身份号码"})
	}
	var a *archive.Archive
	if err == nil {
		a, err = s.backend.FindArchive(r.Context(), code, purpose)
		if err != nil && credit.ErrorCode(err) != credit.EINVALID {
			return err
		}
	}
	if err != nil {
		// The form again, the message next to the input it is about (a
		// code the archive refuses: the code).
		p := &PurposePage{Page: base(r, "填写查询事由", "lookup"), Reason: reason, Note: note}
		p.fail(err, purposeInputs, "code")
		// A person's name is shown only with the logged read.
		if sub, ferr := s.backend.FindSubjectByCode(r.Context(), code); ferr == nil && sub.Type != subject.Person {
			p.Subject, p.Code = sub, sub.USCC
		}
		return s.render(w, r, http.StatusBadRequest, "purpose", p)
	}
	sections, err := s.sections(r.Context(), a, true)
	if err != nil {
		return err
	}
	cat, err := s.backend.Catalog(r.Context())
	if err != nil {
		return err
	}
	p := &ArchivePage{Page: base(r, a.Subject.Name+" - 政务档案", "lookup"), Archive: a, Sections: sections, Purpose: purpose,
		Audience: a.Audience.Label(), At: s.now(), Verifiable: cat.Verifiable(a.Subject.USCC)}
	return s.render(w, r, http.StatusOK, "archive", p)
}

// QueryLogPage searches the query log.
type QueryLogPage struct {
	Page
	Entries []*access.QueryLogEntry
	Filter  QueryLogForm
	Pager   Pager
	FormErrors
}

// QueryLogForm is the query-log filter form, as given.
type QueryLogForm struct {
	Subject, Actor, Purpose, From, To string
}

func (s *Server) handleQueryLog(w http.ResponseWriter, r *http.Request) error {
	actor := credit.ActorFromContext(r.Context())
	if !access.Can(actor, access.ActionViewQueryLog, access.Target{RegionCode: actor.RegionCode}) {
		return credit.Errorf(credit.EFORBIDDEN, "当前账号无权查看查询登记")
	}
	q := r.URL.Query()
	p := &QueryLogPage{Page: base(r, "查询登记", "querylog"),
		Filter: QueryLogForm{Subject: strings.TrimSpace(q.Get("subject")), Actor: q.Get("actor"), Purpose: q.Get("purpose"), From: q.Get("from"), To: q.Get("to")}}
	page := pageParam(r)
	f := access.QueryLogFilter{Actor: p.Filter.Actor, Purpose: p.Filter.Purpose, Offset: (page - 1) * batchPageSize, Limit: batchPageSize}
	if p.Filter.Subject != "" {
		sub, err := s.backend.FindSubjectByCode(r.Context(), p.Filter.Subject)
		if err != nil {
			p.filterError("f-subject", "主体代码", credit.ErrorMessage(err))
		} else {
			f.SubjectID = &sub.ID
		}
	}
	if d, msg := parseDay(p.Filter.From, "开始日期"); msg != "" {
		p.filterError("f-from", "日期自", msg)
	} else if d != nil {
		t := credit.StartOfDay(*d)
		f.From = &t
	}
	if d, msg := parseDay(p.Filter.To, "结束日期"); msg != "" {
		p.filterError("f-to", "日期至", msg)
	} else if d != nil {
		t := credit.StartOfDay(d.AddDate(0, 0, 1))
		f.To = &t
	}
	if p.Error == "" {
		entries, total, err := s.backend.FindQueryLog(r.Context(), f)
		if err != nil {
			return err
		}
		p.Entries = entries
		p.Pager = newPager(r.URL.Path, q, page, batchPageSize, total, true)
	}
	return s.render(w, r, filterStatus(p), "querylog", p)
}
