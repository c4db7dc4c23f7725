// SPDX-License-Identifier: MIT
#include "units.hpp"

#include <cctype>
#include <limits>
#include <string>

namespace timerctl {

namespace {
__extension__ typedef unsigned __int128 u128; /* exact arithmetic, no overflow */
} // namespace

std::optional<std::uint64_t> parse_u64(std::string_view s)
{
	if (s.empty() || s.size() > 20)
		return std::nullopt;
	u128 v = 0;
	for (char c : s) {
		if (c < '0' || c > '9')
			return std::nullopt;
		v = v * 10 + static_cast<unsigned>(c - '0');
	}
	if (v > std::numeric_limits<std::uint64_t>::max())
		return std::nullopt;
	return static_cast<std::uint64_t>(v);
}

std::optional<std::uint32_t> parse_u32(std::string_view s)
{
	auto v = parse_u64(s);
	if (!v || *v > std::numeric_limits<std::uint32_t>::max())
		return std::nullopt;
	return static_cast<std::uint32_t>(*v);
}

std::optional<bool> parse_bool(std::string_view s)
{
	std::string l;
	for (char c : s)
		l += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
	if (l == "on" || l == "1" || l == "true" || l == "yes")
		return true;
	if (l == "off" || l == "0" || l == "false" || l == "no")
		return false;
	return std::nullopt;
}

std::optional<std::uint64_t> parse_duration(std::string_view s, std::uint64_t default_unit_ns,
					    std::uint64_t result_unit_ns)
{
	std::size_t i = 0;
	while (i < s.size() && s[i] >= '0' && s[i] <= '9')
		++i;
	const std::string_view int_part = s.substr(0, i);
	std::string_view frac_part;
	if (i < s.size() && s[i] == '.') {
		const std::size_t start = ++i;
		while (i < s.size() && s[i] >= '0' && s[i] <= '9')
			++i;
		frac_part = s.substr(start, i - start);
		if (frac_part.empty())
			return std::nullopt;
	}
	if (int_part.empty())
		return std::nullopt;
	const std::string_view unit = s.substr(i);
	std::uint64_t unit_ns = 0;
	if (unit.empty())
		unit_ns = default_unit_ns;
	else if (unit == "ns")
		unit_ns = 1;
	else if (unit == "us" || unit == "\xc2\xb5s" /* µs */)
		unit_ns = ns_per_us;
	else if (unit == "ms")
		unit_ns = ns_per_ms;
	else if (unit == "s")
		unit_ns = ns_per_s;
	else
		return std::nullopt;
	if (unit_ns == 0 || result_unit_ns == 0)
		return std::nullopt;

	const auto whole = parse_u64(int_part);
	if (!whole || frac_part.size() > 18)
		return std::nullopt;
	u128 ns = static_cast<u128>(*whole) * unit_ns;
	if (!frac_part.empty()) {
		const auto frac = parse_u64(frac_part);
		u128 scale = 1;
		for (std::size_t k = 0; k < frac_part.size(); ++k)
			scale *= 10;
		const u128 f = static_cast<u128>(*frac) * unit_ns;
		if (f % scale != 0)
			return std::nullopt; /* not a whole number of ns */
		ns += f / scale;
	}
	if (ns % result_unit_ns != 0)
		return std::nullopt;
	const u128 v = ns / result_unit_ns;
	if (v > std::numeric_limits<std::uint64_t>::max())
		return std::nullopt;
	return static_cast<std::uint64_t>(v);
}

std::optional<ObjectRef> parse_object_ref(std::string_view s)
{
	ObjectRef r;
	const std::size_t colon = s.find(':');
	const auto ctx = parse_u32(s.substr(0, colon));
	if (!ctx)
		return std::nullopt;
	r.ctx_id = *ctx;
	if (colon != std::string_view::npos) {
		const auto timer = parse_u32(s.substr(colon + 1));
		if (!timer)
			return std::nullopt;
		r.timer_id = *timer;
	}
	return r;
}

} // namespace timerctl
