// SPDX-License-Identifier: GPL-2.0
/*
 * The exact oracle: per-page, per-mm mapping counts kept incrementally.
 *
 * Per folio (state): the number of entries (PTE, PMD, PUD) mapping it, the
 * PTE count of every page, the PMD count of every 512-page region, the PUD
 * count, and the distinct mapped pages, maintained per region so that a PMD
 * or PUD map is O(1) and never writes 512 page counters. Order-0 folios keep
 * 20 bytes: two mms (holders) with their entries, and the number of mms and
 * of entries the pair map holds for the page.
 *
 * Per (folio slot, mm) pair: that mm's entries, in a hash map of the context
 * (oracle-pairs.h) that steady-state operations never grow. An order-0 folio
 * keeps its two holders inline for good: only a third and later mm mapping it
 * (a fork of a fork, a file page of many processes) has a pair in the map.
 *
 * Every count is an int64 but for a page's PTE count and an order-0 folio's
 * entries per holder, uint32s (2^32 PTEs would need 32 GiB of shadow page
 * tables): the oracle never wraps. Operations that contradict the state
 * (removing what is not mapped, a PMD outside the folio, ...) are refused
 * whole and counted in ctx->violations. The oracle counts no costs.
 */
#include <stdlib.h>
#include <string.h>

#include "models/model.h"
#include "models/oracle-pairs.h"
#include "models/oracle.h"

/* Header of a large folio's state (struct oracle_large); order-0 folios keep
 * struct oracle_small instead. */
struct oracle_head {
	int64_t entries; /* PTE + PMD + PUD entries, all mms */
	uint32_t nr_mms; /* mms with at least one entry */
	uint32_t pad;
};

/*
 * Order-0 folios: two mms (holders) inline, a pair in the table for each
 * further mm. Every mm with entries is in one place only:
 *  - a holder's who is 0 exactly when its entries are (a free spot), so a
 *    holder who == mm (mm not 0) holds entries >= 1;
 *  - table is 0 exactly when no pair of the page is in the table; else it
 *    packs their number (mms) and their entries: below SMALL_TABLE_BIG,
 *    mms << SMALL_MMS_SHIFT | entries; past either field's width,
 *    SMALL_TABLE_BIG | mms, the entries in the page's summary pair (slot, mm
 *    0) until the last pair goes.
 * An mm may have a pair while a spot is free (its holder left after it went
 * to the table): an mm not inline takes a free spot only with its pair, if
 * any, moved inline. A fresh init() (all 0) is the unmapped page.
 */
struct small_holder {
	uint32_t who; /* the mm, 0 if the spot is free */
	uint32_t entries; /* its entries */
};

struct oracle_small {
	struct small_holder h[2];
	uint32_t table; /* the mms and entries in the pair table */
};

/* mm ids are below 2^31 (the replayer numbers them from 1), as the table's are */
#define SMALL_MM_LIMIT 0x80000000u
#define SMALL_MMS_SHIFT 16
#define SMALL_ENTRIES_MAX ((1u << SMALL_MMS_SHIFT) - 1)
#define SMALL_MMS_MAX (0x7fffffffu >> SMALL_MMS_SHIFT)
#define SMALL_TABLE_BIG 0x80000000u
#define SMALL_SUMMARY_MM 0 /* no mm's id: its pair counts the table's entries */

/* Large folios: followed by pmd[nreg] (order >= 9), pte_mapped[nreg], pte[N]. */
struct oracle_large {
	struct oracle_head h;
	int64_t huge_entries; /* PMD + PUD entries */
	int64_t pud; /* PUD entries */
	int64_t mapped_below_pud; /* pages mapped by a PTE or by their region's PMD */
};

/* Where the arrays of a large folio's state live. */
struct oracle_view {
	struct oracle_large *l;
	int64_t *pmd; /* per region; NULL below order 9 */
	int32_t *pte_mapped; /* per region: pages with a PTE count >= 1 */
	uint32_t *pte; /* per page: its PTE count */
	unsigned int region_shift; /* a region's pages: 1 << region_shift */
};

static unsigned int nr_regions(unsigned int order)
{
	return order >= MC_PMD_ORDER ? 1u << (order - MC_PMD_ORDER) : 1u;
}

static size_t align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

static size_t pmd_bytes(unsigned int order)
{
	return order >= MC_PMD_ORDER ? sizeof(int64_t) * nr_regions(order) : 0;
}

/* order 0: five uint32s (struct oracle_small), so 4-byte alignment does */
static size_t oracle_state_align(unsigned int order)
{
	return order ? 8 : 4;
}

