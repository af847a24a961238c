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
