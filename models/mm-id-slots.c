// SPDX-License-Identifier: GPL-2.0
/*
 * mm-ID slots (v6.18), issue #3: _large_mapcount, _entire_mapcount and two
 * mm-owner slots with a "maybe shared" bit, all in page[1]. Two models share
 * this code: `mm-id-slots` (CONFIG_NO_PAGE_MAPCOUNT) and
 * `mm-id-slots-pagemapcount` (CONFIG_PAGE_MAPCOUNT: also per-page _mapcount
 * and _nr_pages_mapped). Spec: spec/models/mm-id-slots.md. The mm id is
 * op->mm, unique per mm_struct lifetime, used as the kernel's 31-bit mm_id.
 */
#include <stdlib.h>
#include <string.h>

#include "models/mm-id-slots.h"

static const bool config_base = false;
static const bool config_page_mapcount = true;

/*
 * Distinct struct pages one call touches: page[0] and page[1] always (every
 * large-folio call goes through page[1]'s counters), page[2] for the deferred
 * split list, and the op's own pages. Those ranges all start at the op's first
 * page, so their hull is their union.
 */
struct touched {
	bool page2;
	struct mc_page_hull pages;
};

static void touch(struct touched *t, uint32_t first, uint32_t nr)
{
	mc_hull_add(&t->pages, first, first + nr);
}

static uint64_t touched_lines(const struct touched *t)
{
	const struct mc_page_hull *h = &t->pages;

	return h->hi - h->lo + !mc_hull_has(h, 0) + !mc_hull_has(h, 1) +
	       (t->page2 && !mc_hull_has(h, 2));
}

/* One apply() call: the folio, its state, and what the call costs. */
struct call {
	struct mc_model_ctx *ctx;
	const struct mc_folio *f;
	struct mmid_state *st;
	bool pmc; /* CONFIG_PAGE_MAPCOUNT */
	uint32_t nr_pages; /* folio_large_nr_pages */
	struct touched lines;
};

static void atomics(struct call *c, uint64_t n)
{
	c->ctx->atomics += n;
}

static int32_t *page_mapcount(struct call *c, uint32_t page)
{
	return &mmid_page_mapcounts(c->st, c->f->order)[page];
}

/*
 * The variant's per-page _mapcount of pages first..first+n-1, one atomic each
 * (inc_and_test, add_negative, inc): adds delta (+1 or -1) and returns how
 * many pages became mapped (+1: now 0) or unmapped (-1: now below 0).
 * Branch-free so that it vectorizes.
 */
static uint32_t mod_page_mapcounts(struct call *c, uint32_t first, uint32_t n, int32_t delta)
{
	int32_t *pmc = page_mapcount(c, first);
	const int32_t limit = delta > 0 ? INT32_MAX : INT32_MIN;
	uint32_t crossed = 0, wrapped = 0;

	for (uint32_t i = 0; i < n; i++) {
		int32_t v = pmc[i];

		wrapped += v == limit;
		v = (int32_t)((uint32_t)v + (uint32_t)delta);
		crossed += delta > 0 ? v == 0 : v < 0;
		pmc[i] = v;
	}
	c->ctx->overflows += wrapped;
	atomics(c, n);
	touch(&c->lines, first, n);
	return crossed;
}

static uint64_t *pae_word(struct call *c, uint32_t page)
{
	return page < 64 ? &c->st->pae1 : &c->st->words[page / 64 - 1];
}

/*
 * SetPageAnonExclusive of pages first..first+n-1: an atomic set_bit in each
 * page's own flags; callers account the pages' lines.
 */
static void set_pae(struct call *c, uint32_t first, uint32_t n)
{
	uint32_t p = first, end = first + n, stop;

	if (p == 0) {
		c->st->pae_page0 = 1;
		p = 1;
	}
	for (; p < end; p = stop) {
		stop = end < (p | 63) + 1 ? end : (p | 63) + 1;
		*pae_word(c, p) |= mc_bit_range(p % 64, stop - p);
	}
	atomics(c, n);
}

/* ClearPageAnonExclusive where PageAnonExclusive is set: one clear_bit each */
static void clear_pae(struct call *c, uint32_t first, uint32_t n)
{
	uint32_t p = first, end = first + n, stop;
	uint64_t *w, bits;

	if (p == 0) {
		if (c->st->pae_page0)
			atomics(c, 1);
		c->st->pae_page0 = 0;
		p = 1;
	}
	for (; p < end; p = stop) {
		stop = end < (p | 63) + 1 ? end : (p | 63) + 1;
		w = pae_word(c, p);
		bits = *w & mc_bit_range(p % 64, stop - p);
		atomics(c, (uint64_t)__builtin_popcountll(bits));
		*w &= ~bits;
	}
}

