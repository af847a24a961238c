package ws

import (
	"bytes"
	"livedash/protocol"
	"strconv"

	"livedash/ws/outbox"
)

// presenceFrames builds the presence frames of one round. Everyone listed
// shares one frame. When the list is capped, a recipient left out must still
// find itself: it gets a frame of its own, its entry in place of the last
// one, spliced from pieces encoded once and shared: a recipient costs its
// own entry, not a copy of the list (with 10,000 connections, copies were
// 50 MB of garbage per presence round).
type presenceFrames struct {
	listed map[string]bool
	shared *outbox.Frame
	head   []byte // {"type":"presence","data":{"count":N,"users":[
	rest   []byte // the listed users but the last, each with a leading comma, and "]}}"
}

func newPresenceFrames(count int, listed []protocol.User) *presenceFrames {
	p := &presenceFrames{listed: make(map[string]bool, len(listed))}
	for _, u := range listed {
		p.listed[u.ID] = true
	}
	p.shared = &outbox.Frame{Kind: "presence", Data: encodeData("presence", protocol.Presence{Count: count, Users: listed})}
	p.head = []byte(`{"type":"presence","data":{"count":` + strconv.Itoa(count) + `,"users":[`)
	var rest bytes.Buffer
	for _, u := range listed[:max(len(listed)-1, 0)] {
		rest.WriteByte(',')
		rest.Write(mustEncode(u))
	}
	rest.WriteString("]}}")
	p.rest = rest.Bytes()
	return p
}

func (p *presenceFrames) frameFor(self protocol.User) *outbox.Frame {
	if p.listed[self.ID] {
		return p.shared
	}
	return &outbox.Frame{Kind: "presence", Data: p.head, Own: mustEncode(self), Rest: p.rest}
}
