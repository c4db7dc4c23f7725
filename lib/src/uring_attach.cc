// SPDX-License-Identifier: MIT
/*
 * UringAttachment: a Batch as SQEs in the engine's own io_uring.
 *
 * The commands are those Uring sends (batch_exec.hpp cuts the batch), and
 * user_data says what each SQE is, so that the engine can route CQEs
 * without asking us and we can match them in any order:
 *
 *   bits 63..56  the attachment's tag (AttachOptions::tag)
 *   bits 55..32  generation: which queue() (0 is the wait)
 *   bits 31..0   index of the command's first entry, or the wait's number
 *
 * Unlike Uring, nothing here enters the kernel: a CQE that the engine
 * never reaps leaves its command EINPROGRESS, which is the truth.
 */
#include "batch_exec.hpp"

#include <timerx/uring_attach.hpp>
#include <timerx/uring_prep.hpp>

#include <liburing.h>
#include <poll.h>

#include <cerrno>
#include <new>

namespace timerx {

namespace {

constexpr std::uint32_t gen_mask = 0xFFFFFF;
/* Generation 0 is the wait's; batches count 1 .. gen_mask. */
constexpr std::uint32_t wait_gen = 0;

/* Per-command state, at each command's first entry of the batch (Batch's spans). */
constexpr std::uint32_t span_pending = 0x80000000U;
constexpr std::uint32_t span_len = 0x3FFFFFFFU;

constexpr std::uint64_t make_udata(std::uint8_t tag, std::uint32_t gen, std::uint32_t idx) noexcept
{
	return (std::uint64_t{tag} << 56) | (std::uint64_t{gen & gen_mask} << 32) | idx;
}

} // namespace

struct UringAttachment::Impl {
	io_uring *ring = nullptr;
	int fd = -1;
	int file_index = -1;
	std::uint8_t tag = 0;
	bool sqe128 = false;
	ArmingTable *armings = nullptr;
	UringStats stats{};

	/* The batch in flight. */
	Batch *batch = nullptr;
	std::uint32_t gen = 0;
	std::size_t pending = 0;

	/* The wait. */
	bool wait_queued = false;
	bool wait_done = false;
	bool wait_is_poll = false;
	bool poll_waits = false;
	int wait_res = 0;
	std::uint32_t wait_seq = 0;

	io_uring_sqe *get_sqe() const noexcept
	{
		io_uring_sqe *sqe = io_uring_get_sqe(ring);
		/* The module refuses a command whose area is not zero past its payload. */
		if (sqe != nullptr && sqe128)
			clear_sqe128_tail(sqe);
		return sqe;
	}

	/* After a prep function: the engine's registered file instead of the fd. */
	void use_file(io_uring_sqe *sqe) const noexcept
	{
		if (file_index >= 0) {
			sqe->fd = file_index;
			sqe->flags |= IOSQE_FIXED_FILE;
		}
	}

	std::size_t count_sqes(const Batch &b, bool *has_create) const noexcept
	{
		/* segment_at() only reads; BatchAccess wants a mutable Batch. */
		Batch &mb = const_cast<Batch &>(b);
		const timerx_batch_entry *entries = detail::BatchAccess::entries(mb);
		std::size_t n = 0;
		for (std::size_t i = 0; i < b.size();) {
			const detail::Segment s = detail::segment_at(entries, i, b.size());
			if (s.cmd_op == TIMERX_IOC_CREATE && has_create != nullptr)
				*has_create = true;
			++n;
			i += s.n;
		}
		return n;
	}

	Result<std::size_t> queue(Batch &b, Order order) noexcept
	{
		if (batch != nullptr && pending != 0)
			return Error{EALREADY};
		bool has_create = false;
		const std::size_t need = count_sqes(b, &has_create);
		if (has_create && !sqe128)
			return Error{EINVAL};
		if (need > io_uring_sq_space_left(ring))
			return Error{EBUSY};

		timerx_batch_entry *entries = detail::BatchAccess::entries(b);
		std::uint32_t *spans = detail::BatchAccess::spans(b);
		gen = gen % gen_mask + 1;
		batch = &b;
		pending = 0;
		detail::prepare(b, armings);
		io_uring_sqe *prev = nullptr;
		for (std::size_t i = 0; i < b.size();) {
			const detail::Segment s = detail::segment_at(entries, i, b.size());
			detail::Payload p;
			const std::size_t len = detail::make_payload(s, entries, p);
			/* Counted above: the SQ has room for every one. */
			io_uring_sqe *sqe = get_sqe();
			prep_uring_cmd(sqe, fd, s.cmd_op, &p, len);
			use_file(sqe);
			io_uring_sqe_set_data64(
				sqe, make_udata(tag, gen, static_cast<std::uint32_t>(i)));
			if (order == Order::sequential && prev != nullptr)
				prev->flags |= IOSQE_IO_HARDLINK;
			prev = sqe;
			spans[i] = s.n | span_pending;
			stats.batches += s.cmd_op == TIMERX_IOC_BATCH;
			++pending;
			i += s.n;
		}
		stats.sqes += pending;
		if (pending == 0)
			finish();
		return need;
	}

	/* The batch is over: the table learns what it did. */
	void finish() noexcept
	{
		detail::learn(*batch, armings);
		batch = nullptr;
	}

	void complete_batch(std::uint32_t g, std::uint32_t idx, int res) noexcept
	{
		if (batch == nullptr || g != gen || idx >= batch->size()) {
			++stats.stale_cqes;
			return;
		}
		timerx_batch_entry *entries = detail::BatchAccess::entries(*batch);
		std::uint32_t *spans = detail::BatchAccess::spans(*batch);
		if (!(spans[idx] & span_pending)) {
			++stats.stale_cqes;
			return;
		}
		spans[idx] &= ~span_pending;
		detail::Segment s = detail::segment_at(entries, idx, batch->size());
		s.n = spans[idx] & span_len;
		detail::complete(s, entries, res);
		if (--pending == 0)
			finish();
	}

