package main

import (
	"livedash/internal/cliflags"

	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// Config is everything the flags set.
type Config struct {
	Addr         string
	ListenAddrs  []string // where listeners connect, spread in turn; empty: Addr
	AllowRemote  bool
	Name         string
	Listeners    int
	Writers      int
	MixSpec      string
	Mix          mix
	Rate         float64 // mutations/s over all writers; 0 = closed loop
	Depth        int     // in-flight requests per writer when Rate == 0
	MaxInflight  int     // in-flight cap per writer when Rate > 0
	Duration     time.Duration
	Ramp         time.Duration
	Batch        int
	Drain        time.Duration
	Deadline     time.Duration // hard overall limit; 0 = ramp+duration+drain+30s
	MaxMutations int64
	Readers      int   // HTTP clients GETting /api/state in a loop while the writers send
	MaxReads     int64 // hard cap on reads
	SeedRecords  int
	PID          int
	JSON         bool
	NoHeader     bool
	Quiet        bool
	CPUProfile   string
	Timeline     string // CSV file: one row per mutation acked, with its delivery times
}

// listenAddr is where listener i connects: the --listen-addrs in turn, else
// --addr.
func (c *Config) listenAddr(i int) string {
	if len(c.ListenAddrs) == 0 {
		return c.Addr
	}
	return c.ListenAddrs[i%len(c.ListenAddrs)]
}

// maxConns stays under the loopback ephemeral port range (32768-60999).
const maxConns = 25000

const usageText = `loadgen: drive a livedash server over real WebSocket connections and report
throughput, ack and delivery latency, per-client seq gap/duplicate checks and
the server's RSS. Talks only to --addr, which must be a loopback address.

Usage: go run ./cmd/loadgen [flags]

`

func parseFlags(args []string, stderr io.Writer) (Config, error) {
	var c Config
	fs := cliflags.New("loadgen", usageText, stderr)
	fs.StringVar(&c.Addr, "addr", "127.0.0.1:3000", "server host:port (loopback only unless --allow-remote)")
	fs.Func("listen-addrs", "comma-separated host:port list the listeners connect to, in turn (default: --addr); writers use --addr. Delivery latency is also reported per address", func(v string) error {
		c.ListenAddrs = nil
		for _, a := range strings.Split(v, ",") {
			if a = strings.TrimSpace(a); a != "" {
				c.ListenAddrs = append(c.ListenAddrs, a)
			}
		}
		if len(c.ListenAddrs) == 0 {
			return errors.New("give at least one host:port")
		}
		return nil
	})
	fs.BoolVar(&c.AllowRemote, "allow-remote", false, "allow a non-loopback --addr (not allowed on our workplace)")
	fs.StringVar(&c.Name, "name", "", "scenario label for the report (default l<listeners>-w<writers>)")
	fs.IntVar(&c.Listeners, "listeners", 100, "listening WebSocket clients")
	fs.IntVar(&c.Writers, "writers", 4, "writing WebSocket clients (they listen too); 0 = connections only")
	fs.StringVar(&c.MixSpec, "mix", "increment=70,item.update=20,item.create=10",
		"mutation mix, type=weight,...; types: increment (score.increment), score.create, score.update, score.delete, item.create, item.update, item.delete")
	fs.Float64Var(&c.Rate, "rate", 0, "total mutations/s over all writers; 0 = as fast as acks come back (see --depth)")
	fs.IntVar(&c.Depth, "depth", 8, "requests in flight per writer when --rate 0")
	fs.IntVar(&c.MaxInflight, "max-inflight", 1024, "cap on requests in flight per writer when --rate > 0")
	fs.DurationVar(&c.Duration, "duration", 10*time.Second, "how long writers send, after all connections are open")
	fs.DurationVar(&c.Ramp, "ramp", 0, "spread connection opening over this time (batches of --batch)")
	fs.IntVar(&c.Batch, "batch", 200, "connections dialled concurrently per batch (server listen backlog is 4096)")
	fs.DurationVar(&c.Drain, "drain", 10*time.Second, "after writers stop: max wait for acks, then max wait for listeners to reach the final seq")
	fs.DurationVar(&c.Deadline, "deadline", 0, "hard limit for the whole run (0 = ramp + duration + 2*drain + 30s + 5ms per connection)")
	fs.Int64Var(&c.MaxMutations, "max-mutations", 5_000_000, "hard cap on mutations sent in the run")
	fs.IntVar(&c.Readers, "readers", 0, "HTTP clients doing GET /api/state back to back while the writers send (same --duration)")
	fs.Int64Var(&c.MaxReads, "max-reads", 5_000_000, "hard cap on GET /api/state requests in the run")
	fs.IntVar(&c.SeedRecords, "seed", 10, "scores/items created over REST before the run when the mix needs some and there are none")
	fs.IntVar(&c.PID, "pid", 0, "server pid: read RSS from /proc/<pid>/status (else from GET /metrics)")
	fs.BoolVar(&c.JSON, "json", false, "print one JSON object instead of a table")
	fs.BoolVar(&c.NoHeader, "no-header", false, "table output without the header line (to append rows)")
	fs.BoolVar(&c.Quiet, "quiet", false, "no progress lines on stderr")
	fs.StringVar(&c.CPUProfile, "cpuprofile", "", "write loadgen's own CPU profile to this file (where the load generator's time goes)")
	fs.StringVar(&c.Timeline, "timeline", "", "write one CSV row per acked mutation to this file: seq, writer, when it was sent, acked, and first/median/99th/last delivered (µs since the run started)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if err := c.validate(); err != nil {
		return c, err
	}
	return c, nil
}

func (c *Config) validate() error {
	if err := checkAddr(c.Addr, c.AllowRemote); err != nil {
		return err
	}
	for _, a := range c.ListenAddrs {
		if err := checkAddr(a, c.AllowRemote); err != nil {
			return fmt.Errorf("--listen-addrs: %w", err)
		}
	}
	switch {
	case c.Listeners < 0 || c.Writers < 0:
		return errors.New("--listeners and --writers must be >= 0")
	case c.Readers < 0 || c.Readers > 1000:
		return errors.New("--readers must be in 0..1000")
	case c.Listeners+c.Writers+c.Readers == 0:
		return errors.New("nothing to do: --listeners, --writers and --readers are all 0")
	case c.Listeners+c.Writers > maxConns:
		return fmt.Errorf("at most %d connections in all", maxConns)
	case c.Rate < 0:
		return errors.New("--rate must be >= 0")
	case c.Depth < 1 || c.Depth > 10000:
		return errors.New("--depth must be in 1..10000")
	case c.MaxInflight < 1 || c.MaxInflight > 100000:
		return errors.New("--max-inflight must be in 1..100000")
	case c.Duration <= 0 || c.Duration > time.Hour:
		return errors.New("--duration must be in (0, 1h]")
	case c.Ramp < 0 || c.Ramp > 10*time.Minute:
		return errors.New("--ramp must be in [0, 10m]")
	case c.Batch < 1 || c.Batch > 4096:
		return errors.New("--batch must be in 1..4096")
	case c.Drain < 0 || c.Drain > 5*time.Minute:
		return errors.New("--drain must be in [0, 5m]")
	case c.Deadline < 0:
		return errors.New("--deadline must be >= 0")
	case c.MaxMutations < 1:
		return errors.New("--max-mutations must be >= 1")
	case c.MaxReads < 1:
		return errors.New("--max-reads must be >= 1")
	case c.SeedRecords < 1 || c.SeedRecords > 1000:
		return errors.New("--seed must be in 1..1000")
	case c.PID < 0:
		return errors.New("--pid must be >= 0")
	}
	m, err := parseMix(c.MixSpec)
	if err != nil {
		return err
	}
	c.Mix = m
	if c.Name == "" {
		c.Name = fmt.Sprintf("l%d-w%d", c.Listeners, c.Writers)
		if c.Readers > 0 {
			c.Name += fmt.Sprintf("-r%d", c.Readers)
		}
	}
	if c.Deadline == 0 {
		// Opening connections can take longer than --ramp when the server
		// accepts slowly: allow for at least 200 connections/s.
		slowConnect := time.Duration(c.Listeners+c.Writers) * time.Second / 200
		c.Deadline = c.Ramp + c.Duration + 2*c.Drain + 30*time.Second + slowConnect
	}
	// Receive times are stored as uint32 microseconds since the start.
	if c.Deadline > 70*time.Minute {
		return errors.New("the run (--deadline, or ramp+duration+2*drain+30s+5ms/conn) must stay under 70m")
	}
	return nil
}

// checkAddr accepts host:port where host is a loopback IP or "localhost";
// any other host only with allowRemote.
func checkAddr(addr string, allowRemote bool) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--addr %q: %v", addr, err)
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 1 || p > 65535 {
		return fmt.Errorf("--addr %q: bad port", addr)
	}
	if isLoopbackHost(host) || allowRemote && host != "" {
		return nil
	}
	if host == "" {
		return fmt.Errorf("--addr %q: give the host explicitly, e.g. 127.0.0.1%s", addr, addr)
	}
	return fmt.Errorf("--addr %q is not a loopback address; refusing (pass --allow-remote to override)", addr)
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
