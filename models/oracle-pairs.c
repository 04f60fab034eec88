// SPDX-License-Identifier: GPL-2.0
/* The oracle's (folio slot, mm) -> entries map (oracle-pairs.h). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "models/oracle-pairs.h"

#define PAIRS_CNT_BITS 6
#define PAIRS_BIG ((1u << PAIRS_CNT_BITS) - 1)	/* the count is in the big table */
#define PAIRS_MIN 1024u
#define LP_NONE UINT32_MAX

/*
 * One code for both tables, inlined for each one's shape: stride words an
 * entry, the key in its first word above shift bits.
 */
#define MAIN 1, PAIRS_CNT_BITS
#define BIG 2, 0
#define LP_INLINE static inline __attribute__((always_inline))

LP_INLINE uint64_t *lp_at(const struct pairs_lp *t, uint32_t i, unsigned int stride)
{
	return &t->w[(size_t)i * stride];
}

/* The place after i, round the end. */
LP_INLINE uint32_t lp_next(const struct pairs_lp *t, uint32_t i)
{
	return i + 1 == t->cap ? 0 : i + 1;
}

/* How far the entry w at index i lies from its home. */
LP_INLINE uint32_t lp_dist(const struct pairs_lp *t, uint32_t i, uint64_t w, unsigned int shift)
{
	uint32_t home = pairs_hash(w >> shift, t->cap);

	return i >= home ? i - home : i + t->cap - home;
}

/* Robin Hood order: along a probe run, entries lie no nearer their homes than
 * key would be, so a lookup stops at the first entry nearer to its own. */
LP_INLINE uint32_t lp_find(const struct pairs_lp *t, uint64_t key, unsigned int stride,
			   unsigned int shift)
{
	uint32_t i = pairs_hash(key, t->cap);

	for (uint32_t d = 0;; d++, i = lp_next(t, i)) {
		uint64_t w = *lp_at(t, i, stride);

		if (!w)
			return LP_NONE;
		if (w >> shift == key)
			return i;
		if (lp_dist(t, i, w, shift) < d)
			return LP_NONE;
	}
}

/* Put entry e (its key absent) where the Robin Hood order wants it: before the
 * first entry nearer its home, the rest of the run moving one place on. */
LP_INLINE void lp_place(struct pairs_lp *t, const uint64_t *e, unsigned int stride,
			unsigned int shift)
{
	uint64_t carry[2], tmp[2];
	uint32_t i = pairs_hash(e[0] >> shift, t->cap), d = 0;

	while (*lp_at(t, i, stride) && lp_dist(t, i, *lp_at(t, i, stride), shift) >= d++)
		i = lp_next(t, i);
	memcpy(carry, e, stride * sizeof(*e));
	for (; *lp_at(t, i, stride); i = lp_next(t, i)) {
		memcpy(tmp, lp_at(t, i, stride), stride * sizeof(*e));
		memcpy(lp_at(t, i, stride), carry, stride * sizeof(*e));
		memcpy(carry, tmp, stride * sizeof(*e));
	}
	memcpy(lp_at(t, i, stride), carry, stride * sizeof(*e));
}

static int lp_alloc(struct pairs_lp *t, uint32_t cap, unsigned int stride)
{
	t->w = calloc((size_t)cap * stride, sizeof(*t->w));
	t->cap = cap;
	t->used = 0;
	return t->w ? 0 : -1;
}

/*
 * Rare (the table grows by half): out of line, so that inserts stay light.
 * Growing by half, not doubling, keeps both the slack after a growth and the
 * peak while old and new tables coexist smaller.
 */
static __attribute__((noinline)) int lp_grow(struct pairs_lp *t, unsigned int stride,
					      unsigned int shift)
{
	struct pairs_lp old = *t;

	if (old.cap >= 1u << 30 || lp_alloc(t, old.cap + old.cap / 2, stride)) {
		*t = old;
		return -1;
	}
	for (uint32_t i = 0; i < old.cap; i++)
		if (*lp_at(&old, i, stride))
			lp_place(t, lp_at(&old, i, stride), stride, shift);
	t->used = old.used;
	free(old.w);
	return 0;
}

/* Insert entry e (its key absent); keeps the load at most 7/8. */
LP_INLINE int lp_insert(struct pairs_lp *t, const uint64_t *e, unsigned int stride,
			unsigned int shift)
{
	if ((t->used + 1ull) * 8 > (uint64_t)t->cap * 7 && lp_grow(t, stride, shift) &&
	    t->used + 1 >= t->cap)
		return -1;
	lp_place(t, e, stride, shift);
	t->used++;
	return 0;
}

/* Backward-shift deletion: the entries after the hole move one place back,
 * up to an empty place or an entry at its home. No tombstones. */
LP_INLINE void lp_delete(struct pairs_lp *t, uint32_t hole, unsigned int stride,
			 unsigned int shift)
{
	for (uint32_t i = lp_next(t, hole);; hole = i, i = lp_next(t, i)) {
		uint64_t w = *lp_at(t, i, stride);

		if (!w || !lp_dist(t, i, w, shift))
			break;
		memcpy(lp_at(t, hole, stride), lp_at(t, i, stride), stride * sizeof(*t->w));
	}
	memset(lp_at(t, hole, stride), 0, stride * sizeof(*t->w));
	t->used--;
}

int pairs_init(struct pairs *p)
{
	if (lp_alloc(&p->main, PAIRS_MIN, 1) || lp_alloc(&p->big, PAIRS_MIN / 16, 2)) {
		pairs_fini(p);
		return -1;
	}
	return 0;
}

