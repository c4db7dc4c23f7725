// SPDX-License-Identifier: MIT
/*
 * UringAttachment on the host: timerx's commands in an io_uring the test
 * owns, as an engine would (its own setup flags, its own submits, its own
 * CQ loop, its own SQEs beside ours). /dev/null completes any uring_cmd
 * with 0, standing in for the module; an eventfd refuses uring_cmds
 * (-EOPNOTSUPP), which is what the module answers a WAIT with on kernels
 * whose io_uring cannot cancel driver commands (6.1): the switch to
 * POLL_ADD waits.
 */
#include <timerx/uring_attach.hpp>

#include <liburing.h>

#include <gtest/gtest.h>
#include <rc.hpp>

#include <fcntl.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

using namespace std::chrono_literals;
using timerx::ArmSpec;
using timerx::AttachOptions;
using timerx::Batch;
using timerx::Order;
using timerx::UringAttachment;
using timerx_test::rc;

/* What an engine's user_data looks like: a pointer (top byte 0). */
int engine_object;
const std::uint64_t engine_udata = reinterpret_cast<std::uintptr_t>(&engine_object);

Batch make_batch(std::size_t n)
{
	auto b = Batch::with_capacity(n);
	EXPECT_TRUE(b.ok());
	return std::move(b).value();
}

/* Single commands, one SQE each: no two batchable ones in a row. */
void queue_singles(Batch &b, std::size_t n)
{
	for (std::size_t i = 0; i < n; ++i) {
		const auto id = static_cast<timerx::TimerId>(i + 1);
		const auto idx =
			i % 2 == 0 ? b.arm_timer(ArmSpec::after(id, 1ms)) : b.delete_timer(id);
		ASSERT_EQ(static_cast<long long>(i), rc(idx));
	}
}

class Engine : public ::testing::Test {
protected:
	void SetUp() override
	{
		null_fd_ = ::open("/dev/null", O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, null_fd_);
		efd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		ASSERT_LE(0, efd_);
		const int ret = setup(16, 0);
		if (ret < 0)
			GTEST_SKIP() << "no io_uring here: " << std::strerror(-ret);
		/* Does /dev/null take uring_cmds on this host? */
		io_uring_sqe *sqe = io_uring_get_sqe(&ring_);
		io_uring_prep_rw(IORING_OP_URING_CMD, sqe, null_fd_, nullptr, 0, 0);
		io_uring_cqe *cqe = nullptr;
		ASSERT_EQ(1, io_uring_submit_and_wait(&ring_, 1));
		ASSERT_EQ(0, io_uring_peek_cqe(&ring_, &cqe));
		const int res = cqe->res;
		io_uring_cqe_seen(&ring_, cqe);
		if (res < 0)
			GTEST_SKIP() << "/dev/null has no uring_cmd here: " << std::strerror(-res);
	}
	void TearDown() override
	{
		teardown();
		if (null_fd_ >= 0)
			::close(null_fd_);
		if (efd_ >= 0)
			::close(efd_);
	}

	/* The engine's ring, with the engine's flags (an SQPOLL thread idles after 10 ms). */
	int setup(unsigned entries, unsigned flags)
	{
		teardown();
		io_uring_params p{};
		p.flags = flags;
		p.sq_thread_idle = 10;
		const int ret = io_uring_queue_init_params(entries, &ring_, &p);
		has_ring_ = ret == 0;
		return ret;
	}
	void teardown()
	{
		if (has_ring_)
			io_uring_queue_exit(&ring_);
		has_ring_ = false;
	}

	UringAttachment attach(int fd, const AttachOptions &opts = {})
	{
		auto a = UringAttachment::attach(&ring_, fd, opts);
		EXPECT_TRUE(a.ok()) << a.error_code().message();
		return std::move(a).value();
	}

