package record

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"strings"
	"testing"
	"time"

	"jlcredit/internal/credit"
)

// TestContentHashHeaderSpelling submits the same penalty twice, once with
// field codes in one column order and once with Chinese names, aliases and
// full-width spellings in another: the content hash must be equal.
func TestContentHashHeaderSpelling(t *testing.T) {
	v := newValidator(t, "penalty")
	byCode := penaltyRow()
	spelled := map[string]string{
		"CF_FRDB":      "张三",
		"xy020102":     "长市监罚（2024）12号",
		"行政相对人名称*":     "长春市示例商贸有限公司",
		"行政相对人类别（必填）":  "法人",
		"统一社会信用代码":     strings.ToLower(entUSCC),
		"违法行为类型":       "销售不合格产品",
		"违法事实":         "当事人销售的产品经抽检不合格。",
		"处罚依据":         "《中华人民共和国产品质量法》第四十九条",
		"处罚类别":         "罚款、警告",
		"处罚内容":         "警告，并处罚款5万元",
		"罚款金额(万元)":     "5.00",
		"决定日期":         "2024年3月1日",
		"处罚有效期":        "20250301",
		"处罚机关":         "长春市市场监督管理局",
		"处罚机关统一社会信用代码": cityUSCC,
		"数据来源单位":       "长春市市场监督管理局",
		"数据来源单位统一社会信用代码": cityUSCC,
		"备注": "",
	}
	byCode["CF_WSH"] = "长市监罚(2024)12号"
	row := map[string]string{}
	for h, val := range spelled {
		f, ok := v.Class.FieldByHeader(h)
		if !ok {
			t.Fatalf("header %q not recognised", h)
		}
		row[f.Code] = val
	}
	r1, probs := v.Validate(1, byCode)
	if len(probs) > 0 {
		t.Fatal(problemList(probs))
	}
	r2, probs := v.Validate(2, row)
	if len(probs) > 0 {
		t.Fatal(problemList(probs))
	}
	h1 := ContentHash(r1.Class, r1.Key, r1.Fields)
	h2 := ContentHash(r2.Class, r2.Key, r2.Fields)
	if h1 != h2 {
		t.Errorf("hashes differ:\n%v\n%v", r1.Fields, r2.Fields)
	}
	if len(h1) != 64 {
		t.Errorf("hash %q is not hex SHA-256", h1)
	}

	r2.Fields["CF_NR_FK"] = "6"
	if ContentHash(r2.Class, r2.Key, r2.Fields) == h1 {
		t.Error("changed fine gives the same hash")
	}
}

func TestContentHash(t *testing.T) {
	base := ContentHash("penalty", "A|B", map[string]string{"X": "1", "Y": "2"})
	for _, test := range []struct {
		name         string
		class, key   string
		fields       map[string]string
		wantSameHash bool
	}{
		{"SameContent", "penalty", "A|B", map[string]string{"Y": "2", "X": "1"}, true},
		{"EmptyValueOmitted", "penalty", "A|B", map[string]string{"X": "1", "Y": "2", "Z": ""}, true},
		{"OtherClass", "license", "A|B", map[string]string{"X": "1", "Y": "2"}, false},
		{"OtherKey", "penalty", "A|C", map[string]string{"X": "1", "Y": "2"}, false},
		{"OtherValue", "penalty", "A|B", map[string]string{"X": "1", "Y": "3"}, false},
		{"MovedValue", "penalty", "A|B", map[string]string{"X": "12"}, false},
		{"KeyIntoField", "penalty", "A", map[string]string{"X": "1", "Y": "2"}, false},
		{"HTMLCharacters", "penalty", "A|B", map[string]string{"X": "<1>", "Y": "2"}, false},
	} {
		got := ContentHash(test.class, test.key, test.fields)
		if (got == base) != test.wantSameHash {
			t.Errorf("%s: same hash = %v, want %v", test.name, got == base, test.wantSameHash)
		}
	}
	if ContentHash("penalty", "", nil) != ContentHash("penalty", "", map[string]string{}) {
		t.Error("nil and empty fields hash differently")
	}
}

