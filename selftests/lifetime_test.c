// SPDX-License-Identifier: GPL-2.0
/*
 * timerx object lifetimes: a context lives until its last reference - fd
 * or ring mapping - goes away, and then every timer is cancelled and
 * everything freed, with callbacks possibly running on the other CPU.
 * These tests mostly prove themselves by not crashing the kernel; the
 * debug kernel (KASAN, lockdep, DEBUG_OBJECTS_TIMERS) turns a lifetime
 * bug into a splat, and the harness fails the run on one.
 *
 * Children created here report through their exit status (never through
 * ASSERT, whose bookkeeping lives in the parent's test process).
 */
#include "timerx_util.h"

#include <pthread.h>
#include <sys/resource.h>
#include <sys/wait.h>

/* The shortest period this process may use (10 us with CAP_SYS_NICE). */
static __u64 fast_period(__u64 want)
{
	unsigned long long min = 0;

	if (tx_has_cap(CAP_SYS_NICE) || tx_param_read("min_period_ns", &min))
		return want;
	return min > want ? min : want;
}

FIXTURE(slow)
{
	int unused;
};

FIXTURE_SETUP(slow)
{
}

FIXTURE_TEARDOWN(slow)
{
}

/*
 * Open, set up, arm a few very fast periodic timers, maybe map, close at
 * once: release() has to cancel timers that are firing right now. All
 * 1000 rounds always run (about 40 s on the debug kernel under TCG).
 */
