// SPDX-License-Identifier: MIT
/*
 * A data-path program outside the libtimerx tree, built against an
 * installed libtimerx alone (CMake package or pkg-config): no
 * libtimerx-control, no libmnl. It must run on a machine without
 * /dev/timerx: it reads a ring in plain memory and checks that a missing
 * device is reported as Error ENOENT. With the device present it also
 * creates, arms and reads a real timer. control.cc is the control plane's
 * consumer.
 */
#include <timerx/testing.hpp>
#include <timerx/timerx.hpp>
#include <timerx/uring_prep.hpp>

#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>

namespace {

int failed = 0;

void check(bool ok, const char *what)
{
	std::printf("# %s: %s\n", ok ? "pass" : "FAIL", what);
	failed += !ok;
}

void ring_in_plain_memory()
{
	timerx::testing::FakeRing ring(8, UINT32_MAX - 3); /* counters wrap */
	timerx::RingReader reader = ring.reader();
	std::uint64_t sum = 0;
	std::uint64_t events = 0;
	for (std::uint64_t i = 0; i < 20; ++i) {
		timerx::Event e{};
		e.timer_id = static_cast<std::uint32_t>(i + 1);
		e.user_data = i;
		e.overrun = 1;
		ring.deliver(e); /* 8 fit, 12 overflow */
	}
	const auto res = reader.consume([&](const timerx::Event &e) {
		sum += timerx::expirations(e);
		++events;
	});
	check(res.ok() && events == 20 && sum == 40, "RingReader drains a ring in plain memory");
	check(res->flushes > 0 && !reader.overflow(), "overflow handled through the flush hook");
}

void missing_device()
{
	const auto ctx = timerx::Context::open({.path = "/nonexistent/timerx"});
	check(!ctx && ctx.error() == std::errc::no_such_file_or_directory,
	      "Context::open() on a missing device is Error ENOENT");
}

void sqe_prep()
{
	alignas(64) unsigned char slot[128] = {};
	auto *sqe = reinterpret_cast<io_uring_sqe *>(slot);
	timerx::prep_arm(sqe, 3, timerx::ArmSpec::after(1, std::chrono::milliseconds(1)));
	check(sqe->opcode == IORING_OP_URING_CMD && sqe->cmd_op == TIMERX_IOC_ARM,
	      "prep_arm() with liburing's struct io_uring_sqe");
}

void real_device()
{
	struct stat st;
	if (::stat(TIMERX_DEVICE_PATH, &st) != 0) {
		std::printf("# skip: no %s here\n", TIMERX_DEVICE_PATH);
		return;
	}
	const auto opened = timerx::Context::open();
	check(opened.ok(), "open the real device");
	if (!opened)
		return;
	const timerx::Context &ctx = *opened;
	const auto id = ctx.create_timer({.user_data = 7});
	check(id.ok(), "create a timer on the real device");
	if (!id)
		return;
	check(ctx.arm_timer(timerx::ArmSpec::after(*id, std::chrono::milliseconds(1))).ok(),
	      "arm it");
	timerx::RingReader reader = ctx.reader();
	std::uint64_t got = 0;
	for (int i = 0; i < 50 && got == 0; ++i) {
		if (reader.prepare_wait())
			(void)timerx::poll_fd(ctx.fd(), std::chrono::milliseconds(100));
		if (!reader.consume([&](const timerx::Event &e) { got = e.user_data; }))
			break;
	}
	check(got == 7, "its event arrives");
}

} // namespace

int main()
{
	const timerx::Version v = timerx::version();
	std::printf("# libtimerx %u.%u.%u (headers %u.%u.%u), UAPI %u\n", v.major, v.minor, v.patch,
		    timerx::header_version.major, timerx::header_version.minor,
		    timerx::header_version.patch, timerx::api_version());
	check(v.major == timerx::header_version.major, "library and headers agree");
	ring_in_plain_memory();
	missing_device();
	sqe_prep();
	real_device();
	return failed == 0 ? 0 : 1;
}
