// SPDX-License-Identifier: MIT
/*
 * Control and Monitor on the host's real netlink, where the module is not
 * loaded: open() is -ENOENT (the "timerx" family is not registered) and
 * leaks no descriptor; objects that are not open answer -EBADF; moves.
 */
#include <timerx/control.hpp>

#include <gtest/gtest.h>

#include <chrono>

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
	return timerx::Control::open().ok();
}

TEST(ControlSocket, OpenWithoutTheModuleIsEnoent)
{
	if (family_registered())
		GTEST_SKIP() << "the timerx family is registered here";
	const int before = open_fds();
	const auto c = timerx::Control::open();
	EXPECT_EQ(timerx::Error{ENOENT}, c.error());
	EXPECT_FALSE(c->is_open());
	EXPECT_EQ(before, open_fds());

	const auto m = timerx::Monitor::open();
	EXPECT_EQ(timerx::Error{ENOENT}, m.error());
	EXPECT_EQ(-1, m->fd());
	EXPECT_EQ(before, open_fds());
}

TEST(ControlSocket, OptionsDefaults)
{
	const timerx::ControlOptions o;
	EXPECT_EQ(8U, o.dump_retries);
	EXPECT_EQ(std::chrono::seconds(5), o.timeout);
}

TEST(ControlSocket, NotOpenIsEbadf)
{
	timerx::Control c;
	EXPECT_FALSE(c.is_open());
	const timerx::Error ebadf{EBADF};
	EXPECT_EQ(ebadf, c.stats().error());
	EXPECT_EQ(ebadf, c.contexts().error());
	EXPECT_EQ(ebadf, c.context(1).error());
	EXPECT_EQ(ebadf, c.timers().error());
	EXPECT_EQ(ebadf, c.timers(1U).error());
	EXPECT_EQ(ebadf, c.timer(1, 1).error());
	EXPECT_EQ(ebadf, c.config().error());
	EXPECT_EQ(ebadf, c.set_config({}).error());
	EXPECT_EQ("", c.last_error_message());

	timerx::Monitor m;
	EXPECT_EQ(-1, m.fd());
	EXPECT_EQ(ebadf, m.next(std::chrono::seconds(0)).error());
	EXPECT_EQ(ebadf, m.next(timerx::forever).error());
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
