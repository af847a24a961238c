package app_test

import (
	"net/http"
	"sync"
	"testing"

	"livedash/app/apptest"
	"livedash/models"
)

// undoAtOnce sends n undos of seq at the same moment, each over transports
// in turn to servers in turn, and counts what they got.
func undoAtOnce(t *testing.T, servers []*apptest.Server, trs []transport, seq int64, n int) (applied, conflicts int) {
	t.Helper()
	outcomes := make([]outcome, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		srv, tr := servers[i%len(servers)], trs[i%len(trs)]
		wg.Go(func() {
			<-start
			outcomes[i] = tr.undo(t, srv, seq)
		})
	}
	close(start)
	wg.Wait()
	for _, o := range outcomes {
		switch {
		case o.err == nil:
			applied++
		case o.err.Code == models.CodeConflict:
			conflicts++
		default:
			t.Errorf("undo %d: %+v", seq, o.err)
		}
	}
	return applied, conflicts
}

// Eight undos of one increment at the same moment, over REST and WebSocket
// alike: one applies, the others are conflicts, and the points moved once.
func TestUndoOnceAtTheSameMoment(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			srv := apptest.MustStartServer(t)
			seq := mutateREST(t, srv, http.MethodPost, "/api/scores/1/increment", map[string]int64{"by": 10})
			applied, conflicts := undoAtOnce(t, []*apptest.Server{srv}, []transport{tr}, seq, 8)
			if applied != 1 || conflicts != 7 {
				t.Errorf("applied %d, conflicts %d; want 1 and 7", applied, conflicts)
			}
			checkPoints(t, srv, 1, 42)
		})
	}
}

// The same across two instances over one PostgreSQL database, each undo
// over REST or WebSocket in turn.
func TestClusterUndoOnce(t *testing.T) {
	a, b := startCluster(t)
	seq := mutateREST(t, a, http.MethodPost, "/api/scores/1/increment", map[string]int64{"by": 100})
	applied, conflicts := undoAtOnce(t, []*apptest.Server{a, b}, transports, seq, 8)
	if applied != 1 || conflicts != 7 {
		t.Errorf("applied %d, conflicts %d; want 1 and 7", applied, conflicts)
	}
	checkPoints(t, b, 1, 42)
}

func checkPoints(t *testing.T, srv *apptest.Server, id, want int64) {
	t.Helper()
	for _, sc := range srv.State(t).Scores {
		if sc.ID == id {
			if sc.Points != want {
				t.Errorf("score %d has %d points, want %d", id, sc.Points, want)
			}
			return
		}
	}
	t.Errorf("no score %d", id)
}
