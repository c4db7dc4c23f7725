// SPDX-License-Identifier: MIT

package timerx

import (
	"syscall"
	"time"
	"unsafe"
)

// Waiting for events, two ways:
//
//  1. Busy-polling: SpinUntil spins on the ring with
//     TIMERX_CONSUMER_F_POLLING set, so the kernel does no wakeup work per
//     event. Lowest latency; one CPU, best on a goroutine locked to its
//     OS thread (runtime.LockOSThread).
//  2. Blocking on the fd: Wait (ppoll) or a Poller (epoll), after
//     PrepareWait has cleared the flag and re-checked the ring. Both
//     block the calling OS thread, not only the goroutine.
//
// WaitHybrid combines them: spin a while, then block.

// SpinUntil spins until the reader has work (true; the polling flag stays
// set: keep consuming and spinning without wakeups) or deadline passes
// (false; the flag has been cleared and the ring re-checked, so it is
// safe to block now).
func (r *Reader) SpinUntil(deadline time.Time) bool {
	r.SetPolling(true)
	for i := 0; ; i++ {
		if r.HasWork() {
			return true
		}
		// The clock costs more than a look at the ring.
		if i%defaultSpinCheckPeriod == 0 && !time.Now().Before(deadline) {
			break
		}
	}
	return !r.PrepareWait()
}

// Wait blocks in ppoll(2) until the context's ring has work or timeout
// passes (timeout < 0: no limit). It does PrepareWait first and returns at
// once when work is there. true: work is ready. poll also flushes pending
// expirations. Signals (the Go runtime's preemption among them) restart
// the wait with what is left of the timeout.
func (c *Context) Wait(timeout time.Duration) (bool, error) {
	if c.fd < 0 {
		return false, ErrClosed
	}
	if !c.reader.PrepareWait() {
		return true, nil
	}
	var deadline int64
	if timeout >= 0 {
		deadline = nanotime() + int64(timeout)
	}
	pfd := pollFd{fd: int32(c.fd), events: pollIn}
	for {
		var ts syscall.Timespec
		tsp := uintptr(0)
		if timeout >= 0 {
			left := deadline - nanotime()
			if left < 0 {
				left = 0
			}
			ts = syscall.NsecToTimespec(left)
			tsp = uintptr(unsafe.Pointer(&ts))
		}
		n, _, errno := syscall.Syscall6(syscall.SYS_PPOLL, uintptr(unsafe.Pointer(&pfd)), 1,
			tsp, 0, 0, 0)
		switch {
		case errno == syscall.EINTR:
			continue
		case errno != 0:
			return false, opError("ppoll", 0, errno)
		case n == 0:
			return false, nil
		case pfd.revents&pollNval != 0:
			return false, opError("ppoll", 0, syscall.EBADF)
		}
		return true, nil
	}
}

// WaitHybrid spins for spin, then blocks in Wait for what is left of
// timeout (< 0: no limit). true: work is ready.
func (c *Context) WaitHybrid(spin, timeout time.Duration) (bool, error) {
	if c.fd < 0 {
		return false, ErrClosed
	}
	start := time.Now()
	if spin > 0 && c.reader.SpinUntil(start.Add(spin)) {
		return true, nil
	}
	if timeout >= 0 {
		timeout -= time.Since(start)
		if timeout < 0 {
			timeout = 0
		}
	}
	return c.Wait(timeout)
}

type pollFd struct {
	fd      int32
	events  int16
	revents int16
}

const (
	pollIn   = 0x1
	pollNval = 0x20
)

// Poller is an epoll set holding one context's fd (level-triggered
// EPOLLIN), for a consumer that blocks in epoll_wait. Its Wait follows the
// same protocol as Context.Wait. To add the fd to an epoll set of your
// own instead, call Reader.PrepareWait and skip epoll_wait when it
// returns false.
type Poller struct {
	epfd   int
	ctx    *Context
	events [1]syscall.EpollEvent
}

// NewPoller makes an epoll set watching c.
func NewPoller(c *Context) (*Poller, error) {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, opError("epoll_create1", 0, err.(syscall.Errno))
	}
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(c.fd)}
	if err := syscall.EpollCtl(epfd, syscall.EPOLL_CTL_ADD, c.fd, &ev); err != nil {
		syscall.Close(epfd)
		return nil, opError("epoll_ctl", 0, err.(syscall.Errno))
	}
	return &Poller{epfd: epfd, ctx: c}, nil
}

// Wait: true when the ring has work, false after timeout (< 0: none;
// millisecond resolution, as epoll_wait has).
func (p *Poller) Wait(timeout time.Duration) (bool, error) {
	if !p.ctx.reader.PrepareWait() {
		return true, nil
	}
	deadline := time.Now().Add(timeout)
	for {
		ms := -1
		if timeout >= 0 {
			left := time.Until(deadline)
			if left < 0 {
				left = 0
			}
			ms = int((left + time.Millisecond - 1) / time.Millisecond)
		}
		n, err := syscall.EpollWait(p.epfd, p.events[:], ms)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return false, opError("epoll_wait", 0, err.(syscall.Errno))
		}
		return n > 0, nil
	}
}

// Close closes the epoll set (not the context).
func (p *Poller) Close() error {
	if err := syscall.Close(p.epfd); err != nil {
		return opError("close", 0, err.(syscall.Errno))
	}
	return nil
}
