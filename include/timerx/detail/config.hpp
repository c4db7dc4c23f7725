/* SPDX-License-Identifier: MIT */
/*
 * Build configuration shared by every public header: symbol visibility.
 *
 * libtimerx is built with -fvisibility=hidden; what TIMERX_API marks is its
 * ABI (versioned TIMERX_1.0 by lib/libtimerx.map). Inline functions and
 * templates live in the headers and are not part of the ABI.
 */
#ifndef TIMERX_DETAIL_CONFIG_HPP
#define TIMERX_DETAIL_CONFIG_HPP

#define TIMERX_API __attribute__((visibility("default")))

#endif /* TIMERX_DETAIL_CONFIG_HPP */
