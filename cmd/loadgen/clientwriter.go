package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	ldclient "livedash/client"
)

// An experiment: writers on livedash/client instead of the raw hot loop,
// to measure what the client costs (--client-writers).

// dialClientWriter connects writer c through livedash/client; the stream
// feeds the same seq log as the raw reader does.
func (r *runner) dialClientWriter(ctx context.Context, c *client) error {
	dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	lc, err := ldclient.Dial(dctx, "http://"+r.cfg.Addr, ldclient.Options{
		ClientID: c.name, Name: c.name,
		OnEvent: func(_ context.Context, ev ldclient.Event) {
			now := r.nowUs()
			switch {
			case ev.Type == ldclient.TypePresence:
				c.presence++
			case ev.Type == ldclient.TypeDisconnected:
				if !r.closing.Load() {
					c.dropped.Store(true)
					r.addErr("disconnected", 1)
				}
			case ev.IsChange():
				c.log.record(ev.Seq, uint32(now))
				if ev.Seq > c.maxSeen.Load() {
					c.maxSeen.Store(ev.Seq)
				}
			}
		},
	})
	if err != nil {
		return &codedError{"connect_failed", err}
	}
	c.lc = lc
	c.log = newSeqLog(lc.Welcome().Seq)
	c.maxSeen.Store(lc.Welcome().Seq)
	return nil
}

// runClient is run's loop with typed calls, one goroutine per request in
// flight.
func (w *writer) runClient(ctx context.Context, stop <-chan struct{}, perSec float64, budget *atomic.Int64) {
	var interval time.Duration
	if perSec > 0 {
		interval = time.Duration(float64(time.Second) / perSec)
	}
	next := time.Now()
	for {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		case w.tokens <- struct{}{}:
		}
		if interval > 0 {
			now := time.Now()
			if now.Sub(next) > 100*time.Millisecond {
				next = now
			}
			if d := next.Sub(now); d > 0 {
				select {
				case <-time.After(d):
				case <-stop:
					return
				}
			}
			next = next.Add(interval)
		}
		if until := w.backoffUntil.Load(); until > 0 {
			if d := time.Duration(until-w.r.nowUs()) * time.Microsecond; d > 0 {
				time.Sleep(d)
			}
		}
		if budget.Add(-1) < 0 {
			<-w.tokens
			return
		}
		op, target := w.pick()
		n := w.nextReq
		w.nextReq++
		now := w.r.nowUs()
		w.mu.Lock()
		w.pending[n] = pendingReq{sendUs: now, op: op}
		w.mu.Unlock()
		w.sent++
		w.sentByOp[op]++
		go w.callClient(n, op, target, now)
	}
}

func (w *writer) pick() (opKind, int64) {
	op := w.r.cfg.Mix.pick(w.rng.IntN(w.r.cfg.Mix.total))
	var target int64
	w.mu.Lock()
	defer w.mu.Unlock()
	switch op {
	case opScoreIncrement, opScoreUpdate:
		if target = w.pickTarget(w.r.scoreIDs, w.myScores); target == 0 {
			op = opScoreCreate
		}
	case opItemUpdate:
		if target = w.pickTarget(w.r.itemIDs, w.myItems); target == 0 {
			op = opItemCreate
		}
	case opScoreDelete:
		if target = popMine(&w.myScores); target == 0 {
			op = opScoreCreate
		}
	case opItemDelete:
		if target = popMine(&w.myItems); target == 0 {
			op = opItemCreate
		}
	}
	return op, target
}

func (w *writer) callClient(n uint64, op opKind, target int64, sendUs int64) {
	ctx := context.Background()
	lc := w.c.lc
	name := fmt.Sprintf("lg-%s-w%d-%d", w.r.runID, w.idx, n)
	var seq, created int64
	var err error
	switch op {
	case opScoreIncrement:
		_, seq, err = lc.IncrementScore(ctx, target, 1)
	case opScoreUpdate:
		p := int64(n % 1000)
		_, seq, err = lc.UpdateScore(ctx, ldclient.ScoreUpdate{ID: target, Points: &p})
	case opScoreCreate:
		sc, sq, e := lc.CreateScore(ctx, ldclient.NewScore{Player: name})
		seq, err, created = sq, e, sc.ID
	case opItemCreate:
		it, sq, e := lc.CreateItem(ctx, ldclient.NewItem{Name: name, Description: "created by loadgen"})
		seq, err, created = sq, e, it.ID
	case opItemUpdate:
		_, seq, err = lc.UpdateItem(ctx, ldclient.ItemUpdate{ID: target, Name: &name})
	case opScoreDelete:
		seq, err = lc.DeleteScore(ctx, target, 0)
	case opItemDelete:
		seq, err = lc.DeleteItem(ctx, target, 0)
	}
	now := w.r.nowUs()
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.pending[n]; !ok {
		return
	}
	delete(w.pending, n)
	<-w.tokens
	if err != nil {
		code := string(ldclient.CodeOf(err))
		if code == "" {
			code = "client_" + strings.ReplaceAll(err.Error(), " ", "_")
			if errors.Is(err, ldclient.ErrClosed) {
				code = "no_reply"
			}
		}
		if code == "rate_limited" {
			w.backoffUntil.Store(now + rateLimitBackoff.Microseconds())
		}
		w.errs[code]++
		w.failed++
		return
	}
	w.acked++
	w.ackHist.record(now - sendUs)
	if now > w.lastAckUs {
		w.lastAckUs = now
	}
	w.acks = append(w.acks, ackRec{seq: seq, sendUs: sendUs})
	switch {
	case op == opScoreCreate && created > 0:
		w.myScores = append(w.myScores, created)
	case op == opItemCreate && created > 0:
		w.myItems = append(w.myItems, created)
	}
}
