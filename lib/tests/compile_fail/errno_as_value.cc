// SPDX-License-Identifier: MIT
/*
 * An errno cannot pass for a value: returning -ENOENT from a function that
 * returns Result<TimerId> (or Result<void>) does not compile. Built by
 * compile-fail.sh: as it is (must build), and with each case (must not).
 */
#include <timerx/error.hpp>
#include <timerx/types.hpp>

#include <cerrno>

namespace {

timerx::Result<timerx::TimerId> find_timer()
{
#if TIMERX_COMPILE_FAIL == 1
	return -ENOENT;
#else
	return timerx::unexpected(ENOENT);
#endif
}

timerx::Result<void> check()
{
#if TIMERX_COMPILE_FAIL == 2
	return -EINVAL;
#elif TIMERX_COMPILE_FAIL == 3
	return 0;
#else
	return timerx::Error{EINVAL};
#endif
}

} // namespace

int main()
{
	return find_timer().ok() || check().ok() ? 1 : 0;
}
