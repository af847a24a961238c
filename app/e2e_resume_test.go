package app_test

import (
	"bytes"
	"fmt"
	"testing"

	"livedash/app/apptest"
	"livedash/models"
)

// A client that drops and resumes with since/epoch gets exactly the events
// it missed, in order, then live ones; nothing twice.
func TestResumeReplaysExactlyTheMissedEvents(t *testing.T) {
	srv := apptest.MustStartServer(t)
	c := srv.Dial(t, "client=resumer")
	writer := srv.Dial(t, "client=writer")
	welcome := c.WaitType("welcome")
	var w struct {
		Seq   int64  `json:"seq"`
		Epoch string `json:"epoch"`
	}
	mustDecode(t, welcome.Data, &w)

	first := writer.MustAck("score.increment", map[string]any{"id": 1, "by": 1})
	c.WaitSeq(first.Seq)
	c.Conn.Close()

	var last int64
	for i := 0; i < 30; i++ {
		last = writer.MustAck("item.create", map[string]any{"name": fmt.Sprintf("missed %d", i)}).Seq
	}
	r := srv.Dial(t, fmt.Sprintf("client=resumer&since=%d&epoch=%s", first.Seq, w.Epoch))
	var rw struct {
		Seq     int64 `json:"seq"`
		Resumed bool  `json:"resumed"`
	}
	mustDecode(t, r.WaitType("welcome").Data, &rw)
	if !rw.Resumed || rw.Seq != last {
		t.Fatalf("welcome %+v, want resumed at seq %d", rw, last)
	}
	live := writer.MustAck("score.increment", map[string]any{"id": 2, "by": 1}).Seq
	evs := r.WaitSeq(live)
	if len(evs) != int(live-first.Seq) {
		t.Fatalf("got %d events after resume, want %d", len(evs), live-first.Seq)
	}
	for i, ev := range evs {
		if ev.Seq != first.Seq+1+int64(i) {
			t.Fatalf("event %d has seq %d, want %d", i, ev.Seq, first.Seq+1+int64(i))
		}
	}
	if f := r.Frames(); f[0].Type != "welcome" {
		t.Fatalf("first frame after resume is %s", f[0].Raw)
	}
}

// Resuming across many events, while writes continue, stays gap-free and
// duplicate-free: the replay and the live stream meet exactly.
func TestResumeWhileWritesContinue(t *testing.T) {
	srv := apptest.MustStartServer(t, "--rate", "100000", "--burst", "100000")
	writer := srv.Dial(t, "client=w")
	st := srv.State(t)
	for i := 0; i < 700; i++ { // more than one replay page
		writer.Send(map[string]any{"type": "score.increment", "id": fmt.Sprint("a", i), "data": map[string]any{"id": 1, "by": 1}})
	}
	writer.Reply("a699")
	done := make(chan int64)
	go func() {
		var last int64
		for i := 0; i < 300; i++ {
			writer.Send(map[string]any{"type": "score.increment", "id": fmt.Sprint("b", i), "data": map[string]any{"id": 2, "by": 1}})
		}
		last = writer.Reply("b299").Seq
		done <- last
	}()
	r := srv.Dial(t, fmt.Sprintf("since=%d&epoch=%s", st.Seq, st.Epoch))
	last := <-done
	v := apptest.NewView(st)
	for _, ev := range r.WaitSeq(last) {
		v.ApplyFrame(t, ev)
	}
	v.RequireState(t, srv.State(t))
}

