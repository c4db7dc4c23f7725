// SPDX-License-Identifier: GPL-2.0
/* The workloads and the test for sset.h (driver.h). */
#include "sset.h"

#define Q	sset
#define Q_NAME	"sset"
#define Q_WHAT	"Seastar's timer_set: 65 clz buckets and a bitmap"
#include "driver.h"
