package faults

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"livedash/client"
	"livedash/models"
)

// A SIGKILL in the middle of a write storm loses no acked mutation: after
// each restart on the same file, every ack's seq is in the log with the
// ack's data, the log is gap-free from 1, and folding it from empty gives
// exactly GET /api/state. Kills accumulate on one file.
func TestSIGKILLKeepsEveryAckedMutation(t *testing.T) {
	const clients = 16
	kills := scale(3, 25)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	srv := startServer(t, filepath.Join(t.TempDir(), "crash.db"),
		"--rate", "1000000", "--burst", "1000000", "--retention", "1000000000", "--send-queue", "100000")

	var acked []crashAck
	sent := map[string]int{}
	for round := 1; round <= kills; round++ {
		killAfter := 200*time.Millisecond + time.Duration(rng.Int64N(int64(600*time.Millisecond)))
		writers := make([]*crashWriter, clients)
		for i := range writers {
			writers[i] = dialCrashWriter(t, srv, fmt.Sprintf("crash-r%d-c%d", round, i))
		}
		var wg sync.WaitGroup
		for i, w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				w.write(rand.New(rand.NewPCG(seed, uint64(round*100+i))))
			}()
		}
		// The kill point is counted from when every client is being
		// answered, so each round kills a storm in full flow.
		for _, w := range writers {
			w.waitFirstReply(t)
		}
		// The kill moment is the test's input, drawn at random; nothing is
		// awaited here.
		kill := time.NewTimer(killAfter)
		<-kill.C
		srv.kill()
		for _, w := range writers {
			w.waitLost(t)
		}
		wg.Wait()
		// What was not answered before the kill stays unanswered: closing
		// fails it, so no resend reaches the restarted server.
		for _, w := range writers {
			w.c.Close()
			w.calls.Wait()
		}

		roundAcks := 0
		for _, w := range writers {
			// A request answered twice fails the test through the
			// client's error log.
			for id, f := range w.replies {
				if f.Type != "ack" {
					t.Fatalf("%s: a mutation failed before the kill: %s", w.client, f.Raw)
				}
				acked = append(acked, crashAck{client: w.client, m: w.sent[id], ack: f})
				roundAcks++
			}
			sent[w.client] = len(w.sent)
		}
		srv.start()
		last := verifyCrashedLog(t, srv, acked, sent)
		t.Logf("kill %d after %s: %d acked this round, log at seq %d", round, killAfter.Round(time.Millisecond), roundAcks, last)
	}
	t.Logf("%d kills, %d acked mutations in all, every one found after its kill", kills, len(acked))
}

// crashAck is one mutation acked before a kill.
type crashAck struct {
	client string
	m      sentMutation
	ack    frame
}

// sentMutation is what a client asked for under one request id.
type sentMutation struct {
	typ   string
	event string // the event type its ack stands for
}

// crashWriter pipelines a mix of mutations on one client and learns the
// ids of its own items from the acks, to update and delete them.
type crashWriter struct {
	client string
	c      *client.Client
	drops  *dropWatch
	window chan struct{} // bounds requests in flight
	calls  sync.WaitGroup
	first  chan struct{} // closed at the first reply
	once   sync.Once

	mu      sync.Mutex
	sent    map[string]sentMutation
	replies map[string]frame // by request id, as the wire would have them
	fresh   []int64          // own items acked since the writer last looked
	updates map[int64]int    // own items with updates in flight
}

func dialCrashWriter(tb testing.TB, srv *server, name string) *crashWriter {
	tb.Helper()
	w := &crashWriter{client: name, drops: newDropWatch(nil), window: make(chan struct{}, 64),
		first: make(chan struct{}), sent: map[string]sentMutation{}, replies: map[string]frame{}, updates: map[int64]int{}}
	w.c = srv.dialClient(tb, client.Options{ClientID: name, Name: name, OnEvent: w.drops.OnEvent})
	return w
}

func (w *crashWriter) waitFirstReply(tb testing.TB) {
	tb.Helper()
	select {
	case <-w.first:
	case <-time.After(peerWait):
		tb.Fatalf("%s: no first reply within %s", w.client, peerWait)
	}
}

func (w *crashWriter) waitLost(tb testing.TB) {
	tb.Helper()
	select {
	case <-w.drops.lost:
	case <-time.After(peerWait):
		tb.Fatalf("%s: the connection did not end within %s", w.client, peerWait)
	}
}

// onReply files what a call returned; a call cut off by Close was never
// answered and leaves nothing.
func (w *crashWriter) onReply(id string, seq int64, record any, err error) {
	if errors.Is(err, client.ErrClosed) {
		return
	}
	f := replyFrame(id, seq, record, err)
	w.mu.Lock()
	w.replies[id] = f
	if it, ok := record.(models.Item); ok && err == nil && w.sent[id].typ == "item.create" {
		w.fresh = append(w.fresh, it.ID)
	}
	w.mu.Unlock()
	w.once.Do(func() { close(w.first) })
}