	/* The engine's own SQE: a NOP with a pointer for user_data. */
	io_uring_sqe *queue_engine_nop()
	{
		io_uring_sqe *sqe = io_uring_get_sqe(&ring_);
		EXPECT_NE(nullptr, sqe);
		if (sqe != nullptr) {
			io_uring_prep_nop(sqe);
			io_uring_sqe_set_data64(sqe, engine_udata);
		}
		return sqe;
	}

	/*
	 * The engine's loop: submit, wait for @want CQEs, hand each to @a
	 * first. Returns how many were the engine's own.
	 */
	unsigned run(UringAttachment &a, unsigned want)
	{
		unsigned seen = 0;
		unsigned own = 0;
		while (seen < want) {
			const int ret = io_uring_submit_and_wait(&ring_, 1);
			EXPECT_LE(0, ret) << std::strerror(-ret);
			if (ret < 0)
				break;
			unsigned head;
			unsigned n = 0;
			io_uring_cqe *cqe;
			io_uring_for_each_cqe(&ring_, head, cqe)
			{
				++n;
				if (a.handle(cqe))
					continue;
				EXPECT_EQ(engine_udata, cqe->user_data) << "nobody's CQE";
				++own;
			}
			io_uring_cq_advance(&ring_, n);
			seen += n;
		}
		return own;
	}

	io_uring ring_{};
	bool has_ring_ = false;
	int null_fd_ = -1;
	int efd_ = -1;
};

TEST(UringAttachment, RefusesNoRingAndTagZero)
{
	EXPECT_EQ(EINVAL, UringAttachment::attach(nullptr, 0).error().code());
	io_uring ring{};
	EXPECT_EQ(EINVAL, UringAttachment::attach(&ring, 0, {.tag = 0}).error().code())
		<< "a tag of 0 is what pointers look like";
}

TEST(UringAttachment, NotAttachedFailsWithEbadf)
{
	static_assert(!std::is_copy_constructible_v<UringAttachment>);
	static_assert(std::is_nothrow_move_constructible_v<UringAttachment>);
	UringAttachment a;
	Batch b = make_batch(1);
	ASSERT_EQ(0, rc(b.delete_timer(1)));
	EXPECT_FALSE(a.is_attached());
	EXPECT_EQ(-EBADF, rc(a.queue(b)));
	EXPECT_EQ(-EBADF, rc(a.queue_wait()));
	EXPECT_EQ(-EBADF, rc(a.take_wait()));
	EXPECT_TRUE(a.done());
	EXPECT_EQ(0U, a.pending());
	EXPECT_EQ(0U, a.sqes_needed(b));
	EXPECT_FALSE(a.handle(nullptr));
	EXPECT_FALSE(a.wait_queued());
	EXPECT_FALSE(a.waits_with_poll());
	EXPECT_EQ(-1, a.fd());
	EXPECT_EQ(0U, a.stats().sqes);
	a.abandon();
}

TEST(UringAttachment, TagIsTheTopByte)
{
	static_assert(UringAttachment::is_tagged(0x7E00000000000001ULL, 0x7E));
	static_assert(!UringAttachment::is_tagged(0x00007E0000000001ULL, 0x7E));
	static_assert(!UringAttachment::is_tagged(0, 0x7E));
}

/* queue() only fills the SQ; the engine's submit sends it with its own SQEs. */
TEST_F(Engine, QueueLeavesSubmittingToTheEngine)
{
	UringAttachment a = attach(null_fd_);
	Batch b = make_batch(4);
	queue_singles(b, 4);
	EXPECT_EQ(4U, a.sqes_needed(b));
	ASSERT_EQ(4, rc(a.queue(b)));
	EXPECT_EQ(4U, io_uring_sq_ready(&ring_)) << "queued, not submitted";
	EXPECT_EQ(0U, io_uring_cq_ready(&ring_));
	EXPECT_FALSE(a.done());
	EXPECT_EQ(4U, a.pending());
	for (std::size_t i = 0; i < 4; ++i)
		EXPECT_EQ(-EINPROGRESS, rc(b.result(i)));

	queue_engine_nop();
	EXPECT_EQ(1U, run(a, 5)) << "the engine's NOP is the engine's";
	EXPECT_TRUE(a.done());
	EXPECT_EQ(0U, a.pending());
	EXPECT_EQ(0U, b.failures()) << "/dev/null completes every uring_cmd with 0";
	EXPECT_EQ(4U, a.stats().sqes);
	EXPECT_EQ(0U, a.stats().enters) << "the engine entered, not us";
}

