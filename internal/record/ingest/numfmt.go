package ingest

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// numKind is what a cell's number format makes of a number.
type numKind uint8

const (
	kindGeneral  numKind = iota // a plain number
	kindDate                    // a calendar date: yyyy-MM-dd
	kindDateTime                // a date with a time of day
	kindTime                    // a time of day only
)

// builtinKind classifies Excel's built-in number formats, including the
// zh-CN ones (27–36, 50–58) that Chinese Excel uses for 年/月/日 dates.
func builtinKind(id int) numKind {
	switch {
	case id >= 14 && id <= 17, id >= 27 && id <= 31, id == 36, id >= 50 && id <= 54, id == 57, id == 58:
		return kindDate
	case id == 22:
		return kindDateTime
	case id >= 18 && id <= 21, id >= 32 && id <= 35, id >= 45 && id <= 47, id == 55, id == 56:
		return kindTime
	}
	return kindGeneral
}

// formatKind classifies a custom number format code such as
// `yyyy"年"m"月"d"日"` or `[$-804]yyyy/mm/dd h:mm`. Quoted text, escaped
// characters, and bracketed colours, locales and conditions are ignored; a
// y or d (or an m without h or s) makes a date, an h or s a time.
func formatKind(code string) numKind {
	var b strings.Builder
	elapsed := false
	inQuote := false
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch {
		case inQuote:
			if c == '"' {
				inQuote = false
			}
			continue
		case c == '"':
			inQuote = true
			continue
		case c == '\\', c == '_', c == '*':
			i++ // the next character is literal, padding or fill
			continue
		case c == ';':
			i = len(code) // only the first section (positive numbers) counts
			continue
		case c == '[':
			end := strings.IndexByte(code[i:], ']')
			if end < 0 {
				i = len(code)
				continue
			}
			if inner := strings.ToLower(code[i+1 : i+end]); inner != "" && strings.Trim(inner, "hms") == "" {
				elapsed = true // [h], [mm], [ss]: elapsed time
			}
			i += end
			continue
		}
		b.WriteByte(c)
	}
	s := strings.ToLower(b.String())
	s = strings.NewReplacer("am/pm", "", "a/p", "", "general", "").Replace(s)
	hasDate := strings.ContainsAny(s, "yd")
	hasTime := elapsed || strings.ContainsAny(s, "hs")
	if strings.Contains(s, "m") && !hasTime {
		hasDate = true
	}
	switch {
	case hasDate && hasTime:
		return kindDateTime
	case hasDate:
		return kindDate
	case hasTime:
		return kindTime
	}
	return kindGeneral
}

// maxSerial is the serial of 9999-12-31, Excel's last date.
const maxSerial = 2958465

// serialDate renders an Excel date serial: yyyy-MM-dd for a date,
// yyyy-MM-dd HH:mm:ss for a date with a time of day that is not midnight,
// HH:mm:ss for a time. In the 1900 date system serial 1 is 1900-01-01 and
// serial 60 is the 1900-02-29 that Lotus 1-2-3 invented and Excel kept; it
// is rendered as such and the validator rejects it. A serial that is no
// date (negative, beyond 9999) is rendered as a number.
func serialDate(v string, k numKind, date1904 bool) string {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || f < 0 || f >= maxSerial+1 {
		return plainNumber(v)
	}
	days := math.Floor(f)
	secs := math.Round((f - days) * 86400)
	if secs >= 86400 {
		days++
		secs = 0
	}
	clock := time.Date(2000, 1, 1, 0, 0, int(secs), 0, time.UTC).Format("15:04:05")
	if k == kindTime {
		return clock
	}
	d := int(days)
	var date string
	switch {
	case date1904:
		date = time.Date(1904, 1, 1+d, 0, 0, 0, 0, time.UTC).Format("2006-01-02")
	case d == 0:
		if k == kindDateTime && secs != 0 {
			return clock
		}
		return plainNumber(v)
	case d == 60:
		date = "1900-02-29"
	case d < 60:
		date = time.Date(1899, 12, 31+d, 0, 0, 0, 0, time.UTC).Format("2006-01-02")
	default:
		date = time.Date(1899, 12, 30+d, 0, 0, 0, 0, time.UTC).Format("2006-01-02")
	}
	if k == kindDateTime && secs != 0 {
		return date + " " + clock
	}
	return date
}

// isoDate renders the value of a cell of type "d" (an ISO 8601 date, which
// Excel writes in strict OOXML) like serialDate does.
func isoDate(v string, k numKind) string {
	v = strings.TrimSpace(v)
	for _, layout := range []string{"2006-01-02T15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999", "2006-01-02T15:04", "2006-01-02", "15:04:05.999999999", "15:04:05"} {
		t, err := time.Parse(layout, v)
		if err != nil {
			continue
		}
		if !strings.Contains(layout, "2006") || k == kindTime {
			return t.Format("15:04:05")
		}
		if t.Hour() != 0 || t.Minute() != 0 || t.Second() != 0 {
			return t.Format("2006-01-02 15:04:05")
		}
		return t.Format("2006-01-02")
	}
	return v
}

// plainNumber renders a number as a person reads it in Excel's General
// format, without thousands separators or E notation. An integer keeps all
// its digits, so an 18-digit code written by a program survives; anything
// else is rounded to Excel's 15 significant digits, so 0.30000000000000004
// reads 0.3. If Excel already cut a code to 15 digits (2.20102199001011E+17)
// the zeros it filled in stay; the zeros may well make a valid check
// character, so the XLSX reader reports such a cell (inexactNumber) rather
// than leave it to the validator.
func plainNumber(v string) string {
	v = strings.TrimSpace(v)
	digits := strings.TrimPrefix(strings.TrimPrefix(v, "-"), "+")
	if digits != "" && strings.Trim(digits, "0123456789") == "" {
		return strings.TrimPrefix(v, "+")
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return v
	}
	f, _ = strconv.ParseFloat(strconv.FormatFloat(f, 'g', 15, 64), 64)
	if f == 0 {
		return "0"
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// inexactNumber reports whether v, the value of a number cell, is 1e15 or
// more in magnitude: Excel keeps 15 significant digits, so such a number,
// typed into Excel, no longer holds the digits typed, and an 18-digit
// citizen ID or credit code stored as a number has lost its last three.
// An integer written out with more than 15 significant digits was written
// digit by digit by a program and is exact.
func inexactNumber(v string) bool {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) < 1e15 {
		return false
	}
	digits := strings.TrimPrefix(strings.TrimPrefix(v, "-"), "+")
	if strings.Trim(digits, "0123456789") == "" && len(strings.Trim(digits, "0")) > 15 {
		return false
	}
	return true
}
