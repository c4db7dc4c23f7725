/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR MIT) */
/*
 * timerx: many precise hrtimers per process, delivered through a shared ring.
 *
 * This header is the whole contract between timerx.ko and userspace. It is
 * usable from C and C++ and depends only on <linux/types.h>,
 * <linux/ioctl.h> and <linux/time.h>.
 *
 * Versioning
 * ----------
 * TIMERX_API_VERSION is bumped when something is added. Nothing is ever
 * removed or changed in meaning. Every struct carries reserved fields that
 * must be zero, and every flags word rejects bits it does not know:
 *
 *   unknown flag bit        -> EOPNOTSUPP (a newer userspace asks an older
 *                              module for a feature it lacks)
 *   reserved field non-zero -> EINVAL
 *   unknown ioctl or a known ioctl number with the wrong size/direction
 *                           -> ENOTTY
 *
 * Contexts
 * --------
 * Each open() of /dev/timerx creates one context: its timers, its event ring
 * and a system-wide id (TIMERX_IOC_CTX_INFO). close() of the last reference
 * (including mappings of the ring) cancels every timer and frees everything.
 *
 * A context is used in this order:
 *   1. TIMERX_IOC_SETUP_RING sizes the ring (once; EBUSY after that).
 *   2. mmap() the ring (optional: read(2) works without a mapping).
 *   3. TIMERX_IOC_CREATE / ARM / CANCEL / DELETE / GET timers.
 * Timer commands before step 1 fail with EBADFD.
 *
 * The ring
 * --------
 * One shared mapping, offset 0, of exactly timerx_ring_params.mmap_len
 * bytes (any other length or offset: EINVAL; before SETUP_RING: EBADFD;
 * MAP_PRIVATE: EINVAL). It starts with struct timerx_ring_hdr; the events
 * array of `entries` (a power of two) struct timerx_event starts at
 * timerx_ring_params.events_offset.
 *
 * The kernel is the only producer and userspace the only consumer. `tail`
 * and `head` are free-running u32 counters; the slot of counter c is
 * c & (entries - 1). Events in [head, tail) are ready.
 *
 * Memory ordering (each release pairs with the acquire below it):
 *   kernel:  write event at slot(tail); store-release hdr->tail = tail + 1
 *   user:    load-acquire hdr->tail; read events in [head, tail)
 *   user:    store-release hdr->head = new head (after reading the events)
 *   kernel:  load-acquire hdr->head before reusing a slot
 * In C11/C++ that is __atomic_load_n(&hdr->tail, __ATOMIC_ACQUIRE) and
 * __atomic_store_n(&hdr->head, h, __ATOMIC_RELEASE).
 *
 * The kernel keeps its own copy of everything it needs and reads only
 * `head` and `consumer_flags` from the mapping. A head that claims more than
 * `entries` events were consumed is treated as "ring full": the process
 * stops receiving events into the ring (they accumulate as overflow, see
 * below) until head is sane again. Nothing the consumer writes can make the
 * kernel write outside the ring.
 *
 * No expiration is lost
 * ---------------------
 * A periodic timer is forwarded by whole periods from its first expiry
 * (no drift). When the callback runs late, the periods that elapsed are
 * folded into one event: timerx_event.overrun counts the expirations in
 * this event beyond the first, so sum(1 + overrun) over a timer's events is
 * exactly the number of its expirations.
 *
 * When the ring is full, expirations are kept per timer in kernel memory
 * (one pending count per timer), TIMERX_RING_F_OVERFLOW is set in
 * hdr->flags and ring_full counts the occurrence (one per callback that
 * found no room, however many expirations it carried). Pending expirations are delivered,
 * folded and in order, when the timer next fires with room in the ring, by
 * TIMERX_IOC_FLUSH, and implicitly by poll() and read(). The flag is cleared
 * when nothing is pending any more. A consumer that sees the flag after
 * draining the ring should call TIMERX_IOC_FLUSH.
 *
 * Waiting
 * -------
 * poll/epoll report EPOLLIN while events are ready. read(2) copies whole
 * events (a multiple of sizeof(struct timerx_event); smaller buffers:
 * EINVAL) out of the ring and consumes them; it blocks unless O_NONBLOCK
 * (EAGAIN). Use either read(2) or the mapping, not both at once.
 *
 * Wakeup suppression: a consumer that busy-polls the ring sets
 * TIMERX_CONSUMER_F_POLLING in hdr->consumer_flags; the kernel then does no
 * wakeup work per event (no waitqueue check, no irq_work). Before blocking
 * in poll/epoll/read/io_uring, clear the flag, issue a full barrier
 * (e.g. a seq_cst read-modify-write of consumer_flags, or
 * atomic_thread_fence(memory_order_seq_cst)), then re-check tail and flags:
 * the kernel stores tail, issues a full barrier and then reads the flag,
 * so one side always sees the other and no wakeup is lost.
 *
 * Timers
 * ------
 * Clocks: CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME, CLOCK_TAI.
 * Times are nanoseconds on the timer's clock. The callback runs in hard-irq
 * context by default (lowest latency, also on PREEMPT_RT), or in softirq
 * context with TIMERX_CREATE_F_SOFT. TIMERX_CREATE_F_PINNED keeps the timer
 * on `cpu` (which must be online: EINVAL otherwise).
 *
 * Arming an armed timer re-arms it. Relative expiries are taken from the
 * timer's clock at arm time; absolute ones in the past fire at once. A
 * period of 0 is a one-shot timer. Callers without CAP_SYS_NICE cannot
 * use a period below the min_period_ns module parameter (EPERM).
 * Cancelling keeps expirations already pending; deleting discards them.
 *
 * CREATE returns the new timer id (also stored in timer_id).
 *
 * Errors common to the timer commands: ENOENT (no such timer in this
 * context), ENOSPC (max_timers_per_ctx reached), EFAULT (bad pointer).
 *
 * io_uring transport
 * ------------------
 * The same commands can be submitted as IORING_OP_URING_CMD on the
 * /dev/timerx fd: sqe->cmd_op is the command's ioctl number and its struct
 * is inline in the SQE's command area (sqe->cmd). That area holds 16 bytes
 * in a normal SQE and 80 with IORING_SETUP_SQE128; a struct that does not
 * fit fails with EINVAL. The payload is copied when the SQE is issued. The
 * CQE's res is the command's result (0, the new timer id for CREATE, the
 * number of events written for FLUSH) or -errno. Commands that return a
 * struct (SETUP_RING, GET, CTX_INFO) are ioctl-only: EOPNOTSUPP. Unknown
 * cmd_op: ENOTTY.
 *
 * TIMERX_URING_CMD_WAIT (16 zero bytes of payload) completes when events
 * are ready (after an implicit flush), with res = the number of events
 * ready. It completes with -ECANCELED when a file descriptor of the context
 * is closed, and (kernels >= 6.8) when io_uring cancels it at ring or task
 * exit; IORING_OP_ASYNC_CANCEL does not reach driver commands. Several may
 * be pending.
 *
 * Limits are module parameters (see docs/design.md and modinfo timerx):
 * max_timers_per_ctx, max_ring_entries, min_period_ns.
 */
