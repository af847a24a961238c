package client_test

import (
	"fmt"
	"net/http"
	"path/filepath"
	"testing"

	"livedash/app/apptest"
	"livedash/client"
	"livedash/models"
	"livedash/protocol"
)

// A client whose server restarts resumes where it was: the events written
// while it was away are replayed, then live ones follow, with no gap and
// no repeat, and no resync.
func TestResumeAfterServerRestart(t *testing.T) {
	srv := apptest.MustStartServer(t)
	px := newProxy(t, srv.Addr)
	c, rec := dial(t, px.URL(), client.Options{Name: "resumer"})
	first := c.Welcome()

	create := func(srv *apptest.Server, name string) int64 {
		t.Helper()
		var it models.Item
		srv.MustJSON(t, http.MethodPost, "/api/items", map[string]any{"name": name}, http.StatusCreated, &it)
		return srv.State(t).Seq
	}
	before := create(srv, "before")
	rec.WaitSeq(before)

	// The client stays away until the writes are done, so that it must
	// get them from the log.
	px.refusing(true)
	srv = srv.Restart()
	rec.WaitType(client.TypeDisconnected, 1)
	var missed int64
	for i := range 5 {
		missed = create(srv, fmt.Sprint("while away ", i))
	}
	px.refusing(false)
	rec.WaitType(protocol.TypeWelcome, 2)
	live := create(srv, "after")

	evs := rec.WaitSeq(live)
	apptest.RequireConsecutive(t, evs, first.Seq+1, live)
	if n := rec.Count(protocol.TypeResync); n != 1 {
		t.Fatalf("%d resyncs, want only the fresh start's: %s", n, apptest.Describe(rec.All()))
	}
	if d, ok := rec.WaitType(client.TypeDisconnected, 1).Disconnect(); !ok || d.Code != 1001 {
		t.Fatalf("disconnected %+v, want the server's 1001", d)
	}
	w, ok := rec.WaitType(protocol.TypeWelcome, 2).Welcome()
	if !ok || !w.Resumed || w.Epoch != first.Epoch || w.Seq != missed {
		t.Fatalf("second welcome %+v, want resumed in epoch %s", w, first.Epoch)
	}
	if !c.Welcome().Resumed || c.ConnState() != client.Live {
		t.Fatalf("after the resume: welcome %+v, state %s", c.Welcome(), c.ConnState())
	}
	if err := c.WaitSeq(apptest.Ctx(t), live); err != nil {
		t.Fatal(err)
	}
	if seq, epoch := c.Position(); seq != live || epoch != first.Epoch {
		t.Fatalf("Position %d %s, want %d %s", seq, epoch, live, first.Epoch)
	}
}

// A stored position resumes a new Client: it gets exactly the events after
// it.
func TestResumeFromAStoredPosition(t *testing.T) {
	srv := apptest.MustStartServer(t)
	ctx := apptest.Ctx(t)
	c, _ := dial(t, srv.URL, client.Options{})
	_, seq, err := c.CreateItem(ctx, client.NewItem{Name: "seen"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.WaitSeq(ctx, seq); err != nil {
		t.Fatal(err)
	}
	since, epoch := c.Position()
	id := c.ClientID()
	c.Close()

	w, _ := dial(t, srv.URL, client.Options{})
	var last int64
	for i := range 3 {
		if _, last, err = w.CreateItem(ctx, client.NewItem{Name: fmt.Sprint("missed ", i)}); err != nil {
			t.Fatal(err)
		}
	}
	again, rec := dial(t, srv.URL, client.Options{ClientID: id, Since: since, Epoch: epoch})
	if !again.Welcome().Resumed {
		t.Fatalf("welcome %+v, want resumed", again.Welcome())
	}
	apptest.RequireConsecutive(t, rec.WaitSeq(last), since+1, last)
	if n := rec.Count(protocol.TypeResync); n != 0 {
		t.Fatalf("%d resyncs on a resume", n)
	}
}

// A position the server cannot resume from is surfaced as a resync with
// the server's seq and epoch; the stream goes on from there.
func TestResyncOnWrongEpoch(t *testing.T) {
	srv := apptest.MustStartServer(t)
	ctx := apptest.Ctx(t)
	st := srv.State(t)
	c, rec := dial(t, srv.URL, client.Options{Since: 1, Epoch: "not-this-one"})
	if c.Welcome().Resumed {
		t.Fatalf("welcome %+v resumed a foreign epoch", c.Welcome())
	}
	r, ok := rec.WaitType(protocol.TypeResync, 1).Resync()
	if !ok || r.Seq != st.Seq || r.Epoch != st.Epoch {
		t.Fatalf("resync %+v, want seq %d epoch %s", r, st.Seq, st.Epoch)
	}
	if evs := rec.All(); evs[0].Type != protocol.TypeWelcome || evs[1].Type != protocol.TypeResync {
		t.Fatalf("stream starts %s", apptest.Describe(evs))
	}
	_, seq, err := c.CreateItem(ctx, client.NewItem{Name: "after the resync"})
	if err != nil {
		t.Fatal(err)
	}
	apptest.RequireConsecutive(t, rec.WaitSeq(seq), st.Seq+1, seq)
	if err := c.WaitSeq(ctx, seq); err != nil {
		t.Fatal(err)
	}
	if s, e := c.Position(); s != seq || e != st.Epoch {
		t.Fatalf("Position %d %s", s, e)
	}
}

// A client without a position is told to load the snapshot, once.
func TestFreshStartDeliversOneResync(t *testing.T) {
	srv := apptest.MustStartServer(t)
	c, rec := dial(t, srv.URL, client.Options{})
	w := c.Welcome()
	r, ok := rec.WaitType(protocol.TypeResync, 1).Resync()
	if !ok || r.Seq != w.Seq || r.Epoch != w.Epoch || w.Resumed {
		t.Fatalf("welcome %+v, resync %+v", w, r)
	}
	if err := c.Ping(apptest.Ctx(t)); err != nil {
		t.Fatal(err)
	}
	if n := rec.Count(protocol.TypeResync); n != 1 {
		t.Fatalf("%d resyncs", n)
	}
}

// A server started anew on another database has another epoch: the
// reconnecting client gets a resync and follows the new log.
func TestResyncWhenTheDatabaseIsReplaced(t *testing.T) {
	srv := apptest.MustStartServer(t)
	c, rec := dial(t, srv.URL, client.Options{})
	old := c.Welcome().Epoch
	srv.Stop()
	srv = apptest.MustStartServer(t, "--addr", srv.Addr, "--db", filepath.Join(t.TempDir(), "other.db"))
	r, ok := rec.WaitType(protocol.TypeResync, 2).Resync()
	st := srv.State(t)
	if !ok || r.Epoch == old || r.Epoch != st.Epoch || r.Seq != st.Seq {
		t.Fatalf("resync %+v; old epoch %s, new state %d/%s", r, old, st.Seq, st.Epoch)
	}
	_, seq, err := c.IncrementScore(apptest.Ctx(t), 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	evs := rec.WaitSeq(seq)
	if ev := evs[len(evs)-1]; ev.Seq != seq || ev.Type != "score.updated" {
		t.Fatalf("last event %s/%d, want score.updated/%d", ev.Type, ev.Seq, seq)
	}
}
