package client_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"livedash/app/apptest"
	"livedash/client"
)

// wait bounds every wait of a test for something the server must do.
const wait = 10 * time.Second

// testCtx ends after wait, or when the test ends.
func testCtx(tb testing.TB) context.Context {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	tb.Cleanup(cancel)
	return ctx
}

// fastReconnect keeps reconnect waits short, so tests spend their time on
// what they check.
func fastReconnect(o client.Options) client.Options {
	o.MinDelay, o.MaxDelay = 5*time.Millisecond, 50*time.Millisecond
	return o
}

// dial connects to url with a recorder as OnEvent; the client is closed at
// cleanup.
func dial(tb testing.TB, url string, opts client.Options) (*client.Client, *recorder) {
	tb.Helper()
	rec := newRecorder()
	if opts.OnEvent == nil {
		opts.OnEvent = rec.add
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(failOnError{tb})
	}
	c, err := client.Dial(testCtx(tb), url, opts)
	if err != nil {
		tb.Fatalf("dial %s: %v", url, err)
	}
	tb.Cleanup(func() { c.Close() })
	return c, rec
}

// recorder keeps every event and notice a client delivered.
type recorder struct {
	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every event
	events  []client.Event
}

func newRecorder() *recorder { return &recorder{changed: make(chan struct{})} }

func (r *recorder) add(_ context.Context, ev client.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ev)
	close(r.changed)
	r.changed = make(chan struct{})
}

func (r *recorder) all() []client.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]client.Event(nil), r.events...)
}

// waitFor waits until check accepts what was delivered so far.
func (r *recorder) waitFor(tb testing.TB, what string, check func([]client.Event) bool) []client.Event {
	tb.Helper()
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		evs, changed := append([]client.Event(nil), r.events...), r.changed
		r.mu.Unlock()
		if check(evs) {
			return evs
		}
		select {
		case <-changed:
		case <-deadline.C:
			tb.Fatalf("no %s within %s; got %s", what, wait, describe(evs))
		}
	}
}

// waitSeq waits for the event with seq and returns the log's events
// delivered so far.
func (r *recorder) waitSeq(tb testing.TB, seq int64) []client.Event {
	tb.Helper()
	evs := r.waitFor(tb, fmt.Sprintf("event %d", seq), func(evs []client.Event) bool {
		for i := len(evs) - 1; i >= 0; i-- {
			if evs[i].Seq >= seq {
				return true
			}
		}
		return false
	})
	return changes(evs)
}

// waitType waits for the n-th notice or event of a type and returns it.
func (r *recorder) waitType(tb testing.TB, typ string, n int) client.Event {
	tb.Helper()
	var got client.Event
	r.waitFor(tb, fmt.Sprintf("%d × %s", n, typ), func(evs []client.Event) bool {
		seen := 0
		for _, ev := range evs {
			if ev.Type == typ {
				if seen++; seen == n {
					got = ev
					return true
				}
			}
		}
		return false
	})
	return got
}

// changes keeps the log's events, dropping notices.
func changes(evs []client.Event) []client.Event {
	var out []client.Event
	for _, ev := range evs {
		if ev.IsChange() {
			out = append(out, ev)
		}
	}
	return out
}

func count(evs []client.Event, typ string) int {
	n := 0
	for _, ev := range evs {
		if ev.Type == typ {
			n++
		}
	}
	return n
}

func describe(evs []client.Event) string {
	s := fmt.Sprintf("%d events:", len(evs))
	for _, ev := range evs[max(0, len(evs)-20):] {
		s += fmt.Sprintf(" %s/%d", ev.Type, ev.Seq)
	}
	return s
}

// requireConsecutive fails unless evs are seqs first..last, each once.
func requireConsecutive(tb testing.TB, evs []client.Event, first, last int64) {
	tb.Helper()
	next := first
	for _, ev := range evs {
		if ev.Seq != next {
			tb.Fatalf("event %s has seq %d, want %d (a gap or a repeat); %s", ev.Type, ev.Seq, next, describe(evs))
		}
		next++
	}
	if next != last+1 {
		tb.Fatalf("events end at seq %d, want %d", next-1, last)
	}
}

// logEvents reads the server's whole event log over REST.
func logEvents(tb testing.TB, srv *apptest.Server) []apptest.Frame {
	tb.Helper()
	var all []apptest.Frame
	for since := int64(0); ; {
		var page struct {
			Events []apptest.Frame `json:"events"`
		}
		srv.MustJSON(tb, http.MethodGet, fmt.Sprintf("/api/events?since=%d&limit=1000", since), nil, http.StatusOK, &page)
		if len(page.Events) == 0 {
			return all
		}
		all = append(all, page.Events...)
		since = page.Events[len(page.Events)-1].Seq
	}
}

func mustDecode(tb testing.TB, raw []byte, v any) bool {
	tb.Helper()
	if err := json.Unmarshal(raw, v); err != nil {
		tb.Fatalf("decode %s: %v", raw, err)
	}
	return true
}

// failOnError fails the test on every error the client logs: it logs at
// that level only what a correct server never does.
type failOnError struct{ tb testing.TB }

func (h failOnError) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelError }
func (h failOnError) Handle(_ context.Context, r slog.Record) error {
	var attrs []string
	r.Attrs(func(a slog.Attr) bool {
		attrs = append(attrs, a.String())
		return true
	})
	h.tb.Errorf("client logged an error: %s %v", r.Message, attrs)
	return nil
}
func (h failOnError) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h failOnError) WithGroup(string) slog.Handler      { return h }
