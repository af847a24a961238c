package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestReportJSONFields(t *testing.T) {
	r := &Result{Scenario: "s", Errors: map[string]int64{"rate_limited": 2}, RSSMB: ptr(12.5)}
	var buf bytes.Buffer
	if err := writeJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"scenario", "conns", "mutations_sent", "acked_per_s", "ack_p50_ms", "ack_p90_ms",
		"ack_p99_ms", "ack_max_ms", "deliveries_per_s", "delivery_p50_ms", "delivery_p90_ms", "delivery_p99_ms",
		"delivery_max_ms", "gaps", "undelivered", "behind_at_end", "dups", "errors", "errors_total", "rss_mb", "rss_per_conn_kb", "check_ok",
		"readers", "reads", "reads_per_s", "read_p50_ms", "read_p90_ms", "read_p99_ms", "read_max_ms", "read_errors"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	if m["rss_per_conn_kb"] != nil || m["rss_mb"] != 12.5 {
		t.Errorf("rss fields: %v %v", m["rss_mb"], m["rss_per_conn_kb"])
	}
}

func TestReportTable(t *testing.T) {
	r := &Result{Scenario: "smoke", Conns: 54, MutationsSent: 1000, MutationsAcked: 990, DeliverySamples: 5, AckedPerS: 199.9, AckP50Ms: 1.234,
		AckMaxMs: 1234.5, DeliveryP99Ms: 45.67, ErrorsTotal: 3, RSSMB: ptr(40.0), RSSPerConnKB: ptr(12.345)}
	var buf bytes.Buffer
	writeTableHeader(&buf)
	writeTableRow(&buf, r)
	lines := strings.Split(strings.TrimRight(buf.String(), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("want 2 header lines and a row:\n%s", buf.String())
	}
	if len(lines[1]) != len(lines[2]) {
		t.Errorf("header and row widths differ:\n%s", buf.String())
	}
	for _, s := range []string{"smoke", "54", "1000", "199.9", "1.23", "1234", "45.7", "40.0", "12.35"} {
		if !strings.Contains(lines[2], s) {
			t.Errorf("row lacks %q: %s", s, lines[2])
		}
	}
	buf.Reset()
	writeTableRow(&buf, &Result{Scenario: "idle", Conns: 5})
	if strings.Count(buf.String(), " -") != 12 || len(buf.String()) != len(lines[2])+1 {
		t.Errorf("no samples should print dashes, same width:\n%s%s", buf.String(), lines[2])
	}
	buf.Reset()
	writeTableRow(&buf, &Result{Scenario: "reads", Conns: 20, Readers: 8, Reads: 5000, ReadsPerS: 4321.09, ReadP99Ms: 7.891})
	if !strings.Contains(buf.String(), " 4321.1 ") || !strings.Contains(buf.String(), " 7.89 ") || len(buf.String()) != len(lines[2])+1 {
		t.Errorf("reads columns:\n%s%s", buf.String(), lines[2])
	}
	if fopt(nil, 1) != "-" || fms(0.5) != "0.50" || fms(55.55) != "55.5" && fms(55.55) != "55.6" {
		t.Error("formatting")
	}
}

func TestFormatCounts(t *testing.T) {
	if s := formatCounts(map[string]int64{"b": 1, "a": 1, "c": 5}); s != "c=5 a=1 b=1" {
		t.Errorf("got %q", s)
	}
	if formatCounts(nil) != "none" {
		t.Error("empty")
	}
}
