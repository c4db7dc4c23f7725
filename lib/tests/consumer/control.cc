// SPDX-License-Identifier: MIT
/*
 * A control-plane program outside the libtimerx tree, built against an
 * installed libtimerx-control (which brings libtimerx along). On a machine
 * without the module the generic netlink family is missing: Control::open()
 * is ENOENT. With it loaded, STATS_GET reports the UAPI version.
 */
#include <timerx/control.hpp>
#include <timerx/version.hpp>

#include <cerrno>
#include <cstdio>

int main()
{
	/* Something of libtimerx too: both libraries are linked. */
	const timerx::Version v = timerx::version();
	std::printf("# libtimerx %u.%u.%u\n", v.major, v.minor, v.patch);
	auto ctl = timerx::Control::open();
	if (ctl) {
		const auto s = ctl->stats();
		const bool ok = s && s->api_version == TIMERX_API_VERSION;
		std::printf("# %s: Control::stats() from the loaded module\n",
			    ok ? "pass" : "FAIL");
		return ok ? 0 : 1;
	}
	const bool ok = ctl.error().code() == ENOENT;
	std::printf("# %s: Control::open() without the module is ENOENT\n", ok ? "pass" : "FAIL");
	return ok ? 0 : 1;
}
