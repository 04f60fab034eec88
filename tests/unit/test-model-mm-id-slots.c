// SPDX-License-Identifier: GPL-2.0
/*
 * mm-id-slots and mm-id-slots-pagemapcount: the worked examples of
 * spec/models/mm-id-slots.md section 6 (and the variant's section 7 figures),
 * every counter and every query after every step; costs (section 4);
 * overflow and invariant detection; the split/migration protocol.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "models/mm-id-slots.h"
#include "tests/tap.h"

enum { A = 1, B = 2, C = 3, D = 4, NR_MMS = 6 };

/* clang-format off */
#define OP(t, l, fl, fi, n, m, s)                                                              \
	{                                                                                      \
		.type = (t), .level = (l), .flags = (fl), .first = (fi), .nr = (n), .mm = (m), \
		.src_mm = (s)                                                                  \
	}
#define NEW_PTES(m, fi, n) OP(MC_OP_NEW_ANON, MC_LEVEL_PTE, MC_OPF_EXCLUSIVE, fi, n, m, 0)
#define NEW_PMD(m) OP(MC_OP_NEW_ANON, MC_LEVEL_PMD, MC_OPF_EXCLUSIVE, 0, 512, m, 0)
#define ADD_PTES(m, fi, n) OP(MC_OP_ADD, MC_LEVEL_PTE, 0, fi, n, m, 0)
#define ADD_PMD(m) OP(MC_OP_ADD, MC_LEVEL_PMD, 0, 0, 512, m, 0)
#define RM_PTES(m, fi, n) OP(MC_OP_REMOVE, MC_LEVEL_PTE, 0, fi, n, m, 0)
#define RM_PMD(m) OP(MC_OP_REMOVE, MC_LEVEL_PMD, 0, 0, 512, m, 0)
#define DUP_PTES(m, s, fi, n) OP(MC_OP_DUP, MC_LEVEL_PTE, 0, fi, n, m, s)
#define DUP_PMD(m, s) OP(MC_OP_DUP, MC_LEVEL_PMD, 0, 0, 512, m, s)
#define REMAP(m) OP(MC_OP_REMAP, MC_LEVEL_PMD, 0, 0, 512, m, 0)

/* clang-format on */

/* A model context, one folio, and a shadow of which mm maps what. */
struct fixture {
	const struct mc_model *model;
	struct mc_model_ctx ctx;
	struct mc_folio f;
	struct mmid_state *st;
	uint8_t pte[NR_MMS][512];
	int pmd[NR_MMS];
};

static void fx_init(struct fixture *fx, const struct mc_model *model, unsigned int order,
		    enum mc_kind kind)
{
	memset(fx, 0, sizeof(*fx));
	fx->model = model;
	fx->ctx.model = model;
	model->ctx_init(&fx->ctx);
	fx->f.order = (uint8_t)order;
	fx->f.kind = (uint8_t)kind;
	fx->f.pfn = 0x100000;
	fx->st = calloc(1, model->state_size(order));
	model->init(&fx->ctx, &fx->f, fx->st);
}

static void fx_fini(struct fixture *fx)
{
	fx->model->ctx_fini(&fx->ctx);
	free(fx->st);
}

static void fx_apply(struct fixture *fx, const struct mc_op *op)
{
	uint8_t *pte = fx->pte[op->mm];
	bool map = op->type != MC_OP_REMOVE;

	fx->model->apply(&fx->ctx, &fx->f, fx->st, op);
	if (op->type == MC_OP_REMAP) {
		fx->pmd[op->mm]--;
		memset(pte + op->first, 1, MC_PMD_NR);
	} else if (op->level != MC_LEVEL_PTE) {
		fx->pmd[op->mm] += map ? 1 : -1;
	} else {
		memset(pte + op->first, map, op->nr);
	}
}

/* smaps of one mm over the folio, walked the way the kernel walks its tables */
static struct mc_smaps fx_smaps(struct fixture *fx, uint32_t mm, uint32_t refcount)
{
	struct mc_query_ctx q = {.mm = mm, .refcount = refcount};
	struct mc_smaps acc = {0};

	for (int i = 0; i < fx->pmd[mm]; i++)
		fx->model->smaps_account(&fx->ctx, &fx->f, fx->st, 0, MC_PMD_NR, MC_LEVEL_PMD, &q,
					 &acc);
	for (uint32_t p = 0; p < mc_folio_nr_pages(&fx->f); p++)
		if (fx->pte[mm][p])
			fx->model->smaps_account(&fx->ctx, &fx->f, fx->st, p, 1, MC_LEVEL_PTE, &q,
						 &acc);
	return acc;
}

static int64_t vm_mapped(const struct mc_model_ctx *ctx)
{
	return ctx->vm[MC_NR_ANON_MAPPED] + ctx->vm[MC_NR_FILE_MAPPED];
}

static int64_t vm_pmdmapped(const struct mc_model_ctx *ctx)
{
	return ctx->vm[MC_NR_ANON_THPS] + ctx->vm[MC_NR_SHMEM_PMDMAPPED] +
	       ctx->vm[MC_NR_FILE_PMDMAPPED];
}

/* Expected smaps of one mm: page groups with their PSS divisor, and USS. */
struct mm_expect {
	uint32_t mm;
	uint32_t group[3][2]; /* {pages, divisor} */
	uint32_t private_pages;
};

/* What differs between the two configurations. */
struct cfg_expect {
	int partial;
	int64_t kpc_first, kpc_last; /* kpagecount of page 0 and of the last page */
	int64_t d_mapped, d_pmdmapped; /* AnonPages/Mapped and *PmdMapped deltas */
	int pagemap_excl; /* pagemap bit 56 of page 0 */
	struct mm_expect mms[3];
};

struct cow_expect {
	uint32_t mm, page;
	enum mc_level level;
	uint32_t refcount;
	int reuse; /* -1: not checked */
};

struct step {
	const char *name;
	struct mc_op ops[2];
	uint32_t refcount; /* 0: mapcount (+N page-cache refs for file) */
	int32_t lm, em;
	uint32_t id0;
	int32_t smc0;
	uint32_t id1;
	int32_t smc1;
	int sh;
	int64_t mc;
	int msh, pae0;
	int32_t npm; /* variant only; base keeps 0 */
	struct cfg_expect cfg[2]; /* [0] base, [1] PAGE_MAPCOUNT */
	struct cow_expect cow;
};

/* The example tables keep one spec row per entry. */
/* clang-format off */
#define NO_COW { .reuse = -1 }
#define BOTH(...) { __VA_ARGS__ }, { __VA_ARGS__ }

static void check_mm(struct fixture *fx, const char *what, const struct mm_expect *x,
		     uint32_t refcount)
{
	struct mc_smaps acc = fx_smaps(fx, x->mm, refcount);
	uint64_t pss = 0, rss = 0;

	for (int g = 0; g < 3; g++) {
		pss += x->group[g][0] * mc_pss_share(MC_PAGE_SIZE, x->group[g][1]);
		rss += (uint64_t)x->group[g][0] * MC_PAGE_SIZE;
	}
	is_int(acc.rss, rss, "%s: mm %u Rss", what, x->mm);
	is_int(acc.pss, pss, "%s: mm %u Pss", what, x->mm);
	is_int(acc.private_, (uint64_t)x->private_pages * MC_PAGE_SIZE, "%s: mm %u USS", what,
	       x->mm);
	is_int(acc.shared, rss - (uint64_t)x->private_pages * MC_PAGE_SIZE, "%s: mm %u Shared",
	       what, x->mm);
	if (fx->f.kind == MC_KIND_ANON)
		is_int(acc.anonymous, rss, "%s: mm %u Anonymous", what, x->mm);
	is_int(acc.anon_huge + acc.file_pmd + acc.shmem_pmd,
	       (uint64_t)fx->pmd[x->mm] * MC_PMD_NR * MC_PAGE_SIZE, "%s: mm %u *PmdMapped", what,
	       x->mm);
}

