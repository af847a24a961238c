package main

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// scenario is one row of the benchmark: a load for cmd/loadgen against a
// fresh server, and the targets it is judged by.
type scenario struct {
	Name    string
	Load    string   // what the table says the load is
	Args    []string // loadgen flags besides --addr, --pid, --name, --json, --duration, --drain, --deadline
	Conns   int      // WebSocket connections, for the open-files limit and the deadline
	Ramp    time.Duration
	Targets []target
	// Shrink: on a machine whose open-files limit is too low for Conns,
	// run with as many listeners as fit instead of not at all, and say so.
	Shrink bool
	// Fixed is the writers' time when the load has a set size (the peer
	// crowd's 20 increments) rather than --duration.
	Fixed time.Duration
}

// writing is how long the writers send, given --duration d.
func (s scenario) writing(d time.Duration) time.Duration {
	if s.Fixed > 0 {
		return s.Fixed
	}
	return d
}

// shrunk is s with its listeners cut so that conns connections fit.
func (s scenario) shrunk(conns int) scenario {
	listeners := s.Conns - 4 // the scenario's 4 writers stay
	fewer := listeners - (s.Conns - conns)
	args := slices.Clone(s.Args)
	for i := range args[:len(args)-1] {
		if args[i] == "--listeners" {
			args[i+1] = strconv.Itoa(fewer)
		}
	}
	s.Args, s.Conns = args, conns
	s.Load = fmt.Sprintf("%s listeners (%s asked; cut to the open-files limit)", thousands(int64(fewer)), thousands(int64(listeners))) +
		s.Load[strings.Index(s.Load, " listeners")+len(" listeners"):]
	return s
}

// defaultMix is loadgen's default mix, given explicitly so the scenario does
// not change if loadgen's default does.
const defaultMix = "increment=70,item.update=20,item.create=10"

// serverFlags are given to every server: a fresh database, the
// per-connection rate limit lifted (the writers would otherwise be
// rate_limited at 100 messages/s each) and durable commits.
func serverFlags(addr, db string) []string {
	return []string{"--addr", addr, "--db", db, "--synchronous", "FULL", "--rate", "1000000", "--burst", "1000000"}
}

// scenarios are the rows of `make bench`, in the order they run.
func scenarios(d time.Duration) []scenario {
	secs := fmtDuration(d)
	return []scenario{
		{
			Name:  "writes",
			Load:  fmt.Sprintf("64 writers x 16 in flight (closed loop, default mix), 16 listeners, FULL, %s", secs),
			Args:  []string{"--listeners", "16", "--writers", "64", "--depth", "16", "--rate", "0", "--mix", defaultMix},
			Conns: 80,
			Targets: []target{
				{Label: "acked/s", Metric: func(r *lgResult) float64 { return r.AckedPerS }, AtLeast: true, Value: 20000, Unit: "/s"},
				{Label: "ack p99", Metric: func(r *lgResult) float64 { return r.AckP99Ms }, Value: 25, Unit: "ms"},
			},
		},
		{
			Name:  "fan-out",
			Load:  fmt.Sprintf("1,000 listeners; 4 writers, 100 mutations/s in all, %s", secs),
			Args:  []string{"--listeners", "1000", "--writers", "4", "--rate", "100", "--mix", defaultMix, "--ramp", "2s"},
			Conns: 1004,
			Ramp:  2 * time.Second,
			Targets: []target{
				{Label: "delivery p99", Metric: func(r *lgResult) float64 { return r.DeliveryP99Ms }, Value: 25, Unit: "ms"},
				{Label: "gaps", Metric: seqProblems, Value: 0, Exact: true},
			},
		},
		{
			Name:  "crowd",
			Load:  fmt.Sprintf("10,000 listeners (ramp 20 s); 4 writers, 10 mutations/s in all, %s", secs),
			Args:  []string{"--listeners", "10000", "--writers", "4", "--rate", "10", "--mix", defaultMix, "--ramp", "20s", "--batch", "200"},
			Conns: 10004,
			Ramp:  20 * time.Second,
			Targets: []target{
				{Label: "RSS/conn", Metric: func(r *lgResult) float64 { return deref(r.RSSPerConnKB) }, Value: 12, AtMost: true, Unit: "KB"},
				{Label: "delivery p99", Metric: func(r *lgResult) float64 { return r.DeliveryP99Ms }, Value: 100, Unit: "ms"},
			},
		},
		{
			Name:  "reads",
			Load:  fmt.Sprintf("8 readers of GET /api/state; 16 listeners, 4 writers, 200 mutations/s, %s", secs),
			Args:  []string{"--listeners", "16", "--writers", "4", "--rate", "200", "--mix", defaultMix, "--readers", "8"},
			Conns: 20,
		},
		{
			Name:   "crowd-20k",
			Load:   fmt.Sprintf("20,000 listeners (ramp 40 s); 4 writers, 10 mutations/s in all, %s", secs),
			Args:   []string{"--listeners", "20000", "--writers", "4", "--rate", "10", "--mix", defaultMix, "--ramp", "40s", "--batch", "200"},
			Conns:  20004,
			Ramp:   40 * time.Second,
			Shrink: true,
			Targets: []target{
				{Label: "RSS/conn", Metric: func(r *lgResult) float64 { return deref(r.RSSPerConnKB) }, Value: 12, AtMost: true, Unit: "KB"},
				{Label: "gaps", Metric: seqProblems, Value: 0, Exact: true},
			},
		},
	}
}

