// SPDX-License-Identifier: GPL-2.0
/*
 * The fuzzer's executor: runs decoded programs against /dev/timerx.
 *
 * Built without coverage instrumentation (the coverage that counts is the
 * kernel's, through KCOV). Every program starts from nothing and ends with
 * everything it made closed, so that programs do not depend on each other:
 * contexts, mappings, io_uring instances and children are torn down, the
 * credentials restored, and a CONFIG_SET undone.
 *
 * Nothing here may block for long: blocking calls run under a 3 ms
 * interval timer whose signal interrupts them (no SA_RESTART).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <liburing.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/kcov.h>
#include <linux/timerx.h>

#include "fuzz_exec.h"

#define NOBODY 65534
/* libmnl 1.0.5's NL_BUF_SIZE; Debian 12 has 1.0.4. */
#define NL_BUF_SIZE 32768
#define MAX_IDS 8

struct fz_ctx {
	int fd;
	void *map;
	size_t map_len;
	uint64_t ring_len;	/* SETUP_RING's mmap_len, 0 before */
	uint32_t entries;
	uint32_t events_offset;
	uint32_t ids[MAX_IDS];
	unsigned int nids;
};

struct fz_uring {
	struct io_uring ring;
	bool up;
	bool sqe128;
	bool sparse;		/* fixed-file slot 0 exists */
	int registered;		/* fd registered as fixed file 0, or -1 */
};

static struct fz_shared *sh;
static struct fz_ctx ctxs[FZ_SLOTS];
static struct fz_uring urings[FZ_URINGS];
static struct mnl_socket *nl;
static uint16_t family;
static uint32_t nl_seq;
static char saved_config[256];	/* the CONFIG nest as CONFIG_GET returned it */
static size_t saved_config_len;
static bool config_dirty;
static int epfd = -1;
static bool dropped;

static const unsigned long ioctls[] = {
	TIMERX_IOC_SETUP_RING, TIMERX_IOC_CREATE, TIMERX_IOC_ARM,
	TIMERX_IOC_CANCEL, TIMERX_IOC_DELETE, TIMERX_IOC_GET,
	TIMERX_IOC_FLUSH, TIMERX_IOC_CTX_INFO,
};

static const clockid_t clocks[] = {
	CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME, CLOCK_TAI,
};

static void count(enum fz_call c)
{
	sh->calls[c]++;
}

static int64_t err(long ret)
{
	return ret < 0 ? -errno : ret;
}

static void on_alarm(int sig)
{
	(void)sig;
}

/*
 * The program's own stores and loads to the mapping may fault (a
 * read-only or private mapping, a part already unmapped, SIGBUS past the
 * ring): that is the program's doing, not a finding. Any other fault is
 * the executor's bug and kills it.
 */
static sigjmp_buf fault_jmp;
static volatile sig_atomic_t fault_armed;