func sampleVersion() *Record {
	dd := func(y int, m time.Month, day int) *credit.Date { x := credit.MakeDate(y, m, day); return &x }
	return &Record{
		ID:             42,
		Class:          "penalty",
		Key:            "长市监罚〔2024〕12号|" + cityUSCC,
		Version:        2,
		SubjectID:      7,
		DepartmentID:   3,
		BatchID:        "B20240302080000-abcdef012345",
		ContentHash:    strings.Repeat("ab", 32),
		Fields:         map[string]string{"CF_WSH": "长市监罚〔2024〕12号", "CF_CFLB": "警告;罚款", "BZ": ""},
		DecisionDate:   dd(2024, 3, 1),
		Severity:       "general",
		PublicFrom:     dd(2024, 3, 1),
		PublicUntil:    dd(2025, 3, 1),
		RepairableFrom: dd(2024, 6, 1),
		Status:         Active,
		Late:           true,
		CreatedAt:      time.Date(2024, 3, 2, 16, 0, 0, 123456789, credit.Shanghai),
	}
}

func TestCanonical(t *testing.T) {
	r := sampleVersion()
	got := string(Canonical(r))
	want := `{"batch_id":"B20240302080000-abcdef012345","class":"penalty","content_hash":"` + strings.Repeat("ab", 32) +
		`","created_at":"2024-03-02T08:00:00.123456789Z","decision_date":"2024-03-01","department_id":3,` +
		`"fields":{"CF_CFLB":"警告;罚款","CF_WSH":"长市监罚〔2024〕12号"},"id":42,"key":"长市监罚〔2024〕12号|` + cityUSCC +
		`","late":true,"public_from":"2024-03-01","public_until":"2025-03-01","repairable_from":"2024-06-01",` +
		`"severity":"general","status":"active","subject_id":7,"version":2}`
	if got != want {
		t.Errorf("Canonical =\n%s\nwant\n%s", got, want)
	}
	if !json.Valid([]byte(got)) {
		t.Error("Canonical is not valid JSON")
	}
	// Fields encoded ahead (as ingestion does) give the same bytes.
	pre := sampleVersion()
	pre.FieldsJSON = AppendFieldsJSON(nil, pre.Fields)
	if s := string(Canonical(pre)); s != want {
		t.Errorf("Canonical with FieldsJSON =\n%s\nwant\n%s", s, want)
	}

	// Keys are in sorted order.
	dec := json.NewDecoder(strings.NewReader(got))
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	prev := ""
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		k := tok.(string)
		if k <= prev {
			t.Errorf("key %q after %q", k, prev)
		}
		prev = k
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}

	// Members outside the canonical set do not matter; the same instant in
	// another zone encodes the same.
	r2 := sampleVersion()
	r2.Current, r2.Row, r2.LateDays, r2.LedgerIndex = true, 9, 8, 100
	r2.Subject = SubjectRef{Name: "x"}
	r2.CreatedAt = r2.CreatedAt.UTC()
	if string(Canonical(r2)) != got {
		t.Error("non-canonical members or the time zone changed the encoding")
	}

	// Nil dates are "".
	r3 := sampleVersion()
	r3.PublicUntil, r3.RepairableFrom = nil, nil
	if s := string(Canonical(r3)); !strings.Contains(s, `"public_until":""`) || !strings.Contains(s, `"repairable_from":""`) {
		t.Errorf("nil dates not encoded as empty strings: %s", s)
	}
}