TEST_F_TIMEOUT(slow, open_arm_close_1000, 200)
{
	const __u64 period = fast_period(10 * NSEC_PER_USEC);
	const int rounds = 1000;
	struct timerx_event e;
	__s64 start = tx_now(CLOCK_MONOTONIC);
	struct tx_ring r;
	int round, k;
	__u32 id;

	for (round = 0; round < rounds; round++) {
		struct timerx_ring_params p;
		void *map = MAP_FAILED;
		int fd = tx_open();

		ASSERT_LE(0, fd) TH_LOG("round %d: open: %s", round, strerror(-fd));
		ASSERT_EQ(0, tx_setup(fd, 8, &p));
		if (round % 3)
			map = mmap(NULL, p.mmap_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		for (k = 0; k < 3; k++) {
			ASSERT_EQ(0, tx_create(fd, k == 2 ? CLOCK_REALTIME : CLOCK_MONOTONIC,
					       k & 1 ? TIMERX_CREATE_F_SOFT : 0, 0, k, &id));
			ASSERT_EQ(0, tx_arm(fd, id, 0, k * period, period));
		}
		/* Sometimes the mapping goes first, sometimes the fd. */
		if (map != MAP_FAILED && round % 2)
			munmap(map, p.mmap_len);
		close(fd);
		if (map != MAP_FAILED && !(round % 2))
			munmap(map, p.mmap_len);
	}
	TH_LOG("%d rounds in %lld ms (period %llu ns)", round,
	       (long long)tx_ms_since(start), (unsigned long long)period);

	/* The module is still fine. */
	tx_ring_open(&r, 2, false);
	ASSERT_EQ(0, tx_create(r.fd, CLOCK_MONOTONIC, 0, 0, 1, &id));
	ASSERT_EQ(0, tx_arm(r.fd, id, 0, NSEC_PER_MSEC, 0));
	ASSERT_EQ(1, tx_read_events(r.fd, &e, 1));
	tx_ring_close(&r);
}

/*
 * munmap the ring while its timer fires, then keep consuming through
 * read(2): nothing is lost or duplicated across the switch.
 */
TEST(munmap_then_read)
{
	struct tx_acct a = { .user_data = 21, .period = 2 * NSEC_PER_MSEC };
	struct timerx_event ev[16];
	struct tx_ring r;
	unsigned int n, k;
	int got, i;

	tx_ring_open(&r, 64, true);
	ASSERT_EQ(0, tx_create(r.fd, CLOCK_MONOTONIC, 0, 0, a.user_data, &a.id));
	ASSERT_EQ(0, tx_arm(r.fd, a.id, 0, a.period, a.period));
	n = tx_collect(&r, ev, 3, TX_FIRE_TIMEOUT_MS);
	ASSERT_EQ(3U, n);
	for (k = 0; k < n; k++) {
		ASSERT_TRUE(tx_account(&a, 1, &ev[k]));
	}
	ASSERT_EQ(0, munmap(r.map, r.p.mmap_len));
	r.map = NULL;
	r.hdr = NULL;

	for (i = 0; i < 3; i++) {
		got = tx_read_events(r.fd, ev, 16);	/* blocking */
		ASSERT_LT(0, got) TH_LOG("read after munmap: %s", strerror(-got));
		for (k = 0; k < (unsigned int)got; k++) {
			ASSERT_TRUE(tx_account(&a, 1, &ev[k]));
		}
	}
	ASSERT_EQ(0, tx_cancel(r.fd, a.id));
	ASSERT_EQ(0, fcntl(r.fd, F_SETFL, O_NONBLOCK));
	while ((got = tx_read_events(r.fd, ev, 16)) > 0) {
		for (k = 0; k < (unsigned int)got; k++) {
			ASSERT_TRUE(tx_account(&a, 1, &ev[k]));
		}
	}
	EXPECT_EQ(-EAGAIN, got);
	tx_check_acct(r.fd, &a, 1);
	tx_ring_close(&r);
}

/*
 * close() while mapped: the mapping is a reference too, so the context and
 * its timer live on and events keep arriving. munmap is the last put.
 */
TEST(close_while_mapped)
{
	struct tx_acct a = { .user_data = 22, .period = 2 * NSEC_PER_MSEC };
	struct timerx_event ev[16];
	struct tx_ring r;
	unsigned int n, k, got = 0;
	__s64 start;

	tx_ring_open(&r, 16, true);
	ASSERT_EQ(0, tx_create(r.fd, CLOCK_MONOTONIC, TIMERX_CREATE_F_SOFT, 0,
			       a.user_data, &a.id));
	ASSERT_EQ(0, tx_arm(r.fd, a.id, 0, a.period, a.period));
	ASSERT_EQ(0, close(r.fd));
	r.fd = -1;

	/* No fd to poll: watch the tail. */
	start = tx_now(CLOCK_MONOTONIC);
	while (got < 5 && tx_ms_since(start) < TX_FIRE_TIMEOUT_MS) {
		n = tx_consume(&r, ev, 16);
		for (k = 0; k < n; k++) {
			EXPECT_TRUE(tx_account(&a, 1, &ev[k]));
		}
		got += n;
		tx_sleep_ms(1);
	}
	EXPECT_LE(5U, got) {
		TH_LOG("timer stopped when the fd was closed with the ring still mapped");
	}
	tx_ring_close(&r);	/* munmap: last reference */

	/* And the module is fine afterwards. */
	tx_ring_open(&r, 2, false);
	tx_ring_close(&r);
}

/* Child side of the fork tests; returns an exit code. */
static int child_watch(struct tx_ring *r, __u32 parent_ctx, bool consume, __u32 id)
{
	struct timerx_ctx_info ci;
	__s64 start = tx_now(CLOCK_MONOTONIC);
	__u32 tail;
	int events = 0;

	if (msync(r->map, r->p.mmap_len, MS_ASYNC)) {
		fprintf(stderr, "# child: ring mapping not inherited (%s); allowed\n",
			strerror(errno));
		return 0;
	}
	if (tx_ctx_info(r->fd, &ci) || ci.ctx_id != parent_ctx) {
		fprintf(stderr, "# child: CTX_INFO on the inherited fd failed or differs\n");
		return 2;
	}
	tail = tx_tail(r);
	while (events < 3 && tx_ms_since(start) < TX_FIRE_TIMEOUT_MS) {
		if (consume) {
			__u32 t = tx_tail(r), h = tx_head(r);

			if (t - h > r->p.entries)
				return 3;
			events += t - h;
			tx_set_head(r, t);
			tx_poll_in(r->fd, 100);
		} else {
			events = tx_tail(r) - tail;
			tx_sleep_ms(1);
		}
	}
	if (events < 3) {
		fprintf(stderr, "# child: only %d events seen through the mapping\n", events);
		return 1;
	}
	if (consume && tx_cancel(r->fd, id))
		return 4;
	return 0;
}

static int wait_child(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFSIGNALED(status)) {
		fprintf(stderr, "# child killed by signal %d\n", WTERMSIG(status));
		return 128 + WTERMSIG(status);
	}
	return WEXITSTATUS(status);
}

