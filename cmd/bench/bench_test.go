package main

import (
	"bytes"
	"context"
	"encoding/json"
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
// was stopped gracefully in <db>.stopped.
func fakeServer(args []string) int {
	fs := flag.NewFlagSet("fake-server", flag.ContinueOnError)
	addr := fs.String("addr", "", "")
	db := fs.String("db", "", "")
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
	go func() {
		_ = http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "ok")
		}))
	}()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	_ = os.WriteFile(*db+".stopped", []byte(strings.Join(args, " ")), 0o644)
	return 0
}

// fakeLoadgen checks that the server it is pointed at answers and that its
// --pid is alive, then reports made-up results per scenario.
func fakeLoadgen(args []string) int {
	fs := flag.NewFlagSet("fake-loadgen", flag.ContinueOnError)
	addr := fs.String("addr", "", "")
	pid := fs.Int("pid", 0, "")
	name := fs.String("name", "", "")
	fs.Bool("json", false, "")
	for _, f := range []string{"duration", "drain", "deadline", "listeners", "writers", "depth", "rate", "mix", "ramp", "batch", "readers", "timeline"} {
		fs.String(f, "", "")
	}
	if err := fs.Parse(args); err != nil {
		return 1
	}
	resp, err := http.Get("http://" + *addr + "/healthz")
	if err != nil {
		fmt.Fprintln(os.Stderr, "fake loadgen:", err)
		return 1
	}
	resp.Body.Close()
	if _, err := os.Stat(fmt.Sprintf("/proc/%d", *pid)); err != nil {
		fmt.Fprintln(os.Stderr, "fake loadgen: no such server pid", *pid)
		return 1
	}
	fmt.Fprintln(os.Stderr, "[loadgen    0.0s] 4 writers sending for 1s (closed loop)")
	kb := 12.5
	res := map[string]any{"scenario": *name, "conns": 80, "mutations_acked": 1000, "delivery_samples": 1000,
		"acked_per_s": 25000.0, "ack_p99_ms": 10.0, "delivery_p99_ms": 20.0, "deliveries_per_s": 1e6,
		"rss_per_conn_kb": kb, "check_ok": true, "errors_total": 0, "loadgen_cpu_s": 1.5}
	code := 0
	switch *name {
	case "fan-out": // a hole and a slow delivery
		res["gaps"], res["check_ok"], res["delivery_p99_ms"] = 1, false, 75.0
		code = 2
	case "reads":
		res["reads"], res["reads_per_s"], res["read_p99_ms"] = 5000, 2500.0, 4.0
	}
	_ = json.NewEncoder(os.Stdout).Encode(res)
	return code
}

func TestBenchEndToEndWithFakes(t *testing.T) {
	t.Setenv("BENCH_FAKE", "1")
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	orig := buildBinaries
	t.Cleanup(func() { buildBinaries = orig })
	var work string
	buildBinaries = func(_ context.Context, _, _, dir string, _ io.Writer) (string, string, error) {
		work = dir
		return self, self, nil
	}
	origSync := syncDisks
	t.Cleanup(func() { syncDisks = origSync })
	syncs := 0
	syncDisks = func() { syncs++ }
	keep := t.TempDir()
	prof := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := realMain([]string{"--only", "writes,fan-out,reads", "--duration", "2s", "--keep", keep, "--profile", prof, "--strict"}, &stdout, &stderr)
	if code != 2 {
		t.Errorf("exit %d, want 2 (--strict, and fan-out misses its targets)\n%s", code, stderr.String())
	}
	out := stdout.String()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 5 {
		t.Fatalf("want a header, a rule and 3 rows:\n%s\n%s", out, stderr.String())
	}
	for _, want := range []string{
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
	if _, err := os.Stat(work); !os.IsNotExist(err) {
		t.Errorf("work directory %s left behind", work)
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

func TestServerStopsGracefully(t *testing.T) {
	t.Setenv("BENCH_FAKE", "1")
	self, _ := os.Executable()
	dir := t.TempDir()
	db := filepath.Join(dir, "x.db")
	s, err := startServer(context.Background(), self, db, filepath.Join(dir, "log"), false)
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
	r := &row{Result: &lgResult{RSSPerConnKB: &kb, DeliveryP99Ms: 99.9}}
	judge(s, r)
	if !r.Met || r.Problem != "" || len(r.Verdicts) != 2 {
		t.Errorf("crowd within targets: %+v", r)
	}
	r = &row{Result: &lgResult{RSSPerConnKB: &kb, DeliveryP99Ms: 100, Aborted: "deadline", ConnsFailed: 3}}
	judge(s, r)
	if r.Met || !strings.Contains(r.Problem, "aborted") || !strings.Contains(r.Problem, "3 connections failed") || r.Verdicts[1].Met {
		t.Errorf("p99 at the limit, aborted: %+v", r)
	}
	r = &row{Result: &lgResult{DeliveryP99Ms: 1}} // no RSS reading
	judge(s, r)
	if r.Met || r.Verdicts[0].Met || !strings.Contains(r.Verdicts[0].Text, "n/a") {
		t.Errorf("missing RSS must not pass: %+v", r.Verdicts[0])
	}
	w := scenarios(10 * time.Second)[0]
	r = &row{Result: &lgResult{AckedPerS: 5370, AckP99Ms: 341}}
	judge(w, r)
	if r.Met || r.Verdicts[0].Text != "acked/s >= 20,000/s: 5,370/s, MISSED (27% of the target)" ||
		r.Verdicts[1].Text != "ack p99 < 25 ms: 341 ms, MISSED (13.6x the limit)" {
		t.Errorf("writes: %+v", r.Verdicts)
	}
}

func TestTable(t *testing.T) {
	kb := 15.26
	rows := []row{
		{Scenario: "writes", Load: "load one", Result: &lgResult{Conns: 80, MutationsAcked: 10, AckedPerS: 5370.4, AckP99Ms: 341.2,
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
	for _, want := range []string{"5,370", "341", "429,632", "15.3", "9.5 + 4.0 + 0.2", "MISSED"} {
		if !strings.Contains(lines[2], want) {
			t.Errorf("row lacks %q: %s", want, lines[2])
		}
	}
	if !strings.Contains(lines[3], "INCOMPLETE: not run") || strings.Count(lines[3], " - ") != 13 {
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
