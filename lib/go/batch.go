// SPDX-License-Identifier: MIT

package timerx

import (
	"runtime"
	"syscall"
	"time"
	"unsafe"
)

// Batch is a reusable list of arm, postpone and cancel commands that
// Context.Submit sends with TIMERX_IOC_BATCH: one system call for up to
// BatchMax of them, run in order by the kernel, each with its own result.
// Its entries are struct timerx_batch_entry as the kernel reads them; the
// arms' seqs are filled in at submission from the Context's table, which
// learns each command's outcome afterwards, so that the Reader drops the
// events of the armings a batch replaced or cancelled.
//
// Queueing allocates only when the batch outgrows its capacity (NewBatch
// sizes it); Reset keeps the memory. One goroutine at a time.
type Batch struct {
	entries []batchEntry
}

// NewBatch is an empty batch with room for capacity commands.
func NewBatch(capacity int) *Batch {
	return &Batch{entries: make([]batchEntry, 0, capacity)}
}

// Len is the number of commands queued.
func (b *Batch) Len() int { return len(b.entries) }

// Reset forgets every command (keeping the memory).
func (b *Batch) Reset() { b.entries = b.entries[:0] }

// errNotSubmitted is the result of a command not submitted yet.
const errNotSubmitted = -int32(syscall.EINPROGRESS)

func (b *Batch) push(e batchEntry) int {
	e.Result = errNotSubmitted
	b.entries = append(b.entries, e)
	return len(b.entries) - 1
}

// Arm queues an arming (see Context.ArmWith) and returns its index. A
// negative period or slack, or a slack above SlackMax: EINVAL, nothing
// queued.
func (b *Batch) Arm(spec ArmSpec) (int, error) {
	if !spec.valid() {
		return -1, opError("ARM (negative period, or slack outside [0, SlackMax])",
			uint32(spec.Timer), syscall.EINVAL)
	}
	e := batchEntry{Op: batchOpArm, TimerID: uint32(spec.Timer), ExpiresNs: int64(spec.Expires),
		PeriodNs: uint64(spec.Period), SlackNs: uint32(spec.Slack)}
	if spec.Abs {
		e.Flags = armFlagAbs
	}
	return b.push(e), nil
}

// Postpone queues a postpone of id to d from now (see Context.Postpone).
func (b *Batch) Postpone(id TimerID, d time.Duration) int {
	return b.push(batchEntry{Op: batchOpPostpone, TimerID: uint32(id), ExpiresNs: int64(d)})
}

// PostponeAt queues a postpone of id to ns on its clock.
func (b *Batch) PostponeAt(id TimerID, ns int64) int {
	return b.push(batchEntry{Op: batchOpPostpone, TimerID: uint32(id), Flags: armFlagAbs,
		ExpiresNs: ns})
}

// Cancel queues a cancel of id.
func (b *Batch) Cancel(id TimerID) int {
	return b.push(batchEntry{Op: batchOpCancel, TimerID: uint32(id)})
}

var batchOpNames = [...]string{batchOpArm: "ARM", batchOpCancel: "CANCEL",
	batchOpPostpone: "POSTPONE"}

// Result is command i's outcome after Submit: nil, or an *Error wrapping
// the errno (syscall.ETIME for a postpone of a timer that already
// expired, syscall.ECANCELED for a command the kernel did not run,
// syscall.EINPROGRESS before submission).
func (b *Batch) Result(i int) error {
	e := &b.entries[i]
	if e.Result >= 0 {
		return nil
	}
	return opError("BATCH "+batchOpNames[e.Op], e.TimerID, syscall.Errno(-e.Result))
}

// Failures is the number of commands whose result is an error.
func (b *Batch) Failures() int {
	n := 0
	for i := range b.entries {
		if b.entries[i].Result < 0 {
			n++
		}
	}
	return n
}

// Submit runs every command of b, in order, with one TIMERX_IOC_BATCH per
// BatchMax commands, and records each one's result in b (Batch.Result).
// It returns an error only when a BATCH itself failed (then each command
// it carried has that error as its result too, and the commands after it
// were not run: ECANCELED).
func (c *Context) Submit(b *Batch) error {
	for i := range b.entries {
		e := &b.entries[i]
		e.Result = errNotSubmitted
		if e.Op == batchOpArm && c.armings != nil {
			e.Seq, _ = c.armings.nextSeq(e.TimerID)
		}
	}
	var first error
	for start := 0; start < len(b.entries); start += BatchMax {
		end := start + BatchMax
		if end > len(b.entries) {
			end = len(b.entries)
		}
		chunk := b.entries[start:end]
		arg := batchArg{Entries: uint64(uintptr(unsafe.Pointer(&chunk[0]))), Nr: uint32(len(chunk))}
		n, _, errno := syscall.Syscall(syscall.SYS_IOCTL, uintptr(c.fd), iocBatch,
			uintptr(unsafe.Pointer(&arg)))
		ran := int(n)
		if errno != 0 {
			ran = 0
			if first == nil {
				first = opError("BATCH", 0, errno)
			}
		}
		for k := ran; k < len(chunk); k++ {
			if errno != 0 {
				chunk[k].Result = -int32(errno)
			} else {
				chunk[k].Result = -int32(syscall.ECANCELED)
			}
		}
		// The entries stay reachable through b: the kernel wrote into them.
		runtime.KeepAlive(chunk)
	}
	if c.armings != nil {
		for i := range b.entries {
			e := &b.entries[i]
			if e.Result != 0 {
				continue
			}
			switch e.Op {
			case batchOpArm:
				c.armings.commit(e.TimerID, e.Seq)
			case batchOpCancel:
				c.armings.retire(e.TimerID)
			}
		}
	}
	return first
}
