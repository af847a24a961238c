package store

import (
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"livedash/models"
)

// TestTailChecksBeforeItCommits: the batch's last tail statement carries
// the COMMIT in its round trip, so it checks its own writes: a tail that
// would update a score that is not there fails, nothing of it is
// committed (not its event, not the counter), and the writer's connection
// goes on to the next batch.
func TestTailChecksBeforeItCommits(t *testing.T) {
	if backend != "postgres" {
		t.Skip("PostgreSQL only: the tail statement")
	}
	s, _ := MustOpenStore(t, withSyncNormal())
	before := mustState(t, s)
	err := s.d.transaction(s.write, true, func(tx *gorm.DB, _ *int64, pg *pgTx) error {
		tt := &txn{db: tx, dialect: s.d, now: time.Now().UTC(), inMemory: true, pg: pg}
		tt.scores.rows = map[int64]*pendingScore{
			999: {score: models.Score{ID: 999, Player: "nobody", Points: 1, Version: 2}, dirty: true},
		}
		b := &batch{}
		b.events = []models.Event{{Seq: b.seqs.next(), Type: "score.updated", Data: []byte(`{"id":999}`),
			At: tt.now, RecordType: models.RecordScore, RecordID: 999}}
		return b.pgWrite(tt, nil, 0, -1, true)
	})
	if err == nil || !strings.Contains(err.Error(), "the tail wrote 0 of 1 scores") {
		t.Fatalf("the tail with a missing score: err %v, want it to name the score it did not write", err)
	}
	if after := mustState(t, s); after.Seq != before.Seq {
		t.Errorf("the counter moved from %d to %d: the failed tail committed", before.Seq, after.Seq)
	}
	if evs := mustEvents(t, s, before.Seq); len(evs) != 0 {
		t.Errorf("%d events committed by the failed tail", len(evs))
	}
	res := mustMutate(t, s, &models.IncrementScore{ID: 1, By: 1})
	if res.Seq != before.Seq+1 {
		t.Errorf("the next batch's seq is %d, want %d", res.Seq, before.Seq+1)
	}
}
