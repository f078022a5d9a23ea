package web

import (
	"net/url"
	"testing"
)

// A listing counts its matches from the page it shows: every full page, up
// to the deepest, offers a next page.
func TestNewPager(t *testing.T) {
	for _, tc := range []struct {
		page, size, total int
		counted           bool
		pages             int
		capped            bool
	}{
		{1, 20, 0, true, 1, false},
		{1, 20, 999, true, 50, false},
		{1, 20, 1000, true, 50, true},     // counted up to 0+1000: more exist
		{50, 20, 1980, true, 99, true},    // page 50 counts up to 980+1000
		{51, 20, 2000, true, 100, true},   // the current page is in the window
		{290, 20, 5791, true, 290, false}, // the last page of 5,791
		{3, 20, 1000, false, 50, false},   // an exact total is never capped
		{60, 20, 1190, true, 60, false},   // fewer than the cap: exact
		{2, 50, 1050, true, 21, true},     // another page size
	} {
		p := newPager("/publicity/license", url.Values{"q": {"建筑"}, "page": {"9"}}, tc.page, tc.size, tc.total, tc.counted)
		if p.Pages != tc.pages || p.Capped != tc.capped {
			t.Errorf("newPager(page %d, size %d, total %d, counted %v) = %d pages, capped %v; want %d, %v",
				tc.page, tc.size, tc.total, tc.counted, p.Pages, p.Capped, tc.pages, tc.capped)
		}
		inWindow := false
		for _, n := range p.Window() {
			inWindow = inWindow || n == tc.page
		}
		if !inWindow && tc.page <= p.Pages {
			t.Errorf("page %d of %d not in the pager's window %v", tc.page, p.Pages, p.Window())
		}
	}
	p := newPager("/publicity/license", url.Values{"q": {"建筑"}, "page": {"9"}}, 50, 20, 1980, true)
	if got, want := p.URL(51), "/publicity/license?page=51&q=%E5%BB%BA%E7%AD%91"; got != want {
		t.Errorf("URL(51) = %q, want %q", got, want)
	}
}

// A capped count is a lower bound: the pager must not offer its last page
// as the listing's last, only a gap after the pages around the current one.
func TestPagerWindowCapped(t *testing.T) {
	for _, tc := range []struct {
		page, total int
		counted     bool
		want        []int
	}{
		{1, 1000, true, []int{1, 2, 3, 0}}, // 1000+ matches: no "50"
		{10, 1180, true, []int{1, 0, 8, 9, 10, 11, 12, 0}},
		{1, 999, true, []int{1, 2, 3, 0, 50}},   // exact: the last page is known
		{1, 1000, false, []int{1, 2, 3, 0, 50}}, // an exact total of 1000
	} {
		p := newPager("/console/verifications", url.Values{}, tc.page, 20, tc.total, tc.counted)
		got := p.Window()
		if len(got) != len(tc.want) {
			t.Errorf("page %d, total %d (counted %v): window %v, want %v", tc.page, tc.total, tc.counted, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("page %d, total %d (counted %v): window %v, want %v", tc.page, tc.total, tc.counted, got, tc.want)
				break
			}
		}
	}
}

// Beyond the last page, 上一页 leads to the last page, not to the page
// before the empty one; a capped total is shown as the stable MaxTotal+.
func TestPagerPrevAndShownTotal(t *testing.T) {
	for _, tc := range []struct {
		page, total int
		prev, shown int
	}{
		{3, 100, 2, 100},      // inside: the page before
		{500, 1721, 87, 1721}, // ?page=501 capped to 500, 87 pages: the last
		{9999, 1115, 56, 1115},
		{1, 1000, 0, 1000},   // capped at page 1: 1,000+
		{2, 1020, 1, 1000},   // capped at page 2: still 1,000+, not 1,020+
		{60, 1190, 59, 1190}, // exact deep down: as counted
	} {
		p := newPager("/search", url.Values{"q": {"公司"}}, tc.page, 20, tc.total, true)
		if got := p.Prev(); got != tc.prev {
			t.Errorf("page %d of %d: Prev() = %d, want %d", tc.page, tc.total, got, tc.prev)
		}
		if got := p.ShownTotal(); got != tc.shown {
			t.Errorf("page %d of %d: ShownTotal() = %d, want %d", tc.page, tc.total, got, tc.shown)
		}
	}
}
