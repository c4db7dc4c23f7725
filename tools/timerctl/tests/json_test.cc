// SPDX-License-Identifier: MIT
/* The JSON writer: escaping, structure, numbers. */
#include "hist_render.hpp"
#include "test_util.hpp"
#include "tools_common.hpp"

#include <json_pretty.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <sstream>

using namespace timerctl;
using timerctl::test::parse_json;

TEST(Json, QuoteEscapes)
{
	EXPECT_EQ(json_quote("plain"), "\"plain\"");
	EXPECT_EQ(json_quote("a\"b"), "\"a\\\"b\"");
	EXPECT_EQ(json_quote("a\\b"), "\"a\\\\b\"");
	EXPECT_EQ(json_quote("l1\nl2\r\t"), "\"l1\\nl2\\r\\t\"");
	EXPECT_EQ(json_quote("\b\f"), "\"\\b\\f\"");
	EXPECT_EQ(json_quote(std::string("\x01\x1f\x7f", 3)), "\"\\u0001\\u001f\\u007f\"");
	EXPECT_EQ(json_quote(std::string("nul\0x", 5)), "\"nul\\u0000x\"");
	EXPECT_EQ(json_quote("/"), "\"/\"");
	/* UTF-8 passes, invalid bytes become U+FFFD. */
	EXPECT_EQ(json_quote("1.2\xc2\xb5s"), "\"1.2\xc2\xb5s\"");
	EXPECT_EQ(json_quote("bad\xff"), "\"bad\xef\xbf\xbd\"");
}

TEST(Json, QuotedStringsRoundTrip)
{
	static const char raw[] = "q\"b\\s/\n\t\x01 \xc2\xb5 end\0";
	const std::string nasty(raw, sizeof(raw) - 1);
	const auto v = parse_json(json_quote(nasty));
	ASSERT_EQ(v.type, test::Json::Type::string);
	EXPECT_EQ(v.str, nasty);
}

TEST(Json, WriterStructure)
{
	std::ostringstream s;
	JsonWriter w(s);
	w.begin_object();
	w.field("a", std::uint64_t{1});
	w.key("list").begin_array();
	w.value(std::uint64_t{1}).value("two").value(true).null();
	w.begin_object().end_object();
	w.begin_array().end_array();
	w.end_array();
	w.field("neg", std::int64_t{-5});
	w.field("opt", std::optional<std::uint32_t>{});
	w.field("opt2", std::optional<std::uint32_t>{7});
	w.end_object();
	EXPECT_TRUE(w.complete());
	EXPECT_EQ(s.str(), "{\"a\":1,\"list\":[1,\"two\",true,null,{},[]],\"neg\":-5,\"opt\":null,"
			   "\"opt2\":7}");
	const auto v = parse_json(s.str());
	EXPECT_EQ(v["list"].items.size(), 6U);
}

TEST(Json, Numbers)
{
	std::ostringstream s;
	JsonWriter w(s);
	w.begin_array();
	w.value(std::numeric_limits<std::uint64_t>::max());
	w.value(std::numeric_limits<std::int64_t>::min());
	w.value(0.5);
	w.value(1e-9);
	w.value(std::nan(""));
	w.value(std::numeric_limits<double>::infinity());
	w.end_array();
	EXPECT_EQ(s.str(), "[18446744073709551615,-9223372036854775808,0.5,1e-09,null,null]");
	EXPECT_NO_THROW(parse_json(s.str()));
}

TEST(Json, MisuseThrows)
{
	{
		std::ostringstream s;
		JsonWriter w(s);
		w.begin_object();
		EXPECT_THROW(w.value("no key"), std::logic_error);
	}
	{
		std::ostringstream s;
		JsonWriter w(s);
		w.begin_array();
		EXPECT_THROW(w.key("k"), std::logic_error);
		EXPECT_THROW(w.end_object(), std::logic_error);
	}
	{
		std::ostringstream s;
		JsonWriter w(s);
		w.value("one");
		EXPECT_THROW(w.value("two"), std::logic_error);
	}
	{
		std::ostringstream s;
		JsonWriter w(s);
		w.begin_object();
		EXPECT_FALSE(w.complete());
	}
}

TEST(Json, ParserRejectsInvalid)
{
	/* The checker the other tests rely on must be strict. */
	for (const char *bad : {"", "{", "{\"a\":1,}", "[1,]", "{'a':1}", "{\"a\":01}", "\"\x01\"",
				"[1] [2]", "{\"a\":1,\"a\":2}", "NaN", "\"\\x\""})
		EXPECT_THROW(parse_json(bad), std::runtime_error) << bad;
	EXPECT_THROW(parse_json("\"\xff\""), std::runtime_error);
}

