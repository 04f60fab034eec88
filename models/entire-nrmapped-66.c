// SPDX-License-Identifier: GPL-2.0
/*
 * entire-nrmapped, v6.6 operations: page_add_anon_rmap, folio_add_new_anon_rmap,
 * folio_add_file_rmap_range, page_remove_rmap, page_try_dup_anon_rmap,
 * page_dup_file_rmap and __split_huge_pmd_locked of v6.6.9. Anon adds, every
 * removal and every dup go one page per call (6.6 has no batching there).
 */
#include "models/entire-nrmapped.h"

/* mm/huge_memory.c:deferred_split_folio@v6.6 (swapcache is not modelled) */
static void defer_split_66(struct mc_model_ctx *ctx, struct en_state *s, struct en_cost *c)
{
	en_touch_fixed(c, 2); /* lockless list_empty(&folio->_deferred_list) */
	if (s->queued)
		return;
	c->atomics++; /* split_queue_lock */
	s->queued = 1;
	ctx->events[MC_EV_THP_DEFERRED_SPLIT_PAGE]++;
	ctx->events[MC_EV_DEFERRED_SPLIT_QUEUED]++;
}

/*
 * One page gains a PTE: the per-page step shared by page_add_anon_rmap (not
 * compound) and each iteration of folio_add_file_rmap_range@v6.6. Returns the
 * pages newly counted in NR_*_MAPPED; *first tells whether PMC went -1 -> 0.
 * The caller touches page i's line (en_touch_range over its loop).
 */
static int add_pte_page_66(struct mc_model_ctx *ctx, const struct mc_folio *f, struct en_state *s,
			   uint32_t i, bool *first, struct en_cost *c)
{
	*first = en_rmw(ctx, c, en_pmc(s, i), 1) == 0;
	if (!*first)
		return 0;
	en_touch_fixed(c, 0); /* folio_test_large */
	en_touch_fixed(c, 1);
	return en_rmw(ctx, c, &s->nr_pages_mapped, 1) < EN_ENTIRELY_MAPPED;
}

/* mm/rmap.c:page_add_anon_rmap@v6.6, compound=false; the caller touches page i */
static void add_anon_page_66(struct mc_model_ctx *ctx, const struct mc_folio *f, struct en_state *s,
			     uint32_t i, bool excl, struct en_cost *c)
{
	bool first;
	int nr = add_pte_page_66(ctx, f, s, i, &first, c);

	/* VM_BUG_ON_PAGE(!first && (RMAP_EXCLUSIVE or PageAnonExclusive)) */
	if (!first && (excl || en_pae(s, f->order, i)))
		ctx->violations++;
	if (nr)
		en_stat_mapped(ctx, f, nr);
	en_touch_fixed(c, 0); /* folio_test_ksm, anon mapping */
	/* __page_set_anon_rmap: PAE only when the page gets its first mapping */
	if (first && excl)
		en_pae_set(c, s, f->order, i);
}

/* mm/rmap.c:folio_add_file_rmap_range@v6.6, compound=false: one stat update */
static void add_file_range_66(struct mc_model_ctx *ctx, const struct mc_folio *f,
			      struct en_state *s, uint32_t first_page, uint32_t n,
			      struct en_cost *c)
{
	int nr = 0;
	bool first;

	en_touch_range(c, first_page, first_page + n);
	for (uint32_t i = first_page; i < first_page + n; i++)
		nr += add_pte_page_66(ctx, f, s, i, &first, c);
	if (nr)
		en_stat_mapped(ctx, f, nr);
}

/*
 * The compound branch of page_add_anon_rmap / folio_add_file_rmap_range@v6.6.
 * PUD (extension, spec 2.9) takes the same path with no PMDMAPPED pages.
 * Returns whether EM went -1 -> 0.
 */
static bool add_entire_66(struct mc_model_ctx *ctx, const struct mc_folio *f, struct en_state *s,
			  bool pud, struct en_cost *c)
{
	int nr = 0, pmd = 0;
	bool first = en_entire_mod(ctx, f, s, true, pud, &nr, &pmd, c);

	if (pmd)
		en_stat_pmdmapped(ctx, f, pmd);
	if (nr)
		en_stat_mapped(ctx, f, nr);
	return first;
}

static void add_entire_anon_66(struct mc_model_ctx *ctx, const struct mc_folio *f,
			       struct en_state *s, bool pud, bool excl, struct en_cost *c)
{
	bool first = add_entire_66(ctx, f, s, pud, c);

	if (!first && (excl || en_pae(s, f->order, 0)))
		ctx->violations++;
	if (first && excl)
		en_pae_set(c, s, f->order, 0);
}