/* A run of arms and cancels is one BATCH SQE; a lone one-shot arm is ARM_IN (16 bytes). */
TEST_F(Engine, ARunIsOneBatchSqeAndALoneArmItsOwn)
{
	UringAttachment a = attach(null_fd_);
	Batch b = make_batch(600);
	for (timerx::TimerId id = 1; id <= 300; ++id) {
		ASSERT_LE(0, rc(b.arm_timer(ArmSpec::after(id, 1s, 1ms))));
		ASSERT_LE(0, rc(b.cancel_timer(id)));
	}
	ASSERT_EQ(1, rc(a.queue(b)));
	const io_uring_sqe *sqe = &ring_.sq.sqes[(ring_.sq.sqe_tail - 1) & ring_.sq.ring_mask];
	EXPECT_EQ(IORING_OP_URING_CMD, sqe->opcode);
	EXPECT_EQ(static_cast<__u32>(TIMERX_IOC_BATCH), sqe->cmd_op);
	EXPECT_TRUE(UringAttachment::is_tagged(sqe->user_data, a.tag()));
	EXPECT_EQ(0U, run(a, 1));
	ASSERT_TRUE(a.done());
	/* /dev/null's 0 for a BATCH: it ran none of the entries. */
	EXPECT_EQ(600U, b.failures());
	EXPECT_EQ(-ECANCELED, rc(b.result(0)));
	EXPECT_EQ(1U, a.stats().batches);

	b.clear();
	ASSERT_LE(0, rc(b.arm_timer(ArmSpec::after(7, 5ms))));
	ASSERT_EQ(1, rc(a.queue(b)));
	sqe = &ring_.sq.sqes[(ring_.sq.sqe_tail - 1) & ring_.sq.ring_mask];
	EXPECT_EQ(static_cast<__u32>(TIMERX_IOC_ARM_IN), sqe->cmd_op) << "16 bytes, a plain SQE";
	EXPECT_EQ(0U, run(a, 1));
	EXPECT_EQ(0, rc(b.result(0)));
}

TEST_F(Engine, ForeignCqesAreNotClaimed)
{
	UringAttachment a = attach(null_fd_);
	queue_engine_nop();
	ASSERT_EQ(1, io_uring_submit_and_wait(&ring_, 1));
	io_uring_cqe *cqe = nullptr;
	ASSERT_EQ(0, io_uring_peek_cqe(&ring_, &cqe));
	EXPECT_FALSE(a.owns(cqe));
	EXPECT_FALSE(a.handle(cqe));
	io_uring_cqe_seen(&ring_, cqe);
	EXPECT_EQ(0U, a.stats().stale_cqes);
}

/* All or nothing: a batch that does not fit the SQ leaves it untouched. */
TEST_F(Engine, NoRoomIsEbusyAndQueuesNothing)
{
	ASSERT_EQ(0, setup(4, 0));
	UringAttachment a = attach(null_fd_);
	Batch b = make_batch(5);
	queue_singles(b, 5);
	EXPECT_EQ(-EBUSY, rc(a.queue(b)));
	EXPECT_EQ(0U, io_uring_sq_ready(&ring_));
	EXPECT_TRUE(a.done());
	queue_engine_nop();
	b.clear();
	queue_singles(b, 4);
	EXPECT_EQ(-EBUSY, rc(a.queue(b))) << "the engine's SQE takes one slot";
	ASSERT_EQ(1, io_uring_submit(&ring_));
	ASSERT_EQ(4, rc(a.queue(b))) << "room again";
	EXPECT_EQ(1U, run(a, 5));
	EXPECT_EQ(0U, b.failures());
}

