// SPDX-License-Identifier: GPL-2.0
/*
 * Module unload and reload. DESTRUCTIVE: runs last. Needs TIMERX_KO (path
 * of timerx.ko) to put the module back; without it every test skips.
 *
 *  - an open context, or only a ring mapping left after close(), pins the
 *    module: delete_module(O_NONBLOCK) fails with EBUSY/EWOULDBLOCK;
 *  - after munmap + close it unloads, even right after contexts full of
 *    firing timers went away (a timer or irq_work outliving release()
 *    would now run freed module text: the debug kernel catches that);
 *  - /dev/timerx disappears, and finit_module() brings everything back.
 */
#include "timerx_util.h"

#include <sys/syscall.h>
#include <sys/sysmacros.h>

#define MODNAME "timerx"

static int delete_module_nb(void)
{
	return syscall(SYS_delete_module, MODNAME, O_NONBLOCK) ? -errno : 0;
}

/*
 * Module parameters as currently set (the harness may have loaded the
 * module with non-default ones), to be passed back on reload.
 */
static char modparams[256];

static void save_modparams(void)
{
	static const char *const names[] = {
		"max_timers_per_ctx", "max_ring_entries", "min_period_ns",
	};
	unsigned long long v;
	size_t len = 0;
	unsigned int i;

	modparams[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		if (tx_param_read(names[i], &v))
			continue;
		len += snprintf(modparams + len, sizeof(modparams) - len, "%s%s=%llu",
				len ? " " : "", names[i], v);
		if (len >= sizeof(modparams)) {
			modparams[0] = '\0';	/* cannot happen; fall back to defaults */
			return;
		}
	}
}

static int load_module(const char *ko)
{
	int fd = open(ko, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, modparams, 0) ? -errno : 0;
	if (ret && modparams[0]) {
		/* Parameters not accepted as read back? Load with defaults. */
		fprintf(stderr, "# finit_module(\"%s\"): %s; retrying with defaults\n",
			modparams, strerror(-ret));
		ret = syscall(SYS_finit_module, fd, "", 0) ? -errno : 0;
	}
	close(fd);
	return ret;
}

static bool module_loaded(void)
{
	return access("/sys/module/" MODNAME, F_OK) == 0;
}

/*
 * After a (re)load, /dev/timerx should come back by itself (devtmpfs). An
 * initramfs with a static /dev would keep a stale node instead; then make
 * one from the misc device's dev_t so the remaining checks can run.
 */
