package faults

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"livedash/app/apptest"
	"livedash/client"
)

// Hundreds of connections open, read a little and drop in every way a
// peer can (close frame, FIN, RST, half a frame) while writers mutate.
// Afterwards the server is back where it was: goroutines and heap near the
// baseline, presence counts only who is there, and the connections that
// stayed got every event.
func TestConnectionChurnLeavesNoTrace(t *testing.T) {
	total, concurrent := scale(300, 3000), 50
	duration := scale(5*time.Second, 60*time.Second)
	const listeners, writers = 10, 4
	srv := startServer(t, filepath.Join(t.TempDir(), "churn.db"), "--rate", "1000000", "--burst", "1000000")

	stay := make([]*peer, listeners)
	for i := range stay {
		stay[i] = dialPeer(t, srv, fmt.Sprintf("client=listen-%d&name=listener", i), peerOptions{events: true})
	}
	ws := make([]*churnWriter, writers)
	for i := range ws {
		ws[i] = dialChurnWriter(t, srv, fmt.Sprintf("churn-w%d", i))
	}
	waitMetric(t, srv, "livedash_connections", peerWait, func(v float64) bool { return v == listeners+writers })
	goroutines0 := srv.metric(t, "go_goroutines")
	heap0 := srv.metric(t, "go_memstats_heap_inuse_bytes")

	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, w := range ws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.write(stop)
		}()
	}
	counts, errs := churn(srv, total, concurrent, duration)
	close(stop)
	wg.Wait()
	t.Logf("churned %d connections (%v), %d at a time", total, counts, concurrent)
	if len(errs) > 0 {
		t.Fatalf("%d of %d churning connections misbehaved; first: %v", len(errs), total, errs[0])
	}
	var mutations int
	for _, w := range ws {
		if err := w.err.Load(); err != nil {
			t.Fatalf("%s: %v", w.name, *err)
		}
		mutations += int(w.acks.Load())
	}
	if mutations == 0 {
		t.Fatal("the writers got no acks")
	}

	st, _ := srv.state(t)
	for i, p := range stay {
		p.waitSeq(t, st.Seq)
		_, events, _ := p.snapshot()
		requireGapFree(t, fmt.Sprint("listener ", i), events, p.welcomed(t).Seq+1, st.Seq)
	}
	t.Logf("%d mutations during the churn reached all %d listeners", mutations, listeners)

	waitMetric(t, srv, "livedash_connections", peerWait, func(v float64) bool { return v == listeners+writers })
	// fasthttp keeps idle workers for up to 10s after a burst and frees them
	// on a 10s sweep, so coming back to the baseline may take ~20s.
	settle := time.Now()
	goroutines, heap := waitBaseline(t, srv, goroutines0, heap0, 30*time.Second)
	t.Logf("goroutines %v -> %v, heap in use %.1f MB -> %.1f MB, back within %s",
		goroutines0, goroutines, heap0/1e6, heap/1e6, time.Since(settle).Round(time.Millisecond))

	fresh := dialPeer(t, srv, "client=fresh", peerOptions{})
	want := listeners + writers + 1
	err := fresh.waitFor(fmt.Sprintf("presence of %d", want), peerWait, func() bool {
		return len(fresh.presence) > 0 && fresh.presence[len(fresh.presence)-1] == want
	})
	if err != nil {
		t.Fatalf("fresh client: %v; presence counts %v", err, fresh.presence)
	}
}

// waitMetric polls /metrics until ok accepts the sample; there is no event
// to wait on for the server's own bookkeeping.
func waitMetric(tb testing.TB, srv *server, name string, timeout time.Duration, ok func(float64) bool) float64 {
	tb.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.Now().Add(timeout)
	for {
		v := srv.metric(tb, name)
		if ok(v) {
			return v
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%s is %v after %s", name, v, timeout)
		}
		<-tick.C
	}
}

// waitBaseline waits until goroutines are within a few of the baseline and
// the heap in use is within 2x the baseline plus a few MB (garbage the
// server's GC has not collected yet).
func waitBaseline(tb testing.TB, srv *server, goroutines0, heap0 float64, timeout time.Duration) (float64, float64) {
	tb.Helper()
	const goroutineMargin, heapMargin = 5, 8 << 20
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	deadline := time.Now().Add(timeout)
	for {
		g := srv.metric(tb, "go_goroutines")
		h := srv.metric(tb, "go_memstats_heap_inuse_bytes")
		if g <= goroutines0+goroutineMargin && h <= 2*heap0+heapMargin {
			return g, h
		}
		if time.Now().After(deadline) {
			tb.Fatalf("after %s: %v goroutines (baseline %v), heap in use %.1f MB (baseline %.1f MB)",
				timeout, g, goroutines0, h/1e6, heap0/1e6)
		}
		<-tick.C
	}
}

