// SPDX-License-Identifier: MIT
/*
 * Control and Monitor on the host's real netlink, where the module is not
 * loaded: open() is -ENOENT (the "timerx" family is not registered) and
 * leaks no descriptor; objects that are not open answer -EBADF; moves.
 */
#include <timerx/control.hpp>

#include <gtest/gtest.h>

#include <dirent.h>

#include <cerrno>
#include <type_traits>
#include <utility>

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

static_assert(std::is_nothrow_move_constructible_v<timerx::Control>);
static_assert(std::is_nothrow_move_assignable_v<timerx::Control>);
static_assert(!std::is_copy_constructible_v<timerx::Control>);
static_assert(std::is_nothrow_move_constructible_v<timerx::Monitor>);
static_assert(!std::is_copy_constructible_v<timerx::Monitor>);

/* Skips when this machine has the module (then the VM tests cover it). */
bool family_registered()
{
	timerx::Control c;
	return timerx::Control::open(c) == 0;
}

TEST(ControlSocket, OpenWithoutTheModuleIsEnoent)
{
	if (family_registered())
		GTEST_SKIP() << "the timerx family is registered here";
	const int before = open_fds();
	timerx::Control c;
	EXPECT_EQ(-ENOENT, timerx::Control::open(c));
	EXPECT_FALSE(c.is_open());
	EXPECT_EQ(before, open_fds());

	timerx::Monitor m;
	EXPECT_EQ(-ENOENT, timerx::Monitor::open(m));
	EXPECT_EQ(-1, m.fd());
	EXPECT_EQ(before, open_fds());
}

TEST(ControlSocket, OptionsDefaults)
{
	const timerx::ControlOptions o;
	EXPECT_EQ(8U, o.dump_retries);
	EXPECT_EQ(5000U, o.timeout_ms);
}

TEST(ControlSocket, NotOpenIsEbadf)
{
	timerx::Control c;
	EXPECT_FALSE(c.is_open());
	timerx::Stats s;
	std::vector<timerx::ContextStatus> cs;
	timerx::ContextStatus ctx;
	std::vector<timerx::TimerStatus> ts;
	timerx::TimerStatus t;
	timerx::Config cfg;
	EXPECT_EQ(-EBADF, c.stats(s));
	EXPECT_EQ(-EBADF, c.contexts(cs));
	EXPECT_EQ(-EBADF, c.context(1, ctx));
	EXPECT_EQ(-EBADF, c.timers(ts));
	EXPECT_EQ(-EBADF, c.timers(ts, 1U));
	EXPECT_EQ(-EBADF, c.timer(1, 1, t));
	EXPECT_EQ(-EBADF, c.config(cfg));
	EXPECT_EQ(-EBADF, c.set_config(cfg));
	EXPECT_EQ("", c.last_error_message());

	timerx::Monitor m;
	EXPECT_EQ(-1, m.fd());
	timerx::Notification n;
	EXPECT_EQ(-EBADF, m.next(n, 0));
}

TEST(ControlSocket, MovedFromIsNotOpen)
{
	timerx::Control a;
	timerx::Control b(std::move(a));
	EXPECT_FALSE(b.is_open());
	a = std::move(b);
	EXPECT_FALSE(a.is_open());
	timerx::Monitor m;
	timerx::Monitor n(std::move(m));
	m = std::move(n);
	EXPECT_EQ(-1, m.fd());
}

} // namespace
