package public_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"livedash/app/apptest"
)

// playerColors is what the page paints one player in.
type playerColors struct {
	Row    string `json:"row"`    // the row's data-color, which the bar uses
	Bar    string `json:"bar"`    // the bar's computed background colour
	Spark  string `json:"spark"`  // the sparkline's stroke
	Line   string `json:"line"`   // the chart legend's marker for the player's line ("" when not a leader)
	Avatar string `json:"avatar"` // the avatar's hue
}

func colorsOf(w *window, id int64) playerColors {
	w.t.Helper()
	raw := eval[string](w, fmt.Sprintf(`(() => {
		const row = document.querySelector('[data-testid="score-row"][data-id="%d"]');
		const name = row.dataset.player;
		const entry = [...document.querySelectorAll('[data-testid="score-chart"] .u-legend .u-series')]
			.find((e) => e.querySelector('.u-label') && e.querySelector('.u-label').textContent === name);
		return JSON.stringify({
			row: row.dataset.color,
			bar: getComputedStyle(row.querySelector('.bar-fill')).backgroundColor,
			spark: row.querySelector('[data-testid="score-spark"]').dataset.color,
			line: entry ? getComputedStyle(entry.querySelector('.u-marker')).borderColor : '',
			avatar: row.querySelector('.avatar').style.getPropertyValue('--hue'),
		});
	})()`, id))
	var c playerColors
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		w.t.Fatalf("colours of %d: %v (%s)", id, err, raw)
	}
	return c
}

// A player keeps one colour, shared by line, sparkline, bar and avatar,
// when another player overtakes them and after a reload.
func TestBrowserPlayerColourIsStable(t *testing.T) {
	needBrowser(t)
	srv := apptest.MustStartServer(t)
	w := openWindow(t, srv, "Viewer")
	w.waitStill()
	const alice, bob = 1, 2 // 42 and 35 points in the demo data
	before := map[int64]playerColors{alice: colorsOf(w, alice), bob: colorsOf(w, bob)}
	for id, c := range before {
		if c.Row == "" || c.Spark != c.Row || c.Line != c.Bar || !strings.HasPrefix(c.Row, "hsl("+c.Avatar+" ") {
			t.Fatalf("player %d is painted in several colours: %+v", id, c)
		}
	}
	if before[alice].Row == before[bob].Row {
		t.Fatalf("Alice and Bob share the colour %s", before[alice].Row)
	}

	if status, body := srv.Do(t, http.MethodPost, "/api/scores/2/increment", map[string]int{"by": 10}, nil); status != http.StatusOK {
		t.Fatalf("increment: %d %s", status, body)
	}
	w.waitFor("Bob ahead of Alice", `document.querySelector('[data-testid="score-row"][data-id="2"]').dataset.rank === '1'`)
	w.waitStill()
	for id, c := range before {
		if got := colorsOf(w, id); got != c {
			t.Fatalf("player %d after the overtake: %+v, before %+v", id, got, c)
		}
	}

	w.do("reload", chromedp.Reload())
	w.waitLive(defaultWait)
	w.waitStill()
	for id, c := range before {
		if got := colorsOf(w, id); got != c {
			t.Fatalf("player %d after a reload: %+v, before %+v", id, got, c)
		}
	}
}

// However long the activity feed, the page ends where its content ends: no
// blank tail to scroll into.
func TestBrowserNoBlankTail(t *testing.T) {
	needBrowser(t)
	srv := apptest.MustStartServer(t)
	w := openWindow(t, srv, "Viewer")
	var last int64
	for range 60 {
		var reply struct{ Seq int64 }
		srv.MustJSON(t, http.MethodPost, "/api/scores/3/increment", map[string]int{"by": 1}, http.StatusOK, &reply)
		last = reply.Seq
	}
	w.waitFor("the 60 changes", seqReached(last))
	for _, width := range []int64{1900, 1440, 390} {
		if width > 960 {
			w.do("resize", chromedp.EmulateViewport(width, 900))
		} else {
			w.phone(width)
		}
		// The page's content is main; the panel, toasts and dialogs float. At
		// 1900 px the side column is sticky: the feed's hidden separators
		// once escaped it and made a 2,300 px blank tail.
		tail := eval[float64](w, `document.documentElement.scrollHeight -
			(document.getElementById('main').getBoundingClientRect().bottom + window.scrollY)`)
		if tail > 48 {
			t.Fatalf("width %d: %.0f px of blank page below the last content", width, tail)
		}
	}
}

// Hovering the chart shows each leader's points and the time at that
// moment; the time reads as a clock, never with milliseconds; with no
// players the chart says so.
func TestBrowserChartHoverAndEmpty(t *testing.T) {
	needBrowser(t)
	srv := apptest.MustStartServer(t)
	w := openWindow(t, srv, "Viewer")
	w.waitStill()
	type point struct{ X, Y float64 }
	p := eval[point](w, `(() => {
		const over = document.querySelector('[data-testid="score-chart"] .u-over');
		over.scrollIntoView({ block: 'center', behavior: 'instant' });
		const r = over.getBoundingClientRect();
		return { X: r.left + r.width * 0.9, Y: r.top + r.height / 2 };
	})()`)
	w.do("hover the chart", chromedp.MouseEvent(chromedp.MouseMoved, p.X, p.Y))
	w.waitFor("the points at the pointer in the legend", `(() => {
		const values = [...document.querySelectorAll('[data-testid="score-chart"] .u-legend .u-series .u-value')].map((e) => e.textContent);
		return values.length === 6 && /^\d{1,2}:\d{2}:\d{2}/.test(values[0]) && !values[0].includes('.') &&
			values.slice(1).every((v) => /^-?\d+$/.test(v));
	})()`)

	for id := 1; id <= 6; id++ {
		srv.MustJSON(t, http.MethodDelete, fmt.Sprintf("/api/scores/%d", id), nil, http.StatusOK, nil)
	}
	w.waitFor("the empty chart's sentence", `(() => {
		const c = document.querySelector('[data-testid="score-chart"]');
		return c.classList.contains('chart-empty') && getComputedStyle(c, '::after').content.includes('No players yet');
	})()`)
}
