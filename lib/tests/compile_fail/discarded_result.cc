// SPDX-License-Identifier: MIT
/*
 * Results cannot be dropped unawares: ignoring what consume(), a timer
 * command, Uring::submit() or a Batch's queueing returns is a warning
 * (-Werror: an error). Built by compile-fail.sh: as it is (must build),
 * and with each case (must not).
 */
#include <timerx/batch.hpp>
#include <timerx/context.hpp>
#include <timerx/ring_reader.hpp>
#include <timerx/uring.hpp>

namespace {

int run(const timerx::Context &ctx, timerx::Uring &uring, timerx::Batch &batch)
{
	timerx::RingReader reader = ctx.reader();
	const auto on_event = [](const timerx::Event &) noexcept {};
#if TIMERX_COMPILE_FAIL == 1
	reader.consume(on_event); /* a corrupt head (EIO) would go unnoticed */
#elif TIMERX_COMPILE_FAIL == 2
	ctx.arm_timer(timerx::ArmSpec::after(1, std::chrono::milliseconds(1)));
#elif TIMERX_COMPILE_FAIL == 3
	uring.submit(batch);
#elif TIMERX_COMPILE_FAIL == 4
	batch.cancel_timer(1);
#elif TIMERX_COMPILE_FAIL == 5
	timerx::Context::open();
#else
	if (!reader.consume(on_event))
		return 1;
	if (!ctx.arm_timer(timerx::ArmSpec::after(1, std::chrono::milliseconds(1))))
		return 1;
	if (!uring.submit(batch))
		return 1;
	if (!batch.cancel_timer(1))
		return 1;
#endif
	return 0;
}

} // namespace

int main()
{
	timerx::Context ctx;
	timerx::Uring uring;
	timerx::Batch batch;
	return run(ctx, uring, batch);
}
