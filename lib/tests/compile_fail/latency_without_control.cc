// SPDX-License-Identifier: MIT
/*
 * The data path's latency header does not bring the control plane's types
 * along (netlink-shaped ContextStatus, Control ...): only Histogram.
 * Built by compile-fail.sh: as it is (must build), and with each case
 * (must not).
 */
#include <timerx/latency.hpp>

int main()
{
	timerx::LatencyRecorder r;
	r.record(5);
#if TIMERX_COMPILE_FAIL == 1
	timerx::ContextStatus status;
	return static_cast<int>(status.ctx_id);
#elif TIMERX_COMPILE_FAIL == 2
	timerx::Control control;
	return control.is_open() ? 0 : 1;
#else
	return r.histogram().count == 1 ? 0 : 1;
#endif
}
