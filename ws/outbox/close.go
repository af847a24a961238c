package outbox

import (
	"errors"
	"strconv"
	"time"

	"github.com/fasthttp/websocket"
)

// State is how far an Outbox is in closing; it only moves forward:
//
//	Open ──Stop──▶ Stopping ──Finish──▶ Closing ──close frame out──▶ Closed
//	  └───────────────Finish───────────────▲
//
// The reader stops extending its read deadline from Stopping on; Finish
// decides the close (its first code and reason stand), and the owner of the
// writing turn then writes it; Closed means the writing side is done for
// good (Done is closed) and the reader has its last deadline.
type State uint32

const (
	// Open: writing whatever is due.
	Open State = iota
	// Stopping: the server is shutting down. The session answers what is
	// in flight, then calls Finish; nothing else changes yet.
	Stopping
	// Closing: Finish was called. Frames may still be queued, but only a
	// draining close writes them, before the close frame.
	Closing
	// Closed: the close frame, if any, is out and the reader is bounded.
	Closed
)

func (s State) String() string {
	switch s {
	case Open:
		return "open"
	case Stopping:
		return "stopping"
	case Closing:
		return "closing"
	case Closed:
		return "closed"
	}
	return "state(" + strconv.Itoa(int(s)) + ")"
}

// State reports how far o is in closing.
func (o *Outbox) State() State { return State(o.state.Load()) }

// Close codes that the outbox itself sends or treats apart.
const (
	// NoCloseFrame, as Finish's code, ends the connection without a close
	// frame: the socket failed, or the peer is gone.
	NoCloseFrame = 0
	// CloseNormal answers the peer's own close frame: nothing is left to
	// read after it.
	CloseNormal = websocket.CloseNormalClosure
	// CloseTryAgain closes a connection whose send queue overflowed; the
	// client resumes with since.
	CloseTryAgain   = websocket.CloseTryAgainLater
	reasonQueueFull = "send queue full; reconnect with since to resume"
)

// ErrClosing reports a read deadline that was not extended because the
// connection is closing.
var ErrClosing = errors.New("outbox: connection closing")

// Stop marks an Open connection Stopping: a graceful close is coming.
func (o *Outbox) Stop() {
	o.state.CompareAndSwap(uint32(Open), uint32(Stopping))
}

// Finish decides how the connection closes, once: later calls are ignored so
// the first reason wins. With drain, what is queued is written before the
// close frame. The owner of the writing turn (taken here if nobody has it)
// writes the close; a reader waiting in WaitBelow wakes.
func (o *Outbox) Finish(code int, reason string, drain bool) {
	o.mu.Lock()
	if o.State() >= Closing {
		o.mu.Unlock()
		return
	}
	// Set before the state: whoever sees Closing reads them.
	o.closeCode, o.reason, o.drain = uint16(code), reason, drain
	o.state.Store(uint32(Closing))
	o.due = true
	took := !o.owned
	o.owned = true
	o.mu.Unlock()
	o.queue.wake()
	if took {
		o.pool.writers.push(o)
	}
}

// CloseCode is the code and reason Finish was called with (NoCloseFrame
// and "" before).
func (o *Outbox) CloseCode() (int, string) {
	if o.State() < Closing {
		return NoCloseFrame, ""
	}
	return int(o.closeCode), o.reason
}

// Done is closed once the writing side is done for good (Closed). Its
// channel is made by the first call, not when the outbox opens: only the
// reader's last step waits on it, and an idle connection of a crowd would
// hold its 96 bytes for all its life.
func (o *Outbox) Done() <-chan struct{} {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.done == nil {
		o.done = make(chan struct{})
		if o.writesDone {
			close(o.done)
		}
	}
	return o.done
}

// markWritesDone closes Done's channel, or has its first call return a
// closed one.
func (o *Outbox) markWritesDone() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.writesDone = true
	if o.done != nil {
		close(o.done)
	}
}

// finishWrites closes the connection's writing side: what a graceful close
// drains, the close frame, then the reader's last deadline. Its caller owns
// the turn and never gives it up, so nothing is written after it.
func (o *Outbox) finishWrites() {
	defer o.markWritesDone()
	defer o.endReading()
	if o.drain && o.Flush() != nil {
		return
	}
	if o.closeCode != NoCloseFrame {
		msg := websocket.FormatCloseMessage(int(o.closeCode), o.reason)
		// Through the library, which then refuses to write anything after
		// it (its own close on a protocol error, say).
		_ = o.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(o.pool.writeWait))
	}
}

// endReading bounds the reader once writing is done: the socket is closed
// only once the reader is done, so a read deadline is what ends it. After
// our own close frame the reader gets a moment to read the peer's answer
// (closing a socket with unread data makes the kernel send a reset, which
// can destroy our close frame before the peer has read it); otherwise it
// stops at once.
func (o *Outbox) endReading() {
	until := time.Now()
	if o.closeCode != NoCloseFrame && o.closeCode != CloseNormal {
		until = until.Add(min(o.pool.writeWait, time.Second))
	}
	o.finalRead.Store(until.UnixNano())
	o.state.Store(uint32(Closed))
	_ = o.ws.SetReadDeadline(until)
}

// ExtendReadDeadline gives the peer another wait to send something, unless
// the connection is Stopping or further: then it keeps the last deadline
// (endReading's, once known) and reports ErrClosing. endReading stores its
// deadline before it sets it, and this looks at the state again after
// setting its own and then puts the stored one back, so the last deadline
// always wins.
func (o *Outbox) ExtendReadDeadline(wait time.Duration) error {
	if o.State() >= Stopping {
		return o.keepFinalRead()
	}
	if err := o.ws.SetReadDeadline(time.Now().Add(wait)); err != nil {
		return err
	}
	if o.State() >= Stopping {
		return o.keepFinalRead()
	}
	return nil
}

func (o *Outbox) keepFinalRead() error {
	if until := o.finalRead.Load(); until != 0 {
		_ = o.ws.SetReadDeadline(time.Unix(0, until))
	}
	return ErrClosing
}
