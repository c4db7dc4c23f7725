// SPDX-License-Identifier: MIT

package timerx

import (
	"syscall"
	"time"
	"unsafe"
)

// nanotime is the runtime's CLOCK_MONOTONIC read through the vDSO, the
// clock behind time.Now's monotonic reading, but absolute, as timers on
// ClockMonotonic see it.
//
//go:linkname nanotime runtime.nanotime
func nanotime() int64

// Now reads clock in nanoseconds, as timers on it and their events count:
// ClockMonotonic and ClockRealtime without a system call (the vDSO).
func Now(clock Clock) int64 {
	switch clock {
	case ClockMonotonic:
		return nanotime()
	case ClockRealtime:
		return time.Now().UnixNano()
	}
	var ts syscall.Timespec
	_, _, errno := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, uintptr(clock),
		uintptr(unsafe.Pointer(&ts)), 0)
	if errno != 0 {
		return 0
	}
	return ts.Nano()
}
