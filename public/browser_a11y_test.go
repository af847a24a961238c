package public_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"livedash/app/apptest"
)

// key presses one key as a keyboard does (key down, key up; no character),
// with Shift held when shift is set.
func (w *window) key(name string, vk int64, shift bool) {
	w.t.Helper()
	var mods int64
	if shift {
		mods = 8 // Shift in DevTools' modifier bits
	}
	w.do("press "+name, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		for _, typ := range []input.DispatchKeyEventType{input.DispatchKeyEventTypeRawKeyDown, input.DispatchKeyEventTypeKeyUp} {
			_, err := cdp.Call(ctx, t, input.DispatchKeyEvent, input.DispatchKeyEventParams{
				Type: typ, Key: name, Code: name, WindowsVirtualKeyCode: vk, NativeVirtualKeyCode: vk, Modifiers: mods,
			})
			if err != nil {
				return err
			}
		}
		return nil
	}))
}

// Virtual key codes of the keys the tests press.
const (
	vkTab   = 9
	vkEnd   = 35
	vkHome  = 36
	vkLeft  = 37
	vkUp    = 38
	vkRight = 39
	vkDown  = 40
)

// focused names the focused element: its row's kind and id, and its test id.
const focusedJS = `(() => {
  const a = document.activeElement;
  const row = a && a.closest('[data-testid="score-row"], [data-testid="item-row"]');
  return (row ? row.dataset.testid.replace('-row', '') + row.dataset.id : '-') + ':' + (a ? a.dataset.testid || a.id || a.tagName : '');
})()`

// Each scoreboard and item row is one tab stop; Left/Right, Home/End move
// between its controls and Up/Down to the next row, and Tab comes back to
// the control last used in a row.
func TestBrowserRowKeys(t *testing.T) {
	needBrowser(t)
	srv := apptest.MustStartServer(t)
	w := openWindow(t, srv, "Kim")
	w.waitStill()
	rows := eval[int](w, `document.querySelectorAll('[data-testid="score-row"], [data-testid="item-row"]').length`)

	// From the scoreboard's heading (a click there, as a person would) Tab
	// goes through the scoreboard and the items to the add-item form;
	// count the stops in each row on the way.
	w.click("#scores-title")
	stops := map[string]int{}
	for i := 0; ; i++ {
		if i == 80 {
			t.Fatalf("no add-item form in 80 tabs: %v", stops)
		}
		w.key("Tab", vkTab, false)
		f := eval[string](w, focusedJS)
		if f == "-:add-item-name" {
			break
		}
		if row, _, _ := strings.Cut(f, ":"); row != "-" {
			stops[row]++
		}
	}
	t.Logf("tab stops per row: %v", stops)
	if len(stops) != rows {
		t.Errorf("tabbed through %d rows, want all %d: %v", len(stops), rows, stops)
	}
	for row, n := range stops {
		if n != 1 {
			t.Errorf("row %s has %d tab stops, want 1 (all: %v)", row, n, stops)
		}
	}

	// Arrows within the leader's row (Bob, id 2, on the demo data). The
	// chart's window buttons come before the rows: start from the last
	// one, the window already shown (clicking it changes nothing).
	w.click(tid("chart-window") + ` [data-window="reset"]`)
	w.key("Tab", vkTab, false)
	lead := "score" + eval[string](w, `document.querySelector('[data-testid="score-row"]').dataset.id`)
	at := func(testid string) string { return lead + ":" + testid }
	steps := []struct {
		key  string
		vk   int64
		want string
	}{
		{"ArrowRight", vkRight, at("score-dec-1")},
		{"ArrowRight", vkRight, at("score-inc-1")},
		{"ArrowLeft", vkLeft, at("score-dec-1")},
		{"End", vkEnd, at("score-delete")},
		{"ArrowRight", vkRight, at("score-delete")}, // stays at the end
		{"Home", vkHome, at("score-name")},
		{"ArrowRight", vkRight, at("score-dec-1")},
		{"ArrowRight", vkRight, at("score-inc-1")},
		{"ArrowRight", vkRight, at("score-inc-5")},
	}
	if got := eval[string](w, focusedJS); got != at("score-name") {
		t.Fatalf("the first tab stop of the scoreboard is %q, want %q", got, at("score-name"))
	}
	for i, s := range steps {
		w.key(s.key, s.vk, false)
		if got := eval[string](w, focusedJS); got != s.want {
			t.Fatalf("step %d: after %s the focus is on %q, want %q", i, s.key, got, s.want)
		}
	}
	// Tab leaves the row; Shift+Tab comes back to where the focus was in it.
	w.key("Tab", vkTab, false)
	if got := eval[string](w, focusedJS); strings.HasPrefix(got, lead+":") {
		t.Errorf("Tab stayed in the row: %q", got)
	}
	w.key("Tab", vkTab, true)
	if got := eval[string](w, focusedJS); got != at("score-inc-5") {
		t.Errorf("Shift+Tab back into the row focused %q, want %q (the control last used)", got, at("score-inc-5"))
	}
	// Down goes to the same control of the next row, and Enter presses it.
	w.key("ArrowDown", vkDown, false)
	second := "score" + eval[string](w, `document.querySelectorAll('[data-testid="score-row"]')[1].dataset.id`)
	if got := eval[string](w, focusedJS); got != second+":score-inc-5" {
		t.Errorf("ArrowDown focused %q, want %q", got, second+":score-inc-5")
	}
	w.key("ArrowUp", vkUp, false)
	if got := eval[string](w, focusedJS); got != at("score-inc-5") {
		t.Errorf("ArrowUp focused %q, want %q", got, at("score-inc-5"))
	}

	// Item rows: Right from the name reaches the description, End the delete.
	item := ""
	for range 20 {
		w.key("Tab", vkTab, false)
		if item = eval[string](w, focusedJS); strings.HasPrefix(item, "item") {
			break
		}
	}
	row, _, _ := strings.Cut(item, ":")
	if item != row+":item-name" {
		t.Fatalf("the first tab stop of the items is %q, want an item's name", item)
	}
	w.key("ArrowRight", vkRight, false)
	if got := eval[string](w, focusedJS); got != row+":item-description" {
		t.Errorf("ArrowRight in an item row focused %q", got)
	}
	w.key("End", vkEnd, false)
	if got := eval[string](w, focusedJS); got != row+":item-delete" {
		t.Errorf("End in an item row focused %q", got)
	}
}

