/* SPDX-License-Identifier: GPL-2.0 */
/* The kernel's compiler helpers that tools/lib/rbtree.c and its headers use. */
#ifndef _QBENCH_LINUX_COMPILER_H
#define _QBENCH_LINUX_COMPILER_H

#ifndef __always_inline
#define __always_inline	inline __attribute__((__always_inline__))
#endif
#define noinline	__attribute__((__noinline__))
#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)

#define READ_ONCE(x)	(*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, val) \
	do { *(volatile __typeof__(x) *)&(x) = (val); } while (0)

#endif /* _QBENCH_LINUX_COMPILER_H */