// TestCanonicalDetectsChanges changes each ledger-relevant member in turn.
func TestCanonicalDetectsChanges(t *testing.T) {
	base := string(Canonical(sampleVersion()))
	for name, change := range map[string]func(r *Record){
		"ID":             func(r *Record) { r.ID++ },
		"Class":          func(r *Record) { r.Class = "license" },
		"Key":            func(r *Record) { r.Key += "x" },
		"Version":        func(r *Record) { r.Version++ },
		"SubjectID":      func(r *Record) { r.SubjectID++ },
		"DepartmentID":   func(r *Record) { r.DepartmentID++ },
		"BatchID":        func(r *Record) { r.BatchID += "x" },
		"ContentHash":    func(r *Record) { r.ContentHash = strings.Repeat("cd", 32) },
		"Fields":         func(r *Record) { r.Fields["CF_CFLB"] = "警告" },
		"FieldAdded":     func(r *Record) { r.Fields["BZ"] = "备注" },
		"DecisionDate":   func(r *Record) { r.DecisionDate = nil },
		"Severity":       func(r *Record) { r.Severity = "serious" },
		"PublicFrom":     func(r *Record) { x := r.PublicFrom.AddDate(0, 0, 1); r.PublicFrom = &x },
		"PublicUntil":    func(r *Record) { r.PublicUntil = nil },
		"RepairableFrom": func(r *Record) { x := r.RepairableFrom.AddDate(0, 0, -1); r.RepairableFrom = &x },
		"Status":         func(r *Record) { r.Status = Repaired },
		"Late":           func(r *Record) { r.Late = false },
		"CreatedAt":      func(r *Record) { r.CreatedAt = r.CreatedAt.Add(time.Nanosecond) },
	} {
		r := sampleVersion()
		change(r)
		if string(Canonical(r)) == base {
			t.Errorf("changing %s did not change the canonical bytes", name)
		}
	}
}

