package ingest

import (
	"bytes"
	"io"
)

// xmlGuard sits between a decompressed XLSX part and the XML decoder and
// fails once one run of the XML exceeds limit bytes: a tag with its
// attributes, the text between two tags, a comment, a CDATA section or a
// processing instruction. encoding/xml gathers each such token whole in
// memory before the reader sees it, and a few hundred kilobytes of deflate
// inflate to a gigabyte of one repeated byte, so without the guard one
// cell, or white space between two rows, could take any amount of memory.
//
// A run is counted from one '<' to the next: neither text nor an attribute
// value may hold a '<', so every tag and every text run lies between two of
// them. Comments, CDATA sections and processing instructions may hold a
// '<' and are counted up to their terminator. A document type declaration,
// which OOXML does not allow and encoding/xml would gather whole, fails.
type xmlGuard struct {
	r       io.Reader
	limit   int64
	tooLong func() error // the error once a run is too long
	n       int64        // bytes of the current run
	state   guardState
	open    string // for guardBang: the opening being matched, "--" or "[CDATA["
	matched int    // bytes of open matched
	t1, t2  byte   // the last two bytes of a comment, CDATA section or instruction
	err     error  // sticky
}

type guardState uint8

const (
	guardText    guardState = iota // in text or a tag
	guardLT                        // just after '<'
	guardBang                      // after "<!", before the rest of "<!--" or "<![CDATA["
	guardComment                   // up to "-->"
	guardCDATA                     // up to "]]>"
	guardPI                        // up to "?>"
)

func newXMLGuard(r io.Reader, limit int64, tooLong func() error) *xmlGuard {
	return &xmlGuard{r: r, limit: limit, tooLong: tooLong}
}

func (g *xmlGuard) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	n, err := g.r.Read(p)
	if k, gerr := g.scan(p[:n]); gerr != nil {
		g.err = gerr
		return k, gerr
	}
	return n, err
}

// scan follows b through the runs. When a run grows past the limit, or a
// document type declaration starts, it returns how many bytes of b come
// before that point, and the error.
func (g *xmlGuard) scan(b []byte) (int, error) {
	for i := 0; i < len(b); {
		switch g.state {
		case guardText:
			j := bytes.IndexByte(b[i:], '<')
			if j < 0 {
				j = len(b) - i
			}
			if g.n+int64(j) > g.limit {
				return i, g.tooLong()
			}
			g.n += int64(j)
			i += j
			if i < len(b) { // at '<'
				g.n, g.state = 1, guardLT
				i++
			}
			continue
		case guardLT:
			switch b[i] {
			case '!':
				g.state, g.open, g.matched = guardBang, "", 0
			case '?':
				g.state, g.t1, g.t2 = guardPI, 0, 0
			default:
				g.state = guardText // b[i] is read as text (or another '<')
				continue
			}
		case guardBang:
			c := b[i]
			if g.open == "" {
				switch c {
				case '-':
					g.open = "--"
				case '[':
					g.open = "[CDATA["
				default:
					return i, errCorruptXLSX("含有不支持的文档类型声明（DOCTYPE）")
				}
			}
			if c != g.open[g.matched] {
				g.state = guardText // not well-formed: the decoder says so
				continue
			}
			g.matched++
			if g.matched == len(g.open) {
				g.state = guardComment
				if g.open != "--" {
					g.state = guardCDATA
				}
				g.t1, g.t2 = 0, 0
			}
		default: // inside a comment, CDATA section or instruction
			c := b[i]
			if c == '>' && (g.state == guardComment && g.t1 == '-' && g.t2 == '-' ||
				g.state == guardCDATA && g.t1 == ']' && g.t2 == ']' ||
				g.state == guardPI && g.t2 == '?') {
				g.state, g.n = guardText, 0
				i++
				continue
			}
			g.t1, g.t2 = g.t2, c
		}
		g.n++
		if g.n > g.limit {
			return i, g.tooLong()
		}
		i++
	}
	return len(b), nil
}
