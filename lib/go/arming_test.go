// SPDX-License-Identifier: MIT

package timerx

import (
	"errors"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// armed is an event of timer id's arming seq, tagged for telling apart.
func armed(id, seq uint32, tag int64) Event {
	return Event{UserData: uint64(tag), ExpectedNs: tag, ActualNs: tag + 1, TimerID: id, Seq: seq}
}

// arm does what Context.ArmWith does around the ioctl.
func arm(t *armingTable, id uint32) uint32 {
	seq, _ := t.nextSeq(id)
	t.commit(id, seq)
	return seq
}

func filteredReader(k *fakeKernel, t *armingTable) *Reader {
	r := k.reader()
	r.armings = t
	return r
}

func TestSeqOlderWraps(t *testing.T) {
	cases := []struct {
		a, b uint32
		want bool
	}{{0xffffffff, 0, true}, {0, 0xffffffff, false}, {5, 5, false}, {0x7ffffff0, 0x80000001, true}}
	for _, c := range cases {
		if got := seqOlder(c.a, c.b); got != c.want {
			t.Errorf("seqOlder(%#x, %#x) = %v", c.a, c.b, got)
		}
	}
}

func TestArmingTable(t *testing.T) {
	tab := new(armingTable)
	if tab.reserve(0) || tab.reserve(armingMaxTimers+1) {
		t.Fatal("ids are 1 .. 2^20")
	}
	if e := armed(5, 77, 0); !tab.current(&e) {
		t.Fatal("no slot: nothing to judge by, so current")
	}
	if s := arm(tab, 5); s != 0 {
		t.Fatalf("first seq %d", s)
	}
	if s := arm(tab, 5); s != 1 {
		t.Fatalf("second seq %d", s)
	}
	if s := arm(tab, 6); s != 0 {
		t.Fatalf("seqs are per timer: %d", s)
	}
	old, cur, inflight := armed(5, 0, 0), armed(5, 1, 0), armed(5, 2, 0)
	if tab.current(&old) || !tab.current(&cur) || !tab.current(&inflight) {
		t.Fatal("after the second arming only seqs >= 1 are current")
	}
	if _, ok := tab.nextSeq(5); !ok { // an arming that failed: no commit
		t.Fatal("nextSeq")
	}
	if !tab.current(&cur) {
		t.Fatal("a failed arming replaced the current one")
	}
	tab.retire(5)
	if tab.current(&cur) || tab.current(&inflight) {
		t.Fatal("cancelled: nothing of the timer is current")
	}
	if s := arm(tab, 5); s != 4 {
		t.Fatalf("the arming after the cancel: seq %d", s)
	}
	tab.commit(5, 1) // a racing command's late commit does not move the floor back
	if e := armed(5, 4, 0); !tab.current(&e) {
		t.Fatal("floor moved back")
	}
}

func TestConsumeDropsStaleEvents(t *testing.T) {
	k := newFakeKernel(16, 0)
	tab := new(armingTable)
	first := arm(tab, 1)
	other := arm(tab, 2)
	k.expire(armed(1, first, 10))
	k.expire(armed(2, other, 20))
	k.expire(armed(1, first, 11))
	second := arm(tab, 1) // re-armed before they were read
	k.expire(armed(1, second, 12))
	r := filteredReader(k, tab)
	var got []int64
	res, err := r.Consume(0, func(e *Event) { got = append(got, e.ExpectedNs) })
	if err != nil || res.Events != 2 || res.Stale != 2 || r.StaleEvents() != 2 {
		t.Fatalf("Consume = %+v, %v, stale %d", res, err, r.StaleEvents())
	}
	if len(got) != 2 || got[0] != 20 || got[1] != 12 {
		t.Fatalf("delivered %v, want [20 12]", got)
	}
	if r.Ready() != 0 {
		t.Fatal("stale events are consumed too")
	}

	// Cancelled: everything of the timer is stale.
	k.expire(armed(1, second, 13))
	tab.retire(1)
	if res, _ := r.Consume(0, func(*Event) { t.Fatal("a cancelled timer's event") }); res.Stale != 1 {
		t.Fatalf("after cancel: %+v", res)
	}
}

func TestDeliverStaleAndCurrent(t *testing.T) {
	k := newFakeKernel(8, 0)
	tab := new(armingTable)
	old := arm(tab, 1)
	k.expire(armed(1, old, 1))
	k.expire(armed(1, arm(tab, 1), 2))
	r := filteredReader(k, tab)
	r.DeliverStale = true
	var current []bool
	res, err := r.Consume(0, func(e *Event) { current = append(current, r.Current(e)) })
	if err != nil || res.Events != 2 || res.Stale != 0 || r.StaleEvents() != 0 {
		t.Fatalf("Consume = %+v, %v", res, err)
	}
	if len(current) != 2 || current[0] || !current[1] {
		t.Fatalf("Current = %v, want [false true]", current)
	}
}

func TestReadDropsStaleEvents(t *testing.T) {
	k := newFakeKernel(8, 0)
	tab := new(armingTable)
	old := arm(tab, 1)
	for i := int64(0); i < 3; i++ {
		k.expire(armed(1, old, i))
	}
	cur := arm(tab, 1)
	k.expire(armed(1, cur, 7))
	k.expire(armed(2, 0, 8)) // a timer without a slot: current
	r := filteredReader(k, tab)
	buf := make([]Event, 1)
	n, err := r.Read(buf)
	if err != nil || n != 1 || buf[0].ExpectedNs != 7 {
		t.Fatalf("Read = %d, %v, %+v", n, err, buf[0])
	}
	if r.Ready() != 1 || r.StaleEvents() != 3 {
		t.Fatalf("ready %d stale %d: the stale slots before it are consumed, the rest not",
			r.Ready(), r.StaleEvents())
	}
	if n, _ := r.Read(buf); n != 1 || buf[0].ExpectedNs != 8 {
		t.Fatalf("second Read = %d, %+v", n, buf[0])
	}
}

// A deleted timer's id comes back with the next create: its old events
// are stale for the new timer.
func TestReusedIDDoesNotInheritEvents(t *testing.T) {
	k := newFakeKernel(8, 0)
	tab := new(armingTable)
	k.expire(armed(7, arm(tab, 7), 1))
	tab.retire(7) // deleted
	tab.reserve(7)
	k.expire(armed(7, arm(tab, 7), 2))
	r := filteredReader(k, tab)
	var got []int64
	if _, err := r.Consume(0, func(e *Event) { got = append(got, e.ExpectedNs) }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != 2 {
		t.Fatalf("got %v, want [2]", got)
	}
}

// The kernel keeps pending expirations per arming: the old arming's wait
// first, the new one's behind them, never folded together.
func TestPendingPerArming(t *testing.T) {
	k := newFakeKernel(2, 0)
	tab := new(armingTable)
	old := arm(tab, 1)
	for i := int64(0); i < 3; i++ {
		k.expire(armed(1, old, i))
	}
	k.expire(armed(1, arm(tab, 1), 9))
	r := filteredReader(k, tab)
	var got []int64
	res, err := r.Consume(0, func(e *Event) { got = append(got, e.ExpectedNs) })
	if err != nil || len(got) != 1 || got[0] != 9 || res.Stale != 3 {
		t.Fatalf("Consume = %+v, %v, delivered %v", res, err, got)
	}
}

// Commands on other goroutines while the consumer reads (run with -race).
func TestArmingTableConcurrent(t *testing.T) {
	k := newFakeKernel(64, 0)
	tab := new(armingTable)
	r := filteredReader(k, tab)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for g := uint32(1); g <= 4; g++ {
		wg.Add(1)
		go func(id uint32) {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				seq := arm(tab, id)
				k.expire(armed(id, seq, int64(seq)))
				if seq%7 == 0 {
					tab.retire(id)
				}
			}
		}(g * 1000)
	}
	// The writers keep arming while the reader runs, so an event may be
	// superseded between the filter and the callback: what must hold is
	// that no event older than the floor seen before Consume is delivered
	// (floors only rise).
	floors := make(map[uint32]uint32)
	deadline := time.Now().Add(100 * time.Millisecond)
	for time.Now().Before(deadline) {
		for id := uint32(1000); id <= 4000; id += 1000 {
			if s := tab.slot(id); s != nil {
				floors[id] = s.floor.Load()
			}
		}
		if _, err := r.Consume(0, func(e *Event) {
			if f, ok := floors[e.TimerID]; ok && seqOlder(e.Seq, f) {
				t.Errorf("timer %d: event of arming %d delivered, floor was %d",
					e.TimerID, e.Seq, f)
			}
		}); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
}

func TestStaleFilterDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's instrumentation allocates")
	}
	k := newFakeKernel(64, 0)
	tab := new(armingTable)
	tab.reserve(1)
	buf := make([]Event, 64)
	r := filteredReader(k, tab)
	if a := testing.AllocsPerRun(100, func() {
		old := arm(tab, 1)
		for i := int64(0); i < 16; i++ {
			k.write(armed(1, old, i))
		}
		cur := arm(tab, 1)
		for i := int64(0); i < 16; i++ {
			k.write(armed(1, cur, i))
		}
		if res, err := r.Consume(0, func(*Event) {}); err != nil || res.Events != 16 ||
			res.Stale != 16 {
			t.Fatalf("Consume = %+v, %v", res, err)
		}
		for i := int64(0); i < 16; i++ {
			k.write(armed(1, old, i))
		}
		if n, err := r.Read(buf); err != nil || n != 0 {
			t.Fatalf("Read = %d, %v", n, err)
		}
	}); a != 0 {
		t.Fatalf("filtering allocates %v times per call", a)
	}
}

