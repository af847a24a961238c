package app_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/fasthttp/websocket"

	"livedash/app/apptest"
	"livedash/models"
)

// Strict input over REST: a body with invalid UTF-8, an unpaired surrogate
// escape or a member named twice is 400 bad_request and changes nothing
// (never stored with U+FFFD); member names are case-sensitive, so "NAME" is
// an unknown member and the request fails as if "name" were missing.
func TestStrictInputOverREST(t *testing.T) {
	srv := apptest.MustStartServer(t)
	cases := []struct {
		name, method, path string
		body               string
		code               models.Code
		field              string
	}{
		{"invalid UTF-8 in a name", http.MethodPost, "/api/items", "{\"name\":\"ab\xffcd\"}", models.CodeBadRequest, "name"},
		{"invalid UTF-8 in a description", http.MethodPost, "/api/items", "{\"name\":\"ok\",\"description\":\"d\xfe\"}", models.CodeBadRequest, "description"},
		{"overlong UTF-8", http.MethodPost, "/api/items", "{\"name\":\"\xc0\xaf\"}", models.CodeBadRequest, "name"},
		{"invalid UTF-8 in a player", http.MethodPatch, "/api/scores/1", "{\"player\":\"Al\xffce\"}", models.CodeBadRequest, "player"},
		{"unpaired high surrogate", http.MethodPost, "/api/items", `{"name":"\ud800"}`, models.CodeBadRequest, "name"},
		{"unpaired low surrogate after text", http.MethodPatch, "/api/items/1", `{"name":"x\udfff"}`, models.CodeBadRequest, "name"},
		{"unpaired surrogate in an ignored member", http.MethodPost, "/api/scores", `{"player":"Zed","note":"\udc00"}`, models.CodeBadRequest, "note"},
		{"unpaired surrogate in a member name", http.MethodPost, "/api/scores", `{"player":"Zed","\ud800":1}`, models.CodeBadRequest, ""},
		{"duplicate name", http.MethodPost, "/api/items", `{"name":"First","name":"Second"}`, models.CodeBadRequest, "name"},
		{"duplicate in a nested object", http.MethodPost, "/api/items", `{"name":"x","meta":{"a":1,"a":2}}`, models.CodeBadRequest, "meta.a"},
		{"duplicate by", http.MethodPost, "/api/scores/1/increment", `{"by":1,"by":1000}`, models.CodeBadRequest, "by"},
		{"duplicate seq of an undo", http.MethodPost, "/api/undo", `{"seq":1,"seq":2}`, models.CodeBadRequest, "seq"},
		{"duplicate version of a delete", http.MethodDelete, "/api/items/1", `{"version":1,"version":1}`, models.CodeBadRequest, "version"},
		{"capitalised name is not name", http.MethodPost, "/api/items", `{"NAME":"x"}`, models.CodeInvalid, "name"},
		{"capitalised by is not by", http.MethodPost, "/api/scores/1/increment", `{"BY":5}`, models.CodeInvalid, "by"},
		{"capitalised points is not points", http.MethodPatch, "/api/scores/1", `{"POINTS":999}`, models.CodeInvalid, "player"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := srv.State(t)
			status, raw := srv.Do(t, tc.method, tc.path, tc.body, nil)
			var body struct {
				Error *models.Error `json:"error"`
			}
			if err := json.Unmarshal(raw, &body); err != nil || status != http.StatusBadRequest || body.Error == nil ||
				body.Error.Code != tc.code || body.Error.Field != tc.field || body.Error.Message == "" {
				t.Errorf("%d %s, want 400 %s on field %q", status, raw, tc.code, tc.field)
			}
			if after := srv.State(t); after.Seq != before.Seq {
				t.Errorf("a refused body moved the seq %d -> %d", before.Seq, after.Seq)
			}
		})
	}
	st := srv.State(t)
	for _, it := range st.Items {
		if strings.ContainsRune(it.Name+it.Description, '\uFFFD') || it.Name == "Second" || it.Name == "x" {
			t.Errorf("stored item %+v", it)
		}
	}
	for _, sc := range st.Scores {
		if strings.ContainsRune(sc.Player, '\uFFFD') || sc.Player == "Zed" || sc.Points >= 999 {
			t.Errorf("stored score %+v", sc)
		}
	}

	// A member named in another case is ignored, not taken for the real one.
	var it models.Item
	srv.MustJSON(t, http.MethodPost, "/api/items", `{"name":"Kept","Name":"Other"}`, http.StatusCreated, &it)
	if it.Name != "Kept" {
		t.Errorf("created %+v, want the name of the member spelled name", it)
	}
}

