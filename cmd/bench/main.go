// Command bench is `make bench`: it builds the server and cmd/loadgen, runs
// each standard scenario (writes, fan-out, crowd, reads, crowd-20k) against a fresh
// server process on a fresh temporary database, stops it, and prints one
// table of what was measured next to the targets. With --peer it runs the
// Node yardstick (../shared/peer) beside livedash instead, under the same
// loads, and prints one table of ratios. Everything stays on 127.0.0.1 and
// the whole run is bounded in time. See docs/BENCHMARKS.md.
package main

import (
	"livedash/internal/cliflags"

	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

const usageText = `bench: run livedash's benchmark scenarios, each against a fresh server on a
fresh temporary database, and print one table with the targets.

Usage: go run ./cmd/bench [flags]                       (make bench)
       go run ./cmd/bench --peer ../shared/peer [flags]  (make bench-peer)

`

type config struct {
	Repo     string
	Go       string
	Only     string
	Duration time.Duration
	Timeout  time.Duration
	Keep     string
	Profile  string
	Trace    string
	JSON     bool
	Strict   bool
	// Peer is the Node yardstick's source directory: when set, its
	// scenarios run against it and a fresh livedash in turn.
	Peer      string
	PeerCache string // where the yardstick is copied and built (npm ci), outside the repository
	Pin       bool   // server on CPU 0, loadgen on CPU 1 (taskset)
	// Probes is a directory: only probe the machine (fsync there, and
	// the CPU loop), print the line and exit (scripts/bench-cluster.sh).
	Probes string
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := cliflags.New("bench", usageText, stderr)
	goBin := os.Getenv("GO")
	if goBin == "" {
		goBin = "go"
	}
	fs.StringVar(&c.Repo, "repo", ".", "the livedash module to build (its root directory)")
	fs.StringVar(&c.Go, "go", goBin, "go command used to build (default: $GO, else go)")
	fs.StringVar(&c.Only, "only", "", "comma-separated scenarios to run (writes, fan-out, crowd, reads, crowd-20k); default all")
	fs.DurationVar(&c.Duration, "duration", 10*time.Second, "how long the writers (and readers) send in each scenario")
	fs.DurationVar(&c.Timeout, "timeout", 8*time.Minute, "hard limit for the whole benchmark, builds included")
	fs.StringVar(&c.Keep, "keep", "", "keep the server logs, loadgen's stderr and JSON reports, and summary.json in this directory (default: a temporary one, removed)")
	fs.StringVar(&c.Profile, "profile", "", "save a CPU profile of each server while its writers send, as <dir>/<scenario>.cpu.pprof, then its heap profile and /metrics (.heap.pprof, .metrics.txt)")
	fs.StringVar(&c.Trace, "trace", "", "save a runtime trace of each server while its writers send, as <dir>/<scenario>.trace (go tool trace)")
	fs.BoolVar(&c.JSON, "json", false, "print the results as JSON instead of the table")
	fs.BoolVar(&c.Strict, "strict", false, "exit with status 2 when a target is missed, too")
	fs.StringVar(&c.Peer, "peer", "", "the Node yardstick's directory (../shared/peer): run its scenarios (crowd, writes, fan-out) against it and livedash, and print their ratios")
	fs.StringVar(&c.PeerCache, "peer-cache", defaultPeerCache(), "with --peer: where its copy is built with npm ci and kept for the next run (outside the repository)")
	fs.BoolVar(&c.Pin, "pin", false, "pin each server to CPU 0 and loadgen to CPU 1 with taskset (default with --peer)")
	fs.StringVar(&c.Probes, "probes", "", "only probe the machine (fsync of 4 KiB appends to a file in this directory, and a fixed CPU loop), print the result and exit")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if c.Peer != "" {
		if !set["pin"] {
			c.Pin = true
		}
		// A first run builds the yardstick's better-sqlite3: minutes.
		if !set["timeout"] {
			c.Timeout = 20 * time.Minute
		}
	}
	switch {
	case fs.NArg() > 0:
		return c, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	case c.Duration < time.Second || c.Duration > 2*time.Minute:
		return c, errors.New("--duration must be in [1s, 2m]")
	case c.Timeout <= 0 || c.Timeout > 30*time.Minute:
		return c, errors.New("--timeout must be in (0, 30m]")
	case c.Peer != "" && c.PeerCache == "":
		return c, errors.New("--peer needs --peer-cache (no user cache directory)")
	case c.Peer != "" && (c.Profile != "" || c.Trace != ""):
		return c, errors.New("--profile and --trace are for livedash alone: not with --peer")
	}
	if _, err := selectScenarios(c.scenarios(), c.Only); err != nil {
		return c, err
	}
	return c, nil
}

// scenarios are the ones this mode runs.
func (c config) scenarios() []scenario {
	if c.Peer != "" {
		return peerScenarios(c.Duration)
	}
	return scenarios(c.Duration)
}

func main() {
	os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr, realHooks()))
}

