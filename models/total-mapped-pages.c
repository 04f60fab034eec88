// SPDX-License-Identifier: GPL-2.0
/*
 * Model `total-mapped-pages`: the rmap accounting of David Hildenbrand's RFC
 * "mm/rmap: support arbitrary folio mappings" (2026-04-12, patches [P1]..[P13]
 * of spec section 0.1) on top of the v6.18 mm-ID slots: large mapcount LM in
 * page[1]'s _mapcount word, unbiased total mapped pages T, two mm-ID slots,
 * the maybe-shared bit, all updated under one bit spinlock. Small folios keep
 * their _mapcount. This file holds the state-changing half; queries are in
 * total-mapped-pages-query.c. Citations are `file:function [Pk]`; code the
 * series leaves alone is cited @v6.18.
 */
#include <string.h>

#include "models/total-mapped-pages.h"

#define PMD_NR MC_PMD_NR
#define MM_ID_MAPCOUNT_INIT (-1)

static unsigned int level_order(unsigned int level)
{
	/* include/linux/pgtable.h:pgtable_level_to_order [P13] */
	return level == MC_LEVEL_PUD ? MC_PUD_ORDER : level == MC_LEVEL_PMD ? MC_PMD_ORDER : 0;
}

static bool covers(uint32_t first, uint32_t count, uint32_t stride, uint32_t page)
{
	return count && page >= first && (page - first) % stride == 0 &&
	       (page - first) / stride < count;
}

/*
 * Distinct struct pages (= 64-byte lines) a call on a large folio touches:
 * page[0] (flags) and page[1] (all counters) always, the struct pages
 * first + k * stride (k < count) whose flags it reads or writes, and page[2]
 * (_deferred_list) when it queues the folio (spec section 4).
 */
static uint32_t lines_touched(uint32_t first, uint32_t count, uint32_t stride, bool page2)
{
	uint32_t n = count + 2;

	n -= covers(first, count, stride, 0);
	n -= covers(first, count, stride, 1);
	if (page2 && !covers(first, count, stride, 2))
		n++;
	return n;
}

static void mod_stat(struct mc_model_ctx *ctx, const struct mc_folio *f, int64_t nr,
		     int64_t nr_pmdmapped)
{
	/* mm/rmap.c:__folio_mod_stat@v6.18 (unchanged by the series) */
	ctx->vm[f->kind == MC_KIND_ANON ? MC_NR_ANON_MAPPED : MC_NR_FILE_MAPPED] += nr;
	if (!nr_pmdmapped)
		return;
	if (f->kind == MC_KIND_ANON)
		ctx->vm[MC_NR_ANON_THPS] += nr_pmdmapped;
	else if (f->kind == MC_KIND_SHMEM)
		ctx->vm[MC_NR_SHMEM_PMDMAPPED] += nr_pmdmapped;
	else
		ctx->vm[MC_NR_FILE_PMDMAPPED] += nr_pmdmapped;
}

static void set_pae(struct tmpages_large *s, uint32_t page, bool on)
{
	uint64_t bit = UINT64_C(1) << (page % 64);

	if (on)
		s->anon_exclusive[page / 64] |= bit;
	else
		s->anon_exclusive[page / 64] &= ~bit;
}

/* PAE on the first page of each entry of stride pages in first..first+n-1 */
static void set_pae_entries(struct tmpages_large *s, uint32_t first, uint32_t n, uint32_t stride)
{
	if (stride > 1) {
		for (uint32_t i = first; i < first + n; i += stride)
			set_pae(s, i, true);
		return;
	}
	/* PTEs: every page, a word at a time */
	while (n) {
		uint32_t bit = first % 64, k = n < 64 - bit ? n : 64 - bit;

		s->anon_exclusive[first / 64] |= mc_bit_range(bit, k);
		first += k;
		n -= k;
	}
}

