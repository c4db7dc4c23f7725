// SPDX-License-Identifier: MIT
#include "durations.hpp"

#include <cstdio>
#include <string>

namespace timerctl {

namespace {

/* @x (>= 1) with three significant digits. */
std::string three_digits(double x, const char *unit)
{
	char buf[48];
	if (x < 9.995)
		std::snprintf(buf, sizeof(buf), "%.2f%s", x, unit);
	else if (x < 99.95)
		std::snprintf(buf, sizeof(buf), "%.1f%s", x, unit);
	else
		std::snprintf(buf, sizeof(buf), "%.0f%s", x, unit);
	return buf;
}

} // namespace

std::string format_duration_ns(std::uint64_t ns)
{
	struct Unit {
		double scale;
		const char *name;
	};
	static constexpr Unit units[] = {{1e3, "µs"}, {1e6, "ms"}, {1e9, "s"}};
	if (ns < 1000)
		return std::to_string(ns) + "ns";
	const auto v = static_cast<double>(ns);
	for (std::size_t i = 0; i < std::size(units); ++i) {
		const bool last = i + 1 == std::size(units);
		/* 999.7µs prints as 1.00ms, not 1000µs. */
		if (last || v < units[i + 1].scale * 0.9995)
			return three_digits(v / units[i].scale, units[i].name);
	}
	return {}; /* not reached */
}

std::string format_signed_duration_ns(std::int64_t ns)
{
	if (ns >= 0)
		return format_duration_ns(static_cast<std::uint64_t>(ns));
	/* -(INT64_MIN) does not fit: go through the unsigned magnitude. */
	return "-" + format_duration_ns(0 - static_cast<std::uint64_t>(ns));
}

std::string format_count(std::uint64_t n)
{
	return std::to_string(n);
}

} // namespace timerctl
