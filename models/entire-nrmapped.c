// SPDX-License-Identifier: GPL-2.0
/*
 * entire-nrmapped (v6.6) and entire-nrmapped-6.12: state, costs, invariants,
 * queries and the two model tables. The operations live in
 * entire-nrmapped-66.c and entire-nrmapped-612.c.
 */
#include <string.h>

#include "models/entire-nrmapped.h"

#define EN_HEADER_BYTES offsetof(struct en_state, mapcount)

/* Distinct struct pages: the contiguous range of per-page lines plus page[0..2]. */
static uint64_t en_cost_lines(const struct en_cost *c)
{
	uint32_t lo = c->pages.lo, hi = c->pages.hi;
	unsigned int inside = 0, outside; /* the page[0..2] bits within [lo, hi) */

	if (lo < hi && lo < 3)
		inside = ((1u << (hi < 3 ? hi : 3)) - 1) & ~((1u << lo) - 1);
	outside = c->fixed & ~inside;
	return hi - lo + (outside & 1) + (outside >> 1 & 1) + (outside >> 2 & 1);
}

/* A PAE clear before a migration entry replaces the mapping (freeze), anon only. */
void en_share_anon(struct en_cost *c, const struct mc_folio *f, struct en_state *s, uint32_t i)
{
	if (en_anon(f) && en_pae(s, f->order, i))
		en_pae_clear(c, s, f->order, i);
}

/*
 * Fork of an entire (PMD/PUD) anon mapping: PAE of the head cleared if set,
 * EM incremented (include/linux/rmap.h:page_try_dup_anon_rmap@v6.6,
 * __folio_try_dup_anon_rmap@v6.12; GUP pins are not modelled).
 */
void en_dup_entire(struct mc_model_ctx *ctx, const struct mc_folio *f, struct en_state *s,
		   struct en_cost *c)
{
	en_touch_fixed(c, 0); /* folio_test_anon */
	en_touch_fixed(c, 1);
	if (en_pae(s, f->order, 0))
		en_pae_clear(c, s, f->order, 0);
	if (en_rmw(ctx, c, &s->entire_mapcount, 1) <= 0)
		ctx->violations++; /* dup of an entry that does not exist */
}

/* Fork of PTEs: PAE cleared (anon), every page's _mapcount incremented, never from -1. */
void en_dup_pages(struct mc_model_ctx *ctx, const struct mc_folio *f, struct en_state *s,
		  uint32_t first, uint32_t n, struct en_cost *c)
{
	en_touch_fixed(c, 0); /* folio_test_anon */
	en_touch_range(c, first, first + n);
	for (uint32_t i = first; i < first + n; i++) {
		if (en_anon(f) && en_pae(s, f->order, i))
			en_pae_clear(c, s, f->order, i);
		if (en_rmw(ctx, c, en_pmc(s, i), 1) <= 0)
			ctx->violations++;
	}
}

/* NR_ANON_THPS, NR_SHMEM_PMDMAPPED or NR_FILE_PMDMAPPED */
void en_stat_pmdmapped(struct mc_model_ctx *ctx, const struct mc_folio *f, int64_t nr)
{
	if (en_anon(f))
		ctx->vm[MC_NR_ANON_THPS] += nr;
	else if (f->kind == MC_KIND_SHMEM)
		ctx->vm[MC_NR_SHMEM_PMDMAPPED] += nr;
	else
		ctx->vm[MC_NR_FILE_PMDMAPPED] += nr;
}

/*
 * Extension: a PMD entry of a folio larger than a PMD is counted per page on
 * its 512 pages' _mapcount; this page[1] count of such entries keeps
 * folio_mapcount at one per entry.
 */
void en_ext_pmds(struct mc_model_ctx *ctx, struct en_state *s, int32_t delta, struct en_cost *c)
{
	en_touch_fixed(c, 1);
	if (en_rmw(ctx, c, &s->ext_pmds, delta) < 0)
		ctx->violations++;
}

