package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"livedash/internal/procnet"
)

// lgResult is the part of loadgen's JSON report the benchmark uses (the
// names are loadgen's, see cmd/loadgen/report.go).
type lgResult struct {
	Scenario            string           `json:"scenario"`
	Conns               int              `json:"conns"`
	ConnsFailed         int              `json:"conns_failed"`
	ConnectS            float64          `json:"connect_s"`
	DurationS           float64          `json:"duration_s"`
	Rate                float64          `json:"rate"` // offered mutations/s, 0 = closed loop
	MutationsSent       int64            `json:"mutations_sent"`
	MutationsAcked      int64            `json:"mutations_acked"`
	MutationsFailed     int64            `json:"mutations_failed"` // answered with an error frame
	SentPerS            float64          `json:"sent_per_s"`
	AckedPerS           float64          `json:"acked_per_s"`
	AckP50Ms            float64          `json:"ack_p50_ms"`
	AckP99Ms            float64          `json:"ack_p99_ms"`
	AckMaxMs            float64          `json:"ack_max_ms"`
	Deliveries          int64            `json:"deliveries"`
	DeliveriesPerS      float64          `json:"deliveries_per_s"`
	DeliverySamples     int64            `json:"delivery_samples"`
	DeliveryP50Ms       float64          `json:"delivery_p50_ms"`
	DeliveryP99Ms       float64          `json:"delivery_p99_ms"`
	DeliveryMaxMs       float64          `json:"delivery_max_ms"`
	Gaps                int64            `json:"gaps"`
	Undelivered         int64            `json:"undelivered"`
	Dups                int64            `json:"dups"`
	OutOfOrder          int64            `json:"out_of_order"`
	Stale               int64            `json:"stale"`
	Disconnects         int64            `json:"disconnects"`
	LostAfterDisconnect int64            `json:"lost_after_disconnect"`
	AckSeqDups          int64            `json:"ack_seq_dups"`
	PresenceFrames      int64            `json:"presence_frames"`
	CheckOK             bool             `json:"check_ok"`
	Errors              map[string]int64 `json:"errors"`
	ErrorsTotal         int64            `json:"errors_total"`
	Reads               int64            `json:"reads"`
	ReadsPerS           float64          `json:"reads_per_s"`
	ReadP50Ms           float64          `json:"read_p50_ms"`
	ReadP99Ms           float64          `json:"read_p99_ms"`
	RSSMB               *float64         `json:"rss_mb"`
	RSSBaselineMB       *float64         `json:"rss_baseline_mb"`
	RSSPerConnKB        *float64         `json:"rss_per_conn_kb"`
	ServerGoroutines    *float64         `json:"server_goroutines"`
	HeapInusePerConnKB  *float64         `json:"heap_inuse_per_conn_kb"`
	StackInusePerConnKB *float64         `json:"stack_inuse_per_conn_kb"`
	LoadgenCPUS         float64          `json:"loadgen_cpu_s"`
	Aborted             string           `json:"aborted"`
	Notes               []string         `json:"notes"`
}

// build compiles the server and the load generator into dir.
func build(ctx context.Context, goBin, repo, dir string, log io.Writer) (server, loadgen string, err error) {
	server, loadgen = filepath.Join(dir, "livedash"), filepath.Join(dir, "loadgen")
	for _, b := range [][]string{{server, "."}, {loadgen, "./cmd/loadgen"}} {
		cmd := exec.CommandContext(ctx, goBin, "build", "-o", b[0], b[1])
		cmd.Dir = repo
		cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
		cmd.Stdout, cmd.Stderr = log, log
		fmt.Fprintf(log, "bench: go build -o %s %s\n", b[0], b[1])
		if err := cmd.Run(); err != nil {
			return "", "", fmt.Errorf("go build %s: %w", b[1], err)
		}
	}
	return server, loadgen, nil
}

