package public_test

import (
	"fmt"
	"net/http"
	"testing"

	"livedash/app/apptest"
	"livedash/models"
)

// itemRowsNamed is a predicate: the items table shows n real rows named
// name and p pending rows of it (pending: marked not saved).
func itemRowsNamed(name string, n, p int) string {
	return fmt.Sprintf(`(() => {
		const real = [...document.querySelectorAll('[data-testid="item-row"] [data-testid="item-name"]')].filter((e) => e.textContent === %[1]s);
		const pending = [...document.querySelectorAll('[data-testid="item-pending-row"]')].filter((r) =>
			r.querySelector('.pending-item-name').textContent === %[1]s &&
			r.querySelector('[data-testid="item-pending-tag"]').textContent === 'not saved' && r.getBoundingClientRect().height > 0);
		return real.length === %[2]d && pending.length === %[3]d;
	})()`, jsString(name), n, p)
}

// emptyItemsShown is a predicate: the items table's "No items yet" message
// is (or is not) on screen.
func emptyItemsShown(shown bool) string {
	return fmt.Sprintf(`document.getElementById('items-empty').checkVisibility() === %t`, shown)
}

// A new item added while the server is away shows at once as a row marked
// "not saved", in an empty table too, which then no longer says it has no
// items; once the server is back and has it, that row is the real one: one
// row, on the page and on the server.
func TestBrowserPendingNewItem(t *testing.T) {
	needBrowser(t)
	srv := apptest.MustStartServer(t)
	for _, it := range srv.State(t).Items {
		srv.MustJSON(t, http.MethodDelete, fmt.Sprintf("/api/items/%d", it.ID), nil, http.StatusOK, nil)
	}
	a := openWindow(t, srv, "Alice")
	a.waitStill()
	a.waitFor("the empty table's message", emptyItemsShown(true))
	before := srv.State(t)

	srv.Stop()
	a.waitFor("the offline banner", bannerShows("offline", "You are offline"))
	a.typeInto(tid("add-item-name"), "Laser pointer")
	a.typeInto(tid("add-item-description"), "Top drawer")
	a.click(tid("add-item-submit"))
	a.waitFor("a pending row", itemRowsNamed("Laser pointer", 0, 1))
	a.waitFor("no empty-table message beside the pending row", emptyItemsShown(false))

	srv = srv.Restart()
	eval[bool](a, `window.dispatchEvent(new FocusEvent('focus'))`)
	a.waitLive(defaultWait)
	st := waitServer(t, srv, "the item saved", func(st models.State) bool { return len(st.Items) == len(before.Items)+1 })
	a.waitFor("the item's own row, no pending one", seqReached(st.Seq)+" && "+itemRowsNamed("Laser pointer", 1, 0))
	a.waitFor("no pending row at all", `document.querySelectorAll('[data-testid="item-pending-row"]').length === 0`)
	a.waitFor("no empty-table message beside the saved row", emptyItemsShown(false))
	n := 0
	for _, it := range st.Items {
		if it.Name == "Laser pointer" {
			n++
		}
	}
	if n != 1 || st.Seq != before.Seq+1 {
		t.Fatalf("server: %d items named Laser pointer at seq %d, want 1 at %d", n, st.Seq, before.Seq+1)
	}
}
