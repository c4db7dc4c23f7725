// SPDX-License-Identifier: MIT
/*
 * timerctl: parsing of command-line values (numbers, booleans, durations
 * with units). Strict: no sign, no spaces, nothing left over.
 */
#ifndef TIMERCTL_UNITS_HPP
#define TIMERCTL_UNITS_HPP

#include <cstdint>
#include <optional>
#include <string_view>

namespace timerctl {

inline constexpr std::uint64_t ns_per_us = 1000;
inline constexpr std::uint64_t ns_per_ms = 1000 * ns_per_us;
inline constexpr std::uint64_t ns_per_s = 1000 * ns_per_ms;

/* Decimal digits only. */
std::optional<std::uint64_t> parse_u64(std::string_view s);
std::optional<std::uint32_t> parse_u32(std::string_view s);

/* on/off, 1/0, true/false, yes/no (any case). */
std::optional<bool> parse_bool(std::string_view s);

/*
 * DIGITS[.DIGITS][UNIT] with UNIT one of ns, us, µs, ms, s (none:
 * @default_unit_ns), as a whole number of @result_unit_ns: "1.5ms" with
 * result unit 1 ns is 1500000; "1.5ns" or "1500us" in ms is rejected
 * (not whole), as is anything above UINT64_MAX.
 */
std::optional<std::uint64_t> parse_duration(std::string_view s, std::uint64_t default_unit_ns,
					    std::uint64_t result_unit_ns);

/* CTX or CTX:TIMER. */
struct ObjectRef {
	std::uint32_t ctx_id = 0;
	std::optional<std::uint32_t> timer_id;
};
std::optional<ObjectRef> parse_object_ref(std::string_view s);

} // namespace timerctl

#endif /* TIMERCTL_UNITS_HPP */