// hooks are the parts of a run that the tests replace with fakes.
type hooks struct {
	// build compiles the server and loadgen into dir.
	build func(ctx context.Context, goBin, repo, dir string, log io.Writer) (server, loadgen string, err error)
	// syncDisks writes every dirty page of the machine to disk.
	syncDisks func()
	// peer makes the yardstick runnable (a built copy outside the
	// repository) and says how to start it.
	peer func(ctx context.Context, src, cache, repo string, log io.Writer) (serverCmd, error)
}

func realHooks() hooks {
	return hooks{build: build, syncDisks: syscall.Sync, peer: preparePeer}
}

// Exit codes: 0 every scenario ran to completion (the targets are goals:
// missing one is reported, not a failure, unless --strict); 1 the benchmark
// could not run (flags, build); 2 a scenario did not run or was incomplete
// (cut short, a seq check, an error, an unanswered mutation, a load sent
// far below its rate), or with --strict a target was missed.
func realMain(args []string, stdout, stderr io.Writer, h hooks) int {
	cfg, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	if cfg.Probes != "" {
		p := runProbes(cfg.Probes)
		fmt.Fprintln(stdout, "probes:", p)
		if p.FsyncErr != "" {
			return 1
		}
		return 0
	}
	ctx, cancel := context.WithTimeout(context.Background(), cfg.Timeout)
	defer cancel()
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	rep, err := run(ctx, cfg, h, &lockedWriter{w: stderr})
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	rows := rep.Rows
	var out any = rows
	if cfg.Peer != "" {
		out = rep
	}
	switch {
	case cfg.JSON:
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			fmt.Fprintln(stderr, "bench:", err)
			return 1
		}
	case cfg.Peer != "":
		writePeerReport(stdout, rep)
	default:
		writeTable(stdout, rows)
	}
	for _, r := range rows {
		if r.Problem != "" || cfg.Strict && !r.Met {
			return 2
		}
	}
	return 0
}

// report is a whole run: the rows, and with --peer the machine's probes.
type report struct {
	Date   string  `json:"date"`
	Pinned bool    `json:"pinned"` // server on CPU 0, loadgen on CPU 1
	Node   string  `json:"node,omitempty"`
	Probes *probes `json:"probes,omitempty"`
	Rows   []row   `json:"rows"`
}

// row is one scenario's outcome against one server.
type row struct {
	Scenario   string       `json:"scenario"`
	Server     string       `json:"server"` // livedash, or node (the yardstick)
	Load       string       `json:"load"`
	Result     *lgResult    `json:"loadgen,omitempty"`
	LoadgenRC  int          `json:"loadgen_exit"` // loadgen's exit status: 2 when its own checks failed
	Window     *cpuWindow   `json:"window,omitempty"`
	ServerCPUS float64      `json:"server_cpu_s"`  // the server's CPU seconds during the loadgen run
	OtherCPUS  float64      `json:"other_cpu_s"`   // CPU seconds of the rest of the machine meanwhile (not server, not loadgen)
	Net        *netCounters `json:"net,omitempty"` // the machine's TCP loss counters during the loadgen run
	WallS      float64      `json:"wall_s"`        // the loadgen run's wall time
	Verdicts   []verdict    `json:"verdicts"`
	Met        bool         `json:"met"`     // every target met, and the run complete
	Problem    string       `json:"problem"` // why the run is incomplete or did not happen
	Profile    string       `json:"profile,omitempty"`
}

