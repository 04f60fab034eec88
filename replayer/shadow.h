/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shadow address spaces: per mm a simulated x86-64 4-level page table over
 * 36-bit virtual page numbers. A leaf names (folio slot, page index, level);
 * PMD and PUD leaves sit in the PMD and PUD tables as the kernel's huge
 * entries do (their page index is the first page they map). A PTE table is
 * one page of 512 cells; a PMD, PUD or PGD table, mostly a few cells used, is
 * a directory of 8 blocks of 64 cells made as they are first needed, so that
 * an mm costs the replay little more than its PTE tables. Tables and blocks
 * come from a pool shared by every mm of a replay and go back to it at
 * exit/exec.
 *
 * A PTE table has a bitmap of its cache lines: a line whose bit is clear
 * holds no present cell, so fork and exit walks skip a sparse table's empty
 * lines unread. A store of a present cell sets its line's bit (sh_pte_set());
 * clearing a cell leaves it, and a walk that finds a marked line empty clears
 * it then. PTE tables are page-aligned in chunks of SH_TAB_CHUNK bytes (and
 * alignment) whose first page holds the bitmaps: a cell's address finds its
 * table's.
 */
#ifndef MAPCOUNT_SHADOW_H
#define MAPCOUNT_SHADOW_H

#include <stdbool.h>
#include <stdint.h>

#include "models/model.h"
#include "replayer/carve.h"

#define SH_VPN_BITS 36
#define SH_LEVEL_SHIFT(l) (9u * (l))	/* pages covered by one entry at level l: 1 << shift */

#define SH_TAB_CHUNK (1u << 20)	/* a bitmap page, then 255 PTE tables */
#define SH_DIR_BLOCKS 8
#define SH_BLOCK_CELLS 64	/* SH_DIR_BLOCKS * SH_BLOCK_CELLS = 512 */

/* A PTE table. */
struct sh_table {
	uint64_t e[512];
};

/* The bitmap of the PTE table holding cell (any cell of it): bit j is set
 * when one of cells 8j..8j+7 is present (and may be when none is). */
static inline uint64_t *sh_pte_lines(const uint64_t *cell)
{
	uintptr_t a = (uintptr_t)cell, chunk = a & ~(uintptr_t)(SH_TAB_CHUNK - 1);

	return (uint64_t *)chunk + ((a - chunk) >> 12);
}

/* Are the eight cells (a cache line's worth) from l all empty? In registers. */
static inline bool sh_line_empty(const uint64_t *l)
{
	return !(l[0] | l[1] | l[2] | l[3] | l[4] | l[5] | l[6] | l[7]);
}

/* Store v in PTE cell, marking its line in the table's bitmap if v is present. */
static inline void sh_pte_set(uint64_t *cell, uint64_t v)
{
	*cell = v;
	if (v)
		*sh_pte_lines(cell) |= 1ull << (((uintptr_t)cell >> 6) & 63);
}

/* Store v in a cell at level (a PTE cell through sh_pte_set()). */
static inline void sh_cell_set(uint64_t *cell, unsigned int level, uint64_t v)
{
	if (level)
		*cell = v;
	else
		sh_pte_set(cell, v);
}

/* A PMD, PUD or PGD table: cell i is block[i / 64][i % 64]; no block, no cells. */
struct sh_dir {
	uint64_t *block[SH_DIR_BLOCKS];
};

struct sh_pool {
	struct carve tab, dir, block;	/* PTE tables, directories, their blocks */
	struct carve_chunks chunks;
	uint64_t tables;	/* tables (PTE tables and directories) in use */
	uint64_t peak_tables;
	uint64_t frees;		/* tables freed so far: a PTE table remembered at
				 * another count may be gone */
};

struct shadow_mm {
	struct sh_dir *pgd;	/* NULL until the first mapping */
	uint64_t entries;	/* present leaves */
	uint64_t pages;		/* pages mapped (RSS in pages) */
	/* the PTE table sh_cell() found last, for PTEs last_pte_base << 9 on,
	 * while no table was freed since (pool->frees == last_pte_frees): most
	 * records of an mm fall in the table of the one before */
	uint64_t *last_pte;
	uint64_t last_pte_base, last_pte_frees;
};

/* A leaf: bit 0 present, bits 1-2 level, bits 3-22 page index, bits 32-63 folio slot. */
static inline uint64_t sh_leaf(uint32_t slot, uint32_t page, unsigned int level)
{
	return (uint64_t)slot << 32 | (uint64_t)page << 3 | level << 1 | 1;
}

static inline bool sh_is_leaf(uint64_t e)
{
	return e & 1;
}

static inline uint32_t sh_leaf_slot(uint64_t e)
{
	return (uint32_t)(e >> 32);
}

static inline uint32_t sh_leaf_page(uint64_t e)
{
	return (uint32_t)(e >> 3) & 0xfffff;
}

static inline unsigned int sh_leaf_level(uint64_t e)
{
	return (unsigned int)(e >> 1) & 3;
}

static inline uint32_t sh_level_pages(unsigned int level)
{
	return 1u << SH_LEVEL_SHIFT(level);
}

void sh_pool_fini(struct sh_pool *pool);

/* A zeroed PTE table, directory or directory block from the pool; NULL when out of memory. */
struct sh_table *sh_table_alloc(struct sh_pool *pool);
struct sh_dir *sh_dir_alloc(struct sh_pool *pool);
uint64_t *sh_block_alloc(struct sh_pool *pool);

static inline unsigned int sh_index(uint64_t vpn, unsigned int level)
{
	return (unsigned int)(vpn >> SH_LEVEL_SHIFT(level)) & 511;
}

