package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The test binary doubles as a fake server and a fake loadgen (BENCH_FAKE=1),
// so the whole benchmark, processes and all, runs in the tests without
// building or loading the real ones.
func TestMain(m *testing.M) {
	if os.Getenv("BENCH_FAKE") == "1" {
		if slices.Contains(os.Args, "--db") {
			os.Exit(fakeServer(os.Args[1:]))
		}
		os.Exit(fakeLoadgen(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// fakeServer answers /healthz on --addr until SIGTERM, and records that it
// was stopped gracefully, with its flags and the CPUs it may run on, in
// <db>.stopped. With --peer-fake it plays the yardstick: /healthz says
// "node". GET /burn?ms=N spins until the process has used N ms more CPU.
func fakeServer(args []string) int {
	fs := flag.NewFlagSet("fake-server", flag.ContinueOnError)
	addr := fs.String("addr", "", "")
	db := fs.String("db", "", "")
	peer := fs.Bool("peer-fake", false, "")
	fs.String("synchronous", "", "")
	fs.String("rate", "", "")
	fs.String("burst", "", "")
	fs.String("pprof-addr", "", "")
	if err := fs.Parse(args); err != nil {
		return 1
	}
	if err := os.WriteFile(*db, []byte("db"), 0o644); err != nil {
		return 1
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return 1
	}
	kind := "livedash"
	if *peer {
		kind = "node"
	}
	go func() {
		_ = http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/burn" {
				ms, _ := strconv.Atoi(r.URL.Query().Get("ms"))
				burnCPU(time.Duration(ms) * time.Millisecond)
			}
			io.WriteString(w, "ok "+kind)
		}))
	}()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	_ = os.WriteFile(*db+".stopped", []byte(strings.Join(args, " ")+"\ncpus "+allowedCPUs()), 0o644)
	return 0
}

