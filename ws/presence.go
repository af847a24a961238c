package ws

import (
	"bytes"
	"strconv"
)

// presenceFrames builds the presence frames of one round. Everyone listed
// shares one frame. When the list is capped, a recipient left out must still
// find itself: it gets a frame of its own, its entry in place of the last
// one, spliced from pieces encoded once, so a crowd costs a copy per
// recipient, not an encoding.
type presenceFrames struct {
	listed map[string]bool
	shared *frame
	head   []byte // {"type":"presence","data":{"count":N,"users":[
	rest   []byte // the listed users but the last, each with a leading comma
}

func newPresenceFrames(count int, listed []User) *presenceFrames {
	p := &presenceFrames{listed: make(map[string]bool, len(listed))}
	for _, u := range listed {
		p.listed[u.ID] = true
	}
	p.shared = &frame{kind: "presence", data: encodeData("presence", Presence{Count: count, Users: listed})}
	p.head = []byte(`{"type":"presence","data":{"count":` + strconv.Itoa(count) + `,"users":[`)
	var rest bytes.Buffer
	for _, u := range listed[:max(len(listed)-1, 0)] {
		rest.WriteByte(',')
		rest.Write(mustEncode(u))
	}
	p.rest = rest.Bytes()
	return p
}

func (p *presenceFrames) frameFor(self User) *frame {
	if p.listed[self.ID] {
		return p.shared
	}
	own := mustEncode(self)
	b := make([]byte, 0, len(p.head)+len(own)+len(p.rest)+3)
	b = append(append(append(append(b, p.head...), own...), p.rest...), "]}}"...)
	return &frame{kind: "presence", data: b}
}
