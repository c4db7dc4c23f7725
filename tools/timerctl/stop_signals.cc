// SPDX-License-Identifier: MIT
/* SIGINT/SIGTERM as a request to stop (stop_signals.hpp). */
#include "stop_signals.hpp"

namespace timerctl {

namespace {

volatile sig_atomic_t caught = 0;

void on_signal(int sig)
{
	caught = sig;
}

} // namespace

StopSignals::StopSignals()
{
	caught = 0;
	struct sigaction sa {};
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int_);
	sigaction(SIGTERM, &sa, &old_term_);
}

StopSignals::~StopSignals()
{
	sigaction(SIGINT, &old_int_, nullptr);
	sigaction(SIGTERM, &old_term_, nullptr);
}

int StopSignals::stop_signal() noexcept
{
	return caught;
}

} // namespace timerctl
