// SPDX-License-Identifier: MIT

package timerx

import "sync/atomic"

// The per-arming sequence numbers (API 3). Every arming of a timer
// carries a seq, copied into each of its events; re-arming and cancelling
// cannot take back events already in the ring, so the Reader drops the
// events whose seq is older than the timer's current arming.
//
// One slot per timer id (ids are dense, from 1): the seq the next arming
// gets, and the floor, the seq of the current arming. An event is current
// when its seq is not older than its timer's floor in serial-number
// arithmetic (wraparound is normal). Arming takes a fresh seq and moves
// the floor to it once the kernel accepted the arming; cancelling and
// deleting move the floor past every seq handed out. An arming that
// failed moves nothing. A deleted timer's id, reused by the next Create,
// keeps its slot, so the new timer's armings are newer than any event of
// the old one.
//
// Slots come in chunks of 1024 (8 KiB), allocated when a timer of the
// chunk is created; the table is 8 KiB of chunk pointers for every id the
// module can hand out (2^20). Arming, cancelling and reading allocate
// nothing once the timer's chunk exists.

const (
	armingMaxTimers  = 1 << 20
	armingChunkSlots = 1024
)

type armingSlot struct {
	next  atomic.Uint32 // the seq the next arming gets
	floor atomic.Uint32 // the current arming's
}

type armingChunk struct {
	slots [armingChunkSlots]armingSlot
}

type armingTable struct {
	chunks [armingMaxTimers / armingChunkSlots]atomic.Pointer[armingChunk]
}

// seqOlder: a is older than b in serial-number arithmetic (RFC 1982).
func seqOlder(a, b uint32) bool { return int32(a-b) < 0 }

func (t *armingTable) slot(id uint32) *armingSlot {
	if id == 0 || id > armingMaxTimers {
		return nil
	}
	c := t.chunks[(id-1)/armingChunkSlots].Load()
	if c == nil {
		return nil
	}
	return &c.slots[(id-1)%armingChunkSlots]
}

// reserve makes id's slot exist (allocating its chunk the first time);
// false for an id the module cannot give.
func (t *armingTable) reserve(id uint32) bool {
	if id == 0 || id > armingMaxTimers {
		return false
	}
	p := &t.chunks[(id-1)/armingChunkSlots]
	if p.Load() == nil {
		p.CompareAndSwap(nil, new(armingChunk))
	}
	return true
}

// nextSeq is a fresh seq for an arming of id, and whether id has a slot.
func (t *armingTable) nextSeq(id uint32) (uint32, bool) {
	s := t.slot(id)
	if s == nil {
		if !t.reserve(id) {
			return 0, false
		}
		s = t.slot(id)
	}
	return s.next.Add(1) - 1, true
}

func raiseFloor(s *armingSlot, seq uint32) {
	for {
		cur := s.floor.Load()
		if !seqOlder(cur, seq) || s.floor.CompareAndSwap(cur, seq) {
			return
		}
	}
}

// commit: the kernel accepted id's arming seq; earlier armings are stale.
func (t *armingTable) commit(id, seq uint32) {
	if s := t.slot(id); s != nil {
		raiseFloor(s, seq)
	}
}

// retire: id was cancelled or deleted; every event of its armings so far
// is stale.
func (t *armingTable) retire(id uint32) {
	if s := t.slot(id); s != nil {
		raiseFloor(s, s.next.Add(1)-1)
	}
}

// current: ev belongs to its timer's current arming (or one being armed);
// true for a timer without a slot.
func (t *armingTable) current(ev *Event) bool {
	s := t.slot(ev.TimerID)
	return s == nil || !seqOlder(ev.Seq, s.floor.Load())
}
