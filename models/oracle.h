/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The exact oracle: the ruler every other model is measured against.
 *
 * Besides the struct mc_model queries, the oracle answers questions no kernel
 * scheme can, which the replayer needs for the "exact" side of its metrics.
 * Every function takes the oracle's own context and per-folio state (the
 * ones the replayer keeps for mc_model_oracle); none changes anything.
 *
 * Truth kept per folio: the PTE count of every page, the PMD count of every
 * 512-page region, the PUD count, the number of entries and of distinct
 * mapped pages; per (folio slot, mm) the number of that mm's entries, in a
 * hash table owned by the oracle's context (an order-0 folio keeps two mms
 * inline for good: only a third and later mm mapping it has a pair there).
 */
#ifndef MAPCOUNT_ORACLE_H
#define MAPCOUNT_ORACLE_H

#include "models/model.h"
#include "models/oracle-pairs.h"

extern const struct mc_model mc_model_oracle;

/* Distinct mms with at least one entry (PTE, PMD or PUD) mapping the folio. */
uint32_t mc_oracle_mm_count(const struct mc_folio *f, const void *state);

/* Entries of mm mapping the folio (0 if none). */
int64_t mc_oracle_mm_entries(const struct mc_model_ctx *ctx, const struct mc_folio *f,
			     const void *state, uint32_t mm);

/* Distinct pages of the folio mapped by at least one entry. */
uint64_t mc_oracle_mapped_pages(const struct mc_folio *f, const void *state);

/* PMD and PUD entries mapping (part of) the folio. */
int64_t mc_oracle_huge_entries(const struct mc_folio *f, const void *state);

/*
 * Start loading where the pair of (folio slot, mm) lives in the oracle's
 * table: the replayer calls it ahead of the operation that will look it up.
 * Inline, for the replayer calls it more often than apply(): the oracle's
 * context data begins with its table (oracle.c checks it at build time).
 */
static inline void mc_oracle_prefetch_pair(const struct mc_model_ctx *ctx, uint32_t slot,
					   uint32_t mm)
{
	pairs_prefetch(ctx->priv, slot, mm);
}

#endif
