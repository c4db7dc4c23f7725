// SPDX-License-Identifier: MIT

package main

import (
	"encoding/json"
	"os"
	"sync"
	"syscall"
	"time"

	"timerx"
)

// lat is the suite's LAT object (bench/README.md) from a histogram in the
// module's buckets, the same as timerctl's json_latency writes.
func lat(h *timerx.Histogram) map[string]any {
	qs := []float64{0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 0.995,
		0.999, 0.9995, 0.9999, 1}
	pairs := make([][2]any, 0, len(qs))
	for _, q := range qs {
		pairs = append(pairs, [2]any{q, int64(h.Quantile(q))})
	}
	return map[string]any{
		"count": h.Count(), "early": h.Early(),
		"min_ns": int64(h.Min()), "avg_ns": int64(h.Mean()), "max_ns": int64(h.Max()),
		"p50_ns": int64(h.Quantile(0.5)), "p90_ns": int64(h.Quantile(0.9)),
		"p99_ns": int64(h.Quantile(0.99)), "p999_ns": int64(h.Quantile(0.999)),
		"p9999_ns":  int64(h.Quantile(0.9999)),
		"quantiles": pairs,
	}
}

// split is a run's lateness: total (seen - expected) and its two parts,
// the timer mechanism's (fired - expected: the kernel's callback for
// timerx, the runtime's timer for Go) and delivery (seen - fired).
type split struct{ total, fired, delivery timerx.Histogram }

func (s *split) record(expected, fired, seen int64) {
	s.total.Record(time.Duration(seen - expected))
	s.fired.Record(time.Duration(fired - expected))
	s.delivery.Record(time.Duration(seen - fired))
}

func (s *split) merge(o *split) {
	s.total.Merge(&o.total)
	s.fired.Merge(&o.fired)
	s.delivery.Merge(&o.delivery)
}

// shards: goroutines of the Go contestants record into one of a few
// locked splits (not one each: 10 000 goroutines × 3 histograms would
// be 110 MB), merged at the end.
type shards struct {
	s [64]struct {
		sync.Mutex
		split
		pad [64]byte
	}
}

func (sh *shards) record(i int, expected, fired, seen int64) {
	s := &sh.s[i%len(sh.s)]
	s.Lock()
	s.split.record(expected, fired, seen)
	s.Unlock()
}

func (sh *shards) merged() *split {
	var out split
	for i := range sh.s {
		out.merge(&sh.s[i].split)
	}
	return &out
}

func cpuTimes() (user, sys int64) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, 0
	}
	return ru.Utime.Nano(), ru.Stime.Nano()
}

func emit(rec map[string]any) error {
	enc := json.NewEncoder(os.Stdout)
	return enc.Encode(rec)
}
