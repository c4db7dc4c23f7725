/* SPDX-License-Identifier: MIT */
/*
 * libtimerx: the C++20 userspace library for timerx.ko (/dev/timerx), the
 * data path: link libtimerx (pkg-config libtimerx), which needs liburing
 * and nothing of netlink.
 *
 * Everything of it except <timerx/uring_prep.hpp> (the liburing-style prep
 * functions, which include <liburing.h>) and <timerx/testing.hpp> (FakeRing,
 * a ring in plain memory for tests). Uring (batched commands, io_uring
 * waits) and UringAttachment (the same commands in the engine's own
 * io_uring) are included: they need no liburing header. Histogram is the value
 * type alone. The control plane (Control, Monitor: generic netlink) is
 * libtimerx-control's, <timerx/control.hpp>; nothing here includes it.
 *
 * Guide: docs/libtimerx.md, libtimerx(3). Contract: <linux/timerx.h>.
 */
#ifndef TIMERX_TIMERX_HPP
#define TIMERX_TIMERX_HPP

#include <timerx/batch.hpp>
#include <timerx/clock.hpp>
#include <timerx/context.hpp>
#include <timerx/error.hpp>
#include <timerx/histogram.hpp>
#include <timerx/latency.hpp>
#include <timerx/ring.hpp>
#include <timerx/ring_reader.hpp>
#include <timerx/timeout.hpp>
#include <timerx/timer.hpp>
#include <timerx/types.hpp>
#include <timerx/uring.hpp>
#include <timerx/uring_attach.hpp>
#include <timerx/version.hpp>
#include <timerx/wait.hpp>

#endif /* TIMERX_TIMERX_HPP */
