package apptest

import (
	"encoding/json"
	"sort"
	"testing"

	"livedash/client"
	"livedash/models"
	"livedash/protocol"
)

// View is what a dashboard builds: a snapshot, then the events after it.
// Folding from an empty View works too, since every database's first event
// is a state.reset carrying the demo data.
type View struct {
	Seq    int64
	items  map[int64]models.Item
	scores map[int64]models.Score
}

// NewView starts from a snapshot (models.State{} for an empty start).
func NewView(st models.State) *View {
	v := &View{Seq: st.Seq, items: map[int64]models.Item{}, scores: map[int64]models.Score{}}
	for _, it := range st.Items {
		v.items[it.ID] = it
	}
	for _, s := range st.Scores {
		v.scores[s.ID] = s
	}
	return v
}

// Apply folds one event in, failing on a gap, a repeat or an unknown type.
func (v *View) Apply(tb testing.TB, seq int64, typ string, data []byte) {
	tb.Helper()
	if seq != v.Seq+1 {
		tb.Fatalf("event %s has seq %d after %d: a gap or a repeat", typ, seq, v.Seq)
	}
	switch typ {
	case protocol.EventItemCreated, protocol.EventItemUpdated:
		it := eventData[models.Item](tb, seq, typ, data)
		v.items[it.ID] = it
	case protocol.EventItemDeleted:
		delete(v.items, eventData[models.Deleted](tb, seq, typ, data).ID)
	case protocol.EventScoreCreated, protocol.EventScoreUpdated:
		s := eventData[models.Score](tb, seq, typ, data)
		v.scores[s.ID] = s
	case protocol.EventScoreDeleted:
		delete(v.scores, eventData[models.Deleted](tb, seq, typ, data).ID)
	case protocol.EventStateReset:
		st := eventData[models.ResetState](tb, seq, typ, data)
		*v = *NewView(models.State{Items: st.Items, Scores: st.Scores})
	default:
		tb.Fatalf("unknown event type %q at seq %d", typ, seq)
	}
	v.Seq = seq
}

// eventData decodes the data of event seq as a T.
func eventData[T any](tb testing.TB, seq int64, typ string, data []byte) T {
	tb.Helper()
	var x T
	if err := json.Unmarshal(data, &x); err != nil {
		tb.Fatalf("event %d (%s): %v: %s", seq, typ, err, data)
	}
	return x
}

// ApplyEvent folds in an event a livedash client delivered.
func (v *View) ApplyEvent(tb testing.TB, ev client.Event) {
	tb.Helper()
	v.Apply(tb, ev.Seq, ev.Type, ev.Data)
}

// ApplyFrame folds an event frame in.
func (v *View) ApplyFrame(tb testing.TB, f Frame) {
	tb.Helper()
	v.Apply(tb, f.Seq, f.Type, f.Data)
}

// Lists renders the view in the contract's orders: items by id, scores by
// points descending then id.
func (v *View) Lists() ([]models.Item, []models.Score) {
	items, scores := make([]models.Item, 0, len(v.items)), make([]models.Score, 0, len(v.scores))
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

// RequireState fails unless the view equals the snapshot, seq included.
func (v *View) RequireState(tb testing.TB, st models.State) {
	tb.Helper()
	if st.Seq != v.Seq {
		tb.Fatalf("snapshot seq %d, view seq %d", st.Seq, v.Seq)
	}
	items, scores := v.Lists()
	got, _ := json.Marshal([]any{items, scores})
	want, _ := json.Marshal([]any{st.Items, st.Scores})
	if string(got) != string(want) {
		tb.Fatalf("view and snapshot differ:\nview  %.2000s\nstate %.2000s", got, want)
	}
}