static int64_t add_long(struct mc_model_ctx *ctx, int64_t *v, int64_t delta)
{
	int64_t r;

	/* atomic_long_t is 64 bit here: wraps in two's complement */
	if (__builtin_add_overflow(*v, delta, &r))
		ctx->overflows++;
	*v = r;
	return r;
}

/* ---- the counter primitives, include/linux/rmap.h [P12, P13] ---------------- */

static void set_slot_id(struct tmpages_large *s, unsigned int i, uint32_t id)
{
	/* include/linux/rmap.h:folio_set_mm_id@v6.18: touches only the ID bits */
	uint64_t mask = (uint64_t)TMPAGES_MM_ID_MASK << (32 * i);

	s->mm_ids = (s->mm_ids & ~mask) | ((uint64_t)id << (32 * i));
}

/* include/linux/rmap.h:folio_lock_large_mapcount: bit_spin_lock, one RMW */
static void lock_large_mapcount(struct mc_model_ctx *ctx, struct tmpages_large *s)
{
	if (s->mm_ids & TMPAGES_LOCK_BIT)
		ctx->violations++;
	s->mm_ids |= TMPAGES_LOCK_BIT;
	ctx->atomics++;
}

/* __bit_spin_unlock: a release store, not an RMW */
static void unlock_large_mapcount(struct tmpages_large *s)
{
	s->mm_ids &= ~TMPAGES_LOCK_BIT;
}

/* include/linux/rmap.h:folio_set_large_mapcount [P13]: plain stores, no lock */
static void cnt_init(struct tmpages_large *s, uint32_t u, uint32_t n, uint32_t mm)
{
	s->large_mapcount = (int32_t)u - 1;
	s->total_mapped_pages = n;
	s->mm_id_mapcount[0] = (int32_t)u - 1;
	set_slot_id(s, 0, mm);
}

/* include/linux/rmap.h:folio_add_return_large_mapcount [P13]; returns LM + 1 */
static int32_t cnt_add(struct mc_model_ctx *ctx, struct tmpages_large *s, uint32_t u, uint32_t n,
		       uint32_t mm, int64_t *t)
{
	int32_t lm;

	lock_large_mapcount(ctx, s);
	lm = mc_atomic_add32(ctx, &s->large_mapcount, (int32_t)u);
	*t = add_long(ctx, &s->total_mapped_pages, n);

	if (tmpages_slot_id(s, 0) == mm) {
		mc_atomic_add32(ctx, &s->mm_id_mapcount[0], (int32_t)u);
	} else if (tmpages_slot_id(s, 1) == mm) {
		mc_atomic_add32(ctx, &s->mm_id_mapcount[1], (int32_t)u);
	} else if (tmpages_slot_id(s, 0) == 0) {
		set_slot_id(s, 0, mm);
		s->mm_id_mapcount[0] = (int32_t)u - 1;
		/* mappings of other mms existed before this call */
		if (lm != (int32_t)u - 1)
			s->mm_ids |= TMPAGES_SHARED_BIT;
	} else if (tmpages_slot_id(s, 1) == 0) {
		set_slot_id(s, 1, mm);
		s->mm_id_mapcount[1] = (int32_t)u - 1;
		s->mm_ids |= TMPAGES_SHARED_BIT;
	}
	/* else: both slots owned by other mms, mm rides untracked (SH already set) */
	unlock_large_mapcount(s);
	return (int32_t)((uint32_t)lm + 1);
}

