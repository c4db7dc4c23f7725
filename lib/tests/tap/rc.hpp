/* SPDX-License-Identifier: MIT */
/*
 * rc(): a libtimerx Result in the kernel's return convention (the value,
 * or -errno), so that a test states the exact outcome in one comparison.
 */
#ifndef TIMERX_TESTS_RC_HPP
#define TIMERX_TESTS_RC_HPP

#include <timerx/error.hpp>

#include <type_traits>
#include <utility>

namespace timerx_test {

inline int rc(const timerx::Result<void> &r)
{
	return r ? 0 : -r.error().code();
}

template <class T>
requires std::is_integral_v<T>
long long rc(const timerx::Result<T> &r)
{
	return r ? static_cast<long long>(*r) : -static_cast<long long>(r.error().code());
}

/* 0 or -errno, for Results whose value is not a number. */
template <class T>
int status(const timerx::Result<T> &r)
{
	return r ? 0 : -r.error().code();
}

/* 0 or -errno; the value moved into @out on success (out-parameter style). */
template <class T>
int take(timerx::Result<T> &&r, T &out)
{
	if (!r)
		return -r.error().code();
	out = std::move(r).value();
	return 0;
}

} // namespace timerx_test

#endif /* TIMERX_TESTS_RC_HPP */