static size_t oracle_state_size(unsigned int order)
{
	if (!order)
		return sizeof(struct oracle_small);
	return sizeof(struct oracle_large) + pmd_bytes(order) +
	       align8(sizeof(int32_t) * nr_regions(order)) + sizeof(uint32_t) * (1ul << order);
}

static struct oracle_view view_of(const struct mc_folio *f, const void *state)
{
	char *base = (char *)state;
	size_t off = sizeof(struct oracle_large);
	struct oracle_view v;

	v.l = (struct oracle_large *)base;
	v.pmd = f->order >= MC_PMD_ORDER ? (int64_t *)(base + off) : NULL;
	off += pmd_bytes(f->order);
	v.pte_mapped = (int32_t *)(base + off);
	off += align8(sizeof(int32_t) * nr_regions(f->order));
	v.pte = (uint32_t *)(base + off);
	v.region_shift = f->order >= MC_PMD_ORDER ? MC_PMD_ORDER : f->order;
	return v;
}

/* ---- the (folio slot, mm) -> entries map (oracle-pairs.h) ---- */

struct oracle_ctx {
	struct pairs pairs;
	uint64_t small_pairs; /* (order-0 folio, mm) pairs kept inline */
	uint64_t summaries; /* summary pairs in the table (no mm's) */
};

static uint64_t pair_key(const struct mc_folio *f, uint32_t mm)
{
	return pairs_key(f->slot, mm);
}

/* mc_oracle_prefetch_pair (oracle.h) takes the context data for the table */
_Static_assert(offsetof(struct oracle_ctx, pairs) == 0, "the pair table leads oracle_ctx");

static int64_t pair_entries(const struct oracle_ctx *oc, uint64_t key)
{
	return pairs_get(&oc->pairs, key);
}

/* Add delta (may be negative, never below zero: callers check) to mm's entries. */
static void pair_add(struct mc_model_ctx *ctx, const struct mc_folio *f, uint32_t *nr_mms,
		     uint32_t mm, int64_t delta)
{
	struct oracle_ctx *oc = ctx->priv;

	switch (pairs_add(&oc->pairs, pair_key(f, mm), delta)) {
	case PAIRS_NOMEM:
		ctx->violations++; /* out of memory: mm sets no longer exact */
		break;
	case PAIRS_NEW:
		++*nr_mms;
		break;
	case PAIRS_GONE:
		--*nr_mms;
		break;
	case PAIRS_CHANGED:
	case PAIRS_SHORT: /* pairs_take's only */
		break;
	}
}

/* ---- order-0 folios: two mms inline, the pair table for a third and later ---- */

static bool small_mapped(const struct oracle_small *s)
{
	return (s->h[0].entries | s->h[1].entries | s->table) != 0;
}

static uint32_t small_table_mms(const struct oracle_small *s)
{
	if (s->table & SMALL_TABLE_BIG)
		return s->table & ~SMALL_TABLE_BIG;
	return s->table >> SMALL_MMS_SHIFT;
}

static uint32_t small_mm_count(const struct oracle_small *s)
{
	return (s->h[0].who != 0) + (s->h[1].who != 0) + small_table_mms(s);
}

/* Entries of the page, all mms. */
static int64_t small_entries(const struct oracle_ctx *oc, const struct mc_folio *f,
			     const struct oracle_small *s)
{
	int64_t n = (int64_t)s->h[0].entries + s->h[1].entries;

	if (s->table & SMALL_TABLE_BIG)
		return n + pair_entries(oc, pair_key(f, SMALL_SUMMARY_MM));
	return n + (s->table & SMALL_ENTRIES_MAX);
}

/* The holder mm is (mm not 0), NULL if it is not inline. */
static struct small_holder *small_holder_of(struct oracle_small *s, uint32_t mm)
{
	if (s->h[0].who == mm)
		return &s->h[0];
	return s->h[1].who == mm ? &s->h[1] : NULL;
}

static int64_t small_mm_entries(const struct oracle_ctx *oc, const struct mc_folio *f,
				const struct oracle_small *s, uint32_t mm)
{
	if (s->h[0].who == mm)
		return s->h[0].entries; /* 0 for mm 0 and a free spot */
	if (s->h[1].who == mm)
		return s->h[1].entries;
	return mm && s->table ? pair_entries(oc, pair_key(f, mm)) : 0;
}

/*
 * Count in s->table that its mms' pairs, changed already, gained (or lost)
 * mms mms and entries entries. Past the packed fields' width the entries move
 * to the summary pair: false (nothing changed) if it cannot be stored. A
 * decrease always succeeds.
 */
