package app_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"livedash/app/apptest"
	"livedash/client"
	"livedash/models"
)

// Every mutation type is acked and broadcast to every client, the sender
// too, with the same seq; each client sees consecutive seqs, and what the
// broadcasts build equals GET /api/state.
func TestMutationsAreAckedAndBroadcastToAll(t *testing.T) {
	srv := apptest.MustStartServer(t)
	start := srv.State(t)
	streams := make([]*apptest.Stream, 3)
	for i := range streams {
		streams[i] = apptest.NewStream(t)
	}
	a := srv.DialClient(t, client.Options{Name: "Alice", ClientID: "alice", OnEvent: streams[0].Add})
	srv.DialClient(t, client.Options{Name: "Bob", ClientID: "bob", OnEvent: streams[1].Add})
	srv.DialClient(t, client.Options{Name: "Carol", Anonymous: true, OnEvent: streams[2].Add})
	views := make([]*apptest.View, len(streams))
	for i := range views {
		views[i] = apptest.NewView(start)
	}
	ctx := apptest.Ctx(t)

	var item models.Item
	var score models.Score
	// Each step makes one mutation and returns the seq and the data of its
	// ack, as the event must carry them.
	steps := []struct {
		event string
		do    func() (int64, any, error)
	}{
		{"item.created", func() (int64, any, error) {
			it, seq, err := a.CreateItem(ctx, client.NewItem{Name: " Beamer ", Description: "room 4"})
			item = it
			return seq, it, err
		}},
		{"item.updated", func() (int64, any, error) {
			it, seq, err := a.UpdateItem(ctx, client.ItemUpdate{ID: item.ID, Version: item.Version, Name: new("Beamer 2")})
			item = it
			return seq, it, err
		}},
		{"score.created", func() (int64, any, error) {
			sc, seq, err := a.CreateScore(ctx, client.NewScore{Player: "Zoe", Points: 3})
			score = sc
			return seq, sc, err
		}},
		{"score.updated", func() (int64, any, error) {
			sc, seq, err := a.IncrementScore(ctx, score.ID, 100)
			score = sc
			return seq, sc, err
		}},
		{"score.updated", func() (int64, any, error) {
			sc, seq, err := a.UpdateScore(ctx, client.ScoreUpdate{ID: score.ID, Player: new("Zoé"), Points: new(int64(7))})
			score = sc
			return seq, sc, err
		}},
		{"score.deleted", func() (int64, any, error) {
			seq, err := a.DeleteScore(ctx, score.ID, score.Version)
			return seq, map[string]int64{"id": score.ID}, err
		}},
		{"item.deleted", func() (int64, any, error) {
			seq, err := a.DeleteItem(ctx, item.ID, 0)
			return seq, map[string]int64{"id": item.ID}, err
		}},
	}
	for _, st := range steps {
		seq, data, err := st.do()
		if err != nil {
			t.Fatalf("%s: %v", st.event, err)
		}
		if seq == 0 {
			t.Fatalf("%s: ack without seq", st.event)
		}
		ackData, _ := json.Marshal(data)
		for i, s := range streams {
			evs := s.WaitSeq(seq)
			ev := evs[len(evs)-1]
			if ev.Seq != seq || ev.Type != st.event {
				t.Fatalf("client %d: want %s seq %d, got %s", i, st.event, seq, ev.Raw)
			}
			if string(ev.Data) != string(ackData) {
				t.Fatalf("client %d: event data %s differs from ack data %s", i, ev.Data, ackData)
			}
		}
	}
	if item.Name != "Beamer 2" || item.Version != 2 {
		t.Fatalf("item after update: %+v", item)
	}
	if score.Player != "Zoé" || score.Points != 7 || score.Version != 3 {
		t.Fatalf("score after updates: %+v", score)
	}
	final := srv.State(t)
	for i, s := range streams {
		for _, ev := range s.Changes() {
			views[i].ApplyEvent(t, ev)
		}
		views[i].RequireState(t, final)
	}
}

