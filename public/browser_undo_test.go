package public_test

import (
	"fmt"

	"testing"

	"github.com/chromedp/chromedp"

	"livedash/app/apptest"
	"livedash/models"
)

// renameItem renames an item with the inline editor.
func (w *window) renameItem(id int64, name string) {
	w.t.Helper()
	w.click(itemRowSel(id) + " " + tid("item-name"))
	w.waitEditor("item-name-input")
	w.keys(name)
	w.enter()
}

// A renames an item, B renames it again, then A tries to undo A's rename
// from the activity feed: the server refuses (conflict), the page says in
// words who changed it since and offers "Open history", which opens the
// item's history; the item keeps B's name.
func TestBrowserRefusedUndoExplained(t *testing.T) {
	needBrowser(t)
	srv := apptest.MustStartServer(t)
	a := openWindow(t, srv, "Ann")
	b := openWindow(t, srv, "Ben")

	a.renameItem(1, "Beamer")
	mine := waitServer(t, srv, "Ann's rename", func(st models.State) bool {
		it, _ := itemOf(st.Items, 1)
		return it.Name == "Beamer"
	})
	b.waitFor("Ann's rename", fmt.Sprintf(`window.livedash.state.seq >= %d`, mine.Seq))
	b.renameItem(1, "Projector 2")
	after := waitServer(t, srv, "Ben's rename", func(st models.State) bool {
		it, _ := itemOf(st.Items, 1)
		return it.Name == "Projector 2"
	})
	before, _ := itemOf(after.Items, 1)

	entry := fmt.Sprintf(`.activity-entry[data-seq="%d"] %s`, mine.Seq, tid("activity-undo"))
	a.waitFor("Ben's rename", seqReached(after.Seq))
	a.waitFor("Ann's rename in the feed", fmt.Sprintf(`!!document.querySelector(%s)`, jsString(entry)))
	a.click(entry)
	a.waitFor("the explanation", fmt.Sprintf(`[...document.querySelectorAll(%s)].some((e) => e.textContent.includes('Ben changed it again since'))`,
		jsString(tid("undo-refused"))))
	text := eval[string](a, fmt.Sprintf(`document.querySelector(%s).textContent`, jsString(tid("undo-refused"))))
	t.Logf("refusal: %q", text)

	// The refused undo changed nothing.
	st := srv.State(t)
	if it, _ := itemOf(st.Items, 1); canonical(t, it) != canonical(t, before) || st.Seq != after.Seq {
		t.Errorf("after the refused undo: item 1 %+v at seq %d, want %+v at seq %d", it, st.Seq, before, after.Seq)
	}

	a.click(tid("undo-refused") + " " + tid("undo-open-history"))
	a.waitFor("item 1's history", `(() => {
		const p = document.querySelector('[data-testid="history-panel"]');
		return !p.hidden && p.dataset.kind === 'item' && p.dataset.id === '1' && p.dataset.loaded === 'true' &&
			document.querySelectorAll('[data-testid="history-entry"]').length === 2;
	})()`)
	whos := eval[[]string](a, `[...document.querySelectorAll('[data-testid="history-who"]')].map((e) => e.textContent)`)
	if fmt.Sprint(whos) != "[You Ben]" {
		t.Errorf("history of item 1 by %v, want [You Ben]", whos)
	}
	a.waitFor("item 1 still Ben's", itemNamed(1, before.Name, before.Description))
	checkMatchesServer(t, a, srv.State(t))
}

// spyRequests records the type of every request the page sends from now on.
const spyRequests = `(() => {
	const c = window.livedash.client;
	window.__requests = [];
	const orig = c.request.bind(c);
	c.request = (type, data) => { window.__requests.push(type); return orig(type, data); };
	return true;
})()`