/* include/linux/rmap.h:folio_sub_return_large_mapcount [P13]; returns LM + 1 */
static int32_t cnt_sub(struct mc_model_ctx *ctx, struct tmpages_large *s, uint32_t u, uint32_t n,
		       uint32_t mm, int64_t *t)
{
	int32_t lm;
	unsigned int i;

	lock_large_mapcount(ctx, s);
	lm = mc_atomic_add32(ctx, &s->large_mapcount, -(int32_t)u);
	*t = add_long(ctx, &s->total_mapped_pages, -(int64_t)n);

	for (i = 0; i < 2; i++) {
		if (tmpages_slot_id(s, i) != mm)
			continue;
		if (mc_atomic_add32(ctx, &s->mm_id_mapcount[i], -(int32_t)u) >= 0)
			goto out; /* mm still owns mappings: no exclusivity re-check */
		s->mm_id_mapcount[i] = MM_ID_MAPCOUNT_INIT;
		set_slot_id(s, i, 0);
		break;
	}
	/* one slot owning every mapping (or LM = -1, slots empty): exclusive */
	if (s->mm_id_mapcount[0] == lm || s->mm_id_mapcount[1] == lm)
		s->mm_ids &= ~TMPAGES_SHARED_BIT;
out:
	unlock_large_mapcount(s);
	return (int32_t)((uint32_t)lm + 1);
}

/* ---- invariants, spec 1.3 (J1..J5 as far as the state alone shows them) ----- */

static bool large_state_ok(const struct mc_folio *f, const struct tmpages_large *s)
{
	int64_t m = (int64_t)s->large_mapcount + 1, t = s->total_mapped_pages;
	int64_t cnt = 0;
	unsigned int i;

	if (m < 0 || t < 0 || (t == 0) != (m == 0) || t < m || t > m * mc_folio_nr_pages(f))
		return false; /* J3 */
	if (mc_folio_nr_pages(f) < PMD_NR ? t != m : (t - m) % (PMD_NR - 1))
		return false; /* J4: only PTEs, or 511 per PMD */
	if (s->mm_ids & TMPAGES_LOCK_BIT)
		return false;
	for (i = 0; i < 2; i++) {
		if (!tmpages_slot_id(s, i)) {
			if (s->mm_id_mapcount[i] != MM_ID_MAPCOUNT_INIT)
				return false; /* I2: empty slot holds -1 */
			continue;
		}
		if (s->mm_id_mapcount[i] < 0)
			return false; /* I2: cnt >= 1 */
		cnt += (int64_t)s->mm_id_mapcount[i] + 1;
	}
	if (cnt > m)
		return false; /* I2: slots count at most all entries */
	if (tmpages_slot_id(s, 0) && tmpages_slot_id(s, 1) && !tmpages_shared_bit(s))
		return false; /* I4 */
	if (m == 0 && s->mm_ids)
		return false; /* I5 */
	if (m > 0 && !tmpages_shared_bit(s) &&
	    !(tmpages_slot_id(s, 0) && s->mm_id_mapcount[0] == m - 1) &&
	    !(tmpages_slot_id(s, 1) && s->mm_id_mapcount[1] == m - 1))
		return false; /* I3: SH clear => one slot owns all */
	return true;
}

static void check_state(struct mc_model_ctx *ctx, const struct mc_folio *f, const void *state)
{
	const struct tmpages_small *sm = state;

	if (mc_folio_large(f) ? !large_state_ok(f, state) : sm->mapcount < -1)
		ctx->violations++;
}

/* ---- rmap operations --------------------------------------------------------- */

static void add_small(struct mc_model_ctx *ctx, const struct mc_folio *f, struct tmpages_small *sm,
		      bool excl)
{
	/* atomic_inc_and_test on _mapcount; PAE by set_bit */
	if (mc_atomic_add32_at(ctx, &sm->mapcount, 1) == 0)
		mod_stat(ctx, f, 1, 0);
	if (excl)
		sm->anon_exclusive = 1;
	ctx->atomics += 1 + excl;
	ctx->cachelines++;
}

static void remove_small(struct mc_model_ctx *ctx, const struct mc_folio *f,
			 struct tmpages_small *sm)
{
	/* atomic_add_negative(-1) on _mapcount */
	if (mc_atomic_add32_at(ctx, &sm->mapcount, -1) < 0)
		mod_stat(ctx, f, -1, 0);
	ctx->atomics++;
	ctx->cachelines++;
}

/*
 * mm/rmap.c:__folio_add_rmap [P13] then the PAE part of __folio_add_anon_rmap
 * [P13]. Counts atomics; the caller counts the lines.
 */