// freeAddr picks a free loopback port. The port is released before the
// server binds it; startServer retries if someone else took it meanwhile.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr, nil
}

// raiseFDLimit lifts the soft open-files limit to the hard one (and the hard
// one too when it is short and we may), so the
// server and loadgen (which inherit it) can open need sockets each. Go
// raises its own soft limit at start-up but restores the original one in
// the processes it starts, unless the program set the limit itself.
func raiseFDLimit(need int) (uint64, error) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0, err
	}
	if want := uint64(need) + 1024; rl.Max < want {
		// Only a privileged user may raise the hard limit; try, quietly.
		raised := syscall.Rlimit{Cur: want, Max: want}
		if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised) == nil {
			rl = raised
		}
	}
	rl.Cur = rl.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0, err
	}
	if rl.Cur < uint64(need) {
		return rl.Cur, fmt.Errorf("the open-files limit is %d (hard), %d are needed: raise it (ulimit -Hn)", rl.Cur, need)
	}
	return rl.Cur, nil
}

// serverCmd says how to start one kind of server.
type serverCmd struct {
	Name    string // livedash, or node
	Version string // what the table says it ran on, if not livedash
	Dir     string // working directory; "" = ours
	// Argv is the command line for a server on addr with its database at db.
	Argv func(addr, db string) []string
	// Pprof: it takes --pprof-addr.
	Pprof bool
}

func livedashCmd(bin string) serverCmd {
	return serverCmd{Name: "livedash", Pprof: true, Argv: func(addr, db string) []string {
		return append([]string{bin}, serverFlags(addr, db)...)
	}}
}

// pinning are the command prefixes that keep the servers and the load
// generator on CPUs of their own; empty when not pinned.
type pinning struct {
	server, load []string
}

// cpuPinning pins the server to CPU 0 and loadgen to CPU 1 with taskset,
// which execs the command: the pid bench starts is the server's own.
func cpuPinning() (pinning, error) {
	if runtime.NumCPU() < 2 {
		return pinning{}, fmt.Errorf("--pin needs 2 CPUs, this machine has %d", runtime.NumCPU())
	}
	ts, err := exec.LookPath("taskset")
	if err != nil {
		return pinning{}, errors.New("--pin needs taskset (util-linux): " + err.Error())
	}
	return pinning{server: []string{ts, "-c", "0"}, load: []string{ts, "-c", "1"}}, nil
}

// server is one running server process.
type server struct {
	cmd     *exec.Cmd
	addr    string
	pprof   string // pprof address, "" when off
	logPath string
	exited  chan struct{}
	waitErr error
}

// startServer starts sc, behind the pin prefix, on a fresh database at db
// and waits until it answers /healthz; withPprof adds --pprof-addr.
func startServer(ctx context.Context, sc serverCmd, pin []string, db, logPath string, withPprof bool) (*server, error) {
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		addr, err := freeAddr()
		if err != nil {
			return nil, err
		}
		argv := append(slices.Clone(pin), sc.Argv(addr, db)...)
		pprofAddr := ""
		if withPprof && sc.Pprof {
			if pprofAddr, err = freeAddr(); err != nil {
				return nil, err
			}
			argv = append(argv, "--pprof-addr", pprofAddr)
		}
		s, err := spawnServer(ctx, argv, sc.Dir, logPath)
		if err != nil {
			return nil, err
		}
		s.addr, s.pprof = addr, pprofAddr
		if lastErr = s.waitReady(ctx, 20*time.Second); lastErr == nil {
			return s, nil
		}
		s.stop(5 * time.Second)
		// A fresh database for the next attempt, too.
		for _, suffix := range []string{"", "-wal", "-shm"} {
			_ = os.Remove(db + suffix)
		}
	}
	return nil, lastErr
}

