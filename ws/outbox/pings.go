package outbox

import (
	"sync"
	"time"
)

// pingSlots is how many groups the ping wheel spreads connections over: one
// group is pinged every PingInterval/pingSlots, so pings go out evenly
// instead of in one burst per interval.
const pingSlots = 16

// pingWheel pings every connection once per interval from one timer, in
// place of a ticker per connection. Its goroutine runs only while it has
// connections.
type pingWheel struct {
	interval time.Duration

	mu      sync.Mutex
	slots   [pingSlots]map[*Outbox]struct{}
	cursor  int // the slot pinged last
	n       int
	running bool
}

func (w *pingWheel) init(interval time.Duration) {
	w.interval = interval
	for i := range w.slots {
		w.slots[i] = make(map[*Outbox]struct{})
	}
}

// add puts o in the slot pinged last, so its first ping comes about an
// interval from now.
func (w *pingWheel) add(o *Outbox) {
	w.mu.Lock()
	defer w.mu.Unlock()
	o.pingSlot = uint8(w.cursor)
	w.slots[w.cursor][o] = struct{}{}
	w.n++
	if !w.running {
		w.running = true
		go w.run()
	}
}

func (w *pingWheel) remove(o *Outbox) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.slots[o.pingSlot][o]; ok {
		delete(w.slots[o.pingSlot], o)
		w.n--
	}
}

func (w *pingWheel) run() {
	t := time.NewTicker(max(w.interval/pingSlots, time.Millisecond))
	defer t.Stop()
	var due []*Outbox
	for range t.C {
		w.mu.Lock()
		if w.n == 0 {
			w.running = false
			w.mu.Unlock()
			return
		}
		w.cursor = (w.cursor + 1) % pingSlots
		for o := range w.slots[w.cursor] {
			if o.queuePing() {
				due = append(due, o)
			}
		}
		w.mu.Unlock()
		HandOff(due)
		if clear(due); cap(due) > 1024 {
			due = nil
		}
		due = due[:0]
	}
}
