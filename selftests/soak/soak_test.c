// SPDX-License-Identifier: GPL-2.0
/*
 * The soak as one translation unit: kselftest_harness.h, which the shared
 * helpers (timerx_util.h, netlink_util.h) include, defines global
 * symbols, so the soak's files cannot be compiled and linked apart.
 */
#include "main.c"
#include "ledger.c"
#include "worker.c"
#include "stepper.c"
#include "netlink.c"
#include "memory.c"
