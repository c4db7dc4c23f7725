// SPDX-License-Identifier: MIT

package timerx

import (
	"errors"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

func ev(timer uint32, seq int64) Event {
	return Event{UserData: uint64(timer) * 10, ExpectedNs: seq, ActualNs: seq + 5, TimerID: timer}
}

func TestConsumeInOrder(t *testing.T) {
	k := newFakeKernel(8, 0)
	r := k.reader()
	for i := int64(0); i < 5; i++ {
		k.expire(ev(1, i))
	}
	var got []int64
	res, err := r.Consume(0, func(e *Event) { got = append(got, e.ExpectedNs) })
	if err != nil || res.Events != 5 || res.Flushes != 0 {
		t.Fatalf("Consume = %+v, %v; want 5 events, no flush", res, err)
	}
	for i, v := range got {
		if v != int64(i) {
			t.Fatalf("event %d has expected_ns %d", i, v)
		}
	}
	if h := atomic.LoadUint32(&k.hdr.Head); h != 5 {
		t.Fatalf("head = %d after consuming 5", h)
	}
	if res, _ := r.Consume(0, func(*Event) { t.Fatal("no event is ready") }); res.Events != 0 {
		t.Fatalf("second Consume = %+v", res)
	}
}

func TestConsumeMax(t *testing.T) {
	k := newFakeKernel(8, 0)
	r := k.reader()
	for i := int64(0); i < 6; i++ {
		k.expire(ev(1, i))
	}
	n := 0
	res, err := r.Consume(4, func(*Event) { n++ })
	if err != nil || res.Events != 4 || n != 4 || r.Ready() != 2 {
		t.Fatalf("Consume(4) = %+v, %v, callback %d times, %d left", res, err, n, r.Ready())
	}
}

// The counters are free-running u32s: start just below 2^32 so that they
// wrap, on a small ring so that the slots wrap many times.
func TestWraparound(t *testing.T) {
	for _, start := range []uint32{0, 0xfffffff0, 0xffffffff} {
		k := newFakeKernel(8, start)
		r := k.reader()
		next, seq := int64(0), int64(0)
		for round := 0; round < 200; round++ {
			for i := 0; i < 1+round%8; i++ {
				k.expire(ev(1, seq))
				seq++
			}
			if _, err := r.Consume(0, func(e *Event) {
				if e.ExpectedNs != next {
					t.Fatalf("start %#x: got expected_ns %d, want %d", start, e.ExpectedNs, next)
				}
				next++
			}); err != nil {
				t.Fatal(err)
			}
		}
		if next != seq || r.Ready() != 0 {
			t.Fatalf("start %#x: consumed %d of %d", start, next, seq)
		}
	}
}

func TestReadCopiesAcrossTheEnd(t *testing.T) {
	k := newFakeKernel(8, 0xfffffffd) // slot 5: the run wraps after 3
	r := k.reader()
	for i := int64(0); i < 7; i++ {
		k.expire(ev(1, i))
	}
	buf := make([]Event, 16)
	n, err := r.Read(buf)
	if err != nil || n != 7 {
		t.Fatalf("Read = %d, %v", n, err)
	}
	for i := 0; i < n; i++ {
		if buf[i].ExpectedNs != int64(i) {
			t.Fatalf("buf[%d].ExpectedNs = %d", i, buf[i].ExpectedNs)
		}
	}
	if r.Ready() != 0 {
		t.Fatalf("%d left after Read", r.Ready())
	}
	// A buffer smaller than what is ready takes a part.
	for i := int64(0); i < 5; i++ {
		k.expire(ev(1, i))
	}
	if n, err := r.Read(buf[:2]); n != 2 || err != nil || r.Ready() != 3 {
		t.Fatalf("Read(2) = %d, %v, %d left", n, err, r.Ready())
	}
}

// A full ring folds the expirations per timer and sets the overflow flag;
// Consume flushes them, and sum(1 + overrun) is every expiration.
func TestOverflowFlush(t *testing.T) {
	k := newFakeKernel(4, 0)
	r := k.reader()
	const timers, rounds = 6, 5
	for round := int64(0); round < rounds; round++ {
		for id := uint32(1); id <= timers; id++ {
			k.expire(ev(id, round))
		}
	}
	if !r.Overflow() || r.RingFull() == 0 {
		t.Fatalf("overflow %v, ring_full %d: want the flag and a count", r.Overflow(), r.RingFull())
	}
	per := map[uint32]uint64{}
	res, err := r.Consume(0, func(e *Event) { per[e.TimerID] += e.Expirations() })
	if err != nil {
		t.Fatal(err)
	}
	if res.Flushes == 0 || r.Overflow() {
		t.Fatalf("Consume = %+v, overflow %v: want flushes and the flag clear", res, r.Overflow())
	}
	for id := uint32(1); id <= timers; id++ {
		if per[id] != rounds {
			t.Fatalf("timer %d: %d expirations, want %d", id, per[id], rounds)
		}
	}
}

func TestFlushRoundsZeroLeavesTheOverflow(t *testing.T) {
	k := newFakeKernel(2, 0)
	r := k.reader()
	r.FlushRounds = 0
	for id := uint32(1); id <= 4; id++ {
		k.expire(ev(id, 0))
	}
	res, err := r.Consume(0, func(*Event) {})
	if err != nil || res.Events != 2 || res.Flushes != 0 || !r.Overflow() || k.flushes != 0 {
		t.Fatalf("Consume = %+v, %v, overflow %v, flushes %d", res, err, r.Overflow(), k.flushes)
	}
}

func TestFlushErrorIsReturned(t *testing.T) {
	k := newFakeKernel(2, 0)
	r := k.reader()
	r.flush = func() (int, error) { return 0, opError("FLUSH", 0, syscall.EBADFD) }
	for id := uint32(1); id <= 3; id++ {
		k.expire(ev(id, 0))
	}
	res, err := r.Consume(0, func(*Event) {})
	if !errors.Is(err, syscall.EBADFD) || res.Events != 2 {
		t.Fatalf("Consume = %+v, %v; want 2 events and EBADFD", res, err)
	}
}

// The mapping is writable: a hostile thread (or a bug) can write head and,
// in this fake, tail. Whatever they hold, the reader reads no slot outside
// the ring and reports the corruption instead of events.
func TestHostileCounters(t *testing.T) {
	cases := []struct {
		name       string
		head, tail uint32
	}{
		{"head far behind tail", 0, 9},
		{"head ahead of tail", 10, 3},
		{"head near 2^32 ahead", 0xfffffff0, 0x20},
		{"tail a whole ring plus one ahead", 100, 100 + 8 + 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			k := newFakeKernel(8, 0)
			r := k.reader()
			atomic.StoreUint32(&k.hdr.Head, c.head)
			atomic.StoreUint32(&k.hdr.Tail, c.tail)
			k.tail = c.tail
			res, err := r.Consume(0, func(*Event) { t.Fatal("a corrupt ring handed out an event") })
			if !errors.Is(err, ErrCorruptRing) || !errors.Is(err, syscall.EIO) || res.Events != 0 {
				t.Fatalf("Consume = %+v, %v; want ErrCorruptRing (EIO)", res, err)
			}
			if _, err := r.Read(make([]Event, 4)); !errors.Is(err, ErrCorruptRing) {
				t.Fatalf("Read: %v; want ErrCorruptRing", err)
			}
			if skipped := r.Resync(); skipped != 8 {
				t.Fatalf("Resync skipped %d, want the ring's 8", skipped)
			}
			k.expire(ev(1, 42))
			var got int64 = -1
			if res, err := r.Consume(0, func(e *Event) { got = e.ExpectedNs }); err != nil ||
				res.Events != 1 || got != 42 {
				t.Fatalf("after Resync: %+v, %v, got %d", res, err, got)
			}
		})
	}
}