TEST_F(Engine, OneBatchInFlight)
{
	UringAttachment a = attach(null_fd_);
	Batch b = make_batch(2);
	Batch c = make_batch(2);
	queue_singles(b, 2);
	queue_singles(c, 2);
	ASSERT_EQ(2, rc(a.queue(b)));
	EXPECT_EQ(-EALREADY, rc(a.queue(c)));
	EXPECT_EQ(0U, run(a, 2));
	EXPECT_EQ(2, rc(a.queue(c)));
	EXPECT_EQ(0U, run(a, 2));
	EXPECT_EQ(0U, c.failures());
}

/* Several attachments, one tag each: each claims its own CQEs only. */
TEST_F(Engine, TwoAttachmentsTwoTags)
{
	UringAttachment a = attach(null_fd_, {.tag = 0x7E});
	UringAttachment z = attach(null_fd_, {.tag = 0x7F});
	Batch b = make_batch(3);
	Batch c = make_batch(3);
	queue_singles(b, 3);
	queue_singles(c, 3);
	ASSERT_EQ(3, rc(a.queue(b)));
	ASSERT_EQ(3, rc(z.queue(c)));
	ASSERT_EQ(6, io_uring_submit_and_wait(&ring_, 6));
	unsigned head;
	unsigned n = 0;
	io_uring_cqe *cqe;
	io_uring_for_each_cqe(&ring_, head, cqe)
	{
		++n;
		EXPECT_TRUE(a.handle(cqe) || z.handle(cqe));
	}
	io_uring_cq_advance(&ring_, n);
	EXPECT_EQ(6U, n);
	EXPECT_TRUE(a.done());
	EXPECT_TRUE(z.done());
	EXPECT_EQ(0U, a.stats().stale_cqes + z.stats().stale_cqes);
}

/* Creates are 32 bytes: an SQE128 ring takes them, a plain one does not. */
TEST_F(Engine, CreatesNeedAnSqe128Ring)
{
	UringAttachment a = attach(null_fd_);
	EXPECT_FALSE(a.sqe128());
	Batch b = make_batch(2);
	ASSERT_EQ(0, rc(b.create_timer({.user_data = 1})));
	EXPECT_EQ(-EINVAL, rc(a.queue(b)));
	EXPECT_EQ(0U, io_uring_sq_ready(&ring_));

	ASSERT_EQ(0, setup(8, IORING_SETUP_SQE128)) << "SQE128 needs 5.19";
	a = attach(null_fd_);
	EXPECT_TRUE(a.sqe128());
	/*
	 * Every slot with bytes in its second half, as the engine's own
	 * 128-byte commands leave them: the module refuses a command whose
	 * area is not zero past its payload, so ours are cleared.
	 */
	for (int i = 0; i < 8; ++i)
		std::memset(reinterpret_cast<unsigned char *>(queue_engine_nop()) + 64, 0xAA, 64);
	EXPECT_EQ(8U, run(a, 8));
	ASSERT_EQ(1, rc(a.queue(b)));
	const auto *slot = reinterpret_cast<const unsigned char *>(
		&ring_.sq.sqes[((ring_.sq.sqe_tail - 1) & ring_.sq.ring_mask) << 1]);
	for (std::size_t i = 48 + sizeof(timerx_create); i < 128; ++i)
		ASSERT_EQ(0, slot[i]) << "byte " << i << " past the create's 32";
	EXPECT_EQ(0U, run(a, 1));
	EXPECT_EQ(0, rc(b.result(0))) << "/dev/null's 0: the id";
}

