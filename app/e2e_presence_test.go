package app_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"livedash/app/apptest"
	"livedash/models"
	"livedash/protocol"
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

// What a person edits is presence: set with presence.set (acked with no
// seq), seen by the others on the person's entry, gone when they are done
// or disconnect. On a cluster it crosses instances.
func TestPresenceEditing(t *testing.T) {
	for _, tt := range []struct {
		name  string
		start func(t *testing.T) (a, b *apptest.Server)
	}{
		{"one instance", func(t *testing.T) (a, b *apptest.Server) {
			srv := apptest.MustStartServer(t)
			return srv, srv
		}},
		{"cluster", startCluster},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a, b := tt.start(t)
			alice := a.Dial(t, "name=Alice")
			bob := b.Dial(t, "name=Bob")
			var welcome protocol.Welcome
			mustDecode(t, alice.WaitType(protocol.TypeWelcome).Data, &welcome)
			item1 := protocol.Editing{Type: models.RecordItem, ID: 1}

			started := time.Now()
			ack := alice.MustAck(protocol.TypePresenceSet, map[string]any{"editing": item1})
			if ack.Seq != 0 || string(ack.Data) != "{}" {
				t.Fatalf("presence.set ack %s, want {} and no seq", ack.Raw)
			}
			waitEditing(t, bob, welcome.ID, &item1)
			t.Logf("Bob saw Alice editing after %v", time.Since(started))

			alice.MustAck(protocol.TypePresenceSet, map[string]any{"editing": nil})
			waitEditing(t, bob, welcome.ID, &protocol.Editing{})

			alice.MustAck(protocol.TypePresenceSet, map[string]any{"editing": item1})
			waitEditing(t, bob, welcome.ID, &item1)
			alice.Conn.Close()
			waitEditing(t, bob, welcome.ID, nil)
		})
	}
}

// A refused presence.set changes nothing: the others go on seeing what
// the person edited before.
func TestPresenceEditingRefused(t *testing.T) {
	srv := apptest.MustStartServer(t)
	alice := srv.Dial(t, "name=Alice")
	bob := srv.Dial(t, "name=Bob")
	var welcome protocol.Welcome
	mustDecode(t, alice.WaitType(protocol.TypeWelcome).Data, &welcome)
	score2 := protocol.Editing{Type: models.RecordScore, ID: 2}
	alice.MustAck(protocol.TypePresenceSet, map[string]any{"editing": score2})
	waitEditing(t, bob, welcome.ID, &score2)
	for _, data := range []any{
		map[string]any{"editing": map[string]any{"type": "user", "id": 2}},
		map[string]any{"editing": map[string]any{"type": "item", "id": -1}},
		map[string]any{},
	} {
		if f := alice.Request(protocol.TypePresenceSet, data); f.Type != protocol.TypeError {
			t.Fatalf("presence.set %v: want an error, got %s", data, f.Raw)
		}
	}
	// A ping answered after the refusals, then a round after a change of
	// Bob's own: still Alice editing score 2.
	alice.MustAck(protocol.TypePing, map[string]any{})
	bob.MustAck(protocol.TypePresenceSet, map[string]any{"editing": map[string]any{"type": "item", "id": 9}})
	waitEditing(t, bob, welcome.ID, &score2)
}

// waitEditing waits until c's latest presence frame lists the person with
// public id who editing *want, or, for a nil want, does not list them.
func waitEditing(tb testing.TB, c *apptest.Client, who string, want *protocol.Editing) {
	tb.Helper()
	for {
		frames := c.Frames()
		var latest *protocol.Presence
		for _, f := range frames {
			if f.Type == protocol.TypePresence {
				var p protocol.Presence
				mustDecode(tb, f.Data, &p)
				latest = &p
			}
		}
		if latest != nil && listsEditing(latest.Users, who, want) {
			return
		}
		c.WaitFrames(len(frames) + 1)
	}
}

// listsEditing says whether users list who editing *want, or, for a nil
// want, do not list who.
func listsEditing(users []protocol.User, who string, want *protocol.Editing) bool {
	for _, u := range users {
		if u.ID == who {
			return want != nil && u.Editing == *want
		}
	}
	return want == nil
}