// A head moved within the ring by someone else is indistinguishable from
// consumption: events are skipped, none is read twice or out of bounds.
func TestHeadMovedWithinTheRing(t *testing.T) {
	k := newFakeKernel(8, 0)
	r := k.reader()
	for i := int64(0); i < 6; i++ {
		k.expire(ev(1, i))
	}
	atomic.StoreUint32(&k.hdr.Head, 4)
	var got []int64
	if _, err := r.Consume(0, func(e *Event) { got = append(got, e.ExpectedNs) }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != 4 || got[1] != 5 {
		t.Fatalf("got %v, want [4 5]", got)
	}
}

func TestPanicInCallbackConsumesTheEventsBefore(t *testing.T) {
	k := newFakeKernel(8, 0)
	r := k.reader()
	for i := int64(0); i < 5; i++ {
		k.expire(ev(1, i))
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the callback's panic did not propagate")
			}
		}()
		_, _ = r.Consume(0, func(e *Event) {
			if e.ExpectedNs == 2 {
				panic("boom")
			}
		})
	}()
	if h := atomic.LoadUint32(&k.hdr.Head); h != 2 {
		t.Fatalf("head = %d, want 2 (events 0 and 1 consumed, 2 handed out again)", h)
	}
}

func TestPrepareWait(t *testing.T) {
	k := newFakeKernel(8, 0)
	r := k.reader()
	r.SetPolling(true)
	if !r.Polling() {
		t.Fatal("SetPolling(true) did not set the flag")
	}
	if !r.PrepareWait() || r.Polling() {
		t.Fatal("empty ring: PrepareWait must clear the flag and say block")
	}
	k.expire(ev(1, 0))
	if r.PrepareWait() {
		t.Fatal("an event is ready: PrepareWait must say consume")
	}
	_, _ = r.Consume(0, func(*Event) {})
	k.setOverflow(true)
	if r.PrepareWait() {
		t.Fatal("overflow: PrepareWait must say consume (flush)")
	}
}

