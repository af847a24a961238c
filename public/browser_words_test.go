package public_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"

	"livedash/app/apptest"
)

// withModule imports the page module at path in w and returns what fn (a
// JavaScript function of the module) returns for it.
func withModule[T any](w *window, path, fn string) T {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(w.ctx, defaultWait)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](fmt.Sprintf(`(async () => (%s)(await import(%s)))()`, fn, jsString(path)), chromedp.EvalAwaitPromise))
	if err != nil {
		w.t.Fatalf("%s: %s: %v", w.name, path, err)
	}
	return v
}

// The name rule is the server's: a name that only Unicode case folding
// makes equal to a player's ("STRASSE" and "Straße"; toLowerCase gives
// "strasse") is refused by the server, and the page shows the server's
// conflict message, keeps what was typed selected, and adds no one.
func TestBrowserPlayerNameTaken(t *testing.T) {
	needBrowser(t)
	srv := apptest.MustStartServer(t)
	srv.MustJSON(t, http.MethodPost, "/api/scores", map[string]any{"player": "Straße"}, http.StatusCreated, nil)
	before := srv.State(t)
	a := openWindow(t, srv, "Alice")
	a.waitFor("Straße", seqReached(before.Seq))

	a.typeInto(tid("add-player-name"), "STRASSE")
	a.click(tid("add-player-submit"))
	a.waitFor("the server's conflict message", `[...document.querySelectorAll('[data-testid="player-taken"]')].some((e) =>
		e.textContent.includes('Could not add STRASSE: a player named "STRASSE", or a name that looks the same, exists already'))`)
	a.waitFor("the name kept, selected", `(() => {
		const i = document.querySelector('[data-testid="add-player-name"]');
		return i.value === 'STRASSE' && i.selectionStart === 0 && i.selectionEnd === 7;
	})()`)

	st := srv.State(t)
	if st.Seq != before.Seq || len(st.Scores) != len(before.Scores) {
		t.Errorf("after the refused name: seq %d with %d players, want seq %d with %d", st.Seq, len(st.Scores), before.Seq, len(before.Scores))
	}
	checkMatchesServer(t, a, st)
}

// One rule names whoever made a change, in the feed, the history drawer
// and the toasts (words.js).
func TestBrowserActorName(t *testing.T) {
	needBrowser(t)
	srv := apptest.MustStartServer(t)
	a := openWindow(t, srv, "Alice")
	cases := []struct {
		name  string
		actor string // JSON, or undefined
		want  string
	}{
		{"ourselves", `{"id": "p-me", "name": "Alice"}`, "You"},
		{"ourselves without a name", `{"id": "p-me"}`, "You"},
		{"someone else", `{"id": "p-other", "name": "Bob"}`, "Bob"},
		{"a person without a name", `{"id": "p-other"}`, "Someone"},
		{"a script that gave a name", `{"name": "cron"}`, "cron"},
		{"no actor: the server itself", `undefined`, "A script"},
	}
	actors := "["
	for _, tc := range cases {
		actors += tc.actor + ","
	}
	got := withModule[[]string](a, "/js/words.js", `(m) => `+actors+`].map((actor) => m.actorName(actor, 'p-me'))`)
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got[i] != tc.want {
				t.Errorf("actorName(%s) = %q, want %q", tc.actor, got[i], tc.want)
			}
		})
	}
}

