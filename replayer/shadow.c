// SPDX-License-Identifier: GPL-2.0
/* Shadow page tables (shadow.h). */
#include <stdlib.h>
#include <string.h>

#include "replayer/shadow.h"

#define SH_POOL_CHUNK (256u << 10)	/* bytes of one carving chunk */

static void sh_count_table(struct sh_pool *pool)
{
	if (++pool->tables > pool->peak_tables)
		pool->peak_tables = pool->tables;
}

/* A zeroed item of size bytes; a table (not a directory block) counts in pool->tables. */
static void *sh_zalloc(struct sh_pool *pool, struct carve *c, size_t size, bool table)
{
	void *p = carve_alloc(c, &pool->chunks, size, SH_POOL_CHUNK);

	if (!p)
		return NULL;
	memset(p, 0, size);
	if (table)
		sh_count_table(pool);
	return p;
}

struct sh_table *sh_table_alloc(struct sh_pool *pool)
{
	/* a given-back table is clean (sh_free_tree()) but for the free list's link */
	bool clean = pool->tab.free != NULL;
	/* page-aligned, from a chunk whose first page holds the bitmaps (shadow.h) */
	struct sh_table *t = carve_alloc_aligned(&pool->tab, &pool->chunks, sizeof(*t),
						 SH_TAB_CHUNK, SH_TAB_CHUNK, sizeof(*t));

	if (!t)
		return NULL;
	if (clean)
		t->e[0] = 0;	/* the free list's link */
	else
		memset(t, 0, sizeof(*t));
	*sh_pte_lines(t->e) = 0;
	sh_count_table(pool);
	return t;
}

struct sh_dir *sh_dir_alloc(struct sh_pool *pool)
{
	return sh_zalloc(pool, &pool->dir, sizeof(struct sh_dir), true);
}

uint64_t *sh_block_alloc(struct sh_pool *pool)
{
	return sh_zalloc(pool, &pool->block, SH_BLOCK_CELLS * sizeof(uint64_t), false);
}

void sh_pool_fini(struct sh_pool *pool)
{
	carve_free_all(&pool->chunks);
	memset(pool, 0, sizeof(*pool));
}

uint64_t sh_lookup(const struct shadow_mm *mm, uint64_t vpn, uint64_t **cellp)
{
	struct sh_dir *d = mm->pgd;
	uint64_t *e = NULL;

	if (!d || vpn >> SH_VPN_BITS)
		return 0;
	for (int l = 3; l >= 0; l--) {
		e = l ? sh_dir_cell(NULL, d, sh_index(vpn, (unsigned int)l), false)
		      : &((struct sh_table *)d)->e[sh_index(vpn, 0)];
		if (!e || !*e)
			return 0;
		if (sh_is_leaf(*e)) {
			if (cellp)
				*cellp = e;
			return *e;
		}
		d = (struct sh_dir *)(uintptr_t)*e;	/* a PTE table when l is 1 */
	}
	return 0;
}

bool sh_subtree_empty(uint64_t cell, unsigned int level)
{
	const struct sh_dir *d;

	if (!cell)
		return true;
	if (sh_is_leaf(cell))
		return false;
	if (level == 1) {
		const struct sh_table *t = (const struct sh_table *)(uintptr_t)cell;

		for (uint64_t m = *sh_pte_lines(t->e); m; m &= m - 1)
			if (!sh_line_empty(&t->e[__builtin_ctzll(m) * 8]))
				return false;
		return true;
	}
	d = (const struct sh_dir *)(uintptr_t)cell;
	for (unsigned int b = 0; b < SH_DIR_BLOCKS; b++)
		for (unsigned int i = 0; d->block[b] && i < SH_BLOCK_CELLS; i++)
			if (!sh_subtree_empty(d->block[b][i], level - 1))
				return false;
	return true;
}

/* level: the level of the entries t holds; a PTE table's (level 0) are all leaves */
static void sh_free_tree(struct sh_pool *pool, void *t, unsigned int level)
{
	struct sh_dir *d = t;

	pool->frees++;
	if (!level) {
		/* clean for the next user: only marked lines can hold entries */
		for (uint64_t m = *sh_pte_lines(t); m; m &= m - 1)
			memset((uint64_t *)t + __builtin_ctzll(m) * 8, 0, 64);
		carve_put(&pool->tab, t);
		pool->tables--;
		return;
	}
	for (unsigned int b = 0; b < SH_DIR_BLOCKS; b++) {
		if (!d->block[b])
			continue;
		for (unsigned int i = 0; i < SH_BLOCK_CELLS; i++) {
			uint64_t e = d->block[b][i];

			if (e && !sh_is_leaf(e))
				sh_free_tree(pool, (void *)(uintptr_t)e, level - 1);
		}
		carve_put(&pool->block, d->block[b]);
	}
	carve_put(&pool->dir, d);
	pool->tables--;
}

void sh_free_subtree(struct sh_pool *pool, uint64_t *cell, unsigned int level)
{
	if (*cell && !sh_is_leaf(*cell))
		sh_free_tree(pool, (void *)(uintptr_t)*cell, level - 1);
	*cell = 0;
}

