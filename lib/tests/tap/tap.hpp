/* SPDX-License-Identifier: MIT */
/*
 * TAP output for GoogleTest, so that the project's harness can count
 * results: "1..N" first, then "ok N - Suite.Test", "not ok N - Suite.Test"
 * (failure messages before it as "# " lines) or "ok N - Suite.Test # SKIP
 * reason". Normal gtest output instead: --gtest-native on the command line
 * or TIMERX_TEST_OUTPUT=gtest in the environment.
 */
#ifndef TIMERX_TESTS_TAP_HPP
#define TIMERX_TESTS_TAP_HPP

#include <gtest/gtest.h>

namespace timerx::test {

/*
 * Called by main() after the command line is parsed and before the tests
 * run. A binary defines it (integration tests: skip without the device);
 * the default (weak) does nothing. Return a non-empty reason to skip the
 * whole binary: it prints "1..1", "ok 1 - <name> # SKIP reason" and exits 4.
 */
const char *skip_all_reason();

} // namespace timerx::test

#endif /* TIMERX_TESTS_TAP_HPP */
