package lists

import (
	"encoding/json"
	"time"

	"jlcredit/internal/credit"
	"jlcredit/internal/record"
)

// entryJSON is an Entry as the API writes it: its dates as yyyy-MM-dd, as
// every other date of the API (verification answers, records) is written,
// not as instants.
type entryJSON struct {
	entryFields
	DecisionDate  string  `json:"decision_date"`
	ValidFrom     string  `json:"valid_from"`
	ValidUntil    *string `json:"valid_until,omitempty"`
	DeclaredUntil *string `json:"declared_until,omitempty"`
	RemovedOn     *string `json:"removed_on,omitempty"`
}

// entryFields is Entry without its methods, so that entryJSON's dates
// replace the embedded ones.
type entryFields Entry

// MarshalJSON writes the entry with its dates as yyyy-MM-dd.
func (e Entry) MarshalJSON() ([]byte, error) {
	day := func(d *credit.Date) *string {
		if d == nil {
			return nil
		}
		s := d.Format(credit.DateLayout)
		return &s
	}
	return json.Marshal(entryJSON{
		entryFields:  entryFields(e),
		DecisionDate: e.DecisionDate.Format(credit.DateLayout), ValidFrom: e.ValidFrom.Format(credit.DateLayout),
		ValidUntil: day(e.ValidUntil), DeclaredUntil: day(e.DeclaredUntil), RemovedOn: day(e.RemovedOn),
	})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (e *Entry) UnmarshalJSON(b []byte) error {
	var v entryJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*e = Entry(v.entryFields)
	// Verification answers stored before dates were written this way hold
	// instants (2026-10-25T00:00:00Z): read both.
	day := func(s string) (credit.Date, error) {
		if d, ok := record.ParseDate(s); ok {
			return d, nil
		}
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return credit.DateOf(t), nil
		}
		return credit.Date{}, credit.Errorf(credit.EINVALID, "日期“%s”无效，应为“年-月-日”格式，如2026-11-27", clip(s))
	}
	var err error
	if e.DecisionDate, err = day(v.DecisionDate); err != nil {
		return err
	}
	if e.ValidFrom, err = day(v.ValidFrom); err != nil {
		return err
	}
	for _, p := range []struct {
		s  *string
		to **credit.Date
	}{{v.ValidUntil, &e.ValidUntil}, {v.DeclaredUntil, &e.DeclaredUntil}, {v.RemovedOn, &e.RemovedOn}} {
		*p.to = nil
		if p.s != nil {
			d, err := day(*p.s)
			if err != nil {
				return err
			}
			*p.to = &d
		}
	}
	return nil
}
