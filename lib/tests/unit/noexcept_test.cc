// SPDX-License-Identifier: MIT
/*
 * The library's promise (error.hpp, docs/libtimerx.md): every call is
 * noexcept except RingReader::consume() and wait_hybrid() with a callable
 * that throws, Result<T>::value_or() of a T whose copy throws,
 * LatencyRecorder::histogram() (allocates) and testing::FakeRing. Checked
 * at compile time, call by call, for Context, RingReader, Batch, Uring,
 * UringAttachment, the waits, Control and Monitor: a call that stops being
 * noexcept fails the build of this test. Arguments are lvalues of the
 * parameter's own type: a conversion at the call (1ms to nanoseconds:
 * std::chrono's converting constructors are not noexcept) is the caller's,
 * not the library's.
 */
#include <timerx/control.hpp>
#include <timerx/timerx.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <utility>
#include <vector>

namespace {

using std::declval;
using timerx::Result;

template <class T>
T &obj() noexcept; // only in unevaluated operands

/* Callbacks and blocks that do and do not promise not to throw. */
struct Quiet {
	void operator()(const timerx::Event &) const noexcept {}
	Result<void> operator()() const noexcept { return {}; }
};
struct Loud {
	void operator()(const timerx::Event &) const {}
	Result<void> operator()() const { return {}; }
};

/* Context and the free functions of timer.hpp. */
static_assert(noexcept(timerx::Context::open()));
static_assert(noexcept(timerx::Context::open(timerx::ContextOptions{})));
static_assert(noexcept(obj<timerx::Context>().close()));
static_assert(noexcept(obj<const timerx::Context>().create_timer(timerx::TimerSpec{})));
static_assert(noexcept(obj<const timerx::Context>().arm_timer(obj<const timerx::ArmSpec>())));
static_assert(
	noexcept(obj<const timerx::Context>().postpone(1, obj<const std::chrono::microseconds>())));
static_assert(noexcept(obj<const timerx::Context>().postpone(1, std::chrono::steady_clock::now())));
static_assert(noexcept(obj<const timerx::Context>().cancel(1)));
static_assert(noexcept(obj<const timerx::Context>().cancel_timer(1)));
static_assert(noexcept(obj<const timerx::Context>().delete_timer(1)));
static_assert(noexcept(obj<const timerx::Context>().get_timer(1)));
static_assert(noexcept(obj<const timerx::Context>().info()));
static_assert(noexcept(obj<const timerx::Context>().flush()));
static_assert(noexcept(obj<const timerx::Context>().submit(obj<timerx::Batch>())));
static_assert(noexcept(obj<const timerx::Context>().reader()));
static_assert(noexcept(timerx::max_ring_entries()));
static_assert(noexcept(timerx::ring_entries_for(1)));
static_assert(noexcept(timerx::create_timer(0, timerx::TimerSpec{})));
static_assert(noexcept(timerx::cancel_timer(0, 1)));
static_assert(noexcept(timerx::version()));

/* RingReader: noexcept exactly when the callback is. */
static_assert(noexcept(obj<timerx::RingReader>().consume(obj<const Quiet>())));
static_assert(!noexcept(obj<timerx::RingReader>().consume(obj<const Loud>())));
static_assert(noexcept(obj<timerx::RingReader>().events()));
static_assert(noexcept(obj<timerx::RingReader>().peek()));
static_assert(noexcept(obj<timerx::RingReader>().advance(1)));
static_assert(noexcept(obj<timerx::RingReader>().flush()));
static_assert(noexcept(obj<timerx::RingReader>().prepare_wait()));
static_assert(noexcept(obj<timerx::EventBatch>().commit()));

/* Batch. */
static_assert(noexcept(timerx::Batch::with_capacity(1)));
static_assert(noexcept(obj<timerx::Batch>().create_timer(timerx::TimerSpec{})));
static_assert(noexcept(obj<timerx::Batch>().arm_timer(obj<const timerx::ArmSpec>())));
static_assert(noexcept(obj<timerx::Batch>().postpone_timer(obj<const timerx::PostponeSpec>())));
static_assert(noexcept(obj<timerx::Batch>().cancel_timer(1)));
static_assert(noexcept(obj<timerx::Batch>().delete_timer(1)));
static_assert(noexcept(obj<const timerx::Batch>().first_failure()));
static_assert(noexcept(obj<const timerx::Batch>().status()));
static_assert(std::is_nothrow_move_constructible_v<timerx::Batch>);
static_assert(std::is_nothrow_default_constructible_v<timerx::Batch>);

/* Uring and UringAttachment. */
static_assert(noexcept(timerx::Uring::open(0)));
static_assert(noexcept(timerx::Uring::open(obj<const timerx::Context>())));
static_assert(noexcept(obj<timerx::Uring>().submit(obj<timerx::Batch>())));
static_assert(noexcept(obj<timerx::Uring>().wait(obj<const timerx::Timeout>())));
static_assert(noexcept(obj<const timerx::Uring>().stats()));
static_assert(std::is_nothrow_move_assignable_v<timerx::Uring>);
static_assert(std::is_nothrow_default_constructible_v<timerx::Uring>);
static_assert(noexcept(timerx::UringAttachment::attach(nullptr, 0)));
static_assert(noexcept(timerx::UringAttachment::attach(nullptr, obj<const timerx::Context>())));
static_assert(noexcept(obj<timerx::UringAttachment>().queue(obj<timerx::Batch>())));
static_assert(noexcept(obj<timerx::UringAttachment>().handle(declval<const io_uring_cqe *>())));
static_assert(noexcept(obj<timerx::UringAttachment>().abandon()));
static_assert(noexcept(obj<timerx::UringAttachment>().queue_wait()));
static_assert(noexcept(obj<timerx::UringAttachment>().take_wait()));
static_assert(std::is_nothrow_move_assignable_v<timerx::UringAttachment>);

/* Waits: wait_hybrid() is noexcept exactly when its block is. */
static_assert(noexcept(timerx::spin_until(obj<timerx::RingReader>(),
					  std::chrono::steady_clock::now())));
static_assert(noexcept(timerx::spin_for(obj<timerx::RingReader>(),
					obj<const std::chrono::nanoseconds>())));
static_assert(noexcept(timerx::poll_fd(0, obj<const timerx::Timeout>())));
static_assert(noexcept(timerx::wait_hybrid(obj<timerx::RingReader>(),
					   obj<const std::chrono::nanoseconds>(),
					   obj<const Quiet>())));
static_assert(!noexcept(timerx::wait_hybrid(obj<timerx::RingReader>(),
					    obj<const std::chrono::nanoseconds>(),
					    obj<const Loud>())));

/* Result: value_or() is noexcept exactly when copying the value is. */
static_assert(noexcept(obj<const Result<std::uint32_t>>().value_or(0U)));
static_assert(noexcept(obj<const Result<timerx::Consumed>>().value_or(timerx::Consumed{})));
static_assert(!noexcept(obj<const Result<std::vector<int>>>().value_or(std::vector<int>{})));
static_assert(noexcept(obj<Result<std::vector<int>>>().value()));
static_assert(noexcept(Result<std::vector<int>>(std::vector<int>{})));

/* Histograms: only LatencyRecorder::histogram() allocates. */
static_assert(noexcept(obj<timerx::LatencyRecorder>().record(1)));
static_assert(noexcept(obj<const timerx::LatencyRecorder>().quantile_ns(0.5)));
static_assert(!noexcept(obj<const timerx::LatencyRecorder>().histogram()));
static_assert(noexcept(obj<timerx::Histogram>().merge(obj<const timerx::Histogram>())));
static_assert(noexcept(obj<const timerx::Histogram>().quantile_ns(0.5)));

/* The control plane (libtimerx-control). */
static_assert(noexcept(timerx::Control::open(obj<const timerx::ControlOptions>())));
static_assert(noexcept(obj<timerx::Control>().stats()));
static_assert(noexcept(obj<timerx::Control>().contexts()));
static_assert(noexcept(obj<timerx::Control>().context(1)));
static_assert(noexcept(obj<timerx::Control>().timers()));
static_assert(noexcept(obj<timerx::Control>().timer(1, 1)));
static_assert(noexcept(obj<timerx::Control>().config()));
static_assert(noexcept(obj<timerx::Control>().set_config(timerx::Config{})));
static_assert(noexcept(timerx::Monitor::open()));
static_assert(noexcept(obj<timerx::Monitor>().next(obj<const timerx::Timeout>())));
static_assert(std::is_nothrow_move_assignable_v<timerx::Control>);
static_assert(std::is_nothrow_move_assignable_v<timerx::Monitor>);

} // namespace

/* Everything above is checked by compiling this file; running it only reports that it did. */
TEST(Noexcept, EveryCallButTheDocumentedOnesIsNoexcept)
{
	SUCCEED();
}
