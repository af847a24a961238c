package main

// seqLog is what one connection records about the events it receives:
// the receive time of each seq, in a slice indexed by seq-base-1 where base
// is the welcome's data.seq. A slot holds 0 when the seq has not arrived,
// else the receive time in microseconds since the run's start plus 1.
// Four bytes per delivery, no map, and the slice is only touched by the
// connection's own reader goroutine until the run is over.
type seqLog struct {
	base       int64 // welcome data.seq: the first expected event is base+1
	times      []uint32
	last       int64 // highest seq recorded so far (base when none)
	received   int64 // events recorded (duplicates included)
	dups       int64 // a seq that had already arrived
	outOfOrder int64 // a first arrival lower than a seq already seen
	stale      int64 // seq <= base: the server sent an event older than the welcome
	bogus      int64 // seq absurdly far ahead (ignored, to bound memory)
}

// maxSeqSpan bounds how far past the welcome a seq may be before it is
// treated as bogus rather than allocated for (64M events, 256 MB).
const maxSeqSpan = 1 << 26

func newSeqLog(base int64) seqLog { return seqLog{base: base, last: base} }

// record notes the arrival of seq at time t (µs since start; stored +1).
func (l *seqLog) record(seq int64, t uint32) {
	l.received++
	if seq <= l.base {
		l.stale++
		return
	}
	idx := seq - l.base - 1
	if idx >= maxSeqSpan {
		l.bogus++
		return
	}
	if idx >= int64(len(l.times)) {
		l.grow(int(idx) + 1)
	}
	if l.times[idx] != 0 {
		l.dups++
		return
	}
	l.times[idx] = t + 1
	if seq < l.last {
		l.outOfOrder++
	} else {
		l.last = seq
	}
}

func (l *seqLog) grow(n int) {
	if n <= cap(l.times) {
		l.times = l.times[:n]
		return
	}
	c := 2 * cap(l.times)
	if c < 64 {
		c = 64
	}
	if c < n {
		c = n
	}
	nt := make([]uint32, n, c)
	copy(nt, l.times)
	l.times = nt
}

// missing counts the seqs in (base, upto] that never arrived.
func (l *seqLog) missing(upto int64) int64 {
	return countMissing(l.base, l.times, upto)
}

// countMissing counts zero slots for seqs base+1..upto in times (slot i is
// seq base+1+i); seqs beyond the slice are all missing.
func countMissing(base int64, times []uint32, upto int64) int64 {
	want := upto - base
	if want <= 0 {
		return 0
	}
	var miss int64
	n := int64(len(times))
	if want > n {
		miss += want - n
		want = n
	}
	for _, t := range times[:want] {
		if t == 0 {
			miss++
		}
	}
	return miss
}

// gapReport is the result of checking one connection's log.
type gapReport struct {
	missing     int64 // holes: seqs never received below the last one received
	undelivered int64 // seqs after the last one received, up to final, on a live connection (still behind when the drain ended)
	lostTail    int64 // the same on a connection that dropped
	dups        int64
	outOfOrder  int64
	stale       int64
}

func (g gapReport) ok() bool {
	return g.missing == 0 && g.undelivered == 0 && g.lostTail == 0 && g.dups == 0 && g.outOfOrder == 0 && g.stale == 0
}

// checkLog checks that the connection saw every seq from base+1 to final
// exactly once and in order. Seqs missing below the last seq it received
// are holes (a real gap: a later event arrived, this one never will);
// seqs after it are either undelivered (the connection is alive but had
// not caught up by the end of the drain) or lost to a disconnect.
func checkLog(l *seqLog, final int64, alive bool) gapReport {
	g := gapReport{dups: l.dups, outOfOrder: l.outOfOrder, stale: l.stale + l.bogus}
	upto := min(l.last, final)
	g.missing = l.missing(upto)
	if tail := final - max(upto, l.base); tail > 0 {
		if alive {
			g.undelivered = tail
		} else {
			g.lostTail = tail
		}
	}
	return g
}
