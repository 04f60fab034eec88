// SPDX-License-Identifier: GPL-2.0
/*
 * legacy-doublemap: per-page _mapcount + compound_mapcount + PG_double_map,
 * the scheme of v4.5..v6.1, modelled from Debian linux-source-6.1 (6.1.192).
 * Every rule below names the 6.1 function it paraphrases.
 *
 * State (include/linux/mm_types.h@v6.1; struct page is one 64-byte line):
 *  - page[i]._mapcount (+48), atomic int32, -1 biased: PTE mappings of page i;
 *    for a file/shmem THP also one per PMD mapping (page_add_file_rmap@v6.1
 *    increments all 512); for an anon THP one extra while PG_double_map is set.
 *  - compound_mapcount (page[1] +20), atomic int32, -1 biased: PMD mappings.
 *  - PG_double_map (page[1].flags, PF_SECOND): anon: set by the first PMD
 *    split that leaves another PMD mapping (__split_huge_pmd_locked@v6.1),
 *    then every _mapcount carries +1; cleared with that +1 when the last PMD
 *    goes. File: set (set_bit) by every PTE map of a subpage of a large folio
 *    (page_add_file_rmap@v6.1), cleared only by a first PMD map that finds no
 *    PTE-mapped page; no effect on any count; sticky until free
 *    (free_pages_prepare@v6.1 clears it).
 *  - PG_anon_exclusive per page (page-flags.h@v6.1; PMD: head page only).
 *  - deferred split queue membership (page[2].deferred_list).
 *  - NR_ANON_MAPPED, NR_FILE_MAPPED, NR_ANON_THPS, NR_SHMEM_PMDMAPPED,
 *    NR_FILE_PMDMAPPED in pages (__mod_lruvec_page_state; per-cpu, not RMW).
 *
 * Operations (mm/rmap.c, mm/huge_memory.c@v6.1):
 *  - NEW_ANON: page_add_new_anon_rmap@v6.1: atomic_set of the counter (no RMW),
 *    stats, SetPageAnonExclusive on the page/head, always exclusive.
 *  - ADD anon: page_add_anon_rmap@v6.1, one call per PTE. A first PTE map of a
 *    page (-1 -> 0) adds 1 to NR_ANON_MAPPED even if a PMD maps the THP
 *    (reachable in 6.1 via remove_migration_pte after migrating a THP mapped
 *    by both): NR_ANON_MAPPED then overcounts; the model reproduces it.
 *  - ADD file: page_add_file_rmap@v6.1, one call per PTE; PMD: inc all 512
 *    subpages, then compound_mapcount; NR_FILE_MAPPED += pages that became
 *    mapped; NR_{SHMEM,FILE}_PMDMAPPED on the first PMD.
 *  - REMOVE: page_remove_rmap@v6.1 (+ page_remove_file_rmap,
 *    page_remove_anon_compound_rmap). Anon PTE: a page's last unmap
 *    (0 -> -1) does NR_ANON_MAPPED -= 1 and deferred_split_huge_page even if
 *    the folio is now wholly unmapped. Anon last PMD: NR_ANON_THPS -= 512;
 *    TestClearPageDoubleMap; if it was set, dec all 512 and count those that
 *    reach -1 (nr), queue if 0 < nr < 512; else nr = 512; NR_ANON_MAPPED -= nr.
 *  - DUP (fork): page_try_dup_anon_rmap@v6.1 (clear PAE if set, inc the PTE's
 *    _mapcount or compound_mapcount), page_dup_file_rmap@v6.1 (inc). A file
 *    PMD is not copied (copy_huge_pmd@v6.1 returns for non-anon VMAs): the
 *    child's refault is an ADD of the PMD.
 *  - REMAP (__split_huge_pmd_locked@v6.1, freeze=false): anon: per page set
 *    PAE if the head had it, inc _mapcount; if compound_mapcount > 1 and
 *    TestSetPageDoubleMap found it clear, inc all 512 again; dec
 *    compound_mapcount; if that was the last: NR_ANON_THPS -= 512,
 *    TestClearPageDoubleMap and if it was set dec all 512. NR_ANON_MAPPED is
 *    never touched. File: the PMD is zapped (page_remove_rmap compound), then
 *    (scenario rule) the 512 pages are PTE-mapped by page_add_file_rmap.
 *  - REMOVE with FREEZE (folio split): anon PTE: try_to_migrate_one@v6.1
 *    clears PAE (page_try_share_anon_rmap) then page_remove_rmap. Anon PMD:
 *    __split_huge_pmd_locked(freeze=true): clear the head's PAE, inc all 512,
 *    the DoubleMap and compound steps of REMAP, then page_remove_rmap of each
 *    page (which queues the dying THP for deferred split). File: as REMOVE.
 *  - ADD with RESTORE: remove_migration_pte@v6.1 = page_add_anon_rmap /
 *    page_add_file_rmap of one page, RMAP_EXCLUSIVE from the entry.
 *  - deferred_split_huge_page@v6.1: not if on the list (lockless check of
 *    page[2]); else spin_lock the queue, add, THP_DEFERRED_SPLIT_PAGE++.
 *    Never dequeued before split/free. Swap cache is not modelled.
 *
 * Queries:
 *  - folio_mapcount@v6.1 (= total_mapcount): sum of entire maps + sum over
 *    all N pages of (_mapcount + 1); file: minus entire maps x pages they
 *    cover; anon: minus N if PG_double_map. Always an O(N) walk in 6.1.
 *  - folio_mapped@v6.1: compound_mapcount >= 0, else any _mapcount >= 0.
 *  - page_mapcount@v6.1 (__page_mapcount; /proc/kpagecount via
 *    kpagecount_read@v6.1): anon: _mapcount+1 + compound_mapcount+1 -
 *    [PG_double_map]; file: _mapcount + 1 (it already holds the PMD maps).
 *  - maybe_shared: page_mapcount(page 0) != 1, i.e. folio_estimated_sharers
 *    (Debian 6.1 backport) as used by madvise_cold_or_pageout_pte_range,
 *    madvise_free_pte_range, migrate_page_add (mempolicy); the PMD paths
 *    (madvise_cold_or_pageout_pte_range, huge PMD) read page_mapcount of the
 *    head too. Other 6.1 users: total_mapcount != 1 (madvise_free_huge_pmd,
 *    numamigrate_isolate_page), per-page page_mapcount > 1 (khugepaged).
 *  - cow_reuse: do_wp_page@v6.1 (PTE): PAE -> reuse; KSM or refcount > 3 ->
 *    copy; else reuse iff refcount == 1 (LRU drained, no swap cache).
 *    do_huge_pmd_wp_page@v6.1 (PMD): PAE(head) -> reuse; else reuse iff
 *    refcount == 1 (otherwise the PMD is split and the PTE fault retried).
 *    File folios are always copied.
 *  - smaps_account@v6.1: refcount == 1 (page_count of the head) -> full PSS,
 *    private; else per page PSS (4096 << 12) / page_mapcount, private iff
 *    page_mapcount < 2. smaps_pmd_entry@v6.1 adds AnonHugePages /
 *    ShmemPmdMapped / FilePmdMapped.
 *  - pagemap PM_MMAP_EXCLUSIVE: pte_to_pagemap_entry@v6.1: page_mapcount == 1;
 *    pagemap_pmd_range@v6.1: page_mapcount(head of the PMD) == 1 for all 512.
 *
 * Costs (entire-nrmapped.md section 4 conventions): RMW = atomic inc/dec,
 * inc_and_test, add_negative, set_bit/clear_bit/test_and_{set,clear}_bit on
 * PAE and PG_double_map, the deferred split queue spin_lock. Not counted:
 * atomic_set/read, refcount, lock_page_memcg (RCU only unless a memcg move is
 * in flight), page-table locks, per-cpu vmstat. Lines: distinct struct pages
 * per call: page 0 (mapping, memcg, stats) on every call, page 1 for
 * compound_mapcount / PG_double_map and PageHuge (file removal of a large
 * folio reads page[1].compound_dtor), page 2 when deferred_split_huge_page
 * runs, plus every page whose _mapcount or PAE is touched.
 *
 * v5.x: the model follows 6.1. Before v5.19 (PG_anon_exclusive) fork cleared
 * no PAE and COW reuse went by page_count (v5.9..v5.18) or reuse_swap_page /
 * page_trans_huge_mapcount (before v5.9); before v5.12 NR_ANON_THPS and the
 * PMDMAPPED counters were in THPs, not pages. Those are not modelled.
 */
