/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test rig for models: a context per model and per-folio state blocks, the
 * way the replayer keeps them, with op constructors. Header-only so that
 * every tests/unit/test-*.c can use it.
 */
#ifndef MAPCOUNT_MODEL_RIG_H
#define MAPCOUNT_MODEL_RIG_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/model.h"

static inline void *rig_xmalloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);

	if (!p) {
		fprintf(stderr, "rig: out of memory (%zu bytes)\n", n);
		exit(1);
	}
	return p;
}

static inline void rig_ctx_init(struct mc_model_ctx *ctx, const struct mc_model *m)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->model = m;
	if (m->ctx_init && m->ctx_init(ctx)) {
		fprintf(stderr, "rig: %s: ctx_init failed\n", m->name);
		exit(1);
	}
}

static inline void rig_ctx_fini(struct mc_model_ctx *ctx)
{
	if (ctx->model->ctx_fini)
		ctx->model->ctx_fini(ctx);
}

static inline struct mc_folio rig_folio(uint32_t slot, unsigned int kind, unsigned int order)
{
	struct mc_folio f = {.pfn = (uint64_t)slot << MC_PUD_ORDER,
			     .slot = slot,
			     .order = (uint8_t)order,
			     .kind = (uint8_t)kind};

	return f;
}

/* Where rig_state() puts a state past its allocation: at the weakest alignment
 * the model allows (state_align), as the replayer may, so that a model reading
 * a packed state through a wider type fails under UBSan. */
static inline size_t rig_state_offset(const struct mc_model *m, unsigned int order)
{
	size_t align = m->state_align ? m->state_align(order) : 8;

	return align < 8 ? align : 0;
}

/* A fresh state block for f, init()ed by the model. */
static inline void *rig_state(struct mc_model_ctx *ctx, const struct mc_folio *f)
{
	size_t off = rig_state_offset(ctx->model, f->order);
	void *st = (char *)rig_xmalloc(ctx->model->state_size(f->order) + off) + off;

	ctx->model->init(ctx, f, st);
	return st;
}

static inline void rig_state_free(struct mc_model_ctx *ctx, const struct mc_folio *f, void *st)
{
	if (ctx->model->fini)
		ctx->model->fini(ctx, f, st);
	free((char *)st - rig_state_offset(ctx->model, f->order));
}

static inline struct mc_op rig_op(unsigned int type, unsigned int level, uint32_t first,
				  uint32_t nr, uint32_t mm, uint32_t src_mm, unsigned int flags)
{
	struct mc_op op = {.type = (uint8_t)type,
			   .level = (uint8_t)level,
			   .flags = (uint16_t)flags,
			   .first = first,
			   .nr = nr,
			   .mm = mm,
			   .src_mm = src_mm};

	return op;
}

static inline struct mc_op rig_pte(unsigned int type, uint32_t first, uint32_t nr, uint32_t mm)
{
	return rig_op(type, MC_LEVEL_PTE, first, nr, mm, 0, 0);
}

static inline struct mc_op rig_pmd(unsigned int type, uint32_t k, uint32_t mm)
{
	return rig_op(type, MC_LEVEL_PMD, k * MC_PMD_NR, MC_PMD_NR, mm, 0, 0);
}

static inline struct mc_op rig_pud(unsigned int type, uint32_t mm)
{
	return rig_op(type, MC_LEVEL_PUD, 0, MC_PUD_NR, mm, 0, 0);
}

static inline struct mc_op rig_dup(struct mc_op op, uint32_t parent)
{
	op.type = MC_OP_DUP;
	op.src_mm = parent;
	return op;
}

static inline struct mc_op rig_flags(struct mc_op op, unsigned int flags)
{
	op.flags = (uint16_t)flags;
	return op;
}

#endif
