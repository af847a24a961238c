package public_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/skip2/go-qrcode"

	"livedash/app"
	"livedash/app/apptest"
	"livedash/handlers"
	"livedash/models"
)

// linkLine is a share link printed at start: its role and key.
var linkLine = regexp.MustCompile(`(?m)^(view|edit|admin) link: http://\S+/\?key=([A-Za-z0-9_-]+)$`)

func startWithKeys(t *testing.T) (*apptest.Server, map[string]string) {
	t.Helper()
	srv := apptest.MustStartServer(t, "--access", "keys")
	keys := map[string]string{}
	for _, m := range srv.WaitOutput(linkLine, 3) {
		keys[m[1]] = m[2]
	}
	return srv, keys
}

// hidden is a page expression: no element matching sel is displayed.
func hidden(sel string) string {
	return fmt.Sprintf(`[...document.querySelectorAll(%s)].every((el) => el.offsetParent === null)`, jsString(sel))
}

// stateWith reads the server's state with key.
func stateWith(t *testing.T, srv *apptest.Server, key string) models.State {
	t.Helper()
	var st models.State
	status, raw := srv.Do(t, http.MethodGet, "/api/state", nil, http.Header{"Authorization": {"Bearer " + key}})
	if status != http.StatusOK || json.Unmarshal(raw, &st) != nil {
		t.Fatalf("GET /api/state: %d %s", status, raw)
	}
	return st
}

// TestBrowserShareLinks: the printed view link shows the live board with
// no editing controls and a "view only" mark, and the key leaves the
// address bar but stays in the browser; the edit link changes a score, and
// the viewer sees it; "Who is here" shows each role. When the view key is
// rotated, the viewer gets a clear message, not a reconnect loop; a wrong
// key gets it from the start.
func TestBrowserShareLinks(t *testing.T) {
	srv, keys := startWithKeys(t)
	viewer := openFirstVisit(t, srv, "viewer", withQuery("key="+keys["view"]))
	viewer.waitLive(defaultWait)
	if got := eval[string](viewer, `location.href`); got != srv.URL+"/" {
		t.Fatalf("the address bar shows %s; want the key gone", got)
	}
	if got := eval[string](viewer, `localStorage.getItem('livedash.key')`); got != keys["view"] {
		t.Fatalf("kept key %q, want the view key", got)
	}
	viewer.waitFor("the view only mark", `document.querySelector('[data-testid="view-only"]').offsetParent !== null`)
	viewer.waitFor("score rows", `document.querySelectorAll('[data-testid="score-row"]').length > 0`)
	for _, sel := range []string{"form", `[data-testid^="score-inc"]`, `[data-testid="score-delete"]`, `[data-testid="score-rename"]`,
		`[data-testid="item-delete"]`, `[data-testid="reset-button"]`, `[data-testid="activity-undo"]`, "input"} {
		if !eval[bool](viewer, hidden(sel)) {
			t.Fatalf("the viewer sees %s\n%s", sel, viewer.debug())
		}
	}

	editor := openFirstVisit(t, srv, "editor", withQuery("key="+keys["edit"]))
	editor.waitLive(defaultWait)
	if !eval[bool](editor, hidden(`[data-testid="reset-button"]`)) || eval[bool](editor, hidden(`[data-testid^="score-inc"]`)) {
		t.Fatalf("the editor must see +1 and no reset\n%s", editor.debug())
	}
	before, _ := scoreOf(stateWith(t, srv, keys["admin"]).Scores, "Alice")
	editor.waitStill()
	editor.click(scoreRowSel("Alice") + " " + tid("score-inc-1"))
	viewer.waitFor("Alice's +1 on the viewer's board", fmt.Sprintf(
		`window.livedash.state.scores.get(%d).points === %d`, before.ID, before.Points+1))
	if after, _ := scoreOf(stateWith(t, srv, keys["admin"]).Scores, "Alice"); after.Points != before.Points+1 {
		t.Fatalf("the server has Alice at %d, want %d", after.Points, before.Points+1)
	}
	viewer.waitFor("roles in Who is here", `(() => {
		const roles = [...document.querySelectorAll('[data-testid="person-role"]')].map((e) => e.textContent).sort();
		return roles.join(',') === 'edit,view';
	})()`)

	// Rotation: the viewer is told, stops, and forgets the key.
	var out bytes.Buffer
	if err := app.Run(apptest.Ctx(t), []string{"keys", "--db", srv.DBPath, "--rotate", "view"}, func(string) string { return "" }, &out); err != nil {
		t.Fatalf("livedash keys --rotate view: %v", err)
	}
	viewer.waitFor("the message for a replaced link", `document.querySelector('[data-testid="access-denied"]').offsetParent !== null &&
		/replaced/.test(document.querySelector('[data-testid="access-denied"]').textContent)`)
	if got := eval[string](viewer, `window.livedash.client.connection + ' ' + localStorage.getItem('livedash.key')`); got != "closed null" {
		t.Fatalf("after the rotation the viewer's client is %q; want closed, with the key forgotten", got)
	}
	editor.waitLive(defaultWait)

	stranger := openFirstVisit(t, srv, "stranger", withQuery("key=not-a-key-of-this-server"))
	stranger.waitFor("the message for a wrong link", `document.querySelector('[data-testid="access-denied"]').offsetParent !== null`)
	if status, _ := srv.Do(t, http.MethodGet, "/healthz", nil, nil); status != http.StatusOK {
		t.Fatalf("healthz: %d", status)
	}
}

