package public_test

import (
	"fmt"
	"testing"
	"time"

	"livedash/app/apptest"
	"livedash/models"
)

// bannerShows is a predicate: the connection banner is visible, is a
// status region, and its text contains want.
func bannerShows(phase, want string) string {
	return fmt.Sprintf(`(() => {
		const b = document.querySelector('[data-testid="conn-banner"]');
		const r = b && b.getBoundingClientRect();
		return !!b && !b.hidden && b.getAttribute('role') === 'status' && r.width > 0 && r.height > 0 &&
			b.dataset.phase === %s && b.textContent.includes(%s);
	})()`, jsString(phase), jsString(want))
}

// Offline is said plainly: a banner (not only the badge), the presence
// count marked as last known, an offline +5 shown as not saved; back
// online, the banner says how many waiting changes were synced, and the
// page retried at once when the tab got the focus back instead of waiting
// for its backoff timer.
func TestBrowserHonestOffline(t *testing.T) {
	needBrowser(t)
	srv := apptest.MustStartServer(t)
	a := openWindow(t, srv, "Alice")
	b := openWindow(t, srv, "Bob")
	a.waitFor("two dashboards open", `document.querySelector('[data-testid="presence-count"]').textContent === '2'`)
	before := srv.State(t)
	a.waitFor("every event", seqReached(before.Seq))
	a.waitStill()
	if eval[bool](a, `!document.querySelector('[data-testid="conn-banner"]').hidden`) {
		t.Fatalf("the banner shows while live: %s", eval[string](a, `(() => { const b = document.querySelector('[data-testid="conn-banner"]'); return b.dataset.phase + ': ' + b.textContent + ' hidden=' + b.hidden; })()`))
	}

	srv.Stop()
	a.waitFor("the offline banner", bannerShows("offline", "You are offline"))
	a.waitFor("presence marked stale", `(() => {
		const s = document.querySelector('[data-testid="presence-stale"]');
		return !s.hidden && s.getBoundingClientRect().height > 0 && s.textContent.includes('last known');
	})()`)

	a.waitStill()
	a.click(scoreRowSel("Carol") + " " + tid("score-inc-5"))
	a.waitFor("the +5 shown as not saved", playerShows("Carol", 33, 0)+` && (() => {
		const r = document.querySelector(`+jsString(scoreRowSel("Carol"))+`);
		const tag = r.querySelector('[data-testid="score-pending"]');
		return !tag.hidden && tag.textContent === '+5 not saved' && r.querySelector('[data-testid="score-points"]').classList.contains('unsaved');
	})()`)
	a.waitFor("the banner counts the waiting change", bannerShows("offline", "1 change will be sent"))

	// Let the backoff grow, so that its timer would come long after the
	// server is back: only the focus can make the page try at once.
	a.waitFor("a retry timer over 4 s away", `window.livedash.client.status.state === 'waiting' && window.livedash.client.status.nextRetryAt - Date.now() > 4000`)
	srv = srv.Restart()
	timerAt := eval[float64](a, `window.livedash.client.status.nextRetryAt || 0`)
	backAt := eval[float64](a, `Date.now()`)
	if timerAt-backAt < 1500 {
		t.Fatalf("the retry timer fires %.0f ms after the restart: too soon to tell a focus retry from it", timerAt-backAt)
	}
	// The person comes back to the tab (tests emulate focus on every
	// window, so the browser sends no focus event of its own).
	eval[bool](a, `window.dispatchEvent(new FocusEvent('focus'))`)
	a.waitLive(defaultWait)
	if liveAt := eval[float64](a, `Date.now()`); liveAt >= timerAt {
		t.Errorf("live %.0f ms after the restart, not before the retry timer (%.0f ms): the focus did not retry", liveAt-backAt, timerAt-backAt)
	}

	a.waitFor("the synced message", bannerShows("synced", "Back online \u00b7 1 change synced"))
	a.waitFor("the +5 saved", playerShows("Carol", 33, 0)+` && document.querySelector(`+jsString(scoreRowSel("Carol")+" "+tid("score-pending"))+`).hidden`)
	a.waitFor("presence live again", `document.querySelector('[data-testid="presence-stale"]').hidden`)
	st := waitServer(t, srv, "Carol at 33", func(st models.State) bool {
		c, _ := scoreOf(st.Scores, "Carol")
		return c.Points == 33
	})
	if st.Seq != before.Seq+1 {
		t.Errorf("server at seq %d, want %d (the +5 once)", st.Seq, before.Seq+1)
	}
	b.waitLive(30 * time.Second)
	b.waitFor("Carol at 33", seqReached(st.Seq)+" && "+playerShows("Carol", 33, 0))
	a.waitFor("the synced message gone", `document.querySelector('[data-testid="conn-banner"]').hidden`)
}
