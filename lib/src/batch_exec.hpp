/* SPDX-License-Identifier: MIT */
/*
 * How a Batch becomes module commands, for Context::submit() (ioctl) and
 * Uring::submit() (io_uring) alike.
 *
 * A batch is cut into commands in its order: each maximal run of
 * consecutive arms, postpones and cancels (at most TIMERX_BATCH_MAX) is
 * one TIMERX_IOC_BATCH over the entries in place (the module writes each
 * result into its entry), except a run of one, which is sent as its own
 * command (ARM_AT / ARM_IN for a one-shot arm without slack, else ARM,
 * POSTPONE, CANCEL); every create and delete is a command of its own.
 *
 * Around the commands, the Context's ArmingTable: prepare() gives every
 * arm a fresh seq, learn() tells the table what succeeded.
 */
#ifndef TIMERX_SRC_BATCH_EXEC_HPP
#define TIMERX_SRC_BATCH_EXEC_HPP

#include <timerx/arming.hpp>
#include <timerx/batch.hpp>

#include <linux/timerx.h>

#include <cstddef>
#include <cstdint>

namespace timerx::detail {

struct BatchAccess {
	[[nodiscard]] static timerx_batch_entry *entries(Batch &b) noexcept
	{
		return b.entries_.get();
	}
	[[nodiscard]] static std::uint32_t *spans(Batch &b) noexcept { return b.span_.get(); }
};

/* One module command: entries [first, first + n), sent as cmd_op. */
struct Segment {
	std::size_t first = 0;
	std::uint32_t n = 0;
	unsigned cmd_op = 0;
};

/* The command that starts at entry @i (< @size). */
[[nodiscard]] Segment segment_at(const timerx_batch_entry *entries, std::size_t i,
				 std::size_t size) noexcept;

/* A command's payload: what the ioctl reads, or the SQE's command area holds. */
union Payload {
	timerx_create create;
	timerx_arm arm;
	timerx_arm_oneshot oneshot;
	timerx_postpone postpone;
	timerx_timer_ref ref;
	timerx_batch batch;
};

/* Fill @p for @s; returns its size (_IOC_SIZE(s.cmd_op)). */
std::size_t make_payload(const Segment &s, timerx_batch_entry *entries, Payload &p) noexcept;

/*
 * Record the command's outcome @res (the ioctl's return or -errno, the
 * CQE's res) in its entries: a single command's result, or for BATCH
 * the count executed (the module wrote their results; the rest did not
 * run: ECANCELED) or an error that ran none.
 */
void complete(const Segment &s, timerx_batch_entry *entries, int res) noexcept;

/* Before sending: results EINPROGRESS, arms get a fresh seq from @table (if any). */
void prepare(Batch &b, ArmingTable *table) noexcept;

/* After: the table learns which arms, cancels, deletes and creates succeeded. */
void learn(Batch &b, ArmingTable *table) noexcept;

/* The whole batch through ioctl(2) on @fd, in order; @ioctls counts the calls. */
void exec_ioctl(int fd, Batch &b, ArmingTable *table, std::uint64_t *ioctls) noexcept;

} // namespace timerx::detail

#endif /* TIMERX_SRC_BATCH_EXEC_HPP */
