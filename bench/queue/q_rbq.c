// SPDX-License-Identifier: GPL-2.0
/* The workloads and the test for rbq.h (driver.h). */
#include "rbq.h"

#define Q	rbq
#define Q_NAME	"rb"
#define Q_WHAT	"the kernel's rbtree (tools/lib/rbtree.c), leftmost cached, as lib/timerqueue.c"
#include "driver.h"
