package app_test

import (
	"testing"
	"time"

	"livedash/app/apptest"
	"livedash/models"
	"livedash/protocol"
)

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
