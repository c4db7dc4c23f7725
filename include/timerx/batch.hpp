/* SPDX-License-Identifier: MIT */
/*
 * Batch: a preallocated list of timer commands (create, arm, cancel,
 * delete) to send at once with Uring::submit(), which fills in one result
 * per command.
 *
 * Memory is allocated once, by with_capacity() (40 bytes per command);
 * queueing, submitting and clear() never allocate. Queueing
 * returns the command's index (its result is result(index)), or Error
 * ENOBUFS when the batch is full.
 *
 * Results: what the synchronous command would have returned: 0, the new
 * timer id for a create, or an Error. Two errors are the library's own:
 *   EINPROGRESS  not known: not submitted yet, or sent to the kernel by a
 *                submit() that failed before its completion came back (the
 *                command may have run: do not resend it blindly)
 *   ECANCELED    not sent: the submission failed before the kernel saw it
 *                (resending it is safe)
 *
 * Commands of one submission run in no particular order unless submitted
 * with Order::sequential; a create's id is only known after submission, so
 * "create then arm" takes two batches.
 *
 * Threading: one thread at a time.
 */
#ifndef TIMERX_BATCH_HPP
#define TIMERX_BATCH_HPP

#include <linux/timerx.h>

#include <timerx/detail/config.hpp>
#include <timerx/error.hpp>
#include <timerx/types.hpp>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

namespace timerx {

enum class Op : std::uint8_t { create_timer, arm_timer, cancel_timer, delete_timer };

/* One queued command: its UAPI payload, and its result once submitted. */
struct Command {
	union Payload {
		timerx_create create;
		timerx_arm arm;
		timerx_timer_ref ref;
	} payload;
	int result; /* the CQE's res: >= 0, or -errno */
	Op op;

	/* The ioctl number, which is also the uring_cmd's cmd_op. */
	[[nodiscard]] constexpr unsigned cmd_op() const noexcept
	{
		switch (op) {
		case Op::create_timer:
			return TIMERX_IOC_CREATE;
		case Op::arm_timer:
			return TIMERX_IOC_ARM;
		case Op::cancel_timer:
			return TIMERX_IOC_CANCEL;
		case Op::delete_timer:
			break;
		}
		return TIMERX_IOC_DELETE;
	}

	/* The payload's address and size (the ioctl argument / SQE command area). */
	[[nodiscard]] const void *data() const noexcept { return &payload; }
	[[nodiscard]] void *data() noexcept { return &payload; }
	[[nodiscard]] constexpr std::size_t size() const noexcept { return _IOC_SIZE(cmd_op()); }
};

/* A command that failed, and how. */
struct CommandFailure {
	std::size_t index;
	Error error;
};

class TIMERX_API Batch {
public:
	/* Room for @capacity commands (at most INT_MAX: else EINVAL); ENOMEM. */
	[[nodiscard]] static Result<Batch> with_capacity(std::size_t capacity) noexcept;

	/* No room: every queueing fails with ENOBUFS. */
	Batch() noexcept = default;
	~Batch();
	Batch(Batch &&other) noexcept;
	Batch &operator=(Batch &&other) noexcept;
	Batch(const Batch &) = delete;
	Batch &operator=(const Batch &) = delete;

	/* Queue a command: its index, or ENOBUFS when full. */
	[[nodiscard]] Result<std::size_t> create_timer(const TimerSpec &spec) noexcept
	{
		return push(Op::create_timer,
			    [&](Command::Payload &p) { p.create = spec.to_uapi(); });
	}
	/* EINVAL for an invalid spec (a negative period): nothing is queued. */
	[[nodiscard]] Result<std::size_t> arm_timer(const ArmSpec &spec) noexcept
	{
		if (!spec.valid())
			return Error{EINVAL};
		return push(Op::arm_timer, [&](Command::Payload &p) { p.arm = spec.to_uapi(); });
	}
	[[nodiscard]] Result<std::size_t> cancel_timer(TimerId id) noexcept
	{
		return push(Op::cancel_timer,
			    [&](Command::Payload &p) { p.ref = make_timer_ref(id); });
	}
	[[nodiscard]] Result<std::size_t> delete_timer(TimerId id) noexcept
	{
		return push(Op::delete_timer,
			    [&](Command::Payload &p) { p.ref = make_timer_ref(id); });
	}

	/* Forget every command (keeps the memory). */
	void clear() noexcept { size_ = 0; }

	[[nodiscard]] std::size_t size() const noexcept { return size_; }
	[[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
	[[nodiscard]] bool empty() const noexcept { return size_ == 0; }
	[[nodiscard]] bool full() const noexcept { return size_ == capacity_; }

	/* Command @i's result (see above): 0, or the new timer's id; @i < size(). */
	[[nodiscard]] Result<std::uint32_t> result(std::size_t i) const noexcept
	{
		return from_return<std::uint32_t>(cmds_[i].result);
	}
	[[nodiscard]] Op op(std::size_t i) const noexcept { return cmds_[i].op; }

	/* Commands whose result is an Error. */
	[[nodiscard]] std::size_t failures() const noexcept
	{
		std::size_t n = 0;
		for (std::size_t i = 0; i < size_; ++i)
			n += cmds_[i].result < 0;
		return n;
	}

	/* The first command whose result is an Error, if any. */
	[[nodiscard]] std::optional<CommandFailure> first_failure() const noexcept
	{
		for (std::size_t i = 0; i < size_; ++i)
			if (cmds_[i].result < 0)
				return CommandFailure{i, Error{cmds_[i].result}};
		return std::nullopt;
	}

	/* All commands succeeded, else the first failure's Error. */
	[[nodiscard]] Result<void> status() const noexcept
	{
		if (const auto f = first_failure())
			return f->error;
		return {};
	}

	[[nodiscard]] std::span<Command> commands() noexcept { return {cmds_.get(), size_}; }
	[[nodiscard]] std::span<const Command> commands() const noexcept
	{
		return {cmds_.get(), size_};
	}

private:
	template <class Fill>
	Result<std::size_t> push(Op op, Fill &&fill) noexcept
	{
		if (size_ == capacity_)
			return Error{ENOBUFS};
		Command &c = cmds_[size_];
		c.payload = {};
		fill(c.payload);
		c.op = op;
		c.result = -EINPROGRESS;
		return size_++;
	}

	std::unique_ptr<Command[]> cmds_;
	std::size_t capacity_ = 0;
	std::size_t size_ = 0;
};

} // namespace timerx

#endif /* TIMERX_BATCH_HPP */