static void on_fault(int sig)
{
	if (fault_armed) {
		fault_armed = 0;
		siglongjmp(fault_jmp, sig);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

#define GUARDED(expr)						\
	({							\
		int64_t __r;					\
		if (sigsetjmp(fault_jmp, 1)) {			\
			__r = -EFAULT;				\
		} else {					\
			fault_armed = 1;			\
			__r = (expr);				\
			fault_armed = 0;			\
		}						\
		__r;						\
	})

/* Blocking calls in between are interrupted after at most 3 ms. */
static void watchdog(bool on)
{
	struct itimerval it = { .it_value = { .tv_usec = on ? 3000 : 0 } };

	setitimer(ITIMER_REAL, &it, NULL);
}

static int64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static uint32_t known_id(struct fz_ctx *c, uint32_t pick)
{
	if (!c->nids || (pick & 0xff) == 0xff)
		return pick >> 8;	/* any id at all */
	return c->ids[pick % c->nids];
}

/*
 * Near-valid payload: the fields an ordinary caller gets right, from the
 * same bytes, so that the fuzzer reaches past the first check of each
 * command; bits 12-14 of pick name one field to leave as the input has
 * it, so that each check is also met alone by a hostile value.
 */
#define RAW(n) (((pick >> 12) & 7) == (n))

static void fix_payload(struct fz_ctx *c, unsigned long cmd, void *p, uint32_t pick)
{
	switch (_IOC_NR(cmd)) {
	case TIMERX_CMD_SETUP_RING: {
		struct timerx_ring_params *r = p;

		if (!RAW(1))
			r->entries = 1U << (1 + pick % 8);
		if (!RAW(2))
			r->flags = 0;
		if (!RAW(3))
			memset(r->resv, 0, sizeof(r->resv));
		break;
	}
	case TIMERX_CMD_CREATE: {
		struct timerx_create *cr = p;

		if (!RAW(1))
			cr->clockid = clocks[pick % 4];
		if (!RAW(2)) {
			cr->flags &= TIMERX_CREATE_F_ALL;
			if ((cr->flags & (TIMERX_CREATE_F_SOFT | TIMERX_CREATE_F_HARD)) ==
			    (TIMERX_CREATE_F_SOFT | TIMERX_CREATE_F_HARD))
				cr->flags &= ~TIMERX_CREATE_F_HARD;
		}
		if (!RAW(3))
			cr->cpu = (cr->flags & TIMERX_CREATE_F_PINNED) ? cr->cpu % 2 : 0;
		if (!RAW(4))
			cr->resv = 0;
		break;
	}
	case TIMERX_CMD_ARM: {
		struct timerx_arm *a = p;

		if (!RAW(1))
			a->timer_id = known_id(c, pick);
		if (!RAW(2))
			a->flags &= TIMERX_ARM_F_ALL;
		/* Up to ~4 ms away, periods of at least 100 us. */
		if (!RAW(3)) {
			a->expires_ns = (uint64_t)a->expires_ns % 4000000;
			if (a->flags & TIMERX_ARM_F_ABS)
				a->expires_ns += now_ns(clocks[(pick >> 4) % 4]);
		}
		if (!RAW(4))
			a->period_ns = (pick & 0x100) ? 100000 + a->period_ns % 2000000 : 0;
		if (!RAW(5))
			a->resv = 0;
		break;
	}
	case TIMERX_CMD_CANCEL:
	case TIMERX_CMD_DELETE: {
		struct timerx_timer_ref *r = p;

		if (!RAW(1))
			r->timer_id = known_id(c, pick);
		if (!RAW(2))
			r->flags = 0;
		if (!RAW(3))
			r->resv = 0;
		break;
	}
	case TIMERX_CMD_GET: {
		struct timerx_timer_info *i = p;

		if (!RAW(1))
			i->timer_id = known_id(c, pick);
		if (!RAW(2))
			i->flags = 0;
		break;
	}
	}
}

#undef RAW

/* What the executor learns from a call that worked. */
static void learn(struct fz_ctx *c, unsigned long cmd, const void *p, long ret)
{
	if (ret < 0)
		return;
	if (cmd == TIMERX_IOC_CREATE && c->nids < MAX_IDS) {
		c->ids[c->nids++] = ((const struct timerx_create *)p)->timer_id;
	} else if (cmd == TIMERX_IOC_SETUP_RING) {
		const struct timerx_ring_params *r = p;

		c->ring_len = r->mmap_len;
		c->entries = r->entries;
		c->events_offset = r->events_offset;
	}
}

static struct fz_ctx *ctx_of(const struct fz_op *op)
{
	return &ctxs[op->slot % FZ_SLOTS];
}

static int64_t do_open(const struct fz_op *op)
{
	struct fz_ctx *c = ctx_of(op);
	int flags = O_RDWR;

	if (op->mode & 1)
		flags |= O_NONBLOCK;
	if (op->mode & 2)
		flags |= O_CLOEXEC;
	if (c->fd >= 0)
		return -EEXIST;
	count(FZ_CALL_OTHER);
	c->fd = open("/dev/timerx", flags);
	c->nids = 0;
	c->ring_len = 0;
	return c->fd < 0 ? -errno : 0;
}

static void drop_map(struct fz_ctx *c)
{
	if (c->map) {
		munmap(c->map, c->map_len);
		c->map = NULL;
	}
}

static int64_t do_close(const struct fz_op *op)
{
	struct fz_ctx *c = ctx_of(op);
	int ret;

	if (c->fd < 0)
		return -EBADF;
	count(FZ_CALL_OTHER);
	ret = close(c->fd);
	c->fd = -1;
	/* The mapping outlives the descriptor; keep it unless asked. */
	if (op->mode & 1)
		drop_map(c);
	return err(ret);
}

static int64_t do_dup(const struct fz_op *op)
{
	struct fz_ctx *c = ctx_of(op), *d = &ctxs[op->slot2 % FZ_SLOTS];

	if (c->fd < 0 || d->fd >= 0 || c == d)
		return -EBADF;
	count(FZ_CALL_OTHER);
	d->fd = dup(c->fd);
	memcpy(d->ids, c->ids, sizeof(d->ids));
	d->nids = c->nids;
	d->ring_len = c->ring_len;
	d->entries = c->entries;
	d->events_offset = c->events_offset;
	return d->fd < 0 ? -errno : 0;
}

/*
 * The high nibble of fix repeats a command up to 16 times, each on the
 * next known timer: cheap calls in bulk, while timers fire meanwhile.
 */
static unsigned int repeats(const struct fz_op *op)
{
	return 1 + (op->fix >> 4);
}

static int64_t do_ioctl(const struct fz_op *op, bool raw)
{
	struct fz_ctx *c = ctx_of(op);
	uint8_t buf[256] = { 0 };
	unsigned long cmd;
	unsigned int i, n = raw ? 1 : repeats(op);
	long ret = 0;

	if (raw) {
		cmd = op->a;
		/* Sizes the ioctl number claims are served from buf. */
		if (_IOC_SIZE(cmd) > sizeof(buf))
			cmd = (cmd & ~(unsigned long)(_IOC_SIZEMASK << _IOC_SIZESHIFT)) |
			      ((unsigned long)sizeof(buf) << _IOC_SIZESHIFT);
	} else {
		cmd = ioctls[op->mode % (sizeof(ioctls) / sizeof(ioctls[0]))];
	}
	for (i = 0; i < n; i++) {
		memcpy(buf, op->data, op->len);
		if (!raw && (op->fix & 1))
			fix_payload(c, cmd, buf, op->a + i);
		count(FZ_CALL_IOCTL);
		watchdog(true);
		/* Sometimes a bad pointer instead of the struct. */
		ret = ioctl(c->fd, cmd, (op->fix & 6) == 6 ? (void *)16 : (void *)buf);
		watchdog(false);
		ret = err(ret);
		learn(c, cmd, buf, ret);
	}
	return ret;
}

static int64_t do_mmap(const struct fz_op *op)
{
	struct fz_ctx *c = ctx_of(op);
	long page = sysconf(_SC_PAGESIZE);
	size_t len;
	off_t off = 0;
	int prot = PROT_READ | PROT_WRITE, flags = MAP_SHARED;
	void *p;

	switch (op->mode % 6) {
	case 0: len = c->ring_len ? c->ring_len : (size_t)page; break;
	case 1: len = page; break;
	case 2: len = (c->ring_len ? c->ring_len : (size_t)page) + page; break;
	case 3: len = 1 + op->a % (1 << 20); break;
	case 4: len = c->ring_len; off = (off_t)page * (1 + op->a % 4); break;
	default: len = op->a; off = (off_t)op->b & ~(off_t)(page - 1); break;
	}
	if (op->fix & 2)
		prot = PROT_READ;
	if (op->fix & 4)
		prot |= PROT_EXEC;
	if (op->fix & 8)
		flags = MAP_PRIVATE;
	if (op->fix & 16)
		flags |= MAP_POPULATE;
	count(FZ_CALL_MMAP);
	p = mmap(NULL, len, prot, flags, c->fd, off);
	if (p == MAP_FAILED)
		return -errno;
	drop_map(c);
	c->map = p;
	c->map_len = len;
	return 0;
}

static int64_t do_munmap(const struct fz_op *op)
{
	struct fz_ctx *c = ctx_of(op);
	long page = sysconf(_SC_PAGESIZE);
	int ret;

	if (!c->map)
		return -EINVAL;
	count(FZ_CALL_MMAP);
	if ((op->mode & 1) && c->map_len > (size_t)page) {
		/* The first page only: the rest stays mapped. */
		ret = munmap(c->map, page);
		if (!ret) {
			c->map = (char *)c->map + page;
			c->map_len -= page;
		}
		return err(ret);
	}
	ret = munmap(c->map, c->map_len);
	c->map = NULL;
	return err(ret);
}

static int64_t do_mremap(const struct fz_op *op)
{
	struct fz_ctx *c = ctx_of(op);
	long page = sysconf(_SC_PAGESIZE);
	size_t len;
	void *p;

	if (!c->map)
		return -EINVAL;
	len = (op->mode & 1) ? c->map_len + page : (size_t)page;
	count(FZ_CALL_MMAP);
	p = mremap(c->map, c->map_len, len, (op->mode & 2) ? MREMAP_MAYMOVE : 0);
	if (p == MAP_FAILED)
		return -errno;
	c->map = p;
	c->map_len = len;
	return 0;
}

static int64_t store(char *p, size_t width, uint64_t v)
{
	switch (width) {
	case 1: __atomic_store_n((uint8_t *)p, (uint8_t)v, __ATOMIC_RELEASE); break;
	case 2: __atomic_store_n((uint16_t *)p, (uint16_t)v, __ATOMIC_RELEASE); break;
	case 4: __atomic_store_n((uint32_t *)p, (uint32_t)v, __ATOMIC_RELEASE); break;
	default: __atomic_store_n((uint64_t *)p, v, __ATOMIC_RELEASE); break;
	}
	return 0;
}

/* A hostile consumer: any value, any width, anywhere in the mapping. */
static int64_t do_poke(const struct fz_op *op)
{
	struct fz_ctx *c = ctx_of(op);
	size_t off, width = 1U << (op->mode % 4);
	struct timerx_ring_hdr *h = c->map;

	if (!c->map || c->map_len < width)
		return -EINVAL;
	switch (op->fix % 4) {
	case 0: off = offsetof(struct timerx_ring_hdr, head); width = 4; break;
	case 1: off = offsetof(struct timerx_ring_hdr, consumer_flags); width = 4; break;
	default: off = op->a % (c->map_len - width + 1) & ~(width - 1); break;
	}
	if (off + width > c->map_len)
		return -EINVAL;
	count(FZ_CALL_MMAP);
	if (op->fix & 0x80)
		return GUARDED(__atomic_load_n(&h->tail, __ATOMIC_ACQUIRE));
	return GUARDED(store((char *)c->map + off, width, op->b));
}

/* The consumer of the UAPI header: acquire tail, read, release head. */
static int64_t consume(struct fz_ctx *c)
{
	struct timerx_ring_hdr *h = c->map;
	uint32_t head, tail, n = 0;
	uint64_t folded = 0;

	head = h->head;
	tail = __atomic_load_n(&h->tail, __ATOMIC_ACQUIRE);
	while (head != tail && n < c->entries) {
		const struct timerx_event *e = (const void *)((char *)c->map + c->events_offset +
			(size_t)(head & (c->entries - 1)) * sizeof(*e));

		folded += e->overrun;
		head++;
		n++;
	}
	__atomic_store_n(&h->head, head, __ATOMIC_RELEASE);
	return n + (folded ? 1 : 0);
}

static int64_t do_consume(const struct fz_op *op)
{
	struct fz_ctx *c = ctx_of(op);

	if (!c->map || !c->entries || c->map_len < c->ring_len)
		return -EINVAL;
	count(FZ_CALL_MMAP);
	return GUARDED(consume(c));
}

static int64_t do_read(const struct fz_op *op)
{
	struct fz_ctx *c = ctx_of(op);
	static char buf[8192];
	long ret;

	count(FZ_CALL_OTHER);
	watchdog(true);
	ret = read(c->fd, (op->fix & 1) ? (void *)16 : buf, op->a % sizeof(buf));
	watchdog(false);
	return err(ret);
}

static int64_t do_poll(const struct fz_op *op)
{
	struct fz_ctx *c = ctx_of(op);
	struct pollfd p = { .fd = c->fd, .events = op->mode };

	count(FZ_CALL_OTHER);
	return err(poll(&p, 1, op->a % 2));
}

static int64_t do_epoll(const struct fz_op *op)
{
	struct fz_ctx *c = ctx_of(op);
	struct epoll_event ev = { .events = EPOLLIN | ((op->mode & 1) ? EPOLLET : 0) };
	struct epoll_event out[4];
	int ret;

	count(FZ_CALL_OTHER);
	if (epfd < 0)
		epfd = epoll_create1(EPOLL_CLOEXEC);
	ret = epoll_ctl(epfd, (op->mode & 2) ? EPOLL_CTL_DEL : EPOLL_CTL_ADD, c->fd, &ev);
	if (ret && errno != EEXIST && errno != ENOENT)
		return -errno;
	return err(epoll_wait(epfd, out, 4, op->a % 2));
}

static struct fz_uring *uring_of(const struct fz_op *op)
{
	return &urings[op->slot2 % FZ_URINGS];
}

static void uring_close(struct fz_uring *u)
{
	if (u->up)
		io_uring_queue_exit(&u->ring);
	u->up = false;
	u->registered = -1;
}

static int uring_open(struct fz_uring *u, unsigned int entries, bool sqe128)
{
	int ret = io_uring_queue_init(entries, &u->ring, sqe128 ? IORING_SETUP_SQE128 : 0);

	if (ret < 0)
		return ret;
	u->up = true;
	u->sqe128 = sqe128;
	/*
	 * A sparse table of one, updated in place: registering or
	 * unregistering a whole table waits for the ring to quiesce (an RCU
	 * grace period, 15 ms a time under TCG).
	 */
	u->sparse = !io_uring_register_files_sparse(&u->ring, 1);
	return 0;
}

static int64_t do_uring_setup(const struct fz_op *op)
{
	struct fz_uring *u = uring_of(op);

	/* The ring there already does, unless a new one is asked for. */
	if (u->up && u->sqe128 == (op->mode & 1) && !(op->mode & 0x80))
		return 0;
	uring_close(u);
	count(FZ_CALL_OTHER);
	return uring_open(u, 4 << (op->mode >> 1) % 4, op->mode & 1);
}

/*
 * io_uring itself is not under test: the rings outlive programs (ring 0
 * plain, ring 1 SQE128), emptied in between. Setting one up costs more
 * than a whole program of the module's calls on the debug kernel.
 */
static void uring_reset(int i)
{
	struct fz_uring *u = &urings[i];
	struct io_uring_cqe *cqe;

	if (u->up && u->registered >= 0) {
		int none = -1;

		io_uring_register_files_update(&u->ring, 0, &none, 1);
	}
	u->registered = -1;
	if (u->up) {
		/* The program's commands end with its contexts (ECANCELED). */
		while (!io_uring_peek_cqe(&u->ring, &cqe))
			io_uring_cqe_seen(&u->ring, cqe);
		if (io_uring_sq_ready(&u->ring) || u->sqe128 != (i == 1))
			uring_close(u);
	}
	if (!u->up)
		uring_open(u, 16, i == 1);
}

static int64_t do_uring_reg(const struct fz_op *op)
{
	struct fz_uring *u = uring_of(op);
	int fd = ctx_of(op)->fd;
	int ret;

	if (!u->up || !u->sparse)
		return -EBADF;
	count(FZ_CALL_OTHER);
	u->registered = -1;
	ret = io_uring_register_files_update(&u->ring, 0, &fd, 1);
	if (ret == 1)
		u->registered = fd;
	return ret;
}

static int64_t reap(struct fz_uring *u, unsigned int timeout_ms)
{
	struct __kernel_timespec ts = { .tv_nsec = timeout_ms * 1000000LL };
	struct io_uring_cqe *cqe;
	int64_t last = 0;
	int ret;

	while (!(ret = io_uring_wait_cqe_timeout(&u->ring, &cqe, &ts))) {
		last = cqe->res;
		io_uring_cqe_seen(&u->ring, cqe);
		ts.tv_nsec = 0;
	}
	return ret == -ETIME ? last : ret;
}

static int64_t do_uring_cmd(const struct fz_op *op)
{
	struct fz_uring *u = uring_of(op);
	struct fz_ctx *c = ctx_of(op);
	struct io_uring_sqe *sqe;
	size_t room;
	unsigned long cmd;
	int ret;

	if (!u->up)
		return -EBADF;
	sqe = io_uring_get_sqe(&u->ring);
	if (!sqe)
		return -EBUSY;
	room = u->sqe128 ? 80 : 16;
	switch (op->mode % 10) {
	case 8: cmd = TIMERX_URING_CMD_WAIT; break;
	case 9: cmd = op->a; break;
	default: cmd = ioctls[op->mode % 8]; break;
	}
	memset(sqe, 0, u->sqe128 ? 128 : 64);
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = c->fd;
	sqe->cmd_op = cmd;
	sqe->user_data = op->a;
	memcpy(sqe->cmd, op->data, op->len < room ? op->len : room);
	if (op->fix & 1) {
		uint8_t tmp[80] = { 0 };

		memcpy(tmp, sqe->cmd, room);
		fix_payload(c, cmd, tmp, (uint32_t)op->b);
		/* The reserved rest of the area must be zero to pass. */
		if (op->fix & 2)
			memset(tmp + (_IOC_SIZE(cmd) < room ? _IOC_SIZE(cmd) : room), 0,
			       room - (_IOC_SIZE(cmd) < room ? _IOC_SIZE(cmd) : room));
		memcpy(sqe->cmd, tmp, room);
	}
	if ((op->flags & 1) && u->registered == c->fd && c->fd >= 0) {
		sqe->fd = 0;
		sqe->flags |= IOSQE_FIXED_FILE;
	}
	if (op->flags & 2)
		sqe->flags |= IOSQE_ASYNC;
	if (op->flags & 4) {
		struct io_uring_sqe *t = io_uring_get_sqe(&u->ring);
		static struct __kernel_timespec ts = { .tv_nsec = 1000000 };

		if (t) {
			sqe->flags |= IOSQE_IO_LINK;
			io_uring_prep_link_timeout(t, &ts, 0);
		}
	}
	count(FZ_CALL_URING);
	watchdog(true);
	ret = io_uring_submit(&u->ring);
	watchdog(false);
	if (ret < 0)
		return ret;
	return reap(u, (op->flags & 8) ? 2 : 0);
}

static int64_t do_uring_reap(const struct fz_op *op)
{
	struct fz_uring *u = uring_of(op);

	if (!u->up)
		return -EBADF;
	count(FZ_CALL_OTHER);
	return reap(u, op->a % 3);
}

static int64_t do_uring_close(const struct fz_op *op)
{
	struct fz_uring *u = uring_of(op);

	if (!u->up)
		return -EBADF;
	count(FZ_CALL_OTHER);
	uring_close(u);
	return 0;
}

/*
 * The attribute stream: [type][kind][payload]..., kind 0 u32, 1 u64,
 * 2 u8, 3 string/binary of a length byte, 4 a nest of the next N
 * attributes. With fix, types stay in the family's range.
 */
static const uint8_t *put_attrs(struct nlmsghdr *nlh, const uint8_t *p, const uint8_t *end,
				int n, int depth, bool fix)
{
	while (n-- > 0 && end - p >= 2) {
		uint16_t type = p[0];
		uint8_t kind = p[1] % 5;

		p += 2;
		if (fix)
			type = depth ? type % (TIMERX_NL_CONFIG_A_MAX + 1)
				     : type % (TIMERX_NL_A_MAX + 1);
		if (mnl_nlmsg_size(mnl_nlmsg_get_payload_len(nlh)) > 3000)
			return end;
		switch (kind) {
		case 0: {
			uint32_t v = 0;

			memcpy(&v, p, end - p < 4 ? (size_t)(end - p) : 4);
			p += end - p < 4 ? end - p : 4;
			mnl_attr_put_u32(nlh, type, v);
			break;
		}
		case 1: {
			uint64_t v = 0;

			memcpy(&v, p, end - p < 8 ? (size_t)(end - p) : 8);
			p += end - p < 8 ? end - p : 8;
			mnl_attr_put_u64(nlh, type, v);
			break;
		}
		case 2:
			mnl_attr_put_u8(nlh, type, p < end ? *p++ : 0);
			break;
		case 3: {
			size_t len = p < end ? *p++ : 0;

			if (len > (size_t)(end - p))
				len = end - p;
			mnl_attr_put(nlh, type, len, p);
			p += len;
			break;
		}
		default: {
			struct nlattr *nest;
			int inner = p < end ? *p++ % 6 : 0;

			if (depth >= 3)
				break;
			nest = mnl_attr_nest_start(nlh, fix ? TIMERX_NL_A_CONFIG : type);
			p = put_attrs(nlh, p, end, inner, depth + 1, fix);
			mnl_attr_nest_end(nlh, nest);
			break;
		}
		}
	}
	return p;
}

/*
 * Reads replies until the request's ACK, error or DONE, or for 3 ms; seq
 * 0 only empties the socket of replies nobody waited for.
 */
static int64_t nl_drain(uint32_t seq)
{
	static char buf[NL_BUF_SIZE];
	int64_t res = 0;

	watchdog(seq != 0);
	for (;;) {
		ssize_t n = recv(mnl_socket_get_fd(nl), buf, sizeof(buf), seq ? 0 : MSG_DONTWAIT);
		const struct nlmsghdr *h;
		int left = n;

		if (n <= 0)
			break;
		for (h = (void *)buf; seq && mnl_nlmsg_ok(h, left); h = mnl_nlmsg_next(h, &left)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);

				watchdog(false);
				return e->error;
			}
			if (h->nlmsg_type == NLMSG_DONE) {
				watchdog(false);
				return res;
			}
			res++;
		}
	}
	watchdog(false);
	return res;
}

