// SPDX-License-Identifier: MIT
/* The JSON writer: escaping, structure, numbers. */
#include "output.hpp"
#include "test_util.hpp"

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
