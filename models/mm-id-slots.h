/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mm-ID slots (v6.18): the per-folio state both configurations keep, and the
 * helpers the model and its tests share. The base model is CONFIG_MM_ID +
 * CONFIG_NO_PAGE_MAPCOUNT; the variant adds the per-page _mapcount and
 * _nr_pages_mapped of CONFIG_PAGE_MAPCOUNT. Spec: spec/models/mm-id-slots.md.
 */
#ifndef MAPCOUNT_MM_ID_SLOTS_H
#define MAPCOUNT_MM_ID_SLOTS_H

#include "models/model.h"

/* include/linux/mm_types.h@v6.18, 64-bit */
#define MMID_BITS 31u
#define MMID_MASK ((1u << MMID_BITS) - 1)
#define MMID_LOCK_BIT (1ull << MMID_BITS) /* FOLIO_MM_IDS_LOCK_BITNUM = 31 */
#define MMID_SHARED_BIT (1ull << (2 * MMID_BITS + 1)) /* FOLIO_MM_IDS_SHARED_BITNUM = 63 */
/* mm/internal.h@v6.18 */
#define MMID_ENTIRELY_MAPPED 0x800000
#define MMID_PAGES_MAPPED (MMID_ENTIRELY_MAPPED - 1)

/*
 * A small folio: page[0]._mapcount and its PG_anon_exclusive, nothing else
 * (spec 1.3). Packed, so that the replayer may place it at any byte
 * (state_align 1): only this type, never an int32_t * or struct mmid_state *,
 * may reach a small folio's state.
 */
struct mmid_small {
	int32_t mapcount; /* _mapcount, -1 based */
	uint8_t pae; /* PG_anon_exclusive */
} __attribute__((packed));

/*
 * A large folio. @mapcount is page[0]._mapcount, which stays -1 (the variant
 * counts page 0 in its per-page array). The scalar fields after @pae_page0
 * mirror page[1] (offsets 16..47 in struct folio). @pae_page0, @pae1 and @words
 * hold the PG_anon_exclusive bit of every page, then (variant only) @words the
 * raw per-page _mapcount of every page.
 */
struct mmid_state {
	int32_t mapcount; /* page[0]._mapcount, -1 based */
	uint8_t partially_mapped; /* PG_partially_mapped (and on the split queue) */
	uint8_t pae_page0; /* PG_anon_exclusive of page 0 */
	uint16_t pad;
	uint64_t pae1; /* PG_anon_exclusive of pages 1-63 (bit 0 unused) */
	int32_t large_mapcount; /* LM: _large_mapcount, -1 based */
	int32_t nr_pages_mapped; /* NPM: _nr_pages_mapped (variant only) */
	int32_t entire_mapcount; /* EM: _entire_mapcount, -1 based */
	int32_t mm_id_mapcount[2]; /* SMC: _mm_id_mapcount[], -1 based */
	uint32_t pad2;
	uint64_t mm_ids; /* _mm_ids: SID0 bits 0-30, lock 31, SID1 32-62, SH 63 */
	uint64_t words[]; /* PG_anon_exclusive of pages 64 and up, then the variant's */
};

static inline uint32_t mmid_slot_id(const struct mmid_state *st, unsigned int i)
{
	return (uint32_t)(st->mm_ids >> (32 * i)) & MMID_MASK;
}

static inline bool mmid_shared_bit(const struct mmid_state *st)
{
	return st->mm_ids & MMID_SHARED_BIT;
}

/* PG_anon_exclusive of a large folio's page */
static inline bool mmid_pae(const struct mmid_state *st, uint32_t page)
{
	if (!page)
		return st->pae_page0;
	return (page < 64 ? st->pae1 : st->words[page / 64 - 1]) >> (page % 64) & 1;
}

static inline size_t mmid_pae_words(unsigned int order)
{
	return ((1u << order) + 63) / 64;
}

/* The variant's per-page _mapcount array (raw, -1 based). */
static inline int32_t *mmid_page_mapcounts(struct mmid_state *st, unsigned int order)
{
	return (int32_t *)(st->words + mmid_pae_words(order) - 1);
}

static inline const int32_t *mmid_page_mapcounts_const(const struct mmid_state *st,
						       unsigned int order)
{
	return (const int32_t *)(st->words + mmid_pae_words(order) - 1);
}

/* Which configuration a context runs (set by ctx_init). */
static inline bool mmid_has_page_mapcount(const struct mc_model_ctx *ctx)
{
	return ctx->priv != NULL && *(const bool *)ctx->priv;
}

/*
 * fs/proc/internal.h:folio_average_page_mapcount@v6.18; @state is either
 * struct (the folio's order says which)
 */
int mmid_average_page_mapcount(const struct mc_folio *f, const void *state);
/* fs/proc/internal.h:folio_precise_page_mapcount@v6.18 (variant) */
int mmid_precise_page_mapcount(const struct mc_folio *f, const void *state, uint32_t page);

/* Queries shared by both models (models/mm-id-slots-query.c). */
int64_t mmid_folio_mapcount(const struct mc_model_ctx *ctx, const struct mc_folio *f,
			    const void *state);
bool mmid_folio_mapped(const struct mc_model_ctx *ctx, const struct mc_folio *f, const void *state);
int64_t mmid_page_mapcount(const struct mc_model_ctx *ctx, const struct mc_folio *f,
			   const void *state, uint32_t page);
bool mmid_maybe_shared(const struct mc_model_ctx *ctx, const struct mc_folio *f, const void *state);
bool mmid_cow_reuse(const struct mc_model_ctx *ctx, const struct mc_folio *f, const void *state,
		    uint32_t page, enum mc_level level, const struct mc_query_ctx *q);
bool mmid_partially_mapped(const struct mc_model_ctx *ctx, const struct mc_folio *f,
			   const void *state);
bool mmid_anon_exclusive(const struct mc_model_ctx *ctx, const struct mc_folio *f,
			 const void *state, uint32_t page);
bool mmid_pagemap_exclusive(const struct mc_model_ctx *ctx, const struct mc_folio *f,
			    const void *state, uint32_t page, enum mc_level level);
void mmid_smaps_account(const struct mc_model_ctx *ctx, const struct mc_folio *f, const void *state,
			uint32_t first, uint32_t nr, enum mc_level level,
			const struct mc_query_ctx *q, struct mc_smaps *acc);

extern const struct mc_model mc_model_mm_id_slots;
extern const struct mc_model mc_model_mm_id_slots_pagemapcount;

#endif /* MAPCOUNT_MM_ID_SLOTS_H */
