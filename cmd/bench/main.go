// Command bench is `make bench`: it builds the server and cmd/loadgen, runs
// each standard scenario (writes, fan-out, crowd, reads, crowd-20k) against a fresh
// server process on a fresh temporary database, stops it, and prints one
// table of what was measured next to the targets. Everything stays on
// 127.0.0.1 and the whole run is bounded in time. See docs/BENCHMARKS.md.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

const usageText = `bench: run livedash's benchmark scenarios, each against a fresh server on a
fresh temporary database, and print one table with the targets.

Usage: go run ./cmd/bench [flags]     (make bench)

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
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usageText)
		fs.PrintDefaults()
	}
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
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	switch {
	case fs.NArg() > 0:
		return c, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	case c.Duration < time.Second || c.Duration > 2*time.Minute:
		return c, errors.New("--duration must be in [1s, 2m]")
	case c.Timeout <= 0 || c.Timeout > 30*time.Minute:
		return c, errors.New("--timeout must be in (0, 30m]")
	}
	if _, err := selectScenarios(scenarios(c.Duration), c.Only); err != nil {
		return c, err
	}
	return c, nil
}

func main() {
	os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr))
}

// Exit codes: 0 every scenario ran to completion (the targets are goals:
// missing one is reported, not a failure, unless --strict); 1 the benchmark
// could not run (flags, build); 2 a scenario did not run or was incomplete,
// or with --strict a target was missed.
func realMain(args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), cfg.Timeout)
	defer cancel()
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	rows, err := run(ctx, cfg, &lockedWriter{w: stderr})
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	if cfg.JSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rows); err != nil {
			fmt.Fprintln(stderr, "bench:", err)
			return 1
		}
	} else {
		writeTable(stdout, rows)
	}
	for _, r := range rows {
		if r.Problem != "" || cfg.Strict && !r.Met {
			return 2
		}
	}
	return 0
}

// row is one scenario's outcome.
type row struct {
	Scenario   string       `json:"scenario"`
	Load       string       `json:"load"`
	Result     *lgResult    `json:"loadgen,omitempty"`
	ServerCPUS float64      `json:"server_cpu_s"`  // the server's CPU seconds during the loadgen run
	OtherCPUS  float64      `json:"other_cpu_s"`   // CPU seconds of the rest of the machine meanwhile (not server, not loadgen)
	Net        *netCounters `json:"net,omitempty"` // the machine's TCP loss counters during the loadgen run
	WallS      float64      `json:"wall_s"`        // the loadgen run's wall time
	Verdicts   []verdict    `json:"verdicts"`
	Met        bool         `json:"met"`     // every target met, and the run complete
	Problem    string       `json:"problem"` // why the run is incomplete or did not happen
	Profile    string       `json:"profile,omitempty"`
}

// buildBinaries is build; tests replace it.
var buildBinaries = build

// syncDisks writes every dirty page of the machine to disk; tests replace it.
var syncDisks = syscall.Sync

func run(ctx context.Context, cfg config, log io.Writer) ([]row, error) {
	all, _ := selectScenarios(scenarios(cfg.Duration), cfg.Only)
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

	bin, lg, err := buildBinaries(ctx, cfg.Go, cfg.Repo, work, log)
	if err != nil {
		return nil, err
	}

	var rows []row
	for _, s := range all {
		if fdErr != nil && uint64(s.Conns+256) > limit && s.Shrink && limit > 1256 {
			s = s.shrunk(int(limit) - 256)
		}
		r := row{Scenario: s.Name, Load: s.Load}
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
			runScenario(ctx, cfg, s, bin, lg, work, dir, &r, log)
		}
		rows = append(rows, r)
		fmt.Fprintf(log, "bench: %s: %s\n", s.Name, r.summary())
	}
	if cfg.Keep != "" {
		if b, err := json.MarshalIndent(rows, "", "  "); err == nil {
			_ = os.WriteFile(filepath.Join(dir, "summary.json"), append(b, '\n'), 0o644)
		}
		fmt.Fprintf(log, "bench: logs and reports kept in %s\n", dir)
	}
	return rows, nil
}

// runScenario starts a fresh server, runs loadgen against it, stops the
// server and judges the result into r.
func runScenario(ctx context.Context, cfg config, s scenario, bin, lg, work, dir string, r *row, log io.Writer) {
	db := filepath.Join(work, s.Name+".db")
	// The previous scenario's files (its server log: 20,000 lines for the
	// crowd; profiles, traces, binaries) are dirty pages the kernel writes
	// back 30 s later, in the middle of this run. On ext4 a commit's fsync
	// then waits for that writeback too: a fan-out run right after the
	// crowd had its commits, acks and deliveries held up for 0.2-0.5 s.
	// Flush them now, so every scenario starts with a quiet disk.
	t := time.Now()
	syncDisks()
	fmt.Fprintf(log, "bench: %s: flushed dirty pages in %.2fs\n", s.Name, time.Since(t).Seconds())
	fmt.Fprintf(log, "bench: %s: starting a fresh server on %s\n", s.Name, db)
	srv, err := startServer(ctx, bin, db, filepath.Join(dir, s.Name+".server.log"), cfg.Profile != "" || cfg.Trace != "")
	if err != nil {
		r.Problem = err.Error()
		return
	}
	defer func() {
		d := srv.stop(20 * time.Second)
		fmt.Fprintf(log, "bench: %s: server stopped in %.1fs\n", s.Name, d.Seconds())
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
	fmt.Fprintf(log, "bench: %s: %s (server %s, pid %d)\n", s.Name, s.Load, srv.addr, srv.pid())
	cpu0, _ := cpuSeconds(srv.pid())
	all0, allErr := machineCPU()
	net0, netErr := readNetCounters()
	start := time.Now()
	lgArgs := append(s.loadgenArgs(srv.addr, srv.pid(), cfg.Duration), "--timeline", filepath.Join(dir, s.Name+".timeline.csv"))
	res, err := runLoadgen(ctx, lg, lgArgs,
		filepath.Join(dir, s.Name+".loadgen.log"), s.deadline(cfg.Duration)+10*time.Second, onWriting)
	r.WallS = time.Since(start).Seconds()
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
		fmt.Fprintf(log, "bench: %s: machine TCP during the run: %s\n", s.Name, d)
	}
	if onWriting != nil {
		select {
		case err := <-profileDone:
			if err != nil {
				fmt.Fprintf(log, "bench: %s: profile: %v\n", s.Name, err)
				r.Profile = ""
			} else {
				fmt.Fprintf(log, "bench: %s: CPU profile in %s\n", s.Name, r.Profile)
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
		_ = os.WriteFile(filepath.Join(dir, s.Name+".json"), append(b, '\n'), 0o644)
	}
	judge(s, r)
}

// judge fills r's verdicts; a run that was cut short or could not open
// every connection meets nothing.
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
	r.Problem = strings.Join(problems, ", ")
	r.Met = r.Problem == ""
	for _, t := range s.Targets {
		v := t.judge(res)
		r.Verdicts = append(r.Verdicts, v)
		r.Met = r.Met && v.Met
	}
}

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
