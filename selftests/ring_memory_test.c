// SPDX-License-Identifier: GPL-2.0
/*
 * Who pays for a ring's pages (finding F5a/b). The header: "The ring's
 * pages are charged to the memory cgroup of the caller of SETUP_RING and,
 * unless it has CAP_IPC_LOCK, to its user's RLIMIT_MEMLOCK (locked memory,
 * shared with io_uring and perf rings): ENOMEM past either." The old code
 * charged nothing: any user could pin max_ring_entries * 32 bytes per
 * context, as many contexts as it liked, outside every limit.
 */
#include "timerx_util.h"

#include <sys/mount.h>
#include <sys/statfs.h>

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC	0x63677270
#endif

#define MEMLOCK_LIMIT	(256 * 1024)
#define BIG_ENTRIES	65536	/* 2 MiB of events */
#define SMALL_ENTRIES	2048	/* 64 KiB of events + the header page */
#define MAX_RINGS	64

FIXTURE(memlock)
{
	struct tx_devmode dev;
	struct tx_param max_ring;
};

FIXTURE_SETUP(memlock)
{
	unsigned long long max;
	int ret;

	self->dev.changed = false;
	self->max_ring.changed = false;
	if (geteuid() != 0)
		SKIP(return, "needs root to chmod the device and switch users");
	ASSERT_EQ(0, tx_param_read("max_ring_entries", &max));
	if (max < BIG_ENTRIES) {
		ret = tx_param_set(&self->max_ring, "max_ring_entries", BIG_ENTRIES, BIG_ENTRIES);
		ASSERT_EQ(0, ret) TH_LOG("max_ring_entries=%d: %s", BIG_ENTRIES, strerror(-ret));
	}
	ASSERT_EQ(0, tx_dev_open_to_all(&self->dev));
}

FIXTURE_TEARDOWN_PARENT(memlock)
{
	tx_dev_restore(&self->dev);
	tx_param_restore(&self->max_ring);
}

