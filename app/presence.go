package app

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"livedash/models"
	"livedash/protocol"
	"livedash/store"
	"livedash/ws"
)

// presenceTick is how often an instance shares its presence and reads the
// others': a change shows everywhere within about two ticks plus the hub's
// coalescing delay, well inside the contract's 2 s.
const presenceTick = 500 * time.Millisecond

// sharePresence keeps the hub's view of the other instances' dashboards up
// to date through the database (store.SharePresence has the design) until
// ctx ends, then removes this instance's share. While the database is
// unreachable the last view stays.
func sharePresence(ctx context.Context, st *store.Store, hub *ws.Hub, log *slog.Logger) {
	instance := models.NewID(16)
	t := time.NewTicker(presenceTick)
	defer t.Stop()
	for {
		count, users := hub.LocalPresence()
		data, _ := json.Marshal(users)
		qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		shares, err := st.SharePresence(qctx, instance, count, data)
		cancel()
		if err == nil {
			remoteCount, remoteUsers := 0, []protocol.User(nil)
			for _, sh := range shares {
				var us []protocol.User
				if json.Unmarshal(sh.Users, &us) == nil {
					remoteUsers = append(remoteUsers, us...)
				}
				remoteCount += sh.Count
			}
			hub.SetRemotePresence(remoteCount, remoteUsers)
		} else if ctx.Err() == nil {
			log.Debug("share presence", "err", err)
		}
		select {
		case <-ctx.Done():
			dctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			_ = st.DropPresence(dctx, instance)
			cancel()
			return
		case <-t.C:
		}
	}
}