// peerMix is the peer scenarios' mix: only mutations the Node yardstick
// speaks (no update, no delete).
const peerMix = "increment=70,item.create=20,score.create=10"

// peerScenarios are the loads of issue 20, run against livedash and the
// Node yardstick in turn (--peer); they use only the part of the contract
// the yardstick speaks.
func peerScenarios(d time.Duration) []scenario {
	secs := fmtDuration(d)
	return []scenario{
		{
			Name:  "crowd",
			Load:  "10,000 listeners (ramp 20 s); 1 writer, 20 increments at 5/s",
			Args:  []string{"--listeners", "10000", "--writers", "1", "--rate", "5", "--max-mutations", "20", "--mix", "increment=100", "--ramp", "20s", "--batch", "200"},
			Conns: 10001,
			Ramp:  20 * time.Second,
			// 20 at 5/s: the budget ends the writing after about 4 s.
			Fixed: 5 * time.Second,
		},
		{
			Name:  "writes",
			Load:  fmt.Sprintf("16 writers x 8 in flight (closed loop, %s), %s", peerMix, secs),
			Args:  []string{"--listeners", "0", "--writers", "16", "--depth", "8", "--rate", "0", "--mix", peerMix},
			Conns: 16,
		},
		{
			Name:  "fan-out",
			Load:  fmt.Sprintf("1,000 listeners; 4 writers, 50 mutations/s in all (%s), %s", peerMix, secs),
			Args:  []string{"--listeners", "1000", "--writers", "4", "--rate", "50", "--mix", peerMix, "--ramp", "2s"},
			Conns: 1004,
			Ramp:  2 * time.Second,
		},
	}
}

// drain is loadgen's --drain for every scenario: the wait for replies, then
// for deliveries, after the writers stop.
const drain = 5 * time.Second

// deadline bounds one loadgen run: ramp, writing, both drains, and slack
// for start-up and for connections that open slower than the ramp.
func (s scenario) deadline(d time.Duration) time.Duration {
	return s.Ramp + s.writing(d) + 2*drain + 10*time.Second + time.Duration(s.Conns)*time.Millisecond
}

// loadgenArgs is the whole loadgen command line for one run.
func (s scenario) loadgenArgs(addr string, pid int, d time.Duration) []string {
	args := []string{"--addr", addr, "--pid", strconv.Itoa(pid), "--name", s.Name, "--json",
		"--duration", s.writing(d).String(), "--drain", drain.String(), "--deadline", s.deadline(d).String()}
	return append(args, s.Args...)
}

// selectScenarios keeps the named scenarios (comma-separated; empty: all).
func selectScenarios(all []scenario, only string) ([]scenario, error) {
	if strings.TrimSpace(only) == "" {
		return all, nil
	}
	var out []scenario
	for _, name := range strings.Split(only, ",") {
		name = strings.TrimSpace(name)
		found := false
		for _, s := range all {
			if s.Name == name {
				out = append(out, s)
				found = true
			}
		}
		if !found {
			names := make([]string, len(all))
			for i, s := range all {
				names[i] = s.Name
			}
			return nil, fmt.Errorf("unknown scenario %q (have %s)", name, strings.Join(names, ", "))
		}
	}
	return out, nil
}

// target is one goal: Metric >= Value (AtLeast), Metric == Value (Exact),
// Metric <= Value (AtMost), else Metric < Value.
type target struct {
	Label   string
	Metric  func(*lgResult) float64
	AtLeast bool
	AtMost  bool
	Exact   bool
	Value   float64
	Unit    string
}

