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

// Bounds of the compact rows: a scoreboard row holds its name, bar,
// sparkline, points and 36 px buttons on one line, an item row its name,
// who changed it, its description and both buttons.
const (
	maxScoreRowPx = 50
	maxItemRowPx  = 56
)

// rowsReport is what the page measures of its rows at rest.
type rowsReport struct {
	ItemsHead  float64   `json:"itemsHead"`  // bottom of the Items card's heading
	FirstItem  float64   `json:"firstItem"`  // bottom of the first item row
	ScoreRows  []float64 `json:"scoreRows"`  // height of each score row
	ItemRows   []float64 `json:"itemRows"`   // height of each item row
	Wrapped    []string  `json:"wrapped"`    // rows whose buttons are not on one line, or out of their cell
	TallButton []string  `json:"tallButton"` // buttons whose text wrapped
}

const measureRows = `(() => {
  const h = (e) => e.getBoundingClientRect().height;
  const rows = (sel) => [...document.querySelectorAll(sel)];
  const out = { wrapped: [], tallButton: [] };
  out.itemsHead = document.getElementById('items-title').getBoundingClientRect().bottom;
  const first = document.querySelector('[data-testid="item-row"]');
  out.firstItem = first ? first.getBoundingClientRect().bottom : 1e9;
  out.scoreRows = rows('[data-testid="score-row"]').map(h);
  out.itemRows = rows('[data-testid="item-row"]').map(h);
  for (const [sel, name] of [['[data-testid="score-row"]', 'player'], ['[data-testid="item-row"]', 'id']]) {
    for (const r of rows(sel)) {
      const buttons = [...r.querySelectorAll('.score-actions button, .col-actions button')];
      const tops = new Set(buttons.map((b) => Math.round(b.getBoundingClientRect().top)));
      if (buttons.length === 0 || tops.size !== 1) out.wrapped.push(name + ' ' + r.dataset[name] + ': ' + buttons.length + ' buttons on ' + tops.size + ' lines');
      for (const b of buttons) {
        // Inside its cell, not spilling over the description or off the row.
        const cell = b.closest('td') || r, c = cell.getBoundingClientRect(), br = b.getBoundingClientRect();
        if (br.left < c.left - 1 || br.right > c.right + 1) out.wrapped.push(name + ' ' + r.dataset[name] + ': ' + (b.getAttribute('aria-label') || b.textContent) + ' sticks out of its cell');
        // One line of text: no taller than the button's own box allows.
        if (b.scrollHeight > b.clientHeight + 1 || h(b) > 40) out.tallButton.push(name + ' ' + r.dataset[name] + ' ' + (b.getAttribute('aria-label') || b.textContent) + ' ' + Math.round(h(b)) + ' px');
      }
    }
  }
  return out;
})()`

// At 1440×900 the scoreboard's rows are compact and the Items card, its
// heading and its first row, is inside the first screen after load; no
// row of buttons wraps. On a phone the rows stay one row of buttons each.
func TestBrowserCompactRowsAboveTheFold(t *testing.T) {
	needBrowser(t)
	srv := apptest.MustStartServer(t)
	w := openWindow(t, srv, "Bob")
	w.do("set the viewport", chromedp.EmulateViewport(1440, 900))
	w.do("reload", chromedp.Reload())
	w.waitLive(defaultWait)
	w.waitStill()
	eval[chromedp.Void](w, `window.scrollTo(0, 0)`)
	r := eval[rowsReport](w, measureRows)
	t.Logf("1440x900: Items heading bottom %.0f, first item row bottom %.0f; score rows %v; item rows %v", r.ItemsHead, r.FirstItem, r.ScoreRows, r.ItemRows)
	if len(r.ScoreRows) != 6 || len(r.ItemRows) == 0 {
		t.Fatalf("the demo board shows %d score rows and %d item rows, want 6 and some", len(r.ScoreRows), len(r.ItemRows))
	}
	if r.ItemsHead >= 900 || r.FirstItem >= 900 {
		t.Errorf("the Items card's heading ends at %.0f px and its first row at %.0f px, want both above the fold at 900", r.ItemsHead, r.FirstItem)
	}
	for i, hgt := range r.ScoreRows {
		if hgt > maxScoreRowPx {
			t.Errorf("score row %d is %.1f px tall, want at most %d", i+1, hgt, maxScoreRowPx)
		}
	}
	for i, hgt := range r.ItemRows {
		if hgt > maxItemRowPx {
			t.Errorf("item row %d is %.1f px tall, want at most %d", i+1, hgt, maxItemRowPx)
		}
	}
	for _, s := range r.Wrapped {
		t.Errorf("1440x900: buttons wrapped: %s", s)
	}
	for _, s := range r.TallButton {
		t.Errorf("1440x900: a button's text wrapped: %s", s)
	}

	w.phone(390)
	w.waitStill()
	r = eval[rowsReport](w, measureRows)
	t.Logf("390x844: score rows %v; item rows %v", r.ScoreRows, r.ItemRows)
	for _, s := range r.Wrapped {
		t.Errorf("390x844: buttons wrapped: %s", s)
	}
	for _, s := range r.TallButton {
		t.Errorf("390x844: a button's text wrapped: %s", s)
	}
}