static void add_large(struct mc_model_ctx *ctx, const struct mc_folio *f, struct tmpages_large *s,
		      uint32_t first, uint32_t n, unsigned int level, uint32_t mm, bool excl)
{
	const uint32_t stride = 1u << level_order(level), u = n / stride;
	const uint32_t nr_pages = mc_folio_nr_pages(f);
	int64_t t, nr = 0, nr_pmdmapped = 0;
	int32_t m;

	m = cnt_add(ctx, s, u, n, mm, &t);
	if ((uint32_t)m == u)
		nr = nr_pages; /* first entry of the folio: count it whole [P1] */
	/* a 512-page folio whose only PMD is this one: T - mapcount == 511 */
	if (level == MC_LEVEL_PMD && nr_pages == PMD_NR && t - m == (int64_t)(n - u))
		nr_pmdmapped = PMD_NR;
	mod_stat(ctx, f, nr, nr_pmdmapped);
	if (excl) {
		/* SetPageAnonExclusive on the first page of every entry */
		set_pae_entries(s, first, n, stride);
		ctx->atomics += u;
	}
}

/* mm/huge_memory.c:deferred_split_folio@v6.18 with partially_mapped = true */
static bool deferred_split_partial(struct mc_model_ctx *ctx, const struct mc_folio *f,
				   struct tmpages_large *s)
{
	if (f->order <= 1)
		return false;
	s->partially_mapped = 1;
	ctx->atomics += 2; /* queue spinlock + folio_set_partially_mapped */
	if (f->order >= MC_PMD_ORDER)
		ctx->events[MC_EV_THP_DEFERRED_SPLIT_PAGE]++;
	ctx->events[MC_EV_DEFERRED_SPLIT_QUEUED]++;
	return true;
}

/*
 * mm/rmap.c:__folio_remove_rmap + __folio_certainly_partially_mapped [P13].
 * Counts atomics; returns whether the folio was queued (page[2] touched).
 */
static bool remove_large(struct mc_model_ctx *ctx, const struct mc_folio *f,
			 struct tmpages_large *s, uint32_t n, unsigned int level, uint32_t mm)
{
	const uint32_t u = n >> level_order(level);
	const uint32_t nr_pages = mc_folio_nr_pages(f);
	int64_t t, nr = 0, nr_pmdmapped = 0;
	bool queued = false;
	int32_t m;

	m = cnt_sub(ctx, s, u, n, mm, &t);
	if (m == 0)
		nr = nr_pages;
	/* no PMD entry left on a 512-page folio: T == mapcount */
	if (level == MC_LEVEL_PMD && nr_pages == PMD_NR && t - m == 0)
		nr_pmdmapped = PMD_NR;
	/* T re-read after the unlock: 0 < T < N means some page is mapped nowhere */
	if (f->kind == MC_KIND_ANON && s->total_mapped_pages &&
	    (uint64_t)s->total_mapped_pages < nr_pages && !s->partially_mapped)
		queued = deferred_split_partial(ctx, f, s);
	mod_stat(ctx, f, -nr, -nr_pmdmapped);
	return queued;
}

static void rmap_add(struct mc_model_ctx *ctx, const struct mc_folio *f, void *state,
		     uint32_t first, uint32_t n, unsigned int level, uint32_t mm, bool excl)
{
	const uint32_t stride = 1u << level_order(level);

	excl = excl && f->kind == MC_KIND_ANON;
	if (!mc_folio_large(f)) {
		add_small(ctx, f, state, excl);
		return;
	}
	add_large(ctx, f, state, first, n, level, mm, excl);
	ctx->cachelines += lines_touched(first, excl ? n / stride : 0, stride, false);
}