/*
 * The entire-mapping step both versions share (mm/rmap.c:page_add_anon_rmap,
 * folio_add_file_rmap_range, page_remove_rmap@v6.6; __folio_add_rmap,
 * __folio_remove_rmap@v6.12): EM +-1; when it crosses -1, NPM +-ENTIRELY_MAPPED
 * read back gives the pages whose mapped state changed (*nr) and, for a PMD,
 * the PMDMAPPED pages (*pmd). The "raced ahead" branches cannot happen in a
 * serialized replay: they count as violations and yield 0 as in the kernel.
 * Returns whether EM crossed -1.
 */
bool en_entire_mod(struct mc_model_ctx *ctx, const struct mc_folio *f, struct en_state *s, bool add,
		   bool pud, int *nr, int *pmd, struct en_cost *c)
{
	int32_t em, npm, limit = add ? 2 * EN_ENTIRELY_MAPPED : EN_ENTIRELY_MAPPED;
	int64_t pages;

	en_touch_fixed(c, 0); /* folio_test_pmd_mappable / folio_test_large */
	en_touch_fixed(c, 1);
	em = en_rmw(ctx, c, &s->entire_mapcount, add ? 1 : -1);
	if (em < -1)
		ctx->violations++;
	if (add ? em != 0 : em >= 0)
		return false;
	npm = en_rmw(ctx, c, &s->nr_pages_mapped, add ? EN_ENTIRELY_MAPPED : -EN_ENTIRELY_MAPPED);
	pages = (int64_t)mc_folio_nr_pages(f) - (npm & EN_PAGES_MAPPED);
	if (npm >= limit || npm < 0 || pages < 0) {
		ctx->violations++;
		return true;
	}
	*nr = (int)pages;
	if (!pud)
		*pmd = (int)mc_folio_nr_pages(f);
	return true;
}

static size_t en_state_size(unsigned int order)
{
	size_t n = (size_t)1 << order;

	if (!order)
		return sizeof(struct en_small);
	return (EN_HEADER_BYTES + 4 * (n - 1) + (n + 7) / 8 + 7) & ~(size_t)7;
}

/* Kernel bytes: page[i]._mapcount for every page, plus EM, NPM (and LM) in page[1]. */
static size_t en_metadata_bytes(unsigned int order, enum en_version v)
{
	size_t n = (size_t)1 << order;

	if (!order)
		return 4;
	/* extension: the count of PMD entries of a folio larger than a PMD */
	return 4 * n + (v == EN_V6_12 ? 12 : 8) + (order > MC_PMD_ORDER ? 4 : 0);
}

/*
 * mm/internal.h:prep_compound_head@v6.6/@v6.12; every _mapcount starts at -1.
 * Not inlined, so that init of order 0 needs no stack frame.
 */
static __attribute__((noinline)) void en_init_large(struct en_state *s, const struct mc_folio *f)
{
	uint32_t n = mc_folio_nr_pages(f);

	s->mapcount0 = -1;
	s->queued = 0;
	s->partially_mapped = 0;
	s->reserved[0] = s->reserved[1] = 0;
	s->entire_mapcount = -1;
	s->nr_pages_mapped = 0;
	s->large_mapcount = -1;
	s->ext_pmds = 0;
	memset(s->mapcount, 0xff, 4 * (n - 1));
	memset(en_pae_bits(s, f->order), 0, (n + 7) / 8);
}

static void en_init(struct mc_model_ctx *ctx, const struct mc_folio *f, void *state)
{
	struct en_small *s = state;

	if (mc_folio_large(f)) {
		en_init_large(state, f);
		return;
	}
	s->mapcount = -1;
	s->pae = 0;
}

/* Is every page's _mapcount at -1 (the state at allocation and free)? */
static bool en_pmcs_unmapped(const struct mc_folio *f, const struct en_state *s)
{
	return s->mapcount0 == -1 && mc_all_minus_one(s->mapcount, mc_folio_nr_pages(f) - 1);
}