static void set_slot_id(struct mmid_state *st, unsigned int i, uint32_t id)
{
	st->mm_ids &= ~((uint64_t)MMID_MASK << (32 * i));
	st->mm_ids |= (uint64_t)id << (32 * i);
}

static uint32_t mm_id_of(struct call *c, uint32_t mm)
{
	/* kernel/fork.c:mm_alloc_id@v6.18 hands out 1..MM_ID_MAX only */
	if (mm == 0 || mm > MMID_MASK)
		c->ctx->violations++;
	return mm & MMID_MASK;
}

/* include/linux/rmap.h:folio_lock_large_mapcount@v6.18: bit_spin_lock, one RMW */
static void slot_lock(struct call *c)
{
	if (c->st->mm_ids & MMID_LOCK_BIT)
		c->ctx->violations++;
	c->st->mm_ids |= MMID_LOCK_BIT;
	atomics(c, 1);
}

/* __bit_spin_unlock: a release store, not an RMW */
static void slot_unlock(struct call *c)
{
	c->st->mm_ids &= ~MMID_LOCK_BIT;
}

/* include/linux/rmap.h:folio_set_large_mapcount@v6.18: a new folio, no lock */
static void slot_init(struct call *c, uint32_t n, uint32_t mm)
{
	struct mmid_state *st = c->st;

	if (st->large_mapcount != -1 || mmid_slot_id(st, 0) || mmid_slot_id(st, 1))
		c->ctx->violations++;
	st->large_mapcount = (int32_t)n - 1;
	st->mm_id_mapcount[0] = (int32_t)n - 1;
	set_slot_id(st, 0, mm_id_of(c, mm));
}

/*
 * include/linux/rmap.h:folio_add_return_large_mapcount@v6.18. LM is an
 * atomic_read + atomic_set under the lock; returns the new total mapcount.
 */
static int32_t slot_add(struct call *c, uint32_t n, uint32_t mm)
{
	struct mmid_state *st = c->st;
	uint32_t id = mm_id_of(c, mm);
	int32_t lm;

	slot_lock(c);
	lm = mc_atomic_add32(c->ctx, &st->large_mapcount, (int32_t)n);
	if (mmid_slot_id(st, 0) == id) {
		mc_atomic_add32(c->ctx, &st->mm_id_mapcount[0], (int32_t)n);
	} else if (mmid_slot_id(st, 1) == id) {
		mc_atomic_add32(c->ctx, &st->mm_id_mapcount[1], (int32_t)n);
	} else if (mmid_slot_id(st, 0) == 0) {
		set_slot_id(st, 0, id);
		st->mm_id_mapcount[0] = (int32_t)n - 1;
		/* other mms may map it already */
		if (lm != (int32_t)n - 1)
			st->mm_ids |= MMID_SHARED_BIT;
	} else if (mmid_slot_id(st, 1) == 0) {
		set_slot_id(st, 1, id);
		st->mm_id_mapcount[1] = (int32_t)n - 1;
		st->mm_ids |= MMID_SHARED_BIT;
	}
	slot_unlock(c);
	return (int32_t)((uint32_t)lm + 1);
}

/* include/linux/rmap.h:folio_sub_return_large_mapcount@v6.18 */
static int32_t slot_sub(struct call *c, uint32_t n, uint32_t mm)
{
	struct mmid_state *st = c->st;
	uint32_t id = mm_id_of(c, mm);
	int32_t lm;

	slot_lock(c);
	lm = mc_atomic_add32(c->ctx, &st->large_mapcount, -(int32_t)n);
	for (unsigned int i = 0; i < 2; i++) {
		if (mmid_slot_id(st, i) != id)
			continue;
		if (mc_atomic_add32(c->ctx, &st->mm_id_mapcount[i], -(int32_t)n) >= 0)
			goto out;
		/* dropped to zero (or below): release the slot */
		st->mm_id_mapcount[i] = -1;
		set_slot_id(st, i, 0);
		break;
	}
	/* mm had no slot or just lost it: one slot may now own every mapping */
	if (st->mm_id_mapcount[0] == lm || st->mm_id_mapcount[1] == lm)
		st->mm_ids &= ~MMID_SHARED_BIT;
out:
	slot_unlock(c);
	return (int32_t)((uint32_t)lm + 1);
}

