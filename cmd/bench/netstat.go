package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// netCounters are the machine's TCP loss counters: on loopback a packet is
// lost only when a queue overflows (the per-CPU backlog, counted as softnet
// drops), and TCP then waits for a retransmission timer (at least 200 ms)
// or a loss probe. A run that had any has latency outliers that are the
// kernel's, whatever the server did.
type netCounters struct {
	Retrans     int64 `json:"retrans_segs"`    // Tcp RetransSegs
	Timeouts    int64 `json:"tcp_timeouts"`    // TcpExt TCPTimeouts: RTO expirations
	LossProbes  int64 `json:"tcp_loss_probes"` // TcpExt TCPLossProbes: tail loss probes sent
	SoftnetDrop int64 `json:"softnet_dropped"` // /proc/net/softnet_stat column 2, all CPUs
	BacklogDrop int64 `json:"tcp_backlog_drop"`
}

func (a netCounters) sub(b netCounters) netCounters {
	return netCounters{a.Retrans - b.Retrans, a.Timeouts - b.Timeouts, a.LossProbes - b.LossProbes,
		a.SoftnetDrop - b.SoftnetDrop, a.BacklogDrop - b.BacklogDrop}
}

func (n netCounters) String() string {
	return fmt.Sprintf("retransmitted %d, RTO timeouts %d, loss probes %d, softnet drops %d, backlog drops %d",
		n.Retrans, n.Timeouts, n.LossProbes, n.SoftnetDrop, n.BacklogDrop)
}

// readNetCounters reads them from /proc (Linux only).
func readNetCounters() (netCounters, error) {
	var n netCounters
	kv := map[string]int64{}
	for _, path := range []string{"/proc/net/snmp", "/proc/net/netstat"} {
		b, err := os.ReadFile(path)
		if err != nil {
			return n, err
		}
		parseProcTable(b, kv)
	}
	n.Retrans, n.Timeouts, n.LossProbes, n.BacklogDrop = kv["Tcp.RetransSegs"], kv["TcpExt.TCPTimeouts"], kv["TcpExt.TCPLossProbes"], kv["TcpExt.TCPBacklogDrop"]
	b, err := os.ReadFile("/proc/net/softnet_stat")
	if err != nil {
		return n, err
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 {
			continue
		}
		d, err := strconv.ParseInt(f[1], 16, 64)
		if err != nil {
			return n, err
		}
		n.SoftnetDrop += d
	}
	return n, nil
}

// parseProcTable reads /proc/net/snmp-style tables: a header line and a
// value line with the same prefix ("Tcp:"), into kv as "Tcp.Name".
func parseProcTable(b []byte, kv map[string]int64) {
	lines := strings.Split(string(b), "\n")
	for i := 0; i+1 < len(lines); i++ {
		h, v := strings.Fields(lines[i]), strings.Fields(lines[i+1])
		if len(h) < 2 || len(h) != len(v) || h[0] != v[0] {
			continue
		}
		if _, err := strconv.ParseInt(h[1], 10, 64); err == nil {
			continue // a value line
		}
		prefix := strings.TrimSuffix(h[0], ":")
		for j := 1; j < len(h); j++ {
			if x, err := strconv.ParseInt(v[j], 10, 64); err == nil {
				kv[prefix+"."+h[j]] = x
			}
		}
		i++
	}
}