func TestSpinUntil(t *testing.T) {
	k := newFakeKernel(8, 0)
	r := k.reader()
	start := time.Now()
	if r.SpinUntil(start.Add(2 * time.Millisecond)) {
		t.Fatal("SpinUntil found work in an empty ring")
	}
	if time.Since(start) < 2*time.Millisecond || r.Polling() {
		t.Fatalf("SpinUntil returned after %v with polling %v", time.Since(start), r.Polling())
	}
	go func() {
		time.Sleep(time.Millisecond)
		k.expire(ev(1, 0))
	}()
	if !r.SpinUntil(time.Now().Add(10*time.Second)) || !r.Polling() {
		t.Fatal("SpinUntil missed the event, or cleared the flag while work is there")
	}
}

// A producer goroutine against the consumer, with a tiny ring so that it
// overflows and flushes race with the production (run with -race: the
// events' plain reads are ordered only by the atomics of tail and head).
func TestConcurrentProducerNoLoss(t *testing.T) {
	k := newFakeKernel(4, 0xffffff00)
	r := k.reader()
	const timers, per = 3, 20000
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < per; i++ {
			for id := uint32(1); id <= timers; id++ {
				k.expire(ev(id, int64(i)))
			}
		}
	}()
	got := map[uint32]uint64{}
	last := map[uint32]int64{}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for finished := false; ; {
		if _, err := r.Consume(0, func(e *Event) {
			if l, ok := last[e.TimerID]; ok && e.ExpectedNs <= l {
				t.Fatalf("timer %d: expected_ns %d after %d: out of order", e.TimerID, e.ExpectedNs, l)
			}
			last[e.TimerID] = e.ExpectedNs
			got[e.TimerID] += e.Expirations()
		}); err != nil {
			t.Fatal(err)
		}
		if finished && !r.HasWork() {
			break
		}
		select {
		case <-done:
			finished = true
		default:
		}
	}
	for id := uint32(1); id <= timers; id++ {
		if got[id] != per {
			t.Fatalf("timer %d: %d expirations, want %d", id, got[id], per)
		}
	}
}

// No allocation per event, in either way of consuming.
func TestConsumeDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's instrumentation allocates")
	}
	k := newFakeKernel(64, 0)
	r := k.reader()
	var sum int64
	handler := func(e *Event) { sum += e.ActualNs - e.ExpectedNs }
	buf := make([]Event, 64)
	fill := func() {
		for i := int64(0); i < 32; i++ {
			k.write(ev(1, i))
		}
	}
	if a := testing.AllocsPerRun(100, func() {
		fill()
		if res, err := r.Consume(0, handler); err != nil || res.Events != 32 {
			t.Fatalf("Consume = %+v, %v", res, err)
		}
	}); a != 0 {
		t.Fatalf("Consume allocates %v times per call of 32 events", a)
	}
	if a := testing.AllocsPerRun(100, func() {
		fill()
		if n, err := r.Read(buf); err != nil || n != 32 {
			t.Fatalf("Read = %d, %v", n, err)
		}
	}); a != 0 {
		t.Fatalf("Read allocates %v times per call of 32 events", a)
	}
	if a := testing.AllocsPerRun(100, func() {
		r.SetPolling(true)
		_ = r.HasWork()
		_ = r.PrepareWait()
	}); a != 0 {
		t.Fatalf("the wait protocol allocates %v times", a)
	}
}
