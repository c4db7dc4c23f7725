// SPDX-License-Identifier: MIT

package timerx

import (
	"sync/atomic"
	"unsafe"
)

// The ring's memory-ordering pairs (include/uapi/linux/timerx.h):
//
//	kernel:  write event at slot(tail); store-release hdr->tail = tail + 1
//	user:    load-acquire hdr->tail; read events in [head, tail)
//	user:    store-release hdr->head = new head (after reading the events)
//	kernel:  load-acquire hdr->head before reusing a slot
//
// sync/atomic's loads and stores are sequentially consistent (the Go
// memory model), which is at least acquire and release: atomic.LoadUint32
// of tail and atomic.StoreUint32 of head are the user's half of the pairs.

// DefaultFlushRounds bounds the flushes of one Consume call, so that a
// ring that keeps overflowing cannot keep the consumer there forever.
const DefaultFlushRounds = 8

// Reader consumes a context's ring. One goroutine at a time; see the
// package documentation.
//
// Stale events (API 3): the Reader of a Context drops the events of an
// arming that was replaced (re-armed) or ended (Cancel, Delete) before
// they were read: Consume and Read skip them and StaleEvents counts them.
// Set DeliverStale to see them too (Current tells them apart).
type Reader struct {
	hdr     *ringHdr
	events  []Event
	entries uint32
	mask    uint32
	flush   func() (int, error)
	armings *armingTable // nil: nothing is dropped
	stale   uint64

	// FlushRounds is how many times Consume flushes and drains again
	// while the kernel reports an overflow; 0: never (watch Overflow
	// yourself). Open sets DefaultFlushRounds.
	FlushRounds int

	// DeliverStale hands out the events of replaced or cancelled
	// armings too, instead of dropping them.
	DeliverStale bool
}

// ConsumeResult counts what one Consume call did.
type ConsumeResult struct {
	Events  int // events handed to the callback
	Flushes int // flushes done for an overflow
	Stale   int // events of an earlier arming, dropped
}

// StaleEvents is the number of events this Reader dropped as stale.
func (r *Reader) StaleEvents() uint64 { return r.stale }

// Current reports whether ev belongs to its timer's current arming (the
// test the Reader drops stale events by); true for a Reader without a
// Context.
func (r *Reader) Current(ev *Event) bool {
	return r.armings == nil || r.armings.current(ev)
}

// drops: ev is stale and the reader drops it (counted).
func (r *Reader) drops(ev *Event) bool {
	if r.armings == nil || r.DeliverStale || r.armings.current(ev) {
		return false
	}
	r.stale++
	return true
}

// init points the reader at a ring in mem: a ringHdr at offset 0 and
// entries events at eventsOffset. flush delivers the kernel's pending
// expirations (the context's FLUSH, or a fake producer's in tests).
func (r *Reader) init(mem []byte, entries, eventsOffset uint32, flush func() (int, error)) {
	r.hdr = (*ringHdr)(unsafe.Pointer(&mem[0]))
	r.events = unsafe.Slice((*Event)(unsafe.Pointer(&mem[eventsOffset])), entries)
	r.entries = entries
	r.mask = entries - 1
	r.flush = flush
	r.FlushRounds = DefaultFlushRounds
}

// Entries is the ring's size in events.
func (r *Reader) Entries() uint32 { return r.entries }

// Ready is tail - head: the events waiting. More than Entries only when
// the ring is corrupt.
func (r *Reader) Ready() uint32 {
	return atomic.LoadUint32(&r.hdr.Tail) - atomic.LoadUint32(&r.hdr.Head)
}

// Overflow: the kernel holds expirations that found the ring full;
// Consume flushes them.
func (r *Reader) Overflow() bool {
	return atomic.LoadUint32(&r.hdr.Flags)&ringFlagOverflow != 0
}

// HasWork: Consume has something to do (events, an overflow to flush, or
// a corrupt ring to report).
func (r *Reader) HasWork() bool { return r.Ready() != 0 || r.Overflow() }

// RingFull is the kernel's count of expiries that found the ring full.
func (r *Reader) RingFull() uint64 { return atomic.LoadUint64(&r.hdr.RingFull) }

// Consume hands up to max ready events (max <= 0: all) to fn, then, while
// the kernel reports an overflow, flushes and drains again (at most
// FlushRounds times). Stale events are dropped (see Reader); max counts
// the slots consumed, dropped ones included. The *Event points into the
// ring and is valid only during the call; copy what you keep. If fn
// panics, the events before the panicking one are consumed and the panic
// propagates.
//
// Errors: ErrCorruptRing (nothing read), or the flush's error.
func (r *Reader) Consume(max int, fn func(ev *Event)) (ConsumeResult, error) {
	var res ConsumeResult
	if r.hdr == nil {
		return res, ErrClosed
	}
	limit := uint32(0xffffffff)
	if max > 0 && uint64(max) < uint64(limit) {
		limit = uint32(max)
	}
	taken := uint32(0)
	for round := 0; ; round++ {
		n, delivered, err := r.consumeOnce(limit-taken, fn)
		taken += n
		res.Events += int(delivered)
		res.Stale += int(n - delivered)
		if err != nil {
			return res, err
		}
		if taken >= limit || round >= r.FlushRounds || !r.Overflow() {
			return res, nil
		}
		written, err := r.flush()
		res.Flushes++
		if err != nil {
			return res, err
		}
		if written == 0 && r.Ready() == 0 {
			return res, nil // the flag was about to clear: nothing pending
		}
	}
}

