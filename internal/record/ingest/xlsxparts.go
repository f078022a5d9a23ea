package ingest

// The parts of an XLSX package the reader needs besides the worksheet:
// relationships, the workbook, the styles and the shared strings.

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"

	"jlcredit/internal/credit"
)

// partRunLimit is the longest run of XML (see xmlGuard) in the parts
// other than the worksheet and the shared strings, and partKept the most
// text the reader keeps of one of them.
const (
	partRunLimit = 4 << 20
	partKept     = 16 << 20
)

// partTooLong returns the error for a run of XML in the part name that
// exceeds partRunLimit.
func partTooLong(name string) func() error {
	return func() error {
		return credit.Errorf(credit.EINVALID, "XLSX文件中%s的内容超过%s"+tooLongAdvice, credit.Clip(name, 100), formatSize(partRunLimit))
	}
}

// partKey normalises a zip entry name for lookup: forward slashes, no
// leading slash, lower case (Office treats part names case-insensitively).
func partKey(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	return strings.ToLower(strings.TrimPrefix(name, "/"))
}

type rel struct {
	id, typ, target string
}

// readRels reads a relationships part; targets are resolved against dir.
func readRels(files map[string]*zip.File, name, dir string) ([]rel, error) {
	f := files[partKey(name)]
	if f == nil {
		return nil, errCorruptXLSX("缺少关系文件")
	}
	rc, err := f.Open()
	if err != nil {
		return nil, errCorruptXLSX("")
	}
	defer rc.Close()
	d := newXMLDecoder(rc, partRunLimit, partTooLong(name))
	var rels []rel
	kept := 0
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			return rels, nil
		}
		if err != nil {
			return nil, xmlError(err)
		}
		t, ok := tok.(xml.StartElement)
		if !ok || t.Name.Local != "Relationship" {
			continue
		}
		var r rel
		external := false
		for _, a := range t.Attr {
			switch a.Name.Local {
			case "Id":
				r.id = a.Value
			case "Type":
				r.typ = a.Value
			case "Target":
				r.target = a.Value
			case "TargetMode":
				external = strings.EqualFold(a.Value, "External")
			}
		}
		if external || r.target == "" {
			continue
		}
		r.target = resolvePart(dir, r.target)
		rels = append(rels, r)
		kept += len(r.id) + len(r.typ) + len(r.target)
		if len(rels) > 100000 || kept > partKept {
			return nil, errCorruptXLSX("关系过多")
		}
	}
}

func resolvePart(dir, target string) string {
	target = strings.ReplaceAll(target, "\\", "/")
	if strings.HasPrefix(target, "/") {
		return path.Clean(target[1:])
	}
	return strings.TrimPrefix(path.Clean(path.Join(dir, target)), "/")
}

type workbook struct {
	sheets   []wbSheet // in workbook order
	date1904 bool
}

type wbSheet struct {
	id     string // relationship id
	hidden bool   // state="hidden" or "veryHidden"
}

func readWorkbook(files map[string]*zip.File, name string) (workbook, error) {
	var wb workbook
	f := files[partKey(name)]
	if f == nil {
		return wb, errCorruptXLSX("缺少workbook.xml")
	}
	rc, err := f.Open()
	if err != nil {
		return wb, errCorruptXLSX("")
	}
	defer rc.Close()
	d := newXMLDecoder(rc, partRunLimit, partTooLong(name))
	kept := 0
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			return wb, nil
		}
		if err != nil {
			return wb, xmlError(err)
		}
		t, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch t.Name.Local {
		case "workbookPr":
			if v, ok := attr(t, "date1904"); ok {
				wb.date1904 = v == "1" || strings.EqualFold(v, "true")
			}
		case "sheet":
			s := wbSheet{}
			for _, a := range t.Attr {
				switch {
				case a.Name.Local == "id" && a.Name.Space != "":
					s.id = a.Value
				case a.Name.Local == "state":
					s.hidden = a.Value == "hidden" || a.Value == "veryHidden"
				}
			}
			if s.id == "" {
				continue
			}
			wb.sheets = append(wb.sheets, s)
			kept += len(s.id)
			if len(wb.sheets) > 100000 || kept > partKept {
				return wb, errCorruptXLSX("工作表过多")
			}
		}
	}
}

