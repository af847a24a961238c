package faults

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"livedash/app/apptest"
	"livedash/client"
	"livedash/models"
	"livedash/protocol"
)

// SIGTERM while clients write: every client gets 1001, every request in
// flight is acked or unanswered (or failed with unavailable). After the
// restart each client resumes with since and epoch, resends what was not
// answered under the same ids, retries what failed, and ends with
// exactly-once effects and a gap-free stream across the resume.
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
		wg.Go(w.write)
	}
	// SIGTERM lands while every client has requests in flight.
	for _, w := range writers {
		w.waitReplies(t, 100)
	}
	if err := srv.terminate(30 * time.Second); err != nil {
		t.Fatalf("graceful stop exited with %v\n%s", err, srv.logTail(40))
	}
	for _, w := range writers {
		if d := w.waitLost(t); d.Code != websocket.CloseGoingAway {
			t.Fatalf("%s: connection ended with %+v, want close 1001", w.client, d)
		}
	}
	wg.Wait()

	srv.start()
	var acks, failed, late int
	for _, w := range writers {
		a, f, l := w.resume(t)
		acks, failed, late = acks+a, failed+f, late+l
	}
	t.Logf("%d sent: %d acked, %d of them after the restart (resent under their ids), %d failed with unavailable and were retried",
		acks+failed, acks, late, failed)
	st, _ := srv.state(t)
	events := srv.events(t)
	requireConsecutive(t, events)
	for _, w := range writers {
		w.stream.WaitSeq(st.Seq)
		w.check(t, st, events)
	}
	requireLogFoldsToState(t, events, st)
}

// retryWriter is one client of the restart test. It alternates creating
// items with unique names and incrementing its own score by 1, so that
// both duplicates and losses show in the final state.
type retryWriter struct {
	client  string
	c       *client.Client
	stream  *apptest.Stream
	drops   *dropWatch
	score   int64            // id of the client's own score
	welcome protocol.Welcome // of the first connection
	window  chan struct{}
	calls   sync.WaitGroup
	ctx     context.Context // for the calls: they may wait out the restart

	mu      sync.Mutex
	order   []string          // request ids in the order sent
	names   map[string]string // item.create request id -> item name
	incs    int               // score.increment requests sent
	replies map[string]retryReply
	changed chan struct{} // closed and replaced on every reply

	acked map[string]frame // filled after the restart
}

type retryReply struct {
	frame
	late bool // answered after the client was welcomed again
}

func dialRetryWriter(tb testing.TB, srv *server, name string) *retryWriter {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	tb.Cleanup(cancel)
	w := &retryWriter{client: name, stream: apptest.NewStream(tb), window: make(chan struct{}, 16), ctx: ctx,
		names: map[string]string{}, replies: map[string]retryReply{}, changed: make(chan struct{}), acked: map[string]frame{}}
	w.drops = newDropWatch(w.stream.Add)
	w.c = srv.dialClient(tb, client.Options{ClientID: name, Name: name, OnEvent: w.drops.OnEvent})
	sc, _, err := w.c.CreateScore(apptest.Ctx(tb), client.NewScore{Player: name})
	if err != nil {
		tb.Fatalf("%s: create its score: %v", name, err)
	}
	w.score = sc.ID
	w.welcome = w.c.Welcome()
	return w
}

// write pipelines requests until the connection drops: concurrent calls go
// out on the one connection as they are made.
func (w *retryWriter) write() {
	for n := 0; n < 20_000; n++ {
		select {
		case w.window <- struct{}{}:
		case <-w.drops.lost:
			return
		}
		id := fmt.Sprint("q", n)
		ctx := client.WithRequestID(w.ctx, id)
		w.mu.Lock()
		w.order = append(w.order, id)
		var call func() (int64, any, error)
		if n%2 == 0 {
			name := w.client + "-" + id
			w.names[id] = name
			call = func() (int64, any, error) {
				it, seq, err := w.c.CreateItem(ctx, client.NewItem{Name: name})
				return seq, it, err
			}
		} else {
			w.incs++
			call = func() (int64, any, error) {
				sc, seq, err := w.c.IncrementScore(ctx, w.score, 1)
				return seq, sc, err
			}
		}
		w.mu.Unlock()
		w.calls.Go(func() {
			defer func() { <-w.window }()
			seq, record, err := call()
			late := w.stream.Count(protocol.TypeWelcome) > 1
			w.mu.Lock()
			defer w.mu.Unlock()
			w.replies[id] = retryReply{replyFrame(id, seq, record, err), late}
			close(w.changed)
			w.changed = make(chan struct{})
		})
	}
}

