// SPDX-License-Identifier: GPL-2.0
/*
 * Memory back at its baseline once every process of the soak is gone.
 * Measured before the first fork and after the last exit, after letting
 * RCU, delayed fput and the slab caches settle:
 *
 *   the module's live contexts and timers (STATS_GET)      exact
 *   objects of the timerx_timer slab cache                 exact (the cache
 *       shrunk first, so per-CPU slabs count right; skipped
 *       when SLUB merged it with another cache)
 *   kernel memory charged to the soak's own memory cgroup  SOAK_CG_SLACK
 *       (every process of the soak ran in it, so everything the
 *       module allocated for them, GFP_KERNEL_ACCOUNT, rings included,
 *       was charged there; with them gone only the per-CPU charge
 *       caches of the memcg code may hold bytes)
 *   SUnreclaim of the whole machine                         SOAK_SLAB_SLACK
 *       (coarse: everything else the kernel did meanwhile; a
 *       per-timer leak over the soak's thousands of timers would
 *       exceed it)
 *
 * and the per-user accounting: nobody can open max_contexts_per_user
 * contexts, create max_timers_per_user timers, arm max_user_rate
 * expirations per second and lock exactly RLIMIT_MEMLOCK of rings again,
 * and not one more of each.
 */
#include "soak.h"

#include <dirent.h>
#include <sys/mount.h>

#define SOAK_CG			"/sys/fs/cgroup/timerx-soak"
/* The memcg per-CPU stock: up to a charge batch of 64 pages per CPU. */
#define SOAK_CG_SLACK		(64LL * 4096 * 2)
#define SOAK_SLAB_SLACK_KB	(4LL * 1024)

static bool soak_cg_ok;

static int soak_write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		ret = -errno;
	close(fd);
	return ret;
}

static int soak_read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	while (len + 1 < size && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	return 0;
}

/* "key value" lines (meminfo, memory.stat): the value, or -1. */
static long long soak_keyed(const char *path, const char *key)
{
	static char buf[1 << 16];
	size_t klen = strlen(key);
	char *p;

	if (soak_read_file(path, buf, sizeof(buf)))
		return -1;
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, klen) && (p[klen] == ' ' || p[klen] == ':'))
			return strtoll(p + klen + 1, NULL, 10);
	return -1;
}

int soak_cgroup_setup(void)
{
	int ret;

	if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) &&
	    mount("cgroup2", "/sys/fs/cgroup", "cgroup2", 0, NULL))
		return -errno;
	/* Already on, or not possible: the write tells. */
	soak_write_file("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
	rmdir(SOAK_CG);
	if (mkdir(SOAK_CG, 0755))
		return -errno;
	ret = access(SOAK_CG "/memory.stat", R_OK) ? -ENOENT : 0;
	soak_cg_ok = !ret;
	return ret;
}

void soak_cgroup_join(void)
{
	if (soak_cg_ok)
		soak_write_file(SOAK_CG "/cgroup.procs", "0");
}

void soak_cgroup_remove(void)
{
	if (soak_cg_ok)
		rmdir(SOAK_CG);
}

/* Per-CPU slabs back to their nodes and empty slabs freed, everywhere. */
static void soak_shrink_slabs(void)
{
	DIR *d = opendir("/sys/kernel/slab");
	struct dirent *de;
	char path[300];

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink", de->d_name);
		soak_write_file(path, "1");
	}
	closedir(d);
}

static void soak_settle(void)
{
	/* RCU-freed objects, delayed fput and kworkers that free contexts. */
	tx_sleep_ms(1500);
	sync();
	soak_write_file("/proc/sys/vm/drop_caches", "3");
	soak_shrink_slabs();
	tx_sleep_ms(500);
	soak_shrink_slabs();
}

