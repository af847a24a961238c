package main

import (
	"bytes"
	"context"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fasthttp/websocket"

	"livedash/protocol"
)

// writer is the sending side of a writer connection (its reads go through
// the same readLoop as listeners, which hands it acks and errors).
type writer struct {
	r      *runner
	c      *client
	idx    int
	prefix []byte // request ids are prefix + counter, unique per run
	rng    *rand.Rand
	tokens chan struct{} // a slot per request in flight

	backoffUntil atomic.Int64 // µs; set on rate_limited

	// Only the sending goroutine touches these.
	nextReq  uint64
	sent     int64
	sentByOp [numOps]int64
	buf      []byte

	mu        sync.Mutex
	pending   map[uint64]pendingReq
	acks      []ackRec
	ackHist   *histogram
	errs      map[string]int64
	acked     int64
	failed    int64
	lastAckUs int64
	myItems   []int64 // created by this writer: targets for update/delete
	myScores  []int64
}

type pendingReq struct {
	sendUs int64
	op     opKind
}

// ackRec joins a seq to the send time of the mutation that produced it,
// and to when its ack arrived.
type ackRec struct {
	seq    int64
	sendUs int64
	ackUs  int64
}

// rateLimitBackoff is how long a writer pauses after a rate_limited error.
const rateLimitBackoff = 20 * time.Millisecond

func newWriter(r *runner, idx int, inflight int) *writer {
	return &writer{
		r:       r,
		idx:     idx,
		prefix:  []byte(r.runID + "-w" + strconv.Itoa(idx) + "-"),
		rng:     rand.New(rand.NewPCG(uint64(r.start.UnixNano()), uint64(idx))),
		tokens:  make(chan struct{}, inflight),
		pending: make(map[uint64]pendingReq, inflight),
		ackHist: newHistogram(),
		errs:    map[string]int64{},
		buf:     make([]byte, 0, 256),
	}
}

// run sends mutations until stop is closed, ctx ends, the budget runs out
// or the connection fails. perSec > 0 paces sends open-loop at that rate
// (bounded by the in-flight cap); 0 sends whenever a slot is free.
func (w *writer) run(ctx context.Context, stop <-chan struct{}, perSec float64, budget *atomic.Int64) {
	var interval time.Duration
	if perSec > 0 {
		interval = time.Duration(float64(time.Second) / perSec)
		if interval <= 0 {
			interval = 1
		}
	}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	sleep := func(d time.Duration) bool {
		timer.Reset(d)
		select {
		case <-timer.C:
			return true
		case <-stop:
			timer.Stop()
			return false
		case <-ctx.Done():
			timer.Stop()
			return false
		}
	}
	// Stagger the writers' schedules so they do not send in lockstep.
	next := time.Now()
	if interval > 0 {
		next = next.Add(time.Duration(w.rng.Int64N(int64(interval))))
	}
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
				next = now // far behind (in-flight cap hit): do not burst to catch up
			}
			if d := next.Sub(now); d > 0 && !sleep(d) {
				return
			}
			next = next.Add(interval)
		}
		if until := w.backoffUntil.Load(); until > 0 {
			if d := time.Duration(until-w.r.nowUs()) * time.Microsecond; d > 0 && !sleep(d) {
				return
			}
		}
		if budget.Add(-1) < 0 {
			<-w.tokens
			return
		}
		op, msg := w.build()
		w.buf = msg[:0]
		n := w.nextReq
		w.nextReq++
		now := w.r.nowUs()
		w.mu.Lock()
		w.pending[n] = pendingReq{sendUs: now, op: op}
		w.mu.Unlock()
		_ = w.c.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
		if err := w.c.conn.WriteMessage(websocket.TextMessage, msg); err != nil {
			w.mu.Lock()
			if _, ok := w.pending[n]; ok {
				delete(w.pending, n)
				<-w.tokens
			}
			w.errs["write_failed"]++
			w.mu.Unlock()
			w.r.noteErr(w.c.name + " write: " + err.Error())
			return
		}
		w.sent++
		w.sentByOp[op]++
	}
}

// pickTarget returns a random id from shared ∪ mine (0 if both are empty).
func (w *writer) pickTarget(shared []int64, mine []int64) int64 {
	n := len(shared) + len(mine)
	if n == 0 {
		return 0
	}
	i := w.rng.IntN(n)
	if i < len(shared) {
		return shared[i]
	}
	return mine[i-len(shared)]
}

