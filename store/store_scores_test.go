package store

import (
	"context"
	"math"
	"testing"
	"time"

	"livedash/models"
)

// playerKeyOf reads the hidden folded name, which is what enforces
// case-insensitive uniqueness; the JSON never shows it.
func playerKeyOf(tb testing.TB, s *Store, id int64) string {
	tb.Helper()
	var key string
	if err := s.read.Raw("SELECT player_key FROM scores WHERE id = ?", id).Scan(&key).Error; err != nil {
		tb.Fatal(err)
	}
	return key
}

func mustStoredScore(tb testing.TB, s *Store, id int64) models.Score {
	tb.Helper()
	sc, err := s.Score(context.Background(), id)
	if err != nil {
		tb.Fatalf("score %d: %v", id, err)
	}
	return sc
}

func TestCreateScore(t *testing.T) {
	tests := []struct {
		name       string
		create     models.CreateScore
		wantPlayer string
		wantPoints int64
		wantKey    string
	}{
		{name: "default points", create: models.CreateScore{Player: "Zed"}, wantPlayer: "Zed", wantPoints: 0, wantKey: "zed"},
		{name: "negative points, trimmed", create: models.CreateScore{Player: "  Yvonne Ü ", Points: -17}, wantPlayer: "Yvonne Ü", wantPoints: -17, wantKey: "yvonne ü"},
		{name: "max points", create: models.CreateScore{Player: "MAX", Points: math.MaxInt64}, wantPlayer: "MAX", wantPoints: math.MaxInt64, wantKey: "rnax"}, // the skeleton of m is rn
	}
	s, rec := MustOpenStore(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, seq := rec.len(), s.Seq()
			c := tt.create
			res := mustMutate(t, s, &c)

			if res.Seq != seq+1 {
				t.Errorf("seq = %d, want %d", res.Seq, seq+1)
			}
			sc := decodeData[models.Score](t, res.Data)
			if sc.ID <= 6 || sc.Player != tt.wantPlayer || sc.Points != tt.wantPoints || sc.Version != 1 {
				t.Errorf("score = %+v, want a new id, player %q, points %d, version 1", sc, tt.wantPlayer, tt.wantPoints)
			}
			checkTimestamps(t, res.Data)
			checkPublished(t, s, rec.since(n), res, "score.created")
			checkJSON(t, mustStoredScore(t, s, sc.ID), res.Data)
			if key := playerKeyOf(t, s, sc.ID); key != tt.wantKey {
				t.Errorf("player_key = %q, want %q", key, tt.wantKey)
			}
		})
	}
}

func TestUpdateScore(t *testing.T) {
	tests := []struct {
		name       string
		update     models.UpdateScore
		wantPlayer string
		wantPoints int64
		wantKey    string
	}{
		{name: "player only", update: models.UpdateScore{Player: ptr(" Renamed ")}, wantPlayer: "Renamed", wantPoints: 10, wantKey: "renarned"}, // the skeleton of m is rn
		{name: "points only", update: models.UpdateScore{Points: ptr[int64](-3)}, wantPlayer: "Orig", wantPoints: -3, wantKey: "orig"},
		{name: "both", update: models.UpdateScore{Player: ptr("Both"), Points: ptr[int64](99)}, wantPlayer: "Both", wantPoints: 99, wantKey: "both"},
		{name: "points to zero", update: models.UpdateScore{Points: ptr[int64](0)}, wantPlayer: "Orig", wantPoints: 0, wantKey: "orig"},
		// A player may change the case of their own name; uniqueness must not
		// count the row against itself.
		{name: "own name in other case", update: models.UpdateScore{Player: ptr("ORIG")}, wantPlayer: "ORIG", wantPoints: 10, wantKey: "orig"},
		{name: "matching version", update: models.UpdateScore{Version: ptr[int64](1), Points: ptr[int64](5)}, wantPlayer: "Orig", wantPoints: 5, wantKey: "orig"},
	}
	s, rec := MustOpenStore(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			created := decodeData[models.Score](t, mustMutate(t, s, &models.CreateScore{Player: "Orig", Points: 10}).Data)
			n, seq := rec.len(), s.Seq()

			u := tt.update
			u.ID = created.ID
			res := mustMutate(t, s, &u)

			sc := decodeData[models.Score](t, res.Data)
			if sc.ID != created.ID || sc.Player != tt.wantPlayer || sc.Points != tt.wantPoints || sc.Version != 2 {
				t.Errorf("score = %+v, want id %d player %q points %d version 2", sc, created.ID, tt.wantPlayer, tt.wantPoints)
			}
			checkUpdateCommitted(t, s, rec.since(n), res, seq, "score.updated",
				[2]time.Time{created.CreatedAt, created.UpdatedAt}, [2]time.Time{sc.CreatedAt, sc.UpdatedAt})
			checkJSON(t, mustStoredScore(t, s, sc.ID), res.Data)
			if key := playerKeyOf(t, s, sc.ID); key != tt.wantKey {
				t.Errorf("player_key = %q, want %q", key, tt.wantKey)
			}

			// Frees "Orig" for the next case.
			mustMutate(t, s, &models.DeleteScore{ID: sc.ID})
		})
	}
}

