// SPDX-License-Identifier: MIT
/* The terminal histogram and the percentile summary. */
#include "hist_render.hpp"
#include "test_util.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

using namespace timerctl;
using test::lines;

namespace {

std::size_t bar_length(const std::string &row)
{
	const auto first = row.find('#');
	if (first == std::string::npos)
		return 0;
	return row.find_first_not_of('#', first) - first;
}

} // namespace

TEST(Hist, SummaryIsOrdered)
{
	std::vector<std::uint64_t> v;
	for (std::uint64_t i = 1; i <= 10000; ++i)
		v.push_back(i * 37 % 100000 + 500);
	const auto h = test::make_hist(v);
	const LatenessSummary s = summarize(h);
	EXPECT_EQ(s.count, 10000U);
	EXPECT_LE(s.min_ns, s.p50_ns);
	EXPECT_LE(s.p50_ns, s.p90_ns);
	EXPECT_LE(s.p90_ns, s.p99_ns);
	EXPECT_LE(s.p99_ns, s.p999_ns);
	EXPECT_LE(s.p999_ns, s.max_ns);
	EXPECT_LE(static_cast<double>(s.min_ns), s.mean_ns);
	EXPECT_LE(s.mean_ns, static_cast<double>(s.max_ns));
}

TEST(Hist, EmptySummaryIsZero)
{
	const LatenessSummary s = summarize(timerx::Histogram{});
	EXPECT_EQ(s.count, 0U);
	EXPECT_EQ(s.max_ns, 0U);
	EXPECT_EQ(s.p99_ns, 0U);
	EXPECT_EQ(hist_one_line(timerx::Histogram{}), "no samples");
}

TEST(Hist, TextHasSummaryAndOneRowPerBucket)
{
	/* 1000 samples around 10 µs, a tail up to 2 ms, one past 4.29 s. */
	std::vector<std::uint64_t> v(1000, 10000);
	for (int i = 0; i < 50; ++i)
		v.push_back(20000);
	v.push_back(2000000);
	v.push_back(5000000000ULL);
	const auto h = test::make_hist(v);
	std::ostringstream s;
	render_hist_text(s, h, 40);
	const auto l = lines(s.str());
	ASSERT_GE(l.size(), 4U);
	EXPECT_EQ(l[0].rfind("count 1052  min 10.0µs", 0), 0U) << l[0];
	EXPECT_NE(l[0].find("max 5.00s"), std::string::npos) << l[0];
	for (const char *p : {"p50 ", "p90 ", "p99 ", "p99.9 "})
		EXPECT_NE(l[1].find(p), std::string::npos) << p;
	EXPECT_EQ(l[2], "");
	/* header, then one row per bucket */
	ASSERT_EQ(l.size(), 4 + h.buckets.size());
	EXPECT_NE(l[3].find("count"), std::string::npos);

	std::size_t longest = 0;
	for (std::size_t i = 0; i < h.buckets.size(); ++i) {
		const std::string &row = l[4 + i];
		const std::size_t bar = bar_length(row);
		EXPECT_GE(bar, 1U) << row; /* every non-empty bucket shows */
		longest = std::max(longest, bar);
		/* The count ends the row. */
		const std::string count = std::to_string(h.buckets[i].count);
		EXPECT_EQ(row.substr(row.size() - count.size()), count) << row;
		/* Human units in the range. */
		EXPECT_TRUE(row.find("µs") != std::string::npos ||
			    row.find("ms") != std::string::npos ||
			    row.find('s') != std::string::npos)
			<< row;
	}
	EXPECT_EQ(longest, 40U); /* the largest count gets the full width */
	EXPECT_EQ(bar_length(l[4]), 40U);
	/* The open-ended last bucket. */
	EXPECT_NE(l.back().find("inf"), std::string::npos) << l.back();
	/* Rows are aligned: the counts end in the same column. */
	for (std::size_t i = 4; i < l.size(); ++i)
		EXPECT_EQ(display_width(l[i]), display_width(l[3])) << l[i];
}

