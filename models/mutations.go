package models

// Mutation is one change a client asks for. The request types double as the
// JSON shapes of the WebSocket `data` and the REST bodies, so the contract's
// rules live here once; package store applies them.
type Mutation interface {
	// Validate checks the contract's field rules and normalises the input
	// (names by CleanName's rule); it touches no database.
	Validate() error
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

func (m *UpdateItem) Validate() (err error) {
	if err := checkTarget(m.ID, m.Version); err != nil {
		return err
	}
	if m.Name == nil && m.Description == nil {
		return Errorf(CodeInvalid, "name", "give a name or a description to change")
	}
	if m.Name, err = cleanOptionalName("name", m.Name, MaxItemName); err != nil {
		return err
	}
	if m.Description != nil {
		return checkDescription(*m.Description)
	}
	return nil
}

func (m *DeleteItem) Validate() error {
	return checkTarget(m.ID, m.Version)
}

func (m *CreateScore) Validate() (err error) {
	m.Player, err = CleanName("player", m.Player, MaxPlayer)
	return err
}

func (m *UpdateScore) Validate() (err error) {
	if err := checkTarget(m.ID, m.Version); err != nil {
		return err
	}
	if m.Player == nil && m.Points == nil {
		return Errorf(CodeInvalid, "player", "give a player or points to change")
	}
	m.Player, err = cleanOptionalName("player", m.Player, MaxPlayer)
	return err
}

func (m *IncrementScore) Validate() error {
	if err := CheckID(m.ID); err != nil {
		return err
	}
	if m.By == 0 {
		return Errorf(CodeInvalid, "by", "by must be a non-zero integer")
	}
	return nil
}

func (m *DeleteScore) Validate() error {
	return checkTarget(m.ID, m.Version)
}

func (m *ResetDemo) Validate() error { return nil }

// Undo reverses the change made by the event with seq Seq, as a new change
// with its own event (see the contract's "History and undo").
type Undo struct {
	Seq int64 `json:"seq"`
}

func (m *Undo) Validate() error {
	if m.Seq <= 0 {
		return Errorf(CodeInvalid, "seq", "seq must be a positive integer")
	}
	return nil
}
