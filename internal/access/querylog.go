package access

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"jlcredit/internal/credit"
)

// QueryLogEntry is one non-public read of a subject's data (查询登记):
// who looked, at which subject, why and when. Entries are keyed by subject
// so that a subject can be shown who looked at it.
type QueryLogEntry struct {
	ID             int64               `json:"id"`
	At             time.Time           `json:"at"`
	Actor          string              `json:"actor"` // credit.Actor.Label of the reader
	Role           credit.Role         `json:"role"`
	DepartmentID   credit.DepartmentID `json:"department_id,omitempty"`
	DepartmentName string              `json:"department_name,omitempty"`
	UserID         credit.UserID       `json:"user_id,omitempty"`
	SubjectID      credit.SubjectID    `json:"subject_id"`
	SubjectName    string              `json:"subject_name"`
	SubjectCode    string              `json:"subject_code"` // USCC, or the masked citizen ID
	Purpose        string              `json:"purpose"`
	Channel        string              `json:"channel"` // web, api
	What           string              `json:"what"`    // archive, record (one record by id), verification
}

// QueryLogFilter selects query-log entries.
type QueryLogFilter struct {
	SubjectID    *credit.SubjectID
	DepartmentID *credit.DepartmentID
	UserID       *credit.UserID
	Actor        string // part of the reader's label
	Purpose      string // part of the purpose
	From, To     *time.Time
	Offset       int
	Limit        int
}

// QueryLogService reads the query log. Entries are written by the reads
// themselves: archives (archive.Service.FindArchive), records by id
// (record.Service.FindRecordByID) and verifications.
type QueryLogService interface {
	// FindQueryLog returns matching entries, newest first, within the
	// actor's scope: province administrators and auditors see all, region
	// administrators the reads of users and departments of their region.
	// The total is counted up to subject.TotalCap(f.Offset): when it
	// equals that, more entries match. Returns EFORBIDDEN for other actors.
	FindQueryLog(ctx context.Context, f QueryLogFilter) ([]*QueryLogEntry, int, error)
}

// Purposes are the usual reasons (查询事由) a government reader gives before
// opening a subject's archive; "其他" requires an explanation.
var Purposes = []string{
	"行政许可审批",
	"政府采购和招标投标",
	"财政资金安排",
	"评优评先和表彰奖励",
	"日常监管和执法检查",
	"公职人员招录任用",
	"信用修复和异议核查",
	"其他",
}

// Purpose returns the query-log purpose made of a chosen reason and an
// explanation, or EINVALID when the reason is missing or unknown, or "其他"
// comes without explanation. An explanation without a visible character
// (credit.Blank: spaces, zero-width or control characters) is none.
func Purpose(reason, note string) (string, error) {
	reason, note = strings.TrimSpace(reason), strings.TrimSpace(note)
	if credit.Blank(note) {
		note = ""
	}
	if c, bad := credit.BadRune(note); bad { // (QA: U+202E stored in the query log)
		return "", credit.Invalid("具体说明"+credit.BadRuneMessage(c),
			credit.Problem{Field: "note", Code: "bad_character", Message: "具体说明" + credit.BadRuneMessage(c)})
	}
	known := false
	for _, p := range Purposes {
		known = known || p == reason
	}
	switch {
	case !known:
		return "", credit.Invalid("请选择查询事由", credit.Problem{Field: "purpose", Code: "required", Message: "请选择查询事由"})
	case reason == "其他" && note == "":
		return "", credit.Invalid("查询事由为“其他”时请填写具体说明",
			credit.Problem{Field: "note", Code: "required", Message: "查询事由为“其他”时请填写具体说明"})
	case utf8.RuneCountInString(note) > 200:
		return "", credit.Invalid("查询说明不能超过200个字", credit.Problem{Field: "note", Code: "too_long", Message: "查询说明不能超过200个字"})
	}
	if note == "" {
		return reason, nil
	}
	return reason + "：" + note, nil
}
