// Package app wires the server together: configuration, store, hub, routes,
// and a graceful stop.
package app

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/gofiber/fiber/v2"

	"livedash/access"
	"livedash/handlers"
	"livedash/internal/redact"
	"livedash/metrics"
	"livedash/store"
	"livedash/ws"
)

// shutdownGrace bounds the graceful stop; past it, the rest is cut off.
const shutdownGrace = 15 * time.Second

// Run starts the server and blocks until ctx ends or SIGINT/SIGTERM arrives,
// then stops gracefully: it stops accepting, lets in-flight mutations commit
// and ack, closes every WebSocket with 1001, and closes the database.
func Run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if len(args) > 0 && args[0] == "keys" {
		return runKeys(ctx, args[1:], getenv, stdout)
	}
	cfg, err := parseConfig(args, getenv, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	level, _ := parseLevel(cfg.LogLevel) // checked by parseConfig
	log := slog.New(slog.NewTextHandler(stdout, &slog.HandlerOptions{Level: level}))
	tuneGC(cfg.GCHeapMB)
	access.WarnIfExposed(log, cfg.Access, cfg.Addr, cfg.Hosts)
	s, err := newServer(ctx, cfg, log)
	if err != nil {
		return err
	}
	s.out = stdout
	return s.run(ctx, cfg)
}

// server is the running parts, built in dependency order.
type server struct {
	log       *slog.Logger
	store     *store.Store
	hub       *ws.Hub
	http      *fiber.App
	silent    *silentConns       // connections that have not sent a byte
	stopConns context.CancelFunc // ends the reads made for WebSocket connections
	presence  chan struct{}      // closed when presence sharing has stopped
	keys      chan struct{}      // closed when the keys are no longer watched
	guard     *access.Guard
	out       io.Writer // where the share links go (stdout), not the log
}

// newServer opens the store with the hub as its feed, so the hub starts at
// the store's seq before anything can publish, then builds the routes.
// Presence has one owner, the hub's roster: in process on an SQLite file
// (one instance), shared through the database on PostgreSQL.
func newServer(ctx context.Context, cfg Config, log *slog.Logger) (*server, error) {
	var roster ws.Roster = ws.NewLocalRoster(0)
	var shared *ws.SharedRoster
	if store.IsPostgres(cfg.DB) {
		shared = ws.NewSharedRoster(0, log)
		roster = shared
	}
	hub := ws.NewHub(log, roster)
	st, err := store.Open(ctx, store.Options{
		Path:        cfg.DB,
		Synchronous: cfg.Synchronous,
		Retention:   cfg.Retention,
		Logger:      log,
		Feed:        hub,
	})
	if err != nil {
		return nil, err
	}
	m := metrics.New(hub.Count, st.Seq)
	connCtx, stopConns := context.WithCancel(context.Background())
	srv := fiber.New(fiber.Config{
		AppName:               "livedash",
		DisableStartupMessage: true,
		ErrorHandler:          handlers.ErrorHandler(log, m),
		// Paths are exact: /METRICS and /metrics/ are not /metrics. A
		// proxy rule written for one spelling (location = /metrics) must
		// not be passed by another.
		CaseSensitive: true,
		StrictRouting: true,
		// fasthttp hangs up on a body over BodyLimit without reading it,
		// and the unread bytes turn the close into a reset that can hide
		// the 413 from the client. So it reads bodies up to a larger
		// bound, and LimitBody answers 413 on a connection that stays up.
		BodyLimit:    int(max(cfg.WS.ReadLimit*16, 1<<20)),
		ReadTimeout:  cfg.ReadTimeout,
		WriteTimeout: 30 * time.Second,
		IdleTimeout:  2 * time.Minute,
		// The read buffer bounds the request line and headers. With
		// ReduceMemoryUsage a connection holds it only while it reads a
		// request: not between requests, and not for the life of a
		// WebSocket (docs/OPERATIONS.md has the figures).
		ReadBufferSize:    handlers.MaxHeaderBytes,
		ReduceMemoryUsage: true,
	})
	silent := newSilentConns(cfg.ReadTimeout)
	hs := srv.Server()
	hs.ErrorHandler = handlers.ServerErrorHandler(log, m) // errors before routing
	hs.SecureErrorLogMessage = true                       // its error texts quote no request bytes
	hs.ConnState = silent.track
	hs.HeaderReceived = handlers.DeclineContinue(cfg.WS.ReadLimit)
	hs.CloseOnShutdown = true // answers during the stop say Connection: close
	// WebSocket connections close their sockets themselves, so their
	// handler can return right after the upgrade and fasthttp recycle the
	// request's context (ws/hijack.go).
	hs.KeepHijackedConns = true
	api := &handlers.API{Store: st, Metrics: m, Log: log,
		Access: handlers.AccessInfo{Mode: string(cfg.Access), LoginURL: cfg.LoginURL}}
	guard, err := newGuard(ctx, cfg, st, m)
	if err != nil {
		stopConns()
		_ = st.Close()
		return nil, err
	}
	if cfg.Access == access.Keys {
		api.ShareFrom = &handlers.ShareSource{Keys: guard.Keys, PublicURL: cfg.PublicURL}
	}
	wsrv := ws.NewServer(connCtx, cfg.WS, st, hub, m, log)
	wsrv.Current = guard.Current
	routes(srv, api, wsrv, guard, m, cfg, log)
	s := &server{log: log, store: st, hub: hub, http: srv, silent: silent, stopConns: stopConns,
		presence: make(chan struct{}), keys: make(chan struct{}), guard: guard}
	if cfg.Access == access.Keys {
		go func() {
			defer close(s.keys)
			watchKeys(connCtx, st, guard, hub, log)
		}()
	} else {
		close(s.keys)
	}
	if shared != nil {
		go func() {
			defer close(s.presence)
			shared.Share(connCtx, st)
		}()
	} else {
		close(s.presence)
	}
	return s, nil
}

