// SPDX-License-Identifier: GPL-2.0
/*
 * read(2) trusts only the kernel's own tail (finding F9a). The header:
 * "The kernel keeps its own copy of everything it needs (tail included:
 * read(2) uses the kernel's tail, never hdr->tail)". The old read(2)
 * loaded hdr->tail from the shared mapping, so a process that wrote it
 * got back slots that were never written, or were consumed long ago.
 */
#include "timerx_util.h"

FIXTURE(tail)
{
	struct tx_ring r;
};

FIXTURE_SETUP(tail)
{
	tx_ring_open(&self->r, 16, true);
	ASSERT_EQ(0, fcntl(self->r.fd, F_SETFL, O_NONBLOCK));
}

FIXTURE_TEARDOWN(tail)
{
	tx_ring_close(&self->r);
}

static void set_tail(struct tx_ring *r, __u32 tail)
{
	__atomic_store_n(&r->hdr->tail, tail, __ATOMIC_RELEASE);
}

/* Nothing produced; hdr->tail = head + 5: read must still say EAGAIN. */
TEST_F(tail, hostile_tail_read_eagain)
{
	struct timerx_event ev[16];
	__u32 head = tx_head(&self->r);
	int ret;

	set_tail(&self->r, head + 5);
	ret = tx_read_events(self->r.fd, ev, 16);
	EXPECT_EQ(-EAGAIN, ret) {
		TH_LOG("no event was produced, hdr->tail written to head + 5: read returned %d%s",
		       ret, ret > 0 ? " stale events" : "");
	}
	EXPECT_FALSE(tx_poll_in(self->r.fd, 0)) TH_LOG("poll reports events that are not there");

	/* Far ahead (beyond the ring): the same. */
	set_tail(&self->r, head + 1000);
	ret = tx_read_events(self->r.fd, ev, 16);
	EXPECT_EQ(-EAGAIN, ret) TH_LOG("hdr->tail = head + 1000: read returned %d", ret);
}

/* One real event, hdr->tail pushed 5 past it: read returns exactly that one. */
TEST_F(tail, hostile_tail_read_only_real_events)
{
	struct timerx_event ev[16];
	__u32 id;
	int ret;

	ASSERT_EQ(0, tx_create(self->r.fd, CLOCK_MONOTONIC, 0, 0, 0x7a11, &id));
	ASSERT_EQ(0, tx_arm(self->r.fd, id, 0, NSEC_PER_MSEC, 0));
	tx_wait_delivered(self->r.fd, &id, 1);
	set_tail(&self->r, tx_tail(&self->r) + 5);
	ret = tx_read_events(self->r.fd, ev, 16);
	ASSERT_EQ(1, ret) TH_LOG("one event produced, hdr->tail 5 past it: read returned %d", ret);
	EXPECT_EQ(id, ev[0].timer_id);
	EXPECT_EQ(0x7a11ULL, ev[0].user_data);
	ret = tx_read_events(self->r.fd, ev, 16);
	EXPECT_EQ(-EAGAIN, ret) TH_LOG("second read returned %d", ret);

	/* The next real event is read normally (the kernel rewrites hdr->tail). */
	ASSERT_EQ(0, tx_arm(self->r.fd, id, 0, NSEC_PER_MSEC, 0));
	ASSERT_TRUE(tx_poll_in(self->r.fd, TX_FIRE_TIMEOUT_MS));
	ret = tx_read_events(self->r.fd, ev, 16);
	EXPECT_EQ(1, ret) TH_LOG("after the hostile tail, the next event: read returned %d", ret);
}

TEST_HARNESS_MAIN