unsigned int en_check_invariants(const struct mc_folio *f, const void *state, enum en_version v)
{
	const struct en_state *s;
	uint32_t n, mapped = 0;
	int64_t entries;
	unsigned int bad = 0;

	/* I4 holds by construction: a small folio's state has no page[1] fields */
	if (!mc_folio_large(f))
		return ((const struct en_small *)state)->mapcount < -1;
	s = state;
	entries = (int64_t)s->entire_mapcount + 1 - (int64_t)(MC_PMD_NR - 1) * s->ext_pmds;
	/* all at -1: none below -1, none mapped, no entries; no walk */
	n = en_pmcs_unmapped(f, s) ? 0 : mc_folio_nr_pages(f);
	for (uint32_t i = 0; i < n; i++) {
		bad += *en_pmc(s, i) < -1;
		mapped += *en_pmc(s, i) >= 0;
		entries += (int64_t)*en_pmc(s, i) + 1;
	}
	bad += s->entire_mapcount < -1 || s->ext_pmds < 0;
	bad += (uint32_t)(s->nr_pages_mapped & EN_PAGES_MAPPED) != mapped; /* I1 */
	bad += (s->nr_pages_mapped >= EN_ENTIRELY_MAPPED) != (s->entire_mapcount >= 0); /* I2 */
	bad += s->nr_pages_mapped < 0 || s->nr_pages_mapped >= 2 * EN_ENTIRELY_MAPPED;
	if (v == EN_V6_12)
		bad += (int64_t)s->large_mapcount + 1 != entries; /* I3 */
	else
		bad += s->large_mapcount != -1;
	return bad;
}

/* O(1) checks after every operation on a large folio; the O(N) ones run at fini. */
static void en_check_quick(struct mc_model_ctx *ctx, const struct mc_folio *f,
			   const struct en_state *s, enum en_version v)
{
	int32_t npm = s->nr_pages_mapped;
	bool ok;

	ok = npm >= 0 && npm < 2 * EN_ENTIRELY_MAPPED && s->entire_mapcount >= -1 &&
	     (uint32_t)(npm & EN_PAGES_MAPPED) <= mc_folio_nr_pages(f) &&
	     (npm >= EN_ENTIRELY_MAPPED) == (s->entire_mapcount >= 0);
	if (v == EN_V6_12)
		ok = ok && s->large_mapcount >= s->entire_mapcount;
	if (!ok)
		ctx->violations++;
}

/*
 * Free-time checks (mm/page_alloc.c:free_tail_page_prepare): back to the
 * initial state. Not inlined, so that fini of order 0 needs no stack frame.
 */
static __attribute__((noinline)) void en_fini_large(struct mc_model_ctx *ctx,
						    const struct mc_folio *f,
						    const struct en_state *s, enum en_version v)
{
	ctx->violations += en_check_invariants(f, s, v);
	if (s->entire_mapcount != -1 || s->nr_pages_mapped != 0 || s->large_mapcount != -1 ||
	    s->ext_pmds)
		ctx->violations++;
	else if (!en_pmcs_unmapped(f, s))
		ctx->violations++;
}

static void en_fini(struct mc_model_ctx *ctx, const struct mc_folio *f, void *state,
		    enum en_version v)
{
	int32_t pmc;

	if (mc_folio_large(f)) {
		en_fini_large(ctx, f, state, v);
		return;
	}
	/* en_fini_large of order 0: PMC >= -1 (invariants) and PMC == -1 */
	pmc = ((const struct en_small *)state)->mapcount;
	ctx->violations += (pmc < -1) + (pmc != -1);
}

