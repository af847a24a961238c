package app_test

import (
	"encoding/json"
	"sort"
	"testing"

	"livedash/app/apptest"
	"livedash/models"
)

// view is what a dashboard builds from a snapshot and the events after it.
type view struct {
	seq    int64
	items  map[int64]models.Item
	scores map[int64]models.Score
}

func newView(st models.State) *view {
	v := &view{seq: st.Seq, items: map[int64]models.Item{}, scores: map[int64]models.Score{}}
	for _, it := range st.Items {
		v.items[it.ID] = it
	}
	for _, s := range st.Scores {
		v.scores[s.ID] = s
	}
	return v
}

// apply folds one event into the view, failing on a gap or a repeat.
func (v *view) apply(tb testing.TB, f apptest.Frame) {
	tb.Helper()
	if f.Seq != v.seq+1 {
		tb.Fatalf("event %s has seq %d after %d: gap or repeat", f.Type, f.Seq, v.seq)
	}
	v.seq = f.Seq
	must := func(dst any) {
		if err := json.Unmarshal(f.Data, dst); err != nil {
			tb.Fatalf("event %d: %v", f.Seq, err)
		}
	}
	switch f.Type {
	case "item.created", "item.updated":
		var it models.Item
		must(&it)
		v.items[it.ID] = it
	case "item.deleted":
		var d models.Deleted
		must(&d)
		delete(v.items, d.ID)
	case "score.created", "score.updated":
		var s models.Score
		must(&s)
		v.scores[s.ID] = s
	case "score.deleted":
		var d models.Deleted
		must(&d)
		delete(v.scores, d.ID)
	case "state.reset":
		var st models.State
		must(&st)
		st.Seq = f.Seq
		*v = *newView(st)
	default:
		tb.Fatalf("unknown event type %q", f.Type)
	}
}

// state renders the view in the contract's list orders.
func (v *view) state() (items []models.Item, scores []models.Score) {
	items, scores = []models.Item{}, []models.Score{}
	for _, it := range v.items {
		items = append(items, it)
	}
	for _, s := range v.scores {
		scores = append(scores, s)
	}
	sort.Slice(items, func(i, j int) bool { return items[i].ID < items[j].ID })
	sort.Slice(scores, func(i, j int) bool {
		if scores[i].Points != scores[j].Points {
			return scores[i].Points > scores[j].Points
		}
		return scores[i].ID < scores[j].ID
	})
	return items, scores
}

// requireSameState fails unless the view equals the server's snapshot.
func requireSameState(tb testing.TB, v *view, st models.State) {
	tb.Helper()
	if st.Seq != v.seq {
		tb.Fatalf("snapshot seq %d, view seq %d", st.Seq, v.seq)
	}
	items, scores := v.state()
	a, _ := json.Marshal([]any{items, scores})
	b, _ := json.Marshal([]any{st.Items, st.Scores})
	if string(a) != string(b) {
		tb.Fatalf("view and snapshot differ:\nview %s\nrest %s", a, b)
	}
}
