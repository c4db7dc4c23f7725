// SPDX-License-Identifier: MIT

// timerx-gobench: the Go workload of the benchmark suite (bench/README.md,
// "Go"). Go's own timers against timerx from Go, many periodic timers on a
// grid, with or without CPU-bound or allocating goroutines beside them;
// one JSON record on stdout:
//
//	timerx-gobench -c CONTESTANT [-timers N] [-hz H] [-seconds S] [-load none|cpu|gc] [-cpu C]
//
// Contestants: go-ticker (a goroutine per time.Ticker), go-timer (a
// goroutine per time.Timer, Reset to the next grid point after each
// expiry), go-afterfunc (time.AfterFunc, re-armed from its callback),
// timerx-poll (one goroutine on a locked OS thread pinned to -cpu,
// busy-polling the ring, the timers pinned there too) and timerx-block
// (the same, blocking in ppoll between batches).
package main

import (
	"flag"
	"fmt"
	"math"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"timerx"
)

type config struct {
	contestant string
	timers     int
	hz         int
	seconds    float64
	load       string
	cpu        int
}

// outcome is what a contestant measured.
type outcome struct {
	lateness *split
	parts    bool   // fired/delivery known (not for AfterFunc)
	events   uint64 // deliveries to the program
	overruns uint64 // expirations folded into a delivery or skipped
	expected uint64 // grid points due in [start, end]
	extra    map[string]any
}

func main() {
	var c config
	flag.StringVar(&c.contestant, "c", "", "go-ticker, go-timer, go-afterfunc, timerx-poll, timerx-block")
	flag.IntVar(&c.timers, "timers", 1, "periodic timers")
	flag.IntVar(&c.hz, "hz", 1000, "rate of each timer")
	flag.Float64Var(&c.seconds, "seconds", 5, "run time")
	flag.StringVar(&c.load, "load", "none", "none, cpu (spinning goroutines) or gc (allocating goroutines)")
	flag.IntVar(&c.cpu, "cpu", 1, "timerx contestants: the consumer's and the timers' CPU")
	flag.Parse()
	run := map[string]runner{
		"go-ticker": runTicker, "go-timer": runTimer, "go-afterfunc": runAfterFunc,
		"timerx-poll": runTimerx, "timerx-block": runTimerx,
	}[c.contestant]
	if run == nil || c.timers < 1 || c.hz < 1 || c.seconds <= 0 ||
		(c.load != "none" && c.load != "cpu" && c.load != "gc") {
		flag.Usage()
		os.Exit(2)
	}
	if err := bench(c, run); err != nil {
		fmt.Fprintln(os.Stderr, "timerx-gobench:", err)
		os.Exit(1)
	}
}

// A runner sets its timers up, calls ready (which starts the load and
// the CPU count: the setup is not measured), then runs them for the
// duration.
type runner func(c config, period, duration time.Duration, ready func()) (outcome, error)

func bench(c config, run runner) error {
	period := time.Second / time.Duration(c.hz)
	duration := time.Duration(c.seconds * float64(time.Second))
	stopLoad := func() uint64 { return 0 }
	var ms0, ms1 runtime.MemStats
	var u0, s0 int64
	var t0 time.Time
	ready := func() {
		stopLoad = startLoad(c.load)
		runtime.ReadMemStats(&ms0)
		u0, s0 = cpuTimes()
		t0 = time.Now()
	}
	o, err := run(c, period, duration, ready)
	elapsed := time.Since(t0)
	u1, s1 := cpuTimes()
	runtime.ReadMemStats(&ms1)
	work := stopLoad()
	if err != nil {
		return err
	}
	expirations := o.events + o.overruns
	lost := int64(o.expected) - int64(expirations)
	if lost < 0 {
		lost = 0
	}
	res := map[string]any{
		"events": o.events, "overruns": o.overruns, "expirations": expirations,
		"expected_expirations": o.expected, "lost": lost,
		"total":       lat(&o.lateness.total),
		"cpu_user_ns": u1 - u0, "cpu_sys_ns": s1 - s0, "elapsed_ns": elapsed.Nanoseconds(),
		"gc_cycles": ms1.NumGC - ms0.NumGC, "gc_pause_ns": ms1.PauseTotalNs - ms0.PauseTotalNs,
		"load_work": work, "gomaxprocs": runtime.GOMAXPROCS(0), "go_version": runtime.Version(),
	}
	if o.parts {
		res["fired"] = lat(&o.lateness.fired)
		res["delivery"] = lat(&o.lateness.delivery)
	}
	if expirations > 0 {
		res["cpu_ns_per_expiration"] = float64(u1-u0+s1-s0) / float64(expirations)
	}
	for k, v := range o.extra {
		res[k] = v
	}
	return emit(map[string]any{
		"workload": "go", "contestant": c.contestant,
		"params": map[string]any{"timers": c.timers, "hz": c.hz, "seconds": c.seconds, "load": c.load},
		"result": res,
	})
}

