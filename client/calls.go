package client

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"unicode/utf8"

	"livedash/protocol"
)

// call is one request from its first send until its reply. It survives
// reconnects: it is written again, under the same id, on every new
// connection until answered.
type call struct {
	id       string
	order    uint64 // resends keep the order of the first sends
	frame    []byte
	mutation bool
	waiters  int   // callers waiting for the reply
	sent     bool  // written at least once, so it may have been applied
	conn     *conn // the connection it was last written to
	done     chan struct{}

	// Set before done is closed.
	seq  int64
	data json.RawMessage
	err  error
}

type requestIDKey struct{}

// WithRequestID makes the request made with ctx use id (1..64 characters)
// instead of a fresh one. Use it to retry a request whose context ended,
// without applying it twice: if the earlier request is still pending the
// retry waits for the same reply; if not, the server answers a mutation it
// remembers under (client id, id) with the original outcome. Never use an
// id for two different requests.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

var errRequestID = errors.New("livedash: a request id must have 1 to 64 characters")

// do sends one request and waits for its reply. When ctx ends first: a
// request not yet written anywhere is withdrawn and never applied; one
// already written stays pending, is resent after reconnects until the
// server answers, and applies at most once.
func (c *Client) do(ctx context.Context, typ string, data any, mutation bool) (int64, json.RawMessage, error) {
	if err := ctx.Err(); err != nil {
		return 0, nil, err
	}
	id, _ := ctx.Value(requestIDKey{}).(string)
	if _, given := ctx.Value(requestIDKey{}).(string); given && (id == "" || utf8.RuneCountInString(id) > maxRequestID) {
		return 0, nil, errRequestID
	}
	payload, err := json.Marshal(data)
	if err != nil {
		return 0, nil, err
	}
	c.mu.Lock()
	if c.state == Closed {
		c.mu.Unlock()
		return 0, nil, ErrClosed
	}
	cl := c.calls[id]
	if cl == nil {
		c.nextReq++
		if id == "" {
			id = c.idPrefix + strconv.FormatUint(c.nextReq, 36)
		}
		frame, err := json.Marshal(protocol.RequestFrame{Type: typ, ID: id, Data: payload})
		if err != nil {
			c.mu.Unlock()
			return 0, nil, err
		}
		cl = &call{id: id, order: c.nextReq, frame: frame, mutation: mutation, done: make(chan struct{})}
		c.calls[id] = cl
		if c.cur != nil {
			c.cur.enqueue(cl)
		}
	}
	cl.waiters++
	c.mu.Unlock()

	select {
	case <-cl.done:
		return cl.seq, cl.data, cl.err
	case <-ctx.Done():
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	select {
	case <-cl.done: // the reply won the race
		return cl.seq, cl.data, cl.err
	default:
	}
	cl.waiters--
	if cl.waiters == 0 && !cl.sent {
		delete(c.calls, cl.id)
	}
	return 0, nil, ctx.Err()
}

// complete settles a call; callers hold c.mu.
func (c *Client) complete(cl *call, seq int64, data json.RawMessage, err error) {
	if c.calls[cl.id] == cl {
		delete(c.calls, cl.id)
	}
	select {
	case <-cl.done:
		return
	default:
	}
	cl.seq, cl.data, cl.err = seq, data, err
	close(cl.done)
}

// pendingInOrder lists the unanswered requests in the order they were
// made; callers hold c.mu.
func (c *Client) pendingInOrder() []*call {
	out := make([]*call, 0, len(c.calls))
	for _, cl := range c.calls {
		out = append(out, cl)
	}
	slices.SortFunc(out, func(a, b *call) int { return cmp.Compare(a.order, b.order) })
	return out
}

// failUnrecognisable fails the mutations that a dropped connection may
// have applied, when there is no client id to make a resend safe; callers
// hold c.mu.
func (c *Client) failUnrecognisable() {
	for _, cl := range c.calls {
		if cl.mutation && cl.sent {
			c.complete(cl, 0, nil, ErrConnectionLost)
		}
	}
}

// oldestOn is the earliest request written to cn that is still unanswered;
// callers hold c.mu.
func (c *Client) oldestOn(cn *conn) *call {
	var oldest *call
	for _, cl := range c.calls {
		if cl.conn == cn && (oldest == nil || cl.order < oldest.order) {
			oldest = cl
		}
	}
	return oldest
}
