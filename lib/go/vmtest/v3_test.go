// SPDX-License-Identifier: MIT

//go:build vmtest

package vmtest

import (
	"errors"
	"syscall"
	"testing"
	"time"

	"timerx"
)

// API 3 against the module: seqs in events, stale events dropped after a
// real re-arm or cancel, POSTPONE (ETIME once expired), slack, BATCH,
// dense ids.

// drain consumes what is there now (no wait), returning what it did.
func drain(t *testing.T, c *timerx.Context, fn func(*timerx.Event)) timerx.ConsumeResult {
	t.Helper()
	res, err := c.Reader().Consume(0, func(e *timerx.Event) {
		if fn != nil {
			fn(e)
		}
	})
	if err != nil {
		t.Fatalf("Consume: %v", err)
	}
	return res
}

func TestStaleEventsOfAReArmedTimer(t *testing.T) {
	c := open(t, 256)
	id := create(t, c, 3)
	if err := c.Arm(id, time.Millisecond, time.Millisecond); err != nil {
		t.Fatal(err)
	}
	// Let it fire into the ring without reading.
	deadline := time.Now().Add(5 * time.Second)
	for c.Reader().Ready() < 3 && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	first, err := c.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Arm(id, time.Hour, 0); err != nil { // re-armed: the ring's events are stale
		t.Fatal(err)
	}
	res := drain(t, c, func(e *timerx.Event) { t.Errorf("stale event delivered: %+v", *e) })
	if res.Stale < 3 || c.Reader().StaleEvents() < 3 {
		t.Fatalf("Consume = %+v, stale %d; want >= 3 dropped", res, c.Reader().StaleEvents())
	}

	// The next arming's event comes, with the seq the kernel reports for it.
	if err := c.Arm(id, 2*time.Millisecond, 0); err != nil {
		t.Fatal(err)
	}
	info, err := c.Get(id)
	if err != nil || info.Seq == first.Seq {
		t.Fatalf("GET = %+v, %v: the seq did not change from %d", info, err, first.Seq)
	}
	var got timerx.Event
	waitEvents(t, c, 1, func(e *timerx.Event) { got = *e })
	if got.Seq != info.Seq || got.UserData != 3 {
		t.Fatalf("event %+v; want seq %d", got, info.Seq)
	}
}

func TestCancelDropsWhatIsInTheRing(t *testing.T) {
	c := open(t, 64)
	id := create(t, c, 4)
	if err := c.Arm(id, time.Millisecond, 0); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for c.Reader().Ready() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if err := c.Cancel(id); err != nil {
		t.Fatal(err)
	}
	if res := drain(t, c, nil); res.Events != 0 || res.Stale != 1 {
		t.Fatalf("after Cancel: %+v", res)
	}
	// DeliverStale shows them.
	if err := c.Arm(id, time.Millisecond, 0); err != nil {
		t.Fatal(err)
	}
	for c.Reader().Ready() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if err := c.Cancel(id); err != nil {
		t.Fatal(err)
	}
	c.Reader().DeliverStale = true
	defer func() { c.Reader().DeliverStale = false }()
	current := true
	if res := drain(t, c, func(e *timerx.Event) { current = c.Reader().Current(e) }); res.Events != 1 ||
		current {
		t.Fatalf("DeliverStale: %+v, current %v", res, current)
	}
}