// startLoad runs GOMAXPROCS goroutines of the load beside the timers:
// "cpu" spins on arithmetic, "gc" allocates 4 KiB buffers into a live set
// of 16 MB, so the collector runs all the time. It returns the function
// that stops them and reports their work (iterations or allocations).
func startLoad(kind string) (stop func() uint64) {
	var done atomic.Bool
	var n uint64
	var wg sync.WaitGroup
	if kind != "none" {
		for g := 0; g < runtime.GOMAXPROCS(0); g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				if kind == "cpu" {
					x := uint64(g)
					for !done.Load() {
						for i := 0; i < 1000; i++ {
							x = x*6364136223846793005 + 1442695040888963407
						}
						atomic.AddUint64(&n, 1)
					}
					sink.Store(x)
					return
				}
				live := make([][]byte, 2048)
				for i := 0; !done.Load(); i++ {
					live[i%len(live)] = make([]byte, 4096)
					if i%64 == 0 {
						atomic.AddUint64(&n, 64)
					}
				}
			}(g)
		}
	}
	return func() uint64 {
		done.Store(true)
		wg.Wait()
		return atomic.LoadUint64(&n)
	}
}

var sink atomic.Uint64

// grid: timer i's first expiry is spread over the first period, then
// every period.
func gridStart(start time.Duration, i, n int, period time.Duration) time.Duration {
	return start + period*time.Duration(i)/time.Duration(n)
}

// window is the measured interval: from when every timer is set up (its
// start until then: nothing is counted) to end. Setting up 10 000 timers
// or goroutines takes a while under TCG; expiries due before it ended
// would measure the setup.
type window struct {
	from atomic.Int64
	end  time.Duration
}

func newWindow(end time.Duration) *window {
	w := &window{end: end}
	w.from.Store(math.MaxInt64)
	return w
}

// open starts the window at the later of start and now.
func (w *window) open(start, now time.Duration) {
	if now > start {
		start = now
	}
	w.from.Store(int64(start))
}

func (w *window) in(due time.Duration) bool {
	return int64(due) >= w.from.Load() && due <= w.end
}

// points counts a grid's points (first, first + period, ...) in the window.
func (w *window) points(first, period time.Duration) uint64 {
	from := time.Duration(w.from.Load())
	if first < from {
		first += (from - first + period - 1) / period * period
	}
	if first > w.end {
		return 0
	}
	return uint64((w.end-first)/period) + 1
}

// The Go contestants' clock: monotonic ns since base (time.Now's
// monotonic reading, the runtime's own timers' clock).
var base = time.Now()

func now() time.Duration { return time.Since(base) }

// lead is the time given to the setup before the first expiry.
func lead(timers int) time.Duration {
	return 50*time.Millisecond + time.Duration(timers)*100*time.Microsecond
}

