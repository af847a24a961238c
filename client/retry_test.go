package client_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"livedash/app/apptest"
	"livedash/client"
	"livedash/models"
	"livedash/protocol"
)

// createdEvents finds the item.created events of the log for name.
func createdEvents(tb testing.TB, srv *apptest.Server, name string) []int64 {
	tb.Helper()
	var seqs []int64
	for _, ev := range logEvents(tb, srv) {
		var it models.Item
		if ev.Type == "item.created" && mustDecode(tb, ev.Data, &it) && it.Name == name {
			seqs = append(seqs, ev.Seq)
		}
	}
	return seqs
}

// watchCreated waits until the watcher sees name created and returns the
// seq: proof that the server applied it, whatever its sender saw.
func watchCreated(tb testing.TB, rec *apptest.Stream, name string) int64 {
	tb.Helper()
	var seq int64
	rec.WaitFor("item.created "+name, func(evs []client.Event) bool {
		for _, ev := range evs {
			var it models.Item
			if ev.Type == "item.created" && ev.Decode(&it) == nil && it.Name == name {
				seq = ev.Seq
				return true
			}
		}
		return false
	})
	return seq
}

// A mutation whose ack is lost with its connection is resent under its
// original id on the next connection, and the server answers it with the
// first outcome: applied once, one event, and the caller gets the ack.
func TestUnansweredMutationIsResentAndAppliesOnce(t *testing.T) {
	srv := apptest.MustStartServer(t)
	px := newProxy(t, srv.Addr)
	c, rec := dial(t, px.URL(), client.Options{Name: "sender"})
	_, watcher := dial(t, srv.URL, client.Options{})

	px.hold() // the server's replies stop reaching the client
	type result struct {
		item models.Item
		seq  int64
		err  error
	}
	done := make(chan result, 1)
	go func() {
		it, seq, err := c.CreateItem(apptest.Ctx(t), client.NewItem{Name: "exactly once"})
		done <- result{it, seq, err}
	}()
	applied := watchCreated(t, watcher, "exactly once")
	select {
	case r := <-done:
		t.Fatalf("the reply got through the held connection: %+v", r)
	default:
	}
	px.cut()

	r := <-done
	if r.err != nil || r.seq != applied || r.item.Name != "exactly once" {
		t.Fatalf("after the reconnect: %+v, %v; want the ack of seq %d", r.item, r.err, applied)
	}
	if seqs := createdEvents(t, srv, "exactly once"); len(seqs) != 1 || seqs[0] != applied {
		t.Fatalf("created at seqs %v, want only %d", seqs, applied)
	}
	// The sender's own stream has the event once, in order, across the
	// reconnect.
	evs := rec.WaitSeq(applied)
	apptest.RequireConsecutive(t, evs, evs[0].Seq, applied)
	if w, _ := rec.WaitType(protocol.TypeWelcome, 2).Welcome(); !w.Resumed {
		t.Fatalf("second welcome %+v, want resumed", w)
	}
}

// A caller that stops waiting gets ctx.Err(); the written request stays
// pending and applies once, and a retry under the same id gets its
// original outcome.
func TestRetryByRequestIDAfterTheContextEnded(t *testing.T) {
	srv := apptest.MustStartServer(t)
	px := newProxy(t, srv.Addr)
	c, _ := dial(t, px.URL(), client.Options{})
	_, watcher := dial(t, srv.URL, client.Options{})

	px.hold()
	ctx, cancel := context.WithCancel(client.WithRequestID(apptest.Ctx(t), "create-1"))
	done := make(chan error, 1)
	go func() {
		_, _, err := c.CreateItem(ctx, client.NewItem{Name: "retried"})
		done <- err
	}()
	applied := watchCreated(t, watcher, "retried")
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("CreateItem with a cancelled context: %v", err)
	}
	px.cut()

	it, seq, err := c.CreateItem(client.WithRequestID(apptest.Ctx(t), "create-1"), client.NewItem{Name: "retried"})
	if err != nil || seq != applied || it.Name != "retried" {
		t.Fatalf("retry: %+v seq %d, %v; want the original seq %d", it, seq, err, applied)
	}
	if seqs := createdEvents(t, srv, "retried"); len(seqs) != 1 {
		t.Fatalf("created at seqs %v, want once", seqs)
	}
	// The outcome of a failure is remembered too.
	_, _, err = c.IncrementScore(client.WithRequestID(apptest.Ctx(t), "bump-1"), 999, 1)
	requireError(t, "increment of a missing score", err, models.CodeNotFound, "id")
	_, _, err = c.IncrementScore(client.WithRequestID(apptest.Ctx(t), "bump-1"), 999, 1)
	requireError(t, "its retry", err, models.CodeNotFound, "id")

	if _, _, err := c.CreateItem(client.WithRequestID(apptest.Ctx(t), ""), client.NewItem{Name: "x"}); err == nil {
		t.Fatal("an empty request id was accepted")
	}
}

