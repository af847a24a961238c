package ws

import (
	"livedash/protocol"

	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"sync"
	"time"

	"livedash/models"
	"livedash/store"
)

const (
	// presenceTick is how often an instance shares its presence and reads
	// the others': a change shows everywhere within about two ticks plus
	// the coalescing delay, well inside the contract's 2 s.
	presenceTick = 500 * time.Millisecond
	// presenceTTL is how long another instance counts without a heartbeat:
	// a dead instance drops out within it (the contract allows 30 s), and
	// at 20 ticks a slow database round trip never drops a live one.
	presenceTTL = 10 * time.Second
	// shareGap is the least time between two shares when edits kick them
	// early (SharedRoster.Edit).
	shareGap = 50 * time.Millisecond
)

// SharedRoster is presence on instances that share one database: this
// instance's connections, seated here, plus the other instances' shares,
// read from the database's presence table (store.SharePresence) while
// Share runs.
type SharedRoster struct {
	local *LocalRoster
	log   *slog.Logger
	// tick and ttl are presenceTick and presenceTTL; tests shorten them.
	tick, ttl time.Duration

	kick chan struct{} // an edit asks for a share before the next tick

	mu          sync.Mutex // guards the other instances' share
	remoteCount int
	remoteUsers []protocol.User // each instance's users, capped by that instance
}

var _ Roster = (*SharedRoster)(nil)

// NewSharedRoster makes a roster that coalesces changes over delay (0: the
// default) and counts the other instances once Share runs.
func NewSharedRoster(delay time.Duration, log *slog.Logger) *SharedRoster {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &SharedRoster{local: NewLocalRoster(delay), log: log, tick: presenceTick, ttl: presenceTTL, kick: make(chan struct{}, 1)}
}

func (r *SharedRoster) Notify(due func())          { r.local.Notify(due) }
func (r *SharedRoster) Join(u protocol.User) *Seat { return r.local.Join(u) }
func (r *SharedRoster) Leave(s *Seat)              { r.local.Leave(s) }

// Edit also shares this instance's presence at once rather than at the next
// tick: an edit is seen on other instances within about one tick (the
// contract allows 1 s), not two.
func (r *SharedRoster) Edit(s *Seat, e protocol.Editing) {
	r.local.Edit(s, e)
	select {
	case r.kick <- struct{}{}:
	default: // a share is already due
	}
}

func (r *SharedRoster) Round() (int, []protocol.User) {
	count, users := r.local.take()
	r.mu.Lock()
	count += r.remoteCount
	if len(r.remoteUsers) > 0 {
		users = sortUsers(append(users, r.remoteUsers...))
	}
	r.mu.Unlock()
	return count, capUsers(users)
}

// Share writes this instance's share to st every tick and reads the
// others', until ctx ends; then it removes this instance's share. It runs
// once per roster. While the database is unreachable the last view of the
// others stays.
func (r *SharedRoster) Share(ctx context.Context, st *store.Store) {
	instance := models.NewID(16)
	t := time.NewTicker(r.tick)
	defer t.Stop()
	for {
		r.shareOnce(ctx, st, instance)
		// Kicked shares come at most one per shareGap, so a crowd editing
		// at once costs the database a bounded rate of round trips.
		gap := time.NewTimer(shareGap)
		select {
		case <-ctx.Done():
			gap.Stop()
			dctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			if err := st.DropPresence(dctx, instance); err != nil {
				r.log.Debug("drop presence", "err", err)
			}
			cancel()
			return
		case <-t.C:
			gap.Stop()
		case <-gap.C:
			select {
			case <-ctx.Done():
			case <-t.C:
			case <-r.kick:
			}
		}
	}
}

func (r *SharedRoster) shareOnce(ctx context.Context, st *store.Store, instance string) {
	count, users := r.local.share()
	data, err := json.Marshal(users)
	if err != nil {
		r.log.Error("encode presence", "err", err)
		return
	}
	qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	shares, err := st.SharePresence(qctx, store.PresenceShare{Instance: instance, Count: count, Users: data}, r.ttl)
	cancel()
	if err != nil {
		if ctx.Err() == nil {
			r.log.Debug("share presence", "err", err)
		}
		return
	}
	remoteCount, remoteUsers := 0, []protocol.User(nil)
	for _, sh := range shares {
		var us []protocol.User
		if err := json.Unmarshal(sh.Users, &us); err != nil {
			r.log.Warn("presence share unreadable", "instance", sh.Instance, "err", err)
		}
		remoteUsers = append(remoteUsers, us...)
		remoteCount += sh.Count
	}
	r.setRemote(remoteCount, remoteUsers)
}

// setRemote sets the other instances' share; a change makes a round due.
func (r *SharedRoster) setRemote(count int, users []protocol.User) {
	r.mu.Lock()
	same := count == r.remoteCount && slices.Equal(users, r.remoteUsers)
	r.remoteCount, r.remoteUsers = count, users
	r.mu.Unlock()
	if !same {
		r.local.changed()
	}
}