#include <stdlib.h>
#include <string.h>

#include "models/legacy-doublemap.h"

static const char extension_rules[] =
	"6.1 maps large folios only as order-9 THPs (anon: PMD, or PTEs after a split; file: "
	"any order by PTEs, order 9 also by PMD). Other shapes replay as follows. Anon orders "
	"1..8 and PTE-level NEW_ANON of any large anon folio: page_add_anon_rmap with "
	"RMAP_EXCLUSIVE per page (compound_mapcount stays -1); the deferred split queue is used "
	"from order 2 (order 1 has no page[2]). Folios above order 9: every 512-page region r "
	"behaves as its own THP for PMD maps, with its own compound_mapcount and PG_double_map "
	"in page[512r+1] and 512-page NR_*THPS/PMDMAPPED steps; when a region's last PMD goes "
	"and leaves the region unmapped while other pages of the folio stay mapped, the folio "
	"is queued for deferred split. PUD (order 18): a whole-folio count kept beside "
	"page[1]'s compound_mapcount (as 6.1 hugetlb does); anon: like an anon PMD without "
	"PG_double_map (NR_ANON_MAPPED += N on the first, -= N on the last, no THP counter); "
	"file: like a file PMD over all N pages (every _mapcount is incremented, NR_FILE_MAPPED "
	"counts newly mapped pages, no PMDMAPPED counter). page_mapcount adds the PUD count for "
	"anon; pagemap and COW treat a PUD like a PMD on page 0.";

struct mc_lines {
	struct mc_page_hull range;	/* one range of pages */
	uint32_t extra[8];	/* single pages */
	unsigned int nr_extra;
};

static void lines_range(struct mc_lines *l, uint32_t lo, uint32_t hi)
{
	mc_hull_add(&l->range, lo, hi);
}

static void lines_page(struct mc_lines *l, uint32_t page)
{
	if (mc_hull_has(&l->range, page))
		return;
	for (unsigned int i = 0; i < l->nr_extra; i++)
		if (l->extra[i] == page)
			return;
	if (l->nr_extra < sizeof(l->extra) / sizeof(l->extra[0]))
		l->extra[l->nr_extra++] = page;
}

static uint64_t lines_count(const struct mc_lines *l)
{
	uint64_t n = l->range.hi - l->range.lo;

	for (unsigned int i = 0; i < l->nr_extra; i++)
		if (!mc_hull_has(&l->range, l->extra[i]))
			n++;
	return n;
}

/* One apply() call: the folio, its state, and the lines it touched. */
struct call {
	struct mc_model_ctx *ctx;
	const struct mc_folio *f;
	struct mc_legacy_state *s;
	uint8_t *pae;		/* mc_legacy_pae(s), found once per call */
	struct mc_lines lines;
};

