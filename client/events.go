package client

import (
	"encoding/json"
	"fmt"
	"time"
)

// Types of the notices the client delivers between events. They carry no
// seq. Every other Type is an event of the server's log (item.created,
// score.updated, state.reset, ...), with a seq.
const (
	// TypeWelcome starts every connection; Data decodes with Event.Welcome.
	TypeWelcome = "welcome"
	// TypeResync says the events so far do not lead to the server's state:
	// reload it (Client.State) and apply only the events with a seq above
	// the snapshot's. Data decodes with Event.Resync.
	TypeResync = "resync"
	// TypePresence lists who is connected; Data decodes with Event.Presence.
	TypePresence = "presence"
	// TypeDisconnected says a connection ended and the client is
	// reconnecting; Data decodes with Event.Disconnect.
	TypeDisconnected = "disconnected"
)

// Event is one item of the ordered stream that Options.OnEvent receives:
// either an event of the server's log (Seq > 0) or a notice (Seq 0).
type Event struct {
	Type  string
	Seq   int64           // the event's place in the log; 0 for notices
	Data  json.RawMessage // the record, {"id"} for deletes, the new state for state.reset
	Actor *Actor          // who made the change; nil for the server's own changes and for notices
	At    time.Time       // commit time; zero for notices
	Raw   []byte          // the frame as received; nil for notices the client made up
}

// Actor names who made a change. ID is the public id (contract v1.1);
// servers before v1.1 send no id, only a name.
type Actor struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

// Welcome is what the server said when a connection opened.
type Welcome struct {
	Seq     int64  `json:"seq"`   // last seq committed when the connection was subscribed
	Epoch   string `json:"epoch"` // the database's epoch
	ID      string `json:"id"`    // this client's public id, if the server sends one (v1.1)
	Name    string `json:"name"`
	Resumed bool   `json:"resumed"` // the server replays what was missed since Options.Since or the last connection
}

// Resync is the position the client's stream continues from after a resync.
type Resync struct {
	Seq   int64  `json:"seq"`
	Epoch string `json:"epoch"`
}

// Presence lists who is connected. Count counts connections; Users may be
// capped by the server.
type Presence struct {
	Count int     `json:"count"`
	Users []Actor `json:"users"`
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

// Welcome returns the data of a TypeWelcome notice.
func (e Event) Welcome() (Welcome, bool) {
	var w Welcome
	return w, e.Type == TypeWelcome && json.Unmarshal(e.Data, &w) == nil
}

// Resync returns the data of a TypeResync notice.
func (e Event) Resync() (Resync, bool) {
	var r Resync
	return r, e.Type == TypeResync && json.Unmarshal(e.Data, &r) == nil
}

// Disconnect returns the data of a TypeDisconnected notice.
func (e Event) Disconnect() (Disconnect, bool) {
	var d Disconnect
	return d, e.Type == TypeDisconnected && json.Unmarshal(e.Data, &d) == nil
}

// Presence returns the data of a TypePresence notice.
func (e Event) Presence() (Presence, bool) {
	var p Presence
	return p, e.Type == TypePresence && json.Unmarshal(e.Data, &p) == nil
}

// inFrame is any frame the server sends, decoded once.
type inFrame struct {
	Type  string          `json:"type"`
	ID    *string         `json:"id"`
	Seq   int64           `json:"seq"`
	Data  json.RawMessage `json:"data"`
	Error *Error          `json:"error"`
	Actor *Actor          `json:"actor"`
	At    time.Time       `json:"at"`
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
