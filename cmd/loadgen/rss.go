package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// parseVmRSS reads VmRSS from the text of /proc/<pid>/status, in bytes.
func parseVmRSS(status []byte) (int64, error) {
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		line := sc.Text()
		rest, ok := strings.CutPrefix(line, "VmRSS:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) < 1 {
			return 0, errors.New("VmRSS: no value")
		}
		v, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("VmRSS: %v", err)
		}
		mult := int64(1024) // the kernel always says kB
		if len(f) > 1 {
			switch strings.ToLower(f[1]) {
			case "kb":
			case "mb":
				mult = 1 << 20
			case "b":
				mult = 1
			}
		}
		return v * mult, nil
	}
	return 0, errors.New("no VmRSS line (kernel thread or exited process?)")
}

// parseMetricsRSS finds process_resident_memory_bytes in a Prometheus text
// exposition (value may be in float/exponent form), in bytes.
func parseMetricsRSS(body []byte) (int64, error) {
	v, err := parseMetric(body, "process_resident_memory_bytes")
	return int64(v), err
}

// parseMetric finds an unlabelled (or first labelled) sample of name in a
// Prometheus text exposition.
func parseMetric(body []byte, metric string) (float64, error) {
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		name, rest, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		// Allow labels: process_resident_memory_bytes{...} 1.2e+07
		if i := strings.IndexByte(name, '{'); i >= 0 {
			if j := strings.IndexByte(line, '}'); j > i {
				name = line[:i]
				rest = line[j+1:]
			}
		}
		if name != metric {
			continue
		}
		f := strings.Fields(rest)
		if len(f) < 1 {
			return 0, fmt.Errorf("%s: no value", metric)
		}
		v, err := strconv.ParseFloat(f[0], 64)
		if err != nil || v < 0 {
			return 0, fmt.Errorf("%s: bad value %q", metric, f[0])
		}
		return v, nil
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("no %s in /metrics", metric)
}

// runtimeStats are the server's Go runtime figures from its /metrics: what
// the RSS per connection is made of.
type runtimeStats struct {
	Goroutines float64 // go_goroutines
	HeapInuse  float64 // go_memstats_heap_inuse_bytes
	StackInuse float64 // go_memstats_stack_inuse_bytes
}

func readRuntimeStats(ctx context.Context, api *apiClient) (runtimeStats, error) {
	var st runtimeStats
	b, err := api.get(ctx, "/metrics")
	if err != nil {
		return st, err
	}
	for _, m := range []struct {
		name string
		dst  *float64
	}{
		{"go_goroutines", &st.Goroutines},
		{"go_memstats_heap_inuse_bytes", &st.HeapInuse},
		{"go_memstats_stack_inuse_bytes", &st.StackInuse},
	} {
		if *m.dst, err = parseMetric(b, m.name); err != nil {
			return st, err
		}
	}
	return st, nil
}

// rssReader returns the server's RSS in bytes.
type rssReader func(ctx context.Context) (int64, error)

func procRSS(pid int) rssReader {
	path := fmt.Sprintf("/proc/%d/status", pid)
	return func(context.Context) (int64, error) {
		b, err := os.ReadFile(path)
		if err != nil {
			return 0, err
		}
		return parseVmRSS(b)
	}
}

func metricsRSS(api *apiClient) rssReader {
	return func(ctx context.Context) (int64, error) {
		b, err := api.get(ctx, "/metrics")
		if err != nil {
			return 0, err
		}
		return parseMetricsRSS(b)
	}
}

// rssSampler samples RSS every interval and keeps the peak and the last value.
type rssSampler struct {
	read    rssReader
	mu      sync.Mutex
	peak    int64
	last    int64
	samples int
	lastErr error
	stop    chan struct{}
	done    chan struct{}
}

func (s *rssSampler) sample(ctx context.Context) {
	v, err := s.read(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.lastErr = err
		return
	}
	s.samples++
	s.last = v
	if v > s.peak {
		s.peak = v
	}
}

func (s *rssSampler) start(ctx context.Context, every time.Duration) {
	s.stop = make(chan struct{})
	s.done = make(chan struct{})
	go func() {
		defer close(s.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-s.stop:
				return
			case <-t.C:
				sctx, cancel := context.WithTimeout(ctx, 2*time.Second)
				s.sample(sctx)
				cancel()
			}
		}
	}()
}

// finish takes one last sample and stops; it returns the peak (-1 if no
// sample ever succeeded) and the last error.
func (s *rssSampler) finish(ctx context.Context) (int64, error) {
	if s.stop != nil {
		close(s.stop)
		<-s.done
	}
	sctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	s.sample(sctx)
	cancel()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.samples == 0 {
		return -1, s.lastErr
	}
	return s.peak, nil
}