/* The child inherits fd and mapping and exits; the parent goes on. */
TEST(fork_child_exits)
{
	struct tx_acct a = { .user_data = 23, .period = 2 * NSEC_PER_MSEC };
	struct timerx_ctx_info ci;
	struct timerx_event ev[16];
	struct tx_ring r;
	unsigned int n, k;
	pid_t pid;

	tx_ring_open(&r, 64, true);
	ASSERT_EQ(0, tx_ctx_info(r.fd, &ci));
	ASSERT_EQ(0, tx_create(r.fd, CLOCK_MONOTONIC, 0, 0, a.user_data, &a.id));
	ASSERT_EQ(0, tx_arm(r.fd, a.id, 0, a.period, a.period));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(child_watch(&r, ci.ctx_id, false, a.id));
	EXPECT_EQ(0, wait_child(pid));

	/* The child's exit dropped its references, not ours. */
	n = tx_collect(&r, ev, 16, TX_FIRE_TIMEOUT_MS);
	ASSERT_LT(0U, n);
	for (k = 0; k < n; k++) {
		ASSERT_TRUE(tx_account(&a, 1, &ev[k]));
	}
	n = tx_collect(&r, ev, 3, TX_FIRE_TIMEOUT_MS);
	ASSERT_EQ(3U, n) TH_LOG("events stopped after the child exited");
	for (k = 0; k < n; k++) {
		ASSERT_TRUE(tx_account(&a, 1, &ev[k]));
	}
	ASSERT_EQ(0, tx_cancel(r.fd, a.id));
	tx_drain_all(&r, &a, 1);
	tx_check_acct(r.fd, &a, 1);
	tx_ring_close(&r);
}

/* The parent drops fd and mapping first; the child carries on alone. */
TEST(fork_parent_leaves_first)
{
	struct timerx_ctx_info ci;
	struct tx_ring r;
	int go[2];
	char c = 'g';
	pid_t pid;
	__u32 id;

	tx_ring_open(&r, 64, true);
	ASSERT_EQ(0, tx_ctx_info(r.fd, &ci));
	ASSERT_EQ(0, tx_create(r.fd, CLOCK_BOOTTIME, TIMERX_CREATE_F_SOFT, 0, 24, &id));
	ASSERT_EQ(0, tx_arm(r.fd, id, 0, 2 * NSEC_PER_MSEC, 2 * NSEC_PER_MSEC));
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(5);
		_exit(child_watch(&r, ci.ctx_id, true, id));
	}
	close(go[0]);
	tx_ring_close(&r);
	ASSERT_EQ(1, write(go[1], &c, 1));
	close(go[1]);
	EXPECT_EQ(0, wait_child(pid)) TH_LOG("child lost the context when the parent closed");
}