/* mm/rmap.c:__folio_mod_stat@v6.18 */
static void mod_stat(struct call *c, int64_t nr, int64_t nr_pmdmapped)
{
	int64_t *vm = c->ctx->vm;

	vm[c->f->kind == MC_KIND_ANON ? MC_NR_ANON_MAPPED : MC_NR_FILE_MAPPED] += nr;
	if (!nr_pmdmapped)
		return;
	if (c->f->kind == MC_KIND_ANON)
		vm[MC_NR_ANON_THPS] += nr_pmdmapped;
	else if (c->f->kind == MC_KIND_SHMEM)
		vm[MC_NR_SHMEM_PMDMAPPED] += nr_pmdmapped;
	else
		vm[MC_NR_FILE_PMDMAPPED] += nr_pmdmapped;
}

/* mm/rmap.c:__folio_add_rmap@v6.18, PTE level of a large folio; returns nr for stats */
static int32_t add_ptes(struct call *c, uint32_t first, uint32_t n, uint32_t mm)
{
	int32_t first_mapped = 0, nr = 0;

	if (!c->pmc) {
		/* whole folio counted as mapped from its first mapping on */
		return slot_add(c, n, mm) == (int32_t)n ? (int32_t)c->nr_pages : 0;
	}
	/* variant: per page first, LM last */
	first_mapped = (int32_t)mod_page_mapcounts(c, first, n, 1);
	if (first_mapped) {
		atomics(c, 1);
		if (mc_atomic_add32(c->ctx, &c->st->nr_pages_mapped, first_mapped) <
		    MMID_ENTIRELY_MAPPED)
			nr = first_mapped;
	}
	slot_add(c, n, mm);
	return nr;
}

/*
 * Extension rule: NR_*_PMDMAPPED moves only for PMD-sized folios. v6.18 keys
 * it on the level of the entry that makes EM cross -1 (mm/rmap.c:
 * __folio_add_rmap@v6.18), which is the same thing for every folio v6.18 can
 * map; folios mapped by PUDs and PMDs at once (the RFC's territory) would
 * otherwise leave the counter unbalanced.
 */
static bool pmdmapped_stat(const struct call *c)
{
	return c->f->order == MC_PMD_ORDER;
}

/* mm/rmap.c:__folio_add_rmap@v6.18, PMD and PUD level */
static int32_t add_entire(struct call *c, enum mc_level level, uint32_t mm, int32_t *pmdmapped)
{
	bool first = mc_atomic_add32(c->ctx, &c->st->entire_mapcount, 1) == 0;
	int32_t nr = 0, v;

	atomics(c, 1);
	if (!c->pmc) {
		if (level == MC_LEVEL_PMD && first && pmdmapped_stat(c))
			*pmdmapped = (int32_t)c->nr_pages;
		return slot_add(c, 1, mm) == 1 ? (int32_t)c->nr_pages : 0;
	}
	if (first) {
		atomics(c, 1);
		v = mc_atomic_add32(c->ctx, &c->st->nr_pages_mapped, MMID_ENTIRELY_MAPPED);
		if (v < 2 * MMID_ENTIRELY_MAPPED) {
			if (level == MC_LEVEL_PMD && pmdmapped_stat(c))
				*pmdmapped = (int32_t)c->nr_pages;
			nr = (int32_t)c->nr_pages - (v & MMID_PAGES_MAPPED);
			if (nr < 0)
				nr = 0;
		}
	}
	slot_add(c, 1, mm);
	return nr;
}

/* mm/huge_memory.c:deferred_split_folio(folio, true)@v6.18 */
static void deferred_split(struct call *c)
{
	/* order-1 folios have no _deferred_list */
	if (c->f->order <= 1)
		return;
	c->st->partially_mapped = 1;
	atomics(c, 1);
	c->lines.page2 = true;
	if (c->f->order >= MC_PMD_ORDER)
		c->ctx->events[MC_EV_THP_DEFERRED_SPLIT_PAGE]++;
	c->ctx->events[MC_EV_DEFERRED_SPLIT_QUEUED]++;
}