/* mm/rmap.c:page_remove_rmap@v6.6, compound=false; the caller touches pages i, 0 and 1 */
static void remove_page_66(struct mc_model_ctx *ctx, const struct mc_folio *f, struct en_state *s,
			   uint32_t i, struct en_cost *c)
{
	int32_t v;

	v = en_rmw(ctx, c, en_pmc(s, i), -1);
	if (v < -1)
		ctx->violations++; /* removal of an unmapped page */
	if (v >= 0)
		return;
	if (en_rmw(ctx, c, &s->nr_pages_mapped, -1) >= EN_ENTIRELY_MAPPED)
		return;
	en_stat_mapped(ctx, f, -1);
	/* queued even when this was the folio's last mapped page */
	if (en_anon(f) && f->order >= MC_PMD_ORDER)
		defer_split_66(ctx, s, c);
}

/* mm/rmap.c:page_remove_rmap@v6.6, compound=true (PUD: extension, no PMDMAPPED) */
static void remove_entire_66(struct mc_model_ctx *ctx, const struct mc_folio *f, struct en_state *s,
			     bool pud, struct en_cost *c)
{
	int nr = 0, pmd = 0;

	en_entire_mod(ctx, f, s, false, pud, &nr, &pmd, c);
	if (pmd)
		en_stat_pmdmapped(ctx, f, -pmd);
	if (nr) {
		en_stat_mapped(ctx, f, -nr);
		if (en_anon(f) && f->order >= MC_PMD_ORDER && nr < pmd)
			defer_split_66(ctx, s, c);
	}
}

/* PTE-level adds, and PMD entries of folios larger than a PMD (extension) */
static void add_ptes_66(struct mc_model_ctx *ctx, const struct mc_folio *f, struct en_state *s,
			const struct mc_op *op, struct en_cost *c)
{
	if (!en_anon(f)) {
		add_file_range_66(ctx, f, s, op->first, op->nr, c);
		return;
	}
	en_touch_range(c, op->first, op->first + op->nr);
	for (uint32_t i = op->first; i < op->first + op->nr; i++)
		add_anon_page_66(ctx, f, s, i, op->flags & MC_OPF_EXCLUSIVE, c);
}

static void add_66(struct mc_model_ctx *ctx, const struct mc_folio *f, struct en_state *s,
		   const struct mc_op *op, struct en_cost *c)
{
	bool entire = en_level_entire(f, op->level);

	if (!entire) {
		add_ptes_66(ctx, f, s, op, c);
		if (op->level == MC_LEVEL_PMD)
			en_ext_pmds(ctx, s, 1, c);
	} else if (en_anon(f))
		add_entire_anon_66(ctx, f, s, op->level == MC_LEVEL_PUD,
				   op->flags & MC_OPF_EXCLUSIVE, c);
	else
		add_entire_66(ctx, f, s, op->level == MC_LEVEL_PUD, c);
}

/* mm/rmap.c:folio_add_new_anon_rmap@v6.6: plain stores, always exclusive */
static void new_anon_66(struct mc_model_ctx *ctx, const struct mc_folio *f, struct en_state *s,
			const struct mc_op *op, struct en_cost *c)
{
	uint32_t n = mc_folio_nr_pages(f);

	if (op->level == MC_LEVEL_PMD && en_pmd_is_entire(f)) {
		if (s->entire_mapcount != -1 || s->nr_pages_mapped != 0)
			ctx->violations++;
		s->entire_mapcount = 0;
		s->nr_pages_mapped = EN_ENTIRELY_MAPPED;
		en_touch_fixed(c, 1);
		en_stat_pmdmapped(ctx, f, n);
		en_stat_mapped(ctx, f, n);
	} else {
		/* extension (spec 2.8): per-page exclusive adds, no plain stores */
		struct mc_op add = *op;

		add.type = MC_OP_ADD;
		add.flags |= MC_OPF_EXCLUSIVE;
		add_66(ctx, f, s, &add, c);
		return;
	}
	en_touch_fixed(c, 0);
	en_pae_set(c, s, f->order, 0); /* __page_set_anon_rmap(..., exclusive=1) */
}

/*
 * Removals, one page per call. FREEZE (split/migration): try_to_migrate_one
 * and __split_huge_pmd_locked(freeze) first clear PAE
 * (include/linux/rmap.h:page_try_share_anon_rmap@v6.6); the exclusive bit
 * moves into the migration entry.
 */
