// SPDX-License-Identifier: GPL-2.0
/*
 * A soak worker: a few contexts, each with a few timer slots, and random
 * operations on them until the main process says stop: create, arm
 * (one-shot or periodic, relative or absolute, on every clock), re-arm,
 * cancel, delete, stall the consumer for a while (the ring overflows and
 * periodic timers park), resume it, and close a context while its timers
 * fire. Every event read is booked (ledger.c) and the books are checked
 * against GET whenever a timer is quiescent, and at the end for all.
 *
 * Nobody workers (uid 65534) run into the per-user limits: EMFILE,
 * ENOSPC, EDQUOT, and ENOMEM from RLIMIT_MEMLOCK are what they may get;
 * anything else, or any error for root, fails SC_OPS.
 */
#include "ledger.h"

#define SOAK_MAX_PERIOD_NS	(100 * NSEC_PER_MSEC)
#define SOAK_MAX_DELAY_NS	(20 * NSEC_PER_MSEC)

struct soak_worker {
	unsigned int index;
	bool nobody;
	struct soak_rng rng;
	struct soak_ctx ctx[SOAK_MAX_CTXS];
	struct soak_nl *nl;
	__u64 min_period;
	__u64 serial;
};

static const clockid_t soak_clocks[] = {
	CLOCK_MONOTONIC, CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_REALTIME,
	CLOCK_BOOTTIME, CLOCK_TAI,
};

/* A limit a nobody worker may run into, or a failure. */
static bool soak_limit_ok(struct soak_worker *w, int err, int limit_err,
			  const char *what, const struct soak_ctx *c)
{
	if (w->nobody && (err == limit_err || (limit_err == -ENOMEM && err == -ENOMEM))) {
		soak_add(ST_LIMIT_HITS, 1);
		return true;
	}
	soak_fail(SC_OPS, "worker %u%s ctx %u: %s: %s", w->index, w->nobody ? " (nobody)" : "",
		  c ? c->ctx_id : 0, what, strerror(-err));
	return false;
}

static void soak_ctx_open(struct soak_worker *w, struct soak_ctx *c)
{
	static const __u32 sizes[] = { 2, 4, 16, 64, 256 };
	struct timerx_ctx_info ci;
	int fd, ret;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->use_read = soak_chance(&w->rng, 25);
	fd = tx_open_flags(c->use_read ? O_NONBLOCK : 0);
	if (fd < 0) {
		soak_limit_ok(w, fd, -EMFILE, "open", NULL);
		return;
	}
	ret = tx_setup(fd, sizes[soak_below(&w->rng, ARRAY_SIZE(sizes))], &c->p);
	if (ret) {
		soak_limit_ok(w, ret, -ENOMEM, "SETUP_RING", NULL);
		close(fd);
		return;
	}
	if (!c->use_read) {
		c->map = mmap(NULL, c->p.mmap_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			      TIMERX_MMAP_OFF_RING);
		if (c->map == MAP_FAILED) {
			soak_fail(SC_OPS, "worker %u: mmap: %s", w->index, strerror(errno));
			close(fd);
			return;
		}
		c->hdr = c->map;
		c->ev = (struct timerx_event *)((char *)c->map + c->p.events_offset);
	}
	c->fd = fd;
	ret = tx_ctx_info(fd, &ci);
	if (ret)
		soak_fail(SC_OPS, "worker %u: CTX_INFO: %s", w->index, strerror(-ret));
	c->ctx_id = ci.ctx_id;
	soak_add(ST_CTX_OPENED, 1);
}

static bool soak_ctx_firing(const struct soak_ctx *c)
{
	unsigned int i;

	for (i = 0; i < SOAK_MAX_TIMERS; i++)
		if (c->t[i].used && c->t[i].armed)
			return true;
	return false;
}

/*
 * Close with whatever is armed, pending or unread. Either the descriptor
 * or the mapping may be the last reference.
 */
