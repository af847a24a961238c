package ws_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/fasthttp/websocket"

	"livedash/app/apptest"
	"livedash/models"
	"livedash/protocol"
)

// Every bad frame gets the right error code, echoes the request id when it
// could be read, leaves the connection usable, and changes nothing.
func TestBadFrames(t *testing.T) {
	srv := apptest.MustStartServer(t, "--read-limit", "8192")
	c := srv.Dial(t, "client=bad-frames")
	before := srv.State(t)
	long := strings.Repeat("é", 201)
	cases := []struct {
		name  string
		frame string
		code  models.Code
		id    string // echoed id, "" for null
		field string
	}{
		{"not json", `hello`, models.CodeBadRequest, "", ""},
		{"truncated json", `{"type":"ping","id":"1"`, models.CodeBadRequest, "", ""},
		{"array", `[{"type":"ping"}]`, models.CodeBadRequest, "", ""},
		{"string", `"ping"`, models.CodeBadRequest, "", ""},
		{"number", `42`, models.CodeBadRequest, "", ""},
		{"null", `null`, models.CodeBadRequest, "", ""},
		{"empty object", `{}`, models.CodeBadRequest, "", "id"},
		{"missing id", `{"type":"ping","data":{}}`, models.CodeBadRequest, "", "id"},
		{"numeric id", `{"type":"ping","id":7,"data":{}}`, models.CodeBadRequest, "", "id"},
		{"empty id", `{"type":"ping","id":"","data":{}}`, models.CodeBadRequest, "", "id"},
		{"overlong id", `{"type":"ping","id":"` + strings.Repeat("i", 65) + `","data":{}}`, models.CodeBadRequest, "", "id"},
		{"missing type", `{"id":"a1","data":{}}`, models.CodeBadRequest, "a1", "type"},
		{"numeric type", `{"type":5,"id":"a2","data":{}}`, models.CodeBadRequest, "a2", "type"},
		{"null type", `{"type":null,"id":"a3","data":{}}`, models.CodeBadRequest, "a3", "type"},
		{"unknown type", `{"type":"item.explode","id":"a4","data":{}}`, protocol.CodeUnknownType, "a4", "type"},
		{"event type as request", `{"type":"item.created","id":"a5","data":{}}`, protocol.CodeUnknownType, "a5", "type"},
		{"missing data", `{"type":"item.create","id":"a6"}`, models.CodeBadRequest, "a6", "data"},
		{"null data", `{"type":"item.create","id":"a7","data":null}`, models.CodeBadRequest, "a7", "data"},
		{"array data", `{"type":"item.create","id":"a8","data":[]}`, models.CodeBadRequest, "a8", "data"},
		{"string data", `{"type":"ping","id":"a9","data":"{}"}`, models.CodeBadRequest, "a9", "data"},
		{"name is a number", `{"type":"item.create","id":"b1","data":{"name":5}}`, models.CodeBadRequest, "b1", "name"},
		{"name missing", `{"type":"item.create","id":"b2","data":{"description":"x"}}`, models.CodeInvalid, "b2", "name"},
		{"name empty", `{"type":"item.create","id":"b3","data":{"name":""}}`, models.CodeInvalid, "b3", "name"},
		{"name only spaces", `{"type":"item.create","id":"b4","data":{"name":"   "}}`, models.CodeInvalid, "b4", "name"},
		{"name overlong", `{"type":"item.create","id":"b5","data":{"name":"` + long + `"}}`, models.CodeInvalid, "b5", "name"},
		{"description overlong", `{"type":"item.create","id":"b6","data":{"name":"ok","description":"` + strings.Repeat("d", 2001) + `"}}`, models.CodeInvalid, "b6", "description"},
		{"id is a string", `{"type":"item.get","id":"b7","data":{"id":"1"}}`, models.CodeBadRequest, "b7", "id"},
		{"id is a fraction", `{"type":"item.update","id":"b8","data":{"id":1.5,"name":"x"}}`, models.CodeBadRequest, "b8", "id"},
		{"id zero", `{"type":"item.delete","id":"b9","data":{"id":0}}`, models.CodeInvalid, "b9", "id"},
		{"id negative", `{"type":"score.get","id":"c1","data":{"id":-3}}`, models.CodeInvalid, "c1", "id"},
		{"id huge", `{"type":"score.get","id":"c2","data":{"id":99999999999999999999}}`, models.CodeBadRequest, "c2", "id"},
		{"by huge", `{"type":"score.increment","id":"c3","data":{"id":1,"by":1e400}}`, models.CodeBadRequest, "c3", "by"},
		{"by fraction", `{"type":"score.increment","id":"c4","data":{"id":1,"by":0.5}}`, models.CodeBadRequest, "c4", "by"},
		{"by zero", `{"type":"score.increment","id":"c5","data":{"id":1,"by":0}}`, models.CodeInvalid, "c5", "by"},
		{"by as string", `{"type":"score.increment","id":"c6","data":{"id":1,"by":"5"}}`, models.CodeBadRequest, "c6", "by"},
		{"points overflow", `{"type":"score.increment","id":"c7","data":{"id":1,"by":9223372036854775807}}`, models.CodeInvalid, "c7", "by"},
		{"player missing", `{"type":"score.create","id":"c8","data":{"points":1}}`, models.CodeInvalid, "c8", "player"},
		{"player overlong", `{"type":"score.create","id":"c9","data":{"player":"` + strings.Repeat("p", 65) + `"}}`, models.CodeInvalid, "c9", "player"},
		{"player taken", `{"type":"score.create","id":"d1","data":{"player":"ALICE"}}`, models.CodeConflict, "d1", "player"},
		{"points a bool", `{"type":"score.create","id":"d2","data":{"player":"New","points":true}}`, models.CodeBadRequest, "d2", "points"},
		{"version zero", `{"type":"item.update","id":"d3","data":{"id":1,"version":0,"name":"x"}}`, models.CodeInvalid, "d3", "version"},
		{"version stale", `{"type":"item.update","id":"d4","data":{"id":1,"version":99,"name":"x"}}`, models.CodeConflict, "d4", "version"},
		{"update nothing", `{"type":"item.update","id":"d5","data":{"id":1}}`, models.CodeInvalid, "d5", "name"},
		{"no such item", `{"type":"item.update","id":"d6","data":{"id":424242,"name":"x"}}`, models.CodeNotFound, "d6", "id"},
		{"no such score", `{"type":"score.delete","id":"d7","data":{"id":424242}}`, models.CodeNotFound, "d7", "id"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := len(c.Frames())
			c.SendRaw(websocket.TextMessage, []byte(tc.frame))
			f := nextReply(c, n)
			if f.Type != "error" || f.Error == nil {
				t.Fatalf("got %s, want an error", f.Raw)
			}
			if f.Error.Code != tc.code || f.Error.Field != tc.field || f.Error.Message == "" {
				t.Fatalf("got %s, want code %s field %q", f.Raw, tc.code, tc.field)
			}
			switch {
			case tc.id == "" && f.ID != nil:
				t.Fatalf("id %q echoed, want null: %s", *f.ID, f.Raw)
			case tc.id != "" && (f.ID == nil || *f.ID != tc.id):
				t.Fatalf("want id %q echoed: %s", tc.id, f.Raw)
			}
		})
	}
	t.Run("binary frame", func(t *testing.T) {
		n := len(c.Frames())
		c.SendRaw(websocket.BinaryMessage, []byte(`{"type":"ping","id":"bin","data":{}}`))
		if f := nextReply(c, n); f.Error == nil || f.Error.Code != models.CodeBadRequest {
			t.Fatalf("binary frame: %s", f.Raw)
		}
	})
	// Still usable, and nothing changed.
	if f := c.Request("ping", map[string]any{}); f.Type != "ack" {
		t.Fatalf("ping after bad frames: %s", f.Raw)
	}
	after := srv.State(t)
	if after.Seq != before.Seq || fmt.Sprint(after.Items) != fmt.Sprint(before.Items) || fmt.Sprint(after.Scores) != fmt.Sprint(before.Scores) {
		t.Fatalf("bad frames changed the state")
	}
	if len(c.Events()) != 0 {
		t.Fatalf("bad frames produced events: %d", len(c.Events()))
	}
}

// nextReply waits for the first ack or error after the first n frames;
// presence frames may come in between at any time.
func nextReply(c *apptest.Client, n int) apptest.Frame {
	for i := n; ; i++ {
		c.WaitFrames(i + 1)
		if f := c.Frames()[i]; f.Type == "ack" || f.Type == "error" {
			return f
		}
	}
}
