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

// heldInbox, run before the page's scripts, lets a test hold back what the
// server sends to one window, as a slow network would: while
// window.__inbox.hold is true, the page's WebSocket message handlers are
// not called; window.__inbox.release() calls them for what was held, in
// order, and lets later messages through. What the page sends is not held.
const heldInbox = `(() => {
  const Native = window.WebSocket;
  const inbox = { hold: false, held: [] };
  inbox.release = () => {
    inbox.hold = false;
    const held = inbox.held.splice(0);
    for (const deliver of held) deliver();
    return held.length;
  };
  window.__inbox = inbox;
  window.WebSocket = class extends Native {
    set onmessage(fn) {
      super.onmessage = fn && ((m) => {
        if (inbox.hold) inbox.held.push(() => fn.call(this, m));
        else fn.call(this, m);
      });
    }
    get onmessage() { return super.onmessage; }
  };
})();`

// withHeldInbox installs heldInbox in the window.
func withHeldInbox() windowOption {
	return func(o *windowOptions) { o.scripts = append(o.scripts, heldInbox) }
}

// activityUndo is the Undo of the activity entry of the event seq.
func activityUndo(seq int64) string {
	return fmt.Sprintf(`.activity-entry[data-seq="%d"] %s`, seq, tid("activity-undo"))
}

// present and absent are predicates on a CSS selector.
func present(sel string) string { return fmt.Sprintf(`!!document.querySelector(%s)`, jsString(sel)) }
func absent(sel string) string  { return fmt.Sprintf(`!document.querySelector(%s)`, jsString(sel)) }

// A renames an item and sees Undo on it in the activity feed. B renames it
// again while A's page has not heard of that yet (A's inbound messages are
// held, as on a slow network), so A's Undo is still there, and A clicks it:
// the server refuses (conflict), the page says in words who changed it
// since and offers "Open history", which opens the item's history; the item
// keeps B's name, and A's Undo is gone once A's page knows.
func TestBrowserRefusedUndoExplained(t *testing.T) {
	needBrowser(t)
	srv := apptest.MustStartServer(t)
	a := openWindow(t, srv, "Ann", withHeldInbox())
	b := openWindow(t, srv, "Ben")

	a.renameItem(1, "Beamer")
	mine := waitServer(t, srv, "Ann's rename", func(st models.State) bool {
		it, _ := itemOf(st.Items, 1)
		return it.Name == "Beamer"
	})
	b.waitFor("Ann's rename", seqReached(mine.Seq))
	a.waitFor("Ann's rename in the feed", present(activityUndo(mine.Seq)))

	eval[bool](a, `window.__inbox.hold = true`)
	b.renameItem(1, "Projector 2")
	after := waitServer(t, srv, "Ben's rename", func(st models.State) bool {
		it, _ := itemOf(st.Items, 1)
		return it.Name == "Projector 2"
	})
	before, _ := itemOf(after.Items, 1)
	if seq := eval[int64](a, `window.livedash.state.seq`); seq >= after.Seq {
		t.Fatalf("Ann's page has seq %d with its inbox held, want below %d", seq, after.Seq)
	}
	a.click(activityUndo(mine.Seq))
	if n := eval[int](a, `window.__inbox.release()`); n == 0 {
		t.Fatal("nothing was held back from Ann's page")
	}
	a.waitFor("the explanation", fmt.Sprintf(`[...document.querySelectorAll(%s)].some((e) => e.textContent.includes('Ben changed it again since'))`,
		jsString(tid("undo-refused"))))
	text := eval[string](a, fmt.Sprintf(`document.querySelector(%s).textContent`, jsString(tid("undo-refused"))))
	t.Logf("refusal: %q", text)
	a.waitFor("Ann's Undo gone, Ben's offered", absent(activityUndo(mine.Seq))+" && "+present(activityUndo(after.Seq)))

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
	if fmt.Sprint(whos) != "[Ben You]" { // newest first
		t.Errorf("history of item 1 by %v, want [Ben You]", whos)
	}
	a.waitFor("item 1 still Ben's", itemNamed(1, before.Name, before.Description))
	checkMatchesServer(t, a, srv.State(t))
}