func TestPostpone(t *testing.T) {
	c := open(t, 64)
	id := create(t, c, 5)
	if err := c.Arm(id, time.Hour, 0); err != nil {
		t.Fatal(err)
	}
	before := timerx.Now(timerx.ClockMonotonic)
	if err := c.Postpone(id, 3*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	info, err := c.Get(id)
	if err != nil || info.State != timerx.TimerArmed ||
		info.NextExpiryNs < before+int64(3*time.Millisecond) ||
		info.NextExpiryNs > before+int64(time.Minute) {
		t.Fatalf("after Postpone: %+v, %v", info, err)
	}
	var got timerx.Event
	waitEvents(t, c, 1, func(e *timerx.Event) { got = *e })
	if got.ExpectedNs < before+int64(3*time.Millisecond) || got.Seq != info.Seq {
		t.Fatalf("event %+v postponed at %d (seq %d)", got, before, info.Seq)
	}
	// Expired: nothing to postpone.
	if err := c.Postpone(id, time.Millisecond); !errors.Is(err, syscall.ETIME) {
		t.Fatalf("Postpone of an expired one-shot = %v, want ETIME", err)
	}
	if err := c.Arm(id, time.Hour, 0); err != nil {
		t.Fatal(err)
	}
	if err := c.Cancel(id); err != nil {
		t.Fatal(err)
	}
	if err := c.PostponeAt(id, timerx.Now(timerx.ClockMonotonic)); !errors.Is(err, syscall.ETIME) {
		t.Fatalf("PostponeAt of a cancelled timer = %v, want ETIME", err)
	}
	if err := c.Postpone(id+1000, time.Millisecond); !errors.Is(err, syscall.ENOENT) {
		t.Fatalf("Postpone of no timer = %v", err)
	}
	// A periodic timer keeps its period from the new expiry.
	if err := c.Arm(id, time.Hour, 2*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := c.Postpone(id, time.Millisecond); err != nil {
		t.Fatal(err)
	}
	waitEvents(t, c, 3, nil)
	if info, _ := c.Get(id); info.PeriodNs != uint64(2*time.Millisecond) {
		t.Fatalf("period after postpone: %+v", info)
	}
}

func TestSlackAndSeqInGet(t *testing.T) {
	c := open(t, 64)
	id := create(t, c, 6)
	if err := c.ArmWith(timerx.ArmSpec{Timer: id, Expires: time.Hour, Period: time.Second,
		Slack: 500 * time.Microsecond}); err != nil {
		t.Fatal(err)
	}
	info, err := c.Get(id)
	if err != nil || info.SlackNs != 500000 {
		t.Fatalf("GET = %+v, %v", info, err)
	}
	for _, s := range []time.Duration{-1, timerx.SlackMax + 1} {
		if err := c.ArmWith(timerx.ArmSpec{Timer: id, Expires: time.Hour, Slack: s}); !errors.Is(err,
			syscall.EINVAL) {
			t.Errorf("slack %v: %v", s, err)
		}
	}
	// A one-shot with slack fires within it.
	if err := c.ArmWith(timerx.ArmSpec{Timer: id, Expires: time.Millisecond,
		Slack: 200 * time.Microsecond}); err != nil {
		t.Fatal(err)
	}
	waitEvents(t, c, 1, func(e *timerx.Event) {
		if e.ActualNs < e.ExpectedNs {
			t.Errorf("fired early: %+v", *e)
		}
	})
}

func TestBatchSubmit(t *testing.T) {
	c := open(t, 64)
	ids := make([]timerx.TimerID, 8)
	for i := range ids {
		ids[i] = create(t, c, uint64(i))
	}
	b := timerx.NewBatch(16)
	for _, id := range ids {
		if _, err := b.Arm(timerx.ArmSpec{Timer: id, Expires: time.Hour}); err != nil {
			t.Fatal(err)
		}
	}
	bad := b.Cancel(ids[7] + 100)           // ENOENT
	post := b.Postpone(ids[0], 2*time.Hour) // 0
	canc := b.Cancel(ids[1])                // 0
	late := b.Postpone(ids[1], time.Hour)   // ETIME: cancelled just before, in order
	if err := c.Submit(b); err != nil {
		t.Fatal(err)
	}
	for i := range ids {
		if err := b.Result(i); err != nil {
			t.Errorf("arm %d: %v", i, err)
		}
	}
	if !errors.Is(b.Result(bad), syscall.ENOENT) || b.Result(post) != nil || b.Result(canc) != nil ||
		!errors.Is(b.Result(late), syscall.ETIME) {
		t.Fatalf("results %v %v %v %v", b.Result(bad), b.Result(post), b.Result(canc), b.Result(late))
	}
	if b.Failures() != 2 {
		t.Fatalf("Failures = %d", b.Failures())
	}
	info, _ := c.Get(ids[0])
	if info.State != timerx.TimerArmed ||
		info.NextExpiryNs < timerx.Now(timerx.ClockMonotonic)+int64(time.Hour) {
		t.Fatalf("postponed timer: %+v", info)
	}
	if info, _ := c.Get(ids[1]); info.State != timerx.TimerIdle {
		t.Fatalf("cancelled timer: %+v", info)
	}

	// More than BatchMax: several BATCH calls, every result in place.
	b = timerx.NewBatch(timerx.BatchMax + 10)
	for i := 0; i < timerx.BatchMax+10; i++ {
		b.Cancel(ids[i%len(ids)])
	}
	if err := c.Submit(b); err != nil || b.Failures() != 0 {
		t.Fatalf("Submit of %d cancels: %v, %d failures", b.Len(), err, b.Failures())
	}

	// The batch's arms are filtered like any: a re-arm by batch drops the old events.
	if _, err := b.Arm(timerx.ArmSpec{Timer: ids[2], Expires: time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	b.Reset()
	if _, err := b.Arm(timerx.ArmSpec{Timer: ids[2], Expires: time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if err := c.Submit(b); err != nil || b.Result(0) != nil {
		t.Fatalf("Submit: %v, %v", err, b.Result(0))
	}
	var got timerx.Event
	waitEvents(t, c, 1, func(e *timerx.Event) { got = *e })
	if got.TimerID != uint32(ids[2]) {
		t.Fatalf("event %+v", got)
	}
}

func TestDenseIDs(t *testing.T) {
	c := open(t, 64)
	var ids []timerx.TimerID
	for i := 0; i < 3; i++ {
		ids = append(ids, create(t, c, uint64(i)))
	}
	if ids[0] != 1 || ids[1] != 2 || ids[2] != 3 {
		t.Fatalf("ids %v, want 1 2 3", ids)
	}
	if err := c.Delete(2); err != nil {
		t.Fatal(err)
	}
	if id := create(t, c, 9); id != 2 {
		t.Fatalf("after deleting 2, create gave %d", id)
	}
}