static bool small_table_account(struct oracle_ctx *oc, const struct mc_folio *f,
				struct oracle_small *s, int32_t mms, int64_t entries)
{
	uint64_t summary = pair_key(f, SMALL_SUMMARY_MM);
	uint32_t now_mms = small_table_mms(s) + (uint32_t)mms;
	int64_t packed;

	if (!(s->table & SMALL_TABLE_BIG)) {
		packed = (int64_t)(s->table & SMALL_ENTRIES_MAX) + entries;
		if (now_mms <= SMALL_MMS_MAX && packed <= SMALL_ENTRIES_MAX) {
			s->table = now_mms << SMALL_MMS_SHIFT | (uint32_t)packed;
			return true;
		}
		if (pairs_add(&oc->pairs, summary, packed) != PAIRS_NEW)
			return false;
		oc->summaries++;
	} else {
		switch (pairs_add(&oc->pairs, summary, entries)) {
		case PAIRS_NOMEM:
			return false;
		case PAIRS_GONE:
			oc->summaries--;
			s->table = 0; /* no entries left: no mms either */
			return true;
		default:
			break;
		}
	}
	s->table = SMALL_TABLE_BIG | now_mms;
	return true;
}

/* Add one entry of mm, not a holder, to a mapped page: into a free spot, with
 * the pair mm may have in the table, or to the table. False (nothing changed)
 * if the table is out of memory. */
static bool small_add_other(struct mc_model_ctx *ctx, const struct mc_folio *f,
			    struct oracle_small *s, uint32_t mm)
{
	struct oracle_ctx *oc = ctx->priv;
	struct small_holder *h = small_holder_of(s, 0);
	uint64_t key = pair_key(f, mm);
	int64_t n;

	if (h) {
		n = s->table ? pairs_pop(&oc->pairs, key) : 0;
		if (n)
			small_table_account(oc, f, s, -1, -n);
		h->who = mm;
		h->entries = (uint32_t)n + 1;
		oc->small_pairs++;
		return true;
	}
	switch (pairs_add(&oc->pairs, key, 1)) {
	case PAIRS_NEW:
		if (small_table_account(oc, f, s, 1, 1))
			return true;
		break;
	case PAIRS_CHANGED:
		if (small_table_account(oc, f, s, 0, 1))
			return true;
		break;
	default:
		return false;
	}
	pairs_add(&oc->pairs, key, -1); /* the summary would not fit: undo */
	return false;
}

/* Remove one entry of mm, not a holder; false (nothing changed) if it has none. */
static bool small_remove_other(struct mc_model_ctx *ctx, const struct mc_folio *f,
			       struct oracle_small *s, uint32_t mm)
{
	struct oracle_ctx *oc = ctx->priv;

	if (!s->table)
		return false;
	switch (pairs_take(&oc->pairs, pair_key(f, mm), 1)) {
	case PAIRS_GONE:
		return small_table_account(oc, f, s, -1, -1);
	case PAIRS_CHANGED:
		return small_table_account(oc, f, s, 0, -1);
	default: /* mm holds no entry */
		return false;
	}
}

static int oracle_ctx_init(struct mc_model_ctx *ctx)
{
	struct oracle_ctx *oc = calloc(1, sizeof(*oc));

	if (!oc)
		return -1;
	if (pairs_init(&oc->pairs)) {
		free(oc);
		return -1;
	}
	ctx->priv = oc;
	return 0;
}

static void oracle_ctx_fini(struct mc_model_ctx *ctx)
{
	struct oracle_ctx *oc = ctx->priv;

	if (oc)
		pairs_fini(&oc->pairs);
	free(oc);
	ctx->priv = NULL;
}

/* ---- per-folio truth ---- */

static int64_t folio_entries(const struct mc_model_ctx *ctx, const struct mc_folio *f,
			     const void *state)
{
	if (!f->order)
		return small_entries(ctx->priv, f, state);
	return ((const struct oracle_head *)state)->entries;
}

static uint32_t folio_mm_count(const struct mc_folio *f, const void *state)
{
	if (!f->order)
		return small_mm_count(state);
	return ((const struct oracle_head *)state)->nr_mms;
}

static int64_t folio_mm_entries(const struct mc_model_ctx *ctx, const struct mc_folio *f,
				const void *state, uint32_t mm)
{
	if (!f->order)
		return small_mm_entries(ctx->priv, f, state, mm);
	return pair_entries(ctx->priv, pair_key(f, mm));
}

static uint64_t mapped_pages(const struct mc_folio *f, const void *state)
{
	const struct oracle_large *l = state;

	if (!f->order)
		return small_mapped(state);
	return l->pud > 0 ? mc_folio_nr_pages(f) : (uint64_t)l->mapped_below_pud;
}

static int64_t huge_entries(const struct mc_folio *f, const void *state)
{
	return f->order ? ((const struct oracle_large *)state)->huge_entries : 0;
}

