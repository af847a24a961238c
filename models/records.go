package models

import (
	"encoding/json"
	"time"
)

// Item is one entry of the shared list. Text columns carry no size: the
// limits are checked in Go (limits.go), once, before anything is stored.
type Item struct {
	ID          int64     `gorm:"primaryKey" json:"id"`
	Name        string    `gorm:"not null" json:"name"`
	Description string    `gorm:"not null;default:''" json:"description"`
	Version     int64     `gorm:"not null" json:"version"`
	CreatedAt   time.Time `gorm:"not null;autoCreateTime:false" json:"created_at"`
	UpdatedAt   time.Time `gorm:"not null;autoUpdateTime:false" json:"updated_at"`
}

// Score is one row of the leaderboard. PlayerKey holds the player name's key
// (PlayerKey: folded, confusable skeleton), so uniqueness ignores case and
// lookalike letters on every database, not only SQLite.
type Score struct {
	ID        int64     `gorm:"primaryKey" json:"id"`
	Player    string    `gorm:"not null" json:"player"`
	PlayerKey string    `gorm:"not null;uniqueIndex" json:"-"`
	Points    int64     `gorm:"not null;default:0" json:"points"`
	Version   int64     `gorm:"not null" json:"version"`
	CreatedAt time.Time `gorm:"not null;autoCreateTime:false" json:"created_at"`
	UpdatedAt time.Time `gorm:"not null;autoUpdateTime:false" json:"updated_at"`
}

// Actor says who made a change, as far as the server knows: the public id
// of its client (never the client id itself) and its display name.
type Actor struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

// Event is one row of the durable event log. Its JSON form is the wire event
// frame, so the hub and GET /api/events encode it the same way.
//
// RecordType and RecordID name the one record the event touched (RecordItem
// or RecordScore and its id; RecordReset and 0 for a state.reset), so a
// record's history is an index lookup. Events written before these columns
// existed have RecordType "" and are in no record's history. Before is the
// record as it was before an update or delete (absent for creates and
// increments, whose data and delta tell what changed), so undo is exact.
// UndoOf is the seq of the event an undo reversed.
type Event struct {
	Seq        int64     `gorm:"primaryKey;autoIncrement:false;index:idx_events_record,priority:3"`
	Type       string    `gorm:"not null"`
	Data       []byte    `gorm:"not null"`
	ActorID    string    `gorm:"not null;default:''"`
	ActorName  string    `gorm:"not null;default:''"`
	Delta      *int64    ``
	At         time.Time `gorm:"not null;autoCreateTime:false"`
	RecordType string    `gorm:"not null;default:'';index:idx_events_record,priority:1"`
	RecordID   int64     `gorm:"not null;default:0;index:idx_events_record,priority:2"`
	Before     []byte    `gorm:"column:before_data"`
	UndoOf     *int64    ``
}

// The record kinds of Event.RecordType.
const (
	RecordItem  = "item"
	RecordScore = "score"
	RecordReset = "reset"
)

// EventFrame is an Event's JSON form: the wire's event frame, which the
// hub broadcasts and REST lists. Readers decode it as protocol.Event;
// it is declared here because the log's rows encode themselves.
type EventFrame struct {
	Type   string          `json:"type"`
	Seq    int64           `json:"seq"`
	Data   json.RawMessage `json:"data"`
	Actor  *Actor          `json:"actor,omitempty"`
	Delta  *int64          `json:"delta,omitempty"`
	Before json.RawMessage `json:"before,omitempty"`
	UndoOf *int64          `json:"undo_of,omitempty"`
	At     time.Time       `json:"at"`
}

// Meta holds facts about the database itself, such as its epoch.
type Meta struct {
	Key   string `gorm:"primaryKey"`
	Value string `gorm:"not null"`
}

// Outcome remembers what a mutation sent under (client, request id) returned,
// so a retry on any later connection gets the same reply instead of a second
// write.
type Outcome struct {
	Client    string    `gorm:"primaryKey"`
	RequestID string    `gorm:"primaryKey"`
	Seq       int64     `gorm:"not null"`
	Reply     []byte    `gorm:"not null"`
	Failed    bool      `gorm:"not null"`
	CreatedAt time.Time `gorm:"not null;index;autoCreateTime:false"`
}
