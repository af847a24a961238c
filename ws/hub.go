package ws

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"time"

	"livedash/models"
	"livedash/protocol"
	"livedash/ws/outbox"
)

// errClosing refuses connections once the hub is shutting down.
var errClosing = errors.New("ws: server is shutting down")

// Hub owns the set of connections and fans committed events out to them. It
// is the store's Feed: fed by Publish with committed events in seq order
// (from the store's publisher), never by the handler that made a change.
type Hub struct {
	roster Roster // presence: the hub seats connections and sends its rounds
	log    *slog.Logger

	mu      sync.Mutex
	conns   map[*conn]*Seat
	due     []*outbox.Outbox // scratch: connections to hand to the writers
	seq     int64            // last seq delivered to every registered connection
	closing bool
	drained chan struct{} // closed when closing and no conns remain
}

// NewHub makes a hub that sends the presence rounds of roster (nil: a
// LocalRoster with the default delay), which serves no other hub. The
// store starts the hub (Start) when it is opened with the hub as its feed,
// before any connection is served.
func NewHub(log *slog.Logger, roster Roster) *Hub {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if roster == nil {
		roster = NewLocalRoster(0)
	}
	h := &Hub{
		roster:  roster,
		log:     log,
		conns:   make(map[*conn]*Seat),
		drained: make(chan struct{}),
	}
	roster.Notify(h.sendPresence)
	return h
}

// Publish delivers committed events, in seq order, to every connection's
// queue before it returns. The store calls it after each commit and before
// it answers the senders, so once a client holds an ack, every connection
// opened later gets a welcome seq at least as high.
func (h *Hub) Publish(events []models.Event) {
	// Each frame is encoded once, outside the lock, and shared by all.
	at := time.Now() // commit-to-send latency starts here
	frames := make([]*outbox.Frame, len(events))
	for i, ev := range events {
		b, err := ev.MarshalJSON() // json.Marshal would compact it again
		if err != nil {
			h.log.Error("encode event", "seq", ev.Seq, "err", err)
			b = mustEncode(dataFrame[struct{}]{Type: ev.Type})
		}
		frames[i] = &outbox.Frame{Kind: ev.Type, Seq: ev.Seq, Committed: at, Data: b}
	}
	h.broadcast(frames)
}

// Start sets the seq already committed when the hub starts; the store calls
// it when it opens, before anything is published.
func (h *Hub) Start(seq int64) {
	h.mu.Lock()
	h.seq = seq
	h.mu.Unlock()
}

// reasonEventsLost is the close reason of Lost.
const reasonEventsLost = "events were missed; reconnect with since to resume"

// Lost closes every connection with 1013 before the events after..next-1,
// which the store could not read, would leave a hole in their streams;
// they reconnect with since and resume from the log or resync. A
// connection registered afterwards gets next-1 as its welcome seq, so it
// too sees no gap.
func (h *Hub) Lost(after, next int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.log.Warn("closing every connection: events lost before they were published", "after", after, "next", next)
	for c := range h.conns {
		c.finish(protocol.CloseTryAgain, reasonEventsLost, false)
	}
	h.seq = max(h.seq, next-1)
}

func (h *Hub) broadcast(frames []*outbox.Frame) {
	h.mu.Lock()
	defer h.mu.Unlock()
	// A feed may repeat itself after a restart: skip what was delivered.
	fresh := slices.DeleteFunc(frames, func(f *outbox.Frame) bool { return f.Seq <= h.seq })
	if len(fresh) == 0 {
		return
	}
	// Queue everywhere first, then wake the writers once: they write the
	// broadcast in parallel while it is still being queued.
	due := h.due[:0]
	for c := range h.conns {
		if c.out.Enqueue(fresh) {
			due = append(due, &c.out)
		}
	}
	outbox.HandOff(due)
	h.keepDue(due)
	h.seq = fresh[len(fresh)-1].Seq
}

// register adds c and returns the seq its welcome reports: every event after
// it reaches c's queue, everything up to it is in the log.
func (h *Hub) register(c *conn) (int64, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closing {
		return 0, errClosing
	}
	h.conns[c] = h.roster.Join(protocol.User{ID: c.PublicID, Name: c.Name, Role: c.Role})
	return h.seq, nil
}

// edit sets what c is editing, for presence; a closed c edits nothing.
func (h *Hub) edit(c *conn, e protocol.Editing) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if seat, ok := h.conns[c]; ok {
		h.roster.Edit(seat, e)
	}
}

func (h *Hub) unregister(c *conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if seat, ok := h.conns[c]; ok {
		delete(h.conns, c)
		h.roster.Leave(seat)
	}
	if h.closing && len(h.conns) == 0 {
		h.markDrained()
	}
}

// markDrained signals Shutdown; callers hold h.mu.
func (h *Hub) markDrained() {
	select {
	case <-h.drained:
	default:
		close(h.drained)
	}
}

// Count is the number of open connections.
func (h *Hub) Count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.conns)
}

// sendPresence sends the round the roster describes to every connection;
// the roster calls it when a round is due.
func (h *Hub) sendPresence() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closing {
		return
	}
	p := newPresenceFrames(h.roster.Round())
	due := h.due[:0]
	for c, seat := range h.conns {
		if c.out.Enqueue([]*outbox.Frame{p.frameFor(seat.User())}) {
			due = append(due, &c.out)
		}
	}
	outbox.HandOff(due)
	h.keepDue(due)
}

// keepDue keeps the scratch list for the next broadcast, without holding
// on to connections. Callers hold h.mu.
func (h *Hub) keepDue(due []*outbox.Outbox) {
	clear(due)
	h.due = due[:0]
}

// Revoke closes with 1008 every connection opened with role's key at a
// version other than version: the key was rotated (here or on another
// instance) and the old one must stop working. Mutations in flight are
// answered first, as in any graceful close.
func (h *Hub) Revoke(role protocol.Role, version int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.conns {
		if c.KeyRole == role && c.KeyVersion != version {
			c.policyClose(reasonKeyRevoked)
		}
	}
}

// Shutdown closes every connection with 1001 after its in-flight mutations
// are acked, refuses new ones, and waits until all are gone or ctx ends.
func (h *Hub) Shutdown(ctx context.Context) error {
	h.mu.Lock()
	h.closing = true
	for c := range h.conns {
		c.goingAway()
	}
	if len(h.conns) == 0 {
		h.markDrained()
	}
	h.mu.Unlock()
	select {
	case <-h.drained:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
