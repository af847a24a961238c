package outbox

import (
	"runtime"
	"sync"
	"time"

	"github.com/fasthttp/websocket"

	"livedash/metrics"
)

// Config is what a Pool needs; the session fills in its defaults, so every
// value must be positive.
type Config struct {
	Writers      int           // goroutines writing at most
	WriteWait    time.Duration // deadline of a write that may wait on the peer
	PingInterval time.Duration // how often each connection is pinged
	SendQueue    int           // frames queued per connection before it is closed
	Metrics      *metrics.Metrics
}

// Pool is what every connection of a server shares for writing: the
// writers, the ping wheel, and the buffers that writes are coalesced in.
type Pool struct {
	writeWait time.Duration
	sendQueue int
	metrics   *metrics.Metrics
	buffers   sync.Pool // *[]byte for coalescing writes
	rawWrites sync.Pool // *rawWrite, see tryWrite
	writers   writerPool
	pings     pingWheel
}

// NewPool makes a pool; it starts goroutines only while there is work.
func NewPool(cfg Config) *Pool {
	p := &Pool{writeWait: cfg.WriteWait, sendQueue: cfg.SendQueue, metrics: cfg.Metrics}
	p.writers.max = cfg.Writers
	p.writers.yield = runtime.Gosched
	p.pings.init(cfg.PingInterval)
	p.buffers.New = func() any {
		b := make([]byte, 0, 4096)
		return &b
	}
	p.rawWrites.New = func() any {
		w := new(rawWrite)
		w.fn = w.write
		return w
	}
	return p
}

// Open readies o, zero until now, to write to ws through p. The caller
// owns the writing turn until it calls o.Release (see the package doc).
func (p *Pool) Open(o *Outbox, ws *websocket.Conn) {
	o.pool = p
	o.ws = ws
	o.raw = rawConnOf(ws.NetConn())
	o.owned = true
}

// HandOff hands outboxes whose turn the caller took (Enqueue reported
// true) to their pools' writers, one lock per run of outboxes that share a
// pool (all of them, in practice).
func HandOff(due []*Outbox) {
	for i := 0; i < len(due); {
		j := i + 1
		for j < len(due) && due[j].pool == due[i].pool {
			j++
		}
		due[i].pool.writers.push(due[i:j]...)
		i = j
	}
}
