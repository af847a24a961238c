package ws

import (
	"livedash/ws/outbox"

	"livedash/protocol"

	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"livedash/internal/pgtest"
	"livedash/models"
	"livedash/store"
)

// rounds follows a roster's due calls, as the hub would.
type rounds struct {
	r   Roster
	due chan struct{}
	n   atomic.Int64 // due calls so far
}

func follow(r Roster) *rounds {
	f := &rounds{r: r, due: make(chan struct{}, 1)}
	r.Notify(func() {
		f.n.Add(1)
		select {
		case f.due <- struct{}{}:
		default:
		}
	})
	return f
}

// wait takes a round each time one is due until ok accepts it, or fails
// after a deadline.
func (f *rounds) wait(tb testing.TB, what string, ok func(count int, listed []protocol.User) bool) (int, []protocol.User) {
	tb.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	var count int
	var listed []protocol.User
	for {
		select {
		case <-f.due:
			if count, listed = f.r.Round(); ok(count, listed) {
				return count, listed
			}
		case <-deadline.C:
			tb.Fatalf("no round %s; the last had count %d and listed %v", what, count, listed)
		}
	}
}

func user(id, name string) protocol.User { return protocol.User{ID: id, Name: name} }

var (
	item3  = protocol.Editing{Type: models.RecordItem, ID: 3}
	item7  = protocol.Editing{Type: models.RecordItem, ID: 7}
	score1 = protocol.Editing{Type: models.RecordScore, ID: 1}
)

func withRole(u protocol.User, role protocol.Role) protocol.User {
	u.Role = role
	return u
}

func editing(u protocol.User, e protocol.Editing) protocol.User {
	u.Editing = e
	return u
}

// numbered makes n users whose names sort in the order of their numbers.
func numbered(prefix string, n int) []protocol.User {
	users := make([]protocol.User, n)
	for i := range users {
		users[i] = user(fmt.Sprintf("p-%s%03d", prefix, i), fmt.Sprintf("%s %03d", prefix, i))
	}
	return users
}

// rosters are the implementations every roster case runs on; the shared
// one shares nothing until Share runs, so it must behave as the local one.
var rosters = []struct {
	name string
	make func(delay time.Duration) Roster
}{
	{"local", func(delay time.Duration) Roster { return NewLocalRoster(delay) }},
	{"shared", func(delay time.Duration) Roster { return NewSharedRoster(delay, nil) }},
}

// sees checks what a round holds: the count and the listed users in order.
func sees(count int, listed ...protocol.User) func(int, []protocol.User) bool {
	return func(c int, l []protocol.User) bool { return c == count && slices.Equal(l, listed) }
}