// A value that cannot be saved is said under its field: the field is
// marked invalid and described by the message, which is announced
// (role=alert), and no corner toast says it instead. Typing clears it.
func TestBrowserFieldErrors(t *testing.T) {
	needBrowser(t)
	srv := apptest.MustStartServer(t)
	w := openWindow(t, srv, "Lee")
	w.waitStill()

	type report struct {
		Focused   string  `json:"focused"`
		Invalid   string  `json:"invalid"`
		Message   string  `json:"message"`
		Role      string  `json:"role"`
		Visible   bool    `json:"visible"`
		Gap       float64 `json:"gap"`     // message top - field bottom
		Overlap   bool    `json:"overlap"` // they share some columns
		ToastSays bool    `json:"toastSays"`
	}
	check := func(field, want string) {
		t.Helper()
		w.waitFor("the error of "+field, fmt.Sprintf(`(() => {
			const f = document.querySelector(%s);
			return !!f && f.getAttribute('aria-invalid') === 'true';
		})()`, jsString(field)))
		r := eval[report](w, fmt.Sprintf(`(() => {
			const f = document.querySelector(%s);
			const m = document.getElementById(f.getAttribute('aria-describedby'));
			const a = f.getBoundingClientRect(), b = m ? m.getBoundingClientRect() : null;
			return {
				focused: document.activeElement === f ? 'yes' : String(document.activeElement && document.activeElement.outerHTML).slice(0, 80),
				invalid: f.getAttribute('aria-invalid'),
				message: m ? m.textContent : '', role: m ? m.getAttribute('role') : '',
				visible: !!b && b.height > 0 && getComputedStyle(m).visibility === 'visible',
				gap: b ? b.top - a.bottom : -1, overlap: !!b && b.left < a.right && b.right > a.left,
				toastSays: [...document.querySelectorAll('[data-testid="toast"]')].some((e) => e.textContent.includes(%s)),
			};
		})()`, jsString(field), jsString(want)))
		if r.Message != want || r.Role != "alert" || !r.Visible || r.Focused != "yes" {
			t.Errorf("%s: %+v, want the message %q, visible, role=alert, the field focused", field, r, want)
		}
		if r.Gap < -1 || r.Gap > 48 || !r.Overlap {
			t.Errorf("%s: the message is not under the field: %+v", field, r)
		}
		if r.ToastSays {
			t.Errorf("%s: a toast says %q too", field, want)
		}
	}
	cleared := func(field string) {
		t.Helper()
		w.waitFor("the error of "+field+" gone", fmt.Sprintf(`(() => {
			const f = document.querySelector(%s);
			return (!f || !f.hasAttribute('aria-invalid')) && !document.querySelector('[data-testid="field-error"]');
		})()`, jsString(field)))
	}

	// In a form, Enter submits it (implicit submission: key down and the
	// character, as a keyboard sends them).
	submit := func() { w.do("press Enter in a form", chromedp.KeyEvent("\r")) }

	// Adding a player without a name.
	w.click(tid("add-player-name"))
	submit()
	check(tid("add-player-name"), "Enter a player name first.")
	w.keys("Z")
	cleared(tid("add-player-name"))

	// Adding an item with a description and no name.
	w.click(tid("add-item-description"))
	w.keys("only a description")
	submit()
	check(tid("add-item-name"), "Give the item a name first.")
	w.keys("Q")
	cleared(tid("add-item-name"))

	// An item's name emptied in its editor: the editor stays open with the
	// error under it; Escape closes both.
	w.click(itemRowSel(3) + " " + tid("item-name"))
	w.waitEditor("item-name-input")
	w.key("Backspace", 8, false)
	w.enter()
	check(itemRowSel(3)+" "+tid("item-name-input"), "An item needs a name.")
	w.do("press Escape", chromedp.KeyEvent("\x1b"))
	cleared(itemRowSel(3) + " " + tid("item-name-input"))

	// A player's name emptied in the rename editor.
	w.click(scoreRowSel("Erin") + " " + tid("score-rename"))
	w.waitEditor("score-rename-input")
	w.key("Backspace", 8, false)
	w.enter()
	check(scoreRowSel("Erin")+" "+tid("score-rename-input"), "A player needs a name.")
	w.do("press Escape", chromedp.KeyEvent("\x1b"))
	cleared(scoreRowSel("Erin") + " " + tid("score-rename-input"))

	// Nothing was sent: the server still has the demo data.
	st := srv.State(t)
	if st.Seq != 1 {
		t.Errorf("the server changed: seq %d, want 1 (the demo data)", st.Seq)
	}
}

