package public_test

// Helpers of the browser tests: one headless Chromium for the whole package
// (started on first use, stopped by TestMain), one independent browser
// context per "window" (own localStorage, so own client id and name), and
// waits that poll the page with deadlines.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"livedash/app/apptest"
	"livedash/internal/chromiumtest"
	"livedash/models"
)

const (
	// defaultWait bounds every wait that has no tighter limit of its own.
	defaultWait = 15 * time.Second
	// pollEvery is how often page predicates are re-evaluated.
	pollEvery = 20 * time.Millisecond

	viewportW, viewportH = 1400, 900
)

func TestMain(m *testing.M) {
	code := m.Run()
	stopBrowser()
	os.Exit(code)
}

var browser struct {
	once        sync.Once
	ctx         context.Context // has run once: the browser is up
	cancel      context.CancelFunc
	allocCancel context.CancelFunc
	dir         string
	err         error
}

// needBrowser returns the context of the shared browser. Without Chromium
// the test is skipped, or fails when LIVEDASH_BROWSER=required. Every
// browser test starts here.
func needBrowser(t testing.TB) context.Context {
	t.Helper()
	path := chromiumtest.Need(t)
	browser.once.Do(func() { startBrowser(path) })
	if browser.err != nil {
		t.Fatalf("start %s: %v", path, browser.err)
	}
	return browser.ctx
}

func startBrowser(path string) {
	dir, err := os.MkdirTemp("", "livedash-chromium-")
	if err != nil {
		browser.err = err
		return
	}
	browser.dir = dir
	opts := chromiumtest.Options(path, dir, chromedp.WindowSize(viewportW, viewportH))
	allocCtx, allocCancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	browser.allocCancel, browser.cancel = allocCancel, cancel
	// The first Do starts the process and binds it to ctx (no timeout here:
	// it would end the browser). A watchdog bounds a start that hangs.
	done := make(chan struct{})
	go func() {
		select {
		case <-done:
		case <-time.After(60 * time.Second):
			cancel()
		}
	}()
	err = chromedp.Do(ctx)
	close(done)
	if err != nil {
		browser.err = err
		return
	}
	browser.ctx = ctx
}

