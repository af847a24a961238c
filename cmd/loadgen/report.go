package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Result is one run's report. The JSON form is this flat object.
type Result struct {
	Scenario  string  `json:"scenario"`
	RunID     string  `json:"run_id"`
	Addr      string  `json:"addr"`
	Listeners int     `json:"listeners"`
	Writers   int     `json:"writers"`
	Mix       string  `json:"mix"`
	Rate      float64 `json:"rate"` // target mutations/s, 0 = closed loop
	Depth     int     `json:"depth"`

	Conns       int     `json:"conns"` // connections opened (welcome received)
	ConnsFailed int     `json:"conns_failed"`
	ConnectS    float64 `json:"connect_s"`  // time to open them all (includes --ramp)
	DurationS   float64 `json:"duration_s"` // time writers were sending

	MutationsSent   int64            `json:"mutations_sent"`
	MutationsAcked  int64            `json:"mutations_acked"`
	MutationsFailed int64            `json:"mutations_failed"` // answered with an error frame
	SentByType      map[string]int64 `json:"sent_by_type"`
	SentPerS        float64          `json:"sent_per_s"`
	AckedPerS       float64          `json:"acked_per_s"`
	AckP50Ms        float64          `json:"ack_p50_ms"`
	AckP90Ms        float64          `json:"ack_p90_ms"`
	AckP99Ms        float64          `json:"ack_p99_ms"`
	AckMaxMs        float64          `json:"ack_max_ms"`

	Deliveries      int64   `json:"deliveries"` // events received, all connections
	DeliveriesPerS  float64 `json:"deliveries_per_s"`
	DeliverySamples int64   `json:"delivery_samples"` // deliveries of our own mutations (latency known)
	DeliveryP50Ms   float64 `json:"delivery_p50_ms"`
	DeliveryP90Ms   float64 `json:"delivery_p90_ms"`
	DeliveryP99Ms   float64 `json:"delivery_p99_ms"`
	DeliveryMaxMs   float64 `json:"delivery_max_ms"`
	// With --listen-addrs: the connections to each address and the
	// delivery latency they saw (the writers' connections count under
	// --addr).
	DeliveryByAddr []AddrDelivery `json:"delivery_by_addr,omitempty"`

	PresenceFrames int64 `json:"presence_frames"` // received, all connections (read and discarded)

	// --readers: GET /api/state back to back while the writers send.
	Readers    int     `json:"readers"`
	Reads      int64   `json:"reads"`       // answered 200 and read whole
	ReadErrors int64   `json:"read_errors"` // also counted in errors, by code (read_failed, read_http_<status>, ...)
	ReadBytes  int64   `json:"read_bytes"`  // body bytes of the successful reads
	ReadsPerS  float64 `json:"reads_per_s"` // reads / (last read's end - start of writing)
	ReadP50Ms  float64 `json:"read_p50_ms"` // request sent -> body read, successful reads
	ReadP90Ms  float64 `json:"read_p90_ms"`
	ReadP99Ms  float64 `json:"read_p99_ms"`
	ReadMaxMs  float64 `json:"read_max_ms"`

	FinalSeq            int64 `json:"final_seq"`
	Gaps                int64 `json:"gaps"`          // (connection, seq) pairs missing below a later seq the connection did receive
	Undelivered         int64 `json:"undelivered"`   // (connection, seq) pairs after a live connection's last seq when the drain ended
	BehindAtEnd         int64 `json:"behind_at_end"` // live connections short of the final seq when the drain ended
	Dups                int64 `json:"dups"`
	OutOfOrder          int64 `json:"out_of_order"`
	Stale               int64 `json:"stale"` // events at or below the welcome seq
	Disconnects         int64 `json:"disconnects"`
	LostAfterDisconnect int64 `json:"lost_after_disconnect"`
	AckSeqDups          int64 `json:"ack_seq_dups"` // two acks carrying the same seq
	ClientsWithGaps     int64 `json:"clients_with_gaps"`
	CheckOK             bool  `json:"check_ok"`

	Errors      map[string]int64 `json:"errors"`
	ErrorsTotal int64            `json:"errors_total"`

	RSSMB         *float64 `json:"rss_mb"` // peak while the connections were open; null if unknown
	RSSBaselineMB *float64 `json:"rss_baseline_mb"`
	RSSPerConnKB  *float64 `json:"rss_per_conn_kb"` // (peak - baseline) / conns
	RSSSource     string   `json:"rss_source"`

	// The server's Go runtime with every connection open (from its
	// /metrics), and the growth over the baseline per connection.
	ServerGoroutines    *float64 `json:"server_goroutines"`
	GoroutinesPerConn   *float64 `json:"goroutines_per_conn"`
	HeapInusePerConnKB  *float64 `json:"heap_inuse_per_conn_kb"`
	StackInusePerConnKB *float64 `json:"stack_inuse_per_conn_kb"`

	LoadgenCPUS     float64 `json:"loadgen_cpu_s"` // this process's user+system CPU for the run: near wall time x cores means the load generator, not the server, was the limit
	LoadgenMaxRSSMB float64 `json:"loadgen_max_rss_mb"`

	Aborted string   `json:"aborted,omitempty"` // "deadline" or "interrupted"
	Notes   []string `json:"notes,omitempty"`   // first error messages
}

