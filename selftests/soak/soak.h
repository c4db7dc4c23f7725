/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The timerx soak (issue 12 item 4): many processes and contexts doing
 * random timer work for SOAK_SECONDS while consumers stall, rings
 * overflow, REALTIME is stepped, contexts are closed under firing timers
 * and netlink dumps run, checking throughout that no expiration is lost
 * and, at the end, that memory and the per-user accounting are back at
 * their baseline.
 *
 * Processes share one anonymous MAP_SHARED page of counters (struct
 * soak_shared): the figures, and per check class the number of failures
 * and the first message, which the main process turns into TAP.
 */
#ifndef SOAK_H
#define SOAK_H

/*
 * timerx_util.h brings the harness, whose runner these translation units
 * do not use (the soak is one long run, reported with ksft_*()).
 */
#pragma GCC diagnostic ignored "-Wunused-function"
#include "../timerx_util.h"

#include <stdarg.h>

#define SOAK_MAX_PROCS		16
#define SOAK_MAX_CTXS		6
#define SOAK_MAX_TIMERS		16
#define SOAK_GONE_IDS		64
#define SOAK_SEQ_PERIODS	8

/* The invariant classes, one TAP result each. */
enum soak_check {
	SC_ACCOUNTING,	/* sum(1 + overrun) + pending == expirations, quiescent */
	SC_LIVE,	/* never more read than expired, while firing */
	SC_EVENTS,	/* each event: id, user_data, actual >= expected, grid */
	SC_OPS,		/* every call returned success or a documented limit */
	SC_STEPS,	/* absolute REALTIME timers follow clock steps */
	SC_NETLINK,	/* dumps complete, consistent, visibility and limits */
	SC_MEMORY,	/* memory and per-user accounting back at baseline */
	SC_PROCS,	/* every process of the soak finished cleanly */
	SC_NR
};

enum soak_stat {
	ST_CTX_OPENED,
	ST_CTX_CLOSED_FIRING,
	ST_TIMERS_CREATED,
	ST_TIMERS_DELETED,
	ST_ARMS,
	ST_BATCH_ARMS,		/* of ST_ARMS, through TIMERX_IOC_BATCH */
	ST_POSTPONES,
	ST_POSTPONE_ETIME,	/* postpones of a one-shot timer that had fired */
	ST_CANCELS,
	ST_EXPIRATIONS,		/* sum(1 + overrun) of the events read */
	ST_EVENTS,
	ST_MAX_OVERRUN,		/* the largest single fold seen */
	ST_GRID_CHECKS,		/* events checked against their arming's grid */
	ST_FLUSHES,
	ST_FLUSHED_EVENTS,
	ST_STALLS,
	ST_RING_FULL,		/* hdr->ring_full summed at close */
	ST_CHECKS,		/* exact per-timer checks at quiescent points */
	ST_LIVE_CHECKS,
	ST_NL_CROSS,		/* netlink TIMER_GET compared with GET */
	ST_LIMIT_HITS,		/* EMFILE/ENOSPC/EDQUOT/ENOMEM of nobody */
	ST_STEPS,
	ST_STEP_PROBES,
	ST_DUMPS,
	ST_DUMP_MSGS,
	ST_DUMP_INTR,
	ST_NR
};

struct soak_config {
	unsigned int seconds;
	__u64 seed;
	unsigned int workers;		/* root workers */
	unsigned int nobody_workers;	/* workers as uid 65534 */
	unsigned int ctxs;		/* contexts per worker */
	unsigned int timers;		/* timer slots per context */
	__u64 root_min_period_ns;	/* shortest period the soak uses */
	__u64 nobody_min_period_ns;	/* max(min_period_ns, the above) */
	/* the per-user limits in force for the soak */
	unsigned int max_contexts_per_user;
	unsigned int max_timers_per_user;
	__u64 max_user_rate;
	int ncpus;
	int cpus[TX_MAX_CPUS];
};

struct soak_shared {
	int stop;			/* set by the main process at the deadline */
	__u64 stat[ST_NR];
	unsigned int fails[SC_NR];
	char first[SC_NR][320];
};

extern struct soak_shared *soak;
extern const struct soak_config *soak_cfg;

static inline void soak_add(enum soak_stat s, __u64 n)
{
	__atomic_add_fetch(&soak->stat[s], n, __ATOMIC_RELAXED);
}

static inline void soak_max(enum soak_stat s, __u64 v)
{
	__u64 cur = __atomic_load_n(&soak->stat[s], __ATOMIC_RELAXED);

	while (v > cur && !__atomic_compare_exchange_n(&soak->stat[s], &cur, v, false,
						       __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

static inline bool soak_stopping(void)
{
	return __atomic_load_n(&soak->stop, __ATOMIC_ACQUIRE);
}

/* Count a failure of @c; the first few of each class are printed. */
void soak_fail(enum soak_check c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* splitmix64: small, seedable, good enough to pick operations. */
struct soak_rng {
	__u64 s;
};

static inline __u64 soak_rand(struct soak_rng *r)
{
	__u64 z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline __u64 soak_below(struct soak_rng *r, __u64 n)
{
	return n ? soak_rand(r) % n : 0;
}

static inline bool soak_chance(struct soak_rng *r, unsigned int percent)
{
	return soak_below(r, 100) < percent;
}

/* Roughly log-uniform in [lo, hi]: short periods as likely as long ones. */
static inline __u64 soak_log_uniform(struct soak_rng *r, __u64 lo, __u64 hi)
{
	unsigned int doublings = 0;
	__u64 v;

	if (hi <= lo)
		return lo;
	while ((lo << (doublings + 1)) <= hi)
		doublings++;
	v = lo << soak_below(r, doublings + 1);
	v += soak_below(r, v);
	return v > hi ? hi : v;
}

static inline __s64 soak_mono_ms(void)
{
	return tx_now(CLOCK_MONOTONIC) / NSEC_PER_MSEC;
}

/* The processes. Each returns its exit status (0: ran to the end). */
int soak_worker(unsigned int index, bool nobody);
int soak_stepper(void);
int soak_dumper(bool nobody);

/* stepper.c: put REALTIME back where it would be without the steps. */
void soak_clock_record(void);
void soak_clock_restore(void);

/* netlink.c */
struct soak_nl;
struct soak_nl *soak_nl_open(void);
void soak_nl_close(struct soak_nl *nl);
/* TIMER_GET do: 0 and the counts, or -errno. */
int soak_nl_timer(struct soak_nl *nl, __u32 ctx_id, __u32 timer_id,
		  __u64 *expirations, __u64 *events, __u64 *pending);
/* STATS_GET: live contexts and timers of the module. */
int soak_nl_stats(struct soak_nl *nl, __u64 *contexts, __u64 *timers);

/* memory.c */
struct soak_mem {
	long long sunreclaim_kb;
	long long slab_kb;
	long long timer_objs;		/* timerx_timer slab objects, -1: unknown */
	bool timer_cache_merged;
	long long cg_kernel;		/* the soak cgroup's kernel memory, bytes, -1 */
	__u64 contexts, timers;		/* the module's live counts */
	int stats_err;
};

int soak_cgroup_setup(void);
void soak_cgroup_join(void);
void soak_cgroup_remove(void);
void soak_mem_snapshot(struct soak_mem *m, struct soak_nl *nl);
/* Compare; fails SC_MEMORY with the reasons. Prints the figures. */
void soak_mem_compare(const struct soak_mem *before, const struct soak_mem *after);
/* As nobody: all of the per-user limits can be used up again. */
void soak_user_limits_whole(void);

#endif /* SOAK_H */
