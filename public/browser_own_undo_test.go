package public_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"

	"livedash/app/apptest"
	"livedash/models"
)

// ctrlZ presses Ctrl+Z as a keyboard does.
func (w *window) ctrlZ() {
	w.t.Helper()
	w.do("press Ctrl+Z", chromedp.KeyEvent("z", chromedp.KeyModifiers(chromedp.ModifierCtrl)))
}

// shownToasts is a predicate on the toasts still shown (not leaving): the
// JavaScript condition cond holds for the array `ts` of them, after two
// frames, so that whatever the last key press started has run.
func shownToasts(cond string) string {
	return fmt.Sprintf(`new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => {
		const ts = [...document.querySelectorAll('#toasts .toast:not(.leaving)')];
		done(!!(%s));
	})))`, cond)
}

// undoEvents lists the server's events after seq that undid another: the
// seq each one undid, in order.
func undoEvents(t testing.TB, srv *apptest.Server, since int64) []int64 {
	t.Helper()
	var got struct {
		Events []struct {
			Seq    int64  `json:"seq"`
			UndoOf *int64 `json:"undo_of"`
		} `json:"events"`
	}
	srv.MustJSON(t, http.MethodGet, fmt.Sprintf("/api/events?since=%d&limit=100", since), nil, http.StatusOK, &got)
	var out []int64
	for _, e := range got.Events {
		if e.UndoOf != nil {
			out = append(out, *e.UndoOf)
		}
	}
	return out
}

// points is a waitServer condition: the players have these points.
func points(want map[string]int64) func(models.State) bool {
	return func(st models.State) bool {
		for p, n := range want {
			if s, _ := scoreOf(st.Scores, p); s.Points != n {
				return false
			}
		}
		return true
	}
}

// undoToastSays is a predicate: one toast is shown, the undo toast, and it
// says text.
func undoToastSays(text string) string {
	return shownToasts(fmt.Sprintf(`ts.length === 1 && ts[0].dataset.testid === 'undo-toast' && ts[0].textContent.includes(%s)`, jsString(text)))
}

// Your own change's toast is one toast: it names the record it changed,
// the next change updates it in place, it goes away once its change is
// undone (by Ctrl+Z or from the feed), and pressing Ctrl+Z with nothing
// left says so once, not once per press.
func TestBrowserOneUndoToast(t *testing.T) {
	needBrowser(t)
	srv := apptest.MustStartServer(t)
	a := openWindow(t, srv, "Alice")
	a.waitStill()
	demo := srv.State(t)
	markers, _ := itemOf(demo.Items, 2)
	phone, _ := itemOf(demo.Items, 3)

	a.click(scoreRowSel("Carol") + " " + tid("score-inc-1"))
	a.waitFor("the undo toast for +1, naming Carol", undoToastSays("You: +1 point to Carol (28 \u2192 29)"))
	// Marked, to tell the same toast from a new one.
	eval[bool](a, `(document.querySelector('[data-testid="undo-toast"]:not(.leaving)').__first = true)`)
	a.waitStill()
	a.click(scoreRowSel("Dave") + " " + tid("score-inc-5"))
	a.waitFor("the same toast, now for +5 to Dave", shownToasts(`ts.length === 1 && ts[0].__first === true && ts[0].textContent.includes('You: +5 points to Dave (21 \u2192 26)') && !ts[0].textContent.includes('+1 point')`))

	a.ctrlZ()
	waitServer(t, srv, "Dave back at 21", points(map[string]int64{"Dave": 21, "Carol": 29}))
	a.waitFor("the toast gone with its undone change", shownToasts(`ts.length === 0`))

	a.renameItem(2, "Kettle")
	st := waitServer(t, srv, "the rename", func(st models.State) bool {
		it, _ := itemOf(st.Items, 2)
		return it.Name == "Kettle"
	})
	a.waitFor("the undo toast for the rename, naming the item", undoToastSays("You: renamed item "+markers.Name+" to Kettle"))
	a.click(activityUndo(st.Seq))
	waitServer(t, srv, "the rename undone", func(s models.State) bool {
		it, _ := itemOf(s.Items, 2)
		return it.Name != "Kettle" && s.Seq == st.Seq+1
	})
	a.waitFor("the toast gone with the rename undone from the feed", shownToasts(`ts.length === 0`))

	// Carol's +1 is the last of Alice's changes left.
	a.ctrlZ()
	waitServer(t, srv, "Carol back at 28", points(map[string]int64{"Carol": 28}))
	a.waitFor("every undo seen", seqReached(st.Seq+2))
	for range 3 {
		a.ctrlZ()
	}
	a.waitFor("one \"nothing left\" toast for three presses", shownToasts(`ts.length === 1 && ts[0].textContent.includes('Nothing of yours left to undo')`))
	if got := srv.State(t).Seq; got != st.Seq+2 {
		t.Errorf("server at seq %d after the presses with nothing left, want %d", got, st.Seq+2)
	}

	// A deleted record is named by what it was.
	a.click(itemRowSel(3) + " " + tid("item-delete"))
	a.waitFor("the undo toast for the delete, naming the item", undoToastSays("You: deleted item "+phone.Name))
}

