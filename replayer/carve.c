// SPDX-License-Identifier: GPL-2.0
/* Items carved from chunks as first needed (carve.h). */
#include <stdlib.h>

#include "replayer/carve.h"

int carve_keep(struct carve_chunks *cc, void *p)
{
	if (cc->nr == cc->cap) {
		size_t cap = cc->cap ? cc->cap * 2 : 64;
		void **n = realloc(cc->chunks, cap * sizeof(*n));

		if (!n)
			return -1;
		cc->chunks = n;
		cc->cap = cap;
	}
	cc->chunks[cc->nr++] = p;
	return 0;
}

void carve_free_all(struct carve_chunks *cc)
{
	for (size_t i = 0; i < cc->nr; i++)
		free(cc->chunks[i]);
	free(cc->chunks);
	cc->chunks = NULL;
	cc->nr = cc->cap = 0;
}

void *carve_alloc_aligned(struct carve *c, struct carve_chunks *cc, size_t size, size_t chunk,
			  size_t align, size_t head)
{
	void *p = c->free;

	if (p) {
		c->free = *(void **)p;
		return p;
	}
	if (c->left < size) {
		char *n = aligned_alloc(align, chunk);

		if (!n || carve_keep(cc, n)) {
			free(n);
			return NULL;
		}
		c->at = n + head;
		c->left = chunk - head;
	}
	p = c->at;
	c->at += size;
	c->left -= size;
	return p;
}
