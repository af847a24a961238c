package client_test

import (
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// proxy forwards TCP connections to a server, and lets a test hold back
// what the server sends and cut connections: a reply lost in the network,
// as the client sees it.
type proxy struct {
	tb     testing.TB
	target string
	ln     net.Listener

	mu      sync.Mutex
	links   map[*link]struct{}
	closed  bool
	refuse  bool          // close new connections at once
	refused int           // connections closed so far
	changed chan struct{} // closed and replaced when refused grows
	wg      sync.WaitGroup
}

// link is one proxied connection.
type link struct {
	client, server net.Conn
	mu             sync.Mutex
	held           bool
	released       chan struct{} // closed when the hold ends by a cut
}

func newProxy(tb testing.TB, target string) *proxy {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("proxy: %v", err)
	}
	p := &proxy{tb: tb, target: target, ln: ln, links: map[*link]struct{}{}, changed: make(chan struct{})}
	p.wg.Add(1)
	go p.accept()
	tb.Cleanup(p.close)
	return p
}

// URL is the server base URL through the proxy.
func (p *proxy) URL() string { return "http://" + p.ln.Addr().String() }

func (p *proxy) accept() {
	defer p.wg.Done()
	for {
		cc, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		refuse := p.refuse
		if refuse {
			p.refused++
			close(p.changed)
			p.changed = make(chan struct{})
		}
		p.mu.Unlock()
		if refuse {
			cc.Close()
			continue
		}
		sc, err := net.Dial("tcp", p.target)
		if err != nil {
			cc.Close()
			continue
		}
		l := &link{client: cc, server: sc, released: make(chan struct{})}
		p.mu.Lock()
		p.links[l] = struct{}{}
		closed := p.closed
		p.mu.Unlock()
		if closed {
			l.cut()
		}
		p.wg.Add(2)
		go func() {
			defer p.wg.Done()
			_, _ = io.Copy(sc, cc)
			l.cut()
		}()
		go func() {
			defer p.wg.Done()
			l.toClient()
		}()
	}
}

// toClient forwards the server's bytes unless the link is held; held bytes
// are never delivered.
func (l *link) toClient() {
	defer l.cut()
	buf := make([]byte, 32<<10)
	for {
		n, err := l.server.Read(buf)
		if n > 0 {
			l.mu.Lock()
			held := l.held
			l.mu.Unlock()
			if held {
				<-l.released
				return
			}
			if _, werr := l.client.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (l *link) cut() {
	l.mu.Lock()
	defer l.mu.Unlock()
	select {
	case <-l.released:
	default:
		close(l.released)
	}
	l.client.Close()
	l.server.Close()
}

// hold stops delivering what the server sends on the connections open now;
// new connections are not held.
func (p *proxy) hold() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for l := range p.links {
		l.mu.Lock()
		l.held = true
		l.mu.Unlock()
	}
}

// refusing makes new connections fail (on) or go through again (off).
func (p *proxy) refusing(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refuse = on
}

// waitRefused waits until n more connections have been refused, that is
// until the client has tried n more times.
func (p *proxy) waitRefused(n int) error {
	p.mu.Lock()
	want := p.refused + n
	p.mu.Unlock()
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		p.mu.Lock()
		done, changed := p.refused >= want, p.changed
		p.mu.Unlock()
		if done {
			return nil
		}
		select {
		case <-changed:
		case <-deadline.C:
			return fmt.Errorf("proxy: %d connections refused within %s, want %d", want-n, wait, want)
		}
	}
}

// cut closes every connection open now, dropping whatever was held.
func (p *proxy) cut() {
	p.mu.Lock()
	links := p.links
	p.links = map[*link]struct{}{}
	p.mu.Unlock()
	for l := range links {
		l.cut()
	}
}

func (p *proxy) close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.ln.Close()
	p.cut()
	p.wg.Wait()
}
