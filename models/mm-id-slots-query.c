// SPDX-License-Identifier: GPL-2.0
/*
 * mm-ID slots (v6.18): the kernel's questions, answered from the state alone.
 * Base = CONFIG_NO_PAGE_MAPCOUNT (folio averages and the SH bit); the variant
 * (CONFIG_PAGE_MAPCOUNT) answers per page wherever v6.18 does.
 */
#include "models/mm-id-slots.h"

static bool is_small(const struct mc_folio *f)
{
	return !mc_folio_large(f);
}

/* A small folio's state may sit at any byte: read it through the packed type only. */
static const struct mmid_small *small_state(const void *state)
{
	return state;
}

/* include/linux/mm.h:folio_mapcount@v6.18 */
int64_t mmid_folio_mapcount(const struct mc_model_ctx *ctx, const struct mc_folio *f,
			    const void *state)
{
	const struct mmid_state *st;

	if (is_small(f))
		return (int64_t)small_state(state)->mapcount + 1;
	st = state;
	return (int64_t)st->large_mapcount + 1;
}

/* include/linux/mm.h:folio_mapped@v6.18 */
bool mmid_folio_mapped(const struct mc_model_ctx *ctx, const struct mc_folio *f, const void *state)
{
	return mmid_folio_mapcount(ctx, f, state) >= 1;
}

int mmid_average_page_mapcount(const struct mc_folio *f, const void *state)
{
	const struct mmid_state *st;
	int mapcount, entire, avg;

	if (is_small(f))
		return small_state(state)->mapcount + 1;
	st = state;
	mapcount = st->large_mapcount + 1;
	if (mapcount <= 0)
		return 0;
	entire = st->entire_mapcount + 1;
	if (mapcount <= entire)
		return entire;
	mapcount -= entire;
	/* rounds half up, in unsigned arithmetic like the kernel */
	avg = (int)(((unsigned int)mapcount + mc_folio_nr_pages(f) / 2) >> f->order);
	return avg + entire > 1 ? avg + entire : 1;
}

int mmid_precise_page_mapcount(const struct mc_folio *f, const void *state, uint32_t page)
{
	const struct mmid_state *st;

	if (is_small(f))
		return small_state(state)->mapcount + 1;
	st = state;
	return mmid_page_mapcounts_const(st, f->order)[page] + 1 + st->entire_mapcount + 1;
}

/* fs/proc/page.c:get_kpage_count@v6.18 */
int64_t mmid_page_mapcount(const struct mc_model_ctx *ctx, const struct mc_folio *f,
			   const void *state, uint32_t page)
{
	if (mmid_has_page_mapcount(ctx))
		return mmid_precise_page_mapcount(f, state, page);
	return mmid_average_page_mapcount(f, state);
}

/* include/linux/mm.h:folio_maybe_mapped_shared@v6.18 */
bool mmid_maybe_shared(const struct mc_model_ctx *ctx, const struct mc_folio *f, const void *state)
{
	int64_t mapcount = mmid_folio_mapcount(ctx, f, state);

	if (is_small(f))
		return mapcount > 1;
	/* a single mapping overrides a stale SH bit */
	if (mapcount <= 1)
		return false;
	return mmid_shared_bit(state);
}

/* mm/memory.c:__wp_can_reuse_large_anon_folio@v6.18; q->mm only feeds a VM_WARN there */
static bool can_reuse_large(const struct mmid_state *st, const struct mc_query_ctx *q)
{
	int64_t mapcount = (int64_t)st->large_mapcount + 1;

	if (mapcount <= 1)
		return false;
	if (mmid_shared_bit(st))
		return false;
	if (mapcount != q->refcount)
		return false;
	/* the recheck under the mapcount lock sees the same (serial) state */
	return true;
}

/*
 * mm/memory.c:do_wp_page, wp_can_reuse_anon_folio and
 * mm/huge_memory.c:do_huge_pmd_wp_page@v6.18.
 */
