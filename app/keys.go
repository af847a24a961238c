package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"livedash/access"
	"livedash/metrics"
	"livedash/store"
	"livedash/ws"
)

// newGuard makes the access guard for cfg's mode; in keys mode it starts
// with the database's keys.
func newGuard(ctx context.Context, cfg Config, st *store.Store, m *metrics.Metrics) (*access.Guard, error) {
	guard, err := access.NewGuard(access.Config{Mode: cfg.Access, AdminToken: cfg.AdminToken, Tokens: cfg.Tokens, Metrics: m})
	if err != nil || cfg.Access != access.Keys {
		return guard, err
	}
	keys, err := st.AccessKeys(ctx)
	if err != nil {
		return nil, err
	}
	guard.SetKeys(keys)
	return guard, nil
}

// keyPoll is how often each instance reads the keys: a rotation made
// anywhere closes the old key's connections within keyPoll plus a close
// handshake, well inside the contract's 2 s.
const keyPoll = 500 * time.Millisecond

// watchKeys installs the database's keys in the guard every keyPoll and
// closes the connections of every key that changed, until ctx ends. A
// failed read keeps the keys it had: the database may be back soon.
func watchKeys(ctx context.Context, st *store.Store, guard *access.Guard, hub *ws.Hub, log *slog.Logger) {
	t := time.NewTicker(keyPoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		qctx, cancel := context.WithTimeout(ctx, keyPoll)
		keys, err := st.AccessKeys(qctx)
		cancel()
		if err != nil {
			if ctx.Err() == nil {
				log.Warn("reading the access keys failed", "err", err)
			}
			continue
		}
		for _, k := range guard.SetKeys(keys) {
			log.Info("access key rotated; closing its connections", "role", k.Role, "version", k.Version)
			hub.Revoke(k.Role, k.Version)
		}
	}
}

// printLinks writes one share link per role, each on a line naming its
// role. It writes to out, never through the logger: this is the one place
// a key is written out, for the operator to share.
func printLinks(out io.Writer, base string, keys []store.AccessKey) {
	for _, k := range keys {
		fmt.Fprintf(out, "%s link: %s\n", k.Role, access.ShareLink(base, k.Key))
	}
}
