package app_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"livedash/app/apptest"
	"livedash/client"
	"livedash/internal/pgtest"
	"livedash/models"
)

// startCluster starts two instances on one fresh PostgreSQL database.
func startCluster(t *testing.T) (a, b *apptest.Server) {
	t.Helper()
	url := pgtest.StartPostgres(t)
	return apptest.MustStartServer(t, "--db", url), apptest.MustStartServer(t, "--db", url)
}

func TestClusterMutationReachesOtherInstance(t *testing.T) {
	a, b := startCluster(t)
	ctx := apptest.Ctx(t)
	sb := apptest.NewStream(t)
	apptest.DialClient(t, b.URL, client.Options{Name: "on B", OnEvent: sb.Add})
	w := apptest.DialClient(t, a.URL, client.Options{Name: "on A"})
	sc, seq, err := w.IncrementScore(ctx, 1, 5)
	if err != nil {
		t.Fatal(err)
	}
	evs := sb.WaitSeq(seq)
	last := evs[len(evs)-1]
	var got models.Score
	if err := last.Decode(&got); err != nil || last.Seq != seq || got.Points != sc.Points {
		t.Fatalf("B got %s seq %d %+v, want seq %d with %d points", last.Type, last.Seq, got, seq, sc.Points)
	}
}

// Four writers spread over both instances; listeners on both record the
// same consecutive stream, and folding it gives /api/state on both.
func TestClusterStreamsAgree(t *testing.T) {
	a, b := startCluster(t)
	start := a.State(t)
	streams := []*apptest.Stream{apptest.NewStream(t), apptest.NewStream(t)}
	apptest.DialClient(t, a.URL, client.Options{Name: "listener A", OnEvent: streams[0].Add, Since: start.Seq, Epoch: start.Epoch})
	apptest.DialClient(t, b.URL, client.Options{Name: "listener B", OnEvent: streams[1].Add, Since: start.Seq, Epoch: start.Epoch})
	const perWriter = 60
	var wg sync.WaitGroup
	var mu sync.Mutex
	var top int64
	for i := range 4 {
		srv := []*apptest.Server{a, b}[i%2]
		w := apptest.DialClient(t, srv.URL, client.Options{Name: fmt.Sprintf("writer %d", i)})
		wg.Go(func() {
			for j := range perWriter {
				// A deadline per write, not one for all 240: the test is
				// about agreement, and a loaded machine writes slowly.
				ctx, cancel := context.WithTimeout(context.Background(), apptest.DefaultWait)
				var seq int64
				var err error
				switch j % 4 {
				case 0:
					_, seq, err = w.CreateItem(ctx, client.NewItem{Name: fmt.Sprintf("w%d-%d", i, j)})
				default:
					_, seq, err = w.IncrementScore(ctx, int64(1+(i+j)%6), 1)
				}
				cancel()
				if err != nil {
					t.Errorf("writer %d: %v", i, err)
					return
				}
				mu.Lock()
				top = max(top, seq)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if top != start.Seq+4*perWriter {
		t.Fatalf("top seq %d, want %d", top, start.Seq+4*perWriter)
	}
	for i, s := range streams {
		evs := s.WaitSeq(top)
		apptest.RequireConsecutive(t, evs, start.Seq+1, top)
		view := apptest.NewView(start)
		for _, ev := range evs {
			view.ApplyEvent(t, ev)
		}
		for _, srv := range []*apptest.Server{a, b} {
			view.RequireState(t, srv.State(t))
		}
		if i == 1 {
			ea, eb := streams[0].Changes(), evs
			for k := range ea {
				if ea[k].Seq != eb[k].Seq || string(ea[k].Data) != string(eb[k].Data) {
					t.Fatalf("event %d differs between the instances", k)
				}
			}
		}
	}
}

// A client leaves A and resumes on B: it gets exactly what it missed.
func TestClusterResumeOnOtherInstance(t *testing.T) {
	a, b := startCluster(t)
	ctx := apptest.Ctx(t)
	s1 := apptest.NewStream(t)
	c := apptest.DialClient(t, a.URL, client.Options{ClientID: "mover", OnEvent: s1.Add})
	w := apptest.DialClient(t, a.URL, client.Options{ClientID: "writer"})
	_, first, err := w.IncrementScore(ctx, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	s1.WaitSeq(first)
	epoch := c.Welcome().Epoch
	c.Close()
	var last int64
	for i := range 20 {
		if _, last, err = w.CreateItem(ctx, client.NewItem{Name: fmt.Sprintf("missed %d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	// Straight to B, which may not have published the last ones yet.
	s2 := apptest.NewStream(t)
	r := apptest.DialClient(t, b.URL, client.Options{ClientID: "mover", Since: first, Epoch: epoch, OnEvent: s2.Add})
	if wl := r.Welcome(); !wl.Resumed {
		t.Fatalf("welcome %+v, want resumed", wl)
	}
	evs := s2.WaitSeq(last)
	apptest.RequireConsecutive(t, evs, first+1, last)
}

// The same (client, id) sent to A, then to B, applies once.
func TestClusterIdempotencyAcrossInstances(t *testing.T) {
	a, b := startCluster(t)
	ctx := client.WithRequestID(apptest.Ctx(t), "same-request")
	ca := apptest.DialClient(t, a.URL, client.Options{ClientID: "twice"})
	cb := apptest.DialClient(t, b.URL, client.Options{ClientID: "twice"})
	s1, seq1, err := ca.IncrementScore(ctx, 3, 10)
	if err != nil {
		t.Fatal(err)
	}
	s2, seq2, err := cb.IncrementScore(ctx, 3, 10)
	if err != nil {
		t.Fatal(err)
	}
	if seq1 != seq2 || s1.Points != s2.Points {
		t.Fatalf("replies differ: %d/%d, %d/%d points", seq1, seq2, s1.Points, s2.Points)
	}
	for _, sc := range b.State(t).Scores {
		if sc.ID == 3 && sc.Points != s1.Points {
			t.Fatalf("score 3 has %d points, want %d (applied twice?)", sc.Points, s1.Points)
		}
	}
}

// Presence on each instance lists the dashboards of both, within 2 s; an
// instance that stops drops out.
func TestClusterPresence(t *testing.T) {
	a, b := startCluster(t)
	sa, sb := apptest.NewStream(t), apptest.NewStream(t)
	apptest.DialClient(t, a.URL, client.Options{Name: "Anna", OnEvent: sa.Add})
	apptest.DialClient(t, b.URL, client.Options{Name: "Bert", OnEvent: sb.Add})
	both := func(evs []client.Event) bool {
		for i := len(evs) - 1; i >= 0; i-- {
			if p, ok := evs[i].Presence(); ok {
				names := map[string]bool{}
				for _, u := range p.Users {
					names[u.Name] = true
				}
				return p.Count == 2 && names["Anna"] && names["Bert"]
			}
		}
		return false
	}
	started := time.Now()
	sa.WaitFor("presence on A lists Anna and Bert", both)
	sb.WaitFor("presence on B lists Anna and Bert", both)
	if d := time.Since(started); d > 2*time.Second+500*time.Millisecond {
		t.Errorf("presence took %v", d)
	}
	b.Stop()
	sa.WaitFor("presence on A without Bert", func(evs []client.Event) bool {
		for i := len(evs) - 1; i >= 0; i-- {
			if p, ok := evs[i].Presence(); ok {
				return p.Count == 1
			}
		}
		return false
	})
}