func run(ctx context.Context, cfg config, h hooks, log io.Writer) (*report, error) {
	all, _ := selectScenarios(cfg.scenarios(), cfg.Only)
	rep := &report{Date: time.Now().UTC().Format("2006-01-02 15:04 UTC")}
	dir := cfg.Keep
	if dir == "" {
		tmp, err := os.MkdirTemp("", "livedash-bench-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	for _, d := range []string{cfg.Profile, cfg.Trace} {
		if d == "" {
			continue
		}
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	// Binaries and databases always go to a temporary directory.
	work, err := os.MkdirTemp("", "livedash-bench-work-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)

	need := 0
	for _, s := range all {
		need = max(need, s.Conns)
	}
	limit, fdErr := raiseFDLimit(need + 256)
	fmt.Fprintf(log, "bench: open-files limit %d\n", limit)

	var pin pinning
	if cfg.Pin {
		if pin, err = cpuPinning(); err != nil {
			return nil, err
		}
		rep.Pinned = true
		fmt.Fprintf(log, "bench: servers pinned with %q, loadgen with %q\n", strings.Join(pin.server, " "), strings.Join(pin.load, " "))
	}
	bin, lg, err := h.build(ctx, cfg.Go, cfg.Repo, work, log)
	if err != nil {
		return nil, err
	}
	servers := []serverCmd{livedashCmd(bin)}
	if cfg.Peer != "" {
		peer, err := h.peer(ctx, cfg.Peer, cfg.PeerCache, cfg.Repo, log)
		if err != nil {
			return nil, fmt.Errorf("the yardstick (--peer %s): %w", cfg.Peer, err)
		}
		servers = append(servers, peer)
		rep.Node = peer.Version
		// Probes after the builds, so that they see the machine as the
		// scenarios will.
		p := runProbes(work)
		rep.Probes = &p
		fmt.Fprintf(log, "bench: probes: %s\n", p)
	}

	for _, s := range all {
		if fdErr != nil && uint64(s.Conns+256) > limit && s.Shrink && limit > 1256 {
			s = s.shrunk(int(limit) - 256)
		}
		// The servers take turns, scenario by scenario, so that a busy
		// spell on the machine falls on both rather than on one.
		for _, srv := range servers {
			tag := s.Name
			if cfg.Peer != "" {
				tag = s.Name + "-" + srv.Name
			}
			r := row{Scenario: s.Name, Server: srv.Name, Load: s.Load}
			// A server's graceful stop can take up to 15 s.
			budget := s.deadline(cfg.Duration) + 20*time.Second
			switch dl, ok := ctx.Deadline(); {
			case ctx.Err() != nil:
				r.Problem = "not run: " + context.Cause(ctx).Error()
			case ok && time.Until(dl) < budget:
				r.Problem = fmt.Sprintf("not run: less than %s left of --timeout", budget.Round(time.Second))
			case fdErr != nil && uint64(s.Conns+256) > limit:
				r.Problem = "not run: " + fdErr.Error()
			default:
				runScenario(ctx, cfg, h, run1{s: s, srv: srv, pin: pin, lg: lg, work: work, dir: dir, tag: tag}, &r, log)
			}
			rep.Rows = append(rep.Rows, r)
			fmt.Fprintf(log, "bench: %s: %s\n", tag, r.summary())
		}
	}
	if cfg.Keep != "" {
		var v any = rep.Rows
		if cfg.Peer != "" {
			v = rep
		}
		if b, err := json.MarshalIndent(v, "", "  "); err == nil {
			_ = os.WriteFile(filepath.Join(dir, "summary.json"), append(b, '\n'), 0o644)
		}
		fmt.Fprintf(log, "bench: logs and reports kept in %s\n", dir)
	}
	return rep, nil
}

// run1 is what one scenario against one server needs.
type run1 struct {
	s         scenario
	srv       serverCmd
	pin       pinning
	lg        string // loadgen binary
	work, dir string // databases; logs and reports
	tag       string // the scenario's name, and the server's with --peer: names its files
}

// runScenario starts a fresh server, runs loadgen against it, stops the
// server and judges the result into r.
func runScenario(ctx context.Context, cfg config, h hooks, u run1, r *row, log io.Writer) {
	s, dir := u.s, u.dir
	db := filepath.Join(u.work, u.tag+".db")
	// The previous scenario's files (its server log: 20,000 lines for the
	// crowd; profiles, traces, binaries) are dirty pages the kernel writes
	// back 30 s later, in the middle of this run. On ext4 a commit's fsync
	// then waits for that writeback too: a fan-out run right after the
	// crowd had its commits, acks and deliveries held up for 0.2-0.5 s.
	// Flush them now, so every scenario starts with a quiet disk.
	t := time.Now()
	h.syncDisks()
	fmt.Fprintf(log, "bench: %s: flushed dirty pages in %.2fs\n", u.tag, time.Since(t).Seconds())
	fmt.Fprintf(log, "bench: %s: starting a fresh %s on %s\n", u.tag, u.srv.Name, db)
	srv, err := startServer(ctx, u.srv, u.pin.server, db, filepath.Join(dir, u.tag+".server.log"), cfg.Profile != "" || cfg.Trace != "")
	if err != nil {
		r.Problem = err.Error()
		return
	}
	defer func() {
		d := srv.stop(20 * time.Second)
		fmt.Fprintf(log, "bench: %s: server stopped in %.1fs\n", u.tag, d.Seconds())
		for _, suffix := range []string{"", "-wal", "-shm"} {
			_ = os.Remove(db + suffix)
		}
	}()

	var onWriting func()
	profileDone := make(chan error, 1)
	if cfg.Profile != "" {
		r.Profile = filepath.Join(cfg.Profile, s.Name+".cpu.pprof")
		secs := max(int(cfg.Duration/time.Second)-1, 1)
		onWriting = func() {
			go func() {
				err := fetchProfile(ctx, srv.pprof, secs, r.Profile)
				// Then, with every connection still open: the heap, and the
				// server's metrics (stack and heap in use, for memory per
				// connection).
				base := strings.TrimSuffix(r.Profile, ".cpu.pprof")
				if err := fetchTo(ctx, "http://"+srv.pprof+"/debug/pprof/heap", 10*time.Second, base+".heap.pprof"); err != nil {
					fmt.Fprintf(log, "bench: %s: heap profile: %v\n", s.Name, err)
				}
				if err := fetchTo(ctx, "http://"+srv.addr+"/metrics", 10*time.Second, base+".metrics.txt"); err != nil {
					fmt.Fprintf(log, "bench: %s: metrics: %v\n", s.Name, err)
				}
				profileDone <- err
			}()
		}
	}
	traceDone := make(chan struct{})
	if cfg.Trace != "" {
		path := filepath.Join(cfg.Trace, s.Name+".trace")
		secs := int(cfg.Duration / time.Second)
		profiling := onWriting
		onWriting = func() {
			if profiling != nil {
				profiling()
			}
			go func() {
				defer close(traceDone)
				url := fmt.Sprintf("http://%s/debug/pprof/trace?seconds=%d", srv.pprof, secs)
				if err := fetchTo(ctx, url, time.Duration(secs+15)*time.Second, path); err != nil {
					fmt.Fprintf(log, "bench: %s: trace: %v\n", s.Name, err)
					return
				}
				fmt.Fprintf(log, "bench: %s: runtime trace in %s\n", s.Name, path)
			}()
		}
	} else {
		close(traceDone)
	}
	fmt.Fprintf(log, "bench: %s: %s (%s %s, pid %d)\n", u.tag, s.Load, u.srv.Name, srv.addr, srv.pid())
	cpu0, _ := cpuSeconds(srv.pid())
	all0, allErr := machineCPU()
	net0, netErr := readNetCounters()
	start := time.Now()
	lgArgs := append(s.loadgenArgs(srv.addr, srv.pid(), cfg.Duration), "--timeline", filepath.Join(dir, u.tag+".timeline.csv"))
	// The CPU window: from the writers' start to the delivery of the last
	// acked mutation (loadgen's progress lines), without the ramp before
	// and the final control connection after.
	var win windowMeter
	marks := []mark{
		{line: markWriting, fn: func(lgPid int) {
			win.begin(srv.pid(), lgPid)
			if onWriting != nil {
				onWriting()
			}
		}},
		{line: markDelivered, fn: func(lgPid int) { win.end(srv.pid(), lgPid) }},
	}
	res, rc, err := runLoadgen(ctx, append(slices.Clone(u.pin.load), u.lg), lgArgs,
		filepath.Join(dir, u.tag+".loadgen.log"), s.deadline(cfg.Duration)+10*time.Second, marks)
	r.WallS = time.Since(start).Seconds()
	r.LoadgenRC = rc
	r.Window = win.result()
	select {
	case <-traceDone:
	case <-time.After(30 * time.Second):
	}
	if cpu1, err := cpuSeconds(srv.pid()); err == nil {
		r.ServerCPUS = cpu1 - cpu0
	}
	all1, allErr1 := machineCPU()
	if net1, err := readNetCounters(); err == nil && netErr == nil {
		d := net1.sub(net0)
		r.Net = &d
		fmt.Fprintf(log, "bench: %s: machine TCP during the run: %s\n", u.tag, d)
	}
	if onWriting != nil {
		select {
		case err := <-profileDone:
			if err != nil {
				fmt.Fprintf(log, "bench: %s: profile: %v\n", u.tag, err)
				r.Profile = ""
			} else {
				fmt.Fprintf(log, "bench: %s: CPU profile in %s\n", u.tag, r.Profile)
			}
		case <-time.After(30 * time.Second):
			r.Profile = ""
		}
	}
	if err != nil {
		r.Problem = err.Error()
		return
	}
	r.Result = res
	if allErr == nil && allErr1 == nil {
		r.OtherCPUS = max(all1-all0-r.ServerCPUS-res.LoadgenCPUS, 0)
	}
	if b, err := json.MarshalIndent(res, "", "  "); err == nil {
		_ = os.WriteFile(filepath.Join(dir, u.tag+".json"), append(b, '\n'), 0o644)
	}
	judge(s, r)
}

// judge fills r's verdicts. A run that was cut short, could not open every
// connection, failed loadgen's own checks (a gap, a duplicate, an error, an
// unanswered mutation: loadgen's exit status 2) or sent far less than its
// offered rate is incomplete: it meets nothing, whatever its figures.
func judge(s scenario, r *row) {
	res := r.Result
	var problems []string
	if res.Aborted != "" {
		problems = append(problems, "run aborted ("+res.Aborted+")")
	}
	if res.ConnsFailed > 0 {
		problems = append(problems, fmt.Sprintf("%d connections failed", res.ConnsFailed))
	}
	if res.Disconnects > 0 {
		problems = append(problems, fmt.Sprintf("%d connections dropped", res.Disconnects))
	}
	if n := seqProblems(res); n > 0 || !res.CheckOK {
		problems = append(problems, fmt.Sprintf("seq check failed: %s", seqDetail(res)))
	}
	if res.ErrorsTotal > 0 {
		problems = append(problems, fmt.Sprintf("%d errors (%s)", res.ErrorsTotal, countsText(res.Errors)))
	}
	if n := res.MutationsSent - res.MutationsAcked - res.MutationsFailed; n > 0 {
		problems = append(problems, fmt.Sprintf("%d mutations unanswered", n))
	}
	if res.Rate > 0 && res.SentPerS < minAchieved*res.Rate {
		problems = append(problems, fmt.Sprintf("sent %s of the %s offered: the load generator fell behind, and its latencies leave out the wait (docs/BENCHMARKS.md, coordinated omission)",
			fmtNum(res.SentPerS, "/s"), fmtNum(res.Rate, "/s")))
	}
	if r.LoadgenRC != 0 {
		problems = append(problems, fmt.Sprintf("loadgen exit status %d", r.LoadgenRC))
	}
	r.Problem = strings.Join(problems, ", ")
	r.Met = r.Problem == ""
	for _, t := range s.Targets {
		v := t.judge(res)
		r.Verdicts = append(r.Verdicts, v)
		r.Met = r.Met && v.Met
	}
}

// minAchieved is the share of an open-loop scenario's offered rate that
// loadgen must actually send for its latencies to describe that load:
// loadgen skips ahead rather than bursting when it falls behind, so a run
// that sent less measured a lighter load than it names.
const minAchieved = 0.9

func (r row) summary() string {
	var parts []string
	if r.Problem != "" {
		parts = append(parts, r.Problem)
	}
	for _, v := range r.Verdicts {
		parts = append(parts, v.Text)
	}
	if len(parts) == 0 {
		return "done (no targets)"
	}
	return strings.Join(parts, "; ")
}

// lockedWriter serialises writes from the scenario and its profile fetches.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
