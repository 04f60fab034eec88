// SPDX-License-Identifier: GPL-2.0
/* Shadow page tables and the folio table: placement, walks, demotion, reuse. */
#include <string.h>

#include "replayer/folio-table.h"
#include "replayer/shadow.h"
#include "tests/tap.h"

static void test_shadow(void)
{
	struct sh_pool pool = { 0 };
	struct shadow_mm mm = { 0 };
	uint64_t blocker, *cell, vpns[8];
	struct sh_iter it;
	int n = 0;

	cell = sh_cell(&pool, &mm, 0x12345, 0, true, &blocker);
	ok(cell && !*cell, "PTE cell created");
	sh_pte_set(cell, sh_leaf(7, 3, 0));
	is_int(pool.tables, 4, "a PTE needs PGD, PUD, PMD and PTE tables");
	is_int(sh_leaf_slot(sh_lookup(&mm, 0x12345, NULL)), 7, "lookup finds the slot");
	is_int(sh_leaf_page(sh_lookup(&mm, 0x12345, NULL)), 3, "and the page");
	ok(!sh_lookup(&mm, 0x12346, NULL), "the next VPN is empty");

	cell = sh_cell(&pool, &mm, 0x40000, 1, true, &blocker);
	*cell = sh_leaf(9, 0, 1);
	ok(!sh_cell(&pool, &mm, 0x40001, 0, true, &blocker) && blocker == sh_leaf(9, 0, 1),
	   "a PMD leaf blocks a PTE below it");
	is_int(sh_leaf_slot(sh_lookup(&mm, 0x401ff, NULL)), 9, "a PMD leaf covers 512 pages");
	ok(!sh_lookup(&mm, 0x40200, NULL), "and no more");

	cell = sh_cell(&pool, &mm, 0x3ffff, 0, true, &blocker);
	sh_pte_set(cell, sh_leaf(1, 0, 0));
	sh_iter_start(&it, &mm, 0, 1ull << SH_VPN_BITS);
	while (sh_iter_next(&it) && n < 8)
		vpns[n++] = it.vpn;
	is_int(n, 3, "the walk finds three leaves");
	ok(n == 3 && vpns[0] == 0x12345 && vpns[1] == 0x3ffff && vpns[2] == 0x40000,
	   "in address order");

	n = 0;
	sh_iter_start(&it, &mm, 0x40100, 0x40101);
	while (sh_iter_next(&it))
		n++;
	ok(n == 1 && it.vpn == 0x40000 && it.level == 1, "a walk inside a PMD reports its start");

	sh_lookup(&mm, 0x40000, &cell);
	ok(!sh_demote(&pool, cell, 1), "demote a PMD leaf");
	is_int(sh_leaf_page(sh_lookup(&mm, 0x40010, NULL)), 16, "page 16 at PTE level");
	is_int(sh_leaf_level(sh_lookup(&mm, 0x40010, NULL)), 0, "is a PTE");

	cell = sh_cell(&pool, &mm, 0x80000, 1, true, &blocker);
	ok(sh_subtree_empty(*cell, 1), "an empty PMD cell is empty");
	cell = sh_cell(&pool, &mm, 0x12345, 1, false, &blocker);
	ok(cell && !sh_subtree_empty(*cell, 1), "a PMD cell over a used PTE table is not empty");

	ok(sh_lines_cover(&mm), "each PTE table's bitmap marks its used lines (demoted too)");

	sh_mm_clear(&pool, &mm);
	is_int(pool.tables, 0, "clearing the mm returns every table");
	ok(!mm.pgd && !sh_lookup(&mm, 0x12345, NULL), "and the mm is empty");
	ok(!sh_cell(&pool, &mm, 1ull << SH_VPN_BITS, 0, true, &blocker), "VPN out of range");
	sh_pool_fini(&pool);
}

/* Sparse PTE tables: the walk finds every leaf through the line bitmaps,
 * which stores mark and walks clean. */