#ifndef _UAPI_LINUX_TIMERX_H
#define _UAPI_LINUX_TIMERX_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define TIMERX_API_VERSION	1
#define TIMERX_DEVICE_PATH	"/dev/timerx"

/* The ring is the only mapping; its offset is 0. */
#define TIMERX_MMAP_OFF_RING	0ULL

/* Smallest ring; the largest is the max_ring_entries module parameter. */
#define TIMERX_RING_MIN_ENTRIES	2

/* hdr->flags, written by the kernel */
#define TIMERX_RING_F_OVERFLOW	(1U << 0) /* expirations pending: flush */

/* hdr->consumer_flags, written by userspace */
#define TIMERX_CONSUMER_F_POLLING (1U << 0) /* busy-polling: no wakeups */
#define TIMERX_CONSUMER_F_ALL	TIMERX_CONSUMER_F_POLLING

/*
 * Two cache lines: the first written only by the kernel, the second only
 * by userspace, so producer and consumer never share a dirty line.
 */
struct timerx_ring_hdr {
	/* kernel -> user */
	__u32 tail;		/* producer counter, store-release */
	__u32 flags;		/* TIMERX_RING_F_* */
	__u32 entries;		/* power of two */
	__u32 mask;		/* entries - 1 */
	__u64 ring_full;	/* times an expiry found the ring full */
	__u64 __kernel_resv[5];
	/* user -> kernel */
	__u32 head;		/* consumer counter, store-release */
	__u32 consumer_flags;	/* TIMERX_CONSUMER_F_* */
	__u64 __user_resv[7];
};

/*
 * One expiry (plus `overrun` folded ones) of one timer. 32 bytes: two per
 * cache line. expected_ns is the expiry the event reports (the first one
 * folded into it); actual_ns is when the callback ran, on the same clock,
 * never earlier than expected_ns. actual_ns - expected_ns is the kernel
 * part of the lateness.
 */
struct timerx_event {
	__u64 user_data;
	__s64 expected_ns;
	__s64 actual_ns;
	__u32 timer_id;
	__u32 overrun;
};

/* TIMERX_IOC_SETUP_RING */
struct timerx_ring_params {
	__u32 entries;		/* in: power of two in [2, max_ring_entries] */
	__u32 flags;		/* in: must be 0 */
	__u32 event_size;	/* out: sizeof(struct timerx_event) */
	__u32 events_offset;	/* out: offset of the events in the mapping */
	__u64 mmap_len;		/* out: exact length to mmap */
	__u64 resv[2];		/* must be 0 */
};

/* TIMERX_IOC_CREATE */
#define TIMERX_CREATE_F_SOFT	(1U << 0) /* expire in softirq, not hard irq */
#define TIMERX_CREATE_F_PINNED	(1U << 1) /* run on .cpu only */
#define TIMERX_CREATE_F_ALL	(TIMERX_CREATE_F_SOFT | TIMERX_CREATE_F_PINNED)