// churnWriter keeps a few increments of its own score in flight.
type churnWriter struct {
	name   string
	c      *client.Client
	drops  *dropWatch
	score  int64
	window chan struct{}
	acks   atomic.Int64
	err    atomic.Pointer[error]
}

func dialChurnWriter(tb testing.TB, srv *server, name string) *churnWriter {
	tb.Helper()
	w := &churnWriter{name: name, drops: newDropWatch(nil), window: make(chan struct{}, 8)}
	w.c = srv.dialClient(tb, client.Options{ClientID: name, Name: name, OnEvent: w.drops.OnEvent})
	sc, _, err := w.c.CreateScore(apptest.Ctx(tb), client.NewScore{Player: name})
	if err != nil {
		tb.Fatalf("%s: create its score: %v", name, err)
	}
	w.score = sc.ID
	return w
}

func (w *churnWriter) write(stop chan struct{}) {
	for n := 0; n < 1_000_000; n++ {
		select {
		case w.window <- struct{}{}:
		case <-stop:
			// Wait for what is in flight, so the final seq covers it.
			for i := 0; i < cap(w.window); i++ {
				select {
				case w.window <- struct{}{}:
				case <-w.drops.lost:
					return
				case <-time.After(peerWait):
					err := errors.New("in-flight mutations were never answered")
					w.err.CompareAndSwap(nil, &err)
					return
				}
			}
			return
		case <-w.drops.lost:
			err := errors.New("the writer's connection ended")
			w.err.CompareAndSwap(nil, &err)
			return
		}
		go func() {
			defer func() { <-w.window }()
			if _, _, err := w.c.IncrementScore(context.Background(), w.score, 1); err != nil {
				w.err.CompareAndSwap(nil, &err)
				return
			}
			w.acks.Add(1)
		}()
	}
}

// churnMode is one way a peer leaves.
type churnMode struct {
	name  string
	leave func(c *websocket.Conn) error
}

var churnModes = []churnMode{
	{"close frame", leaveWithCloseFrame},
	{"fin", func(c *websocket.Conn) error { return c.NetConn().Close() }},
	{"reset", func(c *websocket.Conn) error {
		if tcp, ok := c.NetConn().(*net.TCPConn); ok {
			_ = tcp.SetLinger(0) // close sends RST
		}
		return c.NetConn().Close()
	}},
	{"half a header", func(c *websocket.Conn) error {
		_, _ = c.NetConn().Write([]byte{0x81}) // FIN + text, then nothing
		return c.NetConn().Close()
	}},
	{"half a payload", func(c *websocket.Conn) error {
		// Masked text frame announcing 125 bytes; 40 arrive.
		head := []byte{0x81, 0x80 | 125, 1, 2, 3, 4}
		_, _ = c.NetConn().Write(append(head, make([]byte, 40)...))
		return c.NetConn().Close()
	}},
}

// leaveWithCloseFrame closes the WebSocket way and requires the server's
// 1000 in return.
func leaveWithCloseFrame(c *websocket.Conn) error {
	msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye")
	if err := c.WriteControl(websocket.CloseMessage, msg, time.Now().Add(peerWait)); err != nil {
		return err
	}
	for n := 0; n < 100_000; n++ {
		if _, _, err := c.ReadMessage(); err != nil {
			if !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
				return fmt.Errorf("after our close frame: %w", err)
			}
			return c.Close()
		}
	}
	return errors.New("no close frame in return")
}

// churn opens total connections over about duration, at most concurrent at
// once; each reads its welcome and two more frames, then leaves in one of
// the churn modes. It returns how many left each way and what went wrong.
func churn(srv *server, total, concurrent int, duration time.Duration) (map[string]int, []error) {
	var mu sync.Mutex
	counts := map[string]int{}
	var errs []error
	sem := make(chan struct{}, concurrent)
	tick := time.NewTicker(duration / time.Duration(total))
	defer tick.Stop()
	var wg sync.WaitGroup
	for i := 0; i < total; i++ {
		<-tick.C
		sem <- struct{}{}
		mode := churnModes[i%len(churnModes)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			err := churnOne(srv, mode)
			mu.Lock()
			defer mu.Unlock()
			counts[mode.name]++
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", mode.name, err))
			}
		}()
	}
	wg.Wait()
	return counts, errs
}

func churnOne(srv *server, mode churnMode) error {
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	c, _, err := d.Dial(srv.wsURL("name=churner"), nil)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		return err
	}
	for n := 0; n < 3; n++ {
		_, data, err := c.ReadMessage()
		if err != nil {
			return fmt.Errorf("frame %d: %w", n, err)
		}
		if n == 0 && frameType(data) != "welcome" {
			return fmt.Errorf("first frame %.100s, want the welcome", data)
		}
	}
	return mode.leave(c)
}
