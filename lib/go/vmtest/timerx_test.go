// SPDX-License-Identifier: MIT

//go:build vmtest

package vmtest

import (
	"errors"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"

	"timerx"
)

// open gives a context with a ring of entries, closed with the test. In
// the VM (TIMERX_VM=1) a missing device is a failure, elsewhere a skip.
func open(t *testing.T, entries uint32) *timerx.Context {
	t.Helper()
	c := openUnmanaged(t, entries)
	t.Cleanup(func() { c.Close() })
	return c
}

// openUnmanaged is open for a test that closes the context itself.
func openUnmanaged(t *testing.T, entries uint32) *timerx.Context {
	t.Helper()
	c, err := timerx.Open(timerx.Options{RingEntries: entries})
	if err != nil {
		if errors.Is(err, syscall.ENOENT) && os.Getenv("TIMERX_VM") == "" {
			t.Skipf("no %s (timerx.ko not loaded)", timerx.DevicePath)
		}
		t.Fatalf("Open: %v", err)
	}
	return c
}

func create(t *testing.T, c *timerx.Context, userData uint64) timerx.TimerID {
	t.Helper()
	id, err := c.Create(userData, timerx.ClockMonotonic)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	return id
}

// waitEvents consumes until n expirations were seen or 10 s passed.
func waitEvents(t *testing.T, c *timerx.Context, n uint64, fn func(*timerx.Event)) uint64 {
	t.Helper()
	var seen uint64
	deadline := time.Now().Add(10 * time.Second)
	for seen < n && time.Now().Before(deadline) {
		if _, err := c.Wait(time.Until(deadline)); err != nil {
			t.Fatalf("Wait: %v", err)
		}
		if _, err := c.Reader().Consume(0, func(e *timerx.Event) {
			seen += e.Expirations()
			if fn != nil {
				fn(e)
			}
		}); err != nil {
			t.Fatalf("Consume: %v", err)
		}
	}
	if seen < n {
		t.Fatalf("saw %d of %d expirations in 10 s", seen, n)
	}
	return seen
}

func TestOpenAndInfo(t *testing.T) {
	c := open(t, 64)
	info, err := c.Info()
	if err != nil {
		t.Fatal(err)
	}
	if info.APIVersion < timerx.APIVersion || info.RingEntries != 64 || info.Timers != 0 {
		t.Fatalf("CTX_INFO = %+v", info)
	}
	p := c.RingParams()
	if p.EventSize != 40 || c.Reader().Entries() != 64 || p.MmapLen < uint64(p.EventsOffset)+64*40 {
		t.Fatalf("ring params %+v", p)
	}
}

func TestOneShot(t *testing.T) {
	c := open(t, 64)
	id := create(t, c, 0xfeed)
	before := timerx.Now(timerx.ClockMonotonic)
	if err := c.Arm(id, time.Millisecond, 0); err != nil {
		t.Fatal(err)
	}
	var got timerx.Event
	waitEvents(t, c, 1, func(e *timerx.Event) { got = *e })
	if got.TimerID != uint32(id) || got.UserData != 0xfeed || got.Overrun != 0 {
		t.Fatalf("event %+v", got)
	}
	if got.ExpectedNs < before+int64(time.Millisecond) || got.ActualNs < got.ExpectedNs ||
		got.KernelLateness() < 0 {
		t.Fatalf("event %+v armed at %d", got, before)
	}
	if now := timerx.Now(timerx.ClockMonotonic); got.ActualNs > now {
		t.Fatalf("actual_ns %d is after now %d: Now(ClockMonotonic) is not the timers' clock",
			got.ActualNs, now)
	}
	info, err := c.Get(id)
	if err != nil || info.State != timerx.TimerIdle || info.Expirations != 1 || info.UserData != 0xfeed {
		t.Fatalf("GET = %+v, %v", info, err)
	}
}

// A periodic timer on an absolute grid: every event on the grid, and the
// events account for every expiration the kernel counted.
func TestPeriodicNoLoss(t *testing.T) {
	c := open(t, 256)
	id := create(t, c, 7)
	const period = 2 * time.Millisecond
	start := timerx.Now(timerx.ClockMonotonic) + int64(5*time.Millisecond)
	if err := c.ArmAt(id, start, period); err != nil {
		t.Fatal(err)
	}
	seen := waitEvents(t, c, 50, func(e *timerx.Event) {
		if (e.ExpectedNs-start)%int64(period) != 0 {
			t.Errorf("expected_ns %d is off the grid %d + k*%v", e.ExpectedNs, start, period)
		}
	})
	if err := c.Cancel(id); err != nil {
		t.Fatal(err)
	}
	info, err := c.Get(id)
	if err != nil || info.State != timerx.TimerIdle || info.Period() != period {
		t.Fatalf("GET after cancel = %+v, %v", info, err)
	}
	r := c.Reader()
	for r.HasWork() {
		if _, err := r.Consume(0, func(e *timerx.Event) { seen += e.Expirations() }); err != nil {
			t.Fatal(err)
		}
	}
	if seen != info.Expirations {
		t.Fatalf("events carried %d expirations, the kernel counted %d", seen, info.Expirations)
	}
}

