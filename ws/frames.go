package ws

import (
	"encoding/json"

	"livedash/models"
	"livedash/protocol"
)

// Outbound frames, in the shapes of package protocol. Each is encoded
// once; broadcasts share the same bytes across every recipient.

type dataFrame[T any] struct {
	Type string `json:"type"`
	Data T      `json:"data"`
}

func encodeAck(id string, seq int64, data []byte) []byte {
	return mustEncode(protocol.Ack(id, seq, data))
}

func encodeError(id string, err *models.Error) []byte {
	return mustEncode(protocol.ErrorReply(id, err))
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
