package store

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"livedash/models"
)

var remembered = Origin{Client: "c1", RequestID: "r1", Remember: true}

func TestRepeatReturnsOriginalAck(t *testing.T) {
	tests := []struct {
		name   string
		first  models.Mutation
		repeat models.Mutation // the retry; a client may even resend different data
	}{
		{name: "create item", first: &models.CreateItem{Name: "Once"}, repeat: &models.CreateItem{Name: "Once"}},
		{name: "increment", first: &models.IncrementScore{ID: 1, By: 5}, repeat: &models.IncrementScore{ID: 1, By: 5}},
		{name: "delete score", first: &models.DeleteScore{ID: 3}, repeat: &models.DeleteScore{ID: 3}},
		{name: "other data under the same id", first: &models.CreateScore{Player: "Once"}, repeat: &models.CreateScore{Player: "Twice"}},
		// The lookup comes before validation: a retry is answered as it was
		// the first time, even when its data would not pass today.
		{name: "repeat with invalid data", first: &models.CreateItem{Name: "Valid"}, repeat: &models.CreateItem{Name: ""}},
		{name: "repeat with a broken rule", first: &models.IncrementScore{ID: 2, By: 1}, repeat: &models.IncrementScore{ID: 2, By: 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, rec := MustOpenStore(t)
			first := mustMutateAs(t, s, remembered, tt.first)
			before, n := mustState(t, s), rec.len()

			again := mustMutateAs(t, s, remembered, tt.repeat)

			if again.Seq != first.Seq || string(again.Data) != string(first.Data) {
				t.Errorf("repeat = %d %s, want the original %d %s", again.Seq, again.Data, first.Seq, first.Data)
			}
			if got := rec.since(n); len(got) != 0 {
				t.Errorf("repeat published %+v", got)
			}
			checkSameState(t, before, mustState(t, s))
		})
	}
}

// The contract promises the original error, so a retry must not succeed just
// because the world changed in between: the client already acted on the error.
func TestRepeatReturnsOriginalError(t *testing.T) {
	s, rec := MustOpenStore(t)
	ctx := context.Background()
	nextID := int64(len(models.DemoItems()) + 1)

	_, err := s.Mutate(ctx, remembered, &models.UpdateItem{ID: nextID, Name: ptr("late")})
	wantError(t, err, models.CodeNotFound, "id")
	created := decodeData[models.Item](t, mustMutate(t, s, &models.CreateItem{Name: "now here"}).Data)
	if created.ID != nextID {
		t.Fatalf("created item got id %d, want %d for this test to mean anything", created.ID, nextID)
	}
	before, n := mustState(t, s), rec.len()

	_, err = s.Mutate(ctx, remembered, &models.UpdateItem{ID: nextID, Name: ptr("late")})

	wantError(t, err, models.CodeNotFound, "id")
	if got := rec.since(n); len(got) != 0 {
		t.Errorf("repeat published %+v", got)
	}
	checkSameState(t, before, mustState(t, s))
}

func TestRepeatWithoutRememberApplies(t *testing.T) {
	s, rec := MustOpenStore(t)
	o := Origin{Client: "c1", RequestID: "r1"}
	first := mustMutateAs(t, s, o, &models.IncrementScore{ID: 1, By: 5})
	second := mustMutateAs(t, s, o, &models.IncrementScore{ID: 1, By: 5})
	if second.Seq != first.Seq+1 {
		t.Errorf("second seq = %d, want %d", second.Seq, first.Seq+1)
	}
	if sc := mustStoredScore(t, s, 1); sc.Points != 42+10 {
		t.Errorf("points = %d, want %d", sc.Points, 42+10)
	}
	if rec.len() != 3 {
		t.Errorf("published %d events, want demo + 2", rec.len())
	}
}

