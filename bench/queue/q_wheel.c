// SPDX-License-Identifier: GPL-2.0
/* The workloads and the test for wheel.h (driver.h). */
#include "wheel.h"

#define Q	wheel
#define Q_NAME	"wheel"
#define Q_WHAT	"hierarchical wheel, 11 x 64 slots, exact ns expiries, budgeted cascades"
#include "driver.h"
