package faults

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"livedash/app/apptest"
	"livedash/client"
	"livedash/internal/pgtest"
	"livedash/internal/procnet"
	"livedash/models"
	"livedash/protocol"
)

// clusterWriter creates items through one client and remembers which
// creates were acked, and how each failure was reported.
type clusterWriter struct {
	c      *client.Client
	mu     sync.Mutex
	acked  map[int64]string // item id -> name
	errors map[models.Code]int
	other  []error // failures that are no error reply: no answer in time, a cut connection
}

func (w *clusterWriter) run(ctx context.Context, name string) {
	for i := 0; ctx.Err() == nil; i++ {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		it, _, err := w.c.CreateItem(cctx, client.NewItem{Name: fmt.Sprintf("%s %d", name, i)})
		cancel()
		w.mu.Lock()
		var e *models.Error
		switch {
		case err == nil:
			w.acked[it.ID] = it.Name
		case errors.As(err, &e):
			w.errors[e.Code]++
		case ctx.Err() == nil:
			w.other = append(w.other, err)
		}
		w.mu.Unlock()
		time.Sleep(2 * time.Millisecond)
		if err != nil {
			time.Sleep(20 * time.Millisecond)
		}
	}
}

func startWriters(t *testing.T, ctx context.Context, urls ...string) []*clusterWriter {
	var ws []*clusterWriter
	for i, u := range urls {
		w := &clusterWriter{c: apptest.DialClient(t, u, client.Options{ClientID: fmt.Sprintf("writer-%d", i)}),
			acked: map[int64]string{}, errors: map[models.Code]int{}}
		ws = append(ws, w)
		go w.run(ctx, fmt.Sprintf("w%d", i))
	}
	return ws
}