/* mm/rmap.c:__folio_add_rmap + __folio_add_{anon,file}_rmap@v6.18 */
static void add_rmap(struct call *c, enum mc_level level, uint32_t first, uint32_t n, uint32_t mm,
		     bool exclusive)
{
	int32_t nr, pmdmapped = 0;

	if (level == MC_LEVEL_PTE)
		nr = add_ptes(c, first, n, mm);
	else
		nr = add_entire(c, level, mm, &pmdmapped);
	mod_stat(c, nr, pmdmapped);
	if (c->f->kind != MC_KIND_ANON || !exclusive)
		return;
	/* RMAP_EXCLUSIVE: every page of a PTE batch, the first page of a PMD/PUD */
	if (level != MC_LEVEL_PTE)
		n = 1;
	touch(&c->lines, first, n);
	set_pae(c, first, n);
}

/* mm/rmap.c:__folio_remove_rmap@v6.18 */
static void remove_rmap(struct call *c, enum mc_level level, uint32_t first, uint32_t n,
			uint32_t mm)
{
	struct mmid_state *st = c->st;
	int32_t nr = 0, pmdmapped = 0, pmd_pages = 0, t, last = 0, v;
	bool partially_mapped = false, last_entire;

	if (level == MC_LEVEL_PTE && !c->pmc) {
		t = slot_sub(c, n, mm);
		if (t == 0)
			nr = (int32_t)c->nr_pages;
		else
			partially_mapped = t < (int32_t)c->nr_pages && st->entire_mapcount + 1 == 0;
	} else if (level == MC_LEVEL_PTE) {
		/* variant: LM first, then per page */
		slot_sub(c, n, mm);
		last = (int32_t)mod_page_mapcounts(c, first, n, -1);
		if (last) {
			atomics(c, 1);
			if (mc_atomic_add32(c->ctx, &st->nr_pages_mapped, -last) <
			    MMID_ENTIRELY_MAPPED)
				nr = last;
		}
		partially_mapped = nr && st->nr_pages_mapped;
	} else if (!c->pmc) {
		last_entire = mc_atomic_add32(c->ctx, &st->entire_mapcount, -1) < 0;
		atomics(c, 1);
		if (level == MC_LEVEL_PMD && last_entire && pmdmapped_stat(c))
			pmdmapped = (int32_t)c->nr_pages;
		t = slot_sub(c, 1, mm);
		if (t == 0)
			nr = (int32_t)c->nr_pages;
		else
			partially_mapped = last_entire && t < (int32_t)c->nr_pages;
	} else {
		/* variant: LM before EM */
		slot_sub(c, 1, mm);
		last_entire = mc_atomic_add32(c->ctx, &st->entire_mapcount, -1) < 0;
		atomics(c, 1);
		if (last_entire) {
			atomics(c, 1);
			v = mc_atomic_add32(c->ctx, &st->nr_pages_mapped, -MMID_ENTIRELY_MAPPED);
			if (v < MMID_ENTIRELY_MAPPED) {
				if (level == MC_LEVEL_PMD)
					pmd_pages = (int32_t)c->nr_pages;
				nr = (int32_t)c->nr_pages - v;
				if (nr < 0)
					nr = 0;
			}
		}
		partially_mapped = nr && nr < pmd_pages;
		if (pmdmapped_stat(c))
			pmdmapped = pmd_pages;
	}
	if (partially_mapped && c->f->kind == MC_KIND_ANON && !st->partially_mapped)
		deferred_split(c);
	mod_stat(c, -nr, -pmdmapped);
}

/* mm/rmap.c:folio_add_new_anon_rmap@v6.18 */
static void new_anon_rmap(struct call *c, uint32_t mm, bool exclusive)
{
	struct mmid_state *st = c->st;
	uint32_t n = c->nr_pages;

	if (c->f->order < MC_PMD_ORDER) {
		if (c->pmc || exclusive)
			touch(&c->lines, 0, n);
		if (c->pmc)
			memset(page_mapcount(c, 0), 0, (size_t)4 * n);
		if (exclusive)
			set_pae(c, 0, n);
		slot_init(c, n, mm);
		if (c->pmc)
			st->nr_pages_mapped = (int32_t)n;
		mod_stat(c, n, 0);
		return;
	}
	st->entire_mapcount = 0;
	slot_init(c, 1, mm);
	if (exclusive)
		set_pae(c, 0, 1);
	if (c->pmc)
		st->nr_pages_mapped = MMID_ENTIRELY_MAPPED;
	mod_stat(c, n, n);
}

/*
 * Scenario rule: the first map is the kernel's new-anon rmap when it maps what
 * folio_add_new_anon_rmap assumes (the single page, every PTE of an mTHP, the
 * one PMD of an order-9 folio); any other first map is an RMAP_EXCLUSIVE-style
 * add on the fresh folio.
 */
