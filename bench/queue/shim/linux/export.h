/* SPDX-License-Identifier: GPL-2.0 */
/* tools/lib/rbtree.c exports its functions; in a program that is nothing. */
#ifndef _QBENCH_LINUX_EXPORT_H
#define _QBENCH_LINUX_EXPORT_H
#define EXPORT_SYMBOL(sym)
#define EXPORT_SYMBOL_GPL(sym)
#endif
