package jsonapi

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
	"jlcredit/internal/respond"
	"jlcredit/internal/subject"
)

// SubjectList is a page of search results.
type SubjectList struct {
	Subjects []*subject.Subject `json:"subjects"`
	Total    int                `json:"total"`
	// More is true when the total was capped (more results exist).
	More bool `json:"more"`
}

// handleSubjectIndex searches subjects (persons excluded) by name (2+
// characters) or code.
func (s *Server) handleSubjectIndex(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query().Get("q")
	offset, err := intParam(r, "offset", 0, 10000)
	if err != nil {
		return err
	}
	limit, err := limitParam(r, 20, 100)
	if err != nil {
		return err
	}
	// Persons are left out for every caller, as in the console's search: a
	// department looks a person up by verification or archive, which are
	// query-logged; a search by citizen ID would map it to a name unlogged.
	f := subject.Filter{Query: q, Offset: offset, Limit: limit, RegionPrefix: r.URL.Query().Get("region")}
	list, total, err := s.Backend.FindSubjects(r.Context(), f)
	if err != nil {
		return err
	}
	if list == nil {
		list = []*subject.Subject{}
	}
	respond.JSON(w, http.StatusOK, SubjectList{Subjects: list, Total: total, More: total >= subject.TotalCap(offset)})
	return nil
}

// handleArchive returns a subject's archive as the caller may see it. The
// purpose (查询事由, written to the query log) is trimmed and, like a
// verification's, at most lists.MaxPurpose characters.
func (s *Server) handleArchive(w http.ResponseWriter, r *http.Request) error {
	purpose := strings.TrimSpace(r.URL.Query().Get("purpose"))
	if n := utf8.RuneCountInString(purpose); n > lists.MaxPurpose {
		msg := fmt.Sprintf("查询事由最多%d字，实际%d字", lists.MaxPurpose, n)
		return credit.Invalid(msg, credit.Problem{Field: "purpose", Code: "too_long", Message: msg})
	}
	code := r.PathValue("code")
	if utf8.RuneCountInString(code) > maxPathCode {
		return credit.Errorf(credit.ENOTFOUND, "未找到代码为“%s”的信用主体", clip(code))
	}
	a, err := s.Backend.FindArchive(r.Context(), code, purpose)
	if err != nil {
		return err
	}
	respond.JSON(w, http.StatusOK, a)
	return nil
}

func recordID(r *http.Request) (credit.RecordID, error) {
	n, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || n <= 0 {
		return 0, credit.Errorf(credit.EINVALID, "记录ID“%s”无效，应为正整数", clip(r.PathValue("id")))
	}
	return credit.RecordID(n), nil
}

// handleRecordView returns one record version as the caller may see it.
func (s *Server) handleRecordView(w http.ResponseWriter, r *http.Request) error {
	id, err := recordID(r)
	if err != nil {
		return err
	}
	rec, err := s.Backend.FindRecordByID(r.Context(), id)
	if err != nil {
		return err
	}
	respond.JSON(w, http.StatusOK, rec)
	return nil
}
