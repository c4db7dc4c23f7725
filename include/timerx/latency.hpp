/* SPDX-License-Identifier: MIT */
/*
 * LatencyRecorder: lateness samples measured in userspace, kept in the
 * same log-linear buckets as the module's histograms ("Lateness" in
 * <linux/timerx.h>), so a program's own numbers and `timerctl hist` read
 * alike.
 *
 * record() is the hot path: no allocation, no exception, no system call;
 * the buckets are a fixed array inside the object (about 3.7 KiB). Reading
 * quantiles walks the array and is meant for reports, not for the loop.
 *
 * Threading: one writer; readers only after it stopped (or with their own
 * synchronisation). Merge per-thread recorders for a total.
 */
#ifndef TIMERX_LATENCY_HPP
#define TIMERX_LATENCY_HPP

#include <linux/timerx.h>

#include <timerx/detail/config.hpp>
#include <timerx/histogram.hpp>

#include <array>
#include <bit>
#include <cstdint>
#include <limits>

namespace timerx {

/* The bucket of @ns in the module's layout (what the kernel computes with fls64). */
[[nodiscard]] constexpr std::uint32_t lateness_bucket(std::uint64_t ns) noexcept
{
	constexpr std::uint32_t sub = 1U << TIMERX_HIST_SUB_BITS;
	if (ns < sub)
		return static_cast<std::uint32_t>(ns);
	const auto e = static_cast<std::uint32_t>(std::bit_width(ns)) - 1;
	if (e >= TIMERX_HIST_MAX_LOG2)
		return TIMERX_HIST_BUCKETS - 1;
	return (e - TIMERX_HIST_SUB_BITS + 1) * sub +
	       static_cast<std::uint32_t>((ns >> (e - TIMERX_HIST_SUB_BITS)) & (sub - 1));
}

class TIMERX_API LatencyRecorder {
public:
	/*
	 * One sample. A negative value (an event seen before it was due: a
	 * clock mix-up, or a bug) is counted in early() and recorded as 0, so
	 * it shows instead of vanishing.
	 */
	void record(std::int64_t ns) noexcept
	{
		std::uint64_t v = 0;
		if (ns < 0)
			++early_;
		else
			v = static_cast<std::uint64_t>(ns);
		++buckets_[lateness_bucket(v)];
		++count_;
		sum_ += v;
		if (v < min_)
			min_ = v;
		if (v > max_)
			max_ = v;
	}

	void reset() noexcept { *this = LatencyRecorder{}; }
	/* Add @other's samples. */
	void merge(const LatencyRecorder &other) noexcept;

	[[nodiscard]] std::uint64_t count() const noexcept { return count_; }
	[[nodiscard]] std::uint64_t early() const noexcept { return early_; }
	[[nodiscard]] std::uint64_t sum_ns() const noexcept { return sum_; }
	/* 0 when empty. */
	[[nodiscard]] std::uint64_t min_ns() const noexcept { return count_ ? min_ : 0; }
	[[nodiscard]] std::uint64_t max_ns() const noexcept { return max_; }
	[[nodiscard]] double mean_ns() const noexcept;
	/* As Histogram::quantile_ns: the holding bucket's midpoint, clamped to [min, max]. */
	[[nodiscard]] std::uint64_t quantile_ns(double q) const noexcept;
	/* Samples in bucket @index (lateness_bucket()). */
	[[nodiscard]] std::uint64_t bucket_count(std::uint32_t index) const noexcept
	{
		return index < buckets_.size() ? buckets_[index] : 0;
	}
	/* The samples as a (sparse) Histogram, e.g. to merge with the module's. Allocates. */
	[[nodiscard]] Histogram histogram() const;

private:
	std::array<std::uint64_t, TIMERX_HIST_BUCKETS> buckets_{};
	std::uint64_t count_ = 0;
	std::uint64_t early_ = 0;
	std::uint64_t sum_ = 0;
	std::uint64_t min_ = std::numeric_limits<std::uint64_t>::max();
	std::uint64_t max_ = 0;
};

} // namespace timerx

#endif /* TIMERX_LATENCY_HPP */
