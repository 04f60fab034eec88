/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The oracle's (folio slot, mm) -> entries map: open addressing, linear
 * probing in Robin Hood order (entries of a probe run sorted by home, so a
 * lookup stops early), backward-shift deletion, grown by half at 7/8 full
 * (homes by multiply-shift, so any size does), so steady-state operations
 * allocate nothing. The high load keeps the table half the size of one grown
 * at half full, for somewhat longer probe runs.
 *
 * A pair is one word: its key (slot below 2^27, mm below 2^31) above a 6-bit
 * entry count. A count too large for those bits (a PTE-mapped THP, say) is
 * marked PAIRS_BIG there and kept whole in a second, rarely used table of
 * (key, count) pairs. One word a pair keeps the map half the size it would
 * be with a full count beside each key, at no cost in lookups.
 */
#ifndef MAPCOUNT_ORACLE_PAIRS_H
#define MAPCOUNT_ORACLE_PAIRS_H

#include <stdint.h>

#define PAIRS_SLOT_BITS 27
#define PAIRS_MM_BITS 31
#define PAIRS_NO_KEY UINT64_MAX	/* a slot or an mm out of range: never stored */

/* An open-addressing table of `stride` words an entry (stride 1 or 2). */
struct pairs_lp {
	uint64_t *w;		/* an empty entry's first word is 0 */
	uint32_t cap;		/* places: any number (homes by multiply-shift) */
	uint32_t used;
};

struct pairs {
	struct pairs_lp main;	/* key << 6 | count, count 1..62 or PAIRS_BIG */
	struct pairs_lp big;	/* key, count: the pairs marked PAIRS_BIG in main */
};

static inline uint64_t pairs_key(uint32_t slot, uint32_t mm)
{
	if (slot >> PAIRS_SLOT_BITS || mm >> PAIRS_MM_BITS)
		return PAIRS_NO_KEY;
	return (uint64_t)slot << PAIRS_MM_BITS | mm;
}

/* The home of key in a table of cap places: its 32-bit hash scaled to cap. */
static inline uint32_t pairs_hash(uint64_t key, uint32_t cap)
{
	key *= 0x9e3779b97f4a7c15ull;
	return (uint32_t)((key >> 32) * cap >> 32);
}

int pairs_init(struct pairs *p);
void pairs_fini(struct pairs *p);

/* Pairs stored (every pair with at least one entry). */
static inline uint32_t pairs_used(const struct pairs *p)
{
	return p->main.used;
}

/* Start loading where the pair of (slot, mm) would be. No range check: a
 * pair out of range is never stored, and loading any place of the table is harmless. */
static inline __attribute__((always_inline)) void pairs_prefetch(const struct pairs *p,
								 uint32_t slot, uint32_t mm)
{
	uint64_t key = (uint64_t)slot << PAIRS_MM_BITS | mm;

	__builtin_prefetch(&p->main.w[pairs_hash(key, p->main.cap)]);
}

/* The entries of key, 0 if it has no pair. */
int64_t pairs_get(const struct pairs *p, uint64_t key);

enum pairs_change {
	PAIRS_SHORT = -2,	/* pairs_take: key holds fewer entries: nothing changed */
	PAIRS_NOMEM = -1,	/* out of memory (or key out of range): nothing changed */
	PAIRS_CHANGED = 0,
	PAIRS_NEW = 1,		/* key had no pair */
	PAIRS_GONE = 2,		/* key's entries fell to 0: its pair is gone */
};

/* Add delta to key's entries (never taking them below 0: callers check). */
enum pairs_change pairs_add(struct pairs *p, uint64_t key, int64_t delta);

/* Take n (>= 1) of key's entries if it holds that many: pairs_add(p, key, -n)
 * after a check in the same lookup (PAIRS_CHANGED or PAIRS_GONE; else PAIRS_SHORT). */
enum pairs_change pairs_take(struct pairs *p, uint64_t key, int64_t n);

/* Delete key's pair; the entries it held (0 if it had none). */
int64_t pairs_pop(struct pairs *p, uint64_t key);

/* Delete up to n pairs of slot (a folio freed while mapped); the pairs deleted. */
uint32_t pairs_drop_slot(struct pairs *p, uint32_t slot, uint32_t n);

#endif /* MAPCOUNT_ORACLE_PAIRS_H */
