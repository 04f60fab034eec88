// SPDX-License-Identifier: GPL-2.0
/* The folio table (folio-table.h): PFN radix, dense slot blocks, per-order state pools. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "replayer/folio-table.h"

/* chunk pointers of the order-o radix */
#define FT_TOP_NR(o) (1ull << (FT_PFN_BITS - (o) - FT_CHUNK_SHIFT))
#define FT_POOL_CHUNK (256u << 10)

_Static_assert(sizeof(struct ft_slot) == 12 && sizeof(struct ft_large_block) == 24 &&
		       offsetof(struct ft_large_block, state) % 8 == 0,
	       "a slot is 12 bytes; a large folio's block holds its hint and state address");
_Static_assert(FT_SLOT_BITS <= FT_PFN_BITS && MC_MAX_ORDER < FT_FREE_ORDER, "slot packing");

/*
 * A slot block holds the slot and the order-0 states, or a large folio's
 * struct ft_large_block. Its stride is a multiple of 16; up to 64 bytes, a
 * power of two, so that no block straddles two cache lines.
 */
static size_t ft_stride(size_t state0)
{
	size_t bytes = FT_STATE0_OFFSET + state0;
	size_t stride = ((bytes < sizeof(struct ft_large_block) ? sizeof(struct ft_large_block) :
				bytes) + 15) & ~(size_t)15;

	if (stride <= 64)
		while (stride & (stride - 1))
			stride += 16;
	return stride;
}

int ft_init(struct folio_table *ft, const size_t state_size[MC_MAX_ORDER + 1])
{
	uint64_t odd, inv;

	memset(ft, 0, sizeof(*ft));
	for (unsigned int o = 1; o <= MC_MAX_ORDER; o++) {
		/* blocks are linked through their first word when free */
		size_t sz = (state_size[o] + 15) & ~(size_t)15;

		ft->pool[o].block = sz < 16 ? 16 : sz;
	}
	memcpy(ft->state_size, state_size, sizeof(ft->state_size));
	ft->stride = ft_stride(state_size[0]);
	ft->stride_shift = (unsigned int)__builtin_ctzll(ft->stride);
	odd = ft->stride >> ft->stride_shift;
	/* Newton's iteration: each step doubles the low bits where odd * inv is 1 */
	inv = odd;
	for (int i = 0; i < 5; i++)
		inv *= 2 - odd * inv;
	ft->stride_inv = inv;
	ft->free_slot = FT_NO_SLOT;
	return 0;
}

void ft_fini(struct folio_table *ft)
{
	for (unsigned int o = 0; o <= MC_MAX_ORDER; o++)
		if (ft->top[o])
			munmap(ft->top[o], FT_TOP_NR(o) * sizeof(*ft->top[o]));
	if (ft->blocks)
		munmap(ft->blocks, (size_t)ft->cap_slots * ft->stride);
	carve_free_all(&ft->chunks);
	memset(ft, 0, sizeof(*ft));
}

static void *ft_block_alloc(struct folio_table *ft, unsigned int order)
{
	struct ft_pool *p = &ft->pool[order];
	size_t chunk = p->block > FT_POOL_CHUNK / 4 ? p->block : FT_POOL_CHUNK;

	return carve_alloc(&p->carve, &ft->chunks, p->block, chunk);
}

/* The radix cell of a folio of order at pfn (in range), in a new chunk and, for
 * the first folio of that order, a new top array: the rare case of ft_insert(). */
static uint32_t *ft_cell_new(struct folio_table *ft, uint64_t pfn, unsigned int order)
{
	uint64_t i = pfn >> order;
	uint32_t *c;

	if (!ft->top[order]) {
		/* reserved, not committed: only pages covering used PFN ranges are touched */
		size_t bytes = FT_TOP_NR(order) * sizeof(*ft->top[order]);
		void *top = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

		if (top == MAP_FAILED)
			return NULL;
		ft->top[order] = top;
	}
	c = calloc(1u << FT_CHUNK_SHIFT, sizeof(uint32_t));
	if (!c || carve_keep(&ft->chunks, c)) {
		free(c);
		return NULL;
	}
	ft->top[order][i >> FT_CHUNK_SHIFT] = c;
	return &c[i & ((1u << FT_CHUNK_SHIFT) - 1)];
}

/* Room for cap slot blocks: mremap moves pages, it copies none and touches
 * none of the new part, so growing adds nothing to the peak RSS. */