/* Many contexts alive at once, each with its own ring and timer. */
TEST(many_contexts)
{
	enum { N = 64 };
	static struct tx_ring r[N];
	__u32 ctx_ids[N], id;
	int i, j;

	for (i = 0; i < N; i++) {
		struct timerx_ctx_info ci;

		tx_ring_open(&r[i], 4, true);
		ASSERT_EQ(0, tx_ctx_info(r[i].fd, &ci));
		ctx_ids[i] = ci.ctx_id;
		for (j = 0; j < i; j++) {
			ASSERT_NE(ctx_ids[j], ctx_ids[i]);
		}
		ASSERT_EQ(0, tx_create(r[i].fd, i & 2 ? CLOCK_BOOTTIME : CLOCK_MONOTONIC,
				       i & 1 ? TIMERX_CREATE_F_SOFT : 0, 0, i, &id));
		ASSERT_EQ(0, tx_arm(r[i].fd, id, 0, 5 * NSEC_PER_MSEC, 5 * NSEC_PER_MSEC));
	}
	for (i = 0; i < N; i++) {
		struct timerx_event e;

		/* Overflow is fine here (ring of 4): flush is part of collect. */
		ASSERT_EQ(1U, tx_collect(&r[i], &e, 1, TX_FIRE_TIMEOUT_MS))
			TH_LOG("context %d got no event", i);
		EXPECT_EQ((__u64)i, e.user_data) TH_LOG("event crossed contexts");
	}
	/* Tear down in a scrambled order, mapping first or fd first. */
	for (i = 0; i < N; i++) {
		struct tx_ring *x = &r[(i * 37) % N];

		if (i & 1) {
			munmap(x->map, x->p.mmap_len);
			x->map = NULL;
		}
		close(x->fd);
		x->fd = -1;
		tx_ring_close(x);
	}
}

/* ---------------------------------------------------------------- */

#define NSLOTS		8
#define NWORKERS	3
#define NO_ID		0xffffffffU
#define MAGIC		0x7777000000000000ULL

struct race {
	struct tx_ring *r;
	__u32 slot[NSLOTS];
	__u64 period;
	int stop;
	int bad;		/* unexpected errors */
	__u64 consumed;
	__u64 bad_events;
};

static void race_bad(struct race *rc, const char *what, int ret)
{
	if (__atomic_fetch_add(&rc->bad, 1, __ATOMIC_RELAXED) < 5)
		fprintf(stderr, "# worker: %s returned %d (%s)\n", what, ret,
			ret < 0 ? strerror(-ret) : "?");
}

