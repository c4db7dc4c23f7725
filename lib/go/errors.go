// SPDX-License-Identifier: MIT

package timerx

import (
	"strconv"
	"syscall"
)

// Error is a failed command: what was asked (Op, and the timer when there
// is one) and the kernel's errno, which it wraps.
type Error struct {
	Op    string        // "open", "SETUP_RING", "mmap", "CREATE", "ARM", ...
	Timer uint32        // the timer the command was about; 0 if none
	Errno syscall.Errno // what the kernel said
}

func (e *Error) Error() string {
	s := "timerx: " + e.Op
	if e.Timer != 0 {
		s += " timer " + strconv.FormatUint(uint64(e.Timer), 10)
	}
	return s + ": " + e.Errno.Error()
}

// Unwrap makes errors.Is(err, syscall.ENOENT) and friends work.
func (e *Error) Unwrap() error { return e.Errno }

func opError(op string, timer uint32, errno syscall.Errno) error {
	return &Error{Op: op, Timer: timer, Errno: errno}
}

// ErrCorruptRing: the ring's counters claim more than its entries are
// ready, so head (or tail) was overwritten by something other than this
// reader: a bug, or a hostile thread (the mapping is writable). Nothing is
// read; Reader.Resync recovers. It wraps EIO, as read(2) reports it.
var ErrCorruptRing error = &Error{Op: "ring (head or tail overwritten)", Errno: syscall.EIO}

// ErrClosed is returned for commands on a closed Context; it wraps EBADF.
var ErrClosed error = &Error{Op: "closed context", Errno: syscall.EBADF}
