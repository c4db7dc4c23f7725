// SPDX-License-Identifier: MIT
/*
 * Context and the synchronous commands where no device is needed: every
 * setup error throws std::system_error with the right errno and leaks no
 * file descriptor; the commands report -errno.
 */
#include <timerx/context.hpp>
#include <timerx/timer.hpp>

#include <gtest/gtest.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* The errno a Context on @path fails with (0: it did not fail). */
int setup_errno(const char *path, std::string *what = nullptr)
{
	try {
		timerx::Context ctx(timerx::ContextOptions{.path = path});
	} catch (const std::system_error &e) {
		if (what != nullptr)
			*what = e.what();
		EXPECT_EQ(std::system_category(), e.code().category());
		return e.code().value();
	}
	return 0;
}

TEST(Context, MissingDeviceIsEnoent)
{
	std::string what;
	EXPECT_EQ(ENOENT, setup_errno("/nonexistent/timerx", &what));
	EXPECT_NE(std::string::npos, what.find("/nonexistent/timerx")) << what;
	EXPECT_NE(std::string::npos, what.find("timerx:")) << what;
}

TEST(Context, DefaultPathIsDevTimerx)
{
	EXPECT_STREQ("/dev/timerx", timerx::ContextOptions{}.path);
	EXPECT_EQ(4096U, timerx::ContextOptions{}.ring_entries);
	struct stat st;
	if (::stat(TIMERX_DEVICE_PATH, &st) == 0)
		GTEST_SKIP() << TIMERX_DEVICE_PATH << " exists here";
	EXPECT_THROW(timerx::Context{}, std::system_error);
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
	EXPECT_EQ(-ENOTTY, created.error());
	EXPECT_EQ(std::errc::inappropriate_io_control_operation, created.error_code());
	EXPECT_EQ(-ENOTTY, timerx::arm_timer(null_fd, timerx::ArmSpec::after(1, {})));
	EXPECT_EQ(-ENOTTY, timerx::cancel_timer(null_fd, 1));
	EXPECT_EQ(-ENOTTY, timerx::delete_timer(null_fd, 1));
	EXPECT_EQ(-ENOTTY, timerx::get_timer(null_fd, 1).error());
	EXPECT_EQ(-ENOTTY, timerx::context_info(null_fd).error());
	EXPECT_EQ(-ENOTTY, timerx::flush(null_fd));
	::close(null_fd);

	EXPECT_EQ(-EBADF, timerx::cancel_timer(-1, 1));
	EXPECT_EQ(-EBADF, timerx::flush(-1));
}

} // namespace
