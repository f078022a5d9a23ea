package record

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"jlcredit/internal/credit"
)

// ContentHash returns the hex SHA-256 of a canonical encoding of class, key
// and fields (sorted by field code; empty values omitted): equal content
// gives an equal hash regardless of column order or of which header spelling
// was used, because fields are keyed by field code after validation. Storage
// compares it with the current version to recognise a resubmitted row that
// changes nothing.
//
// The encoding is compact JSON {"class":…,"fields":{…},"key":…} with object
// keys sorted and no HTML escaping.
func ContentHash(class, key string, fields map[string]string) string {
	return ContentHashJSON(class, key, appendFields(make([]byte, 0, 1024), fields))
}

// ContentHashJSON is ContentHash for fields already encoded by
// AppendFieldsJSON.
func ContentHashJSON(class, key string, fieldsJSON []byte) string {
	b := make([]byte, 0, len(fieldsJSON)+len(key)+64)
	b = append(b, `{"class":`...)
	b = appendString(b, class)
	b = append(b, `,"fields":`...)
	b = append(b, fieldsJSON...)
	b = append(b, `,"key":`...)
	b = appendString(b, key)
	b = append(b, '}')
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Canonical returns the canonical bytes of a stored record version, the
// bytes the ledger hashes: compact JSON with object keys in sorted order, no
// insignificant whitespace and no HTML escaping, holding ID, Class, Key,
// Version, SubjectID, DepartmentID, BatchID, ContentHash, Fields (empty
// values omitted), DecisionDate, Severity, PublicFrom, PublicUntil,
// RepairableFrom, Status, Late and CreatedAt. Dates are yyyy-MM-dd, or ""
// when nil; CreatedAt is UTC in RFC 3339 with nanoseconds.
//
// Any change of these members after the version was appended to the ledger
// changes its hash and is detected by `ledger verify`. Members not listed
// (Current, Row, LateDays, LedgerIndex, Subject) may change without breaking
// the chain: they are derived or bookkeeping. The encoding must never change
// for existing versions; a new encoding needs a new ledger entry format.
// It is written by hand (ingestion encodes every row) and checked against
// encoding/json by a fuzz test.
func Canonical(r *Record) []byte {
	b := make([]byte, 0, 1536)
	str := func(name, v string) {
		b = append(b, ',', '"')
		b = append(b, name...)
		b = append(b, '"', ':')
		b = appendString(b, v)
	}
	num := func(name string, v int64) {
		b = append(b, ',', '"')
		b = append(b, name...)
		b = append(b, '"', ':')
		b = strconv.AppendInt(b, v, 10)
	}
	b = append(b, `{"batch_id":`...)
	b = appendString(b, string(r.BatchID))
	str("class", r.Class)
	str("content_hash", r.ContentHash)
	str("created_at", r.CreatedAt.UTC().Format(time.RFC3339Nano))
	str("decision_date", dateString(r.DecisionDate))
	num("department_id", int64(r.DepartmentID))
	b = append(b, `,"fields":`...)
	if r.FieldsJSON != nil {
		b = append(b, r.FieldsJSON...)
	} else {
		b = appendFields(b, r.Fields)
	}
	num("id", int64(r.ID))
	str("key", r.Key)
	b = append(b, `,"late":`...)
	b = strconv.AppendBool(b, r.Late)
	str("public_from", dateString(r.PublicFrom))
	str("public_until", dateString(r.PublicUntil))
	str("repairable_from", dateString(r.RepairableFrom))
	str("severity", string(r.Severity))
	str("status", string(r.Status))
	num("subject_id", int64(r.SubjectID))
	num("version", int64(r.Version))
	return append(b, '}')
}

// AppendFieldsJSON appends fields without empty values as a compact JSON
// object with sorted keys and no HTML escaping: the form in which storage
// keeps a record's fields, and the form inside Canonical and ContentHash.
func AppendFieldsJSON(b []byte, fields map[string]string) []byte { return appendFields(b, fields) }

// FieldOrder encodes the fields of one class in the form of
// AppendFieldsJSON without sorting their codes for every row: it holds the
// class's field codes, sorted, once.
type FieldOrder []string

// NewFieldOrder returns the sorted, distinct codes.
func NewFieldOrder(codes []string) FieldOrder {
	o := slices.Clone(codes)
	slices.Sort(o)
	return slices.Compact(o)
}

// AppendJSON appends AppendFieldsJSON(b, fields). Fields with codes outside
// the order are encoded by the general path.
func (o FieldOrder) AppendJSON(b []byte, fields map[string]string) []byte {
	var kbuf, vbuf [64]string // a class has fewer fields: no allocation
	keys, vals := kbuf[:0], vbuf[:0]
	size, present := 2, 0
	for _, k := range o {
		v, ok := fields[k]
		if !ok {
			continue
		}
		present++
		if v != "" {
			keys, vals = append(keys, k), append(vals, v)
			size += len(k) + len(v) + 6
		}
	}
	if present != len(fields) {
		return appendFields(b, fields)
	}
	return appendSorted(slices.Grow(b, size), keys, vals)
}

// appendFields appends fields without empty values as a JSON object with
// sorted keys.
func appendFields(b []byte, fields map[string]string) []byte {
	var buf [64]string // a class has fewer fields: no allocation
	keys := buf[:0]
	size := 2
	for k, v := range fields {
		if v != "" {
			keys = append(keys, k)
			size += len(k) + len(v) + 6
		}
	}
	slices.Sort(keys)
	var vbuf [64]string
	vals := vbuf[:0]
	for _, k := range keys {
		vals = append(vals, fields[k])
	}
	return appendSorted(slices.Grow(b, size), keys, vals)
}

// appendSorted appends a JSON object of keys, which are sorted, and their
// values.
func appendSorted(b []byte, keys, vals []string) []byte {
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		b = appendString(b, vals[i])
	}
	return append(b, '}')
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string exactly as encoding/json does
// with HTML escaping off: invalid UTF-8 becomes U+FFFD; U+2028 and U+2029
// are escaped. One pass: runs of bytes that need no escape are copied in
// one go, and the common three-byte sequences (CJK) are checked without
// decoding them.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if plainASCII[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			b = appendEscape(b, c)
			i++
			start = i
			continue
		}
		// Lead bytes E1, E3–EC, EE and EF take any two continuation bytes
		// (E0 and ED restrict the second byte; E2 may start U+2028/U+2029).
		if i+2 < len(s) && plainLead3[c] && s[i+1]&0xC0 == 0x80 && s[i+2]&0xC0 == 0x80 {
			i += 3
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			start = i + 1
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, `\u202`...)
			b = append(b, hexDigits[r&0xF])
			start = i + size
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// plainASCII reports the ASCII bytes a JSON string holds as they are.
var plainASCII = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// plainLead3 reports the lead bytes of three-byte UTF-8 sequences that are
// valid with any two continuation bytes and never encode U+2028/U+2029.
var plainLead3 = func() (t [256]bool) {
	for c := 0xE1; c <= 0xEF; c++ {
		t[c] = c != 0xE2 && c != 0xED
	}
	return t
}()

