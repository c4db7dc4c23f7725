// SPDX-License-Identifier: MIT
/*
 * LatencyRecorder's reports. Quantiles follow Histogram's rule, so the
 * module's histograms and the ones measured in userspace read alike.
 */
#include <timerx/latency.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

namespace timerx {

void LatencyRecorder::merge(const LatencyRecorder &other) noexcept
{
	for (std::size_t i = 0; i < buckets_.size(); ++i)
		buckets_[i] += other.buckets_[i];
	count_ += other.count_;
	early_ += other.early_;
	sum_ += other.sum_;
	if (other.min_ < min_)
		min_ = other.min_;
	if (other.max_ > max_)
		max_ = other.max_;
}

double LatencyRecorder::mean_ns() const noexcept
{
	return count_ == 0 ? 0.0 : static_cast<double>(sum_) / static_cast<double>(count_);
}

Histogram LatencyRecorder::histogram() const
{
	Histogram h;
	h.count = count_;
	h.sum_ns = sum_;
	h.min_ns = min_ns();
	h.max_ns = max_;
	for (std::uint32_t i = 0; i < buckets_.size(); ++i)
		if (buckets_[i] != 0)
			h.buckets.push_back(
				timerx_hist_bucket{.index = i, .resv = 0, .count = buckets_[i]});
	return h;
}

std::uint64_t LatencyRecorder::quantile_ns(double q) const noexcept
{
	if (count_ == 0)
		return 0;
	if (!(q >= 0.0)) /* also NaN */
		q = 0.0;
	if (q > 1.0)
		q = 1.0;
	/* The rank rule of Histogram::quantile_ns(), on the dense array (no allocation). */
	const double r = std::ceil(q * static_cast<double>(count_));
	std::uint64_t rank = 1;
	if (r >= static_cast<double>(count_))
		rank = count_;
	else if (r > 1.0)
		rank = static_cast<std::uint64_t>(r);

	std::uint32_t hit = TIMERX_HIST_BUCKETS - 1;
	std::uint64_t seen = 0;
	for (std::uint32_t i = 0; i < buckets_.size(); ++i) {
		seen += buckets_[i];
		if (seen >= rank) {
			hit = i;
			break;
		}
	}
	const std::uint64_t lo = Histogram::bucket_lower(hit, TIMERX_HIST_SUB_BITS);
	const std::uint64_t hi =
		Histogram::bucket_upper(hit, TIMERX_HIST_SUB_BITS, TIMERX_HIST_BUCKETS);
	/* The open-ended last bucket has no midpoint: its lower bound, raised to max. */
	const std::uint64_t v = hi == std::numeric_limits<std::uint64_t>::max()
					? std::max(lo, max_)
					: lo + (hi - lo) / 2;
	return std::clamp(v, min_, max_);
}

} // namespace timerx
