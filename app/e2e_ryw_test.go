package app_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"livedash/app/apptest"
	"livedash/client"
	"livedash/protocol"
)

// readYourWritesRounds is how often each read-your-writes check repeats:
// the gap it guards against is a race between two instances' publishers.
const readYourWritesRounds = 40

// welcomeSeq dials srv and returns the seq of its welcome.
func welcomeSeq(tb testing.TB, srv *apptest.Server) int64 {
	tb.Helper()
	c := srv.Dial(tb, "")
	defer c.Conn.Close()
	var w protocol.Welcome
	if err := json.Unmarshal(c.WaitType(protocol.TypeWelcome).Data, &w); err != nil {
		tb.Fatalf("welcome: %v", err)
	}
	return w.Seq
}

// postIncrement increments score 1 over REST and returns the reply's seq
// (X-Livedash-Seq).
func postIncrement(tb testing.TB, srv *apptest.Server) int64 {
	tb.Helper()
	resp, err := http.Post(srv.URL+"/api/scores/1/increment", "application/json", strings.NewReader(`{"by":1}`))
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("increment: %d %s", resp.StatusCode, body)
	}
	seq, err := strconv.ParseInt(resp.Header.Get("X-Livedash-Seq"), 10, 64)
	if err != nil {
		tb.Fatalf("X-Livedash-Seq %q: %v", resp.Header.Get("X-Livedash-Seq"), err)
	}
	return seq
}

// After a POST to A, GET /api/events on B is at least as new as the reply
// and returns no event above its own seq.
func TestClusterEventsReadYourWrites(t *testing.T) {
	a, b := startCluster(t)
	for i := range readYourWritesRounds {
		seq := postIncrement(t, a)
		var page struct {
			Events []struct{ Seq int64 } `json:"events"`
			Seq    int64                 `json:"seq"`
		}
		b.MustJSON(t, http.MethodGet, fmt.Sprintf("/api/events?since=%d&limit=1000", max(seq-5, 0)), nil, http.StatusOK, &page)
		if page.Seq < seq {
			t.Fatalf("round %d: B's /api/events seq %d is below A's reply seq %d", i, page.Seq, seq)
		}
		for _, ev := range page.Events {
			if ev.Seq > page.Seq {
				t.Fatalf("round %d: B's /api/events returned seq %d above its own seq %d", i, ev.Seq, page.Seq)
			}
		}
	}
}

// After an ack from A, a new WebSocket on B is welcomed at a seq at least
// as high.
func TestClusterWelcomeReadYourWrites(t *testing.T) {
	a, b := startCluster(t)
	ctx := apptest.Ctx(t)
	w := apptest.DialClient(t, a.URL, client.Options{Name: "writer on A"})
	for i := range readYourWritesRounds {
		_, seq, err := w.IncrementScore(ctx, 1, 1)
		if err != nil {
			t.Fatal(err)
		}
		if got := welcomeSeq(t, b); got < seq {
			t.Fatalf("round %d: welcome seq on B = %d, below A's ack seq %d", i, got, seq)
		}
	}
}

// A connection opened after an ack gets a welcome seq at least as high: the
// store answers a sender only after the hub has its event.
func TestWelcomeAfterAckIsAsNew(t *testing.T) {
	srv := apptest.MustStartServer(t)
	ctx := apptest.Ctx(t)
	w := apptest.DialClient(t, srv.URL, client.Options{Name: "writer"})
	// More rounds than in a cluster: here the window is only the publisher's
	// hand-off, and each round is cheap.
	for i := range 5 * readYourWritesRounds {
		_, seq, err := w.IncrementScore(ctx, 1, 1)
		if err != nil {
			t.Fatal(err)
		}
		if got := welcomeSeq(t, srv); got < seq {
			t.Fatalf("round %d: welcome seq %d, below the ack's %d", i, got, seq)
		}
	}
}
