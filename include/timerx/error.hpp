/* SPDX-License-Identifier: MIT */
/*
 * Error reporting.
 *
 * Setup (opening the device, sizing and mapping the ring, creating an
 * io_uring when one is required) throws std::system_error. Everything else
 * is noexcept and reports errors the way the kernel and liburing do: as a
 * negative errno value. Results that carry a value on success use
 * Result<T>, which holds either the value or the negative errno.
 *
 * Errors libtimerx itself produces (all others come from the kernel):
 *   -EIO       the ring's head is corrupt (tail - head > entries)
 *   -EBADFD    a RingReader that is not bound to a ring
 *   -ENOBUFS   a Batch is full
 *   -EPROTO    the module reported a ring layout this library does not know
 *   -EINPROGRESS  a Batch command not submitted yet
 *   -ECANCELED    a Batch command whose submission failed before it ran
 */
#ifndef TIMERX_ERROR_HPP
#define TIMERX_ERROR_HPP

#include <cerrno>
#include <system_error>
#include <type_traits>

namespace timerx {

/* std::error_code for a negative errno (as returned by libtimerx). */
[[nodiscard]] inline std::error_code make_error_code(int negative_errno) noexcept
{
	return {-negative_errno, std::system_category()};
}

/*
 * A value or a negative errno. Cheap to copy; T is a small trivially
 * copyable type (a timer id, a UAPI struct).
 */
template <class T>
class [[nodiscard]] Result {
	static_assert(std::is_trivially_copyable_v<T>);

public:
	constexpr Result(T value) noexcept : value_(value) {}

	/* A failure; @negative_errno must be < 0 (anything else means -EINVAL). */
	[[nodiscard]] static constexpr Result failure(int negative_errno) noexcept
	{
		Result r{T{}};
		r.err_ = negative_errno < 0 ? negative_errno : -EINVAL;
		return r;
	}

	[[nodiscard]] constexpr bool ok() const noexcept { return err_ == 0; }
	constexpr explicit operator bool() const noexcept { return ok(); }

	/* 0 on success, else the negative errno. */
	[[nodiscard]] constexpr int error() const noexcept { return err_; }

	/* The value; T{} when !ok(). */
	[[nodiscard]] constexpr const T &value() const noexcept { return value_; }
	[[nodiscard]] constexpr const T &operator*() const noexcept { return value_; }
	[[nodiscard]] constexpr const T *operator->() const noexcept { return &value_; }
	[[nodiscard]] constexpr T value_or(T other) const noexcept { return ok() ? value_ : other; }

	[[nodiscard]] std::error_code error_code() const noexcept
	{
		return ok() ? std::error_code{} : make_error_code(err_);
	}

private:
	T value_{};
	int err_ = 0;
};

} // namespace timerx

#endif /* TIMERX_ERROR_HPP */
