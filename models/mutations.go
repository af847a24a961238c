package models

import (
	"errors"
	"math"
	"time"

	"gorm.io/gorm"
)

// Mutation is one change a client asks for. The request types double as the
// JSON shapes of the WebSocket `data` and the REST bodies, so the contract's
// rules live here once.
type Mutation interface {
	// Validate checks the contract's field rules and normalises the input
	// (names by CleanName's rule); it touches no database.
	Validate() error
	// apply runs inside the writer's transaction. It reads what it must check
	// before it writes anything, so an *Error return leaves no partial write.
	apply(tx *gorm.DB, now time.Time) (change, error)
}

// change is what a successful mutation produced: the event to log and the
// record that is both the ack's data and the event's data.
type change struct {
	eventType string
	record    any
	delta     *int64
}

type CreateItem struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

type UpdateItem struct {
	ID          int64   `json:"id"`
	Version     *int64  `json:"version"`
	Name        *string `json:"name"`
	Description *string `json:"description"`
}

type DeleteItem struct {
	ID      int64  `json:"id"`
	Version *int64 `json:"version"`
}

type CreateScore struct {
	Player string `json:"player"`
	Points int64  `json:"points"`
}

type UpdateScore struct {
	ID      int64   `json:"id"`
	Version *int64  `json:"version"`
	Player  *string `json:"player"`
	Points  *int64  `json:"points"`
}

type IncrementScore struct {
	ID int64 `json:"id"`
	By int64 `json:"by"`
}

type DeleteScore struct {
	ID      int64  `json:"id"`
	Version *int64 `json:"version"`
}

// ResetDemo replaces all items and scores with the demo data set.
type ResetDemo struct{}

// Deleted is the record of delete acks and events.
type Deleted struct {
	ID int64 `json:"id"`
}

// ResetState is the record of a state.reset event: the complete new state.
type ResetState struct {
	Items  []Item  `json:"items"`
	Scores []Score `json:"scores"`
}

func (m *CreateItem) Validate() (err error) {
	if m.Name, err = CleanName("name", m.Name, MaxItemName); err != nil {
		return err
	}
	return checkDescription(m.Description)
}

func (m *CreateItem) apply(tx *gorm.DB, now time.Time) (change, error) {
	it := Item{Name: m.Name, Description: m.Description, Version: 1, CreatedAt: now, UpdatedAt: now}
	if err := tx.Create(&it).Error; err != nil {
		return change{}, err
	}
	return change{eventType: "item.created", record: it}, nil
}

func (m *UpdateItem) Validate() error {
	if err := checkID(m.ID); err != nil {
		return err
	}
	if err := checkVersion(m.Version); err != nil {
		return err
	}
	if m.Name == nil && m.Description == nil {
		return Errorf(CodeInvalid, "name", "give a name or a description to change")
	}
	if m.Name != nil {
		name, err := CleanName("name", *m.Name, MaxItemName)
		if err != nil {
			return err
		}
		m.Name = &name
	}
	if m.Description != nil {
		return checkDescription(*m.Description)
	}
	return nil
}

func (m *UpdateItem) apply(tx *gorm.DB, now time.Time) (change, error) {
	var it Item
	if err := findVersioned(tx, &it, "item", m.ID, m.Version, func() int64 { return it.Version }); err != nil {
		return change{}, err
	}
	if m.Name != nil {
		it.Name = *m.Name
	}
	if m.Description != nil {
		it.Description = *m.Description
	}
	it.Version++
	it.UpdatedAt = now
	err := tx.Model(&Item{}).Where("id = ?", it.ID).Updates(map[string]any{
		"name": it.Name, "description": it.Description, "version": it.Version, "updated_at": now,
	}).Error
	return change{eventType: "item.updated", record: it}, err
}

func (m *DeleteItem) Validate() error {
	if err := checkID(m.ID); err != nil {
		return err
	}
	return checkVersion(m.Version)
}

func (m *DeleteItem) apply(tx *gorm.DB, _ time.Time) (change, error) {
	var it Item
	if err := findVersioned(tx, &it, "item", m.ID, m.Version, func() int64 { return it.Version }); err != nil {
		return change{}, err
	}
	err := tx.Delete(&Item{}, m.ID).Error
	return change{eventType: "item.deleted", record: Deleted{ID: m.ID}}, err
}

func (m *CreateScore) Validate() (err error) {
	m.Player, err = CleanName("player", m.Player, MaxPlayer)
	return err
}

func (m *CreateScore) apply(tx *gorm.DB, now time.Time) (change, error) {
	if err := checkPlayerFree(tx, m.Player, 0); err != nil {
		return change{}, err
	}
	s := Score{Player: m.Player, PlayerKey: PlayerKey(m.Player), Points: m.Points, Version: 1, CreatedAt: now, UpdatedAt: now}
	if err := tx.Create(&s).Error; err != nil {
		return change{}, err
	}
	return change{eventType: "score.created", record: s}, nil
}

func (m *UpdateScore) Validate() error {
	if err := checkID(m.ID); err != nil {
		return err
	}
	if err := checkVersion(m.Version); err != nil {
		return err
	}
	if m.Player == nil && m.Points == nil {
		return Errorf(CodeInvalid, "player", "give a player or points to change")
	}
	if m.Player != nil {
		player, err := CleanName("player", *m.Player, MaxPlayer)
		if err != nil {
			return err
		}
		m.Player = &player
	}
	return nil
}

