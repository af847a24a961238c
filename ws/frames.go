package ws

import (
	"encoding/json"

	"livedash/models"
)

// Outbound frames. Each is encoded once; broadcasts share the same bytes
// across every recipient.

type ackFrame struct {
	Type string          `json:"type"`
	ID   string          `json:"id"`
	Seq  int64           `json:"seq,omitempty"`
	Data json.RawMessage `json:"data"`
}

type errorFrame struct {
	Type  string        `json:"type"`
	ID    *string       `json:"id"`
	Error *models.Error `json:"error"`
}

// Welcome is the data of the first frame of every connection.
type Welcome struct {
	Seq     int64  `json:"seq"`
	Epoch   string `json:"epoch"`
	Client  string `json:"client"` // only ever sent to its own connection
	ID      string `json:"id"`     // the public id: how others see this client
	Name    string `json:"name"`
	Resumed bool   `json:"resumed,omitempty"`
}

// Resync tells a resuming client that it must reload the snapshot.
type Resync struct {
	Seq   int64  `json:"seq"`
	Epoch string `json:"epoch"`
}

// User is one person as presence lists them, by public id.
type User struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Presence lists who is connected. Count counts connections; Users lists each
// public id once, capped (see maxPresenceUsers) but always with the
// recipient's own entry.
type Presence struct {
	Count int    `json:"count"`
	Users []User `json:"users"`
}

type dataFrame[T any] struct {
	Type string `json:"type"`
	Data T      `json:"data"`
}

func encodeAck(id string, seq int64, data []byte) []byte {
	if len(data) == 0 {
		data = []byte("{}")
	}
	return mustEncode(ackFrame{Type: "ack", ID: id, Seq: seq, Data: data})
}

func encodeError(id string, err *models.Error) []byte {
	f := errorFrame{Type: "error", Error: err}
	if id != "" {
		f.ID = &id
	}
	return mustEncode(f)
}

func encodeData[T any](typ string, data T) []byte {
	return mustEncode(dataFrame[T]{Type: typ, Data: data})
}

// mustEncode marshals frames built from our own types, which cannot fail.
func mustEncode(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("ws: encode frame: " + err.Error())
	}
	return b
}
