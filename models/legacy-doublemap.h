/* SPDX-License-Identifier: GPL-2.0 */
/*
 * legacy-doublemap: the mapcount scheme of Linux v4.5..v6.1 (per-page
 * _mapcount, compound_mapcount in page[1], PG_double_map), modelled from the
 * Debian 6.1.192 source. The per-folio state is exposed here for the tests.
 *
 * An order-0 folio (a small page) keeps what its one struct page has, 8 bytes:
 *
 *	struct mc_legacy_small		_mapcount and PG_anon_exclusive
 *
 * It has no compound_mapcount, no PG_double_map, no PUD map and is never on
 * the deferred split queue.
 *
 * Layout of the simulator state of a large folio of order o (N = 1 << o pages):
 *
 *	struct mc_legacy_state		header
 *	int32_t  mapcount[N]		page[i]._mapcount, -1 biased
 *	int32_t  compound[R]		compound_mapcount per PMD region, -1 biased
 *	uint8_t  region_flags[R]	PG_double_map of each region
 *	uint8_t  pae[(N + 7) / 8]	PG_anon_exclusive of each page
 *
 * R = N / 512 for order >= 9, 1 for orders 1..8 (the kernel's page[1]
 * compound_mapcount, never incremented below order 9).
 * Region r stands for pages 512r..512r+511; region 0's compound_mapcount and
 * PG_double_map are the kernel's fields in page[1]. Regions r > 0 and the
 * PUD count in the header are this model's extension (see models/legacy-doublemap.c).
 */
#ifndef MAPCOUNT_LEGACY_DOUBLEMAP_H
#define MAPCOUNT_LEGACY_DOUBLEMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "models/model.h"

#define MC_LEGACY_DOUBLE_MAP 0x01u	/* region_flags: PG_double_map */

/* Order 0: page._mapcount (-1 biased) and PG_anon_exclusive, packed: the
 * replayer keeps it at any byte address (state_align) */
struct __attribute__((packed)) mc_legacy_small {
	int32_t mapcount;
	uint8_t pae;		/* PG_anon_exclusive in bit 0 */
};

static inline struct mc_legacy_small *mc_legacy_small_of(void *state)
{
	return state;
}

/* Orders 1 and up. */
struct mc_legacy_state {
	int32_t pud_mapcount;	/* extension: PUD entries mapping the whole folio, -1 biased */
	uint8_t order;
	uint8_t queued;		/* on the deferred split queue (page[2].deferred_list) */
	uint16_t pad;
	int32_t mapcount[];	/* N entries, then the arrays described above */
};

/* order >= 1 */
static inline uint32_t mc_legacy_nr_regions(unsigned int order)
{
	return order >= MC_PMD_ORDER ? 1u << (order - MC_PMD_ORDER) : 1;
}

static inline int32_t *mc_legacy_compound(struct mc_legacy_state *s)
{
	return s->mapcount + (1u << s->order);
}

static inline uint8_t *mc_legacy_region_flags(struct mc_legacy_state *s)
{
	return (uint8_t *)(mc_legacy_compound(s) + mc_legacy_nr_regions(s->order));
}

static inline uint8_t *mc_legacy_pae(struct mc_legacy_state *s)
{
	return mc_legacy_region_flags(s) + mc_legacy_nr_regions(s->order);
}

/* Read-only views of a large folio's state for queries and tests. */
static inline int32_t mc_legacy_compound_raw(const struct mc_legacy_state *s, uint32_t region)
{
	return mc_legacy_compound((struct mc_legacy_state *)s)[region];
}

static inline bool mc_legacy_double_map(const struct mc_legacy_state *s, uint32_t region)
{
	return mc_legacy_region_flags((struct mc_legacy_state *)s)[region] & MC_LEGACY_DOUBLE_MAP;
}

static inline bool mc_legacy_pae_test(const struct mc_legacy_state *s, uint32_t page)
{
	return mc_legacy_pae((struct mc_legacy_state *)s)[page / 8] & (1u << (page % 8));
}

extern const struct mc_model mc_model_legacy_doublemap;

#endif /* MAPCOUNT_LEGACY_DOUBLEMAP_H */
