// SPDX-License-Identifier: MIT
#include "clock_state.hpp"

#include <sys/timex.h>

namespace timerctl {

bool ClockState::synchronised() const noexcept
{
	return state != TIME_ERROR && (status & STA_UNSYNC) == 0;
}

std::optional<ClockState> read_clock_state()
{
	timex tx{};
	tx.modes = 0; /* read only: needs no privilege */
	const int state = adjtimex(&tx);
	if (state < 0)
		return std::nullopt;
	ClockState c;
	c.state = state;
	c.status = static_cast<std::uint32_t>(tx.status);
	/* Both in microseconds. */
	c.esterror_ns = static_cast<std::int64_t>(tx.esterror) * 1000;
	c.maxerror_ns = static_cast<std::int64_t>(tx.maxerror) * 1000;
	c.tai_offset_s = tx.tai;
	return c;
}

std::string clock_state_name(int state)
{
	switch (state) {
	case TIME_OK:
		return "ok";
	case TIME_INS:
		return "insert";
	case TIME_DEL:
		return "delete";
	case TIME_OOP:
		return "oop";
	case TIME_WAIT:
		return "wait";
	case TIME_ERROR:
		return "error";
	default:
		return "state" + std::to_string(state);
	}
}

} // namespace timerctl