// The reset is quieter than the work: no fill, no border, no danger colour
// until hovered; it still asks before it runs, and is labelled where it is
// an icon alone.
func TestBrowserQuietReset(t *testing.T) {
	needBrowser(t)
	srv := apptest.MustStartServer(t)
	type look struct {
		Background string `json:"background"`
		Border     string `json:"border"`
		Color      string `json:"color"`
		Danger     string `json:"danger"` // the confirm dialog's filled danger colour
		Label      string `json:"label"`
		Title      string `json:"title"`
	}
	read := func(w *window) look {
		return eval[look](w, `(() => {
			const b = document.querySelector('[data-testid="reset-button"]'), s = getComputedStyle(b);
			return { background: s.backgroundColor, border: s.borderTopColor, color: s.color,
				danger: getComputedStyle(document.querySelector('[data-testid="confirm-yes"]')).backgroundColor,
				label: b.getAttribute('aria-label') || '', title: b.title };
		})()`)
	}
	for _, tc := range []struct {
		name  string
		phone bool
	}{{"desktop", false}, {"phone", true}} {
		t.Run(tc.name, func(t *testing.T) {
			w := openWindow(t, srv, "Max")
			if tc.phone {
				w.phone(390)
			}
			w.waitStill()
			l := read(w)
			if l.Background != "rgba(0, 0, 0, 0)" || l.Border != "rgba(0, 0, 0, 0)" {
				t.Errorf("reset is drawn as a filled or outlined button: %+v", l)
			}
			if l.Color == l.Danger {
				t.Errorf("reset's text is the danger colour %s", l.Color)
			}
			if l.Label == "" || l.Title == "" {
				t.Errorf("reset is not labelled: %+v", l)
			}
			// It still asks first, and Cancel changes nothing.
			w.click(tid("reset-button"))
			w.waitFor("the confirm dialog", `document.getElementById('confirm-dialog').open`)
			w.click(tid("confirm-no"))
			w.waitFor("the dialog closed", `!document.getElementById('confirm-dialog').open`)
		})
	}
}

