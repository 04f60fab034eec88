/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The folio table: one dense slot per live folio, found by head PFN through a
 * two-level radix per folio order, indexed by pfn >> order (a reserved, lazily
 * touched top array of lazily allocated leaf chunks), so that a large folio
 * costs one cell, not one per page. Each slot id has one block: the slot's
 * folio facts, then every model's order-0 state side by side. Replay is bound
 * by memory latency, and an operation on an order-0 folio (most of them) then
 * touches one block: with the built-in models' packed order-0 states it is one
 * cache line (see ft_prefetch()). A large folio's state comes from a per-order
 * pool and returns to a free list; the order-0 state room of its block holds
 * its split hint and that state's address (struct ft_large_block). Steady-state
 * replay allocates nothing.
 */
#ifndef MAPCOUNT_FOLIO_TABLE_H
#define MAPCOUNT_FOLIO_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/model.h"
#include "replayer/carve.h"

#define FT_PFN_BITS 36	/* 256 TiB of 4 KiB pages */
#define FT_NO_SLOT UINT32_MAX
/* a radix cell: slot + 1 (its order is the radix's); 0 = no folio here */
#define FT_SLOT_BITS 27	/* slots stay below 2^27, as the oracle's pair keys need */
#define FT_SLOT_MASK ((1u << FT_SLOT_BITS) - 1)

/* The slot a non-empty radix cell names. */
static inline uint32_t ft_cell_slot(uint32_t v)
{
	return v - 1;
}
#define FT_CHUNK_SHIFT 12

/*
 * A slot packs the folio facts of struct mc_folio (ft_folio() rebuilds one for
 * the models) into one word: PFN, order, kind and KSM flag; a free slot has
 * order FT_FREE_ORDER and its PFN bits link the free list.
 */
#define FT_ORDER_SHIFT FT_PFN_BITS
#define FT_KIND_SHIFT (FT_ORDER_SHIFT + 5)
#define FT_KSM_SHIFT (FT_KIND_SHIFT + 2)
#define FT_FREE_ORDER 31u

struct ft_slot {
	uint64_t folio;		/* pfn | order << FT_ORDER_SHIFT | kind << ... | ksm << ... */
	uint32_t entries;	/* page-table entries (PTE, PMD, PUD) mapping the folio */
} __attribute__((packed, aligned(4)));	/* 12 bytes, at the head of the slot's block */

/* Where the order-0 states start in a block (which is 16-byte aligned). */
#define FT_STATE0_OFFSET sizeof(struct ft_slot)

/* The block of a large folio, whose order-0 room holds these instead. */
struct ft_large_block {
	struct ft_slot slot;
	uint32_t hint;		/* where rmap walks look first: ft_hint() */
	char *state;		/* every model's state, from the order's pool */
};

static inline uint64_t ft_pfn(const struct ft_slot *s)
{
	return s->folio & ((1ull << FT_PFN_BITS) - 1);
}

static inline unsigned int ft_order(const struct ft_slot *s)
{
	return (unsigned int)(s->folio >> FT_ORDER_SHIFT) & 31;
}

static inline unsigned int ft_kind(const struct ft_slot *s)
{
	return (unsigned int)(s->folio >> FT_KIND_SHIFT) & 3;
}

static inline bool ft_ksm(const struct ft_slot *s)
{
	return s->folio >> FT_KSM_SHIFT & 1;
}

static inline uint32_t ft_nr_pages(const struct ft_slot *s)
{
	return 1u << ft_order(s);
}

static inline bool ft_slot_live(const struct ft_slot *s)
{
	return ft_order(s) != FT_FREE_ORDER;
}

/*
 * The hint of a large folio: the VPN where page 0 sat in its latest mapping,
 * in 16-page units, where a split's rmap walk looks first. An order-0 folio
 * has none (it never splits): 0.
 */
static inline void ft_set_hint(struct ft_slot *s, uint64_t vpn, uint64_t page)
{
	if (ft_order(s))
		((struct ft_large_block *)s)->hint =
			vpn >= page ? (uint32_t)((vpn - page) >> 4) : 0;
}

static inline uint64_t ft_hint(const struct ft_slot *s)
{
	return ft_order(s) ? (uint64_t)((const struct ft_large_block *)s)->hint << 4 : 0;
}

struct ft_pool {
	size_t block;		/* bytes per state block of this order (0: not set up) */
	struct carve carve;
};

struct folio_table {
	/* per order o: 2^(FT_PFN_BITS - o - FT_CHUNK_SHIFT) chunk pointers, mmap-reserved
	 * at the first folio of that order */
	uint32_t **top[MC_MAX_ORDER + 1];
	char *blocks;		/* slot blocks by slot id, mmap'd for cap_slots */
	size_t stride;		/* bytes per slot block: see ft_init() */
	unsigned int stride_shift;	/* stride = odd << stride_shift */
	uint64_t stride_inv;	/* odd * stride_inv = 1 mod 2^64: ft_id() divides exactly */
	uint32_t nr_slots;	/* slots handed out so far (live + free) */
	uint32_t cap_slots;
	uint32_t free_slot;	/* head of the free slot list, FT_NO_SLOT if empty */
	uint64_t live;		/* live folios */
	uint64_t peak_live;
	uint64_t live_by_order[MC_MAX_ORDER + 1];
	uint32_t live_orders;	/* bit o set while live_by_order[o] */
	size_t state_size[MC_MAX_ORDER + 1];	/* bytes per state block by order */
	struct ft_pool pool[MC_MAX_ORDER + 1];	/* pool[0] unused: order 0 lives in the blocks */
	struct carve_chunks chunks;	/* radix chunks and state pool chunks */
};

