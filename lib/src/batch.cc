// SPDX-License-Identifier: MIT
#include <timerx/batch.hpp>

#include <cerrno>
#include <climits>
#include <new>
#include <utility>

namespace timerx {

Result<Batch> Batch::with_capacity(std::size_t capacity) noexcept
{
	/* Command indices are reported in an int (the CQE's user_data is 32 bits of it). */
	if (capacity > static_cast<std::size_t>(INT_MAX))
		return Error{EINVAL};
	Batch b;
	/* One allocation, value-initialised, for the Batch's whole life. */
	b.cmds_.reset(new (std::nothrow) Command[capacity]());
	if (!b.cmds_ && capacity != 0)
		return Error{ENOMEM};
	b.capacity_ = capacity;
	return b;
}

Batch::~Batch() = default;

Batch::Batch(Batch &&other) noexcept
	: cmds_(std::move(other.cmds_)), capacity_(std::exchange(other.capacity_, 0)),
	  size_(std::exchange(other.size_, 0))
{}

Batch &Batch::operator=(Batch &&other) noexcept
{
	if (this != &other) {
		cmds_ = std::move(other.cmds_);
		capacity_ = std::exchange(other.capacity_, 0);
		size_ = std::exchange(other.size_, 0);
	}
	return *this;
}

} // namespace timerx
