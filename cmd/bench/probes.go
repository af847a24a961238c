package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// probes are fixed measurements of the machine itself, taken in the same
// run as the scenarios: a slow disk or a busy CPU shows here, so a reader
// can tell a slow day from a regression. Only the ratios between servers
// measured in one run compare across days.
type probes struct {
	FsyncP50Ms float64 `json:"fsync_p50_ms"` // append 4 KiB to a file and fsync it, 200 times
	FsyncP99Ms float64 `json:"fsync_p99_ms"`
	FsyncErr   string  `json:"fsync_error,omitempty"`
	CPUMinMs   float64 `json:"cpu_min_ms"`    // a fixed CPU loop, best of 7: the machine's speed
	CPUMedMs   float64 `json:"cpu_median_ms"` // its median: how much others took of it
}

func (p probes) String() string {
	fs := fmt.Sprintf("fsync of a 4 KiB append p50 %.3f ms, p99 %.3f ms", p.FsyncP50Ms, p.FsyncP99Ms)
	if p.FsyncErr != "" {
		fs = "fsync probe failed: " + p.FsyncErr
	}
	return fmt.Sprintf("%s; CPU loop (%s iterations) best %.1f ms, median %.1f ms", fs, thousands(cpuProbeIterations), p.CPUMinMs, p.CPUMedMs)
}

// runProbes probes the disk under dir (where the databases are) and the CPU.
func runProbes(dir string) probes {
	var p probes
	lat, err := fsyncProbe(filepath.Join(dir, "fsync-probe"), 200)
	if err != nil {
		p.FsyncErr = err.Error()
	} else {
		p.FsyncP50Ms, p.FsyncP99Ms = percentileMs(lat, 50), percentileMs(lat, 99)
	}
	var runs []time.Duration
	for range 7 {
		d, _ := cpuProbe(cpuProbeIterations)
		runs = append(runs, d)
	}
	p.CPUMinMs, p.CPUMedMs = percentileMs(runs, 0), percentileMs(runs, 50)
	return p
}

// fsyncProbe appends 4 KiB n times to a new file at path, fsyncing after
// each (as a WAL commit does), and returns each append+fsync's time.
func fsyncProbe(path string, n int) ([]time.Duration, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	defer os.Remove(path)
	defer f.Close()
	block := make([]byte, 4096)
	lat := make([]time.Duration, 0, n)
	for range n {
		t := time.Now()
		if _, err := f.Write(block); err != nil {
			return nil, err
		}
		if err := f.Sync(); err != nil {
			return nil, err
		}
		lat = append(lat, time.Since(t))
	}
	return lat, nil
}

// cpuProbeIterations sizes the CPU loop at tens of milliseconds.
const cpuProbeIterations = 20_000_000

// cpuProbe times a fixed loop of integer work (xorshift); it returns the
// result so the loop cannot be optimised away.
func cpuProbe(n int) (time.Duration, uint64) {
	t := time.Now()
	x := uint64(88172645463325252)
	for range n {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	return time.Since(t), x
}

// percentileMs is the nearest-rank percentile of ds, in milliseconds.
func percentileMs(ds []time.Duration, pct float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(pct/100*float64(len(s))+0.5) - 1
	i = min(max(i, 0), len(s)-1)
	return float64(s[i].Microseconds()) / 1000
}
