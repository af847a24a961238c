package app

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"livedash/access"
	"livedash/store"
	"livedash/ws"
)

// Config is everything the server can be told. Each flag falls back to an
// environment variable (LIVEDASH_ plus the flag name in upper case, dashes
// as underscores), then to its default.
type Config struct {
	Addr        string
	DB          string
	AdminToken  string
	Access      access.Mode        // --access, or the default for Addr and Hosts
	Links       bool               // print the share links at start (keys mode)
	PublicURL   string             // the base URL of the printed links; "" : http://<listen address>
	Tokens      access.TokenConfig // jwt mode
	LoginURL    string             // where the page sends a person whose credential was refused
	Synchronous string
	Retention   int64
	LogLevel    string
	ReadTimeout time.Duration
	PprofAddr   string
	GCHeapMB    int64    // see tuneGC
	Origins     []string // extra allowed Origins ("*" allows any)
	Hosts       []string // extra allowed Host names ("*" allows any)
	WS          ws.Config
}

// DefaultReadTimeout bounds how long a client may take to send a request.
const DefaultReadTimeout = 10 * time.Second

func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (Config, error) {
	var cfg Config
	fs := flag.NewFlagSet("livedash", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f := flags{fs: fs, getenv: getenv}
	var origins, hosts, mode, links, jwtSecret, jwtKeyFile string
	var sendQueue, burst int64
	f.str(&cfg.Addr, "addr", "127.0.0.1:3000", "address to listen on (port 0 picks a free one)")
	f.str(&cfg.DB, "db", "livedash.db", "SQLite database file, or a postgres:// URL shared by several instances; created with the demo data if missing")
	f.str(&cfg.AdminToken, "admin-token", "", "token that POST /api/reset must carry as a bearer token (empty: reset is open)")
	f.str(&mode, "access", "", "open (no credential; everyone edits), keys (a secret key per role, printed as share links) "+
		"or jwt (tokens from your sign-in system; see --jwt-secret). Default: open when --addr is a loopback address and --hosts is empty, else keys")
	f.str(&jwtSecret, "jwt-secret", "", "jwt mode: the HS256 secret tokens are signed with (at least 32 bytes)")
	f.str(&jwtKeyFile, "jwt-public-key", "", "jwt mode: a PEM file with the public key tokens are signed for (Ed25519: EdDSA, or RSA: RS256)")
	f.str(&cfg.Tokens.Audience, "jwt-audience", "", "jwt mode: the aud every token must name (empty: aud is not checked)")
	f.str(&cfg.LoginURL, "login-url", "", "where the page sends a person whose token expired or was refused (GET /api/access tells the page)")
	f.str(&links, "links", "true", "print one share link per role at start in keys mode (false: do not; `livedash keys` prints them)")
	f.str(&cfg.PublicURL, "public-url", "", "base URL of the printed share links, e.g. https://scores.example.org (default: http:// and the listen address)")
	f.str(&origins, "origins", "", "comma-separated extra Origins allowed to open WebSockets and change data over REST (the server's own host and localhost always are; * allows any)")
	f.str(&hosts, "hosts", "", "comma-separated Host names the server answers to besides localhost and loopback addresses (name or name:port; * allows any). "+
		"Without it, a loopback --addr answers only to loopback names and any other --addr to every name")
	f.str(&cfg.Synchronous, "synchronous", store.SyncFull, "SQLite synchronous mode: FULL (an ack survives power loss) or NORMAL (survives a crash of the process, faster)")
	f.str(&cfg.LogLevel, "log-level", "info", "debug, info, warn or error")
	f.str(&cfg.PprofAddr, "pprof-addr", "", "address for Go's pprof profiles, e.g. 127.0.0.1:6060 (empty: off)")
	f.integer(&cfg.GCHeapMB, "gc-heap-mb", DefaultGCHeapMB, "heap size in MB under which the garbage collector runs less often than GOGC says (up to GOGC=500); 0 leaves GOGC alone")
	f.integer(&cfg.Retention, "retention", store.DefaultRetention, "events kept in the log for resuming clients, histories and undo")
	f.dur(&cfg.ReadTimeout, "read-timeout", DefaultReadTimeout, "time a client has to send a whole HTTP request, the WebSocket handshake included")
	f.dur(&cfg.WS.PingInterval, "ping-interval", ws.DefaultPingInterval, "how often the server pings each WebSocket")
	f.dur(&cfg.WS.PongWait, "pong-wait", ws.DefaultPongWait, "silence after which a WebSocket is dropped")
	f.dur(&cfg.WS.WriteWait, "write-wait", ws.DefaultWriteWait, "deadline of one WebSocket write")
	f.integer(&sendQueue, "send-queue", ws.DefaultSendQueue, "frames queued per WebSocket before it is closed as too slow")
	f.integer(&cfg.WS.ReadLimit, "read-limit", ws.DefaultReadLimit, "largest WebSocket frame or REST body accepted, in bytes")
	f.float(&cfg.WS.Rate, "rate", ws.DefaultRate, "messages per second allowed per WebSocket")
	f.integer(&burst, "burst", ws.DefaultBurst, "burst of messages allowed per WebSocket above the rate")
	err := fs.Parse(args)
	if err != nil {
		return cfg, err
	}
	if err := errorsOf(f); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	cfg.WS.SendQueue, cfg.WS.Burst = int(sendQueue), int(burst)
	cfg.Origins, cfg.Hosts = splitList(origins), splitList(hosts)
	if cfg.Links, err = strconv.ParseBool(links); err != nil {
		return cfg, fmt.Errorf("--links must be true or false, not %q", links)
	}
	if cfg.Access, err = access.ParseMode(mode, cfg.Addr, cfg.Hosts); err != nil {
		return cfg, err
	}
	if cfg.Tokens, err = tokenConfig(cfg.Access, jwtSecret, jwtKeyFile, cfg.Tokens.Audience); err != nil {
		return cfg, err
	}
	return cfg, cfg.check(sendQueue, burst)
}

// tokenConfig reads the jwt flags: in jwt mode exactly one of the secret
// and the key file; in any other mode none of them, since a server that
// ignores a token setting would let people in on the wrong terms.
func tokenConfig(mode access.Mode, secret, keyFile, audience string) (access.TokenConfig, error) {
	tc := access.TokenConfig{Secret: []byte(secret), Audience: audience}
	if mode != access.JWT {
		if secret != "" || keyFile != "" || audience != "" {
			return tc, fmt.Errorf("--jwt-secret, --jwt-public-key and --jwt-audience need --access jwt")
		}
		return tc, nil
	}
	if (secret == "") == (keyFile == "") {
		return tc, fmt.Errorf("--access jwt needs one of --jwt-secret and --jwt-public-key")
	}
	if keyFile != "" {
		pemBytes, err := os.ReadFile(keyFile)
		if err != nil {
			return tc, fmt.Errorf("--jwt-public-key: %w", err)
		}
		if tc.PublicKey, err = access.ParsePublicKey(pemBytes); err != nil {
			return tc, fmt.Errorf("--jwt-public-key %s: %w", keyFile, err)
		}
	}
	return tc, nil
}

// splitList splits a comma-separated flag, dropping empty entries.
func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func (cfg Config) check(sendQueue, burst int64) error {
	if _, err := parseLevel(cfg.LogLevel); err != nil {
		return err
	}
	switch {
	case cfg.Retention < 1:
		return fmt.Errorf("--retention must be at least 1")
	case cfg.GCHeapMB < 0:
		return fmt.Errorf("--gc-heap-mb must be 0 or more")
	case sendQueue < 1 || burst < 1 || cfg.WS.Rate <= 0 || cfg.WS.ReadLimit < 1:
		return fmt.Errorf("--send-queue, --burst, --rate and --read-limit must be positive")
	case cfg.WS.PongWait <= cfg.WS.PingInterval:
		return fmt.Errorf("--pong-wait (%s) must be longer than --ping-interval (%s)", cfg.WS.PongWait, cfg.WS.PingInterval)
	case cfg.WS.PingInterval <= 0 || cfg.WS.PongWait <= 0 || cfg.WS.WriteWait <= 0 || cfg.ReadTimeout <= 0:
		return fmt.Errorf("--ping-interval, --pong-wait, --write-wait and --read-timeout must be positive")
	}
	return nil
}

// flags defines flags whose defaults come from the environment first; a
// malformed variable is an error, reported after parsing.
type flags struct {
	fs     *flag.FlagSet
	getenv func(string) string
	errs   []error
}

// errorsOf is every malformed variable f met.
func errorsOf(f flags) error { return errors.Join(f.errs...) }

func (f *flags) env(name, def string) string {
	if v := f.getenv("LIVEDASH_" + envName(name)); v != "" {
		return v
	}
	return def
}

func (f *flags) fromEnv(name, def string, parse func(string) error) {
	if err := parse(f.env(name, def)); err != nil {
		f.errs = append(f.errs, fmt.Errorf("LIVEDASH_%s: %w", envName(name), err))
	}
}

func (f *flags) str(p *string, name, def, usage string) {
	f.fs.StringVar(p, name, f.env(name, def), usage)
}

func (f *flags) dur(p *time.Duration, name string, def time.Duration, usage string) {
	v := def
	f.fromEnv(name, def.String(), func(s string) (err error) { v, err = time.ParseDuration(s); return err })
	f.fs.DurationVar(p, name, v, usage)
}

func (f *flags) integer(p *int64, name string, def int64, usage string) {
	v := def
	f.fromEnv(name, strconv.FormatInt(def, 10), func(s string) (err error) { v, err = strconv.ParseInt(s, 10, 64); return err })
	f.fs.Int64Var(p, name, v, usage)
}

func (f *flags) float(p *float64, name string, def float64, usage string) {
	v := def
	f.fromEnv(name, strconv.FormatFloat(def, 'g', -1, 64), func(s string) (err error) { v, err = strconv.ParseFloat(s, 64); return err })
	f.fs.Float64Var(p, name, v, usage)
}

func envName(flag string) string { return strings.ToUpper(strings.ReplaceAll(flag, "-", "_")) }
