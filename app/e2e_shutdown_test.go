package app_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/fasthttp/websocket"

	"livedash/app/apptest"
	"livedash/models"
)

// A graceful stop while clients write: every client gets 1001, every acked
// mutation is in the database after a restart, and no seq is lost.
func TestGracefulStopSends1001AndLosesNoAckedMutation(t *testing.T) {
	srv := apptest.MustStartServer(t, "--rate", "100000", "--burst", "100000")
	const writers = 4
	clients := make([]*apptest.Client, writers)
	for i := range clients {
		clients[i] = srv.Dial(t, fmt.Sprintf("client=stopper-%d", i))
	}
	// Each writer keeps mutating until its connection goes away.
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; n < 1500; n++ {
				err := c.Conn.WriteJSON(map[string]any{"type": "item.create", "id": fmt.Sprint(n),
					"data": map[string]any{"name": fmt.Sprintf("w%d-%d", i, n)}})
				if err != nil {
					return
				}
			}
		}()
	}
	clients[0].Replies("50", 1) // writes are flowing
	srv.Stop()
	wg.Wait()

	acked := map[string]int64{}
	for i, c := range clients {
		if code, reason := c.WaitClose(); code != websocket.CloseGoingAway {
			t.Fatalf("client %d closed with %d %s, want 1001\n%s", i, code, reason, srv.Log())
		}
		for _, f := range c.Frames() {
			if f.Type == "ack" {
				acked[fmt.Sprintf("w%d-%s", i, *f.ID)] = f.Seq
			} else if f.Type == "error" && f.Error.Code != models.CodeUnavailable {
				t.Fatalf("client %d: unexpected error %s", i, f.Raw)
			}
		}
	}
	if len(acked) < 50 {
		t.Fatalf("only %d acks before the stop", len(acked))
	}

	t.Logf("%d acked", len(acked))
	srv = srv.Restart()
	st := srv.State(t)
	names := map[string]int64{}
	for _, it := range st.Items {
		names[it.Name] = it.ID
	}
	for name := range acked {
		if _, ok := names[name]; !ok {
			t.Fatalf("acked item %s is missing after restart", name)
		}
	}
	// The log is gap-free and folds to the snapshot.
	v := apptest.NewView(models.State{Items: []models.Item{}, Scores: []models.Score{}})
	c := srv.Dial(t, fmt.Sprintf("since=0&epoch=%s", st.Epoch))
	for _, ev := range c.WaitSeq(st.Seq) {
		v.ApplyFrame(t, ev)
	}
	v.RequireState(t, st)
}

// The read requests answer from the current state.
func TestQueries(t *testing.T) {
	srv := apptest.MustStartServer(t)
	c := srv.Dial(t, "")
	st := srv.State(t)
	var got models.State
	mustDecode(t, c.MustAck("state.get", map[string]any{}).Data, &got)
	if got.Seq != st.Seq || got.Epoch != st.Epoch || len(got.Items) != len(st.Items) || len(got.Scores) != len(st.Scores) {
		t.Fatalf("state.get %+v, REST %+v", got, st)
	}
	var items struct{ Items []models.Item }
	mustDecode(t, c.MustAck("item.list", map[string]any{}).Data, &items)
	var scores struct{ Scores []models.Score }
	mustDecode(t, c.MustAck("score.list", map[string]any{}).Data, &scores)
	if len(items.Items) != 5 || len(scores.Scores) != 6 || scores.Scores[0].Player != "Alice" {
		t.Fatalf("lists: %d items, %d scores", len(items.Items), len(scores.Scores))
	}
	var it models.Item
	mustDecode(t, c.MustAck("item.get", map[string]any{"id": 2}).Data, &it)
	var sc models.Score
	mustDecode(t, c.MustAck("score.get", map[string]any{"id": 3}).Data, &sc)
	if it.Name != "Whiteboard markers" || sc.Player != "Carol" {
		t.Fatalf("get: %+v %+v", it, sc)
	}
	if f := c.MustAck("ping", map[string]any{}); string(f.Data) != "{}" || f.Seq != 0 {
		t.Fatalf("ping: %s", f.Raw)
	}
	if f := c.Request("item.get", map[string]any{"id": 999}); f.Error == nil || f.Error.Code != models.CodeNotFound {
		t.Fatalf("missing item: %s", f.Raw)
	}
}
