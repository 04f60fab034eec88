// SPDX-License-Identifier: GPL-2.0
/* Shadow page tables (shadow.h). */
#include <stdlib.h>
#include <string.h>

#include "replayer/shadow.h"

#define SH_POOL_CHUNK 64	/* tables per chunk */

/* A table never used before: carved from the newest chunk, so that a chunk's
 * memory is touched only as its tables are handed out. */
static struct sh_table *sh_table_carve(struct sh_pool *pool)
{
	if (!pool->carve_left) {
		struct sh_table *c = malloc(SH_POOL_CHUNK * sizeof(*c));

		if (!c)
			return NULL;
		if (pool->nr_chunks == pool->cap_chunks) {
			size_t cap = pool->cap_chunks ? pool->cap_chunks * 2 : 64;
			void **n = realloc(pool->chunks, cap * sizeof(*n));

			if (!n) {
				free(c);
				return NULL;
			}
			pool->chunks = n;
			pool->cap_chunks = cap;
		}
		pool->chunks[pool->nr_chunks++] = c;
		pool->carve = c;
		pool->carve_left = SH_POOL_CHUNK;
	}
	pool->carve_left--;
	return pool->carve++;
}

struct sh_table *sh_table_alloc(struct sh_pool *pool)
{
	struct sh_table *t = pool->free;

	if (t)
		pool->free = (struct sh_table *)(uintptr_t)t->e[0];
	else if (!(t = sh_table_carve(pool)))
		return NULL;
	memset(t, 0, sizeof(*t));
	if (++pool->tables > pool->peak_tables)
		pool->peak_tables = pool->tables;
	return t;
}

static void sh_table_free(struct sh_pool *pool, struct sh_table *t)
{
	t->e[0] = (uint64_t)(uintptr_t)pool->free;
	pool->free = t;
	pool->tables--;
}

void sh_pool_fini(struct sh_pool *pool)
{
	for (size_t i = 0; i < pool->nr_chunks; i++)
		free(pool->chunks[i]);
	free(pool->chunks);
	memset(pool, 0, sizeof(*pool));
}

uint64_t sh_lookup(const struct shadow_mm *mm, uint64_t vpn, uint64_t **cellp)
{
	struct sh_table *t = mm->pgd;

	if (!t || vpn >> SH_VPN_BITS)
		return 0;
	for (int l = 3; l >= 0; l--) {
		uint64_t *e = &t->e[sh_index(vpn, (unsigned int)l)];

		if (!*e)
			return 0;
		if (sh_is_leaf(*e)) {
			if (cellp)
				*cellp = e;
			return *e;
		}
		t = sh_child(*e);
	}
	return 0;
}

bool sh_subtree_empty(uint64_t cell, unsigned int level)
{
	struct sh_table *t;

	if (!cell)
		return true;
	if (sh_is_leaf(cell))
		return false;
	t = sh_child(cell);
	for (unsigned int i = 0; i < 512; i++)
		if (t->e[i] && (level == 1 || !sh_subtree_empty(t->e[i], level - 1)))
			return false;
	return true;
}

static void sh_free_tree(struct sh_pool *pool, struct sh_table *t, unsigned int level)
{
	/* level: the level of the entries t holds; level 0 holds only leaves */
	if (level > 0)
		for (unsigned int i = 0; i < 512; i++)
			if (t->e[i] && !sh_is_leaf(t->e[i]))
				sh_free_tree(pool, sh_child(t->e[i]), level - 1);
	sh_table_free(pool, t);
}

void sh_free_subtree(struct sh_pool *pool, uint64_t *cell, unsigned int level)
{
	if (*cell && !sh_is_leaf(*cell))
		sh_free_tree(pool, sh_child(*cell), level - 1);
	*cell = 0;
}

int sh_demote(struct sh_pool *pool, uint64_t *cell, unsigned int level)
{
	uint64_t leaf = *cell;
	struct sh_table *t = sh_table_alloc(pool);
	uint32_t step = sh_level_pages(level - 1);

	if (!t)
		return -1;
	for (uint32_t i = 0; i < 512; i++)
		t->e[i] = sh_leaf(sh_leaf_slot(leaf), sh_leaf_page(leaf) + i * step, level - 1);
	*cell = (uint64_t)(uintptr_t)t;
	return 0;
}

void sh_mm_clear(struct sh_pool *pool, struct shadow_mm *mm)
{
	if (mm->pgd)
		sh_free_tree(pool, mm->pgd, 3);
	mm->pgd = NULL;
	mm->entries = 0;
	mm->pages = 0;
}

bool sh_iter_next(struct sh_iter *it)
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
		e = &it->t[l]->e[sh_index(it->next, l)];
		if (!*e) {
			/* the run of empty entries up to the table's end (or the walk's) at once */
			uint64_t stop = (it->next | ((span << 9) - 1)) + 1;

			if (stop > it->end)
				stop = it->end;
			for (it->next = start + span; it->next < stop && !*++e;)
				it->next += span;
			continue;
		}
		if (sh_is_leaf(*e)) {
			it->vpn = start;
			it->cell = e;
			it->level = l;
			it->next = start + span;
			return true;
		}
		it->t[l - 1] = sh_child(*e);
		it->base[l - 1] = it->next >> SH_LEVEL_SHIFT(l);
		it->lvl--;
	}
	it->next = it->end;
	return false;
}