// On a phone the top bar is one row, about 56 px tall, with the avatars of
// who else is here, the whole name, and a labelled reset; the avatar stack
// is there on a desktop too.
func TestBrowserPhoneHeader(t *testing.T) {
	needBrowser(t)
	srv := apptest.MustStartServer(t)
	for i, name := range []string{"Alice", "Bob", "Carol", "Dave"} {
		srv.Dial(t, fmt.Sprintf("name=%s&client=header-test-client-%02d", name, i))
	}
	type header struct {
		Height    float64  `json:"height"`
		Rows      int      `json:"rows"`
		Overflow  bool     `json:"overflow"`
		NameCut   bool     `json:"nameCut"`
		Name      string   `json:"name"`
		Stack     []string `json:"stack"`
		More      string   `json:"more"`
		StackName string   `json:"stackName"`
		Reset     string   `json:"reset"`
	}
	for _, tc := range []struct {
		name  string
		phone bool
	}{{"phone 390x844", true}, {"desktop 1440x900", false}} {
		t.Run(tc.name, func(t *testing.T) {
			w := openWindow(t, srv, "Guest 7421")
			if tc.phone {
				w.phone(390)
			} else {
				w.do("set the viewport", chromedp.EmulateViewport(1440, 900))
			}
			w.waitFor("four others in the stack", `document.querySelector('[data-testid="presence-stack"]').getAttribute('aria-label').includes('Dave')`)
			h := eval[header](w, `(() => {
				const bar = document.querySelector('.topbar');
				// Rows: the distinct vertical bands of the visible controls.
				const boxes = [...bar.querySelectorAll('.brand, .badge, .avatar-stack, #me-button, #theme-toggle, #reset-button, #present-link')]
					.map((e) => e.getBoundingClientRect()).filter((r) => r.width > 0);
				const rows = [];
				for (const r of boxes.sort((a, b) => a.top - b.top)) {
					const mid = r.top + r.height / 2;
					if (!rows.some((m) => Math.abs(m - mid) < 12)) rows.push(mid);
				}
				const name = document.querySelector('#me-name');
				const stack = document.querySelector('[data-testid="presence-stack"]');
				const reset = document.querySelector('[data-testid="reset-button"]');
				return {
					height: bar.getBoundingClientRect().height, rows: rows.length,
					overflow: bar.scrollWidth > bar.clientWidth || document.documentElement.scrollWidth > document.documentElement.clientWidth,
					nameCut: name.scrollWidth > name.clientWidth, name: name.textContent,
					stack: [...stack.querySelectorAll('li')].map((li) => li.title),
					more: stack.querySelector('.avatar-stack-more').hidden ? '' : stack.querySelector('.avatar-stack-more').textContent,
					stackName: stack.getAttribute('aria-label'), reset: reset.getAttribute('aria-label') || '',
				};
			})()`)
			t.Logf("%s: %+v", tc.name, h)
			if h.Rows != 1 || h.Overflow {
				t.Errorf("the top bar wraps or overflows: %+v", h)
			}
			if tc.phone && h.Height > 57 {
				t.Errorf("the top bar is %.0f px tall on a phone, want at most 56", h.Height)
			}
			if h.NameCut || h.Name != "Guest 7421" {
				t.Errorf("the name chip cuts the name: %+v", h)
			}
			if strings.Join(h.Stack, ",") != "Alice,Bob,Carol" || h.More != "+1" {
				t.Errorf("avatar stack %v %q, want Alice, Bob, Carol and +1", h.Stack, h.More)
			}
			if h.StackName != "Who is here: you and Alice, Bob, Carol, Dave" {
				t.Errorf("avatar stack named %q", h.StackName)
			}
			if h.Reset == "" {
				t.Errorf("reset has no label")
			}
		})
	}
}