static void check_step(struct fixture *fx, int cfg, const char *ex, const struct step *s,
		       int64_t mapped0, int64_t pmd0)
{
	const struct mc_model *m = fx->model;
	const struct cfg_expect *x = &s->cfg[cfg];
	const struct mmid_state *st = fx->st;
	uint32_t last = mc_folio_nr_pages(&fx->f) - 1;
	uint32_t ref = s->refcount;
	char what[96];

	snprintf(what, sizeof(what), "%s %s %s", m->name, ex, s->name);
	if (!ref)
		ref = (uint32_t)(st->large_mapcount + 1) +
		      (fx->f.kind == MC_KIND_ANON ? 0 : mc_folio_nr_pages(&fx->f));
	is_int(st->large_mapcount, s->lm, "%s: LM", what);
	is_int(st->entire_mapcount, s->em, "%s: EM", what);
	is_int(mmid_slot_id(st, 0), s->id0, "%s: SID0", what);
	is_int(st->mm_id_mapcount[0], s->smc0, "%s: SMC0", what);
	is_int(mmid_slot_id(st, 1), s->id1, "%s: SID1", what);
	is_int(st->mm_id_mapcount[1], s->smc1, "%s: SMC1", what);
	is_int(mmid_shared_bit(st), s->sh, "%s: SH", what);
	is_int(st->mm_ids & MMID_LOCK_BIT, 0, "%s: lock released", what);
	is_int(st->nr_pages_mapped, cfg ? s->npm : 0, "%s: NPM", what);
	is_int(st->partially_mapped, x->partial, "%s: PARTIAL", what);
	is_int(m->partially_mapped(&fx->ctx, &fx->f, st), x->partial, "%s: partially_mapped()",
	       what);
	is_int(m->folio_mapcount(&fx->ctx, &fx->f, st), s->mc, "%s: folio_mapcount", what);
	is_int(m->folio_mapped(&fx->ctx, &fx->f, st), s->mc > 0, "%s: folio_mapped", what);
	is_int(m->maybe_shared(&fx->ctx, &fx->f, st), s->msh, "%s: maybe_mapped_shared", what);
	is_int(m->anon_exclusive(&fx->ctx, &fx->f, st, 0), s->pae0, "%s: PAE[0]", what);
	is_int(m->page_mapcount(&fx->ctx, &fx->f, st, 0), x->kpc_first, "%s: kpagecount[0]",
	       what);
	is_int(m->page_mapcount(&fx->ctx, &fx->f, st, last), x->kpc_last,
	       "%s: kpagecount[last]", what);
	is_int(vm_mapped(&fx->ctx) - mapped0, x->d_mapped, "%s: d(AnonPages|Mapped)", what);
	is_int(vm_pmdmapped(&fx->ctx) - pmd0, x->d_pmdmapped, "%s: d(*PmdMapped)", what);
	is_int(m->pagemap_exclusive(&fx->ctx, &fx->f, st, 0,
				    st->entire_mapcount >= 0 ? MC_LEVEL_PMD : MC_LEVEL_PTE),
	       x->pagemap_excl, "%s: pagemap exclusive[0]", what);
	for (int i = 0; i < 3 && x->mms[i].mm; i++)
		check_mm(fx, what, &x->mms[i], ref);
	if (s->cow.reuse >= 0) {
		struct mc_query_ctx q = { .mm = s->cow.mm, .refcount = s->cow.refcount };

		is_int(m->cow_reuse(&fx->ctx, &fx->f, st, s->cow.page, s->cow.level, &q),
		       s->cow.reuse, "%s: COW reuse by mm %u page %u", what, s->cow.mm,
		       s->cow.page);
	}
	is_int(fx->ctx.violations, 0, "%s: no invariant violation", what);
	is_int(fx->ctx.overflows, 0, "%s: no overflow", what);
}

static void run_example(const char *ex, unsigned int order, enum mc_kind kind,
			const struct step *steps, size_t nr_steps)
{
	const struct mc_model *models[2] = { &mc_model_mm_id_slots,
					     &mc_model_mm_id_slots_pagemapcount };

	for (int cfg = 0; cfg < 2; cfg++) {
		struct fixture *fx = malloc(sizeof(*fx));

		fx_init(fx, models[cfg], order, kind);
		for (size_t i = 0; i < nr_steps; i++) {
			int64_t mapped0 = vm_mapped(&fx->ctx), pmd0 = vm_pmdmapped(&fx->ctx);

			for (int o = 0; o < 2 && steps[i].ops[o].mm; o++)
				fx_apply(fx, &steps[i].ops[o]);
			check_step(fx, cfg, ex, &steps[i], mapped0, pmd0);
		}
		fx_fini(fx);
		free(fx);
	}
}

#define RUN(ex, order, kind, steps) \
	run_example(ex, order, kind, steps, sizeof(steps) / sizeof(steps[0]))
#define EM_ 0x800000

/* (a) anon PMD THP in A, fork B, B execs; A writes */
static const struct step example_a[] = {
	{ "a0 alloc", {}, 0, -1, -1, 0, -1, 0, -1, 0, 0, 0, 0, 0,
	  { { 0, 0, 0, 0, 0, 1, {} }, { 0, 0, 0, 0, 0, 0, {} } }, NO_COW },
	{ "a1 A faults THP", { NEW_PMD(A) }, 1, 0, 0, A, 0, 0, -1, 0, 1, 0, 1, EM_,
	  { BOTH(0, 1, 1, 512, 512, 1, { { A, { { 512, 1 } }, 512 } }) },
	  { A, 0, MC_LEVEL_PMD, 1, 1 } },
	{ "a2 fork B", { DUP_PMD(B, A) }, 0, 1, 1, A, 0, B, 0, 1, 2, 1, 0, EM_,
	  { BOTH(0, 2, 2, 0, 0, 0, { { A, { { 512, 2 } }, 0 }, { B, { { 512, 2 } }, 0 } }) },
	  { A, 0, MC_LEVEL_PMD, 2, 0 } },
	{ "a3 B execs", { RM_PMD(B) }, 0, 0, 0, A, 0, 0, -1, 0, 1, 0, 0, EM_,
	  { BOTH(0, 1, 1, 0, 0, 1, { { A, { { 512, 1 } }, 512 } }) }, NO_COW },
	{ "a4 A writes", {}, 0, 0, 0, A, 0, 0, -1, 0, 1, 0, 0, EM_,
	  { BOTH(0, 1, 1, 0, 0, 1, { { A, { { 512, 1 } }, 512 } }) },
	  { A, 0, MC_LEVEL_PMD, 1, 1 } },
};

/* (b) fork chain A -> B -> C on a PMD THP; B exits, then C */
static const struct step example_b[] = {
	{ "b1 A faults", { NEW_PMD(A) }, 0, 0, 0, A, 0, 0, -1, 0, 1, 0, 1, EM_,
	  { BOTH(0, 1, 1, 512, 512, 1, { { A, { { 512, 1 } }, 512 } }) }, NO_COW },
	{ "b2 A forks B", { DUP_PMD(B, A) }, 0, 1, 1, A, 0, B, 0, 1, 2, 1, 0, EM_,
	  { BOTH(0, 2, 2, 0, 0, 0, { { A, { { 512, 2 } }, 0 }, { B, { { 512, 2 } }, 0 } }) },
	  NO_COW },
	{ "b3 B forks C", { DUP_PMD(C, B) }, 0, 2, 2, A, 0, B, 0, 1, 3, 1, 0, EM_,
	  { BOTH(0, 3, 3, 0, 0, 0,
		 { { A, { { 512, 3 } }, 0 }, { B, { { 512, 3 } }, 0 }, { C, { { 512, 3 } }, 0 } }) },
	  { A, 0, MC_LEVEL_PMD, 3, 0 } },
	{ "b4 B exits", { RM_PMD(B) }, 0, 1, 1, A, 0, 0, -1, 1, 2, 1, 0, EM_,
	  { BOTH(0, 2, 2, 0, 0, 0, { { A, { { 512, 2 } }, 0 }, { C, { { 512, 2 } }, 0 } }) },
	  NO_COW },
	{ "b5 C exits", { RM_PMD(C) }, 0, 0, 0, A, 0, 0, -1, 0, 1, 0, 0, EM_,
	  { BOTH(0, 1, 1, 0, 0, 1, { { A, { { 512, 1 } }, 512 } }) },
	  { A, 0, MC_LEVEL_PMD, 1, 1 } },
};