func spawnServer(ctx context.Context, argv []string, dir, logPath string) (*server, error) {
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(logf, "bench: %s\n", strings.Join(argv, " "))
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logf, logf
	// If the benchmark itself dies, so does its server.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start server: %w", err)
	}
	s := &server{cmd: cmd, logPath: logPath, exited: make(chan struct{})}
	go func() {
		s.waitErr = cmd.Wait()
		logf.Close()
		close(s.exited)
	}()
	return s, nil
}

func (s *server) pid() int { return s.cmd.Process.Pid }

// waitReady polls /healthz until it answers 200 from a socket the server
// process holds, the process exits, or the time is up.
func (s *server) waitReady(ctx context.Context, limit time.Duration) error {
	_, p, err := net.SplitHostPort(s.addr)
	if err != nil {
		return err
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		return err
	}
	hc := &http.Client{Timeout: time.Second, Transport: &http.Transport{Proxy: nil}}
	defer hc.CloseIdleConnections()
	deadline := time.Now().Add(limit)
	for {
		select {
		case <-s.exited:
			return fmt.Errorf("server exited at start-up (%v); see %s", s.waitErr, s.logPath)
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		resp, err := hc.Get("http://" + s.addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				if ours, err := procnet.ListensOn(s.pid(), port); err != nil || ours {
					return err
				}
				// Another process answered on our port: ours will exit
				// when its bind fails, and startServer tries a new port.
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("server not ready after %s; see %s", limit, s.logPath)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop asks the server to stop (SIGTERM: a graceful shutdown), and kills it
// if it has not exited within grace. It returns how long the stop took.
func (s *server) stop(grace time.Duration) time.Duration {
	start := time.Now()
	select {
	case <-s.exited:
		return 0
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(grace):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
	return time.Since(start)
}

// cpuSeconds is the process's user+system CPU time so far, from
// /proc/<pid>/stat (in clock ticks of 1/100 s, as on every Linux we run).
func cpuSeconds(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return parseStatCPU(b)
}

func parseStatCPU(stat []byte) (float64, error) {
	// The command name (field 2) is in parentheses and may hold spaces.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("/proc stat: no command name")
	}
	f := strings.Fields(string(stat[i+1:]))
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return 0, errors.New("/proc stat: too few fields")
	}
	ut, err1 := strconv.ParseUint(f[11], 10, 64)
	st, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, errors.New("/proc stat: bad utime/stime")
	}
	return float64(ut+st) / 100, nil
}

// machineCPU is the CPU time all processes of the machine have used so
// far (every CPU, busy states only), from the "cpu" line of /proc/stat. On a
// shared machine, the part of it that is neither the server nor loadgen is
// other work that competed with the benchmark.
func machineCPU() (float64, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	return parseProcStat(b)
}

func parseProcStat(b []byte) (float64, error) {
	line, _, _ := bytes.Cut(b, []byte("\n"))
	f := strings.Fields(string(line))
	if len(f) < 8 || f[0] != "cpu" {
		return 0, errors.New("/proc/stat: no cpu line")
	}
	// user nice system idle iowait irq softirq steal ...: all but idle and
	// iowait are busy.
	var busy uint64
	for i, v := range f[1:] {
		if i == 3 || i == 4 || i >= 8 { // idle, iowait; guest times are already in user
			continue
		}
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/stat: %v", err)
		}
		busy += n
	}
	return float64(busy) / 100, nil
}

// loadgen's progress lines that cmd/bench acts on (cmd/loadgen/run.go).
const (
	markWriting   = " sending for " // the writers start
	markDelivered = "] delivered: " // every connection has the last acked mutation
)

// mark is a progress line to watch for, and what to do, once, when loadgen
// (whose pid it is given) prints it.
type mark struct {
	line string
	fn   func(lgPid int)
}

// runLoadgen runs argv (loadgen, after any pin prefix) with args and parses
// its JSON; it also returns loadgen's exit status, which is 2 when the run
// finished but loadgen's own checks failed or it was cut short: that run
// has a report too, and the caller must not take it for a clean one. Its
// stderr goes to logPath.
func runLoadgen(ctx context.Context, argv, args []string, logPath string, limit time.Duration, marks []mark) (*lgResult, int, error) {
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, 0, err
	}
	defer logf.Close()
	argv = append(slices.Clone(argv), args...)
	fmt.Fprintf(logf, "bench: %s\n", strings.Join(argv, " "))
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	// On timeout or ^C loadgen is interrupted first, so it still reports
	// what it measured; killed if it does not end soon after.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 15 * time.Second
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	// stderr is read to its end before loadgen is reaped: a mark near the
	// end of its output then still finds /proc/<pid> (a zombie keeps its
	// CPU times), which it would not after Wait.
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, 0, err
	}
	defer pr.Close()
	cmd.Stderr = pw
	err = cmd.Start()
	pw.Close()
	if err != nil {
		return nil, 0, fmt.Errorf("loadgen: %v", err)
	}
	pid := cmd.Process.Pid
	sc := bufio.NewScanner(pr)
	fired := make([]bool, len(marks))
	for sc.Scan() {
		line := sc.Text()
		fmt.Fprintln(logf, line)
		for i, m := range marks {
			if !fired[i] && strings.Contains(line, m.line) {
				fired[i] = true
				m.fn(pid)
			}
		}
	}
	// A line longer than the scanner's buffer: keep the rest in the log.
	_, _ = io.Copy(logf, pr)
	runErr := cmd.Wait()
	rc := 0
	var exit *exec.ExitError
	if errors.As(runErr, &exit) {
		rc = exit.ExitCode()
	}
	if stdout.Len() == 0 {
		if runErr == nil {
			runErr = errors.New("no output")
		}
		return nil, rc, fmt.Errorf("loadgen: %v; see %s", runErr, logPath)
	}
	var res lgResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		return nil, rc, fmt.Errorf("loadgen output: %v; see %s", err, logPath)
	}
	return &res, rc, nil
}

