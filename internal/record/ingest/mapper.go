package ingest

import (
	"strings"

	"jlcredit/internal/credit"
)

// Mapper maps the headers of a file to catalog field codes.
type Mapper struct {
	match   func(header string) (code string, ok bool)
	codes   map[string]string // header -> field code
	headers map[string]string // field code -> header
	unknown map[string]bool
	order   []string // mapped headers in file order
}

// NewMapper maps headers with match, which returns the field code for a
// header (by Chinese name, code or alias). It returns the headers that match
// no field, in file order, and EINVALID when two headers map to the same
// field. Empty headers are ignored. A header that does not match as written
// is tried once more without a trailing required-marker ("*", "（必填）").
func NewMapper(headers []string, match func(header string) (code string, ok bool)) (*Mapper, []string, error) {
	m := &Mapper{
		match:   match,
		codes:   map[string]string{},
		headers: map[string]string{},
		unknown: map[string]bool{},
	}
	unknown, err := m.Extend(headers)
	if err != nil {
		return nil, nil, err
	}
	return m, unknown, nil
}

// Extend maps headers not seen before, such as the keys a JSON reader finds
// after the first object (compare the length of Reader.Headers between
// rows). It returns the new unknown headers, and EINVALID when a new header
// maps to a field another header already maps to.
func (m *Mapper) Extend(headers []string) ([]string, error) {
	var unknown []string
	for _, h := range headers {
		if h == "" || m.unknown[h] {
			continue
		}
		if _, ok := m.codes[h]; ok {
			continue
		}
		code, ok := m.lookup(h)
		if !ok {
			m.unknown[h] = true
			unknown = append(unknown, h)
			continue
		}
		if other, dup := m.headers[code]; dup {
			return unknown, credit.Errorf(credit.EINVALID, "表头“%s”与“%s”对应同一字段（%s），请删除其中一列", other, h, code)
		}
		m.codes[h] = code
		m.headers[code] = h
		m.order = append(m.order, h)
	}
	return unknown, nil
}

func (m *Mapper) lookup(h string) (string, bool) {
	if code, ok := m.match(h); ok {
		return code, true
	}
	if s := withoutRequiredMarker(h); s != h && s != "" {
		return m.match(s)
	}
	return "", false
}

// withoutRequiredMarker returns h without a required-marker: a trailing
// "*" or "（必填）", or a leading "*".
func withoutRequiredMarker(h string) string {
	s := h
	for _, suffix := range []string{"*", "＊", "（必填）", "(必填)"} {
		s = strings.TrimSpace(strings.TrimSuffix(s, suffix))
	}
	return strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(s, "*"), "＊"))
}

// Map returns the row's values by field code. Headers that match no field
// are dropped, and so are empty values.
func (m *Mapper) Map(r Row) map[string]string {
	out := make(map[string]string, len(m.codes))
	for _, h := range m.order {
		if v := r.Values[h]; v != "" {
			out[m.codes[h]] = v
		}
	}
	return out
}

// Header returns the header of the file that maps to the field code, for
// messages that should name the column as the department wrote it.
func (m *Mapper) Header(code string) (string, bool) {
	h, ok := m.headers[code]
	return h, ok
}

// Code returns the field code a header maps to.
func (m *Mapper) Code(header string) (string, bool) {
	c, ok := m.codes[header]
	return c, ok
}
