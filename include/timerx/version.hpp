/* SPDX-License-Identifier: MIT */
/*
 * libtimerx version. The numbers below are the single source of truth: the
 * build (lib/CMakeLists.txt) reads them from this file.
 *
 * The library's ABI is versioned separately (SONAME libtimerx.so.1, symbol
 * version TIMERX_1.0); TIMERX_API_VERSION is the kernel UAPI's version.
 */
#ifndef TIMERX_VERSION_HPP
#define TIMERX_VERSION_HPP

#include <linux/timerx.h>

#include <timerx/detail/config.hpp>

#define TIMERX_VERSION_MAJOR 1
#define TIMERX_VERSION_MINOR 0
#define TIMERX_VERSION_PATCH 0

namespace timerx {

struct Version {
	unsigned major;
	unsigned minor;
	unsigned patch;
};

/* The version of the headers the caller was compiled with. */
inline constexpr Version header_version{TIMERX_VERSION_MAJOR, TIMERX_VERSION_MINOR,
					TIMERX_VERSION_PATCH};

/* The UAPI (TIMERX_API_VERSION) the caller was compiled with. */
inline constexpr unsigned header_api_version = TIMERX_API_VERSION;

/* The version of the library actually loaded. */
[[nodiscard]] TIMERX_API Version version() noexcept;

/*
 * The UAPI version the loaded library was built against. The module reports
 * its own in ContextInfo::api_version. API 3 changed layouts (40-byte
 * events with the arming's seq, struct timerx_arm with seq and slack, a
 * new TIMERX_IOC_ARM number): this library needs a module of API 3 (an
 * older module refuses its arms with ENOTTY and its ring with EPROTO).
 * Within API 3 and later the UAPI only adds.
 */
[[nodiscard]] TIMERX_API unsigned api_version() noexcept;

} // namespace timerx

#endif /* TIMERX_VERSION_HPP */