static uint32_t nr_pages(const struct call *c)
{
	return 1u << c->f->order;
}

static bool is_anon(const struct call *c)
{
	return c->f->kind == MC_KIND_ANON;
}

static uint32_t region_of(const struct mc_folio *f, uint32_t page)
{
	return f->order >= MC_PMD_ORDER ? page >> MC_PMD_ORDER : 0;
}

/* The struct page holding a region's compound_mapcount and PG_double_map. */
static uint32_t region_line(uint32_t region)
{
	return (region << MC_PMD_ORDER) + 1;
}

static enum mc_vmstat_item pmdmapped_item(const struct call *c)
{
	if (is_anon(c))
		return MC_NR_ANON_THPS;
	return c->f->kind == MC_KIND_SHMEM ? MC_NR_SHMEM_PMDMAPPED : MC_NR_FILE_PMDMAPPED;
}

/* Atomic primitives: each is one RMW on accounting state. */
static bool inc_and_test(struct call *c, int32_t *v)
{
	c->ctx->atomics++;
	return mc_atomic_add32(c->ctx, v, 1) == 0;
}

static bool add_negative(struct call *c, int32_t *v)
{
	c->ctx->atomics++;
	return mc_atomic_add32(c->ctx, v, -1) < 0;
}

static void atomic_add(struct call *c, int32_t *v, int32_t delta)
{
	c->ctx->atomics++;
	mc_atomic_add32(c->ctx, v, delta);
}

/*
 * The per-page helpers below (pae_set, anon_add_pte, file_add_pte,
 * file_remove_pte, anon_remove_pte) do not count page's line: every caller
 * has counted it, by the op's PTE range, a region range or lines_page.
 */
static inline void pae_set(struct call *c, uint32_t page, bool on)
{
	uint8_t *b = &c->pae[page / 8];

	c->ctx->atomics++;	/* set_bit / clear_bit */
	if (on)
		*b |= 1u << (page % 8);
	else
		*b &= ~(1u << (page % 8));
}

static bool pae_test(const struct call *c, uint32_t page)
{
	return c->pae[page / 8] & (1u << (page % 8));
}

/* set_bit, clear_bit, test_and_set_bit, test_and_clear_bit on PG_double_map */
static bool double_map_update(struct call *c, uint32_t region, bool on)
{
	uint8_t *flags = &mc_legacy_region_flags(c->s)[region];
	bool old = *flags & MC_LEGACY_DOUBLE_MAP;

	c->ctx->atomics++;
	lines_page(&c->lines, region_line(region));
	if (on)
		*flags |= MC_LEGACY_DOUBLE_MAP;
	else
		*flags &= ~MC_LEGACY_DOUBLE_MAP;
	return old;
}

static bool folio_mapped_state(const struct mc_folio *f, const struct mc_legacy_state *s);

/* mm/huge_memory.c:deferred_split_huge_page@v6.1 */
static inline void deferred_split(struct call *c)
{
	if (c->f->order < 2)	/* extension: order 1 has no page[2] */
		return;
	lines_page(&c->lines, 2);
	if (c->s->queued)
		return;
	c->ctx->atomics++;	/* split_queue_lock */
	c->s->queued = 1;
	c->ctx->events[MC_EV_THP_DEFERRED_SPLIT_PAGE]++;
	c->ctx->events[MC_EV_DEFERRED_SPLIT_QUEUED]++;
}

/* mm/rmap.c:page_add_anon_rmap@v6.1, one PTE */
static inline void anon_add_pte(struct call *c, uint32_t page, bool excl)
{
	bool first = inc_and_test(c, &c->s->mapcount[page]);

	if (!first && excl)
		c->ctx->violations++;	/* VM_BUG_ON_PAGE in the kernel */
	if (first)
		c->ctx->vm[MC_NR_ANON_MAPPED]++;
	if (first && excl && !c->f->ksm)
		pae_set(c, page, true);
}

/* mm/rmap.c:page_add_anon_rmap@v6.1, RMAP_COMPOUND */
static void anon_add_pmd(struct call *c, uint32_t region, bool excl)
{
	int32_t *cm = &mc_legacy_compound(c->s)[region];
	bool first = inc_and_test(c, cm);

	lines_page(&c->lines, region_line(region));
	if (!first && excl)
		c->ctx->violations++;
	if (first) {
		c->ctx->vm[MC_NR_ANON_THPS] += MC_PMD_NR;
		c->ctx->vm[MC_NR_ANON_MAPPED] += MC_PMD_NR;
		if (excl) {
			lines_page(&c->lines, region << MC_PMD_ORDER);
			pae_set(c, region << MC_PMD_ORDER, true);
		}
	}
}

/* extension: anon PUD, an anon compound map without PG_double_map */
static void anon_add_pud(struct call *c, bool excl)
{
	bool first = inc_and_test(c, &c->s->pud_mapcount);

	lines_page(&c->lines, 1);
	if (!first && excl)
		c->ctx->violations++;
	if (first) {
		c->ctx->vm[MC_NR_ANON_MAPPED] += nr_pages(c);
		if (excl)
			pae_set(c, 0, true);
	}
}

