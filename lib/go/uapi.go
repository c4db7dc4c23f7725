// SPDX-License-Identifier: MIT

package timerx

import (
	"time"
	"unsafe"
)

// The UAPI of include/uapi/linux/timerx.h, mirrored field by field. Every
// struct field carries its C name in a `uapi` tag: layout_test.go compiles
// a C program against the header and compares each size and offset.
// amd64 and arm64 only: a 32-bit Go aligns uint64 to 4, the C ABI to 8.

// APIVersion is the TIMERX_API_VERSION this package was written against.
const APIVersion = 3

// DevicePath is TIMERX_DEVICE_PATH.
const DevicePath = "/dev/timerx"

// Ring and consumer flags (hdr->flags, hdr->consumer_flags).
const (
	ringFlagOverflow       = 1 << 0 // TIMERX_RING_F_OVERFLOW
	consumerFlagPolling    = 1 << 0 // TIMERX_CONSUMER_F_POLLING
	ringMinEntries         = 2      // TIMERX_RING_MIN_ENTRIES
	mmapOffRing            = 0      // TIMERX_MMAP_OFF_RING
	defaultRingEntries     = 4096
	defaultSpinCheckPeriod = 64
)

// CreateFlags are TIMERX_CREATE_F_*.
type CreateFlags uint32

const (
	CreateSoft   CreateFlags = 1 << 0 // expire in softirq, not hard irq
	CreatePinned CreateFlags = 1 << 1 // run on TimerOptions.CPU only
	CreateHard   CreateFlags = 1 << 2 // hard irq or EPERM (API 2)
)

// armFlagAbs is TIMERX_ARM_F_ABS.
const armFlagAbs = 1 << 0

// Clock is the kernel clock a timer runs on (its clockid).
type Clock uint32

const (
	ClockRealtime  Clock = 0  // CLOCK_REALTIME
	ClockMonotonic Clock = 1  // CLOCK_MONOTONIC
	ClockBoottime  Clock = 7  // CLOCK_BOOTTIME
	ClockTAI       Clock = 11 // CLOCK_TAI
)

// TimerState is enum timerx_timer_state.
type TimerState uint32

const (
	TimerIdle  TimerState = 0
	TimerArmed TimerState = 1
)

// ringHdr is struct timerx_ring_hdr: the first cache line is written by
// the kernel only, the second by the consumer only.
type ringHdr struct {
	Tail         uint32    `uapi:"tail"`
	Flags        uint32    `uapi:"flags"`
	Entries      uint32    `uapi:"entries"`
	Mask         uint32    `uapi:"mask"`
	RingFull     uint64    `uapi:"ring_full"`
	KernelResv   [5]uint64 `uapi:"__kernel_resv"`
	Head         uint32    `uapi:"head"`
	ConsumerFlag uint32    `uapi:"consumer_flags"`
	UserResv     [7]uint64 `uapi:"__user_resv"`
}

// Event is struct timerx_event: one expiry of one timer, plus Overrun
// expirations folded into it. ExpectedNs is the (first) expiry the event
// reports, ActualNs when the kernel's callback ran, both on the timer's
// clock; ActualNs >= ExpectedNs.
type Event struct {
	UserData   uint64 `uapi:"user_data"`
	ExpectedNs int64  `uapi:"expected_ns"`
	ActualNs   int64  `uapi:"actual_ns"`
	TimerID    uint32 `uapi:"timer_id"`
	Overrun    uint32 `uapi:"overrun"`
	Seq        uint32 `uapi:"seq"`
	Resv       uint32 `uapi:"resv"`
}

// KernelLateness is the kernel part of the event's lateness: when the
// callback ran minus the expiry it ran for.
func (e *Event) KernelLateness() time.Duration {
	return time.Duration(e.ActualNs - e.ExpectedNs)
}

// Expirations is 1 + Overrun: what the event accounts for.
func (e *Event) Expirations() uint64 { return 1 + uint64(e.Overrun) }

// RingParams is struct timerx_ring_params (TIMERX_IOC_SETUP_RING).
type RingParams struct {
	Entries      uint32    `uapi:"entries"`
	Flags        uint32    `uapi:"flags"`
	EventSize    uint32    `uapi:"event_size"`
	EventsOffset uint32    `uapi:"events_offset"`
	MmapLen      uint64    `uapi:"mmap_len"`
	Resv         [2]uint64 `uapi:"resv"`
}

// createArg is struct timerx_create.
type createArg struct {
	UserData uint64 `uapi:"user_data"`
	ClockID  uint32 `uapi:"clockid"`
	Flags    uint32 `uapi:"flags"`
	CPU      uint32 `uapi:"cpu"`
	TimerID  uint32 `uapi:"timer_id"`
	Resv     uint64 `uapi:"resv"`
}

// armArg is struct timerx_arm.
type armArg struct {
	TimerID   uint32 `uapi:"timer_id"`
	Flags     uint32 `uapi:"flags"`
	ExpiresNs int64  `uapi:"expires_ns"`
	PeriodNs  uint64 `uapi:"period_ns"`
	Seq       uint32 `uapi:"seq"`
	SlackNs   uint32 `uapi:"slack_ns"`
	Resv      uint64 `uapi:"resv"`
}

// armOneshot is struct timerx_arm_oneshot (ARM_AT, ARM_IN): a one-shot
// arm without slack in 16 bytes.
type armOneshot struct {
	TimerID   uint32 `uapi:"timer_id"`
	Seq       uint32 `uapi:"seq"`
	ExpiresNs int64  `uapi:"expires_ns"`
}

// postponeArg is struct timerx_postpone.
type postponeArg struct {
	TimerID   uint32 `uapi:"timer_id"`
	Flags     uint32 `uapi:"flags"`
	ExpiresNs int64  `uapi:"expires_ns"`
}