// TestBrowserShareDialog: the admin's Share dialog shows the view and edit
// links the server printed, and a QR code that is the QR library's own
// encoding of the view link; an editor has no Share button.
func TestBrowserShareDialog(t *testing.T) {
	srv, keys := startWithKeys(t)
	editor := openFirstVisit(t, srv, "editor", withQuery("key="+keys["edit"]))
	editor.waitLive(defaultWait)
	if !eval[bool](editor, hidden(`[data-testid="share-button"]`)) {
		t.Fatal("an editor sees the Share button")
	}
	admin := openFirstVisit(t, srv, "admin", withQuery("key="+keys["admin"]))
	admin.waitLive(defaultWait)
	admin.click(tid("share-button"))
	admin.waitFor("the Share dialog with its QR code", `(() => {
		const qr = document.querySelector('[data-testid="share-qr"]');
		return document.querySelector('[data-testid="share-dialog"]').open && !!qr && qr.complete && qr.naturalWidth > 0;
	})()`)
	view := srv.URL + "/?key=" + keys["view"]
	edit := srv.URL + "/?key=" + keys["edit"]
	if got := eval[string](admin, `document.querySelector('[data-testid="share-view"]').value`); got != view {
		t.Fatalf("view link %q, want %q", got, view)
	}
	if got := eval[string](admin, `document.querySelector('[data-testid="share-edit"]').value`); got != edit {
		t.Fatalf("edit link %q, want %q", got, edit)
	}
	src := eval[string](admin, `document.querySelector('[data-testid="share-qr"]').src`)
	png, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(src, "data:image/png;base64,"))
	if err != nil {
		t.Fatalf("the QR code is not a PNG data URL: %.60s", src)
	}
	want, err := qrcode.Encode(view, qrcode.Medium, handlers.ShareQRSize)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(png, want) {
		t.Fatal("the QR code is not the encoding of the view link")
	}
	admin.click(tid("share-close"))
	admin.waitFor("the dialog closed", `!document.querySelector('[data-testid="share-dialog"]').open`)
}

// TestBrowserTokenExpires: in jwt mode, when the token expires the page
// says so and links to the sign-in page (--login-url), instead of
// reconnecting.
func TestBrowserTokenExpires(t *testing.T) {
	const secret = "a shared secret of more than thirty-two bytes"
	srv := apptest.MustStartServer(t, "--access", "jwt", "--jwt-secret", secret, "--login-url", "https://sso.example.org/livedash")
	needBrowser(t) // started first: the token's few seconds are for the page
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"sub": "alice", "name": "Alice", "role": "edit", "exp": time.Now().Add(8 * time.Second).Unix(),
	}).SignedString([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	w := openFirstVisit(t, srv, "signed in", withQuery("key="+tok))
	w.waitLive(defaultWait)
	if got := eval[string](w, `window.livedash.client.welcome.name + ' ' + window.livedash.client.welcome.role`); got != "Alice edit" {
		t.Fatalf("welcomed as %q, want the token's name and role", got)
	}
	w.waitFor("the sign-in message", `document.querySelector('[data-testid="access-denied"]').offsetParent !== null &&
		/expired/.test(document.querySelector('[data-testid="access-denied"]').textContent) &&
		document.querySelector('[data-testid="access-login"]').href === 'https://sso.example.org/livedash'`)
	if got := eval[string](w, `window.livedash.client.connection`); got != "closed" {
		t.Fatalf("after expiry the client is %s, want closed", got)
	}
}
