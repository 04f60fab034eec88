/* SPDX-License-Identifier: GPL-2.0 */
/*
 * entire-nrmapped models (v6.6 and v6.12): per-page _mapcount, folio
 * _entire_mapcount and _nr_pages_mapped (+ _large_mapcount in 6.12).
 * Shared between the two model sources and the unit tests.
 */
#ifndef MAPCOUNT_ENTIRE_NRMAPPED_H
#define MAPCOUNT_ENTIRE_NRMAPPED_H

#include "models/model.h"

/* COMPOUND_MAPPED@v6.6 (mm/internal.h) = ENTIRELY_MAPPED@v6.12, same value */
#define EN_ENTIRELY_MAPPED 0x800000
#define EN_PAGES_MAPPED (EN_ENTIRELY_MAPPED - 1) /* FOLIO_PAGES_MAPPED */

enum en_version {
	EN_V6_6 = 0,
	EN_V6_12 = 1,
};

/*
 * Per-folio state. Counters hold the kernel's raw values (mapcounts biased
 * by -1). A small folio's state is struct en_small, packed (the replayer may
 * place it at any byte address); a large folio's is struct en_state (8-byte
 * aligned): page[0]'s _mapcount, the page[1]/page[2] fields, the _mapcount of
 * pages 1..N-1 and a PAE bitmap of N bits.
 */
struct en_small {
	int32_t mapcount; /* page[0]._mapcount */
	uint8_t pae; /* bit 0: PageAnonExclusive(page[0]) */
} __attribute__((packed));

struct en_state {
	int32_t mapcount0; /* PMC[0]: page[0]._mapcount */
	uint8_t queued; /* Q: on the deferred split queue (page[2]) */
	uint8_t partially_mapped; /* PM: PG_partially_mapped, 6.12 only */
	uint8_t reserved[2];
	int32_t entire_mapcount; /* EM, page[1] */
	int32_t nr_pages_mapped; /* NPM, page[1]; not biased */
	int32_t large_mapcount; /* LM, page[1], 6.12 only (stays -1 in 6.6) */
	int32_t ext_pmds; /* extension: PMD entries of a folio larger than a PMD */
	int32_t mapcount[]; /* PMC[i] of page i >= 1 at mapcount[i - 1] */
};

/* page[i]._mapcount of a large folio */
static inline int32_t *en_pmc(const struct en_state *s, uint32_t i)
{
	return i ? (int32_t *)&s->mapcount[i - 1] : (int32_t *)&s->mapcount0;
}

/* page[i]._mapcount of a folio of any order, read through the packed type for order 0 */
static inline int32_t en_pmc_read(const struct mc_folio *f, const void *state, uint32_t i)
{
	if (!mc_folio_large(f))
		return ((const struct en_small *)state)->mapcount;
	return *en_pmc(state, i);
}

/* A large folio's PAE bitmap, after its _mapcount array */
static inline uint8_t *en_pae_bits(const struct en_state *s, unsigned int order)
{
	return (uint8_t *)&s->mapcount[(1u << order) - 1];
}

/* PageAnonExclusive(page[i]) of a folio of any order */
static inline bool en_pae(const void *state, unsigned int order, uint32_t i)
{
	if (!order)
		return ((const struct en_small *)state)->pae & 1;
	return en_pae_bits(state, order)[i >> 3] & (1u << (i & 7));
}

/* Accounting work of one apply() call: atomics and the struct pages touched. */
struct en_cost {
	uint64_t atomics;
	struct mc_page_hull pages; /* pages whose own struct page was touched */
	uint8_t fixed; /* bit k: folio page k (0, 1 or 2) touched */
};

/* Common helpers used by both versions, per operation (inline: they are hot). */
static inline void en_touch(struct en_cost *c, uint32_t page)
{
	mc_hull_add(&c->pages, page, page + 1);
}

/* en_touch of every page in [first, end), end > first. */
static inline void en_touch_range(struct en_cost *c, uint32_t first, uint32_t end)
{
	mc_hull_add(&c->pages, first, end);
}

static inline void en_touch_fixed(struct en_cost *c, unsigned int page)
{
	c->fixed |= 1u << page;
}