TEST_F(Engine, SequentialOrderLinksTheSqes)
{
	UringAttachment a = attach(null_fd_);
	Batch b = make_batch(3);
	queue_singles(b, 3);
	const unsigned first = ring_.sq.sqe_tail;
	ASSERT_EQ(3, rc(a.queue(b, Order::sequential)));
	for (unsigned i = 0; i < 3; ++i) {
		const io_uring_sqe &sqe = ring_.sq.sqes[(first + i) & ring_.sq.ring_mask];
		EXPECT_EQ(i < 2, (sqe.flags & IOSQE_IO_HARDLINK) != 0)
			<< "all but the last, so the engine's next SQE is not in the chain: " << i;
	}
	queue_engine_nop();
	EXPECT_EQ(1U, run(a, 4));
	EXPECT_EQ(0U, b.failures());
}

/* The engine registered the fd: SQEs name its index. */
TEST_F(Engine, UsesTheEnginesRegisteredFile)
{
	const int files[2] = {efd_, null_fd_};
	const int reg = io_uring_register_files(&ring_, files, 2);
	if (reg < 0)
		GTEST_SKIP() << "no registered files: " << std::strerror(-reg);
	UringAttachment a = attach(null_fd_, {.file_index = 1});
	Batch b = make_batch(1);
	ASSERT_EQ(0, rc(b.delete_timer(3)));
	ASSERT_EQ(1, rc(a.queue(b)));
	const io_uring_sqe &sqe = ring_.sq.sqes[(ring_.sq.sqe_tail - 1) & ring_.sq.ring_mask];
	EXPECT_EQ(1, sqe.fd);
	EXPECT_NE(0, sqe.flags & IOSQE_FIXED_FILE);
	EXPECT_EQ(0U, run(a, 1));
	EXPECT_EQ(0, rc(b.result(0))) << "index 1 is /dev/null (index 0, the eventfd, refuses)";
}

/* The engine's usual flags: nothing changes for the attachment. */
TEST_F(Engine, TakesTheEnginesSetupFlags)
{
	for (const unsigned flags :
	     {unsigned{IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN},
	      unsigned{IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG},
	      unsigned{IORING_SETUP_SUBMIT_ALL | IORING_SETUP_CLAMP}}) {
		if (const int ret = setup(32, flags); ret < 0) {
			std::printf("# setup flags %#x not taken here: %s\n", flags,
				    std::strerror(-ret));
			continue;
		}
		UringAttachment a = attach(null_fd_);
		Batch b = make_batch(8);
		queue_singles(b, 8);
		ASSERT_EQ(8, rc(a.queue(b))) << flags;
		queue_engine_nop();
		EXPECT_EQ(1U, run(a, 9)) << flags;
		EXPECT_TRUE(a.done()) << flags;
		EXPECT_EQ(0U, b.failures()) << flags;
		ASSERT_EQ(0, rc(a.queue_wait()));
		EXPECT_EQ(0U, run(a, 1));
		EXPECT_EQ(0, rc(a.take_wait())) << "/dev/null's WAIT: 0 events ready";
	}
}

/*
 * An SQPOLL ring (which Uring refuses: it takes back SQEs the kernel did
 * not consume): the attachment only fills the SQ, the engine's kernel
 * thread consumes it, so a full SQ is EBUSY and then room again.
 */
TEST_F(Engine, TakesAnSqpollRing)
{
	if (const int ret = setup(8, IORING_SETUP_SQPOLL); ret < 0)
		GTEST_SKIP() << "no SQPOLL here: " << std::strerror(-ret);
	UringAttachment a = attach(null_fd_);
	Batch b = make_batch(8);
	queue_singles(b, 8);
	ASSERT_EQ(8, rc(a.queue(b)));
	EXPECT_EQ(8U, a.pending());
	EXPECT_EQ(0U, run(a, 8));
	EXPECT_TRUE(a.done());
	EXPECT_EQ(0U, b.failures());

	/* The SQ full of the engine's SQEs: all or nothing, EBUSY. */
	for (unsigned i = 0; i < 8; ++i)
		ASSERT_NE(nullptr, queue_engine_nop());
	Batch one = make_batch(1);
	ASSERT_EQ(0, rc(one.delete_timer(1)));
	EXPECT_EQ(-EBUSY, rc(a.queue(one)));
	EXPECT_TRUE(a.done()) << "nothing queued";
	EXPECT_EQ(8U, run(a, 8));
	ASSERT_EQ(1, rc(a.queue(one))) << "room again once the SQ thread consumed the SQ";
	EXPECT_EQ(0U, run(a, 1));
	EXPECT_EQ(0, rc(one.result(0)));
	ASSERT_EQ(0, rc(a.queue_wait()));
	EXPECT_EQ(0U, run(a, 1));
	EXPECT_EQ(0, rc(a.take_wait())) << "/dev/null's WAIT: 0 events ready";
}

