// SPDX-License-Identifier: MIT

// Package timerx drives /dev/timerx (timerx.ko) from Go without cgo: open a
// context, map its event ring, create, arm, cancel, delete and inspect
// timers, and consume their expirations from the ring without a system call
// and without allocating.
//
// The contract is include/uapi/linux/timerx.h; this package mirrors its
// structs (checked against the C header by layout_test.go) and follows its
// memory-ordering and wakeup-suppression protocols.
//
// # Threading
//
// A Context's commands (Create, Arm, Cancel, Delete, Get, Info, Flush) are
// system calls on the context's file descriptor and may be issued from any
// goroutine. Its Reader is single-consumer: one goroutine at a time may
// call Consume, Read, SpinUntil, Wait or PrepareWait, and no other reader
// (nor read(2) on the fd) may consume the same ring. For the lowest
// latency that goroutine calls runtime.LockOSThread and busy-polls
// (SpinUntil); a goroutine that blocks in Wait or a Poller ties up its OS
// thread for the duration, as any blocking system call does.
//
// # Errors
//
// Commands return *Error, which wraps the errno: errors.Is(err,
// syscall.ENOENT) tells a timer that does not exist. Errors are allocated
// only when they happen; Consume and the waits allocate nothing.
//
// # Times
//
// Timers run on a kernel clock (Clock); their times are int64 nanoseconds
// on that clock, as in the UAPI. Now(clock) reads the same clock, and
// durations (relative expiries, periods, lateness) are time.Duration.
package timerx
