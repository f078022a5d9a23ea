package storage_test

import (
	"slices"
	"sync"
	"testing"

	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
)

func TestMeasureSaveSQLite(t *testing.T)   { testMeasureSave(t, openSQLite) }
func TestMeasureSavePostgres(t *testing.T) { testMeasureSave(t, openPostgres) }

// Saving a measure is conditional: a new one only under a code not in
// use, an edit only over the version it was opened on, so that two
// administrators at work on the catalog never silently undo each other.
func testMeasureSave(t *testing.T, open opener) {
	db := open(t)
	measure := func(code, name string) lists.Measure {
		return lists.Measure{Code: code, Name: name, Class: 2, Effect: lists.Restrict, ListTypes: []string{"black"},
			Scenarios: []string{"评优评先"}, Basis: "《吉林省社会信用条例》", Clause: "吉林省失信惩戒措施补充清单 第9项"}
	}
	version := func(code string) string {
		t.Helper()
		d, err := db.ListData(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(d.Measures, func(x lists.Measure) bool { return x.Code == code })
		if i < 0 {
			t.Fatalf("no measure %s", code)
		}
		return lists.MeasureVersion(d.Measures[i])
	}

	m := measure("JL-19", "限制参加省级示范企业评选")
	if err := db.SaveMeasure(sys(), &m, lists.MeasureSave{Create: true}); err != nil {
		t.Fatal(err)
	}
	again := measure("jl-19", "另一项措施")
	err := db.SaveMeasure(sys(), &again, lists.MeasureSave{Create: true})
	if ps := problemCodes(err); credit.ErrorCode(err) != credit.EINVALID || !slices.Equal(ps, []string{"duplicate"}) {
		t.Errorf("a new measure under a code in use: %v %v; want invalid, duplicate", err, ps)
	}

	// Two editors open JL-19; the first saves, the second is refused.
	base := version("JL-19")
	a, b := m, m
	a.Name, b.Name = "限制参加省级示范企业和示范项目评选", "限制参加省级荣誉评选"
	if err := db.SaveMeasure(sys(), &a, lists.MeasureSave{Base: base}); err != nil {
		t.Fatalf("first edit: %v", err)
	}
	if err := db.SaveMeasure(sys(), &b, lists.MeasureSave{Base: base}); credit.ErrorCode(err) != credit.ECONFLICT {
		t.Errorf("second edit over the same version: %v; want conflict", err)
	}
	if err := db.SaveMeasure(sys(), &b, lists.MeasureSave{Base: version("JL-19")}); err != nil {
		t.Errorf("second edit reopened: %v", err)
	}
	// A default measure (not yet edited) has a version too.
	d, _ := db.ListData(t.Context())
	def := d.Measures[0]
	def.Name += "（修订）"
	if err := db.SaveMeasure(sys(), &def, lists.MeasureSave{Base: "0000000000000000"}); credit.ErrorCode(err) != credit.ECONFLICT {
		t.Errorf("edit of default %s over a wrong version: %v; want conflict", def.Code, err)
	}
	if err := db.SaveMeasure(sys(), &def, lists.MeasureSave{Base: version(def.Code)}); err != nil {
		t.Errorf("edit of default %s: %v", def.Code, err)
	}

	// Created at the same moment by several: one is saved, the others are
	// told the code is in use (on PostgreSQL this was a unique violation,
	// a 500).
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := measure("JL-20", "并发新增")
			errs[i] = db.SaveMeasure(sys(), &m, lists.MeasureSave{Create: true})
		}()
	}
	wg.Wait()
	saved := 0
	for _, err := range errs {
		switch {
		case err == nil:
			saved++
		case credit.ErrorCode(err) != credit.EINVALID:
			t.Errorf("concurrent creation: %v; want saved or invalid (duplicate)", err)
		}
	}
	if saved != 1 {
		t.Errorf("%d of 8 concurrent creations saved; want 1", saved)
	}
}

// problemCodes returns the codes of the problems err carries.
func problemCodes(err error) []string {
	var out []string
	if e, ok := err.(*credit.Error); ok {
		for _, p := range e.Details {
			out = append(out, p.Code)
		}
	}
	return out
}
