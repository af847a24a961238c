package faults

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"livedash/models"
)

// SIGTERM while clients write: every client gets 1001, every request in
// flight is acked or unanswered (or failed with unavailable). After the
// restart each client resumes with since and epoch, retries what was not
// acked under the same ids, and ends with exactly-once effects and a
// gap-free stream across the resume.
func TestSIGTERMThenResumeAndRetryIsExactlyOnce(t *testing.T) {
	for cycle := 1; cycle <= scale(1, 10); cycle++ {
		t.Run(fmt.Sprint("cycle ", cycle), testSIGTERMThenResume)
	}
}

func testSIGTERMThenResume(t *testing.T) {
	const clients = 8
	srv := startServer(t, filepath.Join(t.TempDir(), "restart.db"),
		"--rate", "1000000", "--burst", "1000000", "--retention", "1000000000")
	writers := make([]*retryWriter, clients)
	for i := range writers {
		writers[i] = dialRetryWriter(t, srv, fmt.Sprintf("rs-%d", i))
	}
	var wg sync.WaitGroup
	for _, w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.write()
		}()
	}
	// SIGTERM lands while every client has requests in flight.
	for _, w := range writers {
		if err := w.p.waitFor("100 replies", peerWait, func() bool { return len(w.p.replies) >= 100 }); err != nil {
			t.Fatalf("%s: %v", w.client, err)
		}
	}
	if err := srv.terminate(30 * time.Second); err != nil {
		t.Fatalf("graceful stop exited with %v\n%s", err, srv.logTail(40))
	}
	wg.Wait()

	var acks, unanswered, unavailable int
	for _, w := range writers {
		code, err := w.p.waitEnd(t, peerWait)
		if code != websocket.CloseGoingAway {
			t.Fatalf("%s: connection ended with %v, want close 1001", w.client, err)
		}
		a, u, i := w.sortReplies(t)
		acks, unanswered, unavailable = acks+a, unanswered+u, unavailable+i
	}
	t.Logf("before SIGTERM: %d sent, %d acked, %d unanswered, %d unavailable", acks+unanswered+unavailable, acks, unanswered, unavailable)

	srv.start()
	for _, w := range writers {
		w.resume(t, srv)
	}
	st, _ := srv.state(t)
	events := srv.events(t)
	requireConsecutive(t, events)
	for _, w := range writers {
		w.resumed.waitSeq(t, st.Seq)
		w.check(t, st, events)
	}
	requireLogFoldsToState(t, events, st)
}

// retryWriter is one client of the restart test. It alternates creating
// items with unique names and incrementing its own score by 1, so that
// both duplicates and losses show in the final state.
type retryWriter struct {
	client  string
	score   int64       // id of the client's own score
	p       *peer       // the first connection
	welcome welcomeData // of the first connection
	window  chan struct{}

	mu    sync.Mutex
	order []string          // request ids in the order sent
	sent  map[string][]byte // request id -> the frame, resent as is
	names map[string]string // item.create request id -> item name
	incs  int               // score.increment requests sent

	// Filled after the stop.
	before  []frame          // events of the first connection
	acked   map[string]frame // every ack, first connection and retries
	pending []string         // request ids to retry
	probes  []string         // acked request ids retried on purpose
	resumed *peer
}

func dialRetryWriter(tb testing.TB, srv *server, client string) *retryWriter {
	tb.Helper()
	w := &retryWriter{client: client, window: make(chan struct{}, 16), sent: map[string][]byte{},
		names: map[string]string{}, acked: map[string]frame{}}
	w.p = dialPeer(tb, srv, "client="+client, peerOptions{events: true, onReply: func(frame) {
		select {
		case <-w.window:
		default:
		}
	}})
	var sc models.Score
	decode(tb, w.p.mustAck(tb, "setup", "score.create", map[string]any{"player": client}).Data, &sc)
	w.score = sc.ID
	w.welcome = w.p.welcomed(tb)
	return w
}

func decode(tb testing.TB, raw []byte, dst any) {
	tb.Helper()
	if err := json.Unmarshal(raw, dst); err != nil {
		tb.Fatalf("decode %.300s: %v", raw, err)
	}
}

func (w *retryWriter) write() {
	for n := 0; n < 20_000; n++ {
		select {
		case w.window <- struct{}{}:
		case <-w.p.done:
			return
		}
		id := fmt.Sprint("q", n)
		var req map[string]any
		if n%2 == 0 {
			name := w.client + "-" + id
			req = request("item.create", id, map[string]any{"name": name})
			w.mu.Lock()
			w.names[id] = name
			w.mu.Unlock()
		} else {
			req = request("score.increment", id, map[string]any{"id": w.score, "by": 1})
			w.mu.Lock()
			w.incs++
			w.mu.Unlock()
		}
		b, _ := json.Marshal(req)
		w.mu.Lock()
		w.order = append(w.order, id)
		w.sent[id] = b
		w.mu.Unlock()
		if w.p.sendRaw(websocket.TextMessage, b) != nil {
			return
		}
	}
}

