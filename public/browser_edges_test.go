package public_test

// Browser tests of the page's rough edges: long names on a phone, the
// first visit, the wording of the feed, avatars, alignment, conflict
// actions, client ids and public ids (contract 1.1).

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"livedash/app/apptest"
	"livedash/models"
)

// A 35-character name without a place to break it.
const longName = "maximilian.vandenberghe@example.com"

// 11. Every text holding a user's name wraps or truncates on a phone: the
// page never scrolls sideways, and no such text pokes out of the screen.
func TestBrowserLongNamesOnPhone(t *testing.T) {
	needBrowser(t)
	srv := apptest.MustStartServer(t)
	srv.MustJSON(t, http.MethodPost, "/api/scores", map[string]any{"player": longName, "points": 1000}, http.StatusCreated, nil)
	srv.MustJSON(t, http.MethodPost, "/api/items", map[string]any{"name": longName, "description": longName}, http.StatusCreated, nil)
	a := openWindow(t, srv, longName)
	srv.Dial(t, "name="+longName+"&client=long-name-script-0001") // a second chip with the name

	// A conflict note quoting a long unbroken text, and a feed entry by the
	// long-named person.
	a.waitStill()
	a.click(scoreRowSel("Alice") + " " + tid("score-inc-1"))
	a.click(itemRowSel(1) + " " + tid("item-name"))
	a.waitEditor("item-name-input")
	srv.MustJSON(t, http.MethodPatch, "/api/items/1", map[string]any{"name": "Beamer"}, http.StatusOK, nil)
	a.waitFor("the other change", `window.livedash.state.items.get(1).name === 'Beamer'`)
	a.keys(longName + longName)
	a.enter()
	a.waitFor("the conflict note", fmt.Sprintf(`!document.querySelector(%s).hidden`, jsString(itemRowSel(1)+" "+tid("item-conflict"))))
	a.waitFor("the leader in the meta line", fmt.Sprintf(`document.getElementById('scores-meta').textContent.includes(%s)`, jsString(longName)))
	a.waitFor("both chips", `document.querySelectorAll('#presence-list .person').length === 2`)

	for _, width := range []int64{390, 320, 1024, 1900} {
		if width < 720 {
			a.phone(width)
		} else {
			a.do("resize", chromedp.EmulateViewport(width, viewportH))
		}
		checkNamesFit(t, a, width, longName)
	}
}

// checkNamesFit fails the test when the page scrolls sideways or a text
// holding name pokes out of the screen or out of its own box.
func checkNamesFit(t *testing.T, w *window, width int64, name string) {
	t.Helper()
	type report struct {
		ScrollWidth int      `json:"scrollWidth"`
		ClientWidth int      `json:"clientWidth"`
		Out         []string `json:"out"`
	}
	r := eval[report](w, fmt.Sprintf(`(() => {
		const name = %s, de = document.documentElement;
		const out = [];
		for (const el of document.body.querySelectorAll('*')) {
			const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.data.includes(name.slice(0, 20)));
			if (!own) continue;
			const r = el.getBoundingClientRect();
			if (r.width === 0 && r.height === 0) continue;
			if (r.left < -0.5 || r.right > de.clientWidth + 0.5 || el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).textOverflow !== 'ellipsis') {
				out.push(el.tagName + '.' + el.className + ' ' + Math.round(r.left) + '..' + Math.round(r.right) + ' scroll ' + el.scrollWidth + '/' + el.clientWidth);
			}
		}
		return { scrollWidth: de.scrollWidth, clientWidth: de.clientWidth, out };
	})()`, jsString(name)))
	if r.ScrollWidth > r.ClientWidth {
		t.Errorf("%d px: the page is %d px wide in a %d px screen: it scrolls sideways", width, r.ScrollWidth, r.ClientWidth)
	}
	for _, o := range r.Out {
		t.Errorf("%d px: a text holding the name does not fit: %s", width, o)
	}
}