func stopBrowser() {
	if browser.cancel == nil {
		return
	}
	if browser.ctx != nil {
		tctx, cancel := context.WithTimeout(browser.ctx, 10*time.Second)
		_ = chromedp.Cancel(tctx)
		cancel()
	}
	browser.cancel()
	browser.allocCancel()
	// Chromium's helpers can still write for a moment after it exits.
	for range 50 {
		if err := os.RemoveAll(browser.dir); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// ----------------------------------------------------------------- window

// window is one dashboard in its own browser context.
type window struct {
	t    testing.TB
	name string
	url  string
	ctx  context.Context

	mu        sync.Mutex
	console   []chromedp.ConsoleMessage
	dialogs   []string
	allowCSP  bool // a test that provokes a violation on purpose
	consoleCh chan struct{}
}

// dialogHook runs before the page's scripts in every document: it counts
// calls of alert/confirm/prompt (the page must use none of them) before the
// browser opens the dialog, which the window then dismisses and reports.
const dialogHook = `(() => {
  window.__livedashDialogs = [];
  for (const f of ['alert', 'confirm', 'prompt']) {
    const orig = window[f];
    window[f] = function (...args) {
      window.__livedashDialogs.push(f + ':' + String(args[0]));
      return orig.apply(this, args);
    };
  }
})();`

// openWindow opens the dashboard of srv in a new browser context, with the
// display name set in localStorage before the app starts, and waits until
// it is live. At cleanup it fails the test on any uncaught exception,
// Content-Security-Policy violation or JavaScript dialog seen in the page.
func openWindow(t testing.TB, srv *apptest.Server, name string, opts ...windowOption) *window {
	t.Helper()
	o := windowOptions{storage: map[string]string{"livedash.name": name}}
	for _, f := range opts {
		f(&o)
	}
	w := newWindow(t, srv, name, o)
	w.waitLive(defaultWait)
	return w
}

// openFirstVisit opens the dashboard as someone who never came before:
// nothing in localStorage. It does not wait for anything.
func openFirstVisit(t testing.TB, srv *apptest.Server, label string, opts ...windowOption) *window {
	t.Helper()
	var o windowOptions
	for _, f := range opts {
		f(&o)
	}
	return newWindow(t, srv, label, o)
}

type windowOptions struct {
	storage map[string]string // localStorage before the app starts
	scripts []string          // run before the page's own scripts
	query   string            // the page's query, e.g. "key=..." (a share link)
}

type windowOption func(*windowOptions)

// withQuery opens the page with this query, as a share link does.
func withQuery(q string) windowOption { return func(o *windowOptions) { o.query = q } }

// withStorage puts a value in localStorage before the app starts.
func withStorage(key, value string) windowOption {
	return func(o *windowOptions) {
		if o.storage == nil {
			o.storage = map[string]string{}
		}
		o.storage[key] = value
	}
}

func newWindow(t testing.TB, srv *apptest.Server, name string, o windowOptions) *window {
	t.Helper()
	base := needBrowser(t)
	ctx, cancel := chromedp.NewContext(base, chromedp.WithNewBrowserContext())
	w := &window{t: t, name: name, url: srv.URL + "/", ctx: ctx, consoleCh: make(chan struct{}, 1)}
	if o.query != "" {
		w.url += "?" + o.query
	}
	if err := chromedp.Do(ctx); err != nil { // creates the browser context and tab
		cancel()
		t.Fatalf("%s: open tab: %v", name, err)
	}

	// Subscribe before the first navigation so that nothing is missed.
	msgs := chromedp.Console(ctx)
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	var wg sync.WaitGroup
	wg.Go(func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			w.mu.Lock()
			w.console = append(w.console, m)
			w.mu.Unlock()
			select {
			case w.consoleCh <- struct{}{}:
			default:
			}
		}
	})
	wg.Go(func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			w.mu.Lock()
			w.dialogs = append(w.dialogs, fmt.Sprintf("%s: %q", ev.Type, ev.Message))
			w.mu.Unlock()
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	})
	t.Cleanup(func() {
		w.checkConsole()
		cancel()
		wg.Wait()
	})

	steps := []chromedp.Action[chromedp.Void]{
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			// Several windows share one headless browser: each page must
			// behave as the focused one, or an editor's input would get a
			// blur (and save) whenever another window is driven.
			if _, err := chromedp.Call(ctx, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true}); err != nil {
				return err
			}
			for _, src := range append([]string{dialogHook}, o.scripts...) {
				if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: src}); err != nil {
					return err
				}
			}
			return nil
		}),
		chromedp.EmulateViewport(viewportW, viewportH),
		chromedp.Navigate(w.url),
	}
	if len(o.storage) > 0 {
		for k, v := range o.storage {
			steps = append(steps, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`localStorage.setItem(%s, %s)`, jsString(k), jsString(v))))
		}
		steps = append(steps, chromedp.Reload())
	}
	w.do("set up the tab", steps...)
	return w
}

// phone makes the window a phone this many CSS pixels wide (mobile
// emulation: the layout viewport follows the meta viewport, as on a real
// phone; window.innerWidth can be wider than the screen then).
func (w *window) phone(width int64) {
	w.t.Helper()
	w.do("emulate a phone", chromedp.EmulateViewport(width, 844, chromedp.EmulateMobile, chromedp.EmulateScale(3)))
}

// do runs actions with the default deadline and fails the test on error.
func (w *window) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(w.ctx, defaultWait)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		w.t.Fatalf("%s: %s: %v\n%s", w.name, what, err, w.debug())
	}
}

// eval evaluates a JavaScript expression and decodes its value into T.
func eval[T any](w *window, expr string) T {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(w.ctx, defaultWait)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		w.t.Fatalf("%s: evaluate %s: %v", w.name, expr, err)
	}
	return v
}

// within polls the JavaScript predicate expr until it is truthy, failing
// the test when it is not within d.
func (w *window) within(d time.Duration, what, expr string) {
	w.t.Helper()
	start := time.Now()
	if err := w.poll(d, expr); err != nil {
		w.t.Fatalf("%s: no %s within %s: %v\n%s", w.name, what, d, err, w.debug())
	}
	if d <= time.Second {
		w.t.Logf("%s: %s after %s", w.name, what, time.Since(start).Round(time.Millisecond))
	}
}

// waitFor is within with the default deadline.
func (w *window) waitFor(what, expr string) {
	w.t.Helper()
	w.within(defaultWait, what, expr)
}

func (w *window) poll(d time.Duration, expr string) error {
	// The context only backs up the poll's own timeout.
	ctx, cancel := context.WithTimeout(w.ctx, d+10*time.Second)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr,
		chromedp.WithPollingTimeout(d), chromedp.WithPollingInterval(pollEvery)))
	return err
}

