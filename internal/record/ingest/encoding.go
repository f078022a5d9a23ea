package ingest

import (
	"bufio"
	"bytes"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// encodingSniffLen is how much text decides between UTF-8 and GB18030.
const encodingSniffLen = 64 << 10

// decodeText returns the text of br as UTF-8 without a byte order mark.
//
// Chinese Excel saves "CSV (逗号分隔)" in GBK, "CSV UTF-8" with a BOM, and
// "Unicode 文本" as UTF-16LE with a BOM. So: a UTF-8 or UTF-16 BOM decides;
// otherwise the first 64 KiB that hold a non-ASCII byte decide between UTF-8
// (when they are valid UTF-8) and GB18030, a superset of GBK and GB2312.
// Text that is pure ASCII for longer than that is decided lazily at its
// first non-ASCII byte.
func decodeText(br *bufio.Reader) io.Reader {
	head, _ := br.Peek(3)
	switch {
	case bytes.HasPrefix(head, utf8BOM):
		br.Discard(len(utf8BOM))
		return br
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		return transform.NewReader(br, unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder())
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return transform.NewReader(br, unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder())
	}
	return &autoText{br: br}
}

// autoText passes ASCII through until the first non-ASCII byte, then picks
// UTF-8 or GB18030 from the bytes that follow.
type autoText struct {
	br  *bufio.Reader
	dec io.Reader // nil until decided
}

func (a *autoText) Read(p []byte) (int, error) {
	if a.dec != nil {
		return a.dec.Read(p)
	}
	if len(p) == 0 {
		return 0, nil
	}
	if a.br.Buffered() == 0 {
		if _, err := a.br.Peek(1); err != nil {
			return 0, err
		}
	}
	buf, _ := a.br.Peek(a.br.Buffered())
	i := 0
	for i < len(buf) && buf[i] < utf8.RuneSelf {
		i++
	}
	if i > 0 {
		n := copy(p, buf[:i])
		a.br.Discard(n)
		return n, nil
	}
	look, err := a.br.Peek(encodingSniffLen)
	if err != nil && err != io.EOF {
		// bufio hands an error out once; keep it rather than lose it.
		a.dec = &errReader{err}
		return 0, err
	}
	if isUTF8(look, err != nil) {
		a.dec = a.br
	} else {
		a.dec = transform.NewReader(a.br, simplifiedchinese.GB18030.NewDecoder())
	}
	return a.dec.Read(p)
}

// isUTF8 reports whether b is valid UTF-8, allowing b to end inside a rune
// unless atEOF.
func isUTF8(b []byte, atEOF bool) bool {
	if !atEOF {
		for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
			if utf8.RuneStart(b[i]) {
				if !utf8.FullRune(b[i:]) {
					b = b[:i]
				}
				break
			}
		}
	}
	return utf8.Valid(b)
}

// errReader fails every read with err.
type errReader struct{ err error }

func (r *errReader) Read([]byte) (int, error) { return 0, r.err }
