// SPDX-License-Identifier: MIT
/* Parsing of values and the human units timerctl prints. */
#include "durations.hpp"
#include "tools_common.hpp"
#include "units.hpp"

#include <gtest/gtest.h>

#include <limits>

using namespace timerctl;

TEST(Units, ParseU64)
{
	EXPECT_EQ(parse_u64("0"), 0U);
	EXPECT_EQ(parse_u64("42"), 42U);
	EXPECT_EQ(parse_u64("18446744073709551615"), std::numeric_limits<std::uint64_t>::max());
	EXPECT_FALSE(parse_u64("18446744073709551616"));
	EXPECT_FALSE(parse_u64("99999999999999999999"));
	EXPECT_FALSE(parse_u64(""));
	EXPECT_FALSE(parse_u64("-1"));
	EXPECT_FALSE(parse_u64("+1"));
	EXPECT_FALSE(parse_u64(" 1"));
	EXPECT_FALSE(parse_u64("1 "));
	EXPECT_FALSE(parse_u64("0x10"));
	EXPECT_FALSE(parse_u64("1k"));
}

TEST(Units, ParseU32)
{
	EXPECT_EQ(parse_u32("4294967295"), 4294967295U);
	EXPECT_FALSE(parse_u32("4294967296"));
	EXPECT_FALSE(parse_u32("abc"));
}

TEST(Units, ParseBool)
{
	for (const char *t : {"on", "1", "true", "yes", "ON", "True"})
		EXPECT_EQ(parse_bool(t), true) << t;
	for (const char *f : {"off", "0", "false", "no", "OFF"})
		EXPECT_EQ(parse_bool(f), false) << f;
	for (const char *bad : {"", "2", "maybe", "o", "onn"})
		EXPECT_FALSE(parse_bool(bad)) << bad;
}

TEST(Units, DurationsInNanoseconds)
{
	EXPECT_EQ(parse_duration("0", 1, 1), 0U);
	EXPECT_EQ(parse_duration("100000", 1, 1), 100000U);
	EXPECT_EQ(parse_duration("250ns", 1, 1), 250U);
	EXPECT_EQ(parse_duration("50us", 1, 1), 50000U);
	EXPECT_EQ(parse_duration("50\xc2\xb5s", 1, 1), 50000U); /* µs */
	EXPECT_EQ(parse_duration("1ms", 1, 1), 1000000U);
	EXPECT_EQ(parse_duration("1.5ms", 1, 1), 1500000U);
	EXPECT_EQ(parse_duration("0.001s", 1, 1), 1000000U);
	EXPECT_EQ(parse_duration("2s", 1, 1), 2000000000U);
	EXPECT_EQ(parse_duration("10s", 1, 1), 10000000000U);
	EXPECT_EQ(parse_duration("1.000000001s", 1, 1), 1000000001U);
}

TEST(Units, DurationsRejected)
{
	for (const char *bad : {"", "ms", "1.5ns", "1.ms", ".5ms", "1 ms", "-1ms", "1msec", "1m",
				"1h", "5 ", "1e3", "0x10", "1.0000000000000000001s"})
		EXPECT_FALSE(parse_duration(bad, 1, 1)) << bad;
	/* Above UINT64_MAX ns. */
	EXPECT_FALSE(parse_duration("18446744074s", 1, 1));
	EXPECT_FALSE(parse_duration("18446744073709551616", 1, 1));
}

TEST(Units, DurationsInMilliseconds)
{
	EXPECT_EQ(parse_duration("1000", ns_per_ms, ns_per_ms), 1000U);
	EXPECT_EQ(parse_duration("1s", ns_per_ms, ns_per_ms), 1000U);
	EXPECT_FALSE(parse_duration("2500us", ns_per_ms, ns_per_ms));
	EXPECT_EQ(parse_duration("3000us", ns_per_ms, ns_per_ms), 3U);
	EXPECT_FALSE(parse_duration("1500us", ns_per_ms, ns_per_ms)); /* not whole ms */
	EXPECT_FALSE(parse_duration("1ns", ns_per_ms, ns_per_ms));
	/* Seconds as the default unit (monitor --timeout). */
	EXPECT_EQ(parse_duration("20", ns_per_s, ns_per_ms), 20000U);
	EXPECT_EQ(parse_duration("0.5", ns_per_s, ns_per_ms), 500U);
	EXPECT_EQ(parse_duration("250ms", ns_per_s, ns_per_ms), 250U);
}

TEST(Units, ObjectRefs)
{
	auto r = parse_object_ref("3");
	ASSERT_TRUE(r);
	EXPECT_EQ(r->ctx_id, 3U);
	EXPECT_FALSE(r->timer_id);
	r = parse_object_ref("3:17");
	ASSERT_TRUE(r);
	EXPECT_EQ(r->ctx_id, 3U);
	EXPECT_EQ(r->timer_id, 17U);
	for (const char *bad : {"", ":", "3:", ":4", "a", "3:x", "3:4:5", "-1", "4294967296"})
		EXPECT_FALSE(parse_object_ref(bad)) << bad;
}

TEST(Units, FormatDuration)
{
	EXPECT_EQ(format_duration_ns(0), "0ns");
	EXPECT_EQ(format_duration_ns(999), "999ns");
	EXPECT_EQ(format_duration_ns(1000), "1.00µs");
	EXPECT_EQ(format_duration_ns(1234), "1.23µs");
	EXPECT_EQ(format_duration_ns(12345), "12.3µs");
	EXPECT_EQ(format_duration_ns(123456), "123µs");
	EXPECT_EQ(format_duration_ns(999400), "999µs");
	EXPECT_EQ(format_duration_ns(999600), "1.00ms"); /* not "1000µs" */
	EXPECT_EQ(format_duration_ns(1500000), "1.50ms");
	EXPECT_EQ(format_duration_ns(1000000000), "1.00s");
	EXPECT_EQ(format_duration_ns(4294967296), "4.29s");
	EXPECT_EQ(format_duration_ns(1000000000000), "1000s");
	EXPECT_EQ(format_signed_duration_ns(-1500000), "-1.50ms");
	EXPECT_EQ(format_signed_duration_ns(std::numeric_limits<std::int64_t>::min()).substr(0, 1),
		  "-");
}

TEST(Units, SanitizeUtf8)
{
	EXPECT_EQ(sanitize_utf8("plain"), "plain");
	EXPECT_EQ(sanitize_utf8("\xc2\xb5s"), "\xc2\xb5s");
	EXPECT_EQ(sanitize_utf8("a\xff"
				"b"),
		  "a\xef\xbf\xbd"
		  "b");
	/* Overlong '/', a lone continuation byte, a surrogate, a truncated sequence. */
	EXPECT_EQ(sanitize_utf8("\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd");
	EXPECT_EQ(sanitize_utf8("\x80"), "\xef\xbf\xbd");
	EXPECT_EQ(sanitize_utf8("\xed\xa0\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	EXPECT_EQ(sanitize_utf8("\xe2\x82"), "\xef\xbf\xbd\xef\xbf\xbd");
	EXPECT_EQ(display_width("1.00\xc2\xb5s"), 6U);
}
