package client_test

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"livedash/app/apptest"
	"livedash/client"
	"livedash/protocol"
)

// Many goroutines share one client while its connection is cut under them
// three times: every increment applies exactly once, and the stream stays
// gap-free.
func TestConcurrentUseAcrossDrops(t *testing.T) {
	srv := apptest.MustStartServer(t, "--rate", "100000", "--burst", "100000")
	px := newProxy(t, srv.Addr)
	c, rec := dial(t, px.URL(), client.Options{})
	start := srv.State(t)
	const goroutines, each = 16, 25

	cuts := make(chan error, 1)
	go func() {
		defer close(cuts)
		for n := 1; n <= 3; n++ {
			// Cut once a few increments of this connection went through.
			seq := start.Seq + int64(n*goroutines*each/4)
			if _, err := rec.Wait(fmt.Sprint("event ", seq), func(evs []client.Event) bool {
				return len(evs) > 0 && evs[len(evs)-1].Seq >= seq
			}); err != nil {
				cuts <- err
				return
			}
			px.cut()
		}
	}()
	var wg sync.WaitGroup
	errs := make(chan error, goroutines*each)
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := apptest.Ctx(t)
			for i := range each {
				if _, _, err := c.IncrementScore(ctx, 1, 1); err != nil {
					errs <- fmt.Errorf("goroutine %d, increment %d: %w", g, i, err)
					return
				}
				var err error
				switch i % 3 {
				case 0:
					_, err = c.State(ctx)
				case 1:
					_, err = c.Items(ctx)
				default:
					err = c.Ping(ctx)
				}
				if err != nil {
					errs <- fmt.Errorf("goroutine %d, query %d: %w", g, i, err)
					return
				}
				_, _ = c.Position()
				_ = c.ConnState()
				_ = c.Welcome()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if err := <-cuts; err != nil {
		t.Fatal(err)
	}
	sc, err := c.Score(apptest.Ctx(t), 1)
	if err != nil || sc.Points != 42+goroutines*each {
		t.Fatalf("score %+v, %v; want %d points", sc, err, 42+goroutines*each)
	}
	st := srv.State(t)
	if st.Seq != start.Seq+goroutines*each {
		t.Fatalf("seq %d after %d increments from %d", st.Seq, goroutines*each, start.Seq)
	}
	apptest.RequireConsecutive(t, rec.WaitSeq(st.Seq), start.Seq+1, st.Seq)
	if n := rec.Count(protocol.TypeWelcome); n < 4 {
		t.Fatalf("%d connections, want at least 4", n)
	}
}

// Close fails the requests still waiting, and later requests, with
// ErrClosed, and returns only when every goroutine of the client is gone.
func TestCloseFailsWaitingRequests(t *testing.T) {
	srv := apptest.MustStartServer(t)
	px := newProxy(t, srv.Addr)
	c, _ := dial(t, px.URL(), client.Options{})
	px.hold()
	errs := make(chan error, 5)
	for range 5 {
		go func() {
			_, _, err := c.IncrementScore(apptest.Ctx(t), 1, 1)
			errs <- err
		}()
	}
	c.Close()
	for range 5 {
		if err := <-errs; !errors.Is(err, client.ErrClosed) {
			t.Fatalf("request during Close: %v", err)
		}
	}
	if err := c.Ping(apptest.Ctx(t)); !errors.Is(err, client.ErrClosed) {
		t.Fatalf("request after Close: %v", err)
	}
	if err := c.WaitSeq(apptest.Ctx(t), 1<<40); !errors.Is(err, client.ErrClosed) {
		t.Fatalf("WaitSeq after Close: %v", err)
	}
	if s := c.ConnState(); s != client.Closed {
		t.Fatalf("state %s", s)
	}
	c.Close() // a second Close is harmless
	requireNoClientGoroutines(t)
}

// No goroutine outlives Close, whatever the client went through: requests,
// events, reconnects, a failed Dial.
func TestNoGoroutineLeftAfterClose(t *testing.T) {
	srv := apptest.MustStartServer(t)
	px := newProxy(t, srv.Addr)
	requireNoClientGoroutines(t)
	before := runtime.NumGoroutine()

	c, rec := dial(t, px.URL(), client.Options{})
	w, err := client.Dial(apptest.Ctx(t), srv.URL, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	if _, _, err := w.CreateItem(apptest.Ctx(t), client.NewItem{Name: "seen"}); err != nil {
		t.Fatal(err)
	}
	px.cut()
	rec.WaitType(protocol.TypeWelcome, 2)
	if _, err := c.Items(apptest.Ctx(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Dial(apptest.Ctx(t), "http://"+px.ln.Addr().String()+"/nowhere", client.Options{}); err == nil {
		t.Fatal("Dial of a path without a WebSocket succeeded")
	}
	c.Close()
	w.Close()
	requireNoClientGoroutines(t)

	// The server's side of the connections ends on its own time.
	px.cut()
	// Nothing announces that, so the count is polled.
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.Now().Add(wait)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines, %d before the clients", runtime.NumGoroutine(), before)
		}
		<-tick.C
	}
}

// requireNoClientGoroutines fails if a goroutine runs code of package
// client once the client is closed or its Dial failed. Close waits for all
// of them, but each says so in a deferred wg.Done, so one may still be on
// its way out (seen in make test: Dial.func1 at its closing brace) when
// Close returns: the check looks again until a goroutine left behind has
// had wait to end.
func requireNoClientGoroutines(tb testing.TB) {
	tb.Helper()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	deadline := time.Now().Add(wait)
	for {
		g := clientGoroutine()
		if g == "" {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("a goroutine of the client is still running:\n%s", g)
		}
		<-tick.C
	}
}

// clientGoroutine is the stack of a goroutine running code of package
// client, "" if there is none.
func clientGoroutine() string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "livedash/client.") {
			return g
		}
	}
	return ""
}
