package app_test

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"livedash/app/apptest"
	"livedash/models"
	"livedash/protocol"
)

// outcome is what a request got, whichever transport carried it.
type outcome struct {
	data json.RawMessage
	err  *models.Error
}

// transport sends undo and history requests over REST or a WebSocket, so
// every rule is checked on both.
type transport struct {
	name    string
	undo    func(tb testing.TB, srv *apptest.Server, seq int64) outcome
	history func(tb testing.TB, srv *apptest.Server, kind string, id int64, limit int) outcome
}

var transports = []transport{
	{
		name: "rest",
		undo: func(tb testing.TB, srv *apptest.Server, seq int64) outcome {
			status, raw := srv.Do(tb, http.MethodPost, "/api/undo", map[string]int64{"seq": seq}, http.Header{"X-Livedash-Name": {"Bob"}})
			return restOutcome(tb, status, raw)
		},
		history: func(tb testing.TB, srv *apptest.Server, kind string, id int64, limit int) outcome {
			path := fmt.Sprintf("/api/%ss/%d/history", kind, id)
			if limit != 0 {
				path += fmt.Sprintf("?limit=%d", limit)
			}
			status, raw := srv.Do(tb, http.MethodGet, path, nil, nil)
			return restOutcome(tb, status, raw)
		},
	},
	{
		name: "ws",
		undo: func(tb testing.TB, srv *apptest.Server, seq int64) outcome {
			return wsOutcome(srv.Dial(tb, "name=Bob").Request("undo", map[string]int64{"seq": seq}))
		},
		history: func(tb testing.TB, srv *apptest.Server, kind string, id int64, limit int) outcome {
			data := map[string]int64{"id": id}
			if limit != 0 {
				data["limit"] = int64(limit)
			}
			return wsOutcome(srv.Dial(tb, "").Request(kind+".history", data))
		},
	},
}

func restOutcome(tb testing.TB, status int, raw []byte) outcome {
	tb.Helper()
	if status == http.StatusOK {
		return outcome{data: raw}
	}
	var body struct {
		Error *models.Error `json:"error"`
	}
	if err := json.Unmarshal(raw, &body); err != nil || body.Error == nil {
		tb.Fatalf("status %d with body %s", status, raw)
	}
	if want := map[models.Code]int{models.CodeInvalid: 400, models.CodeNotFound: 404, models.CodeConflict: 409}[body.Error.Code]; want != status {
		tb.Errorf("%s answered with status %d, want %d", body.Error.Code, status, want)
	}
	return outcome{err: body.Error}
}

func wsOutcome(f apptest.Frame) outcome {
	if f.Type == protocol.TypeError {
		return outcome{err: f.Error}
	}
	return outcome{data: f.Data}
}

// mutateREST makes a change over REST and returns the seq of its event.
func mutateREST(tb testing.TB, srv *apptest.Server, method, path string, body any) int64 {
	tb.Helper()
	status, raw := srv.Do(tb, method, path, body, http.Header{"X-Livedash-Name": {"Alice"}})
	if status >= 300 {
		tb.Fatalf("%s %s: %d %s", method, path, status, raw)
	}
	return srv.State(tb).Seq
}