func TestIncrementScore(t *testing.T) {
	tests := []struct {
		name  string
		start int64
		by    int64
		want  int64
	}{
		{name: "up", start: 10, by: 5, want: 15},
		{name: "down through zero", start: 3, by: -7, want: -4},
		{name: "up to max", start: math.MaxInt64 - 2, by: 2, want: math.MaxInt64},
		{name: "down to min", start: math.MinInt64 + 2, by: -2, want: math.MinInt64},
		{name: "by min from zero", start: 0, by: math.MinInt64, want: math.MinInt64},
		{name: "by max from zero", start: 0, by: math.MaxInt64, want: math.MaxInt64},
		{name: "by max from min", start: math.MinInt64, by: math.MaxInt64, want: -1},
	}
	s, rec := MustOpenStore(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			created := decodeData[models.Score](t, mustMutate(t, s, &models.CreateScore{Player: "Inc " + tt.name, Points: tt.start}).Data)
			n, seq := rec.len(), s.Seq()

			res := mustMutate(t, s, &models.IncrementScore{ID: created.ID, By: tt.by})

			if res.Seq != seq+1 {
				t.Errorf("seq = %d, want %d", res.Seq, seq+1)
			}
			// The event must carry the whole record, not just the changed
			// columns, because clients replace their copy with it.
			sc := decodeData[models.Score](t, res.Data)
			if sc.ID != created.ID || sc.Player != created.Player || sc.Points != tt.want || sc.Version != 2 ||
				!sc.CreatedAt.Equal(created.CreatedAt) {
				t.Errorf("score = %+v, want %+v with points %d version 2", sc, created, tt.want)
			}
			checkTimestamps(t, res.Data)
			ev := checkPublished(t, s, rec.since(n), res, "score.updated")
			if ev.Delta == nil || *ev.Delta != tt.by {
				t.Errorf("event delta = %v, want %d", ev.Delta, tt.by)
			}
			checkJSON(t, mustStoredScore(t, s, sc.ID), res.Data)
		})
	}
}

func TestDeleteScore(t *testing.T) {
	tests := []struct {
		name    string
		version *int64
	}{
		{name: "unconditional"},
		{name: "matching version", version: ptr[int64](2)},
	}
	s, rec := MustOpenStore(t)
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := decodeData[models.Score](t, mustMutate(t, s, &models.CreateScore{Player: "Doomed"}).Data)
			mustMutate(t, s, &models.IncrementScore{ID: sc.ID, By: 1})
			n, seq := rec.len(), s.Seq()

			res := mustMutate(t, s, &models.DeleteScore{ID: sc.ID, Version: tt.version})

			checkDeleteCommitted(t, s, rec.since(n), res, seq, sc.ID, "score.deleted")
			_, err := s.Score(ctx, sc.ID)
			wantError(t, err, models.CodeNotFound, "id")
			_, err = s.Mutate(ctx, Origin{}, &models.IncrementScore{ID: sc.ID, By: 1})
			wantError(t, err, models.CodeNotFound, "id")
			// The player name is free again once its row is gone.
			again := decodeData[models.Score](t, mustMutate(t, s, &models.CreateScore{Player: "doomed"}).Data)
			mustMutate(t, s, &models.DeleteScore{ID: again.ID})
		})
	}
}
