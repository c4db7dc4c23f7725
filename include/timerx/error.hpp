/* SPDX-License-Identifier: MIT */
/*
 * Error reporting: one style for the whole library.
 *
 * Every operation that can fail returns a Result<T> (Result<void> when
 * there is no value): the value, or an Error holding the errno. Opening
 * things (Context::open(), Uring::open(), Batch::with_capacity(),
 * Control::open(), Monitor::open()) works the same way: there are no
 * throwing constructors. Everything in the library is noexcept except
 * RingReader::consume() and wait_hybrid() with a callable that throws (the
 * exception passes through; noexcept exactly when the callable is),
 * Result<T>::value_or() of a T whose copy throws, LatencyRecorder::histogram()
 * (allocates) and the test helper testing::FakeRing (tests/unit/noexcept_test.cc
 * holds the library to it).
 *
 * A Result is built from exactly a T or from an Error, never from anything
 * that converts to T: `Result<TimerId> f() { return -ENOENT; }` does not
 * compile (an int is not a TimerId), so an errno cannot pass for a value.
 * Results are [[nodiscard]]: ignoring one is a warning (an error with
 * -Werror).
 *
 * Errors libtimerx itself produces (all others come from the kernel):
 *   EIO        the ring's head is corrupt (tail - head > entries)
 *   EBADFD     a RingReader that is not bound to a ring
 *   EBADF      a Context, Uring, Control or Monitor that is not open
 *              (default-constructed or moved from)
 *   ENOBUFS    a Batch is full
 *   EINVAL     a negative period (ArmSpec), a bad option
 *   ENOMEM     an allocation failed (Batch, Uring, Control, Monitor)
 *   EPROTO     the module reported a ring layout this library does not know
 *   ETIMEDOUT  a wait or a netlink request timed out (the one "timed out")
 *
 * One outcome from the module has a name of its own: ETIME from a
 * postpone is "already expired" (the timer was not armed any more: its
 * event is in the ring, or it was cancelled): already_expired(e).
 */
#ifndef TIMERX_ERROR_HPP
#define TIMERX_ERROR_HPP

#include <cerrno>
#include <climits>
#include <concepts>
#include <system_error>
#include <type_traits>
#include <utility>

namespace timerx {

/* An errno value (positive, as errno holds it). */
class Error {
public:
	/*
	 * @err: an errno value. The kernel's and liburing's -errno is taken
	 * as well, so that Error{ret} is right for both conventions; 0 is
	 * not an error and becomes EINVAL.
	 */
	constexpr explicit Error(int err) noexcept
		: code_(err > 0 ? err : (err < 0 && err != INT_MIN ? -err : EINVAL))
	{}

	/* The errno value, > 0. */
	[[nodiscard]] constexpr int code() const noexcept { return code_; }

	[[nodiscard]] std::error_code error_code() const noexcept
	{
		return {code_, std::system_category()};
	}

	friend constexpr bool operator==(Error a, Error b) noexcept = default;
	friend constexpr bool operator==(Error a, std::errc b) noexcept
	{
		return a.code_ == static_cast<int>(b);
	}

private:
	int code_;
};

/*
 * A postpone found the timer no longer armed (ETIME): it expired (its
 * event is in the ring, or on its way) or was cancelled. Not a failure of
 * the call: there is nothing left to postpone.
 */
[[nodiscard]] constexpr bool already_expired(Error e) noexcept
{
	return e.code() == ETIME;
}

/* std::unexpected's spelling: `return timerx::unexpected(ENOENT);`. */
[[nodiscard]] constexpr Error unexpected(int err) noexcept
{
	return Error{err};
}

/*
 * A T or an Error. T must be default-constructible (the value slot of a
 * failed Result holds T{}); every type the library returns is.
 */
template <class T>
class [[nodiscard]] Result {
	static_assert(!std::is_reference_v<T> && !std::is_same_v<std::remove_cv_t<T>, Error>);
	static_assert(std::is_default_constructible_v<T>);

public:
	using value_type = T;

	/* Exactly a T: no conversion (see above). */
	template <class U>
	requires std::same_as<std::remove_cvref_t<U>, T>
	constexpr Result(U &&value) noexcept(std::is_nothrow_constructible_v<T, U &&>)
		: value_(std::forward<U>(value))
	{}

	constexpr Result(Error e) noexcept : err_(e.code()) {}

	[[nodiscard]] constexpr bool ok() const noexcept { return err_ == 0; }
	[[nodiscard]] constexpr bool has_value() const noexcept { return ok(); }
	constexpr explicit operator bool() const noexcept { return ok(); }

	/* The error; only when !ok() (EINVAL otherwise). */
	[[nodiscard]] constexpr Error error() const noexcept { return Error{err_}; }

	/* The value; T{} when !ok(). */
	[[nodiscard]] constexpr T &value() &noexcept { return value_; }
	[[nodiscard]] constexpr const T &value() const &noexcept { return value_; }
	[[nodiscard]] constexpr T &&value() &&noexcept { return std::move(value_); }
	[[nodiscard]] constexpr T &operator*() &noexcept { return value_; }
	[[nodiscard]] constexpr const T &operator*() const &noexcept { return value_; }
	[[nodiscard]] constexpr T &&operator*() &&noexcept { return std::move(value_); }
	[[nodiscard]] constexpr T *operator->() noexcept { return &value_; }
	[[nodiscard]] constexpr const T *operator->() const noexcept { return &value_; }
	/* noexcept when copying a T is (a Result<std::vector<...>>'s copy allocates). */
	[[nodiscard]] constexpr T value_or(T other) const &noexcept(
		std::is_nothrow_copy_constructible_v<T> &&std::is_nothrow_move_constructible_v<T>)
	{
		return ok() ? value_ : other;
	}

	/* Empty when ok(). */
	[[nodiscard]] std::error_code error_code() const noexcept
	{
		return ok() ? std::error_code{} : error().error_code();
	}

private:
	T value_{};
	int err_ = 0;
};

/* Success or an Error. `return {};` is success. */
template <>
class [[nodiscard]] Result<void> {
public:
	using value_type = void;

	constexpr Result() noexcept = default;
	constexpr Result(Error e) noexcept : err_(e.code()) {}

	[[nodiscard]] constexpr bool ok() const noexcept { return err_ == 0; }
	[[nodiscard]] constexpr bool has_value() const noexcept { return ok(); }
	constexpr explicit operator bool() const noexcept { return ok(); }

	/* The error; only when !ok() (EINVAL otherwise). */
	[[nodiscard]] constexpr Error error() const noexcept { return Error{err_}; }

	[[nodiscard]] std::error_code error_code() const noexcept
	{
		return ok() ? std::error_code{} : error().error_code();
	}

private:
	int err_ = 0;
};

/*
 * A negative return of the kernel's or liburing's convention as a Result:
 * an Error for < 0, else the value as T (a count, an id).
 */
template <class T>
requires std::is_integral_v<T>
[[nodiscard]] constexpr Result<T> from_return(long ret) noexcept
{
	if (ret < 0)
		return Error{static_cast<int>(ret)};
	return static_cast<T>(ret);
}

[[nodiscard]] constexpr Result<void> from_status(long ret) noexcept
{
	if (ret < 0)
		return Error{static_cast<int>(ret)};
	return {};
}

} // namespace timerx

#endif /* TIMERX_ERROR_HPP */
