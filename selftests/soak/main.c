// SPDX-License-Identifier: GPL-2.0
/*
 * soak_test: the timerx soak. Runs SOAK_SECONDS (default 30) of root and
 * nobody workers, a REALTIME stepper and two netlink dumpers (root and
 * nobody) at once, then checks that memory and the per-user accounting
 * are back at their baseline. One TAP result per invariant class; the
 * figures as "# soak: ..." lines.
 *
 * Environment (all optional): SOAK_SECONDS, SOAK_SEED (the PRNG seed,
 * printed; the same seed makes the same choices, though timing still
 * differs), SOAK_WORKERS (root workers, 3), SOAK_NOBODY (nobody workers,
 * 2), SOAK_CTXS (contexts per worker, 3), SOAK_TIMERS (timer slots per
 * context, 8), SOAK_MIN_PERIOD_US (shortest period, 2000).
 *
 * It changes, and puts back: the per-user limits (module parameters),
 * /dev/timerx's mode (nobody must open it) and CLOCK_REALTIME.
 */
#include "soak.h"

/* The per-user limits for the soak: low, so that nobody runs into them. */
#define SOAK_USER_CONTEXTS	5
#define SOAK_USER_TIMERS	40
#define SOAK_USER_RATE		5000

struct soak_shared *soak;
const struct soak_config *soak_cfg;
static struct soak_config cfg;

static const char *const soak_check_desc[SC_NR] = {
	[SC_ACCOUNTING] = "no expiration lost: per timer, sum(1 + overrun) of its events + pending == expirations at every quiescent point",
	[SC_LIVE] = "never more read than expired while timers fire",
	[SC_EVENTS] = "every event well-formed: its timer, user_data, actual >= expected, on its grid",
	[SC_OPS] = "every call succeeded or hit a documented per-user limit",
	[SC_STEPS] = "absolute REALTIME timers obey clock steps",
	[SC_NETLINK] = "netlink dumps complete and consistent while the soak runs",
	[SC_MEMORY] = "memory and per-user accounting back at their baseline",
	[SC_PROCS] = "every process of the soak finished cleanly",
};

static const char *const soak_check_tag[SC_NR] = {
	[SC_ACCOUNTING] = "accounting", [SC_LIVE] = "live", [SC_EVENTS] = "events",
	[SC_OPS] = "ops", [SC_STEPS] = "steps", [SC_NETLINK] = "netlink",
	[SC_MEMORY] = "memory", [SC_PROCS] = "procs",
};

void soak_fail(enum soak_check c, const char *fmt, ...)
{
	unsigned int n = __atomic_fetch_add(&soak->fails[c], 1, __ATOMIC_RELAXED);
	char msg[sizeof(soak->first[0])];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!n)
		memcpy(soak->first[c], msg, sizeof(msg));
	/* The first few of each class; the count says how many more. */
	if (n < 5)
		printf("# soak %s: %s\n", soak_check_tag[c], msg);
}

static unsigned long long soak_env(const char *name, unsigned long long def)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 0) : def;
}

static void soak_configure(void)
{
	unsigned long long min_period = 0;

	cfg.seconds = (unsigned int)soak_env("SOAK_SECONDS", 30);
	cfg.seed = soak_env("SOAK_SEED", (unsigned long long)tx_now(CLOCK_MONOTONIC) ^
				       ((unsigned long long)getpid() << 32));
	cfg.workers = (unsigned int)soak_env("SOAK_WORKERS", 3);
	cfg.nobody_workers = (unsigned int)soak_env("SOAK_NOBODY", 2);
	cfg.ctxs = (unsigned int)soak_env("SOAK_CTXS", 3);
	cfg.timers = (unsigned int)soak_env("SOAK_TIMERS", 8);
	cfg.root_min_period_ns = soak_env("SOAK_MIN_PERIOD_US", 2000) * NSEC_PER_USEC;
	if (cfg.workers + cfg.nobody_workers > SOAK_MAX_PROCS - 3)
		cfg.workers = SOAK_MAX_PROCS - 3 - cfg.nobody_workers;
	if (cfg.ctxs < 1 || cfg.ctxs > SOAK_MAX_CTXS)
		cfg.ctxs = SOAK_MAX_CTXS;
	if (cfg.timers < 1 || cfg.timers > SOAK_MAX_TIMERS)
		cfg.timers = SOAK_MAX_TIMERS;
	if (!cfg.root_min_period_ns)
		cfg.root_min_period_ns = 100 * NSEC_PER_USEC;
	tx_param_read("min_period_ns", &min_period);
	cfg.nobody_min_period_ns = min_period > cfg.root_min_period_ns ? min_period :
									  cfg.root_min_period_ns;
	cfg.max_contexts_per_user = SOAK_USER_CONTEXTS;
	cfg.max_timers_per_user = SOAK_USER_TIMERS;
	cfg.max_user_rate = SOAK_USER_RATE;
	cfg.ncpus = tx_online_cpus(cfg.cpus, TX_MAX_CPUS);
	if (cfg.ncpus < 1) {
		cfg.ncpus = 1;
		cfg.cpus[0] = 0;
	}
	soak_cfg = &cfg;
}