static void rmap_remove(struct mc_model_ctx *ctx, const struct mc_folio *f, void *state,
			uint32_t first, uint32_t n, unsigned int level, uint32_t mm)
{
	bool queued;

	if (!mc_folio_large(f)) {
		remove_small(ctx, f, state);
		return;
	}
	queued = remove_large(ctx, f, state, n, level, mm);
	ctx->cachelines += lines_touched(first, 0, 1, queued);
}

static void new_anon_small(struct mc_model_ctx *ctx, const struct mc_folio *f,
			   struct tmpages_small *sm, bool exclusive)
{
	sm->mapcount = 0; /* atomic_set: a plain store */
	sm->anon_exclusive = exclusive;
	ctx->atomics += exclusive;
	ctx->cachelines++;
	mod_stat(ctx, f, 1, 0);
}

void tmpages_new_anon(struct mc_model_ctx *ctx, const struct mc_folio *f, void *state, uint32_t mm,
		      bool exclusive)
{
	/* mm/rmap.c:folio_add_new_anon_rmap [P1, P7, P13] */
	const uint32_t nr_pages = mc_folio_nr_pages(f);
	struct tmpages_large *s = state;
	unsigned int k;

	if (!mc_folio_large(f)) {
		new_anon_small(ctx, f, state, exclusive);
		return;
	}
	/* assumed mapping granularity: PUD, else PMD, else PTEs */
	k = f->order >= MC_PUD_ORDER ? MC_PUD_ORDER : f->order >= MC_PMD_ORDER ? MC_PMD_ORDER : 0;
	if (exclusive) {
		set_pae_entries(s, 0, nr_pages, 1u << k);
		ctx->atomics += nr_pages >> k;
	}
	cnt_init(s, nr_pages >> k, nr_pages, mm);
	mod_stat(ctx, f, nr_pages, f->order == MC_PMD_ORDER ? PMD_NR : 0);
	ctx->cachelines += lines_touched(0, exclusive ? nr_pages >> k : 0, 1u << k, false);
}

static void dup_small(struct mc_model_ctx *ctx, struct tmpages_small *sm)
{
	/* PAE is only ever set on anon pages */
	uint32_t cleared = sm->anon_exclusive;

	sm->anon_exclusive = 0;
	mc_atomic_add32_at(ctx, &sm->mapcount, 1);
	ctx->atomics += 1 + cleared;
	ctx->cachelines++;
}

/*
 * include/linux/rmap.h:__folio_try_dup_anon_rmap and __folio_dup_file_rmap
 * [P13]. The source is never DMA-pinned in a replay, so no -EBUSY. A file
 * PMD/PUD is never copied by fork: the child refaults it, an ordinary ADD.
 */
static void rmap_dup(struct mc_model_ctx *ctx, const struct mc_folio *f, void *state,
		     uint32_t first, uint32_t n, unsigned int level, uint32_t child)
{
	const uint32_t stride = 1u << level_order(level), u = n / stride;
	struct tmpages_large *s = state;
	bool anon = f->kind == MC_KIND_ANON;
	uint32_t i, cleared = 0;
	int64_t t;

	if (!anon && level != MC_LEVEL_PTE) {
		rmap_add(ctx, f, state, first, n, level, child, false);
		return;
	}
	if (!mc_folio_large(f)) {
		dup_small(ctx, state);
		return;
	}
	if (anon) {
		/* ClearPageAnonExclusive only where set, on each entry's first page */
		for (i = first; i < first + n; i += stride) {
			if (tmpages_pae(s, i)) {
				set_pae(s, i, false);
				cleared++;
			}
		}
	}
	cnt_add(ctx, s, u, n, child, &t);
	ctx->atomics += cleared;
	ctx->cachelines += lines_touched(first, anon ? u : 0, stride, false);
}

/*
 * mm/huge_memory.c:__split_huge_pmd_locked@v6.18 (freeze = false). Anon: the
 * PMD's PAE decides RMAP_EXCLUSIVE, folio_ref_add(511), 512 PTEs are mapped,
 * then the PMD is removed. File/shmem: the PMD is zapped and, by the scenario
 * rule of models/model.h, the 512 pages are PTE-mapped again.
 */
