package faults

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"livedash/app/apptest"
	"livedash/internal/chromiumtest"
	"livedash/internal/pgtest"
	"livedash/models"
)

// The dashboard page in Chromium, served and connected through nginx in
// front of two instances on one PostgreSQL database, keeps working when the
// instance it is on is killed. The browser tests proper (window helpers,
// what the page shows) live in public/; this is the cluster side of them.

// needChromium returns a headless Chromium's context for this test. Without
// the browser the test is skipped, or fails when LIVEDASH_BROWSER=required.
func needChromium(t *testing.T) context.Context {
	t.Helper()
	path := chromiumtest.Need(t)
	opts := chromiumtest.Options(path, t.TempDir())
	allocCtx, allocCancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cctx, ccancel := context.WithTimeout(ctx, 10*time.Second)
		_ = chromedp.Cancel(cctx)
		ccancel()
		cancel()
		allocCancel()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	return ctx
}

// page is one dashboard window in its own browser context (own
// localStorage, so its own client id).
type page struct {
	t    *testing.T
	name string
	ctx  context.Context
}

func openPage(t *testing.T, browser context.Context, url, name string) *page {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	p := &page{t: t, name: name, ctx: ctx}
	// The first Do creates the tab, bound to its context: not under a
	// timeout, whose end would close the tab.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("%s: open a tab: %v", name, err)
	}
	p.do("open "+url,
		chromedp.Navigate(url),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`localStorage.setItem("livedash.name", %q)`, name)),
		chromedp.Reload())
	p.waitLive()
	// Every state the connection badge goes through.
	p.do("record the badge", chromedp.Evaluate[chromedp.Void](`(() => {
		const b = document.querySelector('[data-testid="connection-badge"]');
		window.__badges = [b.dataset.state];
		new MutationObserver(() => {
			if (window.__badges[window.__badges.length - 1] !== b.dataset.state) window.__badges.push(b.dataset.state);
		}).observe(b, { attributes: true, attributeFilter: ['data-state'] });
	})()`))
	return p
}

func (p *page) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		p.t.Fatalf("%s: %s: %v\n%s", p.name, what, err, p.stateJSON())
	}
}

// waitFor polls the JavaScript predicate until it is truthy.
func (p *page) waitFor(what, expr string) {
	p.t.Helper()
	p.do("wait for "+what, chromedp.Poll[chromedp.Void](expr,
		chromedp.WithPollingTimeout(15*time.Second), chromedp.WithPollingInterval(20*time.Millisecond)))
}

func (p *page) waitLive() {
	p.t.Helper()
	p.waitFor("a live connection", `!!(window.livedash && window.livedash.state.loaded &&
		document.querySelector('[data-testid="connection-badge"]').dataset.state === 'live')`)
}

func (p *page) stateJSON() string {
	ctx, cancel := context.WithTimeout(p.ctx, 3*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify(window.livedash && window.livedash.state)`))
	if err != nil {
		return fmt.Sprintf("(page state unavailable: %v)", err)
	}
	return v
}

// clickPlusOne clicks "+1" on the score row with this id.
func (p *page) clickPlusOne(id int64) {
	p.t.Helper()
	sel := fmt.Sprintf(`[data-testid="score-row"][data-id="%d"] [data-testid="score-inc-1"]`, id)
	p.do("click +1 of score "+fmt.Sprint(id), chromedp.WaitVisible(chromedp.CSS(sel)),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).click()`, sel)))
}