static bool new_anon_fits(const struct mc_folio *f, const struct mc_op *op)
{
	if (f->kind != MC_KIND_ANON)
		return false;
	if (f->order < MC_PMD_ORDER)
		return op->level == MC_LEVEL_PTE && op->first == 0 &&
		       op->nr == mc_folio_nr_pages(f);
	return f->order == MC_PMD_ORDER && op->level == MC_LEVEL_PMD;
}

/*
 * include/linux/rmap.h:__folio_try_dup_anon_rmap, __folio_dup_file_rmap@v6.18.
 * Never touches the stats: the folio is mapped already. The pinned-folio
 * -EBUSY path is the caller's (it copies instead), so it is not modelled.
 */
static void dup_rmap(struct call *c, const struct mc_op *op)
{
	struct mmid_state *st = c->st;
	bool anon = c->f->kind == MC_KIND_ANON;

	if (op->level != MC_LEVEL_PTE && !anon) {
		/* copy_huge_pmd skips file PMDs: the child refaults, an ordinary add */
		add_rmap(c, op->level, op->first, op->nr, op->mm, false);
		return;
	}
	if (op->level != MC_LEVEL_PTE) {
		touch(&c->lines, op->first, 1);
		clear_pae(c, op->first, 1);
		mc_atomic_add32(c->ctx, &st->entire_mapcount, 1);
		atomics(c, 1);
		if (slot_add(c, 1, op->mm) == 1)
			c->ctx->violations++;
		return;
	}
	if (anon) {
		/* PageAnonExclusive is read for every page; cleared where set */
		touch(&c->lines, op->first, op->nr);
		clear_pae(c, op->first, op->nr);
	}
	if (c->pmc)
		mod_page_mapcounts(c, op->first, op->nr, 1);
	if (slot_add(c, op->nr, op->mm) == (int32_t)op->nr)
		c->ctx->violations++;
}

/*
 * mm/huge_memory.c:__split_huge_pmd_locked(freeze=false)@v6.18. Anon: the
 * refcount grows by 511, 512 PTEs are added (RMAP_EXCLUSIVE iff the PMD's
 * page was exclusive), then the PMD rmap goes. File/shmem: the PMD is zapped;
 * the scenario rule then PTE-maps the 512 pages again in one batch.
 */
static void remap(struct call *c, const struct mc_op *op)
{
	bool exclusive;

	if (c->f->kind != MC_KIND_ANON) {
		remove_rmap(c, MC_LEVEL_PMD, op->first, MC_PMD_NR, op->mm);
		add_rmap(c, MC_LEVEL_PTE, op->first, MC_PMD_NR, op->mm, false);
		return;
	}
	exclusive = mmid_pae(c->st, op->first);
	atomics(c, 1); /* folio_ref_add */
	add_rmap(c, MC_LEVEL_PTE, op->first, MC_PMD_NR, op->mm, exclusive);
	remove_rmap(c, MC_LEVEL_PMD, op->first, MC_PMD_NR, op->mm);
}

/*
 * Removal for split/migration: mm/rmap.c:try_to_migrate_one and
 * mm/huge_memory.c:__split_huge_pmd_locked(freeze=true)@v6.18 move an anon
 * page's exclusive bit into the migration entry (folio_try_share_anon_rmap_*
 * clears it) before the rmap removal.
 */
static void freeze_rmap(struct call *c, const struct mc_op *op)
{
	uint32_t last = op->level == MC_LEVEL_PTE ? op->first + op->nr : op->first + 1;

	if (c->f->kind == MC_KIND_ANON) {
		touch(&c->lines, op->first, last - op->first);
		clear_pae(c, op->first, last - op->first);
	}
	remove_rmap(c, op->level, op->first, op->nr, op->mm);
}