// Strict input over WebSocket: a frame with an unpaired surrogate escape or
// a member named twice, anywhere in it, gets bad_request and changes nothing;
// member names are case-sensitive. The error carries the request id when
// the id itself is readable under the rule, and null otherwise: request ids
// "x\ud800" and "x\udfff" are not both read as "x\uFFFD", so the second is
// never acked with the first's outcome (issue 17, finding 8).
func TestStrictInputOverWebSocket(t *testing.T) {
	srv := apptest.MustStartServer(t)
	const query = "client=strict-input-client-1"
	c := srv.Dial(t, query)
	before := srv.State(t).Seq
	cases := []struct {
		name  string
		frame string
		id    string // the id the error echoes; "" for null
		code  models.Code
		field string
	}{
		{"request id with an unpaired high surrogate", `{"type":"item.create","id":"x\ud800","data":{"name":"First"}}`, "", models.CodeBadRequest, "id"},
		{"request id with an unpaired low surrogate", `{"type":"item.create","id":"x\udfff","data":{"name":"Second"}}`, "", models.CodeBadRequest, "id"},
		{"unpaired surrogate in data", `{"type":"item.create","id":"w3","data":{"name":"\ud800"}}`, "w3", models.CodeBadRequest, "data.name"},
		{"unpaired surrogate in an ignored member", `{"type":"ping","id":"w4","data":{},"x":"\udfff"}`, "w4", models.CodeBadRequest, "x"},
		{"duplicate member in data", `{"type":"item.create","id":"w5","data":{"name":"A","name":"B"}}`, "w5", models.CodeBadRequest, "data.name"},
		{"duplicate type", `{"type":"ping","type":"item.create","id":"w6","data":{"name":"x"}}`, "w6", models.CodeBadRequest, "type"},
		{"duplicate id", `{"type":"item.create","id":"w7","id":"w7b","data":{"name":"x"}}`, "", models.CodeBadRequest, "id"},
		{"duplicate data", `{"type":"item.create","id":"w8","data":{"name":"x"},"data":{"name":"y"}}`, "w8", models.CodeBadRequest, "data"},
		{"duplicate in an ignored member", `{"type":"ping","id":"w9","data":{},"extra":{"k":1,"k":2}}`, "w9", models.CodeBadRequest, "extra.k"},
		{"duplicate by", `{"type":"score.increment","id":"w10","data":{"id":1,"by":1,"by":500}}`, "w10", models.CodeBadRequest, "data.by"},
		{"capitalised type is not type", `{"TYPE":"item.create","id":"w11","data":{"name":"x"}}`, "w11", models.CodeBadRequest, "type"},
		{"capitalised name is not name", `{"type":"item.create","id":"w12","data":{"NAME":"x"}}`, "w12", models.CodeInvalid, "name"},
		{"capitalised by is not by", `{"type":"score.increment","id":"w13","data":{"id":1,"BY":5}}`, "w13", models.CodeInvalid, "by"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := replyToRaw(t, c, tc.frame)
			if f.Type != "error" || f.Error == nil || f.Error.Code != tc.code || f.Error.Field != tc.field || f.Error.Message == "" {
				t.Fatalf("reply %s, want %s on field %q", f.Raw, tc.code, tc.field)
			}
			if got := ""; f.ID != nil && *f.ID != tc.id || f.ID == nil && tc.id != "" {
				if f.ID != nil {
					got = *f.ID
				}
				t.Errorf("reply id %q, want %q: %s", got, tc.id, f.Raw)
			}
		})
	}
	if after := srv.State(t).Seq; after != before {
		t.Fatalf("refused frames moved the seq %d -> %d", before, after)
	}

	// Nothing was remembered for the refused ids: on a new connection of the
	// same client, the same frame is refused again, not answered from memory,
	// and a well-formed request under a new id applies.
	again := srv.Dial(t, query)
	f := replyToRaw(t, again, `{"type":"item.create","id":"x\udfff","data":{"name":"Second"}}`)
	if f.Type != "error" || f.Error.Code != models.CodeBadRequest {
		t.Fatalf("repeat of a refused frame: %s, want bad_request", f.Raw)
	}
	ack := again.MustAck("item.create", map[string]any{"name": "Third"})
	if ack.Seq != before+1 {
		t.Errorf("first applied write has seq %d, want %d", ack.Seq, before+1)
	}
	for _, it := range srv.State(t).Items {
		if it.Name == "First" || it.Name == "Second" || it.Name == "A" || it.Name == "B" || it.Name == "x" || it.Name == "y" {
			t.Errorf("stored item %+v from a refused frame", it)
		}
	}

	// Invalid UTF-8 bytes still fail the connection with 1007 (1.1).
	bad := srv.Dial(t, query)
	bad.SendRaw(websocket.TextMessage, []byte("{\"type\":\"item.create\",\"id\":\"x\xff\",\"data\":{\"name\":\"Fourth\"}}"))
	if code, _ := bad.WaitClose(); code != websocket.CloseInvalidFramePayloadData {
		t.Errorf("invalid UTF-8 closed with %d, want 1007", code)
	}
	if after := srv.State(t).Seq; after != before+1 {
		t.Errorf("seq %d after the frame with invalid UTF-8, want %d", after, before+1)
	}
}

// replyToRaw sends frame as it is and returns the one reply to it. The reply
// may carry no id, so a ping follows: the server answers frames in order,
// and the reply is the one frame between the two.
func replyToRaw(tb testing.TB, c *apptest.Client, frame string) apptest.Frame {
	tb.Helper()
	from := c.Len()
	c.SendRaw(websocket.TextMessage, []byte(frame))
	marker := c.NewID()
	c.Send(map[string]any{"type": "ping", "id": marker, "data": map[string]any{}})
	c.Reply(marker)
	var replies []apptest.Frame
	for _, f := range c.Frames()[from:] {
		if (f.Type == "ack" || f.Type == "error") && (f.ID == nil || *f.ID != marker) {
			replies = append(replies, f)
		}
	}
	if len(replies) != 1 {
		tb.Fatalf("%d replies to %q before the ping's, want 1: %+v", len(replies), frame, replies)
	}
	return replies[0]
}
