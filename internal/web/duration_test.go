package web

import (
	"testing"
	"time"
)

func TestDurationText(t *testing.T) {
	for d, want := range map[time.Duration]string{
		15 * time.Minute: "15分钟",
		time.Hour:        "1小时",
		2 * time.Hour:    "2小时",
		90 * time.Minute: "90分钟",
		30 * time.Second: "30秒",
		0:                "1秒",
	} {
		if got := durationText(d); got != want {
			t.Errorf("durationText(%v) = %q, want %q", d, got, want)
		}
	}
}
