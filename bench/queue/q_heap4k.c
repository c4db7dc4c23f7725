// SPDX-License-Identifier: GPL-2.0
/* The workloads and the test for heap4k.h (driver.h). */
#include "heap4k.h"

#define Q	heap4k
#define Q_NAME	"heap4k"
#define Q_WHAT	"4-ary min-heap of (key, pointer), children in one cache line"
#include "driver.h"
