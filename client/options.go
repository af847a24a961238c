package client

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// Options configure a Client. The zero value is usable: a random client id,
// no name, a fresh start, and the default backoff.
type Options struct {
	// Name is the display name others see in presence and in events'
	// actors; 1..40 characters, or empty.
	Name string

	// ClientID makes mutations idempotent: the server remembers the
	// outcome of each (client id, request id), so a request resent after a
	// reconnect applies once. It works like a secret. Empty means a new
	// random id of 26 characters; pass a stored one to keep idempotency
	// across restarts of the program (1..64 of A-Z a-z 0-9 _ -).
	ClientID string

	// Anonymous connects without a client id. The server then cannot
	// recognise resends, so mutations unanswered when a connection drops
	// fail with ErrConnectionLost instead of being resent.
	Anonymous bool

	// Since and Epoch resume from a position stored earlier (see
	// Client.Position): the server replays the events after Since, or
	// sends a resync when it cannot. Epoch empty means a fresh start;
	// Since 0 with an Epoch replays the whole retained log.
	Since int64
	Epoch string

	// MinDelay and MaxDelay bound the wait before each reconnect attempt.
	// The wait doubles after every failed attempt, from MinDelay up to
	// MaxDelay, and a random half of it is taken off so that clients
	// dropped together do not come back together. Defaults: 250ms, 15s.
	MinDelay time.Duration
	MaxDelay time.Duration

	// KeepAlive is how often the client pings the server. A connection
	// that brings nothing, not even a pong, for 2.5 times this long is
	// taken for dead and replaced. Default: 20s.
	KeepAlive time.Duration

	// OnEvent receives the stream, in order, on one goroutine of its own:
	// notices (welcome, resync, presence, disconnected) and the log's
	// events, each seq once, with no gap. Frames are read and requests
	// answered while it runs, so it may make requests itself; what arrives
	// meanwhile waits for it in memory. ctx ends when the client closes:
	// a handler that blocks, sending on a channel say, should give up
	// then, since Close waits for it. It must not call Close. Nil drops
	// the stream (the client still tracks the position).
	OnEvent func(ctx context.Context, ev Event)

	// Logger receives connection changes and protocol oddities. Nil logs
	// nothing.
	Logger *slog.Logger

	// Header is sent with every WebSocket handshake (an Origin, or
	// credentials for a proxy in front of the server).
	Header http.Header

	// HTTPClient makes the REST calls (Reset). Nil means a client of the
	// Client's own, closed with it.
	HTTPClient *http.Client
}

const (
	defaultMinDelay  = 250 * time.Millisecond
	defaultMaxDelay  = 15 * time.Second
	defaultKeepAlive = 20 * time.Second
	maxName          = 40
	maxClientID      = 64
	maxRequestID     = 64
)

// normalize fills in defaults and rejects what the server would refuse at
// the handshake, so that Dial fails fast rather than every reconnect.
func (o Options) normalize() (Options, error) {
	o.Name = strings.TrimSpace(o.Name)
	if n := utf8.RuneCountInString(o.Name); n > maxName {
		return o, fmt.Errorf("livedash: Name has %d characters, at most %d are allowed", n, maxName)
	}
	switch {
	case o.Anonymous && o.ClientID != "":
		return o, errors.New("livedash: Anonymous and ClientID exclude each other")
	case o.Anonymous:
	case o.ClientID == "":
		o.ClientID = rand.Text()
	case !validClientID(o.ClientID):
		return o, errors.New("livedash: ClientID must be 1 to 64 of A-Z, a-z, 0-9, _ and -")
	}
	if o.Since < 0 {
		return o, errors.New("livedash: Since must not be negative")
	}
	if o.MinDelay <= 0 {
		o.MinDelay = defaultMinDelay
	}
	if o.MaxDelay <= 0 {
		o.MaxDelay = max(defaultMaxDelay, o.MinDelay)
	}
	if o.MaxDelay < o.MinDelay {
		return o, errors.New("livedash: MaxDelay is below MinDelay")
	}
	if o.KeepAlive <= 0 {
		o.KeepAlive = defaultKeepAlive
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o, nil
}

func validClientID(s string) bool {
	if len(s) < 1 || len(s) > maxClientID {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// endpoints derives the WebSocket URL and the REST base from the server's
// base URL, keeping a path prefix for servers behind a reverse proxy.
func endpoints(raw string) (wsURL, restBase *url.URL, err error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("livedash: server URL: %w", err)
	}
	if u.Host == "" {
		return nil, nil, fmt.Errorf("livedash: server URL %q has no host", raw)
	}
	rest, ws := *u, *u
	switch u.Scheme {
	case "http", "ws":
		rest.Scheme, ws.Scheme = "http", "ws"
	case "https", "wss":
		rest.Scheme, ws.Scheme = "https", "wss"
	default:
		return nil, nil, fmt.Errorf("livedash: server URL %q: scheme must be http or https", raw)
	}
	base := strings.TrimSuffix(u.Path, "/")
	rest.Path, rest.RawPath, rest.RawQuery, rest.Fragment = base, "", "", ""
	ws.Path, ws.RawPath, ws.RawQuery, ws.Fragment = base+"/ws", "", "", ""
	return &ws, &rest, nil
}