/* Entries mapping page of a large folio. */
static int64_t view_page_count(const struct oracle_view *v, uint32_t page)
{
	int64_t n = (int64_t)v->pte[page] + v->l->pud;

	if (v->pmd)
		n += v->pmd[page / MC_PMD_NR];
	return n;
}

static int64_t page_count(const struct mc_model_ctx *ctx, const struct mc_folio *f,
			  const void *state, uint32_t page)
{
	struct oracle_view v;

	if (!f->order)
		return small_entries(ctx->priv, f, state);
	v = view_of(f, state);
	return view_page_count(&v, page);
}

static void oracle_init(struct mc_model_ctx *ctx, const struct mc_folio *f, void *state)
{
	/* a small folio's constant size: an inline clear, no memset call */
	if (!f->order)
		memset(state, 0, sizeof(struct oracle_small));
	else
		memset(state, 0, oracle_state_size(f->order));
}

/* small_fini() acts only on a state that small_mapped(): its entry counts */
static void oracle_fini0_mask(uint8_t *mask)
{
	memset(mask + offsetof(struct oracle_small, h[0].entries), 0xff, sizeof(uint32_t));
	memset(mask + offsetof(struct oracle_small, h[1].entries), 0xff, sizeof(uint32_t));
	memset(mask + offsetof(struct oracle_small, table), 0xff, sizeof(uint32_t));
}

/* Drop the (slot, mm) pairs of an order-0 folio freed while still mapped. */
static void small_fini(struct mc_model_ctx *ctx, const struct mc_folio *f,
		       const struct oracle_small *s)
{
	struct oracle_ctx *oc = ctx->priv;
	bool summary = s->table & SMALL_TABLE_BIG;

	if (!small_mapped(s))
		return;
	ctx->violations++;
	oc->small_pairs -= (s->h[0].who != 0) + (s->h[1].who != 0);
	if (s->table)
		pairs_drop_slot(&oc->pairs, f->slot, small_table_mms(s) + summary);
	oc->summaries -= summary;
}

/* Drop the (slot, mm) pairs of a folio freed while still mapped. */
static void oracle_fini(struct mc_model_ctx *ctx, const struct mc_folio *f, void *state)
{
	const struct oracle_head *h = state;

	if (!f->order) {
		small_fini(ctx, f, state);
		return;
	}
	if (!h->entries && !h->nr_mms)
		return;
	ctx->violations++;
	pairs_drop_slot(&((struct oracle_ctx *)ctx->priv)->pairs, f->slot, h->nr_mms);
}

/* An exact scheme: a 4-byte PTE mapcount per page, a 4-byte entire mapcount
 * per PMD region and one for the PUD, a 4-byte entry count and a 4-byte
 * mapped-page count; (mm, count) pairs are in oracle_ctx_metadata_bytes. */
static size_t oracle_metadata_bytes(unsigned int order)
{
	size_t bytes = 4ul << order;

	if (!order)
		return bytes;
	if (order >= MC_PMD_ORDER)
		bytes += 4ul * nr_regions(order);
	if (order >= MC_PUD_ORDER)
		bytes += 4;
	return bytes + 8;
}

static uint64_t oracle_ctx_metadata_bytes(const struct mc_model_ctx *ctx)
{
	const struct oracle_ctx *oc = ctx->priv;

	return 8ull * (pairs_used(&oc->pairs) - oc->summaries + oc->small_pairs);
}

static int64_t op_entries(const struct mc_op *op)
{
	return op->level == MC_LEVEL_PTE ? op->nr : 1;
}

/* The op's shape fits the folio: range inside, PMD/PUD aligned and sized. */
static bool op_fits(const struct mc_folio *f, const struct mc_op *op)
{
	uint32_t n = mc_folio_nr_pages(f);

	if (!op->mm || !op->nr || op->first >= n || op->nr > n - op->first)
		return false;
	if (op->type == MC_OP_REMAP || op->level == MC_LEVEL_PMD)
		return f->order >= MC_PMD_ORDER && op->nr == MC_PMD_NR && !(op->first % MC_PMD_NR);
	if (op->level == MC_LEVEL_PUD)
		return f->order == MC_PUD_ORDER && op->nr == MC_PUD_NR;
	return op->level == MC_LEVEL_PTE;
}

/* The end of the run of pages from first to end that lie in region r. */
static uint32_t region_stop(const struct oracle_view *v, uint32_t r, uint32_t end)
{
	uint32_t stop = (r + 1) << v->region_shift;

	return stop < end ? stop : end;
}

