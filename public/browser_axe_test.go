package public_test

import (
	"fmt"
	"testing"

	"livedash/app/apptest"
	"livedash/internal/axetest"
)

// checkAxe runs axe-core in w's page once nothing animates (a fading toast
// or a flashing value would be judged half-way) and fails the test on every
// serious or critical violation, color-contrast (WCAG AA) among them.
func checkAxe(t *testing.T, w *window, src, label string) {
	t.Helper()
	w.waitFor("no running animation", `document.getAnimations().every((a) => a.playState !== 'running' || a.effect.getTiming().iterations === Infinity)`)
	vs, err := axetest.Run(w.ctx, src)
	if err != nil {
		t.Fatalf("%s: %v", label, err)
	}
	if len(vs) > 0 {
		t.Errorf("%s: axe-core reports %d serious or critical violation(s):\n%s", label, len(vs), axetest.Format(vs))
	}
}

// axe-core finds no serious or critical accessibility violation (contrast,
// names, labels, roles, landmarks...) in the page as people see it: light
// and dark, on a phone, with the history drawer open, with the reset dialog
// open, with a conflict note, and in presentation mode. The states show
// the small text of the issue: the "live" badge, activity timestamps,
// presence, a pending edit's conflict note.
func TestBrowserAxe(t *testing.T) {
	needBrowser(t)
	src := axetest.Load(t)
	srv := apptest.MustStartServer(t)
	// Someone else is here and has changed something: presence, avatars and
	// the activity feed (with its timestamps) have something to show.
	other := openWindow(t, srv, "Alice")
	other.waitStill()
	other.click(scoreRowSel("Carol") + " " + tid("score-inc-5"))
	other.waitFor("Carol's +5 applied", playerShows("Carol", 33, 0))

	ready := func(w *window) {
		t.Helper()
		w.waitStill()
		w.waitFor("the activity feed", `document.querySelectorAll('#activity-list .activity-time').length > 0 &&
			document.querySelectorAll('#presence-list .person').length === 2`)
	}

	t.Run("light", func(t *testing.T) {
		w := openWindow(t, srv, "Bob", withStorage("livedash.theme", "light"))
		ready(w)
		checkAxe(t, w, src, "light 1400x900")
	})
	t.Run("dark", func(t *testing.T) {
		w := openWindow(t, srv, "Bob", withStorage("livedash.theme", "dark"))
		ready(w)
		checkAxe(t, w, src, "dark 1400x900")
	})
	for _, theme := range []string{"light", "dark"} {
		t.Run("phone "+theme, func(t *testing.T) {
			w := openWindow(t, srv, "Bob", withStorage("livedash.theme", theme))
			w.phone(390)
			ready(w)
			checkAxe(t, w, src, "phone 390x844 "+theme)
		})
	}
	t.Run("history drawer", func(t *testing.T) {
		w := openWindow(t, srv, "Bob")
		ready(w)
		w.click(scoreRowSel("Carol") + " " + tid("score-name"))
		w.waitFor("the drawer", `document.querySelectorAll('[data-testid="history-entry"]').length > 0`)
		checkAxe(t, w, src, "history drawer")
	})
	for _, theme := range []string{"light", "dark"} {
		t.Run("reset dialog "+theme, func(t *testing.T) {
			w := openWindow(t, srv, "Bob", withStorage("livedash.theme", theme))
			ready(w)
			w.click(tid("reset-button"))
			w.waitFor("the confirm dialog", `document.getElementById('confirm-dialog').open`)
			checkAxe(t, w, src, "reset dialog "+theme)
			w.click(tid("confirm-no"))
		})
	}
	t.Run("conflict note", func(t *testing.T) {
		a := openWindow(t, srv, "Ann")
		b := openWindow(t, srv, "Ben")
		const id = 2
		st := bothEditOneWins(t, srv, a, b, id, "Markers (Ann)")
		b.waitFor("Ann's change applied", seqReached(st.Seq))
		b.keys("Markers (Ben)")
		b.enter()
		b.waitFor("the conflict note", fmt.Sprintf(`!document.querySelector(%s).hidden`, jsString(itemRowSel(id)+" "+tid("item-conflict"))))
		checkAxe(t, b, src, "conflict note")
	})
	t.Run("presentation", func(t *testing.T) {
		w := openWindow(t, srv, "Bob", withQuery("present"))
		w.waitFor("the board", `document.querySelectorAll('[data-testid="score-row"]').length > 0`)
		checkAxe(t, w, src, "presentation mode")
	})
}