/* (b) in the other order: C exits first, then B */
static const struct step example_b_alt[] = {
	{ "b1 A faults", { NEW_PMD(A) }, 0, 0, 0, A, 0, 0, -1, 0, 1, 0, 1, EM_,
	  { BOTH(0, 1, 1, 512, 512, 1, {}) }, NO_COW },
	{ "b2 A forks B", { DUP_PMD(B, A) }, 0, 1, 1, A, 0, B, 0, 1, 2, 1, 0, EM_,
	  { BOTH(0, 2, 2, 0, 0, 0, {}) }, NO_COW },
	{ "b3 B forks C", { DUP_PMD(C, B) }, 0, 2, 2, A, 0, B, 0, 1, 3, 1, 0, EM_,
	  { BOTH(0, 3, 3, 0, 0, 0, {}) }, NO_COW },
	{ "b4' C exits", { RM_PMD(C) }, 0, 1, 1, A, 0, B, 0, 1, 2, 1, 0, EM_,
	  { BOTH(0, 2, 2, 0, 0, 0, { { A, { { 512, 2 } }, 0 }, { B, { { 512, 2 } }, 0 } }) },
	  NO_COW },
	{ "b5' B exits", { RM_PMD(B) }, 0, 0, 0, A, 0, 0, -1, 0, 1, 0, 0, EM_,
	  { BOTH(0, 1, 1, 0, 0, 1, { { A, { { 512, 1 } }, 512 } }) },
	  { A, 0, MC_LEVEL_PMD, 1, 1 } },
};

/* (c) 16-page anon mTHP in A, A keeps pages 0..2, forks B, B exits */
static const struct step example_c[] = {
	{ "c1 A faults mTHP", { NEW_PTES(A, 0, 16) }, 0, 15, -1, A, 15, 0, -1, 0, 16, 0, 1, 16,
	  { BOTH(0, 1, 1, 16, 0, 1, { { A, { { 16, 1 } }, 16 } }) }, NO_COW },
	{ "c2 A DONTNEEDs 3..15", { RM_PTES(A, 3, 13) }, 0, 2, -1, A, 2, 0, -1, 0, 3, 0, 1, 3,
	  { { 1, 1, 1, 0, 0, 1, { { A, { { 3, 1 } }, 3 } } },
	    { 1, 1, 0, -13, 0, 1, { { A, { { 3, 1 } }, 3 } } } },
	  { A, 1, MC_LEVEL_PTE, 3, 1 } },
	{ "c3 A forks B", { DUP_PTES(B, A, 0, 3) }, 0, 5, -1, A, 2, B, 2, 1, 6, 1, 0, 3,
	  { { 1, 1, 1, 0, 0, 0, { { A, { { 3, 1 } }, 0 }, { B, { { 3, 1 } }, 0 } } },
	    { 1, 2, 0, 0, 0, 0, { { A, { { 3, 2 } }, 0 }, { B, { { 3, 2 } }, 0 } } } },
	  { A, 1, MC_LEVEL_PTE, 6, 0 } },
	{ "c4 B exits", { RM_PTES(B, 0, 3) }, 0, 2, -1, A, 2, 0, -1, 0, 3, 0, 0, 3,
	  { { 1, 1, 1, 0, 0, 1, { { A, { { 3, 1 } }, 3 } } },
	    { 1, 1, 0, 0, 0, 1, { { A, { { 3, 1 } }, 3 } } } },
	  { A, 1, MC_LEVEL_PTE, 3, 1 } },
};

/* (d) 16-page file folio: A maps 0..15, B 0..7, C 0..1; A, then C unmap */
static const struct step example_d[] = {
	{ "d0 page cache", {}, 0, -1, -1, 0, -1, 0, -1, 0, 0, 0, 0, 0,
	  { { 0, 0, 0, 0, 0, 1, {} }, { 0, 0, 0, 0, 0, 0, {} } }, NO_COW },
	{ "d1 A maps 0..15", { ADD_PTES(A, 0, 16) }, 0, 15, -1, A, 15, 0, -1, 0, 16, 0, 0, 16,
	  { BOTH(0, 1, 1, 16, 0, 1, { { A, { { 16, 1 } }, 16 } }) }, NO_COW },
	{ "d2 B maps 0..7", { ADD_PTES(B, 0, 8) }, 0, 23, -1, A, 15, B, 7, 1, 24, 1, 0, 16,
	  { { 0, 2, 2, 0, 0, 0, { { A, { { 16, 2 } }, 0 }, { B, { { 8, 2 } }, 0 } } },
	    { 0, 2, 1, 0, 0, 0,
	      { { A, { { 8, 2 }, { 8, 1 } }, 8 }, { B, { { 8, 2 } }, 0 } } } },
	  NO_COW },
	{ "d3 C maps 0..1", { ADD_PTES(C, 0, 2) }, 0, 25, -1, A, 15, B, 7, 1, 26, 1, 0, 16,
	  { { 0, 2, 2, 0, 0, 0,
	      { { A, { { 16, 2 } }, 0 }, { B, { { 8, 2 } }, 0 }, { C, { { 2, 2 } }, 0 } } },
	    { 0, 3, 1, 0, 0, 0,
	      { { A, { { 2, 3 }, { 6, 2 }, { 8, 1 } }, 8 },
		{ B, { { 2, 3 }, { 6, 2 } }, 0 },
		{ C, { { 2, 3 } }, 0 } } } },
	  NO_COW },
	{ "d4 A munmaps", { RM_PTES(A, 0, 16) }, 0, 9, -1, 0, -1, B, 7, 1, 10, 1, 0, 8,
	  { { 0, 1, 1, 0, 0, 0, { { B, { { 8, 1 } }, 0 }, { C, { { 2, 1 } }, 0 } } },
	    { 0, 2, 0, -8, 0, 0,
	      { { B, { { 2, 2 }, { 6, 1 } }, 6 }, { C, { { 2, 2 } }, 0 } } } },
	  NO_COW },
	{ "d5 C munmaps", { RM_PTES(C, 0, 2) }, 0, 7, -1, 0, -1, B, 7, 0, 8, 0, 0, 8,
	  { { 0, 1, 1, 0, 0, 1, { { B, { { 8, 1 } }, 8 } } },
	    { 0, 1, 0, 0, 0, 1, { { B, { { 8, 1 } }, 8 } } } },
	  NO_COW },
};

/* (e) partial munmap of a shared 16-page anon mTHP: detection missed, then late */
static const struct step example_e[] = {
	{ "e1 A faults mTHP", { NEW_PTES(A, 0, 16) }, 0, 15, -1, A, 15, 0, -1, 0, 16, 0, 1, 16,
	  { BOTH(0, 1, 1, 16, 0, 1, { { A, { { 16, 1 } }, 16 } }) }, NO_COW },
	{ "e2 fork B", { DUP_PTES(B, A, 0, 16) }, 0, 31, -1, A, 15, B, 15, 1, 32, 1, 0, 16,
	  { BOTH(0, 2, 2, 0, 0, 0, { { A, { { 16, 2 } }, 0 }, { B, { { 16, 2 } }, 0 } }) },
	  NO_COW },
	{ "e3 A munmaps 8..15", { RM_PTES(A, 8, 8) }, 0, 23, -1, A, 7, B, 15, 1, 24, 1, 0, 16,
	  { { 0, 2, 2, 0, 0, 0, { { A, { { 8, 2 } }, 0 }, { B, { { 16, 2 } }, 0 } } },
	    { 0, 2, 1, 0, 0, 0,
	      { { A, { { 8, 2 } }, 0 }, { B, { { 8, 2 }, { 8, 1 } }, 8 } } } },
	  NO_COW },
	{ "e4 B munmaps 8..15", { RM_PTES(B, 8, 8) }, 0, 15, -1, A, 7, B, 7, 1, 16, 1, 0, 8,
	  { { 0, 1, 1, 0, 0, 0, { { A, { { 8, 1 } }, 0 }, { B, { { 8, 1 } }, 0 } } },
	    { 1, 2, 0, -8, 0, 0, { { A, { { 8, 2 } }, 0 }, { B, { { 8, 2 } }, 0 } } } },
	  NO_COW },
	{ "e5 B exits", { RM_PTES(B, 0, 8) }, 0, 7, -1, A, 7, 0, -1, 0, 8, 0, 0, 8,
	  { { 1, 1, 1, 0, 0, 1, { { A, { { 8, 1 } }, 8 } } },
	    { 1, 1, 0, 0, 0, 1, { { A, { { 8, 1 } }, 8 } } } },
	  NO_COW },
};