// AddrDelivery is the delivery latency seen by the connections to one
// server.
type AddrDelivery struct {
	Addr    string  `json:"addr"`
	Conns   int     `json:"conns"`
	Samples int64   `json:"samples"`
	P50Ms   float64 `json:"p50_ms"`
	P90Ms   float64 `json:"p90_ms"`
	P99Ms   float64 `json:"p99_ms"`
	MaxMs   float64 `json:"max_ms"`
}

func writeJSON(w io.Writer, r *Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

const tableRow = "%-22s %6d %9d %9.1f %6s %6s %6s %6s %12.1f %6s %6s %6s %6s %7d %6d %7d %9s %6s %8s %8s\n"

// groupLabel centres label in width characters padded with dashes.
func groupLabel(label string, width int) string {
	label = " " + label + " "
	left := (width - len(label)) / 2
	right := width - len(label) - left
	if left < 0 || right < 0 {
		return label
	}
	return strings.Repeat("-", left) + label + strings.Repeat("-", right)
}

func writeTableHeader(w io.Writer) {
	fmt.Fprintf(w, "%49s %s %12s %s %23s %s %s\n", "", groupLabel("ack latency (ms)", 27), "",
		groupLabel("delivery latency (ms)", 27), "", groupLabel("reads", 16), groupLabel("server", 17))
	fmt.Fprintf(w, "%-22s %6s %9s %9s %6s %6s %6s %6s %12s %6s %6s %6s %6s %7s %6s %7s %9s %6s %8s %8s\n",
		"scenario", "conns", "sent", "acked/s", "p50", "p90", "p99", "max",
		"deliveries/s", "p50", "p90", "p99", "max", "gaps", "dups", "errors", "reads/s", "p99", "RSS MB", "KB/conn")
}

func writeTableRow(w io.Writer, r *Result) {
	a := []string{fms(r.AckP50Ms), fms(r.AckP90Ms), fms(r.AckP99Ms), fms(r.AckMaxMs)}
	if r.MutationsAcked == 0 {
		a = []string{"-", "-", "-", "-"}
	}
	d := []string{fms(r.DeliveryP50Ms), fms(r.DeliveryP90Ms), fms(r.DeliveryP99Ms), fms(r.DeliveryMaxMs)}
	if r.DeliverySamples == 0 {
		d = []string{"-", "-", "-", "-"}
	}
	rd := []string{"-", "-"}
	if r.Reads > 0 {
		rd = []string{fmt.Sprintf("%.1f", r.ReadsPerS), fms(r.ReadP99Ms)}
	}
	fmt.Fprintf(w, tableRow, r.Scenario, r.Conns, r.MutationsSent, r.AckedPerS,
		a[0], a[1], a[2], a[3],
		r.DeliveriesPerS,
		d[0], d[1], d[2], d[3],
		r.Gaps, r.Dups, r.ErrorsTotal, rd[0], rd[1], fopt(r.RSSMB, 1), fopt(r.RSSPerConnKB, 2))
}

// fms formats milliseconds in at most 6 characters.
func fms(v float64) string {
	switch {
	case v < 10:
		return fmt.Sprintf("%.2f", v)
	case v < 1000:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.0f", v)
	}
}

func fopt(v *float64, prec int) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%.*f", prec, *v)
}