/* mm/rmap.c:page_add_new_anon_rmap@v6.1: atomic_set, not an RMW */
static void new_anon(struct call *c, const struct mc_op *op)
{
	int32_t *counter;
	int64_t nr;

	if (op->level == MC_LEVEL_PTE && mc_folio_large(c->f)) {
		/* extension: no PTE-mapped anon large folios are born in 6.1 */
		for (uint32_t i = op->first; i < op->first + op->nr; i++)
			anon_add_pte(c, i, true);
		return;
	}
	if (op->level == MC_LEVEL_PTE) {
		counter = &c->s->mapcount[0];
		nr = 1;
	} else if (op->level == MC_LEVEL_PMD) {
		counter = &mc_legacy_compound(c->s)[region_of(c->f, op->first)];
		lines_page(&c->lines, region_line(region_of(c->f, op->first)));
		nr = MC_PMD_NR;
	} else {
		counter = &c->s->pud_mapcount;
		lines_page(&c->lines, 1);
		nr = nr_pages(c);
	}
	if (*counter != -1) {
		/* not a new folio: one violation, then account an ordinary add */
		c->ctx->violations++;
		if (op->level == MC_LEVEL_PTE)
			anon_add_pte(c, 0, false);
		else if (op->level == MC_LEVEL_PMD)
			anon_add_pmd(c, region_of(c->f, op->first), false);
		else
			anon_add_pud(c, false);
		return;
	}
	*counter = 0;
	if (op->level == MC_LEVEL_PMD)
		c->ctx->vm[MC_NR_ANON_THPS] += nr;
	c->ctx->vm[MC_NR_ANON_MAPPED] += nr;
	lines_page(&c->lines, op->first);	/* the PMD's head */
	pae_set(c, op->first, true);
}

/* mm/rmap.c:page_add_file_rmap@v6.1, compound=false */
static void file_add_pte(struct call *c, uint32_t page)
{
	if (mc_folio_large(c->f))
		double_map_update(c, region_of(c->f, page), true);	/* SetPageDoubleMap */
	if (inc_and_test(c, &c->s->mapcount[page]))
		c->ctx->vm[MC_NR_FILE_MAPPED]++;
}

/* inc_and_test (delta 1) or add_negative every _mapcount of [lo, hi); pages crossing -1 */
static int64_t pages_update(struct call *c, uint32_t lo, uint32_t hi, int delta)
{
	int64_t nr = 0;

	lines_range(&c->lines, lo, hi);
	for (uint32_t i = lo; i < hi; i++)
		nr += delta > 0 ? inc_and_test(c, &c->s->mapcount[i])
				: add_negative(c, &c->s->mapcount[i]);
	return nr;
}

/* mm/rmap.c:page_add_file_rmap@v6.1, compound=true (and the PUD extension) */
static void file_add_entire(struct call *c, enum mc_level level, uint32_t first)
{
	uint32_t region = region_of(c->f, first);
	uint32_t n = level == MC_LEVEL_PMD ? MC_PMD_NR : nr_pages(c);
	int64_t nr = pages_update(c, first, first + n, 1);

	if (level == MC_LEVEL_PUD) {
		inc_and_test(c, &c->s->pud_mapcount);
	} else if (inc_and_test(c, &mc_legacy_compound(c->s)[region])) {
		if (nr == MC_PMD_NR && mc_legacy_double_map(c->s, region))
			double_map_update(c, region, false);	/* ClearPageDoubleMap */
		c->ctx->vm[pmdmapped_item(c)] += MC_PMD_NR;
	}
	c->ctx->vm[MC_NR_FILE_MAPPED] += nr;
}

/* mm/rmap.c:page_remove_file_rmap@v6.1 */
static void file_remove_pte(struct call *c, uint32_t page)
{
	if (mc_folio_large(c->f))
		lines_page(&c->lines, 1);	/* PageHuge reads page[1] */
	if (add_negative(c, &c->s->mapcount[page]))
		c->ctx->vm[MC_NR_FILE_MAPPED]--;
}

static void file_remove_entire(struct call *c, enum mc_level level, uint32_t first)
{
	uint32_t region = region_of(c->f, first);
	uint32_t n = level == MC_LEVEL_PMD ? MC_PMD_NR : nr_pages(c);
	int64_t nr = pages_update(c, first, first + n, -1);

	lines_page(&c->lines, 1);
	if (level == MC_LEVEL_PUD)
		add_negative(c, &c->s->pud_mapcount);
	else if (add_negative(c, &mc_legacy_compound(c->s)[region]))
		c->ctx->vm[pmdmapped_item(c)] -= MC_PMD_NR;
	c->ctx->vm[MC_NR_FILE_MAPPED] -= nr;
}

/* mm/rmap.c:page_remove_rmap@v6.1, anon, compound=false */
static inline void anon_remove_pte(struct call *c, uint32_t page)
{
	if (!add_negative(c, &c->s->mapcount[page]))
		return;
	c->ctx->vm[MC_NR_ANON_MAPPED]--;
	if (mc_folio_large(c->f))
		deferred_split(c);
}

/*
 * After the last entire map of a region (or PUD) of a folio larger than a PMD
 * went, with nr of its pages now unmapped: queue if the folio stays mapped
 * (extension of page_remove_anon_compound_rmap@v6.1's 0 < nr < nr_pages).
 */
static void big_folio_partial(struct call *c, int64_t nr)
{
	if (nr > 0 && folio_mapped_state(c->f, c->s))
		deferred_split(c);
}

/* mm/rmap.c:page_remove_anon_compound_rmap@v6.1 */
static void anon_remove_pmd(struct call *c, uint32_t region)
{
	int64_t nr = MC_PMD_NR;

	lines_page(&c->lines, region_line(region));
	if (!add_negative(c, &mc_legacy_compound(c->s)[region]))
		return;
	c->ctx->vm[MC_NR_ANON_THPS] -= MC_PMD_NR;
	if (double_map_update(c, region, false)) {
		uint32_t lo = region << MC_PMD_ORDER;

		nr = pages_update(c, lo, lo + MC_PMD_NR, -1);
		if (c->f->order == MC_PMD_ORDER && nr && nr < MC_PMD_NR)
			deferred_split(c);
	}
	if (c->f->order > MC_PMD_ORDER)
		big_folio_partial(c, nr);
	c->ctx->vm[MC_NR_ANON_MAPPED] -= nr;
}

