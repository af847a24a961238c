package apptest

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"livedash/client"
)

// DialClient connects a livedash client to s; it is closed at cleanup.
// Unless opts say otherwise, reconnects wait only milliseconds, so that
// tests which stop the server spend their time on what they check, and an
// error the client logs (something a correct server never causes) fails
// the test.
func (s *Server) DialClient(tb testing.TB, opts client.Options) *client.Client {
	tb.Helper()
	return DialClient(tb, s.URL, opts)
}

// DialClient connects a livedash client to the server at url (a proxy in
// front of one, say), as Server.DialClient does.
func DialClient(tb testing.TB, url string, opts client.Options) *client.Client {
	tb.Helper()
	if opts.MinDelay == 0 && opts.MaxDelay == 0 {
		opts.MinDelay, opts.MaxDelay = 5*time.Millisecond, 50*time.Millisecond
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(failOnError{tb})
	}
	ctx, cancel := context.WithTimeout(context.Background(), DefaultWait)
	defer cancel()
	c, err := client.Dial(ctx, url, opts)
	if err != nil {
		tb.Fatalf("dial %s: %v", url, err)
	}
	tb.Cleanup(func() { c.Close() })
	return c
}

// Ctx is a context for a test's requests: it ends after DefaultWait, or
// with the test.
func Ctx(tb testing.TB) context.Context {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), DefaultWait)
	tb.Cleanup(cancel)
	return ctx
}

// failOnError fails the test on every error the client logs.
type failOnError struct{ tb testing.TB }

func (h failOnError) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelError }

func (h failOnError) Handle(_ context.Context, r slog.Record) error {
	var attrs []string
	r.Attrs(func(a slog.Attr) bool {
		attrs = append(attrs, a.String())
		return true
	})
	h.tb.Errorf("the client logged an error: %s %v", r.Message, attrs)
	return nil
}

func (h failOnError) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h failOnError) WithGroup(string) slog.Handler      { return h }

func newDeadline() *time.Timer { return time.NewTimer(DefaultWait) }
