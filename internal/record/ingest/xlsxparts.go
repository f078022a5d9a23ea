package ingest

// The parts of an XLSX package the reader needs besides the worksheet:
// relationships, the workbook, the styles and the shared strings.

import (
	"archive/zip"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path"
	"strconv"
	"strings"
)

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
	d := newXMLDecoder(rc)
	var rels []rel
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
		if len(rels) > 100000 {
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
	sheets   []string // relationship ids in workbook order
	date1904 bool
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
	d := newXMLDecoder(rc)
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
			for _, a := range t.Attr {
				if a.Name.Local == "id" && a.Name.Space != "" {
					wb.sheets = append(wb.sheets, a.Value)
				}
			}
			if len(wb.sheets) > 100000 {
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
	d := newXMLDecoder(rc)
	custom := map[int]string{}
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
					custom[id] = code
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
		if code, ok := custom[id]; ok {
			kinds[i] = formatKind(code)
		} else {
			kinds[i] = builtinKind(id)
		}
	}
	return kinds, nil
}

// sharedStrings is the shared string table. Its text stays in memory up to
// sstMemLimit bytes and spills to a temporary file beyond, so a workbook of
// a million distinct strings costs 8 bytes per string in memory.
type sharedStrings struct {
	ends []int64 // end offset of each string
	mem  []byte
	file *os.File
	size int64
	buf  []byte
}

// sstMemLimit is a variable for tests.
var sstMemLimit = 16 << 20

func readSharedStrings(f *zip.File) (_ *sharedStrings, err error) {
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
	d := newXMLDecoder(rc)
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			return s, nil
		}
		if err != nil {
			return nil, xmlError(err)
		}
		if t, ok := tok.(xml.StartElement); ok && t.Name.Local == "si" {
			text, err := readRichText(d)
			if err != nil {
				return nil, err
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
	s.ends = append(s.ends, s.size)
	return nil
}

func (s *sharedStrings) get(i int) (string, bool, error) {
	if i < 0 || i >= len(s.ends) {
		return "", false, nil
	}
	start := int64(0)
	if i > 0 {
		start = s.ends[i-1]
	}
	end := s.ends[i]
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
