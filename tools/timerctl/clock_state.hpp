// SPDX-License-Identifier: MIT
/*
 * The system clock's discipline as adjtimex(2) reports it (read-only:
 * modes 0): whether NTP/PTP keeps it synchronised, its estimated and
 * maximum error, and the kernel's TAI offset. CLOCK_TAI is CLOCK_REALTIME
 * plus that offset: while it is 0 (nothing set it: chronyd's leapsectz,
 * ptp4l/phc2sys, ntpd with a leap-seconds file), CLOCK_TAI timers fire
 * 37 s away from fleet-aligned TAI.
 */
#ifndef TIMERCTL_CLOCK_STATE_HPP
#define TIMERCTL_CLOCK_STATE_HPP

#include <cstdint>
#include <optional>
#include <string>

namespace timerctl {

struct ClockState {
	int state = 0;            /* adjtimex's return: TIME_OK ... TIME_ERROR */
	std::uint32_t status = 0; /* STA_* */
	std::int64_t esterror_ns = 0;
	std::int64_t maxerror_ns = 0;
	std::int32_t tai_offset_s = 0;

	/* Neither STA_UNSYNC nor TIME_ERROR. */
	[[nodiscard]] bool synchronised() const noexcept;
};

/* adjtimex(2) now; nullopt when the call fails. */
std::optional<ClockState> read_clock_state();

/* "ok", "insert", "delete", "oop", "wait", "error". */
std::string clock_state_name(int state);

} // namespace timerctl

#endif /* TIMERCTL_CLOCK_STATE_HPP */