/* An atomic RMW on an int32 accounting field: counted, wrapping like the kernel. */
static inline int32_t en_rmw(struct mc_model_ctx *ctx, struct en_cost *c, int32_t *v, int32_t delta)
{
	c->atomics++;
	return mc_atomic_add32(ctx, v, delta);
}

/* SetPageAnonExclusive / ClearPageAnonExclusive: atomic bit ops on page[i].flags */
static inline void en_pae_set(struct en_cost *c, struct en_state *s, unsigned int order, uint32_t i)
{
	c->atomics++;
	en_touch(c, i);
	en_pae_bits(s, order)[i >> 3] |= (uint8_t)(1u << (i & 7));
}

static inline void en_pae_clear(struct en_cost *c, struct en_state *s, unsigned int order,
				uint32_t i)
{
	c->atomics++;
	en_touch(c, i);
	en_pae_bits(s, order)[i >> 3] &= (uint8_t) ~(1u << (i & 7));
}

static inline bool en_anon(const struct mc_folio *f)
{
	return f->kind == MC_KIND_ANON;
}

/* NR_ANON_MAPPED (anon, KSM) or NR_FILE_MAPPED (file, shmem) */
static inline void en_stat_mapped(struct mc_model_ctx *ctx, const struct mc_folio *f, int64_t nr)
{
	ctx->vm[en_anon(f) ? MC_NR_ANON_MAPPED : MC_NR_FILE_MAPPED] += nr;
}

/* Common helpers (models/entire-nrmapped.c) used by both versions. */
void en_stat_pmdmapped(struct mc_model_ctx *ctx, const struct mc_folio *f, int64_t nr);
void en_ext_pmds(struct mc_model_ctx *ctx, struct en_state *s, int32_t delta, struct en_cost *c);
bool en_entire_mod(struct mc_model_ctx *ctx, const struct mc_folio *f, struct en_state *s, bool add,
		   bool pud, int *nr, int *pmd, struct en_cost *c);

void en_share_anon(struct en_cost *c, const struct mc_folio *f, struct en_state *s, uint32_t i);
void en_dup_entire(struct mc_model_ctx *ctx, const struct mc_folio *f, struct en_state *s,
		   struct en_cost *c);
void en_dup_pages(struct mc_model_ctx *ctx, const struct mc_folio *f, struct en_state *s,
		  uint32_t first, uint32_t n, struct en_cost *c);

/*
 * Order 0: every valid operation is one PTE of page 0 and touches one struct
 * page (page[0]); there are no page[1] counters. The version files apply it
 * here, large folios go through en_apply_large and the per-version tables.
 */
static inline bool en_small_op_valid(const struct mc_op *op)
{
	/* en_op_valid with N = 1: no PMD/PUD, no remap, page 0 only */
	return op->level == MC_LEVEL_PTE && op->first == 0 && op->nr == 1 && op->type < MC_OP_REMAP;
}

/*
 * An atomic RMW on a small folio's _mapcount: counted, wrapping like the
 * kernel. Through mc_atomic_add32_at: the packed field has no int32_t address.
 */
static inline int32_t en_small_rmw(struct mc_model_ctx *ctx, struct en_small *s, int32_t delta)
{
	ctx->atomics++;
	return mc_atomic_add32_at(ctx, &s->mapcount, delta);
}

/* SetPageAnonExclusive of a small folio's page: an atomic bit op */
static inline void en_small_pae_set(struct mc_model_ctx *ctx, struct en_small *s)
{
	ctx->atomics++;
	s->pae |= 1;
}

/* en_share_anon of a small folio: PAE cleared (an atomic bit op) if set, anon only */
static inline void en_small_share_anon(struct mc_model_ctx *ctx, const struct mc_folio *f,
				       struct en_small *s)
{
	if (en_anon(f) && (s->pae & 1)) {
		ctx->atomics++;
		s->pae &= (uint8_t)~1u;
	}
}

/*
 * Removal of a small folio's PTE, the same in both versions (page_remove_rmap
 * @v6.6, __folio_remove_rmap@v6.12): FREEZE clears PAE first (anon), then PMC
 * -1; the page leaves NR_*_MAPPED when PMC drops below 0.
 */
static inline void en_small_remove(struct mc_model_ctx *ctx, const struct mc_folio *f,
				   struct en_small *s, bool freeze)
{
	int32_t v;