func TestRoster(t *testing.T) {
	anna, anna2, bert := user("p-a", "Anna"), user("p-a2", "Anna"), user("p-b", "Bert")
	over := numbered("u", maxPresenceUsers+5)
	tests := []struct {
		name string
		run  func(r Roster)
		want func(int, []protocol.User) bool
	}{
		{"join", func(r Roster) { r.Join(anna) }, sees(1, anna)},
		{"leave", func(r Roster) {
			s := r.Join(anna)
			r.Join(bert)
			r.Leave(s)
		}, sees(1, bert)},
		{"same public id on two connections", func(r Roster) {
			r.Join(anna)
			r.Join(anna)
			r.Join(bert)
		}, sees(3, anna, bert)},
		{"one of two connections of a user leaves", func(r Roster) {
			s := r.Join(anna)
			r.Join(anna)
			r.Leave(s)
		}, sees(1, anna)},
		{"leaving twice counts once", func(r Roster) {
			s := r.Join(anna)
			r.Join(bert)
			r.Leave(s)
			r.Leave(s)
		}, sees(1, bert)},
		{"one public id under two names is listed under the first name", func(r Roster) {
			r.Join(user("p-a", "Zoe"))
			r.Join(anna)
		}, sees(2, anna)},
		{"when the first name's connection leaves, the next name is listed", func(r Roster) {
			r.Join(user("p-a", "Zoe"))
			s := r.Join(anna)
			r.Leave(s)
		}, sees(1, user("p-a", "Zoe"))},
		{"ordered by name, then id", func(r Roster) {
			r.Join(bert)
			r.Join(anna2)
			r.Join(anna)
		}, sees(3, anna, anna2, bert)},
		{"what a connection edits is listed", func(r Roster) {
			r.Edit(r.Join(anna), item3)
			r.Join(bert)
		}, sees(2, editing(anna, item3), bert)},
		{"editing done", func(r Roster) {
			s := r.Join(anna)
			r.Edit(s, item3)
			r.Edit(s, protocol.Editing{})
		}, sees(1, anna)},
		{"a person's record is listed over another connection's none", func(r Roster) {
			r.Join(anna)
			r.Edit(r.Join(anna), score1)
			r.Join(anna)
		}, sees(3, editing(anna, score1))},
		{"a person editing two records is listed with the first by type, then id", func(r Roster) {
			r.Edit(r.Join(anna), score1)
			r.Edit(r.Join(anna), item3)
			r.Edit(r.Join(anna), item7)
		}, sees(3, editing(anna, item3))},
		{"leaving ends editing", func(r Roster) {
			s := r.Join(anna)
			r.Edit(s, item3)
			r.Join(anna)
			r.Leave(s)
		}, sees(1, anna)},
		{"one person under two roles is listed with the first in name order", func(r Roster) {
			r.Join(withRole(anna, protocol.RoleView))
			r.Join(withRole(anna, protocol.RoleEdit))
		}, sees(2, withRole(anna, protocol.RoleEdit))},
		{"a seat that left edits nothing", func(r Roster) {
			s := r.Join(anna)
			r.Join(bert)
			r.Leave(s)
			r.Edit(s, item3)
		}, sees(1, bert)},
		{"over the cap the first by name are listed", func(r Roster) {
			for _, u := range slices.Backward(over) {
				r.Join(u)
			}
		}, sees(len(over), over[:maxPresenceUsers]...)},
	}
	for _, impl := range rosters {
		for _, tt := range tests {
			t.Run(impl.name+"/"+tt.name, func(t *testing.T) {
				f := follow(impl.make(time.Millisecond))
				tt.run(f.r)
				f.wait(t, "as wanted", tt.want)
			})
		}
	}
}

// Over the cap, the frame each connection gets still lists its own user,
// wherever it sorts.
func TestRosterCapKeepsOwnUser(t *testing.T) {
	for _, impl := range rosters {
		t.Run(impl.name, func(t *testing.T) {
			f := follow(impl.make(time.Millisecond))
			users := numbered("u", maxPresenceUsers+5)
			seats := make([]*Seat, len(users))
			for i, u := range users {
				seats[i] = f.r.Join(u)
			}
			count, listed := f.wait(t, "with everyone", func(c int, _ []protocol.User) bool { return c == len(users) })
			if len(listed) != maxPresenceUsers {
				t.Fatalf("listed %d users, want the cap %d", len(listed), maxPresenceUsers)
			}
			p := newPresenceFrames(count, listed)
			for _, s := range seats {
				got := decodePresence(t, p.frameFor(s.User()))
				if got.Count != len(users) || len(got.Users) != maxPresenceUsers {
					t.Fatalf("frame for %s: count %d with %d users, want %d with %d", s.User().ID, got.Count, len(got.Users), len(users), maxPresenceUsers)
				}
				if n := countUser(got.Users, s.User()); n != 1 {
					t.Fatalf("frame for %s lists it %d times", s.User().ID, n)
				}
			}
		})
	}
}

