package store

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"livedash/models"
)

// presenceStores returns the stores two instances share presence through:
// one store on SQLite (one process owns the file), two on PostgreSQL.
func presenceStores(t *testing.T) (a, b *Store) {
	t.Helper()
	if backend == "postgres" {
		a, b, _, _ = twoInstances(t)
		return a, b
	}
	a, _ = MustOpenStore(t)
	return a, a
}

func mustShare(tb testing.TB, s *Store, instance string, count int, ttl time.Duration) []PresenceShare {
	tb.Helper()
	shares, err := s.SharePresence(context.Background(), PresenceShare{Instance: instance, Count: count, Users: []byte(`[]`)}, ttl)
	if err != nil {
		tb.Fatalf("share presence as %s: %v", instance, err)
	}
	return shares
}

func instances(shares []PresenceShare) []string {
	var out []string
	for _, sh := range shares {
		out = append(out, sh.Instance)
	}
	return out
}

// waitShares shares as instance until the others' shares it gets back are
// want, or fails after a deadline.
func waitShares(tb testing.TB, s *Store, instance string, ttl time.Duration, want ...string) {
	tb.Helper()
	start := time.Now()
	for {
		got := instances(mustShare(tb, s, instance, 1, ttl))
		if slices.Equal(got, want) {
			return
		}
		if time.Since(start) > 10*time.Second {
			tb.Fatalf("%s sees shares %v, want %v", instance, got, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestSharePresence(t *testing.T) {
	const long = time.Hour
	tests := []struct {
		name string
		run  func(t *testing.T, a, b *Store)
	}{
		{"each sees the other's share and not its own", func(t *testing.T, a, b *Store) {
			users := []byte(`[{"id":"p-x","name":"Anna"}]`)
			if _, err := a.SharePresence(context.Background(), PresenceShare{Instance: "a", Count: 2, Users: users}, long); err != nil {
				t.Fatal(err)
			}
			shares := mustShare(t, b, "b", 1, long)
			if len(shares) != 1 || shares[0].Instance != "a" || shares[0].Count != 2 || string(shares[0].Users) != string(users) {
				t.Fatalf("B sees %+v, want A's share", shares)
			}
			if got := instances(mustShare(t, a, "a", 2, long)); !slices.Equal(got, []string{"b"}) {
				t.Fatalf("A sees %v, want [b]", got)
			}
		}},
		{"a share is replaced, not added", func(t *testing.T, a, b *Store) {
			mustShare(t, a, "a", 2, long)
			mustShare(t, a, "a", 5, long)
			if shares := mustShare(t, b, "b", 1, long); len(shares) != 1 || shares[0].Count != 5 {
				t.Fatalf("B sees %+v, want A's one share with count 5", shares)
			}
		}},
		{"a dropped share is gone at once", func(t *testing.T, a, b *Store) {
			mustShare(t, a, "a", 2, long)
			if err := a.DropPresence(context.Background(), "a"); err != nil {
				t.Fatal(err)
			}
			if got := mustShare(t, b, "b", 1, long); len(got) != 0 {
				t.Fatalf("B sees %+v after A left", got)
			}
		}},
		{"a silent share stops counting after ttl", func(t *testing.T, a, b *Store) {
			const ttl = time.Second
			start := time.Now() // A's heartbeat is no earlier
			mustShare(t, a, "a", 2, long)
			if got := instances(mustShare(t, b, "b", 1, ttl)); !slices.Equal(got, []string{"a"}) {
				t.Fatalf("B sees %v %v after A shared, within its ttl of %v; want [a]", got, time.Since(start), ttl)
			}
			waitShares(t, b, "b", ttl)
			// Within 3 s: shares are deleted only after presencePurge ttls.
			if d := time.Since(start); d < ttl || d > 3*ttl {
				t.Fatalf("A's share stopped counting after %v, want after its ttl of %v and within 3 ttls", d, ttl)
			}
		}},
		{"a share silent for long is deleted", func(t *testing.T, a, b *Store) {
			const ttl = 20 * time.Millisecond
			start := time.Now()
			mustShare(t, a, "a", 2, long)
			// Sharing with a short ttl deletes A's row once it is silent
			// for presencePurge ttls: a long ttl then no longer finds it.
			for {
				mustShare(t, b, "b", 1, ttl)
				if len(mustShare(t, b, "b", 1, long)) == 0 {
					break
				}
				if time.Since(start) > 10*time.Second {
					t.Fatal("A's silent share was never deleted")
				}
				time.Sleep(5 * time.Millisecond)
			}
			if d := time.Since(start); d < presencePurge*ttl {
				t.Fatalf("A's share was deleted after %v, before %d ttls", d, presencePurge)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := presenceStores(t)
			tt.run(t, a, b)
		})
	}
}

// A share without an instance, or with no time to live, is refused and
// writes nothing.
func TestSharePresenceBadArguments(t *testing.T) {
	tests := []struct {
		name  string
		share PresenceShare
		ttl   time.Duration
		field string
	}{
		{"no instance", PresenceShare{Count: 1, Users: []byte(`[]`)}, time.Second, "instance"},
		{"zero ttl", PresenceShare{Instance: "x", Count: 1, Users: []byte(`[]`)}, 0, "ttl"},
		{"negative ttl", PresenceShare{Instance: "x", Count: 1, Users: []byte(`[]`)}, -time.Second, "ttl"},
		{"ttl under a millisecond", PresenceShare{Instance: "x", Count: 1, Users: []byte(`[]`)}, time.Microsecond, "ttl"},
	}
	a, b := presenceStores(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := a.SharePresence(context.Background(), tt.share, tt.ttl)
			var e *models.Error
			if !errors.As(err, &e) || e.Code != models.CodeInvalid || e.Field != tt.field {
				t.Fatalf("err = %v, want invalid %s", err, tt.field)
			}
			if got := mustShare(t, b, "b", 1, time.Hour); len(got) != 0 {
				t.Fatalf("the refused share was written: %+v", got)
			}
		})
	}
}