static void anon_remove_pud(struct call *c)
{
	lines_page(&c->lines, 1);
	if (!add_negative(c, &c->s->pud_mapcount))
		return;
	c->ctx->vm[MC_NR_ANON_MAPPED] -= nr_pages(c);
	big_folio_partial(c, nr_pages(c));
}

/* Increment every _mapcount of a region without testing (atomic_inc/atomic_dec). */
static void region_pages_add(struct call *c, uint32_t region, int32_t delta)
{
	uint32_t lo = region << MC_PMD_ORDER;

	lines_range(&c->lines, lo, lo + MC_PMD_NR);
	for (uint32_t i = lo; i < lo + MC_PMD_NR; i++)
		atomic_add(c, &c->s->mapcount[i], delta);
}

/*
 * mm/huge_memory.c:__split_huge_pmd_locked@v6.1, anon VMA, present PMD: the
 * PTE _mapcounts, PG_double_map and compound_mapcount steps. freeze: the
 * head's PAE was cleared before (page_try_share_anon_rmap) and the PTEs are
 * migration entries, removed at once by page_remove_rmap.
 */
static void anon_split_pmd(struct call *c, uint32_t region, bool freeze)
{
	int32_t *cm = &mc_legacy_compound(c->s)[region];
	uint32_t lo = region << MC_PMD_ORDER;
	bool excl = pae_test(c, lo);

	if (*cm < 0) {
		c->ctx->violations++;	/* no PMD mapping to split */
		return;
	}
	lines_range(&c->lines, lo, lo + MC_PMD_NR);
	if (freeze && excl)
		pae_set(c, lo, false);
	for (uint32_t i = lo; i < lo + MC_PMD_NR; i++) {
		if (!freeze && excl)
			pae_set(c, i, true);
		atomic_add(c, &c->s->mapcount[i], 1);
	}
	/* PG_double_map goes up before compound_mapcount goes down */
	if (*cm + 1 > 1 && !double_map_update(c, region, true))
		region_pages_add(c, region, 1);
	lines_page(&c->lines, region_line(region));
	if (add_negative(c, cm)) {
		c->ctx->vm[MC_NR_ANON_THPS] -= MC_PMD_NR;
		if (double_map_update(c, region, false))
			region_pages_add(c, region, -1);
	}
	if (freeze)
		for (uint32_t i = lo; i < lo + MC_PMD_NR; i++)
			anon_remove_pte(c, i);
}

/* File and shmem: one page_add_file_rmap / page_remove_rmap call per PTE, or one entire map. */
static void file_add_or_remove(struct call *c, const struct mc_op *op, bool add)
{
	if (op->level != MC_LEVEL_PTE) {
		(add ? file_add_entire : file_remove_entire)(c, op->level, op->first);
		return;
	}
	for (uint32_t i = op->first; i < op->first + op->nr; i++)
		(add ? file_add_pte : file_remove_pte)(c, i);
}

static void apply_add(struct call *c, const struct mc_op *op)
{
	bool excl = op->flags & MC_OPF_EXCLUSIVE;

	if (!is_anon(c)) {
		file_add_or_remove(c, op, true);
		return;
	}
	if (op->level == MC_LEVEL_PTE)
		for (uint32_t i = op->first; i < op->first + op->nr; i++)
			anon_add_pte(c, i, excl);
	else if (op->level == MC_LEVEL_PMD)
		anon_add_pmd(c, region_of(c->f, op->first), excl);
	else
		anon_add_pud(c, excl);
}

static void apply_remove(struct call *c, const struct mc_op *op)
{
	bool freeze = op->flags & MC_OPF_FREEZE;

	if (!is_anon(c)) {
		file_add_or_remove(c, op, false);
		return;
	}
	if (op->level == MC_LEVEL_PTE) {
		for (uint32_t i = op->first; i < op->first + op->nr; i++) {
			/* mm/rmap.c:try_to_migrate_one@v6.1 */
			if (freeze && pae_test(c, i))
				pae_set(c, i, false);
			anon_remove_pte(c, i);
		}
	} else if (op->level == MC_LEVEL_PMD) {
		if (freeze)
			anon_split_pmd(c, region_of(c->f, op->first), true);
		else
			anon_remove_pmd(c, region_of(c->f, op->first));
	} else {
		if (freeze && pae_test(c, 0))
			pae_set(c, 0, false);
		anon_remove_pud(c);
	}
}

/* include/linux/rmap.h:page_try_dup_anon_rmap@v6.1, page_dup_file_rmap@v6.1 */
static void apply_dup(struct call *c, const struct mc_op *op)
{
	int32_t *counter;
	uint32_t head = op->first;

	if (!is_anon(c) && op->level != MC_LEVEL_PTE) {
		file_add_entire(c, op->level, op->first);	/* the child refaults */
		return;
	}
	if (op->level == MC_LEVEL_PTE) {
		for (uint32_t i = op->first; i < op->first + op->nr; i++) {
			if (c->s->mapcount[i] < 0)
				c->ctx->violations++;	/* the parent does not map it */
			if (is_anon(c) && pae_test(c, i))
				pae_set(c, i, false);
			atomic_add(c, &c->s->mapcount[i], 1);
		}
		return;
	}
	if (op->level == MC_LEVEL_PMD) {
		counter = &mc_legacy_compound(c->s)[region_of(c->f, head)];
		lines_page(&c->lines, region_line(region_of(c->f, head)));
	} else {
		counter = &c->s->pud_mapcount;
		lines_page(&c->lines, 1);
	}
	if (*counter < 0)
		c->ctx->violations++;
	lines_page(&c->lines, head);
	if (pae_test(c, head))
		pae_set(c, head, false);
	atomic_add(c, counter, 1);
}