TEST(Json, PrettyPrintsAsItStreams)
{
	std::ostringstream target;
	timerx_tools::JsonPrettyStream pretty(target);
	{
		JsonWriter w(pretty);
		w.begin_object();
		w.field("a", std::uint64_t{1});
		w.key("s").value("x{,}:[\"]\\");
		w.key("empty").begin_object().end_object();
		w.key("list")
			.begin_array()
			.value(true)
			.begin_array()
			.end_array()
			.null()
			.end_array();
		w.end_object();
	}
	pretty << '\n';
	pretty.flush();
	EXPECT_EQ(target.str(), "{\n"
				"    \"a\": 1,\n"
				"    \"s\": \"x{,}:[\\\"]\\\\\",\n"
				"    \"empty\": {},\n"
				"    \"list\": [\n"
				"        true,\n"
				"        [],\n"
				"        null\n"
				"    ]\n"
				"}\n");
	EXPECT_NO_THROW(parse_json(target.str()));
	/* JSON Lines stay lines of values: a second value starts at column 0. */
	JsonWriter(pretty).begin_array().value(std::uint64_t{2}).end_array();
	pretty << '\n';
	pretty.flush();
	EXPECT_EQ(target.str().substr(target.str().size() - 12), "}\n[\n    2\n]\n");
}

TEST(Json, LatenessSummaryIsOneShape)
{
	/* The module's histogram (status, list, show, hist) and userspace samples (latency). */
	const auto h = test::make_hist({1000, 2000, 3000});
	timerx::LatencyRecorder r;
	for (const std::int64_t v : {1000, 2000, 3000, -1})
		r.record(v);
	std::ostringstream a, b;
	{
		JsonWriter w(a);
		json_hist(w, h, false);
	}
	{
		JsonWriter w(b);
		json_lateness(w, summarize(r));
	}
	const auto ja = parse_json(a.str()), jb = parse_json(b.str());
	const std::vector<std::string> keys = {
		"count",  "early",  "sum_ns", "min_ns",  "mean_ns",  "avg_ns",   "max_ns",
		"p50_ns", "p90_ns", "p99_ns", "p999_ns", "p9999_ns", "quantiles"};
	EXPECT_EQ(ja.keys(), keys);
	EXPECT_EQ(jb.keys(), keys);
	EXPECT_EQ(ja["early"].u64(), 0U);
	EXPECT_EQ(jb["early"].u64(), 1U);
	EXPECT_EQ(ja["quantiles"].items.size(), timerx_tools::lateness_plot_quantiles.size());
	EXPECT_GE(ja["quantiles"][0][1].u64(), 1000U); /* q = 0: about the minimum */
	EXPECT_LE(ja["quantiles"][0][1].u64(), 1100U);
	EXPECT_EQ(jb["quantiles"][0][1].u64(), 0U); /* the early sample, as 0 */
	EXPECT_EQ(ja["mean_ns"].u64(), 2000U);
}

TEST(Json, ExactExtremesClampThePercentiles)
{
	timerx::LatencyRecorder r;
	for (int i = 0; i < 100; ++i)
		r.record(10000 + i);
	const auto s = timerx_tools::with_exact_extremes(timerx_tools::summarize(r), 10020, 10030.5,
							 10040);
	EXPECT_EQ(s.min_ns, 10020U);
	EXPECT_EQ(s.max_ns, 10040U);
	EXPECT_EQ(s.mean_ns, 10030.5);
	for (const std::uint64_t v :
	     {s.p50_ns, s.p99_ns, s.p9999_ns, s.plot_ns.front(), s.plot_ns.back()}) {
		EXPECT_GE(v, 10020U);
		EXPECT_LE(v, 10040U);
	}
}

TEST(Json, HistogramObject)
{
	const auto h = test::make_hist({1, 2, 3, 100, 1000, 5000000000ULL});
	std::ostringstream s;
	JsonWriter w(s);
	json_hist(w, h, true);
	const auto v = parse_json(s.str());
	for (const char *k : {"count", "sum_ns", "min_ns", "mean_ns", "max_ns", "p50_ns", "p90_ns",
			      "p99_ns", "p999_ns", "sub_bits", "nr_buckets"})
		EXPECT_TRUE(v[k].is_integer()) << k;
	EXPECT_EQ(v["count"].u64(), 6U);
	EXPECT_EQ(v["min_ns"].u64(), 1U);
	EXPECT_EQ(v["max_ns"].u64(), 5000000000ULL);
	const auto &b = v["buckets"];
	ASSERT_EQ(b.items.size(), h.buckets.size());
	for (std::size_t i = 0; i < b.items.size(); ++i) {
		EXPECT_EQ(b[i]["lower_ns"].u64(), test::uapi_bucket_lower(h.buckets[i].index));
		if (i + 1 < b.items.size()) {
			EXPECT_EQ(b[i]["upper_ns"].u64(),
				  test::uapi_bucket_upper(h.buckets[i].index));
		}
	}
	/* 5 s is past 2^32 ns: the open-ended last bucket has no upper bound. */
	EXPECT_EQ(b[b.items.size() - 1]["upper_ns"].type, test::Json::Type::null);
}
