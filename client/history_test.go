package client_test

import (
	"testing"

	"livedash/app/apptest"
	"livedash/client"
	"livedash/models"
)

func TestHistoryAndUndo(t *testing.T) {
	_, c, other := aliceAndWatcher(t)
	ctx := apptest.Ctx(t)

	it, created, err := c.CreateItem(ctx, client.NewItem{Name: "Lamp"})
	if err != nil {
		t.Fatal(err)
	}
	_, renamed, err := c.UpdateItem(ctx, client.ItemUpdate{ID: it.ID, Name: new("Beamer")})
	if err != nil {
		t.Fatal(err)
	}
	sc, incremented, err := c.IncrementScore(ctx, 1, 5)
	if err != nil {
		t.Fatal(err)
	}

	data, undone, err := c.Undo(ctx, renamed)
	if err != nil {
		t.Fatalf("Undo: %v", err)
	}
	var back models.Item
	if mustDecode(t, data, &back); back.Name != "Lamp" || back.Version != 3 {
		t.Errorf("after Undo: %+v, want Lamp at version 3", back)
	}
	evs := other.WaitSeq(undone)
	ev := evs[len(evs)-1]
	var wire struct {
		UndoOf int64 `json:"undo_of"`
	}
	if mustDecode(t, ev.Raw, &wire); wire.UndoOf != renamed || ev.Type != "item.updated" {
		t.Errorf("the other client got %s, want item.updated with undo_of %d", ev.Raw, renamed)
	}

	hist, err := c.ItemHistory(ctx, it.ID, 0)
	if err != nil {
		t.Fatalf("ItemHistory: %v", err)
	}
	var got []int64
	for _, h := range hist {
		got = append(got, h.Seq)
	}
	if len(got) != 3 || got[0] != created || got[1] != renamed || got[2] != undone {
		t.Errorf("history seqs = %v, want [%d %d %d]", got, created, renamed, undone)
	}
	if h := hist[1]; h.Actor == nil || h.Actor.Name != "Alice" || len(h.Before) == 0 {
		t.Errorf("update in history = %+v, want Alice as actor and a before", h)
	}
	if u := hist[2].UndoOf; u == nil || *u != renamed {
		t.Errorf("undo in history has undo_of %v, want %d", u, renamed)
	}
	if last, err := c.ItemHistory(ctx, it.ID, 1); err != nil || len(last) != 1 || last[0].Seq != undone {
		t.Errorf("ItemHistory limit 1 = %+v, %v", last, err)
	}

	scores, err := c.ScoreHistory(ctx, 1, 0)
	if err != nil || len(scores) != 1 || scores[0].Seq != incremented || scores[0].Delta == nil || *scores[0].Delta != 5 {
		t.Errorf("ScoreHistory = %+v, %v", scores, err)
	}
	if _, _, err := c.Undo(ctx, incremented); err != nil {
		t.Fatalf("Undo increment: %v", err)
	}
	if now, _ := c.Score(ctx, 1); now.Points != sc.Points-5 {
		t.Errorf("points = %d, want %d", now.Points, sc.Points-5)
	}

	_, _, err = c.Undo(ctx, created) // the rename and its undo moved it on
	requireError(t, "Undo of a create since changed", err, models.CodeConflict, "version")
	_, _, err = c.Undo(ctx, 1)
	requireError(t, "Undo of the reset", err, models.CodeInvalid, "seq")
	_, _, err = c.Undo(ctx, 1<<40)
	requireError(t, "Undo beyond the log", err, models.CodeNotFound, "seq")
	_, err = c.ScoreHistory(ctx, 999, 0)
	requireError(t, "ScoreHistory of an unknown id", err, models.CodeNotFound, "id")
	_, err = c.ItemHistory(ctx, it.ID, 1001)
	requireError(t, "ItemHistory over the limit", err, models.CodeInvalid, "limit")
}