static void apply_remap(struct call *c, const struct mc_op *op)
{
	uint32_t region = region_of(c->f, op->first);

	if (is_anon(c)) {
		anon_split_pmd(c, region, false);
		return;
	}
	/* __split_huge_pmd_locked@v6.1, file VMA: zap; then the scenario's PTE refault */
	if (mc_legacy_compound(c->s)[region] < 0) {
		c->ctx->violations++;
		return;
	}
	file_remove_entire(c, MC_LEVEL_PMD, op->first);
	for (uint32_t i = op->first; i < op->first + MC_PMD_NR; i++)
		file_add_pte(c, i);
}

/* Is the op well formed for this folio? Replayers validate; this guards the arrays. */
static bool op_valid(const struct mc_folio *f, const struct mc_op *op)
{
	uint64_t n = mc_folio_nr_pages(f);

	if (op->type >= MC_OP_NR_TYPES || op->nr == 0 || (uint64_t)op->first + op->nr > n)
		return false;
	switch (op->level) {
	case MC_LEVEL_PTE:
		return op->type != MC_OP_REMAP;
	case MC_LEVEL_PMD:
		return f->order >= MC_PMD_ORDER && op->nr == MC_PMD_NR &&
		       !(op->first & (MC_PMD_NR - 1));
	case MC_LEVEL_PUD:
		return f->order == MC_PUD_ORDER && op->first == 0 && op->nr == n &&
		       op->type != MC_OP_REMAP;
	}
	return false;
}

/*
 * Order 0, the common case: what the general path below does for the one PTE
 * a small page can take (op_valid, then new_anon, anon_add_pte, file_add_pte,
 * anon_remove_pte, file_remove_pte or apply_dup's PTE loop), with the same
 * results. The only struct page is page 0: one line per call; no compound
 * fields, no deferred split.
 */
static void apply_small(struct mc_model_ctx *ctx, const struct mc_folio *f,
			struct mc_legacy_small *s, const struct mc_op *op)
{
	const bool anon = f->kind == MC_KIND_ANON;
	int64_t *mapped = &ctx->vm[anon ? MC_NR_ANON_MAPPED : MC_NR_FILE_MAPPED];
	bool excl = op->flags & MC_OPF_EXCLUSIVE;

	if (op->type >= MC_OP_REMAP || op->level != MC_LEVEL_PTE || op->first || op->nr != 1) {
		ctx->violations++;
		return;
	}
	ctx->cachelines++;
	switch (op->type) {
	case MC_OP_NEW_ANON:
		if (anon) {
			/* page_add_new_anon_rmap@v6.1: atomic_set, SetPageAnonExclusive */
			if (s->mapcount == -1) {
				s->mapcount = 0;
				(*mapped)++;
				s->pae |= 1;
				ctx->atomics++;
				return;
			}
			ctx->violations++;	/* not a new page: an ordinary add */
			excl = false;
		}
		/* fall through */
	case MC_OP_ADD:
		/* page_add_anon_rmap@v6.1, page_add_file_rmap@v6.1: inc_and_test */
		ctx->atomics++;
		if (mc_atomic_add32_at(ctx, &s->mapcount, 1) == 0) {
			(*mapped)++;
			if (anon && excl && !f->ksm) {
				s->pae |= 1;
				ctx->atomics++;
			}
		} else if (anon && excl) {
			ctx->violations++;
		}
		return;
	case MC_OP_REMOVE:
		/* try_to_migrate_one@v6.1 clears PAE, then page_remove_rmap@v6.1 */
		if (anon && (op->flags & MC_OPF_FREEZE) && (s->pae & 1)) {
			s->pae &= ~1u;
			ctx->atomics++;
		}
		ctx->atomics++;
		if (mc_atomic_add32_at(ctx, &s->mapcount, -1) < 0)
			(*mapped)--;
		return;
	case MC_OP_DUP:
		/* page_try_dup_anon_rmap@v6.1, page_dup_file_rmap@v6.1 */
		if (s->mapcount < 0)
			ctx->violations++;
		if (anon && (s->pae & 1)) {
			s->pae &= ~1u;
			ctx->atomics++;
		}
		ctx->atomics++;
		mc_atomic_add32_at(ctx, &s->mapcount, 1);
		return;
	}
}

/* Out of line so that the order-0 path of legacy_apply needs no stack frame. */
static __attribute__((noinline)) void apply_any(struct mc_model_ctx *ctx,
						const struct mc_folio *f, void *state,
						const struct mc_op *op)
{
	struct call c = { .ctx = ctx, .f = f, .s = state, .pae = mc_legacy_pae(state) };

	if (!op_valid(f, op)) {
		ctx->violations++;
		return;
	}
	lines_page(&c.lines, 0);	/* mapping, memcg and stats live in the head page */
	if (op->level == MC_LEVEL_PTE)
		lines_range(&c.lines, op->first, op->first + op->nr);
	switch (op->type) {
	case MC_OP_NEW_ANON:
		if (f->kind == MC_KIND_ANON)
			new_anon(&c, op);
		else
			apply_add(&c, op);	/* not anon: an ordinary add */
		break;
	case MC_OP_ADD:
		apply_add(&c, op);
		break;
	case MC_OP_REMOVE:
		apply_remove(&c, op);
		break;
	case MC_OP_DUP:
		apply_dup(&c, op);
		break;
	case MC_OP_REMAP:
		apply_remap(&c, op);
		break;
	}
	ctx->cachelines += lines_count(&c.lines);
}

