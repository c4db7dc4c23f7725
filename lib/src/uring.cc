// SPDX-License-Identifier: MIT
/*
 * Uring: batched commands and waits over one io_uring, or over ioctl(2)
 * and poll(2) where the kernel or the module cannot take uring_cmds.
 *
 * A Batch goes as the module commands batch_exec.hpp cuts it into (a
 * BATCH per run of arms, postpones and cancels, single commands for the
 * rest), one SQE each. Every SQE's user_data says what it is, so that any
 * CQE can be matched whatever order completions come in and whatever
 * submitted it:
 *
 *   bits 63..56  tag: a batch command, the wait, the probe
 *   bits 55..32  generation: which submit() (batch commands)
 *   bits 31..0   index of the command's first entry in the batch, or the
 *                wait's sequence number
 *
 * A CQE of an earlier generation (a submission that failed half-way and
 * whose SQEs the kernel consumed later) is counted as stale and dropped.
 *
 * Waits: TIMERX_URING_CMD_WAIT on the uring_cmd transport, until the module
 * refuses one with -EOPNOTSUPP (its kernel's io_uring cannot cancel driver
 * commands: before 6.7, Debian's 6.1); from then on, and on the ioctl
 * transport, a POLL_ADD of the fd. A WAIT cannot be probed without blocking
 * (on a kernel that takes it, it is queued until events come), so the
 * switch is made by the first wait() that sees the refusal, which then
 * queues the POLL_ADD itself: no caller ever sees the -EOPNOTSUPP.
 */
#include "batch_exec.hpp"
#include "uring_sq.hpp"

#include <timerx/uring.hpp>
#include <timerx/uring_prep.hpp>
#include <timerx/wait.hpp>

#include <liburing.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <new>

namespace timerx {

namespace {

enum : std::uint8_t {
	tag_batch = 0xB7,
	tag_wait = 0xA7,
	tag_probe = 0x9E,
};

constexpr std::uint32_t gen_mask = 0xFFFFFF;

/*
 * Batch spans, at each command's first entry: its length, whether it went
 * in an SQE of this submission, and whether its completion is awaited.
 */
constexpr std::uint32_t span_pending = 0x80000000U;
constexpr std::uint32_t span_sqe = 0x40000000U;
constexpr std::uint32_t span_len = 0x3FFFFFFFU;

constexpr std::uint64_t make_udata(std::uint8_t tag, std::uint32_t gen, std::uint32_t idx) noexcept
{
	return (std::uint64_t{tag} << 56) | (std::uint64_t{gen & gen_mask} << 32) | idx;
}

/* Transient io_uring_enter(2) failures: retry. */
constexpr bool transient(int err) noexcept
{
	return err == -EINTR || err == -EAGAIN || err == -EBUSY;
}

/*
 * Bound on consecutive -EAGAIN/-EBUSY (-EINTR retries are not counted),
 * with an exponential backoff between them (1 us doubling, at most 1 ms:
 * about 7 ms in all), so that the kernel's shortage (memory for requests,
 * an overflowing CQ) has time to pass before submit() gives up.
 */
constexpr unsigned max_busy_retries = 16;

void backoff(unsigned attempt) noexcept
{
	const long us = attempt < 10 ? 1L << attempt : 1000L;
	timespec ts{0, (us < 1000 ? us : 1000) * 1000};
	(void)::nanosleep(&ts, nullptr);
}

/* Setup flags a caller may add; the ones Uring relies on or cannot live with are its own. */
constexpr unsigned caller_setup_flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
					IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG;

__kernel_timespec to_kernel_timespec(std::chrono::nanoseconds ns) noexcept
{
	__kernel_timespec ts{};
	if (ns.count() > 0) {
		ts.tv_sec = ns.count() / 1000000000;
		ts.tv_nsec = ns.count() % 1000000000;
	}
	return ts;
}

} // namespace

struct Uring::Impl {
	io_uring ring{};
	bool has_ring = false;
	bool sqe128 = false;
	bool fixed = false;      /* fd registered: SQEs name index 0 */
	int register_result = 1; /* not tried */
	int fd = -1;
	ArmingTable *armings = nullptr;
	Transport transport = Transport::ioctl;
	int setup_result = 0;
	int probe_result = 0;
	unsigned sq_entries = 0;
	UringStats stats{};

	/* The batch being submitted. */
	std::uint32_t gen = 0;
	timerx_batch_entry *entries = nullptr;
	std::uint32_t *spans = nullptr;
	std::size_t nentries = 0;
	std::size_t completed = 0; /* commands (SQEs) whose CQE came */

