package faults

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"livedash/app/apptest"
	"livedash/client"
)

// The server's timeouts for the slow-peer test, short so that the test is.
const (
	slowPing        = 200 * time.Millisecond
	slowPongWait    = time.Second
	slowWriteWait   = 500 * time.Millisecond
	slowReadTimeout = time.Second
	// dropSlack is how late a drop may come after its configured time:
	// timers, scheduling and the loopback round trip.
	dropSlack = 750 * time.Millisecond
	// deliveryBound is how long after the writer's ack the good client must
	// have the event, whatever the bad peers do.
	deliveryBound = 500 * time.Millisecond
)

// Peers that stop reading, never answer pings, never speak, or dribble a
// byte at a time are each dropped within the time their flag gives, and
// none of them delays a good client's broadcasts.
func TestSlowAndDeadPeersAreDroppedWithoutHurtingOthers(t *testing.T) {
	for round := 1; round <= scale(1, 10); round++ {
		t.Run(fmt.Sprint("round ", round), testSlowAndDeadPeers)
	}
}

func testSlowAndDeadPeers(t *testing.T) {
	srv := startServer(t, filepath.Join(t.TempDir(), "slow.db"),
		"--ping-interval", slowPing.String(), "--pong-wait", slowPongWait.String(),
		"--write-wait", slowWriteWait.String(), "--read-timeout", slowReadTimeout.String(),
		"--rate", "1000000", "--burst", "1000000")
	good := newTimedStream(t)
	gc := srv.dialClient(t, client.Options{ClientID: "good", OnEvent: good.OnEvent})
	steady := srv.dialClient(t, client.Options{ClientID: "steady"})

	cases := []struct {
		name  string
		limit time.Duration // the configured time to drop it
		floor time.Duration // it must not be dropped sooner
		run   func(testing.TB, *server) dropResult
	}{
		{"stops reading", slowPongWait + slowWriteWait, 0, neverReads},
		{"never answers pings", slowPongWait, slowPongWait - 300*time.Millisecond, neverPongs},
		{"silent tcp", slowReadTimeout, slowReadTimeout - 300*time.Millisecond, silentTCP},
		{"frame a byte at a time", slowPongWait, slowPongWait - 300*time.Millisecond, dribbleFrame},
		{"handshake a byte at a time", slowReadTimeout, slowReadTimeout - 300*time.Millisecond, dribbleHandshake},
	}
	// The steady writer runs for as long as the bad peers do.
	stop := make(chan struct{})
	writerDone := make(chan []steadyAck)
	go func() { writerDone <- writeSteadily(steady, stop) }()
	results := make([]dropResult, len(cases))
	var wg sync.WaitGroup
	for i, tc := range cases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = tc.run(t, srv)
		}()
	}
	wg.Wait()
	close(stop)
	acks := <-writerDone

	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := results[i]
			if r.err != nil {
				t.Fatal(r.err)
			}
			took := r.end.Sub(r.start)
			t.Logf("dropped after %s (configured %s)", took.Round(time.Millisecond), tc.limit)
			if took > tc.limit+dropSlack {
				t.Errorf("dropped after %s, want within %s + %s", took, tc.limit, dropSlack)
			}
			if took < tc.floor {
				t.Errorf("dropped after %s, before its configured %s", took, tc.limit)
			}
		})
	}

	t.Run("good client", func(t *testing.T) {
		if len(acks) < 20 {
			t.Fatalf("the steady writer sent only %d mutations", len(acks))
		}
		var last int64
		for _, a := range acks {
			if a.err != nil {
				t.Fatalf("steady writer: %v", a.err)
			}
			last = max(last, a.seq)
		}
		events := good.WaitSeq(last)
		apptest.RequireConsecutive(t, events, gc.Welcome().Seq+1, last)
		if n := good.Count(client.TypeDisconnected); n != 0 {
			t.Fatalf("the good client was dropped %d times", n)
		}
		var worst time.Duration
		for _, a := range acks {
			worst = max(worst, good.arrival(a.seq).Sub(a.at))
		}
		t.Logf("%d events, slowest delivery %s after the ack", len(acks), worst.Round(time.Millisecond))
		if worst > deliveryBound {
			t.Fatalf("an event reached the good client %s after its ack, want within %s", worst, deliveryBound)
		}
	})
	if n := waitMetric(t, srv, "livedash_connections", peerWait, func(v float64) bool { return v == 2 }); n != 2 {
		t.Fatalf("%v connections counted, want the good client and the writer", n)
	}
}

