/* SPDX-License-Identifier: MIT */
/*
 * Histogram: a lateness histogram in the module's log-linear layout
 * ("Lateness" in <linux/timerx.h>), as the control plane reports it and as
 * LatencyRecorder::histogram() builds it. Its own header, so that the
 * data path (latency.hpp) does not see the control plane's types.
 */
#ifndef TIMERX_HISTOGRAM_HPP
#define TIMERX_HISTOGRAM_HPP

#include <linux/timerx.h>

#include <timerx/detail/config.hpp>
#include <timerx/error.hpp>

#include <cstdint>
#include <vector>

namespace timerx {

/* A lateness histogram (layout: "Lateness" in linux/timerx.h). */
struct TIMERX_API Histogram {
	std::uint64_t count = 0;
	std::uint64_t sum_ns = 0;
	std::uint64_t min_ns = 0; /* 0 when count == 0 */
	std::uint64_t max_ns = 0;
	std::uint32_t sub_bits = TIMERX_HIST_SUB_BITS;
	std::uint32_t nr_buckets = TIMERX_HIST_BUCKETS;
	std::vector<timerx_hist_bucket> buckets; /* non-empty, ascending index */

	/* First value of bucket @index; the last bucket is open-ended. */
	[[nodiscard]] static std::uint64_t bucket_lower(std::uint32_t index,
							std::uint32_t sub_bits) noexcept;
	/* One past the last value of bucket @index (UINT64_MAX for the last). */
	[[nodiscard]] static std::uint64_t bucket_upper(std::uint32_t index, std::uint32_t sub_bits,
							std::uint32_t nr_buckets) noexcept;

	[[nodiscard]] double mean_ns() const noexcept;
	/*
	 * The q-quantile (0 <= q <= 1): the midpoint of the bucket holding it,
	 * clamped to [min_ns, max_ns]; 0 for an empty histogram.
	 */
	[[nodiscard]] std::uint64_t quantile_ns(double q) const noexcept;
	/* Add @other's samples (same layout; else EINVAL). */
	[[nodiscard]] Result<void> merge(const Histogram &other) noexcept;
};

} // namespace timerx

#endif /* TIMERX_HISTOGRAM_HPP */