func runTicker(c config, period, duration time.Duration, ready func()) (outcome, error) {
	var sh shards
	var events, overruns uint64
	start := now() + lead(c.timers)
	w := newWindow(start + duration)
	grids := make([]time.Duration, c.timers) // each ticker's first tick
	var wg, started sync.WaitGroup
	wg.Add(c.timers)
	started.Add(c.timers)
	for i := 0; i < c.timers; i++ {
		go func(i int) {
			defer wg.Done()
			// A Ticker's grid starts when it is made: at first - period.
			first := gridStart(start, i, c.timers, period)
			started.Done()
			time.Sleep(first - period - now())
			t0 := now()
			tk := time.NewTicker(period)
			defer tk.Stop()
			grids[i] = t0 + period
			var ev, ov uint64
			last := uint64(0)
			for {
				t := <-tk.C
				seen := now()
				fired := t.Sub(base)
				k := uint64((fired - t0) / period) // tick k is due at t0 + k*period
				if k == 0 {
					k = 1
				}
				due := t0 + time.Duration(k)*period
				if due > w.end {
					break
				}
				if w.in(due) {
					sh.record(i, int64(due), int64(fired), int64(seen))
					ev++
					if k > last+1 {
						ov += k - last - 1 // ticks the runtime dropped
					}
				}
				last = k
			}
			atomic.AddUint64(&events, ev)
			atomic.AddUint64(&overruns, ov)
		}(i)
	}
	started.Wait()
	ready()
	w.open(start, now())
	wg.Wait()
	var expected uint64
	for _, g := range grids {
		expected += w.points(g, period)
	}
	return outcome{lateness: sh.merged(), parts: true, events: events, overruns: overruns,
		expected: expected}, nil
}

func runTimer(c config, period, duration time.Duration, ready func()) (outcome, error) {
	var sh shards
	var events, overruns uint64
	start := now() + lead(c.timers)
	w := newWindow(start + duration)
	var wg, armed sync.WaitGroup
	wg.Add(c.timers)
	armed.Add(c.timers)
	for i := 0; i < c.timers; i++ {
		go func(i int) {
			defer wg.Done()
			next := gridStart(start, i, c.timers, period)
			tm := time.NewTimer(next - now())
			armed.Done()
			var ev, ov uint64
			for next <= w.end {
				t := <-tm.C
				seen := now()
				due := next
				next += period
				var skipped time.Duration
				if next < seen { // late by periods: skip them, as an engine would
					skipped = (seen-next)/period + 1
					next += skipped * period
				}
				if w.in(due) {
					sh.record(i, int64(due), int64(t.Sub(base)), int64(seen))
					ev++
					ov += uint64(skipped)
				}
				tm.Reset(next - now())
			}
			tm.Stop()
			atomic.AddUint64(&events, ev)
			atomic.AddUint64(&overruns, ov)
		}(i)
	}
	armed.Wait()
	ready()
	w.open(start, now())
	wg.Wait()
	var expected uint64
	for i := 0; i < c.timers; i++ {
		expected += w.points(gridStart(start, i, c.timers, period), period)
	}
	return outcome{lateness: sh.merged(), parts: true, events: events, overruns: overruns,
		expected: expected}, nil
}

func runAfterFunc(c config, period, duration time.Duration, ready func()) (outcome, error) {
	var sh shards
	var events, overruns uint64
	start := now() + lead(c.timers)
	w := newWindow(start + duration)
	var wg sync.WaitGroup
	wg.Add(c.timers)
	for i := 0; i < c.timers; i++ {
		i := i
		next := gridStart(start, i, c.timers, period)
		var tm *time.Timer
		var mu sync.Mutex // tm is assigned after AfterFunc returns
		mu.Lock()
		tm = time.AfterFunc(next-now(), func() {
			seen := now()
			due := next
			next += period
			var skipped time.Duration
			if next < seen {
				skipped = (seen-next)/period + 1
				next += skipped * period
			}
			if w.in(due) {
				sh.record(i, int64(due), int64(seen), int64(seen))
				atomic.AddUint64(&events, 1)
				atomic.AddUint64(&overruns, uint64(skipped))
			}
			if next > w.end {
				wg.Done()
				return
			}
			mu.Lock()
			tm.Reset(next - now())
			mu.Unlock()
		})
		mu.Unlock()
	}
	ready()
	w.open(start, now())
	wg.Wait()
	var expected uint64
	for i := 0; i < c.timers; i++ {
		expected += w.points(gridStart(start, i, c.timers, period), period)
	}
	return outcome{lateness: sh.merged(), events: events, overruns: overruns, expected: expected}, nil
}