/* Cell i of directory d, its block made if create; NULL without a block. */
static inline uint64_t *sh_dir_cell(struct sh_pool *pool, struct sh_dir *d, unsigned int i,
				    bool create)
{
	uint64_t **b = &d->block[i / SH_BLOCK_CELLS];

	if (!*b && (!create || !(*b = sh_block_alloc(pool))))
		return NULL;
	return &(*b)[i % SH_BLOCK_CELLS];
}

/*
 * The cell for vpn at level (0 PTE, 1 PMD, 2 PUD). With create, missing tables
 * are allocated; NULL when out of memory, when vpn is out of range, or when a
 * leaf at a higher level covers vpn (*blocker then holds it, else 0). Inline,
 * the walk unrolled: a record or two walks here, and most callers pass a
 * constant level and create, for which it becomes straight-line code.
 */
static inline uint64_t *sh_cell(struct sh_pool *pool, struct shadow_mm *mm, uint64_t vpn,
				unsigned int level, bool create, uint64_t *blocker)
{
	struct sh_dir *d;

	*blocker = 0;
	if (vpn >> SH_VPN_BITS)
		return NULL;
	if (!level && pool && mm->last_pte && mm->last_pte_base == vpn >> 9 &&
	    mm->last_pte_frees == pool->frees)
		return &mm->last_pte[vpn & 511];
	if (!mm->pgd) {
		if (!create || !(mm->pgd = sh_dir_alloc(pool)))
			return NULL;
	}
	d = mm->pgd;
	/* the PGD (level 3) holds only tables */
#pragma GCC unroll 3
	for (unsigned int l = 3; l > level; l--) {
		uint64_t *e = sh_dir_cell(pool, d, sh_index(vpn, l), create);

		if (!e)
			return NULL;
		if (sh_is_leaf(*e)) {
			*blocker = *e;
			return NULL;
		}
		if (!*e) {
			void *n;

			if (!create)
				return NULL;
			n = l == 1 ? (void *)sh_table_alloc(pool) : (void *)sh_dir_alloc(pool);
			if (!n)
				return NULL;
			*e = (uint64_t)(uintptr_t)n;
		}
		if (l == 1) {	/* only for level 0: the walk ends in a PTE table */
			uint64_t *pte = ((struct sh_table *)(uintptr_t)*e)->e;

			if (pool) {
				mm->last_pte = pte;
				mm->last_pte_base = vpn >> 9;
				mm->last_pte_frees = pool->frees;
			}
			return &pte[sh_index(vpn, 0)];
		}
		d = (struct sh_dir *)(uintptr_t)*e;
	}
	return sh_dir_cell(pool, d, sh_index(vpn, level), create);
}

/* The leaf mapping vpn at any level, or 0; *cellp (if not NULL) gets its cell. */
uint64_t sh_lookup(const struct shadow_mm *mm, uint64_t vpn, uint64_t **cellp);

/* Is the table at a PMD/PUD cell (a table pointer) free of leaves? */
bool sh_subtree_empty(uint64_t cell, unsigned int level);
/* Free the (empty) subtree a PMD/PUD cell points to and clear the cell. */
void sh_free_subtree(struct sh_pool *pool, uint64_t *cell, unsigned int level);

/* Put a new PTE table in place of the PMD leaf at cell (PMD level), or a PMD
 * table in place of a PUD leaf, filled with the leaves of the next level down
 * (pages keep their slot; the caller rewrites them if it wants). */
int sh_demote(struct sh_pool *pool, uint64_t *cell, unsigned int level);

/* Drop every table of mm (its leaves must have been dealt with). */
void sh_mm_clear(struct sh_pool *pool, struct shadow_mm *mm);

/* Does every PTE table of mm mark each line that holds a present cell? (tests) */
bool sh_lines_cover(const struct shadow_mm *mm);

/*
 * Walk the present leaves of [vpn, end) in address order:
 *	struct sh_iter it; sh_iter_start(&it, mm, vpn, end);
 *	while (sh_iter_next(&it)) use it.vpn, it.cell, *it.cell
 * it.vpn is the first VPN of the leaf (a huge leaf is reported once, with the
 * VPN it starts at, even if that is below the walk's start).
 */
struct sh_iter {
	const struct shadow_mm *mm;
	uint64_t next, end;
	uint64_t vpn;
	uint64_t *cell;
	unsigned int level;
	int lvl;			/* level of the table being scanned, -1 before the first */
	void *t[4];			/* the tables on the path to next, by level: a PTE
					 * table at 0, directories above */
	uint64_t base[4];		/* which table t[l] is: next >> SH_LEVEL_SHIFT(l + 1) */
};

static inline void sh_iter_start(struct sh_iter *it, const struct shadow_mm *mm, uint64_t vpn,
				 uint64_t end)
{
	it->mm = mm;
	it->next = vpn;
	it->end = end;
	it->lvl = -1;
}

bool sh_iter_walk(struct sh_iter *it);

/* The next leaf; inline for the common step, the next cell of the same PTE
 * table being present (a PTE table holds only leaves), else sh_iter_walk(). */
static inline bool sh_iter_next(struct sh_iter *it)
{
	if (it->lvl == 0 && (it->next & 511) && it->next < it->end) {
		uint64_t *e = &((struct sh_table *)it->t[0])->e[it->next & 511];

		if (*e) {
			it->vpn = it->next++;
			it->cell = e;
			it->level = 0;
			return true;
		}
	}
	return sh_iter_walk(it);
}

#endif /* MAPCOUNT_SHADOW_H */
