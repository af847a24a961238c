package main

import (
	"context"
	"errors"
	"os"
	"testing"
)

func TestParseVmRSS(t *testing.T) {
	status := "Name:\tlivedash\nVmPeak:\t  999 kB\nVmRSS:\t   12345 kB\nThreads: 7\n"
	v, err := parseVmRSS([]byte(status))
	if err != nil || v != 12345*1024 {
		t.Errorf("got %d, %v", v, err)
	}
	if _, err := parseVmRSS([]byte("Name:\tkthreadd\n")); err == nil {
		t.Error("no VmRSS: want an error")
	}
	if _, err := parseVmRSS([]byte("VmRSS:\tlots kB\n")); err == nil {
		t.Error("bad value: want an error")
	}
}

func TestParseVmRSSOwnProcess(t *testing.T) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc")
	}
	v, err := parseVmRSS(b)
	if err != nil || v < 1<<20 {
		t.Errorf("own RSS %d, %v", v, err)
	}
}

func TestParseMetricsRSS(t *testing.T) {
	body := `# HELP process_resident_memory_bytes Resident memory size in bytes.
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes_total 1
process_resident_memory_bytes 2.4576e+07
go_goroutines 12
`
	v, err := parseMetricsRSS([]byte(body))
	if err != nil || v != 24576000 {
		t.Errorf("got %d, %v", v, err)
	}
	v, err = parseMetricsRSS([]byte(`process_resident_memory_bytes{instance="a"} 1048576` + "\n"))
	if err != nil || v != 1048576 {
		t.Errorf("labels: got %d, %v", v, err)
	}
	for _, b := range []string{"go_goroutines 1\n", "process_resident_memory_bytes NaNx\n", "process_resident_memory_bytes -5\n"} {
		if _, err := parseMetricsRSS([]byte(b)); err == nil {
			t.Errorf("%q: want an error", b)
		}
	}
}

func TestRSSSampler(t *testing.T) {
	vals := []int64{10, 30, 20}
	i := 0
	s := &rssSampler{read: func(context.Context) (int64, error) {
		if i >= len(vals) {
			return 0, errors.New("gone")
		}
		v := vals[i]
		i++
		return v, nil
	}}
	s.sample(context.Background())
	s.sample(context.Background())
	peak, err := s.finish(context.Background())
	if peak != 30 || err != nil || s.last != 20 {
		t.Errorf("peak %d last %d err %v", peak, s.last, err)
	}
	none := &rssSampler{read: func(context.Context) (int64, error) { return 0, errors.New("no metrics") }}
	if peak, err := none.finish(context.Background()); peak != -1 || err == nil {
		t.Errorf("no samples: %d %v", peak, err)
	}
}
