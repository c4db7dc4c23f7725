/* SPDX-License-Identifier: GPL-2.0 */
/* tools/include/linux/rbtree.h includes <linux/stddef.h> for NULL and offsetof. */
#ifndef _QBENCH_LINUX_STDDEF_H
#define _QBENCH_LINUX_STDDEF_H
#include <stddef.h>
#endif
