// SPDX-License-Identifier: GPL-2.0
/*
 * Where an unprivileged caller may pin a timer (finding F6c). The header:
 * TIMERX_CREATE_F_PINNED keeps the timer on `cpu`, "which must be online
 * (EINVAL) and, for callers without CAP_SYS_NICE, in the caller's CPU
 * affinity mask (EPERM)". The old module let anybody aim hard-irq
 * callbacks at any CPU, an isolated real-time core included.
 */
#include "timerx_util.h"

FIXTURE(pin)
{
	struct tx_devmode dev;
	int cpus[2];
};

FIXTURE_SETUP(pin)
{
	int all[TX_MAX_CPUS], n = tx_online_cpus(all, TX_MAX_CPUS);

	self->dev.changed = false;
	if (n < 2)
		SKIP(return, "needs two online CPUs (%d)", n);
	if (geteuid() != 0)
		SKIP(return, "needs root to chmod the device and switch users");
	self->cpus[0] = all[0];
	self->cpus[1] = all[n - 1];
	ASSERT_EQ(0, tx_dev_open_to_all(&self->dev));
}

FIXTURE_TEARDOWN(pin)
{
	tx_dev_restore(&self->dev);
}

static int pin_to(int fd, int cpu, __u32 *id)
{
	return tx_create(fd, CLOCK_MONOTONIC, TIMERX_CREATE_F_PINNED, cpu, 1, id);
}

static int nobody_child(struct __test_metadata *_metadata, void *arg)
{
	const int *cpus = arg;
	struct timerx_timer_info ti;
	struct tx_ring r;
	cpu_set_t cs;
	__u32 id;
	int ret;

	if (tx_bind_cpu(cpus[0]) || tx_drop_to_nobody()) {
		EXPECT_TRUE(0) TH_LOG("cannot bind to CPU %d and become nobody", cpus[0]);
		return 1;
	}
	EXPECT_FALSE(tx_has_cap(CAP_SYS_NICE)) TH_LOG("nobody has CAP_SYS_NICE");
	r.fd = tx_open();
	if (r.fd < 0 || tx_setup(r.fd, 8, NULL)) {
		EXPECT_LE(0, r.fd) TH_LOG("nobody: open/SETUP_RING");
		return 1;
	}
	ret = pin_to(r.fd, cpus[1], &id);
	EXPECT_EQ(-EPERM, ret) {
		TH_LOG("nobody bound to CPU %d pinned a timer to CPU %d: %s", cpus[0], cpus[1],
		       ret ? strerror(-ret) : "created");
	}
	ret = pin_to(r.fd, cpus[0], &id);
	EXPECT_EQ(0, ret) TH_LOG("nobody bound to CPU %d, pinning to it: %s", cpus[0],
				 strerror(-ret));
	if (!ret) {
		/* And it runs there. */
		EXPECT_EQ(0, tx_arm(r.fd, id, 0, NSEC_PER_MSEC, 0));
		if (tx_poll_in(r.fd, TX_FIRE_TIMEOUT_MS) && !tx_get(r.fd, id, &ti)) {
			EXPECT_EQ(cpus[0], ti.last_cpu);
		}
	}

	/* Widening the mask (nobody may) widens what it may pin to. */
	CPU_ZERO(&cs);
	CPU_SET(cpus[0], &cs);
	CPU_SET(cpus[1], &cs);
	if (!sched_setaffinity(0, sizeof(cs), &cs)) {
		ret = pin_to(r.fd, cpus[1], &id);
		EXPECT_EQ(0, ret) TH_LOG("nobody on CPUs %d,%d, pinning to %d: %s", cpus[0],
					 cpus[1], cpus[1], strerror(-ret));
	}
	close(r.fd);
	return 0;
}

TEST_F(pin, nobody_outside_affinity_eperm)
{
	tx_child_result(tx_in_child(nobody_child, self->cpus, 20000, "nobody pinning"),
			"nobody pinning");
}

TEST_F(pin, root_pins_anywhere)
{
	int fd, ret;

	if (!tx_has_cap(CAP_SYS_NICE))
		SKIP(return, "needs CAP_SYS_NICE");
	ASSERT_EQ(0, tx_bind_cpu(self->cpus[0]));
	fd = tx_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, tx_setup(fd, 8, NULL));
	ret = pin_to(fd, self->cpus[1], NULL);
	EXPECT_EQ(0, ret) TH_LOG("root bound to CPU %d, pinning to CPU %d: %s", self->cpus[0],
				 self->cpus[1], strerror(-ret));
	close(fd);
}

TEST_HARNESS_MAIN
