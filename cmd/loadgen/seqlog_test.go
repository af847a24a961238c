package main

import "testing"

func TestSeqLogInOrder(t *testing.T) {
	l := newSeqLog(100)
	for s := int64(101); s <= 200; s++ {
		l.record(s, uint32(s))
	}
	g := checkLog(&l, 200, true)
	if !g.ok() || l.received != 100 {
		t.Fatalf("in-order log: %+v received %d", g, l.received)
	}
	if l.times[0] != 102 { // stored +1
		t.Errorf("slot 0 = %d", l.times[0])
	}
	// Expecting more than arrived: the tail is missing.
	if g := checkLog(&l, 205, true); g.missing != 0 || g.undelivered != 5 || g.ok() {
		t.Errorf("tail: %+v", g)
	}
}

func TestSeqLogGapDupOrder(t *testing.T) {
	l := newSeqLog(0)
	for _, s := range []int64{1, 2, 4, 5, 5, 3, 7, 0, -1} {
		l.record(s, 10)
	}
	g := checkLog(&l, 8, true)
	// 6 missing, 8 not yet delivered; 5 duplicated; 3 out of order; 0 and -1 stale.
	if g.missing != 1 || g.undelivered != 1 || g.dups != 1 || g.outOfOrder != 1 || g.stale != 2 {
		t.Errorf("got %+v", g)
	}
	if l.last != 7 {
		t.Errorf("last = %d", l.last)
	}
}

func TestSeqLogTimeZeroIsRecorded(t *testing.T) {
	l := newSeqLog(5)
	l.record(6, 0) // received at t=0 must not read as "missing"
	if g := checkLog(&l, 6, true); !g.ok() {
		t.Errorf("t=0 delivery counted as missing: %+v", g)
	}
}

func TestSeqLogDisconnected(t *testing.T) {
	l := newSeqLog(10)
	for _, s := range []int64{11, 12, 14, 15} {
		l.record(s, 1)
	}
	g := checkLog(&l, 20, false)
	// Held to 11..15 (13 missing); 16..20 lost after the disconnect.
	if g.missing != 1 || g.lostTail != 5 || g.ok() {
		t.Errorf("got %+v", g)
	}
	empty := newSeqLog(10)
	if g := checkLog(&empty, 12, false); g.missing != 0 || g.lostTail != 2 {
		t.Errorf("empty dropped log: %+v", g)
	}
	if g := checkLog(&empty, 12, true); g.missing != 0 || g.undelivered != 2 || g.lostTail != 0 {
		t.Errorf("empty live log: %+v", g)
	}
	// Seqs beyond final (another producer after the final snapshot) are fine.
	l.record(25, 1)
	if g := checkLog(&l, 20, false); g.missing != 6 || g.lostTail != 0 {
		t.Errorf("beyond final: %+v", g)
	}
	if g := checkLog(&empty, 10, false); !g.ok() {
		t.Errorf("nothing expected: %+v", g)
	}
}

func TestSeqLogBogusSeq(t *testing.T) {
	l := newSeqLog(0)
	l.record(maxSeqSpan+5, 1)
	if len(l.times) != 0 || l.bogus != 1 {
		t.Errorf("absurd seq allocated %d slots", len(l.times))
	}
	if checkLog(&l, 0, true).ok() {
		t.Error("a bogus seq should fail the check")
	}
}

func TestCountMissing(t *testing.T) {
	times := []uint32{1, 0, 3, 0}
	cases := []struct {
		upto, want int64
	}{{10, 0}, {11, 0}, {12, 1}, {14, 2}, {20, 8}, {5, 0}}
	for _, c := range cases {
		if got := countMissing(10, times, c.upto); got != c.want {
			t.Errorf("countMissing(upto %d) = %d, want %d", c.upto, got, c.want)
		}
	}
}

func TestSeqLogGrowth(t *testing.T) {
	l := newSeqLog(0)
	for s := int64(1); s <= 10000; s++ {
		l.record(s, uint32(s))
	}
	if cap(l.times) > 2*10000 || len(l.times) != 10000 {
		t.Errorf("len %d cap %d", len(l.times), cap(l.times))
	}
	for i, v := range l.times {
		if v != uint32(i+2) {
			t.Fatalf("slot %d = %d after growth", i, v)
		}
	}
}
