package store

import (
	"context"
	"fmt"
	"time"
)

// Presence across instances. Each instance keeps one row in the presence
// table: its connection count and listed users, with a heartbeat in the
// database's clock (so instances' clocks need not agree). app/presence.go
// writes the row and reads the others about twice a second; a row whose
// heartbeat is older than PresenceTTL belongs to a dead instance and no
// longer counts, and is deleted later. We chose a table over messages on a
// channel because a table is its own snapshot: a restarted or reconnected
// instance needs nothing replayed.

// PresenceTTL is how long an instance counts without a heartbeat.
const PresenceTTL = 10 * time.Second

// PresenceShare is one other instance's share of presence.
type PresenceShare struct {
	Instance string
	Count    int
	Users    []byte // JSON list of ws.User
}

const dbMillis = "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)"

// SharePresence writes this instance's share and returns the live shares of
// the others.
func (s *Store) SharePresence(ctx context.Context, instance string, count int, users []byte) ([]PresenceShare, error) {
	db := s.write.WithContext(ctx)
	err := db.Exec("INSERT INTO presence (instance, count, users, seen) VALUES (?, ?, ?, "+dbMillis+") "+
		"ON CONFLICT (instance) DO UPDATE SET count = excluded.count, users = excluded.users, seen = excluded.seen",
		instance, count, users).Error
	if err != nil {
		return nil, fmt.Errorf("store: share presence: %w", err)
	}
	ttl := PresenceTTL.Milliseconds()
	if err := db.Exec("DELETE FROM presence WHERE seen < "+dbMillis+" - ?", 6*ttl).Error; err != nil {
		return nil, s.dbError(err)
	}
	var rows []presenceRow
	err = db.Where("instance <> ? AND seen >= "+dbMillis+" - ?", instance, ttl).Order("instance").Find(&rows).Error
	if err != nil {
		return nil, s.dbError(err)
	}
	shares := make([]PresenceShare, len(rows))
	for i, r := range rows {
		shares[i] = PresenceShare{Instance: r.Instance, Count: r.Count, Users: r.Users}
	}
	return shares, nil
}

// DropPresence removes this instance's share when it stops.
func (s *Store) DropPresence(ctx context.Context, instance string) error {
	return s.write.WithContext(ctx).Exec("DELETE FROM presence WHERE instance = ?", instance).Error
}
