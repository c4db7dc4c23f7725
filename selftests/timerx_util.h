/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers for the timerx selftests.
 *
 * Everything here follows include/uapi/linux/timerx.h literally: the ring
 * is consumed with a load-acquire of hdr->tail and a store-release of
 * hdr->head, the consumer only ever trusts its own copy of the ring size
 * (never hdr->entries/mask, which a buggy or hostile writer could change),
 * and waiting is done with poll(2) so the implicit flush is exercised too.
 *
 * Helpers that can fail a test take the harness' _metadata so that
 * ASSERT_*() works inside them. Plain wrappers return 0/positive or -errno
 * so tests can compare errno values exactly.
 *
 * EXPECT_*()/ASSERT_*() expand to two statements (the check, then a for()
 * that runs the optional TH_LOG handler), so under if/for/while they are
 * always braced here, even when checkpatch calls the braces unnecessary.
 */
#ifndef TIMERX_UTIL_H
#define TIMERX_UTIL_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <linux/timerx.h>

/*
 * -Wextra finds two things in the harness' own macros, not in our code:
 * its TEST() wrappers take a `variant` they do not use, and its TEST_F()
 * wrapper keeps a local across setjmp(). The diagnostics are reported
 * where the macros expand, so they can only be silenced for the whole
 * file; neither warning matters for test code that uses no setjmp().
 */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wclobbered"
#include "kselftest_harness.h"

/* GET.state values as the __u32 the struct holds (enum constants are int). */
#define TX_IDLE		((__u32)TIMERX_TIMER_IDLE)
#define TX_ARMED	((__u32)TIMERX_TIMER_ARMED)

#define NSEC_PER_USEC	1000LL
#define NSEC_PER_MSEC	1000000LL
#define NSEC_PER_SEC	1000000000LL

/*
 * Under TCG an hrtimer is late by milliseconds; "should have fired by now"
 * is therefore only ever a sanity bound, never a latency assertion.
 */
#define TX_FIRE_TIMEOUT_MS	5000
/* How long to watch for events that must not come (cancel, delete, ...). */
#define TX_SETTLE_MS		40

#define TX_PARAM_DIR	"/sys/module/timerx/parameters/"

/* The header promises these layouts; catch a header/test mismatch early. */
_Static_assert(sizeof(struct timerx_event) == 40, "event is 40 bytes");
_Static_assert(sizeof(struct timerx_ring_hdr) == 128, "hdr is two cache lines");

/* ------------------------------------------------------------------ */
/* Plain wrappers: return >= 0 on success, -errno on failure.          */
/* ------------------------------------------------------------------ */

static inline int tx_ioctl(int fd, unsigned long cmd, void *arg)
{
	int ret = ioctl(fd, cmd, arg);

	return ret < 0 ? -errno : ret;
}

static inline int tx_open_flags(int flags)
{
	int fd = open(TIMERX_DEVICE_PATH, O_RDWR | O_CLOEXEC | flags);

	return fd < 0 ? -errno : fd;
}

static inline int tx_open(void)
{
	return tx_open_flags(0);
}

static inline int tx_setup(int fd, __u32 entries, struct timerx_ring_params *out)
{
	struct timerx_ring_params p = { .entries = entries };
	int ret = tx_ioctl(fd, TIMERX_IOC_SETUP_RING, &p);

	if (!ret && out)
		*out = p;
	return ret;
}

static inline int tx_create(int fd, clockid_t clk, __u32 flags, __u32 cpu,
			    __u64 user_data, __u32 *id)
{
	struct timerx_create c = {
		.user_data = user_data,
		.clockid = (__u32)clk,
		.flags = flags,
		.cpu = cpu,
	};
	int ret = tx_ioctl(fd, TIMERX_IOC_CREATE, &c);

	if (ret < 0)
		return ret;
	/* "CREATE returns the new timer id (also stored in timer_id)" */
	if ((__u32)ret != c.timer_id) {
		fprintf(stderr, "# CREATE returned %d but stored timer_id %u\n",
			ret, c.timer_id);
		return -EPROTO;
	}
	if (id)
		*id = c.timer_id;
	return 0;
}