/* state_size[order] = bytes of one state block (all models) for that order. */
int ft_init(struct folio_table *ft, const size_t state_size[MC_MAX_ORDER + 1]);
void ft_fini(struct folio_table *ft);

/* The radix cell of a folio of this order at head pfn (aligned to it), or NULL
 * where no chunk covers it. */
static inline uint32_t *ft_radix_cell(const struct folio_table *ft, uint64_t pfn,
				      unsigned int order)
{
	uint64_t i = pfn >> order;
	uint32_t *chunk;

	if (pfn >> FT_PFN_BITS || !ft->top[order])
		return NULL;
	chunk = ft->top[order][i >> FT_CHUNK_SHIFT];
	return chunk ? &chunk[i & ((1u << FT_CHUNK_SHIFT) - 1)] : NULL;
}

static inline struct ft_slot *ft_slot(const struct folio_table *ft, uint32_t slot)
{
	return (struct ft_slot *)(ft->blocks + (size_t)slot * ft->stride);
}

/* The dense id of slot s (mc_folio.slot): an exact division, so a shift and a
 * multiply by the inverse of the stride's odd part. */
static inline uint32_t ft_id(const struct folio_table *ft, const struct ft_slot *s)
{
	uint64_t off = (uint64_t)((const char *)s - ft->blocks);

	return (uint32_t)((off >> ft->stride_shift) * ft->stride_inv);
}

/* The live folio whose head PFN is pfn, or NULL: order 0 first, the common case. */
static inline struct ft_slot *ft_lookup(const struct folio_table *ft, uint64_t pfn)
{
	uint32_t *cell = ft_radix_cell(ft, pfn, 0);

	if (cell && *cell)
		return ft_slot(ft, ft_cell_slot(*cell));
	for (uint32_t m = ft->live_orders & ~1u; m; m &= m - 1) {
		unsigned int o = (unsigned int)__builtin_ctz(m);

		if (!(pfn & ((1ull << o) - 1)) && (cell = ft_radix_cell(ft, pfn, o)) && *cell)
			return ft_slot(ft, ft_cell_slot(*cell));
	}
	return NULL;
}

/* The facts of the live folio in s, as the models take them. */
static inline struct mc_folio ft_folio(const struct folio_table *ft, const struct ft_slot *s)
{
	return (struct mc_folio){
		.pfn = ft_pfn(s),
		.slot = ft_id(ft, s),
		.order = (uint8_t)ft_order(s),
		.kind = (uint8_t)ft_kind(s),
		.ksm = ft_ksm(s),
	};
}

/* Where the order-0 states of slot sit. */
static inline char *ft_state0(const struct folio_table *ft, uint32_t slot)
{
	return (char *)ft_slot(ft, slot) + FT_STATE0_OFFSET;
}

/* Every model's state of the live folio in s. */
static inline char *ft_state(const struct folio_table *ft, const struct ft_slot *s)
{
	if (ft_order(s))
		return ((const struct ft_large_block *)s)->state;
	return (char *)s + FT_STATE0_OFFSET;
}

/*
 * Start loading the block of slot: its first and last byte, one cache line
 * when the stride is a power of two up to 64; an id out of range (a stale
 * guess) is clamped. Always inlined, as must be every helper that only
 * prefetches: GCC takes a prefetch for no side effect, so it deems a function
 * made of prefetches pure and drops the calls to it.
 */
static inline __attribute__((always_inline)) void ft_prefetch(const struct folio_table *ft,
							      uint32_t slot)
{
	const char *b = (const char *)ft_slot(ft, slot < ft->nr_slots ? slot : 0);

	__builtin_prefetch(b);
	__builtin_prefetch(b + ft->stride - 1);
}

/*
 * A new live folio at head PFN pfn (no folio may be live there). The state
 * block is uninitialised: the caller runs every model's init(). Returns NULL
 * when out of memory or when pfn, order or kind is out of range.
 */
struct ft_slot *ft_insert(struct folio_table *ft, uint64_t pfn, unsigned int order,
			  unsigned int kind, bool ksm);
/* Release a live folio (the caller ran every model's fini()). */
void ft_remove(struct folio_table *ft, struct ft_slot *s);

/*
 * Live folios overlapping PFNs [pfn, pfn + 2^order), one per call: *pos starts
 * at 0 and carries the walk; NULL at the end. Work: per order some live folio
 * has, one cell if it is at least order, else the range's cells of that order
 * (empty chunks skipped).
 */
struct ft_slot *ft_overlap(const struct folio_table *ft, uint64_t pfn, unsigned int order,
			   uint64_t *pos);

/*
 * Is PFN pfn free of live folios? What ft_overlap() answers for an order-0
 * range, without its walk state: for each order some live folio has, the cell
 * where a folio of that order covering pfn has its head.
 */
static inline bool ft_pfn_free(const struct folio_table *ft, uint64_t pfn)
{
	const uint32_t *cell;

	for (uint32_t m = ft->live_orders; m; m &= m - 1) {
		unsigned int o = (unsigned int)__builtin_ctz(m);

		if ((cell = ft_radix_cell(ft, pfn & ~((1ull << o) - 1), o)) && *cell)
			return false;
	}
	return true;
}

/* Iterate live slots: ft_for_each_live(ft, s) */
struct ft_slot *ft_next_live(const struct folio_table *ft, uint32_t from);
#define ft_for_each_live(ft, s) \
	for ((s) = ft_next_live((ft), 0); (s); (s) = ft_next_live((ft), ft_id((ft), (s)) + 1))

#endif /* MAPCOUNT_FOLIO_TABLE_H */
