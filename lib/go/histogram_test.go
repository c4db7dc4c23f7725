// SPDX-License-Identifier: MIT

package timerx

import (
	"testing"
	"time"
)

// The bucket formula of include/uapi/linux/timerx.h, spot-checked, and
// every bucket's bounds map back to it.
func TestHistogramBuckets(t *testing.T) {
	for v, want := range map[uint64]int{0: 0, 15: 15, 16: 16, 17: 17, 31: 31, 32: 32, 34: 33,
		1000: 6*16 + 15, 1 << 31: 28*16 + 0, 1<<32 - 1: 28*16 + 15, 1 << 32: HistogramBuckets - 1} {
		if got := histBucket(v); got != want {
			t.Errorf("bucket(%d) = %d, want %d", v, got, want)
		}
	}
	for b := 0; b < HistogramBuckets-1; b++ {
		lo, w := histBounds(b)
		if histBucket(lo) != b || histBucket(lo+w-1) != b || histBucket(lo+w) != b+1 {
			t.Fatalf("bucket %d: [%d, %d) does not map back", b, lo, lo+w)
		}
	}
}

func TestHistogramQuantiles(t *testing.T) {
	var h Histogram
	for i := 1; i <= 1000; i++ {
		h.Record(time.Duration(i) * time.Microsecond)
	}
	h.Record(-time.Microsecond)
	if h.Count() != 1001 || h.Early() != 1 || h.Min() != 0 || h.Max() != time.Millisecond {
		t.Fatalf("count %d early %d min %v max %v", h.Count(), h.Early(), h.Min(), h.Max())
	}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 500 * time.Microsecond}, {0.99, 990 * time.Microsecond}, {1, time.Millisecond}} {
		got := h.Quantile(c.q)
		if d := float64(got-c.want) / float64(c.want); d > 0.032 || d < -0.032 {
			t.Errorf("q%v = %v, want %v within 3.2%%", c.q, got, c.want)
		}
	}
	var m Histogram
	m.Merge(&h)
	m.Merge(&h)
	if m.Count() != 2002 || m.Quantile(0.5) != h.Quantile(0.5) {
		t.Fatalf("merge: count %d, p50 %v vs %v", m.Count(), m.Quantile(0.5), h.Quantile(0.5))
	}
	if a := testing.AllocsPerRun(100, func() { h.Record(time.Microsecond) }); a != 0 {
		t.Fatalf("Record allocates %v times", a)
	}
}
