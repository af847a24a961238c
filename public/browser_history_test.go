package public_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"

	"livedash/app/apptest"
	"livedash/models"
)

// A deletes an item; B undoes it from the activity feed; both see it back
// under its id.
func TestBrowserUndoFromActivity(t *testing.T) {
	needBrowser(t)
	srv := apptest.MustStartServer(t)
	a := openWindow(t, srv, "Ann")
	b := openWindow(t, srv, "Ben")

	a.click(itemRowSel(3) + " " + tid("item-delete"))
	st := waitServer(t, srv, "item 3 deleted", func(st models.State) bool {
		_, ok := itemOf(st.Items, 3)
		return !ok
	})
	entry := fmt.Sprintf(`.activity-entry[data-seq="%d"] %s`, st.Seq, tid("activity-undo"))
	b.waitFor("the delete in the feed", fmt.Sprintf(`!!document.querySelector(%s)`, jsString(entry)))
	b.click(entry)
	waitServer(t, srv, "item 3 back", func(st models.State) bool {
		it, ok := itemOf(st.Items, 3)
		return ok && it.Name == "Conference phone" && it.Version == 2
	})
	for _, w := range []*window{a, b} {
		w.waitFor("item 3 back", itemNamed(3, "Conference phone", "In the big meeting room"))
	}
}

// Ctrl+Z undoes the window's own most recent change, here an increment.
func TestBrowserCtrlZUndoesIncrement(t *testing.T) {
	needBrowser(t)
	srv := apptest.MustStartServer(t)
	a := openWindow(t, srv, "Ann")
	a.waitStill()
	a.click(scoreRowSel("Dave") + " " + tid("score-inc-5"))
	waitServer(t, srv, "Dave at 26", func(st models.State) bool {
		s, _ := scoreOf(st.Scores, "Dave")
		return s.Points == 26
	})
	a.waitFor("the undo toast", fmt.Sprintf(`!!document.querySelector(%s)`, jsString(tid("undo-toast-action"))))
	a.do("press Ctrl+Z", chromedp.KeyEvent("z", chromedp.KeyModifiers(chromedp.ModifierCtrl)))
	waitServer(t, srv, "Dave back at 21", func(st models.State) bool {
		s, _ := scoreOf(st.Scores, "Dave")
		return s.Points == 21
	})
	a.waitFor("Dave at 21", playerShows("Dave", 21, 0))
}

// A player's history panel shows the changes in order with their authors,
// and follows live changes.
func TestBrowserHistoryPanel(t *testing.T) {
	needBrowser(t)
	srv := apptest.MustStartServer(t)
	a := openWindow(t, srv, "Ann")
	b := openWindow(t, srv, "Ben")
	steps := []struct {
		w  *window
		by string
	}{{a, "score-inc-1"}, {b, "score-inc-5"}, {a, "score-dec-1"}}
	want := int64(28)
	for _, s := range steps {
		s.w.waitStill()
		s.w.click(scoreRowSel("Carol") + " " + tid(s.by))
		want += map[string]int64{"score-inc-1": 1, "score-inc-5": 5, "score-dec-1": -1}[s.by]
		w := want
		waitServer(t, srv, fmt.Sprintf("Carol at %d", w), func(st models.State) bool {
			c, _ := scoreOf(st.Scores, "Carol")
			return c.Points == w
		})
	}
	a.waitStill()
	a.click(scoreRowSel("Carol") + " " + tid("score-name"))
	a.waitFor("three entries", `document.querySelectorAll('[data-testid="history-entry"]').length === 3`)
	type entry struct {
		Who  string `json:"who"`
		Diff string `json:"diff"`
	}
	got := eval[[]entry](a, `[...document.querySelectorAll('[data-testid="history-entry"]')].map((li) => ({
		who: li.querySelector('[data-testid="history-who"]').textContent,
		diff: li.querySelector('[data-testid="history-diff"]').textContent,
	}))`)
	// Newest first, each with where it left the points.
	wantEntries := []entry{{"You", "\u22121 point (34 \u2192 33)"}, {"Ben", "+5 points (29 \u2192 34)"}, {"You", "+1 point (28 \u2192 29)"}}
	if fmt.Sprint(got) != fmt.Sprint(wantEntries) {
		t.Errorf("history panel shows %v, want %v", got, wantEntries)
	}
	srv.MustJSON(t, http.MethodPost, "/api/scores/3/increment", map[string]int{"by": 2}, http.StatusOK, nil)
	a.waitFor("the live change, on top", `document.querySelectorAll('[data-testid="history-entry"]').length === 4 &&
		document.querySelector('[data-testid="history-diff"]').textContent === '+2 points (33 \u2192 35)'`)
}

// The chart has a line per leading player and grows as increments arrive;
// every row has a sparkline.
func TestBrowserChart(t *testing.T) {
	needBrowser(t)
	srv := apptest.MustStartServer(t)
	a := openWindow(t, srv, "Ann")
	a.waitFor("the chart", `document.querySelector('[data-testid="score-chart"]').dataset.lines === '5' &&
		!!document.querySelector('[data-testid="score-chart"] canvas')`)
	points := func() int {
		return eval[int](a, `Number(document.querySelector('[data-testid="score-chart"]').dataset.points)`)
	}
	before := points()
	for i := range 2 {
		srv.MustJSON(t, http.MethodPost, "/api/scores/1/increment", map[string]int{"by": 3}, http.StatusOK, nil)
		want := before + i + 1
		a.waitFor(fmt.Sprintf("%d points in the chart", want), fmt.Sprintf(`Number(document.querySelector('[data-testid="score-chart"]').dataset.points) >= %d`, want))
	}
	a.waitFor("a sparkline per row", `[...document.querySelectorAll('[data-testid="score-row"]')].every((r) => !!r.querySelector('[data-testid="score-spark"] canvas'))`)
}

// At 390 px the history drawer and the chart fit: no sideways scrolling.
func TestBrowserHistoryPhone(t *testing.T) {
	needBrowser(t)
	srv := apptest.MustStartServer(t)
	srv.MustJSON(t, http.MethodPatch, "/api/items/1", map[string]string{"name": "Beamer with a rather long name that goes on and on"}, http.StatusOK, nil)
	a := openWindow(t, srv, "Ann")
	a.phone(390)
	a.waitFor("the chart", `document.querySelector('[data-testid="score-chart"]').dataset.lines === '5'`)
	a.click(itemRowSel(1) + " " + tid("item-history"))
	a.waitFor("the drawer", `document.querySelectorAll('[data-testid="history-entry"]').length === 1`)
	type fit struct {
		ScrollWidth int     `json:"scrollWidth"`
		ClientWidth int     `json:"clientWidth"`
		Panel       float64 `json:"panel"`
		Chart       float64 `json:"chart"`
	}
	f := eval[fit](a, `(() => {
		const de = document.documentElement;
		return {
			scrollWidth: de.scrollWidth, clientWidth: de.clientWidth,
			panel: document.querySelector('[data-testid="history-panel"]').getBoundingClientRect().right,
			chart: document.querySelector('[data-testid="score-chart"]').getBoundingClientRect().right,
		};
	})()`)
	if f.ScrollWidth > f.ClientWidth || f.Panel > float64(f.ClientWidth)+0.5 || f.Chart > float64(f.ClientWidth)+0.5 {
		t.Errorf("at 390 px: %+v (scrollWidth must not exceed clientWidth)", f)
	}
}