/* (e) PMD version: fork, A cuts the second half (REMAP + zap), B exits */
static const struct step example_e_pmd[] = {
	{ "pe1 A faults THP", { NEW_PMD(A) }, 0, 0, 0, A, 0, 0, -1, 0, 1, 0, 1, EM_,
	  { BOTH(0, 1, 1, 512, 512, 1, { { A, { { 512, 1 } }, 512 } }) }, NO_COW },
	{ "pe2 fork B", { DUP_PMD(B, A) }, 0, 1, 1, A, 0, B, 0, 1, 2, 1, 0, EM_,
	  { BOTH(0, 2, 2, 0, 0, 0, {}) }, NO_COW },
	{ "pe3 A remaps", { REMAP(A) }, 0, 512, 0, A, 511, B, 0, 1, 513, 1, 0, EM_ + 512,
	  { { 0, 2, 2, 0, 0, 0, { { A, { { 512, 2 } }, 0 }, { B, { { 512, 2 } }, 0 } } },
	    { 0, 2, 2, 0, 0, 0, { { A, { { 512, 2 } }, 0 }, { B, { { 512, 2 } }, 0 } } } },
	  NO_COW },
	{ "pe4 A zaps 256..511", { RM_PTES(A, 256, 256) }, 0, 256, 0, A, 255, B, 0, 1, 257, 1, 0,
	  EM_ + 256,
	  { { 0, 2, 2, 0, 0, 0, { { A, { { 256, 2 } }, 0 }, { B, { { 512, 2 } }, 0 } } },
	    { 0, 2, 1, 0, 0, 0,
	      { { A, { { 256, 2 } }, 0 }, { B, { { 256, 2 }, { 256, 1 } }, 256 } } } },
	  NO_COW },
	{ "pe5 B exits", { RM_PMD(B) }, 0, 255, -1, A, 255, 0, -1, 0, 256, 0, 0, 256,
	  { { 1, 1, 1, 0, -512, 1, { { A, { { 256, 1 } }, 256 } } },
	    { 1, 1, 0, -256, -512, 1, { { A, { { 256, 1 } }, 256 } } } },
	  NO_COW },
};

/* (f) B and D alternate in slot 1 while C rides untracked: SH sticks */
static const struct step example_f[] = {
	{ "f1 A faults THP", { NEW_PMD(A) }, 0, 0, 0, A, 0, 0, -1, 0, 1, 0, 1, EM_,
	  { BOTH(0, 1, 1, 512, 512, 1, { { A, { { 512, 1 } }, 512 } }) }, NO_COW },
	{ "f2 A forks B", { DUP_PMD(B, A) }, 0, 1, 1, A, 0, B, 0, 1, 2, 1, 0, EM_,
	  { BOTH(0, 2, 2, 0, 0, 0, { { A, { { 512, 2 } }, 0 }, { B, { { 512, 2 } }, 0 } }) },
	  NO_COW },
	{ "f3 A forks C", { DUP_PMD(C, A) }, 0, 2, 2, A, 0, B, 0, 1, 3, 1, 0, EM_,
	  { BOTH(0, 3, 3, 0, 0, 0,
		 { { A, { { 512, 3 } }, 0 }, { B, { { 512, 3 } }, 0 }, { C, { { 512, 3 } }, 0 } }) },
	  NO_COW },
	{ "f4 B exits", { RM_PMD(B) }, 0, 1, 1, A, 0, 0, -1, 1, 2, 1, 0, EM_,
	  { BOTH(0, 2, 2, 0, 0, 0, { { A, { { 512, 2 } }, 0 }, { C, { { 512, 2 } }, 0 } }) },
	  NO_COW },
	{ "f5 A forks D", { DUP_PMD(D, A) }, 0, 2, 2, A, 0, D, 0, 1, 3, 1, 0, EM_,
	  { BOTH(0, 3, 3, 0, 0, 0,
		 { { A, { { 512, 3 } }, 0 }, { C, { { 512, 3 } }, 0 }, { D, { { 512, 3 } }, 0 } }) },
	  NO_COW },
	{ "f6 A exits", { RM_PMD(A) }, 0, 1, 1, 0, -1, D, 0, 1, 2, 1, 0, EM_,
	  { BOTH(0, 2, 2, 0, 0, 0, { { C, { { 512, 2 } }, 0 }, { D, { { 512, 2 } }, 0 } }) },
	  NO_COW },
	{ "f7 D exits", { RM_PMD(D) }, 1, 0, 0, 0, -1, 0, -1, 1, 1, 0, 0, EM_,
	  { BOTH(0, 1, 1, 0, 0, 1, { { C, { { 512, 1 } }, 512 } }) },
	  { C, 5, MC_LEVEL_PMD, 1, 1 } },
	{ "f8a C: remap adds 512 PTEs", { ADD_PTES(C, 0, 512) }, 513, 512, 0, C, 511, 0, -1, 1,
	  513, 1, 0, EM_ + 512, { BOTH(0, 2, 2, 0, 0, 0, {}) }, NO_COW },
	{ "f8b C: remap drops the PMD", { RM_PMD(C) }, 512, 511, -1, C, 510, 0, -1, 1, 512, 1, 0,
	  512, { { 0, 1, 1, 0, -512, 0, {} }, { 0, 1, 1, 0, -512, 1, {} } }, NO_COW },
	{ "f8c C zaps page 0", { RM_PTES(C, 0, 1) }, 0, 510, -1, C, 509, 0, -1, 1, 511, 1, 0, 511,
	  { { 1, 1, 1, 0, 0, 0, { { C, { { 511, 1 } }, 0 } } },
	    { 1, 0, 1, -1, 0, 0, { { C, { { 511, 1 } }, 511 } } } },
	  { C, 5, MC_LEVEL_PTE, 511, 0 } },
	{ "f9 C's write to page 5 copies", { RM_PTES(C, 5, 1) }, 0, 509, -1, C, 508, 0, -1, 1, 510,
	  1, 0, 510,
	  { { 1, 1, 1, 0, 0, 0, { { C, { { 510, 1 } }, 0 } } },
	    { 1, 0, 1, -1, 0, 0, { { C, { { 510, 1 } }, 510 } } } },
	  { C, 6, MC_LEVEL_PTE, 510, 0 } },
};

/* clang-format on */

/* One REMAP op lands where the two halves of f8 land. */
static void test_remap_is_add_then_remove(void)
{
	static const struct mc_op ops[] = {NEW_PMD(A),	  DUP_PMD(B, A), DUP_PMD(C, A), RM_PMD(B),
					   DUP_PMD(D, A), RM_PMD(A),	 RM_PMD(D)};
	struct fixture *one = malloc(sizeof(*one)), *two = malloc(sizeof(*two));
	struct mc_op add = ADD_PTES(C, 0, 512), rm = RM_PMD(C), remap = REMAP(C);

	fx_init(one, &mc_model_mm_id_slots, 9, MC_KIND_ANON);
	fx_init(two, &mc_model_mm_id_slots, 9, MC_KIND_ANON);
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		fx_apply(one, &ops[i]);
		fx_apply(two, &ops[i]);
	}
	fx_apply(one, &remap);
	fx_apply(two, &add);
	fx_apply(two, &rm);
	ok(!memcmp(one->st, two->st, mc_model_mm_id_slots.state_size(9)),
	   "f8: REMAP state == ADD 512 PTEs then REMOVE PMD");
	is_int(vm_mapped(&one->ctx), vm_mapped(&two->ctx), "f8: REMAP stats == ADD+REMOVE stats");
	is_int(one->ctx.atomics, two->ctx.atomics + 1, "f8: REMAP = ADD + REMOVE + folio_ref_add");
	fx_fini(one);
	fx_fini(two);
	free(one);
	free(two);
}

static void test_examples(void)
{
	RUN("(a)", 9, MC_KIND_ANON, example_a);
	RUN("(b)", 9, MC_KIND_ANON, example_b);
	RUN("(b')", 9, MC_KIND_ANON, example_b_alt);
	RUN("(c)", 4, MC_KIND_ANON, example_c);
	RUN("(d)", 4, MC_KIND_FILE, example_d);
	RUN("(e)", 4, MC_KIND_ANON, example_e);
	RUN("(e-pmd)", 9, MC_KIND_ANON, example_e_pmd);
	RUN("(f)", 9, MC_KIND_ANON, example_f);
	test_remap_is_add_then_remove();
}

/* Atomics and struct-page lines of the last op applied to fx. */
struct cost {
	uint64_t atomics, lines;
};

static struct cost fx_cost(struct fixture *fx, const struct mc_op *op)
{
	uint64_t a = fx->ctx.atomics, l = fx->ctx.cachelines;

	fx_apply(fx, op);
	return (struct cost){fx->ctx.atomics - a, fx->ctx.cachelines - l};
}