// popMine removes and returns the newest id in *mine (0 if empty).
func popMine(mine *[]int64) int64 {
	s := *mine
	if len(s) == 0 {
		return 0
	}
	id := s[len(s)-1]
	*mine = s[:len(s)-1]
	return id
}

// build picks the next mutation from the mix and encodes it into w.buf.
// A mutation that has no target (an update with no record to update, a
// delete with nothing this writer created) becomes the matching create.
func (w *writer) build() (opKind, []byte) {
	op := w.r.cfg.Mix.pick(w.rng.IntN(w.r.cfg.Mix.total))
	var target int64
	w.mu.Lock()
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
	w.mu.Unlock()
	return op, encodeRequest(w.buf[:0], op, w.prefix, w.nextReq, target, w.r.runID, w.idx)
}

// encodeRequest appends the JSON request. Names are built from the run id,
// the writer index and the request number, so they are unique (score
// players must be) and need no escaping.
func encodeRequest(b []byte, op opKind, prefix []byte, n uint64, target int64, runID string, widx int) []byte {
	b = append(b, `{"type":"`...)
	b = append(b, opTypes[op]...)
	b = append(b, `","id":"`...)
	b = append(b, prefix...)
	b = strconv.AppendUint(b, n, 10)
	b = append(b, `","data":{`...)
	name := func(b []byte, tag string) []byte {
		b = append(b, `"lg-`...)
		b = append(b, runID...)
		b = append(b, "-w"...)
		b = strconv.AppendInt(b, int64(widx), 10)
		b = append(b, tag...)
		b = strconv.AppendUint(b, n, 10)
		return append(b, '"')
	}
	switch op {
	case opScoreIncrement:
		b = append(b, `"id":`...)
		b = strconv.AppendInt(b, target, 10)
		b = append(b, `,"by":1`...)
	case opScoreUpdate:
		b = append(b, `"id":`...)
		b = strconv.AppendInt(b, target, 10)
		b = append(b, `,"points":`...)
		b = strconv.AppendUint(b, n%1000, 10)
	case opScoreCreate:
		b = append(b, `"player":`...)
		b = name(b, "-p")
	case opItemCreate:
		b = append(b, `"name":`...)
		b = name(b, "-i")
		b = append(b, `,"description":"created by loadgen"`...)
	case opItemUpdate:
		b = append(b, `"id":`...)
		b = strconv.AppendInt(b, target, 10)
		b = append(b, `,"name":`...)
		b = name(b, "-u")
	case opScoreDelete, opItemDelete:
		b = append(b, `"id":`...)
		b = strconv.AppendInt(b, target, 10)
	}
	return append(b, "}}"...)
}

// reqNum recovers the request counter from an echoed id.
func (w *writer) reqNum(id []byte) (uint64, bool) {
	if !bytes.HasPrefix(id, w.prefix) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(id[len(w.prefix):]), 10, 64)
	return n, err == nil
}

func (w *writer) onAck(f frameHead, b []byte, now int64) {
	n, ok := w.reqNum(f.ID)
	w.mu.Lock()
	defer w.mu.Unlock()
	p, found := w.pending[n]
	if !ok || !found {
		w.errs["unknown_ack"]++
		return
	}
	delete(w.pending, n)
	<-w.tokens
	w.acked++
	w.ackHist.record(now - p.sendUs)
	if now > w.lastAckUs {
		w.lastAckUs = now
	}
	if f.HasSeq {
		w.acks = append(w.acks, ackRec{seq: f.Seq, sendUs: p.sendUs, ackUs: now})
	} else {
		w.errs["ack_without_seq"]++
	}
	switch p.op {
	case opScoreCreate:
		if id := ackRecordID(b); id > 0 {
			w.myScores = append(w.myScores, id)
		}
	case opItemCreate:
		if id := ackRecordID(b); id > 0 {
			w.myItems = append(w.myItems, id)
		}
	}
}

func (w *writer) onError(f frameHead, b []byte, now int64) {
	code := errorCode(b)
	if code == string(protocol.CodeRateLimited) {
		w.backoffUntil.Store(now + rateLimitBackoff.Microseconds())
	}
	n, ok := w.reqNum(f.ID)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.errs[code]++
	if !ok {
		return
	}
	if _, found := w.pending[n]; found {
		delete(w.pending, n)
		<-w.tokens
		w.failed++
	}
}

func (w *writer) inflight() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.pending)
}
