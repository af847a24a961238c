package store

import (
	"context"
	"sync"
	"testing"

	"livedash/models"
)

func TestSeqContinuity(t *testing.T) {
	s, rec := MustOpenStore(t)
	ctx := context.Background()
	okOrErr := func(m models.Mutation) {
		// Failures are part of the mix on purpose: they must not take a seq.
		_, _ = s.Mutate(ctx, Origin{}, m)
	}
	it := decodeData[models.Item](t, mustMutate(t, s, &models.CreateItem{Name: "a"}).Data)
	okOrErr(&models.CreateItem{Name: " "})
	mustMutate(t, s, &models.UpdateItem{ID: it.ID, Description: ptr("b")})
	okOrErr(&models.UpdateItem{ID: it.ID, Version: ptr[int64](1), Name: ptr("stale")})
	okOrErr(&models.DeleteItem{ID: 12345})
	sc := decodeData[models.Score](t, mustMutate(t, s, &models.CreateScore{Player: "p"}).Data)
	okOrErr(&models.CreateScore{Player: "P"})
	mustMutate(t, s, &models.IncrementScore{ID: sc.ID, By: 3})
	okOrErr(&models.IncrementScore{ID: sc.ID, By: 0})
	mustMutate(t, s, &models.UpdateScore{ID: sc.ID, Points: ptr[int64](1)})
	mustMutate(t, s, &models.ResetDemo{})
	okOrErr(&models.DeleteScore{ID: sc.ID})
	mustMutate(t, s, &models.DeleteItem{ID: 1})

	// A group commit that mixes successes and failures in one transaction.
	release := blockWriter(t, s)
	var wg sync.WaitGroup
	for i := 0; i < 30; i++ {
		var m models.Mutation = &models.IncrementScore{ID: 2, By: 1}
		if i%3 == 0 {
			m = &models.UpdateItem{ID: 1, Name: ptr("gone")} // item 1 was deleted: not_found
		}
		wg.Add(1)
		if err := s.Submit(Origin{}, m, func(Result, error) { wg.Done() }); err != nil {
			t.Fatal(err)
		}
	}
	release()
	wg.Wait()

	const want = 1 + 7 + 20 // demo load, the sequential successes, the batch's successes
	if s.Seq() != want {
		t.Errorf("seq = %d, want %d", s.Seq(), want)
	}
	logged := mustEvents(t, s, 0)
	published := rec.all()
	if len(logged) != want || len(published) != want {
		t.Fatalf("logged %d and published %d events, want %d", len(logged), len(published), want)
	}
	checkConsecutive(t, "log", logged, 1)
	checkConsecutive(t, "published", published, 1)
	for i := range logged {
		if logged[i].Type != published[i].Type || string(logged[i].Data) != string(published[i].Data) {
			t.Errorf("seq %d: logged %s %s, published %s %s", i+1, logged[i].Type, logged[i].Data, published[i].Type, published[i].Data)
		}
	}
	if st := mustState(t, s); st.Seq != want {
		t.Errorf("state seq = %d, want %d", st.Seq, want)
	}
}

func TestConcurrentIncrements(t *testing.T) {
	const workers, each = 20, 50
	s, rec := MustOpenStore(t)
	start := mustStoredScore(t, s, 1)
	n, seq := rec.len(), s.Seq()

	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				if _, err := s.Mutate(context.Background(), Origin{}, &models.IncrementScore{ID: 1, By: 1}); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("increment failed: %v", err)
	}

	end := mustStoredScore(t, s, 1)
	if end.Points != start.Points+workers*each || end.Version != start.Version+workers*each {
		t.Errorf("score = %d at version %d, want %d at version %d", end.Points, end.Version,
			start.Points+workers*each, start.Version+workers*each)
	}
	evs := rec.since(n)
	if len(evs) != workers*each {
		t.Fatalf("published %d events, want %d", len(evs), workers*each)
	}
	checkConsecutive(t, "published", evs, seq+1)
	// Each event carries the record right after its own increment, so in seq
	// order the points climb by exactly one: no increment saw a stale value.
	for i, ev := range evs {
		sc := decodeData[models.Score](t, ev.Data)
		if sc.Points != start.Points+int64(i)+1 || sc.Version != start.Version+int64(i)+1 {
			t.Fatalf("event seq %d has points %d version %d, want %d and %d", ev.Seq, sc.Points, sc.Version,
				start.Points+int64(i)+1, start.Version+int64(i)+1)
		}
	}
	checkConsecutive(t, "log", mustEvents(t, s, seq), seq+1)
}