bool mmid_cow_reuse(const struct mc_model_ctx *ctx, const struct mc_folio *f, const void *state,
		    uint32_t page, enum mc_level level, const struct mc_query_ctx *q)
{
	const struct mmid_state *st;

	if (f->kind != MC_KIND_ANON)
		return false;
	/* a small folio is PTE-mapped: its page's bit, or REF 1 outside KSM */
	if (is_small(f))
		return small_state(state)->pae || (!f->ksm && q->refcount == 1);
	st = state;
	/* PMD (and, by extension, PUD): the entry's first page's bit, or REF 1 */
	if (level != MC_LEVEL_PTE)
		return mmid_pae(st, level == MC_LEVEL_PMD ? page & ~(MC_PMD_NR - 1) : 0) ||
		       q->refcount == 1;
	return mmid_pae(st, page) || can_reuse_large(st, q);
}

/* mm/huge_memory.c:deferred_split_folio@v6.18 never queues a folio below order 2 */
bool mmid_partially_mapped(const struct mc_model_ctx *ctx, const struct mc_folio *f,
			   const void *state)
{
	return !is_small(f) && ((const struct mmid_state *)state)->partially_mapped;
}

/*
 * PageAnonExclusive(page). A PMD mapping keeps the bit on its first page only;
 * mm/huge_memory.c:__split_huge_pmd_locked@v6.18 hands that bit to all 512
 * entries, so a page under an entire mapping answers with it.
 */
bool mmid_anon_exclusive(const struct mc_model_ctx *ctx, const struct mc_folio *f,
			 const void *state, uint32_t page)
{
	const struct mmid_state *st;

	if (is_small(f))
		return small_state(state)->pae;
	st = state;
	if (mmid_pae(st, page))
		return true;
	return f->order >= MC_PMD_ORDER && st->entire_mapcount >= 0 &&
	       mmid_pae(st, page & ~(MC_PMD_NR - 1));
}

/* fs/proc/task_mmu.c:__folio_page_mapped_exclusively, pagemap_pmd_range@v6.18 */
bool mmid_pagemap_exclusive(const struct mc_model_ctx *ctx, const struct mc_folio *f,
			    const void *state, uint32_t page, enum mc_level level)
{
	if (!mmid_has_page_mapcount(ctx))
		return !mmid_maybe_shared(ctx, f, state);
	/* the PMD loop tests the PMD's first page for every entry */
	if (level == MC_LEVEL_PMD)
		page &= ~(MC_PMD_NR - 1);
	else if (level == MC_LEVEL_PUD)
		page = 0;
	return mmid_precise_page_mapcount(f, state, page) == 1;
}

static void add_private_or_shared(struct mc_smaps *acc, bool private_, uint64_t bytes)
{
	if (private_)
		acc->private_ += bytes;
	else
		acc->shared += bytes;
}

/* fs/proc/task_mmu.c:smaps_account, smaps_page_accumulate, smaps_pmd_entry@v6.18 */
void mmid_smaps_account(const struct mc_model_ctx *ctx, const struct mc_folio *f, const void *state,
			uint32_t first, uint32_t nr, enum mc_level level,
			const struct mc_query_ctx *q, struct mc_smaps *acc)
{
	uint64_t size = (uint64_t)nr * MC_PAGE_SIZE;
	bool exclusive;
	int mapcount;

	mc_smaps_add_entry(acc, f, size, level);
	/* refcount 1: exactly one entry maps (part of) the folio */
	if (q->refcount == 1) {
		mc_smaps_add_pss(acc, f->kind, size << MC_PSS_SHIFT);
		acc->private_ += size;
		return;
	}
	if (!mmid_has_page_mapcount(ctx)) {
		mapcount = mmid_average_page_mapcount(f, state);
		exclusive = !mmid_maybe_shared(ctx, f, state);
		mc_smaps_add_pss(acc, f->kind, nr * mc_pss_share(MC_PAGE_SIZE, mapcount));
		add_private_or_shared(acc, exclusive, size);
		return;
	}
	for (uint32_t p = first; p < first + nr; p++) {
		mapcount = mmid_precise_page_mapcount(f, state, p);
		mc_smaps_add_pss(acc, f->kind, mc_pss_share(MC_PAGE_SIZE, mapcount));
		add_private_or_shared(acc, mapcount < 2, MC_PAGE_SIZE);
	}
}
