// SPDX-License-Identifier: GPL-2.0
/* The workloads and the test for heap4.h (driver.h). */
#include "heap4.h"

#define Q	heap4
#define Q_NAME	"heap4"
#define Q_WHAT	"4-ary min-heap of timer pointers, index in the timer"
#include "driver.h"
