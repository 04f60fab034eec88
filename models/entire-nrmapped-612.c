// SPDX-License-Identifier: GPL-2.0
/*
 * entire-nrmapped, v6.12 operations: the batched rmap API of mm/rmap.c
 * (__folio_add_rmap, __folio_remove_rmap, __folio_mod_stat,
 * folio_add_new_anon_rmap), include/linux/rmap.h dup helpers and
 * mm/huge_memory.c (__split_huge_pmd_locked, deferred_split_folio) of Debian
 * 6.12.117. One call per batch; migration removals and restores go one page
 * per call, as try_to_migrate_one and remove_migration_pte do.
 */
#include "models/entire-nrmapped.h"

/*
 * mm/huge_memory.c:deferred_split_folio@v6.12 (split_underused_thp at its
 * default, swapcache not modelled). The mTHP split_deferred and
 * nr_anon_partially_mapped counters have no slot in ctx->events.
 */
static void defer_split_612(struct mc_model_ctx *ctx, const struct mc_folio *f, struct en_state *s,
			    bool partially, struct en_cost *c)
{
	if (f->order <= 1)
		return;
	c->atomics++; /* split_queue_lock */
	en_touch_fixed(c, 2);
	if (partially && !s->partially_mapped) {
		c->atomics++; /* folio_set_partially_mapped: set_bit on page[1] flags */
		s->partially_mapped = 1;
		if (f->order >= MC_PMD_ORDER)
			ctx->events[MC_EV_THP_DEFERRED_SPLIT_PAGE]++;
	}
	if (!s->queued) {
		s->queued = 1;
		ctx->events[MC_EV_DEFERRED_SPLIT_QUEUED]++;
	}
}

/*
 * mm/rmap.c:__folio_add_rmap@v6.12, RMAP_LEVEL_PTE; returns pages newly mapped.
 * ext_pmd: the n = 512 pages are one PMD of a folio larger than a PMD (extension).
 */
static int add_ptes_612(struct mc_model_ctx *ctx, const struct mc_folio *f, struct en_state *s,
			uint32_t first_page, uint32_t n, bool ext_pmd, struct en_cost *c)
{
	int first = 0;

	en_touch_fixed(c, 0); /* folio_test_large */
	en_touch_range(c, first_page, first_page + n);
	for (uint32_t i = first_page; i < first_page + n; i++) {
		first += en_rmw(ctx, c, en_pmc(s, i), 1) == 0;
	}
	en_touch_fixed(c, 1);
	if (first && en_rmw(ctx, c, &s->nr_pages_mapped, first) >= EN_ENTIRELY_MAPPED)
		first = 0;
	en_rmw(ctx, c, &s->large_mapcount, ext_pmd ? 1 : (int32_t)n);
	if (ext_pmd)
		en_ext_pmds(ctx, s, 1, c);
	return first;
}

/* mm/rmap.c:__folio_add_rmap@v6.12, RMAP_LEVEL_PMD (PUD: extension, *pmd stays 0) */
static int add_entire_612(struct mc_model_ctx *ctx, const struct mc_folio *f, struct en_state *s,
			  bool pud, int *pmd, struct en_cost *c)
{
	int nr = 0;

	en_entire_mod(ctx, f, s, true, pud, &nr, pmd, c);
	en_rmw(ctx, c, &s->large_mapcount, 1);
	return nr;
}

/* mm/rmap.c:__folio_mod_stat@v6.12 */
static void mod_stat_612(struct mc_model_ctx *ctx, const struct mc_folio *f, int nr, int pmd)
{
	if (nr)
		en_stat_mapped(ctx, f, nr);
	if (pmd)
		en_stat_pmdmapped(ctx, f, pmd);
}

/*
 * mm/rmap.c:__folio_add_anon_rmap / __folio_add_file_rmap@v6.12. Anon: PAE is
 * set after the stats, on every page of a PTE batch, on the head for a PMD.
 */
static void add_612(struct mc_model_ctx *ctx, const struct mc_folio *f, struct en_state *s,
		    uint32_t first_page, uint32_t n, enum mc_level level, bool excl,
		    struct en_cost *c)
{
	bool entire = en_level_entire(f, level);
	int nr, pmd = 0;

	if (entire)
		nr = add_entire_612(ctx, f, s, level == MC_LEVEL_PUD, &pmd, c);
	else
		nr = add_ptes_612(ctx, f, s, first_page, n, level == MC_LEVEL_PMD, c);
	mod_stat_612(ctx, f, nr, pmd);
	if (!en_anon(f))
		return;
	if (excl && entire) {
		en_pae_set(c, s, f->order, 0);
	} else if (excl) {
		for (uint32_t i = first_page; i < first_page + n; i++)
			en_pae_set(c, s, f->order, i);
	}
	/* VM_WARN_ON_FOLIO: PAE on a page mapped more than once (head only for a PMD) */
	for (uint32_t i = first_page; i < first_page + (entire ? 1 : n); i++)
		if (en_pae(s, f->order, i) && (*en_pmc(s, i) > 0 || s->entire_mapcount > 0))
			ctx->violations++;
}

