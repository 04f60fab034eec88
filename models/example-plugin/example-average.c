// SPDX-License-Identifier: GPL-2.0
/*
 * example-average: a small, honest toy scheme shipped as a model plugin, to
 * show how an outside model plugs into mapcount (build: make tests, loads as
 * build/example-plugin.so; see `mapcount models --plugin`).
 *
 * Per folio it keeps two int32 counters and nothing else:
 *   entries - page-table entries (PTE, PMD, PUD) mapping the folio, all mms
 *   pages   - pages covered, summed over entries (a PMD adds 512)
 * Every per-page and per-mm answer is derived from the average page
 * mapcount pages / nr_pages, so the scheme cannot tell mms apart: it calls
 * a folio shared as soon as it has two entries, and counts the whole folio
 * in AnonPages/Mapped from its first entry to its last.
 */
#include "models/model.h"

struct average_state {
	int32_t entries;
	int32_t pages;
};

static size_t average_state_size(unsigned int order)
{
	return sizeof(struct average_state);
}

static void average_init(struct mc_model_ctx *ctx, const struct mc_folio *f, void *state)
{
	struct average_state *s = state;

	s->entries = 0;
	s->pages = 0;
}

/* Freed with mappings left: the stream was inconsistent. */
static void average_fini(struct mc_model_ctx *ctx, const struct mc_folio *f, void *state)
{
	const struct average_state *s = state;

	if (s->entries || s->pages)
		ctx->violations++;
}

static size_t average_metadata_bytes(unsigned int order)
{
	return order ? sizeof(struct average_state) : sizeof(int32_t);
}

static enum mc_vmstat_item mapped_item(const struct mc_folio *f)
{
	return f->kind == MC_KIND_ANON ? MC_NR_ANON_MAPPED : MC_NR_FILE_MAPPED;
}

static enum mc_vmstat_item huge_item(const struct mc_folio *f)
{
	if (f->kind == MC_KIND_ANON)
		return MC_NR_ANON_THPS;
	return f->kind == MC_KIND_SHMEM ? MC_NR_SHMEM_PMDMAPPED : MC_NR_FILE_PMDMAPPED;
}

/* Add (dir 1) or remove (dir -1) u entries covering n pages. */
static void average_change(struct mc_model_ctx *ctx, const struct mc_folio *f,
			   struct average_state *s, int32_t u, int32_t n, int dir)
{
	int64_t nr = mc_folio_nr_pages(f);
	bool mapped = s->entries > 0, huge = s->pages > s->entries;

	mc_atomic_add32(ctx, &s->entries, dir * u);
	mc_atomic_add32(ctx, &s->pages, dir * n);
	ctx->atomics += 2;
	ctx->cachelines += 1; /* both counters live in one struct page */
	if (mapped != (s->entries > 0))
		ctx->vm[mapped_item(f)] += mapped ? -nr : nr;
	/* pages exceed entries exactly while some PMD or PUD entry exists */
	if (huge != (s->pages > s->entries))
		ctx->vm[huge_item(f)] += huge ? -nr : nr;
}

static void average_apply(struct mc_model_ctx *ctx, const struct mc_folio *f, void *state,
			  const struct mc_op *op)
{
	struct average_state *s = state;
	int32_t u = op->level == MC_LEVEL_PTE ? (int32_t)op->nr : 1;

	if (op->first >= mc_folio_nr_pages(f) || op->nr > mc_folio_nr_pages(f) - op->first) {
		ctx->violations++;
		return;
	}
	switch (op->type) {
	case MC_OP_NEW_ANON:
	case MC_OP_ADD:
	case MC_OP_DUP:
		average_change(ctx, f, s, u, (int32_t)op->nr, 1);
		break;
	case MC_OP_REMOVE:
		if (s->entries < u || s->pages < (int32_t)op->nr) {
			ctx->violations++;
			return;
		}
		average_change(ctx, f, s, u, (int32_t)op->nr, -1);
		break;
	case MC_OP_REMAP:
		if (s->pages - s->entries < (int32_t)MC_PMD_NR - 1) {
			ctx->violations++; /* no PMD entry to remap */
			return;
		}
		/* one PMD entry becomes 512 PTE entries over the same pages */
		average_change(ctx, f, s, MC_PMD_NR, MC_PMD_NR, 1);
		average_change(ctx, f, s, 1, MC_PMD_NR, -1);
		break;
	default:
		ctx->violations++;
	}
}

static int64_t average_folio_mapcount(const struct mc_model_ctx *ctx, const struct mc_folio *f,
				      const void *state)
{
	return ((const struct average_state *)state)->entries;
}

static bool average_folio_mapped(const struct mc_model_ctx *ctx, const struct mc_folio *f,
				 const void *state)
{
	return ((const struct average_state *)state)->entries > 0;
}