/* Branch-free counts over a region's run of pages, so that the loops vectorize. */
static void pte_inc(struct oracle_view *v, uint32_t first, uint32_t nr)
{
	for (uint32_t p = first, end = first + nr; p < end;) {
		uint32_t r = p >> v->region_shift, stop = region_stop(v, r, end), fresh = 0;

		for (; p < stop; p++)
			fresh += !v->pte[p]++;
		v->pte_mapped[r] += (int32_t)fresh;
		if (!v->pmd || !v->pmd[r])
			v->l->mapped_below_pud += fresh;
	}
}

static void pte_dec(struct oracle_view *v, uint32_t first, uint32_t nr)
{
	for (uint32_t p = first, end = first + nr; p < end;) {
		uint32_t r = p >> v->region_shift, stop = region_stop(v, r, end), gone = 0;

		for (; p < stop; p++)
			gone += !--v->pte[p];
		v->pte_mapped[r] -= (int32_t)gone;
		if (!v->pmd || !v->pmd[r])
			v->l->mapped_below_pud -= gone;
	}
}

static bool pte_all_mapped(const struct oracle_view *v, uint32_t first, uint32_t nr)
{
	uint32_t mapped = 0;

	for (uint32_t p = first, end = first + nr; p < end; p++)
		mapped += v->pte[p] != 0;
	return mapped == nr;
}

static void pmd_inc(struct oracle_view *v, uint32_t r)
{
	if (!v->pmd[r]++)
		v->l->mapped_below_pud += MC_PMD_NR - v->pte_mapped[r];
	v->l->huge_entries++;
}

static void pmd_dec(struct oracle_view *v, uint32_t r)
{
	if (!--v->pmd[r])
		v->l->mapped_below_pud -= MC_PMD_NR - v->pte_mapped[r];
	v->l->huge_entries--;
}

/* Change the page-table side of the state; false (nothing changed) if a
 * removal would take away an entry that does not exist. */
static bool map_change(const struct mc_folio *f, void *state, const struct mc_op *op, int dir)
{
	struct oracle_view v;
	uint32_t r = op->first / MC_PMD_NR;

	if (!f->order)
		return dir > 0 || ((struct oracle_head *)state)->entries >= op->nr;
	v = view_of(f, state);
	switch (op->level) {
	case MC_LEVEL_PTE:
		if (dir > 0)
			pte_inc(&v, op->first, op->nr);
		else if (pte_all_mapped(&v, op->first, op->nr))
			pte_dec(&v, op->first, op->nr);
		else
			return false;
		return true;
	case MC_LEVEL_PMD:
		if (dir > 0)
			pmd_inc(&v, r);
		else if (v.pmd[r] > 0)
			pmd_dec(&v, r);
		else
			return false;
		return true;
	default:
		if (dir < 0 && v.l->pud < 1)
			return false;
		v.l->pud += dir;
		v.l->huge_entries += dir;
		return true;
	}
}

/* A PMD of mm becomes 512 PTEs of mm; false if no PMD maps the region. */
static bool remap(const struct mc_folio *f, void *state, const struct mc_op *op)
{
	struct oracle_view v = view_of(f, state);

	if (v.pmd[op->first / MC_PMD_NR] < 1)
		return false;
	pte_inc(&v, op->first, MC_PMD_NR);
	pmd_dec(&v, op->first / MC_PMD_NR);
	return true;
}

/* Does exactly one entry map each page of [first, first + nr) of a large folio? */
static bool range_exclusive(const struct mc_folio *f, const void *state, uint32_t first,
			    uint32_t nr)
{
	struct oracle_view v = view_of(f, state);

	for (uint32_t p = first; p < first + nr; p++)
		if (view_page_count(&v, p) != 1)
			return false;
	return true;
}

static enum mc_vmstat_item mapped_item(const struct mc_folio *f)
{
	return f->kind == MC_KIND_ANON ? MC_NR_ANON_MAPPED : MC_NR_FILE_MAPPED;
}

static enum mc_vmstat_item pmdmapped_item(const struct mc_folio *f)
{
	if (f->kind == MC_KIND_ANON)
		return MC_NR_ANON_THPS;
	return f->kind == MC_KIND_SHMEM ? MC_NR_SHMEM_PMDMAPPED : MC_NR_FILE_PMDMAPPED;
}

/* The shape of an operation on an order-0 folio: one PTE of page 0, by mms
 * below SMALL_MM_LIMIT (those the pair table can store). */
static bool small_op_fits(const struct mc_op *op)
{
	return op->level == MC_LEVEL_PTE && !op->first && op->nr == 1 && op->mm &&
	       !((op->mm | op->src_mm) & SMALL_MM_LIMIT);
}

