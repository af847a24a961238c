package client

import (
	"context"
	"encoding/json"

	"livedash/models"
	"livedash/protocol"
)

// ItemHistory returns the events that touched an item since the last reset,
// as the server logged them (Actor nil for the server's own changes, Delta
// set for increments, Before for updates and deletes), oldest first: the most recent limit of them (0 for the server's default,
// 100; at most 1000). A deleted item still has its history; an id no event
// mentions is models.CodeNotFound.
func (c *Client) ItemHistory(ctx context.Context, id int64, limit int) ([]protocol.Event, error) {
	return c.history(ctx, string(models.QueryItemHistory), id, limit)
}

// ScoreHistory is ItemHistory for a score.
func (c *Client) ScoreHistory(ctx context.Context, id int64, limit int) ([]protocol.Event, error) {
	return c.history(ctx, string(models.QueryScoreHistory), id, limit)
}

func (c *Client) history(ctx context.Context, typ string, id int64, limit int) ([]protocol.Event, error) {
	var v struct {
		Events []protocol.Event `json:"events"`
	}
	args := protocol.HistoryOf{ID: id}
	if limit != 0 {
		n := int64(limit)
		args.Limit = &n
	}
	err := c.query(ctx, typ, args, &v)
	return v.Events, err
}

// Undo reverses the change of the event with that seq, as a new change
// whose event carries undo_of. It returns the record after the undo ({"id"}
// when it undid a create) and the seq of the undo's own event, which can be
// undone in turn (redo). A change made since that the undo would overwrite
// is models.CodeConflict; a reset, or an event before the last reset, models.CodeInvalid;
// a seq no longer in the log models.CodeNotFound.
func (c *Client) Undo(ctx context.Context, seq int64) (json.RawMessage, int64, error) {
	return mutateAs[json.RawMessage](ctx, c, protocol.TypeUndo, models.Undo{Seq: seq})
}