	/* The wait: queued in the kernel, or completed and not reported yet. */
	bool wait_queued = false;
	bool wait_done = false;
	bool wait_is_poll = false; /* that wait is a POLL_ADD, not a WAIT */
	int wait_res = 0;
	std::uint32_t wait_seq = 0;
	/* The module refused TIMERX_URING_CMD_WAIT (-EOPNOTSUPP): POLL_ADD for good. */
	bool poll_waits = false;

	bool probe_done = false;
	int probe_res = 0;

	Impl() = default;
	Impl(const Impl &) = delete;
	Impl &operator=(const Impl &) = delete;
	~Impl()
	{
		/*
		 * The ring's exit cancels a queued wait: a POLL_ADD on any
		 * kernel, a WAIT on the kernels the module takes it on (their
		 * io_uring cancels driver commands).
		 */
		if (has_ring)
			io_uring_queue_exit(&ring);
	}

	int init_ring(unsigned sq_size, unsigned flags) noexcept
	{
		io_uring_params p{};
		p.flags = flags | IORING_SETUP_CLAMP;
		const int ret = io_uring_queue_init_params(sq_size, &ring, &p);
		if (ret == 0) {
			has_ring = true;
			sqe128 = (ring.flags & IORING_SETUP_SQE128) != 0;
			sq_entries = p.sq_entries;
		}
		return ret;
	}

	/* The fd as a fixed file (index 0), if the kernel lets us: one lookup less per SQE. */
	void register_fd() noexcept
	{
		register_result = io_uring_register_files(&ring, &fd, 1);
		fixed = register_result == 0;
	}

	/* After a prep function: name the registered file instead of the fd. */
	void use_fixed(io_uring_sqe *sqe) const noexcept
	{
		if (fixed) {
			sqe->fd = 0;
			sqe->flags |= IOSQE_FIXED_FILE;
		}
	}

	/*
	 * The next free SQE. The prep functions clear the 16-byte command area
	 * of a normal SQE; in an SQE128 ring the command area goes on for 64
	 * more bytes, which an earlier create or arm in the same slot may have
	 * written, and the module refuses a command whose area is not zero
	 * past its payload (-EINVAL): clear them too.
	 */
	io_uring_sqe *get_sqe() noexcept
	{
		io_uring_sqe *sqe = io_uring_get_sqe(&ring);
		if (sqe != nullptr && sqe128)
			clear_sqe128_tail(sqe);
		return sqe;
	}

	void dispatch(const io_uring_cqe *cqe) noexcept
	{
		const std::uint64_t ud = cqe->user_data;
		const auto tag = static_cast<std::uint8_t>(ud >> 56);
		const auto g = static_cast<std::uint32_t>(ud >> 32) & gen_mask;
		const auto idx = static_cast<std::uint32_t>(ud);

		switch (tag) {
		case tag_batch:
			if (g == gen && idx < nentries && (spans[idx] & span_pending)) {
				spans[idx] &= ~span_pending;
				detail::complete(segment(idx), entries, cqe->res);
				++completed;
			} else {
				++stats.stale_cqes;
			}
			break;
		case tag_wait:
			if (idx == wait_seq) {
				wait_queued = false;
				wait_done = true;
				wait_res = cqe->res;
			}
			break;
		case tag_probe:
			probe_done = true;
			probe_res = cqe->res;
			break;
		default:
			break; /* liburing's own (LIBURING_UDATA_TIMEOUT) */
		}
	}

	/* Dispatch every CQE available now. */
	unsigned reap() noexcept
	{
		unsigned head;
		unsigned n = 0;
		io_uring_cqe *cqe;
		io_uring_for_each_cqe(&ring, head, cqe)
		{
			dispatch(cqe);
			++n;
		}
		io_uring_cq_advance(&ring, n);
		return n;
	}

	/*
	 * Submit what is in the SQ and wait until @remaining() (the CQEs we
	 * still expect) is 0, retrying transient failures: one
	 * io_uring_enter(2) when everything completes inline. 0, or the
	 * fatal -errno.
	 */
	template <class Remaining>
	int submit_until(Remaining &&remaining) noexcept
	{
		unsigned busy = 0;
		reap();
		for (std::size_t left; (left = remaining()) != 0;) {
			int ret;
			if (io_uring_sq_ready(&ring) != 0) {
				/* Never wait for more than can come: that would hang. */
				ret = io_uring_submit_and_wait(&ring, static_cast<unsigned>(left));
				++stats.enters;
			} else {
				io_uring_cqe *cqe = nullptr;
				ret = io_uring_wait_cqe(&ring, &cqe);
			}
			const unsigned reaped = reap();
			if (ret > 0 || reaped != 0 || ret == -EINTR) {
				busy = 0;
				continue;
			}
			/* No progress (nothing submitted or completed), or -EAGAIN/-EBUSY. */
			if (ret == 0)
				ret = -EAGAIN;
			if (!transient(ret) || ++busy > max_busy_retries)
				return ret;
			backoff(busy);
		}
		return 0;
	}

