package ws

import (
	"livedash/protocol"

	"sort"
	"sync"
	"time"
)

// maxPresenceUsers caps the user list of presence frames: with thousands of
// dashboards a full list in every frame would cost more than the events.
const maxPresenceUsers = 100

// presenceCrowd is the number of connections per presence delay of coalescing.
const presenceCrowd = 250

// Roster is the one owner of presence: who is connected to this instance
// and, when several instances share a database, to the others; when a
// change is worth a presence round (coalescing); and who is listed (the
// cap). The hub seats each connection and, when the roster calls due,
// sends the round the roster describes (presenceFrames builds the frames).
// Per-connection presence state (what a connection is editing, its role)
// belongs on its Seat.
type Roster interface {
	// Notify sets the function the roster calls when a round is due. The
	// hub owning the roster calls it once, before any Join; due may run on
	// any goroutine, never while the roster's lock is held.
	Notify(due func())
	// Join seats one connection of u; every Join is matched by one Leave.
	Join(u protocol.User) *Seat
	// Leave removes the seat Join returned.
	Leave(s *Seat)
	// Edit says what the seat's connection is editing (the zero Editing:
	// nothing); a change makes a round due.
	Edit(s *Seat, e protocol.Editing)
	// Round returns what a presence round sends now, and ends the wait for
	// one: a change after it makes a new round. count counts connections
	// everywhere; listed holds each public id once, ordered by name, then
	// id, at most maxPresenceUsers of them.
	Round() (count int, listed []protocol.User)
}

// Seat is one connection's place in presence, from Join to Leave.
type Seat struct {
	user    protocol.User    // fixed at Join
	editing protocol.Editing // the roster's, under its lock
}

// User is how the seat's connection is listed, without what it is editing:
// the one thing its own connection knows better than presence.
func (s *Seat) User() protocol.User { return s.user }

// LocalRoster is presence on one instance: every connection is here.
type LocalRoster struct {
	delay time.Duration

	mu      sync.Mutex
	seats   map[*Seat]struct{}
	due     func()
	pending bool // a round is due and not yet taken (Round)
}

var _ Roster = (*LocalRoster)(nil)

// NewLocalRoster makes a roster that coalesces changes over delay (0: the
// default), stretched as the crowd grows.
func NewLocalRoster(delay time.Duration) *LocalRoster {
	if delay <= 0 {
		delay = DefaultPresenceDelay
	}
	return &LocalRoster{delay: delay, seats: make(map[*Seat]struct{})}
}

func (r *LocalRoster) Notify(due func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.due = due
}

func (r *LocalRoster) Join(u protocol.User) *Seat {
	u.Editing = protocol.Editing{} // a connection starts editing nothing
	s := &Seat{user: u}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seats[s] = struct{}{}
	r.scheduleLocked()
	return s
}

func (r *LocalRoster) Leave(s *Seat) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.seats[s]; !ok {
		return
	}
	delete(r.seats, s)
	r.scheduleLocked()
}

func (r *LocalRoster) Edit(s *Seat, e protocol.Editing) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.seats[s]; !ok || s.editing == e {
		return
	}
	s.editing = e
	r.scheduleLocked()
}

func (r *LocalRoster) Round() (int, []protocol.User) {
	count, users := r.take()
	return count, capUsers(users)
}

// take ends the wait for a round and returns this instance's connection
// count and its users, each public id once, ordered, not capped.
func (r *LocalRoster) take() (int, []protocol.User) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pending = false
	return len(r.seats), r.usersLocked()
}

// share is this instance's part of presence as other instances list it:
// its connection count and its users, capped.
func (r *LocalRoster) share() (int, []protocol.User) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.seats), capUsers(r.usersLocked())
}

// changed makes a round due for a change the roster does not see itself
// (another instance's share).
func (r *LocalRoster) changed() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.scheduleLocked()
}

// scheduleLocked coalesces changes into one round per delay, stretched as
// the crowd grows: each round goes to every connection, so a flood of
// connects would otherwise cost O(n²) frames. Callers hold r.mu.
func (r *LocalRoster) scheduleLocked() {
	if r.pending || r.due == nil {
		return
	}
	r.pending = true
	time.AfterFunc(r.delay*time.Duration(1+len(r.seats)/presenceCrowd), r.fire)
}

func (r *LocalRoster) fire() {
	r.mu.Lock()
	due := r.due
	r.mu.Unlock()
	due()
}

// usersLocked lists the seated users. Callers hold r.mu.
func (r *LocalRoster) usersLocked() []protocol.User {
	users := make([]protocol.User, 0, len(r.seats))
	for s := range r.seats {
		u := s.user
		u.Editing = s.editing
		users = append(users, u)
	}
	return sortUsers(users)
}

// sortUsers orders users by name, then id, and keeps each public id once:
// where one id comes with two names (one client connected twice under
// different names) the first name in that order is listed, and where one
// person's connections edit different records, the first record in
// (type, id) order, and a record before none; then the role in name order.
// Rules without clocks, so every instance lists the same (docs/PROTOCOL.md,
// Presence).
func sortUsers(users []protocol.User) []protocol.User {
	sort.Slice(users, func(i, j int) bool {
		a, b := users[i], users[j]
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		if a.ID != b.ID {
			return a.ID < b.ID
		}
		if none := (protocol.Editing{}); (a.Editing == none) != (b.Editing == none) {
			return b.Editing == none
		}
		if a.Editing.Type != b.Editing.Type {
			return a.Editing.Type < b.Editing.Type
		}
		if a.Editing.ID != b.Editing.ID {
			return a.Editing.ID < b.Editing.ID
		}
		// One person with two roles (two links in two tabs): the same
		// entry everywhere, whatever the order of the seats.
		return a.Role < b.Role
	})
	seen := make(map[string]bool, len(users))
	out := users[:0]
	for _, u := range users {
		if !seen[u.ID] {
			seen[u.ID] = true
			out = append(out, u)
		}
	}
	return out
}

func capUsers(users []protocol.User) []protocol.User {
	return users[:min(len(users), maxPresenceUsers)]
}
