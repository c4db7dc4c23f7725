/* SPDX-License-Identifier: MIT */
/*
 * Batch: a preallocated list of timer commands (create, arm, postpone,
 * cancel, delete) to send at once with Context::submit() (ioctl) or
 * Uring::submit() (io_uring), which fill in one result per command.
 *
 * The commands are kept as an array of struct timerx_batch_entry (40
 * bytes each), the layout TIMERX_IOC_BATCH (API 3) reads: every run of
 * consecutive arms, postpones and cancels goes to the module as one BATCH
 * command (up to TIMERX_BATCH_MAX entries; one system call, or one plain
 * SQE), which runs them in order and writes each one's result into its
 * entry. A run of one is sent as its own command (ARM_AT / ARM_IN for a
 * one-shot arm without slack). Creates and deletes, which BATCH does not
 * carry, are entries of the library's own (op >= op_library) sent one
 * command each.
 *
 * Sequence numbers: an arm's seq is filled in at submission from the
 * Context's ArmingTable (arming.hpp), and the table learns each
 * command's outcome afterwards, so that the Context's reader drops the
 * events of armings a batch replaced or cancelled.
 *
 * Memory is allocated once, by with_capacity() (44 bytes per command);
 * queueing, submitting and clear() never allocate. Queueing returns the
 * command's index (its result is result(index)), or Error ENOBUFS when
 * the batch is full.
 *
 * Results: what the synchronous command would have returned: 0, the new
 * timer id for a create, or an Error (ETIME for a postpone of a timer
 * that already expired). Two errors are the library's own:
 *   EINPROGRESS  not known: not submitted yet, or sent to the kernel by a
 *                submit() that failed before its completion came back (the
 *                command may have run: do not resend it blindly)
 *   ECANCELED    not run: the submission failed before the kernel ran it
 *                (resending it is safe)
 *
 * Order: Context::submit() runs the commands in the batch's order.
 * Uring::submit() runs each BATCH command's entries in order, but its
 * commands (one per run, create or delete) in no particular order unless
 * submitted with Order::sequential. A create's id is only known after
 * submission, so "create then arm" takes two batches.
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

enum class Op : std::uint8_t {
	create_timer,
	arm_timer,
	cancel_timer,
	delete_timer,
	postpone_timer
};

/*
 * The entry ops of the library's own commands, which TIMERX_IOC_BATCH
 * does not carry: a create (user_data in expires_ns, clockid and flags in
 * period_ns, cpu in seq) and a delete (timer_id).
 */
inline constexpr std::uint32_t op_library = 0x80000000U;
inline constexpr std::uint32_t op_create = op_library | 1U;
inline constexpr std::uint32_t op_delete = op_library | 2U;

/* Whether TIMERX_IOC_BATCH carries the entry (ARM, CANCEL, POSTPONE). */
[[nodiscard]] constexpr bool batchable(const timerx_batch_entry &e) noexcept
{
	return e.op == TIMERX_BATCH_ARM || e.op == TIMERX_BATCH_CANCEL ||
	       e.op == TIMERX_BATCH_POSTPONE;
}

/* The Op of an entry. */
[[nodiscard]] constexpr Op entry_op(const timerx_batch_entry &e) noexcept
{
	switch (e.op) {
	case TIMERX_BATCH_ARM:
		return Op::arm_timer;
	case TIMERX_BATCH_CANCEL:
		return Op::cancel_timer;
	case TIMERX_BATCH_POSTPONE:
		return Op::postpone_timer;
	case op_create:
		return Op::create_timer;
	default:
		break;
	}
	return Op::delete_timer;
}

/* The UAPI entries (batch encoding). Fields an op does not use are 0. */
[[nodiscard]] constexpr timerx_batch_entry make_arm_entry(const ArmSpec &spec,
							  std::uint32_t seq = 0) noexcept
{
	const timerx_arm a = spec.to_uapi(seq);
	timerx_batch_entry e{};
	e.op = TIMERX_BATCH_ARM;
	e.timer_id = a.timer_id;
	e.flags = a.flags;
	e.expires_ns = a.expires_ns;
	e.period_ns = a.period_ns;
	e.seq = a.seq;
	e.slack_ns = a.slack_ns;
	return e;
}

[[nodiscard]] constexpr timerx_batch_entry make_cancel_entry(TimerId id) noexcept
{
	timerx_batch_entry e{};
	e.op = TIMERX_BATCH_CANCEL;
	e.timer_id = id;
	return e;
}

