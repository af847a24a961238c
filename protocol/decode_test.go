package protocol

import (
	"fmt"
	"strings"
	"testing"

	"livedash/models"
)

// Every frame Decode refuses gets the contract's code and field, and the
// request id whenever it could be read.
func TestDecodeRefuses(t *testing.T) {
	tests := []struct {
		name  string
		frame string
		code  models.Code
		id    string
		field string
	}{
		{"not json", `hello`, models.CodeBadRequest, "", ""},
		{"empty", ``, models.CodeBadRequest, "", ""},
		{"only spaces", " \n\t", models.CodeBadRequest, "", ""},
		{"truncated object", `{"type":"ping","id":"1"`, models.CodeBadRequest, "", ""},
		{"array", `[{"type":"ping"}]`, models.CodeBadRequest, "", ""},
		{"string", `"ping"`, models.CodeBadRequest, "", ""},
		{"null", `null`, models.CodeBadRequest, "", ""},
		{"missing id", `{"type":"ping","data":{}}`, models.CodeBadRequest, "", "id"},
		{"numeric id", `{"type":"ping","id":7,"data":{}}`, models.CodeBadRequest, "", "id"},
		{"empty id", `{"type":"ping","id":"","data":{}}`, models.CodeBadRequest, "", "id"},
		{"overlong id", `{"type":"ping","id":"` + strings.Repeat("i", models.MaxRequestID+1) + `","data":{}}`, models.CodeBadRequest, "", "id"},
		{"missing type", `{"id":"a1","data":{}}`, models.CodeBadRequest, "a1", "type"},
		{"null type", `{"type":null,"id":"a2","data":{}}`, models.CodeBadRequest, "a2", "type"},
		{"overlong type", `{"type":"` + strings.Repeat("t", maxType+1) + `","id":"a3","data":{}}`, models.CodeBadRequest, "a3", "type"},
		{"unknown type", `{"type":"item.explode","id":"a4","data":{}}`, CodeUnknownType, "a4", "type"},
		{"an event's type", `{"type":"` + EventItemCreated + `","id":"a5","data":{}}`, CodeUnknownType, "a5", "type"},
		{"a reply's type", `{"type":"` + TypeAck + `","id":"a6","data":{}}`, CodeUnknownType, "a6", "type"},
		{"missing data", `{"type":"item.create","id":"b1"}`, models.CodeBadRequest, "b1", "data"},
		{"array data", `{"type":"ping","id":"b2","data":[]}`, models.CodeBadRequest, "b2", "data"},
		{"data of the wrong type", `{"type":"item.create","id":"b3","data":{"name":5}}`, models.CodeBadRequest, "b3", "name"},
		{"get of id 0", `{"type":"item.get","id":"c1","data":{"id":0}}`, models.CodeInvalid, "c1", "id"},
		{"get without an id", `{"type":"score.get","id":"c2","data":{}}`, models.CodeInvalid, "c2", "id"},
		{"get of a string id", `{"type":"score.get","id":"c3","data":{"id":"1"}}`, models.CodeBadRequest, "c3", "id"},
		{"history of id -1", `{"type":"item.history","id":"d1","data":{"id":-1}}`, models.CodeInvalid, "d1", "id"},
		{"history limit 0", `{"type":"item.history","id":"d2","data":{"id":1,"limit":0}}`, models.CodeInvalid, "d2", "limit"},
		{"history limit over the maximum", `{"type":"score.history","id":"d3","data":{"id":1,"limit":1001}}`, models.CodeInvalid, "d3", "limit"},
		{"history limit negative", `{"type":"score.history","id":"d4","data":{"id":1,"limit":-5}}`, models.CodeInvalid, "d4", "limit"},
		{"history limit a fraction", `{"type":"score.history","id":"d5","data":{"id":1,"limit":2.5}}`, models.CodeBadRequest, "d5", "limit"},
		{"presence.set without editing", `{"type":"presence.set","id":"e1","data":{}}`, models.CodeBadRequest, "e1", "editing"},
		{"presence.set editing a string", `{"type":"presence.set","id":"e2","data":{"editing":"item"}}`, models.CodeBadRequest, "e2", "editing"},
		{"presence.set of another kind", `{"type":"presence.set","id":"e3","data":{"editing":{"type":"user","id":1}}}`, models.CodeInvalid, "e3", "editing.type"},
		{"presence.set of id 0", `{"type":"presence.set","id":"e4","data":{"editing":{"type":"item","id":0}}}`, models.CodeInvalid, "e4", "editing.id"},
		{"presence.set without an id", `{"type":"presence.set","id":"e5","data":{"editing":{"type":"score"}}}`, models.CodeInvalid, "e5", "editing.id"},
		{"presence.set of a string id", `{"type":"presence.set","id":"e6","data":{"editing":{"type":"item","id":"3"}}}`, models.CodeBadRequest, "e6", "id"},
		{"presence.set with Editing", `{"type":"presence.set","id":"e7","data":{"Editing":null}}`, models.CodeBadRequest, "e7", "editing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := Decode([]byte(tt.frame))
			if err == nil {
				t.Fatalf("accepted: %+v", req)
			}
			if err.Code != tt.code || err.Field != tt.field || err.Message == "" {
				t.Fatalf("got %v (field %q), want %s naming %q", err, err.Field, tt.code, tt.field)
			}
			if req.ID != tt.id {
				t.Fatalf("request id %q, want %q", req.ID, tt.id)
			}
		})
	}
}

