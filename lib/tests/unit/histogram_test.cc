// SPDX-License-Identifier: MIT
/*
 * Histogram: bucket bounds against the kernel's bucket formula (written
 * here from the UAPI comment, as the module computes it), for every bucket
 * of several layouts; quantiles of known distributions within the 3.2%
 * the layout promises; mean and merge.
 */
#include <timerx/histogram.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <random>
#include <vector>

namespace {

using timerx::Histogram;

constexpr std::uint64_t u64_max = std::numeric_limits<std::uint64_t>::max();

/* Buckets of a layout with @sub_bits and values up to 2^@max_log2. */
std::uint32_t layout_buckets(std::uint32_t sub_bits, std::uint32_t max_log2)
{
	return (max_log2 - sub_bits + 1) * (1U << sub_bits) + 1;
}

/* The kernel's bucket of @v ("Lateness" in linux/timerx.h). */
std::uint32_t kernel_index(std::uint64_t v, std::uint32_t sub_bits, std::uint32_t max_log2)
{
	const std::uint32_t nr = layout_buckets(sub_bits, max_log2);
	if (max_log2 < 64 && v >= (std::uint64_t{1} << max_log2))
		return nr - 1;
	if (v < (std::uint64_t{1} << sub_bits))
		return static_cast<std::uint32_t>(v);
	const std::uint32_t e = 63U - static_cast<std::uint32_t>(__builtin_clzll(v));
	return (e - sub_bits + 1) * (1U << sub_bits) +
	       static_cast<std::uint32_t>((v >> (e - sub_bits)) & ((1U << sub_bits) - 1));
}

Histogram make(const std::vector<std::uint64_t> &samples,
	       std::uint32_t sub_bits = TIMERX_HIST_SUB_BITS,
	       std::uint32_t max_log2 = TIMERX_HIST_MAX_LOG2)
{
	Histogram h;
	h.sub_bits = sub_bits;
	h.nr_buckets = layout_buckets(sub_bits, max_log2);
	std::map<std::uint32_t, std::uint64_t> counts;
	for (std::uint64_t v : samples) {
		++counts[kernel_index(v, sub_bits, max_log2)];
		h.min_ns = h.count == 0 ? v : std::min(h.min_ns, v);
		h.max_ns = h.count == 0 ? v : std::max(h.max_ns, v);
		++h.count;
		h.sum_ns += v;
	}
	for (const auto &[index, count] : counts)
		h.buckets.push_back({index, 0, count});
	return h;
}

/* The exact q-quantile by the same rank rule: the ceil(q * n)-th smallest, at least the first. */
std::uint64_t exact_quantile(std::vector<std::uint64_t> samples, double q)
{
	std::sort(samples.begin(), samples.end());
	auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(samples.size())));
	rank = std::clamp<std::size_t>(rank, 1, samples.size());
	return samples[rank - 1];
}

TEST(Histogram, UapiLayout)
{
	EXPECT_EQ(465U, TIMERX_HIST_BUCKETS);
	EXPECT_EQ(TIMERX_HIST_BUCKETS, layout_buckets(TIMERX_HIST_SUB_BITS, TIMERX_HIST_MAX_LOG2));
	const Histogram h;
	EXPECT_EQ(static_cast<std::uint32_t>(TIMERX_HIST_SUB_BITS), h.sub_bits);
	EXPECT_EQ(static_cast<std::uint32_t>(TIMERX_HIST_BUCKETS), h.nr_buckets);
	EXPECT_EQ(16U, sizeof(timerx_hist_bucket));
}

/* Every bucket of several layouts: its bounds map back to it and tile the line. */
TEST(Histogram, EveryBucketRoundTrips)
{
	struct Layout {
		std::uint32_t sub_bits;
		std::uint32_t max_log2;
	};
	for (const Layout l :
	     {Layout{TIMERX_HIST_SUB_BITS, TIMERX_HIST_MAX_LOG2}, Layout{0, 32}, Layout{1, 32},
	      Layout{2, 40}, Layout{3, 20}, Layout{5, 32}, Layout{8, 32}, Layout{4, 63}}) {
		const std::uint32_t s = l.sub_bits;
		const std::uint32_t nr = layout_buckets(s, l.max_log2);
		SCOPED_TRACE(testing::Message() << "sub_bits " << s << " max_log2 " << l.max_log2);
		for (std::uint32_t b = 0; b + 1 < nr; ++b) {
			const std::uint64_t lo = Histogram::bucket_lower(b, s);
			const std::uint64_t hi = Histogram::bucket_upper(b, s, nr);
			ASSERT_LT(lo, hi) << b;
			ASSERT_EQ(b, kernel_index(lo, s, l.max_log2)) << "lower of " << b;
			ASSERT_EQ(b, kernel_index(hi - 1, s, l.max_log2)) << "upper of " << b;
			ASSERT_EQ(hi, Histogram::bucket_lower(b + 1, s)) << "gap after " << b;
			/* Relative width at most 1/2^S (one value wide below 2^S). */
			if (b >= (1U << s))
				ASSERT_LE(static_cast<double>(hi - lo) / static_cast<double>(lo),
					  1.0 / static_cast<double>(1U << s))
					<< b;
			else
				ASSERT_EQ(1U, hi - lo) << b;
		}
		/* The last bucket starts at 2^max_log2 and is open-ended. */
		EXPECT_EQ(std::uint64_t{1} << l.max_log2, Histogram::bucket_lower(nr - 1, s));
		EXPECT_EQ(u64_max, Histogram::bucket_upper(nr - 1, s, nr));
		EXPECT_EQ(nr - 1, kernel_index(std::uint64_t{1} << l.max_log2, s, l.max_log2));
		EXPECT_EQ(nr - 1, kernel_index(u64_max, s, l.max_log2));
	}
}

