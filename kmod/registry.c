// SPDX-License-Identifier: GPL-2.0
/*
 * Every live context by id, and the generation counter that tells dumps
 * about contexts opened or closed meanwhile.
 *
 * A context is removed under the registry mutex before it is freed, so the
 * control plane, holding that mutex, can take the context's own mutex and
 * read it without a reference count.
 */

#include <linux/atomic.h>
#include <linux/mutex.h>
#include <linux/xarray.h>

#include "context.h"
#include "registry.h"

static DEFINE_MUTEX(timerx_registry_mutex);
static DEFINE_XARRAY_ALLOC1(timerx_contexts);
static u32 timerx_next_ctx_id;
static unsigned int timerx_nr_contexts;
static atomic_t timerx_gen;

unsigned int timerx_generation(void)
{
	return atomic_read(&timerx_gen);
}

static void timerx_generation_bump(void)
{
	atomic_inc(&timerx_gen);
}

int timerx_registry_add(struct timerx_ctx *ctx)
{
	int ret;

	mutex_lock(&timerx_registry_mutex);
	ret = xa_alloc_cyclic(&timerx_contexts, &ctx->id, ctx, xa_limit_31b,
			      &timerx_next_ctx_id, GFP_KERNEL);
	if (ret >= 0) {
		WRITE_ONCE(timerx_nr_contexts, timerx_nr_contexts + 1);
		timerx_generation_bump();
		ret = 0;
	}
	mutex_unlock(&timerx_registry_mutex);
	return ret;
}

void timerx_registry_remove(struct timerx_ctx *ctx)
{
	mutex_lock(&timerx_registry_mutex);
	xa_erase(&timerx_contexts, ctx->id);
	WRITE_ONCE(timerx_nr_contexts, timerx_nr_contexts - 1);
	timerx_generation_bump();
	mutex_unlock(&timerx_registry_mutex);
}

bool timerx_registry_empty(void)
{
	return xa_empty(&timerx_contexts);
}

u32 timerx_registry_count(void)
{
	return READ_ONCE(timerx_nr_contexts);
}

void timerx_registry_lock(void)
{
	mutex_lock(&timerx_registry_mutex);
}

void timerx_registry_unlock(void)
{
	mutex_unlock(&timerx_registry_mutex);
}

struct timerx_ctx *timerx_registry_find(u32 id)
{
	lockdep_assert_held(&timerx_registry_mutex);
	return xa_load(&timerx_contexts, id);
}

struct timerx_ctx *timerx_registry_next(unsigned long *id)
{
	lockdep_assert_held(&timerx_registry_mutex);
	return xa_find(&timerx_contexts, id, ULONG_MAX, XA_PRESENT);
}