	/* The command that starts at entry @idx of the batch being submitted. */
	detail::Segment segment(std::size_t idx) const noexcept
	{
		detail::Segment seg = detail::segment_at(entries, idx, nentries);
		seg.n = spans[idx] & span_len;
		return seg;
	}

	int probe() noexcept
	{
		io_uring_sqe *sqe = get_sqe();
		if (sqe == nullptr)
			return -EBUSY;
		prep_flush(sqe, fd);
		use_fixed(sqe);
		io_uring_sqe_set_data64(sqe, make_udata(tag_probe, 0, 0));
		const int ret = submit_until([this] { return probe_done ? 0U : 1U; });
		return ret < 0 ? ret : probe_res;
	}

	Result<std::size_t> submit_uring(Batch &batch, Order order) noexcept
	{
		entries = detail::BatchAccess::entries(batch);
		spans = detail::BatchAccess::spans(batch);
		nentries = batch.size();
		completed = 0;
		gen = (gen + 1) & gen_mask;
		detail::prepare(batch, armings);

		int err = 0;
		std::size_t next = 0;
		while (next < nentries) {
			/* The SQEs of one io_uring_enter(2): commands [first, next). */
			const std::size_t first = next;
			std::size_t queued = 0;
			const std::size_t room = io_uring_sq_space_left(&ring);
			io_uring_sqe *prev = nullptr;
			if (room == 0) {
				err = -EBUSY;
				break;
			}
			while (next < nentries && queued < room) {
				const detail::Segment seg =
					detail::segment_at(entries, next, nentries);
				if (seg.cmd_op == TIMERX_IOC_CREATE && !sqe128) {
					/*
					 * 32 bytes do not fit a plain SQE: ioctl, in order
					 * after what is queued when the order matters.
					 */
					if (queued != 0 && order == Order::sequential)
						break;
					exec_one_ioctl(seg);
					spans[next] = seg.n;
					next += seg.n;
					continue;
				}
				detail::Payload p;
				const std::size_t len = detail::make_payload(seg, entries, p);
				io_uring_sqe *sqe = get_sqe();
				prep_uring_cmd(sqe, fd, seg.cmd_op, &p, len);
				use_fixed(sqe);
				io_uring_sqe_set_data64(
					sqe, make_udata(tag_batch, gen,
							static_cast<std::uint32_t>(next)));
				/* A hard link keeps the chain going when a command fails. */
				if (order == Order::sequential && prev != nullptr)
					prev->flags |= IOSQE_IO_HARDLINK;
				prev = sqe;
				spans[next] = seg.n | span_sqe | span_pending;
				stats.batches += seg.cmd_op == TIMERX_IOC_BATCH;
				++queued;
				next += seg.n;
			}
			if (queued == 0)
				continue;
			stats.sqes += queued;
			const std::size_t target = completed + queued;
			/* One io_uring_enter(2): submit the chunk and wait for it. */
			err = submit_until([&] { return target - completed; });
			if (err < 0) {
				drop_unsubmitted(first, next, queued);
				break;
			}
		}

		/*
		 * Never queued: not sent. Still EINPROGRESS below @next: the
		 * kernel took them but their completion had not come when we gave
		 * up; it will be counted stale. Their outcome is unknown.
		 */
		for (std::size_t i = next; i < nentries; ++i)
			entries[i].result = -ECANCELED;
		detail::learn(batch, armings);
		entries = nullptr;
		spans = nullptr;
		nentries = 0;
		if (err < 0)
			return Error{err};
		return batch.size();
	}

	void exec_one_ioctl(const detail::Segment &seg) noexcept
	{
		detail::Payload p;
		(void)detail::make_payload(seg, entries, p);
		const int ret = ::ioctl(fd, seg.cmd_op, &p);
		++stats.ioctls;
		detail::complete(seg, entries, ret < 0 ? -errno : ret);
	}