static inline int tx_arm(int fd, __u32 id, __u32 flags, __s64 expires_ns,
			 __u64 period_ns)
{
	struct timerx_arm a = {
		.timer_id = id,
		.flags = flags,
		.expires_ns = expires_ns,
		.period_ns = period_ns,
	};

	return tx_ioctl(fd, TIMERX_IOC_ARM, &a);
}

/* ARM with what API 3 added: the arming's seq and its slack. */
static inline int tx_arm_seq(int fd, __u32 id, __u32 flags, __s64 expires_ns,
			     __u64 period_ns, __u32 seq, __u32 slack_ns)
{
	struct timerx_arm a = {
		.timer_id = id,
		.flags = flags,
		.expires_ns = expires_ns,
		.period_ns = period_ns,
		.seq = seq,
		.slack_ns = slack_ns,
	};

	return tx_ioctl(fd, TIMERX_IOC_ARM, &a);
}

/* ARM_AT (@abs) or ARM_IN: the 16-byte one-shot arm. */
static inline int tx_arm_oneshot(int fd, __u32 id, bool abs, __s64 expires_ns,
				 __u32 seq)
{
	struct timerx_arm_oneshot a = {
		.timer_id = id,
		.seq = seq,
		.expires_ns = expires_ns,
	};

	return tx_ioctl(fd, abs ? TIMERX_IOC_ARM_AT : TIMERX_IOC_ARM_IN, &a);
}

static inline int tx_postpone(int fd, __u32 id, __u32 flags, __s64 expires_ns)
{
	struct timerx_postpone p = {
		.timer_id = id,
		.flags = flags,
		.expires_ns = expires_ns,
	};

	return tx_ioctl(fd, TIMERX_IOC_POSTPONE, &p);
}

static inline int tx_batch(int fd, struct timerx_batch_entry *e, __u32 nr)
{
	struct timerx_batch b = {
		.entries = (__u64)(uintptr_t)e,
		.nr = nr,
	};

	return tx_ioctl(fd, TIMERX_IOC_BATCH, &b);
}

static inline int tx_cancel(int fd, __u32 id)
{
	struct timerx_timer_ref r = { .timer_id = id };

	return tx_ioctl(fd, TIMERX_IOC_CANCEL, &r);
}

static inline int tx_delete(int fd, __u32 id)
{
	struct timerx_timer_ref r = { .timer_id = id };

	return tx_ioctl(fd, TIMERX_IOC_DELETE, &r);
}

static inline int tx_get(int fd, __u32 id, struct timerx_timer_info *info)
{
	memset(info, 0, sizeof(*info));
	info->timer_id = id;
	return tx_ioctl(fd, TIMERX_IOC_GET, info);
}

static inline int tx_flush(int fd)
{
	return tx_ioctl(fd, TIMERX_IOC_FLUSH, NULL);
}

static inline int tx_ctx_info(int fd, struct timerx_ctx_info *ci)
{
	memset(ci, 0, sizeof(*ci));
	return tx_ioctl(fd, TIMERX_IOC_CTX_INFO, ci);
}

static inline void *tx_mmap_raw(int fd, size_t len, int prot, int flags, off_t off)
{
	return mmap(NULL, len, prot, flags, fd, off);
}

/* ------------------------------------------------------------------ */
/* Time                                                               */
/* ------------------------------------------------------------------ */

