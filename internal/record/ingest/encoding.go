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
// otherwise the first 64 KiB from the first non-ASCII byte decide between
// UTF-8 and GB18030, a superset of GBK and GB2312 (see looksUTF8). Text
// that is pure ASCII for longer than that is decided lazily at its first
// non-ASCII byte.
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
	if looksUTF8(look, err != nil) {
		a.dec = a.br
	} else {
		a.dec = transform.NewReader(a.br, simplifiedchinese.GB18030.NewDecoder())
	}
	return a.dec.Read(p)
}

// utf8Dominance is how many valid 3- or 4-byte UTF-8 sequences must stand
// for each run of invalid bytes for a sample to be UTF-8 with a few bad
// bytes. In random GBK text, from one character to hundreds, the ratio
// never came above 2. One stray byte in UTF-8 breaks one character and
// leaves one run, or two around a valid 2-byte sequence: 9 Chinese
// characters usually suffice, 17 always do.
const utf8Dominance = 8

// looksUTF8 reports whether sample, text without a byte order mark, is
// UTF-8 rather than GB18030. Unless atEOF, sample may end inside a
// character.
//
// One stray byte must not turn a UTF-8 file into GB18030: that would
// garble every row, where read as UTF-8 only the row holding the byte is
// refused (bad_encoding). A GBK file, on the other hand, is mostly invalid
// as UTF-8: almost every Chinese character leaves an invalid sequence,
// while a few characters, or two of them side by side, may form a valid
// sequence by chance. These are nearly always 2 bytes long (统一 is CD B3
// D2 BB), and only rarely 3 (岐春 holds E1 AA B4), whereas Chinese in UTF-8
// is 3 bytes a character. So the sample is UTF-8 when
//   - it has no invalid UTF-8 sequence, or
//   - its valid 3- and 4-byte sequences are at least utf8Dominance times
//     its runs of invalid bytes, or
//   - GB18030 finds as many errors in it (or more): GB18030 explains the
//     bytes no better, and bad bytes read as UTF-8 are reported rather
//     than turned into plausible but wrong characters.
//
// Otherwise it is GB18030. A text that is UTF-8 and GB18030 at once, such
// as GBK whose only Chinese is 统一, is taken as UTF-8.
func looksUTF8(sample []byte, atEOF bool) bool {
	long, bad := utf8Counts(sample, atEOF)
	if bad == 0 || long >= utf8Dominance*bad {
		return true
	}
	return bad <= gb18030Errors(sample, atEOF)
}

// utf8Counts counts in b the valid UTF-8 sequences of 3 or 4 bytes and the
// runs of invalid bytes: one stray byte inside a character can leave up to
// four invalid bytes, but it is one mistake, and strings.ToValidUTF8 makes
// the run one U+FFFD. Unless atEOF, a sequence cut by the end of b counts
// as neither.
func utf8Counts(b []byte, atEOF bool) (long, bad int) {
	inBad := false
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			inBad = false
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r != utf8.RuneError || n > 1 {
			if n >= 3 {
				long++
			}
			inBad = false
			i += n
			continue
		}
		if !atEOF && !utf8.FullRune(b[i:]) {
			break // b ends inside a rune
		}
		if !inBad {
			bad++
			inBad = true
		}
		i++
	}
	return long, bad
}

// gb18030Errors counts the characters that GB18030 cannot decode in b.
// Unless atEOF, a character cut by the end of b does not count.
func gb18030Errors(b []byte, atEOF bool) int {
	dec := simplifiedchinese.GB18030.NewDecoder()
	var buf [4 << 10]byte
	n := 0
	for len(b) > 0 {
		nDst, nSrc, err := dec.Transform(buf[:], b, atEOF)
		n += bytes.Count(buf[:nDst], replacementChar)
		b = b[nSrc:]
		if err != transform.ErrShortDst {
			break
		}
	}
	return n
}

var replacementChar = []byte("\uFFFD")

// errReader fails every read with err.
type errReader struct{ err error }

func (r *errReader) Read([]byte) (int, error) { return 0, r.err }
