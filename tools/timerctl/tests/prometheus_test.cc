// SPDX-License-Identifier: MIT
/* The Prometheus text format writer and the histogram exposition. */
#include "prometheus.hpp"
#include "test_util.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <sstream>

using namespace timerctl;
using test::check_exposition;
using test::lines;

TEST(Prometheus, LabelEscaping)
{
	EXPECT_EQ(prom_escape_label("plain"), "plain");
	EXPECT_EQ(prom_escape_label("a\"b"), "a\\\"b");
	EXPECT_EQ(prom_escape_label("a\\b"), "a\\\\b");
	EXPECT_EQ(prom_escape_label("a\nb"), "a\\nb");
	EXPECT_EQ(prom_escape_label("tab\tok"), "tab\tok");
	EXPECT_EQ(prom_escape_label("x\xff"), "x\xef\xbf\xbd");
}

TEST(Prometheus, Floats)
{
	EXPECT_EQ(prom_format_double(0), "0");
	EXPECT_EQ(prom_format_double(0.5), "0.5");
	EXPECT_EQ(prom_format_double(1e-9), "1e-09");
	EXPECT_EQ(prom_format_double(17 / 1e9), "1.7e-08");
	EXPECT_EQ(prom_format_double(std::numeric_limits<double>::infinity()), "+Inf");
	EXPECT_EQ(prom_format_double(-std::numeric_limits<double>::infinity()), "-Inf");
	EXPECT_EQ(prom_format_double(std::nan("")), "NaN");
}

TEST(Prometheus, FamiliesAndSamples)
{
	std::ostringstream s;
	PromWriter p(s);
	p.begin_family("timerx_x_total", PromWriter::Type::counter, "Help with \\ and\nnewline.");
	p.sample({}, std::uint64_t{3});
	p.sample({{"context", "1"}, {"comm", "we\"ird\\name\n"}}, std::uint64_t{4});
	p.begin_family("timerx_y", PromWriter::Type::gauge, "A gauge.");
	p.sample({{"a", "b"}}, 0.25);
	EXPECT_EQ(s.str(), "# HELP timerx_x_total Help with \\\\ and\\nnewline.\n"
			   "# TYPE timerx_x_total counter\n"
			   "timerx_x_total 3\n"
			   "timerx_x_total{context=\"1\",comm=\"we\\\"ird\\\\name\\n\"} 4\n"
			   "# HELP timerx_y A gauge.\n"
			   "# TYPE timerx_y gauge\n"
			   "timerx_y{a=\"b\"} 0.25\n");
	EXPECT_EQ(check_exposition(s.str()), "");
	EXPECT_THROW(p.begin_family("timerx_x_total", PromWriter::Type::counter, "again"),
		     std::logic_error);
}

TEST(Prometheus, SampleBeforeFamilyThrows)
{
	std::ostringstream s;
	PromWriter p(s);
	EXPECT_THROW(p.sample({}, std::uint64_t{1}), std::logic_error);
}

