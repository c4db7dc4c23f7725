/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TIMERX_REGISTRY_H
#define _TIMERX_REGISTRY_H

#include <linux/types.h>

#include "hist.h"

struct timerx_ctx;

/* Totals since the module was loaded, of live and closed contexts. */
struct timerx_totals {
	u32 contexts;			/* live */
	u32 timers;			/* live */
	u64 fires;
	u64 expirations;
	u64 events;
	u64 ring_full;
	struct timerx_hist_snap lateness;
};

int timerx_registry_add(struct timerx_ctx *ctx);
void timerx_registry_remove(struct timerx_ctx *ctx);
bool timerx_registry_empty(void);

/*
 * The control plane's access. Under timerx_registry_lock() a context found
 * by id stays alive; take its ->lock after the registry's.
 */
void timerx_registry_lock(void);
void timerx_registry_unlock(void);
struct timerx_ctx *timerx_registry_find(u32 id);
/* The context with the lowest id >= *@id, and its id in *@id; or NULL. */
struct timerx_ctx *timerx_registry_next(unsigned long *id);
void timerx_registry_totals(struct timerx_totals *t);

/*
 * Changes whenever a context is opened or closed (a context's timers have
 * their own, ctx->generation): dumps compare it between messages.
 */
unsigned int timerx_generation(void);

#endif /* _TIMERX_REGISTRY_H */