static int64_t nl_send(struct nlmsghdr *nlh)
{
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	return nl_drain(nlh->nlmsg_seq);
}

static struct nlmsghdr *nl_msg(char *buf, uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++nl_seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = TIMERX_GENL_VERSION;
	return nlh;
}

static int64_t do_netlink(const struct fz_op *op)
{
	char buf[4096] = { 0 };
	struct nlmsghdr *nlh;
	uint8_t cmd = op->mode;
	uint16_t flags = NLM_F_ACK;

	if (!nl || !family)
		return -ENOSYS;
	if (op->fix & 1)
		cmd = 1 + op->mode % TIMERX_NL_CMD_MAX;
	if (op->flags & 1)
		flags |= NLM_F_DUMP;
	nlh = nl_msg(buf, cmd, flags);
	if (op->flags & 2)
		((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->reserved = op->a;
	if (op->flags & 4)
		((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->version = op->a >> 8;
	put_attrs(nlh, op->data, op->data + op->len, 16, 0, op->fix & 1);
	if (cmd == TIMERX_NL_CMD_CONFIG_SET)
		config_dirty = true;
	count(FZ_CALL_NETLINK);
	return nl_send(nlh);
}

static int64_t do_sleep(const struct fz_op *op)
{
	struct timespec ts = { .tv_nsec = (op->a % 1000) * 1000L };

	count(FZ_CALL_OTHER);
	return err(nanosleep(&ts, NULL));
}

static void close_all(void);

/*
 * The child shares the contexts: it touches them and goes, by exit or by
 * exec, while the parent's program goes on with them.
 */
static int64_t do_fork(const struct fz_op *op)
{
	int status, i;
	pid_t pid;

	/* A fork costs what a hundred other calls do: one in sixteen asked. */
	if (op->a % 16)
		return -EAGAIN;
	count(FZ_CALL_OTHER);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		struct timerx_ctx_info info;

		switch (op->mode % 4) {
		case 0:
			for (i = 0; i < FZ_URINGS; i++)
				uring_close(&urings[i]);
			close_all();
			break;
		case 1:
			for (i = 0; i < FZ_SLOTS; i++) {
				ioctl(ctxs[i].fd, TIMERX_IOC_CTX_INFO, &info);
				ioctl(ctxs[i].fd, TIMERX_IOC_FLUSH);
				if (ctxs[i].map && ctxs[i].map_len >= sizeof(struct timerx_ring_hdr))
					GUARDED(store((char *)ctxs[i].map +
						      offsetof(struct timerx_ring_hdr, head),
						      4, op->a));
			}
			break;
		case 2:
			execl("/bin/busybox", "true", (char *)NULL);
			break;
		default:
			for (i = 0; i < FZ_SLOTS; i++)
				drop_map(&ctxs[i]);
			break;
		}
		_exit(0);
	}
	watchdog(true);
	if (waitpid(pid, &status, 0) == pid) {
		watchdog(false);
		return 0;
	}
	watchdog(false);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -ETIMEDOUT;
}

/*
 * Only this thread's credentials change (the raw syscall, not glibc's
 * all-threads setresuid): the saved uid stays 0 to come back.
 */
static int64_t set_creds(bool drop)
{
	long ret;

	if (drop == dropped)
		return 0;
	if (drop) {
		ret = syscall(SYS_setresgid, NOBODY, NOBODY, 0);
		if (!ret)
			ret = syscall(SYS_setresuid, NOBODY, NOBODY, 0);
	} else {
		ret = syscall(SYS_setresuid, 0, 0, 0);
		if (!ret)
			ret = syscall(SYS_setresgid, 0, 0, 0);
	}
	if (ret)
		return -errno;
	dropped = drop;
	return 0;
}

static int64_t do_priv(const struct fz_op *op)
{
	count(FZ_CALL_OTHER);
	return set_creds(op->mode & 1);
}

static int64_t run_op(const struct fz_op *op)
{
	switch (op->kind) {
	case FZ_OPEN: return do_open(op);
	case FZ_CLOSE: return do_close(op);
	case FZ_DUP: return do_dup(op);
	case FZ_IOCTL: return do_ioctl(op, false);
	case FZ_IOCTL_RAW: return do_ioctl(op, true);
	case FZ_MMAP: return do_mmap(op);
	case FZ_MUNMAP: return do_munmap(op);
	case FZ_MREMAP: return do_mremap(op);
	case FZ_POKE: return do_poke(op);
	case FZ_CONSUME: return do_consume(op);
	case FZ_READ: return do_read(op);
	case FZ_POLL: return do_poll(op);
	case FZ_EPOLL: return do_epoll(op);
	case FZ_URING_SETUP: return do_uring_setup(op);
	case FZ_URING_CMD: return do_uring_cmd(op);
	case FZ_URING_REAP: return do_uring_reap(op);
	case FZ_URING_REG: return do_uring_reg(op);
	case FZ_URING_CLOSE: return do_uring_close(op);
	case FZ_NETLINK: return do_netlink(op);
	case FZ_SLEEP: return do_sleep(op);
	case FZ_FORK: return do_fork(op);
	case FZ_PRIV: return do_priv(op);
	}
	return -ENOSYS;
}

static void close_all(void)
{
	int i;

	for (i = 0; i < FZ_SLOTS; i++) {
		if (ctxs[i].fd >= 0)
			close(ctxs[i].fd);
		ctxs[i].fd = -1;
		drop_map(&ctxs[i]);
		ctxs[i].nids = 0;
		ctxs[i].ring_len = 0;
	}
	if (epfd >= 0)
		close(epfd);
	epfd = -1;
}

/* CONFIG_SET with what CONFIG_GET said at start, PAD attributes left out. */
static void restore_config(void)
{
	char buf[1024] = { 0 };
	struct nlmsghdr *nlh = nl_msg(buf, TIMERX_NL_CMD_CONFIG_SET, NLM_F_ACK);
	const struct nlattr *a;
	struct nlattr *nest;

	nest = mnl_attr_nest_start(nlh, TIMERX_NL_A_CONFIG);
	for (a = (const void *)saved_config;
	     mnl_attr_ok(a, (const char *)saved_config + saved_config_len - (const char *)a);
	     a = mnl_attr_next(a)) {
		if (mnl_attr_get_type(a) != TIMERX_NL_CONFIG_A_PAD)
			mnl_attr_put(nlh, mnl_attr_get_type(a), mnl_attr_get_payload_len(a),
				     mnl_attr_get_payload(a));
	}
	mnl_attr_nest_end(nlh, nest);
	if (nl_send(nlh))
		fprintf(stderr, "fuzz: restoring the module's config failed\n");
}

static int save_config_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *a;

	(void)data;
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) == TIMERX_NL_A_CONFIG &&
		    mnl_attr_get_payload_len(a) <= sizeof(saved_config)) {
			saved_config_len = mnl_attr_get_payload_len(a);
			memcpy(saved_config, mnl_attr_get_payload(a), saved_config_len);
		}
	}
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *a;

	(void)data;
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID)
			family = mnl_attr_get_u16(a);
	return MNL_CB_OK;
}

