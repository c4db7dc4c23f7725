/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TIMERX_REGISTRY_H
#define _TIMERX_REGISTRY_H

#include <linux/types.h>

struct timerx_ctx;

int timerx_registry_add(struct timerx_ctx *ctx);
void timerx_registry_remove(struct timerx_ctx *ctx);
bool timerx_registry_empty(void);
/* Live contexts; a snapshot, no lock needed. */
u32 timerx_registry_count(void);

/*
 * The control plane's access. Under timerx_registry_lock() a context found
 * by id stays alive; take its ->lock after the registry's.
 */
void timerx_registry_lock(void);
void timerx_registry_unlock(void);
struct timerx_ctx *timerx_registry_find(u32 id);
/* The context with the lowest id >= *@id, and its id in *@id; or NULL. */
struct timerx_ctx *timerx_registry_next(unsigned long *id);

/*
 * Changes whenever a context is opened or closed (a context's timers have
 * their own, ctx->generation): dumps compare it between messages.
 */
unsigned int timerx_generation(void);

#endif /* _TIMERX_REGISTRY_H */
