package store

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"path/filepath"
	"reflect"
	"testing"

	"livedash/models"
)

// TestBackendsAgreeOnABatch runs group commits that mix every mutation
// kind, with failures, repeats and log and score readers between
// them, on SQLite and on PostgreSQL, and wants the same replies, the same
// events at the same seqs and the same rows on both (timestamps aside):
// PostgreSQL writes a batch's tail in one statement and SQLite in several,
// and neither may change what a batch does.
func TestBackendsAgreeOnABatch(t *testing.T) {
	postgresOnly(t, "runs on the PostgreSQL pass, against both backends")
	sqlite := runAgreeBatch(t, filepath.Join(t.TempDir(), "agree.db"))
	pg := runAgreeBatch(t, pgURLFor(t, filepath.Join(t.TempDir(), "agree.db")))
	for i := range sqlite.replies {
		if !reflect.DeepEqual(sqlite.replies[i], pg.replies[i]) {
			t.Errorf("reply %d: SQLite %s, PostgreSQL %s", i, sqlite.replies[i], pg.replies[i])
		}
	}
	if len(sqlite.events) != len(pg.events) {
		t.Fatalf("SQLite logged %d events, PostgreSQL %d", len(sqlite.events), len(pg.events))
	}
	for i := range sqlite.events {
		if !reflect.DeepEqual(sqlite.events[i], pg.events[i]) {
			t.Errorf("event %d:\n SQLite     %s\n PostgreSQL %s", i, sqlite.events[i], pg.events[i])
		}
	}
	for i := range sqlite.states {
		if sqlite.states[i] != pg.states[i] {
			t.Errorf("rows after batch %d:\n SQLite     %s\n PostgreSQL %s", i+1, sqlite.states[i], pg.states[i])
		}
	}
}

// agreeRun is what one backend made of the batch, timestamps and actors'
// public ids (each database has its own key) left out.
type agreeRun struct {
	replies []string
	events  []string
	states  []string // the rows after each batch
}

