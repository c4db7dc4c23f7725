// SPDX-License-Identifier: MIT
/*
 * Lateness histograms: the bucket bounds of the log-linear layout in
 * <linux/timerx.h> ("Lateness"), and what can be read from them.
 */
#include <timerx/histogram.hpp>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <limits>
#include <new>

namespace timerx {

namespace {

constexpr std::uint64_t u64_max = std::numeric_limits<std::uint64_t>::max();

} // namespace

std::uint64_t Histogram::bucket_lower(std::uint32_t index, std::uint32_t sub_bits) noexcept
{
	/* Below 2^S a bucket is one value wide (and S >= 32 covers every index). */
	if (sub_bits >= 32 || index < (1U << sub_bits))
		return index;
	const std::uint32_t e = (index >> sub_bits) + sub_bits - 1;
	if (e > 63)
		return u64_max; /* beyond any layout the kernel can have */
	const std::uint64_t sub = index & ((1U << sub_bits) - 1);
	return (std::uint64_t{1} << e) + (sub << (e - sub_bits));
}

std::uint64_t Histogram::bucket_upper(std::uint32_t index, std::uint32_t sub_bits,
				      std::uint32_t nr_buckets) noexcept
{
	if (nr_buckets == 0 || index >= nr_buckets - 1)
		return u64_max; /* the last bucket takes everything above */
	if (sub_bits >= 32 || index < (1U << sub_bits))
		return std::uint64_t{index} + 1;
	const std::uint32_t e = (index >> sub_bits) + sub_bits - 1;
	const std::uint64_t lo = bucket_lower(index, sub_bits);
	if (e > 63 || lo == u64_max)
		return u64_max;
	const std::uint64_t width = std::uint64_t{1} << (e - sub_bits);
	/* The top bucket of e = 63 ends at 2^64. */
	return lo > u64_max - width ? u64_max : lo + width;
}

double Histogram::mean_ns() const noexcept
{
	return count == 0 ? 0.0 : static_cast<double>(sum_ns) / static_cast<double>(count);
}

std::uint64_t Histogram::quantile_ns(double q) const noexcept
{
	/*
	 * The rank is taken over the buckets' own total: count is read
	 * separately from them and can be off by the samples in flight.
	 */
	std::uint64_t total = 0;
	for (const timerx_hist_bucket &b : buckets)
		total += b.count;
	if (total == 0)
		return 0;
	if (!(q >= 0.0)) /* also NaN */
		q = 0.0;
	if (q > 1.0)
		q = 1.0;
	const double r = std::ceil(q * static_cast<double>(total));
	std::uint64_t rank = 1;
	if (r >= static_cast<double>(total))
		rank = total;
	else if (r > 1.0)
		rank = static_cast<std::uint64_t>(r);

	std::uint64_t seen = 0;
	const timerx_hist_bucket *hit = &buckets.back();
	for (const timerx_hist_bucket &b : buckets) {
		seen += b.count;
		if (seen >= rank) {
			hit = &b;
			break;
		}
	}
	const std::uint64_t lo = bucket_lower(hit->index, sub_bits);
	const std::uint64_t hi = bucket_upper(hit->index, sub_bits, nr_buckets);
	/* The open-ended last bucket has no midpoint: its lower bound, raised to max below. */
	std::uint64_t v = hi == u64_max ? std::max(lo, max_ns) : lo + (hi - lo) / 2;
	if (count > 0 && min_ns <= max_ns)
		v = std::clamp(v, min_ns, max_ns);
	return v;
}

Result<void> Histogram::merge(const Histogram &other) noexcept
{
	if (other.sub_bits != sub_bits || other.nr_buckets != nr_buckets)
		return Error{EINVAL};
	try {
		std::vector<timerx_hist_bucket> merged;
		merged.reserve(buckets.size() + other.buckets.size());
		auto a = buckets.begin();
		auto b = other.buckets.begin();
		while (a != buckets.end() || b != other.buckets.end()) {
			if (b == other.buckets.end() ||
			    (a != buckets.end() && a->index < b->index)) {
				merged.push_back(*a++);
			} else if (a == buckets.end() || b->index < a->index) {
				merged.push_back(*b++);
			} else {
				timerx_hist_bucket m = *a++;
				m.count += b++->count;
				merged.push_back(m);
			}
		}
		buckets = std::move(merged);
	} catch (const std::bad_alloc &) {
		return Error{ENOMEM};
	}
	if (other.count > 0) {
		min_ns = count == 0 ? other.min_ns : std::min(min_ns, other.min_ns);
		max_ns = count == 0 ? other.max_ns : std::max(max_ns, other.max_ns);
	}
	count += other.count;
	sum_ns += other.sum_ns;
	return {};
}

} // namespace timerx