func TestUndoRules(t *testing.T) {
	type check func(tb testing.TB, srv *apptest.Server, data json.RawMessage)
	itemIs := func(id int64, name string, version int64) check {
		return func(tb testing.TB, srv *apptest.Server, _ json.RawMessage) {
			var it models.Item
			srv.MustJSON(tb, http.MethodGet, fmt.Sprintf("/api/items/%d", id), nil, http.StatusOK, &it)
			if it.Name != name || it.Version != version {
				tb.Errorf("item %d = %+v, want %s at version %d", id, it, name, version)
			}
		}
	}
	scoreIs := func(id int64, player string, points, version int64) check {
		return func(tb testing.TB, srv *apptest.Server, _ json.RawMessage) {
			var sc models.Score
			srv.MustJSON(tb, http.MethodGet, fmt.Sprintf("/api/scores/%d", id), nil, http.StatusOK, &sc)
			if sc.Player != player || sc.Points != points || sc.Version != version {
				tb.Errorf("score %d = %+v, want %s %d at version %d", id, sc, player, points, version)
			}
		}
	}
	gone := func(path string) check {
		return func(tb testing.TB, srv *apptest.Server, _ json.RawMessage) {
			if status, raw := srv.Do(tb, http.MethodGet, path, nil, nil); status != http.StatusNotFound {
				tb.Errorf("GET %s = %d %s, want 404", path, status, raw)
			}
		}
	}
	type change struct {
		method, path string
		body         any
	}
	// undoFirst makes the changes in order over REST and picks the first
	// one to undo, with the others made since.
	undoFirst := func(first change, since ...change) func(testing.TB, *apptest.Server) int64 {
		return func(tb testing.TB, srv *apptest.Server) int64 {
			seq := mutateREST(tb, srv, first.method, first.path, first.body)
			for _, c := range since {
				mutateREST(tb, srv, c.method, c.path, c.body)
			}
			return seq
		}
	}
	tests := []struct {
		name  string
		setup func(tb testing.TB, srv *apptest.Server) int64 // the seq to undo
		event string                                         // the undo's event, or
		code  models.Code                                    // the error it gets
		field string
		check check
	}{
		{name: "item create", event: "item.deleted", check: gone("/api/items/6"),
			setup: undoFirst(change{http.MethodPost, "/api/items", map[string]string{"name": "Lamp"}})},
		{name: "item create changed since", code: models.CodeConflict, field: "version",
			setup: undoFirst(change{http.MethodPost, "/api/items", map[string]string{"name": "Lamp"}},
				change{http.MethodPatch, "/api/items/6", map[string]string{"name": "Lamp 2"}})},
		{name: "item update", event: "item.updated", check: itemIs(1, "Projector", 3),
			setup: undoFirst(change{http.MethodPatch, "/api/items/1", map[string]string{"name": "Beamer"}})},
		{name: "item update changed since", code: models.CodeConflict, field: "version",
			setup: undoFirst(change{http.MethodPatch, "/api/items/1", map[string]string{"name": "Beamer"}},
				change{http.MethodPatch, "/api/items/1", map[string]string{"description": "moved"}})},
		{name: "item delete", event: "item.created", check: itemIs(2, "Whiteboard markers", 2),
			setup: undoFirst(change{http.MethodDelete, "/api/items/2", nil})},
		{name: "score create", event: "score.deleted", check: gone("/api/scores/7"),
			setup: undoFirst(change{http.MethodPost, "/api/scores", map[string]any{"player": "Zed", "points": 4}})},
		{name: "score update", event: "score.updated", check: scoreIs(1, "Alice", 42, 3),
			setup: undoFirst(change{http.MethodPatch, "/api/scores/1", map[string]any{"player": "Alicia", "points": 0}})},
		{name: "score update whose name is taken again", code: models.CodeConflict, field: "player",
			setup: undoFirst(change{http.MethodPatch, "/api/scores/1", map[string]any{"player": "Alicia"}},
				change{http.MethodPost, "/api/scores", map[string]any{"player": "alice"}})},
		{name: "increment, with changes since", event: "score.updated", check: scoreIs(1, "Alice", 142, 4),
			setup: undoFirst(change{http.MethodPost, "/api/scores/1/increment", map[string]int64{"by": 5}},
				change{http.MethodPost, "/api/scores/1/increment", map[string]int64{"by": 100}})},
		{name: "increment that would overflow", code: models.CodeInvalid, field: "seq",
			setup: undoFirst(change{http.MethodPost, "/api/scores/1/increment", map[string]int64{"by": -10}},
				change{http.MethodPost, "/api/scores/1/increment", map[string]int64{"by": 1<<63 - 1 - 32}})},
		{name: "increment after the points were set", code: models.CodeConflict, field: "seq",
			setup: undoFirst(change{http.MethodPost, "/api/scores/3/increment", map[string]int64{"by": 5}},
				change{http.MethodPatch, "/api/scores/3", map[string]any{"points": 0}})},
		{name: "score delete", event: "score.created", check: scoreIs(3, "Carol", 28, 2),
			setup: undoFirst(change{http.MethodDelete, "/api/scores/3", nil})},
		{name: "score delete whose name is taken again", code: models.CodeConflict, field: "player",
			setup: undoFirst(change{http.MethodDelete, "/api/scores/3", nil}, change{http.MethodPost, "/api/scores", map[string]any{"player": "CAROL"}})},
		{name: "redo", event: "item.updated", check: itemIs(1, "Beamer", 4),
			setup: func(tb testing.TB, srv *apptest.Server) int64 {
				seq := mutateREST(tb, srv, http.MethodPatch, "/api/items/1", map[string]string{"name": "Beamer"})
				return mutateREST(tb, srv, http.MethodPost, "/api/undo", map[string]int64{"seq": seq})
			}},
		{name: "a reset", code: models.CodeInvalid, field: "seq",
			setup: undoFirst(change{http.MethodPost, "/api/reset", nil})},
		{name: "before the last reset", code: models.CodeInvalid, field: "seq",
			setup: undoFirst(change{http.MethodPatch, "/api/items/1", map[string]string{"name": "Beamer"}},
				change{http.MethodPost, "/api/reset", nil})},
		{name: "not in the log", code: models.CodeNotFound, field: "seq",
			setup: func(tb testing.TB, srv *apptest.Server) int64 { return 1 << 40 }},
		{name: "seq zero", code: models.CodeInvalid, field: "seq",
			setup: func(tb testing.TB, srv *apptest.Server) int64 { return 0 }},
	}
	for _, tr := range transports {
		for _, tt := range tests {
			t.Run(tr.name+"/"+tt.name, func(t *testing.T) {
				srv := apptest.MustStartServer(t)
				seq := tt.setup(t, srv)
				watcher := srv.Dial(t, "")
				before := srv.State(t)
				got := tr.undo(t, srv, seq)
				if tt.code != "" {
					if got.err == nil || got.err.Code != tt.code || got.err.Field != tt.field {
						t.Fatalf("undo %d = %s %+v, want %s on %q", seq, got.data, got.err, tt.code, tt.field)
					}
					if after := srv.State(t); after.Seq != before.Seq {
						t.Errorf("a refused undo moved seq from %d to %d", before.Seq, after.Seq)
					}
					return
				}
				if got.err != nil {
					t.Fatalf("undo %d: %+v", seq, got.err)
				}
				evs := watcher.WaitSeq(before.Seq + 1)
				ev := evs[len(evs)-1]
				var wire struct {
					UndoOf int64         `json:"undo_of"`
					Actor  *models.Actor `json:"actor"`
				}
				if err := json.Unmarshal(ev.Raw, &wire); err != nil {
					t.Fatal(err)
				}
				if ev.Type != tt.event || wire.UndoOf != seq || string(ev.Data) != string(got.data) {
					t.Errorf("broadcast %s, want %s with undo_of %d and the reply's data %s", ev.Raw, tt.event, seq, got.data)
				}
				if wire.Actor == nil || wire.Actor.Name != "Bob" {
					t.Errorf("actor = %+v, want Bob", wire.Actor)
				}
				if tt.check != nil {
					tt.check(t, srv, got.data)
				}
			})
		}
	}
}