	void complete_wait(std::uint32_t seq, int res) noexcept
	{
		if (!wait_queued || seq != wait_seq) {
			++stats.stale_cqes;
			return;
		}
		wait_queued = false;
		/*
		 * Refused at once (the kernel's io_uring cannot cancel driver
		 * commands): not an outcome. POLL_ADD from now on, queued here
		 * for the engine's next submit.
		 */
		if (!wait_is_poll && res == -EOPNOTSUPP) {
			poll_waits = true;
			(void)queue_wait();
			return;
		}
		wait_done = true;
		wait_res = res;
	}

	bool handle(const io_uring_cqe *cqe) noexcept
	{
		const std::uint64_t ud = cqe->user_data;
		if (!is_tagged(ud, tag))
			return false;
		const auto g = static_cast<std::uint32_t>(ud >> 32) & gen_mask;
		const auto idx = static_cast<std::uint32_t>(ud);
		if (g == wait_gen)
			complete_wait(idx, cqe->res);
		else
			complete_batch(g, idx, cqe->res);
		return true;
	}

	Result<void> queue_wait() noexcept
	{
		if (wait_queued)
			return {};
		io_uring_sqe *sqe = get_sqe();
		if (sqe == nullptr)
			return Error{EBUSY};
		wait_is_poll = poll_waits;
		if (wait_is_poll)
			io_uring_prep_poll_add(sqe, fd, POLLIN);
		else
			prep_wait(sqe, fd);
		use_file(sqe);
		io_uring_sqe_set_data64(sqe, make_udata(tag, wait_gen, ++wait_seq));
		wait_queued = true;
		++stats.waits;
		return {};
	}

	void abandon() noexcept
	{
		if (batch == nullptr)
			return;
		pending = 0;
		/* A later generation: CQEs still due are stale. */
		finish();
	}
};

Result<UringAttachment> UringAttachment::attach(io_uring *ring, const Context &ctx,
						const AttachOptions &opts) noexcept
{
	Result<UringAttachment> a = attach(ring, ctx.fd(), opts);
	if (a)
		a->impl_->armings = ctx.armings();
	return a;
}

Result<UringAttachment> UringAttachment::attach(io_uring *ring, int fd,
						const AttachOptions &opts) noexcept
{
	if (ring == nullptr || opts.tag == 0)
		return Error{EINVAL};
	UringAttachment a;
	a.impl_.reset(new (std::nothrow) Impl());
	if (!a.impl_)
		return Error{ENOMEM};
	Impl &m = *a.impl_;
	m.ring = ring;
	m.fd = fd;
	m.file_index = opts.file_index;
	m.tag = opts.tag;
	m.sqe128 = (ring->flags & IORING_SETUP_SQE128) != 0;
	return a;
}

UringAttachment::UringAttachment() noexcept = default;
UringAttachment::~UringAttachment() = default;
UringAttachment::UringAttachment(UringAttachment &&other) noexcept = default;
UringAttachment &UringAttachment::operator=(UringAttachment &&other) noexcept = default;

std::uint8_t UringAttachment::tag() const noexcept
{
	return impl_ ? impl_->tag : 0;
}

bool UringAttachment::owns(const io_uring_cqe *cqe) const noexcept
{
	return impl_ && cqe != nullptr && is_tagged(cqe->user_data, impl_->tag);
}

std::size_t UringAttachment::sqes_needed(const Batch &batch) const noexcept
{
	return impl_ ? impl_->count_sqes(batch, nullptr) : 0;
}

Result<std::size_t> UringAttachment::queue(Batch &batch, Order order) noexcept
{
	if (!impl_)
		return Error{EBADF};
	return impl_->queue(batch, order);
}

bool UringAttachment::handle(const io_uring_cqe *cqe) noexcept
{
	return impl_ && cqe != nullptr && impl_->handle(cqe);
}

bool UringAttachment::done() const noexcept
{
	return !impl_ || impl_->batch == nullptr;
}

std::size_t UringAttachment::pending() const noexcept
{
	return impl_ ? impl_->pending : 0;
}

void UringAttachment::abandon() noexcept
{
	if (impl_)
		impl_->abandon();
}

Result<void> UringAttachment::queue_wait() noexcept
{
	if (!impl_)
		return Error{EBADF};
	return impl_->queue_wait();
}

bool UringAttachment::wait_queued() const noexcept
{
	return impl_ && impl_->wait_queued;
}

Result<std::uint32_t> UringAttachment::take_wait() noexcept
{
	if (!impl_)
		return Error{EBADF};
	if (!impl_->wait_done)
		return Error{EAGAIN};
	impl_->wait_done = false;
	const int res = impl_->wait_res;
	/* POLL_ADD reports a poll mask: readable. */
	if (impl_->wait_is_poll && res > 0)
		return std::uint32_t{1};
	return from_return<std::uint32_t>(res);
}

bool UringAttachment::waits_with_poll() const noexcept
{
	return impl_ && impl_->poll_waits;
}

bool UringAttachment::sqe128() const noexcept
{
	return impl_ && impl_->sqe128;
}

int UringAttachment::fd() const noexcept
{
	return impl_ ? impl_->fd : -1;
}

const UringStats &UringAttachment::stats() const noexcept
{
	static constexpr UringStats none{};
	return impl_ ? impl_->stats : none;
}

} // namespace timerx