void pairs_fini(struct pairs *p)
{
	free(p->main.w);
	free(p->big.w);
	memset(p, 0, sizeof(*p));
}

/* The count of the pair at main index i. */
static int64_t pairs_count(const struct pairs *p, uint32_t i, uint64_t key, uint32_t *big)
{
	uint64_t n = p->main.w[i] & PAIRS_BIG;

	if (n < PAIRS_BIG)
		return (int64_t)n;
	*big = lp_find(&p->big, key, BIG);
	return (int64_t)p->big.w[2 * (size_t)*big + 1];
}

int64_t pairs_get(const struct pairs *p, uint64_t key)
{
	uint32_t i, big;

	if (key == PAIRS_NO_KEY || (i = lp_find(&p->main, key, MAIN)) == LP_NONE)
		return 0;
	return pairs_count(p, i, key, &big);
}

/* Counts 1..PAIRS_BIG - 1 fit in the main word; any other goes to the big table. */
static bool pairs_small(int64_t n)
{
	return n >= 1 && n < PAIRS_BIG;
}

/* Delete the pair at main index i, its count at big index big (LP_NONE if small). */
static void pairs_delete(struct pairs *p, uint32_t i, uint32_t big)
{
	if (big != LP_NONE)
		lp_delete(&p->big, big, BIG);
	lp_delete(&p->main, i, MAIN);
}

/* pairs_add() in general: i is key's place in main (LP_NONE if it has no pair). */
static __attribute__((noinline)) enum pairs_change pairs_add_any(struct pairs *p, uint64_t key,
								  uint32_t i, int64_t delta)
{
	uint32_t big = LP_NONE;
	uint64_t e[2] = { key, 0 }, w;
	int64_t n;

	n = (i == LP_NONE ? 0 : pairs_count(p, i, key, &big)) + delta;
	if (i != LP_NONE && !n) {
		pairs_delete(p, i, big);
		return PAIRS_GONE;
	}
	if (pairs_small(n) && big != LP_NONE) {
		lp_delete(&p->big, big, BIG);
	} else if (!pairs_small(n) && big != LP_NONE) {
		p->big.w[2 * (size_t)big + 1] = (uint64_t)n;
	} else if (!pairs_small(n)) {
		e[1] = (uint64_t)n;
		if (lp_insert(&p->big, e, BIG))
			return PAIRS_NOMEM;
	}
	w = key << PAIRS_CNT_BITS | (pairs_small(n) ? (uint64_t)n : PAIRS_BIG);
	if (i != LP_NONE) {
		p->main.w[i] = w;
		return PAIRS_CHANGED;
	}
	if (!lp_insert(&p->main, &w, MAIN))
		return PAIRS_NEW;
	if (!pairs_small(n))	/* undo the big count */
		lp_delete(&p->big, lp_find(&p->big, key, BIG), BIG);
	return PAIRS_NOMEM;
}

/* pairs_add() of key, at index i of main (LP_NONE if it has no pair). */
LP_INLINE enum pairs_change pairs_add_at(struct pairs *p, uint64_t key, uint32_t i,
					 int64_t delta)
{
	uint64_t w;

	/* pairs_add_any() where no count is or becomes big: main alone changes */
	if (i == LP_NONE && pairs_small(delta)) {
		w = key << PAIRS_CNT_BITS | (uint64_t)delta;
		return lp_insert(&p->main, &w, MAIN) ? PAIRS_NOMEM : PAIRS_NEW;
	}
	if (i != LP_NONE && (p->main.w[i] & PAIRS_BIG) != PAIRS_BIG) {
		int64_t n = (int64_t)(p->main.w[i] & PAIRS_BIG) + delta;

		if (!n) {
			lp_delete(&p->main, i, MAIN);
			return PAIRS_GONE;
		}
		if (pairs_small(n)) {
			p->main.w[i] = key << PAIRS_CNT_BITS | (uint64_t)n;
			return PAIRS_CHANGED;
		}
	}
	return pairs_add_any(p, key, i, delta);
}

enum pairs_change pairs_add(struct pairs *p, uint64_t key, int64_t delta)
{
	if (key == PAIRS_NO_KEY)
		return PAIRS_NOMEM;
	return pairs_add_at(p, key, lp_find(&p->main, key, MAIN), delta);
}

enum pairs_change pairs_take(struct pairs *p, uint64_t key, int64_t n)
{
	uint32_t i, big;

	if (key == PAIRS_NO_KEY || (i = lp_find(&p->main, key, MAIN)) == LP_NONE ||
	    pairs_count(p, i, key, &big) < n)
		return PAIRS_SHORT;
	return pairs_add_at(p, key, i, -n);
}

int64_t pairs_pop(struct pairs *p, uint64_t key)
{
	uint32_t i, big = LP_NONE;
	int64_t n;

	if (key == PAIRS_NO_KEY || (i = lp_find(&p->main, key, MAIN)) == LP_NONE)
		return 0;
	n = pairs_count(p, i, key, &big);
	pairs_delete(p, i, big);
	return n;
}

uint32_t pairs_drop_slot(struct pairs *p, uint32_t slot, uint32_t n)
{
	uint32_t dropped = 0;

	for (uint32_t i = 0; i < p->main.cap && dropped < n;) {
		uint64_t w = p->main.w[i];

		if (w && w >> PAIRS_CNT_BITS >> PAIRS_MM_BITS == slot) {
			pairs_delete(p, i, (w & PAIRS_BIG) == PAIRS_BIG ?
						   lp_find(&p->big, w >> PAIRS_CNT_BITS, BIG) : LP_NONE);
			dropped++;
			continue;	/* the shift may have moved another pair here */
		}
		i++;
	}
	return dropped;
}
