package app_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"livedash/app/apptest"
	"livedash/client"
	"livedash/models"
)

// A graceful stop while clients write: every client gets 1001, every acked
// mutation is in the database after a restart, and no seq is lost.
func TestGracefulStopSends1001AndLosesNoAckedMutation(t *testing.T) {
	srv := apptest.MustStartServer(t, "--rate", "100000", "--burst", "100000")
	const writers, window = 4, 256
	var mu sync.Mutex
	acked := map[string]int64{}
	flowing := make(chan struct{}) // closed at the 50th ack
	var calls sync.WaitGroup
	clients := make([]*client.Client, writers)
	streams := make([]*apptest.Stream, writers)
	for i := range clients {
		streams[i] = apptest.NewStream(t)
		clients[i] = srv.DialClient(t, client.Options{ClientID: fmt.Sprintf("stopper-%d", i), OnEvent: streams[i].Add})
	}
	// Each writer keeps mutating, many requests in flight, until its
	// connection goes away.
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Go(func() {
			slots := make(chan struct{}, window)
			for n := 0; n < 1500 && c.ConnState() == client.Live; n++ {
				slots <- struct{}{}
				name := fmt.Sprintf("w%d-%d", i, n)
				calls.Go(func() {
					defer func() { <-slots }()
					_, seq, err := c.CreateItem(apptest.Ctx(t), client.NewItem{Name: name})
					mu.Lock()
					defer mu.Unlock()
					switch code := client.CodeOf(err); {
					case err == nil:
						if acked[name] = seq; len(acked) == 50 {
							close(flowing)
						}
					case errors.Is(err, client.ErrClosed), code == models.CodeInternal, code == models.CodeUnavailable:
					default:
						t.Errorf("writer %d: unexpected error %v", i, err)
					}
				})
			}
		})
	}
	select {
	case <-flowing:
	case <-time.After(apptest.DefaultWait):
		t.Fatalf("no 50 acks within %s", apptest.DefaultWait)
	}
	srv.Stop()
	for i, s := range streams {
		if d, _ := s.WaitType(client.TypeDisconnected, 1).Disconnect(); d.Code != websocket.CloseGoingAway {
			t.Fatalf("client %d disconnected with %+v, want 1001\n%s", i, d, srv.Log())
		}
	}
	// Requests not answered before the stop stay unanswered: Close fails
	// them, so that no resend reaches the restarted server.
	for _, c := range clients {
		c.Close()
	}
	wg.Wait()
	calls.Wait()
	if t.Failed() {
		t.FailNow()
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
	stream := apptest.NewStream(t)
	srv.DialClient(t, client.Options{Since: 0, Epoch: st.Epoch, OnEvent: stream.Add})
	for _, ev := range stream.WaitSeq(st.Seq) {
		v.ApplyEvent(t, ev)
	}
	v.RequireState(t, st)
}

// The read requests answer from the current state.
func TestQueries(t *testing.T) {
	srv := apptest.MustStartServer(t)
	c := srv.DialClient(t, client.Options{})
	ctx := apptest.Ctx(t)
	st := srv.State(t)
	got, err := c.State(ctx)
	if err != nil || got.Seq != st.Seq || got.Epoch != st.Epoch || len(got.Items) != len(st.Items) || len(got.Scores) != len(st.Scores) {
		t.Fatalf("state.get %+v (%v), REST %+v", got, err, st)
	}
	items, err := c.Items(ctx)
	if err != nil {
		t.Fatal(err)
	}
	scores, err := c.Scores(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 5 || len(scores) != 6 || scores[0].Player != "Alice" {
		t.Fatalf("lists: %d items, %d scores", len(items), len(scores))
	}
	it, err := c.Item(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := c.Score(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	if it.Name != "Whiteboard markers" || sc.Player != "Carol" {
		t.Fatalf("get: %+v %+v", it, sc)
	}
	if err := c.Ping(ctx); err != nil {
		t.Fatalf("ping: %v", err)
	}
	if _, err := c.Item(ctx, 999); client.CodeOf(err) != models.CodeNotFound {
		t.Fatalf("missing item: %v", err)
	}
	// The shape of a read's reply, which the client does not show: data,
	// and no seq.
	if f := srv.Dial(t, "").MustAck("ping", map[string]any{}); string(f.Data) != "{}" || f.Seq != 0 {
		t.Fatalf("ping: %s", f.Raw)
	}
}