static void rmap_remap(struct mc_model_ctx *ctx, const struct mc_folio *f, void *state,
		       uint32_t first, uint32_t mm)
{
	struct tmpages_large *s = state;
	bool excl, queued;

	if (f->kind != MC_KIND_ANON) {
		queued = remove_large(ctx, f, s, PMD_NR, MC_LEVEL_PMD, mm);
		add_large(ctx, f, s, first, PMD_NR, MC_LEVEL_PTE, mm, false);
		ctx->cachelines += lines_touched(first, 0, 1, queued);
		return;
	}
	excl = tmpages_pae(s, first);
	ctx->atomics++; /* folio_ref_add */
	add_large(ctx, f, s, first, PMD_NR, MC_LEVEL_PTE, mm, excl);
	queued = remove_large(ctx, f, s, PMD_NR, MC_LEVEL_PMD, mm);
	/* the PMD's first page is read for PAE; all 512 written when exclusive */
	ctx->cachelines += lines_touched(first, excl ? PMD_NR : 1, 1, queued);
}

/* ---- op validation and dispatch ---------------------------------------------- */

/*
 * The geometry rules of include/linux/rmap.h:__folio_rmap_sanity_checks and
 * __folio_large_mapcount_sanity_checks [P13], plus what a consistent op
 * stream guarantees (no removal of what is not mapped).
 */
static bool op_ok(const struct mc_folio *f, const void *state, const struct mc_op *op)
{
	const uint32_t nr_pages = mc_folio_nr_pages(f);
	const struct tmpages_large *s = state;
	const struct tmpages_small *sm = state;
	unsigned int lo;

	if (op->type >= MC_OP_NR_TYPES || op->level > MC_LEVEL_PUD)
		return false;
	lo = op->type == MC_OP_REMAP ? MC_PMD_ORDER : level_order(op->level);
	if (!op->nr || op->first >= nr_pages || op->nr > nr_pages - op->first)
		return false;
	if (op->nr % (1u << lo) || op->first % (1u << lo))
		return false;
	if (op->type == MC_OP_REMAP && op->nr != PMD_NR)
		return false;
	if (!mc_folio_large(f)) {
		if (op->type == MC_OP_REMOVE)
			return sm->mapcount >= 0;
		return op->type != MC_OP_DUP || sm->mapcount >= 0;
	}
	if (!op->mm || op->mm > TMPAGES_MM_ID_MASK)
		return false;
	switch (op->type) {
	case MC_OP_REMOVE:
		return (int64_t)s->large_mapcount + 1 >= op->nr >> lo &&
		       s->total_mapped_pages >= op->nr;
	case MC_OP_DUP:
		return s->large_mapcount >= 0;
	case MC_OP_REMAP:
		/* some PMD entry must exist: T - mapcount >= 511 */
		return s->total_mapped_pages - s->large_mapcount - 1 >= PMD_NR - 1;
	}
	return true;
}

static bool is_kernel_new_anon(const struct mc_folio *f, const struct mc_op *op)
{
	/* spec 2.9: the op maps exactly what folio_add_new_anon_rmap assumes */
	unsigned int level = f->order >= MC_PUD_ORDER	? MC_LEVEL_PUD
			     : f->order >= MC_PMD_ORDER ? MC_LEVEL_PMD
							: MC_LEVEL_PTE;

	return op->level == level && op->first == 0 && op->nr == mc_folio_nr_pages(f);
}

static bool folio_fresh(const struct mc_folio *f, const void *state)
{
	const struct tmpages_large *s = state;
	const struct tmpages_small *sm = state;

	return mc_folio_large(f) ? s->large_mapcount == -1 : sm->mapcount == -1;
}

/*
 * Order 0, the common case: what the general path below does (op_ok, then
 * tmpages_new_anon, rmap_add, rmap_remove or rmap_dup, then check_state) for
 * the one PTE a small folio can take, with the same results.
 */
