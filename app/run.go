// Package app wires the server together: configuration, store, hub, routes,
// and a graceful stop.
package app

import (
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

	"livedash/handlers"
	"livedash/metrics"
	"livedash/models"
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
	cfg, err := parseConfig(args, getenv, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	level, _ := parseLevel(cfg.LogLevel) // checked by parseConfig
	log := slog.New(slog.NewTextHandler(stdout, &slog.HandlerOptions{Level: level}))

	hub := ws.NewHub(cfg.WS, log)
	store, err := models.Open(ctx, models.Options{
		Path:        cfg.DB,
		Synchronous: cfg.Synchronous,
		Retention:   cfg.Retention,
		Logger:      log,
		Publish:     hub.Publish,
	})
	if err != nil {
		return err
	}
	hub.Start(store.Seq())

	m := metrics.New(hub.Count, store.Seq)
	connCtx, stopConns := context.WithCancel(context.Background())
	defer stopConns()
	srv := fiber.New(fiber.Config{
		AppName:               "livedash",
		DisableStartupMessage: true,
		ErrorHandler:          handlers.ErrorHandler(log, m),
		// fasthttp hangs up on a body over BodyLimit without reading it,
		// and the unread bytes turn the close into a reset that can hide
		// the 413 from the client. So it reads bodies up to a larger
		// bound, and limitBody answers 413 on a connection that stays up.
		BodyLimit:    int(max(cfg.WS.ReadLimit*16, 1<<20)),
		ReadTimeout:  cfg.ReadTimeout,
		WriteTimeout: 30 * time.Second,
		IdleTimeout:  2 * time.Minute,
	})
	api := &handlers.API{Store: store, AdminToken: cfg.AdminToken, Metrics: m, Log: log}
	routes(srv, api, ws.NewServer(connCtx, store, hub, m, log), m, cfg)

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		_ = store.Close()
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	if cfg.PprofAddr != "" {
		stopPprof, err := servePprof(cfg.PprofAddr, log)
		if err != nil {
			_ = ln.Close()
			_ = store.Close()
			return err
		}
		defer stopPprof()
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Listener(ln) }()
	url := "http://" + ln.Addr().String()
	log.Info("livedash listening", "url", url, "db", cfg.DB, "epoch", store.Epoch(), "seq", store.Seq())

	select {
	case err = <-serveErr:
		log.Error("server stopped", "err", err)
	case <-ctx.Done():
		log.Info("shutting down")
	}
	return shutdown(srv, hub, store, stopConns, log, err)
}

// shutdown stops HTTP and WebSocket traffic together, then closes the store
// once nothing can submit to it anymore.
func shutdown(srv *fiber.App, hub *ws.Hub, store *models.Store, stopConns func(), log *slog.Logger, cause error) error {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	httpDone := make(chan error, 1)
	go func() { httpDone <- srv.ShutdownWithContext(ctx) }()
	errs := []error{cause}
	if err := hub.Shutdown(ctx); err != nil {
		errs = append(errs, fmt.Errorf("close websockets: %w", err))
	}
	stopConns()
	if err := <-httpDone; err != nil {
		errs = append(errs, fmt.Errorf("stop http: %w", err))
	}
	if err := store.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close store: %w", err))
	}
	err := errors.Join(errs...)
	if err != nil {
		log.Error("stopped with errors", "err", err)
	} else {
		log.Info("stopped")
	}
	return err
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(s))); err != nil {
		return l, fmt.Errorf("--log-level must be debug, info, warn or error, not %q", s)
	}
	return l, nil
}
