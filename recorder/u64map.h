/* SPDX-License-Identifier: GPL-2.0 */
/* Open-addressing hash map from uint64_t keys to pointers (linear probing,
 * backward-shift deletion). The key UINT64_MAX is reserved. */
#ifndef MAPCOUNT_U64MAP_H
#define MAPCOUNT_U64MAP_H

#include <stddef.h>
#include <stdint.h>

#define U64MAP_EMPTY UINT64_MAX

struct u64map {
	uint64_t *keys;
	void **vals;
	size_t cap; /* power of two, or 0 */
	size_t n;
};

void *u64map_get(const struct u64map *m, uint64_t key);
/* Insert or replace; -1 on allocation failure. */
int u64map_put(struct u64map *m, uint64_t key, void *val);
/* Remove and return the value, or NULL. */
void *u64map_del(struct u64map *m, uint64_t key);
void u64map_free(struct u64map *m);

/* for (size_t i = 0; i < m->cap; i++) if (m->keys[i] != U64MAP_EMPTY) ... */
#define u64map_for_each(m, i)                 \
	for (size_t i = 0; i < (m)->cap; i++) \
		if ((m)->keys[i] != U64MAP_EMPTY)

/* Make room for n elements of size elem in *v (capacity *cap, doubling from
 * first); 0, or -1 with *v untouched. */
int array_reserve(void **v, size_t *cap, size_t n, size_t elem, size_t first);

#endif