/* Open, SETUP_RING(@entries), map; the descriptor is closed, the mapping kept. */
static int mapped_ring(__u32 entries, void **map, size_t *len)
{
	struct timerx_ring_params p;
	int fd = tx_open(), ret;

	if (fd < 0)
		return fd;
	ret = tx_setup(fd, entries, &p);
	if (ret) {
		close(fd);
		return ret;
	}
	*map = mmap(NULL, p.mmap_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ret = *map == MAP_FAILED ? -errno : 0;
	*len = p.mmap_len;
	close(fd);
	return ret;
}

static int setup_once(__u32 entries)
{
	int fd = tx_open(), ret;

	if (fd < 0)
		return fd;
	ret = tx_setup(fd, entries, NULL);
	close(fd);
	return ret;
}

static int memlock_child(struct __test_metadata *_metadata, void *arg)
{
	void *maps[MAX_RINGS];
	size_t lens[MAX_RINGS];
	int n = 0, i, ret;

	(void)arg;
	if (tx_set_rlimit(RLIMIT_MEMLOCK, MEMLOCK_LIMIT) || tx_drop_to_nobody()) {
		EXPECT_TRUE(0) TH_LOG("cannot limit RLIMIT_MEMLOCK and become nobody");
		return 1;
	}
	EXPECT_FALSE(tx_has_cap(CAP_IPC_LOCK)) TH_LOG("nobody has CAP_IPC_LOCK");

	ret = setup_once(BIG_ENTRIES);
	EXPECT_EQ(-ENOMEM, ret) {
		TH_LOG("nobody with RLIMIT_MEMLOCK %d KiB: a %d-entry ring (2 MiB): %s",
		       MEMLOCK_LIMIT / 1024, BIG_ENTRIES, ret ? strerror(-ret) : "set up");
	}
	ret = setup_once(SMALL_ENTRIES);
	EXPECT_EQ(0, ret) {
		TH_LOG("nobody with RLIMIT_MEMLOCK %d KiB: a %d-entry ring (68 KiB): %s",
		       MEMLOCK_LIMIT / 1024, SMALL_ENTRIES, strerror(-ret));
	}

	/* Mapped rings outlive their descriptors, and so does their charge. */
	for (n = 0; n < MAX_RINGS; n++) {
		ret = mapped_ring(SMALL_ENTRIES, &maps[n], &lens[n]);
		if (ret)
			break;
	}
	EXPECT_EQ(-ENOMEM, ret) {
		TH_LOG("%d mapped %d-entry rings (%zu KiB) and no ENOMEM", n, SMALL_ENTRIES,
		       n * (lens[0] / 1024));
		TH_LOG("under a %d KiB RLIMIT_MEMLOCK (last: %s)", MEMLOCK_LIMIT / 1024,
		       ret ? strerror(-ret) : "success");
	}
	EXPECT_LE(1, n) TH_LOG("not even one 68 KiB ring fits in 256 KiB");
	TH_LOG("%d rings of %zu KiB fit in RLIMIT_MEMLOCK %d KiB", n, n ? lens[0] / 1024 : 0,
	       MEMLOCK_LIMIT / 1024);

	/* Unmapping frees the contexts; their charge comes back. */
	for (i = 0; i < n; i++)
		munmap(maps[i], lens[i]);
	for (i = 0; i < 50; i++) {
		ret = setup_once(SMALL_ENTRIES);
		if (!ret)
			break;
		tx_sleep_ms(20);
	}
	EXPECT_EQ(0, ret) TH_LOG("after unmapping every ring, SETUP_RING: %s", strerror(-ret));
	/* All of it: as many rings as before fit again. */
	for (i = 0; i < n; i++) {
		ret = mapped_ring(SMALL_ENTRIES, &maps[i], &lens[i]);
		EXPECT_EQ(0, ret) {
			TH_LOG("ring %d of the %d that fitted before: %s", i + 1, n,
			       strerror(-ret));
		}
		if (ret)
			break;
	}
	while (--i >= 0)
		munmap(maps[i], lens[i]);
	return 0;
}

TEST_F_TIMEOUT(memlock, nobody_rings_count_against_rlimit_memlock, 60)
{
	tx_child_result(tx_in_child(memlock_child, NULL, 45000, "nobody under RLIMIT_MEMLOCK"),
			"nobody under RLIMIT_MEMLOCK");
}

static int root_child(struct __test_metadata *_metadata, void *arg)
{
	void *maps[8];
	size_t lens[8];
	int i, ret;

	(void)arg;
	if (tx_set_rlimit(RLIMIT_MEMLOCK, MEMLOCK_LIMIT)) {
		EXPECT_TRUE(0) TH_LOG("setrlimit(RLIMIT_MEMLOCK)");
		return 1;
	}
	if (!tx_has_cap(CAP_IPC_LOCK))
		return KSFT_SKIP;
	ret = setup_once(BIG_ENTRIES);
	EXPECT_EQ(0, ret) TH_LOG("CAP_IPC_LOCK, RLIMIT_MEMLOCK %d KiB: a 2 MiB ring: %s",
				 MEMLOCK_LIMIT / 1024, strerror(-ret));
	for (i = 0; i < 8; i++) {
		ret = mapped_ring(SMALL_ENTRIES, &maps[i], &lens[i]);
		EXPECT_EQ(0, ret) TH_LOG("CAP_IPC_LOCK: mapped ring %d: %s", i, strerror(-ret));
		if (ret)
			break;
	}
	while (--i >= 0)
		munmap(maps[i], lens[i]);
	return 0;
}

/* "unless it has CAP_IPC_LOCK" */
TEST_F(memlock, cap_ipc_lock_exempt)
{
	tx_child_result(tx_in_child(root_child, NULL, 20000, "root under RLIMIT_MEMLOCK"),
			"root under RLIMIT_MEMLOCK");
}

/* ---------------------------------------------------------------- */
/* The memory cgroup                                                */
/* ---------------------------------------------------------------- */

#define CG_ROOT		"/sys/fs/cgroup"

FIXTURE(memcg)
{
	bool mounted;
	bool enabled;
	bool made;
	char dir[128];
};

static int read_file(const char *path, char *buf, size_t size)
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
	return 0;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -errno;
}

static bool has_word(const char *list, const char *word)
{
	size_t len = strlen(word);
	const char *p = list;

	while ((p = strstr(p, word))) {
		if ((p == list || p[-1] == ' ') && (p[len] == ' ' || p[len] == '\n' || !p[len]))
			return true;
		p += len;
	}
	return false;
}

