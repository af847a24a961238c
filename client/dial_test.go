package client_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"livedash/app/apptest"
	"livedash/client"
	"livedash/models"
	"livedash/protocol"
)

// Options the server would refuse at every handshake fail Dial at once.
func TestDialRejectsBadOptions(t *testing.T) {
	cases := map[string]client.Options{
		"long name":            {Name: strings.Repeat("n", 41)},
		"bad client id":        {ClientID: "not ok!"},
		"long client id":       {ClientID: strings.Repeat("c", 65)},
		"anonymous with an id": {Anonymous: true, ClientID: "abc"},
		"negative since":       {Since: -1, Epoch: "e"},
		"max delay below min":  {MinDelay: 2 * time.Second, MaxDelay: time.Second},
	}
	srv := apptest.MustStartServer(t)
	for name, opts := range cases {
		if c, err := client.Dial(apptest.Ctx(t), srv.URL, opts); err == nil {
			c.Close()
			t.Fatalf("%s: Dial succeeded", name)
		}
	}
	// A name of spaces is trimmed to none, which is allowed.
	c, err := client.Dial(apptest.Ctx(t), srv.URL, client.Options{Name: "  "})
	if err != nil {
		t.Fatalf("blank name: %v", err)
	}
	c.Close()
	for _, url := range []string{"ftp://127.0.0.1:1", "127.0.0.1:3000", "http://"} {
		if _, err := client.Dial(apptest.Ctx(t), url, client.Options{}); err == nil {
			t.Fatalf("Dial %q succeeded", url)
		}
	}
	requireNoClientGoroutines(t)
}

// A refused handshake is the server's *Error; nothing listening is a
// plain error; an ended context ends Dial. None leaves anything running.
func TestDialFailures(t *testing.T) {
	srv := apptest.MustStartServer(t)
	_, err := client.Dial(apptest.Ctx(t), srv.URL, client.Options{Header: http.Header{"Origin": {"https://evil.example"}}})
	if client.CodeOf(err) != protocol.CodeForbidden {
		t.Fatalf("foreign Origin: %v", err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	if _, err := client.Dial(apptest.Ctx(t), "http://"+addr, client.Options{}); err == nil || client.CodeOf(err) != "" {
		t.Fatalf("nothing listening: %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := client.Dial(ctx, srv.URL, client.Options{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled context: %v", err)
	}
	requireNoClientGoroutines(t)
}

// The welcome is exposed, presence arrives, and a base URL with a
// trailing slash works.
func TestWelcomeAndPresence(t *testing.T) {
	srv := apptest.MustStartServer(t)
	st := srv.State(t)
	a, rec := dial(t, srv.URL+"/", client.Options{Name: " Alice "})
	w := a.Welcome()
	if w.Seq != st.Seq || w.Epoch != st.Epoch || w.Name != "Alice" || w.Resumed {
		t.Fatalf("welcome %+v, state %d/%s", w, st.Seq, st.Epoch)
	}
	if a.ConnState() != client.Live || len(a.ClientID()) < 16 {
		t.Fatalf("state %s, client id %q", a.ConnState(), a.ClientID())
	}
	dial(t, srv.URL, client.Options{Name: "Bob"})
	rec.WaitFor("presence of Alice and Bob", func(evs []client.Event) bool {
		for _, ev := range evs {
			p, ok := ev.Presence()
			if !ok || p.Count != 2 {
				continue
			}
			var names []string
			for _, u := range p.Users {
				names = append(names, u.Name)
			}
			slices.Sort(names)
			if slices.Equal(names, []string{"Alice", "Bob"}) {
				return true
			}
		}
		return false
	})
}

// SetEditing shows on the client's own presence entry for everyone, and
// the zero Editing takes it away.
func TestSetEditing(t *testing.T) {
	srv := apptest.MustStartServer(t)
	a, _ := dial(t, srv.URL, client.Options{Name: "Alice"})
	_, rec := dial(t, srv.URL, client.Options{Name: "Bob"})
	ctx := apptest.Ctx(t)
	shows := func(want protocol.Editing) func([]client.Event) bool {
		return func(evs []client.Event) bool {
			for i := len(evs) - 1; i >= 0; i-- {
				if p, ok := evs[i].Presence(); ok {
					for _, u := range p.Users {
						if u.ID == a.Welcome().ID {
							return u.Editing == want
						}
					}
					return false
				}
			}
			return false
		}
	}
	score := protocol.Editing{Type: models.RecordScore, ID: 2}
	if err := a.SetEditing(ctx, score); err != nil {
		t.Fatal(err)
	}
	rec.WaitFor("Alice editing score 2", shows(score))
	if err := a.SetEditing(ctx, protocol.Editing{}); err != nil {
		t.Fatal(err)
	}
	rec.WaitFor("Alice editing nothing", shows(protocol.Editing{}))
	if err := a.SetEditing(ctx, protocol.Editing{Type: "user", ID: 1}); models.AsError(err).Code != models.CodeInvalid {
		t.Fatalf("editing a user: %v, want invalid", err)
	}
}

// A connection that stops bringing anything, pongs included, is taken for
// dead and replaced, and the stream resumes.
func TestDeadConnectionIsReplaced(t *testing.T) {
	srv := apptest.MustStartServer(t)
	px := newProxy(t, srv.Addr)
	opts := client.Options{}
	opts.KeepAlive = 40 * time.Millisecond // dead after 100ms of silence
	c, rec := dial(t, px.URL(), opts)
	px.hold() // silence, without closing anything
	w, _ := rec.WaitType(protocol.TypeWelcome, 2).Welcome()
	if !w.Resumed {
		t.Fatalf("welcome %+v, want resumed", w)
	}
	if _, seq, err := c.IncrementScore(apptest.Ctx(t), 1, 1); err != nil {
		t.Fatal(err)
	} else {
		rec.WaitSeq(seq)
	}
}
