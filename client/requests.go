package client

import (
	"context"
	"encoding/json"
	"fmt"

	"livedash/models"
	"livedash/protocol"
)

// NewItem is the data of CreateItem.
type NewItem struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// ItemUpdate changes an item. Nil fields stay as they are; at least one
// must be set. Version, when not 0, must be the item's current version or
// the update fails with models.CodeConflict.
type ItemUpdate struct {
	ID          int64   `json:"id"`
	Version     int64   `json:"version,omitempty"`
	Name        *string `json:"name,omitempty"`
	Description *string `json:"description,omitempty"`
}

// NewScore is the data of CreateScore.
type NewScore struct {
	Player string `json:"player"`
	Points int64  `json:"points,omitempty"`
}

// ScoreUpdate changes a score, like ItemUpdate an item.
type ScoreUpdate struct {
	ID      int64   `json:"id"`
	Version int64   `json:"version,omitempty"`
	Player  *string `json:"player,omitempty"`
	Points  *int64  `json:"points,omitempty"`
}

// expected is a delete's expected version: 0 is none.
func expected(v int64) *int64 {
	if v == 0 {
		return nil
	}
	return &v
}

// State loads one consistent snapshot; after it, apply only events with a
// seq above its Seq. It sees every mutation this client was answered before.
func (c *Client) State(ctx context.Context) (models.State, error) {
	return queryAs[models.State](ctx, c, string(models.QueryState), protocol.Empty{})
}

// Items lists the items by id.
func (c *Client) Items(ctx context.Context) ([]models.Item, error) {
	var v models.ItemList
	err := c.query(ctx, string(models.QueryItemList), protocol.Empty{}, &v)
	return v.Items, err
}

// Item reads one item; a missing one is models.CodeNotFound.
func (c *Client) Item(ctx context.Context, id int64) (models.Item, error) {
	return queryAs[models.Item](ctx, c, string(models.QueryItemGet), protocol.ByID{ID: id})
}

// Scores lists the leaderboard: points descending, then id.
func (c *Client) Scores(ctx context.Context) ([]models.Score, error) {
	var v models.ScoreList
	err := c.query(ctx, string(models.QueryScoreList), protocol.Empty{}, &v)
	return v.Scores, err
}

// Score reads one score; a missing one is models.CodeNotFound.
func (c *Client) Score(ctx context.Context, id int64) (models.Score, error) {
	return queryAs[models.Score](ctx, c, string(models.QueryScoreGet), protocol.ByID{ID: id})
}

// Ping asks the server for an answer, after every request made before it.
func (c *Client) Ping(ctx context.Context) error {
	return c.query(ctx, protocol.TypePing, protocol.Empty{}, nil)
}

// SetEditing tells everyone which record this client has open for editing
// (presence.set); the zero Editing says it is done. Presence belongs to a
// connection: after a reconnect nobody sees the client editing until it
// calls SetEditing again.
func (c *Client) SetEditing(ctx context.Context, e protocol.Editing) error {
	var data struct {
		Editing *protocol.Editing `json:"editing"`
	}
	if e != (protocol.Editing{}) {
		data.Editing = &e
	}
	return c.query(ctx, protocol.TypePresenceSet, data, nil)
}

// CreateItem creates an item and returns it with the seq of its
// item.created event.
func (c *Client) CreateItem(ctx context.Context, in NewItem) (models.Item, int64, error) {
	return mutateAs[models.Item](ctx, c, protocol.TypeItemCreate, in)
}

// UpdateItem changes an item and returns it as it is now, with the seq of
// its item.updated event.
func (c *Client) UpdateItem(ctx context.Context, in ItemUpdate) (models.Item, int64, error) {
	return mutateAs[models.Item](ctx, c, protocol.TypeItemUpdate, in)
}

// DeleteItem deletes an item, if version is 0 or its current version, and
// returns the seq of its item.deleted event.
func (c *Client) DeleteItem(ctx context.Context, id, version int64) (int64, error) {
	return c.mutate(ctx, protocol.TypeItemDelete, models.DeleteItem{ID: id, Version: expected(version)}, nil)
}

// CreateScore adds a player to the leaderboard; a player name already
// taken, ignoring case, is models.CodeConflict.
func (c *Client) CreateScore(ctx context.Context, in NewScore) (models.Score, int64, error) {
	return mutateAs[models.Score](ctx, c, protocol.TypeScoreCreate, in)
}

// UpdateScore changes a score and returns it as it is now.
func (c *Client) UpdateScore(ctx context.Context, in ScoreUpdate) (models.Score, int64, error) {
	return mutateAs[models.Score](ctx, c, protocol.TypeScoreUpdate, in)
}

// IncrementScore adds by (negative to take off) to a score atomically:
// concurrent increments are never lost.
func (c *Client) IncrementScore(ctx context.Context, id, by int64) (models.Score, int64, error) {
	return mutateAs[models.Score](ctx, c, protocol.TypeScoreIncrement, models.IncrementScore{ID: id, By: by})
}

// DeleteScore deletes a score, like DeleteItem an item.
func (c *Client) DeleteScore(ctx context.Context, id, version int64) (int64, error) {
	return c.mutate(ctx, protocol.TypeScoreDelete, models.DeleteScore{ID: id, Version: expected(version)}, nil)
}

func (c *Client) query(ctx context.Context, typ string, data, out any) error {
	_, raw, err := c.do(ctx, typ, data, false)
	if err != nil {
		return err
	}
	return decodeReply(typ, raw, out)
}

func (c *Client) mutate(ctx context.Context, typ string, data, out any) (int64, error) {
	seq, raw, err := c.do(ctx, typ, data, true)
	if err != nil {
		return 0, err
	}
	return seq, decodeReply(typ, raw, out)
}

// queryAs makes a query whose reply is a T.
func queryAs[T any](ctx context.Context, c *Client, typ string, data any) (T, error) {
	var v T
	err := c.query(ctx, typ, data, &v)
	return v, err
}

// mutateAs makes a mutation whose reply is a T, with the seq of its event.
func mutateAs[T any](ctx context.Context, c *Client, typ string, data any) (T, int64, error) {
	var v T
	seq, err := c.mutate(ctx, typ, data, &v)
	return v, seq, err
}

func decodeReply(typ string, raw json.RawMessage, out any) error {
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("livedash: decode the reply to %s: %w", typ, err)
	}
	return nil
}