func TestErrorsWrapErrno(t *testing.T) {
	c := open(t, 64)
	const missing = timerx.TimerID(123456)
	checks := []struct {
		what  string
		err   error
		errno syscall.Errno
	}{
		{"Arm of no timer", c.Arm(missing, time.Second, 0), syscall.ENOENT},
		{"Cancel of no timer", c.Cancel(missing), syscall.ENOENT},
		{"Delete of no timer", c.Delete(missing), syscall.ENOENT},
		{"Arm with a negative expiry", c.Arm(create(t, c, 0), -time.Second, 0), syscall.EINVAL},
	}
	_, err := c.Get(missing)
	checks = append(checks, struct {
		what  string
		err   error
		errno syscall.Errno
	}{"Get of no timer", err, syscall.ENOENT})
	_, err = c.CreateWith(timerx.TimerOptions{Clock: timerx.ClockMonotonic, Flags: 1 << 31})
	checks = append(checks, struct {
		what  string
		err   error
		errno syscall.Errno
	}{"Create with an unknown flag", err, syscall.EOPNOTSUPP})
	for _, ch := range checks {
		var te *timerx.Error
		if !errors.Is(ch.err, ch.errno) || !errors.As(ch.err, &te) {
			t.Errorf("%s: %v; want a *timerx.Error wrapping %v", ch.what, ch.err, ch.errno)
		}
	}
	if _, err := timerx.Open(timerx.Options{RingEntries: 3}); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("a ring of 3 entries: %v; want EINVAL", err)
	}
}