/* What can be checked on a large folio without exact per-mm counts: spec section 1.4. */
static void check_invariants(struct call *c)
{
	const struct mmid_state *st = c->st;
	int32_t lm = st->large_mapcount;
	bool bad = false;

	bad |= lm < -1 || st->entire_mapcount < -1 || st->entire_mapcount > lm;
	bad |= (st->mm_ids & MMID_LOCK_BIT) != 0;
	for (unsigned int i = 0; i < 2; i++) {
		/* I2 as far as it goes: 1 <= cnt(i) <= LM+1; empty slot has SMC -1 */
		if (mmid_slot_id(st, i))
			bad |= st->mm_id_mapcount[i] < 0 || st->mm_id_mapcount[i] > lm;
		else
			bad |= st->mm_id_mapcount[i] != -1;
	}
	if (mmid_slot_id(st, 0) && mmid_slot_id(st, 1)) {
		bad |= mmid_slot_id(st, 0) == mmid_slot_id(st, 1);
		/* I4 */
		bad |= !mmid_shared_bit(st);
		bad |= (int64_t)st->mm_id_mapcount[0] + st->mm_id_mapcount[1] + 2 > (int64_t)lm + 1;
	}
	/* I3: SH clear on a mapped folio means one slot owns every mapping */
	if (!mmid_shared_bit(st) && lm >= 0)
		bad |= st->mm_id_mapcount[0] != lm && st->mm_id_mapcount[1] != lm;
	/* I5 */
	if (lm == -1)
		bad |= mmid_slot_id(st, 0) || mmid_slot_id(st, 1) || mmid_shared_bit(st);
	if (c->pmc) {
		bad |= (st->nr_pages_mapped >= MMID_ENTIRELY_MAPPED) != (st->entire_mapcount >= 0);
		bad |= st->nr_pages_mapped < 0 ||
		       (uint32_t)(st->nr_pages_mapped & MMID_PAGES_MAPPED) > c->nr_pages;
	}
	if (bad)
		c->ctx->violations++;
}

/* An op the folio cannot take is counted as a violation and not applied. */
static bool op_fits(const struct mc_folio *f, const struct mc_op *op)
{
	uint32_t n = mc_folio_nr_pages(f);

	if (op->type == MC_OP_REMAP || op->level == MC_LEVEL_PMD)
		return f->order >= MC_PMD_ORDER && op->first % MC_PMD_NR == 0 &&
		       op->first + MC_PMD_NR <= n;
	if (op->level == MC_LEVEL_PUD)
		return f->order == MC_PUD_ORDER && op->first == 0;
	return op->level == MC_LEVEL_PTE && op->nr && op->first < n && op->nr <= n - op->first;
}

/*
 * A small folio (spec 1.3): page[0]._mapcount, its PG_anon_exclusive and the
 * one struct page every call touches; both configurations alike. The same
 * rules as apply_large's ops (op_fits for order 0: one PTE at page 0), with
 * the small-folio branches of the kernel functions it names.
 */
static void apply_small(struct mc_model_ctx *ctx, const struct mc_folio *f, struct mmid_small *st,
			const struct mc_op *op)
{
	bool anon = f->kind == MC_KIND_ANON, exclusive = op->flags & MC_OPF_EXCLUSIVE;
	int64_t *mapped = &ctx->vm[anon ? MC_NR_ANON_MAPPED : MC_NR_FILE_MAPPED];

	if (op->level != MC_LEVEL_PTE || op->first != 0 || op->nr != 1) {
		ctx->violations++;
		return;
	}
	switch (op->type) {
	case MC_OP_NEW_ANON:
		if (anon) {
			/* mm/rmap.c:folio_add_new_anon_rmap@v6.18: a plain set, no RMW */
			if (st->mapcount != -1)
				ctx->violations++;
			st->mapcount = 0;
			*mapped += 1;
			goto set_exclusive;
		}
		/* any other first map is an add (new_anon_fits) */
		/* fallthrough */
	case MC_OP_ADD:
		/* mm/rmap.c:__folio_add_rmap@v6.18: atomic_inc_and_test */
		ctx->atomics++;
		*mapped += mc_atomic_add32_at(ctx, &st->mapcount, 1) == 0;
set_exclusive:
		/* mm/rmap.c:__folio_add_anon_rmap@v6.18: RMAP_EXCLUSIVE sets the bit */
		if (anon && exclusive) {
			st->pae = 1;
			ctx->atomics++;
		}
		break;
	case MC_OP_REMOVE:
		/* FREEZE: folio_try_share_anon_rmap_pte clears the bit first */
		if ((op->flags & MC_OPF_FREEZE) && anon && st->pae) {
			st->pae = 0;
			ctx->atomics++;
		}
		/* mm/rmap.c:__folio_remove_rmap@v6.18: atomic_add_negative(-1) */
		ctx->atomics++;
		*mapped -= mc_atomic_add32_at(ctx, &st->mapcount, -1) < 0;
		break;
	case MC_OP_DUP:
		/* include/linux/rmap.h:__folio_try_dup_anon_rmap@v6.18 */
		if (anon && st->pae) {
			st->pae = 0;
			ctx->atomics++;
		}
		ctx->atomics++;
		if (mc_atomic_add32_at(ctx, &st->mapcount, 1) == 0)
			ctx->violations++;
		break;
	default: /* REMAP needs a PMD-sized folio */
		ctx->violations++;
		return;
	}
	ctx->cachelines++;
	if (st->mapcount < -1)
		ctx->violations++;
}