static void *race_worker(void *arg)
{
	struct race *rc = arg;
	unsigned int seed = (unsigned int)(uintptr_t)&seed;
	struct timerx_timer_info ti;
	int fd = rc->r->fd;

	while (!__atomic_load_n(&rc->stop, __ATOMIC_RELAXED)) {
		int s = rand_r(&seed) % NSLOTS, ret;
		__u32 id = __atomic_load_n(&rc->slot[s], __ATOMIC_RELAXED), old, none = NO_ID;

		switch (rand_r(&seed) % 6) {
		case 0:
			ret = tx_arm(fd, id, 0, rc->period, rc->period);
			break;
		case 1:
			ret = tx_arm(fd, id, 0, 0, 0);
			break;
		case 2:
			ret = tx_cancel(fd, id);
			break;
		case 3:
			ret = tx_get(fd, id, &ti);
			break;
		case 4:
			ret = tx_flush(fd);
			if (ret > 0)
				ret = 0;
			break;
		default:
			/* Replace the timer in this slot; never leak one. */
			old = __atomic_exchange_n(&rc->slot[s], NO_ID, __ATOMIC_ACQ_REL);
			if (old != NO_ID) {
				ret = tx_delete(fd, old);
				if (ret)
					race_bad(rc, "DELETE of an owned id", ret);
			}
			ret = tx_create(fd, s & 1 ? CLOCK_MONOTONIC : CLOCK_TAI,
					s & 2 ? TIMERX_CREATE_F_SOFT : 0, 0, MAGIC | s, &id);
			if (ret) {
				race_bad(rc, "CREATE", ret);
				continue;
			}
			if (!__atomic_compare_exchange_n(&rc->slot[s], &none, id, false,
							 __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
				tx_delete(fd, id);
			continue;
		}
		/* Ids are replaced concurrently: ENOENT is the only legit error. */
		if (ret && ret != -ENOENT)
			race_bad(rc, "timer command", ret);
	}
	return NULL;
}

static void *race_consumer(void *arg)
{
	struct race *rc = arg;
	struct timerx_event ev[64];
	__u32 mask = rc->r->p.entries - 1;

	while (!__atomic_load_n(&rc->stop, __ATOMIC_RELAXED)) {
		__u32 h = tx_head(rc->r), t = tx_tail(rc->r);
		unsigned int n = 0;

		if (t - h > rc->r->p.entries) {
			rc->bad_events++;
			tx_set_head(rc->r, t);
			continue;
		}
		while (h != t && n < 64)
			ev[n++] = rc->r->ev[h++ & mask];
		tx_set_head(rc->r, h);
		for (unsigned int k = 0; k < n; k++) {
			if ((ev[k].user_data & ~0xffULL) != MAGIC ||
			    ev[k].expected_ns > ev[k].actual_ns)
				rc->bad_events++;
		}
		rc->consumed += n;
		if (!n) {
			if (tx_ring_flags(rc->r) & TIMERX_RING_F_OVERFLOW)
				tx_flush(rc->r->fd);
			tx_poll_in(rc->r->fd, 10);
		}
	}
	return NULL;
}

/*
 * Several threads arm, cancel, delete and recreate the same timers while
 * they fire and another thread consumes: only ENOENT may come back, every
 * event is intact, and in the end everything written was consumed.
 */
TEST_F_TIMEOUT(slow, concurrent_ops, 60)
{
	pthread_t workers[NWORKERS], consumer;
	struct timerx_ctx_info ci;
	struct timerx_event ev[64];
	struct race rc;
	struct tx_ring r;
	int i, round;

	tx_ring_open(&r, 64, true);
	memset(&rc, 0, sizeof(rc));
	rc.r = &r;
	rc.period = fast_period(NSEC_PER_MSEC);
	for (i = 0; i < NSLOTS; i++) {
		ASSERT_EQ(0, tx_create(r.fd, CLOCK_MONOTONIC, i & 1 ? TIMERX_CREATE_F_SOFT : 0,
				       0, MAGIC | i, &rc.slot[i]));
	}
	ASSERT_EQ(0, pthread_create(&consumer, NULL, race_consumer, &rc));
	for (i = 0; i < NWORKERS; i++) {
		ASSERT_EQ(0, pthread_create(&workers[i], NULL, race_worker, &rc));
	}
	tx_sleep_ms(500);
	__atomic_store_n(&rc.stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < NWORKERS; i++)
		pthread_join(workers[i], NULL);
	pthread_join(consumer, NULL);

	EXPECT_EQ(0, rc.bad) TH_LOG("unexpected errors from timer commands");
	EXPECT_EQ(0ULL, rc.bad_events) TH_LOG("corrupt events or ring counters");
	ASSERT_EQ(0, tx_ctx_info(r.fd, &ci));
	EXPECT_EQ((__u32)NSLOTS, ci.timers) TH_LOG("timers leaked or lost");

	/* Delete everything; then drain until nothing is left anywhere. */
	for (i = 0; i < NSLOTS; i++) {
		if (rc.slot[i] != NO_ID) {
			EXPECT_EQ(0, tx_delete(r.fd, rc.slot[i]));
		}
	}
	for (round = 0; round < 1000; round++) {
		unsigned int n = tx_consume(&r, ev, 64);

		rc.consumed += n;
		if (!n && !tx_flush(r.fd) && tx_head(&r) == tx_tail(&r))
			break;
	}
	ASSERT_EQ(0, tx_ctx_info(r.fd, &ci));
	EXPECT_EQ(0U, ci.timers);
	EXPECT_EQ(ci.events, rc.consumed) TH_LOG("events written != events consumed");
	EXPECT_EQ(0U, tx_ring_flags(&r) & TIMERX_RING_F_OVERFLOW);
	TH_LOG("%llu events, %llu expirations, %llu ring_full, %llu wakeups",
	       (unsigned long long)ci.events, (unsigned long long)ci.expirations,
	       (unsigned long long)ci.ring_full, (unsigned long long)ci.wakeups);
	tx_ring_close(&r);
}

TEST_HARNESS_MAIN
