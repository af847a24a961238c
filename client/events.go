package client

import (
	"encoding/json"
	"fmt"
	"time"

	"livedash/models"

	"livedash/protocol"
)

// The notices the client delivers between events carry no seq; every other
// Type is an event of the server's log (protocol.EventItemCreated, ...),
// with a seq. Three notices are the server's: protocol.TypeWelcome starts
// every connection (Data decodes with Event.Welcome); protocol.TypeResync
// says the events so far do not lead to the server's state: reload it
// (Client.State) and apply only the events with a seq above the
// snapshot's (Event.Resync); protocol.TypePresence lists who is connected
// (Event.Presence). The fourth is the client's own:

// TypeDisconnected says a connection ended and the client is reconnecting;
// Data decodes with Event.Disconnect.
const TypeDisconnected = "disconnected"

// Event is one item of the ordered stream that Options.OnEvent receives:
// either an event of the server's log (Seq > 0) or a notice (Seq 0).
type Event struct {
	Type  string
	Seq   int64           // the event's place in the log; 0 for notices
	Data  json.RawMessage // the record, {"id"} for deletes, the new state for state.reset
	Actor *models.Actor   // who made the change; nil for the server's own changes and for notices
	At    time.Time       // commit time; zero for notices
	Raw   []byte          // the frame as received; nil for notices the client made up
}

// Disconnect says why a connection ended.
type Disconnect struct {
	Code  int    `json:"code,omitempty"` // the server's close code (1001 stopping, 1013 too slow a reader...); 0 without a close frame
	Error string `json:"error"`
}

// IsChange reports whether e is an event of the log rather than a notice.
func (e Event) IsChange() bool { return e.Seq > 0 }

// Decode unmarshals the event's data, for example into a models.Item.
func (e Event) Decode(v any) error {
	if err := json.Unmarshal(e.Data, v); err != nil {
		return fmt.Errorf("livedash: decode %s data: %w", e.Type, err)
	}
	return nil
}

// Welcome returns the data of a protocol.TypeWelcome notice.
func (e Event) Welcome() (protocol.Welcome, bool) {
	var w protocol.Welcome
	return w, e.Type == protocol.TypeWelcome && json.Unmarshal(e.Data, &w) == nil
}

// Resync returns the data of a protocol.TypeResync notice: the position the
// stream continues from.
func (e Event) Resync() (protocol.Resync, bool) {
	var r protocol.Resync
	return r, e.Type == protocol.TypeResync && json.Unmarshal(e.Data, &r) == nil
}

// Disconnect returns the data of a TypeDisconnected notice.
func (e Event) Disconnect() (Disconnect, bool) {
	var d Disconnect
	return d, e.Type == TypeDisconnected && json.Unmarshal(e.Data, &d) == nil
}

// Presence returns the data of a protocol.TypePresence notice.
func (e Event) Presence() (protocol.Presence, bool) {
	var p protocol.Presence
	return p, e.Type == protocol.TypePresence && json.Unmarshal(e.Data, &p) == nil
}

// inFrame is any frame the server sends, decoded once: a reply, a notice
// (type and data), or an event, of which the stream keeps actor and at.
type inFrame struct {
	protocol.Reply
	Actor *models.Actor `json:"actor"`
	At    time.Time     `json:"at"`
}

func (f *inFrame) event(raw []byte) Event {
	return Event{Type: f.Type, Seq: f.Seq, Data: f.Data, Actor: f.Actor, At: f.At, Raw: raw}
}

// notice builds an event the client made up; data is one of our own types,
// so marshalling cannot fail.
func notice(typ string, data any) Event {
	b, _ := json.Marshal(data)
	return Event{Type: typ, Data: b}
}