/*
 * oracle_apply for an order-0 folio and an operation of its shape
 * (small_op_fits) that apply_small_fast() declined: a refusal, or an mm not
 * inline while the page has pairs in the table or no free spot. The same rules.
 */
static __attribute__((noinline)) void apply_small(struct mc_model_ctx *ctx,
						   const struct mc_folio *f,
						   struct oracle_small *s, const struct mc_op *op)
{
	struct small_holder *h;
	bool ok;

	switch (op->type) {
	case MC_OP_NEW_ANON:
		ok = f->kind == MC_KIND_ANON && !small_mapped(s);
		break;
	case MC_OP_DUP:
		ok = op->src_mm && op->src_mm != op->mm &&
		     small_mm_entries(ctx->priv, f, s, op->src_mm) >= 1;
		break;
	case MC_OP_ADD:
		ok = true;
		break;
	case MC_OP_REMOVE:
		ok = small_remove_other(ctx, f, s, op->mm);
		ctx->vm[mapped_item(f)] -= ok && !small_mapped(s);
		break;
	default: /* MC_OP_REMAP (of a PMD) or not an operation */
		ok = false;
		break;
	}
	if (!ok) {
		ctx->violations++;
		return;
	}
	if (op->type == MC_OP_REMOVE)
		return;
	/* apply_small_fast() took every other valid op: an ADD or a DUP of a
	 * page already mapped (by a holder, for a DUP from the table) */
	h = small_holder_of(s, op->mm);
	if (h) {
		h->entries++;
	} else if (!small_add_other(ctx, f, s, op->mm)) {
		ctx->violations++; /* out of memory: mm sets no longer exact */
		return;
	}
	/* RMAP_EXCLUSIVE on a page someone else maps (here always: see apply_large) */
	if ((op->flags & (MC_OPF_EXCLUSIVE | MC_OPF_RESTORE)) == MC_OPF_EXCLUSIVE)
		ctx->violations++;
}

/*
 * apply_small() for the operations of holders, and of other mms while the
 * page has a free spot and no pair in the table (op of the shape
 * small_op_fits checks): the first mapping, an ADD or DUP into a spot, a
 * REMOVE by a holder. False, having changed nothing, for any other.
 */
static inline bool apply_small_fast(struct mc_model_ctx *ctx, const struct mc_folio *f,
				    struct oracle_small *s, const struct mc_op *op)
{
	struct oracle_ctx *oc = ctx->priv;
	struct small_holder *h;
	uint32_t mm = op->mm;

	switch (op->type) {
	case MC_OP_NEW_ANON:
		if (f->kind != MC_KIND_ANON || small_mapped(s))
			return false;
		/* one entry of an unmapped page (all fields 0): RMAP_EXCLUSIVE holds */
		s->h[0].who = mm;
		s->h[0].entries = 1;
		oc->small_pairs++;
		ctx->vm[MC_NR_ANON_MAPPED]++;
		return true;
	case MC_OP_DUP:
		/* fork copies an entry src holds (src not 0: a free spot's who is) */
		if (!op->src_mm || op->src_mm == mm ||
		    (op->src_mm != s->h[0].who && op->src_mm != s->h[1].who))
			return false;
		/* then an ADD by the child */
		/* fall through */
	case MC_OP_ADD:
		h = small_holder_of(s, mm);
		if (!h) {
			/* with pairs in the table, mm may have one: apply_small() */
			h = s->table ? NULL : small_holder_of(s, 0);
			if (!h)
				return false;
			ctx->vm[mapped_item(f)] += !small_mapped(s);
			h->who = mm;
			oc->small_pairs++;
		}
		h->entries++;
		if ((op->flags & (MC_OPF_EXCLUSIVE | MC_OPF_RESTORE)) == MC_OPF_EXCLUSIVE &&
		    (s->table || s->h[0].entries + (uint64_t)s->h[1].entries != 1))
			ctx->violations++;
		return true;
	case MC_OP_REMOVE:
		h = small_holder_of(s, mm);
		if (!h)
			return false;
		if (!--h->entries) {
			h->who = 0;
			oc->small_pairs--;
			ctx->vm[mapped_item(f)] -= !small_mapped(s);
		}
		return true;
	default:
		return false;
	}
}