func (w *retryWriter) waitReplies(tb testing.TB, n int) {
	tb.Helper()
	deadline := time.NewTimer(peerWait)
	defer deadline.Stop()
	for {
		w.mu.Lock()
		got, changed := len(w.replies), w.changed
		w.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-changed:
		case <-deadline.C:
			tb.Fatalf("%s: %d replies within %s, want %d", w.client, got, peerWait, n)
		}
	}
}

func (w *retryWriter) waitLost(tb testing.TB) client.Disconnect {
	tb.Helper()
	select {
	case <-w.drops.lost:
		return w.drops.first
	case <-time.After(peerWait):
		tb.Fatalf("%s: the connection did not end within %s", w.client, peerWait)
		return client.Disconnect{}
	}
}

// resume waits for the client to come back resumed and for every request
// to be answered: the unanswered ones were resent under their ids. Those
// that failed with unavailable (not applied) are retried under the same ids,
// and the last acked ones too: they must come back with their original seq
// and data, not be applied again.
func (w *retryWriter) resume(tb testing.TB) (acks, failed, late int) {
	tb.Helper()
	if wel, _ := w.stream.WaitType(protocol.TypeWelcome, 2).Welcome(); !wel.Resumed {
		tb.Fatalf("%s: welcome %+v after the restart, want resumed", w.client, wel)
	}
	done := make(chan struct{})
	go func() {
		w.calls.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(peerWait):
		tb.Fatalf("%s: requests still unanswered %s after the restart", w.client, peerWait)
	}
	var retries, probes []string
	for _, id := range w.order {
		r := w.replies[id]
		switch {
		case r.Type == "ack":
			acks++
			w.acked[id] = r.frame
			if r.late {
				late++
			}
		case r.Error != nil && r.Error.Code == models.CodeUnavailable:
			failed++
			retries = append(retries, id)
		default:
			tb.Fatalf("%s: %s got %s; only an ack, unavailable or no reply are allowed", w.client, id, r.Raw)
		}
	}
	for i := len(w.order) - 1; i >= 0 && len(probes) < 3; i-- {
		if _, ok := w.acked[w.order[i]]; ok {
			probes = append(probes, w.order[i])
		}
	}
	for _, id := range append(retries, probes...) {
		ctx := client.WithRequestID(apptest.Ctx(tb), id)
		var seq int64
		var record any
		var err error
		if name, ok := w.names[id]; ok {
			record, seq, err = w.c.CreateItem(ctx, client.NewItem{Name: name})
		} else {
			record, seq, err = w.c.IncrementScore(ctx, w.score, 1)
		}
		f := replyFrame(id, seq, record, err)
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
	return acks, failed, late
}

// check verifies this client's view against the final snapshot and log.
func (w *retryWriter) check(tb testing.TB, st models.State, events []logEvent) {
	tb.Helper()
	// The stream before the stop and after the resume, each gap-free.
	// (The client itself would log a repeat or a gap as an error, which
	// fails the test.)
	var before, after []frame
	dropped := false
	for _, ev := range w.stream.All() {
		switch {
		case ev.Type == client.TypeDisconnected:
			if dropped {
				tb.Fatalf("%s: a second disconnect: %s", w.client, ev.Data)
			}
			dropped = true
		case ev.IsChange() && !dropped:
			before = append(before, eventFrame(ev))
		case ev.IsChange():
			after = append(after, eventFrame(ev))
		}
	}
	lastSeen := w.welcome.Seq
	if len(before) > 0 {
		lastSeen = before[len(before)-1].Seq
	}
	requireGapFree(tb, w.client+" before the stop", before, w.welcome.Seq+1, lastSeen)
	requireGapFree(tb, w.client+" after the resume", after, lastSeen+1, st.Seq)
	stream := map[int64]frame{}
	for _, ev := range append(append([]frame(nil), before...), after...) {
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

func decode(tb testing.TB, raw []byte, dst any) {
	tb.Helper()
	if err := json.Unmarshal(raw, dst); err != nil {
		tb.Fatalf("decode %.300s: %v", raw, err)
	}
}
