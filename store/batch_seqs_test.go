package store

import (
	"strings"
	"testing"
)

// TestBatchSeqs walks batches through numbering and reservations as the
// writer does: one reservation at the end, two (an undo flushes the events
// before it), none (a batch of failures).
func TestBatchSeqs(t *testing.T) {
	type step struct {
		number int   // events numbered before the reservation
		top    int64 // where the counter is after it
	}
	tests := []struct {
		name   string
		steps  []step
		known  int64 // the last seq published, for last()
		want   []int64
		last   int64
		errMsg string
		fixed  *int64 // the counter read under its lock before the batch (fix)
		// unreserved events are numbered after the steps, with no
		// reservation: only a fixed base gives them log seqs.
		unreserved int
	}{
		{name: "one reservation places every event after the counter's old top",
			steps: []step{{number: 3, top: 13}}, known: 10, want: []int64{11, 12, 13}, last: 13},
		{name: "a second reservation continues the first",
			steps: []step{{number: 2, top: 12}, {number: 3, top: 15}}, known: 10, want: []int64{11, 12, 13, 14, 15}, last: 15},
		{name: "a reservation with nothing new numbered changes nothing",
			steps: []step{{number: 2, top: 7}, {number: 0, top: 7}}, known: 5, want: []int64{6, 7}, last: 7},
		{name: "a batch without events ends at the last seq published",
			known: 42, last: 42},
		{name: "a counter moved under the batch's lock is refused",
			steps: []step{{number: 2, top: 12}, {number: 1, top: 20}}, errMsg: "moved to 20 under this batch's lock, want 13"},
		{name: "a base fixed from the counter read under its lock places after it",
			fixed: ptr[int64](10), steps: []step{{number: 3, top: 13}}, known: 9, want: []int64{11, 12, 13}, last: 13},
		{name: "a base fixed from the counter numbers the events before any reservation",
			fixed: ptr[int64](10), known: 9, want: []int64{11, 12}, last: 12, unreserved: 2},
		{name: "a first reservation that disagrees with the fixed base is refused",
			fixed: ptr[int64](10), steps: []step{{number: 3, top: 14}}, errMsg: "moved to 14 under this batch's lock, want 13"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var q batchSeqs
			var own []int64
			if tt.fixed != nil {
				if err := q.fix(*tt.fixed); err != nil {
					t.Fatalf("fix(%d): %v", *tt.fixed, err)
				}
			}
			for _, st := range tt.steps {
				for range st.number {
					own = append(own, q.next())
				}
				if got := q.unplaced(); got != int64(st.number) {
					t.Fatalf("unplaced = %d, want %d", got, st.number)
				}
				if st.number == 0 {
					continue // the writer reserves nothing then
				}
				err := q.place(st.top)
				if tt.errMsg != "" && err != nil {
					if !strings.Contains(err.Error(), tt.errMsg) {
						t.Fatalf("place(%d) = %v, want an error with %q", st.top, err, tt.errMsg)
					}
					return
				}
				if err != nil {
					t.Fatalf("place(%d): %v", st.top, err)
				}
				if q.unplaced() != 0 {
					t.Fatalf("unplaced = %d after a reservation, want 0", q.unplaced())
				}
			}
			if tt.errMsg != "" {
				t.Fatalf("no error, want one with %q", tt.errMsg)
			}
			for range tt.unreserved {
				own = append(own, q.next())
			}
			for i, o := range own {
				if o != int64(i+1) {
					t.Errorf("own seq of event %d = %d, want %d", i, o, i+1)
				}
				if got := q.log(o); got != tt.want[i] {
					t.Errorf("log(%d) = %d, want %d", o, got, tt.want[i])
				}
			}
			if len(own) != len(tt.want) {
				t.Errorf("numbered %d events, want %d", len(own), len(tt.want))
			}
			if got := q.last(tt.known); got != tt.last {
				t.Errorf("last(%d) = %d, want %d", tt.known, got, tt.last)
			}
		})
	}
}

// TestBatchSeqsFixOnlyFirst: a base fixed after events were numbered, or
// fixed twice, would renumber events already given out.
func TestBatchSeqsFixOnlyFirst(t *testing.T) {
	tests := []struct {
		name  string
		setup func(q *batchSeqs)
	}{
		{name: "after an event was numbered", setup: func(q *batchSeqs) { q.next() }},
		{name: "a second time", setup: func(q *batchSeqs) { _ = q.fix(3) }},
		{name: "after a reservation", setup: func(q *batchSeqs) { q.next(); _ = q.place(5) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var q batchSeqs
			tt.setup(&q)
			if err := q.fix(7); err == nil {
				t.Fatal("fix succeeded, want an error")
			}
		})
	}
}
