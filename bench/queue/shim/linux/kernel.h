/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The little of the kernel's <linux/kernel.h>, <linux/types.h>,
 * <linux/bitops.h> and <linux/bug.h> that the queue benchmark and the
 * kernel's own userspace rbtree (tools/include/linux/rbtree.h, extracted
 * at build time) need. Only what is used is here.
 */
#ifndef _QBENCH_LINUX_KERNEL_H
#define _QBENCH_LINUX_KERNEL_H

#include <assert.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <linux/compiler.h>

typedef uint64_t u64;
typedef int64_t s64;
typedef uint32_t u32;
typedef int32_t s32;
typedef uint16_t u16;
typedef uint8_t u8;
typedef int8_t s8;
typedef unsigned __int128 u128;

#define U64_MAX		UINT64_MAX
#define S64_MAX		INT64_MAX
#define U32_MAX		UINT32_MAX
#define KTIME_MAX	S64_MAX
#define NSEC_PER_USEC	1000ULL
#define NSEC_PER_MSEC	1000000ULL
#define NSEC_PER_SEC	1000000000ULL

#ifndef container_of
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))
#endif

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define BIT(n)		(1UL << (n))
#define BIT_ULL(n)	(1ULL << (n))

#define min(a, b)	((a) < (b) ? (a) : (b))
#define max(a, b)	((a) > (b) ? (a) : (b))
#define min_t(type, a, b)	min((type)(a), (type)(b))
#define max_t(type, a, b)	max((type)(a), (type)(b))

/* Bit numbers as the kernel counts them: fls64(1) == 1, __ffs64(1) == 0. */
static __always_inline unsigned int fls64(u64 x)
{
	return x ? 64 - __builtin_clzll(x) : 0;
}

static __always_inline unsigned int __ffs64(u64 x)
{
	return __builtin_ctzll(x);
}

static __always_inline unsigned int __ffs(unsigned long x)
{
	return __builtin_ctzl(x);
}

/*
 * The kernel warns once and goes on; here a warning is a failed check:
 * the benchmark's randomized test must not pass with one.
 */
#define WARN_ON_ONCE(cond) ({						\
	bool __c = !!(cond);						\
	if (unlikely(__c)) {						\
		fprintf(stderr, "WARNING at %s:%d: %s\n",		\
			__FILE__, __LINE__, #cond);			\
		abort();						\
	}								\
	__c;								\
})

#endif /* _QBENCH_LINUX_KERNEL_H */