TEST(Histogram, UapiBucketBoundsByHand)
{
	/* S = 4: 0..15 are exact, then 16 buckets per power of two. */
	EXPECT_EQ(15U, Histogram::bucket_lower(15, 4));
	EXPECT_EQ(16U, Histogram::bucket_upper(15, 4, 465));
	EXPECT_EQ(16U, Histogram::bucket_lower(16, 4));
	EXPECT_EQ(17U, Histogram::bucket_upper(16, 4, 465));
	EXPECT_EQ(32U, Histogram::bucket_lower(32, 4));
	EXPECT_EQ(34U, Histogram::bucket_upper(32, 4, 465));
	/* 1 ms: e = 19, (19 - 4 + 1) * 16 + ((10^6 >> 15) & 15) = 256 + 14. */
	EXPECT_EQ(270U, kernel_index(1000000, 4, 32));
	const std::uint32_t b = kernel_index(1000000, 4, 32);
	EXPECT_LE(Histogram::bucket_lower(b, 4), 1000000U);
	EXPECT_GT(Histogram::bucket_upper(b, 4, 465), 1000000U);
	EXPECT_EQ(std::uint64_t{1} << 32, Histogram::bucket_lower(464, 4));
	EXPECT_EQ((std::uint64_t{1} << 32), Histogram::bucket_upper(463, 4, 465));
}

TEST(Histogram, BoundsNeverOverflow)
{
	/* e = 63, the top sub-bucket ends at 2^64: reported as UINT64_MAX, not 0. */
	const std::uint32_t top = (63U - 4U + 1U) * 16U + 15U;
	EXPECT_EQ((std::uint64_t{1} << 63) + (std::uint64_t{15} << 59),
		  Histogram::bucket_lower(top, 4));
	EXPECT_EQ(u64_max, Histogram::bucket_upper(top, 4, top + 2));
	/* Indices past any representable bound, and degenerate layouts. */
	EXPECT_EQ(u64_max, Histogram::bucket_lower(top + 1, 4));
	EXPECT_EQ(u64_max, Histogram::bucket_upper(top + 1, 4, top + 10));
	EXPECT_EQ(u64_max, Histogram::bucket_lower(UINT32_MAX, 4));
	EXPECT_EQ(u64_max, Histogram::bucket_upper(5, 4, 0));
	EXPECT_EQ(7U, Histogram::bucket_lower(7, 40));
	EXPECT_EQ(8U, Histogram::bucket_upper(7, 40, 100));
}

TEST(Histogram, EmptyHistogram)
{
	const Histogram h;
	EXPECT_EQ(0U, h.quantile_ns(0.5));
	EXPECT_EQ(0U, h.quantile_ns(1.0));
	EXPECT_EQ(0.0, h.mean_ns());
}

TEST(Histogram, SingleSample)
{
	for (std::uint64_t v : {0ULL, 1ULL, 15ULL, 16ULL, 1000ULL, 123456789ULL, 5000000000ULL}) {
		const Histogram h = make({v});
		for (double q : {0.0, 0.5, 1.0})
			EXPECT_EQ(v, h.quantile_ns(q)) << v << " q " << q;
		EXPECT_DOUBLE_EQ(static_cast<double>(v), h.mean_ns());
	}
}

TEST(Histogram, QuantileClampedToMinMax)
{
	/* All samples in one wide bucket: the midpoint lies outside [min, max]. */
	const Histogram h = make({1000000, 1000001, 1000002});
	ASSERT_EQ(1U, h.buckets.size());
	for (double q : {0.0, 0.3, 0.5, 0.99, 1.0}) {
		EXPECT_GE(h.quantile_ns(q), 1000000U);
		EXPECT_LE(h.quantile_ns(q), 1000002U);
	}
	/* Beyond 2^32 (open-ended bucket): the max. */
	const Histogram big = make({10, 6000000000ULL, 7000000000ULL});
	EXPECT_EQ(7000000000ULL, big.quantile_ns(1.0));
	EXPECT_EQ(10U, big.quantile_ns(0.0));
}

TEST(Histogram, QuantileArgumentOutOfRange)
{
	const Histogram h = make({1, 2, 3, 4});
	EXPECT_EQ(1U, h.quantile_ns(-1.0));
	EXPECT_EQ(1U, h.quantile_ns(std::nan("")));
	EXPECT_EQ(4U, h.quantile_ns(2.0));
	EXPECT_EQ(2U, h.quantile_ns(0.5)); /* rank ceil(2) = 2 */
	EXPECT_EQ(3U, h.quantile_ns(0.51));
}