// A repeated undo under the same (client, request id), even on a new
// connection, gets the original ack and changes nothing more.
func TestUndoIdempotent(t *testing.T) {
	srv := apptest.MustStartServer(t)
	seq := mutateREST(t, srv, http.MethodPost, "/api/scores/1/increment", map[string]int64{"by": 5})
	undo := map[string]any{"type": "undo", "id": "u-1", "data": map[string]int64{"seq": seq}}
	first := srv.Dial(t, "client=undo-client-0000001")
	first.Send(undo)
	a := first.Reply("u-1")
	again := srv.Dial(t, "client=undo-client-0000001")
	again.Send(undo)
	b := again.Reply("u-1")
	if a.Type != "ack" || b.Type != "ack" || a.Seq != b.Seq || string(a.Data) != string(b.Data) {
		t.Fatalf("replies %s and %s, want the same ack", a.Raw, b.Raw)
	}
	var sc models.Score
	srv.MustJSON(t, http.MethodGet, "/api/scores/1", nil, http.StatusOK, &sc)
	if sc.Points != 42 || srv.State(t).Seq != a.Seq {
		t.Errorf("points %d at seq %d, want 42 at %d: undone once", sc.Points, srv.State(t).Seq, a.Seq)
	}
}

func TestHistoryRules(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			srv := apptest.MustStartServer(t)
			var want []int64
			want = append(want, mutateREST(t, srv, http.MethodPost, "/api/items", map[string]string{"name": "Lamp"}))
			mutateREST(t, srv, http.MethodPost, "/api/scores/1/increment", map[string]int64{"by": 5})
			for _, name := range []string{"Lamp 2", "Lamp 3"} {
				want = append(want, mutateREST(t, srv, http.MethodPatch, "/api/items/6", map[string]string{"name": name}))
			}
			want = append(want, mutateREST(t, srv, http.MethodDelete, "/api/items/6", nil))

			seqsOf := func(o outcome) []int64 {
				t.Helper()
				if o.err != nil {
					t.Fatalf("history: %+v", o.err)
				}
				var h struct {
					Events []struct {
						Seq    int64           `json:"seq"`
						Actor  *models.Actor   `json:"actor"`
						At     string          `json:"at"`
						Before json.RawMessage `json:"before"`
					} `json:"events"`
				}
				if err := json.Unmarshal(o.data, &h); err != nil {
					t.Fatal(err)
				}
				var out []int64
				for _, ev := range h.Events {
					if ev.Actor == nil || ev.Actor.Name != "Alice" || ev.At == "" {
						t.Errorf("event %d has actor %+v, at %q", ev.Seq, ev.Actor, ev.At)
					}
					out = append(out, ev.Seq)
				}
				return out
			}
			for _, c := range []struct {
				name  string
				limit int
				want  []int64
			}{
				{"deleted item, oldest first", 0, want},
				{"limit keeps the most recent", 3, want[1:]},
			} {
				if got := seqsOf(tr.history(t, srv, "item", 6, c.limit)); !slices.Equal(got, c.want) {
					t.Errorf("%s: seqs %v, want %v", c.name, got, c.want)
				}
			}
			if got := seqsOf(tr.history(t, srv, "score", 1, 0)); len(got) != 1 {
				t.Errorf("score 1 history %v, want one increment", got)
			}
			for _, c := range []struct {
				kind  string
				id    int64
				limit int
				code  models.Code
				field string
			}{
				{"item", 99, 0, models.CodeNotFound, "id"},
				{"score", 99, 0, models.CodeNotFound, "id"},
				{"item", 6, 1001, models.CodeInvalid, "limit"},
				{"item", 6, -1, models.CodeInvalid, "limit"},
			} {
				got := tr.history(t, srv, c.kind, c.id, c.limit)
				if got.err == nil || got.err.Code != c.code || got.err.Field != c.field {
					t.Errorf("%s %d limit %d = %s %+v, want %s on %s", c.kind, c.id, c.limit, got.data, got.err, c.code, c.field)
				}
			}
			mutateREST(t, srv, http.MethodPost, "/api/reset", nil)
			if got := tr.history(t, srv, "item", 6, 0); got.err == nil || got.err.Code != models.CodeNotFound {
				t.Errorf("after a reset: %s %+v, want not_found", got.data, got.err)
			}
			if got := seqsOf(tr.history(t, srv, "score", 1, 0)); len(got) != 0 {
				t.Errorf("score 1 after a reset: %v, want none", got)
			}
		})
	}
}

