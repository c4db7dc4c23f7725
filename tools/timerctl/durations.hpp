// SPDX-License-Identifier: MIT
/*
 * Durations for people: 850ns, 12.3µs, 1.25ms, 2.50s.
 */
#ifndef TIMERCTL_DURATIONS_HPP
#define TIMERCTL_DURATIONS_HPP

#include <cstdint>
#include <string>

namespace timerctl {

/* 850ns, 12.3µs, 1.25ms, 2.50s: three significant digits. */
std::string format_duration_ns(std::uint64_t ns);
/* The same for a signed value ("-1.20ms"). */
std::string format_signed_duration_ns(std::int64_t ns);
/* A count with thousands grouping off: plain decimal. */
std::string format_count(std::uint64_t n);

} // namespace timerctl

#endif /* TIMERCTL_DURATIONS_HPP */
