// SPDX-License-Identifier: GPL-2.0
/*
 * The books of the soak's timers: what the consumer read, against what
 * the kernel counted. The header's promise is checked literally: for every
 * timer, sum(1 + overrun) over its events plus its pending expirations is
 * its expirations.
 */
#include "ledger.h"

static struct soak_timer *soak_find(struct soak_ctx *c, __u32 id)
{
	unsigned int i;

	for (i = 0; i < SOAK_MAX_TIMERS; i++)
		if (c->t[i].used && c->t[i].id == id)
			return &c->t[i];
	return NULL;
}

/* An event of a deleted timer: its user_data (unique per timer) was one's. */
static bool soak_gone(const struct soak_ctx *c, __u64 user_data)
{
	unsigned int i, n = c->ngone < SOAK_GONE_IDS ? c->ngone : SOAK_GONE_IDS;

	for (i = 0; i < n; i++)
		if (c->gone[i] == user_data)
			return true;
	return false;
}

/*
 * The grid of @e's arming: true when @e is its timer's latest arming's
 * (checked against the event before of that arming), false for an event
 * of an older arming, published late, which the ledger does not track.
 */
static bool soak_check_grid(struct soak_ctx *c, struct soak_timer *t,
			    const struct timerx_event *e)
{
	__u64 k = t->nevents, period;
	__s64 want;

	if (k && e->seq != t->prev_seq)
		return (__s32)(e->seq - t->prev_seq) > 0;
	if (!k || t->seq - e->seq >= SOAK_SEQ_PERIODS)
		return true;
	period = t->seq_period[e->seq % SOAK_SEQ_PERIODS];
	if (!period)
		return true;
	want = t->prev_expected + (__s64)((1 + (__u64)t->prev_overrun) * period);
	soak_add(ST_GRID_CHECKS, 1);
	if (e->expected_ns != want)
		soak_fail(SC_EVENTS,
			  "ctx %u timer %u (%s, period %llu) event %llu of arming %u: expected_ns %lld, the one before said %lld (it: %lld + (1 + %u) periods): expirations lost, doubled or out of order",
			  c->ctx_id, t->id, tx_clock_name(t->clk),
			  (unsigned long long)period, (unsigned long long)k, e->seq,
			  (long long)e->expected_ns, (long long)want,
			  (long long)t->prev_expected, t->prev_overrun);
	return true;
}

void soak_book(struct soak_ctx *c, const struct timerx_event *e)
{
	struct soak_timer *t = soak_find(c, e->timer_id);

	c->events_read++;
	soak_add(ST_EVENTS, 1);
	soak_add(ST_EXPIRATIONS, 1 + (__u64)e->overrun);
	soak_max(ST_MAX_OVERRUN, e->overrun);
	if (!t || e->user_data != t->user_data) {
		if (soak_gone(c, e->user_data))
			return;
		if (!t)
			soak_fail(SC_EVENTS, "ctx %u: event for timer %u, which it never had",
				  c->ctx_id, e->timer_id);
		else
			soak_fail(SC_EVENTS, "ctx %u timer %u: user_data %#llx, created with %#llx",
				  c->ctx_id, t->id, (unsigned long long)e->user_data,
				  (unsigned long long)t->user_data);
		return;
	}
	if (e->actual_ns < e->expected_ns)
		soak_fail(SC_EVENTS,
			  "ctx %u timer %u (%s, period %llu, %s) event %llu: actual_ns %lld < expected_ns %lld by %lld ns, overrun %u; the event before: expected %lld overrun %u",
			  c->ctx_id, t->id, tx_clock_name(t->clk), (unsigned long long)t->period,
			  c->use_read ? "read(2)" : "mapped", (unsigned long long)t->nevents,
			  (long long)e->actual_ns, (long long)e->expected_ns,
			  (long long)(e->expected_ns - e->actual_ns), e->overrun,
			  (long long)t->prev_expected, t->prev_overrun);
	if (soak_check_grid(c, t, e)) {
		t->prev_expected = e->expected_ns;
		t->prev_overrun = e->overrun;
		t->prev_seq = e->seq;
	}
	t->sum += 1 + (__u64)e->overrun;
	t->nevents++;
}

static unsigned int soak_drain_map(struct soak_ctx *c)
{
	__u32 mask = c->p.entries - 1;
	__u32 head = __atomic_load_n(&c->hdr->head, __ATOMIC_RELAXED);
	__u32 tail = __atomic_load_n(&c->hdr->tail, __ATOMIC_ACQUIRE);
	unsigned int n = 0;

	if (tail - head > c->p.entries) {
		soak_fail(SC_EVENTS, "ctx %u: the kernel published %u events into %u entries",
			  c->ctx_id, tail - head, c->p.entries);
		__atomic_store_n(&c->hdr->head, tail, __ATOMIC_RELEASE);
		return 0;
	}
	while (head != tail) {
		struct timerx_event e = c->ev[head & mask];

		soak_book(c, &e);
		head++;
		n++;
	}
	__atomic_store_n(&c->hdr->head, head, __ATOMIC_RELEASE);
	return n;
}

