/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Items of one size carved from large chunks as they are first needed, so
 * that a chunk's pages are touched (and count in the RSS) only as its items
 * are handed out; a given-back item goes on a free list, linked through its
 * first word. The chunks are kept in a list and freed together at the end.
 */
#ifndef MAPCOUNT_CARVE_H
#define MAPCOUNT_CARVE_H

#include <stddef.h>

/* Every chunk malloc'd for one owner, freed by carve_free_all(). */
struct carve_chunks {
	void **chunks;
	size_t nr, cap;
};

/* One item size. */
struct carve {
	void *free;		/* given-back items */
	char *at;		/* the newest chunk's items never handed out yet */
	size_t left;		/* bytes left there */
};

/* Keep p (malloc'd) in the list: 0, or -1 when out of memory (p is not kept). */
int carve_keep(struct carve_chunks *cc, void *p);
void carve_free_all(struct carve_chunks *cc);

/*
 * An item of size bytes (not zeroed): a given-back one, else the next of the
 * newest chunk, else one from a new chunk of chunk bytes aligned to align (a
 * power of two dividing chunk), whose first head bytes are left to the caller.
 * NULL when out of memory.
 */
void *carve_alloc_aligned(struct carve *c, struct carve_chunks *cc, size_t size, size_t chunk,
			  size_t align, size_t head);

/* carve_alloc_aligned() from line-aligned chunks, all of them items. */
static inline void *carve_alloc(struct carve *c, struct carve_chunks *cc, size_t size,
				size_t chunk)
{
	return carve_alloc_aligned(c, cc, size, (chunk + 63) & ~(size_t)63, 64, 0);
}

static inline void carve_put(struct carve *c, void *p)
{
	*(void **)p = c->free;
	c->free = p;
}

#endif /* MAPCOUNT_CARVE_H */
