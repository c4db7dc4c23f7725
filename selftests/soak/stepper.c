// SPDX-License-Identifier: GPL-2.0
/*
 * The REALTIME stepper: steps the clock forward and back by seconds at
 * random while the workers' REALTIME and TAI timers run, and now and then
 * probes that an absolute REALTIME timer obeys a step:
 *
 *   forward: armed for now + 60 s, the clock stepped by +90 s: it fires
 *            within seconds (not a minute later), expected_ns is the
 *            absolute time it was armed for and actual_ns is not earlier;
 *   back:    armed for now + 3 s, the clock stepped by -10 s: it has not
 *            fired 2 s later (it is 11 s away now); stepped +10 s again,
 *            it fires.
 *
 * The clock is restored at the end: REALTIME = MONOTONIC + the offset the
 * two had when the soak started (nothing else steps the VM's clock).
 */
#include "soak.h"

#define SOAK_PROBE_WAIT_MS	10000

static __s64 soak_rt_offset;	/* REALTIME - MONOTONIC at the start */
static bool soak_rt_recorded;

void soak_clock_record(void)
{
	soak_rt_offset = tx_now(CLOCK_REALTIME) - tx_now(CLOCK_MONOTONIC);
	soak_rt_recorded = true;
}

static int soak_clock_set(__s64 ns)
{
	struct timespec ts = { .tv_sec = ns / NSEC_PER_SEC, .tv_nsec = ns % NSEC_PER_SEC };

	return clock_settime(CLOCK_REALTIME, &ts) ? -errno : 0;
}

void soak_clock_restore(void)
{
	if (soak_rt_recorded)
		soak_clock_set(tx_now(CLOCK_MONOTONIC) + soak_rt_offset);
}

static int soak_step(__s64 delta_ns)
{
	int ret = soak_clock_set(tx_now(CLOCK_REALTIME) + delta_ns);

	if (ret)
		soak_fail(SC_STEPS, "clock_settime(REALTIME, %+lld ns): %s",
			  (long long)delta_ns, strerror(-ret));
	else
		soak_add(ST_STEPS, 1);
	return ret;
}

struct soak_probe {
	int fd;
	__u32 id;
	struct timerx_event ev;
};

static int soak_probe_open(struct soak_probe *p)
{
	int ret;

	p->fd = tx_open_flags(O_NONBLOCK);
	if (p->fd < 0)
		return p->fd;
	ret = tx_setup(p->fd, 8, NULL);
	if (!ret)
		ret = tx_create(p->fd, CLOCK_REALTIME, 0, 0, 0x5eb, &p->id);
	if (ret) {
		close(p->fd);
		p->fd = -1;
	}
	return ret;
}

/* Leftovers of an earlier probe (one that had no verdict). */
static void soak_probe_drain(struct soak_probe *p)
{
	while (read(p->fd, &p->ev, sizeof(p->ev)) == sizeof(p->ev))
		;
}

static __u64 soak_probe_expirations(struct soak_probe *p)
{
	struct timerx_timer_info ti;

	return tx_get(p->fd, p->id, &ti) ? ~0ULL : ti.expirations;
}

/* Wait up to @ms for the probe's one event; returns true when it came. */
static bool soak_probe_wait(struct soak_probe *p, int ms)
{
	__s64 start = soak_mono_ms();

	do {
		struct pollfd pfd = { .fd = p->fd, .events = POLLIN };

		poll(&pfd, 1, 100);
		if (read(p->fd, &p->ev, sizeof(p->ev)) == sizeof(p->ev))
			return true;
	} while (soak_mono_ms() - start < ms);
	return false;
}

static void soak_probe_event_ok(const struct soak_probe *p, __s64 armed_for, const char *what)
{
	if (p->ev.expected_ns != armed_for || p->ev.actual_ns < p->ev.expected_ns ||
	    p->ev.overrun || p->ev.timer_id != p->id)
		soak_fail(SC_STEPS,
			  "%s: event timer %u expected %lld actual %lld overrun %u; armed for %lld",
			  what, p->ev.timer_id, (long long)p->ev.expected_ns,
			  (long long)p->ev.actual_ns, p->ev.overrun, (long long)armed_for);
}