/* oracle_apply for a large folio: out of line, so that order 0 stays light. */
static __attribute__((noinline)) void apply_large(struct mc_model_ctx *ctx,
						   const struct mc_folio *f, void *state,
						   const struct mc_op *op)
{
	struct oracle_head *h = state;
	const struct oracle_ctx *oc = ctx->priv;
	int64_t e = op_entries(op), mm_now = 0, delta = e;
	uint64_t mapped_before = mapped_pages(f, state);
	bool huge_before = huge_entries(f, state) > 0, ok;

	if (op->type >= MC_OP_NR_TYPES || op->level > MC_LEVEL_PUD || !op_fits(f, op)) {
		ctx->violations++;
		return;
	}
	if (op->type == MC_OP_REMOVE || op->type == MC_OP_REMAP || op->type == MC_OP_DUP)
		mm_now = pair_entries(oc, pair_key(f, op->type == MC_OP_DUP ? op->src_mm : op->mm));

	switch (op->type) {
	case MC_OP_NEW_ANON:
		ok = f->kind == MC_KIND_ANON && !h->entries && map_change(f, state, op, 1);
		break;
	case MC_OP_DUP:
		/* fork copies entries src_mm holds; a file PMD is the child's refault */
		ok = op->src_mm && op->src_mm != op->mm && mm_now >= e &&
		     map_change(f, state, op, 1);
		break;
	case MC_OP_ADD:
		ok = map_change(f, state, op, 1);
		break;
	case MC_OP_REMOVE:
		ok = mm_now >= e && map_change(f, state, op, -1);
		delta = -e;
		break;
	default: /* MC_OP_REMAP: one PMD entry becomes 512 PTE entries */
		ok = mm_now >= 1 && remap(f, state, op);
		delta = MC_PMD_NR - 1;
		break;
	}
	if (!ok) {
		ctx->violations++;
		return;
	}
	h->entries += delta;
	pair_add(ctx, f, &h->nr_mms, op->mm, delta);

	ctx->vm[mapped_item(f)] += (int64_t)mapped_pages(f, state) - (int64_t)mapped_before;
	if (huge_before != (huge_entries(f, state) > 0))
		ctx->vm[pmdmapped_item(f)] += huge_before ? -(int64_t)mc_folio_nr_pages(f)
							  : (int64_t)mc_folio_nr_pages(f);

	/* RMAP_EXCLUSIVE on a page someone else maps is a kernel bug (the
	 * VM_WARN in mm/rmap.c:__folio_add_anon_rmap@v6.18): flag the stream.
	 * Not on RESTORE: the exclusive bit was read when that entry was frozen,
	 * possibly after the other mappers' entries were frozen too. Not on
	 * NEW_ANON either: it maps an unmapped folio, each page by one entry. */
	if ((op->flags & MC_OPF_EXCLUSIVE) && !(op->flags & MC_OPF_RESTORE) &&
	    op->type != MC_OP_REMOVE && op->type != MC_OP_NEW_ANON &&
	    !range_exclusive(f, state, op->first, op->nr))
		ctx->violations++;
}

static void oracle_apply(struct mc_model_ctx *ctx, const struct mc_folio *f, void *state,
			 const struct mc_op *op)
{
	if (f->order)
		apply_large(ctx, f, state, op);
	else if (!small_op_fits(op))
		ctx->violations++;
	else if (!apply_small_fast(ctx, f, state, op))
		apply_small(ctx, f, state, op);
}

/* ---- queries ---- */

static int64_t oracle_folio_mapcount(const struct mc_model_ctx *ctx, const struct mc_folio *f,
				     const void *state)
{
	return folio_entries(ctx, f, state);
}

static bool oracle_folio_mapped(const struct mc_model_ctx *ctx, const struct mc_folio *f,
				const void *state)
{
	return folio_entries(ctx, f, state) > 0;
}

static int64_t oracle_page_mapcount(const struct mc_model_ctx *ctx, const struct mc_folio *f,
				    const void *state, uint32_t page)
{
	return page < mc_folio_nr_pages(f) ? page_count(ctx, f, state, page) : 0;
}

static bool oracle_maybe_shared(const struct mc_model_ctx *ctx, const struct mc_folio *f,
				const void *state)
{
	return folio_mm_count(f, state) >= 2;
}

/* Reuse is safe exactly when the faulting mm is the only one mapping the folio. */
static bool oracle_cow_reuse(const struct mc_model_ctx *ctx, const struct mc_folio *f,
			     const void *state, uint32_t page, enum mc_level level,
			     const struct mc_query_ctx *q)
{
	return f->kind == MC_KIND_ANON && !f->ksm && folio_mm_count(f, state) == 1 &&
	       folio_mm_entries(ctx, f, state, q->mm) > 0;
}

static bool oracle_partially_mapped(const struct mc_model_ctx *ctx, const struct mc_folio *f,
				    const void *state)
{
	return f->kind == MC_KIND_ANON && f->order && folio_entries(ctx, f, state) > 0 &&
	       mapped_pages(f, state) < mc_folio_nr_pages(f);
}

