package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"livedash/internal/syncbuf"
)

// fakeServer is a minimal in-process implementation of the wire contract
// (welcome, acks with seq, events broadcast to every connection, presence,
// /api/state, /metrics), with knobs to inject delivery faults.
type fakeServer struct {
	mu    sync.Mutex
	seq   int64
	conns map[*fakeConn]bool
	reqs  int

	rateLimitEvery int              // every Nth request gets rate_limited
	skip           map[string]int64 // client name -> seq offset (after its welcome) not sent to it
	dup            map[string]int64 // client name -> seq offset sent to it twice
	stopAfter      map[string]int64 // client name -> no events after this seq offset
	stateGets      int64            // GET /api/state answered
	stateFails     bool             // GET /api/state answers 503
	onStateGet     func()           // called on each state.get over WebSocket, under mu
	nextID         int64
}

type fakeConn struct {
	c    *websocket.Conn
	name string
	base int64
	wmu  sync.Mutex
}

func (fc *fakeConn) send(v any) {
	b, _ := json.Marshal(v)
	fc.wmu.Lock()
	defer fc.wmu.Unlock()
	_ = fc.c.WriteMessage(websocket.TextMessage, b)
}

func newFakeServer(t *testing.T) (*fakeServer, string) {
	s := &fakeServer{conns: map[*fakeConn]bool{}, skip: map[string]int64{}, dup: map[string]int64{}, stopAfter: map[string]int64{}, nextID: 100}
	up := &websocket.Upgrader{ReadBufferSize: 1024, WriteBufferSize: 1024}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/state", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.stateFails {
			http.Error(w, `{"error":{"code":"internal","message":"x"}}`, http.StatusServiceUnavailable)
			return
		}
		s.stateGets++
		fmt.Fprintf(w, `{"seq":%d,"epoch":"e1","items":[{"id":1,"name":"a"}],"scores":[{"id":2,"player":"p"}]}`, s.seq)
	})
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes %d\n", s.rss())
	})
	mux.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		fc := &fakeConn{c: c, name: r.URL.Query().Get("client")}
		s.mu.Lock()
		fc.base = s.seq
		fc.send(map[string]any{"type": "welcome", "data": map[string]any{"seq": s.seq, "epoch": "e1", "client": fc.name}})
		s.conns[fc] = true
		n := len(s.conns)
		for o := range s.conns {
			o.send(map[string]any{"type": "presence", "data": map[string]any{"count": n, "users": []any{}}})
		}
		s.mu.Unlock()
		defer func() {
			s.mu.Lock()
			delete(s.conns, fc)
			s.mu.Unlock()
			c.Close()
		}()
		for {
			_, b, err := c.ReadMessage()
			if err != nil {
				return
			}
			s.handle(fc, b)
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return s, strings.TrimPrefix(srv.URL, "http://")
}

// The fake server's RSS: a fixed base plus a fixed amount per listener or
// writer connected, so loadgen's RSS per connection has a known answer.
// The run's control connections are left out: they come and go around the
// baseline and the final sample, and the real figure's meaning (memory per
// load connection) does not count them either.
const (
	fakeBaseRSS    = 25 << 20
	fakeRSSPerConn = 7680 // 7.5 KB
)

func (s *fakeServer) rss() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := int64(0)
	for c := range s.conns {
		if strings.HasPrefix(c.name, "loadgen-l") || strings.HasPrefix(c.name, "loadgen-w") {
			n++
		}
	}
	return fakeBaseRSS + n*fakeRSSPerConn
}

