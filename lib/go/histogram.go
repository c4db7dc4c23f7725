// SPDX-License-Identifier: MIT

package timerx

import (
	"math"
	"math/bits"
	"time"
)

// The module's lateness histogram layout (include/uapi/linux/timerx.h,
// "Lateness"): log-linear with S = TIMERX_HIST_SUB_BITS sub-buckets per
// power of two, so a quantile read at a bucket's midpoint is within 3.2%.
const (
	histSubBits = 4  // TIMERX_HIST_SUB_BITS
	histMaxLog2 = 32 // TIMERX_HIST_MAX_LOG2
	// HistogramBuckets is TIMERX_HIST_BUCKETS.
	HistogramBuckets = (histMaxLog2-histSubBits+1)*(1<<histSubBits) + 1
)

// Histogram records durations (lateness) in the module's buckets, without
// allocating: for the consumer's own measurements (delivery lateness,
// say) on the same scale as the module's. Not safe for concurrent use.
type Histogram struct {
	buckets [HistogramBuckets]uint64
	count   uint64
	early   uint64 // negative samples (recorded as 0)
	sum     uint64
	min     uint64
	max     uint64
}

// histBucket is the module's bucket of v ns.
func histBucket(v uint64) int {
	const sub = 1 << histSubBits
	if v < sub {
		return int(v)
	}
	if v >= 1<<histMaxLog2 {
		return HistogramBuckets - 1
	}
	e := 63 - bits.LeadingZeros64(v)
	return (e-histSubBits+1)*sub + int((v>>(e-histSubBits))&(sub-1))
}

// histBounds is bucket b's [lo, lo + width).
func histBounds(b int) (lo, width uint64) {
	const sub = 1 << histSubBits
	if b < sub {
		return uint64(b), 1
	}
	if b >= HistogramBuckets-1 {
		return 1 << histMaxLog2, 0
	}
	e := b/sub + histSubBits - 1
	width = 1 << (e - histSubBits)
	return 1<<e + uint64(b%sub)*width, width
}

// Record adds one sample; negative durations count as early and as 0.
func (h *Histogram) Record(d time.Duration) {
	var v uint64
	if d < 0 {
		h.early++
	} else {
		v = uint64(d)
	}
	h.buckets[histBucket(v)]++
	if h.count == 0 || v < h.min {
		h.min = v
	}
	if v > h.max {
		h.max = v
	}
	h.count++
	h.sum += v
}

// Count is the number of samples; Early those that were negative.
func (h *Histogram) Count() uint64 { return h.count }
func (h *Histogram) Early() uint64 { return h.early }

// Min, Max and Mean are exact.
func (h *Histogram) Min() time.Duration { return time.Duration(h.min) }
func (h *Histogram) Max() time.Duration { return time.Duration(h.max) }
func (h *Histogram) Mean() time.Duration {
	if h.count == 0 {
		return 0
	}
	return time.Duration(h.sum / h.count)
}

// Quantile is the q-quantile (0 <= q <= 1) at its bucket's midpoint,
// clamped to [Min, Max]; 0 without samples.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.count == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.count)))
	if rank < 1 {
		rank = 1
	}
	var seen uint64
	for b, n := range h.buckets {
		seen += n
		if seen < rank {
			continue
		}
		lo, width := histBounds(b)
		v := lo + width/2
		if v < h.min {
			v = h.min
		}
		if v > h.max {
			v = h.max
		}
		return time.Duration(v)
	}
	return time.Duration(h.max)
}

// Merge adds o's samples to h.
func (h *Histogram) Merge(o *Histogram) {
	if o.count == 0 {
		return
	}
	for b, n := range o.buckets {
		h.buckets[b] += n
	}
	if h.count == 0 || o.min < h.min {
		h.min = o.min
	}
	if o.max > h.max {
		h.max = o.max
	}
	h.count += o.count
	h.early += o.early
	h.sum += o.sum
}

// Reset forgets every sample.
func (h *Histogram) Reset() { *h = Histogram{} }