// SIGKILL of one instance under load loses no acked mutation: every item
// whose create was acked, on either instance, is in the survivor's state.
func TestClusterSIGKILLKeepsAckedMutations(t *testing.T) {
	url := pgtest.StartPostgres(t)
	a, b := startServer(t, url), startServer(t, url)
	ctx, cancel := context.WithCancel(context.Background())
	writers := startWriters(t, ctx, "http://"+a.addr, "http://"+a.addr, "http://"+b.addr, "http://"+b.addr)
	time.Sleep(time.Second)
	a.kill()
	time.Sleep(500 * time.Millisecond)
	cancel()
	time.Sleep(200 * time.Millisecond)
	st := apptest.DialClient(t, "http://"+b.addr, client.Options{})
	state, err := st.State(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	have := map[int64]string{}
	for _, it := range state.Items {
		have[it.ID] = it.Name
	}
	total := 0
	for _, w := range writers {
		w.mu.Lock()
		for id, name := range w.acked {
			total++
			if have[id] != name {
				t.Errorf("acked item %d %q is not in the state", id, name)
			}
		}
		w.mu.Unlock()
	}
	if total < 20 {
		t.Fatalf("only %d acked creates: too little load to mean anything", total)
	}
	t.Logf("%d acked creates, all kept", total)
}

// A PostgreSQL restart under load gives unavailable, never internal, and
// both instances catch up: listeners on both see one consecutive stream
// that folds to the state.
func TestClusterPostgresRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	srv, err := pgtest.Start(pgtest.Options{})
	if err != nil {
		if pgtest.Required() {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	t.Cleanup(srv.Stop)
	url, err := srv.NewDatabase()
	if err != nil {
		t.Fatal(err)
	}
	a, b := startServer(t, url), startServer(t, url)
	first := apptest.DialClient(t, "http://"+a.addr, client.Options{})
	start, err := first.State(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var streams []*apptest.Stream
	for _, s := range []*server{a, b} {
		st := apptest.NewStream(t)
		apptest.DialClient(t, "http://"+s.addr, client.Options{OnEvent: st.Add, Since: start.Seq, Epoch: start.Epoch})
		streams = append(streams, st)
	}
	ctx, cancel := context.WithCancel(context.Background())
	writers := startWriters(t, ctx, "http://"+a.addr, "http://"+b.addr)
	time.Sleep(500 * time.Millisecond)
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second)
	cancel()
	time.Sleep(200 * time.Millisecond)
	for i, w := range writers {
		w.mu.Lock()
		t.Logf("writer %d: %d acked, errors %v, %d others", i, len(w.acked), w.errors, len(w.other))
		for code, n := range w.errors {
			// Fast writers meet the per-connection rate limit too.
			if code != models.CodeUnavailable && code != protocol.CodeRateLimited {
				t.Errorf("writer %d got %d × %s, want only unavailable", i, n, code)
			}
		}
		// The instances stayed up: every create had an answer, in time,
		// on the same connection.
		if len(w.other) > 0 {
			t.Errorf("writer %d: %d creates failed without an error reply, the first: %v", i, len(w.other), w.other[0])
		}
		if len(w.acked) == 0 {
			t.Errorf("writer %d: no create was acked", i)
		}
		w.mu.Unlock()
	}
	// After the restart, one more change; both listeners reach it with no gap.
	after := apptest.DialClient(t, "http://"+b.addr, client.Options{})
	var seq int64
	for range 50 {
		if _, seq, err = after.IncrementScore(context.Background(), 1, 1); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	var state models.State
	if state, err = after.State(context.Background()); err != nil {
		t.Fatal(err)
	}
	// No acked create was lost in the restart.
	kept := map[int64]string{}
	for _, it := range state.Items {
		kept[it.ID] = it.Name
	}
	for i, w := range writers {
		w.mu.Lock()
		for id, name := range w.acked {
			if kept[id] != name {
				t.Errorf("writer %d: acked item %d %q is not in the state", i, id, name)
			}
		}
		w.mu.Unlock()
	}
	for _, st := range streams {
		evs := st.WaitSeq(seq)
		apptest.RequireConsecutive(t, evs, start.Seq+1, seq)
		view := apptest.NewView(start)
		for _, ev := range evs {
			view.ApplyEvent(t, ev)
		}
		view.RequireState(t, state)
	}
}

// nginxConfig fills in deploy/nginx.conf, the file docs/OPERATIONS.md shows.
func nginxConfig(t *testing.T, dir, listen string, a, b string) string {
	raw, err := os.ReadFile("../deploy/nginx.conf")
	if err != nil {
		t.Fatal(err)
	}
	docs, err := os.ReadFile("../docs/OPERATIONS.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(docs), string(raw)) {
		t.Fatal("docs/OPERATIONS.md does not show deploy/nginx.conf as it is")
	}
	conf := strings.NewReplacer("{{DIR}}", dir, "{{LISTEN}}", listen, "{{INSTANCE_A}}", a, "{{INSTANCE_B}}", b).Replace(string(raw))
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// needNginx skips the test without Debian's nginx, or fails it when the
// PostgreSQL tests are required (.ci/run).
func needNginx(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(nginxPath); err != nil {
		if os.Getenv("LIVEDASH_POSTGRES") == "required" {
			t.Fatal("nginx is required for the cluster tests: install Debian's nginx")
		}
		t.Skip("nginx not installed")
	}
}

const nginxPath = "/usr/sbin/nginx"

// startNginx runs nginx with deploy/nginx.conf in front of instances a and
// b, waits until it proxies, and returns its loopback address. The port
// was free a moment before nginx binds it; if another process (another
// package's test server) took it meanwhile, nginx fails to bind, and
// whoever answers there is not nginx: that try ends and the next one
// takes a new port.
func startNginx(t *testing.T, a, b string) string {
	t.Helper()
	var why string
	for range 3 {
		listen := freeAddr(t)
		ok, msg := tryNginx(t, listen, a, b)
		if ok {
			return listen
		}
		why = msg
	}
	t.Fatalf("nginx did not proxy in 3 tries; the last: %s", why)
	return ""
}

// tryNginx starts nginx on listen and reports whether it proxies from a
// socket it holds; on failure, nginx is stopped and msg says why.
func tryNginx(t *testing.T, listen, a, b string) (ok bool, msg string) {
	t.Helper()
	dir := t.TempDir()
	_, portText, _ := net.SplitHostPort(listen)
	port, err := strconv.Atoi(portText)
	if err != nil {
		t.Fatal(err)
	}
	conf := nginxConfig(t, dir, listen, a, b)
	cmd := exec.Command(nginxPath, "-c", conf, "-p", dir)
	// A file, not a pipe: a worker outliving its master must not hold
	// Wait; and a group of its own, so cleanup kills the workers too.
	outFile, err := os.Create(filepath.Join(dir, "stdout.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer outFile.Close()
	cmd.Stdout, cmd.Stderr = outFile, outFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	stop := func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); <-exited }
	t.Cleanup(stop)
	logs := func() string {
		log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
		out, _ := os.ReadFile(filepath.Join(dir, "stdout.log"))
		return string(out) + string(log)
	}
	proxy := "http://" + listen
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case <-exited:
			return false, fmt.Sprintf("nginx on %s exited at start-up:\n%s", listen, logs())
		default:
		}
		c, err := client.Dial(context.Background(), proxy, client.Options{})
		if err == nil {
			c.Close()
			// The master holds the listening socket (daemon off).
			if held, err := procnet.ListensOn(cmd.Process.Pid, port); err != nil || held {
				if err != nil {
					t.Fatal(err)
				}
				return true, ""
			}
			// Another process answered: nginx exits once its bind fails.
		}
		if time.Now().After(deadline) {
			stop()
			return false, fmt.Sprintf("nginx on %s did not proxy: %v\n%s", listen, err, logs())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// A port that another livedash took before nginx could bind it is not
// taken for nginx's, though a dashboard connects there.
func TestNginxNotMistakenForAServerOnItsPort(t *testing.T) {
	needNginx(t)
	stranger := startServer(t, filepath.Join(t.TempDir(), "livedash.db"))
	ok, msg := tryNginx(t, stranger.addr, stranger.addr, stranger.addr)
	if ok || !strings.Contains(msg, "exited at start-up") {
		t.Fatalf("nginx on a port livedash holds: ok %v, %q; want its exit", ok, msg)
	}
}

// Dashboards connected through nginx reconnect through it to the other
// instance when theirs is killed, and resume with nothing lost or repeated.
func TestClusterBehindNginx(t *testing.T) {
	needNginx(t)
	url := pgtest.StartPostgres(t)
	a, b := startServer(t, url), startServer(t, url)
	proxy := "http://" + startNginx(t, a.addr, b.addr)
	var streams []*apptest.Stream
	var dashboards []*client.Client
	for i := range 4 {
		st := apptest.NewStream(t)
		streams = append(streams, st)
		dashboards = append(dashboards, apptest.DialClient(t, proxy, client.Options{ClientID: fmt.Sprintf("dash-%d", i), OnEvent: st.Add,
			MinDelay: 50 * time.Millisecond, MaxDelay: 500 * time.Millisecond}))
	}
	ctx := context.Background()
	writer := dashboards[0]
	var firstSeq, seq int64
	var err error
	for i := range 10 {
		if _, seq, err = writer.IncrementScore(ctx, 1, 1); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			firstSeq = seq
		}
	}
	var reconnected atomic.Int64
	a.kill()
	// Calls may fail while their connection is gone; each retries under its
	// request id, so it applies once.
	for i := range 10 {
		rctx := client.WithRequestID(ctx, fmt.Sprintf("after-kill-%d", i))
		for try := 0; ; try++ {
			cctx, cancel := context.WithTimeout(rctx, 5*time.Second)
			_, seq, err = writer.IncrementScore(cctx, 2, 1)
			cancel()
			if err == nil {
				break
			}
			if try > 50 {
				t.Fatalf("increment %d after the kill: %v", i, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	for i, st := range streams {
		evs := st.WaitSeq(seq)
		apptest.RequireConsecutive(t, evs, evs[0].Seq, seq)
		if evs[0].Seq > firstSeq {
			t.Fatalf("dashboard %d missed the start", i)
		}
		if st.Count(protocol.TypeWelcome) > 1 {
			reconnected.Add(1)
		}
	}
	if reconnected.Load() == 0 {
		t.Fatal("no dashboard reconnected: were they all on B?")
	}
	state, err := dashboards[1].State(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range state.Scores {
		if sc.ID == 2 && sc.Points != 35+10 {
			t.Fatalf("score 2 has %d points, want %d: a retried increment applied twice or not at all", sc.Points, 35+10)
		}
	}
	t.Logf("%d of %d dashboards reconnected through nginx to the other instance", reconnected.Load(), len(streams))
}