// canonicalReference is the encoding/json form Canonical and ContentHash
// must equal byte for byte: the ledger's leaves depend on it.
func canonicalReference(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func canonicalRef(r *Record) []byte {
	return canonicalReference(struct {
		BatchID        credit.BatchID      `json:"batch_id"`
		Class          string              `json:"class"`
		ContentHash    string              `json:"content_hash"`
		CreatedAt      string              `json:"created_at"`
		DecisionDate   string              `json:"decision_date"`
		DepartmentID   credit.DepartmentID `json:"department_id"`
		Fields         map[string]string   `json:"fields"`
		ID             credit.RecordID     `json:"id"`
		Key            string              `json:"key"`
		Late           bool                `json:"late"`
		PublicFrom     string              `json:"public_from"`
		PublicUntil    string              `json:"public_until"`
		RepairableFrom string              `json:"repairable_from"`
		Severity       string              `json:"severity"`
		Status         string              `json:"status"`
		SubjectID      credit.SubjectID    `json:"subject_id"`
		Version        int                 `json:"version"`
	}{r.BatchID, r.Class, r.ContentHash, r.CreatedAt.UTC().Format(time.RFC3339Nano), dateString(r.DecisionDate), r.DepartmentID,
		nonEmpty(r.Fields), r.ID, r.Key, r.Late, dateString(r.PublicFrom), dateString(r.PublicUntil), dateString(r.RepairableFrom),
		string(r.Severity), string(r.Status), r.SubjectID, r.Version})
}

func FuzzCanonicalMatchesJSON(f *testing.F) {
	f.Add("penalty", "长市监罚〔2026〕1号|1122", "CF_WSH", "a\"b\\c\n<&>\u2028\x01\x08\x0c", int64(7), true)
	f.Add("", "", "", "\xff\xfe", int64(-1), false)
	// Three-byte sequences: CJK, U+2028 inside CJK, surrogates and overlong
	// forms (invalid), E1/EE/EF leads, a sequence cut short at the end.
	f.Add("license", "吉\u2028林", "F", "长春\xed\xa0\x80市\xe0\x80\xaf\xe1\x80\x80\xee\x80\x80\xef\xbf\xbd\xe4\xb8", int64(3), false)
	f.Fuzz(func(t *testing.T, class, key, field, value string, id int64, late bool) {
		d := credit.MakeDate(2024, 2, 29)
		r := &Record{ID: credit.RecordID(id), Class: class, Key: key, Version: 2, SubjectID: 3, DepartmentID: 4, BatchID: credit.BatchID(key),
			ContentHash: value, Fields: map[string]string{field: value, "Z": "", "A": key}, DecisionDate: &d, PublicFrom: &d, Late: late,
			Status: Status(field), CreatedAt: time.Unix(id%1e9, id%1e9).UTC()}
		if got, want := Canonical(r), canonicalRef(r); !bytes.Equal(got, want) {
			t.Errorf("Canonical =\n%s\nwant\n%s", got, want)
		}
		ref := canonicalReference(struct {
			Class  string            `json:"class"`
			Fields map[string]string `json:"fields"`
			Key    string            `json:"key"`
		}{class, nonEmpty(r.Fields), key})
		sum := sha256.Sum256(ref)
		if got, want := ContentHash(class, key, r.Fields), hex.EncodeToString(sum[:]); got != want {
			t.Errorf("ContentHash = %s, want %s", got, want)
		}
		// A class's field order encodes as the general path does, whether
		// or not it names every field.
		want := AppendFieldsJSON(nil, r.Fields)
		for _, codes := range [][]string{{"Z", field, "A", "B"}, {"A", "Z"}, {field}} {
			if got := NewFieldOrder(codes).AppendJSON(nil, r.Fields); !bytes.Equal(got, want) {
				t.Errorf("FieldOrder%q.AppendJSON = %s, want %s", codes, got, want)
			}
		}
	})
}

func FuzzParseFieldsJSON(f *testing.F) {
	f.Add([]byte(`{"CF_WSH":"长市监罚〔2026〕1号","CF_XDR_MC":"长春"}`))
	f.Add([]byte(`{"a":"b\"c"}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"a":"b",}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := ParseFieldsJSON(b)
		var want map[string]string
		werr := json.Unmarshal(b, &want)
		if (err == nil) != (werr == nil) {
			// The fast path may only accept what encoding/json accepts.
			if err == nil {
				t.Fatalf("ParseFieldsJSON(%q) accepted what encoding/json rejects: %v", b, werr)
			}
			t.Fatalf("ParseFieldsJSON(%q) = %v, encoding/json accepts it", b, err)
		}
		if err == nil && !maps.Equal(got, want) {
			t.Fatalf("ParseFieldsJSON(%q) = %v, want %v", b, got, want)
		}
		// Round trip of what we encode.
		if err == nil {
			again, err := ParseFieldsJSON(AppendFieldsJSON(nil, got))
			if err != nil || !maps.Equal(again, nonEmpty(got)) {
				t.Fatalf("round trip of %v = %v, %v", got, again, err)
			}
		}
	})
}

// benchFields is a penalty row as ingestion sees it after validation.
var benchFields = map[string]string{
	"CF_WSH": "长市监罚〔2024〕1234号", "CF_CFLB": "警告;罚款", "CF_XDR_MC": "吉林省北辰商贸有限公司", "CF_XDR_LB": "法人及非法人组织",
	"CF_XDR_SHXYM": cityUSCC, "CF_FRDB": "王建国", "CF_WFXW": "未按规定公示年度报告，且在责令改正期限内未改正，违反了《企业信息公示暂行条例》第八条的规定",
	"CF_YJ": "《中华人民共和国行政处罚法》第二十八条、《企业信息公示暂行条例》第十八条", "CF_NR": "警告，并处罚款人民币二万元整",
	"CF_NR_FK": "2", "CF_JDRQ": "2024-03-01", "CF_YXQ": "2025-03-01", "CF_GSJZQ": "2025-03-01", "CF_CFJG": "长春市市场监督管理局",
	"CF_CFJGDM": cityUSCC, "CF_SJLY": "长春市市场监督管理局", "CF_SJLYDM": cityUSCC, "BZ": "", "CF_XDR_ZJLX": "", "CF_ZJHM": "",
}

func BenchmarkFieldOrderAppendJSON(b *testing.B) {
	b.ReportAllocs()
	var codes []string
	for k := range benchFields {
		codes = append(codes, k, k+"_X")
	}
	o := NewFieldOrder(codes)
	var n int
	for b.Loop() {
		n += len(o.AppendJSON(nil, benchFields))
	}
	b.SetBytes(int64(n / b.N))
}

func BenchmarkAppendFieldsJSON(b *testing.B) {
	b.ReportAllocs()
	var n int
	for b.Loop() {
		n += len(AppendFieldsJSON(nil, benchFields))
	}
	b.SetBytes(int64(n / b.N))
}