static void is_cost(struct cost got, uint64_t atomics, uint64_t lines, const char *what,
		    const struct mc_model *m)
{
	is_int(got.atomics, atomics, "%s %s: atomics", m->name, what);
	is_int(got.lines, lines, "%s %s: cache lines", m->name, what);
}

/* The diag rows: PTE map of 1 and 16 pages, PMD map, fork of a PMD THP, PMD remap. */
struct cost_row {
	struct cost pte1, pte16, pmd, dup_pmd, remap;
};

static struct cost_row measure(const struct mc_model *m, int cfg)
{
	struct fixture *fx = malloc(sizeof(*fx));
	struct mc_op pte1 = ADD_PTES(A, 0, 1), pte16 = ADD_PTES(B, 0, 16);
	struct mc_op new_pmd = NEW_PMD(A), dup_b = DUP_PMD(B, A), dup_c = DUP_PMD(C, A);
	struct mc_op add_pmd = ADD_PMD(A), remap = REMAP(A);
	struct cost_row r;

	/* file order 4: first PTE map of 1 page, then a 16-page batch by another mm */
	fx_init(fx, m, 4, MC_KIND_FILE);
	r.pte1 = fx_cost(fx, &pte1);
	r.pte16 = fx_cost(fx, &pte16);
	is_cost(r.pte1, cfg ? 1 + 1 + 1 : 1, 2, "PTE map n=1 (first)", m);
	/* variant: 16 _mapcount incs, NPM += 15 newly mapped pages, the lock */
	is_cost(r.pte16, cfg ? 16 + 1 + 1 : 1, cfg ? 16 : 2, "PTE map n=16 (page 0 mapped)", m);
	fx_fini(fx);

	/* file PMD map: the first one */
	fx_init(fx, m, 9, MC_KIND_SHMEM);
	r.pmd = fx_cost(fx, &add_pmd);
	is_cost(r.pmd, cfg ? 3 : 2, 2, "PMD map (first)", m);
	is_int(fx->ctx.vm[MC_NR_SHMEM_PMDMAPPED], 512, "%s shmem PMD: ShmemPmdMapped", m->name);
	is_int(fx->ctx.vm[MC_NR_FILE_MAPPED], 512, "%s shmem PMD: Mapped", m->name);
	fx_fini(fx);

	/* anon THP: fault (1 PAE set), dup with PAE set (+1 clear), dup again, remap */
	fx_init(fx, m, 9, MC_KIND_ANON);
	is_cost(fx_cost(fx, &new_pmd), 1, 2, "NEW_ANON PMD (excl)", m);
	r.dup_pmd = fx_cost(fx, &dup_b);
	is_cost(r.dup_pmd, 3, 2, "fork dup of PMD THP (PAE set)", m);
	is_cost(fx_cost(fx, &dup_c), 2, 2, "fork dup of PMD THP (PAE clear)", m);
	r.remap = fx_cost(fx, &remap);
	/* not the last PMD: base ref + lock + EM + lock; variant adds 512 + NPM */
	is_cost(r.remap, cfg ? 1 + 512 + 1 + 1 + 2 : 4, cfg ? 512 : 2, "PMD remap (shared)", m);
	fx_fini(fx);
	free(fx);
	return r;
}

static void test_costs(void)
{
	const struct mc_model *models[2] = {&mc_model_mm_id_slots,
					    &mc_model_mm_id_slots_pagemapcount};
	struct cost_row rows[2];
	struct fixture *fx = malloc(sizeof(*fx));
	bool constant = true;

	for (int cfg = 0; cfg < 2; cfg++)
		rows[cfg] = measure(models[cfg], cfg);

	/* base: a PTE batch is one atomic (the bit lock) and two lines, whatever n */
	for (uint32_t n = 1; n <= 512; n++) {
		struct mc_op add = ADD_PTES(A, 0, n), rm = RM_PTES(A, 0, n);
		struct cost a, r;

		fx_init(fx, &mc_model_mm_id_slots, 9, MC_KIND_FILE);
		a = fx_cost(fx, &add);
		r = fx_cost(fx, &rm);
		constant &= a.atomics == 1 && a.lines == 2 && r.atomics == 1 && r.lines == 2;
		fx_fini(fx);
	}
	ok(constant, "mm-id-slots: PTE add/remove batches of 1..512 cost 1 atomic, 2 lines");

	/* anon exclusive PTE batch: lock + one set_bit per page, the pages' lines */
	for (int cfg = 0; cfg < 2; cfg++) {
		struct mc_op add = OP(MC_OP_ADD, MC_LEVEL_PTE, MC_OPF_EXCLUSIVE, 0, 16, A, 0);
		struct mc_op new16 = NEW_PTES(A, 0, 16), rm = RM_PTES(A, 3, 13);

		fx_init(fx, models[cfg], 4, MC_KIND_ANON);
		is_cost(fx_cost(fx, &add), cfg ? 16 + 1 + 1 + 16 : 1 + 16, 16,
			"ADD PTE n=16 anon RMAP_EXCLUSIVE", models[cfg]);
		fx_fini(fx);
		fx_init(fx, models[cfg], 4, MC_KIND_ANON);
		is_cost(fx_cost(fx, &new16), 16, 16, "NEW_ANON mTHP 16 (excl)", models[cfg]);
		/* partial: + set PG_partially_mapped, + page[2] for the deferred list */
		is_cost(fx_cost(fx, &rm), cfg ? 13 + 1 + 1 + 1 : 1 + 1, cfg ? 16 : 3,
			"REMOVE PTE n=13 queueing deferred split", models[cfg]);
		is_int(fx->ctx.events[MC_EV_DEFERRED_SPLIT_QUEUED], 1, "%s: queued once",
		       models[cfg]->name);
		is_int(fx->ctx.events[MC_EV_THP_DEFERRED_SPLIT_PAGE], 0,
		       "%s: no thp_deferred_split_page for order 4", models[cfg]->name);
		fx_fini(fx);
	}

	/* exclusive remap of the only PMD: 512 PAE sets; the variant's worst case 518 */
	for (int cfg = 0; cfg < 2; cfg++) {
		struct mc_op new_pmd = NEW_PMD(A), remap = REMAP(A);

		fx_init(fx, models[cfg], 9, MC_KIND_ANON);
		fx_apply(fx, &new_pmd);
		is_cost(fx_cost(fx, &remap), (cfg ? 518 : 4) + 512, 512,
			"PMD remap, exclusive and last PMD", models[cfg]);
		is_int(fx->ctx.vm[MC_NR_ANON_THPS], 0, "%s remap: AnonHugePages 0",
		       models[cfg]->name);
		is_int(fx->ctx.vm[MC_NR_ANON_MAPPED], 512, "%s remap: AnonPages 512",
		       models[cfg]->name);
		ok(models[cfg]->anon_exclusive(&fx->ctx, &fx->f, fx->st, 511),
		   "%s remap: PAE carried to page 511", models[cfg]->name);
		fx_fini(fx);
	}
	free(fx);

	tap_diag("costs per call (atomics/lines); spec section 4 in brackets");
	tap_diag("%-26s %-18s %-18s %-18s %-18s %-18s", "model", "PTE map n=1", "PTE map n=16",
		 "PMD map", "fork dup PMD THP", "PMD remap");
	for (int cfg = 0; cfg < 2; cfg++) {
		struct cost_row *r = &rows[cfg];

		tap_diag(
			"%-26s %3lu/%-3lu %-10s %3lu/%-3lu %-10s %3lu/%-3lu %-10s %3lu/%-3lu %-10s "
			"%3lu/%-3lu %s",
			models[cfg]->name, r->pte1.atomics, r->pte1.lines, cfg ? "[3/2]" : "[1/2]",
			r->pte16.atomics, r->pte16.lines, cfg ? "[18/-]" : "[1/2]", r->pmd.atomics,
			r->pmd.lines, cfg ? "[3/-]" : "[2/2]", r->dup_pmd.atomics, r->dup_pmd.lines,
			"[3/2]", r->remap.atomics, r->remap.lines, cfg ? "[517/-]" : "[4/2]");
	}
}