static long long soak_timer_objs(bool *merged)
{
	static char buf[1 << 17];
	struct stat st;
	char *p;

	*merged = !lstat("/sys/kernel/slab/timerx_timer", &st) && S_ISLNK(st.st_mode);
	if (soak_read_file("/proc/slabinfo", buf, sizeof(buf)))
		return -1;
	p = strstr(buf, "\ntimerx_timer ");
	return p ? strtoll(p + strlen("\ntimerx_timer "), NULL, 10) : -1;
}

void soak_mem_snapshot(struct soak_mem *m, struct soak_nl *nl)
{
	soak_settle();
	m->sunreclaim_kb = soak_keyed("/proc/meminfo", "SUnreclaim");
	m->slab_kb = soak_keyed("/proc/meminfo", "Slab");
	m->timer_objs = soak_timer_objs(&m->timer_cache_merged);
	m->cg_kernel = soak_cg_ok ? soak_keyed(SOAK_CG "/memory.stat", "kernel") : -1;
	m->stats_err = nl ? soak_nl_stats(nl, &m->contexts, &m->timers) : -ENOTCONN;
}

void soak_mem_compare(const struct soak_mem *b, const struct soak_mem *a)
{
	printf("# soak memory: SUnreclaim %lld -> %lld kB, Slab %lld -> %lld kB, timerx_timer objects %lld -> %lld%s, soak cgroup kernel memory %lld -> %lld bytes, live contexts %llu -> %llu, timers %llu -> %llu\n",
	       b->sunreclaim_kb, a->sunreclaim_kb, b->slab_kb, a->slab_kb, b->timer_objs,
	       a->timer_objs, a->timer_cache_merged ? " (cache merged: not compared)" : "",
	       b->cg_kernel, a->cg_kernel, (unsigned long long)b->contexts,
	       (unsigned long long)a->contexts, (unsigned long long)b->timers,
	       (unsigned long long)a->timers);
	if (b->stats_err || a->stats_err)
		soak_fail(SC_MEMORY, "STATS_GET: %s / %s", strerror(-b->stats_err),
			  strerror(-a->stats_err));
	else if (a->contexts != b->contexts || a->timers != b->timers)
		soak_fail(SC_MEMORY, "the module holds %llu contexts and %llu timers, %llu and %llu before",
			  (unsigned long long)a->contexts, (unsigned long long)a->timers,
			  (unsigned long long)b->contexts, (unsigned long long)b->timers);
	if (!a->timer_cache_merged && a->timer_objs >= 0 && a->timer_objs != b->timer_objs)
		soak_fail(SC_MEMORY, "%lld timerx_timer objects allocated, %lld before",
			  a->timer_objs, b->timer_objs);
	if (a->cg_kernel > SOAK_CG_SLACK)
		soak_fail(SC_MEMORY,
			  "%lld bytes of kernel memory still charged to the soak's cgroup, which has no process left (slack %lld)",
			  a->cg_kernel, SOAK_CG_SLACK);
	if (a->sunreclaim_kb - b->sunreclaim_kb > SOAK_SLAB_SLACK_KB)
		soak_fail(SC_MEMORY, "SUnreclaim grew by %lld kB (slack %lld kB)",
			  a->sunreclaim_kb - b->sunreclaim_kb, SOAK_SLAB_SLACK_KB);
}

/* Rate budget use that exactly fills max_user_rate: 1 ms periods. */
#define SOAK_RATE_PERIOD_NS	NSEC_PER_MSEC