func (w *crashWriter) updating(id int64) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.updates[id] > 0
}

// write sends until the connection dies (the kill) or a generous cap.
func (w *crashWriter) write(rng *rand.Rand) {
	ctx := context.Background() // Close ends whatever is still waiting
	var live []int64            // own items, acked and not yet asked to be deleted
	for n := 0; n < 200_000; n++ {
		select {
		case w.window <- struct{}{}:
		case <-w.drops.lost:
			return
		}
		w.mu.Lock()
		live = append(live, w.fresh...)
		w.fresh = w.fresh[:0]
		w.mu.Unlock()

		id := fmt.Sprint("m", n)
		rctx := client.WithRequestID(ctx, id)
		typ, event := "item.create", "item.created"
		call := func() (int64, any, error) {
			it, seq, err := w.c.CreateItem(rctx, client.NewItem{Name: w.client + "-" + id, Description: "made by the crash test"})
			return seq, it, err
		}
		switch r := rng.IntN(100); {
		case r < 35 || len(live) == 0 && r < 70:
		case r < 55:
			typ, event = "item.update", "item.updated"
			target := live[rng.IntN(len(live))]
			w.mu.Lock()
			w.updates[target]++
			w.mu.Unlock()
			call = func() (int64, any, error) {
				it, seq, err := w.c.UpdateItem(rctx, client.ItemUpdate{ID: target, Description: new("updated by " + id)})
				w.mu.Lock()
				w.updates[target]--
				w.mu.Unlock()
				return seq, it, err
			}
		case r < 70:
			// Calls in flight together may go out in any order, so an item
			// with an update in flight is not deleted under it.
			i := rng.IntN(len(live))
			if w.updating(live[i]) {
				break
			}
			typ, event = "item.delete", "item.deleted"
			target := live[i]
			live[i] = live[len(live)-1]
			live = live[:len(live)-1]
			call = func() (int64, any, error) {
				seq, err := w.c.DeleteItem(rctx, target, 0)
				return seq, map[string]int64{"id": target}, err
			}
		case r < 88:
			by := rng.Int64N(9) - 4
			if by == 0 {
				by = 5
			}
			typ, event = "score.increment", "score.updated"
			target := 1 + rng.Int64N(6)
			call = func() (int64, any, error) {
				sc, seq, err := w.c.IncrementScore(rctx, target, by)
				return seq, sc, err
			}
		default:
			typ, event = "score.create", "score.created"
			points := rng.Int64N(1000)
			call = func() (int64, any, error) {
				sc, seq, err := w.c.CreateScore(rctx, client.NewScore{Player: w.client + "-" + id, Points: points})
				return seq, sc, err
			}
		}
		w.mu.Lock()
		w.sent[id] = sentMutation{typ: typ, event: event}
		w.mu.Unlock()
		w.calls.Go(func() {
			defer func() { <-w.window }()
			seq, record, err := call()
			w.onReply(id, seq, record, err)
		})
	}
}

// verifyCrashedLog checks the restarted server against every ack so far and
// returns the last seq.
func verifyCrashedLog(tb testing.TB, srv *server, acked []crashAck, sent map[string]int) int64 {
	tb.Helper()
	events := srv.events(tb)
	requireConsecutive(tb, events)
	st, _ := srv.state(tb)
	byActor := map[string]int{}
	for _, ev := range events {
		if ev.Actor != nil {
			byActor[ev.Actor.Name]++ // each writer's name is its client id
		}
	}
	ackedBy := map[string]int{}
	for _, a := range acked {
		ackedBy[a.client]++
		if a.ack.Seq < 1 || a.ack.Seq > int64(len(events)) {
			tb.Fatalf("%s %s (%s) was acked with seq %d, but the log ends at %d after the kill",
				a.client, *a.ack.ID, a.m.typ, a.ack.Seq, len(events))
		}
		ev := events[a.ack.Seq-1]
		if ev.Type != a.m.event || ev.Actor == nil || ev.Actor.Name != a.client || ev.Actor.ID == "" || compactJSON(ev.Data) != compactJSON(a.ack.Data) {
			tb.Fatalf("%s %s (%s) was acked as %s; the log holds at seq %d: %s %+v %s",
				a.client, *a.ack.ID, a.m.typ, a.ack.Raw, ev.Seq, ev.Type, ev.Actor, ev.Data)
		}
	}
	// Committed but unanswered mutations may add events, but no client has
	// more events than it sent requests.
	for client, n := range sent {
		if got := byActor[client]; got < ackedBy[client] || got > n {
			tb.Fatalf("%s: %d events in the log; it had %d acked of %d sent", client, got, ackedBy[client], n)
		}
	}
	requireLogFoldsToState(tb, events, st)
	return st.Seq
}
