package app_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"livedash/app/apptest"
	"livedash/models"
)

// Over REST, equivalent spellings of a player are one player, and the
// X-Livedash-Name header follows the name rule: stored NFC, and ignored
// (no actor name) when it breaks the rule.
func TestNamesOverREST(t *testing.T) {
	srv := apptest.MustStartServer(t)
	var first models.Score
	srv.MustJSON(t, http.MethodPost, "/api/scores", map[string]any{"player": "Zoe\u0308"}, http.StatusCreated, &first)
	if first.Player != "Zo\u00eb" {
		t.Fatalf("player %+q, want NFC", first.Player)
	}
	for _, p := range []string{"ZO\u00cb", "zoe\u0308"} {
		if status, body := srv.Do(t, http.MethodPost, "/api/scores", map[string]any{"player": p}, nil); status != http.StatusConflict {
			t.Fatalf("%+q: %d %s, want 409", p, status, body)
		}
	}
	if status, body := srv.Do(t, http.MethodPost, "/api/items", map[string]any{"name": "Bob\u200b"}, nil); status != http.StatusBadRequest {
		t.Fatalf("zero-width space: %d %s, want 400", status, body)
	}

	actorOf := func(header string) string {
		t.Helper()
		status, body := srv.Do(t, http.MethodPost, "/api/scores/1/increment", `{"by":1}`,
			http.Header{"X-Livedash-Name": {header}})
		if status != http.StatusOK {
			t.Fatalf("increment: %d %s", status, body)
		}
		var page struct {
			Events []struct {
				Actor *models.Actor `json:"actor"`
			} `json:"events"`
		}
		seq := srv.State(t).Seq
		srv.MustJSON(t, http.MethodGet, "/api/events?since="+strconv.FormatInt(seq-1, 10), nil, http.StatusOK, &page)
		if len(page.Events) != 1 {
			t.Fatalf("events %+v", page.Events)
		}
		if page.Events[0].Actor == nil {
			return ""
		}
		return page.Events[0].Actor.Name
	}
	if got := actorOf(" Zoe\u0308 "); got != "Zo\u00eb" {
		t.Errorf("actor %+q, want NFC Zoë", got)
	}
	// The header follows the same identity rule as the WebSocket's ?name=.
	before := srv.State(t).Seq
	status, body := srv.Do(t, http.MethodPost, "/api/scores/1/increment", `{"by":1}`,
		http.Header{"X-Livedash-Name": {"Bob\u200b"}})
	if status != http.StatusBadRequest || !strings.Contains(string(body), `"field":"name"`) {
		t.Errorf("name with an invisible character: %d %s, want 400 invalid name", status, body)
	}
	if srv.State(t).Seq != before {
		t.Error("a refused request changed the state")
	}
}

// Names that look alike are one player (TS #39 skeleton of the folded
// name): next to the demo's "Alice", each lookalike is a conflict, created
// or renamed onto, over REST and over WebSocket, and changes nothing; a name
// that only resembles it is a new player.
func TestLookalikePlayersConflict(t *testing.T) {
	srv := apptest.MustStartServer(t)
	var alice, bob *models.Score
	st := srv.State(t)
	for i := range st.Scores {
		switch st.Scores[i].Player {
		case "Alice":
			alice = &st.Scores[i]
		case "Bob":
			bob = &st.Scores[i]
		}
	}
	if alice == nil || bob == nil {
		t.Fatalf("demo players %+v, want Alice and Bob", st.Scores)
	}
	c := srv.Dial(t, "name=Tester")
	for _, tc := range []struct{ name, player string }{
		{"Cyrillic capital A", "\u0410lice"},
		{"full width", "\uff21\uff4c\uff49\uff43\uff45"},
		{"mathematical bold", "\U0001d400\U0001d425\U0001d422\U0001d41c\U0001d41e"},
		{"digit one for l, in capitals", "A1ICE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := srv.State(t).Seq
			for _, req := range []struct {
				method, path string
			}{{http.MethodPost, "/api/scores"}, {http.MethodPatch, "/api/scores/" + strconv.FormatInt(bob.ID, 10)}} {
				status, body := srv.Do(t, req.method, req.path, map[string]any{"player": tc.player}, nil)
				if status != http.StatusConflict || !strings.Contains(string(body), `"code":"conflict"`) || !strings.Contains(string(body), `"field":"player"`) {
					t.Errorf("%s %s %+q: %d %s, want 409 conflict on player", req.method, req.path, tc.player, status, body)
				}
			}
			for _, req := range []struct {
				typ  string
				data map[string]any
			}{{"score.create", map[string]any{"player": tc.player}}, {"score.update", map[string]any{"id": bob.ID, "player": tc.player}}} {
				f := c.Request(req.typ, req.data)
				if f.Type != "error" || f.Error.Code != models.CodeConflict || f.Error.Field != "player" {
					t.Errorf("%s %+q: %s, want conflict on player", req.typ, tc.player, f.Raw)
				}
			}
			if after := srv.State(t).Seq; after != before {
				t.Errorf("refused lookalikes moved the seq %d -> %d", before, after)
			}
		})
	}
	var other models.Score
	srv.MustJSON(t, http.MethodPost, "/api/scores", map[string]any{"player": "Alicia"}, http.StatusCreated, &other)
	c.MustAck("score.create", map[string]any{"player": "\u0410lex"}) // no Alex yet
}
