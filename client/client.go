package client

import (
	"context"
	"crypto/rand"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/fasthttp/websocket"

	"livedash/protocol"
)

// ConnState is where a Client is in its life; see the package comment.
type ConnState int32

const (
	Connecting   ConnState = iota // dialling the first connection
	Live                          // welcomed; requests go out at once
	Reconnecting                  // a connection dropped; requests wait for the next one
	Closed                        // Close was called; everything has stopped
)

func (s ConnState) String() string {
	switch s {
	case Connecting:
		return "connecting"
	case Live:
		return "live"
	case Reconnecting:
		return "reconnecting"
	case Closed:
		return "closed"
	}
	return "unknown"
}

// Client is one program's connection to a livedash server, kept up across
// drops. It is safe for concurrent use.
type Client struct {
	opts     Options
	wsURL    *url.URL
	restBase *url.URL
	http     *http.Client
	ownHTTP  bool
	dialer   *websocket.Dialer
	idPrefix string // keeps request ids unique across runs that share a client id

	ctx      context.Context // ends at Close; bounds dials and sleeps
	cancel   context.CancelFunc
	wg       sync.WaitGroup // every goroutine the client started
	deliver  *delivery
	welcomed chan struct{} // closed at the first welcome
	failed   chan error    // the first connection's end when it came before a welcome

	mu         sync.Mutex
	state      ConnState
	cur        *conn // where requests are written; nil between connections
	calls      map[string]*call
	nextReq    uint64
	seq        int64  // last seq accepted in order: where the next connection resumes
	epoch      string // the epoch seq belongs to
	positioned bool   // seq and epoch name a position the server can resume from
	everLive   bool
	welcome    protocol.Welcome
}

// Dial opens the first connection to the server at serverURL (its base,
// such as "http://127.0.0.1:3000") and returns once the server has welcomed
// it. A failure of this first connection is returned, not retried; from
// then on the Client reconnects by itself until Close.
func Dial(ctx context.Context, serverURL string, opts Options) (*Client, error) {
	opts, err := opts.normalize()
	if err != nil {
		return nil, err
	}
	wsURL, restBase, err := endpoints(serverURL)
	if err != nil {
		return nil, err
	}
	c := &Client{
		opts:     opts,
		wsURL:    wsURL,
		restBase: restBase,
		http:     opts.HTTPClient,
		dialer:   &websocket.Dialer{HandshakeTimeout: handshakeTimeout, ReadBufferSize: 4096, WriteBufferSize: 4096},
		idPrefix: rand.Text()[:8] + "-",
		welcomed: make(chan struct{}),
		failed:   make(chan error, 1),
		calls:    map[string]*call{},
	}
	if c.http == nil {
		c.http = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
		c.ownHTTP = true
	}
	if opts.Epoch != "" {
		c.seq, c.epoch, c.positioned = opts.Since, opts.Epoch, true
	}
	c.deliver = newDelivery(opts.OnEvent, c.seq, c.epoch)
	c.ctx, c.cancel = context.WithCancel(context.Background())

	cn, err := c.connect(ctx)
	if err != nil {
		c.cancel()
		c.closeIdle()
		return nil, err
	}
	c.wg.Add(2)
	go func() {
		defer c.wg.Done()
		c.deliver.run(c.ctx)
	}()
	go func() {
		defer c.wg.Done()
		c.run(cn)
	}()
	select {
	case <-c.welcomed:
		return c, nil
	case err = <-c.failed:
	case <-ctx.Done():
		err = ctx.Err()
	}
	c.Close()
	return nil, err
}

// Close stops the client: the connection is closed, requests still waiting
// fail with ErrClosed, and every goroutine of the client has ended when it
// returns, OnEvent included: Close waits for a call in progress, whose
// context it has ended, and drops the events still queued. It must not be
// called from OnEvent.
func (c *Client) Close() error {
	c.mu.Lock()
	first := c.state != Closed
	c.state = Closed
	cn := c.cur
	c.cur = nil
	for _, cl := range c.calls {
		c.complete(cl, 0, nil, ErrClosed)
	}
	c.mu.Unlock()
	if first {
		c.cancel()
		if cn != nil {
			msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
			_ = cn.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
			_ = cn.ws.Close()
		}
	}
	c.wg.Wait()
	c.closeIdle()
	return nil
}

func (c *Client) closeIdle() {
	if c.ownHTTP {
		c.http.CloseIdleConnections()
	}
}

// ConnState reports where the client is now.
func (c *Client) ConnState() ConnState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}

// Welcome is what the server said when the current (or last) connection
// opened.
func (c *Client) Welcome() protocol.Welcome {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.welcome
}

// ClientID is the client id the connections use ("" with Anonymous).
// Store it with Position to keep idempotency across restarts.
func (c *Client) ClientID() string { return c.opts.ClientID }

// Position is the seq and epoch OnEvent has processed so far: store them
// and pass them as Options.Since and Options.Epoch to resume after a
// restart. The epoch is empty until the first resync of a fresh start has
// been processed.
func (c *Client) Position() (seq int64, epoch string) {
	return c.deliver.position()
}

// WaitSeq returns once OnEvent has processed the event with this seq (or a
// resync past it), for example the seq a mutation returned.
func (c *Client) WaitSeq(ctx context.Context, seq int64) error {
	return c.deliver.waitSeq(ctx, seq, c.ctx.Done())
}