// Ctrl+Z walks back your own changes newest first, one per press, the
// server's state stepping back each time; pressed fast, each change is
// undone once, and a press with nothing left undoes nothing.
func TestBrowserCtrlZWalksBack(t *testing.T) {
	needBrowser(t)
	srv := apptest.MustStartServer(t)
	a := openWindow(t, srv, "Alice")
	a.waitStill()
	base := srv.State(t)
	kettle, _ := itemOf(base.Items, 2)

	// Three changes of three records: +5 Carol, rename item 2, +1 Dave.
	change := func() int64 {
		a.waitStill()
		a.click(scoreRowSel("Carol") + " " + tid("score-inc-5"))
		waitServer(t, srv, "Carol +5", points(map[string]int64{"Carol": 33}))
		a.renameItem(2, "Kettle two")
		waitServer(t, srv, "item 2 renamed", func(st models.State) bool {
			it, _ := itemOf(st.Items, 2)
			return it.Name == "Kettle two"
		})
		a.waitStill()
		a.click(scoreRowSel("Dave") + " " + tid("score-inc-1"))
		st := waitServer(t, srv, "Dave +1", points(map[string]int64{"Dave": 22}))
		a.waitFor("the three changes", seqReached(st.Seq))
		return st.Seq
	}
	named := func(name string) func(models.State) bool {
		return func(st models.State) bool {
			it, _ := itemOf(st.Items, 2)
			return it.Name == name
		}
	}
	both := func(f, g func(models.State) bool) func(models.State) bool {
		return func(st models.State) bool { return f(st) && g(st) }
	}

	after := change()
	a.ctrlZ()
	waitServer(t, srv, "Dave's +1 undone, nothing else", both(points(map[string]int64{"Dave": 21, "Carol": 33}), named("Kettle two")))
	a.ctrlZ()
	waitServer(t, srv, "the rename undone, Carol still +5", both(points(map[string]int64{"Dave": 21, "Carol": 33}), named(kettle.Name)))
	a.ctrlZ()
	st := waitServer(t, srv, "Carol's +5 undone", both(points(map[string]int64{"Dave": 21, "Carol": 28}), named(kettle.Name)))
	if got, want := undoEvents(t, srv, after), []int64{after, after - 1, after - 2}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("undone, in order: %v, want %v", got, want)
	}
	a.waitFor("the undos", seqReached(st.Seq))

	// Again, pressed as fast as the keyboard goes.
	after = change()
	for range 3 {
		a.ctrlZ()
	}
	st = waitServer(t, srv, "all three undone", both(points(map[string]int64{"Dave": 21, "Carol": 28}), named(kettle.Name)))
	a.waitFor("the undos", seqReached(st.Seq))
	a.ctrlZ()
	a.waitFor("nothing left", shownToasts(`ts.some((t) => t.textContent.includes('Nothing of yours left to undo'))`))
	if got, want := undoEvents(t, srv, after), []int64{after, after - 1, after - 2}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("pressed fast, undone: %v, want %v (each once, newest first)", got, want)
	}
	if final := srv.State(t); final.Seq != st.Seq {
		t.Errorf("a press with nothing left moved the server from seq %d to %d", st.Seq, final.Seq)
	}
}