func TestSameRequestIDOtherClientIsIndependent(t *testing.T) {
	s, _ := MustOpenStore(t)
	c1 := mustMutateAs(t, s, remembered, &models.IncrementScore{ID: 1, By: 1})
	c2o := remembered
	c2o.Client = "c2"
	c2 := mustMutateAs(t, s, c2o, &models.IncrementScore{ID: 1, By: 1})
	if c2.Seq != c1.Seq+1 {
		t.Errorf("c2's request got seq %d, want a new one (%d)", c2.Seq, c1.Seq+1)
	}
	// Each client still gets its own original back.
	if again := mustMutateAs(t, s, remembered, &models.IncrementScore{ID: 1, By: 1}); again.Seq != c1.Seq || string(again.Data) != string(c1.Data) {
		t.Errorf("c1 repeat = %d %s, want %d %s", again.Seq, again.Data, c1.Seq, c1.Data)
	}
	if again := mustMutateAs(t, s, c2o, &models.IncrementScore{ID: 1, By: 1}); again.Seq != c2.Seq || string(again.Data) != string(c2.Data) {
		t.Errorf("c2 repeat = %d %s, want %d %s", again.Seq, again.Data, c2.Seq, c2.Data)
	}
	if sc := mustStoredScore(t, s, 1); sc.Points != 44 {
		t.Errorf("points = %d, want 44", sc.Points)
	}
}

// A client that resends before the first reply arrived puts duplicates into
// the queue together; group commit must still apply them once.
func TestDuplicatesInOneBatchApplyOnce(t *testing.T) {
	tests := []struct {
		name  string
		mut   func() models.Mutation
		check func(t *testing.T, s *Store)
	}{
		{name: "increment", mut: func() models.Mutation { return &models.IncrementScore{ID: 1, By: 5} }, check: func(t *testing.T, s *Store) {
			if sc := mustStoredScore(t, s, 1); sc.Points != 47 || sc.Version != 2 {
				t.Errorf("score = %d at version %d, want 47 at version 2", sc.Points, sc.Version)
			}
		}},
		// Applied twice, the second create would fail with a conflict on the
		// player, so the duplicates must get the first one's ack instead.
		{name: "create", mut: func() models.Mutation { return &models.CreateScore{Player: "Newbie"} }, check: func(t *testing.T, s *Store) {
			scores, err := s.Scores(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(scores) != len(models.DemoScores())+1 {
				t.Errorf("%d scores, want one new", len(scores))
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const dups = 10
			s, rec := MustOpenStore(t)
			n := rec.len()
			release := blockWriter(t, s)
			results := make([]Result, dups)
			errs := make([]error, dups)
			var wg sync.WaitGroup
			for i := range dups {
				wg.Add(1)
				err := s.Submit(remembered, tt.mut(), func(r Result, err error) {
					results[i], errs[i] = r, err
					wg.Done()
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			release()
			wg.Wait()

			for i := range dups {
				if errs[i] != nil || results[i].Seq != results[0].Seq || string(results[i].Data) != string(results[0].Data) {
					t.Errorf("reply %d = %+v %v, want %+v", i, results[i], errs[i], results[0])
				}
			}
			if got := rec.since(n); len(got) != 1 {
				t.Errorf("published %d events, want 1", len(got))
			}
			tt.check(t, s)
		})
	}
}

// "On any later connection" includes after a restart of the server.
func TestRememberedOutcomeSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "idem.db")
	s, _ := MustOpenStore(t, withPath(path))
	first := mustMutateAs(t, s, remembered, &models.CreateItem{Name: "durable"})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s2, rec2 := MustOpenStore(t, withPath(path))
	again := mustMutateAs(t, s2, remembered, &models.CreateItem{Name: "durable"})
	if again.Seq != first.Seq || string(again.Data) != string(first.Data) {
		t.Errorf("after reopen = %d %s, want %d %s", again.Seq, again.Data, first.Seq, first.Data)
	}
	if rec2.len() != 0 {
		t.Errorf("repeat after reopen published %d events", rec2.len())
	}
}
