package models

import (
	"encoding/json"
	"time"
)

// Item is one entry of the shared list.
type Item struct {
	ID          int64     `gorm:"primaryKey" json:"id"`
	Name        string    `gorm:"size:200;not null" json:"name"`
	Description string    `gorm:"size:2000;not null;default:''" json:"description"`
	Version     int64     `gorm:"not null" json:"version"`
	CreatedAt   time.Time `gorm:"not null;autoCreateTime:false" json:"created_at"`
	UpdatedAt   time.Time `gorm:"not null;autoUpdateTime:false" json:"updated_at"`
}

// Score is one row of the leaderboard. PlayerKey holds the folded player name
// (see PlayerKey) so uniqueness is case-insensitive on every database, not
// only SQLite. Folding can lengthen a name ("ß" folds to "ss", "ﬃ" to
// "ffi"), so the key has room for three times the player's 64 characters
// and the suffix migrateKeys gives to colliding legacy rows.
type Score struct {
	ID        int64     `gorm:"primaryKey" json:"id"`
	Player    string    `gorm:"size:64;not null" json:"player"`
	PlayerKey string    `gorm:"size:256;not null;uniqueIndex" json:"-"`
	Points    int64     `gorm:"not null;default:0" json:"points"`
	Version   int64     `gorm:"not null" json:"version"`
	CreatedAt time.Time `gorm:"not null;autoCreateTime:false" json:"created_at"`
	UpdatedAt time.Time `gorm:"not null;autoUpdateTime:false" json:"updated_at"`
}

// Actor says who made a change, as far as the server knows.
type Actor struct {
	Client string `json:"client,omitempty"`
	Name   string `json:"name,omitempty"`
}

// Event is one row of the durable event log. Its JSON form is the wire event
// frame, so the hub and GET /api/events encode it the same way.
type Event struct {
	Seq         int64     `gorm:"primaryKey;autoIncrement:false"`
	Type        string    `gorm:"size:32;not null"`
	Data        []byte    `gorm:"not null"`
	ActorClient string    `gorm:"size:64;not null;default:''"`
	ActorName   string    `gorm:"size:40;not null;default:''"`
	Delta       *int64    ``
	At          time.Time `gorm:"not null;autoCreateTime:false"`
}

type eventJSON struct {
	Type  string          `json:"type"`
	Seq   int64           `json:"seq"`
	Data  json.RawMessage `json:"data"`
	Actor *Actor          `json:"actor,omitempty"`
	Delta *int64          `json:"delta,omitempty"`
	At    time.Time       `json:"at"`
}

func (e Event) MarshalJSON() ([]byte, error) {
	out := eventJSON{Type: e.Type, Seq: e.Seq, Data: e.Data, Delta: e.Delta, At: e.At}
	if e.ActorClient != "" || e.ActorName != "" {
		out.Actor = &Actor{Client: e.ActorClient, Name: e.ActorName}
	}
	return json.Marshal(out)
}

// Meta holds facts about the database itself, such as its epoch.
type Meta struct {
	Key   string `gorm:"primaryKey;size:64"`
	Value string `gorm:"not null"`
}

// Outcome remembers what a mutation sent under (client, request id) returned,
// so a retry on any later connection gets the same reply instead of a second
// write.
type Outcome struct {
	Client    string    `gorm:"primaryKey;size:64"`
	RequestID string    `gorm:"primaryKey;size:64"`
	Seq       int64     `gorm:"not null"`
	Reply     []byte    `gorm:"not null"`
	Failed    bool      `gorm:"not null"`
	CreatedAt time.Time `gorm:"not null;index;autoCreateTime:false"`
}

// State is one consistent snapshot of everything a dashboard shows.
type State struct {
	Seq    int64   `json:"seq"`
	Epoch  string  `json:"epoch"`
	Items  []Item  `json:"items"`
	Scores []Score `json:"scores"`
}