// historyUndo is the Undo of the history panel's entry of the event seq.
func historyUndo(seq int64) string {
	return fmt.Sprintf(`[data-testid="history-entry"][data-seq="%d"] %s`, seq, tid("history-undo"))
}

// An Undo is shown only while the server would apply it: when another tab
// changes a record, the Undo of an earlier change of it disappears from the
// activity feed and from the open history panel, as the server's rule says
// (a rename only while it is the record's last change; an increment while
// only increments followed).
func TestBrowserUndoHiddenWhenAnotherTabChangesRecord(t *testing.T) {
	needBrowser(t)
	srv := apptest.MustStartServer(t)
	a := openWindow(t, srv, "Ann")
	b := openWindow(t, srv, "Ben")

	a.renameItem(1, "Beamer")
	rename := waitServer(t, srv, "Ann's rename", func(st models.State) bool {
		it, _ := itemOf(st.Items, 1)
		return it.Name == "Beamer"
	})
	a.waitStill()
	a.click(scoreRowSel("Dave") + " " + tid("score-inc-5"))
	inc := waitServer(t, srv, "Ann's increment", func(st models.State) bool {
		s, _ := scoreOf(st.Scores, "Dave")
		return s.Points == 26
	})
	a.waitFor("Ann's changes in the feed", present(activityUndo(rename.Seq))+" && "+present(activityUndo(inc.Seq)))
	a.click(itemRowSel(1) + " " + tid("item-history"))
	a.waitFor("item 1's history with Undo", present(historyUndo(rename.Seq)))

	// Ben increments Dave: increments commute, so Ann's stays undoable.
	b.waitFor("Ann's changes", seqReached(inc.Seq))
	b.waitStill()
	b.click(scoreRowSel("Dave") + " " + tid("score-inc-1"))
	benInc := waitServer(t, srv, "Ben's increment", func(st models.State) bool {
		s, _ := scoreOf(st.Scores, "Dave")
		return s.Points == 27
	})
	a.waitFor("Ben's increment", seqReached(benInc.Seq))
	a.waitFor("both increments undoable", present(activityUndo(inc.Seq))+" && "+present(activityUndo(benInc.Seq)))

	// Ben renames item 1: Ann's rename is no longer its last change.
	b.renameItem(1, "Projector 2")
	benRename := waitServer(t, srv, "Ben's rename", func(st models.State) bool {
		it, _ := itemOf(st.Items, 1)
		return it.Name == "Projector 2"
	})
	a.waitFor("Ben's rename", seqReached(benRename.Seq))
	a.waitFor("Ann's rename without Undo, in the feed and the history",
		absent(activityUndo(rename.Seq))+" && "+absent(historyUndo(rename.Seq))+" && "+
			present(activityUndo(benRename.Seq))+" && "+present(historyUndo(benRename.Seq)))
	if !eval[bool](a, present(activityUndo(inc.Seq))) {
		t.Error("a rename of item 1 took the Undo of Dave's increment")
	}

	// Ben renames Dave: a change other than an increment, so neither
	// increment can be undone any more.
	b.click(scoreRowSel("Dave") + " " + tid("score-rename"))
	b.waitEditor("score-rename-input")
	b.keys("David")
	b.enter()
	benPlayer := waitServer(t, srv, "Ben's renaming of Dave", func(st models.State) bool {
		_, ok := scoreOf(st.Scores, "David")
		return ok
	})
	a.waitFor("Ben's renaming of Dave", seqReached(benPlayer.Seq))
	a.waitFor("no Undo of the increments", absent(activityUndo(inc.Seq))+" && "+absent(activityUndo(benInc.Seq))+" && "+
		present(activityUndo(benPlayer.Seq)))

	// What the page offers, the server applies: Ben's rename of item 1,
	// from the history panel.
	a.click(historyUndo(benRename.Seq))
	undone := waitServer(t, srv, "Ben's rename undone", func(st models.State) bool {
		it, _ := itemOf(st.Items, 1)
		return it.Name == "Beamer"
	})
	a.waitFor("the undo's event", seqReached(undone.Seq))
	checkMatchesServer(t, a, undone)
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
	undoOf := activityUndo
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