func (s *fakeServer) handle(fc *fakeConn, b []byte) {
	var req struct {
		Type string          `json:"type"`
		ID   string          `json:"id"`
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(b, &req); err != nil {
		fc.send(map[string]any{"type": "error", "id": nil, "error": map[string]any{"code": "bad_request", "message": "x"}})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if req.Type == "state.get" { // the run's own snapshots, not load
		if s.onStateGet != nil {
			s.onStateGet()
		}
		fc.send(map[string]any{"type": "ack", "id": req.ID, "data": map[string]any{"seq": s.seq, "epoch": "e1",
			"items": []any{map[string]any{"id": 1, "name": "a"}}, "scores": []any{map[string]any{"id": 2, "player": "p"}}}})
		return
	}
	s.reqs++
	if s.rateLimitEvery > 0 && s.reqs%s.rateLimitEvery == 0 {
		fc.send(map[string]any{"type": "error", "id": req.ID, "error": map[string]any{"code": "rate_limited", "message": "slow"}})
		return
	}
	var data map[string]any
	_ = json.Unmarshal(req.Data, &data)
	if strings.HasSuffix(req.Type, ".create") {
		s.nextID++
		data["id"] = s.nextID
	}
	evType := map[string]string{"score.increment": "score.updated", "score.create": "score.created",
		"item.create": "item.created", "item.update": "item.updated", "score.update": "score.updated",
		"item.delete": "item.deleted", "score.delete": "score.deleted"}[req.Type]
	if evType == "" {
		fc.send(map[string]any{"type": "error", "id": req.ID, "error": map[string]any{"code": "unknown_type", "message": "x"}})
		return
	}
	s.seq++
	ev := map[string]any{"type": evType, "seq": s.seq, "data": data}
	for o := range s.conns {
		off := s.seq - o.base
		if s.skip[o.name] == off {
			continue
		}
		if stop, ok := s.stopAfter[o.name]; ok && off > stop {
			continue
		}
		o.send(ev)
		if s.dup[o.name] == off {
			o.send(ev)
		}
	}
	fc.send(map[string]any{"type": "ack", "id": req.ID, "seq": s.seq, "data": data})
}

// deref shows a missing figure as -1 in a failure message.
func deref(p *float64) float64 {
	if p == nil {
		return -1
	}
	return *p
}

func testConfig(t *testing.T, addr string, extra ...string) Config {
	args := append([]string{"--addr", addr, "--listeners", "10", "--writers", "2", "--duration", "400ms",
		"--drain", "2s", "--batch", "4", "--depth", "4", "--quiet",
		"--mix", "increment=50,item.update=20,item.create=10,score.create=10,item.delete=10"}, extra...)
	cfg, err := parseFlags(args, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func runAgainst(t *testing.T, cfg Config) *Result {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := runLoad(ctx, cfg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestEndToEndClean(t *testing.T) {
	fs, addr := newFakeServer(t)
	fs.rateLimitEvery = 25
	res := runAgainst(t, testConfig(t, addr))
	if !res.CheckOK || res.Conns != 12 || res.ConnsFailed != 0 || res.Aborted != "" {
		t.Fatalf("run not clean: %+v", res)
	}
	if res.MutationsSent == 0 || res.MutationsAcked+res.MutationsFailed != res.MutationsSent {
		t.Errorf("sent %d acked %d failed %d", res.MutationsSent, res.MutationsAcked, res.MutationsFailed)
	}
	if res.Errors["rate_limited"] != res.MutationsFailed || res.MutationsFailed == 0 {
		t.Errorf("errors %v, failed %d", res.Errors, res.MutationsFailed)
	}
	if res.FinalSeq != res.MutationsAcked {
		t.Errorf("final seq %d, acked %d", res.FinalSeq, res.MutationsAcked)
	}
	if res.Deliveries != 12*res.MutationsAcked || res.DeliverySamples != res.Deliveries {
		t.Errorf("deliveries %d (samples %d), want 12 x %d", res.Deliveries, res.DeliverySamples, res.MutationsAcked)
	}
	if res.AckP50Ms <= 0 || res.AckMaxMs < res.AckP99Ms || res.DeliveryP50Ms <= 0 || res.AckedPerS <= 0 || res.DeliveriesPerS <= 0 {
		t.Errorf("latency/rates: %+v", res)
	}
	// 12 connections of 7.5 KB each over a 25 MB baseline.
	if res.RSSBaselineMB == nil || *res.RSSBaselineMB != 25 {
		t.Errorf("rss baseline: %v MB, want 25", deref(res.RSSBaselineMB))
	}
	if want := 25 + 12*7.5/1024; res.RSSMB == nil || *res.RSSMB != want {
		t.Errorf("rss peak: %v MB, want %v", deref(res.RSSMB), want)
	}
	if res.RSSPerConnKB == nil || *res.RSSPerConnKB != 7.5 {
		t.Errorf("rss per connection: %v KB, want 7.5", deref(res.RSSPerConnKB))
	}
	if res.SentByType["item.delete"]+res.SentByType["item.create"] == 0 || res.SentByType["score.increment"] == 0 {
		t.Errorf("sent by type %v", res.SentByType)
	}
}

func TestEndToEndDetectsGapAndDup(t *testing.T) {
	fs, addr := newFakeServer(t)
	fs.skip["loadgen-l3"] = 5
	fs.dup["loadgen-w1"] = 7
	res := runAgainst(t, testConfig(t, addr, "--drain", "500ms"))
	if res.CheckOK || res.Gaps != 1 || res.Dups != 1 || res.ClientsWithGaps != 2 {
		t.Errorf("gaps %d dups %d clients %d ok %v", res.Gaps, res.Dups, res.ClientsWithGaps, res.CheckOK)
	}
}

func TestEndToEndReportsUndelivered(t *testing.T) {
	fs, addr := newFakeServer(t)
	fs.stopAfter["loadgen-l2"] = 3
	res := runAgainst(t, testConfig(t, addr, "--drain", "300ms", "--rate", "200"))
	if res.CheckOK || res.Gaps != 0 || res.BehindAtEnd != 1 || res.Undelivered != res.FinalSeq-3 || res.ClientsWithGaps != 1 {
		t.Errorf("gaps %d undelivered %d (final %d) behind %d clients %d", res.Gaps, res.Undelivered, res.FinalSeq, res.BehindAtEnd, res.ClientsWithGaps)
	}
}

func TestEndToEndRateAndConnectionsOnly(t *testing.T) {
	_, addr := newFakeServer(t)
	res := runAgainst(t, testConfig(t, addr, "--rate", "100", "--duration", "1s", "--ramp", "200ms"))
	if !res.CheckOK || res.MutationsSent < 60 || res.MutationsSent > 140 {
		t.Errorf("rate 100/s for 1s: sent %d, ok %v", res.MutationsSent, res.CheckOK)
	}
	res = runAgainst(t, testConfig(t, addr, "--writers", "0", "--duration", "100ms"))
	if !res.CheckOK || res.Conns != 10 || res.MutationsSent != 0 {
		t.Errorf("connections only: %+v", res)
	}
}

func TestEndToEndServerDown(t *testing.T) {
	cfg := testConfig(t, "127.0.0.1:1")
	if _, err := runLoad(context.Background(), cfg, io.Discard); err == nil {
		t.Error("want an error for an unreachable server")
	}
}

func TestEndToEndMutationBudget(t *testing.T) {
	_, addr := newFakeServer(t)
	start := time.Now()
	res := runAgainst(t, testConfig(t, addr, "--max-mutations", "50", "--duration", "20s"))
	if res.MutationsSent != 50 || !res.CheckOK || time.Since(start) > 5*time.Second {
		t.Errorf("budget 50: sent %d ok %v in %s", res.MutationsSent, res.CheckOK, time.Since(start))
	}
}

func TestEndToEndReaders(t *testing.T) {
	fs, addr := newFakeServer(t)
	res := runAgainst(t, testConfig(t, addr, "--readers", "3", "--rate", "100", "--duration", "500ms"))
	if !res.CheckOK || res.Readers != 3 || res.Reads == 0 || res.ReadErrors != 0 || res.ReadsPerS <= 0 {
		t.Fatalf("reads: %+v", res)
	}
	if res.ReadP50Ms <= 0 || res.ReadP99Ms < res.ReadP50Ms || res.ReadMaxMs < res.ReadP99Ms || res.ReadBytes < res.Reads*10 {
		t.Errorf("read latency: p50 %v p99 %v max %v, %d bytes", res.ReadP50Ms, res.ReadP99Ms, res.ReadMaxMs, res.ReadBytes)
	}
	fs.mu.Lock()
	got := fs.stateGets
	fs.mu.Unlock()
	// The run's own snapshots go over its control connection: every GET
	// is a reader's.
	if got != res.Reads {
		t.Errorf("server answered %d GET /api/state, report says %d reads", got, res.Reads)
	}

	// Readers only, with a budget: they stop by themselves, early.
	start := time.Now()
	res = runAgainst(t, testConfig(t, addr, "--listeners", "0", "--writers", "0", "--readers", "2",
		"--max-reads", "40", "--duration", "20s"))
	if res.Reads != 40 || res.Conns != 0 || time.Since(start) > 5*time.Second {
		t.Errorf("readers only, budget 40: %d reads in %s", res.Reads, time.Since(start))
	}
}

func TestEndToEndReadErrors(t *testing.T) {
	fs, addr := newFakeServer(t)
	fs.stateFails = true // the readers' GETs; the run's own snapshot goes over the WebSocket
	res := runAgainst(t, testConfig(t, addr, "--listeners", "2", "--writers", "0", "--readers", "2", "--duration", "200ms"))
	if res.Reads != 0 || res.ReadErrors == 0 || res.Errors["read_http_503"] != res.ReadErrors || res.ErrorsTotal < res.ReadErrors {
		t.Errorf("failing reads: reads %d errors %d %v", res.Reads, res.ReadErrors, res.Errors)
	}
}

// cmd/bench reads the server's CPU when loadgen logs " sending for " and
// again at "delivered: ", so the window holds the load and its deliveries
// but not the final control connection (a presence round on livedash).
func TestProgressMarksTheDeliveryWindow(t *testing.T) {
	fs, addr := newFakeServer(t)
	cfg := testConfig(t, addr)
	cfg.Quiet = false
	var progress syncbuf.Buffer
	var at []int // how much progress had been logged at each state.get
	fs.onStateGet = func() { at = append(at, len(progress.String())) }
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := runLoad(ctx, cfg, &progress); err != nil {
		t.Fatal(err)
	}
	out := progress.String()
	sending, delivered, final := strings.Index(out, " sending for "), strings.Index(out, "] delivered: "), strings.Index(out, "] final seq ")
	if sending < 0 || delivered < sending || final < delivered {
		t.Fatalf("want ' sending for ', then 'delivered: ', then 'final seq' in the progress:\n%s", out)
	}
	// The snapshot before the load, the final seq after "delivered".
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if len(at) != 2 || at[0] > sending || at[1] <= delivered {
		t.Errorf("state.get at progress offsets %v; want one before %d (sending) and one after %d (delivered)\n%s", at, sending, delivered, out)
	}
}

// Listeners spread over --listen-addrs in turn and each address reports its
// own delivery latency; the writers stay on --addr. The two addresses name
// the same fake server, so every event reaches every listener.
func TestEndToEndListenAddrs(t *testing.T) {
	_, addr := newFakeServer(t)
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	other := net.JoinHostPort("localhost", port)
	res := runAgainst(t, testConfig(t, addr, "--listen-addrs", addr+","+other))
	if !res.CheckOK || res.Conns != 12 {
		t.Fatalf("run not clean: %+v", res)
	}
	if len(res.DeliveryByAddr) != 2 {
		t.Fatalf("delivery by address: %+v, want 2 addresses", res.DeliveryByAddr)
	}
	want := map[string]int{addr: 5 + 2, other: 5} // the 2 writers connect to --addr
	var samples int64
	for _, a := range res.DeliveryByAddr {
		if a.Conns != want[a.Addr] {
			t.Errorf("%s: %d connections, want %d", a.Addr, a.Conns, want[a.Addr])
		}
		if a.Samples != int64(a.Conns)*res.MutationsAcked || a.P50Ms <= 0 || a.MaxMs < a.P99Ms {
			t.Errorf("%s: %+v with %d acked", a.Addr, a, res.MutationsAcked)
		}
		samples += a.Samples
	}
	if samples != res.DeliverySamples {
		t.Errorf("samples per address add up to %d, want %d", samples, res.DeliverySamples)
	}
}