func runAgreeBatch(t *testing.T, path string) agreeRun {
	t.Helper()
	s, err := Open(context.Background(), Options{Path: path, Synchronous: SyncNormal})
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	undone := mustMutate(t, s, &models.UpdateItem{ID: 3, Name: ptr("before the batch")}).Seq

	remembered := Origin{Client: "agree-client-000001", RequestID: "r1", Remember: true}
	// Two batches: the second opens with a reset, so the rows the first
	// left are compared before the reset replaces them.
	batches := [][]submission{{
		{remembered, &models.IncrementScore{ID: 1, By: 5}},
		{Origin{}, &models.IncrementScore{ID: 1, By: 3}},
		{Origin{}, &models.IncrementScore{ID: 999, By: 1}},
		{Origin{}, &models.IncrementScore{ID: 2, By: math.MaxInt64}},
		{Origin{}, &models.UpdateItem{ID: 1, Name: ptr("one"), Version: ptr[int64](1)}},
		{Origin{}, &models.UpdateItem{ID: 1, Description: ptr("stale"), Version: ptr[int64](1)}},
		{Origin{}, &models.UpdateItem{ID: 999, Name: ptr("none")}},
		{Origin{}, &models.UpdateItem{ID: 6, Name: ptr("not made yet")}},
		{Origin{}, &models.CreateItem{Name: "made", Description: "in the batch"}},
		{Origin{}, &models.UpdateItem{ID: 6, Description: ptr("changed in the batch"), Version: ptr[int64](1)}},
		{Origin{}, &models.UpdateItem{ID: 6, Name: ptr("stale"), Version: ptr[int64](1)}},
		{Origin{}, &models.DeleteItem{ID: 2}},
		{Origin{}, &models.DeleteItem{ID: 2}},
		{Origin{}, &models.IncrementScore{ID: 7, By: 1}}, // no score 7 yet
		{Origin{}, &models.CreateScore{Player: "Zed", Points: 3}},
		{Origin{}, &models.CreateScore{Player: "zed"}},
		{Origin{}, &models.IncrementScore{ID: 7, By: 2}}, // Zed's, made above
		{Origin{}, &models.UpdateScore{ID: 3, Points: ptr[int64](7), Version: ptr[int64](1)}},
		{Origin{}, &models.UpdateScore{ID: 1, Points: ptr[int64](0), Version: ptr[int64](1)}},
		{Origin{}, &models.IncrementScore{ID: 1, By: 1}},
		{Origin{}, &models.IncrementScore{ID: 6, By: -2}},
		{Origin{}, &models.Undo{Seq: undone}},
		{Origin{}, &models.Undo{Seq: 9999}},
		{Origin{}, &models.DeleteScore{ID: 4}},
		{Origin{}, &models.DeleteScore{ID: 4, Version: ptr[int64](1)}},
		{remembered, &models.IncrementScore{ID: 1, By: 5}},
		{Origin{Client: "agree-client-000001", RequestID: "r2", Remember: true}, &models.CreateItem{Name: ""}},
		{Origin{}, &models.CreateItem{Name: "made too"}},
		{Origin{}, &models.UpdateItem{ID: 7, Name: ptr("made, then renamed")}},
		{Origin{}, &models.DeleteItem{ID: 7, Version: ptr[int64](1)}},
		{Origin{}, &models.DeleteItem{ID: 7, Version: ptr[int64](2)}},
		{Origin{}, &models.UpdateItem{ID: 7, Name: ptr("gone")}},
		{Origin{}, &models.IncrementScore{ID: 999, By: 1}},
		{Origin{}, &models.DeleteItem{ID: 999}},
		{Origin{}, &models.IncrementScore{ID: 5, By: 4}},
	}, {
		{Origin{}, &models.ResetDemo{}},
		{Origin{}, &models.IncrementScore{ID: 1, By: 2}},
		{Origin{}, &models.UpdateItem{ID: 4, Description: ptr("after the reset")}},
		{Origin{}, &models.IncrementScore{ID: 1, By: 2}},
	}}

	var run agreeRun
	for _, steps := range batches {
		for i, o := range submitBatch(t, s, steps) {
			var e *models.Error
			switch {
			case errors.As(o.err, &e):
				run.replies = append(run.replies, string(e.Code)+" "+e.Field+": "+e.Message)
			case o.err != nil:
				t.Fatalf("reply %d: %v", i, o.err)
			default:
				run.replies = append(run.replies, jsonOf(t, map[string]any{"seq": o.res.Seq, "data": untimed(t, o.res.Data)}))
			}
		}
		st := mustState(t, s)
		run.states = append(run.states, jsonOf(t, map[string]any{"items": untimed(t, []byte(jsonOf(t, st.Items))),
			"scores": untimed(t, []byte(jsonOf(t, st.Scores))), "seq": st.Seq}))
	}
	for _, e := range mustEvents(t, s, 0) {
		run.events = append(run.events, jsonOf(t, map[string]any{"seq": e.Seq, "type": e.Type, "data": untimed(t, e.Data),
			"actor": []any{e.ActorID != "", e.ActorName}, "delta": e.Delta, "record": []any{e.RecordType, e.RecordID},
			"before": untimed(t, e.Before), "undo_of": e.UndoOf}))
	}
	return run
}

func jsonOf(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatalf("encode %T: %v", v, err)
	}
	return string(b)
}

// untimed decodes JSON without the timestamps, which are each batch's own
// clock: everything else must agree between backends.
func untimed(tb testing.TB, data []byte) any {
	tb.Helper()
	if data == nil {
		return nil
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		tb.Fatalf("decode %s: %v", data, err)
	}
	var strip func(any)
	strip = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			delete(v, "created_at")
			delete(v, "updated_at")
			for _, x := range v {
				strip(x)
			}
		case []any:
			for _, x := range v {
				strip(x)
			}
		}
	}
	strip(v)
	return v
}