static void soak_ctx_close(struct soak_worker *w, struct soak_ctx *c)
{
	struct timerx_ctx_info ci;

	if (c->fd < 0)
		return;
	if (soak_ctx_firing(c))
		soak_add(ST_CTX_CLOSED_FIRING, 1);
	if (!tx_ctx_info(c->fd, &ci))
		soak_add(ST_RING_FULL, ci.ring_full);
	if (c->map && soak_chance(&w->rng, 50)) {
		close(c->fd);
		munmap(c->map, c->p.mmap_len);
	} else {
		if (c->map)
			munmap(c->map, c->p.mmap_len);
		close(c->fd);
	}
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

static struct soak_timer *soak_pick_timer(struct soak_worker *w, struct soak_ctx *c)
{
	unsigned int i, start = soak_below(&w->rng, soak_cfg->timers);

	for (i = 0; i < soak_cfg->timers; i++) {
		struct soak_timer *t = &c->t[(start + i) % soak_cfg->timers];

		if (t->used)
			return t;
	}
	return NULL;
}

static struct soak_timer *soak_create(struct soak_worker *w, struct soak_ctx *c)
{
	struct soak_timer *t = NULL;
	__u32 flags = 0, cpu = 0, id;
	clockid_t clk;
	unsigned int i;
	__u64 ud;
	int ret;

	for (i = 0; i < soak_cfg->timers && !t; i++)
		if (!c->t[i].used)
			t = &c->t[i];
	if (!t)
		return NULL;
	clk = soak_clocks[soak_below(&w->rng, ARRAY_SIZE(soak_clocks))];
	if (soak_chance(&w->rng, 30))
		flags |= TIMERX_CREATE_F_SOFT;
	if (soak_chance(&w->rng, 10)) {
		flags |= TIMERX_CREATE_F_PINNED;
		cpu = soak_cfg->cpus[soak_below(&w->rng, soak_cfg->ncpus)];
	}
	ud = ((__u64)w->index << 48) ^ (++w->serial << 16) ^ soak_below(&w->rng, 1 << 16);
	ret = tx_create(c->fd, clk, flags, cpu, ud, &id);
	if (ret) {
		soak_limit_ok(w, ret, -ENOSPC, "CREATE", c);
		return NULL;
	}
	memset(t, 0, sizeof(*t));
	t->used = true;
	t->id = id;
	t->user_data = ud;
	t->clk = clk;
	soak_add(ST_TIMERS_CREATED, 1);
	return t;
}

/* ARM, or ARM with a seq and some slack, or a one-entry BATCH: all the same. */
static int soak_do_arm(struct soak_worker *w, struct soak_ctx *c, struct soak_timer *t,
		       __u32 flags, __s64 expires, __u64 period)
{
	__u32 slack = soak_chance(&w->rng, 50) ? 0 : soak_below(&w->rng, 200000);
	__u32 seq = t->seq + 1;
	struct timerx_batch_entry e = {
		.op = TIMERX_BATCH_ARM,
		.timer_id = t->id,
		.flags = flags,
		.expires_ns = expires,
		.period_ns = period,
		.seq = seq,
		.slack_ns = slack,
	};
	int ret;

	switch (soak_below(&w->rng, 4)) {
	case 0:
		ret = tx_batch(c->fd, &e, 1);
		if (ret != 1) {
			soak_fail(SC_OPS, "worker %u ctx %u timer %u: BATCH of 1: %d", w->index,
				  c->ctx_id, t->id, ret);
			return ret < 0 ? ret : -EPROTO;
		}
		if (!e.result)
			soak_add(ST_BATCH_ARMS, 1);
		ret = e.result;
		break;
	case 1:
		ret = tx_arm_seq(c->fd, t->id, flags, expires, period, seq, slack);
		break;
	default:
		ret = tx_arm_seq(c->fd, t->id, flags, expires, period, seq, 0);
		break;
	}
	/* Only a made arming: a failed one must not overwrite a live seq's period. */
	if (!ret) {
		t->seq = seq;
		t->seq_period[seq % SOAK_SEQ_PERIODS] = period;
	}
	return ret;
}

/*
 * POSTPONE moves the expiry, so after it the ledger's grid is a new one
 * within the same arming. A one-shot timer that fired is not armed (ETIME);
 * a periodic one is armed until cancelled.
 */
static void soak_postpone(struct soak_worker *w, struct soak_ctx *c, struct soak_timer *t)
{
	__s64 delay = (__s64)soak_below(&w->rng, SOAK_MAX_DELAY_NS);
	int ret;

	ret = tx_postpone(c->fd, t->id, 0, delay);
	if (ret == -ETIME && (!t->armed || !t->period)) {
		soak_add(ST_POSTPONE_ETIME, 1);
		return;
	}
	if (ret) {
		soak_fail(SC_OPS, "worker %u ctx %u timer %u (%s, period %llu): POSTPONE: %s",
			  w->index, c->ctx_id, t->id, t->armed ? "armed" : "cancelled",
			  (unsigned long long)t->period, strerror(-ret));
		return;
	}
	soak_add(ST_POSTPONES, 1);
	/*
	 * The same arming (seq) on a new grid: the old grid's pending run may
	 * be published after events of the new one, so the event indices
	 * cannot say where one grid ends. This arming's grid goes unchecked
	 * (its period slot 0), also while later armings are made.
	 */
	t->seq_period[t->seq % SOAK_SEQ_PERIODS] = 0;
}

static void soak_arm(struct soak_worker *w, struct soak_ctx *c, struct soak_timer *t,
		     __u64 period)
{
	__s64 delay = (__s64)soak_below(&w->rng, SOAK_MAX_DELAY_NS), expires = delay;
	__u32 flags = 0;
	int ret;

	if (soak_chance(&w->rng, 25)) {
		flags = TIMERX_ARM_F_ABS;
		expires = tx_now(t->clk) + delay;
		/* In the past: fires at once. */
		if (soak_chance(&w->rng, 10))
			expires -= 2 * delay;
		if (expires < 0)
			expires = 0;
	}
	ret = soak_do_arm(w, c, t, flags, expires, period);
	if (ret) {
		/* EDQUOT changes nothing: the old arming goes on. */
		soak_limit_ok(w, ret, -EDQUOT, "ARM", c);
		return;
	}
	soak_add(ST_ARMS, 1);
	t->period = period;
	t->armed = true;
}

static __u64 soak_random_period(struct soak_worker *w)
{
	if (soak_chance(&w->rng, 30))
		return 0;
	return soak_log_uniform(&w->rng, w->min_period, SOAK_MAX_PERIOD_NS);
}

static void soak_cancel(struct soak_worker *w, struct soak_ctx *c, struct soak_timer *t)
{
	int ret = tx_cancel(c->fd, t->id);

	if (ret) {
		soak_fail(SC_OPS, "worker %u ctx %u timer %u: CANCEL: %s", w->index, c->ctx_id,
			  t->id, strerror(-ret));
		return;
	}
	t->armed = false;
	soak_add(ST_CANCELS, 1);
}

/* Cancel, drain and compare: a quiescent point of one timer. */
static void soak_settle_and_check(struct soak_worker *w, struct soak_ctx *c,
				  struct soak_timer *t)
{
	soak_cancel(w, c, t);
	soak_drain(c);
	soak_check_quiescent(c, t, false, soak_chance(&w->rng, 20) ? w->nl : NULL);
}

static void soak_delete(struct soak_worker *w, struct soak_ctx *c, struct soak_timer *t)
{
	int ret;

	if (!c->stalled)
		soak_settle_and_check(w, c, t);
	ret = tx_delete(c->fd, t->id);
	if (ret) {
		soak_fail(SC_OPS, "worker %u ctx %u timer %u: DELETE: %s", w->index, c->ctx_id,
			  t->id, strerror(-ret));
		return;
	}
	/*
	 * Events already in the ring stay there; they are not a mystery. The
	 * id may come back for the next CREATE (ids are dense, reused like
	 * fds): the user_data, unique per timer, tells the two apart.
	 */
	c->gone[c->ngone++ % SOAK_GONE_IDS] = t->user_data;
	t->used = false;
	soak_add(ST_TIMERS_DELETED, 1);
}

static void soak_unstall(struct soak_worker *w, struct soak_ctx *c)
{
	unsigned int i;

	c->stalled = false;
	soak_drain_all(c);
	/* Right after the flush nothing of a cancelled timer may be pending. */
	for (i = 0; i < soak_cfg->timers; i++) {
		struct soak_timer *t = &c->t[i];

		if (t->used && !t->armed)
			soak_check_quiescent(c, t, !c->use_read, NULL);
	}
}

static void soak_consume(struct soak_worker *w, struct soak_ctx *c)
{
	struct soak_timer *t;
	int ret;

	soak_drain(c);
	if (!c->use_read &&
	    (__atomic_load_n(&c->hdr->flags, __ATOMIC_RELAXED) & TIMERX_RING_F_OVERFLOW)) {
		ret = tx_flush(c->fd);
		soak_add(ST_FLUSHES, 1);
		if (ret < 0)
			soak_fail(SC_OPS, "ctx %u: FLUSH: %s", c->ctx_id, strerror(-ret));
		else
			soak_add(ST_FLUSHED_EVENTS, ret);
		soak_drain(c);
	}
	t = soak_pick_timer(w, c);
	if (t && t->armed && soak_chance(&w->rng, 20))
		soak_check_live(c, t);
}

/* Arm what it has, short and periodic, then close it under them. */
static void soak_close_firing(struct soak_worker *w, struct soak_ctx *c)
{
	unsigned int i;

	for (i = 0; i < 3; i++) {
		struct soak_timer *t = soak_create(w, c);

		if (t)
			soak_arm(w, c, t, w->min_period);
	}
	tx_sleep_ms((long)soak_below(&w->rng, 5));
	soak_ctx_close(w, c);
}

static void soak_random_op(struct soak_worker *w)
{
	struct soak_ctx *c = &w->ctx[soak_below(&w->rng, soak_cfg->ctxs)];
	unsigned int op = soak_below(&w->rng, 1000);
	struct soak_timer *t;

	if (c->fd < 0) {
		soak_ctx_open(w, c);
		return;
	}
	t = soak_pick_timer(w, c);
	if (op < 150) {
		t = soak_create(w, c);
		if (t && soak_chance(&w->rng, 80))
			soak_arm(w, c, t, soak_random_period(w));
	} else if (op < 390) {
		if (t)
			soak_arm(w, c, t, soak_random_period(w));
	} else if (op < 450) {
		if (t)
			soak_postpone(w, c, t);
	} else if (op < 600) {
		if (t && !c->stalled)
			soak_settle_and_check(w, c, t);
		else if (t)
			soak_cancel(w, c, t);
	} else if (op < 700) {
		if (t)
			soak_delete(w, c, t);
	} else if (op < 715) {
		if (!c->stalled) {
			c->stalled = true;
			c->stall_until_ms = soak_mono_ms() + 50 + (__s64)soak_below(&w->rng, 750);
			soak_add(ST_STALLS, 1);
		}
	} else if (op < 720) {
		soak_close_firing(w, c);
	} else if (op < 760) {
		if (!c->stalled)
			soak_drain_all(c);
	}
	/* else: let time pass */
}

static void soak_wait(struct soak_worker *w)
{
	struct pollfd pfd[SOAK_MAX_CTXS];
	unsigned int i, n = 0;

	for (i = 0; i < soak_cfg->ctxs; i++) {
		if (w->ctx[i].fd < 0 || w->ctx[i].stalled)
			continue;
		pfd[n].fd = w->ctx[i].fd;
		pfd[n].events = POLLIN;
		n++;
	}
	/* poll() also flushes: the third way pending expirations get out. */
	poll(pfd, n, (int)soak_below(&w->rng, 4));
}

static void soak_finish(struct soak_worker *w)
{
	unsigned int i, j;

	for (i = 0; i < soak_cfg->ctxs; i++) {
		struct soak_ctx *c = &w->ctx[i];
		struct timerx_ctx_info ci;
		int ret;

		if (c->fd < 0)
			continue;
		for (j = 0; j < soak_cfg->timers; j++)
			if (c->t[j].used)
				soak_cancel(w, c, &c->t[j]);
		c->stalled = false;
		soak_drain_all(c);
		for (j = 0; j < soak_cfg->timers; j++)
			if (c->t[j].used)
				soak_check_quiescent(c, &c->t[j], true, w->nl);
		ret = tx_ctx_info(c->fd, &ci);
		if (ret)
			soak_fail(SC_OPS, "ctx %u: CTX_INFO: %s", c->ctx_id, strerror(-ret));
		else if (ci.events != c->events_read)
			soak_fail(SC_ACCOUNTING, "ctx %u: the kernel wrote %llu events, %llu were read",
				  c->ctx_id, (unsigned long long)ci.events,
				  (unsigned long long)c->events_read);
		for (j = 0; j < soak_cfg->timers; j++)
			if (c->t[j].used && soak_chance(&w->rng, 50))
				soak_delete(w, c, &c->t[j]);
		soak_ctx_close(w, c);
	}
}

int soak_worker(unsigned int index, bool nobody)
{
	struct soak_worker *w = calloc(1, sizeof(*w));
	__s64 deadline = soak_mono_ms() + (__s64)soak_cfg->seconds * 1000 + 60000;
	unsigned int i;

	if (!w)
		return 1;
	w->index = index;
	w->nobody = nobody;
	w->rng.s = soak_cfg->seed ^ (0x1000193ULL * (index + 1));
	w->min_period = nobody ? soak_cfg->nobody_min_period_ns : soak_cfg->root_min_period_ns;
	if (nobody && tx_drop_to_nobody()) {
		soak_fail(SC_OPS, "worker %u: cannot become nobody: %s", index, strerror(errno));
		return 1;
	}
	w->nl = soak_nl_open();
	for (i = 0; i < SOAK_MAX_CTXS; i++)
		w->ctx[i].fd = -1;
	for (i = 0; i < soak_cfg->ctxs; i++)
		soak_ctx_open(w, &w->ctx[i]);

	while (!soak_stopping() && soak_mono_ms() < deadline) {
		unsigned int ops = 1 + soak_below(&w->rng, 3);
		__s64 now = soak_mono_ms();

		while (ops--)
			soak_random_op(w);
		for (i = 0; i < soak_cfg->ctxs; i++) {
			struct soak_ctx *c = &w->ctx[i];

			if (c->fd < 0)
				continue;
			if (c->stalled && now >= c->stall_until_ms)
				soak_unstall(w, c);
			if (!c->stalled)
				soak_consume(w, c);
		}
		soak_wait(w);
	}
	soak_finish(w);
	if (w->nl)
		soak_nl_close(w->nl);
	free(w);
	return 0;
}