/* Operations no kernel of either version can issue are refused (counted, not applied). */
static bool en_op_valid(const struct mc_folio *f, const struct mc_op *op)
{
	uint32_t n = mc_folio_nr_pages(f);

	if (op->type >= MC_OP_NR_TYPES || op->nr == 0 || op->first >= n || op->nr > n - op->first)
		return false;
	switch (op->level) {
	case MC_LEVEL_PTE:
		return op->type != MC_OP_REMAP;
	case MC_LEVEL_PMD:
		return f->order >= MC_PMD_ORDER && op->nr == MC_PMD_NR && !(op->first % MC_PMD_NR);
	case MC_LEVEL_PUD:
		return f->order == MC_PUD_ORDER && op->type != MC_OP_REMAP;
	}
	return false;
}

/* apply() of a large folio; order 0 has its own path in each version's file. */
void en_apply_large(struct mc_model_ctx *ctx, const struct mc_folio *f, struct en_state *state,
		    const struct mc_op *op, enum en_version v)
{
	struct en_cost c = {0};

	if (!en_op_valid(f, op)) {
		ctx->violations++;
		return;
	}
	(v == EN_V6_12 ? en612_ops : en66_ops)[op->type](ctx, f, state, op, &c);
	ctx->atomics += c.atomics;
	ctx->cachelines += en_cost_lines(&c);
	en_check_quick(ctx, f, state, v);
}

/* ---- queries ---- */

/* 6.12 reads a _mapcount word below the page-type limit as "no mapcount"
 * (include/linux/page-flags.h:page_mapcount_is_type@v6.12). */
static int32_t en_mapcount_612(int32_t raw)
{
	return raw < -(1 << 24) ? 0 : (int32_t)((uint32_t)raw + 1);
}

/*
 * Page mapcount as smaps, pagemap and the sharing estimate read it:
 * include/linux/mm.h:page_mapcount@v6.6, fs/proc/internal.h:
 * folio_precise_page_mapcount@v6.12. int arithmetic, wrapping like the kernel.
 */
static int32_t en_pm(const struct mc_folio *f, const void *state, uint32_t p, enum en_version v)
{
	int32_t raw = en_pmc_read(f, state, p);
	uint32_t mc = v == EN_V6_12 ? (uint32_t)en_mapcount_612(raw) : (uint32_t)raw + 1;

	if (mc_folio_large(f))
		mc += (uint32_t)((const struct en_state *)state)->entire_mapcount + 1;
	return (int32_t)mc;
}

/* include/linux/mm.h:folio_mapcount, mm/rmap.c:folio_total_mapcount@v6.6 (O(N) walk) */
static int64_t en_folio_mapcount(const struct mc_folio *f, const void *state, enum en_version v)
{
	const struct en_state *s;
	uint32_t n = mc_folio_nr_pages(f), m;

	if (!mc_folio_large(f))
		return en_pm(f, state, 0, v);
	s = state;
	if (v == EN_V6_12)
		return (int32_t)((uint32_t)s->large_mapcount + 1);
	m = (uint32_t)s->entire_mapcount + 1;
	if (!(s->nr_pages_mapped & EN_PAGES_MAPPED))
		return (int32_t)m;
	for (uint32_t i = 0; i < n; i++)
		m += (uint32_t)*en_pmc(s, i);
	/* extension: a PMD of a larger folio counts once, not once per page */
	return (int32_t)(m + n - (MC_PMD_NR - 1) * (uint32_t)s->ext_pmds);
}

/* include/linux/mm.h:folio_mapped / folio_large_is_mapped@v6.6 */
static bool en_folio_mapped(const struct mc_folio *f, const void *state, enum en_version v)
{
	const struct en_state *s;

	if (v == EN_V6_12)
		return en_folio_mapcount(f, state, v) >= 1;
	if (!mc_folio_large(f))
		return en_pmc_read(f, state, 0) >= 0;
	s = state;
	return s->nr_pages_mapped > 0 || s->entire_mapcount >= 0;
}

