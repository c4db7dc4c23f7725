/* SPDX-License-Identifier: GPL-2.0 */
#ifndef TIMERX_FUZZ_EXEC_H
#define TIMERX_FUZZ_EXEC_H

#include "fuzz_prog.h"

/*
 * The executor's loop, in the forked child: for each byte read from go_fd,
 * run the program in *shared (with KCOV enabled on kcov_fd, when >= 0,
 * its area at cover) and answer with a byte on done_fd. Never returns.
 */
void fz_exec_main(struct fz_shared *shared, int kcov_fd, unsigned long *cover,
		  int go_fd, int done_fd) __attribute__((noreturn));

#endif /* TIMERX_FUZZ_EXEC_H */