static void legacy_apply(struct mc_model_ctx *ctx, const struct mc_folio *f, void *state,
			 const struct mc_op *op)
{
	if (f->order)
		apply_any(ctx, f, state, op);
	else
		apply_small(ctx, f, state, op);
}

/* Per-folio state */

static size_t legacy_state_size(unsigned int order)
{
	size_t n = (size_t)1 << order, r = mc_legacy_nr_regions(order);
	size_t size = sizeof(struct mc_legacy_state) + 4 * n + 4 * r + r + (n + 7) / 8;

	return order ? (size + 7) & ~(size_t)7 : sizeof(struct mc_legacy_small);
}

/* Every _mapcount and compound_mapcount at -1; flags and PAE bits clear. */
static void legacy_init(struct mc_model_ctx *ctx, const struct mc_folio *f, void *state)
{
	struct mc_legacy_state *s = state;
	size_t counters;	/* bytes of mapcount[] then compound[] */

	if (!f->order) {
		*mc_legacy_small_of(state) = (struct mc_legacy_small){ .mapcount = -1 };
		return;
	}
	counters = 4 * (((size_t)1 << f->order) + mc_legacy_nr_regions(f->order));
	s->pud_mapcount = -1;
	s->order = f->order;
	s->queued = 0;
	s->pad = 0;
	memset(s->mapcount, 0xff, counters);
	memset((uint8_t *)s->mapcount + counters, 0,
	       legacy_state_size(f->order) - sizeof(*s) - counters);
}

/*
 * Free or split: the kernel dequeues from the deferred split queue
 * (free_transhuge_page@v6.1, split_huge_page_to_list@v6.1) and clears the
 * page flags (free_pages_prepare@v6.1), so a file folio's sticky
 * PG_double_map and stale PAE bits are fine; counters must be back at -1.
 */
static void legacy_fini(struct mc_model_ctx *ctx, const struct mc_folio *f, void *state)
{
	struct mc_legacy_state *s = state;
	uint32_t n, r;
	bool clean;

	if (!f->order) {
		/* the general check below with one _mapcount, no regions, no PUD */
		ctx->violations += mc_legacy_small_of(state)->mapcount != -1;
		return;
	}
	n = mc_folio_nr_pages(f);
	r = mc_legacy_nr_regions(f->order);
	/* mapcount[] and compound[] are adjacent */
	clean = s->pud_mapcount == -1 && mc_all_minus_one(s->mapcount, (size_t)n + r);
	for (uint32_t i = 0; i < r && f->kind == MC_KIND_ANON; i++)
		clean &= !mc_legacy_double_map(s, i);
	if (!clean)
		ctx->violations++;
	s->queued = 0;
}

/* 4 bytes of _mapcount per page, 4 of compound_mapcount per compound page (region), +PUD. */
static size_t legacy_metadata_bytes(unsigned int order)
{
	size_t n = (size_t)1 << order;

	if (!order)
		return 4;
	return 4 * n + 4 * mc_legacy_nr_regions(order) + (order >= MC_PUD_ORDER ? 4 : 0);
}

/* Queries */

/* Order 0: the folio's one page. */
static const struct mc_legacy_small *small_of(const void *state)
{
	return state;
}

static int64_t page_mapcount_state(const struct mc_folio *f, const void *state, uint32_t page)
{
	const struct mc_legacy_state *s = state;
	int64_t ret;
	uint32_t region = region_of(f, page);

	if (!mc_folio_large(f))
		return (int64_t)small_of(state)->mapcount + 1;
	ret = (int64_t)s->mapcount[page] + 1;
	/* mm/util.c:__page_mapcount@v6.1: file _mapcount already holds PMD maps */
	if (f->kind != MC_KIND_ANON)
		return ret;
	ret += (int64_t)mc_legacy_compound_raw(s, region) + 1 + s->pud_mapcount + 1;
	return ret - mc_legacy_double_map(s, region);
}

/* mm/util.c:folio_mapcount@v6.1 */
static int64_t legacy_folio_mapcount(const struct mc_model_ctx *ctx, const struct mc_folio *f,
				     const void *state)
{
	const struct mc_legacy_state *s = state;
	uint32_t n = mc_folio_nr_pages(f), r = mc_legacy_nr_regions(f->order);
	int64_t entire = 0, ret = 0, covered = 0, double_maps = 0;

	if (!mc_folio_large(f))
		return (int64_t)small_of(state)->mapcount + 1;
	for (uint32_t i = 0; i < r; i++) {
		entire += (int64_t)mc_legacy_compound_raw(s, i) + 1;
		covered += ((int64_t)mc_legacy_compound_raw(s, i) + 1) * MC_PMD_NR;
		double_maps += mc_legacy_double_map(s, i);
	}
	entire += (int64_t)s->pud_mapcount + 1;
	covered += ((int64_t)s->pud_mapcount + 1) * n;
	for (uint32_t i = 0; i < n; i++)
		ret += (int64_t)s->mapcount[i] + 1;
	if (f->kind != MC_KIND_ANON)
		return entire + ret - covered;
	return entire + ret - double_maps * MC_PMD_NR;
}

/* mm/util.c:folio_mapped@v6.1 */
static bool folio_mapped_state(const struct mc_folio *f, const struct mc_legacy_state *s)
{
	uint32_t n = mc_folio_nr_pages(f), r = mc_legacy_nr_regions(f->order);

	if (s->pud_mapcount >= 0)
		return true;
	for (uint32_t i = 0; i < r; i++)
		if (mc_legacy_compound_raw(s, i) >= 0)
			return true;
	for (uint32_t i = 0; i < n; i++)
		if (s->mapcount[i] >= 0)
			return true;
	return false;
}