// writeDetails is the human summary that goes with the table (to stderr,
// so stdout stays a clean table).
func writeDetails(w io.Writer, r *Result) {
	verdict := "OK"
	if !r.CheckOK {
		verdict = "FAILED"
	}
	fmt.Fprintf(w, "seq check %s: %d connections, final seq %d; gaps %d, dups %d, out of order %d, stale %d, disconnects %d (lost after: %d), clients with problems %d\n",
		verdict, r.Conns, r.FinalSeq, r.Gaps, r.Dups, r.OutOfOrder, r.Stale, r.Disconnects, r.LostAfterDisconnect, r.ClientsWithGaps)
	if r.Undelivered > 0 {
		fmt.Fprintf(w, "still behind when the drain ended: %d connections, %d events not (yet) delivered; try a longer --drain\n",
			r.BehindAtEnd, r.Undelivered)
	}
	fmt.Fprintf(w, "mutations: sent %d (%.1f/s), acked %d, error replies %d; by type: %s\n",
		r.MutationsSent, r.SentPerS, r.MutationsAcked, r.MutationsFailed, formatCounts(r.SentByType))
	fmt.Fprintf(w, "deliveries: %d (%d with latency), presence frames %d; connect %.1fs, writing %.1fs\n",
		r.Deliveries, r.DeliverySamples, r.PresenceFrames, r.ConnectS, r.DurationS)
	for _, a := range r.DeliveryByAddr {
		fmt.Fprintf(w, "delivery via %s: %d connections, %d samples; latency ms p50 %s p90 %s p99 %s max %s\n",
			a.Addr, a.Conns, a.Samples, fms(a.P50Ms), fms(a.P90Ms), fms(a.P99Ms), fms(a.MaxMs))
	}
	if r.Readers > 0 {
		avg := 0.0
		if r.Reads > 0 {
			avg = float64(r.ReadBytes) / float64(r.Reads) / 1024
		}
		fmt.Fprintf(w, "reads: %d readers, %d GET %s answered (%.1f/s, %.1f KB each), %d failed; latency ms p50 %s p90 %s p99 %s max %s\n",
			r.Readers, r.Reads, readPath, r.ReadsPerS, avg, r.ReadErrors, fms(r.ReadP50Ms), fms(r.ReadP90Ms), fms(r.ReadP99Ms), fms(r.ReadMaxMs))
	}
	fmt.Fprintf(w, "loadgen itself: %.1f s CPU, max RSS %.0f MB\n", r.LoadgenCPUS, r.LoadgenMaxRSSMB)
	if r.ConnsFailed > 0 {
		fmt.Fprintf(w, "connections failed: %d\n", r.ConnsFailed)
	}
	if len(r.Errors) > 0 {
		fmt.Fprintf(w, "errors: %s\n", formatCounts(r.Errors))
	}
	if r.RSSMB != nil {
		fmt.Fprintf(w, "server RSS (%s): peak %s MB, baseline %s MB, %s KB per connection\n",
			r.RSSSource, fopt(r.RSSMB, 1), fopt(r.RSSBaselineMB, 1), fopt(r.RSSPerConnKB, 2))
	}
	if r.ServerGoroutines != nil {
		fmt.Fprintf(w, "server runtime (/metrics): %s goroutines (%s per connection); per connection: heap in use %s KB, stacks %s KB\n",
			fopt(r.ServerGoroutines, 0), fopt(r.GoroutinesPerConn, 2), fopt(r.HeapInusePerConnKB, 2), fopt(r.StackInusePerConnKB, 2))
	}
	if r.Aborted != "" {
		fmt.Fprintf(w, "run aborted: %s\n", r.Aborted)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
}

// formatCounts renders "a=1 b=2", largest first.
func formatCounts(m map[string]int64) string {
	if len(m) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%d", k, m[k])
	}
	return strings.Join(parts, " ")
}

// setRuntime records the server's runtime figures at the peak, per
// connection over the baseline taken before connecting.
func (r *Result) setRuntime(base, peak runtimeStats) {
	r.ServerGoroutines = ptr(peak.Goroutines)
	if r.Conns <= 0 {
		return
	}
	n := float64(r.Conns)
	r.GoroutinesPerConn = ptr((peak.Goroutines - base.Goroutines) / n)
	r.HeapInusePerConnKB = ptr(max(peak.HeapInuse-base.HeapInuse, 0) / 1024 / n)
	r.StackInusePerConnKB = ptr(max(peak.StackInuse-base.StackInuse, 0) / 1024 / n)
}