static int ft_blocks_grow(struct folio_table *ft, uint32_t cap)
{
	size_t old = (size_t)ft->cap_slots * ft->stride;
	char *n;

	if (ft->blocks)
		n = mremap(ft->blocks, old, (size_t)cap * ft->stride, MREMAP_MAYMOVE);
	else
		n = mmap(NULL, (size_t)cap * ft->stride, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (n == MAP_FAILED)
		return -1;
	ft->blocks = n;
	return 0;
}

static void ft_slot_free(struct folio_table *ft, uint32_t id)
{
	/* the free list's link in the PFN bits */
	ft_slot(ft, id)->folio = (uint64_t)FT_FREE_ORDER << FT_ORDER_SHIFT | ft->free_slot;
	ft->free_slot = id;
}

static uint32_t ft_slot_alloc(struct folio_table *ft)
{
	uint32_t id = ft->free_slot;

	if (id != FT_NO_SLOT) {
		ft->free_slot = (uint32_t)ft_pfn(ft_slot(ft, id));
		/* the next folio's block: the link in it and every model's init miss otherwise */
		if (ft->free_slot != FT_NO_SLOT)
			__builtin_prefetch(ft_slot(ft, ft->free_slot), 1);
		return id;
	}
	if (ft->nr_slots == ft->cap_slots) {
		uint32_t cap = ft->cap_slots ? ft->cap_slots * 2 : 1024;

		if (cap > FT_SLOT_MASK)
			return FT_NO_SLOT;	/* 2^27 - 1 live folios at most */
		if (ft_blocks_grow(ft, cap))
			return FT_NO_SLOT;
		ft->cap_slots = cap;
	}
	return ft->nr_slots++;
}

struct ft_slot *ft_insert(struct folio_table *ft, uint64_t pfn, unsigned int order,
			  unsigned int kind, bool ksm)
{
	uint32_t *cell, id;
	struct ft_slot *s;

	if (pfn >> FT_PFN_BITS || order > MC_MAX_ORDER || kind > MC_KIND_SHMEM)
		return NULL;
	cell = ft_radix_cell(ft, pfn, order);
	if (!cell && !(cell = ft_cell_new(ft, pfn, order)))
		return NULL;
	id = ft_slot_alloc(ft);
	if (id == FT_NO_SLOT)
		return NULL;
	if (order) {
		void *state = ft_block_alloc(ft, order);

		if (!state) {
			ft_slot_free(ft, id);
			return NULL;
		}
		((struct ft_large_block *)ft_slot(ft, id))->state = state;
		((struct ft_large_block *)ft_slot(ft, id))->hint = 0;
	}
	s = ft_slot(ft, id);
	memset(s, 0, sizeof(*s));
	s->folio = pfn | (uint64_t)order << FT_ORDER_SHIFT | (uint64_t)kind << FT_KIND_SHIFT |
		   (uint64_t)ksm << FT_KSM_SHIFT;
	*cell = id + 1;
	ft->live++;
	ft->live_by_order[order]++;
	ft->live_orders |= 1u << order;
	if (ft->live > ft->peak_live)
		ft->peak_live = ft->live;
	return s;
}

void ft_remove(struct folio_table *ft, struct ft_slot *s)
{
	unsigned int order = ft_order(s);
	uint32_t *cell = ft_radix_cell(ft, ft_pfn(s), order);
	struct ft_pool *p = &ft->pool[order];

	if (cell)
		*cell = 0;
	if (order)
		carve_put(&p->carve, ft_state(ft, s));
	ft->live--;
	if (!--ft->live_by_order[order])
		ft->live_orders &= ~(1u << order);
	ft_slot_free(ft, ft_id(ft, s));
}

struct ft_slot *ft_next_live(const struct folio_table *ft, uint32_t from)
{
	for (uint32_t i = from; i < ft->nr_slots; i++)
		if (ft_slot_live(ft_slot(ft, i)))
			return ft_slot(ft, i);
	return NULL;
}

struct ft_slot *ft_overlap(const struct folio_table *ft, uint64_t pfn, unsigned int order,
			   uint64_t *pos)
{
	if (pfn >> FT_PFN_BITS)
		return NULL;
	/* *pos: the order being walked << 32 | 1 + the next cell of the range in it */
	for (unsigned int o = (unsigned int)(*pos >> 32); o <= MC_MAX_ORDER; o++) {
		/* the range's cells in the order-o radix: one covering head if o >= order */
		uint64_t first = (o >= order ? pfn & ~((1ull << o) - 1) : pfn) >> o;
		uint64_t last = o >= order ? first : (pfn + (1ull << order) - 1) >> o;
		uint64_t at = first + (*pos & 0xffffffffu ? (*pos & 0xffffffffu) - 1 : 0);

		if (!(ft->live_orders & 1u << o)) {
			*pos = (uint64_t)(o + 1) << 32;
			continue;
		}
		while (at <= last) {
			const uint32_t *chunk = ft->top[o][at >> FT_CHUNK_SHIFT];
			/* the end of at's chunk, or of the range */
			uint64_t stop = (at | ((1u << FT_CHUNK_SHIFT) - 1)) + 1;

			if (stop > last + 1)
				stop = last + 1;
			for (; chunk && at < stop; at++) {
				uint32_t v = chunk[at & ((1u << FT_CHUNK_SHIFT) - 1)];

				if (v) {
					*pos = (uint64_t)o << 32 | (at - first + 2);
					return ft_slot(ft, ft_cell_slot(v));
				}
			}
			at = stop;
		}
		*pos = (uint64_t)(o + 1) << 32;
	}
	return NULL;
}