/* mm/rmap.c:__folio_remove_rmap@v6.12 */
static void remove_612(struct mc_model_ctx *ctx, const struct mc_folio *f, struct en_state *s,
		       uint32_t first_page, uint32_t n, enum mc_level level, struct en_cost *c)
{
	bool entire = en_level_entire(f, level);
	bool partially = false;
	int nr = 0, pmd = 0, last = 0;

	en_touch_fixed(c, 0);
	en_touch_fixed(c, 1);
	if (entire) {
		en_rmw(ctx, c, &s->large_mapcount, -1);
		en_entire_mod(ctx, f, s, false, level == MC_LEVEL_PUD, &nr, &pmd, c);
		partially = nr && nr < pmd;
	} else {
		en_rmw(ctx, c, &s->large_mapcount, level == MC_LEVEL_PTE ? -(int32_t)n : -1);
		if (level != MC_LEVEL_PTE)
			en_ext_pmds(ctx, s, -1, c);
		en_touch_range(c, first_page, first_page + n);
		for (uint32_t i = first_page; i < first_page + n; i++) {
			int32_t v;

			v = en_rmw(ctx, c, en_pmc(s, i), -1);
			if (v < -1)
				ctx->violations++;
			last += v < 0;
		}
		if (last && en_rmw(ctx, c, &s->nr_pages_mapped, -last) < EN_ENTIRELY_MAPPED)
			nr = last;
		partially = nr && s->nr_pages_mapped; /* NPM re-read after the update */
	}
	if (partially && en_anon(f) && !s->partially_mapped)
		defer_split_612(ctx, f, s, true, c);
	mod_stat_612(ctx, f, -nr, -pmd);
}

/* mm/rmap.c:folio_add_new_anon_rmap@v6.12: plain stores on a fresh folio */
static void new_anon_612(struct mc_model_ctx *ctx, const struct mc_folio *f, struct en_state *s,
			 const struct mc_op *op, struct en_cost *c)
{
	uint32_t n = mc_folio_nr_pages(f);
	bool excl = op->flags & MC_OPF_EXCLUSIVE;
	bool whole_ptes = op->level == MC_LEVEL_PTE && op->first == 0 && op->nr == n &&
			  f->order < MC_PMD_ORDER;
	int pmd = 0;

	if (!whole_ptes && !(op->level == MC_LEVEL_PMD && en_pmd_is_entire(f))) {
		/* extension: a first map of part of a folio, or of a folio larger than a PMD */
		add_612(ctx, f, s, op->first, op->nr, op->level, excl, c);
		return;
	}
	if (s->entire_mapcount != -1 || s->nr_pages_mapped != 0 || *en_pmc(s, 0) != -1)
		ctx->violations++;
	en_touch_fixed(c, 0);
	if (op->level == MC_LEVEL_PTE) {
		en_touch_range(c, 0, n);
		for (uint32_t i = 0; i < n; i++) {
			*en_pmc(s, i) = 0;
			if (excl)
				en_pae_set(c, s, f->order, i);
		}
		s->large_mapcount = (int32_t)n - 1;
		s->nr_pages_mapped = (int32_t)n;
	} else {
		en_touch_fixed(c, 1);
		s->entire_mapcount = 0;
		s->large_mapcount = 0;
		s->nr_pages_mapped = EN_ENTIRELY_MAPPED;
		if (excl)
			en_pae_set(c, s, f->order, 0);
		pmd = (int)n;
	}
	mod_stat_612(ctx, f, (int)n, pmd);
	/* mm/huge_memory.c:__do_huge_pmd_anonymous_page@v6.12 (and khugepaged) */
	if (pmd)
		defer_split_612(ctx, f, s, false, c);
}

/*
 * Fork: include/linux/rmap.h:__folio_try_dup_anon_rmap / __folio_dup_file_rmap
 * @v6.12 (GUP pins not modelled). mm/huge_memory.c:copy_huge_pmd@v6.12 does not
 * copy file PMDs: the child refaults them (an add).
 */
static void dup_612(struct mc_model_ctx *ctx, const struct mc_folio *f, struct en_state *s,
		    const struct mc_op *op, struct en_cost *c)
{
	bool entire = en_level_entire(f, op->level);

	if (!en_anon(f) && op->level != MC_LEVEL_PTE) {
		add_612(ctx, f, s, op->first, op->nr, op->level, false, c);
		return;
	}
	if (entire) {
		en_dup_entire(ctx, f, s, c);
		en_rmw(ctx, c, &s->large_mapcount, 1);
		return;
	}
	en_dup_pages(ctx, f, s, op->first, op->nr, c);
	en_touch_fixed(c, 1);
	en_rmw(ctx, c, &s->large_mapcount, op->level == MC_LEVEL_PTE ? (int32_t)op->nr : 1);
	if (op->level == MC_LEVEL_PMD)
		en_ext_pmds(ctx, s, 1, c);
}