// waitLive waits until the app has its snapshot and the badge says live.
func (w *window) waitLive(d time.Duration) {
	w.t.Helper()
	w.within(d, "live connection", `!!(window.livedash && window.livedash.state.loaded &&
		document.querySelector('[data-testid="connection-badge"]').dataset.state === 'live')`)
}

// waitBadge waits for the connection badge to show state.
func (w *window) waitBadge(d time.Duration, state string) {
	w.t.Helper()
	w.within(d, "badge "+state, fmt.Sprintf(`document.querySelector('[data-testid="connection-badge"]').dataset.state === %s`, jsString(state)))
}

// waitStill waits until no score row moves (clicks must not land on a
// sliding row) and the chart has drawn from the histories, which also puts
// a sparkline in every row: a click whose press and release land on
// different nodes is no click at all.
func (w *window) waitStill() {
	w.t.Helper()
	w.waitFor("score rows at rest", `!document.getElementById('score-list').dataset.animating &&
		!!document.querySelector('[data-testid="score-chart"]').dataset.lines &&
		[...document.querySelectorAll('[data-testid="score-row"]')].every((r) => !!r.querySelector('[data-testid="score-spark"] canvas'))`)
}

// click clicks the first element matching the CSS selector with the mouse,
// as a person would: it scrolls the element to the middle of the viewport
// (the sticky top bar covers what is just below it) and makes sure that the
// element is what is under the pointer there.
func (w *window) click(sel string) {
	w.t.Helper()
	w.do("wait for "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
	type point struct {
		X   float64 `json:"x"`
		Y   float64 `json:"y"`
		Hit string  `json:"hit"`
	}
	p := eval[point](w, fmt.Sprintf(`(() => {
		const el = document.querySelector(%s);
		el.scrollIntoView({ block: 'center', inline: 'center', behavior: 'instant' });
		const r = el.getBoundingClientRect();
		const x = r.left + r.width / 2, y = r.top + r.height / 2;
		const at = document.elementFromPoint(x, y);
		return { x, y, hit: at && (at === el || el.contains(at)) ? '' : (at ? at.outerHTML.slice(0, 120) : 'nothing') };
	})()`, jsString(sel)))
	if p.Hit != "" {
		w.t.Fatalf("%s: click %s: covered by %s\n%s", w.name, sel, p.Hit, w.debug())
	}
	w.do("click "+sel, chromedp.MouseClickXY(p.X, p.Y))
}

// typeInto focuses the element and types text into it.
func (w *window) typeInto(sel, text string) {
	w.t.Helper()
	w.do("type into "+sel, chromedp.SendKeys(chromedp.CSS(sel), text))
}

// keys types at the focused element.
func (w *window) keys(text string) {
	w.t.Helper()
	w.do(fmt.Sprintf("type %q", text), chromedp.KeyEvent(text))
}

// enter presses Enter at the focused element the way a keyboard does when
// the page handles keydown: chromedp's KeyEvent("\r") also sends a char
// event, which a real browser drops after keydown's preventDefault, and
// which would then activate the button that got the focus meanwhile.
func (w *window) enter() {
	w.t.Helper()
	w.do("press Enter", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		for _, typ := range []input.DispatchKeyEventType{input.DispatchKeyEventTypeRawKeyDown, input.DispatchKeyEventTypeKeyUp} {
			_, err := cdp.Call(ctx, t, input.DispatchKeyEvent, input.DispatchKeyEventParams{
				Type: typ, Key: "Enter", Code: "Enter", WindowsVirtualKeyCode: 13, NativeVirtualKeyCode: 13,
			})
			if err != nil {
				return err
			}
		}
		return nil
	}))
}

// waitEditor waits until an inline editor (by test id) has the focus with
// its whole text selected, so that typing replaces it.
func (w *window) waitEditor(testid string) {
	w.t.Helper()
	w.waitFor("focused editor "+testid, fmt.Sprintf(`(() => {
		const a = document.activeElement;
		return !!a && a.dataset.testid === %s && a.selectionStart === 0 && a.selectionEnd === a.value.length;
	})()`, jsString(testid)))
}

// pageState is window.livedash.state.
func (w *window) pageState() pageState {
	w.t.Helper()
	raw := eval[string](w, `JSON.stringify(window.livedash.state)`)
	var st pageState
	if err := json.Unmarshal([]byte(raw), &st); err != nil {
		w.t.Fatalf("%s: decode page state: %v\n%s", w.name, err, raw)
	}
	return st
}

type pageState struct {
	Seq    int64          `json:"seq"`
	Epoch  string         `json:"epoch"`
	Items  []models.Item  `json:"items"`
	Scores []models.Score `json:"scores"`
}