// dropResult is when a bad peer started misbehaving and when the server
// had closed its socket.
type dropResult struct {
	start, end time.Time
	err        error
}

// steadyAck is what one of the steady writer's mutations got, and when.
type steadyAck struct {
	seq int64
	at  time.Time
	err error
}

// writeSteadily sends an item with a large description every 25ms until
// stop, so the event stream never pauses, without waiting for the replies;
// it returns them all once they are in.
func writeSteadily(c *client.Client, stop chan struct{}) []steadyAck {
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	desc := strings.Repeat("d", 2000)
	var mu sync.Mutex
	var acks []steadyAck
	var calls sync.WaitGroup
	for n := 0; n < 2000; n++ {
		select {
		case <-stop:
			calls.Wait()
			return acks
		case <-tick.C:
		}
		calls.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), peerWait)
			defer cancel()
			id := fmt.Sprint("s", n)
			_, seq, err := c.CreateItem(ctx, client.NewItem{Name: id, Description: desc})
			mu.Lock()
			defer mu.Unlock()
			acks = append(acks, steadyAck{seq: seq, at: time.Now(), err: err})
		})
	}
	calls.Wait()
	return acks
}

// timedStream is a Stream that also notes when each event arrived.
type timedStream struct {
	*apptest.Stream
	mu      sync.Mutex
	arrived map[int64]time.Time
}

func newTimedStream(tb testing.TB) *timedStream {
	tb.Helper()
	return &timedStream{Stream: apptest.NewStream(tb), arrived: map[int64]time.Time{}}
}

func (s *timedStream) OnEvent(ctx context.Context, ev client.Event) {
	if ev.IsChange() {
		s.mu.Lock()
		s.arrived[ev.Seq] = time.Now()
		s.mu.Unlock()
	}
	s.Add(ctx, ev)
}

func (s *timedStream) arrival(seq int64) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.arrived[seq]
}

// neverReads connects with a tiny receive buffer and never reads, so the
// server's writes back up. It cannot answer pings either, so the pong wait
// usually drops it before the buffers fill and a write times out; the
// limit allows for both. Its socket cannot show the close until it reads
// (the FIN queues behind unread data), so the server's log of the close is
// the moment; then draining the socket must reach its end.
func neverReads(_ testing.TB, srv *server) dropResult {
	nd := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
		return errors.Join(err, serr)
	}}
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second, NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		return nd.DialContext(ctx, network, addr)
	}}
	mark := srv.logMark()
	c, _, err := d.Dial(srv.wsURL("client=never-reads&name=never-reads"), nil)
	if err != nil {
		return dropResult{err: err}
	}
	defer c.Close()
	r := dropResult{start: time.Now()}
	end, ok := srv.waitLog(mark, slowPongWait+slowWriteWait+5*time.Second, `msg="connection closed"`, "name=never-reads")
	if !ok {
		return dropResult{err: errors.New("the server never closed the connection")}
	}
	r.end = end
	nc := c.NetConn()
	_ = nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.Copy(io.Discard, nc); err != nil && !isReset(err) {
		r.err = fmt.Errorf("the server logged the close, but the socket is still open: %w", err)
	}
	return r
}