static void soak_probe_forward(struct soak_probe *p)
{
	__s64 at;
	int ret;

	soak_probe_drain(p);
	at = tx_now(CLOCK_REALTIME) + 60 * NSEC_PER_SEC;
	ret = tx_arm(p->fd, p->id, TIMERX_ARM_F_ABS, at, 0);

	if (ret) {
		soak_fail(SC_STEPS, "probe ARM: %s", strerror(-ret));
		return;
	}
	if (soak_step(90 * NSEC_PER_SEC))
		return;
	if (!soak_probe_wait(p, SOAK_PROBE_WAIT_MS))
		soak_fail(SC_STEPS,
			  "an absolute REALTIME timer 60 s ahead had not fired %d ms after a +90 s step",
			  SOAK_PROBE_WAIT_MS);
	else
		soak_probe_event_ok(p, at, "forward step");
	soak_add(ST_STEP_PROBES, 1);
	soak_step(-90 * NSEC_PER_SEC);
}

static void soak_probe_back(struct soak_probe *p)
{
	__u64 before, now;
	__s64 at, t0;
	int ret;

	soak_probe_drain(p);
	before = soak_probe_expirations(p);
	at = tx_now(CLOCK_REALTIME) + 3 * NSEC_PER_SEC;
	t0 = soak_mono_ms();
	ret = tx_arm(p->fd, p->id, TIMERX_ARM_F_ABS, at, 0);

	if (ret) {
		soak_fail(SC_STEPS, "probe ARM: %s", strerror(-ret));
		return;
	}
	if (soak_step(-10 * NSEC_PER_SEC))
		return;
	/* Descheduled for most of its 3 s before the step: no verdict. */
	if (soak_mono_ms() - t0 > 1000) {
		tx_cancel(p->fd, p->id);
		soak_step(10 * NSEC_PER_SEC);
		soak_probe_wait(p, 100);
		return;
	}
	tx_sleep_ms(2000);
	now = soak_probe_expirations(p);
	if (now != before) {
		soak_fail(SC_STEPS,
			  "an absolute REALTIME timer 3 s ahead fired within 2 s of a -10 s step (expirations %llu -> %llu)",
			  (unsigned long long)before, (unsigned long long)now);
		tx_cancel(p->fd, p->id);
		soak_step(10 * NSEC_PER_SEC);
		return;
	}
	if (soak_step(10 * NSEC_PER_SEC))
		return;
	if (!soak_probe_wait(p, SOAK_PROBE_WAIT_MS))
		soak_fail(SC_STEPS, "an absolute REALTIME timer did not fire after the clock was stepped back and forward again");
	else
		soak_probe_event_ok(p, at, "back step");
	soak_add(ST_STEP_PROBES, 1);
}

int soak_stepper(void)
{
	struct soak_rng rng = { .s = soak_cfg->seed ^ 0x57e99e5ULL };
	struct soak_probe p;
	unsigned int n = 0;
	int ret;

	ret = soak_probe_open(&p);
	if (ret) {
		soak_fail(SC_STEPS, "probe context: %s", strerror(-ret));
		return 1;
	}
	while (!soak_stopping()) {
		__s64 delta = (__s64)(NSEC_PER_SEC / 2 +
				      soak_below(&rng, 9 * NSEC_PER_SEC / 2));

		tx_sleep_ms(300 + (long)soak_below(&rng, 1700));
		if (soak_stopping())
			break;
		switch (n++ % 6) {
		case 2:
			soak_probe_forward(&p);
			break;
		case 5:
			soak_probe_back(&p);
			break;
		default:
			soak_step(soak_chance(&rng, 50) ? delta : -delta);
		}
	}
	close(p.fd);
	soak_clock_restore();
	return 0;
}
