package credit

import (
	"testing"
	"time"
)

func TestStartOfDay(t *testing.T) {
	got := StartOfDay(MakeDate(2026, time.November, 27))
	if want := time.Date(2026, time.November, 26, 16, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("StartOfDay(2026-11-27) = %v, want %v (midnight in Asia/Shanghai)", got.UTC(), want)
	}
	if d := DateOf(got); !d.Equal(MakeDate(2026, time.November, 27)) {
		t.Errorf("DateOf(StartOfDay(d)) = %v, want d", d)
	}
}
