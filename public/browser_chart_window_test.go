package public_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"

	"livedash/app/apptest"
)

// chartIs is a predicate: the chart shows this window (its button pressed)
// over an x-scale span of want seconds, give or take two.
func chartIs(window string, lo, hi int) string {
	return fmt.Sprintf(`(() => {
		const c = document.querySelector('[data-testid="score-chart"]');
		const b = document.querySelector('[data-testid="chart-window"] [data-window=%s]');
		const span = Number(c.dataset.span);
		return c.dataset.window === %s && b.getAttribute('aria-pressed') === 'true' && span >= %d && span <= %d;
	})()`, jsString(window), jsString(window), lo, hi)
}

// readableTicks is a predicate: every tick of the time axis counts back
// from now in whole seconds, minutes or hours, and the last one is "now".
const readableTicks = `(() => {
	const t = (document.querySelector('[data-testid="score-chart"]').dataset.ticks || '').split('|');
	return t.length >= 3 && t[t.length - 1] === 'now' &&
		t.slice(0, -1).every((s) => /^\u2212(\d+ s|\d+ min|\d+ h( \d\d)?)$/.test(s));
})()`

// lineEndShows is a predicate: the label at the end of the player's line
// (by score id) says points, and no two labels overlap.
func lineEndShows(id int64, points int64) string {
	return fmt.Sprintf(`(() => {
		const ls = [...document.querySelectorAll('[data-testid="score-chart"] [data-testid="line-end"]')];
		const l = ls.find((e) => e.dataset.id === '%d');
		const rs = ls.map((e) => e.getBoundingClientRect());
		const apart = rs.every((a, i) => rs.every((b, j) => i === j || a.bottom <= b.top + 0.5 || b.bottom <= a.top + 0.5));
		const chart = document.querySelector('[data-testid="score-chart"]').getBoundingClientRect();
		const r = l && l.getBoundingClientRect();
		return !!l && l.textContent === '%d' && apart && r.width > 0 && r.right <= chart.right + 0.5 && r.top >= chart.top;
	})()`, id, points)
}

// The chart shows the window the person picks (remembered across a
// reload), with ticks counted back from now; each line ends in its current
// value; and a reconnect keeps the window and the lines instead of
// shrinking the chart to the last second.
func TestBrowserChartWindow(t *testing.T) {
	needBrowser(t)
	srv := apptest.MustStartServer(t)
	w := openWindow(t, srv, "Viewer")
	w.waitStill()
	// A fresh server: since the reset is a few seconds, shown as a minute.
	w.waitFor("since the reset, a minute at least", chartIs("reset", 60, 62))
	w.waitFor("relative ticks", readableTicks)

	w.click(`[data-testid="chart-window"] [data-window="300"]`)
	w.waitFor("the last 5 minutes", chartIs("300", 298, 302))
	w.waitFor("relative ticks over 5 minutes", readableTicks)
	w.click(`[data-testid="chart-window"] [data-window="3600"]`)
	w.waitFor("the last hour", chartIs("3600", 3598, 3602))
	w.waitFor("relative ticks over an hour", readableTicks+` && document.querySelector('[data-testid="score-chart"]').dataset.ticks.includes('min')`)

	const alice = 1 // 42 points in the demo data
	w.waitFor("Alice's line ends at 42", lineEndShows(alice, 42))
	srv.MustJSON(t, http.MethodPost, "/api/scores/1/increment", map[string]int{"by": 5}, http.StatusOK, nil)
	w.waitFor("Alice's line ends at 47", lineEndShows(alice, 47))
	// Bob draws level: two labels at one height are nudged apart.
	const bob = 2 // 35 points
	srv.MustJSON(t, http.MethodPost, "/api/scores/2/increment", map[string]int{"by": 12}, http.StatusOK, nil)
	w.waitFor("Bob's line ends at 47 too, the labels apart", lineEndShows(bob, 47)+" && "+lineEndShows(alice, 47))

	w.do("reload", chromedp.Reload())
	w.waitLive(defaultWait)
	w.waitStill()
	w.waitFor("the hour remembered", chartIs("3600", 3598, 3602))

	w.click(`[data-testid="chart-window"] [data-window="reset"]`)
	w.waitFor("since the reset", chartIs("reset", 60, 3600))
	srv.Stop()
	w.waitFor("the page lost the server", `window.livedash.client.connection !== 'live'`)
	srv = srv.Restart()
	w.waitLive(defaultWait)
	w.waitStill()
	w.waitFor("since the reset after the reconnect, not a second", chartIs("reset", 60, 3600))
	w.waitFor("Alice's line still ends at 47", lineEndShows(alice, 47))
	srv.MustJSON(t, http.MethodPost, "/api/scores/1/increment", map[string]int{"by": 5}, http.StatusOK, nil)
	w.waitFor("Alice's line ends at 52", lineEndShows(alice, 52))
	w.waitFor("still since the reset", chartIs("reset", 60, 3600))
}
