// SPDX-License-Identifier: MIT
/*
 * The synchronous commands: one ioctl(2) each. ioctl() returns -1/errno;
 * do_ioctl() returns -errno, as the kernel and liburing do.
 */
#include <timerx/timer.hpp>

#include <sys/ioctl.h>

#include <cerrno>
#include <cstdint>

namespace timerx {

namespace {

int do_ioctl(int fd, unsigned long nr, void *arg) noexcept
{
	const int ret = ::ioctl(fd, nr, arg);
	return ret < 0 ? -errno : ret;
}

} // namespace

Result<TimerId> create_timer(int fd, const TimerSpec &spec) noexcept
{
	timerx_create c = spec.to_uapi();
	const int ret = do_ioctl(fd, TIMERX_IOC_CREATE, &c);
	if (ret < 0)
		return Error{ret};
	return TimerId{c.timer_id};
}

Result<void> arm_timer(int fd, const ArmSpec &spec, std::uint32_t seq) noexcept
{
	if (!spec.valid())
		return Error{EINVAL};
	if (spec.one_shot_exact()) {
		timerx_arm_oneshot a = spec.to_uapi_oneshot(seq);
		return from_status(do_ioctl(fd, spec.oneshot_cmd_op(), &a));
	}
	timerx_arm a = spec.to_uapi(seq);
	return from_status(do_ioctl(fd, TIMERX_IOC_ARM, &a));
}

Result<void> postpone_timer(int fd, const PostponeSpec &spec) noexcept
{
	timerx_postpone p = spec.to_uapi();
	return from_status(do_ioctl(fd, TIMERX_IOC_POSTPONE, &p));
}

Result<std::uint32_t> run_batch(int fd, std::span<timerx_batch_entry> entries) noexcept
{
	timerx_batch b{};
	b.entries = reinterpret_cast<std::uintptr_t>(entries.data());
	b.nr = entries.size() > TIMERX_BATCH_MAX ? TIMERX_BATCH_MAX + 1U
						 : static_cast<std::uint32_t>(entries.size());
	return from_return<std::uint32_t>(do_ioctl(fd, TIMERX_IOC_BATCH, &b));
}

Result<void> cancel_timer(int fd, TimerId id) noexcept
{
	timerx_timer_ref r = make_timer_ref(id);
	return from_status(do_ioctl(fd, TIMERX_IOC_CANCEL, &r));
}

Result<void> delete_timer(int fd, TimerId id) noexcept
{
	timerx_timer_ref r = make_timer_ref(id);
	return from_status(do_ioctl(fd, TIMERX_IOC_DELETE, &r));
}

Result<TimerInfo> get_timer(int fd, TimerId id) noexcept
{
	TimerInfo info{};
	info.timer_id = id;
	const int ret = do_ioctl(fd, TIMERX_IOC_GET, &info);
	if (ret < 0)
		return Error{ret};
	return info;
}

Result<ContextInfo> context_info(int fd) noexcept
{
	ContextInfo info{};
	const int ret = do_ioctl(fd, TIMERX_IOC_CTX_INFO, &info);
	if (ret < 0)
		return Error{ret};
	return info;
}

Result<std::uint32_t> flush(int fd) noexcept
{
	return from_return<std::uint32_t>(do_ioctl(fd, TIMERX_IOC_FLUSH, nullptr));
}

} // namespace timerx
