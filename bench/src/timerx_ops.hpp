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
#include <fstream>
#include <optional>
#include <string>

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

/*
 * max_timers_per_ctx (65536 by default) below @n: raise it for the run
 * (root), and put the old value back afterwards. The setting in force is
 * in the record's params; meta shows the module's defaults.
 */
class TimerLimit {
public:
	static constexpr const char *path = "/sys/module/timerx/parameters/max_timers_per_ctx";

	/* false: the limit is too low and could not be raised (message printed). */
	[[nodiscard]] bool ensure(std::uint64_t n)
	{
		const auto v = read_line(path);
		const auto cur = v ? parse_u64(*v) : std::nullopt;
		if (!cur) {
			diag("cannot read %s", path);
			return false;
		}
		limit_ = *cur;
		if (*cur >= n)
			return true;
		if (!write(n)) {
			diag("%llu timers need max_timers_per_ctx >= %llu (it is %llu) and %s "
			     "cannot be written",
			     static_cast<unsigned long long>(n), static_cast<unsigned long long>(n),
			     static_cast<unsigned long long>(*cur), path);
			return false;
		}
		old_ = *cur;
		limit_ = n;
		return true;
	}

	[[nodiscard]] std::uint64_t limit() const noexcept { return limit_; }

	~TimerLimit()
	{
		if (old_ && !write(*old_))
			diag("could not restore max_timers_per_ctx to %llu",
			     static_cast<unsigned long long>(*old_));
	}

private:
	static bool write(std::uint64_t v)
	{
		std::ofstream f(path);
		f << v << '\n';
		f.flush();
		return static_cast<bool>(f);
	}

	std::uint64_t limit_ = 0;
	std::optional<std::uint64_t> old_;
};

} // namespace bench

#endif /* TIMERX_BENCH_TIMERX_OPS_HPP */