/* WAIT refused (as on 6.1): a POLL_ADD goes in, inside handle(); the caller never sees it. */
TEST_F(Engine, RefusedWaitBecomesPollAdd)
{
	UringAttachment a = attach(efd_);
	ASSERT_EQ(0, rc(a.queue_wait()));
	EXPECT_TRUE(a.wait_queued());
	EXPECT_EQ(0, rc(a.queue_wait())) << "queued already: nothing to do";
	EXPECT_EQ(1U, io_uring_sq_ready(&ring_));
	EXPECT_EQ(0U, run(a, 1)) << "the refusal";
	EXPECT_TRUE(a.waits_with_poll());
	EXPECT_TRUE(a.wait_queued()) << "the POLL_ADD, for the engine's next submit";
	EXPECT_EQ(1U, io_uring_sq_ready(&ring_));
	EXPECT_EQ(-EAGAIN, rc(a.take_wait())) << "the refusal is not an outcome";
	ASSERT_EQ(1, io_uring_submit(&ring_));

	const std::uint64_t one = 1;
	ASSERT_EQ(8, ::write(efd_, &one, sizeof(one)));
	EXPECT_EQ(0U, run(a, 1));
	EXPECT_FALSE(a.wait_queued());
	EXPECT_EQ(1, rc(a.take_wait())) << "readable";
	EXPECT_EQ(-EAGAIN, rc(a.take_wait())) << "once";
	EXPECT_EQ(2U, a.stats().waits);
}

/* Given up: what completed counts, the rest stays EINPROGRESS, later CQEs are stale. */
TEST_F(Engine, AbandonLeavesTheUnknownUnknown)
{
	UringAttachment a = attach(null_fd_);
	Batch b = make_batch(3);
	queue_singles(b, 3);
	ASSERT_EQ(3, rc(a.queue(b)));
	a.abandon();
	EXPECT_TRUE(a.done());
	EXPECT_EQ(0U, a.pending());
	EXPECT_EQ(0U, run(a, 3)) << "still ours: claimed, and dropped";
	EXPECT_EQ(3U, a.stats().stale_cqes);
	for (std::size_t i = 0; i < 3; ++i)
		EXPECT_EQ(-EINPROGRESS, rc(b.result(i)));
	/* A new batch is a new generation. */
	b.clear();
	queue_singles(b, 2);
	ASSERT_EQ(2, rc(a.queue(b)));
	EXPECT_EQ(0U, run(a, 2));
	EXPECT_EQ(0U, b.failures());
}

TEST_F(Engine, MoveKeepsTheBatchInFlight)
{
	UringAttachment a = attach(null_fd_);
	Batch b = make_batch(2);
	queue_singles(b, 2);
	ASSERT_EQ(2, rc(a.queue(b)));
	UringAttachment m(std::move(a));
	// NOLINTBEGIN(bugprone-use-after-move): a moved-from attachment is usable, and detached
	EXPECT_FALSE(a.is_attached());
	EXPECT_TRUE(a.done());
	EXPECT_EQ(-EBADF, rc(a.queue(b)));
	// NOLINTEND(bugprone-use-after-move)
	EXPECT_EQ(0U, run(m, 2));
	EXPECT_TRUE(m.done());
	EXPECT_EQ(0U, b.failures());
}

} // namespace