enum soak_role { ROLE_WORKER, ROLE_NOBODY_WORKER, ROLE_STEPPER, ROLE_DUMPER, ROLE_NOBODY_DUMPER };

struct soak_proc {
	pid_t pid;
	enum soak_role role;
	unsigned int index;
	bool done;
};

static struct soak_proc procs[SOAK_MAX_PROCS];
static unsigned int nprocs;

static void soak_spawn(enum soak_role role, unsigned int index)
{
	pid_t pid;
	int ret = 1;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		soak_fail(SC_PROCS, "fork: %s", strerror(errno));
		return;
	}
	if (pid) {
		procs[nprocs++] = (struct soak_proc){ .pid = pid, .role = role, .index = index };
		return;
	}
	soak_cgroup_join();
	switch (role) {
	case ROLE_WORKER:
	case ROLE_NOBODY_WORKER:
		ret = soak_worker(index, role == ROLE_NOBODY_WORKER);
		break;
	case ROLE_STEPPER:
		ret = soak_stepper();
		break;
	case ROLE_DUMPER:
	case ROLE_NOBODY_DUMPER:
		ret = soak_dumper(role == ROLE_NOBODY_DUMPER);
		break;
	}
	fflush(stdout);
	_exit(ret);
}

static const char *soak_role_name(enum soak_role r)
{
	static const char *const names[] = { "worker", "nobody worker", "stepper", "dumper",
					     "nobody dumper" };

	return names[r];
}

/* Reap what has ended; true when all have. */
static bool soak_reap(void)
{
	unsigned int i, left = 0;

	for (i = 0; i < nprocs; i++) {
		struct soak_proc *p = &procs[i];
		int status;

		if (p->done)
			continue;
		if (waitpid(p->pid, &status, WNOHANG) != p->pid) {
			left++;
			continue;
		}
		p->done = true;
		if (WIFSIGNALED(status))
			soak_fail(SC_PROCS, "%s %u killed by signal %d", soak_role_name(p->role),
				  p->index, WTERMSIG(status));
		else if (WEXITSTATUS(status))
			soak_fail(SC_PROCS, "%s %u exited %d", soak_role_name(p->role), p->index,
				  WEXITSTATUS(status));
		else if (!soak_stopping())
			soak_fail(SC_PROCS, "%s %u ended before the soak did",
				  soak_role_name(p->role), p->index);
	}
	return !left;
}

static void soak_kill_all(void)
{
	unsigned int i;

	for (i = 0; i < nprocs; i++)
		if (!procs[i].done) {
			soak_fail(SC_PROCS, "%s %u still running long after the end: killed",
				  soak_role_name(procs[i].role), procs[i].index);
			kill(procs[i].pid, SIGKILL);
		}
	tx_sleep_ms(500);
	soak_reap();
}

/* Killed by the harness' timeout: the clock must not stay stepped. */
static void soak_on_term(int sig)
{
	(void)sig;
	soak_clock_restore();
	kill(0, SIGKILL);
}