func (m *UpdateScore) apply(tx *gorm.DB, now time.Time) (change, error) {
	var s Score
	if err := findVersioned(tx, &s, "score", m.ID, m.Version, func() int64 { return s.Version }); err != nil {
		return change{}, err
	}
	if m.Player != nil {
		if err := checkPlayerFree(tx, *m.Player, s.ID); err != nil {
			return change{}, err
		}
		s.Player, s.PlayerKey = *m.Player, PlayerKey(*m.Player)
	}
	if m.Points != nil {
		s.Points = *m.Points
	}
	s.Version++
	s.UpdatedAt = now
	err := tx.Model(&Score{}).Where("id = ?", s.ID).Updates(map[string]any{
		"player": s.Player, "player_key": s.PlayerKey, "points": s.Points, "version": s.Version, "updated_at": now,
	}).Error
	return change{eventType: "score.updated", record: s}, err
}

func (m *IncrementScore) Validate() error {
	if err := checkID(m.ID); err != nil {
		return err
	}
	if m.By == 0 {
		return Errorf(CodeInvalid, "by", "by must be a non-zero integer")
	}
	return nil
}

// apply is one atomic UPDATE, so increments stay exact even when several
// servers share one database. It is raw SQL, scanned by hand (still bound by
// GORM, so still portable), because the ORM's update and scan paths were a
// third of the writer's time. The guard keeps points inside int64: SQLite
// would otherwise turn an overflowing sum into a float.
func (m *IncrementScore) apply(tx *gorm.DB, now time.Time) (change, error) {
	guard, bound := "points <= ?", int64(math.MaxInt64)-m.By
	if m.By < 0 {
		guard, bound = "points >= ?", int64(math.MinInt64)-m.By
	}
	var s Score
	found, err := scanOne(tx.Raw("UPDATE scores SET points = points + ?, version = version + 1, updated_at = ? "+
		"WHERE id = ? AND "+guard+" RETURNING id, player, player_key, points, version, created_at, updated_at",
		m.By, now, m.ID, bound), &s.ID, &s.Player, &s.PlayerKey, &s.Points, &s.Version, &s.CreatedAt, &s.UpdatedAt)
	if err != nil {
		return change{}, err
	}
	if !found {
		if err := tx.Select("id").First(&s, m.ID).Error; err != nil {
			return change{}, notFound(err, "score", m.ID)
		}
		return change{}, Errorf(CodeInvalid, "by", "points would leave the 64-bit range")
	}
	by := m.By
	return change{eventType: "score.updated", record: s, delta: &by}, nil
}

func (m *DeleteScore) Validate() error {
	if err := checkID(m.ID); err != nil {
		return err
	}
	return checkVersion(m.Version)
}

func (m *DeleteScore) apply(tx *gorm.DB, _ time.Time) (change, error) {
	var s Score
	if err := findVersioned(tx, &s, "score", m.ID, m.Version, func() int64 { return s.Version }); err != nil {
		return change{}, err
	}
	err := tx.Delete(&Score{}, m.ID).Error
	return change{eventType: "score.deleted", record: Deleted{ID: m.ID}}, err
}

func (m *ResetDemo) Validate() error { return nil }

func (m *ResetDemo) apply(tx *gorm.DB, now time.Time) (change, error) {
	if err := tx.Where("1 = 1").Delete(&Item{}).Error; err != nil {
		return change{}, err
	}
	if err := tx.Where("1 = 1").Delete(&Score{}).Error; err != nil {
		return change{}, err
	}
	items, scores := demoItems(), demoScores()
	for i := range items {
		items[i].Version, items[i].CreatedAt, items[i].UpdatedAt = 1, now, now
	}
	for i := range scores {
		scores[i].PlayerKey = PlayerKey(scores[i].Player)
		scores[i].Version, scores[i].CreatedAt, scores[i].UpdatedAt = 1, now, now
	}
	if err := tx.Create(&items).Error; err != nil {
		return change{}, err
	}
	if err := tx.Create(&scores).Error; err != nil {
		return change{}, err
	}
	sortScores(scores)
	return change{eventType: "state.reset", record: ResetState{Items: items, Scores: scores}}, nil
}

// findVersioned loads the record and checks the optional expected version.
func findVersioned(tx *gorm.DB, dest any, kind string, id int64, want *int64, current func() int64) error {
	if err := tx.First(dest, id).Error; err != nil {
		return notFound(err, kind, id)
	}
	if want != nil && *want != current() {
		return Errorf(CodeConflict, "version", "%s %d is at version %d, not %d", kind, id, current(), *want)
	}
	return nil
}

func notFound(err error, kind string, id int64) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Errorf(CodeNotFound, "id", "no %s with id %d", kind, id)
	}
	return err
}

func checkPlayerFree(tx *gorm.DB, player string, self int64) error {
	var n int64
	err := tx.Model(&Score{}).Where("player_key = ? AND id <> ?", PlayerKey(player), self).Count(&n).Error
	if err != nil {
		return err
	}
	if n > 0 {
		return Errorf(CodeConflict, "player", "a player named %q exists already", player)
	}
	return nil
}

// scanOne runs a query that returns at most one row and scans it into dest.
// It closes the rows before returning: the writer has a single connection,
// and open rows would hold it.
func scanOne(q *gorm.DB, dest ...any) (bool, error) {
	rows, err := q.Rows()
	if err != nil {
		return false, err
	}
	defer rows.Close()
	if !rows.Next() {
		return false, rows.Err()
	}
	if err := rows.Scan(dest...); err != nil {
		return false, err
	}
	return true, rows.Close()
}
