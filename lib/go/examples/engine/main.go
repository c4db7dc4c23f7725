// SPDX-License-Identifier: MIT

// engine: the shape of a Go trading or control engine on timerx. One
// goroutine, locked to its OS thread, consumes the ring: a 1 kHz control
// loop (one periodic timer) and 10 000 session timers (periodic
// heartbeats, their first expiries spread over the period, a few of them
// postponed on every control tick as session activity would). Every second
// it prints the lateness of each kind, split into the kernel part (the
// callback ran actual - expected late) and the delivery part (the consumer
// saw the event read - actual after the callback).
//
//	engine [-seconds 5] [-sessions 10000] [-session-period 1s] [-mode poll|block]
//
// -mode poll busy-polls with the polling flag set (no wakeups: lowest
// latency, one CPU); block sleeps in ppoll between batches.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"syscall"
	"time"

	"timerx"
)

const controlData = 0 // the control timer's user_data; sessions are 1..N

type lateness struct{ kernel, delivery timerx.Histogram }

func (l *lateness) record(e *timerx.Event, readNs int64) {
	l.kernel.Record(e.KernelLateness())
	l.delivery.Record(time.Duration(readNs - e.ActualNs))
}

func (l *lateness) String() string {
	return fmt.Sprintf("kernel p50 %v p99 %v max %v, delivery p50 %v p99 %v max %v",
		l.kernel.Quantile(0.5), l.kernel.Quantile(0.99), l.kernel.Max(),
		l.delivery.Quantile(0.5), l.delivery.Quantile(0.99), l.delivery.Max())
}

type engine struct {
	ctx           *timerx.Context
	sessions      []timerx.TimerID
	sessionPeriod time.Duration
	control       lateness
	session       lateness
	ticks         uint64
	sessionEvents uint64
	overruns      uint64
	postponeNext  int
	readNs        int64
	err           error
}

// onEvent is the ring callback: no allocation, no blocking.
func (e *engine) onEvent(ev *timerx.Event) {
	e.overruns += uint64(ev.Overrun)
	if ev.UserData == controlData {
		e.ticks++
		e.control.record(ev, e.readNs)
		e.controlStep()
		return
	}
	e.sessionEvents++
	e.session.record(ev, e.readNs)
}

// controlStep: the control loop's work; here, ten sessions saw activity
// and their heartbeats move a period ahead (POSTPONE, one ioctl each: the
// period stays; a heartbeat that is not armed any more is armed anew).
func (e *engine) controlStep() {
	for i := 0; i < 10 && e.err == nil; i++ {
		id := e.sessions[e.postponeNext]
		e.postponeNext = (e.postponeNext + 1) % len(e.sessions)
		e.err = e.ctx.Postpone(id, e.sessionPeriod)
		if errors.Is(e.err, syscall.ETIME) {
			e.err = e.ctx.Arm(id, e.sessionPeriod, e.sessionPeriod)
		}
	}
}

func main() {
	seconds := flag.Float64("seconds", 5, "how long to run")
	nSessions := flag.Int("sessions", 10000, "session timers")
	sessionPeriod := flag.Duration("session-period", time.Second, "the sessions' period")
	mode := flag.String("mode", "poll", "poll (busy-poll, no wakeups) or block (ppoll)")
	flag.Parse()
	if *mode != "poll" && *mode != "block" || *nSessions < 1 || *sessionPeriod <= 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(time.Duration(*seconds*float64(time.Second)), *nSessions, *sessionPeriod,
		*mode == "poll"); err != nil {
		fmt.Fprintln(os.Stderr, "engine:", err)
		os.Exit(1)
	}
}

func run(duration time.Duration, nSessions int, sessionPeriod time.Duration, poll bool) error {
	// The consumer owns its thread: the runtime schedules no other
	// goroutine on it, and busy-polling does not starve them.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()

	entries := uint32(1024)
	for entries < uint32(2*nSessions) && entries < 1<<20 {
		entries *= 2
	}
	ctx, err := timerx.Open(timerx.Options{RingEntries: entries})
	if err != nil {
		return err
	}
	defer ctx.Close()

	e := &engine{ctx: ctx, sessionPeriod: sessionPeriod}
	start := timerx.Now(timerx.ClockMonotonic) + int64(20*time.Millisecond)
	control, err := ctx.Create(controlData, timerx.ClockMonotonic)
	if err != nil {
		return err
	}
	if err := ctx.ArmAt(control, start, time.Millisecond); err != nil {
		return err
	}
	for i := 0; i < nSessions; i++ {
		id, err := ctx.Create(uint64(i+1), timerx.ClockMonotonic)
		if err != nil {
			return fmt.Errorf("session %d: %w", i, err)
		}
		spread := int64(sessionPeriod) * int64(i) / int64(nSessions)
		if err := ctx.ArmAt(id, start+spread, sessionPeriod); err != nil {
			return fmt.Errorf("session %d: %w", i, err)
		}
		e.sessions = append(e.sessions, id)
	}
	fmt.Printf("engine: 1 kHz control loop + %d sessions every %v, %s, ring of %d\n",
		nSessions, sessionPeriod, map[bool]string{true: "busy-poll", false: "ppoll"}[poll], entries)

	r := ctx.Reader()
	end := time.Now().Add(duration)
	nextReport := time.Now().Add(time.Second)
	var total lateness
	handler := e.onEvent
	for e.err == nil {
		now := time.Now()
		if !now.Before(nextReport) || !now.Before(end) {
			fmt.Printf("control: %d ticks, %s\nsessions: %d events, %s\n",
				e.ticks, &e.control, e.sessionEvents, &e.session)
			total.kernel.Merge(&e.control.kernel)
			total.delivery.Merge(&e.control.delivery)
			e.control, e.session = lateness{}, lateness{}
			e.ticks, e.sessionEvents = 0, 0
			nextReport = nextReport.Add(time.Second)
			if !now.Before(end) {
				break
			}
		}
		if poll {
			r.SpinUntil(nextReport)
		} else if _, err := ctx.Wait(time.Until(nextReport)); err != nil {
			return err
		}
		e.readNs = timerx.Now(timerx.ClockMonotonic)
		if _, err := r.Consume(0, handler); err != nil {
			return err
		}
	}
	if e.err != nil {
		return e.err
	}
	info, err := ctx.Info()
	if err != nil {
		return err
	}
	fmt.Printf("total control: %d ticks, %s\n", total.kernel.Count(), &total)
	fmt.Printf("context: %d events, %d expirations, %d folded, ring_full %d, wakeups %d\n",
		info.Events, info.Expirations, e.overruns, info.RingFull, info.Wakeups)
	return nil
}
