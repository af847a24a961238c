package store

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"livedash/models"
)

// twoInstances opens two stores on one PostgreSQL database, as two
// instances of a cluster would.
func twoInstances(t *testing.T) (a, b *Store, ra, rb *recorder) {
	t.Helper()
	postgresOnly(t, "PostgreSQL only: several instances on one database")
	path := filepath.Join(t.TempDir(), "shared.db")
	a, ra = MustOpenStore(t, withPath(path))
	b, rb = MustOpenStore(t, withPath(path))
	return a, b, ra, rb
}

func waitRecorded(t *testing.T, r *recorder, seq int64) []models.Event {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		evs := r.all()
		if len(evs) > 0 && evs[len(evs)-1].Seq >= seq {
			return evs
		}
		if time.Now().After(deadline) {
			t.Fatalf("recorder did not reach seq %d; has %d events", seq, len(evs))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Instances that start together make the demo data once.
func TestClusterStartTogether(t *testing.T) {
	postgresOnly(t, "PostgreSQL only")
	url := pgURLFor(t, filepath.Join(t.TempDir(), "together.db"))
	var wg sync.WaitGroup
	stores := make([]*Store, 3)
	for i := range stores {
		wg.Go(func() { stores[i], _ = MustOpenStore(t, withPath(url)) })
	}
	wg.Wait()
	evs := mustEvents(t, stores[0], 0)
	if len(evs) != 1 || evs[0].Type != "state.reset" {
		t.Fatalf("log after three starts: %d events, want one reset", len(evs))
	}
	for _, s := range stores[1:] {
		if s.Epoch() != stores[0].Epoch() || s.PublicID("c") != stores[0].PublicID("c") {
			t.Fatal("instances disagree on the epoch or the public-id key")
		}
	}
}

// Writers on both instances: both feeds get the same consecutive stream.
func TestClusterFeedsAgree(t *testing.T) {
	a, b, ra, rb := twoInstances(t)
	const perWriter = 150
	var wg sync.WaitGroup
	for w := range 4 {
		s := a
		if w%2 == 1 {
			s = b
		}
		wg.Go(func() {
			for i := range perWriter {
				var m models.Mutation = &models.IncrementScore{ID: int64(1 + (w+i)%6), By: 1}
				if i%10 == 0 {
					m = &models.CreateItem{Name: fmt.Sprintf("w%d-%d", w, i)}
				}
				if _, err := s.Mutate(context.Background(), Origin{}, m); err != nil {
					t.Errorf("writer %d: %v", w, err)
					return
				}
			}
		})
	}
	wg.Wait()
	top := int64(1 + 4*perWriter)
	ea, eb := waitRecorded(t, ra, top), waitRecorded(t, rb, top)
	// B opened after A loaded the demo data: its feed starts past it.
	checkConsecutive(t, "A", ea, 1)
	checkConsecutive(t, "B", eb, 2)
	if ea = ea[1:]; !reflect.DeepEqual(seqsTypes(ea), seqsTypes(eb)) {
		t.Fatal("the instances published different streams")
	}
	if sa, sb := mustState(t, a), mustState(t, b); !reflect.DeepEqual(sa, sb) || sa.Seq != top {
		t.Fatalf("states differ or seq %d != %d", sa.Seq, top)
	}
}

func seqsTypes(evs []models.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = fmt.Sprintf("%d %s %s", e.Seq, e.Type, e.Data)
	}
	return out
}

// The same (client, id) on both instances at once applies once.
func TestClusterIdempotentAcrossInstances(t *testing.T) {
	a, b, _, _ := twoInstances(t)
	for i := range 20 {
		origin := Origin{Client: "client-1", RequestID: fmt.Sprintf("r%d", i), Remember: true}
		var ra, rb Result
		var ea, eb error
		var wg sync.WaitGroup
		wg.Go(func() { ra, ea = a.Mutate(context.Background(), origin, &models.IncrementScore{ID: 2, By: 1}) })
		wg.Go(func() { rb, eb = b.Mutate(context.Background(), origin, &models.IncrementScore{ID: 2, By: 1}) })
		wg.Wait()
		if ea != nil || eb != nil {
			t.Fatalf("round %d: %v / %v", i, ea, eb)
		}
		if ra.Seq != rb.Seq || string(ra.Data) != string(rb.Data) {
			t.Fatalf("round %d: replies differ: %d %s / %d %s", i, ra.Seq, ra.Data, rb.Seq, rb.Data)
		}
	}
	st := mustState(t, a)
	for _, sc := range st.Scores {
		if sc.ID == 2 && sc.Points != 35+20 {
			t.Fatalf("score 2 has %d points, want %d", sc.Points, 35+20)
		}
	}
}

// Two instances creating the same player at once: one wins, the other gets
// conflict, and both batches' other mutations commit.
func TestClusterPlayerConflict(t *testing.T) {
	a, b, _, _ := twoInstances(t)
	for i := range 10 {
		name := fmt.Sprintf("Zed %d", i)
		var ea, eb error
		var wg sync.WaitGroup
		wg.Go(func() { _, ea = a.Mutate(context.Background(), Origin{}, &models.CreateScore{Player: name}) })
		wg.Go(func() { _, eb = b.Mutate(context.Background(), Origin{}, &models.CreateScore{Player: name}) })
		wg.Wait()
		if (ea == nil) == (eb == nil) {
			t.Fatalf("round %d: %v / %v, want one success and one conflict", i, ea, eb)
		}
		err := ea
		if err == nil {
			err = eb
		}
		wantError(t, err, models.CodeConflict, "player")
	}
}

// Version checks lock their rows: two instances updating at the same
// version cannot both pass.
func TestClusterVersionCheck(t *testing.T) {
	a, b, _, _ := twoInstances(t)
	for i := range 10 {
		st := mustState(t, a)
		v := st.Items[0].Version
		id := st.Items[0].ID
		var ea, eb error
		var wg sync.WaitGroup
		wg.Go(func() {
			_, ea = a.Mutate(context.Background(), Origin{}, &models.UpdateItem{ID: id, Version: &v, Name: ptrTo(fmt.Sprintf("a%d", i))})
		})
		wg.Go(func() {
			_, eb = b.Mutate(context.Background(), Origin{}, &models.UpdateItem{ID: id, Version: &v, Name: ptrTo(fmt.Sprintf("b%d", i))})
		})
		wg.Wait()
		if (ea == nil) == (eb == nil) {
			t.Fatalf("round %d: %v / %v, want one success and one conflict", i, ea, eb)
		}
	}
}

func ptrTo[T any](v T) *T { return &v }