// cpuWindow is the CPU the server and loadgen used while the writers sent
// and their mutations were delivered.
type cpuWindow struct {
	S           float64 `json:"s"`
	ServerCPUS  float64 `json:"server_cpu_s"`
	LoadgenCPUS float64 `json:"loadgen_cpu_s"`
}

// windowMeter reads both processes' CPU at the two marks.
type windowMeter struct {
	mu        sync.Mutex
	t0        time.Time
	srv0, lg0 float64
	began     bool
	w         *cpuWindow
}

func (m *windowMeter) begin(srvPid, lgPid int) {
	srv, err1 := cpuSeconds(srvPid)
	lg, err2 := cpuSeconds(lgPid)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.t0, m.srv0, m.lg0, m.began = time.Now(), srv, lg, err1 == nil && err2 == nil
}

func (m *windowMeter) end(srvPid, lgPid int) {
	srv, err1 := cpuSeconds(srvPid)
	lg, err2 := cpuSeconds(lgPid)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.began && err1 == nil && err2 == nil {
		m.w = &cpuWindow{S: time.Since(m.t0).Seconds(), ServerCPUS: srv - m.srv0, LoadgenCPUS: lg - m.lg0}
	}
}

// result is the window, or nil when loadgen never reached its end.
func (m *windowMeter) result() *cpuWindow {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.w
}

// fetchProfile saves a CPU profile of seconds from the server's pprof
// listener to path.
func fetchProfile(ctx context.Context, pprofAddr string, seconds int, path string) error {
	url := fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", pprofAddr, seconds)
	return fetchTo(ctx, url, time.Duration(seconds+15)*time.Second, path)
}

// fetchTo saves the body of GET url to path.
func fetchTo(ctx context.Context, url string, limit time.Duration, path string) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	hc := &http.Client{Transport: &http.Transport{Proxy: nil}}
	defer hc.CloseIdleConnections()
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("pprof: HTTP %d", resp.StatusCode)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