[[nodiscard]] constexpr timerx_batch_entry make_postpone_entry(const PostponeSpec &spec) noexcept
{
	const timerx_postpone p = spec.to_uapi();
	timerx_batch_entry e{};
	e.op = TIMERX_BATCH_POSTPONE;
	e.timer_id = p.timer_id;
	e.flags = p.flags;
	e.expires_ns = p.expires_ns;
	return e;
}

/* The library's create entry, and the timerx_create it stands for. */
[[nodiscard]] constexpr timerx_batch_entry make_create_entry(const TimerSpec &spec) noexcept
{
	const timerx_create c = spec.to_uapi();
	timerx_batch_entry e{};
	e.op = op_create;
	e.expires_ns = static_cast<std::int64_t>(c.user_data);
	e.period_ns = std::uint64_t{c.clockid} | (std::uint64_t{c.flags} << 32);
	e.seq = c.cpu;
	return e;
}
[[nodiscard]] constexpr timerx_create create_of(const timerx_batch_entry &e) noexcept
{
	timerx_create c{};
	c.user_data = static_cast<std::uint64_t>(e.expires_ns);
	c.clockid = static_cast<std::uint32_t>(e.period_ns);
	c.flags = static_cast<std::uint32_t>(e.period_ns >> 32);
	c.cpu = e.seq;
	return c;
}

[[nodiscard]] constexpr timerx_batch_entry make_delete_entry(TimerId id) noexcept
{
	timerx_batch_entry e{};
	e.op = op_delete;
	e.timer_id = id;
	return e;
}

/* A command that failed, and how. */
struct CommandFailure {
	std::size_t index;
	Error error;
};

namespace detail {
struct BatchAccess;
}

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
		return push(make_create_entry(spec));
	}
	/* EINVAL for an invalid spec (negative period, bad slack): nothing is queued. */
	[[nodiscard]] Result<std::size_t> arm_timer(const ArmSpec &spec) noexcept
	{
		if (!spec.valid())
			return Error{EINVAL};
		return push(make_arm_entry(spec));
	}
	/* Result ETIME: the timer was not armed any more (see Context::postpone()). */
	[[nodiscard]] Result<std::size_t> postpone_timer(const PostponeSpec &spec) noexcept
	{
		return push(make_postpone_entry(spec));
	}
	[[nodiscard]] Result<std::size_t> cancel_timer(TimerId id) noexcept
	{
		return push(make_cancel_entry(id));
	}
	[[nodiscard]] Result<std::size_t> delete_timer(TimerId id) noexcept
	{
		return push(make_delete_entry(id));
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
		return from_return<std::uint32_t>(entries_[i].result);
	}
	[[nodiscard]] Op op(std::size_t i) const noexcept { return entry_op(entries_[i]); }

	/* Commands whose result is an Error. */
	[[nodiscard]] std::size_t failures() const noexcept
	{
		std::size_t n = 0;
		for (std::size_t i = 0; i < size_; ++i)
			n += entries_[i].result < 0;
		return n;
	}

	/* The first command whose result is an Error, if any. */
	[[nodiscard]] std::optional<CommandFailure> first_failure() const noexcept
	{
		for (std::size_t i = 0; i < size_; ++i)
			if (entries_[i].result < 0)
				return CommandFailure{i, Error{entries_[i].result}};
		return std::nullopt;
	}

	/* All commands succeeded, else the first failure's Error. */
	[[nodiscard]] Result<void> status() const noexcept
	{
		if (const auto f = first_failure())
			return f->error;
		return {};
	}

	/*
	 * The entries as the module reads them (arms' seqs as the last
	 * submission filled them in; the library's own ops >= op_library).
	 */
	[[nodiscard]] std::span<const timerx_batch_entry> entries() const noexcept
	{
		return {entries_.get(), size_};
	}

private:
	friend struct detail::BatchAccess;

	Result<std::size_t> push(const timerx_batch_entry &e) noexcept
	{
		if (size_ == capacity_)
			return Error{ENOBUFS};
		entries_[size_] = e;
		entries_[size_].result = -EINPROGRESS;
		return size_++;
	}

	std::unique_ptr<timerx_batch_entry[]> entries_;
	/* Per entry: the length of the command that starts there (see Uring::submit()). */
	std::unique_ptr<std::uint32_t[]> span_;
	std::size_t capacity_ = 0;
	std::size_t size_ = 0;
};

} // namespace timerx

#endif /* TIMERX_BATCH_HPP */