// run serves until ctx ends or serving fails, then stops.
func (s *server) run(ctx context.Context, cfg Config) error {
	defer s.stopConns()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		_ = s.store.Close()
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	if cfg.PprofAddr != "" {
		stopPprof, err := servePprof(cfg.PprofAddr, s.log)
		if err != nil {
			_ = ln.Close()
			_ = s.store.Close()
			return err
		}
		defer stopPprof()
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- s.http.Listener(ln) }()
	s.log.Info("livedash listening", "url", "http://"+ln.Addr().String(), "db", redact.String(cfg.DB),
		"epoch", s.store.Epoch(), "seq", s.store.Seq(), "access", cfg.Access)
	if cfg.Access == access.Keys && cfg.Links {
		if err := s.printLinks(ctx, cmp.Or(cfg.PublicURL, "http://"+ln.Addr().String())); err != nil {
			s.log.Error("reading the access keys failed", "err", err)
		}
	}
	select {
	case err = <-serveErr:
		s.log.Error("server stopped", "err", err)
	case <-ctx.Done():
		s.log.Info("shutting down")
	}
	return s.shutdown(err)
}

// shutdown stops HTTP and WebSocket traffic together, then closes the store
// once nothing can submit to it anymore. Connections with no request in
// flight are closed at once (idle keep-alive ones by fasthttp, silent new
// ones here); requests in flight are answered first.
func (s *server) shutdown(cause error) error {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	s.silent.closeAll()
	httpDone := make(chan error, 1)
	go func() { httpDone <- s.http.ShutdownWithContext(ctx) }()
	errs := []error{cause}
	if err := s.hub.Shutdown(ctx); err != nil {
		errs = append(errs, fmt.Errorf("close websockets: %w", err))
	}
	s.stopConns()
	<-s.presence
	<-s.keys
	if err := <-httpDone; err != nil {
		errs = append(errs, fmt.Errorf("stop http: %w", err))
	}
	if err := s.store.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close store: %w", err))
	}
	err := errors.Join(errs...)
	if err != nil {
		s.log.Error("stopped with errors", "err", err)
	} else {
		s.log.Info("stopped")
	}
	return err
}

// printLinks prints the current keys' share links.
func (s *server) printLinks(ctx context.Context, base string) error {
	keys, err := s.store.AccessKeys(ctx)
	if err != nil {
		return err
	}
	printLinks(s.out, base, keys)
	return nil
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(s))); err != nil {
		return l, fmt.Errorf("--log-level must be debug, info, warn or error, not %q", s)
	}
	return l, nil
}
