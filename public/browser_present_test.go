package public_test

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"livedash/app/apptest"
)

// presentLook is what a presentation screen shows.
type presentLook struct {
	Present   bool     `json:"present"`
	Theme     string   `json:"theme"`
	Controls  []string `json:"controls"`
	NameSizes []int    `json:"nameSizes"`
	PointSize []int    `json:"pointSizes"`
	Rows      int      `json:"rows"`
	RowsFit   bool     `json:"rowsFit"`
	Clipped   []string `json:"clipped"`
	Overflow  bool     `json:"overflow"`
	ChartH    int      `json:"chartH"`
	PlotH     int      `json:"plotH"`
	ChartIn   bool     `json:"chartIn"`
	Presence  int      `json:"presence"`
	InnerH    int      `json:"innerH"`
}

const presentLookJS = `(() => {
  const vis = (el) => {
    const r = el.getBoundingClientRect();
    const cs = getComputedStyle(el);
    return r.width > 1 && r.height > 1 && cs.visibility !== 'hidden' && cs.display !== 'none' &&
      r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth;
  };
  const inside = (el) => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth; };
  const px = (el) => Math.round(parseFloat(getComputedStyle(el).fontSize));
  const rows = [...document.querySelectorAll('[data-testid="score-row"]')].filter(vis).slice(0, 5);
  const chart = document.querySelector('[data-testid="score-chart"]');
  const count = document.querySelector('[data-testid="presence-count"]');
  return {
    present: document.documentElement.hasAttribute('data-present'),
    theme: document.documentElement.dataset.theme || '',
    controls: [...document.querySelectorAll('button, input, select, textarea, a[href], [role="button"], [tabindex]:not([tabindex="-1"])')]
      .filter(vis).map((e) => e.outerHTML.slice(0, 100)),
    nameSizes: rows.map((r) => px(r.querySelector('[data-testid="score-name"]'))),
    pointSizes: rows.map((r) => px(r.querySelector('[data-testid="score-points"]'))),
    rows: rows.length,
    rowsFit: rows.every(inside),
    clipped: rows.map((r) => r.querySelector('[data-testid="score-name"]')).filter((n) => n.scrollWidth > n.clientWidth + 1).map((n) => n.textContent),
    overflow: document.documentElement.scrollWidth > innerWidth || document.documentElement.scrollHeight > innerHeight,
    chartH: Math.round(chart.getBoundingClientRect().height),
    plotH: Math.round((chart.querySelector('canvas') || chart).getBoundingClientRect().height),
    chartIn: vis(chart) && inside(chart) && !!chart.dataset.lines,
    presence: vis(count) ? px(count) : 0,
    innerH: innerHeight,
  };
})()`

// risesRecorder notes every score row that starts sliding up (flip.js adds
// "rising" for the slide), so that a test can tell an animated rank change
// from a jump.
const risesRecorder = `(() => {
  window.__rises = [];
  new MutationObserver((ms) => {
    for (const m of ms) if (m.target.classList && m.target.classList.contains('rising')) window.__rises.push(m.target.dataset.player);
  }).observe(document.getElementById('score-list'), { attributes: true, attributeFilter: ['class'], subtree: true });
})()`

// Presentation mode (?present) at a projector's 1280x720 and a 4K TV's
// 3840x2160: dark, no controls, the top players large enough to read
// across a room (name and points at least 4% of the screen's height), the
// top five and the chart on screen with nothing cut off, presence small,
// the pointer hidden when idle, and a +5 from another window slides the
// row to its new rank.
func TestBrowserPresentationMode(t *testing.T) {
	needBrowser(t)
	srv := apptest.MustStartServer(t)
	a := openWindow(t, srv, "Alice")
	for _, tc := range []struct {
		name          string
		width, height int64
		player        string
		clicks        int
		points        int64
	}{
		{"projector 1280x720", 1280, 720, "Erin", 2, 24}, // 14 -> 24 passes Dave (21)
		{"4K TV 3840x2160", 3840, 2160, "Dave", 1, 26},   // 21 -> 26 passes Erin (24)
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := openWindow(t, srv, "Wall")
			p.do("open presentation mode", chromedp.EmulateViewport(tc.width, tc.height), chromedp.Navigate(srv.URL+"/?present"))
			p.waitLive(defaultWait)
			p.waitStill()

			// The legend settles after the plot is made; the canvas follows.
			p.waitFor("the plot filling its box", `(() => {
				const c = document.querySelector('[data-testid="score-chart"]');
				const cv = c.querySelector('canvas');
				return !!cv && cv.getBoundingClientRect().height >= c.getBoundingClientRect().height * 3 / 4;
			})()`)
			look := eval[presentLook](p, presentLookJS)
			t.Logf("%s: %+v", tc.name, look)
			minFont := int(0.04 * float64(look.InnerH))
			if !look.Present || look.Theme != "dark" {
				t.Errorf("present %v, theme %q: want presentation mode, dark", look.Present, look.Theme)
			}
			if len(look.Controls) > 0 {
				t.Errorf("controls on a presentation screen: %q", look.Controls)
			}
			if look.Rows != 5 || !look.RowsFit || len(look.Clipped) > 0 || look.Overflow {
				t.Errorf("top five rows: %d shown, all on screen %v, cut names %q, page overflows %v", look.Rows, look.RowsFit, look.Clipped, look.Overflow)
			}
			for i := range look.NameSizes {
				if look.NameSizes[i] < minFont || look.PointSize[i] < minFont {
					t.Errorf("row %d: name %d px, points %d px, want at least %d px (4%% of %d)", i+1, look.NameSizes[i], look.PointSize[i], minFont, look.InnerH)
				}
			}
			if !look.ChartIn || look.ChartH < look.InnerH/3 || look.PlotH < look.ChartH*3/4 {
				t.Errorf("chart drawn and on screen %v, %d px tall with a %d px plot: want at least a third of %d, the plot filling 3/4 of it", look.ChartIn, look.ChartH, look.PlotH, look.InnerH)
			}
			if look.Presence == 0 || len(look.NameSizes) == 0 || look.Presence*2 > look.NameSizes[0] {
				t.Errorf("presence count %d px: want it shown, small beside names of %v px", look.Presence, look.NameSizes)
			}

			// The pointer is hidden when idle, shows when moved, and hides
			// again.
			const idle = `document.documentElement.hasAttribute('data-cursor-idle') && getComputedStyle(document.querySelector('[data-testid="score-row"]')).cursor === 'none'`
			p.waitFor("cursor hidden when idle", idle)
			p.do("move the mouse", chromedp.MouseEvent(chromedp.MouseMoved, float64(tc.width/2), float64(tc.height/2)))
			p.waitFor("cursor shown after a move", `!document.documentElement.hasAttribute('data-cursor-idle') && getComputedStyle(document.querySelector('[data-testid="score-row"]')).cursor !== 'none'`)
			p.waitFor("cursor hidden when idle again", idle)

			// A +5 from another window slides in.
			eval[chromedp.Void](p, risesRecorder)
			for range tc.clicks {
				a.waitStill()
				a.click(scoreRowSel(tc.player) + " " + tid("score-inc-5"))
			}
			p.waitFor(fmt.Sprintf("%s at %d, 4th", tc.player, tc.points), playerShows(tc.player, tc.points, 4))
			p.waitFor(tc.player+"'s row slid up", fmt.Sprintf(`window.__rises.includes(%s)`, jsString(tc.player)))
		})
	}
}
