package store

import "fmt"

// batchSeqs is a batch's seq bookkeeping. The log's seqs come from the
// counter row (seqCounter), whose lock a batch holds until it commits.
// While its mutations apply, its events are numbered 1, 2, ... (own seqs),
// and everything it produces (events, replies, outcomes) carries own seqs.
// A reservation moves the counter past the events numbered so far and
// gives them their seqs in the log; the batch writes its events with those
// (log) and moves the rest to them once, after its last reservation.
//
// The base (log seq = base + own seq) is fixed either by the first
// reservation, or before any, by the counter's value read under its lock
// (fix; PostgreSQL, a batch that runs alone and takes the lock first): then
// the batch knows its events' log seqs before it reserves. On PostgreSQL
// the statement that moves the counter also writes the events, numbered
// there from the counter's value (see pgWrite), so an ordered batch,
// whose base the reservation fixes, needs no round trip more.
//
// Invariants:
//   - 0 <= placed <= own: own seqs 1..placed have their seq in the log,
//     placed+1..own do not yet.
//   - Once fixed, base does not change and own seq k is log seq base+k.
//     The batch holds the counter's lock then, so nobody else moves it and
//     every reservation must end where base and own say; place refuses one
//     that does not.
//   - Hence a batch's log seqs are consecutive, and the first follows the
//     last seq reserved before the batch.
type batchSeqs struct {
	own    int64 // events numbered so far: the own seq of the last
	placed int64 // own seqs 1..placed have their seq in the log
	base   int64 // log seq = base + own seq, once fixed
	fixed  bool  // base is known: from fix or from the first reservation
}

// next numbers one more event and returns its own seq.
func (q *batchSeqs) next() int64 {
	q.own++
	return q.own
}

// unplaced is how many numbered events have no seq in the log yet: how far
// the next reservation moves the counter.
func (q *batchSeqs) unplaced() int64 { return q.own - q.placed }

// fix records the counter's value read under its lock before the batch
// reserved anything: its first event will be counter+1.
func (q *batchSeqs) fix(counter int64) error {
	if q.fixed || q.own != 0 {
		return fmt.Errorf("store: the batch's base seq is fixed after it numbered %d events", q.own)
	}
	q.base, q.fixed = counter, true
	return nil
}

// place records a reservation: the counter moved by unplaced() and is now
// at top, so the events numbered so far end at log seq top.
func (q *batchSeqs) place(top int64) error {
	if !q.fixed {
		q.base, q.fixed = top-q.own, true
	} else if want := q.base + q.own; top != want {
		return fmt.Errorf("store: the seq counter moved to %d under this batch's lock, want %d", top, want)
	}
	q.placed = q.own
	return nil
}

// log is the seq in the log of an own seq, once the base is fixed.
func (q *batchSeqs) log(own int64) int64 { return q.base + own }

// last is the log seq of the batch's last event once all are placed, or
// known (the last seq this instance published) if the batch has none.
func (q *batchSeqs) last(known int64) int64 {
	if q.own == 0 {
		return known
	}
	return q.log(q.own)
}
