package protocol

import (
	"encoding/json"
	"testing"

	"livedash/models"
)

// The replies encode to the contract's bytes: an ack always has data ({}
// when there is none) and a seq only for a mutation; an error has a null
// id when the frame's id could not be read, and neither seq nor data.
func TestReplyBytes(t *testing.T) {
	notFound := models.Errorf(models.CodeNotFound, "id", "no item 9")
	tests := []struct {
		name  string
		reply Reply
		want  string
	}{
		{"ack of a query", Ack("r1", 0, json.RawMessage(`{"id":1}`)), `{"type":"ack","id":"r1","data":{"id":1}}`},
		{"ack of a ping", Ack("p", 0, nil), `{"type":"ack","id":"p","data":{}}`},
		{"ack of a mutation", Ack("r2", 42, json.RawMessage(`{"id":3}`)), `{"type":"ack","id":"r2","seq":42,"data":{"id":3}}`},
		{"error with an id", ErrorReply("r3", notFound), `{"type":"error","id":"r3","error":{"code":"not_found","message":"no item 9","field":"id"}}`},
		{"error without an id", ErrorReply("", models.Errorf(CodeTooLarge, "", "big")), `{"type":"error","id":null,"error":{"code":"too_large","message":"big"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.reply)
			if err != nil || string(b) != tt.want {
				t.Fatalf("got %s, %v\nwant %s", b, err, tt.want)
			}
			var back Reply
			if err := json.Unmarshal(b, &back); err != nil || back.Type != tt.reply.Type || back.Seq != tt.reply.Seq {
				t.Fatalf("decoded %+v, %v", back, err)
			}
		})
	}
}

// An event frame as models encodes it decodes as Event with every field.
func TestEventRoundTrip(t *testing.T) {
	delta, undoOf := int64(5), int64(3)
	ev := models.Event{Seq: 9, Type: EventScoreUpdated, Data: []byte(`{"id":1}`), ActorID: "p-1", ActorName: "Ann",
		Delta: &delta, Before: []byte(`{"id":1,"points":2}`), UndoOf: &undoOf}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	var got Event
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.Type != ev.Type || got.Seq != 9 || string(got.Data) != `{"id":1}` || got.Actor == nil || got.Actor.ID != "p-1" ||
		got.Delta == nil || *got.Delta != 5 || string(got.Before) != string(ev.Before) || got.UndoOf == nil || *got.UndoOf != 3 {
		t.Fatalf("decoded %+v from %s", got, b)
	}
}
