package public_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"livedash/app/apptest"
)

// clsRecorder runs before the page's scripts: it sums every layout shift
// (buffered, so shifts before the observer's first callback count too) and
// keeps which nodes moved, so that a failure names them.
const clsRecorder = `(() => {
  const rec = { total: 0, entries: [] };
  window.__cls = rec;
  const describe = (n) => {
    if (!n) return '(gone)';
    if (n.nodeType !== 1) return n.nodeName;
    return n.tagName.toLowerCase() + (n.id ? '#' + n.id : '') +
      (typeof n.className === 'string' && n.className ? '.' + n.className.trim().split(/\s+/).join('.') : '');
  };
  const rect = (r) => r ? Math.round(r.x) + ',' + Math.round(r.y) + ' ' + Math.round(r.width) + 'x' + Math.round(r.height) : '';
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (e.hadRecentInput) continue;
      rec.total += e.value;
      rec.entries.push({
        at: Math.round(e.startTime), value: e.value,
        sources: (e.sources || []).map((s) => describe(s.node) + ' ' + rect(s.previousRect) + ' -> ' + rect(s.currentRect)),
      });
    }
  }).observe({ type: 'layout-shift', buffered: true });
})();`

type clsReport struct {
	Total   float64 `json:"total"`
	Entries []struct {
		At      int64    `json:"at"`
		Value   float64  `json:"value"`
		Sources []string `json:"sources"`
	} `json:"entries"`
}

func (r clsReport) String() string {
	var b strings.Builder
	for _, e := range r.Entries {
		fmt.Fprintf(&b, "  %5d ms  %.4f  %s\n", e.At, e.Value, strings.Join(e.Sources, "; "))
	}
	return b.String()
}

// The page does not move under the reader while it loads: the cumulative
// layout shift (every shift summed, stricter than the session-window CLS
// of the Web Vitals) stays below 0.1 from navigation to 5 s after, on a
// desktop and on a phone, with the chart, sparklines, presence and the
// activity feed all arriving late.
func TestBrowserNoLayoutShift(t *testing.T) {
	needBrowser(t)
	srv := apptest.MustStartServer(t)
	// Someone else is here and has changed things, so that presence and the
	// activity feed have something to show when the page arrives.
	other := openWindow(t, srv, "Alice")
	other.waitStill()
	other.click(scoreRowSel("Carol") + " " + tid("score-inc-5"))
	other.waitFor("Carol's +5 applied", playerShows("Carol", 33, 0))

	for _, tc := range []struct {
		name   string
		width  int64
		height int64
		phone  bool
	}{
		{"desktop 1440x900", 1440, 900, false},
		{"phone 390x844", 390, 844, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := openWindow(t, srv, "Bob", func(o *windowOptions) { o.scripts = append(o.scripts, clsRecorder) })
			if tc.phone {
				w.phone(tc.width)
			} else {
				w.do("set the viewport", chromedp.EmulateViewport(tc.width, tc.height))
			}
			// Measure a load at this size from its first byte: the observer
			// is installed again before the reloaded page's own scripts.
			w.do("reload", chromedp.Reload())
			w.waitLive(defaultWait)
			w.waitStill()
			w.waitFor("5 s after navigation", `performance.now() > 5000`)
			r := eval[clsReport](w, `window.__cls`)
			t.Logf("%s: cumulative layout shift %.4f over %d shifts\n%s", tc.name, r.Total, len(r.Entries), r)
			if r.Total >= 0.1 {
				t.Errorf("%s: cumulative layout shift %.4f, want below 0.1; shifts:\n%s", tc.name, r.Total, r)
			}
		})
	}
}
