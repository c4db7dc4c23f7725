// SPDX-License-Identifier: MIT
#include <timerx/batch.hpp>

#include <climits>
#include <stdexcept>
#include <utility>

namespace timerx {

Batch::Batch(std::size_t capacity)
{
	if (capacity > static_cast<std::size_t>(INT_MAX))
		throw std::length_error("timerx::Batch: capacity above INT_MAX");
	/* One allocation, value-initialised, for the Batch's whole life. */
	cmds_ = std::make_unique<Command[]>(capacity);
	capacity_ = capacity;
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
