package main

import (
	"fmt"
	"io"
	"math"
	"strings"
)

// measure is one line of the ratio table.
type measure struct {
	Label  string
	Unit   string
	Higher bool // a higher figure is the better one
	Get    func(r row) (float64, bool)
}

func resultOf(f func(*lgResult) float64) func(row) (float64, bool) {
	return func(r row) (float64, bool) {
		if r.Result == nil {
			return 0, false
		}
		v := f(r.Result)
		return v, !math.IsNaN(v)
	}
}

// cpuPer10kDeliveries is the server's CPU seconds in the window (writers
// start to last delivery) per 10,000 events received by the connections.
func cpuPer10kDeliveries(r row) (float64, bool) {
	if r.Result == nil || r.Window == nil || r.Result.Deliveries == 0 {
		return 0, false
	}
	return r.Window.ServerCPUS / float64(r.Result.Deliveries) * 10000, true
}

// resultOfSamples is resultOf for delivery figures: none without samples.
func resultOfSamples(f func(*lgResult) float64) func(row) (float64, bool) {
	return func(r row) (float64, bool) {
		if r.Result == nil || r.Result.DeliverySamples == 0 {
			return 0, false
		}
		return f(r.Result), true
	}
}

// peerMeasures are the lines of the ratio table for each peer scenario.
func peerMeasures(scenario string) []measure {
	rssPerConn := measure{"RSS per connection", "KB", false, resultOf(func(r *lgResult) float64 { return deref(r.RSSPerConnKB) })}
	deliveryP50 := measure{"delivery p50", "ms", false, resultOfSamples(func(r *lgResult) float64 { return r.DeliveryP50Ms })}
	deliveryP99 := measure{"delivery p99", "ms", false, resultOfSamples(func(r *lgResult) float64 { return r.DeliveryP99Ms })}
	cpuPer10k := measure{"server CPU s per 10,000 deliveries", "s", false, cpuPer10kDeliveries}
	ackedPerS := measure{"acked writes/s", "/s", true, resultOf(func(r *lgResult) float64 { return r.AckedPerS })}
	ackP99 := measure{"ack p99", "ms", false, resultOf(func(r *lgResult) float64 { return r.AckP99Ms })}
	switch scenario {
	case "crowd":
		return []measure{rssPerConn, deliveryP50, deliveryP99, cpuPer10k}
	case "writes":
		return []measure{ackedPerS, ackP99, cpuPer10k}
	case "fan-out":
		return []measure{deliveryP50, deliveryP99, cpuPer10k}
	}
	return nil
}

// ratioCell is livedash / Node, and which way that is good.
func ratioCell(m measure, ld, node row) string {
	a, okA := m.Get(ld)
	b, okB := m.Get(node)
	if !okA || !okB || b == 0 {
		return "n/a"
	}
	q := a / b
	word := "worse"
	switch {
	case q == 1:
		word = "same"
	case (q > 1) == m.Higher:
		word = "better"
	}
	cell := fmt.Sprintf("%.2fx (%s)", q, word)
	// The figures of an incomplete run are shown, but flagged: that run
	// did not carry the scenario's load as it says (see its line below).
	if ld.Problem != "" || node.Problem != "" {
		cell += ", INCOMPLETE run"
	}
	return cell
}

func valueCell(m measure, r row) string {
	v, ok := m.Get(r)
	if !ok {
		return "-"
	}
	if m.Unit == "s" {
		return fmt.Sprintf("%.3f s", v)
	}
	return fmtNum(v, m.Unit)
}

// writePeerReport prints the machine's probes, one table of ratios
// (livedash / Node) and a line per run with its load and its problems.
func writePeerReport(w io.Writer, rep *report) {
	pin := "unpinned"
	if rep.Pinned {
		pin = "each server on CPU 0, loadgen on CPU 1 (taskset)"
	}
	fmt.Fprintf(w, "livedash beside the Node yardstick (%s), %s; %s\n", rep.Node, rep.Date, pin)
	if rep.Probes != nil {
		fmt.Fprintf(w, "machine probes: %s\n", rep.Probes)
	}
	fmt.Fprintln(w)
	header := []string{"scenario", "measure", "livedash", "Node", "livedash / Node"}
	var table [][]string
	byKey := map[string]row{}
	var order []string
	for _, r := range rep.Rows {
		if _, ok := byKey[r.Scenario+"/livedash"]; !ok && r.Server == "livedash" {
			order = append(order, r.Scenario)
		}
		byKey[r.Scenario+"/"+r.Server] = r
	}
	for _, sc := range order {
		ld, node := byKey[sc+"/livedash"], byKey[sc+"/node"]
		for _, m := range peerMeasures(sc) {
			table = append(table, []string{sc, m.Label, valueCell(m, ld), valueCell(m, node), ratioCell(m, ld, node)})
		}
	}
	writeMarkdown(w, header, table, func(i int) bool { return i < 2 })
	fmt.Fprintln(w)
	for _, r := range rep.Rows {
		fmt.Fprintf(w, "- %s, %s: %s\n", r.Scenario, r.Server, runLine(r))
	}
}

// runLine says what one run did: the load it achieved, the CPU of the
// window, and whether it is complete.
func runLine(r row) string {
	var parts []string
	if res := r.Result; res != nil {
		sent := "closed loop, " + fmtNum(res.SentPerS, "/s") + " sent"
		if res.Rate > 0 {
			sent = fmt.Sprintf("sent %s of %s offered", fmtNum(res.SentPerS, "/s"), fmtNum(res.Rate, "/s"))
		}
		parts = append(parts, fmt.Sprintf("%s connections, %s, %s deliveries", thousands(int64(res.Conns)), sent, thousands(res.Deliveries)))
		if w := r.Window; w != nil && w.S > 0 {
			parts = append(parts, fmt.Sprintf("window %.1f s: server %.2f s CPU, loadgen %.2f s CPU (%.0f%% of its core)",
				w.S, w.ServerCPUS, w.LoadgenCPUS, 100*w.LoadgenCPUS/w.S))
		}
		parts = append(parts, fmt.Sprintf("rest of the machine %.1f s CPU in %.0f s", r.OtherCPUS, r.WallS))
	}
	if r.Problem != "" {
		parts = append(parts, "INCOMPLETE: "+r.Problem)
	} else {
		parts = append(parts, "complete")
	}
	return strings.Join(parts, "; ")
}
