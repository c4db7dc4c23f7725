/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The workloads and the randomized test, written once and compiled once
 * per queue: a q_<name>.c defines Q (the prefix of the queue's functions),
 * Q_NAME and Q_WHAT, includes the queue's header and then this file. Every
 * queue operation is a direct, inlinable call, as it would be in the
 * module, and the fire function is inlined into each queue's expiry pass.
 *
 * Each queue provides, with its prefix:
 *	struct Q_queue;
 *	void Q_init(q, now, capacity), Q_exit(q), Q_timer_init(t);
 *	bool Q_add(q, t)		arm at t->expires; true if now the earliest
 *	void Q_del(q, t)		cancel an armed timer
 *	bool Q_update(q, t, expires)	re-key an armed timer; true if the
 *					earliest expiry moved earlier
 *	u64  Q_next(q)			the hrtimer's expiry: <= the earliest
 *					expiry, or <= the last pass's now
 *	unsigned int Q_expire(q, now, budget, fire, arg)
 *					one pass: at most @budget units of work
 *	bool Q_unordered(t)		@t may expire out of expiry order
 *	Q_exact_next			Q_next() is always exactly the earliest
 */
#include <string.h>

#if defined(__has_include)
#if __has_include("valgrind/callgrind.h")
#include <valgrind/callgrind.h>
#endif
#endif
#ifndef CALLGRIND_DUMP_STATS
#define CALLGRIND_DUMP_STATS do { } while (0)
#endif

#define QD_CAT_(a, b)	a##b
#define QD_CAT(a, b)	QD_CAT_(a, b)
#define QF(f)		QD_CAT(Q, f)
#define QUEUE		struct QD_CAT(Q, _queue)

#define QD_NOW0		(1000 * NSEC_PER_SEC)	/* CLOCK_MONOTONIC 1000 s after boot */
#define QD_LAT		(2 * NSEC_PER_USEC)	/* interrupt latency in the expiry loop */
#define QD_SPREAD_MIN	NSEC_PER_MSEC
#define QD_SPREAD	(10 * NSEC_PER_SEC - NSEC_PER_MSEC)
#define QD_ID_BITS	18			/* ids below 2^18 make expiries distinct */
#define QD_ID_MASK	((1ULL << QD_ID_BITS) - 1)

static QUEUE qd_q;

/* @v with the timer's id in its low bits: distinct for distinct timers. */
static __always_inline u64 qd_distinct(u64 v, const struct bt *t)
{
	return (v & ~QD_ID_MASK) | t->id;
}

/* Uniform in now + 1 ms .. now + 10 s, distinct. */
static __always_inline u64 qd_spread(struct run *r, const struct bt *t)
{
	return qd_distinct(r->now + QD_SPREAD_MIN + rng_below(&r->rng, QD_SPREAD), t);
}

/*
 * A periodic timer's restart, as kmod/timer.c's timerx_timer_forward():
 * the next point of its grid after @now, a division only when periods
 * were missed.
 */
static __always_inline u64 qd_fire_periodic(struct bt *t, u64 now, void *arg)
{
	struct run *r = arg;
	u64 e = t->expires, late = now - e, n = 1;

	r->checksum += t->id;
	if (late >= t->period)
		n += late / t->period;
	return e + n * t->period;
}

static int QF(_qd_setup)(struct run *r)
{
	u32 i, nr = r->n;

	if (r->w == W_ARM_CANCEL_FAR || r->w == W_ARM_CANCEL || r->w == W_ARM_CANCEL_PEEK)
		nr = 2 * r->n;
	if (!r->n || nr > (1U << QD_ID_BITS))
		return -1;
	r->timers = aligned_alloc(64, (size_t)nr * sizeof(struct bt));
	if (!r->timers)
		return -1;
	memset(r->timers, 0, (size_t)nr * sizeof(struct bt));
	r->nr_timers = nr;
	r->rng = r->seed;
	r->now = QD_NOW0;
	QF(_init)(&qd_q, r->now, nr);
	for (i = 0; i < nr; i++) {
		r->timers[i].id = i;
		QF(_timer_init)(&r->timers[i]);
	}

	switch (r->w) {
	case W_ARM_CANCEL_FAR:
		/* timers n..2n-1 armed an hour out, 1 us apart (w3's plan) */
		for (i = r->n; i < nr; i++) {
			r->timers[i].expires = r->now + 3600 * NSEC_PER_SEC +
					       (u64)(i - r->n) * NSEC_PER_USEC;
			QF(_add)(&qd_q, &r->timers[i]);
		}
		break;
	case W_ARM_CANCEL:
	case W_ARM_CANCEL_PEEK:
		for (i = r->n; i < nr; i++) {
			r->timers[i].expires = qd_spread(r, &r->timers[i]);
			QF(_add)(&qd_q, &r->timers[i]);
		}
		break;
	case W_POSTPONE:
	case W_STEP_BACK:
		for (i = 0; i < nr; i++) {
			r->timers[i].expires = qd_spread(r, &r->timers[i]);
			QF(_add)(&qd_q, &r->timers[i]);
		}
		break;
	case W_EXPIRE:
	case W_BURST:
		/* periods 1 ms..10 s, first expiry within the first period */
		for (i = 0; i < nr; i++) {
			struct bt *t = &r->timers[i];

			t->period = qd_spread(r, t) - r->now;
			t->expires = r->now + 1 + rng_below(&r->rng, t->period);
			QF(_add)(&qd_q, t);
		}
		break;
	default:
		return -1;
	}
	return 0;
}

static void QF(_qd_teardown)(struct run *r)
{
	QF(_exit)(&qd_q);
	free(r->timers);
	r->timers = NULL;
}

/*
 * (a) and (d): pair k arms timer k mod 2n and cancels timer (k + n) mod 2n,
 * so the queue holds n timers throughout and every arm is a real
 * insertion, every cancel a real removal (w3_arm_cancel.cc's plan).
 */
static __always_inline void QF(_qd_arm_cancel)(struct run *r, bool far, bool peek)
{
	u32 ia = 0, ic = r->n, nr = r->nr_timers;
	u64 far_next = r->now + 3600 * NSEC_PER_SEC + (u64)r->n * NSEC_PER_USEC;
	u64 prog = QF(_next)(&qd_q), k, nx;

	for (k = 0; k < r->ops; k++) {
		struct bt *a = &r->timers[ia], *c = &r->timers[ic];

		if (far) {
			a->expires = far_next;
			far_next += NSEC_PER_USEC;
		} else {
			a->expires = qd_spread(r, a);
		}
		QF(_add)(&qd_q, a);
		if (peek) {
			nx = QF(_next)(&qd_q);
			if (nx < prog) {
				prog = nx;
				r->reprograms++;
			}
		}
		QF(_del)(&qd_q, c);
		if (peek) {
			/* later: the hrtimer is left to fire early */
			nx = QF(_next)(&qd_q);
			r->checksum += nx;
		}
		if (++ia == nr)
			ia = 0;
		if (++ic == nr)
			ic = 0;
	}
	r->done = 2 * r->ops;
}

/* (b): a random armed timer moves 0..100 ms later. */
static __always_inline void QF(_qd_postpone)(struct run *r)
{
	u64 k;

	for (k = 0; k < r->ops; k++) {
		struct bt *t = &r->timers[rng_below(&r->rng, r->n)];
		u64 e = t->expires + (1ULL << QD_ID_BITS) +
			rng_below(&r->rng, 100 * NSEC_PER_MSEC);

		if (QF(_update)(&qd_q, t, qd_distinct(e, t)))
			r->reprograms++;
	}
	r->done = r->ops;
}

/*
 * (c): the hrtimer fires at the queue's next expiry; the pass runs QD_LAT
 * later and expires what is due (at most @budget), periodic timers are
 * restarted on their grid, and the hrtimer is programmed again.
 */
static __always_inline void QF(_qd_expire)(struct run *r)
{
	u64 prog = QF(_next)(&qd_q);
	unsigned int n;

	while (r->fired < r->ops) {
		r->now = max(r->now, prog) + QD_LAT;
		n = QF(_expire)(&qd_q, r->now, r->budget, qd_fire_periodic, r);
		r->passes++;
		if (!n)
			r->empty_passes++;
		r->fired += n;
		prog = QF(_next)(&qd_q);
	}
	r->done = r->fired;
}

/*
 * (e): the clock jumps 10 s (every timer is due), and passes of at most
 * @budget run until nothing is due; each restarted timer lands after now.
 */
static __always_inline void QF(_qd_burst)(struct run *r)
{
	u64 now = r->now + 10 * NSEC_PER_SEC + NSEC_PER_MSEC, nx;
	unsigned int n;

	if (!r->ops)
		return;
	for (;;) {
		n = QF(_expire)(&qd_q, now, r->budget, qd_fire_periodic, r);
		r->passes++;
		if (!n)
			r->empty_passes++;
		r->fired += n;
		nx = QF(_next)(&qd_q);
		if (r->dump_passes)
			CALLGRIND_DUMP_STATS;
		if (nx > now)
			break;
	}
	r->done = r->fired;
}

/*
 * (f): a REALTIME or TAI clock stepped back 1 s: the pass that sees it
 * (nothing is due). An ordered queue only compares; the wheel and sset
 * file every timer again.
 */
static __always_inline void QF(_qd_step_back)(struct run *r)
{
	if (!r->ops)
		return;
	r->fired += QF(_expire)(&qd_q, r->now - NSEC_PER_SEC, r->budget, qd_fire_periodic, r);
	r->passes++;
	r->checksum += QF(_next)(&qd_q);
	r->done = 1;
}

/* What callgrind's --toggle-collect=*_qd_measure counts. */
static noinline void QF(_qd_measure)(struct run *r)
{
	switch (r->w) {
	case W_ARM_CANCEL_FAR:
		QF(_qd_arm_cancel)(r, true, false);
		break;
	case W_ARM_CANCEL:
		QF(_qd_arm_cancel)(r, false, false);
		break;
	case W_ARM_CANCEL_PEEK:
		QF(_qd_arm_cancel)(r, false, true);
		break;
	case W_POSTPONE:
		QF(_qd_postpone)(r);
		break;
	case W_EXPIRE:
		QF(_qd_expire)(r);
		break;
	case W_BURST:
		QF(_qd_burst)(r);
		break;
	case W_STEP_BACK:
		QF(_qd_step_back)(r);
		break;
	default:
		break;
	}
}

/*
 * The randomized test: a pool of timers, random arms (at random, tied,
 * past and KTIME_MAX-near expiries), cancels, re-keys and expiry passes
 * (random budgets; now moving by random powers of two, sometimes back),
 * each compared with a reference kept as a sorted array. It checks that
 * every timer fires exactly once per arming, never early and never
 * unarmed; that in-order queues fire in expiry order; that the hrtimer's
 * expiry (Q_next) is never later than the earliest timer or the last
 * pass; that after a pass which leaves Q_next after now nothing due is
 * left; that repeated passes at one time end; and that draining at
 * KTIME_MAX empties both.
 */
struct qd_ref {
	u64 e;
	u32 id;
};

struct qd_test {
	struct bt *pool;
	u32 nr;
	struct qd_ref *ref;	/* armed timers by (expiry, id) */
	u32 nref;
	u64 rng;
	u64 now;
	u64 tlast;		/* now of the last pass */
	bool restart;		/* the fire function may restart */
	bool fail;
	char why[256];
};

static int qd_ref_cmp(u64 e, u32 id, const struct qd_ref *b)
{
	if (e != b->e)
		return e < b->e ? -1 : 1;
	return id < b->id ? -1 : id > b->id;
}

static u32 qd_ref_find(struct qd_test *x, u64 e, u32 id)
{
	u32 lo = 0, hi = x->nref;

	while (lo < hi) {
		u32 mid = (lo + hi) / 2;

		if (qd_ref_cmp(e, id, &x->ref[mid]) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void qd_ref_add(struct qd_test *x, const struct bt *t)
{
	u32 i = qd_ref_find(x, t->expires, t->id);

	memmove(&x->ref[i + 1], &x->ref[i], (x->nref - i) * sizeof(*x->ref));
	x->ref[i].e = t->expires;
	x->ref[i].id = t->id;
	x->nref++;
}

static bool qd_ref_del(struct qd_test *x, const struct bt *t)
{
	u32 i = qd_ref_find(x, t->expires, t->id);

	if (i >= x->nref || x->ref[i].e != t->expires || x->ref[i].id != t->id)
		return false;
	memmove(&x->ref[i], &x->ref[i + 1], (x->nref - i - 1) * sizeof(*x->ref));
	x->nref--;
	return true;
}

#define QD_FAIL(x, ...) do {						\
	if (!(x)->fail) {						\
		snprintf((x)->why, sizeof((x)->why), __VA_ARGS__);	\
		(x)->fail = true;					\
	}								\
} while (0)

static u64 qd_test_expiry(struct qd_test *x)
{
	u64 r = rng_below(&x->rng, 100), d = rng_below(&x->rng, 1ULL << rng_below(&x->rng, 41));
	u64 e;

	if (r < 55)
		e = x->now + d;				/* ahead, every level */
	else if (r < 70)
		e = x->now > d ? x->now - d : 0;	/* in the past */
	else if (r < 82 && x->nref)
		e = x->ref[rng_below(&x->rng, x->nref)].e;	/* a tie */
	else if (r < 88)
		e = KTIME_MAX - rng_below(&x->rng, 1 << 20);	/* the end of time */
	else if (r < 94)
		e = x->now;
	else
		e = x->tlast + rng_below(&x->rng, 64);	/* at the wheel's clock */
	return min_t(u64, e, KTIME_MAX);
}

static u64 qd_test_fire(struct bt *t, u64 now, void *arg)
{
	struct qd_test *x = arg;
	u32 i;

	if (!t->armed)
		QD_FAIL(x, "timer %u fired unarmed", t->id);
	if (t->expires > now)
		QD_FAIL(x, "timer %u fired early: expires %llu, now %llu", t->id,
			(unsigned long long)t->expires, (unsigned long long)now);
	if (!QF(_unordered)(t)) {
		/* the earliest of the armed timers that fire in order */
		for (i = 0; i < x->nref; i++) {
			struct bt *o = &x->pool[x->ref[i].id];

			if (o == t || QF(_unordered)(o))
				continue;
			if (o->expires < t->expires)
				QD_FAIL(x, "timer %u (%llu) fired before timer %u (%llu)",
					t->id, (unsigned long long)t->expires, o->id,
					(unsigned long long)o->expires);
			break;
		}
	}
	if (!qd_ref_del(x, t))
		QD_FAIL(x, "timer %u fired but is not armed in the reference", t->id);
	t->armed = 0;
	if (x->restart && rng_below(&x->rng, 2)) {
		/* later, sometimes still due in this pass */
		u64 e = t->expires + 1 + rng_below(&x->rng, 1ULL << rng_below(&x->rng, 36));

		if (e <= KTIME_MAX) {
			t->expires = e;
			t->armed = 1;
			qd_ref_add(x, t);
			return e;
		}
	}
	return BT_STOP;
}

static void qd_test_check_next(struct qd_test *x)
{
	u64 nx = QF(_next)(&qd_q), min = x->nref ? x->ref[0].e : U64_MAX;

	if (nx > min && nx > x->tlast)
		QD_FAIL(x, "next %llu is after the earliest timer %llu (last pass %llu)",
			(unsigned long long)nx, (unsigned long long)min,
			(unsigned long long)x->tlast);
	if (QF(_exact_next) && nx != min)
		QD_FAIL(x, "next %llu is not the earliest timer %llu",
			(unsigned long long)nx, (unsigned long long)min);
}

static void qd_test_pass(struct qd_test *x, unsigned int budget, bool drain)
{
	unsigned int passes = 0;

	do {
		QF(_expire)(&qd_q, x->now, budget, qd_test_fire, x);
		x->tlast = x->now;
		qd_test_check_next(x);
		if (++passes > 64 * x->nr + 1000) {
			QD_FAIL(x, "passes at %llu never end", (unsigned long long)x->now);
			return;
		}
	} while (drain && QF(_next)(&qd_q) <= x->now && !x->fail);
	if (QF(_next)(&qd_q) > x->now && x->nref && x->ref[0].e <= x->now)
		QD_FAIL(x, "timer %u (%llu) is due at %llu but next is %llu", x->ref[0].id,
			(unsigned long long)x->ref[0].e, (unsigned long long)x->now,
			(unsigned long long)QF(_next)(&qd_q));
}

static int QF(_qd_test)(u64 seed, u64 ops, char *why, size_t len)
{
	static struct qd_test x;
	u64 k;
	u32 i;

	memset(&x, 0, sizeof(x));
	x.rng = seed;
	x.restart = true;
	x.nr = 64 + rng_below(&x.rng, 2000);
	x.pool = aligned_alloc(64, x.nr * sizeof(struct bt));
	x.ref = calloc(x.nr + 1, sizeof(*x.ref));
	if (!x.pool || !x.ref)
		abort();
	memset(x.pool, 0, x.nr * sizeof(struct bt));
	x.now = rng_below(&x.rng, 1ULL << 40);
	x.tlast = x.now;		/* the queue was made at now: already past */
	QF(_init)(&qd_q, x.now, x.nr);
	for (i = 0; i < x.nr; i++) {
		x.pool[i].id = i;
		QF(_timer_init)(&x.pool[i]);
	}

	for (k = 0; k < ops && !x.fail; k++) {
		u64 r = rng_below(&x.rng, 100);
		struct bt *t = &x.pool[rng_below(&x.rng, x.nr)];

		if (r < 60) {
			if (!t->armed) {
				t->expires = qd_test_expiry(&x);
				QF(_add)(&qd_q, t);
				t->armed = 1;
				qd_ref_add(&x, t);
			} else if (r < 35) {
				if (!qd_ref_del(&x, t))
					QD_FAIL(&x, "reference lost timer %u", t->id);
				QF(_del)(&qd_q, t);
				t->armed = 0;
			} else {
				u64 e = qd_test_expiry(&x);

				if (!qd_ref_del(&x, t))
					QD_FAIL(&x, "reference lost timer %u", t->id);
				QF(_update)(&qd_q, t, e);
				t->expires = e;
				qd_ref_add(&x, t);
			}
		} else if (r < 97) {
			/* time passes: by a random power of two */
			x.now += rng_below(&x.rng, 1ULL << rng_below(&x.rng, 37));
			x.now = min_t(u64, x.now, KTIME_MAX);
			qd_test_pass(&x, 1 + rng_below(&x.rng, 70), rng_below(&x.rng, 2));
		} else if (r < 98) {
			/* a REALTIME step back */
			x.now -= min(x.now, rng_below(&x.rng, 1ULL << rng_below(&x.rng, 40)));
			qd_test_pass(&x, 1 + rng_below(&x.rng, 70), true);
		} else {
			qd_test_check_next(&x);
		}
		qd_test_check_next(&x);
	}

	/* drain: everything is due at the end of time, nothing restarts */
	x.restart = false;
	x.now = KTIME_MAX;
	if (!x.fail)
		qd_test_pass(&x, 1 + rng_below(&x.rng, 70), true);
	if (!x.fail && x.nref)
		QD_FAIL(&x, "%u timers never fired", x.nref);
	for (i = 0; i < x.nr && !x.fail; i++)
		if (x.pool[i].armed)
			QD_FAIL(&x, "timer %u still armed after the drain", i);

	QF(_exit)(&qd_q);
	free(x.pool);
	free(x.ref);
	snprintf(why, len, "%s", x.why);
	return x.fail ? -1 : 0;
}

const struct qimpl QD_CAT(Q, _impl) = {
	.name = Q_NAME,
	.what = Q_WHAT,
	.setup = QF(_qd_setup),
	.measure = QF(_qd_measure),
	.teardown = QF(_qd_teardown),
	.test = QF(_qd_test),
};