static void remove_66(struct mc_model_ctx *ctx, const struct mc_folio *f, struct en_state *s,
		      const struct mc_op *op, struct en_cost *c)
{
	bool freeze = op->flags & MC_OPF_FREEZE;

	if (en_level_entire(f, op->level)) {
		if (freeze)
			en_share_anon(c, f, s, 0);
		remove_entire_66(ctx, f, s, op->level == MC_LEVEL_PUD, c);
		return;
	}
	en_touch_range(c, op->first, op->first + op->nr);
	en_touch_fixed(c, 0); /* folio_test_hugetlb reads page[0] and page[1] flags */
	en_touch_fixed(c, 1);
	for (uint32_t i = op->first; i < op->first + op->nr; i++) {
		if (freeze)
			en_share_anon(c, f, s, i);
		remove_page_66(ctx, f, s, i, c);
	}
	if (op->level == MC_LEVEL_PMD)
		en_ext_pmds(ctx, s, -1, c);
}

/*
 * Fork: mm/memory.c:copy_present_pte, mm/huge_memory.c:copy_huge_pmd@v6.6 with
 * include/linux/rmap.h:page_try_dup_anon_rmap / page_dup_file_rmap. GUP pins
 * (-EBUSY) are not modelled. A file PMD is not copied: the child refaults it.
 */
static void dup_66(struct mc_model_ctx *ctx, const struct mc_folio *f, struct en_state *s,
		   const struct mc_op *op, struct en_cost *c)
{
	bool entire = en_level_entire(f, op->level);

	if (!en_anon(f) && op->level != MC_LEVEL_PTE) {
		add_66(ctx, f, s, op, c);
		return;
	}
	if (entire) {
		en_dup_entire(ctx, f, s, c);
		return;
	}
	en_dup_pages(ctx, f, s, op->first, op->nr, c);
	if (op->level == MC_LEVEL_PMD)
		en_ext_pmds(ctx, s, 1, c);
}

/*
 * mm/huge_memory.c:__split_huge_pmd_locked@v6.6, freeze=false. Anon: PAE
 * propagated to every page, 512 page_add_anon_rmap(RMAP_NONE), then the PMD
 * rmap goes. File: the PMD is zapped; the scenario rule re-maps all 512 pages
 * with one PTE range add.
 */
static void remap_66(struct mc_model_ctx *ctx, const struct mc_folio *f, struct en_state *s,
		     const struct mc_op *op, struct en_cost *c)
{
	bool excl;

	if (!en_pmd_is_entire(f)) {
		/* extension: the pages are already counted; one entry becomes 512 */
		en_ext_pmds(ctx, s, -1, c);
		return;
	}
	if (!en_anon(f)) {
		remove_entire_66(ctx, f, s, false, c);
		add_file_range_66(ctx, f, s, 0, MC_PMD_NR, c);
		return;
	}
	excl = en_pae(s, f->order, 0);
	en_touch_range(c, 0, MC_PMD_NR);
	for (uint32_t i = 0; i < MC_PMD_NR; i++) {
		if (excl)
			en_pae_set(c, s, f->order, i);
		add_anon_page_66(ctx, f, s, i, false, c);
	}
	remove_entire_66(ctx, f, s, false, c);
}

const en_op_fn en66_ops[MC_OP_NR_TYPES] = {
	[MC_OP_NEW_ANON] = new_anon_66, [MC_OP_ADD] = add_66,	  [MC_OP_REMOVE] = remove_66,
	[MC_OP_DUP] = dup_66,		[MC_OP_REMAP] = remap_66,
};

/* mm/rmap.c:folio_add_new_anon_rmap@v6.6 on an order-0 folio: plain store, always exclusive */
static void small_new_anon_66(struct mc_model_ctx *ctx, const struct mc_folio *f,
			      struct en_small *s, bool excl)
{
	if (s->mapcount != -1)
		ctx->violations++;
	s->mapcount = 0;
	en_stat_mapped(ctx, f, 1);
	en_small_pae_set(ctx, s); /* __page_set_anon_rmap(..., exclusive=1) */
}

/* mm/rmap.c:page_add_anon_rmap@v6.6 on an order-0 folio, after PMC +1 */
static void small_anon_add_66(struct mc_model_ctx *ctx, struct en_small *s, bool excl, int32_t pmc)
{
	/* VM_BUG_ON_PAGE(!first && (RMAP_EXCLUSIVE or PageAnonExclusive)) */
	if (pmc && (excl || (s->pae & 1)))
		ctx->violations++;
	if (!pmc && excl)
		en_small_pae_set(ctx, s);
}

/* The 6.6 model's apply: order 0 as new_anon_66, add_66, remove_66, dup_66 would do it. */
void en66_apply(struct mc_model_ctx *ctx, const struct mc_folio *f, void *state,
		const struct mc_op *op)
{
	en_apply_version(ctx, f, state, op, EN_V6_6, small_new_anon_66, small_anon_add_66);
}
