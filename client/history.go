package client

import (
	"context"
	"encoding/json"
	"time"

	"livedash/models"
)

// HistoryEvent is one event of a record's history, as the server logged it.
type HistoryEvent struct {
	Type   string          `json:"type"`
	Seq    int64           `json:"seq"`
	Data   json.RawMessage `json:"data"`             // the record after the change; {"id"} for deletes
	Actor  *Actor          `json:"actor,omitempty"`  // nil for the server's own changes
	Delta  *int64          `json:"delta,omitempty"`  // set for increments: by how much
	Before json.RawMessage `json:"before,omitempty"` // the record before an update or delete
	UndoOf int64           `json:"undo_of,omitempty"`
	At     time.Time       `json:"at"`
}

type historyOf struct {
	ID    int64 `json:"id"`
	Limit int   `json:"limit,omitempty"`
}

type undoSeq struct {
	Seq int64 `json:"seq"`
}

// ItemHistory returns the events that touched an item since the last reset,
// oldest first: the most recent limit of them (0 for the server's default,
// 100; at most 1000). A deleted item still has its history; an id no event
// mentions is CodeNotFound.
func (c *Client) ItemHistory(ctx context.Context, id int64, limit int) ([]HistoryEvent, error) {
	return c.history(ctx, string(models.QueryItemHistory), id, limit)
}

// ScoreHistory is ItemHistory for a score.
func (c *Client) ScoreHistory(ctx context.Context, id int64, limit int) ([]HistoryEvent, error) {
	return c.history(ctx, string(models.QueryScoreHistory), id, limit)
}

func (c *Client) history(ctx context.Context, typ string, id int64, limit int) ([]HistoryEvent, error) {
	var v struct {
		Events []HistoryEvent `json:"events"`
	}
	err := c.query(ctx, typ, historyOf{ID: id, Limit: limit}, &v)
	return v.Events, err
}

// Undo reverses the change of the event with that seq, as a new change
// whose event carries undo_of. It returns the record after the undo ({"id"}
// when it undid a create) and the seq of the undo's own event, which can be
// undone in turn (redo). A change made since that the undo would overwrite
// is CodeConflict; a reset, or an event before the last reset, CodeInvalid;
// a seq no longer in the log CodeNotFound.
func (c *Client) Undo(ctx context.Context, seq int64) (json.RawMessage, int64, error) {
	var data json.RawMessage
	n, err := c.mutate(ctx, "undo", undoSeq{Seq: seq}, &data)
	return data, n, err
}