/* A large folio: out of line, so that the small path needs no stack frame. */
static __attribute__((noinline)) void apply_large(struct mc_model_ctx *ctx,
						  const struct mc_folio *f, void *state,
						  const struct mc_op *op)
{
	struct call c;
	bool exclusive = op->flags & MC_OPF_EXCLUSIVE;

	if (!op_fits(f, op)) {
		ctx->violations++;
		return;
	}
	c.ctx = ctx;
	c.f = f;
	c.st = state;
	c.pmc = mmid_has_page_mapcount(ctx);
	c.nr_pages = mc_folio_nr_pages(f);
	c.lines.page2 = false;
	c.lines.pages.lo = c.lines.pages.hi = 0;
	switch (op->type) {
	case MC_OP_NEW_ANON:
		if (new_anon_fits(f, op))
			new_anon_rmap(&c, op->mm, exclusive);
		else
			add_rmap(&c, op->level, op->first, op->nr, op->mm, exclusive);
		break;
	case MC_OP_ADD:
		add_rmap(&c, op->level, op->first, op->nr, op->mm, exclusive);
		break;
	case MC_OP_REMOVE:
		if (op->flags & MC_OPF_FREEZE)
			freeze_rmap(&c, op);
		else
			remove_rmap(&c, op->level, op->first, op->nr, op->mm);
		break;
	case MC_OP_DUP:
		dup_rmap(&c, op);
		break;
	case MC_OP_REMAP:
		remap(&c, op);
		break;
	default:
		ctx->violations++;
		return;
	}
	ctx->cachelines += touched_lines(&c.lines);
	check_invariants(&c);
}

static void mmid_apply(struct mc_model_ctx *ctx, const struct mc_folio *f, void *state,
		       const struct mc_op *op)
{
	if (mc_folio_large(f))
		apply_large(ctx, f, state, op);
	else
		apply_small(ctx, f, state, op);
}

static size_t mmid_state_size(unsigned int order)
{
	if (!order)
		return sizeof(struct mmid_small);
	return sizeof(struct mmid_state) + (mmid_pae_words(order) - 1) * sizeof(uint64_t);
}

/* a small folio's _mapcount is its page's: no per-page array */
static size_t mmid_pmc_state_size(unsigned int order)
{
	return order ? mmid_state_size(order) + ((size_t)4 << order) : sizeof(struct mmid_small);
}

/* mm/internal.h:prep_compound_head@v6.18 (and _mapcount -1 for every page) */
static __attribute__((noinline)) void init_large(struct mc_model_ctx *ctx,
						 const struct mc_folio *f, struct mmid_state *st)
{
	memset(st, 0, mmid_state_size(f->order));
	st->mapcount = -1;
	st->large_mapcount = -1;
	st->entire_mapcount = -1;
	st->mm_id_mapcount[0] = -1;
	st->mm_id_mapcount[1] = -1;
	if (mmid_has_page_mapcount(ctx))
		memset(mmid_page_mapcounts(st, f->order), 0xff, (size_t)4 << f->order);
}

/* a small folio: _mapcount -1, flag clear (init_large's head part, no frame) */
static void mmid_init(struct mc_model_ctx *ctx, const struct mc_folio *f, void *state)
{
	struct mmid_small *small = state;

	if (f->order) {
		init_large(ctx, f, state);
		return;
	}
	small->mapcount = -1;
	small->pae = 0;
}

/* mm/page_alloc.c:free_tail_page_prepare@v6.18 checks, plus our own fields */
static __attribute__((noinline)) void fini_large(struct mc_model_ctx *ctx,
						 const struct mc_folio *f,
						 const struct mmid_state *st)
{
	bool bad = st->mapcount != -1 || st->large_mapcount != -1 ||
		   st->entire_mapcount != -1 || st->mm_id_mapcount[0] != -1 ||
		   st->mm_id_mapcount[1] != -1 || st->mm_ids || st->nr_pages_mapped;

	if (!bad && mmid_has_page_mapcount(ctx))
		bad = !mc_all_minus_one(mmid_page_mapcounts_const(st, f->order),
					mc_folio_nr_pages(f));
	if (bad)
		ctx->violations++;
}