func decodePresence(tb testing.TB, f *outbox.Frame) protocol.Presence {
	tb.Helper()
	var env dataFrame[protocol.Presence]
	if err := json.Unmarshal(f.Payload(), &env); err != nil || env.Type != protocol.TypePresence {
		tb.Fatalf("not a presence frame: %v %s", err, f.Payload())
	}
	return env.Data
}

func countUser(users []protocol.User, u protocol.User) int {
	n := 0
	for _, x := range users {
		if x == u {
			n++
		}
	}
	return n
}

// A burst of changes is one round; the next change is the next round.
func TestRosterCoalesces(t *testing.T) {
	const delay = 100 * time.Millisecond
	for _, impl := range rosters {
		t.Run(impl.name, func(t *testing.T) {
			r := impl.make(delay)
			dues := make(chan time.Time, 64)
			r.Notify(func() { dues <- time.Now() })
			next := func() time.Time {
				t.Helper()
				select {
				case at := <-dues:
					return at
				case <-time.After(10 * time.Second):
					t.Fatal("no round was due")
					return time.Time{}
				}
			}
			users := numbered("u", 10)
			for _, u := range users {
				r.Join(u)
			}
			next()
			if count, _ := r.Round(); count != len(users) {
				t.Fatalf("the burst's round counts %d, want %d", count, len(users))
			}
			joined := time.Now()
			r.Join(user("p-z", "Zoe"))
			// Zoe's round is due a delay after she joined, no earlier: any
			// round due before that is one the burst should not have made.
			n := 1
			for at := next(); ; at = next() {
				n++
				if !at.Before(joined.Add(delay)) {
					break
				}
			}
			if count, _ := r.Round(); count != len(users)+1 {
				t.Fatalf("Zoe's round counts %d, want %d", count, len(users)+1)
			}
			if n != 2 {
				t.Fatalf("%d rounds were due, want 2: one for the burst, one for Zoe", n)
			}
		})
	}
}

// instance is one SharedRoster sharing through a store, as a server runs it.
type instance struct {
	*rounds
	roster *SharedRoster
	store  *store.Store
	stop   func() // stops sharing and waits until its share is dropped
}

// startInstance starts sharing; ttl is how long the others' silent shares
// count.
func startInstance(tb testing.TB, st *store.Store, ttl time.Duration) *instance {
	tb.Helper()
	r := NewSharedRoster(time.Millisecond, nil)
	r.tick, r.ttl = 10*time.Millisecond, ttl
	f := follow(r) // before sharing, as the hub does: no round is missed
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { r.Share(ctx, st) })
	var once sync.Once
	stop := func() { once.Do(func() { cancel(); wg.Wait() }) }
	tb.Cleanup(stop)
	return &instance{rounds: f, roster: r, store: st, stop: stop}
}

// sharingStores returns the stores of two instances: one SQLite store both
// share through (one process owns the file), or two on one PostgreSQL
// database.
func sharingStores(tb testing.TB, backend string) (a, b *store.Store) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "presence.db")
	if backend == "postgres" {
		path = pgtest.StartPostgres(tb)
	}
	open := func() *store.Store {
		st, err := store.Open(context.Background(), store.Options{Path: path, Synchronous: store.SyncNormal, Feed: NewHub(nil, nil)})
		if err != nil {
			tb.Fatalf("open store: %v", err)
		}
		tb.Cleanup(func() {
			if err := st.Close(); err != nil {
				tb.Errorf("close store: %v", err)
			}
		})
		return st
	}
	if backend == "sqlite" {
		st := open()
		return st, st
	}
	return open(), open()
}