	/*
	 * submit() gives up on the @queued commands of entries [first, end)
	 * (the last chunk): those the kernel has not consumed are taken out of
	 * the SQ, so that no later io_uring_enter(2) runs them, and read
	 * ECANCELED (not sent).
	 */
	void drop_unsubmitted(std::size_t first, std::size_t end, std::size_t queued) noexcept
	{
		const unsigned dropped = detail::rewind_unsubmitted(&ring);
		const std::size_t ours = std::min<std::size_t>(dropped, queued);
		stats.sqes -= ours;
		stats.unsent += ours;
		/* The SQ is FIFO: the last @ours commands of the chunk. */
		std::size_t k = 0;
		for (std::size_t i = first; i < end;) {
			const std::size_t n = spans[i] & span_len;
			if ((spans[i] & span_sqe) && k++ >= queued - ours &&
			    (spans[i] & span_pending)) {
				spans[i] &= ~span_pending;
				for (std::size_t j = i; j < i + n; ++j)
					entries[j].result = -ECANCELED;
			}
			i += n;
		}
		/* More than the chunk: a wait queued before it was not consumed either. */
		if (dropped > queued && wait_queued)
			wait_queued = false;
	}

	Result<std::size_t> submit_ioctl(Batch &batch) noexcept
	{
		detail::exec_ioctl(fd, batch, armings, &stats.ioctls);
		return batch.size();
	}

	/* Put the wait in the SQ: TIMERX_URING_CMD_WAIT, or a POLL_ADD of the fd. */
	int queue_wait() noexcept
	{
		io_uring_sqe *sqe = get_sqe();
		if (sqe == nullptr)
			return -EBUSY;
		wait_is_poll = transport != Transport::uring_cmd || poll_waits;
		if (wait_is_poll)
			io_uring_prep_poll_add(sqe, fd, POLLIN);
		else
			prep_wait(sqe, fd);
		use_fixed(sqe);
		io_uring_sqe_set_data64(sqe, make_udata(tag_wait, 0, ++wait_seq));
		wait_queued = true;
		return 0;
	}

	/*
	 * A WAIT that the module refused (-EOPNOTSUPP, at once: its kernel's
	 * io_uring cannot cancel driver commands) is not a result: forget it
	 * and wait with POLL_ADD from now on.
	 */
	void drop_refused_wait() noexcept
	{
		if (wait_done && !wait_is_poll && wait_res == -EOPNOTSUPP) {
			poll_waits = true;
			wait_done = false;
		}
	}