// Cmd+Z (Meta) undoes the window's own last change like Ctrl+Z; the page
// listens for both on every platform. Ctrl+Z inside a text field is the
// field's own undo and does not undo a change.
func TestBrowserCmdZUndoesAndNotInTextField(t *testing.T) {
	needBrowser(t)
	srv := apptest.MustStartServer(t)
	a := openWindow(t, srv, "Ann")
	inc := func(by string, want int64) {
		t.Helper()
		a.waitStill()
		a.click(scoreRowSel("Dave") + " " + tid(by))
		a.waitFor(fmt.Sprintf("Dave at %d", want), playerShows("Dave", want, 0))
		waitServer(t, srv, fmt.Sprintf("Dave at %d", want), func(st models.State) bool {
			s, _ := scoreOf(st.Scores, "Dave")
			return s.Points == want
		})
		a.waitFor(fmt.Sprintf("Dave at %d", want), playerShows("Dave", want, 0))
		// The toast comes with the server's event: only then is the change
		// known as one's own, which undo can take back.
		a.waitFor("the undo toast", fmt.Sprintf(`!!document.querySelector(%s)`, jsString(tid("undo-toast-action"))))
	}

	inc("score-inc-5", 26)
	a.do("press Cmd+Z", chromedp.KeyEvent("z", chromedp.KeyModifiers(chromedp.ModifierMeta)))
	waitServer(t, srv, "Dave back at 21", func(st models.State) bool {
		s, _ := scoreOf(st.Scores, "Dave")
		return s.Points == 21
	})
	a.waitFor("Dave at 21", playerShows("Dave", 21, 0))

	inc("score-inc-5", 26)
	base := srv.State(t).Seq
	eval[bool](a, spyRequests)
	a.typeInto(tid("add-item-name"), "Laser")
	if !eval[bool](a, `document.activeElement === document.querySelector('[data-testid="add-item-name"]')`) {
		t.Fatal("the add-item name field does not have the focus")
	}
	a.do("press Ctrl+Z in the field", chromedp.KeyEvent("z", chromedp.KeyModifiers(chromedp.ModifierCtrl)))
	a.do("press Cmd+Z in the field", chromedp.KeyEvent("z", chromedp.KeyModifiers(chromedp.ModifierMeta)))
	// The keydown handler asks for the undo synchronously: none was asked.
	if got := eval[[]string](a, `window.__requests`); len(got) != 0 {
		t.Errorf("Ctrl+Z / Cmd+Z in a text field sent %v", got)
	}
	// A later request on the same socket as a barrier: the server applied
	// everything sent before it, and Dave is untouched.
	a.do("leave the field", chromedp.Evaluate[chromedp.Void](`document.activeElement.blur()`))
	a.waitStill()
	a.click(scoreRowSel("Alice") + " " + tid("score-inc-1"))
	st := waitServer(t, srv, "Alice's increment", func(st models.State) bool { return st.Seq > base })
	if s, _ := scoreOf(st.Scores, "Dave"); s.Points != 26 || st.Seq != base+1 {
		t.Errorf("after Ctrl+Z in a text field: Dave at %d, seq %d (want 26, seq %d)", s.Points, st.Seq, base+1)
	}

	// Outside the field Ctrl+Z works again: Alice's increment, once the
	// page has its event, is the last.
	a.waitFor("Alice's increment applied", seqReached(st.Seq))
	a.do("press Ctrl+Z", chromedp.KeyEvent("z", chromedp.KeyModifiers(chromedp.ModifierCtrl)))
	waitServer(t, srv, "Alice's increment undone", func(st models.State) bool { return st.Seq == base+2 })
	st = srv.State(t)
	if d, _ := scoreOf(st.Scores, "Dave"); d.Points != 26 {
		t.Errorf("Ctrl+Z undid Dave's change, not Alice's: Dave at %d", d.Points)
	}
}

// An Undo is offered once: after Ann undoes her rename from the activity
// feed, that entry has no Undo any more, while the undo's own entry offers
// one (redo).
func TestBrowserUndoDisappearsAfterUse(t *testing.T) {
	needBrowser(t)
	srv := apptest.MustStartServer(t)
	a := openWindow(t, srv, "Ann")

	a.renameItem(1, "Beamer")
	mine := waitServer(t, srv, "Ann's rename", func(st models.State) bool {
		it, _ := itemOf(st.Items, 1)
		return it.Name == "Beamer"
	})
	undoOf := func(seq int64) string {
		return fmt.Sprintf(`.activity-entry[data-seq="%d"] %s`, seq, tid("activity-undo"))
	}
	a.waitFor("Ann's rename in the feed", fmt.Sprintf(`!!document.querySelector(%s)`, jsString(undoOf(mine.Seq))))
	a.click(undoOf(mine.Seq))
	undone := waitServer(t, srv, "the undo", func(st models.State) bool {
		it, _ := itemOf(st.Items, 1)
		return it.Name != "Beamer" && st.Seq > mine.Seq
	})
	a.waitFor("the undo in the feed", seqReached(undone.Seq))
	a.waitFor("the rename's Undo gone", fmt.Sprintf(`!document.querySelector(%s) && !!document.querySelector(%s)`,
		jsString(undoOf(mine.Seq)), jsString(undoOf(undone.Seq))))
	checkMatchesServer(t, a, srv.State(t))
}
