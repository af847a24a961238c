package ws

import (
	"cmp"
	"runtime"
	"time"
)

// Defaults of Config, also the defaults of the server's flags.
const (
	DefaultPingInterval  = 25 * time.Second
	DefaultPongWait      = 60 * time.Second
	DefaultWriteWait     = 10 * time.Second
	DefaultSendQueue     = 1024
	DefaultReadLimit     = 64 << 10
	DefaultRate          = 100
	DefaultBurst         = 200
	DefaultPresenceDelay = 100 * time.Millisecond
	DefaultReplayPage    = 500
)

// Config holds the connection limits. Zero values take the defaults above.
type Config struct {
	PingInterval time.Duration // how often the server pings
	PongWait     time.Duration // silence after which a peer is dropped
	WriteWait    time.Duration // deadline of one write
	SendQueue    int           // frames queued per connection
	ReadLimit    int64         // largest frame accepted, bytes
	Rate         float64       // messages per second per connection
	Burst        int           // messages allowed above the rate at once
	ReplayPage   int           // events read per page when resuming
	Writers      int           // goroutines writing for connections at most; default 2 per CPU, at least 4
}

// withDefaults fills in what is zero (or negative, which means nothing).
func (c Config) withDefaults() Config {
	c.PingInterval = cmp.Or(max(c.PingInterval, 0), DefaultPingInterval)
	c.PongWait = cmp.Or(max(c.PongWait, 0), DefaultPongWait)
	c.WriteWait = cmp.Or(max(c.WriteWait, 0), DefaultWriteWait)
	c.SendQueue = cmp.Or(max(c.SendQueue, 0), DefaultSendQueue)
	c.ReadLimit = cmp.Or(max(c.ReadLimit, 0), DefaultReadLimit)
	c.Rate = cmp.Or(max(c.Rate, 0), DefaultRate)
	c.Burst = cmp.Or(max(c.Burst, 0), DefaultBurst)
	c.ReplayPage = cmp.Or(max(c.ReplayPage, 0), DefaultReplayPage)
	c.Writers = cmp.Or(max(c.Writers, 0), max(4, 2*runtime.GOMAXPROCS(0)))
	return c
}
