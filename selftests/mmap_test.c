// SPDX-License-Identifier: GPL-2.0
/*
 * timerx ring mapping: one MAP_SHARED mapping at offset 0 of exactly
 * mmap_len bytes, laid out as SETUP_RING said, and a kernel that ignores
 * whatever userspace scribbles over the kernel half of the header.
 */
#include "timerx_util.h"

static long page_size(void)
{
	return sysconf(_SC_PAGESIZE);
}

/* mmap() that returns 0 on success (and unmaps) or -errno. */
static int try_mmap(int fd, size_t len, int prot, int flags, off_t off)
{
	void *p = mmap(NULL, len, prot, flags, fd, off);

	if (p == MAP_FAILED)
		return -errno;
	munmap(p, len);
	return 0;
}

TEST(before_setup_ebadfd)
{
	int fd = tx_open();

	ASSERT_LE(0, fd);
	EXPECT_EQ(-EBADFD, try_mmap(fd, page_size(), PROT_READ | PROT_WRITE, MAP_SHARED, 0));
	EXPECT_EQ(-EBADFD, try_mmap(fd, 2 * page_size(), PROT_READ | PROT_WRITE, MAP_SHARED, 0));
	EXPECT_EQ(-EBADFD, try_mmap(fd, page_size(), PROT_READ, MAP_SHARED, 0));
	/* A refused mmap must not have set anything up. */
	EXPECT_EQ(0, tx_setup(fd, 8, NULL));
	close(fd);
}

TEST(wrong_length_einval)
{
	struct timerx_ring_params p;
	size_t len, pg = page_size();
	int fd = tx_open();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, tx_setup(fd, 1024, &p));
	len = p.mmap_len;
	TH_LOG("entries 1024: mmap_len %zu (%s page multiple)", len,
	       len % pg ? "not a" : "a");
	/*
	 * mmap rounds lengths up to pages, so only lengths that differ by
	 * whole pages are distinguishable from the right one.
	 */
	EXPECT_EQ(-EINVAL, try_mmap(fd, len + pg, PROT_READ | PROT_WRITE, MAP_SHARED, 0));
	EXPECT_EQ(-EINVAL, try_mmap(fd, 2 * len + pg, PROT_READ | PROT_WRITE, MAP_SHARED, 0));
	EXPECT_EQ(-EINVAL, try_mmap(fd, 64 * pg + len, PROT_READ | PROT_WRITE, MAP_SHARED, 0));
	if (len > pg) {
		EXPECT_EQ(-EINVAL, try_mmap(fd, len - pg, PROT_READ | PROT_WRITE, MAP_SHARED, 0));
		EXPECT_EQ(-EINVAL, try_mmap(fd, pg, PROT_READ | PROT_WRITE, MAP_SHARED, 0));
	}
	/* The exact length works, and works again after the failures. */
	EXPECT_EQ(0, try_mmap(fd, len, PROT_READ | PROT_WRITE, MAP_SHARED, 0));
	close(fd);
}

TEST(wrong_offset_einval)
{
	struct timerx_ring_params p;
	size_t pg = page_size();
	int fd = tx_open();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, tx_setup(fd, 8, &p));
	EXPECT_EQ(-EINVAL, try_mmap(fd, p.mmap_len, PROT_READ | PROT_WRITE, MAP_SHARED, pg));
	EXPECT_EQ(-EINVAL, try_mmap(fd, p.mmap_len, PROT_READ | PROT_WRITE, MAP_SHARED, 2 * pg));
	EXPECT_EQ(-EINVAL, try_mmap(fd, p.mmap_len, PROT_READ | PROT_WRITE, MAP_SHARED,
				    (off_t)1 << 32));
	/* Unaligned offsets are refused by mmap itself, also EINVAL. */
	EXPECT_EQ(-EINVAL, try_mmap(fd, p.mmap_len, PROT_READ | PROT_WRITE, MAP_SHARED, 64));
	EXPECT_EQ(0, try_mmap(fd, p.mmap_len, PROT_READ | PROT_WRITE, MAP_SHARED,
			      TIMERX_MMAP_OFF_RING));
	close(fd);
}