static unsigned int soak_drain_read(struct soak_ctx *c)
{
	struct timerx_event ev[64];
	unsigned int total = 0;

	for (;;) {
		ssize_t n = read(c->fd, ev, sizeof(ev));
		ssize_t i;

		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				soak_fail(SC_OPS, "ctx %u: read: %s", c->ctx_id, strerror(errno));
			return total;
		}
		if (n % (ssize_t)sizeof(ev[0]))
			soak_fail(SC_OPS, "ctx %u: read returned %zd bytes, not whole events",
				  c->ctx_id, n);
		for (i = 0; i < n / (ssize_t)sizeof(ev[0]); i++)
			soak_book(c, &ev[i]);
		total += n / sizeof(ev[0]);
		if (!n)
			return total;
	}
}

unsigned int soak_drain(struct soak_ctx *c)
{
	return c->use_read ? soak_drain_read(c) : soak_drain_map(c);
}

void soak_drain_all(struct soak_ctx *c)
{
	int round;

	for (round = 0; round < 100000; round++) {
		bool overflow;
		int ret;

		if (soak_drain(c))
			continue;
		overflow = !c->use_read &&
			   (__atomic_load_n(&c->hdr->flags, __ATOMIC_RELAXED) &
			    TIMERX_RING_F_OVERFLOW);
		/* read(2) flushed already; a FLUSH then must find nothing left. */
		if (!c->use_read && !overflow)
			return;
		ret = tx_flush(c->fd);
		soak_add(ST_FLUSHES, 1);
		if (ret < 0) {
			soak_fail(SC_OPS, "ctx %u: FLUSH: %s", c->ctx_id, strerror(-ret));
			return;
		}
		soak_add(ST_FLUSHED_EVENTS, ret);
		if (ret)
			continue;
		if (c->use_read)
			return;
		if (__atomic_load_n(&c->hdr->head, __ATOMIC_RELAXED) ==
		    __atomic_load_n(&c->hdr->tail, __ATOMIC_ACQUIRE)) {
			soak_fail(SC_ACCOUNTING,
				  "ctx %u: OVERFLOW set, the ring empty and FLUSH wrote nothing",
				  c->ctx_id);
			return;
		}
	}
	soak_fail(SC_ACCOUNTING, "ctx %u: the ring never became quiescent", c->ctx_id);
}

void soak_check_quiescent(struct soak_ctx *c, struct soak_timer *t, bool final,
			  struct soak_nl *nl)
{
	struct timerx_timer_info ti;
	__u64 nl_exp, nl_ev, nl_pend;
	int ret = tx_get(c->fd, t->id, &ti);

	if (ret) {
		soak_fail(SC_OPS, "ctx %u timer %u: GET: %s", c->ctx_id, t->id, strerror(-ret));
		return;
	}
	soak_add(ST_CHECKS, 1);
	if (t->sum + ti.pending != ti.expirations || t->nevents != ti.events)
		soak_fail(SC_ACCOUNTING,
			  "ctx %u timer %u (%s, period %llu): read %llu events carrying %llu expirations, %llu pending; GET: %llu events, %llu expirations",
			  c->ctx_id, t->id, tx_clock_name(t->clk),
			  (unsigned long long)t->period, (unsigned long long)t->nevents,
			  (unsigned long long)t->sum, (unsigned long long)ti.pending,
			  (unsigned long long)ti.events, (unsigned long long)ti.expirations);
	if (final && ti.pending)
		soak_fail(SC_ACCOUNTING,
			  "ctx %u timer %u: %llu expirations still pending after drain and flush",
			  c->ctx_id, t->id, (unsigned long long)ti.pending);
	if (ti.state != TX_IDLE)
		soak_fail(SC_OPS, "ctx %u timer %u: ARMED after CANCEL", c->ctx_id, t->id);
	if (!nl)
		return;
	ret = soak_nl_timer(nl, c->ctx_id, t->id, &nl_exp, &nl_ev, &nl_pend);
	if (ret) {
		soak_fail(SC_NETLINK, "ctx %u timer %u: TIMER_GET: %s", c->ctx_id, t->id,
			  strerror(-ret));
		return;
	}
	soak_add(ST_NL_CROSS, 1);
	if (nl_exp != ti.expirations || nl_ev != ti.events || nl_pend != ti.pending)
		soak_fail(SC_NETLINK,
			  "ctx %u timer %u, cancelled: netlink says %llu expirations, %llu events, %llu pending; GET %llu, %llu, %llu",
			  c->ctx_id, t->id, (unsigned long long)nl_exp,
			  (unsigned long long)nl_ev, (unsigned long long)nl_pend,
			  (unsigned long long)ti.expirations, (unsigned long long)ti.events,
			  (unsigned long long)ti.pending);
}

void soak_check_live(struct soak_ctx *c, struct soak_timer *t)
{
	struct timerx_timer_info ti;
	int ret = tx_get(c->fd, t->id, &ti);

	if (ret) {
		soak_fail(SC_OPS, "ctx %u timer %u: GET: %s", c->ctx_id, t->id, strerror(-ret));
		return;
	}
	soak_add(ST_LIVE_CHECKS, 1);
	if (t->sum + ti.pending > ti.expirations || t->nevents > ti.events)
		soak_fail(SC_LIVE,
			  "ctx %u timer %u (%s): read %llu events carrying %llu expirations, GET (later) says %llu events, %llu expirations, %llu pending",
			  c->ctx_id, t->id, tx_clock_name(t->clk),
			  (unsigned long long)t->nevents, (unsigned long long)t->sum,
			  (unsigned long long)ti.events, (unsigned long long)ti.expirations,
			  (unsigned long long)ti.pending);
}
