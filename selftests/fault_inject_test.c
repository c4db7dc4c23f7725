// SPDX-License-Identifier: GPL-2.0
/*
 * timerx under slab allocation failures (failslab).
 *
 * Systematic part, one test per operation: for N = 1, 2, 3, ... make the
 * N-th fault injection point this thread hits fail (write N to
 * /proc/thread-self/fail-nth), run the operation once, and read fail-nth
 * back. 0 means the fault was injected; a positive value means the
 * operation hit fewer than N points (the value is what was left), which
 * ends the loop: "<op>: N-1 fault points". After an injected fault the
 * operation must either have failed cleanly (an allocation-failure errno,
 * nothing half done: the context is as before and the same operation
 * without injection then succeeds) or have succeeded completely (a
 * fallback absorbed the fault: kvmalloc's vmalloc, kmemleak's and
 * debugobjects' pools, a per-user entry that already existed). Whatever
 * was created is undone every time, and the kernel must not log a splat.
 *
 * Random part: a short sequence of everything, for a few seconds, under
 * failslab probability 5% for this thread only (task-filter, make-it-fail);
 * any error is allowed, but afterwards every context still open must be
 * self-consistent and usable, and everything must be freed.
 *
 * Only fail-nth (or, in the random part, this thread's make-it-fail)
 * decides what fails: failslab/probability 0, task-filter Y, no cache
 * filter, ignore-gfp-wait N (with Y, every allocation that may sleep -
 * GFP_KERNEL, all of timerx's - is never failed and never even counted),
 * and verbose 0 for every fail* attribute (1 logs a line per fault, 2 -
 * the default - a stack trace too, which the harness counts as a kernel
 * splat). All of it is restored afterwards. Kernels without fault
 * injection (no fail-nth, no /sys/kernel/debug/failslab) skip.
 */
#include "uring_util.h"
#include "netlink_util.h"

#include <dirent.h>
#include <malloc.h>
#include <sys/mount.h>

#define FI_DEBUGFS		"/sys/kernel/debug"
#define FI_FAILSLAB		FI_DEBUGFS "/failslab"
#define FI_NTH			"/proc/thread-self/fail-nth"
#define FI_MAKE_IT_FAIL		"/proc/thread-self/make-it-fail"
/* No operation has anywhere near this many injection points. */
#define FI_MAX_N		1500
#define FI_RING			1024
#define FI_LONG_NS		(3600 * NSEC_PER_SEC)
#define FI_UD			0xfa017ULL

#define FI_MAX_KNOBS		24

struct fi_knob {
	char path[96];
	char saved[32];
};

struct fi_env {
	struct fi_knob knobs[FI_MAX_KNOBS];
	int nknobs;
	int nth;		/* fail-nth of the test's thread */
	int kmsg;		/* /dev/kmsg, from the test's start */
	bool usercopy;		/* fail_usercopy exists: EFAULT is clean too */
	struct tx_param hist;	/* "histograms", when a test changes it */
};

FIXTURE(fi)
{
	struct fi_env e;
};

/* ------------------------------------------------------------------ */
/* debugfs and proc knobs                                             */
/* ------------------------------------------------------------------ */