FIXTURE_SETUP(memcg)
{
	char buf[512], path[256];
	struct statfs sf;
	int ret;

	self->mounted = false;
	self->enabled = false;
	self->made = false;
	if (geteuid() != 0)
		SKIP(return, "needs root for cgroups");
	if (statfs(CG_ROOT, &sf) || sf.f_type != CGROUP2_SUPER_MAGIC) {
		if (mount("none", CG_ROOT, "cgroup2", 0, NULL))
			SKIP(return, "cannot mount cgroup2 on %s: %s", CG_ROOT, strerror(errno));
		self->mounted = true;
	}
	ret = read_file(CG_ROOT "/cgroup.controllers", buf, sizeof(buf));
	if (ret || !has_word(buf, "memory"))
		SKIP(return, "no memory controller (cgroup.controllers: \"%s\")",
		     ret ? strerror(-ret) : strtok(buf, "\n") ?: "");
	ASSERT_EQ(0, read_file(CG_ROOT "/cgroup.subtree_control", buf, sizeof(buf)));
	if (!has_word(buf, "memory")) {
		ret = write_file(CG_ROOT "/cgroup.subtree_control", "+memory");
		ASSERT_EQ(0, ret) TH_LOG("enabling the memory controller: %s", strerror(-ret));
		self->enabled = true;
	}
	snprintf(self->dir, sizeof(self->dir), CG_ROOT "/timerx-ring-%d", getpid());
	ASSERT_EQ(0, mkdir(self->dir, 0755)) TH_LOG("mkdir %s: %s", self->dir, strerror(errno));
	self->made = true;
	snprintf(path, sizeof(path), "%s/memory.current", self->dir);
	ASSERT_EQ(0, access(path, R_OK)) TH_LOG("%s: %s", path, strerror(errno));
}

FIXTURE_TEARDOWN(memcg)
{
	int i;

	if (self->made) {
		/* The child has been reaped; its css may take a moment to go. */
		for (i = 0; i < 100 && rmdir(self->dir) && errno == EBUSY; i++)
			tx_sleep_ms(20);
	}
	if (self->enabled)
		write_file(CG_ROOT "/cgroup.subtree_control", "-memory");
	if (self->mounted)
		umount(CG_ROOT);
}

static long long memory_current(const char *dir)
{
	char path[256], buf[64];

	snprintf(path, sizeof(path), "%s/memory.current", dir);
	if (read_file(path, buf, sizeof(buf)))
		return -1;
	return strtoll(buf, NULL, 10);
}

static int memcg_child(struct __test_metadata *_metadata, void *arg)
{
	const char *dir = arg;
	struct timerx_ring_params p = { 0 };
	char path[256];
	long long before, after, want;
	int fd, ret;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	ret = write_file(path, "0");
	if (ret) {
		EXPECT_EQ(0, ret) TH_LOG("moving into %s: %s", dir, strerror(-ret));
		return 1;
	}
	fd = tx_open();
	if (fd < 0) {
		EXPECT_LE(0, fd);
		return 1;
	}
	before = memory_current(dir);
	ret = tx_setup(fd, BIG_ENTRIES, &p);
	after = memory_current(dir);
	EXPECT_EQ(0, ret) TH_LOG("SETUP_RING(%d): %s", BIG_ENTRIES, strerror(-ret));
	/*
	 * The memcg charges in batches from a per-CPU stock: up to 64 pages
	 * may have been charged already, before @before was read.
	 */
	want = (long long)p.mmap_len - 64 * getpagesize();
	EXPECT_LE(want, after - before) {
		TH_LOG("memory.current grew by %lld bytes for a ring of %llu bytes:",
		       after - before, (unsigned long long)p.mmap_len);
		TH_LOG("the ring is not charged to the caller's memory cgroup");
	}
	TH_LOG("memory.current %lld -> %lld for a %llu-byte ring", before, after,
	       (unsigned long long)p.mmap_len);
	close(fd);
	return 0;
}

TEST_F(memcg, ring_charged_to_memcg)
{
	tx_child_result(tx_in_child(memcg_child, self->dir, 20000, "memcg child"),
			"memcg child");
}

TEST_HARNESS_MAIN
