package store

import "fmt"

// batchSeqs is a batch's seq bookkeeping. The log's seqs come from the
// counter row (seqCounter), whose lock a batch holds from its first
// reservation until it commits, so a batch reserves as late as it can:
// while its mutations apply, its events are numbered 1, 2, ... (own seqs),
// and everything it produces (events, replies, outcomes) carries own seqs.
// A reservation gives the events numbered so far their seqs in the log; the
// batch writes its events with those (log) and moves the rest to them once,
// after its last reservation.
//
// Invariants:
//   - 0 <= placed <= own: own seqs 1..placed have their seq in the log,
//     placed+1..own do not yet.
//   - Once placed > 0, base is fixed and own seq k is log seq base+k. The
//     batch holds the counter's lock then, so nobody else moves it and a
//     later reservation continues the first; place refuses one that does
//     not.
//   - Hence a batch's log seqs are consecutive, and the first follows the
//     last seq reserved before the batch.
type batchSeqs struct {
	own    int64 // events numbered so far: the own seq of the last
	placed int64 // own seqs 1..placed have their seq in the log
	base   int64 // log seq = base + own seq, once placed > 0
}

// next numbers one more event and returns its own seq.
func (q *batchSeqs) next() int64 {
	q.own++
	return q.own
}

// unplaced is how many numbered events have no seq in the log yet: how far
// the next reservation moves the counter.
func (q *batchSeqs) unplaced() int64 { return q.own - q.placed }

// place records a reservation: the counter moved by unplaced() and is now
// at top, so the events numbered so far end at log seq top.
func (q *batchSeqs) place(top int64) error {
	if q.placed == 0 {
		q.base = top - q.own
	} else if want := q.base + q.own; top != want {
		return fmt.Errorf("store: the seq counter moved to %d under this batch's lock, want %d", top, want)
	}
	q.placed = q.own
	return nil
}

// log is the seq in the log of a placed own seq.
func (q *batchSeqs) log(own int64) int64 { return q.base + own }

// last is the log seq of the batch's last event once all are placed, or
// known (the last seq this instance published) if the batch has none.
func (q *batchSeqs) last(known int64) int64 {
	if q.own == 0 {
		return known
	}
	return q.log(q.own)
}
