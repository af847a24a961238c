package faults

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"
	"time"
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
			if err := w.p.waitFor("a first reply", peerWait, func() bool { return len(w.p.replies) > 0 }); err != nil {
				t.Fatalf("%s: %v", w.client, err)
			}
		}
		// The kill moment is the test's input, drawn at random; nothing is
		// awaited here.
		kill := time.NewTimer(killAfter)
		<-kill.C
		srv.kill()
		for _, w := range writers {
			w.p.waitEnd(t, peerWait)
		}
		wg.Wait()

		roundAcks := 0
		for _, w := range writers {
			replies, _, repeated := w.p.snapshot()
			if len(repeated) > 0 {
				t.Fatalf("%s: requests answered twice: %v", w.client, repeated)
			}
			for id, f := range replies {
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

// crashWriter pipelines a mix of mutations on one connection and learns the
// ids of its own items from the acks, to update and delete them.
type crashWriter struct {
	client string
	p      *peer
	window chan struct{} // bounds requests in flight

	mu    sync.Mutex
	sent  map[string]sentMutation
	fresh []int64 // own items acked since the writer last looked
}

func dialCrashWriter(tb testing.TB, srv *server, client string) *crashWriter {
	tb.Helper()
	w := &crashWriter{client: client, window: make(chan struct{}, 64), sent: map[string]sentMutation{}}
	w.p = dialPeer(tb, srv, "client="+client+"&name="+client, peerOptions{onReply: w.onReply})
	return w
}

func (w *crashWriter) onReply(f frame) {
	if f.Type == "ack" {
		w.mu.Lock()
		if w.sent[*f.ID].typ == "item.create" {
			var it struct{ ID int64 }
			if json.Unmarshal(f.Data, &it) == nil {
				w.fresh = append(w.fresh, it.ID)
			}
		}
		w.mu.Unlock()
	}
	select {
	case <-w.window:
	default:
	}
}

// write sends until the connection dies (the kill) or a generous cap.
func (w *crashWriter) write(rng *rand.Rand) {
	var live []int64 // own items, acked and not yet asked to be deleted
	for n := 0; n < 200_000; n++ {
		select {
		case w.window <- struct{}{}:
		case <-w.p.done:
			return
		}
		w.mu.Lock()
		live = append(live, w.fresh...)
		w.fresh = w.fresh[:0]
		w.mu.Unlock()

		id := fmt.Sprint("m", n)
		typ, event, data := "item.create", "item.created", map[string]any{"name": w.client + "-" + id, "description": "made by the crash test"}
		switch r := rng.IntN(100); {
		case r < 35 || len(live) == 0 && r < 70:
		case r < 55:
			typ, event = "item.update", "item.updated"
			data = map[string]any{"id": live[rng.IntN(len(live))], "description": "updated by " + id}
		case r < 70:
			i := rng.IntN(len(live))
			typ, event, data = "item.delete", "item.deleted", map[string]any{"id": live[i]}
			live[i] = live[len(live)-1]
			live = live[:len(live)-1]
		case r < 88:
			by := rng.Int64N(9) - 4
			if by == 0 {
				by = 5
			}
			typ, event, data = "score.increment", "score.updated", map[string]any{"id": 1 + rng.Int64N(6), "by": by}
		default:
			typ, event, data = "score.create", "score.created", map[string]any{"player": w.client + "-" + id, "points": rng.Int64N(1000)}
		}
		w.mu.Lock()
		w.sent[id] = sentMutation{typ: typ, event: event}
		w.mu.Unlock()
		if w.p.send(request(typ, id, data)) != nil {
			return
		}
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
