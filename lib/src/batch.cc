// SPDX-License-Identifier: MIT
#include "batch_exec.hpp"

#include <timerx/batch.hpp>

#include <sys/ioctl.h>

#include <cerrno>
#include <climits>
#include <cstdint>
#include <new>
#include <utility>

namespace timerx {

Result<Batch> Batch::with_capacity(std::size_t capacity) noexcept
{
	/* Command indices are reported in an int (the CQE's user_data is 32 bits of it). */
	if (capacity > static_cast<std::size_t>(INT_MAX))
		return Error{EINVAL};
	Batch b;
	/* Two allocations, value-initialised, for the Batch's whole life. */
	b.entries_.reset(new (std::nothrow) timerx_batch_entry[capacity]());
	b.span_.reset(new (std::nothrow) std::uint32_t[capacity]());
	if ((!b.entries_ || !b.span_) && capacity != 0)
		return Error{ENOMEM};
	b.capacity_ = capacity;
	return b;
}

Batch::~Batch() = default;

Batch::Batch(Batch &&other) noexcept
	: entries_(std::move(other.entries_)), span_(std::move(other.span_)),
	  capacity_(std::exchange(other.capacity_, 0)), size_(std::exchange(other.size_, 0))
{}

Batch &Batch::operator=(Batch &&other) noexcept
{
	if (this != &other) {
		entries_ = std::move(other.entries_);
		span_ = std::move(other.span_);
		capacity_ = std::exchange(other.capacity_, 0);
		size_ = std::exchange(other.size_, 0);
	}
	return *this;
}

namespace detail {

namespace {

/* The single command an entry is sent as when it is a run of one. */
unsigned single_cmd_op(const timerx_batch_entry &e) noexcept
{
	switch (e.op) {
	case TIMERX_BATCH_ARM:
		if (e.period_ns == 0 && e.slack_ns == 0)
			return (e.flags & TIMERX_ARM_F_ABS) ? TIMERX_IOC_ARM_AT : TIMERX_IOC_ARM_IN;
		return TIMERX_IOC_ARM;
	case TIMERX_BATCH_POSTPONE:
		return TIMERX_IOC_POSTPONE;
	case TIMERX_BATCH_CANCEL:
		return TIMERX_IOC_CANCEL;
	case op_create:
		return TIMERX_IOC_CREATE;
	default:
		break;
	}
	return TIMERX_IOC_DELETE;
}

} // namespace

Segment segment_at(const timerx_batch_entry *entries, std::size_t i, std::size_t size) noexcept
{
	Segment s{i, 1, single_cmd_op(entries[i])};
	if (!batchable(entries[i]))
		return s;
	std::size_t end = i + 1;
	while (end < size && end - i < TIMERX_BATCH_MAX && batchable(entries[end]))
		++end;
	s.n = static_cast<std::uint32_t>(end - i);
	if (s.n > 1)
		s.cmd_op = TIMERX_IOC_BATCH;
	return s;
}

std::size_t make_payload(const Segment &s, timerx_batch_entry *entries, Payload &p) noexcept
{
	const timerx_batch_entry &e = entries[s.first];
	p = {};
	switch (s.cmd_op) {
	case TIMERX_IOC_BATCH:
		p.batch.entries = reinterpret_cast<std::uintptr_t>(&entries[s.first]);
		p.batch.nr = s.n;
		break;
	case TIMERX_IOC_ARM_AT:
	case TIMERX_IOC_ARM_IN:
		p.oneshot.timer_id = e.timer_id;
		p.oneshot.seq = e.seq;
		p.oneshot.expires_ns = e.expires_ns;
		break;
	case TIMERX_IOC_ARM:
		p.arm.timer_id = e.timer_id;
		p.arm.flags = e.flags;
		p.arm.expires_ns = e.expires_ns;
		p.arm.period_ns = e.period_ns;
		p.arm.seq = e.seq;
		p.arm.slack_ns = e.slack_ns;
		break;
	case TIMERX_IOC_POSTPONE:
		p.postpone.timer_id = e.timer_id;
		p.postpone.flags = e.flags;
		p.postpone.expires_ns = e.expires_ns;
		break;
	case TIMERX_IOC_CREATE:
		p.create = create_of(e);
		break;
	default: /* CANCEL, DELETE */
		p.ref.timer_id = e.timer_id;
		break;
	}
	return _IOC_SIZE(s.cmd_op);
}

void complete(const Segment &s, timerx_batch_entry *entries, int res) noexcept
{
	if (s.cmd_op != TIMERX_IOC_BATCH) {
		entries[s.first].result = res;
		return;
	}
	/* The module wrote the results of the entries it ran: [0, res). */
	const std::uint32_t ran = res > 0 ? static_cast<std::uint32_t>(res) : 0U;
	for (std::uint32_t i = ran; i < s.n; ++i)
		entries[s.first + i].result = res < 0 ? res : -ECANCELED;
}

void prepare(Batch &b, ArmingTable *table) noexcept
{
	timerx_batch_entry *entries = BatchAccess::entries(b);
	for (std::size_t i = 0; i < b.size(); ++i) {
		timerx_batch_entry &e = entries[i];
		e.result = -EINPROGRESS;
		if (e.op == TIMERX_BATCH_ARM && table != nullptr)
			e.seq = table->next_seq(e.timer_id).value_or(0);
	}
}

void learn(Batch &b, ArmingTable *table) noexcept
{
	if (table == nullptr)
		return;
	const timerx_batch_entry *entries = BatchAccess::entries(b);
	for (std::size_t i = 0; i < b.size(); ++i) {
		const timerx_batch_entry &e = entries[i];
		if (e.result < 0)
			continue;
		switch (e.op) {
		case TIMERX_BATCH_ARM:
			table->commit(e.timer_id, e.seq);
			break;
		case TIMERX_BATCH_CANCEL:
		case op_delete:
			table->retire(e.timer_id);
			break;
		case op_create:
			/* ENOMEM: no slot, so nothing of that timer is ever dropped. */
			(void)table->reserve(static_cast<TimerId>(e.result));
			break;
		default:
			break;
		}
	}
}

void exec_ioctl(int fd, Batch &b, ArmingTable *table, std::uint64_t *ioctls) noexcept
{
	timerx_batch_entry *entries = BatchAccess::entries(b);
	prepare(b, table);
	for (std::size_t i = 0; i < b.size();) {
		const Segment s = segment_at(entries, i, b.size());
		Payload p;
		(void)make_payload(s, entries, p);
		const int ret = ::ioctl(fd, s.cmd_op, &p);
		++*ioctls;
		complete(s, entries, ret < 0 ? -errno : ret);
		i += s.n;
	}
	learn(b, table);
}

} // namespace detail

} // namespace timerx