/*
 * Removals. FREEZE: try_to_migrate_one / __split_huge_pmd_locked(freeze)
 * clear PAE first (include/linux/rmap.h:__folio_try_share_anon_rmap@v6.12) and
 * remove one PTE per call.
 */
static void remove_op_612(struct mc_model_ctx *ctx, const struct mc_folio *f, struct en_state *s,
			  const struct mc_op *op, struct en_cost *c)
{
	bool freeze = op->flags & MC_OPF_FREEZE;

	if (freeze && en_level_entire(f, op->level)) {
		en_share_anon(c, f, s, 0);
	} else if (freeze && op->level == MC_LEVEL_PMD) {
		for (uint32_t i = op->first; i < op->first + op->nr; i++)
			en_share_anon(c, f, s, i);
	}
	if (!freeze || op->level != MC_LEVEL_PTE) {
		remove_612(ctx, f, s, op->first, op->nr, op->level, c);
		return;
	}
	for (uint32_t i = op->first; i < op->first + op->nr; i++) {
		en_share_anon(c, f, s, i);
		remove_612(ctx, f, s, i, 1, MC_LEVEL_PTE, c);
	}
}

/* Adds; RESTORE (mm/migrate.c:remove_migration_pte@v6.12) maps one page per call. */
static void add_op_612(struct mc_model_ctx *ctx, const struct mc_folio *f, struct en_state *s,
		       const struct mc_op *op, struct en_cost *c)
{
	bool excl = op->flags & MC_OPF_EXCLUSIVE;

	if (!(op->flags & MC_OPF_RESTORE) || op->level != MC_LEVEL_PTE) {
		add_612(ctx, f, s, op->first, op->nr, op->level, excl, c);
		return;
	}
	for (uint32_t i = op->first; i < op->first + op->nr; i++)
		add_612(ctx, f, s, i, 1, MC_LEVEL_PTE, excl, c);
}

/*
 * mm/huge_memory.c:__split_huge_pmd_locked@v6.12, freeze=false. Anon: one
 * 512-page batch add carrying the head's PAE, then the PMD removal. File: the
 * PMD is zapped; the scenario rule re-maps all 512 pages in one batch.
 */
static void remap_612(struct mc_model_ctx *ctx, const struct mc_folio *f, struct en_state *s,
		      const struct mc_op *op, struct en_cost *c)
{
	if (!en_pmd_is_entire(f)) {
		/* extension: the pages are already counted; one entry becomes 512 */
		en_rmw(ctx, c, &s->large_mapcount, MC_PMD_NR - 1);
		en_ext_pmds(ctx, s, -1, c);
		return;
	}
	if (!en_anon(f)) {
		remove_612(ctx, f, s, 0, MC_PMD_NR, MC_LEVEL_PMD, c);
		add_612(ctx, f, s, 0, MC_PMD_NR, MC_LEVEL_PTE, false, c);
		return;
	}
	add_612(ctx, f, s, 0, MC_PMD_NR, MC_LEVEL_PTE, en_pae(s, f->order, 0), c);
	remove_612(ctx, f, s, 0, MC_PMD_NR, MC_LEVEL_PMD, c);
}

const en_op_fn en612_ops[MC_OP_NR_TYPES] = {
	[MC_OP_NEW_ANON] = new_anon_612, [MC_OP_ADD] = add_op_612,  [MC_OP_REMOVE] = remove_op_612,
	[MC_OP_DUP] = dup_612,		 [MC_OP_REMAP] = remap_612,
};

/* mm/rmap.c:folio_add_new_anon_rmap@v6.12 on an order-0 folio: plain store */
static void small_new_anon_612(struct mc_model_ctx *ctx, const struct mc_folio *f,
			       struct en_small *s, bool excl)
{
	if (s->mapcount != -1)
		ctx->violations++;
	s->mapcount = 0;
	if (excl)
		en_small_pae_set(ctx, s);
	en_stat_mapped(ctx, f, 1);
}

/* mm/rmap.c:__folio_add_anon_rmap@v6.12 on an order-0 folio, after PMC +1 */
static void small_anon_add_612(struct mc_model_ctx *ctx, struct en_small *s, bool excl, int32_t pmc)
{
	if (excl)
		en_small_pae_set(ctx, s);
	/* VM_WARN_ON_FOLIO: PAE on a page mapped more than once */
	if ((s->pae & 1) && pmc > 0)
		ctx->violations++;
}

/*
 * The 6.12 model's apply: order 0 as new_anon_612, add_op_612 (a RESTORE of
 * one page is the same call), remove_op_612 and dup_612 would do it.
 */
void en612_apply(struct mc_model_ctx *ctx, const struct mc_folio *f, void *state,
		 const struct mc_op *op)
{
	en_apply_version(ctx, f, state, op, EN_V6_12, small_new_anon_612, small_anon_add_612);
}
