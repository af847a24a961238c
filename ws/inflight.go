package ws

import "sync"

// inflight counts a connection's mutations that await their reply. Unlike a
// WaitGroup it may be waited on while mutations are still being added: the
// shutdown waits from another goroutine than the reader that adds.
type inflight struct {
	mu   sync.Mutex
	n    int
	idle chan struct{} // closed while n == 0; nil means closed (no allocation per idle connection)
}

func (f *inflight) add() {
	f.mu.Lock()
	if f.n == 0 {
		f.idle = make(chan struct{})
	}
	f.n++
	f.mu.Unlock()
}

func (f *inflight) done() {
	f.mu.Lock()
	if f.n--; f.n == 0 {
		close(f.idle)
		f.idle = nil
	}
	f.mu.Unlock()
}

// wait returns once every mutation added before it was called is answered.
func (f *inflight) wait() {
	f.mu.Lock()
	idle := f.idle
	f.mu.Unlock()
	if idle != nil {
		<-idle
	}
}
