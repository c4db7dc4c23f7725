// SPDX-License-Identifier: MIT
/*
 * The liburing-style prep functions: every field of the prepared SQE
 * against the UAPI and liburing 2.3's struct io_uring_sqe, then the real
 * thing: SQEs full of garbage, prepared, submitted to a real io_uring
 * against /dev/null (whose uring_cmd handler returns 0): the kernel's own
 * checks (__pad1, uring_cmd_flags, ...) must accept them.
 */
#include <timerx/uring_prep.hpp>

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <vector>

namespace {

using namespace std::chrono_literals;

constexpr int test_fd = 42;
constexpr unsigned char garbage = 0xA5;
constexpr std::uint64_t garbage64 = 0xA5A5A5A5A5A5A5A5ULL;

/* An SQE128 slot (two SQEs) full of garbage. */
struct Slot {
	alignas(64) unsigned char bytes[128];
	Slot() { std::memset(bytes, garbage, sizeof(bytes)); }
	io_uring_sqe *sqe() { return reinterpret_cast<io_uring_sqe *>(bytes); }
	const unsigned char *cmd() const { return bytes + 48; }
};

/* Every field a URING_CMD SQE must have, whatever the command. */
void expect_uring_cmd_sqe(const io_uring_sqe *sqe, unsigned cmd_op)
{
	EXPECT_EQ(IORING_OP_URING_CMD, sqe->opcode);
	EXPECT_EQ(0U, sqe->flags);
	EXPECT_EQ(0U, sqe->ioprio);
	EXPECT_EQ(test_fd, sqe->fd);
	EXPECT_EQ(cmd_op, sqe->cmd_op);
	EXPECT_EQ(0U, sqe->__pad1) << "the kernel fails a non-zero __pad1 with EINVAL";
	EXPECT_EQ(0U, sqe->addr);
	EXPECT_EQ(0U, sqe->len);
	EXPECT_EQ(0U, sqe->uring_cmd_flags) << "6.2+: unknown flags are EINVAL";
	EXPECT_EQ(0U, sqe->rw_flags) << "6.1 checks rw_flags";
	EXPECT_EQ(garbage64, sqe->user_data) << "user_data is the caller's, as in liburing";
	EXPECT_EQ(0U, sqe->buf_index);
	EXPECT_EQ(0U, sqe->personality);
	EXPECT_EQ(0U, sqe->file_index);
}

/* The command area: the payload, zeroes to 16 bytes, nothing written beyond. */
void expect_payload(const Slot &s, const void *payload, std::size_t len)
{
	if (len != 0) {
		EXPECT_EQ(0, std::memcmp(s.cmd(), payload, len));
	}
	for (std::size_t i = len; i < timerx::sqe_cmd_bytes; ++i)
		EXPECT_EQ(0, s.cmd()[i]) << "byte " << i << " of the 16-byte command area";
	for (std::size_t i = std::max(len, timerx::sqe_cmd_bytes); i < 80; ++i)
		EXPECT_EQ(garbage, s.cmd()[i]) << "wrote past the payload at byte " << i;
}

TEST(UringPrep, Layout)
{
	EXPECT_EQ(64U, sizeof(io_uring_sqe));
	EXPECT_EQ(8U, offsetof(io_uring_sqe, cmd_op)) << "shares the union with off";
	EXPECT_EQ(12U, offsetof(io_uring_sqe, __pad1));
	EXPECT_EQ(48U, offsetof(io_uring_sqe, cmd));
	EXPECT_EQ(16U, timerx::sqe_cmd_bytes);
	EXPECT_EQ(80U, timerx::sqe128_cmd_bytes);
}

TEST(UringPrep, Create)
{
	Slot s;
	const timerx::TimerSpec spec{.user_data = 0x1122334455667788ULL,
				     .clock = timerx::Clock::realtime,
				     .expiry = timerx::Expiry::soft,
				     .cpu = 1};
	timerx::prep_create(s.sqe(), test_fd, spec);
	expect_uring_cmd_sqe(s.sqe(), TIMERX_IOC_CREATE);
	const timerx_create c = spec.to_uapi();
	expect_payload(s, &c, sizeof(c));
	timerx_create back;
	std::memcpy(&back, s.cmd(), sizeof(back));
	EXPECT_EQ(0x1122334455667788ULL, back.user_data);
	EXPECT_EQ(static_cast<__u32>(CLOCK_REALTIME), back.clockid);
	EXPECT_EQ(TIMERX_CREATE_F_SOFT | TIMERX_CREATE_F_PINNED, back.flags);
	EXPECT_EQ(1U, back.cpu);
	EXPECT_EQ(0U, back.resv);
	EXPECT_TRUE(timerx::needs_sqe128(TIMERX_IOC_CREATE));
}

TEST(UringPrep, Arm)
{
	Slot s;
	const timerx::ArmSpec spec =
		timerx::ArmSpec::at_since_epoch(12, std::chrono::nanoseconds(5000000000LL), 250us);
	timerx::prep_arm(s.sqe(), test_fd, spec);
	expect_uring_cmd_sqe(s.sqe(), TIMERX_IOC_ARM);
	const timerx_arm a = spec.to_uapi();
	expect_payload(s, &a, sizeof(a));
	timerx_arm back;
	std::memcpy(&back, s.cmd(), sizeof(back));
	EXPECT_EQ(12U, back.timer_id);
	EXPECT_EQ(TIMERX_ARM_F_ABS, back.flags);
	EXPECT_EQ(5000000000LL, back.expires_ns);
	EXPECT_EQ(250000U, back.period_ns);
	EXPECT_EQ(0U, back.resv);
	EXPECT_TRUE(timerx::needs_sqe128(TIMERX_IOC_ARM));

	/* The raw-struct overload sends exactly the struct. */
	Slot raw;
	timerx::prep_arm(raw.sqe(), test_fd, a);
	EXPECT_EQ(0, std::memcmp(s.bytes, raw.bytes, sizeof(s.bytes)));
}

TEST(UringPrep, CancelAndDelete)
{
	for (bool del : {false, true}) {
		Slot s;
		if (del)
			timerx::prep_delete(s.sqe(), test_fd, 0xFEDCBA98U);
		else
			timerx::prep_cancel(s.sqe(), test_fd, 0xFEDCBA98U);
		const unsigned op = del ? TIMERX_IOC_DELETE : TIMERX_IOC_CANCEL;
		expect_uring_cmd_sqe(s.sqe(), op);
		const timerx_timer_ref r = timerx::make_timer_ref(0xFEDCBA98U);
		expect_payload(s, &r, sizeof(r));
		EXPECT_FALSE(timerx::needs_sqe128(op));
	}
}

TEST(UringPrep, FlushAndWaitCarryNoPayload)
{
	Slot f;
	timerx::prep_flush(f.sqe(), test_fd);
	expect_uring_cmd_sqe(f.sqe(), TIMERX_IOC_FLUSH);
	expect_payload(f, nullptr, 0);

	Slot w;
	timerx::prep_wait(w.sqe(), test_fd);
	expect_uring_cmd_sqe(w.sqe(), TIMERX_URING_CMD_WAIT);
	expect_payload(w, nullptr, 0); /* the module requires the area to be zero */
	EXPECT_FALSE(timerx::needs_sqe128(TIMERX_URING_CMD_WAIT));
	EXPECT_FALSE(timerx::needs_sqe128(TIMERX_IOC_FLUSH));
}

/* API 3: the arm of a one-shot without slack, in 16 bytes: ARM_AT absolute, ARM_IN relative. */
TEST(UringPrep, OneShotArmFitsAPlainSqe)
{
	for (bool abs : {true, false}) {
		Slot s;
		const timerx::ArmSpec spec = abs ? timerx::ArmSpec::at_since_epoch(
							   21, std::chrono::nanoseconds(123456789))
						 : timerx::ArmSpec::after(21, 5ms);
		ASSERT_TRUE(spec.one_shot_exact());
		timerx::prep_arm_oneshot(s.sqe(), test_fd, spec, 0xC0FFEEU);
		const unsigned op = abs ? TIMERX_IOC_ARM_AT : TIMERX_IOC_ARM_IN;
		expect_uring_cmd_sqe(s.sqe(), op);
		timerx_arm_oneshot a{};
		a.timer_id = 21;
		a.seq = 0xC0FFEEU;
		a.expires_ns = abs ? 123456789 : 5000000;
		expect_payload(s, &a, sizeof(a));
		EXPECT_EQ(16U, timerx::cmd_payload_size(op));
		EXPECT_FALSE(timerx::needs_sqe128(op));

		Slot raw;
		if (abs)
			timerx::prep_arm_at(raw.sqe(), test_fd, a);
		else
			timerx::prep_arm_in(raw.sqe(), test_fd, a);
		EXPECT_EQ(0, std::memcmp(s.bytes, raw.bytes, sizeof(s.bytes)));
	}
	EXPECT_FALSE(timerx::ArmSpec::after(1, 1ms, 1ms).one_shot_exact()) << "periodic";
	EXPECT_FALSE(timerx::ArmSpec::after(1, 1ms).with_slack(1us).one_shot_exact()) << "slack";
}

TEST(UringPrep, ArmCarriesSeqAndSlack)
{
	Slot s;
	const auto spec = timerx::ArmSpec::after(3, 1ms, 2ms).with_slack(50us);
	timerx::prep_arm(s.sqe(), test_fd, spec, 77);
	expect_uring_cmd_sqe(s.sqe(), TIMERX_IOC_ARM);
	timerx_arm back;
	std::memcpy(&back, s.cmd(), sizeof(back));
	EXPECT_EQ(3U, back.timer_id);
	EXPECT_EQ(77U, back.seq);
	EXPECT_EQ(50000U, back.slack_ns);
	EXPECT_EQ(2000000U, back.period_ns);
	EXPECT_EQ(0U, back.resv);
	EXPECT_EQ(40U, sizeof(back));
}

TEST(UringPrep, Postpone)
{
	for (bool abs : {true, false}) {
		Slot s;
		const timerx::PostponeSpec spec =
			abs ? timerx::PostponeSpec::at(9,
						       timerx::TimePoint<std::chrono::steady_clock>(
							       std::chrono::nanoseconds(42)))
			    : timerx::PostponeSpec::after(9, 3ms);
		timerx::prep_postpone(s.sqe(), test_fd, spec);
		expect_uring_cmd_sqe(s.sqe(), TIMERX_IOC_POSTPONE);
		timerx_postpone p{};
		p.timer_id = 9;
		p.flags = abs ? TIMERX_ARM_F_ABS : 0U;
		p.expires_ns = abs ? 42 : 3000000;
		expect_payload(s, &p, sizeof(p));
		EXPECT_FALSE(timerx::needs_sqe128(TIMERX_IOC_POSTPONE));
	}
}

/* BATCH: 16 bytes pointing at the entries, whatever their number. */
TEST(UringPrep, BatchPointsAtTheEntries)
{
	std::vector<timerx_batch_entry> entries(5);
	Slot s;
	timerx::prep_batch(s.sqe(), test_fd, entries);
	expect_uring_cmd_sqe(s.sqe(), TIMERX_IOC_BATCH);
	timerx_batch b{};
	b.entries = reinterpret_cast<std::uintptr_t>(entries.data());
	b.nr = 5;
	expect_payload(s, &b, sizeof(b));
	EXPECT_FALSE(timerx::needs_sqe128(TIMERX_IOC_BATCH));

	/* More than the module takes: it must say E2BIG, not run a truncated batch. */
	std::vector<timerx_batch_entry> huge(TIMERX_BATCH_MAX + 10);
	Slot h;
	timerx::prep_batch(h.sqe(), test_fd, huge);
	timerx_batch back;
	std::memcpy(&back, h.cmd(), sizeof(back));
	EXPECT_EQ(TIMERX_BATCH_MAX + 1U, back.nr);
	EXPECT_EQ(0U, back.flags);
}

/*
 * In an SQE128 ring the command area goes on past the 64-byte SQE, and the
 * module wants it zero after the payload: clear_sqe128_tail() clears
 * exactly that half, and a prep afterwards leaves the area zero past its
 * payload (here after a create left 32 bytes in the slot).
 */
TEST(UringPrep, ClearSqe128TailZeroesTheSecondHalfOnly)
{
	Slot s;
	timerx::clear_sqe128_tail(s.sqe());
	for (std::size_t i = 0; i < 64; ++i)
		EXPECT_EQ(garbage, s.bytes[i]) << "byte " << i << " of the SQE itself";
	for (std::size_t i = 64; i < 128; ++i)
		EXPECT_EQ(0, s.bytes[i]) << "byte " << i;

	Slot r;
	timerx::prep_create(r.sqe(), test_fd, timerx::TimerSpec{.user_data = ~0ULL});
	timerx::clear_sqe128_tail(r.sqe());
	timerx::prep_cancel(r.sqe(), test_fd, 7);
	const timerx_timer_ref ref = timerx::make_timer_ref(7);
	EXPECT_EQ(0, std::memcmp(r.cmd(), &ref, sizeof(ref)));
	for (std::size_t i = sizeof(ref); i < timerx::sqe128_cmd_bytes; ++i)
		EXPECT_EQ(0, r.cmd()[i]) << "byte " << i << " of the 80-byte command area";
}

/* Small commands fit a normal 64-byte SQE: nothing is written past it (ASan checks). */
TEST(UringPrep, SmallCommandsStayInsideA64ByteSqe)
{
	auto sqe = std::make_unique<io_uring_sqe>();
	std::memset(sqe.get(), garbage, sizeof(*sqe));
	timerx::prep_cancel(sqe.get(), test_fd, 1);
	timerx::prep_delete(sqe.get(), test_fd, 1);
	timerx::prep_flush(sqe.get(), test_fd);
	timerx::prep_wait(sqe.get(), test_fd);
	EXPECT_EQ(TIMERX_URING_CMD_WAIT, sqe->cmd_op);
	timerx::prep_arm_oneshot(sqe.get(), test_fd, timerx::ArmSpec::after(1, 1ms), 1);
	timerx::prep_postpone(sqe.get(), test_fd, timerx::PostponeSpec::after(1, 1ms));
	timerx_batch_entry e{};
	timerx::prep_batch(sqe.get(), test_fd, std::span<timerx_batch_entry>(&e, 1));
	EXPECT_EQ(TIMERX_IOC_BATCH, sqe->cmd_op);
}

/* ---------------------------------------------------------------- real io_uring */

class RealRing : public ::testing::Test {
protected:
	void SetUp() override
	{
		io_uring_params p{};
		p.flags = IORING_SETUP_SQE128;
		const int ret = io_uring_queue_init_params(16, &ring_, &p);
		if (ret < 0)
			GTEST_SKIP() << "no SQE128 io_uring here: " << std::strerror(-ret);
		have_ring_ = true;
		null_fd_ = ::open("/dev/null", O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, null_fd_);
	}
	void TearDown() override
	{
		if (null_fd_ >= 0)
			::close(null_fd_);
		if (have_ring_)
			io_uring_queue_exit(&ring_);
	}

