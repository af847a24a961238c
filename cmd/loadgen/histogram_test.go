package main

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestNearestRank(t *testing.T) {
	cases := []struct {
		n    uint64
		p    float64
		want uint64
	}{
		{1, 50, 1}, {1, 99, 1}, {10, 50, 5}, {10, 90, 9}, {10, 99, 10}, {10, 100, 10},
		{100, 99, 99}, {1000, 99, 990}, {3, 50, 2}, {5, 0, 1},
	}
	for _, c := range cases {
		if got := nearestRank(c.n, c.p); got != c.want {
			t.Errorf("nearestRank(%d, %v) = %d, want %d", c.n, c.p, got, c.want)
		}
	}
}

func TestExactPercentile(t *testing.T) {
	vals := []int64{5, 1, 4, 2, 3, 10, 9, 8, 7, 6}
	for p, want := range map[float64]int64{50: 5, 90: 9, 99: 10, 100: 10, 10: 1} {
		if got := exactPercentile(vals, p); got != want {
			t.Errorf("p%v = %d, want %d", p, got, want)
		}
	}
	if vals[0] != 5 {
		t.Error("exactPercentile modified its input")
	}
	if exactPercentile(nil, 50) != 0 {
		t.Error("empty: want 0")
	}
}

func TestHistogramSmallValuesExact(t *testing.T) {
	h := newHistogram()
	var vals []int64
	for v := int64(0); v < 200; v++ {
		h.record(v)
		vals = append(vals, v)
	}
	for _, p := range []float64{1, 50, 90, 99, 100} {
		if got, want := h.percentile(p), exactPercentile(vals, p); got != want {
			t.Errorf("p%v = %d, want exactly %d", p, got, want)
		}
	}
	if h.maxValue() != 199 || h.count() != 200 {
		t.Errorf("max %d count %d", h.maxValue(), h.count())
	}
}

func TestHistogramBucketsRoundTrip(t *testing.T) {
	prev := -1
	for _, v := range []int64{0, 1, 255, 256, 257, 511, 512, 1000, 12345, 1 << 20, 987654321, 1 << 40} {
		i := histIndex(v)
		lo, hi := histBounds(i)
		if v < lo || v > hi {
			t.Errorf("value %d in bucket %d [%d,%d]", v, i, lo, hi)
		}
		if i < prev {
			t.Errorf("bucket index not monotonic at %d", v)
		}
		prev = i
		if hi > 255 && float64(hi-lo)/float64(lo) > 1.0/histSub+1e-9 {
			t.Errorf("bucket [%d,%d] wider than 1/%d", lo, hi, histSub)
		}
	}
	if histIndex(-5) != 0 {
		t.Error("negative values go to bucket 0")
	}
	if histIndex(math.MaxInt64) != histBucketLen-1 {
		t.Error("huge values go to the last bucket")
	}
}

func TestHistogramMatchesExactWithin1Percent(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, dist := range []string{"uniform", "lognormal", "bimodal"} {
		h := newHistogram()
		var vals []int64
		for i := 0; i < 50000; i++ {
			var v int64
			switch dist {
			case "uniform":
				v = rng.Int64N(100000)
			case "lognormal":
				v = int64(math.Exp(rng.NormFloat64()*1.5 + 7))
			case "bimodal":
				if rng.IntN(10) == 0 {
					v = 200000 + rng.Int64N(50000)
				} else {
					v = 300 + rng.Int64N(100)
				}
			}
			h.record(v)
			vals = append(vals, v)
		}
		for _, p := range []float64{50, 90, 99, 99.9} {
			got, want := h.percentile(p), exactPercentile(vals, p)
			if diff := math.Abs(float64(got-want)) / math.Max(float64(want), 1); diff > 0.01 {
				t.Errorf("%s p%v = %d, exact %d (%.2f%% off)", dist, p, got, want, diff*100)
			}
		}
		if h.maxValue() != exactPercentile(vals, 100) {
			t.Errorf("%s: max %d, exact %d", dist, h.maxValue(), exactPercentile(vals, 100))
		}
	}
}

func TestHistogramMergeAndEmpty(t *testing.T) {
	a, b, all := newHistogram(), newHistogram(), newHistogram()
	if a.percentile(50) != 0 || a.maxValue() != 0 || a.mean() != 0 {
		t.Error("empty histogram should report zeros")
	}
	for i := int64(0); i < 1000; i++ {
		if i%2 == 0 {
			a.record(i * 37)
		} else {
			b.record(i * 37)
		}
		all.record(i * 37)
	}
	a.merge(b)
	a.merge(nil)
	for _, p := range []float64{50, 90, 99} {
		if a.percentile(p) != all.percentile(p) {
			t.Errorf("merged p%v = %d, want %d", p, a.percentile(p), all.percentile(p))
		}
	}
	if a.count() != 1000 || a.maxValue() != 999*37 || a.mean() != all.mean() {
		t.Errorf("merged count %d max %d", a.count(), a.maxValue())
	}
	h := newHistogram()
	h.record(-3)
	if h.maxValue() != 0 {
		t.Error("negative latencies are clamped to 0")
	}
}
