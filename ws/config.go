package ws

import "time"

// Config holds the connection limits. Zero values take the defaults below.
type Config struct {
	PingInterval  time.Duration // how often the server pings; default 25s
	PongWait      time.Duration // silence after which a peer is dropped; default 60s
	WriteWait     time.Duration // deadline of one write; default 10s
	SendQueue     int           // frames queued per connection; default 1024
	ReadLimit     int64         // largest frame accepted, bytes; default 64 KiB
	Rate          float64       // messages per second per connection; default 100
	Burst         int           // default 200
	Origins       []string      // extra allowed Origins ("*" allows any)
	PresenceDelay time.Duration // presence updates are coalesced over this; default 100ms
	ReplayPage    int           // events read per page when resuming; default 500
}

func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.PingInterval, 25*time.Second)
	def(&c.PongWait, 60*time.Second)
	def(&c.WriteWait, 10*time.Second)
	def(&c.PresenceDelay, 100*time.Millisecond)
	if c.SendQueue <= 0 {
		c.SendQueue = 1024
	}
	if c.ReadLimit <= 0 {
		c.ReadLimit = 64 << 10
	}
	if c.Rate <= 0 {
		c.Rate = 100
	}
	if c.Burst <= 0 {
		c.Burst = 200
	}
	if c.ReplayPage <= 0 {
		c.ReplayPage = 500
	}
	return c
}