// readStyles returns the number kind of each cell format (cellXfs).
func readStyles(f *zip.File) ([]numKind, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, errCorruptXLSX("")
	}
	defer rc.Close()
	d := newXMLDecoder(rc, partRunLimit, partTooLong(f.Name))
	custom := map[int]numKind{}
	var xfs []int
	inCellXfs := false
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, xmlError(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "numFmt":
				idv, _ := attr(t, "numFmtId")
				code, _ := attr(t, "formatCode")
				if id, err := strconv.Atoi(idv); err == nil && len(custom) < 100000 {
					custom[id] = formatKind(code)
				}
			case "cellXfs":
				inCellXfs = true
			case "xf":
				if inCellXfs {
					id := 0
					if v, ok := attr(t, "numFmtId"); ok {
						id, _ = strconv.Atoi(v)
					}
					xfs = append(xfs, id)
					if len(xfs) > 1<<20 {
						return nil, errCorruptXLSX("样式过多")
					}
				}
			}
		case xml.EndElement:
			if t.Name.Local == "cellXfs" {
				inCellXfs = false
			}
		}
	}
	kinds := make([]numKind, len(xfs))
	for i, id := range xfs {
		if k, ok := custom[id]; ok {
			kinds[i] = k
		} else {
			kinds[i] = builtinKind(id)
		}
	}
	return kinds, nil
}

// sharedStrings is the shared string table. Its text stays in memory up to
// sstMemLimit bytes and spills to a temporary file beyond, so a workbook of
// a million distinct strings costs 4 bytes per string in memory. A string
// may be at most Limits.recordLimit bytes long, the table may hold at most
// maxSharedStrings strings and 4GB of text (and no more than
// Limits.MaxXLSXUncompressed).
type sharedStrings struct {
	ends []uint32 // end offset of each string
	mem  []byte
	file *os.File
	size int64
	buf  []byte
}

// sstMemLimit and maxSharedStrings are variables for tests.
var (
	sstMemLimit      = 16 << 20
	maxSharedStrings = 1 << 24
)

func readSharedStrings(f *zip.File, lim Limits) (_ *sharedStrings, err error) {
	rc, err := f.Open()
	if err != nil {
		return nil, errCorruptXLSX("")
	}
	defer rc.Close()
	s := &sharedStrings{}
	defer func() {
		if err != nil {
			s.close()
		}
	}()
	maxString := lim.recordLimit()
	maxTotal := min(lim.MaxXLSXUncompressed, math.MaxUint32)
	d := newXMLDecoder(rc, maxString, func() error {
		return credit.Errorf(credit.EINVALID, "XLSX共享字符串表第%d项附近内容超过%s"+tooLongAdvice, len(s.ends)+1, formatSize(maxString))
	})
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			return s, nil
		}
		if err != nil {
			return nil, xmlError(err)
		}
		if t, ok := tok.(xml.StartElement); ok && t.Name.Local == "si" {
			if len(s.ends) >= maxSharedStrings {
				return nil, credit.Errorf(credit.EINVALID, "XLSX共享字符串表超过%d项"+tooLongAdvice, maxSharedStrings)
			}
			text, err := readRichText(d, int(maxString))
			if errors.Is(err, errTextTooLong) {
				return nil, credit.Errorf(credit.EINVALID, "XLSX共享字符串表第%d项内容超过%s"+tooLongAdvice, len(s.ends)+1, formatSize(maxString))
			}
			if err != nil {
				return nil, err
			}
			if s.size+int64(len(text)) > maxTotal {
				return nil, credit.Errorf(credit.EINVALID, "XLSX共享字符串表的内容超过%s"+tooLongAdvice, formatSize(min(maxTotal+1, lim.MaxXLSXUncompressed)))
			}
			if err := s.add(text); err != nil {
				return nil, err
			}
		}
	}
}

func (s *sharedStrings) add(text string) error {
	if s.file == nil && len(s.mem)+len(text) > sstMemLimit {
		f, err := os.CreateTemp("", "jlcredit-ingest-sst-*")
		if err != nil {
			return fmt.Errorf("ingest: shared strings: %w", err)
		}
		s.file = f
		if _, err := f.Write(s.mem); err != nil {
			return fmt.Errorf("ingest: shared strings: %w", err)
		}
		s.mem = nil
	}
	if s.file != nil {
		if _, err := s.file.WriteString(text); err != nil {
			return fmt.Errorf("ingest: shared strings: %w", err)
		}
	} else {
		s.mem = append(s.mem, text...)
	}
	s.size += int64(len(text))
	s.ends = append(s.ends, uint32(s.size)) // readSharedStrings keeps size within 4GB
	return nil
}

func (s *sharedStrings) get(i int) (string, bool, error) {
	if i < 0 || i >= len(s.ends) {
		return "", false, nil
	}
	start := int64(0)
	if i > 0 {
		start = int64(s.ends[i-1])
	}
	end := int64(s.ends[i])
	if s.file == nil {
		return string(s.mem[start:end]), true, nil
	}
	if n := int(end - start); cap(s.buf) < n {
		s.buf = make([]byte, n)
	}
	b := s.buf[:end-start]
	if _, err := s.file.ReadAt(b, start); err != nil {
		return "", false, fmt.Errorf("ingest: shared strings: %w", err)
	}
	return string(b), true, nil
}

func (s *sharedStrings) close() error {
	if s.file == nil {
		return nil
	}
	err := s.file.Close()
	if e := os.Remove(s.file.Name()); err == nil {
		err = e
	}
	s.file = nil
	return err
}

