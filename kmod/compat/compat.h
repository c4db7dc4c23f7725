/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Mainline APIs that older supported kernels lack, selected by the header
 * probes in compat/Kbuild.include.
 */
#ifndef _TIMERX_COMPAT_H
#define _TIMERX_COMPAT_H

#ifdef TIMERX_COMPAT_HRTIMER_SETUP
#include <linux/hrtimer.h>

/* hrtimer_setup() replaced hrtimer_init() + ->function in 6.13. */
static inline void hrtimer_setup(struct hrtimer *timer,
				 enum hrtimer_restart (*function)(struct hrtimer *),
				 clockid_t clock_id, enum hrtimer_mode mode)
{
	hrtimer_init(timer, clock_id, mode);
	timer->function = function;
}
#endif

#ifdef TIMERX_COMPAT_VM_FLAGS_SET
#include <linux/mm.h>

/* vm_flags became read-only behind vm_flags_set() in 6.3. */
static inline void vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags |= flags;
}
#endif

#include <net/genetlink.h>

/* A dump's parsed request attributes; genl_info_dump() arrived in 6.7. */
static inline struct nlattr **timerx_genl_dump_attrs(struct netlink_callback *cb)
{
#ifdef TIMERX_COMPAT_GENL_INFO_DUMP
	return genl_dumpit_info(cb)->attrs;
#else
	return genl_info_dump(cb)->attrs;
#endif
}

#ifdef TIMERX_COMPAT_URING_CMD_H
#include <linux/io_uring.h>
#else
#include <linux/io_uring/cmd.h>
#endif

#ifdef TIMERX_COMPAT_URING_SQE_CMD
/* 6.1's struct io_uring_cmd points at the SQE's command area directly. */
#define timerx_uring_payload(ioucmd)	((ioucmd)->cmd)
#else
#define timerx_uring_payload(ioucmd)	io_uring_sqe_cmd((ioucmd)->sqe)
#endif

#ifdef TIMERX_COMPAT_URING_CMD_CANCEL
/*
 * Nothing cancels driver commands: WAIT is refused (uring.c). A kernel
 * may still declare one of the two (6.7 has both, elsewhere): no stub
 * under the kernel's own name.
 */
#define TIMERX_HAVE_URING_CMD_CANCEL	0
#ifndef IO_URING_F_CANCEL
#define IO_URING_F_CANCEL		0
#endif

static inline void timerx_uring_cmd_mark_cancelable(struct io_uring_cmd *cmd,
						    unsigned int issue_flags)
{
}
#else
#define TIMERX_HAVE_URING_CMD_CANCEL	1
#define timerx_uring_cmd_mark_cancelable io_uring_cmd_mark_cancelable
#endif

#ifdef TIMERX_COMPAT_URING_TASK_DEAD
#define IO_URING_F_TASK_DEAD		0
#endif

#endif /* _TIMERX_COMPAT_H */
