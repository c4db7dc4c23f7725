// SPDX-License-Identifier: MIT
/*
 * What the timerx contestants (w2, w3, w4) share: sizing the ring within
 * the module's limit, and submitting a Batch where any failed command is
 * an error (a benchmark of commands that did not happen means nothing).
 */
#ifndef TIMERX_BENCH_TIMERX_OPS_HPP
#define TIMERX_BENCH_TIMERX_OPS_HPP

#include "sys.hpp"

#include <timerx/timerx.hpp>

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace bench {

/* A power of two >= @n (at least 64), within max_ring_entries (65536 by default). */
[[nodiscard]] inline std::uint32_t ring_entries_for(std::uint64_t n)
{
	std::uint32_t limit = 65536;
	if (const auto v = read_line("/sys/module/timerx/parameters/max_ring_entries"))
		if (const auto m = parse_u64(*v); m && *m >= 2 && *m < limit)
			limit = static_cast<std::uint32_t>(*m);
	std::uint32_t e = 64;
	while (e < n && e < limit)
		e *= 2;
	return std::min(e, limit);
}

/* Submit @batch; false (with a message naming @what) if io_uring or any command failed. */
[[nodiscard]] inline bool submit_checked(timerx::Uring &uring, timerx::Batch &batch,
					 const char *what) noexcept
{
	const int ret = uring.submit(batch);
	if (ret < 0) {
		diag("%s: submit: %s", what, std::strerror(-ret));
		return false;
	}
	for (std::size_t i = 0; i < batch.size(); ++i)
		if (batch.result(i) < 0) {
			diag("%s: %zu of %zu commands failed, first: %s", what, batch.failures(),
			     batch.size(), std::strerror(-batch.result(i)));
			return false;
		}
	return true;
}

} // namespace bench

#endif /* TIMERX_BENCH_TIMERX_OPS_HPP */
