/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A context of the soak and the ledger of its timers: every event read is
 * booked to its timer, checked on its own, and the books are compared
 * with what the kernel says at quiescent points.
 */
#ifndef SOAK_LEDGER_H
#define SOAK_LEDGER_H

#include "soak.h"

struct soak_timer {
	bool used;
	__u32 id;
	__u64 user_data;
	clockid_t clk;
	bool armed;		/* armed since the last cancel */
	__u64 sum;		/* sum(1 + overrun) of its events read */
	__u64 nevents;		/* its events read */
	/*
	 * The grid: an event of a periodic timer is expected where the one
	 * before it, of the same arming, said the next would be.
	 */
	__u64 period;		/* of the latest arming made */
	__s64 prev_expected;
	__u32 prev_overrun;
	/*
	 * Each arming's seq is the soak's own count, so events of an older
	 * arming (its pending run may be published after the new arming's
	 * first events) are told apart and not checked against the new grid.
	 */
	__u32 seq;		/* of the latest arming made */
	__u32 prev_seq;		/* of the event before */
	/* By seq % SOAK_SEQ_PERIODS; 0: no grid to check (one-shot, postponed). */
	__u64 seq_period[SOAK_SEQ_PERIODS];
};

struct soak_ctx {
	int fd;			/* -1: the slot is free */
	bool use_read;		/* consume with read(2), not the mapping */
	struct timerx_ring_params p;
	void *map;
	struct timerx_ring_hdr *hdr;
	struct timerx_event *ev;
	__u32 ctx_id;
	bool stalled;
	__s64 stall_until_ms;
	__u64 events_read;	/* all of its events, deleted timers' too */
	struct soak_timer t[SOAK_MAX_TIMERS];
	/* Timers deleted with events possibly still in the ring. */
	__u64 gone[SOAK_GONE_IDS];	/* user_data of deleted timers */
	unsigned int ngone;
};

/* Book one event; checks it (SC_EVENTS). */
void soak_book(struct soak_ctx *c, const struct timerx_event *e);
/* Read every event that is ready (no flush through the mapping). */
unsigned int soak_drain(struct soak_ctx *c);
/* Drain and flush until nothing is ready or pending. */
void soak_drain_all(struct soak_ctx *c);
/* A re-arm: GET before and after it, for the grid's window. */
/*
 * The timer is cancelled and the ring drained: its books must match GET
 * exactly (SC_ACCOUNTING). @final: after a full flush, nothing pending.
 */
void soak_check_quiescent(struct soak_ctx *c, struct soak_timer *t, bool final,
			  struct soak_nl *nl);
/* Armed, the ring drained: never more booked than expired (SC_LIVE). */
void soak_check_live(struct soak_ctx *c, struct soak_timer *t);

#endif /* SOAK_LEDGER_H */