// view is what the dashboard shows.
type view struct {
	Badge  string      `json:"badge"`
	Scores []viewScore `json:"scores"`
	Items  []viewItem  `json:"items"`
}

type viewScore struct {
	ID     int64  `json:"id"`
	Player string `json:"player"` // data-player
	Rank   string `json:"rank"`   // data-rank
	Name   string `json:"name"`   // score-name text
	Points string `json:"points"` // score-points text
}

type viewItem struct {
	ID          int64  `json:"id"`
	Version     string `json:"version"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

const viewJS = `(() => {
  const all = (sel, root = document) => [...root.querySelectorAll(sel)];
  const text = (root, id) => { const e = root.querySelector('[data-testid="' + id + '"]'); return e ? e.textContent : null; };
  return {
    badge: document.querySelector('[data-testid="connection-badge"]').dataset.state,
    scores: all('[data-testid="score-row"]').map((r) => ({
      id: Number(r.dataset.id), player: r.dataset.player, rank: r.dataset.rank,
      name: text(r, 'score-name'), points: text(r, 'score-points'),
    })),
    items: all('[data-testid="item-row"]').map((r) => ({
      id: Number(r.dataset.id), version: r.dataset.version,
      name: text(r, 'item-name'), description: text(r, 'item-description'),
    })),
  };
})()`

// view reads the scoreboard and the items table from the DOM.
func (w *window) view() view {
	w.t.Helper()
	return eval[view](w, viewJS)
}

// debug describes the page for failure messages.
func (w *window) debug() string {
	ctx, cancel := context.WithTimeout(w.ctx, 3*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify({
		view: `+viewJS+`,
		seq: window.livedash && window.livedash.state.seq,
		pending: window.livedash && window.livedash.client.pendingCount,
		toasts: [...document.querySelectorAll('[data-testid="toast"]')].map((e) => e.textContent),
		dialogs: [...document.querySelectorAll('dialog[open]')].map((d) => d.id),
		conflicts: [...document.querySelectorAll('[data-testid="item-conflict"]:not([hidden])')].map((e) => e.textContent),
		state: window.livedash && window.livedash.state,
	})`))
	if err != nil {
		return fmt.Sprintf("(%s: page state unavailable: %v)", w.name, err)
	}
	return fmt.Sprintf("%s page: %s", w.name, v)
}

// expectCSPViolation lets this window's page report CSP violations without
// failing the test (for the test that provokes one).
func (w *window) expectCSPViolation() {
	w.mu.Lock()
	w.allowCSP = true
	w.mu.Unlock()
}

// consoleMessages returns what the page wrote to the console so far.
func (w *window) consoleMessages() []chromedp.ConsoleMessage {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]chromedp.ConsoleMessage(nil), w.console...)
}

// waitConsole waits until a console message satisfies match.
func (w *window) waitConsole(d time.Duration, match func(chromedp.ConsoleMessage) bool) (chromedp.ConsoleMessage, bool) {
	deadline := time.After(d)
	for {
		for _, m := range w.consoleMessages() {
			if match(m) {
				return m, true
			}
		}
		select {
		case <-w.consoleCh:
		case <-deadline:
			return chromedp.ConsoleMessage{}, false
		}
	}
}

func isCSPViolation(m chromedp.ConsoleMessage) bool {
	return strings.Contains(m.Text, "Content Security Policy") || strings.Contains(m.Text, "Content-Security-Policy")
}