// neverPongs reads everything but ignores pings, as a peer whose network
// vanished would look from the server.
func neverPongs(tb testing.TB, srv *server) dropResult {
	p, err := tryDialPeer(tb, srv, "client=never-pongs", peerOptions{noPong: true})
	if err != nil {
		return dropResult{err: err}
	}
	defer p.conn.Close()
	if err := p.waitFor("welcome", peerWait, func() bool { return p.welcome != nil }); err != nil {
		return dropResult{err: err}
	}
	r := dropResult{start: time.Now()}
	select {
	case <-p.done:
		r.end = p.ended()
	case <-time.After(slowPongWait + 5*time.Second):
		r.err = errors.New("never dropped")
	}
	return r
}

// silentTCP opens a TCP connection and sends nothing.
func silentTCP(_ testing.TB, srv *server) dropResult {
	c, err := net.DialTimeout("tcp", srv.addr, 5*time.Second)
	if err != nil {
		return dropResult{err: err}
	}
	defer c.Close()
	r := dropResult{start: time.Now()}
	r.end, r.err = waitClosed(c, slowReadTimeout+5*time.Second)
	return r
}

// dribbleFrame upgrades, then sends a masked text frame one byte every
// 300ms. It never answers pings: a pong in the middle of the frame would
// break it.
func dribbleFrame(_ testing.TB, srv *server) dropResult {
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	c, _, err := d.Dial(srv.wsURL("client=dribbles-frame"), nil)
	if err != nil {
		return dropResult{err: err}
	}
	defer c.Close()
	payload := `{"type":"ping","id":"slow","data":{}}`
	mask := [4]byte{9, 8, 7, 6}
	frame := append([]byte{0x81, 0x80 | byte(len(payload))}, mask[:]...)
	for i := range len(payload) {
		frame = append(frame, payload[i]^mask[i%4])
	}
	return dribble(c.NetConn(), frame, slowPongWait+5*time.Second)
}

// dribbleHandshake sends the upgrade request one byte every 300ms.
func dribbleHandshake(_ testing.TB, srv *server) dropResult {
	c, err := net.DialTimeout("tcp", srv.addr, 5*time.Second)
	if err != nil {
		return dropResult{err: err}
	}
	defer c.Close()
	req := "GET /ws?client=dribbles-handshake HTTP/1.1\r\nHost: " + srv.addr + "\r\nUpgrade: websocket\r\n" +
		"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
	return dribble(c, []byte(req), slowReadTimeout+5*time.Second)
}

// dribble writes b a byte every 300ms while it waits for the server to
// close the connection.
func dribble(c net.Conn, b []byte, timeout time.Duration) dropResult {
	r := dropResult{start: time.Now()}
	type closed struct {
		at  time.Time
		err error
	}
	done := make(chan closed, 1)
	go func() {
		at, err := waitClosed(c, timeout)
		done <- closed{at, err}
	}()
	tick := time.NewTicker(300 * time.Millisecond)
	defer tick.Stop()
	// waitClosed gives up by timeout, so done comes within as many ticks.
	for i := 0; i < len(b)+int(timeout/(300*time.Millisecond))+2; i++ {
		if i < len(b) {
			if _, err := c.Write(b[i : i+1]); err != nil {
				i = len(b) // the server is gone; wait for the reader to see it
			}
		}
		select {
		case res := <-done:
			r.end, r.err = res.at, res.err
			return r
		case <-tick.C:
		}
	}
	return dropResult{err: errors.New("no verdict on the connection")}
}

// waitClosed reads and drops until the peer closes the socket (EOF or
// reset) and returns when it did.
func waitClosed(c net.Conn, timeout time.Duration) (time.Time, error) {
	if err := c.SetReadDeadline(time.Now().Add(timeout)); err != nil {
		return time.Time{}, err
	}
	buf := make([]byte, 32<<10)
	for {
		_, err := c.Read(buf)
		if err == nil {
			continue
		}
		if errors.Is(err, io.EOF) || isReset(err) {
			return time.Now(), nil
		}
		return time.Time{}, fmt.Errorf("the server did not close the socket: %w", err)
	}
}

func isReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}