/* int32 wraps are counted (mc_atomic_add32) and flagged as broken invariants. */
static void test_overflow(void)
{
	struct fixture *fx = malloc(sizeof(*fx));
	struct mc_op add = ADD_PTES(A, 0, 1);

	fx_init(fx, &mc_model_mm_id_slots, 4, MC_KIND_FILE);
	fx->st->large_mapcount = INT32_MAX;
	fx->st->mm_id_mapcount[0] = INT32_MAX;
	fx->st->mm_ids = A;
	fx_apply(fx, &add);
	is_int(fx->ctx.overflows, 2, "LM and SMC0 wrap: two overflows");
	is_int(fx->st->large_mapcount, INT32_MIN, "LM wraps like a two's-complement atomic_t");
	is_int(fx->st->mm_id_mapcount[0], INT32_MIN, "SMC0 wraps like an int");
	ok(fx->ctx.violations > 0, "wrapped counters break the invariants");
	fx_fini(fx);
	free(fx);
}

/* A bad op stream is caught: unmapping what is not mapped, a PMD on a small folio. */
static void test_violations(void)
{
	struct fixture *fx = malloc(sizeof(*fx));
	struct mc_op rm = RM_PTES(A, 0, 1), pmd = ADD_PMD(A), add = ADD_PTES(A, 0, 4);

	fx_init(fx, &mc_model_mm_id_slots, 4, MC_KIND_ANON);
	fx_apply(fx, &rm);
	ok(fx->ctx.violations > 0, "REMOVE of an unmapped folio is a violation");
	fx_fini(fx);
	fx_init(fx, &mc_model_mm_id_slots, 4, MC_KIND_ANON);
	fx->model->apply(&fx->ctx, &fx->f, fx->st, &pmd);
	is_int(fx->ctx.violations, 1, "PMD op on an order-4 folio is refused");
	is_int(fx->st->large_mapcount, -1, "refused op changes nothing");
	fx_apply(fx, &add);
	fx->model->fini(&fx->ctx, &fx->f, fx->st);
	is_int(fx->ctx.violations, 2, "fini of a mapped folio is a violation");
	fx_fini(fx);
	free(fx);
}

/*
 * Split protocol (spec 2.7, the replayer's): every mapping removed one PTE at a
 * time with FREEZE, fini, init of the new folios, RESTORE adds page by page.
 */
static void test_split(void)
{
	const struct mc_model *models[2] = {&mc_model_mm_id_slots,
					    &mc_model_mm_id_slots_pagemapcount};

	for (int cfg = 0; cfg < 2; cfg++) {
		const struct mc_model *m = models[cfg];
		struct fixture *fx = malloc(sizeof(*fx));
		struct mc_op new16 = NEW_PTES(A, 0, 16), dup = DUP_PTES(B, A, 0, 4);
		bool excl[16];
		struct mc_folio small = {.order = 0, .kind = MC_KIND_ANON};
		void *st[16];

		fx_init(fx, m, 4, MC_KIND_ANON);
		fx_apply(fx, &new16);
		fx_apply(fx, &dup);
		for (uint32_t p = 0; p < 16; p++)
			excl[p] = m->anon_exclusive(&fx->ctx, &fx->f, fx->st, p);
		ok(!excl[0] && !excl[3] && excl[4] && excl[15], "%s split: PAE before", m->name);
		for (uint32_t mm = A; mm <= B; mm++)
			for (uint32_t p = 0; p < (mm == A ? 16u : 4u); p++) {
				struct mc_op op =
					OP(MC_OP_REMOVE, MC_LEVEL_PTE, MC_OPF_FREEZE, p, 1, mm, 0);

				fx_apply(fx, &op);
			}
		is_int(fx->st->partially_mapped, 1, "%s split: PARTIAL set on the way (artifact)",
		       m->name);
		is_int(fx->st->pae1 | fx->st->pae_page0, 0, "%s split: frozen entries took every PAE bit", m->name);
		is_int(fx->ctx.vm[MC_NR_ANON_MAPPED], 0, "%s split: AnonPages 0 when frozen",
		       m->name);
		m->fini(&fx->ctx, &fx->f, fx->st);
		is_int(fx->ctx.violations, 0, "%s split: old folio empty at fini", m->name);
		for (uint32_t p = 0; p < 16; p++) {
			st[p] = calloc(1, m->state_size(0));
			m->init(&fx->ctx, &small, st[p]);
		}
		for (uint32_t mm = A; mm <= B; mm++)
			for (uint32_t p = 0; p < (mm == A ? 16u : 4u); p++) {
				struct mc_op op =
					OP(MC_OP_ADD, MC_LEVEL_PTE,
					   MC_OPF_RESTORE | (excl[p] ? MC_OPF_EXCLUSIVE : 0), 0, 1,
					   mm, 0);

				m->apply(&fx->ctx, &small, st[p], &op);
			}
		is_int(fx->ctx.vm[MC_NR_ANON_MAPPED], 16, "%s split: AnonPages 16 after restore",
		       m->name);
		is_int(m->folio_mapcount(&fx->ctx, &small, st[2]), 2, "%s split: page 2 mapcount 2",
		       m->name);
		ok(m->maybe_shared(&fx->ctx, &small, st[2]), "%s split: page 2 shared", m->name);
		ok(m->anon_exclusive(&fx->ctx, &small, st[9], 0) &&
			   !m->anon_exclusive(&fx->ctx, &small, st[2], 0),
		   "%s split: PAE restored per page", m->name);
		is_int(fx->ctx.violations, 0, "%s split: no violation", m->name);
		for (uint32_t p = 0; p < 16; p++)
			free(st[p]);
		fx_fini(fx);
		free(fx);
	}
}

/* Replay rules outside v6.18's own paths, and small folios. */
static void test_extensions(void)
{
	const struct mc_model *models[2] = {&mc_model_mm_id_slots,
					    &mc_model_mm_id_slots_pagemapcount};

	for (int cfg = 0; cfg < 2; cfg++) {
		const struct mc_model *m = models[cfg];
		struct fixture *fx = malloc(sizeof(*fx));
		struct mc_op half = NEW_PTES(A, 0, 8);
		struct mc_op pmd0 =
			OP(MC_OP_NEW_ANON, MC_LEVEL_PMD, MC_OPF_EXCLUSIVE, 0, 512, A, 0);
		struct mc_op pmd1 = OP(MC_OP_ADD, MC_LEVEL_PMD, MC_OPF_EXCLUSIVE, 512, 512, A, 0);
		struct mc_op fdup = DUP_PMD(B, A), small_new = NEW_PTES(A, 0, 1);
		struct mc_op small_dup = DUP_PTES(B, A, 0, 1), small_rm = RM_PTES(A, 0, 1);
		struct mc_query_ctx q = {.mm = B, .refcount = 1};

		/* a first map of half an mTHP is an exclusive add */
		fx_init(fx, m, 4, MC_KIND_ANON);
		fx_apply(fx, &half);
		is_int(fx->st->large_mapcount, 7, "%s half mTHP: LM 7", m->name);
		is_int(fx->ctx.vm[MC_NR_ANON_MAPPED], cfg ? 8 : 16, "%s half mTHP: AnonPages",
		       m->name);
		ok(m->anon_exclusive(&fx->ctx, &fx->f, fx->st, 7) &&
			   !m->anon_exclusive(&fx->ctx, &fx->f, fx->st, 8),
		   "%s half mTHP: PAE on the mapped pages", m->name);
		fx_fini(fx);

		/* order 10 by two PMDs: entire mappings as v6.18 writes them */
		fx_init(fx, m, 10, MC_KIND_ANON);
		fx_apply(fx, &pmd0);
		fx_apply(fx, &pmd1);
		is_int(m->folio_mapcount(&fx->ctx, &fx->f, fx->st), 2, "%s order 10: mapcount 2",
		       m->name);
		is_int(fx->st->entire_mapcount, 1, "%s order 10: EM 1", m->name);
		/* extension rule: *PmdMapped counts PMD-sized folios only */
		is_int(fx->ctx.vm[MC_NR_ANON_THPS], 0, "%s order 10: no AnonHugePages", m->name);
		ok(m->anon_exclusive(&fx->ctx, &fx->f, fx->st, 700), "%s order 10: PAE via PMD 1",
		   m->name);
		is_int(fx->ctx.violations, 0, "%s order 10: no violation", m->name);
		fx_fini(fx);

		/* a file PMD DUP is the child's refault: no stat change */
		fx_init(fx, m, 9, MC_KIND_FILE);
		pmd0.type = MC_OP_ADD;
		pmd0.flags = 0;
		fx_apply(fx, &pmd0);
		fx_apply(fx, &fdup);
		is_int(fx->st->entire_mapcount, 1, "%s file PMD dup: EM 1", m->name);
		is_int(mmid_slot_id(fx->st, 1), B, "%s file PMD dup: B in slot 1", m->name);
		is_int(fx->ctx.vm[MC_NR_FILE_PMDMAPPED], 512, "%s file PMD dup: FilePmdMapped",
		       m->name);
		ok(!m->cow_reuse(&fx->ctx, &fx->f, fx->st, 0, MC_LEVEL_PMD, &q),
		   "%s file folio: never a COW reuse", m->name);
		fx_fini(fx);

		/* small anon: _mapcount only */
		fx_init(fx, m, 0, MC_KIND_ANON);
		fx_apply(fx, &small_new);
		q.refcount = 1;
		ok(m->cow_reuse(&fx->ctx, &fx->f, fx->st, 0, MC_LEVEL_PTE, &q),
		   "%s small: exclusive page reused", m->name);
		fx_apply(fx, &small_dup);
		q.refcount = 2;
		ok(!m->cow_reuse(&fx->ctx, &fx->f, fx->st, 0, MC_LEVEL_PTE, &q) &&
			   m->maybe_shared(&fx->ctx, &fx->f, fx->st),
		   "%s small: shared after fork, copied", m->name);
		fx_apply(fx, &small_rm);
		q.refcount = 1;
		ok(m->cow_reuse(&fx->ctx, &fx->f, fx->st, 0, MC_LEVEL_PTE, &q) &&
			   !m->anon_exclusive(&fx->ctx, &fx->f, fx->st, 0),
		   "%s small: REF 1 reuse without PAE", m->name);
		is_int(m->page_mapcount(&fx->ctx, &fx->f, fx->st, 0), 1, "%s small: kpagecount 1",
		       m->name);
		is_int(fx->ctx.vm[MC_NR_ANON_MAPPED], 1, "%s small: AnonPages 1", m->name);
		fx_fini(fx);
		free(fx);
	}
}

