package public_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"livedash/app/apptest"
)

// When Alice opens a row's editor, Bob sees "Alice is editing…" on that
// row; it goes away when she closes the editor or her page goes.
func TestBrowserShowsWhoIsEditing(t *testing.T) {
	needBrowser(t)
	srv := apptest.MustStartServer(t)
	a := openWindow(t, srv, "Alice")
	b := openWindow(t, srv, "Bob")
	const id = 2
	mark := itemRowSel(id) + " " + tid("item-editing")
	shown := func(text string) string {
		return fmt.Sprintf(`(() => { const m = document.querySelector(%s); return !!m && !m.hidden && m.querySelector('.editing-text').textContent === %s; })()`, jsString(mark), jsString(text))
	}
	gone := fmt.Sprintf(`(() => { const m = document.querySelector(%s); return !m || m.hidden; })()`, jsString(mark))

	a.click(itemRowSel(id) + " " + tid("item-name"))
	a.waitEditor("item-name-input")
	opened := time.Now()
	b.waitFor("Alice is editing on the row", shown("Alice is editing…"))
	t.Logf("Bob saw Alice editing %v after her editor opened", time.Since(opened).Round(time.Millisecond))
	if eval[bool](a, fmt.Sprintf(`!!document.querySelector(%s) && !document.querySelector(%s).hidden`, jsString(mark), jsString(mark))) {
		t.Fatal("Alice's own page says someone is editing her row")
	}

	a.keys(kb.Escape)
	b.waitFor("the mark gone once Alice closed her editor", gone)

	a.waitStill()
	a.click(scoreRowSel("Bob") + " " + tid("score-rename"))
	a.waitEditor("score-rename-input")
	b.waitFor("Alice is renaming Bob's score", fmt.Sprintf(`(() => {
		const m = document.querySelector(%s);
		return !!m && !m.hidden && m.querySelector('.editing-text').textContent === 'Alice is editing…';
	})()`, jsString(scoreRowSel("Bob")+" "+tid("score-editing"))))

	a.click(itemRowSel(id) + " " + tid("item-description"))
	a.waitEditor("item-description-input")
	b.waitFor("Alice editing the item again", shown("Alice is editing…"))
	// Alice closes her tab: the connection goes, and with it her editing.
	if err := chromedp.Cancel(a.ctx); err != nil {
		t.Fatalf("close Alice's tab: %v", err)
	}
	b.waitFor("the mark gone once Alice left", gone)
}