int sh_demote(struct sh_pool *pool, uint64_t *cell, unsigned int level)
{
	uint64_t leaf = *cell;
	uint32_t step = sh_level_pages(level - 1);
	void *t;

	if (level == 1) {
		struct sh_table *pte = sh_table_alloc(pool);

		if (!pte)
			return -1;
		for (uint32_t i = 0; i < 512; i++)
			pte->e[i] = sh_leaf(sh_leaf_slot(leaf), sh_leaf_page(leaf) + i * step, 0);
		*sh_pte_lines(pte->e) = ~0ull;
		t = pte;
	} else {
		struct sh_dir *d = sh_dir_alloc(pool);

		if (!d)
			return -1;
		for (uint32_t i = 0; i < 512; i++) {
			uint64_t *e = sh_dir_cell(pool, d, i, true);

			if (!e) {
				sh_free_tree(pool, d, level - 1);
				return -1;
			}
			*e = sh_leaf(sh_leaf_slot(leaf), sh_leaf_page(leaf) + i * step, level - 1);
		}
		t = d;
	}
	*cell = (uint64_t)(uintptr_t)t;
	return 0;
}

static bool sh_tree_lines_cover(const void *t, unsigned int level)
{
	const struct sh_dir *d = t;

	if (!level) {
		const struct sh_table *pte = t;
		uint64_t lines = 0;

		for (unsigned int i = 0; i < 512; i++)
			lines |= (uint64_t)(pte->e[i] != 0) << (i / 8);
		return !(lines & ~*sh_pte_lines(pte->e));
	}
	for (unsigned int b = 0; b < SH_DIR_BLOCKS; b++)
		for (unsigned int i = 0; d->block[b] && i < SH_BLOCK_CELLS; i++) {
			uint64_t e = d->block[b][i];

			if (e && !sh_is_leaf(e) &&
			    !sh_tree_lines_cover((const void *)(uintptr_t)e, level - 1))
				return false;
		}
	return true;
}

bool sh_lines_cover(const struct shadow_mm *mm)
{
	return !mm->pgd || sh_tree_lines_cover(mm->pgd, 3);
}

void sh_mm_clear(struct sh_pool *pool, struct shadow_mm *mm)
{
	if (mm->pgd)
		sh_free_tree(pool, mm->pgd, 3);
	mm->pgd = NULL;
	mm->entries = 0;
	mm->pages = 0;
}

/*
 * The first VPN in [next, stop) with a present cell in PTE table t, or stop:
 * the table's bitmap names the lines to look in, and loses those found empty.
 */
static uint64_t sh_skip_empty_ptes(struct sh_table *t, uint64_t next, uint64_t stop)
{
	uint64_t base = next & ~511ull, lines;
	unsigned int i = (unsigned int)(next & 511);

	if (next >= stop)	/* at the table's end (stop is at most there) */
		return stop;
	for (lines = *sh_pte_lines(t->e) & (~0ull << (i >> 3)); lines; lines &= lines - 1) {
		unsigned int line = (unsigned int)__builtin_ctzll(lines);

		if (sh_line_empty(&t->e[line * 8])) {
			*sh_pte_lines(t->e) &= ~(1ull << line);
			continue;
		}
		for (unsigned int j = line * 8 > i ? line * 8 : i; j < line * 8 + 8; j++) {
			if (base + j >= stop)
				return stop;
			if (t->e[j])
				return base + j;
		}
	}
	return stop;
}

/*
 * The first VPN in [next, stop) whose directory cell (e + 1 on, span apart) is
 * not empty, or stop: eight cells (a cache line's worth) at a time, in registers.
 */
static uint64_t sh_skip_empty(const uint64_t *e, uint64_t next, uint64_t stop, uint64_t span)
{
	while (next + 7 * span < stop && sh_line_empty(e + 1)) {
		e += 8;
		next += 8 * span;
	}
	while (next < stop && !*++e)
		next += span;
	return next < stop ? next : stop;
}

bool sh_iter_walk(struct sh_iter *it)
{
	if (it->lvl < 0) {
		if (!it->mm->pgd)
			return false;
		it->t[3] = it->mm->pgd;
		it->lvl = 3;
	}
	/* a depth-first walk that keeps its path: O(1) per entry visited */
	while (it->next < it->end && !(it->next >> SH_VPN_BITS)) {
		unsigned int l = (unsigned int)it->lvl;
		uint64_t span = 1ull << SH_LEVEL_SHIFT(l);
		uint64_t start = it->next & ~(span - 1);
		uint64_t *e;

		if (l < 3 && (it->next >> SH_LEVEL_SHIFT(l + 1)) != it->base[l]) {
			it->lvl++;	/* walked off the end of this table */
			continue;
		}
		if (l)
			e = sh_dir_cell(NULL, it->t[l], sh_index(it->next, l), false);
		else
			e = &((struct sh_table *)it->t[0])->e[sh_index(it->next, 0)];
		if (!e || !*e) {
			/* the run of empty entries up to the end of their block of cells
			 * (a PTE table, a directory block) or of the walk, at once */
			uint64_t cells = l ? SH_BLOCK_CELLS : 512;
			uint64_t stop = (it->next | (span * cells - 1)) + 1;

			if (stop > it->end)
				stop = it->end;
			if (!l)
				stop = sh_skip_empty_ptes(it->t[0], start + 1, stop);
			else if (e)
				stop = sh_skip_empty(e, start + span, stop, span);
			it->next = stop;
			continue;
		}
		if (sh_is_leaf(*e)) {
			it->vpn = start;
			it->cell = e;
			it->level = l;
			it->next = start + span;
			return true;
		}
		it->t[l - 1] = (void *)(uintptr_t)*e;
		it->base[l - 1] = it->next >> SH_LEVEL_SHIFT(l);
		it->lvl--;
	}
	it->next = it->end;
	return false;
}