void expect_quantiles_close(const std::vector<std::uint64_t> &samples, const char *what)
{
	const Histogram h = make(samples);
	for (double q : {0.0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 1.0}) {
		const double exact = static_cast<double>(exact_quantile(samples, q));
		const double est = static_cast<double>(h.quantile_ns(q));
		EXPECT_LE(std::fabs(est - exact), 0.032 * exact)
			<< what << " q " << q << ": exact " << exact << " estimate " << est;
	}
}

TEST(Histogram, QuantilesOfKnownDistributionsWithin3Percent)
{
	std::mt19937_64 rng(42);
	std::vector<std::uint64_t> uniform;
	std::uniform_int_distribution<std::uint64_t> u(0, 2000000);
	for (int i = 0; i < 100000; ++i)
		uniform.push_back(u(rng));
	expect_quantiles_close(uniform, "uniform 0..2ms");

	std::vector<std::uint64_t> expo;
	std::exponential_distribution<double> ex(1.0 / 50000.0);
	for (int i = 0; i < 100000; ++i)
		expo.push_back(static_cast<std::uint64_t>(ex(rng)));
	expect_quantiles_close(expo, "exponential, mean 50us");

	std::vector<std::uint64_t> lognormal;
	std::lognormal_distribution<double> ln(10.0, 2.0);
	for (int i = 0; i < 100000; ++i)
		lognormal.push_back(std::min<std::uint64_t>(static_cast<std::uint64_t>(ln(rng)),
							    4000000000ULL));
	expect_quantiles_close(lognormal, "log-normal");

	std::vector<std::uint64_t> bimodal;
	for (int i = 0; i < 9000; ++i)
		bimodal.push_back(2000 + static_cast<std::uint64_t>(i % 100));
	for (int i = 0; i < 1000; ++i)
		bimodal.push_back(3000000 + static_cast<std::uint64_t>(i) * 1000);
	expect_quantiles_close(bimodal, "bimodal");

	/* Every value 0..2^16 once: exhaustive over the small buckets and many wide ones. */
	std::vector<std::uint64_t> dense;
	for (std::uint64_t v = 0; v < 65536; ++v)
		dense.push_back(v);
	expect_quantiles_close(dense, "0..65535");
}

TEST(Histogram, Mean)
{
	const Histogram h = make({10, 20, 30, 40});
	EXPECT_DOUBLE_EQ(25.0, h.mean_ns());
}

TEST(Histogram, MergeIsTheHistogramOfBoth)
{
	std::vector<std::uint64_t> a{1, 5, 100, 1000, 1000000};
	std::vector<std::uint64_t> b{5, 6, 100, 50000, 6000000000ULL};
	Histogram ha = make(a);
	const Histogram hb = make(b);
	ASSERT_TRUE(ha.merge(hb).ok());
	std::vector<std::uint64_t> both = a;
	both.insert(both.end(), b.begin(), b.end());
	const Histogram want = make(both);
	EXPECT_EQ(want.count, ha.count);
	EXPECT_EQ(want.sum_ns, ha.sum_ns);
	EXPECT_EQ(want.min_ns, ha.min_ns);
	EXPECT_EQ(want.max_ns, ha.max_ns);
	ASSERT_EQ(want.buckets.size(), ha.buckets.size());
	for (std::size_t i = 0; i < want.buckets.size(); ++i) {
		EXPECT_EQ(want.buckets[i].index, ha.buckets[i].index);
		EXPECT_EQ(want.buckets[i].count, ha.buckets[i].count);
	}
	for (double q : {0.0, 0.5, 0.9, 1.0})
		EXPECT_EQ(want.quantile_ns(q), ha.quantile_ns(q));
}

TEST(Histogram, MergeWithEmpty)
{
	Histogram empty;
	const Histogram h = make({7, 9});
	ASSERT_TRUE(empty.merge(h).ok());
	EXPECT_EQ(7U, empty.min_ns);
	EXPECT_EQ(9U, empty.max_ns);
	EXPECT_EQ(2U, empty.count);
	Histogram h2 = make({7, 9});
	ASSERT_TRUE(h2.merge(Histogram{}).ok());
	EXPECT_EQ(7U, h2.min_ns);
	EXPECT_EQ(9U, h2.max_ns);
	EXPECT_EQ(2U, h2.count);
}

TEST(Histogram, MergeOfDifferentLayoutsIsEinval)
{
	Histogram a = make({1, 2, 3});
	const Histogram b = make({1, 2, 3}, 3, 32);
	EXPECT_EQ(timerx::Error{EINVAL}, a.merge(b).error());
	EXPECT_EQ(3U, a.count);
	EXPECT_EQ(3U, a.buckets.size());
	Histogram c = make({1}, 4, 31);
	EXPECT_EQ(timerx::Error{EINVAL}, c.merge(make({1})).error());
}

} // namespace