/* The average page mapcount, rounded half up, at least 1 while mapped. */
static int64_t average_of(const struct mc_folio *f, const struct average_state *s)
{
	int64_t avg;

	if (s->entries <= 0)
		return 0;
	avg = ((int64_t)s->pages + mc_folio_nr_pages(f) / 2) >> f->order;
	return avg > 1 ? avg : 1;
}

static int64_t average_page_mapcount(const struct mc_model_ctx *ctx, const struct mc_folio *f,
				     const void *state, uint32_t page)
{
	return average_of(f, state);
}

static bool average_maybe_shared(const struct mc_model_ctx *ctx, const struct mc_folio *f,
				 const void *state)
{
	return ((const struct average_state *)state)->entries > 1;
}

/* A single entry can only belong to the faulting mm. */
static bool average_cow_reuse(const struct mc_model_ctx *ctx, const struct mc_folio *f,
			      const void *state, uint32_t page, enum mc_level level,
			      const struct mc_query_ctx *q)
{
	return f->kind == MC_KIND_ANON && !f->ksm &&
	       ((const struct average_state *)state)->entries == 1;
}

static bool average_partially_mapped(const struct mc_model_ctx *ctx, const struct mc_folio *f,
				     const void *state)
{
	const struct average_state *s = state;

	return f->kind == MC_KIND_ANON && f->order && s->pages > 0 &&
	       s->pages < (int64_t)mc_folio_nr_pages(f);
}

static bool average_anon_exclusive(const struct mc_model_ctx *ctx, const struct mc_folio *f,
				   const void *state, uint32_t page)
{
	return average_cow_reuse(ctx, f, state, page, MC_LEVEL_PTE, NULL);
}

static bool average_pagemap_exclusive(const struct mc_model_ctx *ctx, const struct mc_folio *f,
				      const void *state, uint32_t page, enum mc_level level)
{
	return ((const struct average_state *)state)->entries == 1;
}

/* One division per entry by the average; Private only for a single entry. */
static void average_smaps_account(const struct mc_model_ctx *ctx, const struct mc_folio *f,
				  const void *state, uint32_t first, uint32_t nr,
				  enum mc_level level, const struct mc_query_ctx *q,
				  struct mc_smaps *acc)
{
	const struct average_state *s = state;
	uint64_t size = (uint64_t)nr * MC_PAGE_SIZE;
	int64_t avg = average_of(f, s);

	acc->rss += size;
	if (f->kind == MC_KIND_ANON)
		acc->anonymous += size;
	if (level == MC_LEVEL_PMD && f->kind == MC_KIND_ANON)
		acc->anon_huge += size;
	else if (level == MC_LEVEL_PMD)
		*(f->kind == MC_KIND_SHMEM ? &acc->shmem_pmd : &acc->file_pmd) += size;
	if (q->refcount == 1) {
		mc_smaps_add_pss(acc, f->kind, size << MC_PSS_SHIFT);
		acc->private_ += size;
		return;
	}
	mc_smaps_add_pss(acc, f->kind, mc_pss_share(size, avg > 0 ? (uint64_t)avg : 0));
	if (s->entries == 1)
		acc->private_ += size;
	else
		acc->shared += size;
}

static const struct mc_model average_models[] = {{
	.abi_version = MC_MODEL_ABI_VERSION,
	.name = "example-average",
	.description = "plugin example: entry count + average page mapcount, no per-mm state",
	.extension_rules =
		"Every order at every level: a PTE batch adds nr entries and nr pages, a PMD one "
		"entry and 512 pages, a PUD one entry and 262144 pages; a REMAP adds 511 entries "
		"and no pages. AnonHugePages and the file PMD counters count the whole folio "
		"while pages exceed entries (some PMD or PUD entry exists).",
	.state_size = average_state_size,
	.init = average_init,
	.fini = average_fini,
	.metadata_bytes = average_metadata_bytes,
	.apply = average_apply,
	.folio_mapcount = average_folio_mapcount,
	.folio_mapped = average_folio_mapped,
	.page_mapcount = average_page_mapcount,
	.maybe_shared = average_maybe_shared,
	.cow_reuse = average_cow_reuse,
	.partially_mapped = average_partially_mapped,
	.anon_exclusive = average_anon_exclusive,
	.pagemap_exclusive = average_pagemap_exclusive,
	.smaps_account = average_smaps_account,
}};

const struct mc_model *mapcount_models(unsigned int *count, int abi)
{
	if (abi != MC_MODEL_ABI_VERSION) {
		*count = 0;
		return NULL;
	}
	*count = sizeof(average_models) / sizeof(average_models[0]);
	return average_models;
}