/* Every answer a small folio gives, for comparing two placements of its state. */
struct small_answers {
	int64_t mapcount, kpagecount;
	bool mapped, shared, reuse, reuse_ref1, partial, pae, pagemap_excl;
	struct mc_smaps smaps;
};

static void small_answers(const struct mc_model *m, const struct mc_model_ctx *ctx,
			  const struct mc_folio *f, const void *st, struct small_answers *a)
{
	struct mc_query_ctx q = {.mm = A};

	memset(a, 0, sizeof(*a));
	a->mapcount = m->folio_mapcount(ctx, f, st);
	a->kpagecount = m->page_mapcount(ctx, f, st, 0);
	a->mapped = m->folio_mapped(ctx, f, st);
	a->shared = m->maybe_shared(ctx, f, st);
	q.refcount = (uint32_t)a->mapcount + 1;
	a->reuse = m->cow_reuse(ctx, f, st, 0, MC_LEVEL_PTE, &q);
	q.refcount = 1;
	a->reuse_ref1 = m->cow_reuse(ctx, f, st, 0, MC_LEVEL_PTE, &q);
	a->partial = m->partially_mapped(ctx, f, st);
	a->pae = m->anon_exclusive(ctx, f, st, 0);
	a->pagemap_excl = m->pagemap_exclusive(ctx, f, st, 0, MC_LEVEL_PTE);
	q.refcount = (uint32_t)a->mapcount + 1;
	m->smaps_account(ctx, f, st, 0, 1, MC_LEVEL_PTE, &q, &a->smaps);
}

/*
 * A small folio's state is packed (state_align 1): the replayer may put it at
 * any byte. The same ops on a state at an odd address and on an aligned one
 * give the same answers, costs and bytes, and touch nothing around the state.
 */
static void test_small_unaligned(void)
{
	const struct mc_model *models[2] = {&mc_model_mm_id_slots,
					    &mc_model_mm_id_slots_pagemapcount};
	static const struct mc_op ops[] = {
		NEW_PTES(A, 0, 1),
		DUP_PTES(B, A, 0, 1),
		ADD_PTES(C, 0, 1),
		RM_PTES(B, 0, 1),
		OP(MC_OP_REMOVE, MC_LEVEL_PTE, MC_OPF_FREEZE, 0, 1, C, 0),
		OP(MC_OP_ADD, MC_LEVEL_PTE, MC_OPF_RESTORE | MC_OPF_EXCLUSIVE, 0, 1, C, 0),
		RM_PTES(A, 0, 1),
		RM_PTES(C, 0, 1),
	};
	/* folio mapcount and PageAnonExclusive after each op */
	static const int64_t mapcount[] = {1, 2, 3, 2, 1, 2, 1, 0};
	static const bool pae[] = {1, 0, 0, 0, 0, 1, 1, 1};
	static const size_t offsets[] = {1, 37};
	struct mc_folio f = {.order = 0, .kind = MC_KIND_ANON};

	for (int cfg = 0; cfg < 2; cfg++) {
		const struct mc_model *m = models[cfg];
		size_t size = m->state_size(0);

		for (size_t o = 0; o < sizeof(offsets) / sizeof(offsets[0]); o++) {
			uint64_t buf[8], *aligned = calloc(1, size);
			uint8_t *bytes = (uint8_t *)buf, *odd = bytes + offsets[o];
			struct mc_model_ctx ca = {.model = m}, cu = {.model = m};
			struct small_answers want, got;
			bool same = true, untouched = true;

			memset(buf, 0xa5, sizeof(buf));
			m->ctx_init(&ca);
			m->ctx_init(&cu);
			m->init(&ca, &f, aligned);
			m->init(&cu, &f, odd);
			for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
				m->apply(&ca, &f, aligned, &ops[i]);
				m->apply(&cu, &f, odd, &ops[i]);
				small_answers(m, &ca, &f, aligned, &want);
				small_answers(m, &cu, &f, odd, &got);
				same &= !memcmp(&want, &got, sizeof(want));
				same &= got.mapcount == mapcount[i] && got.pae == pae[i];
				same &= !memcmp(aligned, odd, size);
			}
			m->fini(&ca, &f, aligned);
			m->fini(&cu, &f, odd);
			for (size_t b = 0; b < sizeof(buf); b++)
				if (b < offsets[o] || b >= offsets[o] + size)
					untouched &= bytes[b] == 0xa5;
			ok(same, "%s small at +%zu: same answers and bytes as aligned, op by op",
			   m->name, offsets[o]);
			ok(!memcmp(ca.vm, cu.vm, sizeof(ca.vm)) && ca.atomics == cu.atomics &&
				   ca.cachelines == cu.cachelines && ca.atomics == 10,
			   "%s small at +%zu: same stats and costs", m->name, offsets[o]);
			is_int(cu.violations + cu.overflows, 0, "%s small at +%zu: no violation",
			       m->name, offsets[o]);
			ok(untouched, "%s small at +%zu: the %zu bytes around the state untouched",
			   m->name, offsets[o], sizeof(buf) - size);
			m->ctx_fini(&ca);
			m->ctx_fini(&cu);
			free(aligned);
		}
	}
}

static void test_sizes(void)
{
	for (int cfg = 0; cfg < 2; cfg++) {
		const struct mc_model *m =
			cfg ? &mc_model_mm_id_slots_pagemapcount : &mc_model_mm_id_slots;

		is_int(m->state_size(0), 5, "%s: small state is _mapcount + PAE, packed", m->name);
		ok(m->state_align(0) == 1 && m->state_align(1) == 8 && m->state_align(9) == 8,
		   "%s: small state at any byte, large ones 8-aligned", m->name);
	}

	tap_diag("bytes per folio: state_size (simulator) / metadata_bytes (kernel)");
	for (unsigned int order = 0; order <= MC_MAX_ORDER;
	     order += order < 4 ? 1 : (order < 9 ? 5 : 9)) {
		tap_diag("order %2u: %-26s %7zu / %7zu   %-26s %7zu / %7zu", order,
			 mc_model_mm_id_slots.name, mc_model_mm_id_slots.state_size(order),
			 mc_model_mm_id_slots.metadata_bytes(order),
			 mc_model_mm_id_slots_pagemapcount.name,
			 mc_model_mm_id_slots_pagemapcount.state_size(order),
			 mc_model_mm_id_slots_pagemapcount.metadata_bytes(order));
	}
	is_int(mc_model_mm_id_slots.metadata_bytes(9), 24, "base: 24 B per large folio");
	is_int(mc_model_mm_id_slots_pagemapcount.metadata_bytes(9), 28 + 4 * 512,
	       "variant: + NPM + 512 _mapcounts");
}

