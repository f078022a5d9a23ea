package ingest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"jlcredit/internal/credit"
)

// jsonReader reads a top-level array of objects one element at a time.
type jsonReader struct {
	dec     *json.Decoder
	guard   *recordGuard
	headers []string
	seen    map[string]bool
	maxRows int
	maxCell int
	n       int // elements read
	pending *Row
	done    bool
	err     error // sticky
}

func newJSONReader(br *bufio.Reader, lim Limits) (Reader, error) {
	g := &recordGuard{r: decodeText(br), limit: lim.recordLimit(), what: "JSON"}
	j := &jsonReader{
		dec: json.NewDecoder(g), guard: g, seen: map[string]bool{},
		maxRows: lim.MaxRows, maxCell: lim.MaxCellBytes,
	}
	j.dec.UseNumber()
	tok, err := j.dec.Token()
	if err == io.EOF {
		return nil, errEmpty()
	}
	if err != nil {
		return nil, j.syntaxError(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, credit.Errorf(credit.EINVALID, "JSON格式错误：文件应为对象数组（以“[”开头，每个元素是一行数据）")
	}
	// Read the first object now so that Headers has its keys.
	row, err := j.next()
	switch {
	case err == io.EOF:
		return nil, errEmpty()
	case err != nil:
		var ce *credit.Error
		if !errors.As(err, &ce) {
			return nil, err
		}
		j.err = err // report it from Next, like any later element
	default:
		j.pending = &row
	}
	return j, nil
}

func (j *jsonReader) Headers() []string { return j.headers }

func (j *jsonReader) Next() (Row, error) {
	if j.pending != nil {
		row := *j.pending
		j.pending = nil
		return row, nil
	}
	return j.next()
}

func (j *jsonReader) next() (Row, error) {
	if j.err != nil {
		return Row{}, j.err
	}
	if j.done {
		return Row{}, io.EOF
	}
	row, err := j.element()
	if err != nil {
		if err == io.EOF {
			j.done = true
		} else {
			j.err = err
		}
		return Row{}, err
	}
	return row, nil
}

func (j *jsonReader) element() (Row, error) {
	if !j.dec.More() {
		if _, err := j.dec.Token(); err != nil { // the closing ]
			return Row{}, j.syntaxError(err)
		}
		if _, err := j.dec.Token(); err != io.EOF {
			return Row{}, credit.Errorf(credit.EINVALID, "JSON格式错误：数组结束后还有多余内容")
		}
		return Row{}, io.EOF
	}
	if j.n >= j.maxRows {
		return Row{}, errTooManyRows(j.maxRows)
	}
	j.n++
	j.guard.mark(j.n)
	var raw json.RawMessage
	if err := j.dec.Decode(&raw); err != nil {
		return Row{}, j.syntaxError(err)
	}
	return j.object(raw)
}

// object turns one array element into a Row. The element is already known
// to be valid JSON; keys are read in order so that headers keep the order of
// the file.
func (j *jsonReader) object(raw json.RawMessage) (Row, error) {
	row := Row{Num: j.n, Values: map[string]string{}}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		row.Problems = append(row.Problems, credit.Problem{
			Row: j.n, Code: "not_object",
			Message: fmt.Sprintf("第%d个元素不是JSON对象，无法作为一行数据", j.n),
		})
		return row, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil { // {
		return Row{}, j.syntaxError(err)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return Row{}, j.syntaxError(err)
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return Row{}, j.syntaxError(err)
		}
		key = trimCell(key)
		if key == "" {
			continue
		}
		text, nested := jsonText(v)
		if _, dup := row.Values[key]; dup {
			row.Problems = append(row.Problems, credit.Problem{
				Row: j.n, FieldName: key, Code: "duplicate_key",
				Message: fmt.Sprintf("第%d个对象中键“%s”重复，以最后一个为准", j.n, key),
			})
		}
		if nested {
			row.Problems = append(row.Problems, credit.Problem{
				Row: j.n, FieldName: key, Code: "nested_value",
				Message: fmt.Sprintf("第%d个对象的“%s”是嵌套的对象或数组，应为文字、数字或日期", j.n, key),
			})
		}
		if len(text) > j.maxCell {
			row.Problems = append(row.Problems, credit.Problem{
				Row: j.n, FieldName: key, Code: "cell_too_large",
				Message: fmt.Sprintf("第%d个对象的“%s”内容超过%s上限", j.n, key, formatSize(int64(j.maxCell))),
			})
			text = clipCell(text, j.maxCell)
		}
		row.Values[key] = text
		if !j.seen[key] {
			j.seen[key] = true
			j.headers = append(j.headers, key)
		}
	}
	return row, nil
}

