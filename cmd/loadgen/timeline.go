package main

import (
	"bufio"
	"fmt"
	"os"
	"slices"
)

// writeTimeline writes one CSV row per mutation our writers had acked, in
// seq order: who sent it, when it was sent and acked, and when the
// connections received it (first, median, 99th percentile, last), all in
// µs since the run started. A percentile says how slow a run was; the
// timeline says when, and whether the send, the commit (ack) or the
// fan-out (deliveries) was slow. Call it once the readers are done.
func (r *runner) writeTimeline(path string) error {
	type mut struct {
		writer        int
		sendUs, ackUs int64
		recv          []int64
		lastClient    int // the client that received it last
		lastUs        int64
	}
	muts := map[int64]*mut{}
	for _, w := range r.writers {
		w.mu.Lock()
		for _, a := range w.acks {
			muts[a.seq] = &mut{writer: w.idx, sendUs: a.sendUs, ackUs: a.ackUs}
		}
		w.mu.Unlock()
	}
	for _, c := range r.clients {
		if c == nil {
			continue
		}
		for i, t := range c.log.times {
			if m := muts[c.log.base+1+int64(i)]; m != nil && t != 0 {
				m.recv = append(m.recv, int64(t)-1)
				if int64(t)-1 >= m.lastUs {
					m.lastUs, m.lastClient = int64(t)-1, c.idx
				}
			}
		}
	}
	seqs := make([]int64, 0, len(muts))
	for s := range muts {
		seqs = append(seqs, s)
	}
	slices.Sort(seqs)
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	fmt.Fprintln(bw, "seq,writer,send_us,ack_us,deliveries,first_us,p50_us,p99_us,last_us,last_client")
	for _, s := range seqs {
		m := muts[s]
		slices.Sort(m.recv)
		at := func(p int) int64 {
			if len(m.recv) == 0 {
				return -1
			}
			return m.recv[min(len(m.recv)-1, len(m.recv)*p/100)]
		}
		fmt.Fprintf(bw, "%d,%d,%d,%d,%d,%d,%d,%d,%d,%d\n", s, m.writer, m.sendUs, m.ackUs, len(m.recv), at(0), at(50), at(99), at(100), m.lastClient)
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