/*
 * The live kernel (6.18, CONFIG_PAGE_MAPCOUNT=y) against the variant: a PMD THP
 * faulted by A, forked to B, half of it zapped in A (PMD remap + zap), B gone,
 * then a write by A. Needs root (/proc/kpagecount) and THP in madvise mode.
 */
struct live {
	char *addr;
	int pagemap, kpagecount, kpageflags;
};

static uint64_t read_u64(int fd, uint64_t index)
{
	uint64_t v = 0;

	if (pread(fd, &v, sizeof(v), (off_t)(index * sizeof(v))) != sizeof(v))
		return UINT64_MAX;
	return v;
}

static uint64_t live_pagemap(struct live *l, uint32_t page)
{
	return read_u64(l->pagemap, ((uintptr_t)l->addr >> 12) + page);
}

static uint64_t live_pfn(struct live *l, uint32_t page)
{
	uint64_t e = live_pagemap(l, page);

	return e >> 63 ? e & ((1ull << 55) - 1) : 0;
}

static int64_t live_kpagecount(struct live *l, uint32_t page, uint64_t pfn)
{
	return (int64_t)read_u64(l->kpagecount, pfn + page);
}

/* Rss, Pss, Shared, Private and AnonHugePages (kB) of the VMA holding addr. */
static bool live_smaps(struct live *l, uint64_t kb[5])
{
	static const char *const keys[5] = {"Rss:", "Pss:", "Shared_", "Private_",
					    "AnonHugePages:"};
	FILE *fp = fopen("/proc/self/smaps", "r");
	char line[256];
	bool in = false, found = false;

	memset(kb, 0, 5 * sizeof(kb[0]));
	while (fp && fgets(line, sizeof(line), fp)) {
		unsigned long start, end;

		if (sscanf(line, "%lx-%lx ", &start, &end) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			in = start <= (uintptr_t)l->addr && (uintptr_t)l->addr < end;
			found |= in;
			continue;
		}
		for (int k = 0; in && k < 5; k++) {
			char *v = strchr(line, ':');

			if (!strncmp(line, keys[k], strlen(keys[k])) && v)
				kb[k] += strtoull(v + 1, NULL, 10);
		}
	}
	if (fp)
		fclose(fp);
	return found;
}

static void live_compare(struct live *l, struct fixture *fx, const char *step, uint64_t pfn,
			 bool pmd_mapped)
{
	const struct mc_model *m = fx->model;
	struct mc_smaps acc = fx_smaps(fx, A, (uint32_t)(fx->st->large_mapcount + 1));
	uint64_t kb[5];
	uint32_t pages[3] = {0, 300, 511};

	for (int i = 0; i < 3; i++)
		is_int(live_kpagecount(l, pages[i], pfn),
		       m->page_mapcount(&fx->ctx, &fx->f, fx->st, pages[i]),
		       "live %s: kpagecount[%u] kernel == model", step, pages[i]);
	if (live_pagemap(l, 0) >> 63)
		is_int(live_pagemap(l, 0) >> 56 & 1,
		       m->pagemap_exclusive(&fx->ctx, &fx->f, fx->st, 0,
					    pmd_mapped ? MC_LEVEL_PMD : MC_LEVEL_PTE),
		       "live %s: pagemap exclusive[0] kernel == model", step);
	ok(live_smaps(l, kb), "live %s: smaps VMA found", step);
	tap_diag("live %-16s kpagecount[0,300,511] %" PRId64 ",%" PRId64 ",%" PRId64
		 "  Rss %" PRIu64 " Pss %" PRIu64 " Shared %" PRIu64 " Private %" PRIu64
		 " AnonHuge %" PRIu64 " kB",
		 step, live_kpagecount(l, 0, pfn), live_kpagecount(l, 300, pfn),
		 live_kpagecount(l, 511, pfn), kb[0], kb[1], kb[2], kb[3], kb[4]);
	is_int(kb[0], acc.rss >> 10, "live %s: Rss kB kernel == model", step);
	is_int(kb[1], acc.pss >> MC_PSS_SHIFT >> 10, "live %s: Pss kB kernel == model", step);
	is_int(kb[2], acc.shared >> 10, "live %s: Shared kB kernel == model", step);
	is_int(kb[3], acc.private_ >> 10, "live %s: Private kB kernel == model", step);
	is_int(kb[4], acc.anon_huge >> 10, "live %s: AnonHugePages kB kernel == model", step);
}

static const char *live_setup(struct live *l, char **map)
{
	char *p;

	if (geteuid() != 0)
		return "not root: /proc/kpagecount unreadable";
	l->pagemap = open("/proc/self/pagemap", O_RDONLY);
	l->kpagecount = open("/proc/kpagecount", O_RDONLY);
	l->kpageflags = open("/proc/kpageflags", O_RDONLY);
	if (l->pagemap < 0 || l->kpagecount < 0 || l->kpageflags < 0)
		return "no /proc/self/pagemap, /proc/kpagecount or /proc/kpageflags";
	p = mmap(NULL, 4u << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return "mmap failed";
	*map = p;
	l->addr = (char *)(((uintptr_t)p + (2u << 20) - 1) & ~(uintptr_t)((2u << 20) - 1));
	if (madvise(p, 4u << 20, MADV_HUGEPAGE))
		return "MADV_HUGEPAGE refused";
	memset(l->addr, 1, 2u << 20);
	/* keep khugepaged from collapsing the half-zapped THP into a new one mid-test */
	if (madvise(p, 4u << 20, MADV_NOHUGEPAGE))
		return "MADV_NOHUGEPAGE refused";
	/* KPF_THP = 22 */
	if (!live_pfn(l, 0) || !(read_u64(l->kpageflags, live_pfn(l, 0)) >> 22 & 1))
		return "no PMD THP was allocated";
	return NULL;
}

static void test_live_kernel(void)
{
	struct live l = {0};
	struct fixture *fx = malloc(sizeof(*fx));
	struct mc_op ops[] = {NEW_PMD(A), DUP_PMD(B, A), REMAP(A), RM_PTES(A, 256, 256), RM_PMD(B)};
	char *map = NULL;
	const char *why = live_setup(&l, &map);
	int pipefd[2];
	uint64_t pfn;
	pid_t child;

	if (why || pipe(pipefd)) {
		ok(1, "# SKIP live kernel check: %s", why ? why : "pipe failed");
		goto out;
	}
	pfn = live_pfn(&l, 0);
	fx_init(fx, &mc_model_mm_id_slots_pagemapcount, 9, MC_KIND_ANON);
	fx_apply(fx, &ops[0]);
	live_compare(&l, fx, "fault", pfn, true);

	fflush(stdout);
	child = fork();
	if (child == 0) {
		char c;

		close(pipefd[1]);
		_exit(read(pipefd[0], &c, 1) < 0);
	}
	close(pipefd[0]);
	fx_apply(fx, &ops[1]);
	live_compare(&l, fx, "fork", pfn, true);

	madvise(l.addr + (256u << 12), 256u << 12, MADV_DONTNEED);
	fx_apply(fx, &ops[2]);
	fx_apply(fx, &ops[3]);
	live_compare(&l, fx, "A zaps 256..511", pfn, false);

	close(pipefd[1]);
	waitpid(child, NULL, 0);
	fx_apply(fx, &ops[4]);
	live_compare(&l, fx, "B exits", pfn, false);
	ok(fx->st->partially_mapped, "live: model queued the folio for deferred split");

	{
		struct mc_query_ctx q = {.mm = A, .refcount = 256};
		bool reuse = fx->model->cow_reuse(&fx->ctx, &fx->f, fx->st, 5, MC_LEVEL_PTE, &q);

		l.addr[5 << 12] = 2;
		is_int(live_pfn(&l, 5) == pfn + 5, reuse, "live: A's write to page 5: %s",
		       reuse ? "model reuses" : "model copies");
	}
	is_int(fx->ctx.violations, 0, "live: no model violation");
	fx_fini(fx);
out:
	if (map)
		munmap(map, 4u << 20);
	free(fx);
	for (int *fd = &l.pagemap; fd <= &l.kpageflags; fd++)
		if (*fd > 0)
			close(*fd);
}

int main(void)
{
	test_examples();
	test_costs();
	test_overflow();
	test_violations();
	test_split();
	test_extensions();
	test_small_unaligned();
	test_sizes();
	test_live_kernel();
	return tap_done();
}
