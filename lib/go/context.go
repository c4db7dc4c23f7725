// SPDX-License-Identifier: MIT

package timerx

import (
	"math"
	"syscall"
	"time"
	"unsafe"
)

// Options configure Open. The zero value opens DevicePath with a ring of
// 4096 events (128 KiB).
type Options struct {
	Path        string // default DevicePath
	RingEntries uint32 // a power of two in [2, max_ring_entries]; default 4096
}

// Context is one open of /dev/timerx: its timers and its mapped ring.
// Commands may be issued from any goroutine; the Reader has one consumer
// (see the package documentation). Close ends every timer.
//
// Every arming gets a sequence number of the Context's own (per timer),
// and the Reader drops the events of armings that were replaced or
// cancelled before they were read (see Reader). Arm one timer from one
// goroutine at a time: two racing commands on the same timer leave the
// current arming to whichever returns last.
type Context struct {
	fd      int
	mem     []byte
	params  RingParams
	reader  Reader
	armings *armingTable
}

// Open opens a context, sizes its ring (SETUP_RING) and maps it.
func Open(opts Options) (*Context, error) {
	path := opts.Path
	if path == "" {
		path = DevicePath
	}
	entries := opts.RingEntries
	if entries == 0 {
		entries = defaultRingEntries
	}
	fd, err := syscall.Open(path, syscall.O_RDWR|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, opError("open "+path, 0, err.(syscall.Errno))
	}
	c := &Context{fd: fd, armings: new(armingTable)}
	if err := c.setup(entries); err != nil {
		syscall.Close(fd)
		return nil, err
	}
	return c, nil
}