TEST(private_einval)
{
	struct timerx_ring_params p;
	int fd = tx_open();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, tx_setup(fd, 8, &p));
	EXPECT_EQ(-EINVAL, try_mmap(fd, p.mmap_len, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0));
	EXPECT_EQ(-EINVAL, try_mmap(fd, p.mmap_len, PROT_READ, MAP_PRIVATE, 0))
		TH_LOG("read-only MAP_PRIVATE must be refused too");
	EXPECT_EQ(0, try_mmap(fd, p.mmap_len, PROT_READ | PROT_WRITE, MAP_SHARED, 0));
	close(fd);
}

/* The layout, for several ring sizes (tiny, sub-page, multi-page). */
FIXTURE(ring)
{
	struct tx_ring r;
};

FIXTURE_VARIANT(ring)
{
	__u32 entries;
};

FIXTURE_VARIANT_ADD(ring, e2) { .entries = 2 };
FIXTURE_VARIANT_ADD(ring, e64) { .entries = 64 };
FIXTURE_VARIANT_ADD(ring, e1024) { .entries = 1024 };

FIXTURE_SETUP(ring)
{
	tx_ring_open(&self->r, variant->entries, true);
}

FIXTURE_TEARDOWN(ring)
{
	tx_ring_close(&self->r);
}

TEST_F(ring, layout_matches_params)
{
	struct timerx_ring_params *p = &self->r.p;
	struct timerx_ring_hdr *h = self->r.hdr;
	size_t off;
	char sum = 0;
	int i;

	EXPECT_EQ(sizeof(struct timerx_event), p->event_size);
	EXPECT_LE(sizeof(struct timerx_ring_hdr), p->events_offset)
		TH_LOG("events overlap the header");
	EXPECT_EQ(0U, p->events_offset % 8) TH_LOG("events_offset %u misaligned", p->events_offset);
	if (p->events_offset % 64)
		TH_LOG("note: events_offset %u is not cache-line aligned", p->events_offset);
	EXPECT_LE((__u64)p->events_offset + (__u64)p->entries * p->event_size, p->mmap_len)
		TH_LOG("events array does not fit in mmap_len");
	EXPECT_EQ(0ULL, p->resv[0]);
	EXPECT_EQ(0ULL, p->resv[1]);

	EXPECT_EQ(variant->entries, h->entries);
	EXPECT_EQ(variant->entries - 1, h->mask);
	/* Counters are free-running; only "empty" is promised at start. */
	EXPECT_EQ(h->tail, h->head) TH_LOG("fresh ring not empty: head %u tail %u",
					   h->head, h->tail);
	EXPECT_EQ(0U, h->flags);
	EXPECT_EQ(0ULL, h->ring_full);
	EXPECT_EQ(0U, h->consumer_flags);
	for (i = 0; i < 5; i++) {
		EXPECT_EQ(0ULL, h->__kernel_resv[i]) TH_LOG("__kernel_resv[%d]", i);
	}
	for (i = 0; i < 7; i++) {
		EXPECT_EQ(0ULL, h->__user_resv[i]) TH_LOG("__user_resv[%d]", i);
	}
	/* The whole mapping is accessible (would SIGBUS/SEGV otherwise). */
	for (off = 0; off < p->mmap_len; off += 64)
		sum ^= __atomic_load_n((char *)self->r.map + off, __ATOMIC_RELAXED);
	TH_LOG("mmap_len %llu, events_offset %u (xor %d)",
	       (unsigned long long)p->mmap_len, p->events_offset, sum);
}

/*
 * Events show up at slot(tail) with the documented contents, and the
 * counters wrap around the ring: a periodic timer produces more events
 * than the ring has slots while we keep consuming.
 */
TEST_F(ring, events_through_mapping)
{
	struct tx_acct a = { .user_data = 0xfeedULL, .period = 2 * NSEC_PER_MSEC };
	struct timerx_event ev[16];
	unsigned int want, got = 0, n, i;
	__u32 head0 = tx_head(&self->r);
	__s64 t0;

	want = variant->entries * 3;
	if (want > 24)
		want = 24;
	ASSERT_EQ(0, tx_create(self->r.fd, CLOCK_MONOTONIC, 0, 0, a.user_data, &a.id));
	t0 = tx_now(CLOCK_MONOTONIC);
	ASSERT_EQ(0, tx_arm(self->r.fd, a.id, 0, a.period, a.period));
	while (got < want) {
		n = __tx_collect(_metadata, &self->r, ev, 1, 16, TX_FIRE_TIMEOUT_MS);
		ASSERT_LT(0U, n) {
			TH_LOG("no event after %d ms (%u so far)", TX_FIRE_TIMEOUT_MS, got);
		}
		for (i = 0; i < n; i++) {
			EXPECT_EQ(a.id, ev[i].timer_id);
			EXPECT_LE(t0 + (__s64)a.period, ev[i].expected_ns);
			ASSERT_TRUE(tx_account(&a, 1, &ev[i]));
		}
		got += n;
	}
	ASSERT_EQ(0, tx_cancel(self->r.fd, a.id));
	tx_drain_all(&self->r, &a, 1);
	tx_check_acct(self->r.fd, &a, 1);
	/* Everything produced was consumed through this one head. */
	EXPECT_EQ(a.events, (__u64)(__u32)(tx_tail(&self->r) - head0));
	EXPECT_EQ(tx_tail(&self->r), tx_head(&self->r));
}

