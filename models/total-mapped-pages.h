/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-folio state of the `total-mapped-pages` model (2026 RFC "mm/rmap:
 * support arbitrary folio mappings", patches [P1]..[P13]); see
 * /work/shared/spec/models/total-mapped-pages.md. Exposed so that tests can
 * read (and, for overflow tests, preset) the kernel words.
 */
#ifndef MAPCOUNT_TOTAL_MAPPED_PAGES_H
#define MAPCOUNT_TOTAL_MAPPED_PAGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/model.h"

/* include/linux/mm_types.h: mm_id_t is 31 bits of a u32 on 64-bit [P13] */
#define TMPAGES_MM_ID_MASK 0x7fffffffu
#define TMPAGES_LOCK_BIT (UINT64_C(1) << 31) /* FOLIO_MM_IDS_LOCK_BITNUM */
#define TMPAGES_SHARED_BIT (UINT64_C(1) << 63) /* FOLIO_MM_IDS_SHARED_BITNUM */

/* Small (order-0) folio: page[0]'s _mapcount and its PG_anon_exclusive,
 * packed: the replayer keeps it at any byte address (state_align). */
struct __attribute__((packed)) tmpages_small {
	int32_t mapcount; /* -1 based */
	uint8_t anon_exclusive;
};

/*
 * Large folio. The first five fields are page[1]'s words from byte 16 on, in
 * the 64-bit layout after P13 (include/linux/mm_types.h:struct folio [P9, P10,
 * P13]); the comment gives the byte offset inside struct page.
 */
struct tmpages_large {
	int32_t pincount; /* 16: _pincount, not modelled (stays 0) */
	uint32_t unused_1; /* 20 */
	int64_t total_mapped_pages; /* 24: T, atomic_long_t, unbiased */
	int32_t mm_id_mapcount[2]; /* 32: SMC[0..1], -1 based */
	uint64_t mm_ids; /* 40: _mm_id[0..1]; bit 31 LOCK, bit 63 SH */
	int32_t large_mapcount; /* 48: LM, page[1]'s _mapcount word, -1 based */
	/* PG_partially_mapped (page[1]) + deferred split queue (page[2]) */
	uint8_t partially_mapped;
	uint64_t anon_exclusive[]; /* PG_anon_exclusive, one bit per page */
};

static inline uint32_t tmpages_slot_id(const struct tmpages_large *s, unsigned int i)
{
	return (uint32_t)(s->mm_ids >> (32 * i)) & TMPAGES_MM_ID_MASK;
}

static inline bool tmpages_shared_bit(const struct tmpages_large *s)
{
	return s->mm_ids & TMPAGES_SHARED_BIT;
}

static inline bool tmpages_pae(const struct tmpages_large *s, uint32_t page)
{
	return s->anon_exclusive[page / 64] >> (page % 64) & 1;
}

/* mm/rmap.c:folio_add_new_anon_rmap [P13], the kernel entry point itself
 * (apply() uses it only when the op maps what it assumes, spec 2.9). */
void tmpages_new_anon(struct mc_model_ctx *ctx, const struct mc_folio *f, void *state, uint32_t mm,
		      bool exclusive);

/* fs/proc/internal.h:folio_average_page_mapcount [P13] */
uint64_t tmpages_average_page_mapcount(const struct mc_folio *f, const void *state);

/* The query half of the model (models/total-mapped-pages-query.c). */
int64_t tmpages_folio_mapcount(const struct mc_model_ctx *ctx, const struct mc_folio *f,
			       const void *state);
bool tmpages_folio_mapped(const struct mc_model_ctx *ctx, const struct mc_folio *f,
			  const void *state);
int64_t tmpages_page_mapcount(const struct mc_model_ctx *ctx, const struct mc_folio *f,
			      const void *state, uint32_t page);
bool tmpages_maybe_shared(const struct mc_model_ctx *ctx, const struct mc_folio *f,
			  const void *state);
bool tmpages_cow_reuse(const struct mc_model_ctx *ctx, const struct mc_folio *f, const void *state,
		       uint32_t page, enum mc_level level, const struct mc_query_ctx *q);
bool tmpages_partially_mapped(const struct mc_model_ctx *ctx, const struct mc_folio *f,
			      const void *state);
bool tmpages_anon_exclusive(const struct mc_model_ctx *ctx, const struct mc_folio *f,
			    const void *state, uint32_t page);
bool tmpages_pagemap_exclusive(const struct mc_model_ctx *ctx, const struct mc_folio *f,
			       const void *state, uint32_t page, enum mc_level level);
void tmpages_smaps_account(const struct mc_model_ctx *ctx, const struct mc_folio *f,
			   const void *state, uint32_t first, uint32_t nr, enum mc_level level,
			   const struct mc_query_ctx *q, struct mc_smaps *acc);

#endif /* MAPCOUNT_TOTAL_MAPPED_PAGES_H */
