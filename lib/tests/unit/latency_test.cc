// SPDX-License-Identifier: MIT
/*
 * LatencyRecorder: its buckets are the module's (checked against the
 * Histogram bounds for every bucket), its quantiles equal Histogram's for
 * the same samples, negative samples are counted, merge adds.
 */
#include <timerx/latency.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

namespace {

using timerx::Histogram;
using timerx::LatencyRecorder;
using timerx::lateness_bucket;

TEST(LatencyBucket, EveryBucketHoldsItsBounds)
{
	for (std::uint32_t i = 0; i + 1 < TIMERX_HIST_BUCKETS; ++i) {
		const std::uint64_t lo = Histogram::bucket_lower(i, TIMERX_HIST_SUB_BITS);
		const std::uint64_t hi =
			Histogram::bucket_upper(i, TIMERX_HIST_SUB_BITS, TIMERX_HIST_BUCKETS);
		ASSERT_EQ(lateness_bucket(lo), i) << "lower bound of " << i;
		ASSERT_EQ(lateness_bucket(hi - 1), i) << "upper bound of " << i;
	}
	EXPECT_EQ(lateness_bucket(std::uint64_t{1} << TIMERX_HIST_MAX_LOG2),
		  TIMERX_HIST_BUCKETS - 1);
	EXPECT_EQ(lateness_bucket(UINT64_MAX), TIMERX_HIST_BUCKETS - 1);
	static_assert(lateness_bucket(0) == 0 && lateness_bucket(15) == 15 &&
		      lateness_bucket(16) == 16 && lateness_bucket(1000) == 6 * 16 + 15);
}

TEST(LatencyRecorder, EmptyReadsZero)
{
	const LatencyRecorder r;
	EXPECT_EQ(r.count(), 0U);
	EXPECT_EQ(r.min_ns(), 0U);
	EXPECT_EQ(r.max_ns(), 0U);
	EXPECT_EQ(r.mean_ns(), 0.0);
	EXPECT_EQ(r.quantile_ns(0.99), 0U);
	EXPECT_TRUE(r.histogram().buckets.empty());
}

TEST(LatencyRecorder, QuantilesMatchHistogram)
{
	std::mt19937_64 rng(7);
	std::lognormal_distribution<double> dist(9.0, 1.5);
	LatencyRecorder r;
	for (int i = 0; i < 100000; ++i)
		r.record(static_cast<std::int64_t>(dist(rng)));
	const Histogram h = r.histogram();
	ASSERT_EQ(h.count, 100000U);
	for (double q : {0.0, 0.001, 0.1, 0.5, 0.9, 0.99, 0.999, 0.9999, 1.0})
		EXPECT_EQ(r.quantile_ns(q), h.quantile_ns(q)) << "q=" << q;
	/* Quantiles are bucket midpoints: the extremes land in min's and max's buckets. */
	EXPECT_EQ(lateness_bucket(r.quantile_ns(0.0)), lateness_bucket(r.min_ns()));
	EXPECT_EQ(lateness_bucket(r.quantile_ns(1.0)), lateness_bucket(r.max_ns()));
	EXPECT_DOUBLE_EQ(r.mean_ns(), h.mean_ns());
}

TEST(LatencyRecorder, NegativeSamplesAreCountedAsEarly)
{
	LatencyRecorder r;
	r.record(-5);
	r.record(100);
	EXPECT_EQ(r.early(), 1U);
	EXPECT_EQ(r.count(), 2U);
	EXPECT_EQ(r.min_ns(), 0U);
	EXPECT_EQ(r.bucket_count(0), 1U);
}

TEST(LatencyRecorder, MergeAddsAndResetEmpties)
{
	LatencyRecorder a, b;
	a.record(10);
	a.record(5000);
	b.record(3);
	b.record(1 << 20);
	a.merge(b);
	EXPECT_EQ(a.count(), 4U);
	EXPECT_EQ(a.min_ns(), 3U);
	EXPECT_EQ(a.max_ns(), 1U << 20);
	EXPECT_EQ(a.sum_ns(), 10U + 5000U + 3U + (1U << 20));
	EXPECT_EQ(a.bucket_count(lateness_bucket(5000)), 1U);
	a.reset();
	EXPECT_EQ(a.count(), 0U);
	EXPECT_EQ(a.min_ns(), 0U);
}

TEST(LatencyRecorder, OverflowBucketReportsMax)
{
	LatencyRecorder r;
	r.record(std::int64_t{10} << 32);
	EXPECT_EQ(r.bucket_count(TIMERX_HIST_BUCKETS - 1), 1U);
	EXPECT_EQ(r.quantile_ns(0.5), std::uint64_t{10} << 32);
}

} // namespace
