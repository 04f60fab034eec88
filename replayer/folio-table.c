// SPDX-License-Identifier: GPL-2.0
/* The folio table (folio-table.h): PFN radix, dense slots, per-order state pools. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "replayer/folio-table.h"

#define FT_TOP_NR (1ull << (FT_PFN_BITS - FT_CHUNK_SHIFT))
#define FT_POOL_CHUNK (256u << 10)

_Static_assert(sizeof(struct ft_slot) == 16, "four folio slots a cache line");
_Static_assert(FT_SLOT_BITS <= FT_PFN_BITS && MC_MAX_ORDER < FT_FREE_ORDER, "slot packing");

int ft_init(struct folio_table *ft, const size_t state_size[MC_MAX_ORDER + 1])
{
	memset(ft, 0, sizeof(*ft));
	/* Reserved, not committed: only the pages covering used PFN ranges are touched. */
	ft->top = mmap(NULL, FT_TOP_NR * sizeof(*ft->top), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (ft->top == MAP_FAILED) {
		ft->top = NULL;
		return -1;
	}
	for (unsigned int o = 0; o <= MC_MAX_ORDER; o++) {
		/* blocks are linked through their first word when free */
		size_t sz = (state_size[o] + 15) & ~(size_t)15;

		ft->state_size[o] = state_size[o];
		ft->pool[o].block = sz < 16 ? 16 : sz;
	}
	ft->free_slot = FT_NO_SLOT;
	return 0;
}

void ft_fini(struct folio_table *ft)
{
	if (ft->top)
		munmap(ft->top, FT_TOP_NR * sizeof(*ft->top));
	if (ft->state0)
		munmap(ft->state0, (size_t)ft->cap_slots * ft->pool[0].block);
	carve_free_all(&ft->chunks);
	free(ft->slots);
	memset(ft, 0, sizeof(*ft));
}

static void *ft_block_alloc(struct folio_table *ft, unsigned int order)
{
	struct ft_pool *p = &ft->pool[order];
	size_t chunk = p->block > FT_POOL_CHUNK / 4 ? p->block : FT_POOL_CHUNK;

	return carve_alloc(&p->carve, &ft->chunks, p->block, chunk);
}

/* The radix cell of pfn (in range), in a new chunk: the rare case of ft_insert(). */
static uint32_t *ft_cell_new(struct folio_table *ft, uint64_t pfn)
{
	uint32_t *c = calloc(1u << FT_CHUNK_SHIFT, sizeof(uint32_t));

	if (!c || carve_keep(&ft->chunks, c)) {
		free(c);
		return NULL;
	}
	ft->top[pfn >> FT_CHUNK_SHIFT] = c;
	return &c[pfn & ((1u << FT_CHUNK_SHIFT) - 1)];
}

/* Room for cap order-0 state blocks: mremap moves pages, it copies none and
 * touches none of the new part, so growing adds nothing to the peak RSS. */
static int ft_state0_grow(struct folio_table *ft, uint32_t cap)
{
	size_t block = ft->pool[0].block, old = (size_t)ft->cap_slots * block;
	char *n;

	if (ft->state0)
		n = mremap(ft->state0, old, (size_t)cap * block, MREMAP_MAYMOVE);
	else
		n = mmap(NULL, (size_t)cap * block, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (n == MAP_FAILED)
		return -1;
	ft->state0 = n;
	return 0;
}

static void ft_slot_free(struct folio_table *ft, uint32_t id)
{
	/* the free list's link in the PFN bits */
	ft->slots[id].folio = (uint64_t)FT_FREE_ORDER << FT_ORDER_SHIFT | ft->free_slot;
	ft->free_slot = id;
}

static uint32_t ft_slot_alloc(struct folio_table *ft)
{
	uint32_t id = ft->free_slot;

	if (id != FT_NO_SLOT) {
		ft->free_slot = (uint32_t)ft_pfn(&ft->slots[id]);
		return id;
	}
	if (ft->nr_slots == ft->cap_slots) {
		uint32_t cap = ft->cap_slots ? ft->cap_slots * 2 : 1024;
		struct ft_slot *n;

		if (cap > FT_SLOT_MASK)
			return FT_NO_SLOT;	/* 2^27 - 1 live folios at most */
		n = realloc(ft->slots, (size_t)cap * sizeof(*n));
		if (!n)
			return FT_NO_SLOT;
		ft->slots = n;
		if (ft_state0_grow(ft, cap))
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
	cell = ft_radix_cell(ft, pfn);
	if (!cell && !(cell = ft_cell_new(ft, pfn)))
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
		*(void **)ft_state0(ft, id) = state;
	}
	s = &ft->slots[id];
	memset(s, 0, sizeof(*s));
	s->folio = pfn | (uint64_t)order << FT_ORDER_SHIFT | (uint64_t)kind << FT_KIND_SHIFT |
		   (uint64_t)ksm << FT_KSM_SHIFT;
	*cell = (uint32_t)order << FT_SLOT_BITS | (id + 1);
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
	uint32_t *cell = ft_radix_cell(ft, ft_pfn(s));
	struct ft_pool *p = &ft->pool[order];

	if (cell)
		*cell = 0;
	if (order) {
		carve_put(&p->carve, ft_state(ft, s));
	}
	ft->live--;
	if (!--ft->live_by_order[order])
		ft->live_orders &= ~(1u << order);
	ft_slot_free(ft, ft_id(ft, s));
}

struct ft_slot *ft_next_live(const struct folio_table *ft, uint32_t from)
{
	for (uint32_t i = from; i < ft->nr_slots; i++)
		if (ft_slot_live(&ft->slots[i]))
			return &ft->slots[i];
	return NULL;
}

struct ft_slot *ft_overlap(const struct folio_table *ft, uint64_t pfn, unsigned int order,
			   uint64_t *pos)
{
	uint64_t end = pfn + (1ull << order);

	if (*pos == 0) {
		/* a folio with a lower head covering pfn (folios never overlap, so one) */
		*pos = 1;
		/* only orders some live folio has can cover pfn; the radix cell
		 * holds the order, so no slot is read unless one does */
		for (uint32_t m = ft->live_orders & ~1u; m; m &= m - 1) {
			unsigned int o = (unsigned int)__builtin_ctz(m);
			uint64_t head = pfn & ~((1ull << o) - 1);
			const uint32_t *chunk;
			uint32_t v;

			if (head == pfn)
				continue;
			chunk = ft->top[head >> FT_CHUNK_SHIFT];
			v = chunk ? chunk[head & ((1u << FT_CHUNK_SHIFT) - 1)] : 0;
			if (v && v >> FT_SLOT_BITS == o)
				return &ft->slots[ft_cell_slot(v)];
		}
	}
	for (uint64_t at = pfn + *pos - 1; at < end && !(at >> FT_PFN_BITS);) {
		const uint32_t *chunk = ft->top[at >> FT_CHUNK_SHIFT];
		uint64_t stop = (at | ((1u << FT_CHUNK_SHIFT) - 1)) + 1; /* this chunk's end */

		if (stop > end)
			stop = end;
		for (; chunk && at < stop; at++) {
			uint32_t v = chunk[at & ((1u << FT_CHUNK_SHIFT) - 1)];

			if (v) {
				*pos = at - pfn + 2;
				return &ft->slots[ft_cell_slot(v)];
			}
		}
		at = stop;
	}
	*pos = end - pfn + 1;
	return NULL;
}
