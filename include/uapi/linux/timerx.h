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
 * TIMERX_API_VERSION is bumped when something is added or changed. Until
 * the first release (module version 1.0) layouts may still change, and
 * then there is one layout only, never two:
 *   API 2  expirations that found the ring full are delivered only by a
 *          flush, which libtimerx does and a consumer of the mapping must
 *          do when it sees TIMERX_RING_F_OVERFLOW (a periodic timer parks
 *          instead of costing interrupts, see below).
 *   API 3  events carry the arming's sequence number (struct
 *          timerx_event grew to 40 bytes), struct timerx_arm carries seq
 *          and slack_ns (40 bytes: a new TIMERX_IOC_ARM number), ids are
 *          dense, and ARM_AT, ARM_IN, POSTPONE and BATCH are new.
 * Every struct carries reserved fields that must be zero or a flags word
 * (the 16-byte commands that fit a plain SQE: POSTPONE and BATCH a flags
 * word, ARM_AT and ARM_IN nothing: a new need is a new command), and
 * every flags word rejects bits it does not know:
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
 * A context belongs to the effective uid that opened it: its timers, its
 * ring and its expiration rate count against that user's limits (see
 * "Limits" below). open() fails with EMFILE when the user already holds
 * max_contexts_per_user contexts.
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
 * The kernel keeps its own copy of everything it needs (tail included: read(2)
 * uses the kernel's tail, never hdr->tail) and reads only
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
 * TIMERX_IOC_FLUSH, and implicitly by poll(), read() and the io_uring WAIT.
 * The flag is cleared when nothing is pending any more. A consumer that
 * sees the flag after draining the ring must flush (TIMERX_IOC_FLUSH, or
 * poll/read/WAIT): the timers whose expirations wait are parked (below)
 * and resume only then. An edge-triggered epoll consumer that drained the
 * ring through the mapping gets no further wakeup without it.
 *
 * A periodic timer whose expirations found the ring full is parked: its
 * hrtimer stops, so a consumer that does not read costs no interrupts.
 * When a flush has delivered what it had pending, the periods that
 * elapsed while it was parked are counted and written (folded, in order,
 * actual_ns = the time of that flush) and the timer continues on its
 * original grid; re-arming or cancelling a parked timer counts them the
 * same way. It still reads as ARMED. Nothing is lost; only the
 * expirations' delivery waits for the consumer, as it would anyway.
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
 * context by default (lowest latency), or in softirq context with
 * TIMERX_CREATE_F_SOFT. On PREEMPT_RT kernels hard-irq expiry is, as for
 * the kernel's own sleepers, for callers with CAP_SYS_NICE or a real-time
 * scheduling policy (SCHED_FIFO, SCHED_RR, SCHED_DEADLINE) at CREATE time:
 * anybody else's default timer expires soft (GET reports
 * TIMERX_CREATE_F_SOFT in create_flags), and TIMERX_CREATE_F_HARD, which
 * demands hard-irq expiry, fails with EPERM. SOFT together with HARD:
 * EINVAL. TIMERX_CREATE_F_PINNED keeps the timer on `cpu`, which must be
 * online (EINVAL) and, for callers without CAP_SYS_NICE, in the caller's
 * CPU affinity mask (EPERM).
 *
 * Arming an armed timer re-arms it. Every arming carries a sequence number
 * chosen by the caller (timerx_arm.seq), copied into each event of that
 * arming, so that a consumer can drop the events of an arming it has
 * replaced or cancelled: re-arming and cancelling cannot take back events
 * already in the ring. The kernel gives seq no other meaning (any value,
 * wraparound included, is the caller's). A timer's expirations of
 * different armings are never folded into one event: those of earlier
 * armings that still wait for room in the ring come first, folded
 * together into one run with the seq of the earliest of them.
 *
 * Slack: timerx_arm.slack_ns (at most TIMERX_SLACK_MAX_NS, and less than
 * a periodic timer's period, else EINVAL)
 * lets the timer fire anywhere in [expiry, expiry + slack_ns], so that
 * timers within each other's slack share one interrupt (as
 * hrtimer_start_range_ns() does for the kernel's own sleepers). 0, the
 * default, is "as precisely as possible". A periodic timer keeps its grid:
 * each period is measured from the expiry, not from when it fired. An
 * event's actual_ns - expected_ns includes the slack used; the lateness
 * histograms and alarms count only what is later than expiry + slack.
 *
 * Relative expiries (>= 0) are taken from
 * the timer's clock at arm time; absolute ones must be >= 0 (EINVAL, as
 * for timerfd) and fire at once when in the past. A period of 0 is a
 * one-shot timer; periods are at most KTIME_MAX (EINVAL). Callers without
 * CAP_SYS_NICE cannot use a period below the min_period_ns module
 * parameter (EPERM), nor arm periodic timers beyond their user's
 * expiration-rate budget, max_user_rate expirations per second summed
 * over every armed periodic timer of the user (EDQUOT; a timer's rate is
 * 10^9 / period_ns, rounded up). Cancelling keeps expirations already
 * pending; deleting discards them.
 *
 * POSTPONE moves the next expiry of an armed timer (later or earlier),
 * keeping its period, slack and seq: a periodic timer continues from the
 * new expiry. A timer that is not armed (a one-shot one whose event is in
 * the ring, a cancelled one) fails with ETIME: it expired, and its event
 * tells the consumer so. ARM_AT and ARM_IN are ARM for a one-shot timer
 * without slack, absolute and relative, in 16 bytes (a plain SQE).
 *
 * Timer ids are dense: CREATE returns the lowest free id, from 1. A
 * deleted timer's id is reused by the next CREATE; events of the deleted
 * timer still in the ring carry its old user_data and the seq of its
 * arming, which is how a consumer tells them apart. As with file
 * descriptors, a command that names a deleted timer's id acts on the
 * timer that has it now.
 *
 * BATCH executes an array of up to TIMERX_BATCH_MAX ARM, CANCEL and
 * POSTPONE entries (struct timerx_batch_entry), in order, each with its
 * own result written back into its entry (0 or -errno, as the single
 * command would return). It returns the number of entries executed: all
 * of them, or, when entry k cannot be read or written, k (-EFAULT if k is
 * 0); entries from k on are not touched. An entry's result is set to
 * -EINPROGRESS before it runs: one that still reads so ran but its result
 * could not be written (the array was unmapped or made read-only during
 * the call), and the batch stopped within the next 8 entries. An entry is
 * copied once; a half-invalid batch executes its valid entries. An empty
 * batch returns 0; more than TIMERX_BATCH_MAX entries: E2BIG; a non-zero
 * flags: EOPNOTSUPP. Fields an op does not use must be 0 (EINVAL in its
 * result); unknown bits in an entry's flags: EOPNOTSUPP.
 *
 * A callback never re-queues a periodic timer without moving its expiry
 * forward: if the timer's clock reads earlier than the expiry it ran for
 * (a REALTIME or TAI clock stepped back meanwhile), the expiry itself is
 * taken as the time it ran, so actual_ns >= expected_ns holds.
 *
 * CREATE returns the new timer id (also stored in timer_id).
 *
 * Errors common to the timer commands: ENOENT (no such timer in this
 * context), ENOSPC (max_timers_per_ctx reached, or the user holds
 * max_timers_per_user timers), EFAULT (bad pointer).
 *
 * io_uring transport
 * ------------------
 * The same commands can be submitted as IORING_OP_URING_CMD on the
 * /dev/timerx fd: sqe->cmd_op is the command's ioctl number and its struct
 * is inline in the SQE's command area (sqe->cmd). That area holds 16 bytes
 * in a normal SQE and 80 with IORING_SETUP_SQE128; a struct that does not
 * fit fails with EINVAL, and so does a non-zero byte of the area after the
 * command's struct (all of it for FLUSH and WAIT): it is reserved. The
 * payload is copied when the SQE is issued. The
 * CQE's res is the command's result (0, the new timer id for CREATE, the
 * number of events written for FLUSH, the number of entries executed for
 * BATCH) or -errno. Commands that return a
 * struct (SETUP_RING, GET, CTX_INFO) are ioctl-only: EOPNOTSUPP. Unknown
 * cmd_op: ENOTTY.
 *
 * TIMERX_URING_CMD_WAIT (a zero payload) completes when events are ready
 * (after an implicit flush), with res = the number of events ready. It
 * completes with -ECANCELED when the process that submitted it (its file
 * table: its threads, io-wq and SQPOLL threads included) closes a
 * descriptor of the context (a forked child or an exec'd copy closing
 * theirs does not end it), and when io_uring cancels it at ring or task
 * exit or exec. IORING_OP_ASYNC_CANCEL does not reach driver commands.
 * Several may be pending. It needs a kernel whose io_uring can cancel
 * driver commands (IO_URING_F_CANCEL, mainline 6.7 and later, probed when
 * the module is built): on older kernels nothing could end a WAIT that its
 * context never completes (one sent through a registered file, say), so
 * it fails at once with EOPNOTSUPP there; use IORING_OP_POLL_ADD on the fd
 * instead, which io_uring can always cancel (libtimerx does).
 *
 * Limits
 * ------
 * Module parameters (see docs/operations.md and modinfo timerx), also
 * readable and settable through the generic netlink family:
 *   max_timers_per_ctx, max_ring_entries, min_period_ns   per context/timer
 *   max_contexts_per_user   contexts of one uid (open: EMFILE)
 *   max_timers_per_user     timers of one uid, all contexts (CREATE: ENOSPC)
 *   max_user_rate           expirations/s of one uid's armed periodic
 *                           timers (ARM: EDQUOT)
 * Callers with CAP_SYS_RESOURCE are not held to the per-user counts of
 * contexts and timers, and callers with CAP_SYS_NICE not to min_period_ns
 * and max_user_rate; what they create still counts. The ring's pages are
 * charged to the memory cgroup of the caller of SETUP_RING and, unless it
 * has CAP_IPC_LOCK, to its user's RLIMIT_MEMLOCK (locked memory, shared with
 * io_uring and perf rings): ENOMEM past either.
 *
 * Control plane: generic netlink family "timerx"
 * -----------------------------------------------
 * For operators and tools (timerctl), not for the data path. Family name
 * TIMERX_GENL_NAME, version TIMERX_GENL_VERSION, one multicast group
 * TIMERX_GENL_MCGRP_MONITOR. The attribute tree is given below, next to
 * the commands. Every command has a strict policy: unknown attributes,
 * wrong types or lengths, and a non-zero genlmsghdr.reserved are rejected
 * (EINVAL, with an extack message). Unknown commands: EOPNOTSUPP.
 *
 * Visibility: a context is visible in the network namespace it was opened
 * in. There, a caller with CAP_SYS_ADMIN in the initial user namespace
 * sees every context; anybody else sees only the contexts whose opener had
 * the caller's effective uid. A caller with CAP_SYS_ADMIN in the initial
 * user namespace in the initial network namespace sees the contexts of
 * every namespace. Both the process that opened the netlink socket and the
 * one sending the request must be entitled (a socket handed to a more
 * privileged process gains nothing), except that a request sent with an
 * explicit destination address (sendto, sendmsg with a name) is judged by
 * its sender alone, as netlink_capable() does. A context one cannot see
 * does not exist for one (ENOENT). CONFIG_SET requires CAP_SYS_ADMIN in
 * the initial user namespace, of the opener too under the same rule
 * (EPERM); joining the monitor group requires it of the joining process.
 *
 * Dumps: CTX_GET and TIMER_GET dump in id order and resume where the last
 * message ended; each context is read under its lock, so its part of a
 * dump is consistent. A dump is marked NLM_F_DUMP_INTR (on the messages
 * after the change, and on NLMSG_DONE) when a context was opened or closed
 * while it ran, and a TIMER_GET dump also when timers were created or
 * deleted in the context it was in the middle of between two messages.
 * Restart it for a consistent view; churn in other contexts does not
 * interrupt it.
 *
 * Message sizes: a context or timer message with a full histogram is
 * about 8 KiB. Receive replies and dumps into buffers of at least 32 KiB
 * (libmnl's MNL_SOCKET_DUMP_SIZE), as for any netlink dump.
 *
 * Lateness is the time the hrtimer callback ran minus the expiry it ran
 * for (the kernel part of an event's lateness, actual_ns - expected_ns),
 * in ns. While the "histograms" setting is on (the default), it is
 * recorded lock-free in the callback: per timer (timers created while it
 * is on: about 3.7 KiB each), per context and globally (since the module
 * was loaded). Off, the callback records nothing. Histograms are
 * log-linear: with S = sub_bits,
 *   value v < 2^S         -> bucket v
 *   value v >= 2^S, e = floor(log2 v)
 *                          -> bucket (e - S + 1) * 2^S + ((v >> (e - S)) & (2^S - 1))
 * so bucket b >= 2^S covers [lo, lo + 2^(e-S)) with
 *   e = b / 2^S + S - 1, lo = 2^e + (b % 2^S) * 2^(e-S),
 * a width of at most 1/2^S of its lower bound (S = 4: 6.25%, so a
 * percentile read at a bucket's midpoint is within 3.2%). Values of
 * 2^TIMERX_HIST_MAX_LOG2 ns and more go to the last bucket, nr_buckets - 1.
 * Reads are snapshots: buckets, count and sum are read one by one while
 * callbacks may run, so they can disagree by the expirations in flight.
 */
#ifndef _UAPI_LINUX_TIMERX_H
#define _UAPI_LINUX_TIMERX_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define TIMERX_API_VERSION	3	/* see "Versioning" */
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
 * One expiry (plus `overrun` folded ones) of one timer. 40 bytes.
 * expected_ns is the expiry the event reports (the first one folded into
 * it); actual_ns is when the callback ran, on the same clock, never
 * earlier than expected_ns. actual_ns - expected_ns is the kernel part of
 * the lateness. seq is the seq of the arming whose expirations these are.
 */
struct timerx_event {
	__u64 user_data;
	__s64 expected_ns;
	__s64 actual_ns;
	__u32 timer_id;
	__u32 overrun;
	__u32 seq;
	__u32 resv;		/* 0 */
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
#define TIMERX_CREATE_F_HARD	(1U << 2) /* hard irq or EPERM (API 2) */
#define TIMERX_CREATE_F_ALL	(TIMERX_CREATE_F_SOFT | TIMERX_CREATE_F_PINNED | \
				 TIMERX_CREATE_F_HARD)

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

/* Slack of at most a second: beyond that, a timer is not precise. */
#define TIMERX_SLACK_MAX_NS	1000000000U

struct timerx_arm {
	__u32 timer_id;
	__u32 flags;		/* TIMERX_ARM_F_* */
	__s64 expires_ns;	/* relative (>= 0) or absolute */
	__u64 period_ns;	/* 0: one-shot */
	__u32 seq;		/* copied into this arming's events */
	__u32 slack_ns;		/* may fire up to this much late */
	__u64 resv;		/* must be 0 */
};

/* TIMERX_IOC_ARM_AT (absolute), TIMERX_IOC_ARM_IN (relative): one-shot */
struct timerx_arm_oneshot {
	__u32 timer_id;
	__u32 seq;
	__s64 expires_ns;	/* >= 0 */
};

/* TIMERX_IOC_POSTPONE */
struct timerx_postpone {
	__u32 timer_id;
	__u32 flags;		/* TIMERX_ARM_F_ABS */
	__s64 expires_ns;	/* relative (>= 0) or absolute */
};

/* TIMERX_IOC_BATCH */
enum timerx_batch_op {
	TIMERX_BATCH_ARM = 1,		/* all fields, as struct timerx_arm */
	TIMERX_BATCH_CANCEL = 2,	/* timer_id only */
	TIMERX_BATCH_POSTPONE = 3,	/* timer_id, flags, expires_ns */
};

#define TIMERX_BATCH_MAX	4096

struct timerx_batch_entry {
	__u32 op;		/* enum timerx_batch_op */
	__u32 timer_id;
	__u32 flags;		/* TIMERX_ARM_F_* for ARM and POSTPONE */
	__s32 result;		/* out: 0 or -errno */
	__s64 expires_ns;
	__u64 period_ns;
	__u32 seq;
	__u32 slack_ns;
};

struct timerx_batch {
	__u64 entries;		/* pointer to nr struct timerx_batch_entry */
	__u32 nr;		/* 0 .. TIMERX_BATCH_MAX */
	__u32 flags;		/* must be 0 */
};

/* TIMERX_IOC_CANCEL, TIMERX_IOC_DELETE */
struct timerx_timer_ref {
	__u32 timer_id;
	__u32 flags;		/* must be 0 */
	__u64 resv;		/* must be 0 */
};

/*
 * TIMERX_IOC_GET. A one-shot timer is IDLE from the moment its event is in
 * the ring; a periodic one stays ARMED until cancelled.
 */
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
	__u32 seq;		/* of the last arming */
	__u32 slack_ns;		/* of the last arming */
	__u32 resv0;		/* out: 0 */
	__u64 resv;		/* out: 0 */
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
	TIMERX_CMD_ARM_AT = 8,
	TIMERX_CMD_ARM_IN = 9,
	TIMERX_CMD_POSTPONE = 10,
	TIMERX_CMD_BATCH = 11,
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
#define TIMERX_IOC_ARM_AT	\
	_IOW(TIMERX_IOC_MAGIC, TIMERX_CMD_ARM_AT, struct timerx_arm_oneshot)
#define TIMERX_IOC_ARM_IN	\
	_IOW(TIMERX_IOC_MAGIC, TIMERX_CMD_ARM_IN, struct timerx_arm_oneshot)
#define TIMERX_IOC_POSTPONE	_IOW(TIMERX_IOC_MAGIC, TIMERX_CMD_POSTPONE, struct timerx_postpone)
/* Returns the number of entries executed. */
#define TIMERX_IOC_BATCH	_IOW(TIMERX_IOC_MAGIC, TIMERX_CMD_BATCH, struct timerx_batch)

/* io_uring only: complete when events are ready. */
#define TIMERX_URING_CMD_WAIT	_IO(TIMERX_IOC_MAGIC, 0x80)

/* ------------------------------------------------------------------------
 * Generic netlink control plane (see "Control plane" above).
 */
#define TIMERX_GENL_NAME		"timerx"
#define TIMERX_GENL_VERSION		1
#define TIMERX_GENL_MCGRP_MONITOR	"monitor"

/* Histogram layout (see "Lateness" above). */
#define TIMERX_HIST_SUB_BITS	4
#define TIMERX_HIST_MAX_LOG2	32	/* 2^32 ns = 4.29 s */
#define TIMERX_HIST_BUCKETS \
	((TIMERX_HIST_MAX_LOG2 - TIMERX_HIST_SUB_BITS + 1) * (1 << TIMERX_HIST_SUB_BITS) + 1)

/* One non-empty bucket, in TIMERX_NL_HIST_A_BUCKETS (an array of these). */
struct timerx_hist_bucket {
	__u32 index;		/* bucket number, see "Lateness" */
	__u32 resv;		/* 0 */
	__u64 count;
};

/*
 * Commands. Requests carry the attributes listed; replies and
 * notifications carry the same command number.
 *
 * CTX_GET      do: CTX_ID -> one context. dump: every visible context.
 *              Reply: CTX_ID, OWNER_PID, OWNER_UID, OWNER_COMM, TIMERS,
 *              RING_ENTRIES, RING_USED, EVENTS, EXPIRATIONS, RING_FULL,
 *              WAKEUPS, PENDING, LATENESS.
 * TIMER_GET    do: CTX_ID, TIMER_ID -> one timer. dump: every timer of
 *              CTX_ID, or of every visible context without it.
 *              Reply: CTX_ID, TIMER_ID, USER_DATA, CLOCKID, FLAGS, CPU,
 *              LAST_CPU, STATE, PERIOD_NS, NEXT_EXPIRY_NS (when armed),
 *              FIRES, EXPIRATIONS, OVERRUNS, EVENTS, PENDING, SEQ, SLACK_NS,
 *              LATENESS (only for timers created while histograms were on).
 * STATS_GET    do, no attributes -> totals since the module was loaded:
 *              API_VERSION, MODULE_VERSION, CONTEXTS, TIMERS (live),
 *              FIRES, EXPIRATIONS, EVENTS, RING_FULL (totals of every
 *              context, also closed ones; the live counts of the
 *              contexts the caller cannot see are included), LATENESS.
 * CONFIG_GET   do, no attributes -> CONFIG.
 * CONFIG_SET   do: CONFIG with the settings to change; all are checked
 *              before any is applied. Reply: CONFIG (all settings).
 *              A value outside its range (listed with the CONFIG
 *              attributes): ERANGE, as the netlink core reports it; a
 *              max_ring_entries that is not a power of two: EINVAL.
 *
 * Notifications on the monitor group (TIMERX_GENL_MCGRP_MONITOR):
 * CTX_NEW      a context was opened: CTX_ID, OWNER_PID, OWNER_UID,
 *              OWNER_COMM.
 * CTX_DEL      a context was closed: CTX_ID, OWNER_UID, EVENTS,
 *              EXPIRATIONS, RING_FULL.
 * OVERFLOW     a context's ring was found full (its expirations wait in
 *              the kernel): CTX_ID, OWNER_UID, RING_FULL (total so far),
 *              ALARM_COUNT (times since the last OVERFLOW notification).
 * LATENESS_ALARM
 *              callbacks of the context ran later than
 *              CONFIG_A_ALARM_LATENESS_NS: CTX_ID, OWNER_UID, TIMER_ID
 *              (the latest of them), ALARM_COUNT (since the last
 *              notification), ALARM_MAX_NS (the worst of them).
 * OVERFLOW and LATENESS_ALARM are sent at most once per
 * CONFIG_A_ALARM_INTERVAL_MS per context; what happens in between is
 * counted in the next one.
 */
enum timerx_nl_cmd {
	TIMERX_NL_CMD_UNSPEC,
	TIMERX_NL_CMD_CTX_GET,
	TIMERX_NL_CMD_TIMER_GET,
	TIMERX_NL_CMD_STATS_GET,
	TIMERX_NL_CMD_CONFIG_GET,
	TIMERX_NL_CMD_CONFIG_SET,
	TIMERX_NL_CMD_CTX_NEW,
	TIMERX_NL_CMD_CTX_DEL,
	TIMERX_NL_CMD_OVERFLOW,
	TIMERX_NL_CMD_LATENESS_ALARM,

	__TIMERX_NL_CMD_MAX,
	TIMERX_NL_CMD_MAX = __TIMERX_NL_CMD_MAX - 1
};

/*
 * Top-level attributes. u64 attributes are 8-byte aligned with
 * TIMERX_NL_A_PAD (nla_put_u64_64bit).
 */
enum timerx_nl_attr {
	TIMERX_NL_A_UNSPEC,
	TIMERX_NL_A_PAD,
	TIMERX_NL_A_CTX_ID,		/* u32 */
	TIMERX_NL_A_TIMER_ID,		/* u32 */
	TIMERX_NL_A_OWNER_PID,		/* u32: tgid in the reader's pid ns, 0 if not in it */
	TIMERX_NL_A_OWNER_UID,		/* u32: euid in the reader's user namespace */
	TIMERX_NL_A_OWNER_COMM,		/* string: the opener's comm */
	TIMERX_NL_A_TIMERS,		/* u32: live timers */
	TIMERX_NL_A_RING_ENTRIES,	/* u32: 0 before SETUP_RING */
	TIMERX_NL_A_RING_USED,		/* u32: events in the ring, unread */
	TIMERX_NL_A_EVENTS,		/* u64: events written to rings */
	TIMERX_NL_A_EXPIRATIONS,	/* u64: expirations, folded ones included */
	TIMERX_NL_A_RING_FULL,		/* u64: callbacks that found the ring full */
	TIMERX_NL_A_WAKEUPS,		/* u64: wakeups the producer triggered */
	TIMERX_NL_A_PENDING,		/* u64: expirations waiting for ring room */
	TIMERX_NL_A_USER_DATA,		/* u64 */
	TIMERX_NL_A_CLOCKID,		/* u32 */
	TIMERX_NL_A_FLAGS,		/* u32: TIMERX_CREATE_F_* */
	TIMERX_NL_A_CPU,		/* u32: pinned CPU, with TIMERX_CREATE_F_PINNED */
	TIMERX_NL_A_LAST_CPU,		/* s32: CPU of the last callback, -1 before any */
	TIMERX_NL_A_STATE,		/* u32: enum timerx_timer_state */
	TIMERX_NL_A_PERIOD_NS,		/* u64: 0 for one-shot */
	TIMERX_NL_A_NEXT_EXPIRY_NS,	/* s64: absolute, on the timer's clock */
	TIMERX_NL_A_FIRES,		/* u64: callbacks run */
	TIMERX_NL_A_OVERRUNS,		/* u64: expirations - fires (missed periods) */
	TIMERX_NL_A_LATENESS,		/* nest: TIMERX_NL_HIST_A_* */
	TIMERX_NL_A_API_VERSION,	/* u32: TIMERX_API_VERSION */
	TIMERX_NL_A_MODULE_VERSION,	/* string: the module's version */
	TIMERX_NL_A_CONTEXTS,		/* u32: live contexts */
	TIMERX_NL_A_CONFIG,		/* nest: TIMERX_NL_CONFIG_A_* */
	TIMERX_NL_A_ALARM_COUNT,	/* u64 */
	TIMERX_NL_A_ALARM_MAX_NS,	/* u64 */
	TIMERX_NL_A_SEQ,		/* u32: of the timer's last arming (API 3) */
	TIMERX_NL_A_SLACK_NS,		/* u32: of the timer's last arming (API 3) */

	__TIMERX_NL_A_MAX,
	TIMERX_NL_A_MAX = __TIMERX_NL_A_MAX - 1
};

/* Inside TIMERX_NL_A_LATENESS. All u64 values are ns unless noted. */
enum timerx_nl_hist_attr {
	TIMERX_NL_HIST_A_UNSPEC,
	TIMERX_NL_HIST_A_PAD,
	TIMERX_NL_HIST_A_COUNT,		/* u64: samples */
	TIMERX_NL_HIST_A_SUM_NS,	/* u64 */
	TIMERX_NL_HIST_A_MIN_NS,	/* u64 (absent when count is 0) */
	TIMERX_NL_HIST_A_MAX_NS,	/* u64 (absent when count is 0) */
	TIMERX_NL_HIST_A_SUB_BITS,	/* u32: S of the layout */
	TIMERX_NL_HIST_A_NR_BUCKETS,	/* u32: buckets in the layout */
	/* binary: struct timerx_hist_bucket[], the non-empty buckets in
	 * ascending order; 8-byte aligned (TIMERX_NL_HIST_A_PAD before it)
	 */
	TIMERX_NL_HIST_A_BUCKETS,

	__TIMERX_NL_HIST_A_MAX,
	TIMERX_NL_HIST_A_MAX = __TIMERX_NL_HIST_A_MAX - 1
};

/*
 * Inside TIMERX_NL_A_CONFIG. Each is also a module parameter of the same
 * name (lower case); both ways of setting it check the same ranges.
 */
enum timerx_nl_config_attr {
	TIMERX_NL_CONFIG_A_UNSPEC,
	TIMERX_NL_CONFIG_A_PAD,
	TIMERX_NL_CONFIG_A_MAX_TIMERS_PER_CTX,	/* u32: 1 .. 2^20 */
	TIMERX_NL_CONFIG_A_MAX_RING_ENTRIES,	/* u32: power of two, 2 .. 2^20 */
	TIMERX_NL_CONFIG_A_MIN_PERIOD_NS,	/* u64: 0 .. 10^9 */
	TIMERX_NL_CONFIG_A_HISTOGRAMS,		/* u8: 0 or 1: record lateness (see "Lateness") */
	TIMERX_NL_CONFIG_A_ALARM_LATENESS_NS,	/* u64: 0 (off) .. 10^10 */
	TIMERX_NL_CONFIG_A_ALARM_INTERVAL_MS,	/* u32: 1 .. 3600000 */
	TIMERX_NL_CONFIG_A_MAX_CONTEXTS_PER_USER, /* u32: 1 .. 2^20 (API 2) */
	TIMERX_NL_CONFIG_A_MAX_TIMERS_PER_USER,	/* u32: 1 .. 2^24 (API 2) */
	TIMERX_NL_CONFIG_A_MAX_USER_RATE,	/* u64: expirations/s, 1 .. 10^10 (API 2) */

	__TIMERX_NL_CONFIG_A_MAX,
	TIMERX_NL_CONFIG_A_MAX = __TIMERX_NL_CONFIG_A_MAX - 1
};

#endif /* _UAPI_LINUX_TIMERX_H */
