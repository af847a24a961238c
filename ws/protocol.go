package ws

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"

	"livedash/models"
)

// MaxRequestID is the longest request id the contract allows, in characters.
const MaxRequestID = 64

// Request is one decoded client frame. Exactly one of Mutation and query is
// set.
type Request struct {
	Type     string
	ID       string
	Mutation models.Mutation
	query    query
	recordID int64 // for item.get and score.get
}

// ByID is the data of item.get and score.get.
type ByID struct {
	ID int64 `json:"id"`
}

// Empty is the data of requests that take none.
type Empty struct{}

// query kinds: requests that read and never produce events.
type query int

const (
	queryNone query = iota
	queryState
	queryItemList
	queryItemGet
	queryScoreList
	queryScoreGet
	queryPing
)

// newRequestData maps each wire type to the Go type its data decodes into.
// Mutations come from models, so REST and WebSocket share one shape and one
// set of rules.
func newRequestData(typ string) (any, query, bool) {
	switch typ {
	case "state.get":
		return &Empty{}, queryState, true
	case "item.list":
		return &Empty{}, queryItemList, true
	case "item.get":
		return &ByID{}, queryItemGet, true
	case "item.create":
		return &models.CreateItem{}, queryNone, true
	case "item.update":
		return &models.UpdateItem{}, queryNone, true
	case "item.delete":
		return &models.DeleteItem{}, queryNone, true
	case "score.list":
		return &Empty{}, queryScoreList, true
	case "score.get":
		return &ByID{}, queryScoreGet, true
	case "score.create":
		return &models.CreateScore{}, queryNone, true
	case "score.update":
		return &models.UpdateScore{}, queryNone, true
	case "score.increment":
		return &models.IncrementScore{}, queryNone, true
	case "score.delete":
		return &models.DeleteScore{}, queryNone, true
	case "ping":
		return &Empty{}, queryPing, true
	}
	return nil, queryNone, false
}

type envelope struct {
	Type json.RawMessage `json:"type"`
	ID   json.RawMessage `json:"id"`
	Data json.RawMessage `json:"data"`
}

// Decode parses one client frame. On failure it still returns the request id
// when it could be read, so the error can be correlated.
func Decode(frame []byte) (Request, *models.Error) {
	var req Request
	trimmed := bytes.TrimLeft(frame, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		if json.Valid(frame) {
			return req, models.Errorf(models.CodeBadRequest, "", "a frame must be a JSON object")
		}
		return req, models.Errorf(models.CodeBadRequest, "", "the frame is not valid JSON")
	}
	var env envelope
	if err := json.Unmarshal(frame, &env); err != nil {
		return req, models.Errorf(models.CodeBadRequest, "", "the frame is not valid JSON")
	}
	id, err := decodeString(env.ID, "id", MaxRequestID)
	if err != nil {
		return req, err
	}
	req.ID = id
	typ, err := decodeString(env.Type, "type", 64)
	if err != nil {
		return req, err
	}
	req.Type = typ
	data, q, ok := newRequestData(typ)
	if !ok {
		return req, models.Errorf(models.CodeUnknownType, "type", "unknown type %q", typ)
	}
	if err := decodeData(env.Data, data); err != nil {
		return req, err
	}
	req.query = q
	if m, ok := data.(models.Mutation); ok {
		req.Mutation = m
	} else if b, ok := data.(*ByID); ok {
		if b.ID <= 0 {
			return req, models.Errorf(models.CodeInvalid, "id", "id must be a positive integer")
		}
		req.recordID = b.ID
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