/*
 * /proc/kpagecount: fs/proc/page.c:kpagecount_read. 6.6 reports 0 when the
 * word reads as a page type (page_has_type: below -128), else page_mapcount.
 */
static int64_t en_page_mapcount(const struct mc_folio *f, const void *state, uint32_t p,
				enum en_version v)
{
	if (v == EN_V6_6 && en_pmc_read(f, state, p) < -128)
		return 0;
	return en_pm(f, state, p, v);
}

/*
 * 6.6: callers test folio_estimated_sharers() (= page mapcount of page 0) != 1
 * (include/linux/mm.h@v6.6). 6.12: include/linux/mm.h:folio_likely_mapped_shared.
 */
static bool en_maybe_shared(const struct mc_folio *f, const void *state, enum en_version v)
{
	const struct en_state *s;
	int64_t m;

	if (v == EN_V6_6)
		return en_pm(f, state, 0, v) != 1;
	m = en_folio_mapcount(f, state, v);
	if (!mc_folio_large(f))
		return m > 1;
	s = state;
	if (m <= 1)
		return false;
	if (s->entire_mapcount + 1 != 0 || m > mc_folio_nr_pages(f))
		return true;
	return *en_pmc(s, 0) > 0;
}

/* The head page of the PMD (or PUD) entry covering page p. */
static uint32_t en_entry_head(uint32_t p, enum mc_level level)
{
	if (level == MC_LEVEL_PUD)
		return 0;
	return level == MC_LEVEL_PMD ? p & ~(MC_PMD_NR - 1) : p;
}

/*
 * mm/memory.c:do_wp_page@v6.6, wp_can_reuse_anon_folio@v6.12,
 * mm/huge_memory.c:do_huge_pmd_wp_page (swapcache not modelled).
 */
static bool en_cow_reuse(const struct mc_folio *f, const void *state, uint32_t p,
			 enum mc_level level, const struct mc_query_ctx *q, enum en_version v)
{
	if (!en_anon(f))
		return false;
	if (en_pae(state, f->order, en_entry_head(p, level)))
		return true;
	if (level != MC_LEVEL_PTE)
		return q->refcount == 1;
	if (v == EN_V6_12 && mc_folio_large(f))
		return false;
	if (f->ksm || q->refcount > 3)
		return false;
	return q->refcount == 1;
}

/* fs/proc/task_mmu.c:pte_to_pagemap_entry, pagemap_pmd_range: 6.6 reads the PMD's head page */
static bool en_pagemap_exclusive(const struct mc_folio *f, const void *state, uint32_t p,
				 enum mc_level level, enum en_version v)
{
	uint32_t page = v == EN_V6_6 ? en_entry_head(p, level) : p;

	return en_pm(f, state, page, v) == 1;
}

/*
 * fs/proc/task_mmu.c:smaps_account (+ smaps_page_accumulate) for one present
 * entry of nr pages. A PTE range is accounted page by page (one entry each).
 * The refcount == 1 fast path is the same for both versions on present entries.
 */
static void en_smaps_entry(const struct mc_folio *f, const void *state, uint32_t first, uint32_t nr,
			   const struct mc_query_ctx *q, struct mc_smaps *acc, enum en_version v)
{
	uint64_t size = (uint64_t)nr * MC_PAGE_SIZE;

	if (en_anon(f))
		acc->anonymous += size;
	acc->rss += size;
	if (q->refcount == 1) {
		mc_smaps_add_pss(acc, f->kind, size << MC_PSS_SHIFT);
		acc->private_ += size;
		return;
	}
	for (uint32_t i = first; i < first + nr; i++) {
		int32_t mc = en_pm(f, state, i, v);

		mc_smaps_add_pss(acc, f->kind,
				 mc_pss_share(MC_PAGE_SIZE, mc >= 2 ? (uint64_t)mc : 1));
		if (mc < 2)
			acc->private_ += MC_PAGE_SIZE;
		else
			acc->shared += MC_PAGE_SIZE;
	}
}