func (t target) String() string {
	switch {
	case t.Exact && t.Value == 0:
		return "no " + t.Label
	case t.Exact:
		return fmt.Sprintf("%s = %s", t.Label, fmtNum(t.Value, t.Unit))
	case t.AtLeast:
		return fmt.Sprintf("%s >= %s", t.Label, fmtNum(t.Value, t.Unit))
	case t.AtMost:
		return fmt.Sprintf("%s <= %s", t.Label, fmtNum(t.Value, t.Unit))
	default:
		return fmt.Sprintf("%s < %s", t.Label, fmtNum(t.Value, t.Unit))
	}
}

// verdict is how one target fared.
type verdict struct {
	Target   string  `json:"target"`
	Measured float64 `json:"measured"`
	Met      bool    `json:"met"`
	Text     string  `json:"text"` // e.g. "acked/s >= 20,000/s: 8,120/s, MISSED (41% of the target)"
}

func (t target) judge(r *lgResult) verdict {
	v := t.Metric(r)
	var met bool
	var by string
	switch {
	case t.Exact:
		met = v == t.Value
		if !met {
			by = fmt.Sprintf("%s instead of %s", fmtNum(v, t.Unit), fmtNum(t.Value, t.Unit))
		}
	case t.AtLeast:
		met = v >= t.Value
		by = fmt.Sprintf("%.0f%% of the target", 100*v/t.Value)
		if met {
			by = fmt.Sprintf("%.2fx the target", v/t.Value)
		}
	default:
		met = v < t.Value || (t.AtMost && v <= t.Value)
		switch {
		case math.IsNaN(v):
			met, by = false, "not measured"
		case met:
			by = fmt.Sprintf("%.0f%% of the limit", 100*v/t.Value)
		default:
			by = fmt.Sprintf("%.1fx the limit", v/t.Value)
		}
	}
	word := "met"
	if !met {
		word = "MISSED"
	}
	text := fmt.Sprintf("%s: %s, %s", t, fmtNum(v, t.Unit), word)
	if by != "" {
		text += " (" + by + ")"
	}
	return verdict{Target: t.String(), Measured: v, Met: met, Text: text}
}

// seqProblems counts the deliveries the seq check found wrong: missing
// (holes, never delivered by the end of the drain, lost after a
// disconnect), duplicated or out of order.
func seqProblems(r *lgResult) float64 {
	return float64(r.Gaps + r.Undelivered + r.LostAfterDisconnect + r.Dups + r.OutOfOrder + r.Stale + r.AckSeqDups)
}

// seqDetail names each kind of seq problem that occurred.
func seqDetail(r *lgResult) string {
	var parts []string
	for _, p := range []struct {
		n    int64
		what string
	}{{r.Gaps, "gaps"}, {r.Undelivered, "undelivered"}, {r.LostAfterDisconnect, "lost after a disconnect"},
		{r.Dups, "duplicates"}, {r.OutOfOrder, "out of order"}, {r.Stale, "stale"}, {r.AckSeqDups, "acks sharing a seq"}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.what))
		}
	}
	if len(parts) == 0 {
		return "loadgen says not OK"
	}
	return strings.Join(parts, ", ")
}

// countsText renders "a=1 b=2", largest first.
func countsText(m map[string]int64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if m[a] != m[b] {
			return cmp.Compare(m[b], m[a])
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%d", k, m[k])
	}
	return strings.Join(parts, " ")
}

func deref(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

// fmtNum prints v with thousands separators (integers above 100) or a few
// significant decimals, and its unit ("/s" and "%" stick to the number).
func fmtNum(v float64, unit string) string {
	var s string
	switch {
	case math.IsNaN(v):
		return "n/a"
	case math.Abs(v) >= 100 || v == math.Trunc(v):
		s = thousands(int64(math.Round(v)))
	case math.Abs(v) >= 10:
		s = strconv.FormatFloat(v, 'f', 1, 64)
	default:
		s = strconv.FormatFloat(v, 'f', 2, 64)
	}
	switch unit {
	case "":
		return s
	case "/s", "%":
		return s + unit
	default:
		return s + " " + unit
	}
}

func thousands(n int64) string {
	neg := n < 0
	if neg {
		n = -n
	}
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func fmtDuration(d time.Duration) string {
	if d%time.Second == 0 {
		return fmt.Sprintf("%d s", d/time.Second)
	}
	return d.String()
}