// pinThread keeps the calling OS thread on cpu.
func pinThread(cpu int) error {
	var mask [16]uint64
	mask[cpu/64] |= 1 << (uint(cpu) % 64)
	_, _, errno := syscall.RawSyscall(syscall.SYS_SCHED_SETAFFINITY, 0, unsafe.Sizeof(mask),
		uintptr(unsafe.Pointer(&mask)))
	if errno != 0 {
		return fmt.Errorf("sched_setaffinity(cpu %d): %w", cpu, errno)
	}
	return nil
}

func runTimerx(c config, period, duration time.Duration, ready func()) (outcome, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	opts := timerx.TimerOptions{Clock: timerx.ClockMonotonic}
	if c.cpu >= 0 && c.cpu < runtime.NumCPU() {
		if err := pinThread(c.cpu); err != nil {
			return outcome{}, err
		}
		opts.Flags, opts.CPU = timerx.CreatePinned, uint32(c.cpu)
	}
	entries := uint32(1024)
	for entries < uint32(2*c.timers) && entries < 1<<20 {
		entries *= 2
	}
	ctx, err := timerx.Open(timerx.Options{RingEntries: entries})
	if err != nil {
		return outcome{}, err
	}
	defer ctx.Close()
	mono := func() time.Duration { return time.Duration(timerx.Now(timerx.ClockMonotonic)) }
	ids := make([]timerx.TimerID, c.timers)
	for i := range ids {
		opts.UserData = uint64(i)
		if ids[i], err = ctx.CreateWith(opts); err != nil {
			return outcome{}, err
		}
	}
	start := mono() + lead(c.timers)
	w := newWindow(start + duration)
	end := w.end
	for i, id := range ids {
		if err := ctx.ArmAt(id, int64(gridStart(start, i, c.timers, period)), period); err != nil {
			return outcome{}, err
		}
	}
	ready()
	w.open(start, mono())
	var expected uint64
	for i := range ids {
		expected += w.points(gridStart(start, i, c.timers, period), period)
	}
	var lateness split
	var events, overruns uint64
	var seen int64
	handler := func(e *timerx.Event) {
		// Due before the window: the setup's (as for the Go contestants).
		if !w.in(time.Duration(e.ExpectedNs)) {
			return
		}
		lateness.record(e.ExpectedNs, e.ActualNs, seen)
		events++
		overruns += uint64(e.Overrun)
	}
	r := ctx.Reader()
	poll := c.contestant == "timerx-poll"
	var syscalls uint64
	for {
		left := end + period - time.Duration(timerx.Now(timerx.ClockMonotonic))
		if left <= 0 {
			break
		}
		deadline := time.Now().Add(left)
		if poll {
			r.SpinUntil(deadline)
		} else {
			syscalls++
			if _, err := ctx.Wait(time.Until(deadline)); err != nil {
				return outcome{}, err
			}
		}
		seen = timerx.Now(timerx.ClockMonotonic)
		res, err := r.Consume(0, handler)
		if err != nil {
			return outcome{}, err
		}
		syscalls += uint64(res.Flushes)
	}
	info, err := ctx.Info()
	if err != nil {
		return outcome{}, err
	}
	return outcome{lateness: &lateness, parts: true, events: events, overruns: overruns,
		expected: expected, extra: map[string]any{
			"syscalls": syscalls, "ring_full": info.RingFull, "wakeups": info.Wakeups,
		}}, nil
}
