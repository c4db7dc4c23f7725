// SPDX-License-Identifier: GPL-2.0
/*
 * Module-wide totals. Hard-irq and soft-irq callbacks may interleave on
 * one CPU, so every update is a this_cpu_*() read-modify-write, atomic
 * against interrupts on its own CPU, and nothing is shared between CPUs
 * on the expiry path.
 */

#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/percpu.h>

#include "registry.h"
#include "stats.h"

struct timerx_cpu_stats {
	u64 fires;
	u64 expirations;
	u64 events;
	u64 ring_full;
	struct timerx_hist lateness;
};

static struct timerx_cpu_stats __percpu *timerx_cpu_stats;
static atomic_t timerx_live_timers;

int timerx_stats_init(void)
{
	int cpu;

	/* 3.7 KiB per CPU: too much for a module's static per-CPU area. */
	timerx_cpu_stats = alloc_percpu(struct timerx_cpu_stats);
	if (!timerx_cpu_stats)
		return -ENOMEM;
	for_each_possible_cpu(cpu)
		per_cpu_ptr(timerx_cpu_stats, cpu)->lateness.min = U64_MAX;
	return 0;
}

void timerx_stats_exit(void)
{
	free_percpu(timerx_cpu_stats);
}

void timerx_stats_add_fire(u64 expirations)
{
	this_cpu_inc(timerx_cpu_stats->fires);
	this_cpu_add(timerx_cpu_stats->expirations, expirations);
}

void timerx_stats_add_expirations(u64 expirations)
{
	this_cpu_add(timerx_cpu_stats->expirations, expirations);
}

void timerx_stats_add_events(unsigned int events)
{
	this_cpu_add(timerx_cpu_stats->events, events);
}

void timerx_stats_add_ring_full(void)
{
	this_cpu_inc(timerx_cpu_stats->ring_full);
}

void timerx_stats_record_lateness(u64 ns)
{
	struct timerx_hist __percpu *h = &timerx_cpu_stats->lateness;
	u64 cur, prev;

	this_cpu_inc(h->count);
	this_cpu_add(h->sum, ns);
	this_cpu_inc(h->buckets[timerx_hist_index(ns)]);

	for (cur = this_cpu_read(h->min); ns < cur; cur = prev) {
		prev = this_cpu_cmpxchg(h->min, cur, ns);
		if (prev == cur)
			break;
	}
	for (cur = this_cpu_read(h->max); ns > cur; cur = prev) {
		prev = this_cpu_cmpxchg(h->max, cur, ns);
		if (prev == cur)
			break;
	}
}

void timerx_stats_timers_add(int n)
{
	atomic_add(n, &timerx_live_timers);
}

void timerx_stats_totals(struct timerx_totals *t)
{
	int cpu;

	*t = (struct timerx_totals) {
		.contexts = timerx_registry_count(),
		.timers = atomic_read(&timerx_live_timers),
	};
	timerx_hist_snap_init(&t->lateness);
	for_each_possible_cpu(cpu) {
		struct timerx_cpu_stats *s = per_cpu_ptr(timerx_cpu_stats, cpu);

		t->fires += READ_ONCE(s->fires);
		t->expirations += READ_ONCE(s->expirations);
		t->events += READ_ONCE(s->events);
		t->ring_full += READ_ONCE(s->ring_full);
		timerx_hist_snap_add(&t->lateness, &s->lateness);
	}
}
