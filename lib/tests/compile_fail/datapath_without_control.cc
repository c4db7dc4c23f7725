// SPDX-License-Identifier: MIT
/*
 * The data path's umbrella header is the data path: a data-path engine
 * links libtimerx alone, so <timerx/timerx.hpp> must not bring the control
 * plane's types (libtimerx-control's) along; Histogram, the value type
 * both use, it does. Built by compile-fail.sh: as it is (must build), and
 * with each case (must not); datapath-test.sh also links and runs it.
 */
#include <timerx/timerx.hpp>

int main()
{
	timerx::LatencyRecorder r;
	r.record(5);
	const timerx::Histogram h = r.histogram();
#if TIMERX_COMPILE_FAIL == 1
	timerx::Control control;
	return control.is_open() ? 0 : 1;
#elif TIMERX_COMPILE_FAIL == 2
	timerx::Monitor monitor;
	return monitor.fd();
#elif TIMERX_COMPILE_FAIL == 3
	timerx::TimerStatus status;
	return static_cast<int>(status.timer_id);
#else
	/* Something of the shared library, so that linking it is tested. */
	const auto ctx = timerx::Context::open({.path = "/nonexistent/timerx"});
	return h.count == 1 && h.quantile_ns(0.5) == 5 && !ctx ? 0 : 1;
#endif
}