// Batch encoding: the entries are struct timerx_batch_entry.
func TestBatchEntries(t *testing.T) {
	b := NewBatch(4)
	if i, err := b.Arm(ArmSpec{Timer: 3, Expires: 99, Abs: true, Period: time.Second,
		Slack: 20 * time.Microsecond}); i != 0 || err != nil {
		t.Fatalf("Arm = %d, %v", i, err)
	}
	if i := b.Postpone(3, time.Millisecond); i != 1 {
		t.Fatal(i)
	}
	if i := b.PostponeAt(3, 1234); i != 2 {
		t.Fatal(i)
	}
	if i := b.Cancel(4); i != 3 {
		t.Fatal(i)
	}
	want := []batchEntry{
		{Op: batchOpArm, TimerID: 3, Flags: armFlagAbs, ExpiresNs: 99, PeriodNs: 1e9, SlackNs: 20000},
		{Op: batchOpPostpone, TimerID: 3, ExpiresNs: 1e6},
		{Op: batchOpPostpone, TimerID: 3, Flags: armFlagAbs, ExpiresNs: 1234},
		{Op: batchOpCancel, TimerID: 4},
	}
	for i, w := range want {
		w.Result = -int32(syscall.EINPROGRESS)
		if b.entries[i] != w {
			t.Errorf("entry %d = %+v, want %+v", i, b.entries[i], w)
		}
		if !errors.Is(b.Result(i), syscall.EINPROGRESS) {
			t.Errorf("result %d before Submit: %v", i, b.Result(i))
		}
	}
	if b.Failures() != 4 || b.Len() != 4 {
		t.Fatal("Failures, Len")
	}
	for _, s := range []ArmSpec{{Period: -1}, {Slack: -1}, {Slack: SlackMax + 1}} {
		if _, err := b.Arm(s); !errors.Is(err, syscall.EINVAL) {
			t.Errorf("Arm(%+v) = %v, want EINVAL", s, err)
		}
	}
	b.Reset()
	if b.Len() != 0 || cap(b.entries) < 4 {
		t.Fatal("Reset keeps the memory")
	}
	if unsafe.Sizeof(batchEntry{}) != 40 {
		t.Fatal("struct timerx_batch_entry is 40 bytes")
	}
}

