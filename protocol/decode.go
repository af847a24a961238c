package protocol

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"

	"livedash/models"
)

// maxType bounds a request's type, so an error can quote it.
const maxType = 64

// Request is one decoded client frame: a mutation, a query, or a ping.
type Request struct {
	Type     string
	ID       string
	Mutation models.Mutation
	Query    models.Query
	RecordID int64   // for item.get, score.get and the histories
	Limit    int     // for the histories, the rule applied (HistoryLimit)
	Editing  Editing // for presence.set; the zero value: editing nothing
}

// ByID is the data of item.get and score.get.
type ByID struct {
	ID int64 `json:"id"`
}

// HistoryOf is the data of item.history and score.history; a nil Limit
// was not given.
type HistoryOf struct {
	ID    int64  `json:"id"`
	Limit *int64 `json:"limit,omitempty"`
}

// PresenceSet is the data of presence.set: {"editing": {"type","id"}} or
// {"editing": null}. The member is required, so a typo in its name is an
// error rather than a silent "editing nothing".
type PresenceSet struct {
	Editing json.RawMessage `json:"editing"`
}

// editing applies the rule of presence.set's data.
func (p *PresenceSet) editing() (Editing, *models.Error) {
	if len(p.Editing) == 0 {
		return Editing{}, models.Errorf(models.CodeBadRequest, "editing", "data needs editing: a record {\"type\",\"id\"}, or null when done")
	}
	if string(p.Editing) == "null" {
		return Editing{}, nil
	}
	if p.Editing[0] != '{' {
		return Editing{}, models.Errorf(models.CodeBadRequest, "editing", "editing must be an object or null")
	}
	var e Editing
	if err := models.DecodeJSON(p.Editing, &e); err != nil {
		return Editing{}, err
	}
	if e.Type != models.RecordItem && e.Type != models.RecordScore {
		return Editing{}, models.Errorf(models.CodeInvalid, "editing.type", "editing.type must be %q or %q", models.RecordItem, models.RecordScore)
	}
	if e.ID <= 0 {
		return Editing{}, models.Errorf(models.CodeInvalid, "editing.id", "editing.id must be a positive integer")
	}
	return e, nil
}

// Empty is the data of requests that take none.
type Empty struct{}

// newRequestData maps each request type to the Go type its data decodes
// into, false for a type not in the table. Mutations come from models, so
// REST and WebSocket share one shape and one set of rules; queries are
// answered by the store's one read path.
func newRequestData(typ string) (any, bool) {
	switch models.Query(typ) {
	case models.QueryState, models.QueryItemList, models.QueryScoreList:
		return &Empty{}, true
	case models.QueryItemGet, models.QueryScoreGet:
		return &ByID{}, true
	case models.QueryItemHistory, models.QueryScoreHistory:
		return &HistoryOf{}, true
	}
	switch typ {
	case TypeItemCreate:
		return &models.CreateItem{}, true
	case TypeItemUpdate:
		return &models.UpdateItem{}, true
	case TypeItemDelete:
		return &models.DeleteItem{}, true
	case TypeScoreCreate:
		return &models.CreateScore{}, true
	case TypeScoreUpdate:
		return &models.UpdateScore{}, true
	case TypeScoreIncrement:
		return &models.IncrementScore{}, true
	case TypeScoreDelete:
		return &models.DeleteScore{}, true
	case TypeUndo:
		return &models.Undo{}, true
	case TypePing:
		return &Empty{}, true
	case TypePresenceSet:
		return &PresenceSet{}, true
	}
	return nil, false
}

type envelope struct {
	Type json.RawMessage `json:"type"`
	ID   json.RawMessage `json:"id"`
	Data json.RawMessage `json:"data"`
}

// Decode parses one client frame and checks the arguments of the queries;
// a mutation's own rules are its Validate's, which the store runs. On
// failure it still returns the request id when it could be read, so the
// error can be correlated.
func Decode(frame []byte) (Request, *models.Error) {
	var req Request
	trimmed := bytes.TrimLeft(frame, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		if json.Valid(frame) {
			return req, models.Errorf(models.CodeBadRequest, "", "a frame must be a JSON object")
		}
		return req, models.Errorf(models.CodeBadRequest, "", "the frame is not valid JSON")
	}
	// The whole frame meets the strict input rule here, data included. A
	// frame that breaks it is not applied, but its error names the request
	// when the id itself is readable and keeps the rule.
	var env envelope
	if err := models.DecodeJSON(frame, &env); err != nil {
		req.ID, _ = models.ReadableString(frame, "id", models.MaxRequestID)
		return req, err
	}
	id, err := decodeString(env.ID, "id", models.MaxRequestID)
	if err != nil {
		return req, err
	}
	req.ID = id
	typ, err := decodeString(env.Type, "type", maxType)
	if err != nil {
		return req, err
	}
	req.Type = typ
	data, ok := newRequestData(typ)
	if !ok {
		return req, models.Errorf(CodeUnknownType, "type", "unknown type %q", typ)
	}
	if err := decodeData(env.Data, data); err != nil {
		return req, err
	}
	switch d := data.(type) {
	case models.Mutation:
		req.Mutation = d
	case *ByID:
		if err := models.CheckID(d.ID); err != nil {
			return req, models.AsError(err)
		}
		req.Query, req.RecordID = models.Query(typ), d.ID
	case *HistoryOf:
		if err := models.CheckID(d.ID); err != nil {
			return req, models.AsError(err)
		}
		var limit int64
		if d.Limit != nil {
			limit = *d.Limit
		}
		n, err := HistoryLimit(limit, d.Limit != nil)
		if err != nil {
			return req, models.AsError(err)
		}
		req.Query, req.RecordID, req.Limit = models.Query(typ), d.ID, n
	case *PresenceSet:
		e, err := d.editing()
		if err != nil {
			return req, err
		}
		req.Editing = e
	default:
		if typ != TypePing {
			req.Query = models.Query(typ)
		}
	}
	return req, nil
}

func decodeString(raw json.RawMessage, field string, max int) (string, *models.Error) {
	if len(raw) == 0 || raw[0] != '"' {
		return "", models.Errorf(models.CodeBadRequest, field, "%s must be a string", field)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", models.Errorf(models.CodeBadRequest, field, "%s must be a string", field)
	}
	if n := utf8.RuneCountInString(s); n == 0 || n > max {
		return "", models.Errorf(models.CodeBadRequest, field, "%s must have 1 to %d characters", field, max)
	}
	return s, nil
}

// decodeData decodes the data object into dest. Unknown fields are ignored;
// wrong JSON types are bad_request naming the field.
func decodeData(raw json.RawMessage, dest any) *models.Error {
	if len(raw) == 0 || raw[0] != '{' {
		return models.Errorf(models.CodeBadRequest, "data", "data must be a JSON object")
	}
	return models.DecodeJSON(raw, dest)
}
