package access

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// failures limits failed credentials per remote address, so keys cannot be
// guessed: each failure takes a token, and an address with none left is
// refused (rate_limited) before its credential is even looked at, so a
// guess made while limited cannot succeed.
type failures struct {
	every time.Duration // one failure forgiven per every
	burst int
	mu    sync.Mutex
	by    map[string]*rate.Limiter
}

// Addresses tracked before the forgiven ones are dropped.
const maxTracked = 4096

func newFailures(every time.Duration, burst int) *failures {
	return &failures{every: every, burst: burst, by: make(map[string]*rate.Limiter)}
}

// blocked reports whether addr has no failures left.
func (f *failures) blocked(addr string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	l, ok := f.by[addr]
	return ok && l.Tokens() < 1
}

// fail records a failure from addr; false: it was one too many.
func (f *failures) fail(addr string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	l, ok := f.by[addr]
	if !ok {
		if len(f.by) >= maxTracked {
			f.forget()
		}
		l = rate.NewLimiter(rate.Every(f.every), f.burst)
		f.by[addr] = l
	}
	return l.Allow()
}

// forget drops the addresses whose failures are all forgiven; if that
// frees nothing (a flood from many addresses), it drops them all rather
// than grow without bound. Callers hold f.mu.
func (f *failures) forget() {
	for a, l := range f.by {
		if l.Tokens() >= float64(f.burst) {
			delete(f.by, a)
		}
	}
	if len(f.by) >= maxTracked {
		clear(f.by)
	}
}