TEST(Hist, BarsScaleToTheLargestCount)
{
	std::vector<std::uint64_t> v(100, 1000);
	v.insert(v.end(), 50, 2000);
	v.insert(v.end(), 1, 4000);
	const auto h = test::make_hist(v);
	std::ostringstream s;
	render_hist_text(s, h, 20);
	const auto l = lines(s.str());
	ASSERT_EQ(l.size(), 4 + 3U);
	EXPECT_EQ(bar_length(l[4]), 20U);
	EXPECT_EQ(bar_length(l[5]), 10U);
	EXPECT_EQ(bar_length(l[6]), 1U); /* rounds to 0, shown as 1 */
}

TEST(Hist, RowsLimitGroupsAdjacentBucketsAndKeepsEveryCount)
{
	/* Samples in 100 different buckets, from 1 µs to about 4 s. */
	std::vector<std::uint64_t> v;
	for (int i = 0; i < 100; ++i)
		v.insert(v.end(), static_cast<std::size_t>(i + 1),
			 1000ULL + static_cast<std::uint64_t>(i) * 40000000ULL);
	const auto h = test::make_hist(v);
	ASSERT_GT(h.buckets.size(), 32U);

	std::ostringstream s;
	render_hist_text(s, h, 40, 32);
	const auto l = lines(s.str());
	ASSERT_EQ(l.size(), 4 + 32U); /* summary, blank, header, 32 rows */
	std::uint64_t total = 0;
	for (std::size_t i = 4; i < l.size(); ++i) {
		std::istringstream row(l[i]);
		std::string from, to, bar, count;
		row >> from >> to >> bar >> count;
		EXPECT_GE(bar_length(l[i]), 1U) << l[i];
		total += std::stoull(count);
	}
	EXPECT_EQ(total, h.count); /* grouping loses no sample */
	/* The percentile line is computed from every bucket, not from the rows. */
	std::ostringstream full;
	render_hist_text(full, h, 40, 0);
	EXPECT_EQ(lines(full.str())[1], l[1]);
	EXPECT_EQ(lines(full.str()).size(), 4 + h.buckets.size());
}

TEST(Hist, FewerBucketsThanRowsAreNotGrouped)
{
	const auto h = test::make_hist({1000, 2000, 4000});
	std::ostringstream a, b;
	render_hist_text(a, h, 40, 32);
	render_hist_text(b, h, 40, 0);
	EXPECT_EQ(a.str(), b.str());
}

TEST(Hist, EmptyText)
{
	std::ostringstream s;
	render_hist_text(s, timerx::Histogram{}, 40);
	EXPECT_EQ(s.str(), "count 0  (no samples)\n");
}

TEST(Hist, OneLine)
{
	const auto h = test::make_hist({1000, 2000, 3000});
	const std::string l = hist_one_line(h);
	EXPECT_NE(l.find("p50 "), std::string::npos);
	EXPECT_NE(l.find("p99.9 "), std::string::npos);
	EXPECT_NE(l.find("max 3.00µs"), std::string::npos) << l;
	EXPECT_NE(l.find("(3 samples)"), std::string::npos) << l;
}

TEST(Hist, LibraryBoundsMatchTheUapi)
{
	/* timerctl trusts Histogram::bucket_lower/upper for labels and ranges. */
	for (std::uint32_t b = 0; b < TIMERX_HIST_BUCKETS; ++b) {
		EXPECT_EQ(timerx::Histogram::bucket_lower(b, TIMERX_HIST_SUB_BITS),
			  test::uapi_bucket_lower(b))
			<< b;
		EXPECT_EQ(timerx::Histogram::bucket_upper(b, TIMERX_HIST_SUB_BITS,
							  TIMERX_HIST_BUCKETS),
			  test::uapi_bucket_upper(b))
			<< b;
	}
	EXPECT_EQ(test::uapi_bucket_of(15), 15U);
	EXPECT_EQ(test::uapi_bucket_of(16), 16U);
	EXPECT_EQ(test::uapi_bucket_of(1000), test::uapi_bucket_of(1023));
	EXPECT_EQ(test::uapi_bucket_lower(test::uapi_bucket_of(1000)), 992U);
}