// consumeOnce: slots consumed, events handed to fn.
func (r *Reader) consumeOnce(limit uint32, fn func(ev *Event)) (uint32, uint32, error) {
	// We are the only writer of head: its value is our own.
	head := atomic.LoadUint32(&r.hdr.Head)
	// Pairs with the kernel's store-release of tail: the events are visible.
	avail := atomic.LoadUint32(&r.hdr.Tail) - head
	if avail > r.entries {
		return 0, 0, ErrCorruptRing
	}
	n := avail
	if n > limit {
		n = limit
	}
	if n == 0 {
		return 0, 0, nil
	}
	done, delivered := uint32(0), uint32(0)
	// Publishes head + done also when fn panics. Pairs with the kernel's
	// load-acquire of head: we are done with the slots.
	defer func() { atomic.StoreUint32(&r.hdr.Head, head+done) }()
	for ; done < n; done++ {
		ev := &r.events[(head+done)&r.mask]
		if r.drops(ev) {
			continue
		}
		fn(ev)
		delivered++
	}
	return n, delivered, nil
}

// Read copies up to len(buf) ready events into buf and consumes them
// (flushing on overflow, as Consume does): an iterator over a slice the
// caller reuses. Stale events are dropped, not copied. It returns the
// number copied.
func (r *Reader) Read(buf []Event) (int, error) {
	if r.hdr == nil {
		return 0, ErrClosed
	}
	var res ConsumeResult
	for round := 0; ; round++ {
		n, err := r.readOnce(buf[res.Events:])
		res.Events += n
		if err != nil || res.Events == len(buf) || round >= r.FlushRounds || !r.Overflow() {
			return res.Events, err
		}
		written, err := r.flush()
		if err != nil {
			return res.Events, err
		}
		if written == 0 && r.Ready() == 0 {
			return res.Events, nil
		}
	}
}

func (r *Reader) readOnce(buf []Event) (int, error) {
	head := atomic.LoadUint32(&r.hdr.Head)
	avail := atomic.LoadUint32(&r.hdr.Tail) - head
	if avail > r.entries {
		return 0, ErrCorruptRing
	}
	n := int(avail)
	if n > len(buf) {
		n = len(buf)
	}
	if n == 0 {
		return 0, nil
	}
	if r.armings == nil || r.DeliverStale {
		// At most two runs: up to the end of the array, then from its start.
		first := int(head & r.mask)
		k := copy(buf[:n], r.events[first:])
		copy(buf[k:n], r.events[:n-k])
		atomic.StoreUint32(&r.hdr.Head, head+uint32(n))
		return n, nil
	}
	// Filtering: take slots until buf is full or the ready ones run out.
	copied := 0
	taken := uint32(0)
	for ; taken < avail && copied < len(buf); taken++ {
		ev := &r.events[(head+taken)&r.mask]
		if r.drops(ev) {
			continue
		}
		buf[copied] = *ev
		copied++
	}
	atomic.StoreUint32(&r.hdr.Head, head+taken)
	return copied, nil
}

// Resync, after ErrCorruptRing, sets head = tail, dropping whatever the
// ring held (the true head is unknown). It returns the slots skipped,
// capped at Entries; the kernel delivers into the ring again from its
// next event or flush.
func (r *Reader) Resync() uint32 {
	tail := atomic.LoadUint32(&r.hdr.Tail)
	skipped := tail - atomic.LoadUint32(&r.hdr.Head)
	atomic.StoreUint32(&r.hdr.Head, tail)
	if skipped > r.entries {
		return r.entries
	}
	return skipped
}

// SetPolling sets or clears TIMERX_CONSUMER_F_POLLING: while it is set
// the kernel does no wakeup work per event. Set it while busy-polling;
// before blocking, call PrepareWait instead of SetPolling(false).
func (r *Reader) SetPolling(on bool) {
	for {
		old := atomic.LoadUint32(&r.hdr.ConsumerFlag)
		v := old &^ consumerFlagPolling
		if on {
			v = old | consumerFlagPolling
		}
		if v == old || atomic.CompareAndSwapUint32(&r.hdr.ConsumerFlag, old, v) {
			return
		}
	}
}

// Polling reports whether TIMERX_CONSUMER_F_POLLING is set.
func (r *Reader) Polling() bool {
	return atomic.LoadUint32(&r.hdr.ConsumerFlag)&consumerFlagPolling != 0
}

// PrepareWait is the step before blocking in poll, epoll, read or
// io_uring: clear the polling flag with a full barrier, then look at the
// ring again. true: nothing to do, block now (no wakeup can be missed:
// the kernel stores tail, issues a full barrier, then reads the flag).
// false: work arrived, consume instead of blocking.
func (r *Reader) PrepareWait() bool {
	// A locked compare-and-swap is the full barrier the header asks
	// for, even when the flag was clear already: the re-check below
	// cannot be ordered before it.
	for {
		old := atomic.LoadUint32(&r.hdr.ConsumerFlag)
		if atomic.CompareAndSwapUint32(&r.hdr.ConsumerFlag, old, old&^consumerFlagPolling) {
			break
		}
	}
	return atomic.LoadUint32(&r.hdr.Tail) == atomic.LoadUint32(&r.hdr.Head) &&
		atomic.LoadUint32(&r.hdr.Flags)&ringFlagOverflow == 0
}