// checkConsole fails the test on uncaught exceptions, CSP violations and
// JavaScript dialogs. A marker written last makes sure that every earlier
// message has arrived.
func (w *window) checkConsole() {
	w.t.Helper()
	marker := fmt.Sprintf("livedash-test-end-%d", time.Now().UnixNano())
	ctx, cancel := context.WithTimeout(w.ctx, 5*time.Second)
	_, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`console.debug(%s)`, jsString(marker))))
	cancel()
	if err == nil {
		if _, ok := w.waitConsole(5*time.Second, func(m chromedp.ConsoleMessage) bool { return m.Text == marker }); !ok {
			w.t.Errorf("%s: console marker not received; console check incomplete", w.name)
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, m := range w.console {
		switch {
		case m.IsException():
			w.t.Errorf("%s: uncaught exception in the page: %s (%s:%d)", w.name, m.Text, m.URL, m.Line+1)
		case isCSPViolation(m) && !w.allowCSP:
			w.t.Errorf("%s: Content-Security-Policy violation: %s", w.name, m.Text)
		case m.Type == "error" || m.Type == "warning":
			w.t.Logf("%s: console %s: %s", w.name, m.Type, m.Text)
		}
	}
	for _, d := range w.dialogs {
		w.t.Errorf("%s: the page opened a JavaScript dialog: %s", w.name, d)
	}
}

// ------------------------------------------------------------------ misc

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// tid is the CSS selector of a data-testid.
func tid(id string) string { return fmt.Sprintf(`[data-testid=%q]`, id) }

// scoreRowSel selects the scoreboard row of a player (plain names only).
func scoreRowSel(player string) string {
	return fmt.Sprintf(`[data-testid="score-row"][data-player=%q]`, player)
}

// itemRowSel selects the row of an item.
func itemRowSel(id int64) string {
	return fmt.Sprintf(`[data-testid="item-row"][data-id="%d"]`, id)
}

// waitServer polls the server until cond holds for its state.
func waitServer(t testing.TB, srv *apptest.Server, what string, cond func(models.State) bool) models.State {
	t.Helper()
	deadline := time.Now().Add(defaultWait)
	for {
		st := srv.State(t)
		if cond(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("server: no %s within %s; state: %+v", what, defaultWait, st)
		}
		time.Sleep(pollEvery)
	}
}

// scoreOf finds a player's score in a state.
func scoreOf(scores []models.Score, player string) (models.Score, bool) {
	for _, s := range scores {
		if s.Player == player {
			return s, true
		}
	}
	return models.Score{}, false
}

// itemOf finds an item in a state.
func itemOf(items []models.Item, id int64) (models.Item, bool) {
	for _, it := range items {
		if it.ID == id {
			return it, true
		}
	}
	return models.Item{}, false
}

// canonical encodes records for comparison.
func canonical(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// checkMatchesServer requires the page's applied state and what it shows
// to equal the server's state exactly.
func checkMatchesServer(t testing.TB, w *window, st models.State) {
	t.Helper()
	ps := w.pageState()
	if ps.Seq != st.Seq || ps.Epoch != st.Epoch {
		t.Errorf("%s: page at seq %d epoch %q, server at seq %d epoch %q", w.name, ps.Seq, ps.Epoch, st.Seq, st.Epoch)
	}
	if got, want := canonical(t, ps.Items), canonical(t, st.Items); got != want {
		t.Errorf("%s: page items differ from GET /api/state:\npage:   %s\nserver: %s", w.name, got, want)
	}
	if got, want := canonical(t, ps.Scores), canonical(t, st.Scores); got != want {
		t.Errorf("%s: page scores differ from GET /api/state:\npage:   %s\nserver: %s", w.name, got, want)
	}
	checkViewShows(t, w, st.Items, st.Scores)
}

// checkViewShows requires the DOM to show exactly these records, in order,
// ranked 1..n. It waits for the page's next render first: events are
// applied at once and drawn at the next frame.
func checkViewShows(t testing.TB, w *window, items []models.Item, scores []models.Score) {
	t.Helper()
	want := view{Badge: "live", Scores: []viewScore{}, Items: []viewItem{}}
	for i, s := range scores {
		p := fmt.Sprint(s.Points)
		want.Scores = append(want.Scores, viewScore{ID: s.ID, Player: s.Player, Rank: fmt.Sprint(i + 1), Name: s.Player, Points: p})
	}
	for _, it := range items {
		want.Items = append(want.Items, viewItem{ID: it.ID, Version: fmt.Sprint(it.Version), Name: it.Name, Description: it.Description})
	}
	wantJSON := canonical(t, want)
	if w.poll(5*time.Second, fmt.Sprintf(`JSON.stringify(%s) === JSON.stringify(JSON.parse(%s))`, viewJS, jsString(wantJSON))) == nil {
		return
	}
	got := w.view()
	lines := func(v view) string {
		var b strings.Builder
		fmt.Fprintf(&b, "badge %s\n", v.Badge)
		for _, r := range v.Scores {
			fmt.Fprintf(&b, "score #%s id %d %q shown as %q: %s\n", r.Rank, r.ID, r.Player, r.Name, r.Points)
		}
		for _, r := range v.Items {
			fmt.Fprintf(&b, "item %d v%s %q %q\n", r.ID, r.Version, r.Name, r.Description)
		}
		return b.String()
	}
	t.Errorf("%s: the page shows\n%swant\n%s", w.name, lines(got), lines(want))
}

// seqReached is a predicate: the page applied every event up to seq.
func seqReached(seq int64) string {
	return fmt.Sprintf(`window.livedash.state.seq >= %d`, seq)
}