static void test_pte_lines(void)
{
	static const uint64_t at[] = { 0x200, 0x207, 0x208, 0x3ff, 0x400, 0x5f8, 0x7ff, 0x1000ff };
	struct sh_pool pool = { 0 };
	struct shadow_mm mm = { 0 };
	uint64_t blocker, *cell, found[16], *lines;
	bool cover = true, order = true;
	unsigned int n = 0, nr = sizeof(at) / sizeof(at[0]);
	struct sh_iter it;

	for (unsigned int i = 0; i < nr; i++) {
		cell = sh_cell(&pool, &mm, at[i], 0, true, &blocker);
		sh_pte_set(cell, sh_leaf(i + 1, 0, 0));
		cover &= sh_lines_cover(&mm);
	}
	cell = sh_cell(&pool, &mm, 0x200, 0, false, &blocker);
	ok(((uintptr_t)cell & 4095) == 0, "PTE tables are page-aligned");
	lines = sh_pte_lines(cell);
	is_int(*lines, 1ull | 2 | 1ull << 63, "table 1: lines 0, 1 and 63 marked");
	sh_iter_start(&it, &mm, 0, 1ull << SH_VPN_BITS);
	while (sh_iter_next(&it) && n < 16)
		found[n++] = it.vpn;
	for (unsigned int i = 0; i < n && i < nr; i++)
		order &= found[i] == at[i];
	ok(n == nr && order, "the walk finds all %u leaves in order (%u)", nr, n);

	/* empty line 0 (0x200, 0x207) and the end of line 63 (0x3ff) */
	sh_pte_set(sh_cell(&pool, &mm, 0x207, 0, false, &blocker), 0);
	sh_pte_set(sh_cell(&pool, &mm, 0x200, 0, false, &blocker), 0);
	sh_pte_set(sh_cell(&pool, &mm, 0x3ff, 0, false, &blocker), 0);
	cover &= sh_lines_cover(&mm);
	is_int(*lines, 1ull | 2 | 1ull << 63, "a cleared cell leaves its line marked");
	n = 0;
	sh_iter_start(&it, &mm, 0x200, 0x400);
	while (sh_iter_next(&it))
		found[n++] = it.vpn;
	ok(n == 1 && found[0] == 0x208, "a walk of the table finds 0x208 alone (%u)", n);
	is_int(*lines, 2, "and unmarks the lines it found empty");
	cover &= sh_lines_cover(&mm);
	ok(cover, "every used line stays marked throughout");
	ok(!sh_subtree_empty(*sh_cell(&pool, &mm, 0x200, 1, false, &blocker), 1),
	   "a table with a used line is not empty");
	sh_pte_set(sh_cell(&pool, &mm, 0x208, 0, false, &blocker), 0);
	ok(sh_subtree_empty(*sh_cell(&pool, &mm, 0x200, 1, false, &blocker), 1),
	   "a table whose marked lines are all empty is empty");

	/* given back with stale cells (an exit leaves them): clean when reused */
	sh_pte_set(sh_cell(&pool, &mm, 0x5f9, 0, false, &blocker), sh_leaf(9, 1, 0));
	sh_mm_clear(&pool, &mm);
	for (unsigned int i = 0; i < 3; i++) {
		const uint64_t *e = sh_cell(&pool, &mm, 0x10000 + 512 * i, 0, true, &blocker);
		uint64_t any = *sh_pte_lines(e);

		for (unsigned int j = 0; j < 512; j++)
			any |= e[j];
		cover &= !any;
	}
	ok(cover, "a table taken again from the pool is all zero, bitmap too");
	sh_mm_clear(&pool, &mm);
	sh_pool_fini(&pool);
}

static void test_folio_table(void)
{
	size_t sizes[MC_MAX_ORDER + 1];
	struct folio_table ft;
	struct ft_slot *s, *t;
	void *block, *big;
	unsigned int n = 0;

	for (unsigned int o = 0; o <= MC_MAX_ORDER; o++)
		sizes[o] = 24 + 4 * (1u << o);
	ok(!ft_init(&ft, sizes), "folio table set up");
	s = ft_insert(&ft, 0x1000, 0, MC_KIND_ANON, false);
	ok(s && ft_pfn(s) == 0x1000 && ft_id(&ft, s) == 0, "first folio in slot 0");
	block = ft_state(&ft, s);
	ok(ft_lookup(&ft, 0x1000) == s, "lookup by PFN");
	ok(!ft_lookup(&ft, 0x1001) && !ft_lookup(&ft, 0x7fffffff) && !ft_lookup(&ft, 1ull << 40),
	   "unknown PFNs are not found");
	t = ft_insert(&ft, 0x200000, 9, MC_KIND_FILE, false);
	ok(t && ft_id(&ft, t) == 1 && ft_order(t) == 9 && ft_kind(t) == MC_KIND_FILE, "second folio");
	big = ft_state(&ft, t);
	ok(big && big != ft_state0(&ft, 1), "a large folio's state block comes from its pool");
	ft_remove(&ft, ft_lookup(&ft, 0x1000));
	ok(!ft_lookup(&ft, 0x1000), "removed");
	s = ft_insert(&ft, 0x5000, 0, MC_KIND_ANON, true);
	ok(s && ft_id(&ft, s) == 0 && ft_state(&ft, s) == block && ft_ksm(s),
	   "slot and state block reused");
	for (uint64_t pfn = 0x100000; pfn < 0x100000 + 20000; pfn++)
		ft_insert(&ft, pfn, 0, MC_KIND_ANON, false);
	is_int(ft.live, 20002, "20002 live folios");
	ok(ft_state(&ft, ft_lookup(&ft, 0x200000)) == big,
	   "a large folio's state block stays put as the slot arrays grow");
	ft_for_each_live(&ft, s)
		n++;
	is_int(n, 20002, "the live walk sees them all");
	is_int(ft.live_by_order[9], 1, "live by order");
	ok(!ft_insert(&ft, 1ull << FT_PFN_BITS, 0, 0, false), "PFN out of range refused");
	ft_fini(&ft);
}