static void soak_progress(__s64 elapsed_ms)
{
	printf("# soak: %lld s: %llu expirations in %llu events, %llu timers created, %llu contexts\n",
	       (long long)elapsed_ms / 1000, (unsigned long long)soak->stat[ST_EXPIRATIONS],
	       (unsigned long long)soak->stat[ST_EVENTS],
	       (unsigned long long)soak->stat[ST_TIMERS_CREATED],
	       (unsigned long long)soak->stat[ST_CTX_OPENED]);
}

static void soak_figures(__s64 ms)
{
	const __u64 *s = soak->stat;
	double secs = ms / 1000.0;

	printf("# soak: %llu timers, %llu expirations, %llu events (%.0f/s), largest fold %llu, in %.1f s, seed %llu\n",
	       (unsigned long long)s[ST_TIMERS_CREATED], (unsigned long long)s[ST_EXPIRATIONS],
	       (unsigned long long)s[ST_EVENTS], s[ST_EVENTS] / (secs > 0 ? secs : 1),
	       (unsigned long long)s[ST_MAX_OVERRUN], secs, (unsigned long long)cfg.seed);
	printf("# soak: %llu arms, %llu cancels, %llu deletes, %llu flushes (%llu events), %llu stalls, %llu ring-full callbacks\n",
	       (unsigned long long)s[ST_ARMS], (unsigned long long)s[ST_CANCELS],
	       (unsigned long long)s[ST_TIMERS_DELETED], (unsigned long long)s[ST_FLUSHES],
	       (unsigned long long)s[ST_FLUSHED_EVENTS], (unsigned long long)s[ST_STALLS],
	       (unsigned long long)s[ST_RING_FULL]);
	printf("# soak: %llu arms through BATCH, %llu postpones, %llu of them of an expired one-shot (ETIME), %llu events checked on their arming's grid\n",
	       (unsigned long long)s[ST_BATCH_ARMS], (unsigned long long)s[ST_POSTPONES],
	       (unsigned long long)s[ST_POSTPONE_ETIME], (unsigned long long)s[ST_GRID_CHECKS]);
	printf("# soak: %llu contexts (%llu closed while firing), %llu exact checks, %llu live checks, %llu netlink cross-checks, %llu per-user limit hits\n",
	       (unsigned long long)s[ST_CTX_OPENED], (unsigned long long)s[ST_CTX_CLOSED_FIRING],
	       (unsigned long long)s[ST_CHECKS], (unsigned long long)s[ST_LIVE_CHECKS],
	       (unsigned long long)s[ST_NL_CROSS], (unsigned long long)s[ST_LIMIT_HITS]);
	printf("# soak: %llu REALTIME steps (%llu probes), %llu dumps (%llu messages, %llu interrupted)\n",
	       (unsigned long long)s[ST_STEPS], (unsigned long long)s[ST_STEP_PROBES],
	       (unsigned long long)s[ST_DUMPS], (unsigned long long)s[ST_DUMP_MSGS],
	       (unsigned long long)s[ST_DUMP_INTR]);
}

/* A class that ran nothing proves nothing: say so instead of passing. */
static bool soak_class_exercised(enum soak_check c)
{
	const __u64 *s = soak->stat;

	switch (c) {
	case SC_ACCOUNTING:
		return s[ST_CHECKS] && s[ST_EXPIRATIONS];
	case SC_LIVE:
		return s[ST_LIVE_CHECKS];
	case SC_EVENTS:
		return s[ST_EVENTS];
	case SC_STEPS:
		return s[ST_STEP_PROBES];
	case SC_NETLINK:
		return s[ST_DUMPS] && s[ST_NL_CROSS];
	default:
		return true;
	}
}