	Result<std::uint32_t> wait_ring(Timeout timeout) noexcept
	{
		using clock = std::chrono::steady_clock;
		const bool no_timeout = timeout == timerx::forever;
		const clock::time_point deadline =
			clock::now() + (no_timeout ? clock::duration{} : timeout);

		reap();
		for (;;) {
			drop_refused_wait();
			if (wait_done)
				break;
			if (!wait_queued) {
				if (const int err = queue_wait(); err < 0)
					return Error{err};
			}

			int ret;
			if (no_timeout) {
				ret = io_uring_submit_and_wait(&ring, 1);
			} else {
				const auto left =
					std::max(clock::duration{}, deadline - clock::now());
				__kernel_timespec ts = to_kernel_timespec(
					std::chrono::duration_cast<std::chrono::nanoseconds>(left));
				io_uring_cqe *cqe = nullptr;
				ret = io_uring_submit_and_wait_timeout(&ring, &cqe, 1, &ts,
								       nullptr);
			}
			reap();
			/* Done, or refused: then the POLL_ADD goes in within this call. */
			if (wait_done)
				continue;
			/* liburing returns -ETIME, or the number submitted and no CQE. */
			if (!no_timeout && (ret == -ETIME || clock::now() >= deadline))
				return Error{ETIMEDOUT};
			if (ret < 0 && ret != -ETIME && ret != -EAGAIN && ret != -EBUSY)
				return Error{ret};
		}

		wait_done = false;
		const int res = wait_res;
		/* POLL_ADD reports a poll mask: readable (or an error the reader will see). */
		if (wait_is_poll && res > 0)
			return std::uint32_t{1};
		return from_return<std::uint32_t>(res);
	}
};

const char *to_string(Transport t) noexcept
{
	switch (t) {
	case Transport::automatic:
		return "automatic";
	case Transport::uring_cmd:
		return "uring_cmd";
	case Transport::ioctl:
		return "ioctl";
	}
	return "?";
}

Result<Uring> Uring::open(const Context &ctx, const UringOptions &opts) noexcept
{
	Result<Uring> u = open(ctx.fd(), opts);
	if (u)
		u->impl_->armings = ctx.armings();
	return u;
}

Result<Uring> Uring::open(int fd, const UringOptions &opts) noexcept
{
	if (opts.sq_entries == 0)
		return Error{EINVAL};

	Uring u;
	u.impl_.reset(new (std::nothrow) Impl());
	if (!u.impl_)
		return Error{ENOMEM};
	Impl &m = *u.impl_;
	m.fd = fd;
	if ((opts.setup_flags & ~caller_setup_flags) != 0)
		return Error{EINVAL};
	/* DEFER_TASKRUN runs completions only for the task that set the ring up. */
	if ((opts.setup_flags & IORING_SETUP_DEFER_TASKRUN) &&
	    !(opts.setup_flags & IORING_SETUP_SINGLE_ISSUER))
		return Error{EINVAL};
	const unsigned flags = opts.setup_flags | IORING_SETUP_SUBMIT_ALL;
	m.setup_result =
		m.init_ring(opts.sq_entries, flags | (opts.sqe128 ? IORING_SETUP_SQE128 : 0U));
	/* No SQE128 here: a plain ring still carries everything but creates. */
	if (m.setup_result < 0 && opts.sqe128)
		m.setup_result = m.init_ring(opts.sq_entries, flags);
	if (m.has_ring && opts.register_file)
		m.register_fd();

	switch (opts.transport) {
	case Transport::uring_cmd:
		if (m.setup_result < 0)
			return Error{m.setup_result};
		m.transport = Transport::uring_cmd;
		break;
	case Transport::automatic:
		if (m.has_ring)
			m.probe_result = m.probe();
		m.transport = choose_transport(m.setup_result, m.probe_result);
		break;
	case Transport::ioctl:
		m.transport = Transport::ioctl;
		break;
	}

	/* Waits only need a ring. */
	if (!m.has_ring) {
		(void)m.init_ring(opts.sq_entries, opts.setup_flags);
		if (m.has_ring && opts.register_file)
			m.register_fd();
	}
	return u;
}

Uring::Uring() noexcept = default;
Uring::~Uring() = default;
Uring::Uring(Uring &&other) noexcept = default;
Uring &Uring::operator=(Uring &&other) noexcept = default;

/* A Uring that is not open (default-constructed, moved from) reports no ring. */
Transport Uring::transport() const noexcept
{
	return impl_ ? impl_->transport : Transport::ioctl;
}

int Uring::setup_result() const noexcept
{
	return impl_ ? impl_->setup_result : -EBADF;
}

int Uring::probe_result() const noexcept
{
	return impl_ ? impl_->probe_result : 0;
}

bool Uring::has_ring() const noexcept
{
	return impl_ && impl_->has_ring;
}

int Uring::ring_fd() const noexcept
{
	return has_ring() ? impl_->ring.ring_fd : -1;
}

bool Uring::sqe128() const noexcept
{
	return has_ring() && impl_->sqe128;
}

bool Uring::fixed_file() const noexcept
{
	return has_ring() && impl_->fixed;
}

int Uring::register_result() const noexcept
{
	return impl_ ? impl_->register_result : 1;
}

unsigned Uring::sq_entries() const noexcept
{
	return impl_ ? impl_->sq_entries : 0;
}

int Uring::fd() const noexcept
{
	return impl_ ? impl_->fd : -1;
}

const UringStats &Uring::stats() const noexcept
{
	static constexpr UringStats none{};
	return impl_ ? impl_->stats : none;
}

bool Uring::wait_queued() const noexcept
{
	return impl_ && impl_->wait_queued;
}

bool Uring::waits_with_poll() const noexcept
{
	return impl_ && (impl_->transport != Transport::uring_cmd || impl_->poll_waits);
}

Result<std::size_t> Uring::submit(Batch &batch, Order order) noexcept
{
	if (!impl_)
		return Error{EBADF};
	if (batch.empty())
		return std::size_t{0};
	if (impl_->transport == Transport::uring_cmd)
		return impl_->submit_uring(batch, order);
	return impl_->submit_ioctl(batch);
}

Result<std::uint32_t> Uring::wait(Timeout timeout) noexcept
{
	if (!impl_)
		return Error{EBADF};
	++impl_->stats.waits;
	if (!impl_->has_ring) {
		const Result<void> r = poll_fd(impl_->fd, timeout);
		if (!r)
			return r.error();
		return std::uint32_t{1};
	}
	return impl_->wait_ring(timeout);
}

} // namespace timerx