// The read arguments follow protocol's one rule each, on both transports:
// an explicit history limit of 0 is out of range (an absent one is the
// default), and a record id must be a positive integer, in a REST path too.
func TestReadArgumentRules(t *testing.T) {
	srv := apptest.MustStartServer(t)
	c := srv.Dial(t, "")
	tests := []struct {
		name   string
		path   string         // GET over REST
		typ    string         // the same read over the WebSocket; "" for REST only
		data   map[string]any // its data
		field  string
		wsCode models.Code // what the WebSocket answers, invalid unless set
	}{
		{"history limit 0", "/api/items/1/history?limit=0", "item.history", map[string]any{"id": 1, "limit": 0}, "limit", ""},
		{"history limit over the maximum", "/api/scores/1/history?limit=1001", "score.history", map[string]any{"id": 1, "limit": 1001}, "limit", ""},
		{"history of id 0", "/api/items/0/history", "item.history", map[string]any{"id": 0}, "id", ""},
		{"get of id 0", "/api/items/0", "item.get", map[string]any{"id": 0}, "id", ""},
		{"get of a negative id", "/api/scores/-2", "score.get", map[string]any{"id": -2}, "id", ""},
		{"get of an id that is not a number", "/api/items/abc", "item.get", map[string]any{"id": "abc"}, "id", models.CodeBadRequest},
		{"get of an id over int64", "/api/items/9223372036854775808", "", nil, "id", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, raw := srv.Do(t, http.MethodGet, tt.path, nil, nil)
			if got := restOutcome(t, status, raw); got.err == nil || got.err.Code != models.CodeInvalid || got.err.Field != tt.field {
				t.Errorf("GET %s = %d %s, want invalid on %s", tt.path, status, raw, tt.field)
			}
			if tt.typ == "" {
				return
			}
			want := cmp.Or(tt.wsCode, models.CodeInvalid)
			if got := wsOutcome(c.Request(tt.typ, tt.data)); got.err == nil || got.err.Code != want || got.err.Field != tt.field {
				t.Errorf("%s %v = %s %+v, want %s on %s", tt.typ, tt.data, got.data, got.err, want, tt.field)
			}
		})
	}
}
