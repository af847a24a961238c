package ws

import "time"

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
}

func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.PingInterval, DefaultPingInterval)
	def(&c.PongWait, DefaultPongWait)
	def(&c.WriteWait, DefaultWriteWait)
	if c.SendQueue <= 0 {
		c.SendQueue = DefaultSendQueue
	}
	if c.ReadLimit <= 0 {
		c.ReadLimit = DefaultReadLimit
	}
	if c.Rate <= 0 {
		c.Rate = DefaultRate
	}
	if c.Burst <= 0 {
		c.Burst = DefaultBurst
	}
	if c.ReplayPage <= 0 {
		c.ReplayPage = DefaultReplayPage
	}
	return c
}