int main(void)
{
	struct tx_param p_ctx, p_timers, p_rate;
	struct soak_mem before, after;
	struct tx_devmode devmode = { 0 };
	struct soak_nl *nl;
	unsigned int i;
	__s64 t0, end, last;
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ksft_print_header();
	ksft_set_plan(SC_NR);
	if (getuid() != 0)
		ksft_exit_skip("the soak runs as root (it steps the clock, becomes nobody)\n");
	if (access(TIMERX_DEVICE_PATH, R_OK | W_OK))
		ksft_exit_skip("%s: %s\n", TIMERX_DEVICE_PATH, strerror(errno));
	soak = mmap(NULL, sizeof(*soak), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		    -1, 0);
	if (soak == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	memset(soak, 0, sizeof(*soak));
	soak_configure();
	printf("# soak: %u s, seed %llu (SOAK_SEED=%llu repeats the choices), %u root + %u nobody workers, %u contexts x %u timers each, periods >= %llu us (nobody %llu us)\n",
	       cfg.seconds, (unsigned long long)cfg.seed, (unsigned long long)cfg.seed,
	       cfg.workers, cfg.nobody_workers, cfg.ctxs, cfg.timers,
	       (unsigned long long)cfg.root_min_period_ns / 1000,
	       (unsigned long long)cfg.nobody_min_period_ns / 1000);

	/* Its own process group: soak_on_term() kills only the soak. */
	setpgid(0, 0);
	signal(SIGTERM, soak_on_term);
	signal(SIGINT, soak_on_term);
	if (tx_param_set(&p_ctx, "max_contexts_per_user", SOAK_USER_CONTEXTS, 1024) ||
	    tx_param_set(&p_timers, "max_timers_per_user", SOAK_USER_TIMERS, 65536) ||
	    tx_param_set(&p_rate, "max_user_rate", SOAK_USER_RATE, 100000))
		soak_fail(SC_OPS, "cannot set the per-user limits for the soak");
	ret = tx_dev_open_to_all(&devmode);
	if (ret)
		soak_fail(SC_OPS, "chmod %s: %s", TIMERX_DEVICE_PATH, strerror(-ret));
	ret = soak_cgroup_setup();
	if (ret)
		printf("# soak: no memory cgroup (%s): its check is left out\n", strerror(-ret));

	nl = soak_nl_open();
	soak_mem_snapshot(&before, nl);
	soak_clock_record();

	t0 = soak_mono_ms();
	for (i = 0; i < cfg.workers; i++)
		soak_spawn(ROLE_WORKER, i);
	for (i = 0; i < cfg.nobody_workers; i++)
		soak_spawn(ROLE_NOBODY_WORKER, cfg.workers + i);
	soak_spawn(ROLE_STEPPER, 0);
	soak_spawn(ROLE_DUMPER, 0);
	soak_spawn(ROLE_NOBODY_DUMPER, 1);

	end = t0 + (__s64)cfg.seconds * 1000;
	last = t0;
	while (soak_mono_ms() < end) {
		tx_sleep_ms(200);
		soak_reap();
		if (soak_mono_ms() - last >= 10000) {
			last = soak_mono_ms();
			soak_progress(last - t0);
		}
	}
	__atomic_store_n(&soak->stop, 1, __ATOMIC_RELEASE);
	/* The workers' final checks drain and flush everything: give them time. */
	for (i = 0; i < 600 && !soak_reap(); i++)
		tx_sleep_ms(200);
	soak_kill_all();
	soak_figures(soak_mono_ms() - t0);
	soak_clock_restore();

	soak_mem_snapshot(&after, nl);
	soak_mem_compare(&before, &after);
	soak_user_limits_whole();
	if (nl)
		soak_nl_close(nl);
	tx_param_restore(&p_ctx);
	tx_param_restore(&p_timers);
	tx_param_restore(&p_rate);
	tx_dev_restore(&devmode);
	soak_cgroup_remove();

	for (i = 0; i < SC_NR; i++) {
		if (soak->fails[i]) {
			printf("# soak %s: %u failures, the first: %s\n", soak_check_tag[i],
			       soak->fails[i], soak->first[i]);
			ksft_test_result_fail("soak: %s\n", soak_check_desc[i]);
		} else if (!soak_class_exercised(i)) {
			printf("# soak %s: nothing of this class happened\n", soak_check_tag[i]);
			ksft_test_result_fail("soak: %s\n", soak_check_desc[i]);
		} else {
			ksft_test_result_pass("soak: %s\n", soak_check_desc[i]);
		}
	}
	ksft_finished();
}