func TestDeleteAndClose(t *testing.T) {
	c := openUnmanaged(t, 64)
	id := create(t, c, 1)
	if err := c.Delete(id); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(id); !errors.Is(err, syscall.ENOENT) {
		t.Fatalf("Get after Delete: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Arm(id, 0, 0); !errors.Is(err, syscall.EBADF) {
		t.Fatalf("Arm after Close: %v; want EBADF", err)
	}
	if err := c.Close(); !errors.Is(err, timerx.ErrClosed) {
		t.Fatalf("second Close: %v", err)
	}
}

// A ring of 2 and 8 periodic timers: the kernel folds what does not fit,
// sets the overflow flag, parks the timers; Consume flushes, and the
// events still account for every expiration.
func TestOverflowFlush(t *testing.T) {
	c := open(t, 2)
	const timers = 8
	ids := make([]timerx.TimerID, timers)
	for i := range ids {
		ids[i] = create(t, c, uint64(i))
		if err := c.Arm(ids[i], time.Millisecond, time.Millisecond); err != nil {
			t.Fatal(err)
		}
	}
	r := c.Reader()
	deadline := time.Now().Add(10 * time.Second)
	for !r.Overflow() && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if !r.Overflow() || r.RingFull() == 0 {
		t.Fatalf("no overflow with 8 timers on a ring of 2 (ring_full %d)", r.RingFull())
	}
	seen := map[uint32]uint64{}
	flushes := 0
	for i := 0; i < 20; i++ {
		res, err := r.Consume(0, func(e *timerx.Event) { seen[e.TimerID] += e.Expirations() })
		if err != nil {
			t.Fatal(err)
		}
		flushes += res.Flushes
		time.Sleep(2 * time.Millisecond)
	}
	if flushes == 0 {
		t.Fatal("Consume never flushed")
	}
	for _, id := range ids {
		if err := c.Cancel(id); err != nil {
			t.Fatal(err)
		}
	}
	// Cancelled: the Reader would drop what was pending as stale; the
	// accounting wants every expiration the kernel counted.
	r.DeliverStale = true
	defer func() { r.DeliverStale = false }()
	for r.HasWork() {
		if _, err := r.Consume(0, func(e *timerx.Event) { seen[e.TimerID] += e.Expirations() }); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range ids {
		info, err := c.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		if info.Pending != 0 || seen[uint32(id)] != info.Expirations {
			t.Errorf("timer %d: events carried %d expirations, kernel counted %d (pending %d)",
				id, seen[uint32(id)], info.Expirations, info.Pending)
		}
	}
}

// Busy-polling on a locked thread with the polling flag set: the event
// arrives and the kernel did no wakeup for it.
func TestBusyPollSuppressesWakeups(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	c := open(t, 64)
	id := create(t, c, 3)
	r := c.Reader()
	r.SetPolling(true)
	before, err := c.Info()
	if err != nil {
		t.Fatal(err)
	}
	const n = 20
	for i := 0; i < n; i++ {
		if err := c.Arm(id, 200*time.Microsecond, 0); err != nil {
			t.Fatal(err)
		}
		got := 0
		for got == 0 {
			if !r.SpinUntil(time.Now().Add(5 * time.Second)) {
				t.Fatalf("round %d: no event in 5 s of spinning", i)
			}
			res, err := r.Consume(0, func(*timerx.Event) {})
			if err != nil {
				t.Fatal(err)
			}
			got = res.Events
		}
	}
	after, err := c.Info()
	if err != nil {
		t.Fatal(err)
	}
	if after.Events-before.Events != n || after.Wakeups != before.Wakeups {
		t.Fatalf("%d events, %d wakeups while polling; want %d events, no wakeup",
			after.Events-before.Events, after.Wakeups-before.Wakeups, n)
	}
}

// The blocking waits: a timeout on an idle context, and events in a row
// with the polling flag set before each wait (PrepareWait must clear it,
// or the kernel would not wake us).
func TestBlockingWaits(t *testing.T) {
	c := open(t, 64)
	id := create(t, c, 4)
	start := time.Now()
	if ok, err := c.Wait(20 * time.Millisecond); ok || err != nil {
		t.Fatalf("Wait on an idle context = %v, %v", ok, err)
	}
	if time.Since(start) < 20*time.Millisecond {
		t.Fatalf("Wait returned after %v of a 20 ms timeout", time.Since(start))
	}
	p, err := timerx.NewPoller(c)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	waits := map[string]func() (bool, error){
		"ppoll":  func() (bool, error) { return c.Wait(5 * time.Second) },
		"epoll":  func() (bool, error) { return p.Wait(5 * time.Second) },
		"hybrid": func() (bool, error) { return c.WaitHybrid(50*time.Microsecond, 5*time.Second) },
	}
	for name, wait := range waits {
		for i := 0; i < 30; i++ {
			c.Reader().SetPolling(true)
			if err := c.Arm(id, time.Duration(i%4)*100*time.Microsecond, 0); err != nil {
				t.Fatal(err)
			}
			got := 0
			for got == 0 {
				ok, err := wait()
				if err != nil || !ok {
					t.Fatalf("%s round %d: %v, %v (lost wakeup?)", name, i, ok, err)
				}
				res, err := c.Reader().Consume(0, func(*timerx.Event) {})
				if err != nil {
					t.Fatal(err)
				}
				got = res.Events
			}
		}
	}
}

func TestReadIntoReusedSlice(t *testing.T) {
	c := open(t, 16)
	ids := []timerx.TimerID{create(t, c, 10), create(t, c, 11), create(t, c, 12)}
	at := timerx.Now(timerx.ClockMonotonic) + int64(time.Millisecond)
	for _, id := range ids {
		if err := c.ArmAt(id, at, 0); err != nil {
			t.Fatal(err)
		}
	}
	buf := make([]timerx.Event, 8)
	total := 0
	deadline := time.Now().Add(10 * time.Second)
	for total < 3 && time.Now().Before(deadline) {
		if _, err := c.Wait(time.Second); err != nil {
			t.Fatal(err)
		}
		n, err := c.Reader().Read(buf[total:])
		if err != nil {
			t.Fatal(err)
		}
		total += n
	}
	if total != 3 {
		t.Fatalf("read %d events, want 3", total)
	}
	for _, e := range buf[:3] {
		if e.ExpectedNs != at || e.UserData < 10 || e.UserData > 12 {
			t.Fatalf("event %+v", e)
		}
	}
}

// Commands and consuming allocate nothing: a Go engine arms and reads
// without feeding the garbage collector.
func TestNoAllocation(t *testing.T) {
	c := open(t, 1024)
	id := create(t, c, 5)
	if a := testing.AllocsPerRun(200, func() {
		if err := c.Arm(id, time.Hour, 0); err != nil {
			t.Fatal(err)
		}
		if err := c.Cancel(id); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Errorf("Arm + Cancel allocate %v times", a)
	}
	if err := c.Arm(id, time.Microsecond, 50*time.Microsecond); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	var sum time.Duration
	handler := func(e *timerx.Event) { sum += e.KernelLateness() }
	buf := make([]timerx.Event, 64)
	r := c.Reader()
	if a := testing.AllocsPerRun(200, func() {
		if _, err := r.Consume(0, handler); err != nil {
			t.Fatal(err)
		}
		if _, err := r.Read(buf); err != nil {
			t.Fatal(err)
		}
		_ = timerx.Now(timerx.ClockMonotonic)
	}); a != 0 {
		t.Errorf("Consume + Read allocate %v times", a)
	}
	if a := testing.AllocsPerRun(50, func() {
		if _, err := c.Wait(0); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Errorf("Wait allocates %v times", a)
	}
	_ = c.Cancel(id)
}
