package protocol

import (
	"encoding/json"

	"livedash/models"
)

// Welcome is the data of the first frame of every connection.
type Welcome struct {
	Seq     int64  `json:"seq"`    // the last seq committed when the connection was subscribed
	Epoch   string `json:"epoch"`  // the database's epoch
	Client  string `json:"client"` // only ever sent to its own connection
	ID      string `json:"id"`     // the public id: how others see this client (v1.1)
	Name    string `json:"name"`
	Role    Role   `json:"role"`              // what the connection's credential allows (Access)
	Resumed bool   `json:"resumed,omitempty"` // the events missed since `since` follow
}

// Resync tells a resuming client that it must reload the snapshot: the
// events that follow continue from Seq.
type Resync struct {
	Seq   int64  `json:"seq"`
	Epoch string `json:"epoch"`
}

// User is one person as presence lists them, by public id, with the
// record they have open for editing, if any. User is comparable: a
// roster compares lists to see whether anything changed.
type User struct {
	ID      string  `json:"id"`
	Name    string  `json:"name"`
	Role    Role    `json:"role,omitempty"` // omitted only by tests that make users without one
	Editing Editing `json:"editing,omitzero"`
}

// Editing names the record a person has open for editing; the zero value
// is none.
type Editing struct {
	Type string `json:"type"` // models.RecordItem or models.RecordScore
	ID   int64  `json:"id"`
}

// Presence lists who is connected. Count counts connections; Users lists
// each public id once, capped by the server but always with the
// recipient's own entry.
type Presence struct {
	Count int    `json:"count"`
	Users []User `json:"users"`
}

// Reply answers one request: an ack ({"type":"ack","id","seq"?,"data"})
// or an error ({"type":"error","id","error"}). ID is null only on an error
// for a frame whose id could not be read; Seq is set on the ack of a
// mutation, the seq of its event.
type Reply struct {
	Type  string          `json:"type"` // TypeAck or TypeError
	ID    *string         `json:"id"`
	Seq   int64           `json:"seq,omitempty"`
	Data  json.RawMessage `json:"data,omitempty"`
	Error *models.Error   `json:"error,omitempty"`
}

// Event is an event frame, and an event of a history, as a reader decodes
// it: type, seq, data (the record; {"id"} for deletes; the new state for
// state.reset), actor, delta (increments), before (updates and deletes),
// undo_of and at.
type Event = models.EventFrame

// Ack is the ack of request id; seq is the seq of a mutation's event (0
// for a query), data the answer ({} when there is none).
func Ack(id string, seq int64, data json.RawMessage) Reply {
	if len(data) == 0 {
		data = json.RawMessage("{}")
	}
	return Reply{Type: TypeAck, ID: &id, Seq: seq, Data: data}
}

// ErrorReply is the error answering request id; "" when the frame's id
// could not be read, which the frame says with a null id.
func ErrorReply(id string, err *models.Error) Reply {
	r := Reply{Type: TypeError, Error: err}
	if id != "" {
		r.ID = &id
	}
	return r
}

// RequestFrame is a request as a client writes it: its type (a mutation's
// Type..., a models.Query or TypePing), an id unique among the client's
// requests, and the data of that type (see Decode).
type RequestFrame struct {
	Type string          `json:"type"`
	ID   string          `json:"id"`
	Data json.RawMessage `json:"data"`
}
