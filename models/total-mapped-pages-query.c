// SPDX-License-Identifier: GPL-2.0
/*
 * Model `total-mapped-pages`, the query half: what the RFC kernel answers
 * from LM, T, the slots and PAE (spec section 3). Queries never change state
 * and never count costs.
 */
#include "models/total-mapped-pages.h"

static const struct tmpages_small *small(const void *state)
{
	return state;
}

static const struct tmpages_large *large(const void *state)
{
	return state;
}

int64_t tmpages_folio_mapcount(const struct mc_model_ctx *ctx, const struct mc_folio *f,
			       const void *state)
{
	/* include/linux/mm.h:folio_mapcount [P13] */
	if (!mc_folio_large(f))
		return (int64_t)small(state)->mapcount + 1;
	return (int64_t)large(state)->large_mapcount + 1;
}

bool tmpages_folio_mapped(const struct mc_model_ctx *ctx, const struct mc_folio *f,
			  const void *state)
{
	return tmpages_folio_mapcount(ctx, f, state) >= 1;
}

/* include/linux/mm.h:folio_total_mapped_pages [P13], unsigned long */
static uint64_t total_mapped_pages(const struct mc_folio *f, const void *state)
{
	if (!mc_folio_large(f))
		return (uint64_t)((int64_t)small(state)->mapcount + 1);
	return (uint64_t)large(state)->total_mapped_pages;
}

uint64_t tmpages_average_page_mapcount(const struct mc_folio *f, const void *state)
{
	/* fs/proc/internal.h:folio_average_page_mapcount [P13]: half rounds up, >= 1 */
	uint64_t t = total_mapped_pages(f, state), avg;

	if (!t || !f->order)
		return t;
	avg = (t + ((uint64_t)1 << (f->order - 1))) >> f->order;
	return avg ? avg : 1;
}

int64_t tmpages_page_mapcount(const struct mc_model_ctx *ctx, const struct mc_folio *f,
			      const void *state, uint32_t page)
{
	/* fs/proc/page.c:get_kpage_count [P3]: the folio average for every page */
	return (int64_t)tmpages_average_page_mapcount(f, state);
}

bool tmpages_maybe_shared(const struct mc_model_ctx *ctx, const struct mc_folio *f,
			  const void *state)
{
	/* include/linux/mm.h:folio_maybe_mapped_shared@v6.18 */
	int64_t m = tmpages_folio_mapcount(ctx, f, state);

	if (!mc_folio_large(f))
		return m > 1;
	if (m <= 1)
		return false;
	return tmpages_shared_bit(large(state));
}

/* mm/memory.c:__wp_can_reuse_large_anon_folio [P13] (logic @v6.18) */
static bool can_reuse_large(const struct tmpages_large *s, uint32_t refcount)
{
	int64_t m = (int64_t)s->large_mapcount + 1;

	/* a single mapping left: copy the page and let the folio go */
	if (m <= 1)
		return false;
	if (tmpages_shared_bit(s))
		return false;
	/* every reference must be a mapping of this mm (re-checked under the lock) */
	return m == refcount;
}

bool tmpages_cow_reuse(const struct mc_model_ctx *ctx, const struct mc_folio *f, const void *state,
		       uint32_t page, enum mc_level level, const struct mc_query_ctx *q)
{
	uint32_t head;

	if (f->kind != MC_KIND_ANON)
		return false;
	if (!mc_folio_large(f)) /* mm/memory.c:wp_can_reuse_anon_folio@v6.18 */
		return small(state)->anon_exclusive || (!f->ksm && q->refcount == 1);
	if (level != MC_LEVEL_PTE) {
		/* mm/huge_memory.c:do_huge_pmd_wp_page@v6.18: PAE or sole reference */
		head = page & ~((level == MC_LEVEL_PUD ? MC_PUD_NR : MC_PMD_NR) - 1);
		return tmpages_pae(large(state), head) || q->refcount == 1;
	}
	/* mm/memory.c:do_wp_page@v6.18 */
	return tmpages_pae(large(state), page) || can_reuse_large(large(state), q->refcount);
}

bool tmpages_partially_mapped(const struct mc_model_ctx *ctx, const struct mc_folio *f,
			      const void *state)
{
	return mc_folio_large(f) && large(state)->partially_mapped;
}

bool tmpages_anon_exclusive(const struct mc_model_ctx *ctx, const struct mc_folio *f,
			    const void *state, uint32_t page)
{
	if (!mc_folio_large(f))
		return small(state)->anon_exclusive;
	return tmpages_pae(large(state), page);
}

bool tmpages_pagemap_exclusive(const struct mc_model_ctx *ctx, const struct mc_folio *f,
			       const void *state, uint32_t page, enum mc_level level)
{
	/* fs/proc/task_mmu.c:pte_to_pagemap_entry, pagemap_pmd_range_thp [P4] */
	return !tmpages_maybe_shared(ctx, f, state);
}

void tmpages_smaps_account(const struct mc_model_ctx *ctx, const struct mc_folio *f,
			   const void *state, uint32_t first, uint32_t nr, enum mc_level level,
			   const struct mc_query_ctx *q, struct mc_smaps *acc)
{
	/*
	 * fs/proc/task_mmu.c:smaps_account [P6]: one division per entry. The RFC
	 * sizes a compound entry as folio_size(); we charge the pages the entry
	 * maps (spec 3.5), which is the same for every folio it supports today.
	 */
	const uint64_t size = (uint64_t)nr * MC_PAGE_SIZE;
	uint64_t pss = (uint64_t)size << MC_PSS_SHIFT;
	bool private_;

	mc_smaps_add_entry(acc, f, size, level);
	if (q->refcount == 1) {
		private_ = true; /* a single mapping, no mapcount needed */
	} else {
		pss = mc_pss_share(size, tmpages_average_page_mapcount(f, state));
		private_ = !tmpages_maybe_shared(ctx, f, state);
	}
	mc_smaps_add_pss(acc, f->kind, pss);
	if (private_)
		acc->private_ += size;
	else
		acc->shared += size;
}
