package ws

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"time"

	"livedash/models"
	"livedash/protocol"
	"livedash/ws/outbox"
)

// maxPresenceUsers caps the user list of presence frames: with thousands of
// dashboards a full list in every frame would cost more than the events.
const maxPresenceUsers = 100

// presenceCrowd is the number of connections per presence delay of coalescing.
const presenceCrowd = 250

// errClosing refuses connections once the hub is shutting down.
var errClosing = errors.New("ws: server is shutting down")

// Hub owns the set of connections and fans committed events out to them. It
// is the store's Feed: fed by Publish with committed events in seq order
// (from the store's publisher), never by the handler that made a change.
type Hub struct {
	presenceDelay time.Duration
	log           *slog.Logger

	mu              sync.Mutex
	conns           map[*conn]struct{}
	due             []*outbox.Outbox // scratch: connections to hand to the writers
	seq             int64            // last seq delivered to every registered connection
	closing         bool
	presencePending bool
	drained         chan struct{} // closed when closing and no conns remain
	// The other instances' dashboards, when several share one database:
	// app/presence.go keeps them up to date (SetRemotePresence).
	remoteCount int
	remoteUsers []protocol.User
}

// LocalPresence is this instance's own share of presence: its connection
// count and its users (at most maxPresenceUsers), for the other instances.
func (h *Hub) LocalPresence() (int, []protocol.User) {
	h.mu.Lock()
	defer h.mu.Unlock()
	users := h.localUsers()
	return len(h.conns), users[:min(len(users), maxPresenceUsers)]
}

// SetRemotePresence sets the other instances' share of presence; a change
// goes out to every connection like a local one.
func (h *Hub) SetRemotePresence(count int, users []protocol.User) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if count == h.remoteCount && slices.Equal(users, h.remoteUsers) {
		return
	}
	h.remoteCount, h.remoteUsers = count, users
	h.schedulePresence()
}

// NewHub makes a hub that coalesces presence over presenceDelay (0: the
// default). The store starts it (Start) when it is opened with the hub as
// its feed, before any connection is served.
func NewHub(log *slog.Logger, presenceDelay time.Duration) *Hub {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if presenceDelay <= 0 {
		presenceDelay = DefaultPresenceDelay
	}
	return &Hub{
		presenceDelay: presenceDelay,
		log:           log,
		conns:         make(map[*conn]struct{}),
		drained:       make(chan struct{}),
	}
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
	h.conns[c] = struct{}{}
	h.schedulePresence()
	return h.seq, nil
}

func (h *Hub) unregister(c *conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.conns, c)
	if h.closing && len(h.conns) == 0 {
		h.markDrained()
	}
	h.schedulePresence()
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

// schedulePresence coalesces connects and disconnects into one presence
// frame per presence delay, stretched as the crowd grows: each frame goes to
// everyone, so a flood of connects would otherwise cost O(n²) frames.
// Callers hold h.mu.
func (h *Hub) schedulePresence() {
	if h.presencePending || h.closing {
		return
	}
	h.presencePending = true
	delay := h.presenceDelay * time.Duration(1+len(h.conns)/presenceCrowd)
	time.AfterFunc(delay, h.sendPresence)
}

func (h *Hub) sendPresence() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.presencePending = false
	if h.closing {
		return
	}
	users := h.users()
	listed := users[:min(len(users), maxPresenceUsers)]
	p := newPresenceFrames(len(h.conns)+h.remoteCount, listed)
	due := h.due[:0]
	for c := range h.conns {
		if c.out.Enqueue([]*outbox.Frame{p.frameFor(protocol.User{ID: c.PublicID, Name: c.Name})}) {
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

// users lists every public id once, here and on the other instances,
// ordered by name, then id. Callers hold h.mu.
func (h *Hub) users() []protocol.User {
	if len(h.remoteUsers) == 0 {
		return h.localUsers()
	}
	return sortUsers(append(h.localUsers(), h.remoteUsers...))
}

// localUsers lists this instance's users. Callers hold h.mu.
func (h *Hub) localUsers() []protocol.User {
	users := make([]protocol.User, 0, len(h.conns))
	for c := range h.conns {
		users = append(users, protocol.User{ID: c.PublicID, Name: c.Name})
	}
	return sortUsers(users)
}

// sortUsers keeps each public id once, ordered by name, then id.
func sortUsers(all []protocol.User) []protocol.User {
	seen := make(map[string]bool, len(all))
	users := all[:0]
	for _, u := range all {
		if !seen[u.ID] {
			seen[u.ID] = true
			users = append(users, u)
		}
	}
	sort.Slice(users, func(i, j int) bool {
		if users[i].Name != users[j].Name {
			return users[i].Name < users[j].Name
		}
		return users[i].ID < users[j].ID
	})
	return users
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