static void en_smaps_account(const struct mc_folio *f, const void *state, uint32_t first,
			     uint32_t nr, enum mc_level level, const struct mc_query_ctx *q,
			     struct mc_smaps *acc, enum en_version v)
{
	if (level == MC_LEVEL_PTE) {
		for (uint32_t i = first; i < first + nr; i++)
			en_smaps_entry(f, state, i, 1, q, acc, v);
		return;
	}
	en_smaps_entry(f, state, first, nr, q, acc, v);
	if (level != MC_LEVEL_PMD)
		return;
	/* fs/proc/task_mmu.c:smaps_pmd_entry */
	if (en_anon(f))
		acc->anon_huge += (uint64_t)MC_PMD_NR * MC_PAGE_SIZE;
	else if (f->kind == MC_KIND_SHMEM)
		acc->shmem_pmd += (uint64_t)MC_PMD_NR * MC_PAGE_SIZE;
	else
		acc->file_pmd += (uint64_t)MC_PMD_NR * MC_PAGE_SIZE;
}

/* ---- the two model tables ---- */

#define EN_EXT_RULES                                                                            \
	"Anon adds, all removals and all dups are applied one page per call in the 6.6 model "  \
	"(6.6 has no batching there; file PTE adds stay one range call); the 6.12 model makes " \
	"one call per batch. A file PMD/PUD dup is the child's refault: an add. A file/shmem "  \
	"remap is the PMD removal followed by one PTE add of the 512 pages. Split follows the " \
	"replayer protocol: FREEZE removals clear PAE and go one PTE per call, RESTORE adds "   \
	"go one page per call. A first map that the kernel of the model could not issue at "    \
	"once (6.6: any anon folio other than order 0 by PTE or order 9 by PMD; 6.12: part of " \
	"a folio, or a PTE map of an order >= 9 folio) is replayed as ordinary exclusive adds " \
	"(extrapolated). A PMD entry of a folio larger than a PMD is counted on its 512 "       \
	"pages' _mapcount (and _nr_pages_mapped) as a PTE batch would be, plus one count of "   \
	"such entries in page[1] so that folio_mapcount (6.6 walk, 6.12 _large_mapcount) "      \
	"counts it once; no _entire_mapcount, no PMDMAPPED; an exclusive anon one sets PAE on " \
	"all 512 pages; remapping it only turns the one entry into 512. A PUD entry of an "     \
	"order-18 folio takes the PMD path on _entire_mapcount/_nr_pages_mapped (and "          \
	"_large_mapcount) with no PMDMAPPED pages, so it is never partial (posted 2025 PUD "    \
	"rmap series)."