// Decode maps each request type to one kind of request and applies the
// argument rules: a mutation of the right Go type, a query with its record
// and limit, or a ping.
func TestDecodeAccepts(t *testing.T) {
	tests := []struct {
		name     string
		frame    string
		mutation models.Mutation // its type only
		query    models.Query
		recordID int64
		limit    int
	}{
		{"ping", `{"type":"ping","id":"p","data":{}}`, nil, "", 0, 0},
		{"item.create", `{"type":"item.create","id":"1","data":{"name":"x"}}`, &models.CreateItem{}, "", 0, 0},
		{"item.update", `{"type":"item.update","id":"1","data":{"id":1,"name":"x"}}`, &models.UpdateItem{}, "", 0, 0},
		{"item.delete", `{"type":"item.delete","id":"1","data":{"id":1}}`, &models.DeleteItem{}, "", 0, 0},
		{"score.create", `{"type":"score.create","id":"1","data":{"player":"x"}}`, &models.CreateScore{}, "", 0, 0},
		{"score.update", `{"type":"score.update","id":"1","data":{"id":1,"points":3}}`, &models.UpdateScore{}, "", 0, 0},
		{"score.increment", `{"type":"score.increment","id":"1","data":{"id":1,"by":2}}`, &models.IncrementScore{}, "", 0, 0},
		{"score.delete", `{"type":"score.delete","id":"1","data":{"id":1}}`, &models.DeleteScore{}, "", 0, 0},
		{"undo", `{"type":"undo","id":"1","data":{"seq":4}}`, &models.Undo{}, "", 0, 0},
		{"state.get", `{"type":"state.get","id":"1","data":{}}`, nil, models.QueryState, 0, 0},
		{"item.list", `{"type":"item.list","id":"1","data":{}}`, nil, models.QueryItemList, 0, 0},
		{"score.list", `{"type":"score.list","id":"1","data":{}}`, nil, models.QueryScoreList, 0, 0},
		{"item.get", `{"type":"item.get","id":"1","data":{"id":7}}`, nil, models.QueryItemGet, 7, 0},
		{"score.get", `{"type":"score.get","id":"1","data":{"id":8}}`, nil, models.QueryScoreGet, 8, 0},
		{"history without a limit", `{"type":"item.history","id":"1","data":{"id":3}}`, nil, models.QueryItemHistory, 3, models.DefaultHistoryLimit},
		{"history with a null limit", `{"type":"item.history","id":"1","data":{"id":3,"limit":null}}`, nil, models.QueryItemHistory, 3, models.DefaultHistoryLimit},
		{"history with a limit", `{"type":"score.history","id":"1","data":{"id":3,"limit":1000}}`, nil, models.QueryScoreHistory, 3, 1000},
		{"unknown fields ignored", `{"type":"ping","id":"p","data":{"x":1},"extra":true}`, nil, "", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := Decode([]byte(tt.frame))
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if req.ID == "" || !strings.Contains(tt.frame, `"type":"`+req.Type+`"`) {
				t.Fatalf("id %q, type %q", req.ID, req.Type)
			}
			if fmt.Sprintf("%T", req.Mutation) != fmt.Sprintf("%T", tt.mutation) {
				t.Fatalf("mutation %T, want %T", req.Mutation, tt.mutation)
			}
			if req.Query != tt.query || req.RecordID != tt.recordID || req.Limit != tt.limit {
				t.Fatalf("query %q record %d limit %d, want %q %d %d", req.Query, req.RecordID, req.Limit, tt.query, tt.recordID, tt.limit)
			}
		})
	}
}

// presence.set decodes to the record being edited, or to none for null;
// it is neither a mutation nor a query.
func TestDecodePresenceSet(t *testing.T) {
	tests := []struct {
		name  string
		data  string
		wants Editing
	}{
		{"an item", `{"editing":{"type":"item","id":3}}`, Editing{Type: models.RecordItem, ID: 3}},
		{"a score", `{"editing":{"type":"score","id":12}}`, Editing{Type: models.RecordScore, ID: 12}},
		{"done", `{"editing":null}`, Editing{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := Decode([]byte(`{"type":"presence.set","id":"p1","data":` + tt.data + `}`))
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if req.Type != TypePresenceSet || req.Editing != tt.wants || req.Mutation != nil || req.Query != "" {
				t.Fatalf("got %+v, want editing %+v and no mutation or query", req, tt.wants)
			}
		})
	}
}