func appendEscape(b []byte, c byte) []byte {
	switch c {
	case '"', '\\':
		return append(b, '\\', c)
	case '\b':
		return append(b, '\\', 'b')
	case '\f':
		return append(b, '\\', 'f')
	case '\n':
		return append(b, '\\', 'n')
	case '\r':
		return append(b, '\\', 'r')
	case '\t':
		return append(b, '\\', 't')
	}
	return append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
}

// nonEmpty returns fields without empty values, never nil.
func nonEmpty(fields map[string]string) map[string]string {
	out := make(map[string]string, len(fields))
	for k, v := range fields {
		if v != "" {
			out[k] = v
		}
	}
	return out
}

func dateString(d *credit.Date) string {
	if d == nil {
		return ""
	}
	return d.Format(credit.DateLayout)
}

// ParseFieldsJSON decodes what AppendFieldsJSON encodes. Stored fields are
// read for every record an archive shows, so the common case — no escapes —
// is parsed by hand; anything else goes through encoding/json.
func ParseFieldsJSON(b []byte) (map[string]string, error) {
	if m, ok := parseSimpleObject(b); ok {
		return m, nil
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return m, nil
}

// parseSimpleObject parses {"k":"v",...} without whitespace or escapes;
// ok is false for any other input.
func parseSimpleObject(b []byte) (map[string]string, bool) {
	if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' {
		return nil, false
	}
	m := make(map[string]string, 32)
	i := 1
	str := func() (string, bool) {
		if i >= len(b) || b[i] != '"' {
			return "", false
		}
		i++
		start := i
		for i < len(b) && b[i] != '"' {
			if b[i] == '\\' || b[i] < 0x20 {
				return "", false
			}
			i++
		}
		if i >= len(b) {
			return "", false
		}
		s := string(b[start:i])
		i++
		return s, utf8.ValidString(s)
	}
	if b[i] == '}' {
		return m, i == len(b)-1
	}
	for {
		k, ok := str()
		if !ok || i >= len(b) || b[i] != ':' {
			return nil, false
		}
		i++
		v, ok := str()
		if !ok || i >= len(b) {
			return nil, false
		}
		if _, dup := m[k]; dup {
			return nil, false
		}
		m[k] = v
		switch b[i] {
		case ',':
			i++
		case '}':
			return m, i == len(b)-1
		default:
			return nil, false
		}
	}
}