// 12. A first visitor sees the live state at once, under a generated guest
// name, with no dialog in the way; the name can be changed later.
func TestBrowserFirstVisit(t *testing.T) {
	needBrowser(t)
	srv := apptest.MustStartServer(t)
	b := openWindow(t, srv, "Bob")
	a := openFirstVisit(t, srv, "first visitor")
	a.waitLive(defaultWait)
	a.waitFor("the demo data and two dashboards", `document.querySelectorAll('[data-testid="score-row"]').length === 6 &&
		document.querySelectorAll('[data-testid="item-row"]').length === 5 &&
		document.querySelector('[data-testid="presence-count"]').textContent === '2'`)
	type first struct {
		Dialogs []string `json:"dialogs"`
		Shown   string   `json:"shown"`
		Stored  string   `json:"stored"`
	}
	f := eval[first](a, `({
		dialogs: [...document.querySelectorAll('dialog[open]')].map((d) => d.id),
		shown: document.getElementById('me-name').textContent,
		stored: localStorage.getItem('livedash.name'),
	})`)
	if len(f.Dialogs) > 0 {
		t.Errorf("dialogs open on the first visit: %v", f.Dialogs)
	}
	if !regexp.MustCompile(`^Guest \d{4}$`).MatchString(f.Shown) || f.Stored != f.Shown {
		t.Errorf("first visit: shown name %q, stored %q; want the same generated \"Guest NNNN\"", f.Shown, f.Stored)
	}
	b.waitFor("the guest in presence", fmt.Sprintf(`[...document.querySelectorAll('#presence-list .person-name')].some((e) => e.textContent === %s)`, jsString(f.Shown)))

	// The guest picks a name.
	a.click("#me-button")
	a.waitFor("the name dialog", `document.getElementById('name-dialog').open`)
	a.waitEditor("name-input")
	a.keys("Zoe")
	a.click(tid("name-submit"))
	a.waitFor("the new name", `document.getElementById('me-name').textContent === 'Zoe' && localStorage.getItem('livedash.name') === 'Zoe'`)
	b.waitFor("Zoe in presence", `[...document.querySelectorAll('#presence-list .person-name')].some((e) => e.textContent === 'Zoe')`)
	a.waitLive(defaultWait)
}

// 13a. The demo data of a new database, and any reset nobody claims, say
// what happened rather than "livedash reset the demo".
func TestBrowserDemoDataLoaded(t *testing.T) {
	needBrowser(t)
	srv := apptest.MustStartServer(t)
	a := openWindow(t, srv, "Alice")
	srv.MustJSON(t, http.MethodPost, "/api/reset", map[string]any{}, http.StatusOK, nil) // a script: no actor
	a.waitFor("two reset entries", `document.querySelectorAll('.activity-entry.kind-reset').length === 2`)
	texts := eval[[]string](a, `[...document.querySelectorAll('.activity-entry.kind-reset .activity-text')].map((e) => e.textContent)`)
	for _, s := range texts {
		if s != "Demo data loaded" {
			t.Errorf("reset entry %q, want \"Demo data loaded\"", s)
		}
	}

	// A person's reset still names them: "You" to themselves, their name
	// to the others.
	b := openWindow(t, srv, "Bob")
	a.click(tid("reset-button"))
	a.click(tid("confirm-yes"))
	a.waitFor("Alice's reset", `[...document.querySelectorAll('.activity-entry.kind-reset .activity-text')].some((e) => e.textContent === 'You reset the demo')`)
	b.waitFor("Alice's reset", `[...document.querySelectorAll('.activity-entry.kind-reset .activity-text')].some((e) => e.textContent === 'Alice reset the demo')`)
}

