package public_test

import (
	"fmt"
	"strings"
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

// dialogContrastJS measures what axe-core cannot in a modal dialog (it
// reports the text there as overlapped, "needs review"): the WCAG contrast
// of each text in the open dialog against the first opaque background
// behind it, blending translucent ones on the way. It returns the texts
// below AA: 4.5:1, or 3:1 for large text (24 px, or 18.66 px bold).
const dialogContrastJS = `(() => {
  const rgba = (c) => { const m = c.match(/[\d.]+/g).map(Number); return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1]; };
  const lin = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const lum = ([r, g, b]) => 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  const over = (top, under) => [0, 1, 2].map((i) => top[i] * top[3] + under[i] * (1 - top[3])).concat(1);
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    return layers.reduceRight((under, top) => over(top, under), [255, 255, 255, 1]);
  };
  const bad = [];
  for (const d of document.querySelectorAll('dialog[open]')) {
    for (const el of d.querySelectorAll('*')) {
      const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
      if (!own || el.getClientRects().length === 0) continue;
      const s = getComputedStyle(el);
      const fg = over(rgba(s.color), background(el)), bg = background(el);
      const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
      const ratio = (a + 0.05) / (b + 0.05);
      const px = parseFloat(s.fontSize), large = px >= 24 || (px >= 18.66 && Number(s.fontWeight) >= 700);
      if (ratio < (large ? 3 : 4.5)) bad.push(el.outerHTML.slice(0, 100) + ': ' + ratio.toFixed(2) + ':1, ' + s.color + ' on rgb(' + bg.slice(0, 3).map(Math.round).join(', ') + ')');
    }
  }
  return bad;
})()`

// checkDialogContrast fails the test on text below AA in the open dialog.
func checkDialogContrast(t *testing.T, w *window, label string) {
	t.Helper()
	if bad := eval[[]string](w, dialogContrastJS); len(bad) > 0 {
		t.Errorf("%s: text below AA contrast in the dialog:\n%s", label, strings.Join(bad, "\n"))
	}
}

// axe-core finds no serious or critical accessibility violation (contrast,
// names, labels, roles, landmarks...) in the page as people see it: light
// and dark, on a phone, with the history drawer open, with the reset dialog
// open (axe-core leaves the text of a modal dialog for a person to check,
// so the test measures its contrast itself), with a conflict note, and in
// presentation mode. The states show
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
			checkDialogContrast(t, w, "reset dialog "+theme)
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