static void soak_limits_child(void)
{
	unsigned int nctx = soak_cfg->max_contexts_per_user, i, made = 0;
	unsigned int rate_timers = (unsigned int)(soak_cfg->max_user_rate / 1000);
	long page = sysconf(_SC_PAGESIZE);
	int fds[64], fd, spare_fd = -1, ret;
	__u32 id, spare = 0, ids[64];
	struct timerx_ring_params p;

	if (nctx > ARRAY_SIZE(fds) || rate_timers > ARRAY_SIZE(ids) ||
	    rate_timers >= soak_cfg->max_timers_per_user) {
		soak_fail(SC_MEMORY, "the soak's limits do not suit the check");
		return;
	}
	if (tx_drop_to_nobody()) {
		soak_fail(SC_MEMORY, "cannot become nobody: %s", strerror(errno));
		return;
	}
	/* One page per 2-entry ring: exactly nctx rings' worth. */
	if (tx_set_rlimit(RLIMIT_MEMLOCK, (rlim_t)nctx * page))
		soak_fail(SC_MEMORY, "RLIMIT_MEMLOCK: %s", strerror(errno));
	for (i = 0; i < nctx; i++) {
		fds[i] = tx_open();
		if (fds[i] < 0) {
			soak_fail(SC_MEMORY, "nobody's context %u of %u after the soak: %s", i + 1,
				  nctx, strerror(-fds[i]));
			nctx = i;
			break;
		}
		ret = tx_setup(fds[i], 2, &p);
		if (ret || p.mmap_len != (__u64)page)
			soak_fail(SC_MEMORY, "nobody's ring %u of %u (1 page each, RLIMIT_MEMLOCK %u pages) after the soak: %s",
				  i + 1, nctx, nctx, ret ? strerror(-ret) : "not one page");
	}
	fd = tx_open();
	if (fd != -EMFILE)
		soak_fail(SC_MEMORY, "context %u of nobody: %s, not EMFILE", nctx + 1,
			  fd >= 0 ? "opened" : strerror(-fd));
	if (fd >= 0)
		close(fd);
	if (!nctx)
		return;
	/* The first rate_timers in context 0, for the rate; the rest anywhere. */
	for (i = 0; i < soak_cfg->max_timers_per_user; i++) {
		int cfd = fds[i < rate_timers ? 0 : i % nctx];

		ret = tx_create(cfd, CLOCK_MONOTONIC, 0, 0, i, &id);
		if (ret) {
			soak_fail(SC_MEMORY, "nobody's timer %u of %u after the soak: %s", i + 1,
				  soak_cfg->max_timers_per_user, strerror(-ret));
			break;
		}
		if (i < rate_timers)
			ids[made++] = id;
		else if (spare_fd < 0)
			spare_fd = cfd, spare = id;
	}
	ret = tx_create(fds[0], CLOCK_MONOTONIC, 0, 0, 0, &id);
	if (ret != -ENOSPC)
		soak_fail(SC_MEMORY, "timer %u of nobody: %s, not ENOSPC",
			  soak_cfg->max_timers_per_user + 1, ret ? strerror(-ret) : "created");
	/* An hour away: the rate is charged when armed, and nothing fires. */
	for (i = 0; i < made; i++) {
		ret = tx_arm(fds[0], ids[i], 0, 3600 * NSEC_PER_SEC, SOAK_RATE_PERIOD_NS);
		if (ret)
			soak_fail(SC_MEMORY, "nobody arming %u of %u timers at 1000/s (max_user_rate %llu): %s",
				  i + 1, rate_timers, (unsigned long long)soak_cfg->max_user_rate,
				  strerror(-ret));
	}
	if (spare_fd >= 0) {
		ret = tx_arm(spare_fd, spare, 0, 3600 * NSEC_PER_SEC, SOAK_RATE_PERIOD_NS);
		if (ret != -EDQUOT)
			soak_fail(SC_MEMORY, "arming past max_user_rate: %s, not EDQUOT",
				  ret ? strerror(-ret) : "armed");
	}
	for (i = 0; i < nctx; i++)
		close(fds[i]);
}

void soak_user_limits_whole(void)
{
	int status = 0;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		soak_fail(SC_MEMORY, "fork: %s", strerror(errno));
		return;
	}
	if (!pid) {
		soak_limits_child();
		fflush(stdout);
		_exit(0);
	}
	if (tx_waitpid_timeout(pid, &status, 60000) != pid || !WIFEXITED(status)) {
		kill(pid, SIGKILL);
		soak_fail(SC_MEMORY, "the per-user limit check did not finish");
	}
}