// REST mutations take the same path: committed, then broadcast.
func TestRESTMutationsBroadcast(t *testing.T) {
	srv := apptest.MustStartServer(t)
	stream := apptest.NewStream(t)
	srv.DialClient(t, client.Options{OnEvent: stream.Add})
	v := apptest.NewView(srv.State(t))

	var item models.Item
	srv.MustJSON(t, http.MethodPost, "/api/items", map[string]any{"name": "Laptop"}, http.StatusCreated, &item)
	srv.MustJSON(t, http.MethodPatch, fmt.Sprintf("/api/items/%d", item.ID), map[string]any{"description": "silver", "version": 1}, http.StatusOK, &item)
	var sc models.Score
	srv.MustJSON(t, http.MethodPost, "/api/scores/1/increment", map[string]any{"by": 5}, http.StatusOK, &sc)
	srv.MustJSON(t, http.MethodPost, "/api/scores", map[string]any{"player": "Yan"}, http.StatusCreated, &sc)
	srv.MustJSON(t, http.MethodPatch, fmt.Sprintf("/api/scores/%d", sc.ID), map[string]any{"points": 9}, http.StatusOK, &sc)
	srv.MustJSON(t, http.MethodDelete, fmt.Sprintf("/api/scores/%d?version=2", sc.ID), nil, http.StatusOK, nil)
	srv.MustJSON(t, http.MethodDelete, fmt.Sprintf("/api/items/%d", item.ID), nil, http.StatusOK, nil)
	var reset struct{ Seq int64 }
	srv.MustJSON(t, http.MethodPost, "/api/reset", nil, http.StatusOK, &reset)

	evs := stream.WaitSeq(reset.Seq)
	wantTypes := []string{"item.created", "item.updated", "score.updated", "score.created", "score.updated", "score.deleted", "item.deleted", "state.reset"}
	if len(evs) != len(wantTypes) {
		t.Fatalf("got %d events, want %d", len(evs), len(wantTypes))
	}
	for i, ev := range evs {
		if ev.Type != wantTypes[i] {
			t.Fatalf("event %d is %s, want %s", i, ev.Type, wantTypes[i])
		}
		v.ApplyEvent(t, ev)
	}
	v.RequireState(t, srv.State(t))

	var page struct {
		Events []apptest.Frame `json:"events"`
		Seq    int64           `json:"seq"`
		Epoch  string          `json:"epoch"`
	}
	srv.MustJSON(t, http.MethodGet, fmt.Sprintf("/api/events?since=%d&limit=3", evs[0].Seq-1), nil, http.StatusOK, &page)
	if len(page.Events) != 3 || page.Events[0].Seq != evs[0].Seq || page.Seq != reset.Seq || page.Epoch == "" {
		t.Fatalf("GET /api/events: %+v", page)
	}
}

// A REST delete takes its version from the query or a JSON body, under the
// same rule as every other version; when both give one, they must agree.
func TestDeleteVersion(t *testing.T) {
	srv := apptest.MustStartServer(t)
	const positive = "version must be a positive integer"
	cases := []struct {
		name   string
		query  string // after the id
		body   string
		status int
		code   models.Code
		msg    string // the whole message, when it matters
	}{
		{"the body's version is behind", "", `{"version":7}`, http.StatusConflict, models.CodeConflict, ""},
		{"the query's version is behind", "?version=7", "", http.StatusConflict, models.CodeConflict, ""},
		{"body and query disagree", "?version=1", `{"version":2}`, http.StatusBadRequest, models.CodeInvalid, ""},
		{"query version 0", "?version=0", "", http.StatusBadRequest, models.CodeInvalid, positive},
		{"query version -1", "?version=-1", "", http.StatusBadRequest, models.CodeInvalid, positive},
		{"query version not a number", "?version=two", "", http.StatusBadRequest, models.CodeInvalid, positive},
		{"body version 0", "", `{"version":0}`, http.StatusBadRequest, models.CodeInvalid, positive},
		{"body version -1", "", `{"version":-1}`, http.StatusBadRequest, models.CodeInvalid, positive},
		{"a body that is not an object", "", `[1]`, http.StatusBadRequest, models.CodeBadRequest, ""},
		{"a version of the wrong type", "", `{"version":"1"}`, http.StatusBadRequest, models.CodeBadRequest, ""},
	}
	for _, kind := range []string{"items", "scores"} {
		for _, tc := range cases {
			t.Run(kind+": "+tc.name, func(t *testing.T) {
				before := srv.State(t).Seq
				status, raw := srv.Do(t, http.MethodDelete, "/api/"+kind+"/2"+tc.query, bodyOrNil(tc.body), nil)
				var body struct{ Error *models.Error }
				mustDecode(t, raw, &body)
				if status != tc.status || body.Error == nil || body.Error.Code != tc.code {
					t.Fatalf("%d %s, want %d %s", status, raw, tc.status, tc.code)
				}
				if tc.code == models.CodeInvalid && body.Error.Field != "version" {
					t.Fatalf("field %q, want version: %s", body.Error.Field, raw)
				}
				if tc.msg != "" && body.Error.Message != tc.msg {
					t.Fatalf("message %q, want %q", body.Error.Message, tc.msg)
				}
				if after := srv.State(t).Seq; after != before {
					t.Fatalf("a refused delete changed the seq: %d -> %d", before, after)
				}
			})
		}
		t.Run(kind+": body and query agree", func(t *testing.T) {
			status, raw := srv.Do(t, http.MethodDelete, "/api/"+kind+"/3?version=1", []byte(`{"version":1}`), nil)
			if status != http.StatusOK {
				t.Fatalf("%d %s", status, raw)
			}
		})
		t.Run(kind+": the body's version matches", func(t *testing.T) {
			status, raw := srv.Do(t, http.MethodDelete, "/api/"+kind+"/4", []byte(`{"version":1}`), nil)
			if status != http.StatusOK {
				t.Fatalf("%d %s", status, raw)
			}
		})
	}
}

// bodyOrNil is a request body, or none for "".
func bodyOrNil(s string) any {
	if s == "" {
		return nil
	}
	return []byte(s)
}

func mustDecode(tb testing.TB, raw []byte, dst any) {
	tb.Helper()
	if err := json.Unmarshal(raw, dst); err != nil {
		tb.Fatalf("decode %s: %v", raw, err)
	}
}