static void apply_small(struct mc_model_ctx *ctx, const struct mc_folio *f,
			struct tmpages_small *sm, const struct mc_op *op)
{
	const bool anon = f->kind == MC_KIND_ANON;
	const bool excl = (op->flags & MC_OPF_EXCLUSIVE) && anon;

	if (op->type >= MC_OP_REMAP || op->level != MC_LEVEL_PTE || op->first || op->nr != 1 ||
	    ((op->type == MC_OP_REMOVE || op->type == MC_OP_DUP) && sm->mapcount < 0)) {
		ctx->violations++;
		return;
	}
	switch (op->type) {
	case MC_OP_NEW_ANON:
		if (anon && sm->mapcount == -1) {
			new_anon_small(ctx, f, sm, excl);
			return;
		}
		ctx->violations++;	/* not a fresh anon folio: an ordinary add */
		/* fall through */
	case MC_OP_ADD:
		add_small(ctx, f, sm, excl);
		break;
	case MC_OP_REMOVE:
		/* was >= 0 (checked above), so >= -1 now: check_state holds */
		remove_small(ctx, f, sm);
		return;
	case MC_OP_DUP:
		dup_small(ctx, sm);
		break;
	}
	ctx->violations += sm->mapcount < -1;	/* check_state: an increment wrapped */
}

/* Out of line so that the order-0 path of tmpages_apply needs no stack frame. */
static __attribute__((noinline)) void apply_any(struct mc_model_ctx *ctx,
						const struct mc_folio *f, void *state,
						const struct mc_op *op)
{
	bool excl = op->flags & MC_OPF_EXCLUSIVE;

	if (!op_ok(f, state, op)) {
		ctx->violations++;
		return;
	}
	switch (op->type) {
	case MC_OP_NEW_ANON:
		if (f->kind != MC_KIND_ANON || !folio_fresh(f, state))
			ctx->violations++;
		if (f->kind == MC_KIND_ANON && folio_fresh(f, state) && is_kernel_new_anon(f, op))
			tmpages_new_anon(ctx, f, state, op->mm, excl);
		else
			rmap_add(ctx, f, state, op->first, op->nr, op->level, op->mm, excl);
		break;
	case MC_OP_ADD:
		/* MC_OPF_RESTORE (remove_migration_pte) is an ordinary add */
		rmap_add(ctx, f, state, op->first, op->nr, op->level, op->mm, excl);
		break;
	case MC_OP_REMOVE:
		/* MC_OPF_FREEZE (try_to_migrate_one, freeze split) is an ordinary remove */
		rmap_remove(ctx, f, state, op->first, op->nr, op->level, op->mm);
		break;
	case MC_OP_DUP:
		rmap_dup(ctx, f, state, op->first, op->nr, op->level, op->mm);
		break;
	case MC_OP_REMAP:
		rmap_remap(ctx, f, state, op->first, op->mm);
		break;
	}
	check_state(ctx, f, state);
}

static void tmpages_apply(struct mc_model_ctx *ctx, const struct mc_folio *f, void *state,
			  const struct mc_op *op)
{
	if (mc_folio_large(f))
		apply_any(ctx, f, state, op);
	else
		apply_small(ctx, f, state, op);
}

/* ---- per-folio state ------------------------------------------------------------ */

static size_t pae_words(unsigned int order)
{
	return ((size_t)1 << order) / 64 ? ((size_t)1 << order) / 64 : 1;
}

static size_t tmpages_state_size(unsigned int order)
{
	if (!order)
		return sizeof(struct tmpages_small);
	return sizeof(struct tmpages_large) + pae_words(order) * sizeof(uint64_t);
}