TEST(Prometheus, HistogramIsCumulativeAndEndsInInf)
{
	const auto h = test::make_hist({0, 0, 1, 5, 17, 17, 100, 1000, 1000, 65000, 5000000000ULL});
	std::ostringstream s;
	PromWriter p(s);
	p.begin_family("timerx_lateness_seconds", PromWriter::Type::histogram, "Lateness.");
	p.histogram({{"context", "7"}}, h);
	const std::string text = s.str();
	EXPECT_EQ(check_exposition(text), "") << text;

	const auto l = lines(text);
	/* One bucket line per non-empty bucket except the open-ended last, +Inf, sum, count. */
	ASSERT_EQ(l.size(), 2 + (h.buckets.size() - 1) + 1 + 2);
	std::uint64_t cumulative = 0;
	for (std::size_t i = 0; i + 1 < h.buckets.size(); ++i) {
		cumulative += h.buckets[i].count;
		char want[128];
		const double le =
			static_cast<double>(test::uapi_bucket_upper(h.buckets[i].index)) / 1e9;
		std::snprintf(want, sizeof(want),
			      "timerx_lateness_seconds_bucket{context=\"7\",le=\"%s\"} %llu",
			      prom_format_double(le).c_str(),
			      static_cast<unsigned long long>(cumulative));
		EXPECT_EQ(l[2 + i], want);
	}
	EXPECT_EQ(l[l.size() - 3], "timerx_lateness_seconds_bucket{context=\"7\",le=\"+Inf\"} 11");
	EXPECT_EQ(l[l.size() - 1], "timerx_lateness_seconds_count{context=\"7\"} 11");
	const std::string sum = l[l.size() - 2];
	ASSERT_EQ(sum.rfind("timerx_lateness_seconds_sum{context=\"7\"} ", 0), 0U) << sum;
	const double sum_s = std::stod(sum.substr(sum.rfind(' ') + 1));
	EXPECT_NEAR(sum_s, static_cast<double>(h.sum_ns) / 1e9, 1e-12);
}

TEST(Prometheus, InfIsTheBucketSumEvenWhenCountDisagrees)
{
	/* A snapshot can have count != the sum of the buckets (expirations in flight). */
	auto h = test::make_hist({10, 20, 30});
	h.count = 5;
	std::ostringstream s;
	PromWriter p(s);
	p.begin_family("timerx_lateness_seconds", PromWriter::Type::histogram, "Lateness.");
	p.histogram({}, h);
	EXPECT_EQ(check_exposition(s.str()), "") << s.str();
	EXPECT_NE(s.str().find("timerx_lateness_seconds_bucket{le=\"+Inf\"} 3\n"),
		  std::string::npos);
	EXPECT_NE(s.str().find("timerx_lateness_seconds_count 3\n"), std::string::npos);
}

TEST(Prometheus, EmptyHistogram)
{
	std::ostringstream s;
	PromWriter p(s);
	p.begin_family("timerx_lateness_seconds", PromWriter::Type::histogram, "Lateness.");
	p.histogram({}, timerx::Histogram{});
	EXPECT_EQ(s.str(), "# HELP timerx_lateness_seconds Lateness.\n"
			   "# TYPE timerx_lateness_seconds histogram\n"
			   "timerx_lateness_seconds_bucket{le=\"+Inf\"} 0\n"
			   "timerx_lateness_seconds_sum 0\n"
			   "timerx_lateness_seconds_count 0\n");
	EXPECT_EQ(check_exposition(s.str()), "");
}

TEST(Prometheus, CheckerCatchesProblems)
{
	const std::string head = "# HELP m h\n# TYPE m histogram\n";
	EXPECT_NE(check_exposition("m 1\n"), "");
	EXPECT_NE(check_exposition("# HELP m h\n# TYPE m gauge\nm{a=\"x} 1\n"), "");
	EXPECT_NE(check_exposition("# HELP m h\n# TYPE m gauge\nm 1\n# HELP m h\n# TYPE m gauge\n"),
		  "");
	EXPECT_NE(check_exposition(head + "m_bucket{le=\"1\"} 2\nm_bucket{le=\"2\"} 1\n"
					  "m_bucket{le=\"+Inf\"} 2\nm_sum 1\nm_count 2\n"),
		  "");
	EXPECT_NE(check_exposition(head + "m_bucket{le=\"+Inf\"} 2\nm_sum 1\nm_count 3\n"), "");
	EXPECT_NE(check_exposition(head + "m_bucket{le=\"1\"} 2\nm_sum 1\nm_count 2\n"), "");
	EXPECT_EQ(check_exposition(head + "m_bucket{le=\"1\"} 2\nm_bucket{le=\"+Inf\"} 2\n"
					  "m_sum 1\nm_count 2\n"),
		  "");
}
