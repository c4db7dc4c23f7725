// SPDX-License-Identifier: MIT
/*
 * What the timerx contestants (w2, w3, w4) share: setup that cannot go
 * on without its object (must()), and submitting a Batch where any failed
 * command is an error (a benchmark of commands that did not happen means
 * nothing).
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
#include <system_error>
#include <utility>

namespace bench {

using timerx::ring_entries_for;

/* The value, or std::system_error naming @what (main() reports it). */
template <class T>
[[nodiscard]] T must(timerx::Result<T> &&r, const char *what)
{
	if (!r)
		throw std::system_error(r.error().error_code(), what);
	return std::move(r).value();
}

/* Submit @batch; false (with a message naming @what) if io_uring or any command failed. */
[[nodiscard]] inline bool submit_checked(timerx::Uring &uring, timerx::Batch &batch,
					 const char *what) noexcept
{
	if (const auto sent = uring.submit(batch); !sent) {
		diag("%s: submit: %s", what, std::strerror(sent.error().code()));
		return false;
	}
	if (const auto f = batch.first_failure()) {
		diag("%s: %zu of %zu commands failed, first (#%zu): %s", what, batch.failures(),
		     batch.size(), f->index, std::strerror(f->error.code()));
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