// mergeRange is the part of a merged range that reading fills in: its
// first column (0-based) in rows top to bottom (1-based, bottom > top).
type mergeRange struct {
	top, bottom, col int32
}

// maxMergeRanges is the most vertically merged ranges a worksheet may
// have, a variable for tests.
var maxMergeRanges = 1 << 20

// readMerges returns the vertically merged ranges of the worksheet f
// (<mergeCells>), in order of their top row. They come after the cells in
// the XML, so the worksheet is read ahead for them: its bytes are searched
// for the mergeCells element, and only that element is parsed. An error in
// the XML is left to the reading of the cells, which stops at the end of
// <sheetData>: the ranges read before it are kept.
func readMerges(f *zip.File, runLimit int64) ([]mergeRange, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, nil
	}
	defer rc.Close()
	r := seekMergeCells(rc)
	if r == nil {
		return nil, nil
	}
	d := newXMLDecoder(r, runLimit, func() error { return errCorruptXLSX("") })
	var ranges []mergeRange
	for {
		tok, err := d.RawToken()
		if err != nil {
			break
		}
		if t, ok := tok.(xml.EndElement); ok && t.Name.Local == "mergeCells" {
			break
		}
		t, ok := tok.(xml.StartElement)
		if !ok || t.Name.Local != "mergeCell" {
			continue
		}
		ref, _ := attr(t, "ref")
		m, ok := parseMergeRef(ref)
		if !ok {
			continue
		}
		if len(ranges) >= maxMergeRanges {
			return nil, credit.Errorf(credit.EINVALID, "XLSX工作表的合并单元格超过%d处，请取消合并单元格后重新上传", maxMergeRanges)
		}
		ranges = append(ranges, m)
	}
	slices.SortStableFunc(ranges, func(a, b mergeRange) int { return int(a.top - b.top) })
	return ranges, nil
}

// seekMergeCells reads r up to the start tag of the mergeCells element
// (<mergeCells> or <x:mergeCells>) and returns a reader of the XML from
// its '<' on, or nil when there is none. Text and attribute values cannot
// hold a '<', so the tag is found without parsing the cells before it.
func seekMergeCells(r io.Reader) io.Reader {
	const word = "mergeCells"
	const keep = len(word) + 80 // carried over between reads, for a prefix
	buf := make([]byte, 0, 64<<10)
	for {
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		for off := 0; ; {
			i := bytes.Index(buf[off:], []byte(word))
			if i < 0 {
				break
			}
			i += off
			if lt := tagStart(buf, i); lt >= 0 {
				return io.MultiReader(bytes.NewReader(buf[lt:]), r)
			}
			off = i + 1
		}
		if err != nil {
			return nil
		}
		if len(buf) > keep {
			buf = buf[:copy(buf, buf[len(buf)-keep:])]
		}
	}
}

// tagStart returns the index of the '<' that opens the tag whose local name
// starts at buf[i], or -1 when buf[i] starts no tag name.
func tagStart(buf []byte, i int) int {
	j := i - 1
	if j >= 0 && buf[j] == ':' { // a namespace prefix
		for j--; j >= 0 && i-j < 64 && isNameByte(buf[j]); j-- {
		}
	}
	if j >= 0 && buf[j] == '<' {
		return j
	}
	return -1
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.'
}

// parseMergeRef parses a merged range such as "P4:P7"; ok is false unless
// it spans more than one row.
func parseMergeRef(ref string) (mergeRange, bool) {
	a, b, found := strings.Cut(strings.TrimSpace(ref), ":")
	if !found {
		return mergeRange{}, false
	}
	c1, r1, ok1 := refCell(a)
	c2, r2, ok2 := refCell(b)
	if !ok1 || !ok2 {
		return mergeRange{}, false
	}
	top, bottom := min(r1, r2), max(r1, r2)
	if bottom == top {
		return mergeRange{}, false
	}
	return mergeRange{top: int32(top), bottom: int32(bottom), col: int32(min(c1, c2) - 1)}, true
}

// refCell returns the 1-based column and row of a cell reference such as
// "AB12" or "$AB$12".
func refCell(ref string) (col, row int, ok bool) {
	ref = strings.TrimPrefix(ref, "$")
	i := 0
	for i < len(ref) && (ref[i] >= 'A' && ref[i] <= 'Z' || ref[i] >= 'a' && ref[i] <= 'z') {
		i++
	}
	if i == 0 || i > 3 {
		return 0, 0, false
	}
	col, ok = refColumn(ref[:i])
	if !ok {
		return 0, 0, false
	}
	row, err := strconv.Atoi(strings.TrimPrefix(ref[i:], "$"))
	if err != nil || row < 1 || row > maxXLSXRows {
		return 0, 0, false
	}
	return col, row, true
}
