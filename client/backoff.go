package client

import (
	"math/rand/v2"
	"time"
)

// stableAfter is how long a connection must have been live to count as a
// success: the next reconnect then starts again from MinDelay. A server
// that welcomes and drops at once keeps growing the wait instead.
const stableAfter = 5 * time.Second

// backoff is the wait before a reconnect after failures failed attempts:
// MinDelay doubled per failure up to MaxDelay, with a random half taken off
// so that clients dropped together spread out.
func (c *Client) backoff(failures int) time.Duration {
	d := c.opts.MinDelay
	for i := 0; i < failures && d < c.opts.MaxDelay; i++ {
		d *= 2
	}
	d = min(d, c.opts.MaxDelay)
	return d/2 + rand.N(d/2+1)
}

// sleep waits d, or less when the client closes; it reports whether the
// client is still open.
func (c *Client) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-c.ctx.Done():
		return false
	}
}