/*
 * "The kernel keeps its own copy of everything it needs and reads only
 * head and consumer_flags": scribbling over tail, flags, entries, mask,
 * ring_full and the reserved words changes nothing. The next event goes
 * to the kernel's slot and the kernel republishes its own tail.
 */
TEST(kernel_fields_scribbled)
{
	struct tx_ring r;
	struct timerx_event e;
	struct timerx_timer_info ti;
	__u32 tail0, id;
	int i;

	tx_ring_open(&r, 8, true);
	tail0 = tx_tail(&r);
	ASSERT_EQ(0, tx_create(r.fd, CLOCK_MONOTONIC, 0, 0, 0x5151, &id));

	r.hdr->tail = tail0 + 5;
	r.hdr->flags = ~0U;
	r.hdr->entries = 0;
	r.hdr->mask = ~0U;
	r.hdr->ring_full = ~0ULL;
	for (i = 0; i < 5; i++)
		r.hdr->__kernel_resv[i] = ~0ULL;
	for (i = 0; i < 7; i++)
		r.hdr->__user_resv[i] = ~0ULL;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	ASSERT_EQ(0, tx_arm(r.fd, id, 0, NSEC_PER_MSEC, 0));
	/* poll() is answered from the kernel's own state. */
	ASSERT_TRUE(tx_poll_in(r.fd, TX_FIRE_TIMEOUT_MS)) TH_LOG("no POLLIN after 5 s");
	for (i = 0; i < 500 && tx_tail(&r) != tail0 + 1; i++)
		tx_sleep_ms(1);
	EXPECT_EQ(tail0 + 1, tx_tail(&r))
		TH_LOG("kernel did not republish its own tail (scribbled %u)", tail0 + 5);
	e = r.ev[tail0 & 7];
	EXPECT_EQ(id, e.timer_id) TH_LOG("event not at the kernel's slot");
	EXPECT_EQ(0x5151ULL, e.user_data);
	ASSERT_EQ(0, tx_get(r.fd, id, &ti));
	EXPECT_EQ(1ULL, ti.expirations);
	EXPECT_EQ(1ULL, ti.events);
	tx_ring_close(&r);
}

/* A mapping made before any timer exists sees the later events. */
TEST(map_then_arm_then_read_header)
{
	struct tx_ring r;
	struct timerx_event e;
	__s64 t0, t1, seen;
	__u32 id;

	tx_ring_open(&r, 4, true);
	ASSERT_EQ(0, tx_create(r.fd, CLOCK_BOOTTIME, TIMERX_CREATE_F_SOFT, 0, 9, &id));
	t0 = tx_now(CLOCK_BOOTTIME);
	ASSERT_EQ(0, tx_arm(r.fd, id, 0, 3 * NSEC_PER_MSEC, 0));
	t1 = tx_now(CLOCK_BOOTTIME);
	ASSERT_EQ(1U, tx_collect(&r, &e, 1, TX_FIRE_TIMEOUT_MS));
	seen = tx_now(CLOCK_BOOTTIME);
	EXPECT_EQ(id, e.timer_id);
	EXPECT_EQ(9ULL, e.user_data);
	EXPECT_EQ(0U, e.overrun);
	EXPECT_LE(t0 + 3 * NSEC_PER_MSEC, e.expected_ns);
	EXPECT_GE(t1 + 3 * NSEC_PER_MSEC, e.expected_ns);
	EXPECT_LE(e.expected_ns, e.actual_ns);
	EXPECT_LE(e.actual_ns, seen);
	tx_ring_close(&r);
}

TEST_HARNESS_MAIN