func TestSharedRoster(t *testing.T) {
	anna, bert, dora := user("p-a", "Anna"), user("p-b", "Bert"), user("p-d", "Dora")
	tests := []struct {
		name string
		run  func(t *testing.T, sta, stb *store.Store)
	}{
		{"remote share added", func(t *testing.T, sta, stb *store.Store) {
			a, b := startInstance(t, sta, time.Hour), startInstance(t, stb, time.Hour)
			a.roster.Join(anna)
			b.roster.Join(bert)
			a.wait(t, "on A with Bert", sees(2, anna, bert))
			b.wait(t, "on B with Anna", sees(2, anna, bert))
		}},
		{"editing crosses instances", func(t *testing.T, sta, stb *store.Store) {
			a, b := startInstance(t, sta, time.Hour), startInstance(t, stb, time.Hour)
			s := a.roster.Join(anna)
			b.roster.Join(bert)
			b.wait(t, "on B with Anna", sees(2, anna, bert))
			a.roster.Edit(s, item3)
			b.wait(t, "on B with Anna editing", sees(2, editing(anna, item3), bert))
			a.roster.Edit(s, protocol.Editing{})
			b.wait(t, "on B with Anna done", sees(2, anna, bert))
		}},
		{"same public id on two instances is listed once", func(t *testing.T, sta, stb *store.Store) {
			a, b := startInstance(t, sta, time.Hour), startInstance(t, stb, time.Hour)
			a.roster.Join(anna)
			b.roster.Join(anna)
			b.roster.Join(bert)
			a.wait(t, "on A with both", sees(3, anna, bert))
		}},
		{"remote share expired", func(t *testing.T, sta, stb *store.Store) {
			// The store deletes shares silent for 6 ttls: with a second of
			// ttl, a drop-out within 4 s is the ttl's doing.
			const ttl, slack = time.Second, 3 * time.Second
			b := startInstance(t, stb, ttl)
			b.roster.Join(bert)
			// A dead instance: its share was written once and never again.
			dead, _ := json.Marshal([]protocol.User{dora})
			written := time.Now()
			if _, err := sta.SharePresence(context.Background(), store.PresenceShare{Instance: "dead", Count: 3, Users: dead}, ttl); err != nil {
				t.Fatal(err)
			}
			b.wait(t, "on B with the dead instance's Dora", sees(4, bert, dora))
			b.wait(t, "on B without the dead instance", sees(1, bert))
			if d := time.Since(written); d < ttl || d > ttl+slack {
				t.Fatalf("the dead instance dropped out after %v, want after its ttl of %v and within %v more", d, ttl, slack)
			}
		}},
		{"a stopped instance drops out at once", func(t *testing.T, sta, stb *store.Store) {
			a, b := startInstance(t, sta, time.Hour), startInstance(t, stb, time.Hour)
			a.roster.Join(anna)
			b.roster.Join(bert)
			b.wait(t, "on B with Anna", sees(2, anna, bert))
			a.stop()
			b.wait(t, "on B without Anna, long before her share's ttl", sees(1, bert))
		}},
		{"cap with own user kept across instances", func(t *testing.T, sta, stb *store.Store) {
			a, b := startInstance(t, sta, time.Hour), startInstance(t, stb, time.Hour)
			many := numbered("u", maxPresenceUsers)
			for _, u := range many {
				a.roster.Join(u)
			}
			zed := b.roster.Join(user("p-z", "zed")) // sorts after "u 000".."u 099"
			count, listed := b.wait(t, "on B with A's users", func(c int, _ []protocol.User) bool { return c == len(many)+1 })
			if !slices.Equal(listed, many) {
				t.Fatalf("B lists %d users, want A's %d first by name", len(listed), len(many))
			}
			got := decodePresence(t, newPresenceFrames(count, listed).frameFor(zed.User()))
			if got.Count != len(many)+1 || len(got.Users) != maxPresenceUsers || countUser(got.Users, zed.User()) != 1 {
				t.Fatalf("Zed's frame: count %d, %d users, Zed %d times", got.Count, len(got.Users), countUser(got.Users, zed.User()))
			}
		}},
	}
	for _, backend := range []string{"sqlite", "postgres"} {
		for _, tt := range tests {
			t.Run(backend+"/"+tt.name, func(t *testing.T) {
				sta, stb := sharingStores(t, backend)
				tt.run(t, sta, stb)
			})
		}
	}
}