// 13b. Avatar initials are letters: "Crowd 017" is "C", not "C0".
func TestBrowserAvatarInitials(t *testing.T) {
	needBrowser(t)
	srv := apptest.MustStartServer(t)
	srv.Dial(t, "name=Crowd%20017&client=crowd-017-aaaaaaaaaa")
	srv.Dial(t, "name=Ada%20Lovelace&client=ada-lovelace-aaaaaaaa")
	a := openWindow(t, srv, "Alice")
	a.waitFor("three chips", `document.querySelectorAll('#presence-list .person').length === 3`)
	got := eval[map[string]string](a, `Object.fromEntries([...document.querySelectorAll('#presence-list .person')].map((p) =>
		[p.querySelector('.person-name').textContent, p.querySelector('.avatar').textContent]))`)
	want := map[string]string{"Crowd 017": "C", "Ada Lovelace": "AL", "Alice": "A"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("avatar initials %v, want %v", got, want)
	}
}

// 13c. The "#N" of an item row sits on the name's baseline.
func TestBrowserItemIDAligned(t *testing.T) {
	needBrowser(t)
	srv := apptest.MustStartServer(t)
	a := openWindow(t, srv, "Alice")
	a.waitFor("the items", `!!document.querySelector('[data-testid="item-row"]')`)
	// An empty inline-block sits on the baseline of its line.
	diff := eval[float64](a, `(() => {
		const row = document.querySelector('[data-testid="item-row"]');
		const base = (el) => {
			const m = document.createElement('span');
			m.style.display = 'inline-block';
			el.append(m);
			const y = m.getBoundingClientRect().bottom;
			m.remove();
			return y;
		};
		return base(row.querySelector('.col-id')) - base(row.querySelector('[data-testid="item-name"]'));
	})()`)
	if diff < -0.5 || diff > 0.5 {
		t.Errorf("the item id's baseline is %.1f px off the name's", diff)
	}
}

// 13d. A conflict note offers the lost text back: "Use mine" saves it over
// the other change, "Copy" puts it on the clipboard.
func TestBrowserConflictActions(t *testing.T) {
	needBrowser(t)
	srv := apptest.MustStartServer(t)
	a := openWindow(t, srv, "Alice")
	const id = 3 // "Conference phone", version 1
	conflict := itemRowSel(id) + " " + tid("item-conflict")
	makeConflict := func(mine, theirs string) {
		t.Helper()
		a.click(itemRowSel(id) + " " + tid("item-name"))
		a.waitEditor("item-name-input")
		srv.MustJSON(t, http.MethodPatch, fmt.Sprintf("/api/items/%d", id), map[string]any{"name": theirs}, http.StatusOK, nil)
		a.waitFor("the other change", fmt.Sprintf(`window.livedash.state.items.get(%d).name === %s`, id, jsString(theirs)))
		a.keys(mine)
		a.enter()
		a.waitFor("the conflict note", fmt.Sprintf(`!document.querySelector(%s).hidden`, jsString(conflict)))
	}

	makeConflict("Phone (Alice)", "Phone (script)")
	a.click(itemRowSel(id) + " " + tid("item-conflict-use-mine"))
	st := waitServer(t, srv, "Alice's name saved", func(st models.State) bool {
		it, _ := itemOf(st.Items, id)
		return it.Name == "Phone (Alice)"
	})
	if it, _ := itemOf(st.Items, id); it.Version != 3 { // 1, the script's 2, ours 3
		t.Errorf("after Use mine: %+v, want version 3", it)
	}
	a.waitFor("the note gone", fmt.Sprintf(`document.querySelector(%s).hidden`, jsString(conflict)))
	a.waitFor("every event", seqReached(st.Seq))
	checkMatchesServer(t, a, st)

	makeConflict("Phone (copied)", "Phone (script again)")
	for _, perm := range []string{"clipboard-read", "clipboard-write"} {
		_, err := chromedp.CallBrowser(a.ctx, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
			Permission:       &cdpbrowser.PermissionDescriptor{Name: perm},
			Setting:          cdpbrowser.PermissionSettingGranted,
			Origin:           strings.TrimSuffix(a.url, "/"),
			BrowserContextID: chromedp.FromContext(a.ctx).BrowserContextID,
		})
		if err != nil {
			t.Fatalf("grant %s: %v", perm, err)
		}
	}
	a.click(itemRowSel(id) + " " + tid("item-conflict-copy"))
	clip, err := chromedp.Run(a.ctx, chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise))
	if err != nil || clip != "Phone (copied)" {
		t.Errorf("clipboard after Copy: %q (%v), want the lost text", clip, err)
	}
}

