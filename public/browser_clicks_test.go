package public_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"livedash/app/apptest"
	"livedash/models"
)

// clickRapidly presses the mouse n times at the centre of the element, with
// `every` between clicks, the way a person hammers a button: the pointer is
// aimed once and stays where it is, whatever the page does under it.
func (w *window) clickRapidly(sel string, n int, every time.Duration) {
	w.t.Helper()
	w.do("wait for "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
	type point struct {
		X float64 `json:"x"`
		Y float64 `json:"y"`
	}
	p := eval[point](w, fmt.Sprintf(`(() => {
		const el = document.querySelector(%s);
		el.scrollIntoView({ block: 'center', inline: 'center', behavior: 'instant' });
		const r = el.getBoundingClientRect();
		return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
	})()`, jsString(sel)))
	tick := time.NewTicker(every)
	defer tick.Stop()
	for i := range n {
		if i > 0 {
			<-tick.C
		}
		w.do(fmt.Sprintf("click %d of %d on %s", i+1, n, sel), chromedp.MouseClickXY(p.X, p.Y))
	}
}

// eventsSince is the server's event log after seq.
func eventsSince(t testing.TB, srv *apptest.Server, seq int64) []struct {
	Seq   int64           `json:"seq"`
	Type  string          `json:"type"`
	Delta *int64          `json:"delta"`
	Data  json.RawMessage `json:"data"`
} {
	t.Helper()
	var evs struct {
		Events []struct {
			Seq   int64           `json:"seq"`
			Type  string          `json:"type"`
			Delta *int64          `json:"delta"`
			Data  json.RawMessage `json:"data"`
		} `json:"events"`
	}
	srv.MustJSON(t, http.MethodGet, fmt.Sprintf("/api/events?since=%d&limit=100", seq), nil, http.StatusOK, &evs)
	return evs.Events
}

// checkFiveOnCarol requires the server to have exactly five more events
// after `before`, each +1 on Carol, and Carol 5 points up: no click lost,
// none doubled, none landed on another row.
func checkFiveOnCarol(t testing.TB, srv *apptest.Server, before models.State) models.State {
	t.Helper()
	was, _ := scoreOf(before.Scores, "Carol")
	st := waitServer(t, srv, "Carol 5 up", func(st models.State) bool {
		c, _ := scoreOf(st.Scores, "Carol")
		return c.Points >= was.Points+5
	})
	evs := eventsSince(t, srv, before.Seq)
	if len(evs) != 5 {
		t.Errorf("%d events after five clicks, want 5: %+v", len(evs), evs)
	}
	for _, ev := range evs {
		var s models.Score
		if err := json.Unmarshal(ev.Data, &s); err != nil || ev.Type != "score.updated" || s.ID != was.ID || ev.Delta == nil || *ev.Delta != 1 {
			t.Errorf("event %d: %s %s (delta %v), want +1 on Carol", ev.Seq, ev.Type, ev.Data, ev.Delta)
		}
	}
	if c, _ := scoreOf(st.Scores, "Carol"); c.Points != was.Points+5 {
		t.Errorf("Carol at %d after five clicks, want %d", c.Points, was.Points+5)
	}
	return st
}

// Five clicks on +1 at 100 ms intervals add exactly 5: online, and offline
// (queued, then sent once when the server is back). Offline, Carol passes
// Bob on the third click, so her row changes rank under the pointer while
// it is being clicked.
func TestBrowserFiveClicksAddFive(t *testing.T) {
	needBrowser(t)
	srv := apptest.MustStartServer(t)
	a := openWindow(t, srv, "Alice")
	before := srv.State(t)
	a.waitFor("every event", seqReached(before.Seq))
	a.waitStill()
	plus1 := scoreRowSel("Carol") + " " + tid("score-inc-1")

	// Online: Carol 28 -> 33, still below Bob's 35.
	a.clickRapidly(plus1, 5, 100*time.Millisecond)
	st := checkFiveOnCarol(t, srv, before)
	a.waitFor("every event", seqReached(st.Seq)+` && window.livedash.client.pendingCount === 0`)
	checkMatchesServer(t, a, st)

	// Offline: Carol 33 -> 38 passes Bob (35) on the third click.
	srv.Stop()
	a.waitBadge(defaultWait, "reconnecting")
	a.waitStill()
	a.clickRapidly(plus1, 5, 100*time.Millisecond)
	a.waitFor("five queued +1 shown", playerShows("Carol", 38, 2)+` && window.livedash.client.pendingCount === 5`)

	srv = srv.Restart()
	a.waitLive(30 * time.Second)
	st = checkFiveOnCarol(t, srv, st)
	a.waitFor("the queue sent and applied", seqReached(st.Seq)+` && window.livedash.client.pendingCount === 0`)
	checkMatchesServer(t, a, st)
}