func (c *Context) setup(entries uint32) error {
	p := RingParams{Entries: entries}
	if errno := ioctl(c.fd, iocSetupRing, unsafe.Pointer(&p)); errno != 0 {
		return opError("SETUP_RING", 0, errno)
	}
	p.Entries = entries // the kernel does not change it; rely on ours
	if err := checkRingParams(&p); err != nil {
		return err
	}
	mem, err := syscall.Mmap(c.fd, mmapOffRing, int(p.MmapLen),
		syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	if err != nil {
		return opError("mmap of the ring", 0, err.(syscall.Errno))
	}
	c.mem = mem
	c.params = p
	c.reader.init(mem, p.Entries, p.EventsOffset, c.Flush)
	c.reader.armings = c.armings
	return nil
}

// checkRingParams refuses a layout this package cannot read safely.
func checkRingParams(p *RingParams) error {
	hdr := uint64(unsafe.Sizeof(ringHdr{}))
	ev := uint64(unsafe.Sizeof(Event{}))
	ok := p.Entries >= ringMinEntries && p.Entries&(p.Entries-1) == 0 &&
		uint64(p.EventSize) == ev && uint64(p.EventsOffset) >= hdr &&
		p.EventsOffset%8 == 0 &&
		uint64(p.EventsOffset)+uint64(p.Entries)*ev <= p.MmapLen &&
		p.MmapLen <= math.MaxInt
	if !ok {
		return opError("SETUP_RING (unexpected ring layout)", 0, syscall.EPROTO)
	}
	return nil
}

// Close unmaps the ring and closes the fd: the kernel cancels every
// timer. The Reader must not be used afterwards.
func (c *Context) Close() error {
	if c.fd < 0 {
		return ErrClosed
	}
	c.reader = Reader{}
	var first error
	if c.mem != nil {
		if err := syscall.Munmap(c.mem); err != nil {
			first = opError("munmap", 0, err.(syscall.Errno))
		}
		c.mem = nil
	}
	if err := syscall.Close(c.fd); err != nil && first == nil {
		first = opError("close", 0, err.(syscall.Errno))
	}
	c.fd = -1
	return first
}

// Fd is the context's file descriptor, for an epoll set of one's own
// (call Reader.PrepareWait before blocking on it).
func (c *Context) Fd() int { return c.fd }

// RingParams is what SETUP_RING reported.
func (c *Context) RingParams() RingParams { return c.params }

// Reader is the consumer of the context's ring.
func (c *Context) Reader() *Reader { return &c.reader }

// TimerID names a timer within its context.
type TimerID uint32

// TimerOptions are struct timerx_create's inputs.
type TimerOptions struct {
	UserData uint64      // copied into every event of the timer
	Clock    Clock       // ClockRealtime is 0: set it
	Flags    CreateFlags // CreateSoft, CreatePinned, CreateHard
	CPU      uint32      // with CreatePinned
}

// Create makes a timer on clock (idle until armed); userData comes back in
// every event.
func (c *Context) Create(userData uint64, clock Clock) (TimerID, error) {
	return c.CreateWith(TimerOptions{UserData: userData, Clock: clock})
}

// CreateWith makes a timer with every option of TIMERX_IOC_CREATE.
// Timer ids are dense: the lowest free one, from 1 (a deleted timer's id
// is reused).
func (c *Context) CreateWith(o TimerOptions) (TimerID, error) {
	a := createArg{UserData: o.UserData, ClockID: uint32(o.Clock), Flags: uint32(o.Flags), CPU: o.CPU}
	if errno := ioctl(c.fd, iocCreate, unsafe.Pointer(&a)); errno != 0 {
		return 0, opError("CREATE", 0, errno)
	}
	// Its slot now, so that arming it never allocates.
	if c.armings != nil {
		c.armings.reserve(a.TimerID)
	}
	return TimerID(a.TimerID), nil
}

// ArmSpec is one arming (struct timerx_arm without its seq, which the
// Context assigns).
type ArmSpec struct {
	Timer TimerID
	// Expires is relative (>= 0) or, with Abs, nanoseconds since the
	// epoch of the timer's clock (see Now).
	Expires time.Duration
	Abs     bool
	Period  time.Duration // 0: one-shot
	// Slack lets the timer fire up to this much late, so that timers
	// within each other's slack share an interrupt; at most SlackMax.
	Slack time.Duration
}

// valid: the checks the library makes before sending anything.
func (s *ArmSpec) valid() bool {
	return s.Period >= 0 && s.Slack >= 0 && s.Slack <= SlackMax
}

// Arm (re-)arms a timer to expire after d on its clock, then every period
// (0: once).
func (c *Context) Arm(id TimerID, d, period time.Duration) error {
	return c.ArmWith(ArmSpec{Timer: id, Expires: d, Period: period})
}

// ArmAt (re-)arms a timer to expire at ns on its clock (see Now), then
// every period (0: once). A time in the past fires at once.
func (c *Context) ArmAt(id TimerID, ns int64, period time.Duration) error {
	return c.ArmWith(ArmSpec{Timer: id, Expires: time.Duration(ns), Abs: true, Period: period})
}

// ArmAtTime is ArmAt for a timer on ClockRealtime: t as wall-clock time.
func (c *Context) ArmAtTime(id TimerID, t time.Time, period time.Duration) error {
	return c.ArmWith(ArmSpec{Timer: id, Expires: time.Duration(t.UnixNano()), Abs: true,
		Period: period})
}

// ArmWith (re-)arms a timer as spec says, with a fresh seq: from its
// return the Reader drops the events of the timer's earlier armings. A
// one-shot without slack goes as TIMERX_IOC_ARM_AT / ARM_IN (16 bytes),
// anything else as TIMERX_IOC_ARM. A negative period or slack, or a slack
// above SlackMax: EINVAL, nothing sent.
func (c *Context) ArmWith(spec ArmSpec) error {
	if !spec.valid() {
		return opError("ARM (negative period, or slack outside [0, SlackMax])",
			uint32(spec.Timer), syscall.EINVAL)
	}
	id := uint32(spec.Timer)
	var seq uint32
	var slot bool
	if c.armings != nil {
		seq, slot = c.armings.nextSeq(id)
	}
	var errno syscall.Errno
	if spec.Period == 0 && spec.Slack == 0 {
		a := armOneshot{TimerID: id, Seq: seq, ExpiresNs: int64(spec.Expires)}
		req := iocArmIn
		if spec.Abs {
			req = iocArmAt
		}
		errno = ioctl(c.fd, req, unsafe.Pointer(&a))
	} else {
		a := armArg{TimerID: id, ExpiresNs: int64(spec.Expires), PeriodNs: uint64(spec.Period),
			Seq: seq, SlackNs: uint32(spec.Slack)}
		if spec.Abs {
			a.Flags = armFlagAbs
		}
		errno = ioctl(c.fd, iocArm, unsafe.Pointer(&a))
	}
	if errno != 0 {
		return opError("ARM", id, errno)
	}
	if slot {
		c.armings.commit(id, seq)
	}
	return nil
}

// Postpone moves the next expiry of an armed timer to d from now, later
// or earlier (TIMERX_IOC_POSTPONE); its period, slack and arming stay. A
// timer that is not armed any more (a one-shot whose event is in the
// ring, a cancelled one) fails with an error that wraps syscall.ETIME:
// errors.Is(err, syscall.ETIME) is "already expired". A later module may
// do this without a system call; the call stays the same.
func (c *Context) Postpone(id TimerID, d time.Duration) error {
	return c.postpone(id, 0, int64(d))
}

// PostponeAt is Postpone to ns on the timer's clock (see Now).
func (c *Context) PostponeAt(id TimerID, ns int64) error {
	return c.postpone(id, armFlagAbs, ns)
}

// PostponeAtTime is PostponeAt for a timer on ClockRealtime.
func (c *Context) PostponeAtTime(id TimerID, t time.Time) error {
	return c.postpone(id, armFlagAbs, t.UnixNano())
}

func (c *Context) postpone(id TimerID, flags uint32, ns int64) error {
	p := postponeArg{TimerID: uint32(id), Flags: flags, ExpiresNs: ns}
	if errno := ioctl(c.fd, iocPostpone, unsafe.Pointer(&p)); errno != 0 {
		return opError("POSTPONE", uint32(id), errno)
	}
	return nil
}

// Cancel stops a timer. From its return the Reader drops every event of
// its armings so far, those already in the ring or pending included.
func (c *Context) Cancel(id TimerID) error {
	r := timerRef{TimerID: uint32(id)}
	if errno := ioctl(c.fd, iocCancel, unsafe.Pointer(&r)); errno != 0 {
		return opError("CANCEL", uint32(id), errno)
	}
	if c.armings != nil {
		c.armings.retire(uint32(id))
	}
	return nil
}

// Delete removes a timer and discards what it had pending; its events
// still in the ring are stale from now on.
func (c *Context) Delete(id TimerID) error {
	r := timerRef{TimerID: uint32(id)}
	if errno := ioctl(c.fd, iocDelete, unsafe.Pointer(&r)); errno != 0 {
		return opError("DELETE", uint32(id), errno)
	}
	if c.armings != nil {
		c.armings.retire(uint32(id))
	}
	return nil
}

// Get reads a timer's state and counters.
func (c *Context) Get(id TimerID) (TimerInfo, error) {
	info := TimerInfo{TimerID: uint32(id)}
	if errno := ioctl(c.fd, iocGet, unsafe.Pointer(&info)); errno != 0 {
		return TimerInfo{}, opError("GET", uint32(id), errno)
	}
	return info, nil
}

// Info reads the context's counters.
func (c *Context) Info() (CtxInfo, error) {
	var info CtxInfo
	if errno := ioctl(c.fd, iocCtxInfo, unsafe.Pointer(&info)); errno != 0 {
		return CtxInfo{}, opError("CTX_INFO", 0, errno)
	}
	return info, nil
}

// Flush delivers the expirations waiting for room in the ring
// (TIMERX_RING_F_OVERFLOW) and returns the number of events it wrote.
// Reader.Consume calls it when it sees the flag.
func (c *Context) Flush() (int, error) {
	n, _, errno := syscall.Syscall(syscall.SYS_IOCTL, uintptr(c.fd), iocFlush, 0)
	if errno != 0 {
		return 0, opError("FLUSH", 0, errno)
	}
	return int(n), nil
}

// ioctl passes arg to the kernel; the conversion to uintptr is in the
// call expression, as package unsafe requires, so arg stays alive.
func ioctl(fd int, req uintptr, arg unsafe.Pointer) syscall.Errno {
	if fd < 0 {
		return syscall.EBADF
	}
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), req, uintptr(arg))
	return errno
}