// Contract 1.1 #1: client ids are at least 16 random characters; a stored
// one that is shorter is replaced, a good one is kept.
func TestBrowserClientID(t *testing.T) {
	needBrowser(t)
	srv := apptest.MustStartServer(t)
	good := regexp.MustCompile(`^[A-Za-z0-9_-]{16,64}$`)

	fresh := openWindow(t, srv, "Fresh")
	first := eval[string](fresh, `localStorage.getItem('livedash.client')`)
	if !good.MatchString(first) || eval[string](fresh, `window.livedash.client.clientId`) != first {
		t.Errorf("new client id %q", first)
	}

	short := openWindow(t, srv, "Short", withStorage("livedash.client", "abc123"))
	if got := eval[string](short, `window.livedash.client.clientId`); got == "abc123" || !good.MatchString(got) {
		t.Errorf("a stored 6-character id was kept or badly replaced: %q", got)
	}

	const kept = "kept_client-id-0123456789"
	k := openWindow(t, srv, "Kept", withStorage("livedash.client", kept))
	if got := eval[string](k, `window.livedash.client.clientId`); got != kept {
		t.Errorf("a good stored id was replaced by %q", got)
	}
}

// Contract 1.1 #1: the page marks "you" by the welcome's data.id and keys
// people by their public id.
func TestBrowserPublicIDs(t *testing.T) {
	needBrowser(t)
	for _, tc := range []struct {
		name string
		opts []windowOption
	}{
		{"public ids", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := apptest.MustStartServer(t)
			a := openWindow(t, srv, "Alice", tc.opts...)
			b := openWindow(t, srv, "Bob", tc.opts...)
			openWindow(t, srv, "Bob", append(tc.opts, withStorage("livedash.client", eval[string](b, `localStorage.getItem('livedash.client')`)))...)
			a.waitFor("Alice and Bob, three dashboards", `document.querySelectorAll('#presence-list .person').length === 2 &&
				document.querySelector('[data-testid="presence-count"]').textContent === '3'`)
			type chip struct {
				Name string `json:"name"`
				You  bool   `json:"you"`
				N    string `json:"n"`
			}
			chips := eval[[]chip](a, `[...document.querySelectorAll('#presence-list .person')].map((p) => ({
				name: p.querySelector('.person-name').textContent,
				you: !!p.querySelector('.person-tag'),
				n: (p.querySelector('.person-count') || {}).textContent || '',
			}))`)
			// Presence lists each public id once: Bob's two tabs are one
			// person, and only the count says three dashboards are open.
			if want := "[{Alice true } {Bob false }]"; fmt.Sprint(chips) != want {
				t.Errorf("Alice's presence list %v, want %s", chips, want)
			}

			// Alice's own increment is hers in the feed ("You"), Bob's is
			// not; Bob's feed names her.
			a.waitStill()
			a.click(scoreRowSel("Frank") + " " + tid("score-inc-1"))
			b.waitStill()
			b.click(scoreRowSel("Erin") + " " + tid("score-inc-1"))
			a.waitFor("both increments", playerShows("Frank", 8, 0)+" && "+playerShows("Erin", 15, 0))
			mine := eval[[]string](a, `[...document.querySelectorAll('.activity-entry.mine .activity-text')].map((e) => e.textContent)`)
			if want := []string{"You added 1 point to Frank"}; fmt.Sprint(mine) != fmt.Sprint(want) {
				t.Errorf("Alice's own entries %q, want %q", mine, want)
			}
			b.waitFor("Alice named in Bob's feed", `[...document.querySelectorAll('.activity-entry:not(.mine) .activity-text')].some((e) => e.textContent === 'Alice added 1 point to Frank')`)
			st := srv.State(t)
			a.waitFor("every event", seqReached(st.Seq))
			checkMatchesServer(t, a, st)
		})
	}
}