static inline __s64 tx_now(clockid_t clk)
{
	struct timespec ts;

	if (clock_gettime(clk, &ts))
		return -1;
	return (__s64)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static inline void tx_sleep_ns(__s64 ns)
{
	struct timespec ts = {
		.tv_sec = ns / NSEC_PER_SEC,
		.tv_nsec = ns % NSEC_PER_SEC,
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static inline void tx_sleep_ms(long ms)
{
	tx_sleep_ns((__s64)ms * NSEC_PER_MSEC);
}

static inline const char *tx_clock_name(clockid_t clk)
{
	switch (clk) {
	case CLOCK_MONOTONIC:	return "MONOTONIC";
	case CLOCK_REALTIME:	return "REALTIME";
	case CLOCK_BOOTTIME:	return "BOOTTIME";
	case CLOCK_TAI:		return "TAI";
	default:		return "?";
	}
}

/* ------------------------------------------------------------------ */
/* Module parameters, CPUs, privileges                                */
/* ------------------------------------------------------------------ */

static inline int tx_param_read(const char *name, unsigned long long *val)
{
	char path[256], buf[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), TX_PARAM_DIR "%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	buf[n] = '\0';
	/* bool parameters read as Y/N */
	if (buf[0] == 'Y' || buf[0] == 'N') {
		*val = buf[0] == 'Y';
		return 0;
	}
	errno = 0;
	*val = strtoull(buf, NULL, 0);
	return errno ? -errno : 0;
}

static inline int tx_param_write(const char *name, unsigned long long val)
{
	char path[256], buf[64];
	int fd, len, ret = 0;

	snprintf(path, sizeof(path), TX_PARAM_DIR "%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = snprintf(buf, sizeof(buf), "%llu\n", val);
	if (write(fd, buf, len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

#define TX_MAX_CPUS	1024

/* Parse a sysfs cpulist ("0-1,3") into a bitmap; returns count or -errno. */
static inline int tx_parse_cpulist(const char *path, bool *set, int max)
{
	char buf[4096], *p;
	ssize_t n;
	int fd, count = 0;

	memset(set, 0, sizeof(bool) * max);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	p = buf;
	while (*p && *p != '\n') {
		char *end;
		long a = strtol(p, &end, 10), b;

		if (end == p)
			break;
		b = a;
		if (*end == '-')
			b = strtol(end + 1, &end, 10);
		for (; a <= b && a < max; a++) {
			if (!set[a])
				count++;
			set[a] = true;
		}
		p = (*end == ',') ? end + 1 : end;
	}
	return count;
}

/*
 * Online CPUs. /sys is the authority; sched_getaffinity() is the fallback
 * for an initramfs without sysfs (it may under-report, which only makes
 * the per-CPU tests do less).
 */
static inline int tx_online_cpus(int *cpus, int max)
{
	static bool set[TX_MAX_CPUS];
	int n = 0, i;

	if (tx_parse_cpulist("/sys/devices/system/cpu/online", set,
			     TX_MAX_CPUS) <= 0) {
		cpu_set_t cs;

		CPU_ZERO(&cs);
		if (sched_getaffinity(0, sizeof(cs), &cs))
			return 0;
		for (i = 0; i < TX_MAX_CPUS && i < CPU_SETSIZE; i++)
			set[i] = CPU_ISSET(i, &cs);
	}
	for (i = 0; i < TX_MAX_CPUS && n < max; i++)
		if (set[i])
			cpus[n++] = i;
	return n;
}

static inline bool tx_cpu_online(int cpu)
{
	int cpus[TX_MAX_CPUS], n, i;

	n = tx_online_cpus(cpus, TX_MAX_CPUS);
	for (i = 0; i < n; i++)
		if (cpus[i] == cpu)
			return true;
	return false;
}

static inline int tx_bind_cpu(int cpu)
{
	cpu_set_t cs;

	CPU_ZERO(&cs);
	CPU_SET(cpu, &cs);
	return sched_setaffinity(0, sizeof(cs), &cs) ? -errno : 0;
}

#include <linux/capability.h>

/* Is @cap in this thread's effective set? */
static inline bool tx_has_cap(int cap)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d))
		return false;
	return d[cap / 32].effective & (1U << (cap % 32));
}

#define TX_NOBODY	65534

/*
 * Become nobody/nogroup. Changing all uids away from 0 clears the
 * permitted and effective capability sets (no SECBIT_KEEP_CAPS), which is
 * exactly the "caller without CAP_SYS_NICE" the header talks about.
 */
static inline int tx_drop_to_nobody(void)
{
	if (syscall(SYS_setgroups, 0, NULL))
		return -errno;
	if (setresgid(TX_NOBODY, TX_NOBODY, TX_NOBODY))
		return -errno;
	if (setresuid(TX_NOBODY, TX_NOBODY, TX_NOBODY))
		return -errno;
	return 0;
}

/* ------------------------------------------------------------------ */
/* The ring                                                           */
/* ------------------------------------------------------------------ */

struct tx_ring {
	int fd;
	struct timerx_ring_params p;	/* our own copy: trust nothing else */
	void *map;
	struct timerx_ring_hdr *hdr;
	struct timerx_event *ev;
};

/* Open a context, size its ring and (optionally) map it. */
static inline void __tx_ring_open(struct __test_metadata *_metadata,
				  struct tx_ring *r, __u32 entries, bool map)
{
	memset(r, 0, sizeof(*r));
	r->fd = tx_open();
	ASSERT_LE(0, r->fd) {
		TH_LOG("open(%s): %s", TIMERX_DEVICE_PATH, strerror(-r->fd));
	}
	ASSERT_EQ(0, tx_setup(r->fd, entries, &r->p)) {
		TH_LOG("SETUP_RING(%u): %s", entries, strerror(errno));
	}
	ASSERT_EQ(entries, r->p.entries);
	ASSERT_EQ(sizeof(struct timerx_event), r->p.event_size);
	if (!map)
		return;
	r->map = mmap(NULL, r->p.mmap_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		      r->fd, TIMERX_MMAP_OFF_RING);
	ASSERT_NE(MAP_FAILED, r->map) {
		TH_LOG("mmap(len=%llu): %s", (unsigned long long)r->p.mmap_len,
		       strerror(errno));
		r->map = NULL;
	}
	r->hdr = r->map;
	r->ev = (struct timerx_event *)((char *)r->map + r->p.events_offset);
}

#define tx_ring_open(r, entries, map) __tx_ring_open(_metadata, r, entries, map)

static inline void tx_ring_close(struct tx_ring *r)
{
	if (r->map)
		munmap(r->map, r->p.mmap_len);
	if (r->fd >= 0)
		close(r->fd);
	r->map = NULL;
	r->hdr = NULL;
	r->ev = NULL;
	r->fd = -1;
}

static inline __u32 tx_tail(struct tx_ring *r)
{
	return __atomic_load_n(&r->hdr->tail, __ATOMIC_ACQUIRE);
}

static inline __u32 tx_head(struct tx_ring *r)
{
	/* Only we write head; relaxed is enough to read our own store. */
	return __atomic_load_n(&r->hdr->head, __ATOMIC_RELAXED);
}

static inline void tx_set_head(struct tx_ring *r, __u32 head)
{
	__atomic_store_n(&r->hdr->head, head, __ATOMIC_RELEASE);
}

static inline __u32 tx_ring_flags(struct tx_ring *r)
{
	return __atomic_load_n(&r->hdr->flags, __ATOMIC_RELAXED);
}

static inline __u64 tx_ring_full(struct tx_ring *r)
{
	return __atomic_load_n(&r->hdr->ring_full, __ATOMIC_RELAXED);
}

static inline void tx_set_consumer_flags(struct tx_ring *r, __u32 flags)
{
	/*
	 * Clearing POLLING must be ordered before the re-check of tail that
	 * precedes blocking (store->load ordering), hence seq_cst + fence.
	 */
	__atomic_store_n(&r->hdr->consumer_flags, flags, __ATOMIC_SEQ_CST);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/*
 * Consume up to @max ready events into @out (may be NULL to discard),
 * exactly as the header documents: load-acquire tail, read [head, tail),
 * store-release the new head. Fails the test if the kernel ever publishes
 * more than `entries` events (it would have overwritten unread ones).
 */
static inline unsigned int __tx_consume(struct __test_metadata *_metadata,
					struct tx_ring *r,
					struct timerx_event *out,
					unsigned int max)
{
	__u32 mask = r->p.entries - 1;
	__u32 head = tx_head(r);
	__u32 tail = tx_tail(r);
	unsigned int n = 0;

	EXPECT_GE(r->p.entries, tail - head) {
		TH_LOG("kernel published %u events into a %u-entry ring (head %u tail %u)",
		       tail - head, r->p.entries, head, tail);
		/* Resynchronise so the test can still finish cleanly. */
		tx_set_head(r, tail);
		return 0;
	}
	while (head != tail && n < max) {
		if (out)
			out[n] = r->ev[head & mask];
		n++;
		head++;
	}
	tx_set_head(r, head);
	return n;
}

#define tx_consume(r, out, max) __tx_consume(_metadata, r, out, max)

static inline bool tx_poll_in(int fd, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, timeout_ms) == 1 && (pfd.revents & POLLIN);
}

static inline __s64 tx_ms_since(__s64 start_mono)
{
	return (tx_now(CLOCK_MONOTONIC) - start_mono) / NSEC_PER_MSEC;
}

/*
 * Wait, by polling GET only (no poll/read, which would flush), until every
 * timer in @ids has @events events in the ring (@events == 0: has had one
 * expiration). Fails the test after TX_FIRE_TIMEOUT_MS.
 */
static inline void __tx_wait_timers(struct __test_metadata *_metadata, int fd,
				    const __u32 *ids, int n, bool events)
{
	__s64 start = tx_now(CLOCK_MONOTONIC);
	struct timerx_timer_info ti;
	int i, done;

	do {
		for (i = 0, done = 0; i < n; i++) {
			ASSERT_EQ(0, tx_get(fd, ids[i], &ti));
			done += (events ? ti.events : ti.expirations) == 1;
		}
		if (done == n)
			return;
		tx_sleep_ms(2);
	} while (tx_ms_since(start) < TX_FIRE_TIMEOUT_MS);
	ASSERT_EQ(n, done) TH_LOG("timers did not all %s within %d ms",
				  events ? "deliver" : "expire", TX_FIRE_TIMEOUT_MS);
}

#define tx_wait_expired(fd, ids, n) __tx_wait_timers(_metadata, fd, ids, n, false)
#define tx_wait_delivered(fd, ids, n) __tx_wait_timers(_metadata, fd, ids, n, true)

/*
 * Collect @want events (or until @timeout_ms), waiting with poll(2) and
 * flushing when the kernel says expirations are pending. Returns the
 * number collected (may exceed @want only up to @max).
 */
static inline unsigned int __tx_collect(struct __test_metadata *_metadata,
					struct tx_ring *r,
					struct timerx_event *out,
					unsigned int want, unsigned int max,
					int timeout_ms)
{
	__s64 start = tx_now(CLOCK_MONOTONIC);
	unsigned int n = 0;

	for (;;) {
		__s64 left;

		n += tx_consume(r, out ? out + n : NULL, max - n);
		if (n >= want)
			break;
		if (tx_ring_flags(r) & TIMERX_RING_F_OVERFLOW)
			tx_flush(r->fd);
		left = timeout_ms - tx_ms_since(start);
		if (left <= 0)
			break;
		tx_poll_in(r->fd, left > 100 ? 100 : (int)left);
	}
	return n;
}

/* Collect exactly @want events (into @out, room for @want) or time out. */
static inline unsigned int __tx_collect_n(struct __test_metadata *_metadata,
					  struct tx_ring *r, struct timerx_event *out,
					  unsigned int want, int timeout_ms)
{
	return __tx_collect(_metadata, r, out, want, want, timeout_ms);
}

#define tx_collect(r, out, want, timeout_ms) \
	__tx_collect_n(_metadata, r, out, want, timeout_ms)

/* read(2) wrapper that returns the number of events or -errno. */
static inline int tx_read_events(int fd, struct timerx_event *out, unsigned int max)
{
	ssize_t n = read(fd, out, max * sizeof(*out));

	if (n < 0)
		return -errno;
	return (int)(n / (ssize_t)sizeof(*out));
}

/* ------------------------------------------------------------------ */
/* Per-timer accounting: "no expiration is lost"                      */
/* ------------------------------------------------------------------ */

struct tx_acct {
	__u32 id;
	__u64 user_data;
	__u64 period;
	bool seen;
	__s64 next_expected;	/* valid when seen && period */
	__u64 sum;		/* sum(1 + overrun) */
	__u64 events;
	__s64 last_expected;
	__u32 last_overrun;
};

/*
 * Account one event to its timer and check the documented invariants:
 * timer_id/user_data copied, actual >= expected, and for periodic timers
 * next.expected == prev.expected + (1 + prev.overrun) * period (whole
 * periods from the first expiry, folded expirations counted, in order).
 * Returns false if the event belongs to none of @acct.
 */
static inline bool __tx_account(struct __test_metadata *_metadata,
				struct tx_acct *acct, unsigned int nacct,
				const struct timerx_event *e)
{
	unsigned int i;

	for (i = 0; i < nacct; i++) {
		struct tx_acct *a = &acct[i];

		if (a->id != e->timer_id)
			continue;
		EXPECT_EQ(a->user_data, e->user_data) {
			TH_LOG("timer %u: user_data not copied into the event", a->id);
		}
		EXPECT_LE(e->expected_ns, e->actual_ns) {
			TH_LOG("timer %u fired early: actual %lld < expected %lld",
			       a->id, (long long)e->actual_ns, (long long)e->expected_ns);
		}
		if (a->seen && a->period) {
			EXPECT_EQ(a->next_expected, e->expected_ns) {
				TH_LOG("timer %u: expected != prev + (1+prev.overrun)*period",
				       a->id);
				TH_LOG("prev expected %lld overrun %u period %llu",
				       (long long)a->last_expected, a->last_overrun,
				       (unsigned long long)a->period);
				TH_LOG("expirations lost, duplicated or out of order");
			}
		}
		if (a->seen && !a->period) {
			EXPECT_EQ(0ULL, a->events) {
				TH_LOG("one-shot timer %u delivered more than one event", a->id);
			}
		}
		if (!a->period) {
			EXPECT_EQ(0U, e->overrun) {
				TH_LOG("one-shot timer %u reported overrun %u", a->id, e->overrun);
			}
		}
		a->seen = true;
		a->last_expected = e->expected_ns;
		a->last_overrun = e->overrun;
		a->next_expected = e->expected_ns +
				   (__s64)((1 + (__u64)e->overrun) * a->period);
		a->sum += 1 + (__u64)e->overrun;
		a->events++;
		return true;
	}
	return false;
}

#define tx_account(acct, nacct, e) __tx_account(_metadata, acct, nacct, e)

/*
 * With every timer cancelled (or deleted), empty the ring and all pending
 * expirations: drain, and while the kernel reports OVERFLOW, FLUSH. Every
 * event is accounted. Stops when the ring is empty and nothing is pending.
 */
static inline void __tx_drain_all(struct __test_metadata *_metadata,
				  struct tx_ring *r, struct tx_acct *acct,
				  unsigned int nacct)
{
	struct timerx_event ev[64];
	int round;

	for (round = 0; round < 100000; round++) {
		unsigned int n, i;
		int ret;

		n = tx_consume(r, ev, 64);
		for (i = 0; i < n; i++) {
			EXPECT_TRUE(tx_account(acct, nacct, &ev[i])) {
				TH_LOG("event for unknown timer id %u", ev[i].timer_id);
			}
		}
		if (n)
			continue;
		if (!(tx_ring_flags(r) & TIMERX_RING_F_OVERFLOW))
			return;
		ret = tx_flush(r->fd);
		ASSERT_LE(0, ret) {
			TH_LOG("TIMERX_IOC_FLUSH: %s", strerror(-ret));
		}
		/*
		 * Flag still set, ring empty and nothing written although
		 * there is room: the flag would never clear.
		 */
		if (ret == 0 && tx_head(r) == tx_tail(r)) {
			ASSERT_EQ(0U, tx_ring_flags(r) & TIMERX_RING_F_OVERFLOW) {
				TH_LOG("OVERFLOW still set, FLUSH wrote nothing, ring empty");
			}
		}
	}
	ASSERT_TRUE(0) TH_LOG("ring never became quiescent");
}

#define tx_drain_all(r, acct, nacct) __tx_drain_all(_metadata, r, acct, nacct)

/* Check that each timer's accounting matches what GET says. */
static inline void __tx_check_acct(struct __test_metadata *_metadata, int fd,
				   struct tx_acct *acct, unsigned int nacct)
{
	unsigned int i;

	for (i = 0; i < nacct; i++) {
		struct timerx_timer_info ti;

		ASSERT_EQ(0, tx_get(fd, acct[i].id, &ti));
		EXPECT_EQ(0ULL, ti.pending) {
			TH_LOG("timer %u still has %llu pending after drain+flush",
			       acct[i].id, (unsigned long long)ti.pending);
		}
		EXPECT_EQ(ti.expirations, acct[i].sum) {
			TH_LOG("timer %u: sum(1+overrun) of its events != GET.expirations",
			       acct[i].id);
		}
		EXPECT_EQ(ti.events, acct[i].events) {
			TH_LOG("timer %u: events seen != GET.events", acct[i].id);
		}
	}
}

#define tx_check_acct(fd, acct, nacct) __tx_check_acct(_metadata, fd, acct, nacct)

/* ------------------------------------------------------------------ */
/* Processes, the device's mode, the module, the kernel log           */
/* ------------------------------------------------------------------ */

#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>

/*
 * waitpid() with a bound. Returns the pid, 0 when the child is still
 * running after @timeout_ms (it is left alone), or -errno.
 */
static inline pid_t tx_waitpid_timeout(pid_t pid, int *status, int timeout_ms)
{
	__s64 start = tx_now(CLOCK_MONOTONIC);
	pid_t w;

	for (;;) {
		w = waitpid(pid, status, WNOHANG);
		if (w < 0 && errno == EINTR)
			continue;
		if (w != 0)
			return w < 0 ? -errno : w;
		if (tx_ms_since(start) >= timeout_ms)
			return 0;
		tx_sleep_ms(5);
	}
}

/*
 * Run @fn in a forked child and wait for it (up to @timeout_ms; a child
 * still running then is killed). The child must only use EXPECT_*() (the
 * harness' _metadata is shared, but an ASSERT_*() would longjmp into the
 * test's own frame) and returns 0, 1 (failed: its EXPECTs said why) or
 * KSFT_SKIP. Returns that, or -1 when the child died or hung (logged).
 */
typedef int (*tx_child_fn)(struct __test_metadata *_metadata, void *arg);

static inline int __tx_in_child(struct __test_metadata *_metadata, tx_child_fn fn,
				void *arg, int timeout_ms, const char *what)
{
	int status = 0;
	pid_t pid, w;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		TH_LOG("%s: fork: %s", what, strerror(errno));
		return -1;
	}
	if (pid == 0)
		_exit(fn(_metadata, arg));
	w = tx_waitpid_timeout(pid, &status, timeout_ms);
	if (w == 0) {
		TH_LOG("%s: child %d still running after %d ms: killed", what, pid,
		       timeout_ms);
		kill(pid, SIGKILL);
		tx_waitpid_timeout(pid, &status, 5000);
		return -1;
	}
	if (w != pid) {
		TH_LOG("%s: waitpid: %s", what, strerror(-w));
		return -1;
	}
	if (WIFSIGNALED(status)) {
		TH_LOG("%s: child killed by signal %d", what, WTERMSIG(status));
		return -1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

#define tx_in_child(fn, arg, timeout_ms, what) \
	__tx_in_child(_metadata, fn, arg, timeout_ms, what)

/* A child's result: fail the test unless it passed; skip when it skipped. */
#define tx_child_result(ret, what) do {						\
	const char *__what = (what);						\
	int __r = (ret);							\
	if (__r == KSFT_SKIP)							\
		SKIP(return, "%s: skipped in the child (see above)", __what);	\
	EXPECT_EQ(0, __r) TH_LOG("%s: child returned %d", __what, __r);		\
} while (0)

/* The device, readable and writable by anybody while a test needs nobody. */
struct tx_devmode {
	mode_t mode;
	bool changed;
};

static inline int tx_dev_open_to_all(struct tx_devmode *m)
{
	struct stat st;

	m->changed = false;
	if (stat(TIMERX_DEVICE_PATH, &st))
		return -errno;
	m->mode = st.st_mode & 07777;
	if (chmod(TIMERX_DEVICE_PATH, 0666))
		return -errno;
	m->changed = true;
	return 0;
}

static inline void tx_dev_restore(struct tx_devmode *m)
{
	if (m->changed)
		chmod(TIMERX_DEVICE_PATH, m->mode);
	m->changed = false;
}

/* A resource limit, both values (root may raise the hard one). */
static inline int tx_set_rlimit(int resource, rlim_t v)
{
	struct rlimit rl = { .rlim_cur = v, .rlim_max = v };

	return setrlimit(resource, &rl) ? -errno : 0;
}

/*
 * The module's use count, /sys/module/timerx/refcnt: every open file of
 * /dev/timerx holds one, so it tells whether a context was really freed.
 * -errno when it cannot be read.
 */
static inline long tx_module_refcnt(void)
{
	char buf[32];
	ssize_t n;
	int fd = open("/sys/module/timerx/refcnt", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

/*
 * Wait until the use count is at most @want (contexts are released by
 * fput's task work, and io_uring frees its registered files from a
 * worker). Returns the last value read.
 */
static inline long tx_wait_refcnt_le(long want, int timeout_ms)
{
	__s64 start = tx_now(CLOCK_MONOTONIC);
	long v;

	while ((v = tx_module_refcnt()) > want && tx_ms_since(start) < timeout_ms)
		tx_sleep_ms(20);
	return v;
}

/* A PREEMPT_RT kernel ("rt" and "debug" here). */
static inline bool tx_kernel_is_rt(void)
{
	struct utsname un;
	char buf[8] = "";
	ssize_t n;
	int fd = open("/sys/kernel/realtime", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0 && buf[0] == '1')
			return true;
	}
	return !uname(&un) && strstr(un.version, "PREEMPT_RT");
}

/*
 * What the kernel logs from now on: /dev/kmsg opened at its end. A test
 * that provokes a kernel bug can then say which of its steps made the
 * kernel complain (the harness also greps the whole log afterwards).
 * Returns the fd or -errno (no /dev/kmsg: the check is skipped).
 */
static inline int tx_kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	lseek(fd, 0, SEEK_END);
	return fd;
}

/*
 * The first record logged since tx_kmsg_open() (or the last call) that
 * looks like a splat, as selftests/qemu/splat.sh defines one; copies it to
 * @out and returns true. Reads everything pending.
 */
static inline bool tx_kmsg_splat(int fd, char *out, size_t size)
{
	static const char *const pat[] = {
		"BUG:", "kernel BUG at", "WARNING:", "cut here", "Oops", "KASAN",
		"UBSAN", "general protection fault", "possible recursive locking",
		"possible circular locking", "inconsistent lock state",
		"Invalid wait context", "sleeping function called from invalid context",
		"scheduling while atomic", "INFO: ", "ODEBUG", "list_add corruption",
		"list_del corruption", "unreferenced object", "detected stall",
		"blocked for more than", "Call Trace:",
	};
	char rec[2048];
	bool found = false;
	unsigned int i;
	ssize_t n;

	if (fd < 0)
		return false;
	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: go on */
		if (n <= 0)
			break;
		rec[n] = '\0';
		for (i = 0; i < ARRAY_SIZE(pat) && !found; i++) {
			if (strstr(rec, pat[i])) {
				const char *msg = strchr(rec, ';');
				size_t len;

				msg = msg ? msg + 1 : rec;
				len = strcspn(msg, "\n");
				if (len >= size)
					len = size - 1;
				memcpy(out, msg, len);
				out[len] = '\0';
				found = true;
			}
		}
	}
	return found;
}

/* Fail (EXPECT) when the kernel logged a splat since the last look. */
#define tx_expect_no_splat(fd, what) do {					\
	char __splat[256];							\
	EXPECT_FALSE(tx_kmsg_splat(fd, __splat, sizeof(__splat))) {		\
		TH_LOG("%s: the kernel logged \"%s\"", what, __splat);		\
	}									\
} while (0)

/*
 * A module parameter that a test lowers for its duration and its
 * fixture's teardown puts back. When the module has no such parameter
 * (an older module), @def is the value the header documents and nothing
 * is written.
 */
struct tx_param {
	const char *name;
	unsigned long long saved;
	unsigned long long value;	/* in force for the test */
	bool exists;
	bool changed;
};

static inline int tx_param_set(struct tx_param *p, const char *name,
			       unsigned long long value, unsigned long long def)
{
	int ret;

	p->name = name;
	p->changed = false;
	ret = tx_param_read(name, &p->saved);
	p->exists = !ret;
	if (ret == -ENOENT) {
		p->value = def;
		return 0;
	}
	if (ret)
		return ret;
	ret = tx_param_write(name, value);
	if (ret)
		return ret;
	p->changed = true;
	p->value = value;
	return 0;
}

static inline void tx_param_restore(struct tx_param *p)
{
	if (p->changed)
		tx_param_write(p->name, p->saved);
	p->changed = false;
}

#endif /* TIMERX_UTIL_H */