// Submit against a file that has no timerx ioctls: the BATCH fails, and
// so does each entry; the table learns nothing.
func TestSubmitOnAForeignFd(t *testing.T) {
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c := &Context{fd: int(f.Fd()), armings: new(armingTable)}
	b := NewBatch(BatchMax + 3)
	for i := 0; i < BatchMax+3; i++ {
		b.Cancel(TimerID(i + 1))
	}
	if _, err := b.Arm(ArmSpec{Timer: 1, Expires: time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if err := c.Submit(b); !errors.Is(err, syscall.ENOTTY) {
		t.Fatalf("Submit = %v, want ENOTTY", err)
	}
	for _, i := range []int{0, BatchMax, BatchMax + 3} {
		if !errors.Is(b.Result(i), syscall.ENOTTY) {
			t.Errorf("result %d = %v", i, b.Result(i))
		}
	}
	if c.armings.slot(1).floor.Load() != 0 {
		t.Error("a failed arm moved the floor")
	}
	if err := c.ArmWith(ArmSpec{Timer: 1, Slack: -time.Nanosecond}); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("ArmWith(negative slack) = %v", err)
	}
	if err := c.Postpone(1, time.Millisecond); !errors.Is(err, syscall.ENOTTY) {
		t.Errorf("Postpone = %v", err)
	}
}