// burnCPU spins until this process has used d more CPU time.
func burnCPU(d time.Duration) {
	used := func() time.Duration {
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	end := used() + d
	x := uint64(1)
	for used() < end {
		for range 10000 {
			x = x*6364136223846793005 + 1
		}
	}
	_ = x
}

// allowedCPUs is this process's Cpus_allowed_list (which taskset sets).
func allowedCPUs() string {
	b, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "Cpus_allowed_list:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}

// fakeLoadgen checks that the server it is pointed at answers and that its
// --pid is alive, then reports made-up results per scenario and per server
// (which /healthz names). Between its "sending for" and "delivered" lines
// it has the server burn CPU (twice as much for livedash as for node), and
// burns some of its own. BENCH_FAKE_RC=N makes it exit N after a clean
// report.
func fakeLoadgen(args []string) int {
	fs := flag.NewFlagSet("fake-loadgen", flag.ContinueOnError)
	addr := fs.String("addr", "", "")
	pid := fs.Int("pid", 0, "")
	name := fs.String("name", "", "")
	fs.Bool("json", false, "")
	rate := fs.String("rate", "", "")
	listeners := fs.String("listeners", "", "")
	for _, f := range []string{"duration", "drain", "deadline", "writers", "depth", "mix", "ramp", "batch", "readers", "timeline", "max-mutations"} {
		fs.String(f, "", "")
	}
	if err := fs.Parse(args); err != nil {
		return 1
	}
	get := func(path string) (string, error) {
		resp, err := http.Get("http://" + *addr + path)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return string(b), err
	}
	health, err := get("/healthz")
	if err != nil {
		fmt.Fprintln(os.Stderr, "fake loadgen:", err)
		return 1
	}
	kind := strings.TrimPrefix(health, "ok ")
	if _, err := os.Stat(fmt.Sprintf("/proc/%d", *pid)); err != nil {
		fmt.Fprintln(os.Stderr, "fake loadgen: no such server pid", *pid)
		return 1
	}
	fmt.Fprintln(os.Stderr, "[loadgen    0.0s] 4 writers sending for 1s (closed loop)")
	burn := map[string]int{"livedash": 200, "node": 100}[kind]
	if _, err := get(fmt.Sprintf("/burn?ms=%d", burn)); err != nil {
		fmt.Fprintln(os.Stderr, "fake loadgen:", err)
		return 1
	}
	burnCPU(50 * time.Millisecond)
	fmt.Fprintln(os.Stderr, "[loadgen    1.0s] delivered: seq 20 acked last; 0 connections short of it after drain")
	fmt.Fprintln(os.Stderr, "[loadgen    1.0s] final seq 20; 0 connections short of it after drain")
	kb := 12.5
	res := map[string]any{"scenario": *name, "conns": 80, "mutations_sent": 1000, "mutations_acked": 1000, "delivery_samples": 1000,
		"acked_per_s": 25000.0, "ack_p99_ms": 10.0, "delivery_p99_ms": 20.0, "deliveries_per_s": 1e6, "deliveries": 200000,
		"rss_per_conn_kb": kb, "check_ok": true, "errors_total": 0, "loadgen_cpu_s": 1.5, "notes": []string{"cpus " + allowedCPUs()}}
	code := 0
	key := *name + "/" + kind + "/" + *rate
	if *name == "writes" {
		key += "/" + *listeners
	}
	switch key {
	case "fan-out/livedash/100": // make bench's fan-out: a hole and a slow delivery
		res["gaps"], res["check_ok"], res["delivery_p99_ms"] = 1, false, 75.0
		code = 2
	case "reads/livedash/200":
		res["reads"], res["reads_per_s"], res["read_p99_ms"] = 5000, 2500.0, 4.0
	case "crowd/node/5":
		res["rss_per_conn_kb"], res["delivery_p50_ms"], res["delivery_p99_ms"] = 6.0, 80.0, 200.0
	case "crowd/livedash/5":
		res["rss_per_conn_kb"], res["delivery_p50_ms"], res["delivery_p99_ms"] = 9.0, 100.0, 400.0
	case "writes/node/0/0":
		res["acked_per_s"] = 1500.0
	case "writes/livedash/0/0": // the peer writes: no listeners but the writers
		res["acked_per_s"] = 4500.0
	case "fan-out/node/50":
		res["delivery_p99_ms"], res["rate"], res["sent_per_s"] = 40.0, 50.0, 49.5
	}
	if rc := os.Getenv("BENCH_FAKE_RC"); rc != "" {
		code, _ = strconv.Atoi(rc)
	}
	_ = json.NewEncoder(os.Stdout).Encode(res)
	return code
}

// fakeHooks build nothing: the test binary is the server and loadgen.
// syncs counts the disk flushes.
func fakeHooks(t *testing.T, syncs *int) (hooks, *string) {
	t.Helper()
	t.Setenv("BENCH_FAKE", "1")
	// Under -race a process sleeps 1 s at exit by default: 2 s per run.
	t.Setenv("GORACE", "atexit_sleep_ms=0")
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var work string
	return hooks{
		build: func(_ context.Context, _, _, dir string, _ io.Writer) (string, string, error) {
			work = dir
			return self, self, nil
		},
		syncDisks: func() { *syncs++ },
		peer: func(_ context.Context, src, _, _ string, _ io.Writer) (serverCmd, error) {
			return serverCmd{Name: "node", Version: "Node fake", Dir: src, Argv: func(addr, db string) []string {
				return []string{self, "--peer-fake", "--addr", addr, "--db", db}
			}}, nil
		},
	}, &work
}

// logKeptLogs logs every *.log kept in dir when the test has failed.
func logKeptLogs(t *testing.T, dir string) {
	t.Helper()
	if !t.Failed() {
		return
	}
	logs, _ := filepath.Glob(filepath.Join(dir, "*.log"))
	for _, l := range logs {
		b, _ := os.ReadFile(l)
		t.Logf("%s:\n%s", filepath.Base(l), b)
	}
}

func TestBenchEndToEndWithFakes(t *testing.T) {
	syncs := 0
	h, work := fakeHooks(t, &syncs)
	keep := t.TempDir()
	prof := t.TempDir()
	var stdout, stderr bytes.Buffer
	// A run that goes wrong is told by its processes' logs.
	t.Cleanup(func() { logKeptLogs(t, keep) })
	code := realMain([]string{"--only", "writes,fan-out,reads", "--duration", "2s", "--keep", keep, "--profile", prof, "--strict"}, &stdout, &stderr, h)
	if code != 2 {
		t.Errorf("exit %d, want 2 (--strict, and fan-out misses its targets)\n%s", code, stderr.String())
	}
	out := stdout.String()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 5 {
		t.Fatalf("want a header, a rule and 3 rows:\n%s\n%s", out, stderr.String())
	}
	for _, want := range []string{
		"INCOMPLETE: seq check failed: 1 gaps, loadgen exit status 2",
		"acked/s >= 20,000/s: 25,000/s, met (1.25x the target)",
		"ack p99 < 25 ms: 10 ms, met (40% of the limit)",
		"delivery p99 < 25 ms: 75 ms, MISSED (3.0x the limit)",
		"no gaps: 1, MISSED (1 instead of 0)",
		"no target (reported)", "2,500",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	// Every server was fresh, stopped with SIGTERM, and its database removed
	// with the work directory.
	if _, err := os.Stat(*work); !os.IsNotExist(err) {
		t.Errorf("work directory %s left behind", *work)
	}
	var rows []row
	b, err := os.ReadFile(filepath.Join(keep, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0].Scenario != "writes" || !rows[0].Met || rows[1].Met || !rows[2].Met {
		t.Errorf("rows: %+v", rows)
	}
	for _, name := range []string{"writes", "fan-out", "reads"} {
		if _, err := os.Stat(filepath.Join(keep, name+".server.log")); err != nil {
			t.Error(err)
		}
		if _, err := os.Stat(filepath.Join(keep, name+".json")); err != nil {
			t.Error(err)
		}
	}
	// Each scenario starts after the previous one's files are on disk.
	if syncs != 3 {
		t.Errorf("dirty pages flushed %d times, want once per scenario (3)", syncs)
	}
	if !strings.Contains(stderr.String(), "server stopped") {
		t.Errorf("no stop reported:\n%s", stderr.String())
	}
}

// A loadgen that exits 2 (its own checks failed) makes the run incomplete
// and bench exit 2, even when its report looks clean and without --strict.
func TestBenchLoadgenExitStatusCounts(t *testing.T) {
	syncs := 0
	h, _ := fakeHooks(t, &syncs)
	t.Setenv("BENCH_FAKE_RC", "2")
	var stdout, stderr bytes.Buffer
	code := realMain([]string{"--only", "writes", "--duration", "1s", "--json"}, &stdout, &stderr, h)
	if code != 2 {
		t.Errorf("exit %d, want 2: loadgen exited 2\n%s", code, stderr.String())
	}
	var rows []row
	if err := json.Unmarshal(stdout.Bytes(), &rows); err != nil {
		t.Fatalf("%v\n%s", err, stdout.String())
	}
	if len(rows) != 1 || rows[0].Met || rows[0].LoadgenRC != 2 || rows[0].Problem != "loadgen exit status 2" {
		t.Errorf("rows: %+v", rows)
	}
}

// --peer runs each peer scenario against livedash and the yardstick in
// turn, pinned apart, and prints their ratios, the machine's probes and
// each run's CPU window.
func TestBenchPeerWithFakes(t *testing.T) {
	syncs := 0
	h, _ := fakeHooks(t, &syncs)
	args := []string{"--peer", t.TempDir(), "--duration", "1s", "--keep", t.TempDir()}
	pinned := true
	if _, err := cpuPinning(); err != nil {
		t.Logf("not pinned: %v", err)
		args, pinned = append(args, "--pin=false"), false
	}
	var stdout, stderr bytes.Buffer
	if code := realMain(append(args, "--json"), &stdout, &stderr, h); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	var rep report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("%v\n%s", err, stdout.String())
	}
	var order []string
	for _, r := range rep.Rows {
		order = append(order, r.Scenario+"/"+r.Server)
		if r.Problem != "" || !r.Met {
			t.Errorf("%s/%s: %q", r.Scenario, r.Server, r.Problem)
		}
		if r.Window == nil || r.Window.LoadgenCPUS < 0.03 || r.Window.S <= 0 {
			t.Errorf("%s/%s: CPU window %+v", r.Scenario, r.Server, r.Window)
			continue
		}
		// The server burned 200 ms (livedash) or 100 ms (node) of CPU
		// inside the window; ticks are 10 ms, the machine is shared.
		want := map[string]float64{"livedash": 0.2, "node": 0.1}[r.Server]
		if got := r.Window.ServerCPUS; got < want*0.7 || got > want*1.5 {
			t.Errorf("%s/%s: server CPU in the window %.2f s, want about %.1f", r.Scenario, r.Server, got, want)
		}
		if pinned {
			if len(r.Result.Notes) == 0 || r.Result.Notes[0] != "cpus 1" {
				t.Errorf("%s/%s: loadgen not on CPU 1: %v", r.Scenario, r.Server, r.Result.Notes)
			}
		}
	}
	if strings.Join(order, " ") != "crowd/livedash crowd/node writes/livedash writes/node fan-out/livedash fan-out/node" {
		t.Errorf("runs in the order %v", order)
	}
	if rep.Probes == nil || rep.Probes.FsyncP50Ms <= 0 || rep.Probes.CPUMinMs <= 0 || rep.Probes.CPUMedMs < rep.Probes.CPUMinMs {
		t.Errorf("probes: %+v", rep.Probes)
	}
	if rep.Pinned != pinned || rep.Node != "Node fake" {
		t.Errorf("report: pinned %v node %q", rep.Pinned, rep.Node)
	}

	var out bytes.Buffer
	writePeerReport(&out, &rep)
	text := out.String()
	defer func() {
		if t.Failed() {
			t.Log(text)
		}
	}()
	for _, want := range []string{
		"(Node fake)", "machine probes: fsync of a 4 KiB append p50 ",
		"- fan-out, node: 80 connections, sent 49.5/s of 50/s offered, 200,000 deliveries; window ",
		"% of its core)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	cells := map[string][]string{} // "scenario/measure" -> livedash, Node, ratio
	for _, l := range strings.Split(text, "\n") {
		f := strings.Split(l, "|")
		if len(f) != 7 {
			continue
		}
		for i := range f {
			f[i] = strings.TrimSpace(f[i])
		}
		cells[f[1]+"/"+f[2]] = f[3:6]
	}
	for key, want := range map[string]string{
		"crowd/RSS per connection": "9 KB,6 KB,1.50x (worse)",
		"crowd/delivery p99":       "400 ms,200 ms,2.00x (worse)",
		"writes/acked writes/s":    "4,500/s,1,500/s,3.00x (better)",
		"fan-out/delivery p99":     "20 ms,40 ms,0.50x (better)",
		"fan-out/delivery p50":     "0 ms,0 ms,n/a",
	} {
		if got := strings.Join(cells[key], ","); got != want {
			t.Errorf("%s: %q, want %q", key, got, want)
		}
	}
	for _, sc := range []string{"crowd", "writes", "fan-out"} {
		if c := cells[sc+"/server CPU s per 10,000 deliveries"]; len(c) != 3 || !strings.HasSuffix(c[2], "x (worse)") {
			t.Errorf("%s: CPU per 10,000 deliveries %q: livedash burned twice node's CPU", sc, c)
		}
	}
	// CPU per 10,000 deliveries: livedash burned twice what node did, for
	// the same 200,000 deliveries.
	for _, r := range rep.Rows {
		if r.Window == nil {
			continue // reported above
		}
		v, ok := cpuPer10kDeliveries(r)
		if want := r.Window.ServerCPUS / 20; !ok || math.Abs(v-want) > 1e-9 {
			t.Errorf("%s/%s: CPU per 10,000 deliveries %v, want %v", r.Scenario, r.Server, v, want)
		}
	}
}

func TestRatioCell(t *testing.T) {
	p99 := peerMeasures("crowd")[2]
	acked := peerMeasures("writes")[0]
	r := func(v float64, problem string) row {
		return row{Result: &lgResult{DeliveryP99Ms: v, AckedPerS: v, DeliverySamples: 1}, Problem: problem}
	}
	for _, c := range []struct {
		name     string
		m        measure
		ld, node row
		want     string
	}{
		{"lower is better", p99, r(300, ""), r(200, ""), "1.50x (worse)"},
		{"higher is better", acked, r(300, ""), r(200, ""), "1.50x (better)"},
		{"equal", p99, r(200, ""), r(200, ""), "1.00x (same)"},
		{"incomplete run flagged", p99, r(100, ""), r(400, "3 errors"), "0.25x (better), INCOMPLETE run"},
		{"no figure", p99, row{}, r(200, ""), "n/a"},
		{"divide by zero", p99, r(1, ""), r(0, ""), "n/a"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := ratioCell(c.m, c.ld, c.node); got != c.want {
				t.Errorf("%q, want %q", got, c.want)
			}
		})
	}
}

func TestServerStopsGracefully(t *testing.T) {
	t.Setenv("BENCH_FAKE", "1")
	t.Setenv("GORACE", "atexit_sleep_ms=0")
	self, _ := os.Executable()
	dir := t.TempDir()
	db := filepath.Join(dir, "x.db")
	s, err := startServer(context.Background(), livedashCmd(self), nil, db, filepath.Join(dir, "log"), false)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s.addr, "127.0.0.1:") {
		t.Errorf("server address %s is not loopback", s.addr)
	}
	s.stop(10 * time.Second)
	b, err := os.ReadFile(db + ".stopped")
	if err != nil {
		t.Fatalf("not stopped by SIGTERM: %v", err)
	}
	for _, want := range []string{"--synchronous FULL", "--rate 1000000", "--burst 1000000", "--db " + db} {
		if !strings.Contains(string(b), want) {
			t.Errorf("server flags %q lack %q", b, want)
		}
	}
	if s.stop(time.Second) != 0 {
		t.Error("stopping twice should be a no-op")
	}
}

func TestScenarios(t *testing.T) {
	all := scenarios(10 * time.Second)
	var names []string
	var total time.Duration
	for _, s := range all {
		names = append(names, s.Name)
		total += s.deadline(10*time.Second) + 20*time.Second
		args := strings.Join(s.loadgenArgs("127.0.0.1:1234", 42, 10*time.Second), " ")
		for _, want := range []string{"--addr 127.0.0.1:1234", "--pid 42", "--json", "--name " + s.Name, "--duration 10s"} {
			if !strings.Contains(args, want) {
				t.Errorf("%s: args %q lack %q", s.Name, args, want)
			}
		}
	}
	if strings.Join(names, ",") != "writes,fan-out,crowd,reads,crowd-20k" {
		t.Errorf("scenarios %v", names)
	}
	// Every scenario at its worst still fits in the default --timeout, with
	// the builds.
	if total > 7*time.Minute {
		t.Errorf("worst case %s does not leave a minute of 8 for the builds", total)
	}
	want := map[string]string{
		"writes":    "--listeners 16 --writers 64 --depth 16 --rate 0",
		"fan-out":   "--listeners 1000 --writers 4 --rate 100",
		"crowd":     "--listeners 10000 --writers 4 --rate 10",
		"reads":     "--listeners 16 --writers 4 --rate 200",
		"crowd-20k": "--listeners 20000 --writers 4 --rate 10",
	}
	for _, s := range all {
		if !strings.Contains(strings.Join(s.Args, " "), want[s.Name]) {
			t.Errorf("%s: %v lacks %q", s.Name, s.Args, want[s.Name])
		}
	}
	if !slices.Contains(all[3].Args, "--readers") || !slices.Contains(all[2].Args, "--ramp") || all[2].Conns != 10004 {
		t.Errorf("reads needs --readers, crowd a ramp and 10,004 connections")
	}

	small := all[4].shrunk(19744)
	if small.Conns != 19744 || !strings.Contains(strings.Join(small.Args, " "), "--listeners 19740 ") ||
		!strings.HasPrefix(small.Load, "19,740 listeners (20,000 asked; cut to the open-files limit) (ramp 40 s)") {
		t.Errorf("shrunk crowd-20k: %d %v %q", small.Conns, small.Args, small.Load)
	}

	got, err := selectScenarios(all, "reads, writes")
	if err != nil || len(got) != 2 || got[0].Name != "reads" || got[1].Name != "writes" {
		t.Errorf("select: %v %v", got, err)
	}
	if _, err := selectScenarios(all, "nope"); err == nil {
		t.Error("unknown scenario accepted")
	}
}

func TestJudge(t *testing.T) {
	s := scenarios(10 * time.Second)[2] // crowd
	kb := 12.0                          // at most 12 KB: met
	r := &row{Result: &lgResult{RSSPerConnKB: &kb, DeliveryP99Ms: 99.9, CheckOK: true}}
	judge(s, r)
	if !r.Met || r.Problem != "" || len(r.Verdicts) != 2 {
		t.Errorf("crowd within targets: %+v", r)
	}
	r = &row{Result: &lgResult{RSSPerConnKB: &kb, DeliveryP99Ms: 100, Aborted: "deadline", ConnsFailed: 3, CheckOK: true}}
	judge(s, r)
	if r.Met || !strings.Contains(r.Problem, "aborted") || !strings.Contains(r.Problem, "3 connections failed") || r.Verdicts[1].Met {
		t.Errorf("p99 at the limit, aborted: %+v", r)
	}
	r = &row{Result: &lgResult{DeliveryP99Ms: 1, CheckOK: true}} // no RSS reading
	judge(s, r)
	if r.Met || r.Verdicts[0].Met || !strings.Contains(r.Verdicts[0].Text, "n/a") {
		t.Errorf("missing RSS must not pass: %+v", r.Verdicts[0])
	}
	w := scenarios(10 * time.Second)[0]
	r = &row{Result: &lgResult{AckedPerS: 5370, AckP99Ms: 341, CheckOK: true}}
	judge(w, r)
	if r.Met || r.Verdicts[0].Text != "acked/s >= 20,000/s: 5,370/s, MISSED (27% of the target)" ||
		r.Verdicts[1].Text != "ack p99 < 25 ms: 341 ms, MISSED (13.6x the limit)" {
		t.Errorf("writes: %+v", r.Verdicts)
	}
}

// A run whose figures meet every target is still incomplete, and meets
// nothing, when loadgen's checks failed or it did not send the load.
func TestJudgeIncompleteRuns(t *testing.T) {
	crowd := scenarios(10 * time.Second)[2] // targets: RSS/conn, delivery p99
	kb := 8.0
	good := func() lgResult {
		return lgResult{RSSPerConnKB: &kb, DeliveryP99Ms: 50, CheckOK: true, MutationsSent: 100, MutationsAcked: 100, Rate: 10, SentPerS: 10}
	}
	for _, c := range []struct {
		name    string
		edit    func(*lgResult)
		rc      int
		problem string // "" = complete
	}{
		{"clean", func(*lgResult) {}, 0, ""},
		{"gaps, duplicates and errors", func(r *lgResult) {
			r.Gaps, r.Dups, r.ErrorsTotal, r.Errors, r.CheckOK = 7, 3, 500, map[string]int64{"internal": 499, "no_reply": 1}, false
		}, 0, "seq check failed: 7 gaps, 3 duplicates, 500 errors (internal=499 no_reply=1)"},
		{"gaps though loadgen said OK", func(r *lgResult) { r.Gaps = 7 }, 0, "seq check failed: 7 gaps"},
		{"two acks with one seq", func(r *lgResult) { r.AckSeqDups = 2 }, 0, "seq check failed: 2 acks sharing a seq"},
		{"loadgen says not OK", func(r *lgResult) { r.CheckOK = false }, 0, "seq check failed: loadgen says not OK"},
		{"undelivered", func(r *lgResult) { r.Undelivered, r.CheckOK = 40, false }, 0, "seq check failed: 40 undelivered"},
		{"errors only", func(r *lgResult) { r.ErrorsTotal, r.Errors = 3, map[string]int64{"conflict": 3} }, 0, "3 errors (conflict=3)"},
		{"unanswered mutations", func(r *lgResult) { r.MutationsAcked, r.MutationsFailed = 90, 4 }, 0, "6 mutations unanswered"},
		{"error replies are answers", func(r *lgResult) { r.MutationsAcked, r.MutationsFailed = 90, 10 }, 0, ""},
		{"sent far below the rate", func(r *lgResult) { r.SentPerS = 6 }, 0, "sent 6/s of the 10/s offered"},
		{"sent close to the rate", func(r *lgResult) { r.SentPerS = 9.2 }, 0, ""},
		{"closed loop has no rate", func(r *lgResult) { r.Rate, r.SentPerS = 0, 3 }, 0, ""},
		{"loadgen exit status", func(*lgResult) {}, 2, "loadgen exit status 2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := good()
			c.edit(&res)
			r := &row{Result: &res, LoadgenRC: c.rc}
			judge(crowd, r)
			if c.problem == "" {
				if !r.Met || r.Problem != "" {
					t.Errorf("want complete and met: %q", r.Problem)
				}
				return
			}
			if r.Met || !strings.HasPrefix(r.Problem, c.problem) {
				t.Errorf("met %v, problem %q; want not met, problem %q", r.Met, r.Problem, c.problem)
			}
		})
	}
	// The fan-out and crowd-20k "no gaps" targets count every seq problem.
	if n := seqProblems(&lgResult{Gaps: 1, Undelivered: 2, LostAfterDisconnect: 4, Dups: 8, OutOfOrder: 16, Stale: 32, AckSeqDups: 64}); n != 127 {
		t.Errorf("seqProblems = %v, want 127", n)
	}
}

func TestTable(t *testing.T) {
	kb := 15.26
	rows := []row{
		{Scenario: "writes", Load: "load one", Result: &lgResult{Conns: 80, MutationsAcked: 10, SentPerS: 5400, AckedPerS: 5370.4, AckP99Ms: 341.2,
			DeliverySamples: 10, DeliveriesPerS: 429632, DeliveryP99Ms: 350, RSSPerConnKB: &kb, LoadgenCPUS: 4}, ServerCPUS: 9.5, OtherCPUS: 0.25,
			Verdicts: []verdict{{Text: "acked/s >= 20,000/s: 5,370/s, MISSED"}}},
		{Scenario: "crowd", Load: "load two", Problem: "not run: the open-files limit is 1024"},
	}
	var buf bytes.Buffer
	writeTable(&buf, rows)
	lines := strings.Split(strings.TrimRight(buf.String(), "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("want 4 lines:\n%s", buf.String())
	}
	for i, l := range lines {
		if len([]rune(l)) != len([]rune(lines[0])) || !strings.HasPrefix(l, "|") || !strings.HasSuffix(l, "|") {
			t.Errorf("line %d is not aligned:\n%s", i, buf.String())
		}
	}
	for _, want := range []string{"5,370", "341", "429,632", "15.3", "9.5 + 4.0 + 0.2", "MISSED", " 5,400 (closed) "} {
		if !strings.Contains(lines[2], want) {
			t.Errorf("row lacks %q: %s", want, lines[2])
		}
	}
	if !strings.Contains(lines[3], "INCOMPLETE: not run") || strings.Count(lines[3], " - ") != 14 {
		t.Errorf("a scenario that did not run: %s", lines[3])
	}
}

func TestFormatting(t *testing.T) {
	for _, c := range []struct {
		v    float64
		unit string
		want string
	}{{20000, "/s", "20,000/s"}, {25, "ms", "25 ms"}, {24.96, "ms", "25.0 ms"}, {1.234, "", "1.23"},
		{1234567.8, "", "1,234,568"}, {-1500, "", "-1,500"}, {0, "", "0"}, {math.NaN(), "KB", "n/a"}, {19.5, "KB", "19.5 KB"}} {
		if got := fmtNum(c.v, c.unit); got != c.want {
			t.Errorf("fmtNum(%v, %q) = %q, want %q", c.v, c.unit, got, c.want)
		}
	}
}

func TestProcParsing(t *testing.T) {
	cpu, err := parseStatCPU([]byte("1234 (live dash) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 12 0 100 0 0"))
	if err != nil || cpu != 3.0 {
		t.Errorf("stat: %v %v", cpu, err)
	}
	if _, err := parseStatCPU([]byte("garbage")); err == nil {
		t.Error("garbage accepted")
	}
	busy, err := parseProcStat([]byte("cpu  100 5 50 1000 20 3 2 10 0 0\ncpu0 1 2 3 4 5 6 7 8\n"))
	if err != nil || busy != 1.7 {
		t.Errorf("/proc/stat busy: %v %v", busy, err)
	}
	if _, err := cpuSeconds(os.Getpid()); err != nil {
		t.Errorf("own process: %v", err)
	}
	if _, err := machineCPU(); err != nil {
		t.Errorf("machine: %v", err)
	}
}

func TestParseFlags(t *testing.T) {
	c, err := parseFlags(nil, io.Discard)
	if err != nil || c.Duration != 10*time.Second || c.Timeout != 8*time.Minute || c.Repo != "." {
		t.Errorf("defaults: %+v %v", c, err)
	}
	for _, bad := range [][]string{{"--only", "nope"}, {"--duration", "0s"}, {"--timeout", "0s"}, {"extra"}} {
		if _, err := parseFlags(bad, io.Discard); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

// --probes only probes the machine: it prints the probe line and builds and
// runs nothing; a directory it cannot write to fails the run.
func TestProbesOnly(t *testing.T) {
	h := hooks{build: func(context.Context, string, string, string, io.Writer) (string, string, error) {
		t.Error("--probes built the servers")
		return "", "", errors.New("not wanted")
	}}
	for _, tc := range []struct {
		name string
		dir  string
		code int
		want string
	}{
		{"writable directory", t.TempDir(), 0, "probes: fsync of a 4 KiB append p50 "},
		{"missing directory", filepath.Join(t.TempDir(), "missing"), 1, "probes: fsync probe failed: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := realMain([]string{"--probes", tc.dir}, &stdout, &stderr, h); code != tc.code {
				t.Fatalf("exit %d, want %d; stderr %s", code, tc.code, stderr.String())
			}
			if !strings.HasPrefix(stdout.String(), tc.want) || !strings.Contains(stdout.String(), "CPU loop") {
				t.Errorf("stdout %q, want it to start with %q and carry the CPU loop", stdout.String(), tc.want)
			}
		})
	}
}