static int nl_query(struct nlmsghdr *nlh, mnl_cb_t cb)
{
	char buf[NL_BUF_SIZE];
	int n;

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	return n < 0 ? -errno : mnl_cb_run(buf, n, nlh->nlmsg_seq, 0, cb, NULL);
}

static void nl_init(void)
{
	char buf[1024] = { 0 };
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;

	nl = mnl_socket_open(NETLINK_GENERIC);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		fprintf(stderr, "fuzz: no generic netlink: %m\n");
		nl = NULL;
		return;
	}
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++nl_seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, TIMERX_GENL_NAME);
	nl_query(nlh, family_cb);
	if (!family) {
		fprintf(stderr, "fuzz: no timerx netlink family\n");
		return;
	}
	memset(buf, 0, sizeof(buf));
	nl_query(nl_msg(buf, TIMERX_NL_CMD_CONFIG_GET, NLM_F_ACK), save_config_cb);
	if (!saved_config_len)
		fprintf(stderr, "fuzz: CONFIG_GET gave no config\n");
}

static void run_program(void)
{
	int64_t t0, t1;
	uint32_t i;

	for (i = 0; i < FZ_URINGS; i++)
		uring_reset(i);
	for (i = 0; i < sh->nops && i < FZ_MAX_OPS; i++) {
		const struct fz_op *op = &sh->ops[i];

		t0 = now_ns(CLOCK_MONOTONIC);
		sh->result[i] = run_op(op);
		t1 = now_ns(CLOCK_MONOTONIC);
		if (op->kind < FZ_NR_KINDS) {
			sh->kind_ns[op->kind] += t1 - t0;
			sh->kind_ops[op->kind]++;
		}
	}
	t0 = now_ns(CLOCK_MONOTONIC);
	set_creds(false);
	close_all();
	if (config_dirty && saved_config_len)
		restore_config();
	config_dirty = false;
	/* Replies the program did not wait for must not answer the next one. */
	if (nl)
		nl_drain(0);
	sh->cleanup_ns += now_ns(CLOCK_MONOTONIC) - t0;
	sh->programs++;
}

void fz_exec_main(struct fz_shared *shared, int kcov_fd, unsigned long *cover,
		  int go_fd, int done_fd)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct sigaction fault = { .sa_handler = on_fault, .sa_flags = SA_NODEFER };
	char c;
	int i;

	sh = shared;
	for (i = 0; i < FZ_SLOTS; i++)
		ctxs[i].fd = -1;
	for (i = 0; i < FZ_URINGS; i++)
		urings[i].registered = -1;
	sigaction(SIGALRM, &sa, NULL);
	sigaction(SIGSEGV, &fault, NULL);
	sigaction(SIGBUS, &fault, NULL);
	signal(SIGPIPE, SIG_IGN);
	nl_init();
	if (kcov_fd >= 0 && ioctl(kcov_fd, KCOV_ENABLE, KCOV_TRACE_PC))
		fprintf(stderr, "fuzz: KCOV_ENABLE: %m\n");
	while (read(go_fd, &c, 1) == 1) {
		if (cover)
			__atomic_store_n(&cover[0], 0, __ATOMIC_RELAXED);
		run_program();
		if (write(done_fd, &c, 1) != 1)
			break;
	}
	_exit(0);
}