// Batch entry ops (enum timerx_batch_op) and limits.
const (
	batchOpArm      = 1 // TIMERX_BATCH_ARM
	batchOpCancel   = 2 // TIMERX_BATCH_CANCEL
	batchOpPostpone = 3 // TIMERX_BATCH_POSTPONE

	// BatchMax is TIMERX_BATCH_MAX: entries per BATCH command (Submit
	// sends longer batches as several).
	BatchMax = 4096

	// SlackMax is TIMERX_SLACK_MAX_NS: the most slack an arming can have.
	SlackMax = time.Second
)

// batchEntry is struct timerx_batch_entry.
type batchEntry struct {
	Op        uint32 `uapi:"op"`
	TimerID   uint32 `uapi:"timer_id"`
	Flags     uint32 `uapi:"flags"`
	Result    int32  `uapi:"result"`
	ExpiresNs int64  `uapi:"expires_ns"`
	PeriodNs  uint64 `uapi:"period_ns"`
	Seq       uint32 `uapi:"seq"`
	SlackNs   uint32 `uapi:"slack_ns"`
}

// batchArg is struct timerx_batch.
type batchArg struct {
	Entries uint64 `uapi:"entries"`
	Nr      uint32 `uapi:"nr"`
	Flags   uint32 `uapi:"flags"`
}

// timerRef is struct timerx_timer_ref (CANCEL, DELETE).
type timerRef struct {
	TimerID uint32 `uapi:"timer_id"`
	Flags   uint32 `uapi:"flags"`
	Resv    uint64 `uapi:"resv"`
}

// TimerInfo is struct timerx_timer_info (TIMERX_IOC_GET).
type TimerInfo struct {
	TimerID      uint32      `uapi:"timer_id"`
	Flags        uint32      `uapi:"flags"`
	UserData     uint64      `uapi:"user_data"`
	ClockID      Clock       `uapi:"clockid"`
	CreateFlags  CreateFlags `uapi:"create_flags"`
	CPU          uint32      `uapi:"cpu"`
	State        TimerState  `uapi:"state"`
	NextExpiryNs int64       `uapi:"next_expiry_ns"`
	PeriodNs     uint64      `uapi:"period_ns"`
	Expirations  uint64      `uapi:"expirations"`
	Events       uint64      `uapi:"events"`
	Pending      uint64      `uapi:"pending"`
	LastCPU      int32       `uapi:"last_cpu"`
	Seq          uint32      `uapi:"seq"`
	SlackNs      uint32      `uapi:"slack_ns"`
	Resv0        uint32      `uapi:"resv0"`
	Resv         uint64      `uapi:"resv"`
}

// Period is the timer's period; 0 for a one-shot timer.
func (i *TimerInfo) Period() time.Duration { return time.Duration(i.PeriodNs) }

// CtxInfo is struct timerx_ctx_info (TIMERX_IOC_CTX_INFO).
type CtxInfo struct {
	APIVersion  uint32    `uapi:"api_version"`
	CtxID       uint32    `uapi:"ctx_id"`
	Timers      uint32    `uapi:"timers"`
	RingEntries uint32    `uapi:"ring_entries"`
	Events      uint64    `uapi:"events"`
	Expirations uint64    `uapi:"expirations"`
	RingFull    uint64    `uapi:"ring_full"`
	Wakeups     uint64    `uapi:"wakeups"`
	Resv        [4]uint64 `uapi:"resv"`
}

// Command numbers (enum timerx_cmd) and the ioctl encoding of
// <asm-generic/ioctl.h>: dir << 30 | size << 16 | type << 8 | nr.
const (
	cmdSetupRing = 0
	cmdCreate    = 1
	cmdArm       = 2
	cmdCancel    = 3
	cmdDelete    = 4
	cmdGet       = 5
	cmdFlush     = 6
	cmdCtxInfo   = 7
	cmdArmAt     = 8
	cmdArmIn     = 9
	cmdPostpone  = 10
	cmdBatch     = 11

	iocMagic = 0xE7
	iocNone  = 0
	iocWrite = 1
	iocRead  = 2
)

func ioc(dir, nr, size uintptr) uintptr {
	return dir<<30 | size<<16 | iocMagic<<8 | nr
}

var (
	iocSetupRing = ioc(iocRead|iocWrite, cmdSetupRing, unsafe.Sizeof(RingParams{}))
	iocCreate    = ioc(iocRead|iocWrite, cmdCreate, unsafe.Sizeof(createArg{}))
	iocArm       = ioc(iocWrite, cmdArm, unsafe.Sizeof(armArg{}))
	iocCancel    = ioc(iocWrite, cmdCancel, unsafe.Sizeof(timerRef{}))
	iocDelete    = ioc(iocWrite, cmdDelete, unsafe.Sizeof(timerRef{}))
	iocGet       = ioc(iocRead|iocWrite, cmdGet, unsafe.Sizeof(TimerInfo{}))
	iocFlush     = ioc(iocNone, cmdFlush, 0)
	iocCtxInfo   = ioc(iocRead, cmdCtxInfo, unsafe.Sizeof(CtxInfo{}))
	iocArmAt     = ioc(iocWrite, cmdArmAt, unsafe.Sizeof(armOneshot{}))
	iocArmIn     = ioc(iocWrite, cmdArmIn, unsafe.Sizeof(armOneshot{}))
	iocPostpone  = ioc(iocWrite, cmdPostpone, unsafe.Sizeof(postponeArg{}))
	iocBatch     = ioc(iocWrite, cmdBatch, unsafe.Sizeof(batchArg{}))
)