// The badge words the client's status (one vocabulary, client.js) as one
// of its four looks.
func TestBrowserBadgeWords(t *testing.T) {
	needBrowser(t)
	srv := apptest.MustStartServer(t)
	a := openWindow(t, srv, "Alice")
	type badge struct {
		State string `json:"state"`
		Label string `json:"label"`
		Retry bool   `json:"retry"`
	}
	cases := []struct {
		name   string
		status string // JSON; now is 1000000
		queued int
		want   badge
	}{
		{"first attempt", `{"state": "loading"}`, 0, badge{"connecting", "connecting\u2026", false}},
		{"a later attempt", `{"state": "opening", "reconnect": true}`, 0, badge{"reconnecting", "reconnecting\u2026", false}},
		{"an attempt without network", `{"state": "opening", "reconnect": true, "offline": true}`, 0, badge{"offline", "offline", true}},
		{"live", `{"state": "live", "reconnect": true}`, 0, badge{"live", "live", false}},
		{"resyncing is still live", `{"state": "resyncing"}`, 3, badge{"live", "live", false}},
		{"waiting", `{"state": "waiting", "nextRetryAt": 1003500}`, 0, badge{"reconnecting", "reconnecting in 4 s", true}},
		{"waiting, retry due", `{"state": "waiting", "nextRetryAt": 999000}`, 0, badge{"reconnecting", "reconnecting\u2026", true}},
		{"waiting offline", `{"state": "waiting", "offline": true, "nextRetryAt": 1010000}`, 2, badge{"offline", "offline \u00b7 retry in 10 s \u00b7 2 queued", true}},
		{"queued while reconnecting", `{"state": "waiting"}`, 1, badge{"reconnecting", "reconnecting\u2026 \u00b7 1 queued", true}},
		{"closed", `{"state": "closed", "offline": true}`, 0, badge{"offline", "offline", false}},
	}
	args := "["
	for _, tc := range cases {
		args += fmt.Sprintf("[%s, %d],", tc.status, tc.queued)
	}
	got := withModule[[]badge](a, "/js/badge.js", `(m) => `+args+`].map(([s, q]) => m.badgeOf(s, q, 1000000))`)
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got[i] != tc.want {
				t.Errorf("badgeOf(%s, %d) = %+v, want %+v", tc.status, tc.queued, got[i], tc.want)
			}
		})
	}
}

// Feed entries made before the welcome (the backfill runs on the first
// snapshot, before the socket is welcomed) cannot know our public id; the
// welcome words them again, so our own change says "You" and is marked ours.
func TestBrowserFeedNamesYouAfterWelcome(t *testing.T) {
	needBrowser(t)
	srv := apptest.MustStartServer(t)
	a := openWindow(t, srv, "Alice")
	type feed struct {
		Before []string `json:"before"`
		After  []string `json:"after"`
	}
	got := withModule[feed](a, "/js/activity.js", `async (m) => {
		const at = new Date().toISOString();
		const client = Object.assign(new EventTarget(), {
			me: null,
			name: 'Alice',
			state: { seq: 2 },
			rest: async () => ({ events: [
				{ type: 'score.updated', seq: 1, data: { id: 6, player: 'Frank', points: 8 }, delta: 1, actor: { id: 'p-me', name: 'Alice' }, at },
				{ type: 'score.updated', seq: 2, data: { id: 5, player: 'Erin', points: 15 }, delta: 1, actor: { id: 'p-bob', name: 'Bob' }, at },
			] }),
		});
		const list = document.createElement('ul');
		const view = new m.ActivityView(client, { list, empty: document.createElement('p'), onUndo: null });
		clearInterval(view.timer);
		const text = () => [...list.querySelectorAll('.activity-entry')].map((li) =>
			(li.classList.contains('mine') ? '(mine) ' : '') + li.querySelector('.activity-text').textContent);
		await view.backfill();
		const before = text();
		client.me = 'p-me';
		client.dispatchEvent(new CustomEvent('welcome', { detail: {} }));
		return { before, after: text() };
	}`)
	want := feed{
		Before: []string{"Bob added 1 point to Erin", "Alice added 1 point to Frank"},
		After:  []string{"Bob added 1 point to Erin", "(mine) You added 1 point to Frank"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("feed %+v, want %+v", got, want)
	}
}

// The feed and the history name a deleted record by name even when the page
// never saw it (the event's before says what it was), and an undo names no
// seq that reads like a record's number.
func TestBrowserWordsNameRecordsNotNumbers(t *testing.T) {
	needBrowser(t)
	srv := apptest.MustStartServer(t)
	a := openWindow(t, srv, "Alice")
	got := withModule[[]string](a, "/js/words.js", `async (m) => {
		const text = (s) => s.parts.map((p) => (typeof p === 'string' ? p : p.t)).join('');
		const actor = { id: 'p-bob', name: 'Bob' };
		return [
			text(m.sentence({ type: 'score.deleted', seq: 9, data: { id: 6 }, before: { id: 6, player: 'Frank', points: 7 }, actor }, null, 'p-me')),
			text(m.sentence({ type: 'item.deleted', seq: 10, data: { id: 4 }, before: { id: 4, name: 'Coffee machine' }, actor }, null, 'p-me')),
			m.changeLines({ type: 'score.updated', seq: 11, data: { id: 2, player: 'Bob', points: 35 }, delta: -5, undo_of: 6, actor }).join('; '),
		];
	}`)
	want := []string{"Bob removed player Frank", "Bob deleted item Coffee machine", "undid an earlier change; \u22125 points (40 \u2192 35)"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("words %q, want %q", got, want)
	}
}
