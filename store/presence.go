package store

import (
	"context"
	"fmt"
	"time"

	"livedash/models"
)

// Presence across instances, as the table of its shares. Each instance
// keeps one row: its connection count and listed users, with a heartbeat
// in the database's clock (dialect.clockMillis), so instances' clocks need
// not agree. The presence owner (ws.SharedRoster) writes its row and reads
// the others' about twice a second and decides how long a silent share
// still counts. We chose a table over messages on a channel because a
// table is its own snapshot: a restarted or reconnected instance needs
// nothing replayed. The statements are SQL both databases run (upserts
// need SQLite 3.24 or PostgreSQL 9.5); only the clock differs.

// presenceRow is one instance's share of presence.
type presenceRow struct {
	Instance string `gorm:"primaryKey"`
	Count    int    `gorm:"not null"`
	Users    []byte `gorm:"not null"`
	Seen     int64  `gorm:"not null"` // database clock, milliseconds since the Unix epoch
}

func (presenceRow) TableName() string { return "presence" }

// presencePurge is how many ttls a silent share stays in the table before
// it is deleted: long enough that an instance pausing a little past ttl
// finds its row where it left it.
const presencePurge = 6

// PresenceShare is one instance's share of presence.
type PresenceShare struct {
	Instance string
	Count    int
	Users    []byte // JSON, opaque to the store
}

// SharePresence writes mine, heard from now, and returns the other
// instances' shares heard from within ttl, ordered by instance. Shares
// silent for presencePurge ttls are deleted.
func (s *Store) SharePresence(ctx context.Context, mine PresenceShare, ttl time.Duration) ([]PresenceShare, error) {
	if mine.Instance == "" {
		return nil, models.Errorf(models.CodeInvalid, "instance", "a presence share needs an instance")
	}
	if ttl < time.Millisecond {
		return nil, models.Errorf(models.CodeInvalid, "ttl", "a presence share lives 1 ms or more, not %v", ttl)
	}
	now := s.d.clockMillis()
	db := s.write.WithContext(ctx)
	err := db.Exec("INSERT INTO presence (instance, count, users, seen) VALUES (?, ?, ?, "+now+") "+
		"ON CONFLICT (instance) DO UPDATE SET count = excluded.count, users = excluded.users, seen = excluded.seen",
		mine.Instance, mine.Count, mine.Users).Error
	if err != nil {
		return nil, s.dbError(fmt.Errorf("store: share presence: %w", err))
	}
	live := ttl.Milliseconds()
	if err := db.Exec("DELETE FROM presence WHERE seen < "+now+" - ?", presencePurge*live).Error; err != nil {
		return nil, s.dbError(err)
	}
	var rows []presenceRow
	err = db.Where("instance <> ? AND seen >= "+now+" - ?", mine.Instance, live).Order("instance").Find(&rows).Error
	if err != nil {
		return nil, s.dbError(err)
	}
	shares := make([]PresenceShare, len(rows))
	for i, r := range rows {
		shares[i] = PresenceShare{Instance: r.Instance, Count: r.Count, Users: r.Users}
	}
	return shares, nil
}

// DropPresence removes an instance's share when it stops.
func (s *Store) DropPresence(ctx context.Context, instance string) error {
	return s.dbError(s.write.WithContext(ctx).Exec("DELETE FROM presence WHERE instance = ?", instance).Error)
}