/* mm/internal.h:prep_compound_head [P1, P8, P10, P13] */
static void tmpages_init(struct mc_model_ctx *ctx, const struct mc_folio *f, void *state)
{
	struct tmpages_large *s = state;

	if (!mc_folio_large(f)) {
		memset(state, 0, sizeof(struct tmpages_small));
		((struct tmpages_small *)state)->mapcount = -1;
		return;
	}
	memset(state, 0, tmpages_state_size(f->order));
	s->large_mapcount = -1;
	s->mm_id_mapcount[0] = MM_ID_MAPCOUNT_INIT;
	s->mm_id_mapcount[1] = MM_ID_MAPCOUNT_INIT;
}

/* mm/page_alloc.c:free_tail_page_prepare [P13]: the free-time checks */
static void tmpages_fini(struct mc_model_ctx *ctx, const struct mc_folio *f, void *state)
{
	const struct tmpages_large *s = state;
	const struct tmpages_small *sm = state;

	if (!mc_folio_large(f)) {
		ctx->violations += sm->mapcount != -1;
		return;
	}
	if (s->large_mapcount != -1 || s->total_mapped_pages || s->pincount ||
	    s->mm_id_mapcount[0] != -1 || s->mm_id_mapcount[1] != -1 || s->mm_ids)
		ctx->violations++;
}

/*
 * Kernel bytes of accounting state (spec 4): LM 4 + T 8 + SMC 8 + _mm_ids 8
 * in page[1] of a large folio. The spec counts only large folios; the 4 B
 * mm_id per live mm is the replayer's to add.
 */
static size_t tmpages_metadata_bytes(unsigned int order)
{
	return order ? 4 + 8 + 8 + 8 : 0;
}

_Static_assert(offsetof(struct tmpages_large, total_mapped_pages) == 24 - 16, "T offset");
_Static_assert(offsetof(struct tmpages_large, mm_id_mapcount) == 32 - 16, "SMC offset");
_Static_assert(offsetof(struct tmpages_large, mm_ids) == 40 - 16, "_mm_ids offset");
_Static_assert(offsetof(struct tmpages_large, large_mapcount) == 48 - 16, "LM offset");

const struct mc_model mc_model_total_mapped_pages = {
	.abi_version = MC_MODEL_ABI_VERSION,
	.name = "total-mapped-pages",
	.description = "total-mapped-pages counter + mm-ID slots (2026 RFC \"support arbitrary "
		       "folio mappings\", P13)",
	.extension_rules =
		"Follows the RFC's rmap layer for every geometry: PMD entries of any folio of "
		"order >= 9 (aligned 512-page blocks), a PUD for order 18. A NEW_ANON op that "
		"maps exactly what folio_add_new_anon_rmap assumes (all PTEs below order 9, the "
		"PMD of order 9, the PUD of order 18) is that call; any other first map of an "
		"anon folio is an anon add with the op's RMAP_EXCLUSIVE flag. DUP of a file "
		"PMD/PUD is the child's refault (an add). REMAP of anon PMD K maps its 512 pages "
		"with PTEs (exclusive iff the PMD's first page was) and removes the PMD; of a "
		"file PMD it removes the PMD and maps the 512 pages with PTEs. FREEZE removals "
		"and RESTORE adds are ordinary removes and adds. smaps charges 512 pages per PMD "
		"entry (the RFC would charge the folio size).",
	.state_size = tmpages_state_size,
	.state_align = mc_state_align_packed0,
	.fini0_mask = mc_fini0_mask_mapcount,
	.init = tmpages_init,
	.fini = tmpages_fini,
	.metadata_bytes = tmpages_metadata_bytes,
	.apply = tmpages_apply,
	.folio_mapcount = tmpages_folio_mapcount,
	.folio_mapped = tmpages_folio_mapped,
	.page_mapcount = tmpages_page_mapcount,
	.maybe_shared = tmpages_maybe_shared,
	.cow_reuse = tmpages_cow_reuse,
	.partially_mapped = tmpages_partially_mapped,
	.anon_exclusive = tmpages_anon_exclusive,
	.pagemap_exclusive = tmpages_pagemap_exclusive,
	.smaps_account = tmpages_smaps_account,
};