static int wait_devnode(void)
{
	__s64 start = tx_now(CLOCK_MONOTONIC);
	unsigned int maj, min;
	char buf[32];
	int fd;

	do {
		fd = tx_open();
		if (fd >= 0)
			return fd;
		tx_sleep_ms(10);
	} while (tx_ms_since(start) < 2000);

	fd = open("/sys/class/misc/" MODNAME "/dev", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -ENODEV;
	memset(buf, 0, sizeof(buf));
	if (read(fd, buf, sizeof(buf) - 1) <= 0 || sscanf(buf, "%u:%u", &maj, &min) != 2) {
		close(fd);
		return -ENODEV;
	}
	close(fd);
	fprintf(stderr, "# %s did not reappear by itself; creating it (%u:%u)\n",
		TIMERX_DEVICE_PATH, maj, min);
	unlink(TIMERX_DEVICE_PATH);
	if (mknod(TIMERX_DEVICE_PATH, S_IFCHR | 0600, makedev(maj, min)))
		return -errno;
	return tx_open();
}

/* Unload (retrying briefly) and reload; the module is back afterwards. */
static void unload_reload(struct __test_metadata *_metadata, const char *ko)
{
	__s64 start = tx_now(CLOCK_MONOTONIC);
	int ret, fd, tries = 0;

	save_modparams();
	do {
		ret = delete_module_nb();
		tries++;
		if (ret != -EBUSY && ret != -EWOULDBLOCK)
			break;
		tx_sleep_ms(10);
	} while (tx_ms_since(start) < 2000);
	if (!ret && tries > 1)
		TH_LOG("note: unload needed %d attempts after the last close", tries);
	EXPECT_EQ(0, ret) TH_LOG("delete_module with no users left: %s", strerror(-ret));
	if (!ret) {
		EXPECT_FALSE(module_loaded()) TH_LOG("/sys/module/%s still there", MODNAME);
		fd = tx_open();
		EXPECT_TRUE(fd == -ENOENT || fd == -ENODEV || fd == -ENXIO)
			TH_LOG("open(%s) after unload: %d", TIMERX_DEVICE_PATH, fd);
		if (fd >= 0)
			close(fd);
	}
	/* Let anything that wrongly outlived release() run into the void. */
	tx_sleep_ms(50);
	if (!module_loaded()) {
		ret = load_module(ko);
		ASSERT_EQ(0, ret) TH_LOG("finit_module(%s): %s", ko, strerror(-ret));
	}
	fd = wait_devnode();
	ASSERT_LE(0, fd) TH_LOG("%s unusable after reload: %s", TIMERX_DEVICE_PATH,
				strerror(-fd));
	close(fd);
}

FIXTURE(unload)
{
	const char *ko;
};

FIXTURE_SETUP(unload)
{
	self->ko = getenv("TIMERX_KO");
	if (!self->ko || !*self->ko)
		SKIP(return, "TIMERX_KO not set: cannot reload the module");
	if (access(self->ko, R_OK))
		SKIP(return, "TIMERX_KO=%s not readable", self->ko);
	ASSERT_TRUE(module_loaded()) TH_LOG("module %s is not loaded", MODNAME);
	save_modparams();
}

FIXTURE_TEARDOWN(unload)
{
	/* Whatever happened, leave the module loaded for whoever is next. */
	if (self->ko && !module_loaded())
		load_module(self->ko);
}

TEST_F_TIMEOUT(unload, busy_while_open, 60)
{
	struct tx_ring r;
	int ret;

	tx_ring_open(&r, 8, false);
	ret = delete_module_nb();
	EXPECT_TRUE(ret == -EBUSY || ret == -EWOULDBLOCK)
		TH_LOG("delete_module with a context open: %d (%s)", ret, strerror(-ret));
	if (!ret) {
		/* The module is gone under an open fd; nothing sane to do. */
		TH_LOG("module unloaded with an open context!");
		return;
	}
	EXPECT_TRUE(module_loaded());
	tx_ring_close(&r);
	unload_reload(_metadata, self->ko);
}

TEST_F_TIMEOUT(unload, busy_while_only_mapped, 60)
{
	struct tx_ring r;
	__u32 id;
	int ret;

	tx_ring_open(&r, 8, true);
	ASSERT_EQ(0, tx_create(r.fd, CLOCK_MONOTONIC, 0, 0, 1, &id));
	ASSERT_EQ(0, tx_arm(r.fd, id, 0, 2 * NSEC_PER_MSEC, 2 * NSEC_PER_MSEC));
	ASSERT_EQ(0, close(r.fd));
	r.fd = -1;
	ret = delete_module_nb();
	EXPECT_TRUE(ret == -EBUSY || ret == -EWOULDBLOCK)
		TH_LOG("delete_module with only a mapping left: %d (%s)", ret, strerror(-ret));
	if (!ret) {
		TH_LOG("module unloaded under a live mapping!");
		return;
	}
	/* The mapping still sees events: the context is alive. */
	tx_consume(&r, NULL, 8);
	tx_ring_close(&r);
	unload_reload(_metadata, self->ko);
}

/*
 * Contexts full of fast hard and soft timers, some mapped, all closed,
 * then unload at once: release must have cancelled every timer and
 * waited for every callback and deferred wakeup.
 */
TEST_F_TIMEOUT(unload, unload_right_after_busy_contexts, 60)
{
	enum { NCTX = 8, NT = 4 };
	struct tx_ring r[NCTX];
	int i, k;
	__u32 id;

	for (i = 0; i < NCTX; i++) {
		struct pollfd pfd;

		tx_ring_open(&r[i], 4, i & 1);
		for (k = 0; k < NT; k++) {
			ASSERT_EQ(0, tx_create(r[i].fd, CLOCK_MONOTONIC,
					       k & 1 ? TIMERX_CREATE_F_SOFT : 0, 0, k, &id));
			ASSERT_EQ(0, tx_arm(r[i].fd, id, 0, 0, NSEC_PER_MSEC));
		}
		/* A waiter, so wakeups (irq_work) are really issued. */
		pfd.fd = r[i].fd;
		pfd.events = POLLIN;
		poll(&pfd, 1, 0);
	}
	tx_sleep_ms(20);
	for (i = 0; i < NCTX; i++)
		tx_ring_close(&r[i]);
	unload_reload(_metadata, self->ko);
}

/* After all of the above, the reloaded module works normally. */
TEST_F(unload, reloaded_module_works)
{
	struct timerx_ctx_info ci;
	struct timerx_event e;
	struct tx_ring r;
	__u32 id;

	tx_ring_open(&r, 8, true);
	ASSERT_EQ(0, tx_ctx_info(r.fd, &ci));
	EXPECT_EQ((__u32)TIMERX_API_VERSION, ci.api_version);
	ASSERT_EQ(0, tx_create(r.fd, CLOCK_MONOTONIC, 0, 0, 99, &id));
	ASSERT_EQ(0, tx_arm(r.fd, id, 0, NSEC_PER_MSEC, 0));
	ASSERT_EQ(1U, tx_collect(&r, &e, 1, TX_FIRE_TIMEOUT_MS));
	EXPECT_EQ(id, e.timer_id);
	EXPECT_EQ(99ULL, e.user_data);
	tx_ring_close(&r);
}

TEST_HARNESS_MAIN
