package models

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// eventFrameJSON is the reference: what encoding/json makes of the event's
// frame, the way Event.MarshalJSON was written before it was written by
// hand.
func eventFrameJSON(e Event) ([]byte, error) {
	out := EventFrame{Type: e.Type, Seq: e.Seq, Data: e.Data, Delta: e.Delta, Before: e.Before, UndoOf: e.UndoOf, At: e.At}
	if e.ActorID != "" || e.ActorName != "" {
		out.Actor = &Actor{ID: e.ActorID, Name: e.ActorName}
	}
	return json.Marshal(out)
}

func checkEventJSON(t *testing.T, e Event) {
	t.Helper()
	want, werr := eventFrameJSON(e)
	got, gerr := e.MarshalJSON()
	if (werr != nil) != (gerr != nil) {
		t.Fatalf("error %v, encoding/json's %v", gerr, werr)
	}
	if werr == nil && !bytes.Equal(got, want) {
		t.Fatalf("MarshalJSON wrote\n%s\nencoding/json writes\n%s", got, want)
	}
}

func TestEventJSONAsEncodingJSON(t *testing.T) {
	at := time.Date(2026, 12, 8, 4, 5, 6, 789_000_000, time.UTC)
	record, _ := json.Marshal(Item{ID: 7, Name: "<b>&\u2028", Description: "é", Version: 2, CreatedAt: at, UpdatedAt: at})
	for _, tc := range []struct {
		name string
		e    Event
	}{
		{"bare", Event{Type: "item.created", Seq: 1, Data: record, At: at}},
		{"no data", Event{Type: "state.reset", Seq: 2, At: at}},
		{"actor id only", Event{Type: "item.updated", Seq: 3, Data: record, ActorID: "u_1x", At: at}},
		{"actor name only", Event{Type: "item.updated", Seq: 3, Data: record, ActorName: "Ann", At: at}},
		{"actor both", Event{Type: "item.updated", Seq: 3, Data: record, ActorID: "u_1x", ActorName: "Ann", At: at}},
		{"name to escape", Event{Type: "x", Seq: 4, Data: record, ActorName: "A \"q\" \\ <script>&amp; \u2028 \u2029 é 😀", At: at}},
		{"HTML only", Event{Type: "x", Seq: 4, Data: record, ActorName: "a<b>c&d", At: at}},
		{"line separator only", Event{Type: "x", Seq: 4, Data: record, ActorName: "a\u2028b", At: at}},
		{"non-ASCII only", Event{Type: "x", Seq: 4, Data: record, ActorName: "Zoë", At: at}},
		{"control characters", Event{Type: "x", Seq: 4, Data: record, ActorID: "a\x00b\tc\nd\x7f", At: at}},
		{"invalid UTF-8", Event{Type: "x\xff", Seq: 4, Data: record, ActorName: "\xc3\x28", At: at}},
		{"delta zero", Event{Type: "score.incremented", Seq: 5, Data: record, Delta: ptr[int64](0), At: at}},
		{"delta negative", Event{Type: "score.incremented", Seq: 5, Data: record, Delta: ptr[int64](-1 << 62), At: at}},
		{"before", Event{Type: "item.deleted", Seq: 6, Data: []byte(`{"id":7}`), Before: record, At: at}},
		{"empty before", Event{Type: "item.created", Seq: 6, Data: record, Before: []byte{}, At: at}},
		{"undo of", Event{Type: "item.updated", Seq: 7, Data: record, Before: record, UndoOf: ptr[int64](3), At: at}},
		{"whole seconds", Event{Type: "x", Seq: 8, Data: record, At: at.Truncate(time.Second)}},
		{"another zone", Event{Type: "x", Seq: 8, Data: record, At: at.In(time.FixedZone("", 5*3600+30*60))}},
		{"zero time", Event{Type: "x", Seq: 9, Data: record}},
		{"year 10000", Event{Type: "x", Seq: 9, Data: record, At: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{"year -1", Event{Type: "x", Seq: 9, Data: record, At: time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{"everything", Event{Type: "item.updated", Seq: 1 << 62, Data: record, ActorID: "u", ActorName: "n",
			Delta: ptr[int64](3), Before: record, UndoOf: ptr[int64](1), At: at}},
	} {
		t.Run(tc.name, func(t *testing.T) { checkEventJSON(t, tc.e) })
	}
}

// An event without data (never stored: data is NOT NULL, and what a
// mutation encoded) goes out with null data, where encoding/json failed on
// an empty raw message and the hub sent a frame with the type alone.
func TestEventJSONWithoutData(t *testing.T) {
	for _, data := range [][]byte{nil, {}} {
		got, err := Event{Type: "x", Seq: 1, Data: data}.MarshalJSON()
		if want := `{"type":"x","seq":1,"data":null,"at":"0001-01-01T00:00:00Z"}`; err != nil || string(got) != want {
			t.Errorf("data %#v: %s, %v; want %s", data, got, err, want)
		}
	}
}

// FuzzEventJSON: for any event whose data and before are what
// encoding/json made of a record (as every stored event's are),
// MarshalJSON writes encoding/json's bytes.
func FuzzEventJSON(f *testing.F) {
	f.Add("item.created", int64(1), "name", "", "", false, int64(0), false, int64(0), int64(1_765_000_000_000_000_000), false)
	f.Add("x<&>", int64(-1), "\u2028\xff", "u_1", "Ann \"q\"", true, int64(-5), true, int64(7), int64(0), true)
	f.Add("x", int64(2), "d", "a<b", "\u2028", false, int64(0), false, int64(0), int64(-1), false)
	f.Fuzz(func(t *testing.T, typ string, seq int64, data, actorID, actorName string, hasDelta bool, delta int64,
		hasUndo bool, undoOf int64, atNanos int64, withBefore bool) {
		raw, err := json.Marshal(map[string]string{"name": data})
		if err != nil {
			t.Skip()
		}
		e := Event{Type: typ, Seq: seq, Data: raw, ActorID: actorID, ActorName: actorName, At: time.Unix(0, atNanos).UTC()}
		if hasDelta {
			e.Delta = &delta
		}
		if hasUndo {
			e.UndoOf = &undoOf
		}
		if withBefore {
			e.Before = raw
		}
		checkEventJSON(t, e)
	})
}
