package main

import (
	"math"
	"math/bits"
	"sort"
)

// histogram is a log-linear latency histogram over non-negative integer
// values (microseconds here). Values below 2^(subBits+1) are counted exactly;
// above that each power of two is split into 2^subBits buckets, so a reported
// percentile is within 1/2^subBits (0.8%) of the true value. Count, min and
// max are exact. It uses a fixed ~36 KB and never grows, which is what lets
// us record hundreds of millions of deliveries.
type histogram struct {
	counts []uint64
	n      uint64
	min    int64
	max    int64
	sum    float64
}

const (
	histSubBits   = 7
	histSub       = 1 << histSubBits // buckets per power of two
	histExact     = 2 * histSub      // values below this are exact
	histMaxShift  = 33               // covers values up to 2^41 µs (25 days)
	histBucketLen = histExact + histMaxShift*histSub
)

func newHistogram() *histogram {
	return &histogram{counts: make([]uint64, histBucketLen), min: math.MaxInt64, max: math.MinInt64}
}

// histIndex maps a value to its bucket.
func histIndex(v int64) int {
	if v < 0 {
		v = 0
	}
	u := uint64(v)
	if u < histExact {
		return int(u)
	}
	shift := bits.Len64(u) - (histSubBits + 1) // >= 1
	if shift > histMaxShift {
		return histBucketLen - 1
	}
	m := u >> uint(shift) // in [histSub, 2*histSub)
	return histExact + (shift-1)*histSub + int(m-histSub)
}

// histBounds is the inclusive value range of bucket i.
func histBounds(i int) (lo, hi int64) {
	if i < histExact {
		return int64(i), int64(i)
	}
	shift := (i-histExact)/histSub + 1
	m := int64((i-histExact)%histSub + histSub)
	return m << uint(shift), (m+1)<<uint(shift) - 1
}

func (h *histogram) record(v int64) {
	if v < 0 {
		v = 0
	}
	h.counts[histIndex(v)]++
	h.n++
	h.sum += float64(v)
	if v < h.min {
		h.min = v
	}
	if v > h.max {
		h.max = v
	}
}

func (h *histogram) merge(o *histogram) {
	if o == nil || o.n == 0 {
		return
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.sum += o.sum
	if o.min < h.min {
		h.min = o.min
	}
	if o.max > h.max {
		h.max = o.max
	}
}

func (h *histogram) count() uint64 { return h.n }

// maxValue is the exact largest recorded value (0 when empty).
func (h *histogram) maxValue() int64 {
	if h.n == 0 {
		return 0
	}
	return h.max
}

func (h *histogram) mean() float64 {
	if h.n == 0 {
		return 0
	}
	return h.sum / float64(h.n)
}

// percentile returns the nearest-rank p-th percentile (0 < p <= 100): the
// smallest recorded value such that at least p% of the values are <= it,
// approximated by the middle of its bucket and clamped to [min, max].
// It returns 0 for an empty histogram.
func (h *histogram) percentile(p float64) int64 {
	if h.n == 0 {
		return 0
	}
	rank := nearestRank(h.n, p)
	var cum uint64
	for i, c := range h.counts {
		cum += c
		if cum >= rank {
			lo, hi := histBounds(i)
			v := lo + (hi-lo)/2
			if v < h.min {
				v = h.min
			}
			if v > h.max {
				v = h.max
			}
			return v
		}
	}
	return h.max
}

// nearestRank is the 1-based rank of the p-th percentile among n values.
func nearestRank(n uint64, p float64) uint64 {
	if p <= 0 {
		return 1
	}
	if p >= 100 {
		return n
	}
	r := uint64(math.Ceil(p / 100 * float64(n)))
	if r < 1 {
		r = 1
	}
	if r > n {
		r = n
	}
	return r
}

// exactPercentile is the nearest-rank percentile of vals (not modified).
// It is the reference the histogram is tested against.
func exactPercentile(vals []int64, p float64) int64 {
	if len(vals) == 0 {
		return 0
	}
	s := append([]int64(nil), vals...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[nearestRank(uint64(len(s)), p)-1]
}