static bool legacy_folio_mapped(const struct mc_model_ctx *ctx, const struct mc_folio *f,
				const void *state)
{
	if (!mc_folio_large(f))
		return small_of(state)->mapcount >= 0;
	return folio_mapped_state(f, state);
}

/* PG_anon_exclusive of page (in range) */
static bool pae_state(const struct mc_folio *f, const void *state, uint32_t page)
{
	if (!mc_folio_large(f))
		return small_of(state)->pae & 1;
	return mc_legacy_pae_test(state, page);
}

static int64_t legacy_page_mapcount(const struct mc_model_ctx *ctx, const struct mc_folio *f,
				    const void *state, uint32_t page)
{
	if (page >= mc_folio_nr_pages(f))
		return 0;
	return page_mapcount_state(f, state, page);
}

/* include/linux/mm.h:folio_estimated_sharers@v6.1 (Debian) != 1 */
static bool legacy_maybe_shared(const struct mc_model_ctx *ctx, const struct mc_folio *f,
				const void *state)
{
	return page_mapcount_state(f, state, 0) != 1;
}

/* The page an entry at level starts at: a PMD's region head, a PUD's page 0. */
static uint32_t entry_head(const struct mc_folio *f, uint32_t page, enum mc_level level)
{
	if (level == MC_LEVEL_PMD)
		return page & ~(MC_PMD_NR - 1);
	return level == MC_LEVEL_PUD ? 0 : page;
}

/* mm/memory.c:do_wp_page@v6.1, mm/huge_memory.c:do_huge_pmd_wp_page@v6.1 */
static bool legacy_cow_reuse(const struct mc_model_ctx *ctx, const struct mc_folio *f,
			     const void *state, uint32_t page, enum mc_level level,
			     const struct mc_query_ctx *q)
{
	if (f->kind != MC_KIND_ANON || page >= mc_folio_nr_pages(f))
		return false;
	if (pae_state(f, state, entry_head(f, page, level)))
		return true;
	if (level == MC_LEVEL_PTE && (f->ksm || q->refcount > 3))
		return false;
	return q->refcount == 1;
}

static bool legacy_partially_mapped(const struct mc_model_ctx *ctx, const struct mc_folio *f,
				    const void *state)
{
	/* order 0 is never queued (deferred_split needs page[2]) */
	return mc_folio_large(f) && ((const struct mc_legacy_state *)state)->queued;
}

static bool legacy_anon_exclusive(const struct mc_model_ctx *ctx, const struct mc_folio *f,
				  const void *state, uint32_t page)
{
	return f->kind == MC_KIND_ANON && page < mc_folio_nr_pages(f) && pae_state(f, state, page);
}

/* fs/proc/task_mmu.c:pte_to_pagemap_entry@v6.1, pagemap_pmd_range@v6.1 */
static bool legacy_pagemap_exclusive(const struct mc_model_ctx *ctx, const struct mc_folio *f,
				     const void *state, uint32_t page, enum mc_level level)
{
	if (page >= mc_folio_nr_pages(f))
		return false;
	return page_mapcount_state(f, state, entry_head(f, page, level)) == 1;
}

/* fs/proc/task_mmu.c:smaps_account@v6.1, smaps_pmd_entry@v6.1 */
static void legacy_smaps_account(const struct mc_model_ctx *ctx, const struct mc_folio *f,
				 const void *state, uint32_t first, uint32_t nr,
				 enum mc_level level, const struct mc_query_ctx *q,
				 struct mc_smaps *acc)
{
	uint64_t size = (uint64_t)nr * MC_PAGE_SIZE;

	if ((uint64_t)first + nr > mc_folio_nr_pages(f))
		return;
	mc_smaps_add_entry(acc, f, size, level);
	if (q->refcount == 1) {
		mc_smaps_add_pss(acc, f->kind, size << MC_PSS_SHIFT);
		acc->private_ += size;
		return;
	}
	for (uint32_t i = first; i < first + nr; i++) {
		int64_t mapcount = page_mapcount_state(f, state, i);
		uint64_t pss = mc_pss_share(MC_PAGE_SIZE, mapcount > 0 ? mapcount : 0);

		mc_smaps_add_pss(acc, f->kind, pss);
		if (mapcount < 2)
			acc->private_ += MC_PAGE_SIZE;
		else
			acc->shared += MC_PAGE_SIZE;
	}
}

const struct mc_model mc_model_legacy_doublemap = {
	.abi_version = MC_MODEL_ABI_VERSION,
	.name = "legacy-doublemap",
	.description = "v4.5-v6.1: per-page _mapcount, compound_mapcount, PG_double_map (6.1.192)",
	.extension_rules = extension_rules,
	.state_size = legacy_state_size,
	.state_align = mc_state_align_packed0,
	.fini0_mask = mc_fini0_mask_mapcount,
	.init = legacy_init,
	.fini = legacy_fini,
	.metadata_bytes = legacy_metadata_bytes,
	.apply = legacy_apply,
	.folio_mapcount = legacy_folio_mapcount,
	.folio_mapped = legacy_folio_mapped,
	.page_mapcount = legacy_page_mapcount,
	.maybe_shared = legacy_maybe_shared,
	.cow_reuse = legacy_cow_reuse,
	.partially_mapped = legacy_partially_mapped,
	.anon_exclusive = legacy_anon_exclusive,
	.pagemap_exclusive = legacy_pagemap_exclusive,
	.smaps_account = legacy_smaps_account,
};
