package app

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"livedash/models"
	"livedash/ws"
)

// Config is everything the server can be told. Each flag falls back to an
// environment variable (LIVEDASH_ plus the flag name in upper case, dashes
// as underscores), then to its default.
type Config struct {
	Addr        string
	DB          string
	AdminToken  string
	Synchronous string
	Retention   int64
	LogLevel    string
	ReadTimeout time.Duration
	PprofAddr   string
	WS          ws.Config
}

func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (Config, error) {
	var cfg Config
	var origins string
	var envErrs []error
	fs := flag.NewFlagSet("livedash", flag.ContinueOnError)
	fs.SetOutput(stderr)
	env := func(name, def string) string {
		if v := getenv("LIVEDASH_" + envName(name)); v != "" {
			return v
		}
		return def
	}
	str := func(p *string, name, def, usage string) { fs.StringVar(p, name, env(name, def), usage) }
	dur := func(p *time.Duration, name string, def time.Duration, usage string) {
		d, err := time.ParseDuration(env(name, def.String()))
		if err != nil {
			envErrs = append(envErrs, fmt.Errorf("LIVEDASH_%s: %w", envName(name), err))
		}
		fs.DurationVar(p, name, d, usage)
	}
	integer := func(p *int64, name string, def int64, usage string) {
		n, err := strconv.ParseInt(env(name, strconv.FormatInt(def, 10)), 10, 64)
		if err != nil {
			envErrs = append(envErrs, fmt.Errorf("LIVEDASH_%s: %w", envName(name), err))
		}
		fs.Int64Var(p, name, n, usage)
	}
	var sendQueue, burst int64
	var rate float64
	str(&cfg.Addr, "addr", "127.0.0.1:3000", "address to listen on (port 0 picks a free one)")
	str(&cfg.DB, "db", "livedash.db", "SQLite database file; created with the demo data if missing")
	str(&cfg.AdminToken, "admin-token", "", "token that POST /api/reset must carry as a bearer token (empty: reset is open)")
	str(&origins, "origins", "", "comma-separated extra Origins allowed on /ws (the server's own host and localhost always are; * allows any)")
	str(&cfg.Synchronous, "synchronous", models.SyncFull, "SQLite synchronous mode: FULL (an ack survives power loss) or NORMAL (survives a crash of the process, faster)")
	str(&cfg.LogLevel, "log-level", "info", "debug, info, warn or error")
	str(&cfg.PprofAddr, "pprof-addr", "", "address for Go's pprof profiles, e.g. 127.0.0.1:6060 (empty: off)")
	integer(&cfg.Retention, "retention", 10000, "events kept in the log for resuming clients")
	dur(&cfg.ReadTimeout, "read-timeout", 10*time.Second, "time a client has to send a whole HTTP request, the WebSocket handshake included")
	dur(&cfg.WS.PingInterval, "ping-interval", 25*time.Second, "how often the server pings each WebSocket")
	dur(&cfg.WS.PongWait, "pong-wait", 60*time.Second, "silence after which a WebSocket is dropped")
	dur(&cfg.WS.WriteWait, "write-wait", 10*time.Second, "deadline of one WebSocket write")
	integer(&sendQueue, "send-queue", 1024, "frames queued per WebSocket before it is closed as too slow")
	integer(&cfg.WS.ReadLimit, "read-limit", 64<<10, "largest WebSocket frame accepted, in bytes")
	rateDef, err := strconv.ParseFloat(env("rate", "100"), 64)
	if err != nil {
		envErrs = append(envErrs, fmt.Errorf("LIVEDASH_RATE: %w", err))
	}
	fs.Float64Var(&rate, "rate", rateDef, "messages per second allowed per WebSocket")
	integer(&burst, "burst", 200, "burst of messages allowed per WebSocket above the rate")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if len(envErrs) > 0 {
		return cfg, errors.Join(envErrs...)
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	cfg.WS.SendQueue, cfg.WS.Burst, cfg.WS.Rate = int(sendQueue), int(burst), rate
	if _, err := parseLevel(cfg.LogLevel); err != nil {
		return cfg, err
	}
	for _, o := range strings.Split(origins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			cfg.WS.Origins = append(cfg.WS.Origins, o)
		}
	}
	switch {
	case cfg.Retention < 1:
		return cfg, fmt.Errorf("--retention must be at least 1")
	case sendQueue < 1 || burst < 1 || rate <= 0 || cfg.WS.ReadLimit < 1:
		return cfg, fmt.Errorf("--send-queue, --burst, --rate and --read-limit must be positive")
	case cfg.WS.PongWait <= cfg.WS.PingInterval:
		return cfg, fmt.Errorf("--pong-wait (%s) must be longer than --ping-interval (%s)", cfg.WS.PongWait, cfg.WS.PingInterval)
	case cfg.WS.PingInterval <= 0 || cfg.WS.PongWait <= 0 || cfg.WS.WriteWait <= 0 || cfg.ReadTimeout <= 0:
		return cfg, fmt.Errorf("--ping-interval, --pong-wait, --write-wait and --read-timeout must be positive")
	}
	return cfg, nil
}

func envName(flag string) string { return strings.ToUpper(strings.ReplaceAll(flag, "-", "_")) }