#define EN_MODEL_FUNCS(sfx, ver)                                                               \
	static size_t en_meta_##sfx(unsigned int order)                                        \
	{                                                                                      \
		return en_metadata_bytes(order, ver);                                          \
	}                                                                                      \
	static void en_fini_##sfx(struct mc_model_ctx *ctx, const struct mc_folio *f, void *s) \
	{                                                                                      \
		en_fini(ctx, f, s, ver);                                                       \
	}                                                                                      \
	static int64_t en_fmc_##sfx(const struct mc_model_ctx *ctx, const struct mc_folio *f,  \
				    const void *s)                                             \
	{                                                                                      \
		return en_folio_mapcount(f, s, ver);                                           \
	}                                                                                      \
	static bool en_mapped_##sfx(const struct mc_model_ctx *ctx, const struct mc_folio *f,  \
				    const void *s)                                             \
	{                                                                                      \
		return en_folio_mapped(f, s, ver);                                             \
	}                                                                                      \
	static int64_t en_pmc_##sfx(const struct mc_model_ctx *ctx, const struct mc_folio *f,  \
				    const void *s, uint32_t p)                                 \
	{                                                                                      \
		return en_page_mapcount(f, s, p, ver);                                         \
	}                                                                                      \
	static bool en_shared_##sfx(const struct mc_model_ctx *ctx, const struct mc_folio *f,  \
				    const void *s)                                             \
	{                                                                                      \
		return en_maybe_shared(f, s, ver);                                             \
	}                                                                                      \
	static bool en_cow_##sfx(const struct mc_model_ctx *ctx, const struct mc_folio *f,     \
				 const void *s, uint32_t p, enum mc_level level,               \
				 const struct mc_query_ctx *q)                                 \
	{                                                                                      \
		return en_cow_reuse(f, s, p, level, q, ver);                                   \
	}                                                                                      \
	static bool en_pmx_##sfx(const struct mc_model_ctx *ctx, const struct mc_folio *f,     \
				 const void *s, uint32_t p, enum mc_level level)               \
	{                                                                                      \
		return en_pagemap_exclusive(f, s, p, level, ver);                              \
	}                                                                                      \
	static void en_smaps_##sfx(const struct mc_model_ctx *ctx, const struct mc_folio *f,   \
				   const void *s, uint32_t first, uint32_t nr,                 \
				   enum mc_level level, const struct mc_query_ctx *q,          \
				   struct mc_smaps *acc)                                       \
	{                                                                                      \
		en_smaps_account(f, s, first, nr, level, q, acc, ver);                         \
	}

EN_MODEL_FUNCS(66, EN_V6_6)
EN_MODEL_FUNCS(612, EN_V6_12)

/*
 * 6.6: the deferred split queue; 6.12: PG_partially_mapped. Never for a small
 * folio: mm/huge_memory.c:deferred_split_folio@v6.6 is called for PMD-mappable
 * folios only, @v6.12 it returns at once for order <= 1.
 */
static bool en_partial_66(const struct mc_model_ctx *ctx, const struct mc_folio *f,
			  const void *state)
{
	return mc_folio_large(f) && ((const struct en_state *)state)->queued;
}

static bool en_partial_612(const struct mc_model_ctx *ctx, const struct mc_folio *f,
			   const void *state)
{
	return mc_folio_large(f) && ((const struct en_state *)state)->partially_mapped;
}

static bool en_anon_exclusive(const struct mc_model_ctx *ctx, const struct mc_folio *f,
			      const void *state, uint32_t page)
{
	return en_pae(state, f->order, page);
}

#define EN_MODEL(sfx)                                                                              \
	.abi_version = MC_MODEL_ABI_VERSION, .extension_rules = EN_EXT_RULES,                      \
	.state_size = en_state_size, .state_align = mc_state_align_packed0,                        \
	.fini0_mask = mc_fini0_mask_mapcount,                                                      \
	.init = en_init, .fini = en_fini_##sfx, .metadata_bytes = en_meta_##sfx,                   \
	.apply = en##sfx##_apply,                                                                  \
	.folio_mapcount = en_fmc_##sfx, .folio_mapped = en_mapped_##sfx,                           \
	.page_mapcount = en_pmc_##sfx, .maybe_shared = en_shared_##sfx, .cow_reuse = en_cow_##sfx, \
	.partially_mapped = en_partial_##sfx, .anon_exclusive = en_anon_exclusive,                 \
	.pagemap_exclusive = en_pmx_##sfx, .smaps_account = en_smaps_##sfx

const struct mc_model mc_model_entire_nrmapped = {
	.name = "entire-nrmapped",
	.description = "_entire_mapcount + _nr_pages_mapped + per-page _mapcount, v6.6 (per-page "
		       "rmap calls, folio_estimated_sharers)",
	EN_MODEL(66),
};

const struct mc_model mc_model_entire_nrmapped_612 = {
	.name = "entire-nrmapped-6.12",
	.description = "_entire_mapcount + _nr_pages_mapped + _large_mapcount + per-page "
		       "_mapcount, v6.12 (batched rmap, folio_likely_mapped_shared)",
	EN_MODEL(612),
};