// A since from another database, ahead of the log, or older than what the
// log retains gets a resync after the welcome.
func TestResumeOutsideTheLogGetsResync(t *testing.T) {
	srv := apptest.MustStartServer(t, "--retention", "5")
	st := srv.State(t)
	writer := srv.Dial(t, "")
	var last int64
	for i := 0; i < 1200; i++ { // beyond retention plus one pruning chunk
		writer.Send(map[string]any{"type": "score.increment", "id": fmt.Sprint(i), "data": map[string]any{"id": 1, "by": 1}})
		if i%150 == 149 {
			last = writer.Reply(fmt.Sprint(i)).Seq
		}
	}
	cases := []struct {
		name  string
		query string
	}{
		{"wrong epoch", fmt.Sprintf("since=%d&epoch=other", last)},
		{"no epoch", fmt.Sprintf("since=%d", last)},
		{"ahead of the log", fmt.Sprintf("since=%d&epoch=%s", last+10, st.Epoch)},
		{"pruned", fmt.Sprintf("since=1&epoch=%s", st.Epoch)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := srv.Dial(t, tc.query)
			rs := c.WaitType("resync")
			var data struct {
				Seq   int64  `json:"seq"`
				Epoch string `json:"epoch"`
			}
			mustDecode(t, rs.Data, &data)
			if data.Epoch != st.Epoch || data.Seq < last {
				t.Fatalf("resync %s", rs.Raw)
			}
			f := c.Frames()
			if f[0].Type != "welcome" || f[1].Type != "resync" {
				t.Fatalf("frames %s then %s, want welcome then resync", f[0].Raw, f[1].Raw)
			}
		})
	}
	// A client that is up to date resumes with nothing to replay.
	c := srv.Dial(t, fmt.Sprintf("since=%d&epoch=%s", srv.State(t).Seq, st.Epoch))
	if w := c.WaitType("welcome"); !bytes.Contains(w.Raw, []byte(`"resumed":true`)) {
		t.Fatalf("welcome %s, want resumed", w.Raw)
	}
}

// A retry under the same client and request id, on a new connection, gets
// the original ack (same seq, same data) and creates nothing; an error is
// remembered too.
func TestIdempotentRetryOnANewConnection(t *testing.T) {
	srv := apptest.MustStartServer(t)
	c1 := srv.Dial(t, "client=tab-1")
	ack := c1.RequestID("create-1", "item.create", map[string]any{"name": "Once"})
	fail := c1.RequestID("bump-1", "score.increment", map[string]any{"id": 999, "by": 1})
	if ack.Type != "ack" || fail.Error == nil || fail.Error.Code != models.CodeNotFound {
		t.Fatalf("first replies: %s / %s", ack.Raw, fail.Raw)
	}
	c1.Conn.Close()
	before := srv.State(t)

	c2 := srv.Dial(t, "client=tab-1")
	again := c2.RequestID("create-1", "item.create", map[string]any{"name": "Once"})
	if again.Type != "ack" || again.Seq != ack.Seq || string(again.Data) != string(ack.Data) {
		t.Fatalf("retry got %s, want the original %s", again.Raw, ack.Raw)
	}
	failAgain := c2.RequestID("bump-1", "score.increment", map[string]any{"id": 999, "by": 1})
	if string(failAgain.Raw) != string(fail.Raw) {
		t.Fatalf("retried error %s, want the original %s", failAgain.Raw, fail.Raw)
	}
	after := srv.State(t)
	if after.Seq != before.Seq || len(after.Items) != len(before.Items) {
		t.Fatalf("retry changed state: seq %d -> %d, items %d -> %d", before.Seq, after.Seq, len(before.Items), len(after.Items))
	}
	// Another client id is another request.
	other := srv.Dial(t, "client=tab-2").RequestID("create-1", "item.create", map[string]any{"name": "Once"})
	if other.Type != "ack" || other.Seq == ack.Seq {
		t.Fatalf("other client's request: %s", other.Raw)
	}
	// Without a client id nothing is remembered: a repeat applies again.
	anon := srv.Dial(t, "")
	anon.RequestID("x", "score.increment", map[string]any{"id": 1, "by": 1})
	anon.Send(map[string]any{"type": "score.increment", "id": "x", "data": map[string]any{"id": 1, "by": 1}})
	replies := anon.Replies("x", 2)
	if replies[0].Seq == replies[1].Seq {
		t.Fatalf("anonymous repeat was deduplicated: %s / %s", replies[0].Raw, replies[1].Raw)
	}
}
