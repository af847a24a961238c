package main

import (
	"fmt"
	"io"
	"strings"
)

var tableHeader = []string{"scenario", "load", "conns", "sent/s (offered)", "acked/s", "ack p99 ms", "deliveries/s", "delivery p99 ms",
	"gaps", "reads/s", "read p99 ms", "RSS KB/conn", "heap+stack KB/conn", "goroutines", "errors", "CPU s: server+loadgen+other", "targets"}

// cells is one row of the table; "-" where the scenario does not measure it.
func (r row) cells() []string {
	c := []string{r.Scenario, r.Load}
	res := r.Result
	if res == nil {
		c = append(c, "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-")
	} else {
		ack := []string{"-", "-"}
		if res.MutationsAcked > 0 {
			ack = []string{fmtNum(res.AckedPerS, ""), fmtNum(res.AckP99Ms, "")}
		}
		del := []string{"-", "-"}
		if res.DeliverySamples > 0 {
			del = []string{fmtNum(res.DeliveriesPerS, ""), fmtNum(res.DeliveryP99Ms, "")}
		}
		reads := []string{"-", "-"}
		if res.Reads > 0 {
			reads = []string{fmtNum(res.ReadsPerS, ""), fmtNum(res.ReadP99Ms, "")}
		}
		rss := "-"
		if res.RSSPerConnKB != nil {
			rss = fmtNum(*res.RSSPerConnKB, "")
		}
		mem, gor := "-", "-"
		if res.HeapInusePerConnKB != nil && res.StackInusePerConnKB != nil {
			mem = fmtNum(*res.HeapInusePerConnKB, "") + "+" + fmtNum(*res.StackInusePerConnKB, "")
		}
		if res.ServerGoroutines != nil {
			gor = thousands(int64(*res.ServerGoroutines))
		}
		// Loadgen skips ahead when it falls behind its schedule: what it
		// achieved is the load the latencies describe.
		sent := fmtNum(res.SentPerS, "") + " (closed)"
		if res.Rate > 0 {
			sent = fmtNum(res.SentPerS, "") + " (" + fmtNum(res.Rate, "") + ")"
		}
		c = append(c, thousands(int64(res.Conns)), sent, ack[0], ack[1], del[0], del[1],
			thousands(int64(seqProblems(res))), reads[0], reads[1], rss, mem, gor, thousands(res.ErrorsTotal),
			fmt.Sprintf("%.1f + %.1f + %.1f", r.ServerCPUS, res.LoadgenCPUS, r.OtherCPUS))
	}
	var t []string
	if r.Problem != "" {
		t = append(t, "INCOMPLETE: "+r.Problem)
	}
	for _, v := range r.Verdicts {
		t = append(t, v.Text)
	}
	if len(t) == 0 {
		t = append(t, "no target (reported)")
	}
	return append(c, strings.Join(t, "; "))
}

// writeTable prints the rows as one Markdown table, padded so it also
// reads as plain text.
func writeTable(w io.Writer, rows []row) {
	var table [][]string
	for _, r := range rows {
		table = append(table, r.cells())
	}
	// Text columns left, numbers right.
	writeMarkdown(w, tableHeader, table, func(i int) bool { return i == 0 || i == 1 || i == len(tableHeader)-1 })
}

// writeMarkdown prints a Markdown table padded to its widest cells; left
// says which columns are text (aligned left; the rest right).
func writeMarkdown(w io.Writer, header []string, rows [][]string, left func(int) bool) {
	table := append([][]string{header}, rows...)
	width := make([]int, len(header))
	for _, cells := range table {
		for i, s := range cells {
			width[i] = max(width[i], len([]rune(s)))
		}
	}
	line := func(cells []string) {
		var b strings.Builder
		b.WriteString("|")
		for i, s := range cells {
			pad := strings.Repeat(" ", width[i]-len([]rune(s)))
			if left(i) {
				b.WriteString(" " + s + pad + " |")
			} else {
				b.WriteString(" " + pad + s + " |")
			}
		}
		fmt.Fprintln(w, b.String())
	}
	line(header)
	var b strings.Builder
	b.WriteString("|")
	for i := range header {
		if left(i) {
			b.WriteString(":" + strings.Repeat("-", width[i]+1) + "|")
		} else {
			b.WriteString(strings.Repeat("-", width[i]+1) + ":|")
		}
	}
	fmt.Fprintln(w, b.String())
	for _, cells := range table[1:] {
		line(cells)
	}
}