// sortReplies files the first connection's replies: acks are kept, the
// rest is to be retried. Only unavailable errors may come back.
func (w *retryWriter) sortReplies(tb testing.TB) (acks, unanswered, unavailable int) {
	tb.Helper()
	replies, events, repeated := w.p.snapshot()
	if len(repeated) > 0 {
		tb.Fatalf("%s: requests answered twice: %v", w.client, repeated)
	}
	w.before = events
	for _, id := range w.order {
		f, ok := replies[id]
		switch {
		case !ok:
			unanswered++
			w.pending = append(w.pending, id)
		case f.Type == "ack":
			acks++
			w.acked[id] = f
		case f.Error != nil && f.Error.Code == models.CodeUnavailable:
			unavailable++
			w.pending = append(w.pending, id)
		default:
			tb.Fatalf("%s: %s got %s; only an ack, unavailable or no reply are allowed", w.client, id, f.Raw)
		}
	}
	// The last acked requests are retried too: they must come back with
	// their original seq and data, not be applied again.
	for i := len(w.order) - 1; i >= 0 && len(w.probes) < 3; i-- {
		if _, ok := w.acked[w.order[i]]; ok {
			w.probes = append(w.probes, w.order[i])
		}
	}
	return acks, unanswered, unavailable
}

// lastSeen is the last seq the first connection applied.
func (w *retryWriter) lastSeen() int64 {
	if len(w.before) == 0 {
		return w.welcome.Seq
	}
	return w.before[len(w.before)-1].Seq
}

// resume reconnects with since and epoch, retries, and waits for every
// retry's ack.
func (w *retryWriter) resume(tb testing.TB, srv *server) {
	tb.Helper()
	q := fmt.Sprintf("client=%s&since=%d&epoch=%s", w.client, w.lastSeen(), w.welcome.Epoch)
	w.resumed = dialPeer(tb, srv, q, peerOptions{events: true})
	if wel := w.resumed.welcomed(tb); !wel.Resumed {
		tb.Fatalf("%s: welcome %+v after the restart, want resumed", w.client, wel)
	}
	retries := append(append([]string(nil), w.pending...), w.probes...)
	for _, id := range retries {
		if err := w.resumed.sendRaw(websocket.TextMessage, w.sent[id]); err != nil {
			tb.Fatalf("%s: retry %s: %v", w.client, id, err)
		}
	}
	for _, id := range retries {
		f := w.resumed.waitReply(tb, id)
		if f.Type != "ack" {
			tb.Fatalf("%s: retry of %s got %s", w.client, id, f.Raw)
		}
		if orig, ok := w.acked[id]; ok {
			if f.Seq != orig.Seq || compactJSON(f.Data) != compactJSON(orig.Data) {
				tb.Fatalf("%s: retry of acked %s got %s, want the original %s", w.client, id, f.Raw, orig.Raw)
			}
			continue
		}
		w.acked[id] = f
	}
}

// check verifies this client's view against the final snapshot and log.
func (w *retryWriter) check(tb testing.TB, st models.State, events []logEvent) {
	tb.Helper()
	_, after, repeated := w.resumed.snapshot()
	if len(repeated) > 0 {
		tb.Fatalf("%s: retries answered twice: %v", w.client, repeated)
	}
	first := w.welcome.Seq + 1
	requireGapFree(tb, w.client+" before the stop", w.before, first, w.lastSeen())
	requireGapFree(tb, w.client+" after the resume", after, w.lastSeen()+1, st.Seq)
	stream := map[int64]frame{}
	for _, ev := range append(append([]frame(nil), w.before...), after...) {
		stream[ev.Seq] = ev
	}
	for id, a := range w.acked {
		if ev, ok := stream[a.Seq]; !ok || compactJSON(ev.Data) != compactJSON(a.Data) {
			tb.Fatalf("%s: ack of %s (%s) does not match the stream's event %s", w.client, id, a.Raw, ev.Raw)
		}
	}
	// Each name was created exactly once, by the event its ack names.
	createdAt := map[string][]int64{}
	for _, ev := range events {
		if ev.Type == "item.created" {
			var it models.Item
			decode(tb, ev.Data, &it)
			if strings.HasPrefix(it.Name, w.client+"-") {
				createdAt[it.Name] = append(createdAt[it.Name], ev.Seq)
			}
		}
	}
	inState := map[string]int{}
	for _, it := range st.Items {
		inState[it.Name]++
	}
	for id, name := range w.names {
		if seqs := createdAt[name]; len(seqs) != 1 || seqs[0] != w.acked[id].Seq || inState[name] != 1 {
			tb.Fatalf("%s: %s (%s) created at seqs %v, acked at %d, %d times in the state; want exactly once",
				w.client, name, id, seqs, w.acked[id].Seq, inState[name])
		}
	}
	if len(createdAt) != len(w.names) {
		tb.Fatalf("%s: %d items created in the log, %d requested", w.client, len(createdAt), len(w.names))
	}
	points := int64(-1)
	for _, sc := range st.Scores {
		if sc.ID == w.score {
			points = sc.Points
		}
	}
	if points != int64(w.incs) {
		tb.Fatalf("%s: own score has %d points after %d increments of 1", w.client, points, w.incs)
	}
}
