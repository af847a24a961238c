package public_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"livedash/app/apptest"
	"livedash/models"
)

// lastChangeIs is a predicate: the row's "who and when" line reads text.
func lastChangeIs(rowSel, kind, text string) string {
	return fmt.Sprintf(`(() => {
		const l = document.querySelector(%s);
		return !!l && l.textContent === %s && (l.textContent === "" || l.getBoundingClientRect().height > 0);
	})()`, jsString(rowSel+" "+tid(kind+"-last-change")), jsString(text))
}

// Each row says who changed it last and when: B sees "Alice · just now"
// on the item Alice renamed and on the player she gave a point, A sees
// "You"; after a reload (the snapshot has no authors) the page reads the
// log's latest events; a row the demo data made, which no one changed, says
// nothing.
func TestBrowserRowSaysWhoChangedIt(t *testing.T) {
	needBrowser(t)
	srv := apptest.MustStartServer(t)
	a := openWindow(t, srv, "Alice")
	b := openWindow(t, srv, "Bob")
	b.waitStill()
	b.waitFor("no author on the demo data", lastChangeIs(itemRowSel(1), "item", "")+" && "+lastChangeIs(scoreRowSel("Carol"), "score", ""))

	a.renameItem(1, "Beamer")
	a.waitStill()
	a.click(scoreRowSel("Carol") + " " + tid("score-inc-1"))
	st := waitServer(t, srv, "both changes", func(st models.State) bool {
		it, _ := itemOf(st.Items, 1)
		c, _ := scoreOf(st.Scores, "Carol")
		return it.Name == "Beamer" && c.Points == 29
	})
	b.waitFor("the changes", seqReached(st.Seq))
	b.waitFor("Alice on the item", lastChangeIs(itemRowSel(1), "item", "Alice \u00b7 just now"))
	b.waitFor("Alice on Carol", lastChangeIs(scoreRowSel("Carol"), "score", "Alice \u00b7 just now"))
	a.waitFor("You on the item", lastChangeIs(itemRowSel(1), "item", "You \u00b7 just now"))
	b.waitFor("Bob's other rows unchanged", lastChangeIs(itemRowSel(2), "item", "")+" && "+lastChangeIs(scoreRowSel("Dave"), "score", ""))

	b.do("reload", chromedp.Reload())
	b.waitLive(defaultWait)
	b.waitFor("Alice on the item after a reload", lastChangeIs(itemRowSel(1), "item", "Alice \u00b7 just now"))
	b.waitFor("Alice on Carol after a reload", lastChangeIs(scoreRowSel("Carol"), "score", "Alice \u00b7 just now"))

	// Time passes for the page (its clock moved on 125 s): at the next
	// refresh, at most 30 s later, without any new event, it says so.
	eval[bool](b, `(() => { const now = Date.now; Date.now = () => now() + 125000; return true; })()`)
	b.within(defaultWait+30*time.Second, "2 min on the item", lastChangeIs(itemRowSel(1), "item", "Alice \u00b7 2 min"))
}