// A request whose context ends before any connection took it is withdrawn:
// it never applies, even once the client is connected again. Requests made
// while reconnecting wait for the next connection.
func TestRequestsWhileReconnecting(t *testing.T) {
	srv := apptest.MustStartServer(t)
	px := newProxy(t, srv.Addr)
	c, rec := dial(t, px.URL(), client.Options{})
	px.refusing(true)
	px.cut()
	rec.WaitType(client.TypeDisconnected, 1)
	if s := c.ConnState(); s != client.Reconnecting {
		t.Fatalf("state %s while the server is unreachable", s)
	}

	// The deadline is what is under test: the request must give up.
	ctx, cancel := context.WithTimeout(apptest.Ctx(t), 100*time.Millisecond)
	defer cancel()
	if _, _, err := c.CreateItem(ctx, client.NewItem{Name: "withdrawn"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("CreateItem while unreachable: %v", err)
	}

	// Let the client back in only after it has tried twice more, while
	// the next request is waiting.
	reopened := make(chan error, 1)
	go func() {
		err := px.waitRefused(2)
		px.refusing(false)
		reopened <- err
	}()
	if _, _, err := c.CreateItem(apptest.Ctx(t), client.NewItem{Name: "waited"}); err != nil {
		t.Fatal(err)
	}
	if err := <-reopened; err != nil {
		t.Fatal(err)
	}
	if seqs := createdEvents(t, srv, "waited"); len(seqs) != 1 {
		t.Fatalf("waited: created at %v", seqs)
	}
	if seqs := createdEvents(t, srv, "withdrawn"); len(seqs) != 0 {
		t.Fatalf("a withdrawn request was applied at %v", seqs)
	}
}

// Without a client id nothing makes a resend safe: a mutation caught by a
// drop fails with ErrConnectionLost, while queries are simply resent.
func TestAnonymousMutationCaughtByADropFails(t *testing.T) {
	srv := apptest.MustStartServer(t)
	px := newProxy(t, srv.Addr)
	c, _ := dial(t, px.URL(), client.Options{Anonymous: true})
	_, watcher := dial(t, srv.URL, client.Options{})
	if c.ClientID() != "" {
		t.Fatalf("anonymous client has id %q", c.ClientID())
	}

	px.hold()
	mutation := make(chan error, 1)
	go func() {
		_, _, err := c.CreateItem(apptest.Ctx(t), client.NewItem{Name: "anonymous"})
		mutation <- err
	}()
	watchCreated(t, watcher, "anonymous")
	query := make(chan error, 1)
	go func() {
		_, err := c.Items(apptest.Ctx(t))
		query <- err
	}()
	px.cut()
	if err := <-mutation; !errors.Is(err, client.ErrConnectionLost) {
		t.Fatalf("mutation: %v, want ErrConnectionLost", err)
	}
	if err := <-query; err != nil {
		t.Fatalf("query: %v", err)
	}
	if seqs := createdEvents(t, srv, "anonymous"); len(seqs) != 1 {
		t.Fatalf("created at %v", seqs)
	}
}

// A frame over the server's size limit fails its own request with
// too_large; the server drops the connection, and the client reconnects
// without sending it again.
func TestTooLargeFailsOnlyItsRequest(t *testing.T) {
	srv := apptest.MustStartServer(t, "--read-limit", "4096")
	c, rec := dial(t, srv.URL, client.Options{})
	_, _, err := c.CreateItem(apptest.Ctx(t), client.NewItem{Name: "big", Description: strings.Repeat("x", 5000)})
	requireError(t, "oversized CreateItem", err, protocol.CodeTooLarge, "")
	rec.WaitType(protocol.TypeWelcome, 2)
	if _, _, err := c.CreateItem(apptest.Ctx(t), client.NewItem{Name: "small"}); err != nil {
		t.Fatalf("after too_large: %v", err)
	}
	if err := c.Ping(apptest.Ctx(t)); err != nil {
		t.Fatal(err)
	}
	if n := rec.Count(protocol.TypeWelcome); n != 2 {
		t.Fatalf("%d connections; the oversized request was sent again", n)
	}
}