static int fi_read_str(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int fi_write_str(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;
	ssize_t len = (ssize_t)strlen(val);

	if (fd < 0)
		return -errno;
	if (write(fd, val, len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

/* Set a knob (below debugfs), keeping its value for the teardown. */
static int fi_knob(struct fi_env *self, const char *rel, const char *val)
{
	struct fi_knob *k;
	int ret;

	if (self->nknobs == FI_MAX_KNOBS)
		return -ENOSPC;
	k = &self->knobs[self->nknobs];
	snprintf(k->path, sizeof(k->path), FI_DEBUGFS "/%s", rel);
	ret = fi_read_str(k->path, k->saved, sizeof(k->saved));
	if (ret)
		return ret;
	ret = fi_write_str(k->path, val);
	if (ret)
		return ret;
	self->nknobs++;
	return 0;
}

static void fi_knobs_restore(struct fi_env *self)
{
	while (self->nknobs > 0) {
		struct fi_knob *k = &self->knobs[--self->nknobs];

		fi_write_str(k->path, k->saved);
	}
}

static int fi_nth_set(int fd, unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	return pwrite(fd, buf, len, 0) == len ? 0 : -errno;
}

static long fi_nth_get(int fd)
{
	char buf[16];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

FIXTURE_SETUP(fi)
{
	struct dirent *de;
	char rel[96];
	DIR *d;

	self->e.nknobs = 0;
	self->e.nth = -1;
	self->e.kmsg = -1;
	self->e.usercopy = false;
	memset(&self->e.hist, 0, sizeof(self->e.hist));
	if (access(FI_NTH, F_OK))
		SKIP(return, "no %s: kernel without CONFIG_FAULT_INJECTION", FI_NTH);
	if (access(FI_FAILSLAB, F_OK))
		mount("debugfs", FI_DEBUGFS, "debugfs", 0, NULL);
	if (access(FI_FAILSLAB, F_OK))
		SKIP(return, "no %s: kernel without %s", FI_FAILSLAB,
		     "CONFIG_FAILSLAB and CONFIG_FAULT_INJECTION_DEBUG_FS");
	if (geteuid())
		SKIP(return, "needs root for debugfs");
	self->e.nth = open(FI_NTH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->e.nth) TH_LOG("%s: %s", FI_NTH, strerror(errno));

	/* No random failures for anybody: only fail-nth / make-it-fail. */
	ASSERT_EQ(0, fi_knob(&self->e, "failslab/probability", "0"));
	ASSERT_EQ(0, fi_knob(&self->e, "failslab/task-filter", "Y"));
	ASSERT_EQ(0, fi_knob(&self->e, "failslab/interval", "1"));
	ASSERT_EQ(0, fi_knob(&self->e, "failslab/times", "-1"));
	ASSERT_EQ(0, fi_knob(&self->e, "failslab/space", "0"));
	ASSERT_EQ(0, fi_knob(&self->e, "failslab/ignore-gfp-wait", "N"));
	ASSERT_EQ(0, fi_knob(&self->e, "failslab/cache-filter", "N"));
	/* fail-nth arms every fault type: all of them quiet. */
	d = opendir(FI_DEBUGFS);
	ASSERT_NE(NULL, d);
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "fail", 4))
			continue;
		snprintf(rel, sizeof(rel), "%.64s/verbose", de->d_name);
		if (fi_knob(&self->e, rel, "0") == -ENOENT)
			continue;
		if (!strcmp(de->d_name, "fail_usercopy"))
			self->e.usercopy = true;
		/* Page allocation failures warn with a stack trace: kept out. */
		if (!strcmp(de->d_name, "fail_page_alloc"))
			fi_knob(&self->e, "fail_page_alloc/min-order", "32");
	}
	closedir(d);
	self->e.kmsg = tx_kmsg_open();
}

FIXTURE_TEARDOWN_PARENT(fi)
{
	tx_param_restore(&self->e.hist);
	fi_knobs_restore(&self->e);
}

/* ------------------------------------------------------------------ */
/* The systematic loop                                                */
/* ------------------------------------------------------------------ */

/* Where the loop is, for the messages of the checks. */
static const char *fi_op;
static unsigned int fi_n;
static bool fi_injected;
/*
 * What the operation achieved: its return value, unless the check knows
 * better (an io_uring command fails in its CQE, not in io_uring_enter).
 */
static int fi_result;

#define FI_LOG(fmt, ...) \
	TH_LOG("%s, fault %u%s: " fmt, fi_op, fi_n, fi_injected ? " (injected)" : \
	       " (not injected)", ##__VA_ARGS__)

typedef void (*fi_prep_fn)(struct __test_metadata *_metadata, void *arg);
typedef int (*fi_op_fn)(void *arg);
/* Check the outcome (@ret: the op's result) and undo what it created. */
typedef void (*fi_after_fn)(struct __test_metadata *_metadata, void *arg, int ret);

struct fi_case {
	const char *name;
	void *arg;
	fi_prep_fn prep;
	fi_op_fn op;
	fi_after_fn after;
	/* errnos of a clean failure, 0-terminated; none listed: any errno */
	int errnos[4];
};

static bool fi_clean_errno(struct fi_env *self, const struct fi_case *c, int err)
{
	unsigned int i;

	if (!c->errnos[0])
		return true;
	if (err == EFAULT && self->usercopy)
		return true;
	for (i = 0; i < ARRAY_SIZE(c->errnos) && c->errnos[i]; i++)
		if (c->errnos[i] == err)
			return true;
	return false;
}

static void fi_splat_check(struct __test_metadata *_metadata, struct fi_env *self)
{
	char splat[256];

	EXPECT_FALSE(tx_kmsg_splat(self->kmsg, splat, sizeof(splat)))
		FI_LOG("the kernel logged \"%s\"", splat);
}

#define FI_MAX_ERRNO	140

static void fi_report(const char *name, unsigned int points, unsigned int absorbed,
		      const unsigned int *err, long last)
{
	char buf[256];
	size_t len = 0;
	int e;

	buf[0] = '\0';
	for (e = 1; e < FI_MAX_ERRNO; e++) {
		const char *en = strerrorname_np(e);

		if (err[e] && len < sizeof(buf))
			len += snprintf(buf + len, sizeof(buf) - len, "%s%s x%u",
					len ? ", " : "", en ? en : "?", err[e]);
	}
	printf("# %s: %u fault points\n", name, points);
	printf("#   %s: %u failed it%s%s%s, %u absorbed; %ld point(s) on the last run\n",
	       name, points - absorbed, len ? " (" : "", buf, len ? ")" : "", absorbed, last);
	fflush(stdout);
}

/* Returns the number of fault points (0 after a failure of the test). */
static unsigned int fi_run(struct __test_metadata *_metadata, struct fi_env *self,
			   const struct fi_case *c)
{
	unsigned int n, absorbed = 0, err[FI_MAX_ERRNO] = { 0 };
	long left;
	int ret;

	fi_op = c->name;
	for (n = 1; n <= FI_MAX_N; n++) {
		fi_n = n;
		fi_injected = false;
		if (c->prep)
			c->prep(_metadata, c->arg);
		ASSERT_EQ(0, fi_nth_set(self->nth, n));
		ret = c->op(c->arg);
		left = fi_nth_get(self->nth);
		fi_nth_set(self->nth, 0);
		ASSERT_LE(0, left) FI_LOG("cannot read %s back", FI_NTH);
		fi_injected = !left;
		fi_result = ret;
		c->after(_metadata, c->arg, ret);
		ret = fi_result;
		fi_splat_check(_metadata, self);
		if (!fi_injected) {
			EXPECT_LE(0, ret) FI_LOG("failed without any fault injected: %s",
						 strerror(-ret));
			fi_report(c->name, n - 1, absorbed, err, n - left);
			return n - 1;
		}
		if (ret < 0) {
			err[-ret < FI_MAX_ERRNO ? -ret : 0]++;
			EXPECT_TRUE(fi_clean_errno(self, c, -ret))
				FI_LOG("failed with %s (%d): not an allocation failure's errno",
				       strerror(-ret), ret);
		} else {
			absorbed++;
		}
		if (_metadata->exit_code == KSFT_FAIL)
			return 0;
	}
	ASSERT_TRUE(false) FI_LOG("still failing after %u fault points", FI_MAX_N);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Shared checks                                                      */
/* ------------------------------------------------------------------ */

/*
 * Keep the test's own userspace out of the count: no brk/mmap from
 * malloc once the heap has grown once (libnl allocates per message).
 */
static void fi_heap_prewarm(void)
{
	void *p;

	mallopt(M_MMAP_MAX, 0);
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	mallopt(M_TOP_PAD, 8 << 20);
	p = malloc(4 << 20);
	if (p) {
		memset(p, 0, 4 << 20);
		free(p);
	}
}

static __u32 fi_ctx_timers(struct __test_metadata *_metadata, int fd)
{
	struct timerx_ctx_info ci;

	EXPECT_EQ(0, tx_ctx_info(fd, &ci)) FI_LOG("CTX_INFO failed");
	return ci.timers;
}

/* Wait until timer @id has written @events events in all. */
static int fi_wait_events(int fd, __u32 id, __u64 events)
{
	struct timerx_timer_info ti;
	__s64 start = tx_now(CLOCK_MONOTONIC);

	do {
		if (tx_get(fd, id, &ti))
			return -EIO;
		if (ti.events >= events)
			return 0;
		tx_sleep_ms(1);
	} while (tx_ms_since(start) < TX_FIRE_TIMEOUT_MS);
	return -ETIMEDOUT;
}

/* Wait until timer @id has expired @exp times in all. */
static int fi_wait_expired(int fd, __u32 id, __u64 exp)
{
	struct timerx_timer_info ti;
	__s64 start = tx_now(CLOCK_MONOTONIC);

	do {
		if (tx_get(fd, id, &ti))
			return -EIO;
		if (ti.expirations >= exp)
			return 0;
		tx_sleep_ms(1);
	} while (tx_ms_since(start) < TX_FIRE_TIMEOUT_MS);
	return -ETIMEDOUT;
}

static __u32 fi_state(struct __test_metadata *_metadata, int fd, __u32 id)
{
	struct timerx_timer_info ti;
	int ret = tx_get(fd, id, &ti);

	EXPECT_EQ(0, ret) FI_LOG("GET(%u): %s", id, strerror(-ret));
	return ti.state;
}

/* A timer of the mapped ring @r fires and its event arrives. */
static void fi_ring_works(struct __test_metadata *_metadata, struct tx_ring *r)
{
	struct timerx_event e;
	__u32 id;

	ASSERT_EQ(0, tx_create(r->fd, CLOCK_MONOTONIC, 0, 0, FI_UD + 1, &id))
		FI_LOG("CREATE on the context afterwards");
	ASSERT_EQ(0, tx_arm(r->fd, id, 0, 0, 0));
	ASSERT_EQ(1U, tx_collect(r, &e, 1, TX_FIRE_TIMEOUT_MS))
		FI_LOG("no event through the ring afterwards");
	EXPECT_EQ(id, e.timer_id);
	EXPECT_EQ(FI_UD + 1, e.user_data);
	ASSERT_EQ(0, tx_delete(r->fd, id));
}

/* ------------------------------------------------------------------ */
/* open(2)                                                            */
/* ------------------------------------------------------------------ */

struct fi_open {
	struct nlt nl;
	long refcnt;		/* module use count with nothing open */
	__u32 contexts;		/* STATS_GET CONTEXTS then */
	struct tx_ring other;	/* another context of the same user, or fd -1 */
	struct nlt_mon mon;	/* joined: CTX_NEW/CTX_DEL are built */
	bool have_mon;
	int fd;
};

static __u32 fi_nl_contexts(struct __test_metadata *_metadata, struct nlt *nl)
{
	struct nlt_obj o;

	nlt_get(nl, TIMERX_NL_CMD_STATS_GET, NLT_NONE_ID, NLT_NONE_ID, &o);
	return (__u32)o.v[TIMERX_NL_A_CONTEXTS];
}

/* A fresh context is complete: registered, sized, timers work. */
static void fi_ctx_complete(struct __test_metadata *_metadata, struct nlt *nl, int fd)
{
	struct timerx_ctx_info ci;
	struct nlt_reply r;
	struct nlt_one one;
	__u32 id;
	int ret;

	ASSERT_EQ(0, tx_ctx_info(fd, &ci));
	EXPECT_EQ((__u32)TIMERX_API_VERSION, ci.api_version);
	EXPECT_EQ(0U, ci.ring_entries);
	EXPECT_EQ(0U, ci.timers);
	ret = nlt_do(nl, TIMERX_NL_CMD_CTX_GET, ci.ctx_id, NLT_NONE_ID, &one, &r);
	ASSERT_EQ(0, ret) FI_LOG("the new context %u is not in the registry: %s",
				 ci.ctx_id, nlt_strerr(ret));
	EXPECT_EQ((__u64)getpid(), one.obj.v[TIMERX_NL_A_OWNER_PID]);
	ASSERT_EQ(0, tx_setup(fd, 8, NULL)) FI_LOG("SETUP_RING on the new context");
	ASSERT_EQ(0, tx_create(fd, CLOCK_MONOTONIC, 0, 0, 1, &id));
	ASSERT_EQ(0, tx_delete(fd, id));
}

static int fi_open_op(void *arg)
{
	struct fi_open *o = arg;

	o->fd = tx_open();
	return o->fd;
}

static void fi_open_after(struct __test_metadata *_metadata, void *arg, int ret)
{
	struct fi_open *o = arg;
	long refcnt;
	int fd;

	if (ret < 0) {
		EXPECT_EQ(o->contexts, fi_nl_contexts(_metadata, &o->nl))
			FI_LOG("a context is still registered after the failed open");
		/* and the device still opens */
		fd = tx_open();
		ASSERT_LE(0, fd) FI_LOG("open after the failed one: %s", strerror(-fd));
		fi_ctx_complete(_metadata, &o->nl, fd);
		close(fd);
	} else {
		EXPECT_EQ(o->contexts + 1, fi_nl_contexts(_metadata, &o->nl));
		fi_ctx_complete(_metadata, &o->nl, ret);
		close(ret);
	}
	refcnt = tx_wait_refcnt_le(o->refcnt, 2000);
	EXPECT_EQ(o->refcnt, refcnt) FI_LOG("module use count %ld, %ld before", refcnt,
					    o->refcnt);
	EXPECT_EQ(o->contexts, fi_nl_contexts(_metadata, &o->nl));
	if (o->have_mon)
		nlt_mon_read(&o->mon, 0);
}

static void fi_open_test(struct __test_metadata *_metadata, struct fi_env *self,
			 bool busy)
{
	static struct fi_open o;
	struct fi_case c = {
		.name = busy ? "open (user known, monitor joined)" : "open",
		.arg = &o,
		.op = fi_open_op,
		.after = fi_open_after,
		.errnos = { ENOMEM },
	};

	memset(&o, 0, sizeof(o));
	o.other.fd = -1;
	fi_heap_prewarm();
	nlt_connect(&o.nl);
	if (busy) {
		/* The per-user entry exists: its allocation may fail harmlessly. */
		tx_ring_open(&o.other, 8, false);
		ASSERT_EQ(0, nlt_mon_open(&o.mon, true));
		o.have_mon = true;
	}
	o.refcnt = tx_module_refcnt();
	ASSERT_LE(0, o.refcnt);
	o.contexts = fi_nl_contexts(_metadata, &o.nl);
	fi_run(_metadata, self, &c);
	if (o.have_mon)
		nlt_mon_close(&o.mon);
	tx_ring_close(&o.other);
	nlt_close(&o.nl);
}

TEST_F_TIMEOUT(fi, open, 120)
{
	fi_open_test(_metadata, &self->e, false);
}

TEST_F_TIMEOUT(fi, open_busy, 120)
{
	fi_open_test(_metadata, &self->e, true);
}

/* ------------------------------------------------------------------ */
/* TIMERX_IOC_SETUP_RING                                              */
/* ------------------------------------------------------------------ */

struct fi_setup {
	int fd;
	struct timerx_ring_params p;
};

static void fi_setup_prep(struct __test_metadata *_metadata, void *arg)
{
	struct fi_setup *s = arg;

	s->fd = tx_open();
	ASSERT_LE(0, s->fd);
}

static int fi_setup_op(void *arg)
{
	struct fi_setup *s = arg;

	memset(&s->p, 0, sizeof(s->p));
	return tx_setup(s->fd, FI_RING, &s->p);
}

static void fi_setup_after(struct __test_metadata *_metadata, void *arg, int ret)
{
	struct fi_setup *s = arg;
	struct timerx_ctx_info ci;
	struct tx_ring r;
	void *m;
	int err;

	ASSERT_EQ(0, tx_ctx_info(s->fd, &ci));
	if (ret < 0) {
		EXPECT_EQ(0U, ci.ring_entries) FI_LOG("the failed SETUP_RING left a ring");
		m = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd, 0);
		err = m == MAP_FAILED ? errno : 0;
		if (m != MAP_FAILED)
			munmap(m, 65536);
		EXPECT_EQ(EBADFD, err) FI_LOG("mmap after the failed SETUP_RING: %s",
					      err ? strerror(err) : "it works");
		EXPECT_EQ(-EBADFD, tx_create(s->fd, CLOCK_MONOTONIC, 0, 0, 0, NULL));
		ret = tx_setup(s->fd, FI_RING, &s->p);
		ASSERT_EQ(0, ret) FI_LOG("SETUP_RING after the failed one: %s", strerror(-ret));
	} else {
		EXPECT_EQ((__u32)FI_RING, ci.ring_entries);
		EXPECT_EQ(-EBUSY, tx_setup(s->fd, FI_RING, NULL));
	}
	EXPECT_EQ((__u32)FI_RING, s->p.entries);
	EXPECT_EQ(sizeof(struct timerx_event), s->p.event_size);
	EXPECT_EQ(sizeof(struct timerx_ring_hdr), s->p.events_offset);
	EXPECT_EQ((__u64)(sizeof(struct timerx_ring_hdr) + FI_RING * sizeof(struct timerx_event) +
			 4095) & ~4095ULL,
		  s->p.mmap_len);
	memset(&r, 0, sizeof(r));
	r.fd = s->fd;
	r.p = s->p;
	r.map = mmap(NULL, r.p.mmap_len, PROT_READ | PROT_WRITE, MAP_SHARED, r.fd, 0);
	ASSERT_NE(MAP_FAILED, r.map) FI_LOG("mmap of the ring: %s", strerror(errno));
	r.hdr = r.map;
	r.ev = (struct timerx_event *)((char *)r.map + r.p.events_offset);
	EXPECT_EQ((__u32)FI_RING, r.hdr->entries);
	EXPECT_EQ((__u32)FI_RING - 1, r.hdr->mask);
	EXPECT_EQ(0U, r.ev[FI_RING - 1].timer_id);
	fi_ring_works(_metadata, &r);
	tx_ring_close(&r);
}

TEST_F_TIMEOUT(fi, setup_ring, 120)
{
	static struct fi_setup s;
	struct fi_case c = {
		.name = "SETUP_RING",
		.arg = &s,
		.prep = fi_setup_prep,
		.op = fi_setup_op,
		.after = fi_setup_after,
		.errnos = { ENOMEM },
	};

	fi_run(_metadata, &self->e, &c);
}

/* ------------------------------------------------------------------ */
/* mmap(2) of the ring                                                */
/* ------------------------------------------------------------------ */

struct fi_mmap {
	struct tx_ring r;
	void *m;
};

static int fi_mmap_op(void *arg)
{
	struct fi_mmap *f = arg;

	f->m = mmap(NULL, f->r.p.mmap_len, PROT_READ | PROT_WRITE, MAP_SHARED, f->r.fd,
		    TIMERX_MMAP_OFF_RING);
	return f->m == MAP_FAILED ? -errno : 0;
}

static void fi_mmap_after(struct __test_metadata *_metadata, void *arg, int ret)
{
	struct fi_mmap *f = arg;
	struct timerx_ring_hdr *hdr;

	if (ret < 0) {
		ret = fi_mmap_op(f);
		ASSERT_EQ(0, ret) FI_LOG("mmap after the failed one: %s", strerror(-ret));
	}
	hdr = f->m;
	EXPECT_EQ((__u32)FI_RING, hdr->entries);
	EXPECT_EQ((__u32)FI_RING - 1, hdr->mask);
	/* Every page is there. */
	EXPECT_EQ(0U, ((struct timerx_event *)((char *)f->m + f->r.p.mmap_len) - 1)->overrun);
	EXPECT_EQ(0, munmap(f->m, f->r.p.mmap_len));
}

TEST_F_TIMEOUT(fi, mmap, 120)
{
	static struct fi_mmap f;
	struct fi_case c = {
		.name = "mmap",
		.arg = &f,
		.op = fi_mmap_op,
		.after = fi_mmap_after,
		.errnos = { ENOMEM },
	};

	tx_ring_open(&f.r, FI_RING, false);
	fi_run(_metadata, &self->e, &c);
	/* Then the real thing, through a mapping. */
	f.r.map = mmap(NULL, f.r.p.mmap_len, PROT_READ | PROT_WRITE, MAP_SHARED, f.r.fd, 0);
	ASSERT_NE(MAP_FAILED, f.r.map);
	f.r.hdr = f.r.map;
	f.r.ev = (struct timerx_event *)((char *)f.r.map + f.r.p.events_offset);
	fi_ring_works(_metadata, &f.r);
	tx_ring_close(&f.r);
}

/* ------------------------------------------------------------------ */
/* Timer commands (ioctl)                                             */
/* ------------------------------------------------------------------ */

struct fi_tmr {
	struct tx_ring r;
	struct nlt nl;		/* CREATE: LATENESS or not */
	bool hist;
	__u32 id;		/* the timer the command names */
	__u32 base;		/* timers before */
	__u64 period;		/* ARM */
	__u64 events;		/* read/poll: the timer's events so far */
	struct timerx_timer_info ti;
	struct timerx_ctx_info ci;
	struct timerx_event ev[4];
	short revents;
	__u32 ids[3];		/* FLUSH */
};

/* CREATE */

static void fi_create_prep(struct __test_metadata *_metadata, void *arg)
{
	struct fi_tmr *t = arg;

	t->base = fi_ctx_timers(_metadata, t->r.fd);
	t->id = 0;
}

static int fi_create_op(void *arg)
{
	struct fi_tmr *t = arg;

	return tx_create(t->r.fd, CLOCK_MONOTONIC, 0, 0, FI_UD, &t->id);
}

static void fi_create_after(struct __test_metadata *_metadata, void *arg, int ret)
{
	struct fi_tmr *t = arg;
	struct timerx_timer_info ti;
	struct timerx_event e;
	struct nlt_obj o;

	if (ret < 0) {
		EXPECT_EQ(t->base, fi_ctx_timers(_metadata, t->r.fd))
			FI_LOG("the failed CREATE left a timer");
		ret = tx_create(t->r.fd, CLOCK_MONOTONIC, 0, 0, FI_UD, &t->id);
		ASSERT_EQ(0, ret) FI_LOG("CREATE after the failed one: %s", strerror(-ret));
	}
	EXPECT_EQ(t->base + 1, fi_ctx_timers(_metadata, t->r.fd));
	ASSERT_EQ(0, tx_get(t->r.fd, t->id, &ti)) FI_LOG("GET of the new timer %u", t->id);
	EXPECT_EQ(FI_UD, ti.user_data);
	EXPECT_EQ(TX_IDLE, ti.state);
	EXPECT_EQ((__u32)CLOCK_MONOTONIC, ti.clockid);
	/* It fires, and records lateness exactly when it was created to. */
	ASSERT_EQ(0, tx_arm(t->r.fd, t->id, 0, 0, 0));
	ASSERT_EQ(1U, tx_collect(&t->r, &e, 1, TX_FIRE_TIMEOUT_MS))
		FI_LOG("the new timer's event never came");
	EXPECT_EQ(t->id, e.timer_id);
	nlt_get(&t->nl, TIMERX_NL_CMD_TIMER_GET, tx_ctx_id(t->r.fd), t->id, &o);
	EXPECT_EQ(t->hist, nlt_has(&o, TIMERX_NL_A_LATENESS))
		FI_LOG("timer created with histograms=%d %s LATENESS", t->hist,
		       t->hist ? "lacks" : "has");
	/* (nlt_parse() zeroes the histogram when there is none) */
	EXPECT_EQ(t->hist ? 1ULL : 0ULL, o.hist.count);
	ASSERT_EQ(0, tx_delete(t->r.fd, t->id));
	EXPECT_EQ(t->base, fi_ctx_timers(_metadata, t->r.fd));
}

static void fi_create_test(struct __test_metadata *_metadata, struct fi_env *self,
			   bool hist)
{
	static struct fi_tmr t;
	struct fi_case c = {
		.name = hist ? "CREATE (histograms=1)" : "CREATE (histograms=0)",
		.arg = &t,
		.prep = fi_create_prep,
		.op = fi_create_op,
		.after = fi_create_after,
		.errnos = { ENOMEM },
	};
	int ret;

	memset(&t, 0, sizeof(t));
	ret = tx_param_set(&self->hist, "histograms", hist, 1);
	ASSERT_EQ(0, ret) TH_LOG("histograms=%d: %s", hist, strerror(-ret));
	if (!self->hist.exists && !hist)
		SKIP(return, "no histograms parameter");
	t.hist = hist;
	fi_heap_prewarm();
	nlt_connect(&t.nl);
	tx_ring_open(&t.r, FI_RING, true);
	fi_run(_metadata, self, &c);
	tx_ring_close(&t.r);
	nlt_close(&t.nl);
}

TEST_F_TIMEOUT(fi, create_hist, 120)
{
	fi_create_test(_metadata, &self->e, true);
}

TEST_F_TIMEOUT(fi, create_nohist, 120)
{
	fi_create_test(_metadata, &self->e, false);
}

/* ARM */

static int fi_arm_op(void *arg)
{
	struct fi_tmr *t = arg;

	return tx_arm(t->r.fd, t->id, 0, FI_LONG_NS, t->period);
}

static void fi_arm_after(struct __test_metadata *_metadata, void *arg, int ret)
{
	struct fi_tmr *t = arg;
	struct timerx_timer_info ti;

	if (ret < 0) {
		EXPECT_EQ(TX_IDLE, fi_state(_metadata, t->r.fd, t->id))
			FI_LOG("the failed ARM armed the timer");
		ret = fi_arm_op(t);
		ASSERT_EQ(0, ret) FI_LOG("ARM after the failed one: %s", strerror(-ret));
	}
	ASSERT_EQ(0, tx_get(t->r.fd, t->id, &ti));
	EXPECT_EQ(TX_ARMED, ti.state);
	EXPECT_EQ(t->period, ti.period_ns);
	EXPECT_LT(tx_now(CLOCK_MONOTONIC) + FI_LONG_NS - 60 * NSEC_PER_SEC, ti.next_expiry_ns);
	ASSERT_EQ(0, tx_cancel(t->r.fd, t->id));
	EXPECT_EQ(TX_IDLE, fi_state(_metadata, t->r.fd, t->id));
}

static void fi_arm_test(struct __test_metadata *_metadata, struct fi_env *self,
			__u64 period)
{
	static struct fi_tmr t;
	struct fi_case c = {
		.name = period ? "ARM (periodic)" : "ARM (one-shot)",
		.arg = &t,
		.op = fi_arm_op,
		.after = fi_arm_after,
		.errnos = { ENOMEM },
	};

	memset(&t, 0, sizeof(t));
	t.period = period;
	tx_ring_open(&t.r, FI_RING, true);
	ASSERT_EQ(0, tx_create(t.r.fd, CLOCK_MONOTONIC, 0, 0, FI_UD, &t.id));
	fi_run(_metadata, self, &c);
	ASSERT_EQ(0, tx_delete(t.r.fd, t.id));
	fi_ring_works(_metadata, &t.r);
	tx_ring_close(&t.r);
}

TEST_F_TIMEOUT(fi, arm_oneshot, 120)
{
	fi_arm_test(_metadata, &self->e, 0);
}

TEST_F_TIMEOUT(fi, arm_periodic, 120)
{
	fi_arm_test(_metadata, &self->e, 10 * NSEC_PER_MSEC);
}

/* CANCEL */

static void fi_cancel_prep(struct __test_metadata *_metadata, void *arg)
{
	struct fi_tmr *t = arg;

	ASSERT_EQ(0, tx_arm(t->r.fd, t->id, 0, FI_LONG_NS, 10 * NSEC_PER_MSEC));
}

static int fi_cancel_op(void *arg)
{
	struct fi_tmr *t = arg;

	return tx_cancel(t->r.fd, t->id);
}

static void fi_cancel_after(struct __test_metadata *_metadata, void *arg, int ret)
{
	struct fi_tmr *t = arg;

	if (ret < 0) {
		EXPECT_EQ(TX_ARMED, fi_state(_metadata, t->r.fd, t->id))
			FI_LOG("the failed CANCEL changed the timer");
		ret = fi_cancel_op(t);
		ASSERT_EQ(0, ret) FI_LOG("CANCEL after the failed one: %s", strerror(-ret));
	}
	EXPECT_EQ(TX_IDLE, fi_state(_metadata, t->r.fd, t->id));
}

TEST_F_TIMEOUT(fi, cancel, 120)
{
	static struct fi_tmr t;
	struct fi_case c = {
		.name = "CANCEL",
		.arg = &t,
		.prep = fi_cancel_prep,
		.op = fi_cancel_op,
		.after = fi_cancel_after,
		.errnos = { ENOMEM },
	};

	memset(&t, 0, sizeof(t));
	tx_ring_open(&t.r, FI_RING, true);
	ASSERT_EQ(0, tx_create(t.r.fd, CLOCK_MONOTONIC, 0, 0, FI_UD, &t.id));
	fi_run(_metadata, &self->e, &c);
	fi_ring_works(_metadata, &t.r);
	tx_ring_close(&t.r);
}

/* DELETE */

static void fi_delete_prep(struct __test_metadata *_metadata, void *arg)
{
	struct fi_tmr *t = arg;

	t->base = fi_ctx_timers(_metadata, t->r.fd);
	ASSERT_EQ(0, tx_create(t->r.fd, CLOCK_MONOTONIC, 0, 0, FI_UD, &t->id));
	/* With something to discard: armed, with an event in the ring. */
	ASSERT_EQ(0, tx_arm(t->r.fd, t->id, 0, FI_LONG_NS, 10 * NSEC_PER_MSEC));
}

static int fi_delete_op(void *arg)
{
	struct fi_tmr *t = arg;

	return tx_delete(t->r.fd, t->id);
}

static void fi_delete_after(struct __test_metadata *_metadata, void *arg, int ret)
{
	struct fi_tmr *t = arg;
	struct timerx_timer_info ti;

	if (ret < 0) {
		EXPECT_EQ(TX_ARMED, fi_state(_metadata, t->r.fd, t->id))
			FI_LOG("the failed DELETE changed the timer");
		ret = fi_delete_op(t);
		ASSERT_EQ(0, ret) FI_LOG("DELETE after the failed one: %s", strerror(-ret));
	}
	EXPECT_EQ(-ENOENT, tx_get(t->r.fd, t->id, &ti));
	EXPECT_EQ(t->base, fi_ctx_timers(_metadata, t->r.fd));
}

TEST_F_TIMEOUT(fi, delete, 120)
{
	static struct fi_tmr t;
	struct fi_case c = {
		.name = "DELETE",
		.arg = &t,
		.prep = fi_delete_prep,
		.op = fi_delete_op,
		.after = fi_delete_after,
		.errnos = { ENOMEM },
	};

	memset(&t, 0, sizeof(t));
	tx_ring_open(&t.r, FI_RING, true);
	fi_run(_metadata, &self->e, &c);
	fi_ring_works(_metadata, &t.r);
	tx_ring_close(&t.r);
}

/* GET */

static int fi_get_op(void *arg)
{
	struct fi_tmr *t = arg;

	return tx_get(t->r.fd, t->id, &t->ti);
}

static void fi_get_after(struct __test_metadata *_metadata, void *arg, int ret)
{
	struct fi_tmr *t = arg;

	if (ret < 0) {
		ret = fi_get_op(t);
		ASSERT_EQ(0, ret) FI_LOG("GET after the failed one: %s", strerror(-ret));
	}
	EXPECT_EQ(FI_UD, t->ti.user_data);
	EXPECT_EQ(TX_ARMED, t->ti.state);
	EXPECT_EQ((__u64)(10 * NSEC_PER_MSEC), t->ti.period_ns);
}

TEST_F_TIMEOUT(fi, get, 120)
{
	static struct fi_tmr t;
	struct fi_case c = {
		.name = "GET",
		.arg = &t,
		.op = fi_get_op,
		.after = fi_get_after,
		.errnos = { ENOMEM },
	};

	memset(&t, 0, sizeof(t));
	tx_ring_open(&t.r, FI_RING, true);
	ASSERT_EQ(0, tx_create(t.r.fd, CLOCK_MONOTONIC, 0, 0, FI_UD, &t.id));
	ASSERT_EQ(0, tx_arm(t.r.fd, t.id, 0, FI_LONG_NS, 10 * NSEC_PER_MSEC));
	fi_run(_metadata, &self->e, &c);
	tx_ring_close(&t.r);
}

/* CTX_INFO */

static int fi_ctx_info_op(void *arg)
{
	struct fi_tmr *t = arg;

	return tx_ctx_info(t->r.fd, &t->ci);
}

static void fi_ctx_info_after(struct __test_metadata *_metadata, void *arg, int ret)
{
	struct fi_tmr *t = arg;

	if (ret < 0) {
		ret = fi_ctx_info_op(t);
		ASSERT_EQ(0, ret) FI_LOG("CTX_INFO after the failed one: %s", strerror(-ret));
	}
	EXPECT_EQ((__u32)TIMERX_API_VERSION, t->ci.api_version);
	EXPECT_EQ((__u32)FI_RING, t->ci.ring_entries);
	EXPECT_EQ(1U, t->ci.timers);
}

TEST_F_TIMEOUT(fi, ctx_info, 120)
{
	static struct fi_tmr t;
	struct fi_case c = {
		.name = "CTX_INFO",
		.arg = &t,
		.op = fi_ctx_info_op,
		.after = fi_ctx_info_after,
		.errnos = { ENOMEM },
	};

	memset(&t, 0, sizeof(t));
	tx_ring_open(&t.r, FI_RING, true);
	ASSERT_EQ(0, tx_create(t.r.fd, CLOCK_MONOTONIC, 0, 0, FI_UD, &t.id));
	fi_run(_metadata, &self->e, &c);
	tx_ring_close(&t.r);
}

/*
 * FLUSH with an expiration waiting: a 2-entry ring, three one-shots fired
 * (two events in the ring, one pending), the two events consumed: the
 * flush has one expiration to write.
 */
static __u64 fi_pending(struct __test_metadata *_metadata, int fd, const __u32 *ids, int n)
{
	struct timerx_timer_info ti;
	__u64 sum = 0;
	int i;

	for (i = 0; i < n; i++) {
		EXPECT_EQ(0, tx_get(fd, ids[i], &ti));
		sum += ti.pending;
	}
	return sum;
}

/* The timer of the io_uring tests. */
static void fi_create1(struct __test_metadata *_metadata, struct fi_tmr *t)
{
	int ret = tx_create(t->r.fd, CLOCK_MONOTONIC, 0, 0, FI_UD, &t->id);

	ASSERT_EQ(0, ret);
}

/* Three one-shot timers for the FLUSH tests. */
static void fi_create3(struct __test_metadata *_metadata, struct fi_tmr *t)
{
	int i, ret;

	for (i = 0; i < 3; i++) {
		ret = tx_create(t->r.fd, CLOCK_MONOTONIC, 0, 0, FI_UD + i, &t->ids[i]);
		ASSERT_EQ(0, ret);
	}
}

static void fi_flush_make_pending(struct __test_metadata *_metadata, struct fi_tmr *t)
{
	struct timerx_timer_info ti;
	int i;

	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, tx_get(t->r.fd, t->ids[i], &ti));
		ASSERT_EQ(0, tx_arm(t->r.fd, t->ids[i], 0, 0, 0));
		ASSERT_EQ(0, fi_wait_expired(t->r.fd, t->ids[i], ti.expirations + 1))
			FI_LOG("timer %u did not expire", t->ids[i]);
	}
	ASSERT_EQ(1ULL, fi_pending(_metadata, t->r.fd, t->ids, 3));
	ASSERT_NE(0U, tx_ring_flags(&t->r) & TIMERX_RING_F_OVERFLOW);
	ASSERT_EQ(2U, tx_consume(&t->r, t->ev, 2));
}

static void fi_flush_prep(struct __test_metadata *_metadata, void *arg)
{
	fi_flush_make_pending(_metadata, arg);
}

static int fi_flush_op(void *arg)
{
	struct fi_tmr *t = arg;

	return tx_flush(t->r.fd);
}

static void fi_flush_done(struct __test_metadata *_metadata, struct fi_tmr *t, int ret)
{
	EXPECT_EQ(1, ret) FI_LOG("FLUSH wrote %d events, 1 was pending", ret);
	EXPECT_EQ(0ULL, fi_pending(_metadata, t->r.fd, t->ids, 3));
	EXPECT_EQ(1U, tx_consume(&t->r, t->ev, 2)) FI_LOG("the flushed event is not in the ring");
	EXPECT_EQ(0U, tx_ring_flags(&t->r) & TIMERX_RING_F_OVERFLOW);
}

static void fi_flush_after(struct __test_metadata *_metadata, void *arg, int ret)
{
	struct fi_tmr *t = arg;

	if (ret < 0) {
		EXPECT_EQ(1ULL, fi_pending(_metadata, t->r.fd, t->ids, 3))
			FI_LOG("the failed FLUSH lost the pending expiration");
		ret = fi_flush_op(t);
	}
	fi_flush_done(_metadata, t, ret);
}

TEST_F_TIMEOUT(fi, flush, 120)
{
	static struct fi_tmr t;
	struct fi_case c = {
		.name = "FLUSH",
		.arg = &t,
		.prep = fi_flush_prep,
		.op = fi_flush_op,
		.after = fi_flush_after,
		.errnos = { ENOMEM },
	};

	memset(&t, 0, sizeof(t));
	tx_ring_open(&t.r, 2, true);
	fi_create3(_metadata, &t);
	fi_run(_metadata, &self->e, &c);
	tx_ring_close(&t.r);
}

/* read(2) and poll(2) with an event in the ring (no mapping) */

static void fi_event_prep(struct __test_metadata *_metadata, void *arg)
{
	struct fi_tmr *t = arg;
	struct timerx_timer_info ti;

	ASSERT_EQ(0, tx_get(t->r.fd, t->id, &ti));
	t->events = ti.events;
	ASSERT_EQ(0, tx_arm(t->r.fd, t->id, 0, 0, 0));
	ASSERT_EQ(0, fi_wait_events(t->r.fd, t->id, t->events + 1))
		FI_LOG("the event was never written");
}

static int fi_read_op(void *arg)
{
	struct fi_tmr *t = arg;

	return tx_read_events(t->r.fd, t->ev, 4);
}

static void fi_read_after(struct __test_metadata *_metadata, void *arg, int ret)
{
	struct fi_tmr *t = arg;

	if (ret < 0) {
		ret = fi_read_op(t);
		ASSERT_LE(0, ret) FI_LOG("read after the failed one: %s", strerror(-ret));
	}
	EXPECT_EQ(1, ret) FI_LOG("read %d events, 1 was ready", ret);
	EXPECT_EQ(t->id, t->ev[0].timer_id);
	EXPECT_EQ(FI_UD, t->ev[0].user_data);
	EXPECT_EQ(-EAGAIN, fi_read_op(t));
}

static int fi_poll_op(void *arg)
{
	struct fi_tmr *t = arg;
	struct pollfd pfd = { .fd = t->r.fd, .events = POLLIN };
	int ret = poll(&pfd, 1, 0);

	t->revents = pfd.revents;
	return ret < 0 ? -errno : ret;
}

static void fi_poll_after(struct __test_metadata *_metadata, void *arg, int ret)
{
	struct fi_tmr *t = arg;

	if (ret < 0) {
		ret = fi_poll_op(t);
		ASSERT_LE(0, ret) FI_LOG("poll after the failed one: %s", strerror(-ret));
	}
	EXPECT_EQ(1, ret) FI_LOG("poll returned %d with an event ready", ret);
	EXPECT_TRUE(t->revents & POLLIN);
	EXPECT_EQ(1, fi_read_op(t));
	EXPECT_EQ(0, fi_poll_op(t));
}

static void fi_event_test(struct __test_metadata *_metadata, struct fi_env *self,
			  bool poll)
{
	static struct fi_tmr t;
	struct fi_case c = {
		.name = poll ? "poll" : "read",
		.arg = &t,
		.prep = fi_event_prep,
		.op = poll ? fi_poll_op : fi_read_op,
		.after = poll ? fi_poll_after : fi_read_after,
		.errnos = { ENOMEM },
	};

	memset(&t, 0, sizeof(t));
	tx_ring_open(&t.r, 16, false);
	ASSERT_EQ(0, fcntl(t.r.fd, F_SETFL, O_NONBLOCK));
	ASSERT_EQ(0, tx_create(t.r.fd, CLOCK_MONOTONIC, 0, 0, FI_UD, &t.id));
	fi_run(_metadata, self, &c);
	tx_ring_close(&t.r);
}

TEST_F_TIMEOUT(fi, read, 120)
{
	fi_event_test(_metadata, &self->e, false);
}

TEST_F_TIMEOUT(fi, poll, 120)
{
	fi_event_test(_metadata, &self->e, true);
}

/* ------------------------------------------------------------------ */
/* io_uring commands                                                  */
/* ------------------------------------------------------------------ */

enum fi_uring_kind {
	FI_U_CREATE, FI_U_ARM, FI_U_CANCEL, FI_U_DELETE, FI_U_FLUSH,
	FI_U_WAIT_READY, FI_U_WAIT_QUEUED,
};

struct fi_uring {
	enum fi_uring_kind kind;
	struct fi_tmr t;	/* the context and its timers */
	struct tx_uring u;	/* fresh for each run: io_uring allocates too */
	__u32 cmd_op;
	union {
		struct timerx_create create;
		struct timerx_arm arm;
		struct timerx_timer_ref ref;
		unsigned char zero[16];
	} payload;
	size_t len;
	__u64 ud;
};

/* Queue the command (not submitted yet: the op's io_uring_enter does). */
static void fi_uring_queue(struct __test_metadata *_metadata, struct fi_uring *f)
{
	ASSERT_NE(NULL, tx_uring_prep_cmd(&f->u, f->t.r.fd, f->cmd_op, &f->payload, f->len,
					  ++f->ud));
	__atomic_store_n(f->u.sq_tail, *f->u.sq_tail + f->u.sq_pending, __ATOMIC_RELEASE);
	f->u.sq_pending = 0;
}

static int fi_uring_enter(struct tx_uring *u)
{
	int ret = syscall(__NR_io_uring_enter, u->fd, 1, 0, 0, NULL, 0);

	return ret < 0 ? -errno : ret;
}

static void fi_uring_prep(struct __test_metadata *_metadata, void *arg)
{
	struct fi_uring *f = arg;
	struct fi_tmr *t = &f->t;
	int ret;

	ret = tx_uring_init(&f->u, 4, IORING_SETUP_SQE128);
	if (ret)
		f->u.fd = -1;
	ASSERT_EQ(0, ret) FI_LOG("io_uring_setup: %s", strerror(-ret));
	memset(&f->payload, 0, sizeof(f->payload));
	t->base = fi_ctx_timers(_metadata, t->r.fd);
	switch (f->kind) {
	case FI_U_CREATE:
		f->cmd_op = TIMERX_IOC_CREATE;
		f->payload.create.clockid = CLOCK_MONOTONIC;
		f->payload.create.user_data = FI_UD;
		f->len = sizeof(f->payload.create);
		break;
	case FI_U_ARM:
		f->cmd_op = TIMERX_IOC_ARM;
		f->payload.arm.timer_id = t->id;
		f->payload.arm.expires_ns = FI_LONG_NS;
		f->len = sizeof(f->payload.arm);
		break;
	case FI_U_CANCEL:
		ASSERT_EQ(0, tx_arm(t->r.fd, t->id, 0, FI_LONG_NS, 0));
		f->cmd_op = TIMERX_IOC_CANCEL;
		f->payload.ref.timer_id = t->id;
		f->len = sizeof(f->payload.ref);
		break;
	case FI_U_DELETE:
		ASSERT_EQ(0, tx_create(t->r.fd, CLOCK_MONOTONIC, 0, 0, FI_UD, &t->id));
		t->base++;
		f->cmd_op = TIMERX_IOC_DELETE;
		f->payload.ref.timer_id = t->id;
		f->len = sizeof(f->payload.ref);
		break;
	case FI_U_FLUSH:
		fi_flush_make_pending(_metadata, t);
		f->cmd_op = TIMERX_IOC_FLUSH;
		f->len = 0;
		break;
	case FI_U_WAIT_READY:
		fi_event_prep(_metadata, t);
		f->cmd_op = TIMERX_URING_CMD_WAIT;
		f->len = sizeof(f->payload.zero);
		break;
	case FI_U_WAIT_QUEUED:
		f->cmd_op = TIMERX_URING_CMD_WAIT;
		f->len = sizeof(f->payload.zero);
		break;
	}
	fi_uring_queue(_metadata, f);
}

static int fi_uring_op(void *arg)
{
	struct fi_uring *f = arg;

	return fi_uring_enter(&f->u);
}

/* The state the command would have changed, unchanged after its failure. */
static void fi_uring_unchanged(struct __test_metadata *_metadata, struct fi_uring *f)
{
	struct fi_tmr *t = &f->t;
	struct timerx_timer_info ti;

	switch (f->kind) {
	case FI_U_CREATE:
		EXPECT_EQ(t->base, fi_ctx_timers(_metadata, t->r.fd))
			FI_LOG("the failed CREATE left a timer");
		break;
	case FI_U_ARM:
		EXPECT_EQ(TX_IDLE, fi_state(_metadata, t->r.fd, t->id))
			FI_LOG("the failed ARM armed the timer");
		break;
	case FI_U_CANCEL:
		EXPECT_EQ(TX_ARMED, fi_state(_metadata, t->r.fd, t->id))
			FI_LOG("the failed CANCEL changed the timer");
		break;
	case FI_U_DELETE:
		EXPECT_EQ(0, tx_get(t->r.fd, t->id, &ti)) FI_LOG("the failed DELETE deleted");
		EXPECT_EQ(t->base, fi_ctx_timers(_metadata, t->r.fd));
		break;
	case FI_U_FLUSH:
		EXPECT_EQ(1ULL, fi_pending(_metadata, t->r.fd, t->ids, 3))
			FI_LOG("the failed FLUSH lost the pending expiration");
		break;
	case FI_U_WAIT_READY:
	case FI_U_WAIT_QUEUED:
		break;
	}
}

/*
 * Reap the command's completion. A queued WAIT is completed by an event:
 * if it has not completed at once, a one-shot fires for it.
 */
static int fi_uring_reap(struct __test_metadata *_metadata, struct fi_uring *f)
{
	struct io_uring_cqe cqe;
	int ret;

	if (f->kind == FI_U_WAIT_QUEUED) {
		ret = tx_uring_wait_cqe(&f->u, &cqe, 0);
		ASSERT_LE(0, ret) FI_LOG("io_uring_enter(GETEVENTS): %s", strerror(-ret));
		if (ret == 1) {
			EXPECT_EQ(f->ud, cqe.user_data);
			EXPECT_GT(0, cqe.res) FI_LOG("WAIT completed with %d, nothing was ready",
						     cqe.res);
			return cqe.res;
		}
		fi_event_prep(_metadata, &f->t);
	}
	ret = tx_uring_wait_cqe(&f->u, &cqe, TX_FIRE_TIMEOUT_MS);
	ASSERT_EQ(1, ret) FI_LOG("no completion for the submitted command (%d)", ret);
	EXPECT_EQ(f->ud, cqe.user_data);
	return cqe.res;
}

/* The command succeeded with @res: check it, and undo it. */
static void fi_uring_done(struct __test_metadata *_metadata, struct fi_uring *f, int res)
{
	struct fi_tmr *t = &f->t;
	struct timerx_timer_info ti;

	switch (f->kind) {
	case FI_U_CREATE:
		ASSERT_LT(0, res);
		ASSERT_EQ(0, tx_get(t->r.fd, (__u32)res, &ti))
			FI_LOG("GET of the new timer %d", res);
		EXPECT_EQ(FI_UD, ti.user_data);
		EXPECT_EQ(t->base + 1, fi_ctx_timers(_metadata, t->r.fd));
		ASSERT_EQ(0, tx_delete(t->r.fd, (__u32)res));
		break;
	case FI_U_ARM:
		EXPECT_EQ(0, res);
		EXPECT_EQ(TX_ARMED, fi_state(_metadata, t->r.fd, t->id));
		ASSERT_EQ(0, tx_cancel(t->r.fd, t->id));
		break;
	case FI_U_CANCEL:
		EXPECT_EQ(0, res);
		EXPECT_EQ(TX_IDLE, fi_state(_metadata, t->r.fd, t->id));
		break;
	case FI_U_DELETE:
		EXPECT_EQ(0, res);
		EXPECT_EQ(-ENOENT, tx_get(t->r.fd, t->id, &ti));
		EXPECT_EQ(t->base - 1, fi_ctx_timers(_metadata, t->r.fd));
		break;
	case FI_U_FLUSH:
		fi_flush_done(_metadata, t, res);
		break;
	case FI_U_WAIT_READY:
	case FI_U_WAIT_QUEUED:
		EXPECT_EQ(1, res) FI_LOG("WAIT reported %d events, 1 was ready", res);
		EXPECT_EQ(1U, tx_consume(&t->r, t->ev, 4));
		break;
	}
}

static void fi_uring_after(struct __test_metadata *_metadata, void *arg, int ret)
{
	struct fi_uring *f = arg;
	int res;

	if (ret < 0) {
		/* Nothing was consumed: the SQE is still there, submit it now. */
		EXPECT_EQ(*f->u.sq_tail - 1, __atomic_load_n(f->u.sq_head, __ATOMIC_ACQUIRE))
			FI_LOG("io_uring_enter failed but consumed the SQE");
		fi_uring_unchanged(_metadata, f);
		ret = fi_uring_enter(&f->u);
		ASSERT_EQ(1, ret) FI_LOG("io_uring_enter after the failed one: %d", ret);
		res = fi_uring_reap(_metadata, f);
		ASSERT_LE(0, res) FI_LOG("the command after the failed enter: %s",
					 strerror(-res));
	} else {
		ASSERT_EQ(1, ret) FI_LOG("io_uring_enter submitted %d", ret);
		res = fi_uring_reap(_metadata, f);
		fi_result = res;
		if (res < 0) {
			EXPECT_TRUE(fi_injected) FI_LOG("the command failed: %s", strerror(-res));
			EXPECT_EQ(-ENOMEM, res) FI_LOG("the command failed with %s, not ENOMEM",
						       strerror(-res));
			fi_uring_unchanged(_metadata, f);
			/* The same command, without injection. */
			fi_uring_queue(_metadata, f);
			ASSERT_EQ(1, fi_uring_enter(&f->u));
			res = fi_uring_reap(_metadata, f);
			ASSERT_LE(0, res) FI_LOG("the command after the failed one: %s",
						 strerror(-res));
		}
	}
	fi_uring_done(_metadata, f, res);
	tx_uring_exit(&f->u);
}

static void fi_uring_test(struct __test_metadata *_metadata, struct fi_env *self,
			  enum fi_uring_kind kind, const char *name)
{
	static struct fi_uring f;
	struct fi_case c = {
		.name = name,
		.arg = &f,
		.prep = fi_uring_prep,
		.op = fi_uring_op,
		.after = fi_uring_after,
		.errnos = { ENOMEM, EAGAIN },
	};
	struct tx_uring probe;
	int ret;

	memset(&f, 0, sizeof(f));
	f.kind = kind;
	f.u.fd = -1;
	ret = tx_uring_init(&probe, 4, IORING_SETUP_SQE128);
	if (ret)
		SKIP(return, "io_uring with SQE128 unavailable: %s", strerror(-ret));
	tx_uring_exit(&probe);
	if (kind == FI_U_WAIT_READY || kind == FI_U_WAIT_QUEUED) {
		ret = tx_uring_wait_supported();
		ASSERT_LE(0, ret) TH_LOG("WAIT probe: %s", strerror(-ret));
		if (!ret)
			SKIP(return, "TIMERX_URING_CMD_WAIT unsupported on this kernel");
	}
	tx_ring_open(&f.t.r, kind == FI_U_FLUSH ? 2 : 16, true);
	if (kind == FI_U_FLUSH)
		fi_create3(_metadata, &f.t);
	else if (kind != FI_U_CREATE && kind != FI_U_DELETE)
		fi_create1(_metadata, &f.t);
	fi_run(_metadata, self, &c);
	tx_uring_exit(&f.u);
	tx_ring_close(&f.t.r);
}

TEST_F_TIMEOUT(fi, uring_create, 120)
{
	fi_uring_test(_metadata, &self->e, FI_U_CREATE, "uring CREATE");
}

TEST_F_TIMEOUT(fi, uring_arm, 120)
{
	fi_uring_test(_metadata, &self->e, FI_U_ARM, "uring ARM");
}

TEST_F_TIMEOUT(fi, uring_cancel, 120)
{
	fi_uring_test(_metadata, &self->e, FI_U_CANCEL, "uring CANCEL");
}

TEST_F_TIMEOUT(fi, uring_delete, 120)
{
	fi_uring_test(_metadata, &self->e, FI_U_DELETE, "uring DELETE");
}

TEST_F_TIMEOUT(fi, uring_flush, 120)
{
	fi_uring_test(_metadata, &self->e, FI_U_FLUSH, "uring FLUSH");
}

TEST_F_TIMEOUT(fi, uring_wait_ready, 120)
{
	fi_uring_test(_metadata, &self->e, FI_U_WAIT_READY, "uring WAIT (ready)");
}

TEST_F_TIMEOUT(fi, uring_wait_queued, 120)
{
	fi_uring_test(_metadata, &self->e, FI_U_WAIT_QUEUED, "uring WAIT (queued)");
}

/* ------------------------------------------------------------------ */
/* Generic netlink                                                    */
/* ------------------------------------------------------------------ */

enum fi_nl_kind {
	FI_NL_CTX_DO, FI_NL_CTX_DUMP, FI_NL_TIMER_DO, FI_NL_TIMER_DUMP,
	FI_NL_STATS, FI_NL_CONFIG,
};

struct fi_nl {
	enum fi_nl_kind kind;
	struct nlt nl;
	struct tx_ring r;
	__u32 ctx_id;
	__u32 ids[2];		/* one fired (with lateness), one armed */
	struct nl_msg *msg;
	struct nlt_reply rep;
	unsigned int msgs, ours, bad;
	struct nlt_obj first;
	unsigned int busy;	/* follow-ups that met a dump still running */
};

static void fi_nl_count(const struct nlt_obj *o, void *arg)
{
	struct fi_nl *f = arg;

	if (!f->msgs++)
		f->first = *o;
	if (nlt_has(o, TIMERX_NL_A_CTX_ID) && o->v[TIMERX_NL_A_CTX_ID] == f->ctx_id)
		f->ours++;
	if (o->bad)
		f->bad++;
}

static __u8 fi_nl_cmd(enum fi_nl_kind kind)
{
	switch (kind) {
	case FI_NL_CTX_DO:
	case FI_NL_CTX_DUMP:
		return TIMERX_NL_CMD_CTX_GET;
	case FI_NL_TIMER_DO:
	case FI_NL_TIMER_DUMP:
		return TIMERX_NL_CMD_TIMER_GET;
	case FI_NL_STATS:
		return TIMERX_NL_CMD_STATS_GET;
	case FI_NL_CONFIG:
		break;
	}
	return TIMERX_NL_CMD_CONFIG_GET;
}

static void fi_nl_prep(struct __test_metadata *_metadata, void *arg)
{
	struct fi_nl *f = arg;
	bool dump = f->kind == FI_NL_CTX_DUMP || f->kind == FI_NL_TIMER_DUMP;
	struct nl_msg *m = nlt_msg(&f->nl, fi_nl_cmd(f->kind), dump ? NLM_F_DUMP : 0);
	int ret = 0;

	ASSERT_NE(NULL, m);
	if (f->kind == FI_NL_CTX_DO || f->kind == FI_NL_TIMER_DO ||
	    f->kind == FI_NL_TIMER_DUMP)
		ret = nla_put_u32(m, TIMERX_NL_A_CTX_ID, f->ctx_id);
	if (f->kind == FI_NL_TIMER_DO)
		ret |= nla_put_u32(m, TIMERX_NL_A_TIMER_ID, f->ids[0]);
	ASSERT_EQ(0, ret);
	f->msg = m;
	f->msgs = 0;
	f->ours = 0;
	f->bad = 0;
	memset(&f->rep, 0, sizeof(f->rep));
	f->rep.fn = fi_nl_count;
	f->rep.arg = f;
}

static int fi_nl_op(void *arg)
{
	struct fi_nl *f = arg;
	struct nl_msg *m = f->msg;

	f->msg = NULL;
	return nlt_exec(&f->nl, m, &f->rep);
}

/* A complete, correct reply to the request. */
static void fi_nl_check(struct __test_metadata *_metadata, struct fi_nl *f)
{
	const struct nlt_obj *o = &f->first;

	EXPECT_EQ(0U, f->bad) FI_LOG("malformed reply: %s", f->rep.why);
	if (f->kind != FI_NL_CTX_DUMP && f->kind != FI_NL_TIMER_DUMP) {
		ASSERT_EQ(1U, f->msgs) FI_LOG("%u reply messages to a do request", f->msgs);
		EXPECT_EQ(fi_nl_cmd(f->kind), o->cmd);
	}
	switch (f->kind) {
	case FI_NL_CTX_DO:
		EXPECT_EQ(1U, f->ours);
		EXPECT_EQ(2ULL, o->v[TIMERX_NL_A_TIMERS]);
		EXPECT_TRUE(nlt_has(o, TIMERX_NL_A_LATENESS));
		break;
	case FI_NL_CTX_DUMP:
		EXPECT_EQ(1U, f->ours) FI_LOG("our context in %u of %u dump messages", f->ours,
					      f->msgs);
		break;
	case FI_NL_TIMER_DO:
		EXPECT_EQ((__u64)f->ids[0], o->v[TIMERX_NL_A_TIMER_ID]);
		EXPECT_TRUE(nlt_has(o, TIMERX_NL_A_LATENESS));
		break;
	case FI_NL_TIMER_DUMP:
		EXPECT_EQ(2U, f->msgs) FI_LOG("%u timers dumped, the context has 2", f->msgs);
		EXPECT_EQ(2U, f->ours);
		break;
	case FI_NL_STATS:
		EXPECT_EQ((__u64)TIMERX_API_VERSION, o->v[TIMERX_NL_A_API_VERSION]);
		EXPECT_LE(1ULL, o->v[TIMERX_NL_A_CONTEXTS]);
		break;
	case FI_NL_CONFIG:
		EXPECT_EQ(NLT_CFG_ALL & o->cfg.present, o->cfg.present);
		EXPECT_TRUE(nlt_cfg_has(&o->cfg, TIMERX_NL_CONFIG_A_HISTOGRAMS));
		break;
	}
}

static void fi_nl_after(struct __test_metadata *_metadata, void *arg, int ret)
{
	struct fi_nl *f = arg;

	EXPECT_NE(-ETIMEDOUT, ret) FI_LOG("no reply and no error within %d ms",
					  NLT_REPLY_TIMEOUT_MS);
	if (ret < 0) {
		/* Any clean error; the next request must work. */
		fi_nl_prep(_metadata, f);
		ret = fi_nl_op(f);
		if (ret == -EBUSY) {
			/*
			 * af_netlink: a dump whose first buffer could not be
			 * allocated answers ENOBUFS but stays running; the
			 * next dump request meets it (and reading that answer
			 * finishes it).
			 */
			f->busy++;
			fi_nl_prep(_metadata, f);
			ret = fi_nl_op(f);
		}
		ASSERT_EQ(0, ret) FI_LOG("the request after the failed one: %s, extack \"%s\"",
					 nlt_strerr(ret), f->rep.extack);
	}
	fi_nl_check(_metadata, f);
}

static void fi_nl_test(struct __test_metadata *_metadata, struct fi_env *self,
		       enum fi_nl_kind kind, const char *name)
{
	static struct fi_nl f;
	struct fi_case c = {
		.name = name,
		.arg = &f,
		.prep = fi_nl_prep,
		.op = fi_nl_op,
		.after = fi_nl_after,
	};
	struct timerx_event e;
	int ret;

	memset(&f, 0, sizeof(f));
	f.kind = kind;
	ret = tx_param_set(&self->hist, "histograms", 1, 1);
	ASSERT_EQ(0, ret);
	fi_heap_prewarm();
	nlt_connect(&f.nl);
	tx_ring_open(&f.r, 16, true);
	f.ctx_id = tx_ctx_id(f.r.fd);
	ASSERT_NE(NLT_BAD_ID, f.ctx_id);
	ASSERT_EQ(0, tx_create(f.r.fd, CLOCK_MONOTONIC, 0, 0, FI_UD, &f.ids[0]));
	ASSERT_EQ(0, tx_create(f.r.fd, CLOCK_BOOTTIME, TIMERX_CREATE_F_SOFT, 0, FI_UD + 1,
			       &f.ids[1]));
	ASSERT_EQ(0, tx_arm(f.r.fd, f.ids[0], 0, 0, 0));
	ASSERT_EQ(1U, tx_collect(&f.r, &e, 1, TX_FIRE_TIMEOUT_MS));
	ASSERT_EQ(0, tx_arm(f.r.fd, f.ids[1], 0, FI_LONG_NS, NSEC_PER_SEC));
	fi_run(_metadata, self, &c);
	if (f.msg)
		nlmsg_free(f.msg);
	if (f.busy)
		printf("#   %s: %u follow-up(s) met the failed dump still running (EBUSY)\n",
		       name, f.busy);
	fflush(stdout);
	tx_ring_close(&f.r);
	nlt_close(&f.nl);
}

TEST_F_TIMEOUT(fi, nl_ctx_get_do, 120)
{
	fi_nl_test(_metadata, &self->e, FI_NL_CTX_DO, "netlink CTX_GET do");
}

TEST_F_TIMEOUT(fi, nl_ctx_get_dump, 120)
{
	fi_nl_test(_metadata, &self->e, FI_NL_CTX_DUMP, "netlink CTX_GET dump");
}

TEST_F_TIMEOUT(fi, nl_timer_get_do, 120)
{
	fi_nl_test(_metadata, &self->e, FI_NL_TIMER_DO, "netlink TIMER_GET do");
}

TEST_F_TIMEOUT(fi, nl_timer_get_dump, 120)
{
	fi_nl_test(_metadata, &self->e, FI_NL_TIMER_DUMP, "netlink TIMER_GET dump");
}

TEST_F_TIMEOUT(fi, nl_stats_get, 120)
{
	fi_nl_test(_metadata, &self->e, FI_NL_STATS, "netlink STATS_GET");
}

TEST_F_TIMEOUT(fi, nl_config_get, 120)
{
	fi_nl_test(_metadata, &self->e, FI_NL_CONFIG, "netlink CONFIG_GET");
}

/* ------------------------------------------------------------------ */
/* Everything, under a low failure probability                        */
/* ------------------------------------------------------------------ */

#define FI_RAND_MS		3000
#define FI_RAND_PROBABILITY	"5"
#define FI_RAND_KEEP		4
#define FI_RAND_RING		64
#define FI_RAND_MAX_ERRNO	140

struct fi_rand_ctx {
	int fd;
	void *map;		/* or NULL: read(2) */
	size_t len;
	__u32 head;		/* our copy of the consumer counter */
	__u32 entries;
	__u32 attempts;		/* CREATEs tried: ids are at most this */
};

struct fi_rand {
	struct nlt nl;
	struct tx_uring u;
	bool wait_ok;
	unsigned int iterations, calls, errors;
	unsigned int err[FI_RAND_MAX_ERRNO];
	int mif;			/* make-it-fail of the test's thread */
	struct fi_rand_ctx keep[FI_RAND_KEEP];
	unsigned int nkeep;
	void *late[64];			/* mappings to unmap after the phase */
	size_t late_len[64];
	unsigned int nlate;
	unsigned int cqes, sqes;
	unsigned int nlmsgs;
};

static struct fi_rand fr;

/* Through a descriptor opened beforehand: open() itself could fail. */
static void fi_mif(bool on)
{
	if (pwrite(fr.mif, on ? "1" : "0", 1, 0) != 1)
		fr.err[0]++;
}

static int fi_note(int ret)
{
	fr.calls++;
	if (ret < 0) {
		fr.errors++;
		if (-ret < FI_RAND_MAX_ERRNO)
			fr.err[-ret]++;
	}
	return ret;
}

static void fi_rand_nl_count(const struct nlt_obj *o, void *arg)
{
	(void)o;
	(void)arg;
	fr.nlmsgs++;
}

static void fi_rand_nl(__u8 cmd, int flags, __s64 ctx_id)
{
	struct nl_msg *m = nlt_msg(&fr.nl, cmd, flags);
	struct nlt_reply r = { .fn = fi_rand_nl_count };

	if (m && ctx_id >= 0 && nla_put_u32(m, TIMERX_NL_A_CTX_ID, (__u32)ctx_id)) {
		nlmsg_free(m);
		m = NULL;
	}
	fi_note(nlt_exec(&fr.nl, m, &r));
}

/* Consume whatever is in the ring, through the mapping or read(2). */
static void fi_rand_drain(struct fi_rand_ctx *c)
{
	struct timerx_event ev[8];
	struct timerx_ring_hdr *hdr = c->map;

	if (hdr) {
		__u32 tail = __atomic_load_n(&hdr->tail, __ATOMIC_ACQUIRE);

		if (tail - c->head <= c->entries)
			c->head = tail;
		__atomic_store_n(&hdr->head, c->head, __ATOMIC_RELEASE);
		return;
	}
	while (fi_note(tx_read_events(c->fd, ev, 8)) > 0)
		;
}

static void fi_rand_uring(struct fi_rand_ctx *c, const __u32 *ids)
{
	struct timerx_create cr = { .user_data = FI_UD, .clockid = CLOCK_MONOTONIC };
	struct timerx_arm arm = { .timer_id = ids[2], .expires_ns = FI_LONG_NS };
	struct timerx_timer_ref ref = { .timer_id = ids[2] };
	struct timerx_timer_ref del = { .timer_id = ids[0] };
	struct io_uring_cqe cqe;
	unsigned int n = 0;
	int ret, tries;

	if (fr.u.fd < 0)
		return;
	n += !!tx_uring_prep_cmd(&fr.u, c->fd, TIMERX_IOC_CREATE, &cr, sizeof(cr), 1);
	c->attempts++;
	n += !!tx_uring_prep_cmd(&fr.u, c->fd, TIMERX_IOC_ARM, &arm, sizeof(arm), 2);
	n += !!tx_uring_prep_cmd(&fr.u, c->fd, TIMERX_IOC_FLUSH, NULL, 0, 3);
	if (fr.wait_ok)
		n += !!tx_uring_prep_wait(&fr.u, c->fd, 0, 4);
	n += !!tx_uring_prep_cmd(&fr.u, c->fd, TIMERX_IOC_CANCEL, &ref, sizeof(ref), 5);
	n += !!tx_uring_prep_cmd(&fr.u, c->fd, TIMERX_IOC_DELETE, &del, sizeof(del), 6);
	__atomic_store_n(fr.u.sq_tail, *fr.u.sq_tail + fr.u.sq_pending, __ATOMIC_RELEASE);
	fr.u.sq_pending = 0;
	for (tries = 0; tries < 3; tries++) {
		unsigned int queued = *fr.u.sq_tail -
				      __atomic_load_n(fr.u.sq_head, __ATOMIC_ACQUIRE);

		if (!queued)
			break;
		ret = syscall(__NR_io_uring_enter, fr.u.fd, queued, 0, 0, NULL, 0);
		fi_note(ret < 0 ? -errno : 0);
		if (ret > 0)
			fr.sqes += ret;
	}
	/* None may be left for a later context with the same fd number. */
	if (*fr.u.sq_tail != __atomic_load_n(fr.u.sq_head, __ATOMIC_ACQUIRE)) {
		fi_mif(false);
		ret = syscall(__NR_io_uring_enter, fr.u.fd,
			      *fr.u.sq_tail - *fr.u.sq_head, 0, 0, NULL, 0);
		if (ret > 0)
			fr.sqes += ret;
		fi_mif(true);
	}
	(void)n;
	while (tx_uring_wait_cqe(&fr.u, &cqe, 0) == 1) {
		fr.cqes++;
		fi_note(cqe.res < 0 ? cqe.res : 0);
	}
}

static void fi_rand_iteration(unsigned int it)
{
	struct fi_rand_ctx c = { .fd = -1 };
	struct timerx_ring_params p;
	struct timerx_timer_info ti;
	struct timerx_ctx_info ci;
	struct pollfd pfd;
	__u32 ids[3] = { 0, 0, 0 };
	__s64 ctx_id = -1;
	int i, ret;

	/*
	 * open() is the one call left out: with several failures in one
	 * call, kvzalloc() of the context can fail its kmalloc and then its
	 * vmalloc fallback, and vmalloc reports that with warn_alloc(), a
	 * stack trace the harness counts as a kernel splat. (fail-nth
	 * injects one failure per call, so the open test covers it.)
	 * Everything after it runs with this thread's allocations failing
	 * at random.
	 */
	c.fd = fi_note(tx_open_flags(O_NONBLOCK));
	if (c.fd < 0)
		return;
	fi_mif(true);
	if (fi_note(tx_setup(c.fd, FI_RAND_RING, &p)) == 0) {
		c.entries = FI_RAND_RING;
		c.len = p.mmap_len;
		if (it & 1) {
			c.map = mmap(NULL, c.len, PROT_READ | PROT_WRITE, MAP_SHARED, c.fd, 0);
			fi_note(c.map == MAP_FAILED ? -errno : 0);
			if (c.map == MAP_FAILED)
				c.map = NULL;
		}
	}
	for (i = 0; i < 3; i++) {
		c.attempts++;
		fi_note(tx_create(c.fd, CLOCK_MONOTONIC, i == 1 ? TIMERX_CREATE_F_SOFT : 0, 0,
				  FI_UD + i, &ids[i]));
	}
	fi_note(tx_arm(c.fd, ids[0], 0, 0, 0));
	fi_note(tx_arm(c.fd, ids[1], 0, 0, NSEC_PER_MSEC));
	fi_note(tx_arm(c.fd, ids[2], 0, FI_LONG_NS, 0));
	pfd.fd = c.fd;
	pfd.events = POLLIN;
	fi_note(poll(&pfd, 1, 5) < 0 ? -errno : 0);
	fi_rand_drain(&c);
	fi_note(tx_flush(c.fd));
	for (i = 0; i < 3; i++)
		fi_note(tx_get(c.fd, ids[i], &ti));
	if (!fi_note(tx_ctx_info(c.fd, &ci)))
		ctx_id = ci.ctx_id;
	fi_rand_uring(&c, ids);
	fi_rand_nl(TIMERX_NL_CMD_CTX_GET, 0, ctx_id);
	fi_rand_nl(TIMERX_NL_CMD_TIMER_GET, NLM_F_DUMP, ctx_id);
	fi_rand_nl(TIMERX_NL_CMD_STATS_GET, 0, -1);
	if (!(it % 4))
		fi_rand_nl(TIMERX_NL_CMD_CTX_GET, NLM_F_DUMP, -1);
	if (!(it % 4))
		fi_rand_nl(TIMERX_NL_CMD_CONFIG_GET, 0, -1);
	fi_note(tx_cancel(c.fd, ids[1]));
	fi_rand_drain(&c);
	fi_note(tx_delete(c.fd, ids[0]));
	fi_mif(false);

	if (!(it % 3) && fr.nkeep < FI_RAND_KEEP) {
		fr.keep[fr.nkeep++] = c;
		return;
	}
	if (c.map) {
		fi_mif(true);
		ret = munmap(c.map, c.len);
		fi_mif(false);
		if (fi_note(ret ? -errno : 0) && fr.nlate < ARRAY_SIZE(fr.late)) {
			fr.late[fr.nlate] = c.map;
			fr.late_len[fr.nlate++] = c.len;
		}
	}
	fi_mif(true);
	close(c.fd);
	fi_mif(false);
}

/*
 * Grow the stack over what this thread may use, so that no page fault in
 * the phase needs memory (mlockall() then faults it all in).
 */
static void fi_touch_stack(void)
{
	char buf[256 << 10];

	memset(buf, 0, sizeof(buf));
	__asm__ __volatile__("" : : "r"(buf) : "memory");
}

static void fi_rand_check_ctx(struct __test_metadata *_metadata, struct fi_rand_ctx *c)
{
	struct timerx_timer_info ti;
	struct timerx_ctx_info ci;
	struct timerx_event e;
	struct tx_ring r;
	struct nlt_obj o;
	__u32 id, found = 0;
	int ret;

	ASSERT_EQ(0, tx_ctx_info(c->fd, &ci));
	/* Every timer it counts is there, and nothing else. */
	for (id = 1; id <= c->attempts + 2; id++) {
		ret = tx_get(c->fd, id, &ti);
		if (ret == -ENOENT || ret == -EBADFD)
			continue;
		ASSERT_EQ(0, ret) TH_LOG("GET(%u): %s", id, strerror(-ret));
		found++;
		EXPECT_TRUE(ti.state == TX_IDLE || ti.state == TX_ARMED);
		EXPECT_EQ((__u32)CLOCK_MONOTONIC, ti.clockid);
		EXPECT_TRUE(ti.user_data >= FI_UD && ti.user_data <= FI_UD + 2)
			TH_LOG("timer %u: user_data %llx", id, (unsigned long long)ti.user_data);
		ASSERT_EQ(0, tx_delete(c->fd, id));
	}
	EXPECT_EQ(ci.timers, found) TH_LOG("CTX_INFO counts %u timers, %u exist", ci.timers,
					   found);
	EXPECT_EQ(0U, fi_ctx_timers(_metadata, c->fd));
	nlt_get(&fr.nl, TIMERX_NL_CMD_CTX_GET, ci.ctx_id, NLT_NONE_ID, &o);
	EXPECT_EQ(0ULL, o.v[TIMERX_NL_A_TIMERS]);
	/* Usable: a ring (the one it has, or one now) delivers an event. */
	if (!ci.ring_entries) {
		EXPECT_EQ(0U, c->entries);
		ASSERT_EQ(0, tx_setup(c->fd, FI_RAND_RING, NULL))
			TH_LOG("SETUP_RING on a context whose SETUP_RING failed");
	} else {
		EXPECT_EQ((__u32)FI_RAND_RING, ci.ring_entries);
		EXPECT_EQ(-EBUSY, tx_setup(c->fd, FI_RAND_RING, NULL));
	}
	ASSERT_EQ(0, tx_create(c->fd, CLOCK_MONOTONIC, 0, 0, FI_UD, &id));
	ASSERT_EQ(0, tx_arm(c->fd, id, 0, 0, 0));
	if (c->map) {
		memset(&r, 0, sizeof(r));
		r.fd = c->fd;
		r.p.entries = c->entries;
		r.p.events_offset = sizeof(struct timerx_ring_hdr);
		r.map = c->map;
		r.hdr = c->map;
		r.ev = (struct timerx_event *)((char *)c->map + r.p.events_offset);
		/* Whatever the phase left, then the new event. */
		EXPECT_LE(1U, tx_collect(&r, NULL, FI_RAND_RING, 200));
	} else {
		ASSERT_EQ(0, fi_wait_events(c->fd, id, 1));
		do {
			ret = tx_read_events(c->fd, &e, 1);
		} while (ret == 1);
		EXPECT_EQ(-EAGAIN, ret);
	}
	ASSERT_EQ(0, tx_get(c->fd, id, &ti));
	EXPECT_EQ(1ULL, ti.events);
	ASSERT_EQ(0, tx_delete(c->fd, id));
}

TEST_F_TIMEOUT(fi, random_everything, 180)
{
	struct io_uring_cqe cqe;
	struct nlt_obj stats0, stats1;
	struct nlt_config cfg;
	long refcnt0, refcnt;
	__s64 start;
	int devnull, saved_err, ret;
	unsigned int i;

	memset(&fr, 0, sizeof(fr));
	fr.u.fd = -1;
	ret = tx_param_set(&self->e.hist, "histograms", 1, 1);
	ASSERT_EQ(0, ret);
	fr.mif = open(FI_MAKE_IT_FAIL, O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, fr.mif) TH_LOG("%s: %s", FI_MAKE_IT_FAIL, strerror(errno));
	fi_heap_prewarm();
	nlt_connect(&fr.nl);
	ret = tx_uring_wait_supported();
	fr.wait_ok = ret == 1;
	if (tx_uring_init(&fr.u, 64, IORING_SETUP_SQE128))
		fr.u.fd = -1;
	refcnt0 = tx_module_refcnt();
	nlt_get(&fr.nl, TIMERX_NL_CMD_STATS_GET, NLT_NONE_ID, NLT_NONE_ID, &stats0);

	/*
	 * Nothing may be printed while allocations fail (the tty could drop
	 * part of a line): libnl's diagnostics go to /dev/null meanwhile.
	 * No page fault may need memory either: everything is faulted in and
	 * locked.
	 */
	fflush(stdout);
	fflush(stderr);
	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, devnull);
	saved_err = dup(2);
	ASSERT_LE(0, saved_err);
	fi_touch_stack();
	mlockall(MCL_CURRENT);
	dup2(devnull, 2);

	ASSERT_EQ(0, fi_write_str(FI_DEBUGFS "/failslab/probability", FI_RAND_PROBABILITY));
	start = tx_now(CLOCK_MONOTONIC);
	for (i = 0; tx_ms_since(start) < FI_RAND_MS; i++)
		fi_rand_iteration(i);
	fr.iterations = i;
	fi_mif(false);
	fi_write_str(FI_DEBUGFS "/failslab/probability", "0");

	dup2(saved_err, 2);
	close(saved_err);
	close(devnull);
	munlockall();

	printf("# random: %u iterations in %d ms, %u calls, %u failed ", fr.iterations,
	       FI_RAND_MS, fr.calls, fr.errors);
	printf("(ENOMEM %u, ENOBUFS %u, EAGAIN %u, EPROTO %u, other %u); ", fr.err[ENOMEM],
	       fr.err[ENOBUFS], fr.err[EAGAIN], fr.err[EPROTO],
	       fr.errors - fr.err[ENOMEM] - fr.err[ENOBUFS] - fr.err[EAGAIN] - fr.err[EPROTO]);
	printf("%u SQEs, %u CQEs, %u netlink messages\n", fr.sqes, fr.cqes, fr.nlmsgs);
	for (i = 0; i < FI_RAND_MAX_ERRNO; i++) {
		if (fr.err[i] && i != ENOMEM && i != ENOBUFS && i != EAGAIN && i != EPROTO)
			printf("#   random: %s x %u\n", strerror(i), fr.err[i]);
	}
	fflush(stdout);
	EXPECT_LT(0U, fr.err[ENOMEM] + fr.err[ENOBUFS] + fr.err[EAGAIN])
		TH_LOG("no allocation failed: was failslab active?");

	/* Undo: what the phase could not unmap, then every completion. */
	for (i = 0; i < fr.nlate; i++) {
		ret = munmap(fr.late[i], fr.late_len[i]);
		EXPECT_EQ(0, ret);
	}
	if (fr.u.fd >= 0) {
		unsigned int queued = *fr.u.sq_tail -
				      __atomic_load_n(fr.u.sq_head, __ATOMIC_ACQUIRE);

		if (queued) {
			ret = syscall(__NR_io_uring_enter, fr.u.fd, queued, 0, 0, NULL, 0);
			EXPECT_EQ((int)queued, ret)
				TH_LOG("submitting the rest: %s", strerror(errno));
		}
		while (tx_uring_wait_cqe(&fr.u, &cqe, 100) == 1)
			;
	}

	/* Every context kept open is consistent and usable. */
	for (i = 0; i < fr.nkeep; i++)
		fi_rand_check_ctx(_metadata, &fr.keep[i]);
	for (i = 0; i < fr.nkeep; i++) {
		ret = fr.keep[i].map ? munmap(fr.keep[i].map, fr.keep[i].len) : 0;
		EXPECT_EQ(0, ret);
		close(fr.keep[i].fd);
	}
	if (fr.u.fd >= 0) {
		while (tx_uring_wait_cqe(&fr.u, &cqe, 100) == 1)
			;
		tx_uring_exit(&fr.u);
	}

	/* Nothing left behind, and the control plane still answers. */
	refcnt = tx_wait_refcnt_le(refcnt0, 5000);
	EXPECT_EQ(refcnt0, refcnt) TH_LOG("module use count %ld, %ld before", refcnt, refcnt0);
	ret = nlt_config_get(&fr.nl, &cfg, NULL);
	EXPECT_EQ(0, ret) TH_LOG("CONFIG_GET after the phase: %s", nlt_strerr(ret));
	nlt_get(&fr.nl, TIMERX_NL_CMD_STATS_GET, NLT_NONE_ID, NLT_NONE_ID, &stats1);
	EXPECT_EQ(stats0.v[TIMERX_NL_A_CONTEXTS], stats1.v[TIMERX_NL_A_CONTEXTS]);
	EXPECT_EQ(stats0.v[TIMERX_NL_A_TIMERS], stats1.v[TIMERX_NL_A_TIMERS]);
	nlt_close(&fr.nl);
	close(fr.mif);

	fi_op = "random";
	fi_n = 0;
	fi_splat_check(_metadata, &self->e);
}

/* How long the whole binary took (the debug kernel is slow). */
static pid_t fi_main_pid;
static __s64 fi_main_start;

static void __attribute__((constructor)) fi_clock_start(void)
{
	fi_main_pid = getpid();
	fi_main_start = tx_now(CLOCK_MONOTONIC);
}

static void __attribute__((destructor)) fi_clock_stop(void)
{
	if (getpid() == fi_main_pid)
		printf("# fault_inject_test: %lld ms in all\n",
		       (long long)tx_ms_since(fi_main_start));
}

TEST_HARNESS_MAIN
