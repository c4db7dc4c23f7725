// SPDX-License-Identifier: MIT
/*
 * SIGINT and SIGTERM as a request to stop, for the commands that run until
 * told (monitor, latency): while a StopSignals lives, either signal sets
 * stop_signal() and interrupts a blocking call (no SA_RESTART: it returns
 * EINTR), and the loop ends and prints what it has. The old handlers come
 * back when it goes.
 */
#ifndef TIMERCTL_STOP_SIGNALS_HPP
#define TIMERCTL_STOP_SIGNALS_HPP

#include <signal.h>

namespace timerctl {

class StopSignals {
public:
	StopSignals();
	~StopSignals();
	StopSignals(const StopSignals &) = delete;
	StopSignals &operator=(const StopSignals &) = delete;

	/* The signal that asked to stop, 0 while none did. */
	[[nodiscard]] static int stop_signal() noexcept;

private:
	struct sigaction old_int_ {};
	struct sigaction old_term_ {};
};

} // namespace timerctl

#endif /* TIMERCTL_STOP_SIGNALS_HPP */