/* One radix per order: heads found at their own order, overlaps across orders. */
static void test_folio_orders(void)
{
	size_t sizes[MC_MAX_ORDER + 1];
	struct folio_table ft;
	struct ft_slot *a, *b, *c, *s;
	uint64_t pos = 0;
	unsigned int n = 0;

	for (unsigned int o = 0; o <= MC_MAX_ORDER; o++)
		sizes[o] = 8;
	ft_init(&ft, sizes);
	a = ft_insert(&ft, 0x2005, 0, MC_KIND_ANON, false);
	b = ft_insert(&ft, 0x2010, 4, MC_KIND_ANON, false);
	c = ft_insert(&ft, 0x200000, 9, MC_KIND_FILE, false);
	ok(ft_lookup(&ft, 0x2005) == a && ft_lookup(&ft, 0x2010) == b &&
		   ft_lookup(&ft, 0x200000) == c,
	   "each head found in its order's radix");
	ok(!ft_lookup(&ft, 0x2011) && !ft_lookup(&ft, 0x2000) && !ft_lookup(&ft, 0x200200),
	   "PFNs inside a folio or beside it are no heads");
	ok(!ft_pfn_free(&ft, 0x201f) && !ft_pfn_free(&ft, 0x2001ff) && !ft_pfn_free(&ft, 0x2005) &&
		   ft_pfn_free(&ft, 0x2020) && ft_pfn_free(&ft, 0x2000),
	   "a PFN is free unless a folio of any order covers it");
	ok(ft_overlap(&ft, 0x2015, 0, &pos) == b && !ft_overlap(&ft, 0x2015, 0, &pos),
	   "an order-0 range inside an mTHP overlaps it");
	pos = 0;
	while ((s = ft_overlap(&ft, 0x2000, 9, &pos)))
		n += s == a || s == b ? 1 : 100;
	is_int(n, 2,
	       "a PMD-sized range overlaps the small folio and the mTHP inside it, once each");
	pos = 0;
	ok(ft_overlap(&ft, 0x200000, 4, &pos) == c && !ft_overlap(&ft, 0x200000, 4, &pos),
	   "an mTHP range inside a THP overlaps it");
	ft_remove(&ft, b);
	pos = 0;
	ok(!ft_overlap(&ft, 0x2010, 4, &pos) && ft_pfn_free(&ft, 0x201f) && !ft_lookup(&ft, 0x2010),
	   "a removed folio overlaps nothing");
	ft_fini(&ft);
}

/*
 * Slot blocks: the stride for each order-0 state size after the 12-byte slot (a
 * power of two up to 64 bytes, so no block straddles a cache line; else a
 * multiple of 16), and ids back from block addresses by exact division, across
 * growth.
 */
static void test_slot_blocks(void)
{
	static const struct {
		size_t state0, stride;
	} cases[] = { { 0, 32 }, { 8, 32 }, { 20, 32 }, { 21, 64 }, { 52, 64 }, { 53, 80 },
		      { 64, 80 }, { 80, 96 }, { 96, 112 }, { 200, 224 } };
	size_t sizes[MC_MAX_ORDER + 1];

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct folio_table ft;
		bool ids = true, apart = true;

		for (unsigned int o = 0; o <= MC_MAX_ORDER; o++)
			sizes[o] = cases[c].state0;
		ft_init(&ft, sizes);
		is_int(ft.stride, cases[c].stride, "order-0 states of %zu bytes: blocks of %zu",
		       cases[c].state0, cases[c].stride);
		for (uint32_t i = 0; i < 5000; i++) {
			struct ft_slot *s = ft_insert(&ft, 0x10000 + i, 0, MC_KIND_ANON, false);

			ids &= s && ft_id(&ft, s) == i && ft_slot(&ft, i) == s;
			apart &= s && (char *)ft_state0(&ft, i) - (char *)s == FT_STATE0_OFFSET;
		}
		for (uint32_t i = 0; i < 5000; i++)
			ids &= ft_id(&ft, ft_lookup(&ft, 0x10000 + i)) == i;
		ok(ids, "stride %zu: ids from block addresses, 5000 slots through growth",
		   ft.stride);
		ok(apart, "stride %zu: the order-0 states follow the slot", ft.stride);
		ft_fini(&ft);
	}
}

int main(void)
{
	test_shadow();
	test_pte_lines();
	test_folio_table();
	test_folio_orders();
	test_slot_blocks();
	return tap_done();
}
