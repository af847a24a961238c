package client

import (
	"context"
	"sync"

	"livedash/protocol"
)

// delivery hands the stream to OnEvent on a goroutine of its own. The
// reader only appends here, so a slow handler never holds up reading
// frames: replies keep arriving, and the server never sees a slow reader.
type delivery struct {
	handler func(context.Context, Event)

	mu      sync.Mutex
	queue   []Event
	wake    chan struct{} // holds a token while the queue may be non-empty
	seq     int64         // the position OnEvent has processed
	epoch   string
	changed chan struct{} // closed and replaced whenever seq or epoch change
}

func newDelivery(handler func(context.Context, Event), seq int64, epoch string) *delivery {
	return &delivery{handler: handler, wake: make(chan struct{}, 1), seq: seq, epoch: epoch,
		changed: make(chan struct{})}
}

func (d *delivery) push(ev Event) {
	d.mu.Lock()
	d.queue = append(d.queue, ev)
	d.mu.Unlock()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// run delivers until ctx ends; what is still queued then is dropped.
func (d *delivery) run(ctx context.Context) {
	stop := ctx.Done()
	var spare []Event
	for {
		select {
		case <-stop:
			return
		case <-d.wake:
		}
		d.mu.Lock()
		batch := d.queue
		d.queue = spare[:0]
		d.mu.Unlock()
		for i, ev := range batch {
			select {
			case <-stop:
				return
			default:
			}
			if d.handler != nil {
				d.handler(ctx, ev)
			}
			d.handled(ev)
			batch[i] = Event{}
		}
		// A burst should not pin a large array for good.
		if spare = batch; cap(spare) > 4096 {
			spare = nil
		}
	}
}

// handled moves the position past an event OnEvent has returned from.
func (d *delivery) handled(ev Event) {
	var seq int64
	var epoch string
	switch {
	case ev.Seq > 0:
		seq = ev.Seq
	case ev.Type == protocol.TypeResync:
		r, _ := ev.Resync()
		seq, epoch = r.Seq, r.Epoch
	default:
		return
	}
	d.mu.Lock()
	d.seq = seq
	if epoch != "" {
		d.epoch = epoch
	}
	close(d.changed)
	d.changed = make(chan struct{})
	d.mu.Unlock()
}

func (d *delivery) position() (int64, string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.seq, d.epoch
}

// waitSeq returns once OnEvent has processed seq, or a resync past it.
func (d *delivery) waitSeq(ctx context.Context, seq int64, closed <-chan struct{}) error {
	for {
		d.mu.Lock()
		ok, changed := d.seq >= seq, d.changed
		d.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		case <-closed:
			return ErrClosed
		}
	}
}