/* PageAnonExclusive as an exact kernel would keep it: the page is mapped by
 * one mm only (an anon page is mapped at most once per mm, so either the
 * folio has one mapper or the page has one entry). KSM pages never are. */
static bool oracle_anon_exclusive(const struct mc_model_ctx *ctx, const struct mc_folio *f,
				  const void *state, uint32_t page)
{
	int64_t n;

	if (f->kind != MC_KIND_ANON || f->ksm || page >= mc_folio_nr_pages(f))
		return false;
	n = page_count(ctx, f, state, page);
	return n == 1 || (n > 1 && folio_mm_count(f, state) == 1);
}

static bool oracle_pagemap_exclusive(const struct mc_model_ctx *ctx, const struct mc_folio *f,
				     const void *state, uint32_t page, enum mc_level level)
{
	return page < mc_folio_nr_pages(f) && page_count(ctx, f, state, page) == 1;
}

/* fs/proc/task_mmu.c:smaps_pmd_entry + smaps_account@v6.12 (PAGE_MAPCOUNT,
 * unchanged in v6.18): refcount 1 is the single-mapping fast path; otherwise
 * each page is charged 1/mapcount and is Private iff its mapcount is < 2. */
static void oracle_smaps_account(const struct mc_model_ctx *ctx, const struct mc_folio *f,
				 const void *state, uint32_t first, uint32_t nr,
				 enum mc_level level, const struct mc_query_ctx *q,
				 struct mc_smaps *acc)
{
	uint64_t size = (uint64_t)nr * MC_PAGE_SIZE;

	mc_smaps_add_entry(acc, f, size, level);
	if (q->refcount == 1) {
		mc_smaps_add_pss(acc, f->kind, size << MC_PSS_SHIFT);
		acc->private_ += size;
		return;
	}
	for (uint32_t p = first; p < first + nr && p < mc_folio_nr_pages(f); p++) {
		int64_t mc = page_count(ctx, f, state, p);

		mc_smaps_add_pss(acc, f->kind, mc_pss_share(MC_PAGE_SIZE, mc > 0 ? mc : 0));
		if (mc < 2)
			acc->private_ += MC_PAGE_SIZE;
		else
			acc->shared += MC_PAGE_SIZE;
	}
}

/* ---- truth for the replayer (oracle.h) ---- */

uint32_t mc_oracle_mm_count(const struct mc_folio *f, const void *state)
{
	return folio_mm_count(f, state);
}

int64_t mc_oracle_mm_entries(const struct mc_model_ctx *ctx, const struct mc_folio *f,
			     const void *state, uint32_t mm)
{
	return folio_mm_entries(ctx, f, state, mm);
}

uint64_t mc_oracle_mapped_pages(const struct mc_folio *f, const void *state)
{
	return mapped_pages(f, state);
}

int64_t mc_oracle_huge_entries(const struct mc_folio *f, const void *state)
{
	return huge_entries(f, state);
}

const struct mc_model mc_model_oracle = {
	.abi_version = MC_MODEL_ABI_VERSION,
	.name = "oracle",
	.description = "exact truth: per-page, per-mm mapping counts",
	.extension_rules =
		"Exact at every level and order: a PTE batch adds nr entries, a PMD one entry "
		"covering a 512-page aligned region, a PUD one entry covering an order-18 folio. "
		"AnonHugePages/ShmemPmdMapped/FilePmdMapped count the whole folio while any PMD "
		"or PUD entry maps it, whatever its order. DUP is an ADD for the child (file "
		"PMDs included, as the child's refault); REMAP replaces one PMD entry by 512 "
		"PTE entries of the same mm; FREEZE/RESTORE removals and adds count like any "
		"other. Operations that contradict the state are refused and counted as "
		"violations. No costs are counted (atomics and cache lines stay 0).",
	.ctx_init = oracle_ctx_init,
	.ctx_fini = oracle_ctx_fini,
	.state_size = oracle_state_size,
	.state_align = oracle_state_align,
	.fini0_mask = oracle_fini0_mask,
	.init = oracle_init,
	.fini = oracle_fini,
	.metadata_bytes = oracle_metadata_bytes,
	.apply = oracle_apply,
	.folio_mapcount = oracle_folio_mapcount,
	.folio_mapped = oracle_folio_mapped,
	.page_mapcount = oracle_page_mapcount,
	.maybe_shared = oracle_maybe_shared,
	.cow_reuse = oracle_cow_reuse,
	.partially_mapped = oracle_partially_mapped,
	.anon_exclusive = oracle_anon_exclusive,
	.pagemap_exclusive = oracle_pagemap_exclusive,
	.smaps_account = oracle_smaps_account,
	.ctx_metadata_bytes = oracle_ctx_metadata_bytes,
};