/* a small folio: only _mapcount to check */
static void mmid_fini(struct mc_model_ctx *ctx, const struct mc_folio *f, void *state)
{
	const struct mmid_small *small = state;

	if (f->order)
		fini_large(ctx, f, state);
	else if (small->mapcount != -1)
		ctx->violations++;
}

/* LM 4 + EM 4 + SMC 8 + _mm_ids 8 in page[1]; a small folio has _mapcount only */
static size_t mmid_metadata_bytes(unsigned int order)
{
	return order ? 24 : 4;
}

/* plus _nr_pages_mapped and every page's _mapcount */
static size_t mmid_pmc_metadata_bytes(unsigned int order)
{
	return order ? 24 + 4 + ((size_t)4 << order) : 4;
}

static int mmid_ctx_init(struct mc_model_ctx *ctx)
{
	ctx->priv = (void *)&config_base;
	return 0;
}

static int mmid_pmc_ctx_init(struct mc_model_ctx *ctx)
{
	ctx->priv = (void *)&config_page_mapcount;
	return 0;
}

static void mmid_ctx_fini(struct mc_model_ctx *ctx)
{
	ctx->priv = NULL;
}

#define MMID_EXTENSION_RULES                                                                      \
	"mm ids are the trace's mm ids (unique per mm_struct lifetime, a new one on exec), "      \
	"used as the 31-bit mm_id. A first map of an anon folio is folio_add_new_anon_rmap when " \
	"it maps what that function assumes (the page, every PTE of an mTHP, the PMD of an "      \
	"order-9 folio), otherwise an add with the op's RMAP_EXCLUSIVE. Folios above order 9 "    \
	"and anon PUDs run the v6.18 PMD/PUD code as written (its VM_WARNs aside): every PMD or " \
	"PUD entry counts in the entire mapcount and as one mapping in the large mapcount and "   \
	"slots, the *PmdMapped counters move only for PMD-sized (order-9) folios, partial "        \
	"detection at PMD level needs the last entry gone; the exclusive bit of a PMD lives on "  \
	"the PMD's first page. A DUP of a file PMD/PUD is the child's refault (an add). REMAP "   \
	"of a file PMD zaps it and re-maps its 512 pages with one PTE batch. Split/migration: "   \
	"FREEZE removals clear the page's exclusive bit first; RESTORE adds are ordinary adds."

/* What both configurations share; they differ in config, state and metadata sizes. */
#define MMID_COMMON_OPS                                                                       \
	.abi_version = MC_MODEL_ABI_VERSION, .extension_rules = MMID_EXTENSION_RULES,         \
	.ctx_fini = mmid_ctx_fini, .init = mmid_init, .fini = mmid_fini, .apply = mmid_apply, \
	.folio_mapcount = mmid_folio_mapcount, .folio_mapped = mmid_folio_mapped,             \
	.page_mapcount = mmid_page_mapcount, .maybe_shared = mmid_maybe_shared,               \
	.cow_reuse = mmid_cow_reuse, .partially_mapped = mmid_partially_mapped,               \
	.anon_exclusive = mmid_anon_exclusive, .pagemap_exclusive = mmid_pagemap_exclusive,   \
	.smaps_account = mmid_smaps_account, .state_align = mc_state_align_packed0,           \
	.fini0_mask = mc_fini0_mask_mapcount

const struct mc_model mc_model_mm_id_slots = {
	MMID_COMMON_OPS,
	.name = "mm-id-slots",
	.description =
		"_large_mapcount + two mm-ID slots, CONFIG_NO_PAGE_MAPCOUNT (v6.15+, as v6.18)",
	.ctx_init = mmid_ctx_init,
	.state_size = mmid_state_size,
	.metadata_bytes = mmid_metadata_bytes,
};

const struct mc_model mc_model_mm_id_slots_pagemapcount = {
	MMID_COMMON_OPS,
	.name = "mm-id-slots-pagemapcount",
	.description =
		"mm-ID slots plus per-page _mapcount, CONFIG_PAGE_MAPCOUNT (v6.15+, as v6.18)",
	.ctx_init = mmid_pmc_ctx_init,
	.state_size = mmid_pmc_state_size,
	.metadata_bytes = mmid_pmc_metadata_bytes,
};