	if (freeze)
		en_small_share_anon(ctx, f, s);
	v = en_small_rmw(ctx, s, -1);
	if (v < -1)
		ctx->violations++; /* removal of an unmapped page */
	if (v < 0)
		en_stat_mapped(ctx, f, -1);
}

/* Fork of a small folio's PTE, both versions: as en_dup_pages for page 0. */
static inline void en_small_dup(struct mc_model_ctx *ctx, const struct mc_folio *f,
				struct en_small *s)
{
	en_small_share_anon(ctx, f, s);
	if (en_small_rmw(ctx, s, 1) <= 0)
		ctx->violations++;
}

/* The general apply, for large folios (models/entire-nrmapped.c). */
void en_apply_large(struct mc_model_ctx *ctx, const struct mc_folio *f, struct en_state *s,
		    const struct mc_op *op, enum en_version v);
void en66_apply(struct mc_model_ctx *ctx, const struct mc_folio *f, void *state,
		const struct mc_op *op);
void en612_apply(struct mc_model_ctx *ctx, const struct mc_folio *f, void *state,
		 const struct mc_op *op);

/* A version's order-0 first map, and its anon add after PMC went up to @pmc. */
typedef void (*en_small_new_fn)(struct mc_model_ctx *ctx, const struct mc_folio *f,
				struct en_small *s, bool excl);
typedef void (*en_small_anon_add_fn)(struct mc_model_ctx *ctx, struct en_small *s, bool excl,
				     int32_t pmc);

/*
 * apply() of both versions (inlined with the version's two order-0 steps):
 * a large folio goes to en_apply_large; an order-0 op is done here, on the
 * packed state. An add of one PTE starts the same way in both (PMC +1,
 * NR_*_MAPPED +1 on the first mapping); only anon adds go on to the
 * version's PAE handling.
 */
static inline void en_apply_version(struct mc_model_ctx *ctx, const struct mc_folio *f, void *state,
				    const struct mc_op *op, enum en_version v,
				    en_small_new_fn small_new, en_small_anon_add_fn small_anon_add)
{
	struct en_small *s = state;
	bool excl = op->flags & MC_OPF_EXCLUSIVE;
	int32_t pmc;

	if (mc_folio_large(f)) {
		en_apply_large(ctx, f, state, op, v);
		return;
	}
	if (!en_small_op_valid(op)) {
		ctx->violations++;
		return;
	}
	ctx->cachelines++; /* page[0] */
	switch (op->type) {
	case MC_OP_NEW_ANON:
		small_new(ctx, f, s, excl);
		return;
	case MC_OP_ADD:
		pmc = en_small_rmw(ctx, s, 1);
		if (!pmc)
			en_stat_mapped(ctx, f, 1);
		if (en_anon(f))
			small_anon_add(ctx, s, excl, pmc);
		return;
	case MC_OP_REMOVE:
		en_small_remove(ctx, f, s, op->flags & MC_OPF_FREEZE);
		return;
	default: /* MC_OP_DUP */
		en_small_dup(ctx, f, s);
	}
}

/* The two versions' operations on large folios, indexed by enum mc_op_type. */
typedef void (*en_op_fn)(struct mc_model_ctx *ctx, const struct mc_folio *f, struct en_state *s,
			 const struct mc_op *op, struct en_cost *c);
extern const en_op_fn en66_ops[MC_OP_NR_TYPES];
extern const en_op_fn en612_ops[MC_OP_NR_TYPES];

/* A PMD entry maps the whole folio only for order 9; larger folios use the extension rule. */
static inline bool en_pmd_is_entire(const struct mc_folio *f)
{
	return f->order == MC_PMD_ORDER;
}

/* Does an entry at this level go through _entire_mapcount (PMD of order 9, PUD)? */
static inline bool en_level_entire(const struct mc_folio *f, unsigned int level)
{
	return level == MC_LEVEL_PUD || (level == MC_LEVEL_PMD && en_pmd_is_entire(f));
}

/*
 * Full invariant check (I1..I4 of the spec, every mapcount >= -1): O(N).
 * Returns the number of broken invariants. fini() runs it; tests call it
 * after every step.
 */
unsigned int en_check_invariants(const struct mc_folio *f, const void *state, enum en_version v);

#endif /* MAPCOUNT_ENTIRE_NRMAPPED_H */