struct timerx_create {
	__u64 user_data;	/* in: copied into every event */
	__u32 clockid;		/* in: CLOCK_MONOTONIC, _REALTIME, _BOOTTIME, _TAI */
	__u32 flags;		/* in: TIMERX_CREATE_F_* */
	__u32 cpu;		/* in: with TIMERX_CREATE_F_PINNED, else 0 */
	__u32 timer_id;		/* out */
	__u64 resv;		/* must be 0 */
};

/* TIMERX_IOC_ARM */
#define TIMERX_ARM_F_ABS	(1U << 0) /* expires_ns is absolute */
#define TIMERX_ARM_F_ALL	TIMERX_ARM_F_ABS

struct timerx_arm {
	__u32 timer_id;
	__u32 flags;		/* TIMERX_ARM_F_* */
	__s64 expires_ns;	/* relative (>= 0) or absolute */
	__u64 period_ns;	/* 0: one-shot */
	__u64 resv;		/* must be 0 */
};

/* TIMERX_IOC_CANCEL, TIMERX_IOC_DELETE */
struct timerx_timer_ref {
	__u32 timer_id;
	__u32 flags;		/* must be 0 */
	__u64 resv;		/* must be 0 */
};

/* TIMERX_IOC_GET */
enum timerx_timer_state {
	TIMERX_TIMER_IDLE = 0,
	TIMERX_TIMER_ARMED = 1,
};

struct timerx_timer_info {
	__u32 timer_id;		/* in */
	__u32 flags;		/* in: must be 0 */
	__u64 user_data;	/* out, and all below */
	__u32 clockid;
	__u32 create_flags;	/* TIMERX_CREATE_F_* */
	__u32 cpu;		/* pinned CPU (with TIMERX_CREATE_F_PINNED) */
	__u32 state;		/* enum timerx_timer_state */
	__s64 next_expiry_ns;	/* absolute, when armed; else 0 */
	__u64 period_ns;
	__u64 expirations;	/* all expirations, folded ones included */
	__u64 events;		/* events written to the ring */
	__u64 pending;		/* expirations waiting for room in the ring */
	__s32 last_cpu;		/* CPU of the last callback, -1 before any */
	__u32 resv0;		/* out: 0 */
	__u64 resv[2];		/* out: 0 */
};

/* TIMERX_IOC_CTX_INFO */
struct timerx_ctx_info {
	__u32 api_version;	/* TIMERX_API_VERSION of the module */
	__u32 ctx_id;		/* system-wide context id */
	__u32 timers;		/* timers created and not deleted */
	__u32 ring_entries;	/* 0 before SETUP_RING */
	__u64 events;		/* events written to the ring */
	__u64 expirations;	/* all expirations of this context's timers */
	__u64 ring_full;	/* times an expiry found the ring full */
	__u64 wakeups;		/* wakeups the producer triggered */
	__u64 resv[4];		/* out: 0 */
};

/*
 * Command numbers. The kernel keeps one table of commands indexed by these;
 * ioctl is one transport for it (the ioctl number encodes the struct size).
 */
enum timerx_cmd {
	TIMERX_CMD_SETUP_RING = 0,
	TIMERX_CMD_CREATE = 1,
	TIMERX_CMD_ARM = 2,
	TIMERX_CMD_CANCEL = 3,
	TIMERX_CMD_DELETE = 4,
	TIMERX_CMD_GET = 5,
	TIMERX_CMD_FLUSH = 6,
	TIMERX_CMD_CTX_INFO = 7,
	__TIMERX_CMD_LAST
};

#define TIMERX_CMD_MAX		(__TIMERX_CMD_LAST - 1)

#define TIMERX_IOC_MAGIC	0xE7

#define TIMERX_IOC_SETUP_RING	\
	_IOWR(TIMERX_IOC_MAGIC, TIMERX_CMD_SETUP_RING, struct timerx_ring_params)
#define TIMERX_IOC_CREATE	_IOWR(TIMERX_IOC_MAGIC, TIMERX_CMD_CREATE, struct timerx_create)
#define TIMERX_IOC_ARM		_IOW(TIMERX_IOC_MAGIC, TIMERX_CMD_ARM, struct timerx_arm)
#define TIMERX_IOC_CANCEL	_IOW(TIMERX_IOC_MAGIC, TIMERX_CMD_CANCEL, struct timerx_timer_ref)
#define TIMERX_IOC_DELETE	_IOW(TIMERX_IOC_MAGIC, TIMERX_CMD_DELETE, struct timerx_timer_ref)
#define TIMERX_IOC_GET		_IOWR(TIMERX_IOC_MAGIC, TIMERX_CMD_GET, struct timerx_timer_info)
/* Returns the number of events the flush wrote into the ring. */
#define TIMERX_IOC_FLUSH	_IO(TIMERX_IOC_MAGIC, TIMERX_CMD_FLUSH)
#define TIMERX_IOC_CTX_INFO	_IOR(TIMERX_IOC_MAGIC, TIMERX_CMD_CTX_INFO, struct timerx_ctx_info)

/* io_uring only: complete when events are ready. */
#define TIMERX_URING_CMD_WAIT	_IO(TIMERX_IOC_MAGIC, 0x80)

#endif /* _UAPI_LINUX_TIMERX_H */
