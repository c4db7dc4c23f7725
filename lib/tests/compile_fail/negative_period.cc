// SPDX-License-Identifier: MIT
/*
 * A period that can be seen to be negative, or that is not whole
 * nanoseconds, does not compile. Built by compile-fail.sh: as it is (must
 * build), and with each case (must not).
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
#else
	constexpr timerx::ArmSpec spec = timerx::ArmSpec::after(1, 1ms, 1ms);
#endif
	return spec.valid() ? 0 : 1;
}
