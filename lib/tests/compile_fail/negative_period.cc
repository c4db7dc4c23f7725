// SPDX-License-Identifier: MIT
/*
 * A period or slack that can be seen to be negative (a slack: or above a
 * second), or that is not whole nanoseconds, does not compile. Built by compile-fail.sh: as it is
 * (must build), and with each case (must not).
 */
#include <timerx/types.hpp>

#include <chrono>

using namespace std::chrono_literals;

int main()
{
#if TIMERX_COMPILE_FAIL == 1
	constexpr timerx::ArmSpec spec = timerx::ArmSpec::after(1, 1ms, -1ms);
#elif TIMERX_COMPILE_FAIL == 2
	const timerx::ArmSpec spec =
		timerx::ArmSpec::after(1, 1ms, std::chrono::duration<double, std::milli>(0.5));
#elif TIMERX_COMPILE_FAIL == 3
	constexpr timerx::ArmSpec spec = timerx::ArmSpec::after(1, 1ms).with_slack(-1us);
#elif TIMERX_COMPILE_FAIL == 4
	constexpr timerx::ArmSpec spec = timerx::ArmSpec::after(1, 1ms).with_slack(2s);
#else
	constexpr timerx::ArmSpec spec = timerx::ArmSpec::after(1, 1ms, 1ms).with_slack(1s);
#endif
	return spec.valid() ? 0 : 1;
}
