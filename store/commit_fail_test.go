package store

import (
	"errors"
	"testing"
	"time"

	"livedash/models"
)

// failOnMarkedOutcome makes the database refuse to remember an outcome
// under request id marker. Outcomes are written last in a batch's
// transaction, after its events are in the log at their seqs, so the batch
// fails as late as a failed commit does.
func failOnMarkedOutcome(tb testing.TB, s *Store, marker string) {
	tb.Helper()
	stmts := []string{`CREATE TRIGGER fail_marked BEFORE INSERT ON outcomes
		WHEN NEW.request_id = '` + marker + `' BEGIN SELECT RAISE(ABORT, 'marked row refused'); END`}
	if backend == "postgres" {
		stmts = []string{
			`CREATE FUNCTION fail_marked() RETURNS trigger AS $$ BEGIN
				IF NEW.request_id = '` + marker + `' THEN RAISE EXCEPTION 'marked row refused'; END IF;
				RETURN NEW; END $$ LANGUAGE plpgsql`,
			`CREATE TRIGGER fail_marked BEFORE INSERT ON outcomes FOR EACH ROW EXECUTE FUNCTION fail_marked()`,
		}
	}
	for _, stmt := range stmts {
		if err := s.write.Exec(stmt).Error; err != nil {
			tb.Fatalf("make the trigger: %v", err)
		}
	}
}

// A batch whose transaction fails publishes none of its events, answers
// every sender with an error, and leaves the seq where it was: the retry
// commits at the next seq, and the feed sees it once.
func TestFailedCommitPublishesNothing(t *testing.T) {
	s, rec := MustOpenStore(t)
	failOnMarkedOutcome(t, s, "refused")
	before := s.Seq()
	published := rec.len()

	// One batch: an increment, then one whose outcome the database refuses,
	// after both events were written to the log at before+1 and before+2.
	release := blockWriter(t, s)
	type answer struct {
		res Result
		err error
	}
	answers := make(chan answer, 2)
	refused := Origin{Client: "c1", RequestID: "refused", Remember: true}
	for _, o := range []Origin{{}, refused} {
		if err := s.Submit(o, &models.IncrementScore{ID: 1, By: 7}, func(res Result, err error) { answers <- answer{res, err} }); err != nil {
			t.Fatal(err)
		}
	}
	release()
	for range 2 {
		select {
		case a := <-answers:
			if a.err == nil {
				t.Fatalf("a mutation of the failed batch succeeded with seq %d", a.res.Seq)
			}
			var me *models.Error
			if !errors.As(a.err, &me) {
				t.Fatalf("error %v is not a *models.Error", a.err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("timed out waiting for the failed batch's answers")
		}
	}
	if got := rec.since(published); len(got) != 0 {
		t.Fatalf("the failed batch published %d events, first seq %d", len(got), got[0].Seq)
	}
	if s.Seq() != before {
		t.Fatalf("seq moved from %d to %d after a failed commit", before, s.Seq())
	}

	res := mustMutate(t, s, &models.IncrementScore{ID: 1, By: 7})
	if res.Seq != before+1 {
		t.Errorf("the retry committed at seq %d, want %d", res.Seq, before+1)
	}
	got := rec.since(published)
	if len(got) != 1 || got[0].Seq != before+1 {
		t.Fatalf("after the retry the feed got %d events (%v), want one at seq %d", len(got), got, before+1)
	}
	if evs := mustEvents(t, s, before); len(evs) != 1 || string(evs[0].Data) != string(got[0].Data) {
		t.Fatalf("the log after %d holds %d events, want the retry's one", before, len(evs))
	}
}