// matches waits until the page applied st.Seq, then requires its state,
// and the points it shows, to equal st.
func (p *page) matches(st models.State) {
	p.t.Helper()
	p.waitFor(fmt.Sprintf("seq %d", st.Seq), fmt.Sprintf(`window.livedash.state.seq >= %d`, st.Seq))
	var got models.State
	if err := json.Unmarshal([]byte(p.stateJSON()), &got); err != nil {
		p.t.Fatalf("%s: decode the page state: %v", p.name, err)
	}
	enc := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	if got.Seq != st.Seq || got.Epoch != st.Epoch || enc(got.Items) != enc(st.Items) || enc(got.Scores) != enc(st.Scores) {
		p.t.Fatalf("%s: the page state differs from GET /api/state through nginx:\npage:   %s\nserver: %s", p.name, enc(got), enc(st))
	}
	var shown []string
	for _, s := range st.Scores {
		shown = append(shown, fmt.Sprintf("%d:%d", s.ID, s.Points))
	}
	p.waitFor("the scores shown", fmt.Sprintf(`JSON.stringify([...document.querySelectorAll('[data-testid="score-row"]')].map((r) =>
		r.dataset.id + ':' + r.querySelector('[data-testid="score-points"]').textContent)) === %q`, enc(shown)))
}

// leftLive reports whether the badge showed anything but live since the
// page was opened.
func (p *page) leftLive() bool {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__badges.some((s) => s !== 'live')`))
	if err != nil {
		p.t.Fatalf("%s: read the badge record: %v", p.name, err)
	}
	return v
}

// stateThrough is GET /api/state through nginx. Right after an instance
// comes back nginx may still count it as failed (fail_timeout) while the
// other is dead: a 502 is retried for a few seconds.
func stateThrough(t *testing.T, proxy *apptest.Server) models.State {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		status, raw := proxy.Do(t, http.MethodGet, "/api/state", nil, nil)
		if status == http.StatusOK {
			var st models.State
			if err := json.Unmarshal(raw, &st); err != nil {
				t.Fatalf("GET /api/state: decode: %v", err)
			}
			return st
		}
		if status != http.StatusBadGateway || time.Now().After(deadline) {
			t.Fatalf("GET /api/state through nginx: status %d: %s", status, raw)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestClusterBrowserBehindNginx(t *testing.T) {
	browser := needChromium(t)
	needNginx(t)
	url := pgtest.StartPostgres(t)
	a, b := startServer(t, url), startServer(t, url)
	// A loopback instance accepts only loopback Host names, and nginx passes
	// the browser's on.
	proxy := &apptest.Server{URL: "http://" + startNginx(t, a.addr, b.addr)}
	w1 := openPage(t, browser, proxy.URL+"/", "Alice")
	w2 := openPage(t, browser, proxy.URL+"/", "Bob")
	scoreID := stateThrough(t, proxy).Scores[0].ID

	// One "+1" clicked in w1 reaches the database and both pages.
	step := func(by *page, what string) {
		t.Helper()
		before := stateThrough(t, proxy)
		by.clickPlusOne(scoreID)
		deadline := time.Now().Add(15 * time.Second)
		st := stateThrough(t, proxy)
		for st.Seq == before.Seq {
			if time.Now().After(deadline) {
				t.Fatalf("%s: the +1 clicked in %s never reached the server (seq %d)", what, by.name, st.Seq)
			}
			time.Sleep(20 * time.Millisecond)
			st = stateThrough(t, proxy)
		}
		if st.Seq != before.Seq+1 {
			t.Fatalf("%s: seq went from %d to %d for one click", what, before.Seq, st.Seq)
		}
		w1.matches(st)
		w2.matches(st)
	}
	step(w1, "both instances up")

	// Without sticky sessions either page may be on either instance. Killing
	// A moves every page on A to B; then A comes back and B is killed, so
	// every page has lost its instance at least once.
	a.kill()
	w1.waitLive()
	w2.waitLive()
	step(w2, "A killed")
	a.start()
	b.kill()
	w1.waitLive()
	w2.waitLive()
	step(w1, "A back, B killed")
	step(w2, "A back, B killed")
	for _, w := range []*page{w1, w2} {
		if !w.leftLive() {
			t.Errorf("%s: the badge never left live: the page did not notice its instance die", w.name)
		}
	}
}
