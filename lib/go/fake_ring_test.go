// SPDX-License-Identifier: MIT

package timerx

import (
	"sync"
	"sync/atomic"
	"unsafe"
)

// fakeKernel is the producer side of a ring in plain memory, written the
// way timerx.ko writes it: the event into slot(tail), then a store-release
// of tail; room is judged by a load-acquire of head. Expirations that find
// the ring full wait per timer and arming (folded) with the overflow flag
// set, and flush delivers them. mu stands for the kernel's context lock.
type fakeKernel struct {
	mu      sync.Mutex
	mem     []byte
	hdr     *ringHdr
	events  []Event
	tail    uint32           // the kernel's own copy
	pending map[uint64]Event // per timer and seq: the first expiry folded, overrun = extra
	order   []uint64         // (timer, seq) with pending expirations, in order
	flushes int
}

func pendingKey(ev *Event) uint64 { return uint64(ev.TimerID)<<32 | uint64(ev.Seq) }

const fakeEventsOffset = 128

func newFakeKernel(entries uint32, start uint32) *fakeKernel {
	size := fakeEventsOffset + int(entries)*int(unsafe.Sizeof(Event{}))
	words := make([]uint64, size/8) // 8-aligned
	mem := unsafe.Slice((*byte)(unsafe.Pointer(&words[0])), len(words)*8)
	k := &fakeKernel{mem: mem, pending: map[uint64]Event{}}
	k.hdr = (*ringHdr)(unsafe.Pointer(&mem[0]))
	k.events = unsafe.Slice((*Event)(unsafe.Pointer(&mem[fakeEventsOffset])), entries)
	k.hdr.Entries = entries
	k.hdr.Mask = entries - 1
	k.tail = start
	k.hdr.Tail = start
	k.hdr.Head = start
	return k
}

func (k *fakeKernel) reader() *Reader {
	r := &Reader{}
	r.init(k.mem, k.hdr.Entries, fakeEventsOffset, k.flush)
	return r
}

// room: slots free, as the kernel judges it (a corrupt head: none).
func (k *fakeKernel) room() uint32 {
	used := k.tail - atomic.LoadUint32(&k.hdr.Head)
	if used > k.hdr.Entries {
		return 0
	}
	return k.hdr.Entries - used
}

func (k *fakeKernel) write(ev Event) {
	k.events[k.tail&k.hdr.Mask] = ev
	k.tail++
	atomic.StoreUint32(&k.hdr.Tail, k.tail)
}

// expire is one callback of timer id: into the ring, or folded into its
// pending expirations when the ring is full (or the timer has some waiting
// already: order is kept).
func (k *fakeKernel) expire(ev Event) {
	k.mu.Lock()
	defer k.mu.Unlock()
	key := pendingKey(&ev)
	if p, ok := k.pending[key]; ok {
		p.Overrun += 1 + ev.Overrun
		k.pending[key] = p
		return
	}
	if k.room() == 0 || k.hasPending(ev.TimerID) {
		if k.room() == 0 {
			atomic.StoreUint64(&k.hdr.RingFull, atomic.LoadUint64(&k.hdr.RingFull)+1)
		}
		k.pending[key] = ev
		k.order = append(k.order, key)
		k.setOverflow(true)
		return
	}
	k.write(ev)
}

// hasPending: expirations of an earlier arming of id wait; a new one
// queues behind them (the kernel delivers them first).
func (k *fakeKernel) hasPending(id uint32) bool {
	for _, key := range k.order {
		if uint32(key>>32) == id {
			return true
		}
	}
	return false
}

func (k *fakeKernel) setOverflow(on bool) {
	f := atomic.LoadUint32(&k.hdr.Flags) &^ ringFlagOverflow
	if on {
		f |= ringFlagOverflow
	}
	atomic.StoreUint32(&k.hdr.Flags, f)
}

func (k *fakeKernel) flush() (int, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.flushes++
	n := 0
	for len(k.order) > 0 && k.room() > 0 {
		id := k.order[0]
		k.order = k.order[1:]
		k.write(k.pending[id])
		delete(k.pending, id)
		n++
	}
	k.setOverflow(len(k.order) > 0)
	return n, nil
}
