// SPDX-License-Identifier: MIT
/*
 * Context and the synchronous commands where no device is needed: every
 * setup error is an Error with the right errno and leaks no file
 * descriptor; the commands report their Error.
 */
#include <timerx/context.hpp>
#include <timerx/timer.hpp>

#include <gtest/gtest.h>
#include <rc.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <system_error>
#include <type_traits>

namespace {

int open_fds()
{
	int n = 0;
	DIR *d = ::opendir("/proc/self/fd");
	if (d == nullptr)
		return -1;
	while (::readdir(d) != nullptr)
		++n;
	::closedir(d);
	return n;
}

using timerx_test::rc;

/* The errno a Context on @path fails with (0: it did not fail). */
int setup_errno(const char *path)
{
	const auto ctx = timerx::Context::open({.path = path});
	if (ctx)
		return 0;
	EXPECT_EQ(std::system_category(), ctx.error_code().category());
	EXPECT_FALSE(ctx->is_open()) << "a failed open leaves a closed Context";
	return ctx.error().code();
}

TEST(Context, MissingDeviceIsEnoent)
{
	EXPECT_EQ(ENOENT, setup_errno("/nonexistent/timerx"));
}

TEST(Context, DefaultConstructedIsClosed)
{
	const timerx::Context ctx;
	EXPECT_FALSE(ctx.is_open());
	EXPECT_EQ(-EBADF, rc(ctx.cancel_timer(1)));
	EXPECT_EQ(-EBADF, rc(ctx.flush()));
	EXPECT_FALSE(ctx.reader().valid());
}

TEST(Context, RingEntriesForIsAPowerOfTwoWithinTheLimit)
{
	const std::uint32_t limit = timerx::max_ring_entries().value_or(65536);
	EXPECT_EQ(64U, timerx::ring_entries_for(0));
	EXPECT_EQ(64U, timerx::ring_entries_for(64));
	EXPECT_EQ(std::min<std::uint32_t>(128, limit), timerx::ring_entries_for(65));
	EXPECT_EQ(limit, timerx::ring_entries_for(std::uint64_t{1} << 40));
	if (!timerx::max_ring_entries()) {
		EXPECT_EQ(ENOENT, timerx::max_ring_entries().error().code()) << "no module here";
	}
}

TEST(Context, DefaultPathIsDevTimerx)
{
	EXPECT_STREQ("/dev/timerx", timerx::ContextOptions{}.path);
	EXPECT_EQ(4096U, timerx::ContextOptions{}.ring_entries);
	struct stat st;
	if (::stat(TIMERX_DEVICE_PATH, &st) == 0)
		GTEST_SKIP() << TIMERX_DEVICE_PATH << " exists here";
	EXPECT_EQ(ENOENT, timerx::Context::open().error().code());
}

TEST(Context, NotATimerxDeviceIsEnotty)
{
	EXPECT_EQ(ENOTTY, setup_errno("/dev/null")) << "SETUP_RING on a foreign file";
	char tmpl[] = "/tmp/timerx-context-test-XXXXXX";
	const int fd = ::mkstemp(tmpl);
	ASSERT_LE(0, fd);
	::close(fd);
	EXPECT_EQ(ENOTTY, setup_errno(tmpl)) << "a regular file";
	::unlink(tmpl);
	EXPECT_EQ(EISDIR, setup_errno("/tmp"));
}

TEST(Context, FailedSetupLeaksNoDescriptor)
{
	const int before = open_fds();
	ASSERT_GT(before, 0);
	for (int i = 0; i < 20; ++i) {
		(void)setup_errno("/dev/null");
		(void)setup_errno("/nonexistent/timerx");
	}
	EXPECT_EQ(before, open_fds());
}

TEST(Context, IsMoveOnly)
{
	static_assert(!std::is_copy_constructible_v<timerx::Context>);
	static_assert(!std::is_copy_assignable_v<timerx::Context>);
	static_assert(std::is_nothrow_move_constructible_v<timerx::Context>);
	static_assert(std::is_nothrow_move_assignable_v<timerx::Context>);
	SUCCEED();
}

TEST(TimerCommands, ReportNegativeErrno)
{
	const int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, null_fd);
	const auto created = timerx::create_timer(null_fd, {});
	EXPECT_FALSE(created.ok());
	EXPECT_EQ(timerx::Error{ENOTTY}, created.error());
	EXPECT_EQ(std::errc::inappropriate_io_control_operation, created.error_code());
	EXPECT_EQ(-ENOTTY, rc(timerx::arm_timer(null_fd, timerx::ArmSpec::after(1, {}))));
	EXPECT_EQ(-ENOTTY, rc(timerx::cancel_timer(null_fd, 1)));
	EXPECT_EQ(-ENOTTY, rc(timerx::delete_timer(null_fd, 1)));
	EXPECT_EQ(ENOTTY, timerx::get_timer(null_fd, 1).error().code());
	EXPECT_EQ(ENOTTY, timerx::context_info(null_fd).error().code());
	EXPECT_EQ(-ENOTTY, rc(timerx::flush(null_fd)));
	::close(null_fd);

	EXPECT_EQ(-EBADF, rc(timerx::cancel_timer(-1, 1)));
	EXPECT_EQ(-EBADF, rc(timerx::flush(-1)));
}

} // namespace
