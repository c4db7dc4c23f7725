/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TIMERX_STATS_H
#define _TIMERX_STATS_H

#include <linux/types.h>

#include "hist.h"

/*
 * Module-wide totals since load, for STATS_GET: per-CPU counters bumped
 * where the per-context ones are, so that reading them costs a walk over
 * the CPUs, never over the contexts, and takes no lock anybody else needs.
 */
struct timerx_totals {
	u32 contexts;			/* live */
	u32 timers;			/* live */
	u64 fires;
	u64 expirations;
	u64 events;
	u64 ring_full;
	struct timerx_hist_snap lateness;
};

int timerx_stats_init(void);
void timerx_stats_exit(void);

/* Under ring->lock, with interrupts off. */
void timerx_stats_add_fire(u64 expirations);
void timerx_stats_add_expirations(u64 expirations);
void timerx_stats_add_events(unsigned int events);
void timerx_stats_add_ring_full(void);

/* From the hrtimer callback. */
void timerx_stats_record_lateness(u64 ns);

void timerx_stats_timers_add(int n);
void timerx_stats_totals(struct timerx_totals *t);

#endif /* _TIMERX_STATS_H */
