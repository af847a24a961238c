package outbox

import "time"

// Frame is an encoded server frame. Broadcast frames are built once and the
// same *Frame is queued for every recipient, so a queued Frame must not be
// changed.
type Frame struct {
	Kind      string    // frame type, for metrics
	Seq       int64     // events only
	Committed time.Time // events only: when the hub got it, for the delivery latency
	Data      []byte
	// A frame made for one recipient from shared pieces: its payload is
	// Data, then Own, then Rest (presence lists spliced per recipient).
	Own, Rest []byte
}

// appendTo appends f as a WebSocket text frame.
func (f *Frame) appendTo(b []byte) []byte {
	if f.Own == nil {
		return appendTextFrame(b, f.Data)
	}
	return appendTextFrameParts(b, f.Data, f.Own, f.Rest)
}

// Payload is f's whole payload (a copy only for frames made of pieces).
func (f *Frame) Payload() []byte {
	if f.Own == nil {
		return f.Data
	}
	return append(append(append([]byte(nil), f.Data...), f.Own...), f.Rest...)
}