	/* A garbage-filled SQE128 slot from the real SQ ring. */
	io_uring_sqe *dirty_sqe()
	{
		io_uring_sqe *sqe = io_uring_get_sqe(&ring_);
		EXPECT_NE(nullptr, sqe);
		if (sqe != nullptr)
			std::memset(static_cast<void *>(sqe), 0xFF, 128);
		return sqe;
	}

	/* Submit everything queued, return each CQE's res in user_data order. */
	std::vector<int> run(unsigned n)
	{
		std::vector<int> res(n, 1);
		EXPECT_EQ(static_cast<int>(n), io_uring_submit_and_wait(&ring_, n));
		for (unsigned i = 0; i < n; ++i) {
			io_uring_cqe *cqe = nullptr;
			EXPECT_EQ(0, io_uring_wait_cqe(&ring_, &cqe));
			if (cqe == nullptr)
				break;
			if (cqe->user_data < n)
				res[cqe->user_data] = cqe->res;
			io_uring_cqe_seen(&ring_, cqe);
		}
		return res;
	}

	io_uring ring_{};
	bool have_ring_ = false;
	int null_fd_ = -1;
};

TEST_F(RealRing, KernelAcceptsEveryPreparedSqe)
{
	/* First learn whether this kernel's /dev/null takes uring_cmds at all. */
	io_uring_sqe *sqe = dirty_sqe();
	timerx::prep_flush(sqe, null_fd_);
	sqe->user_data = 0;
	const int probe = run(1)[0];
	if (probe == -EOPNOTSUPP)
		GTEST_SKIP() << "/dev/null has no uring_cmd handler on this kernel";
	ASSERT_EQ(0, probe);

	const timerx::TimerSpec spec{.user_data = 1, .clock = timerx::Clock::boottime};
	timerx::prep_create(sqe = dirty_sqe(), null_fd_, spec);
	sqe->user_data = 0;
	timerx::prep_arm(sqe = dirty_sqe(), null_fd_, timerx::ArmSpec::after(1, 1ms, 1ms));
	sqe->user_data = 1;
	timerx::prep_cancel(sqe = dirty_sqe(), null_fd_, 1);
	sqe->user_data = 2;
	timerx::prep_delete(sqe = dirty_sqe(), null_fd_, 1);
	sqe->user_data = 3;
	timerx::prep_flush(sqe = dirty_sqe(), null_fd_);
	sqe->user_data = 4;
	timerx::prep_wait(sqe = dirty_sqe(), null_fd_);
	sqe->user_data = 5;
	timerx::prep_arm_oneshot(sqe = dirty_sqe(), null_fd_, timerx::ArmSpec::after(1, 1ms), 3);
	sqe->user_data = 6;
	timerx::prep_postpone(sqe = dirty_sqe(), null_fd_, timerx::PostponeSpec::after(1, 1ms));
	sqe->user_data = 7;
	timerx_batch_entry e{};
	timerx::prep_batch(sqe = dirty_sqe(), null_fd_, std::span<timerx_batch_entry>(&e, 1));
	sqe->user_data = 8;
	const std::vector<int> res = run(9);
	for (unsigned i = 0; i < res.size(); ++i)
		EXPECT_EQ(0, res[i]) << "SQE " << i << " rejected by the kernel";
}

TEST_F(RealRing, DeviceWithoutUringCmdSaysEopnotsupp)
{
	const int efd = ::eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, efd);
	io_uring_sqe *sqe = dirty_sqe();
	timerx::prep_cancel(sqe, efd, 1);
	sqe->user_data = 0;
	EXPECT_EQ(-EOPNOTSUPP, run(1)[0]);
	::close(efd);
}

} // namespace