// jsonText renders a JSON value as cell text: strings trimmed, numbers in
// plain decimal notation (decimalText), booleans as true/false, null as "". Objects and arrays come back
// as compact JSON text with nested set.
func jsonText(v json.RawMessage) (text string, nested bool) {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return "", false
	}
	switch v[0] {
	case '"':
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			s, _ = strconv.Unquote(string(v))
		}
		if !utf8.ValidString(s) {
			s = string(bytes.ToValidUTF8([]byte(s), []byte("\uFFFD")))
		}
		return trimCell(s), false
	case 'n':
		return "", false
	case '{', '[':
		var b bytes.Buffer
		if err := json.Compact(&b, v); err != nil {
			return string(v), true
		}
		return b.String(), true
	}
	if v[0] == '-' || v[0] >= '0' && v[0] <= '9' {
		return decimalText(string(v)), false
	}
	return string(v), false // true, false
}

// maxDecimalDigits bounds the text decimalText writes for an exponent: a
// number beyond it is left as written (the validator refuses it anyway).
const maxDecimalDigits = 400

// decimalText writes a JSON number in plain decimal notation, exactly:
// 1e-06 is 0.000001 and 1.5E3 is 1500, as a department writes it in a
// spreadsheet. Python and Java write small and large numbers with an
// exponent. A number without an exponent is returned as written (0.10
// stays 0.10, 12345678901234567890 stays exact); so is text that is not a
// JSON number.
func decimalText(s string) string {
	e := strings.IndexAny(s, "eE")
	if e < 0 {
		return s
	}
	mant, exps := s[:e], s[e+1:]
	neg := strings.HasPrefix(mant, "-")
	mant = strings.TrimPrefix(mant, "-")
	intPart, frac, _ := strings.Cut(mant, ".")
	if intPart == "" || !allDigits(intPart) || !allDigits(frac) {
		return s
	}
	if !allDigits(strings.TrimPrefix(strings.TrimPrefix(exps, "+"), "-")) {
		return s
	}
	exp, err := strconv.Atoi(exps)
	if err != nil || exp > maxDecimalDigits || exp < -maxDecimalDigits {
		return s
	}
	// The decimal point goes after the first point digits.
	digits := intPart + frac
	point := len(intPart) + exp
	trimmed := strings.TrimLeft(digits, "0")
	point -= len(digits) - len(trimmed)
	digits = strings.TrimRight(trimmed, "0")
	if digits == "" {
		return "0"
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	switch {
	case point <= 0:
		b.WriteString("0.")
		b.WriteString(strings.Repeat("0", -point))
		b.WriteString(digits)
	case point >= len(digits):
		b.WriteString(digits)
		b.WriteString(strings.Repeat("0", point-len(digits)))
	default:
		b.WriteString(digits[:point])
		b.WriteByte('.')
		b.WriteString(digits[point:])
	}
	return b.String()
}

// allDigits reports whether s is one or more ASCII digits, or empty.
func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// syntaxError turns a decoding error into EINVALID naming the element.
func (j *jsonReader) syntaxError(err error) error {
	var ce *credit.Error
	if errors.As(err, &ce) {
		return ce
	}
	n := max(j.n, 1)
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return credit.Errorf(credit.EINVALID, "JSON格式错误：第%d个对象附近（第%d字节）有语法错误", n, se.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF), err == io.EOF:
		return credit.Errorf(credit.EINVALID, "JSON格式错误：第%d个对象附近文件意外结束，文件可能不完整", n)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return credit.Errorf(credit.EINVALID, "JSON格式错误：第%d个对象附近有语法错误", n)
	}
	return readError(err)
}

func (j *jsonReader) Close() error { return nil }
