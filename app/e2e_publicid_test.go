package app_test

import (
	"net/http"
	"strings"
	"testing"

	"livedash/app/apptest"
)

// A client id works like a secret: whoever knows it can act under it and
// collect its remembered outcomes. So nobody but its own connection may see
// it; everyone else sees the public id.
func TestClientIDIsNeverShownToOthers(t *testing.T) {
	srv := apptest.MustStartServer(t)
	const secret = "s3cretClientId0123456789"
	alice := srv.Dial(t, "name=Alice&client="+secret)
	bob := srv.Dial(t, "name=Bob&client=bob-client-id-000000")
	again := srv.Dial(t, "name=Alice&client="+secret) // a second tab

	var welcome struct{ Client, ID string }
	mustDecode(t, alice.WaitType("welcome").Data, &welcome)
	if welcome.Client != secret || !strings.HasPrefix(welcome.ID, "p-") || strings.Contains(welcome.ID, secret) {
		t.Fatalf("welcome client %q id %q: want the own client id and a public id", welcome.Client, welcome.ID)
	}
	var second struct{ ID string }
	mustDecode(t, again.WaitType("welcome").Data, &second)
	if second.ID != welcome.ID {
		t.Fatalf("the same client id got public ids %q and %q", welcome.ID, second.ID)
	}

	ack := alice.MustAck("score.increment", map[string]any{"id": 1, "by": 3})
	for _, ev := range bob.WaitSeq(ack.Seq) {
		if ev.Seq != ack.Seq {
			continue
		}
		if strings.Contains(string(ev.Raw), secret) {
			t.Fatalf("event shows the client id: %s", ev.Raw)
		}
		var actor struct {
			Actor struct{ ID, Name string } `json:"actor"`
		}
		mustDecode(t, ev.Raw, &actor)
		if actor.Actor.ID != welcome.ID || actor.Actor.Name != "Alice" {
			t.Fatalf("event actor %+v, want Alice's public id %q", actor.Actor, welcome.ID)
		}
	}
	p := waitPresence(t, bob, 3, 2)
	for _, f := range bob.Frames() {
		if strings.Contains(string(f.Raw), secret) {
			t.Fatalf("Bob received Alice's client id: %s", f.Raw)
		}
	}
	if ids := []string{p.Users[0].ID, p.Users[1].ID}; ids[0] != welcome.ID && ids[1] != welcome.ID {
		t.Fatalf("presence %+v does not list Alice's public id once", p)
	}
	_, body := srv.Do(t, http.MethodGet, "/api/events?since=0", nil, nil)
	if strings.Contains(string(body), secret) {
		t.Fatalf("GET /api/events shows the client id")
	}
}
