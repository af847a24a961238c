package app_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"livedash/app/apptest"
	"livedash/client"
	"livedash/models"
	"livedash/protocol"
	"livedash/ws"
)

// A client that drops and resumes with since/epoch gets exactly the events
// it missed, in order, then live ones; nothing twice.
func TestResumeReplaysExactlyTheMissedEvents(t *testing.T) {
	srv := apptest.MustStartServer(t, "--rate", "100000", "--burst", "100000")
	ctx := apptest.Ctx(t)
	stream := apptest.NewStream(t)
	c := srv.DialClient(t, client.Options{ClientID: "resumer", OnEvent: stream.Add})
	writer := srv.DialClient(t, client.Options{ClientID: "writer"})
	epoch := c.Welcome().Epoch

	_, first, err := writer.IncrementScore(ctx, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	stream.WaitSeq(first)
	c.Close()

	// One more than a replay page: the last missed event is read alone, on
	// a page of its own, and must still go out.
	var last int64
	for i := range ws.DefaultReplayPage + 1 {
		if _, last, err = writer.CreateItem(ctx, client.NewItem{Name: fmt.Sprintf("missed %d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	rs := apptest.NewStream(t)
	r := srv.DialClient(t, client.Options{ClientID: "resumer", Since: first, Epoch: epoch, OnEvent: rs.Add})
	if w := r.Welcome(); !w.Resumed || w.Seq != last {
		t.Fatalf("welcome %+v, want resumed at seq %d", w, last)
	}
	_, live, err := writer.IncrementScore(ctx, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	evs := rs.WaitSeq(live)
	if len(evs) != int(live-first) {
		t.Fatalf("got %d events after resume, want %d", len(evs), live-first)
	}
	for i, ev := range evs {
		if ev.Seq != first+1+int64(i) {
			t.Fatalf("event %d has seq %d, want %d", i, ev.Seq, first+1+int64(i))
		}
	}
	if f := rs.All(); f[0].Type != protocol.TypeWelcome || rs.Count(protocol.TypeResync) != 0 {
		t.Fatalf("after the resume: %s", apptest.Describe(f))
	}

	// The same resume on the wire, without the client library (which could
	// repair a hole by itself): the replay is first+1..last, the last missed
	// event included, and the next live event follows it.
	raw := srv.Dial(t, fmt.Sprintf("client=resumer&since=%d&epoch=%s", first, epoch))
	_, next, err := writer.IncrementScore(ctx, 3, 1)
	if err != nil {
		t.Fatal(err)
	}
	got := raw.WaitSeq(next)
	if len(got) != int(next-first) {
		t.Fatalf("raw resume got %d events, want %d (seqs %d..%d)", len(got), next-first, first+1, next)
	}
	for i, f := range got {
		if want := first + 1 + int64(i); f.Seq != want {
			t.Fatalf("raw resume: event %d has seq %d, want %d", i, f.Seq, want)
		}
	}
}

// Resuming across many events, while writes continue, stays gap-free and
// duplicate-free: the replay and the live stream meet exactly.
func TestResumeWhileWritesContinue(t *testing.T) {
	srv := apptest.MustStartServer(t, "--rate", "100000", "--burst", "100000")
	writer := srv.DialClient(t, client.Options{ClientID: "w"})
	st := srv.State(t)
	// Concurrent calls go out pipelined on the one connection.
	increments := func(n int, score int64) error {
		errs := make(chan error, n)
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				if _, _, err := writer.IncrementScore(apptest.Ctx(t), score, 1); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		return <-errs
	}
	if err := increments(700, 1); err != nil { // more than one replay page
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- increments(300, 2) }()
	stream := apptest.NewStream(t)
	srv.DialClient(t, client.Options{Since: st.Seq, Epoch: st.Epoch, OnEvent: stream.Add})
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	last := srv.State(t).Seq
	v := apptest.NewView(st)
	for _, ev := range stream.WaitSeq(last) {
		v.ApplyEvent(t, ev)
	}
	v.RequireState(t, srv.State(t))
}

// A since from another database, ahead of the log, or older than what the
// log retains gets a resync after the welcome.
func TestResumeOutsideTheLogGetsResync(t *testing.T) {
	srv := apptest.MustStartServer(t, "--retention", "5", "--rate", "100000", "--burst", "100000")
	st := srv.State(t)
	writer := srv.DialClient(t, client.Options{})
	var last int64
	for range 8 { // beyond retention plus one pruning chunk
		var wg sync.WaitGroup
		var mu sync.Mutex
		for range 150 {
			wg.Go(func() {
				_, seq, err := writer.IncrementScore(apptest.Ctx(t), 1, 1)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					t.Error(err)
				}
				last = max(last, seq)
			})
		}
		wg.Wait()
	}
	if t.Failed() {
		t.FailNow()
	}
	cases := []struct {
		name  string
		since int64
		epoch string
	}{
		{"wrong epoch", last, "other"},
		{"ahead of the log", last + 10, st.Epoch},
		{"pruned", 1, st.Epoch},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stream := apptest.NewStream(t)
			srv.DialClient(t, client.Options{Since: tc.since, Epoch: tc.epoch, OnEvent: stream.Add})
			r, ok := stream.WaitType(protocol.TypeResync, 1).Resync()
			if !ok || r.Epoch != st.Epoch || r.Seq < last {
				t.Fatalf("resync %+v", r)
			}
			if f := stream.All(); f[0].Type != protocol.TypeWelcome || f[1].Type != protocol.TypeResync {
				t.Fatalf("%s, want welcome then resync", apptest.Describe(f))
			}
		})
	}
	// A since without an epoch is a query no client library sends.
	t.Run("no epoch", func(t *testing.T) {
		c := srv.Dial(t, fmt.Sprintf("since=%d", last))
		rs := c.WaitType("resync")
		var data struct {
			Seq   int64  `json:"seq"`
			Epoch string `json:"epoch"`
		}
		mustDecode(t, rs.Data, &data)
		if data.Epoch != st.Epoch || data.Seq < last {
			t.Fatalf("resync %s", rs.Raw)
		}
		if f := c.Frames(); f[0].Type != "welcome" || f[1].Type != "resync" {
			t.Fatalf("frames %s then %s, want welcome then resync", f[0].Raw, f[1].Raw)
		}
	})
	// A client that is up to date resumes with nothing to replay.
	c := srv.DialClient(t, client.Options{Since: srv.State(t).Seq, Epoch: st.Epoch})
	if w := c.Welcome(); !w.Resumed {
		t.Fatalf("welcome %+v, want resumed", w)
	}
}

// A retry under the same client and request id, on a new connection, gets
// the original ack (same seq, same data) and creates nothing; an error is
// remembered too.
func TestIdempotentRetryOnANewConnection(t *testing.T) {
	srv := apptest.MustStartServer(t)
	c1 := srv.DialClient(t, client.Options{ClientID: "tab-1"})
	create := client.WithRequestID(apptest.Ctx(t), "create-1")
	bump := client.WithRequestID(apptest.Ctx(t), "bump-1")
	item, seq, err := c1.CreateItem(create, client.NewItem{Name: "Once"})
	if err != nil {
		t.Fatal(err)
	}
	_, _, fail := c1.IncrementScore(bump, 999, 1)
	if client.CodeOf(fail) != models.CodeNotFound {
		t.Fatalf("increment of a missing score: %v", fail)
	}
	c1.Close()
	before := srv.State(t)

	c2 := srv.DialClient(t, client.Options{ClientID: "tab-1"})
	again, againSeq, err := c2.CreateItem(create, client.NewItem{Name: "Once"})
	if err != nil || againSeq != seq || again != item {
		t.Fatalf("retry got %+v seq %d, %v; want the original %+v seq %d", again, againSeq, err, item, seq)
	}
	_, _, failAgain := c2.IncrementScore(bump, 999, 1)
	if *asError(t, failAgain) != *asError(t, fail) {
		t.Fatalf("retried error %v, want the original %v", failAgain, fail)
	}
	after := srv.State(t)
	if after.Seq != before.Seq || len(after.Items) != len(before.Items) {
		t.Fatalf("retry changed state: seq %d -> %d, items %d -> %d", before.Seq, after.Seq, len(before.Items), len(after.Items))
	}
	// Another client id is another request.
	other := srv.DialClient(t, client.Options{ClientID: "tab-2"})
	if _, otherSeq, err := other.CreateItem(create, client.NewItem{Name: "Once"}); err != nil || otherSeq == seq {
		t.Fatalf("other client's request: seq %d, %v", otherSeq, err)
	}
	// Without a client id nothing is remembered: a repeat applies again.
	anon := srv.DialClient(t, client.Options{Anonymous: true})
	x := client.WithRequestID(apptest.Ctx(t), "x")
	_, s1, err1 := anon.IncrementScore(x, 1, 1)
	_, s2, err2 := anon.IncrementScore(x, 1, 1)
	if err1 != nil || err2 != nil || s1 == s2 {
		t.Fatalf("anonymous repeat: seqs %d, %d (%v, %v); want two applications", s1, s2, err1, err2)
	}
}

func asError(tb testing.TB, err error) *models.Error {
	tb.Helper()
	var e *models.Error
	if !errors.As(err, &e) {
		tb.Fatalf("%v is not a *models.Error", err)
	}
	return e
}
