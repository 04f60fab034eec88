// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the `total-mapped-pages` model against the worked examples (a)-(f)
 * of spec/models/total-mapped-pages.md section 6: after every step every
 * counter (LM, T, slots, SH, PAE, PARTIAL, vmstat) and every query is
 * asserted. Then costs (section 4), geometry, the split protocol, overflows
 * and the invariant checks.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "models/total-mapped-pages.h"
#include "tests/tap.h"

extern const struct mc_model mc_model_total_mapped_pages;
static const struct mc_model *M = &mc_model_total_mapped_pages;

enum { A = 1, B = 2, C = 3, NMM = 4, NFOLIO = 2, MAXPAGES = 1024 };

/* ---- a tiny world: up to two folios, their model state and who maps what ---- */

struct world {
	struct mc_model_ctx ctx;
	struct mc_folio f[NFOLIO];
	void *state[NFOLIO];
	/* entries per mm: PTEs per page, PMDs per PMD index */
	uint16_t pte[NMM][NFOLIO][MAXPAGES];
	uint16_t pmd[NMM][NFOLIO][MAXPAGES / MC_PMD_NR];
};

static void world_folio(struct world *w, int i, unsigned int kind, unsigned int order)
{
	w->f[i] = (struct mc_folio){
		.pfn = 0x1000u * (i + 1), .slot = i, .order = order, .kind = kind};
	w->state[i] = calloc(1, M->state_size(order));
	M->init(&w->ctx, &w->f[i], w->state[i]);
}

static struct world *world_new(unsigned int kind, unsigned int order)
{
	struct world *w = calloc(1, sizeof(*w));

	w->ctx.model = M;
	world_folio(w, 0, kind, order);
	return w;
}

static void world_free(struct world *w)
{
	for (int i = 0; i < NFOLIO; i++)
		free(w->state[i]);
	free(w);
}

static void track(struct world *w, int fi, const struct mc_op *op)
{
	int d = op->type == MC_OP_REMOVE ? -1 : 1;
	uint32_t p;

	/* smaps is only queried on folios of up to MAXPAGES pages without PUDs */
	if (op->first + op->nr > MAXPAGES || op->level == MC_LEVEL_PUD)
		return;
	if (op->type == MC_OP_REMAP) {
		w->pmd[op->mm][fi][op->first / MC_PMD_NR]--;
		for (p = op->first; p < op->first + MC_PMD_NR; p++)
			w->pte[op->mm][fi][p]++;
		return;
	}
	if (op->level == MC_LEVEL_PMD) {
		w->pmd[op->mm][fi][op->first / MC_PMD_NR] += d;
		return;
	}
	for (p = op->first; p < op->first + op->nr; p++)
		w->pte[op->mm][fi][p] += d;
}

static void world_apply(struct world *w, int fi, const struct mc_op *op)
{
	M->apply(&w->ctx, &w->f[fi], w->state[fi], op);
	track(w, fi, op);
}

/* smaps of one mm over both folios, the walker's way: one call per entry */
static struct mc_smaps world_smaps(struct world *w, uint32_t mm, uint32_t ref0)
{
	struct mc_smaps acc = {0};

	for (int fi = 0; fi < NFOLIO; fi++) {
		const struct mc_folio *f = &w->f[fi];
		struct mc_query_ctx q = {.mm = mm, .refcount = ref0};
		uint32_t nr = mc_folio_nr_pages(f);

		if (!w->state[fi])
			continue;
		if (fi)
			q.refcount = (uint32_t)M->folio_mapcount(&w->ctx, f, w->state[fi]);
		for (uint32_t p = 0; p < nr && p < MAXPAGES; p++)
			for (int k = 0; k < w->pte[mm][fi][p]; k++)
				M->smaps_account(&w->ctx, f, w->state[fi], p, 1, MC_LEVEL_PTE, &q,
						 &acc);
		for (uint32_t K = 0; K < nr / MC_PMD_NR && K < MAXPAGES / MC_PMD_NR; K++)
			for (int k = 0; k < w->pmd[mm][fi][K]; k++)
				M->smaps_account(&w->ctx, f, w->state[fi], K * MC_PMD_NR, MC_PMD_NR,
						 MC_LEVEL_PMD, &q, &acc);
	}
	return acc;
}

/* ---- the tables ------------------------------------------------------------------ */

/* One row per step, like the spec's tables: kept out of clang-format. */
/* clang-format off */
#define OP(t, lvl, fl, fst, n, m, src) \
	{ .type = MC_OP_##t, .level = MC_LEVEL_##lvl, .flags = (fl), .first = (fst), .nr = (n), \
	  .mm = (m), .src_mm = (src) }
#define EXCL MC_OPF_EXCLUSIVE

/* clang-format on */

struct mm_expect {
	uint32_t mm; /* 0 = end of list */
	int64_t pss_kb; /* (pss >> 12) >> 10, as smaps prints it */
	int64_t private_pages, shared_pages;
};

struct step {
	const char *name;
	struct mc_op ops[3]; /* applied to folio 0, unless fop[i] says 1 */
	int fop[3];
	int32_t lm;
	int64_t t;
	uint32_t id0;
	int32_t smc0;
	uint32_t id1;
	int32_t smc1;
	int sh, mc, avg, msh, partial;
	uint32_t ref; /* folio refcount for smaps / COW */
	int64_t mapped, pmdmapped; /* NR_*_MAPPED and NR_*PMDMAPPED of the kind, absolute */
	const char *pae; /* pages with PG_anon_exclusive, "a-b,c" */
	struct mm_expect mms[3];
	int cow_mm, cow_page, cow_reuse; /* cow_mm 0: no COW query */
};

static bool pae_expected(const char *spec, uint32_t page)
{
	const char *s = spec;

	while (*s) {
		char *end;
		unsigned long lo = strtoul(s, &end, 10), hi = lo;

		if (*end == '-')
			hi = strtoul(end + 1, &end, 10);
		if (page >= lo && page <= hi)
			return true;
		s = *end ? end + 1 : end;
	}
	return false;
}

static int64_t vm_mapped(const struct world *w)
{
	return w->ctx.vm[w->f[0].kind == MC_KIND_ANON ? MC_NR_ANON_MAPPED : MC_NR_FILE_MAPPED];
}

static int64_t vm_pmdmapped(const struct world *w)
{
	static const int item[] = {MC_NR_ANON_THPS, MC_NR_FILE_PMDMAPPED, MC_NR_SHMEM_PMDMAPPED};

	return w->ctx.vm[item[w->f[0].kind]];
}

static void check_step(struct world *w, const char *ex, const struct step *st)
{
	const struct mc_folio *f = &w->f[0];
	const struct tmpages_large *s = w->state[0];
	const void *sv = w->state[0];
	uint32_t nr = mc_folio_nr_pages(f), bad_pae = 0, bad_kpc = 0, bad_pm = 0;

	is_int(s->large_mapcount, st->lm, "%s %s: LM", ex, st->name);
	is_int(s->total_mapped_pages, st->t, "%s %s: T", ex, st->name);
	is_int(tmpages_slot_id(s, 0), st->id0, "%s %s: slot 0 id", ex, st->name);
	is_int(s->mm_id_mapcount[0], st->smc0, "%s %s: slot 0 mapcount", ex, st->name);
	is_int(tmpages_slot_id(s, 1), st->id1, "%s %s: slot 1 id", ex, st->name);
	is_int(s->mm_id_mapcount[1], st->smc1, "%s %s: slot 1 mapcount", ex, st->name);
	is_int(tmpages_shared_bit(s), st->sh, "%s %s: SH", ex, st->name);
	is_int(M->partially_mapped(&w->ctx, f, sv), st->partial, "%s %s: PARTIAL", ex, st->name);
	is_int(M->folio_mapcount(&w->ctx, f, sv), st->mc, "%s %s: folio_mapcount", ex, st->name);
	is_int(M->folio_mapped(&w->ctx, f, sv), st->mc > 0, "%s %s: folio_mapped", ex, st->name);
	is_int(M->maybe_shared(&w->ctx, f, sv), st->msh, "%s %s: maybe_shared", ex, st->name);
	for (uint32_t p = 0; p < nr; p++) {
		bad_pae += M->anon_exclusive(&w->ctx, f, sv, p) != pae_expected(st->pae, p);
		bad_kpc += M->page_mapcount(&w->ctx, f, sv, p) != st->avg;
		bad_pm += M->pagemap_exclusive(&w->ctx, f, sv, p, MC_LEVEL_PTE) == st->msh;
	}
	is_int(bad_pae, 0, "%s %s: PAE = {%s}", ex, st->name, st->pae);
	is_int(bad_kpc, 0, "%s %s: kpagecount = avg %d on all pages", ex, st->name, st->avg);
	is_int(bad_pm, 0, "%s %s: pagemap exclusive = !maybe_shared", ex, st->name);
	is_int(vm_mapped(w), st->mapped, "%s %s: NR_*_MAPPED", ex, st->name);
	is_int(vm_pmdmapped(w), st->pmdmapped, "%s %s: NR_*PMDMAPPED", ex, st->name);
	is_int(w->ctx.violations, 0, "%s %s: no invariant breach", ex, st->name);
	is_int(w->ctx.overflows, 0, "%s %s: no overflow", ex, st->name);
	for (const struct mm_expect *e = st->mms; e < st->mms + 3 && e->mm; e++) {
		struct mc_smaps sm = world_smaps(w, e->mm, st->ref);

		is_int(sm.pss >> MC_PSS_SHIFT >> 10, e->pss_kb, "%s %s: mm %u Pss kB", ex, st->name,
		       e->mm);
		is_int(sm.private_ / MC_PAGE_SIZE, e->private_pages, "%s %s: mm %u private pages",
		       ex, st->name, e->mm);
		is_int(sm.shared / MC_PAGE_SIZE, e->shared_pages, "%s %s: mm %u shared pages", ex,
		       st->name, e->mm);
	}
	if (st->cow_mm) {
		struct mc_query_ctx q = {.mm = st->cow_mm, .refcount = st->ref};

		is_int(M->cow_reuse(&w->ctx, f, sv, st->cow_page, MC_LEVEL_PTE, &q), st->cow_reuse,
		       "%s %s: COW by mm %d on page %d reuses", ex, st->name, st->cow_mm,
		       st->cow_page);
	}
}

static void run_steps(struct world *w, const char *ex, const struct step *steps, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct step *st = &steps[i];

		for (int k = 0; k < 3 && st->ops[k].nr; k++)
			world_apply(w, st->fop[k], &st->ops[k]);
		check_step(w, ex, st);
	}
}

/* clang-format off */
/* (a) anon PMD THP in A, fork B, A remaps and unmaps half, B exits */
static const struct step example_a[] = {
	{ "a0 allocated", .lm = -1, .smc0 = -1, .smc1 = -1, .pae = "" },
	{ "a1 NEW_ANON", { OP(NEW_ANON, PMD, EXCL, 0, 512, A, 0) }, .lm = 0, .t = 512, .id0 = A,
	  .smc0 = 0, .smc1 = -1, .mc = 1, .avg = 1, .ref = 1, .mapped = 512, .pmdmapped = 512,
	  .pae = "0", .mms = { { A, 2048, 512, 0 } } },
	{ "a2 fork B", { OP(DUP, PMD, 0, 0, 512, B, A) }, .lm = 1, .t = 1024, .id0 = A,
	  .smc0 = 0, .id1 = B, .smc1 = 0, .sh = 1, .mc = 2, .avg = 2, .msh = 1, .ref = 2,
	  .mapped = 512, .pmdmapped = 512, .pae = "",
	  .mms = { { A, 1024, 0, 512 }, { B, 1024, 0, 512 } } },
	{ "a3 A remaps", { OP(REMAP, PMD, 0, 0, 512, A, 0) }, .lm = 512, .t = 1024, .id0 = A,
	  .smc0 = 511, .id1 = B, .smc1 = 0, .sh = 1, .mc = 513, .avg = 2, .msh = 1, .ref = 513,
	  .mapped = 512, .pmdmapped = 512, .pae = "",
	  .mms = { { A, 1024, 0, 512 }, { B, 1024, 0, 512 } } },
	{ "a4 A zaps 256..511", { OP(REMOVE, PTE, 0, 256, 256, A, 0) }, .lm = 256, .t = 768,
	  .id0 = A, .smc0 = 255, .id1 = B, .smc1 = 0, .sh = 1, .mc = 257, .avg = 2, .msh = 1,
	  .ref = 257, .mapped = 512, .pmdmapped = 512, .pae = "",
	  .mms = { { A, 512, 0, 256 }, { B, 1024, 0, 512 } } },
	{ "a5 B exits", { OP(REMOVE, PMD, 0, 0, 512, B, 0) }, .lm = 255, .t = 256, .id0 = A,
	  .smc0 = 255, .smc1 = -1, .mc = 256, .avg = 1, .partial = 1, .ref = 256, .mapped = 512,
	  .pae = "", .mms = { { A, 1024, 256, 0 } }, .cow_mm = A, .cow_page = 0, .cow_reuse = 1 },
};

/* (b) order-10 anon folio mapped by two PMDs (scenario form of b1) */
static const struct step example_b[] = {
	{ "b1' map A pmd 0", { OP(NEW_ANON, PMD, EXCL, 0, 512, A, 0) }, .lm = 0, .t = 512,
	  .id0 = A, .smc0 = 0, .smc1 = -1, .mc = 1, .avg = 1, .ref = 1, .mapped = 1024,
	  .pae = "0", .mms = { { A, 2048, 512, 0 } } },
	{ "b1 map A pmd 1", { OP(ADD, PMD, EXCL, 512, 512, A, 0) }, .lm = 1, .t = 1024,
	  .id0 = A, .smc0 = 1, .smc1 = -1, .mc = 2, .avg = 1, .ref = 2, .mapped = 1024,
	  .pae = "0,512", .mms = { { A, 4096, 1024, 0 } } },
	{ "b2a fork B: PMD 0", { OP(DUP, PMD, 0, 0, 512, B, A) }, .lm = 2, .t = 1536, .id0 = A,
	  .smc0 = 1, .id1 = B, .smc1 = 0, .sh = 1, .mc = 3, .avg = 2, .msh = 1, .ref = 3,
	  .mapped = 1024, .pae = "512" },
	{ "b2 fork B: PMD 1", { OP(DUP, PMD, 0, 512, 512, B, A) }, .lm = 3, .t = 2048, .id0 = A,
	  .smc0 = 1, .id1 = B, .smc1 = 1, .sh = 1, .mc = 4, .avg = 2, .msh = 1, .ref = 4,
	  .mapped = 1024, .pae = "", .mms = { { A, 2048, 0, 1024 }, { B, 2048, 0, 1024 } } },
	{ "b3 A unmaps PMD 1", { OP(REMOVE, PMD, 0, 512, 512, A, 0) }, .lm = 2, .t = 1536,
	  .id0 = A, .smc0 = 0, .id1 = B, .smc1 = 1, .sh = 1, .mc = 3, .avg = 2, .msh = 1,
	  .ref = 3, .mapped = 1024, .pae = "", .mms = { { A, 1024, 0, 512 }, { B, 2048, 0, 1024 } } },
	{ "b4a B exit: PMD 0", { OP(REMOVE, PMD, 0, 0, 512, B, 0) }, .lm = 1, .t = 1024,
	  .id0 = A, .smc0 = 0, .id1 = B, .smc1 = 0, .sh = 1, .mc = 2, .avg = 1, .msh = 1,
	  .ref = 2, .mapped = 1024, .pae = "" },
	{ "b4 B exit: PMD 1", { OP(REMOVE, PMD, 0, 512, 512, B, 0) }, .lm = 0, .t = 512,
	  .id0 = A, .smc0 = 0, .smc1 = -1, .mc = 1, .avg = 1, .partial = 1, .ref = 1,
	  .mapped = 1024, .pae = "", .mms = { { A, 2048, 512, 0 } } },
	{ "b5 A unmaps PMD 0", { OP(REMOVE, PMD, 0, 0, 512, A, 0) }, .lm = -1, .t = 0,
	  .smc0 = -1, .smc1 = -1, .partial = 1, .pae = "" },
};

/* (b) b1 as the kernel's folio_add_new_anon_rmap does it: two PMDs at once */
static const struct step example_b1_kernel = {
	"b1 kernel NEW_ANON order 10", .lm = 1, .t = 1024, .id0 = A, .smc0 = 1, .smc1 = -1,
	.mc = 2, .avg = 1, .ref = 2, .mapped = 1024, .pae = "0,512",
	.mms = { { A, 4096, 1024, 0 } } };
/* clang-format on */

static void test_example_b_kernel_new_anon(void)
{
	struct world *w = world_new(MC_KIND_ANON, 10);
	uint64_t atomics = w->ctx.atomics, lines = w->ctx.cachelines;

	tmpages_new_anon(&w->ctx, &w->f[0], w->state[0], A, true);
	w->pmd[A][0][0] = w->pmd[A][0][1] = 1;
	check_step(w, "(b)", &example_b1_kernel);
	is_int(w->ctx.atomics - atomics, 2, "(b) NEW_ANON order 10: N/512 = 2 atomics");
	is_int(w->ctx.cachelines - lines, 3, "(b) NEW_ANON order 10: pages 0, 1, 512 = 3 lines");
	run_steps(w, "(b)", example_b + 2, sizeof(example_b) / sizeof(example_b[0]) - 2);
	world_free(w);
}

/* clang-format off */
/* (c) 16-page anon mTHP; A keeps 3 pages; fork B; B COW-writes page 0; B exits */
static const struct step example_c[] = {
	{ "c1 NEW_ANON", { OP(NEW_ANON, PTE, EXCL, 0, 16, A, 0) }, .lm = 15, .t = 16, .id0 = A,
	  .smc0 = 15, .smc1 = -1, .mc = 16, .avg = 1, .ref = 16, .mapped = 16, .pae = "0-15",
	  .mms = { { A, 64, 16, 0 } } },
	{ "c2 A DONTNEED 3..15", { OP(REMOVE, PTE, 0, 3, 13, A, 0) }, .lm = 2, .t = 3, .id0 = A,
	  .smc0 = 2, .smc1 = -1, .mc = 3, .avg = 1, .partial = 1, .ref = 3, .mapped = 16,
	  .pae = "0-15", .mms = { { A, 12, 3, 0 } } },
	{ "c3 fork B", { OP(DUP, PTE, 0, 0, 3, B, A) }, .lm = 5, .t = 6, .id0 = A, .smc0 = 2,
	  .id1 = B, .smc1 = 2, .sh = 1, .mc = 6, .avg = 1, .msh = 1, .partial = 1, .ref = 6,
	  .mapped = 16, .pae = "3-15", .mms = { { A, 12, 0, 3 }, { B, 12, 0, 3 } },
	  .cow_mm = B, .cow_page = 0, .cow_reuse = 0 },
	{ "c4 B COW-copies page 0",
	  { OP(NEW_ANON, PTE, EXCL, 0, 1, B, 0), OP(REMOVE, PTE, 0, 0, 1, B, 0) }, { 1, 0 },
	  .lm = 4, .t = 5, .id0 = A, .smc0 = 2, .id1 = B, .smc1 = 1, .sh = 1, .mc = 5, .avg = 1,
	  .msh = 1, .partial = 1, .ref = 5, .mapped = 17, .pae = "3-15",
	  .mms = { { A, 12, 0, 3 }, { B, 12, 1, 2 } } },
	{ "c5 B exits", { OP(REMOVE, PTE, 0, 1, 2, B, 0), OP(REMOVE, PTE, 0, 0, 1, B, 0) },
	  { 0, 1 }, .lm = 2, .t = 3, .id0 = A, .smc0 = 2, .smc1 = -1, .mc = 3, .avg = 1,
	  .partial = 1, .ref = 3, .mapped = 16, .pae = "3-15", .mms = { { A, 12, 3, 0 } } },
};

/* (d) 512-page shmem folio: A by PMD, B and C by PTEs; REF = 512 + entries */
static const struct step example_d[] = {
	{ "d1 A maps PMD", { OP(ADD, PMD, 0, 0, 512, A, 0) }, .lm = 0, .t = 512, .id0 = A,
	  .smc0 = 0, .smc1 = -1, .mc = 1, .avg = 1, .ref = 513, .mapped = 512, .pmdmapped = 512,
	  .pae = "", .mms = { { A, 2048, 512, 0 } } },
	{ "d2 B maps 0..127", { OP(ADD, PTE, 0, 0, 128, B, 0) }, .lm = 128, .t = 640, .id0 = A,
	  .smc0 = 0, .id1 = B, .smc1 = 127, .sh = 1, .mc = 129, .avg = 1, .msh = 1, .ref = 641,
	  .mapped = 512, .pmdmapped = 512, .pae = "",
	  .mms = { { A, 2048, 0, 512 }, { B, 512, 0, 128 } } },
	{ "d3 C maps 0..15", { OP(ADD, PTE, 0, 0, 16, C, 0) }, .lm = 144, .t = 656, .id0 = A,
	  .smc0 = 0, .id1 = B, .smc1 = 127, .sh = 1, .mc = 145, .avg = 1, .msh = 1, .ref = 657,
	  .mapped = 512, .pmdmapped = 512, .pae = "",
	  .mms = { { A, 2048, 0, 512 }, { B, 512, 0, 128 }, { C, 64, 0, 16 } } },
	{ "d4 B maps 128..511", { OP(ADD, PTE, 0, 128, 384, B, 0) }, .lm = 528, .t = 1040,
	  .id0 = A, .smc0 = 0, .id1 = B, .smc1 = 511, .sh = 1, .mc = 529, .avg = 2, .msh = 1,
	  .ref = 1041, .mapped = 512, .pmdmapped = 512, .pae = "",
	  .mms = { { A, 1024, 0, 512 }, { B, 1024, 0, 512 }, { C, 32, 0, 16 } } },
	{ "d5 A munmaps", { OP(REMOVE, PMD, 0, 0, 512, A, 0) }, .lm = 527, .t = 528, .smc0 = -1,
	  .id1 = B, .smc1 = 511, .sh = 1, .mc = 528, .avg = 1, .msh = 1, .ref = 1040,
	  .mapped = 512, .pae = "", .mms = { { B, 2048, 0, 512 }, { C, 64, 0, 16 } } },
	{ "d6 C munmaps", { OP(REMOVE, PTE, 0, 0, 16, C, 0) }, .lm = 511, .t = 512, .smc0 = -1,
	  .id1 = B, .smc1 = 511, .mc = 512, .avg = 1, .ref = 1024, .mapped = 512, .pae = "",
	  .mms = { { B, 2048, 512, 0 } } },
};

/* (e) PMD THP, A and B: a missed partial mapping, then a late hit */
static const struct step example_e[] = {
	{ "e1 NEW_ANON", { OP(NEW_ANON, PMD, EXCL, 0, 512, A, 0) }, .lm = 0, .t = 512, .id0 = A,
	  .smc0 = 0, .smc1 = -1, .mc = 1, .avg = 1, .ref = 1, .mapped = 512, .pmdmapped = 512,
	  .pae = "0", .mms = { { A, 2048, 512, 0 } } },
	{ "e2 fork B", { OP(DUP, PMD, 0, 0, 512, B, A) }, .lm = 1, .t = 1024, .id0 = A,
	  .smc0 = 0, .id1 = B, .smc1 = 0, .sh = 1, .mc = 2, .avg = 2, .msh = 1, .ref = 2,
	  .mapped = 512, .pmdmapped = 512, .pae = "",
	  .mms = { { A, 1024, 0, 512 }, { B, 1024, 0, 512 } } },
	{ "e3 A DONTNEED 256..511",
	  { OP(REMAP, PMD, 0, 0, 512, A, 0), OP(REMOVE, PTE, 0, 256, 256, A, 0) }, .lm = 256,
	  .t = 768, .id0 = A, .smc0 = 255, .id1 = B, .smc1 = 0, .sh = 1, .mc = 257, .avg = 2,
	  .msh = 1, .ref = 257, .mapped = 512, .pmdmapped = 512, .pae = "",
	  .mms = { { A, 512, 0, 256 }, { B, 1024, 0, 512 } } },
	{ "e4a B REMAP: add 512 PTEs", { OP(ADD, PTE, 0, 0, 512, B, 0) }, .lm = 768, .t = 1280,
	  .id0 = A, .smc0 = 255, .id1 = B, .smc1 = 512, .sh = 1, .mc = 769, .avg = 3, .msh = 1,
	  .mapped = 512, .pmdmapped = 512, .pae = "" },
	{ "e4b B REMAP: remove PMD", { OP(REMOVE, PMD, 0, 0, 512, B, 0) }, .lm = 767, .t = 768,
	  .id0 = A, .smc0 = 255, .id1 = B, .smc1 = 511, .sh = 1, .mc = 768, .avg = 2, .msh = 1,
	  .mapped = 512, .pae = "" },
	{ "e4 B zaps 256..511 (miss)", { OP(REMOVE, PTE, 0, 256, 256, B, 0) }, .lm = 511,
	  .t = 512, .id0 = A, .smc0 = 255, .id1 = B, .smc1 = 255, .sh = 1, .mc = 512, .avg = 1,
	  .msh = 1, .ref = 512, .mapped = 512, .pae = "",
	  .mms = { { A, 1024, 0, 256 }, { B, 1024, 0, 256 } } },
	{ "e5 B exits (late hit)", { OP(REMOVE, PTE, 0, 0, 256, B, 0) }, .lm = 255, .t = 256,
	  .id0 = A, .smc0 = 255, .smc1 = -1, .mc = 256, .avg = 1, .partial = 1, .ref = 256,
	  .mapped = 512, .pae = "", .mms = { { A, 1024, 256, 0 } } },
};

/* (f) fork chain A -> B -> C on a 16-page mTHP, then exits in two orders */
#define F_STEPS_1_TO_5                                                                          \
	{ "f1 NEW_ANON", { OP(NEW_ANON, PTE, EXCL, 0, 16, A, 0) }, .lm = 15, .t = 16, .id0 = A,  \
	  .smc0 = 15, .smc1 = -1, .mc = 16, .avg = 1, .ref = 16, .mapped = 16, .pae = "0-15",   \
	  .mms = { { A, 64, 16, 0 } } },                                                        \
	{ "f2 A forks B", { OP(DUP, PTE, 0, 0, 16, B, A) }, .lm = 31, .t = 32, .id0 = A,         \
	  .smc0 = 15, .id1 = B, .smc1 = 15, .sh = 1, .mc = 32, .avg = 2, .msh = 1, .ref = 32,   \
	  .mapped = 16, .pae = "", .mms = { { A, 32, 0, 16 }, { B, 32, 0, 16 } } },             \
	{ "f3 B forks C", { OP(DUP, PTE, 0, 0, 16, C, B) }, .lm = 47, .t = 48, .id0 = A,         \
	  .smc0 = 15, .id1 = B, .smc1 = 15, .sh = 1, .mc = 48, .avg = 3, .msh = 1, .ref = 48,   \
	  .mapped = 16, .pae = "", .mms = { { A, 21, 0, 16 }, { B, 21, 0, 16 }, { C, 21, 0, 16 } } }, \
	{ "f4 B munmaps 8..15", { OP(REMOVE, PTE, 0, 8, 8, B, 0) }, .lm = 39, .t = 40, .id0 = A, \
	  .smc0 = 15, .id1 = B, .smc1 = 7, .sh = 1, .mc = 40, .avg = 3, .msh = 1, .ref = 40,    \
	  .mapped = 16, .pae = "", .mms = { { A, 21, 0, 16 }, { B, 10, 0, 8 }, { C, 21, 0, 16 } } }, \
	{ "f5 B exits", { OP(REMOVE, PTE, 0, 0, 8, B, 0) }, .lm = 31, .t = 32, .id0 = A,         \
	  .smc0 = 15, .smc1 = -1, .sh = 1, .mc = 32, .avg = 2, .msh = 1, .ref = 32, .mapped = 16, \
	  .pae = "", .mms = { { A, 32, 0, 16 }, { C, 32, 0, 16 } } }

static const struct step example_f[] = {
	F_STEPS_1_TO_5,
	{ "f6 C exits", { OP(REMOVE, PTE, 0, 0, 16, C, 0) }, .lm = 15, .t = 16, .id0 = A,
	  .smc0 = 15, .smc1 = -1, .mc = 16, .avg = 1, .ref = 16, .mapped = 16, .pae = "",
	  .mms = { { A, 64, 16, 0 } }, .cow_mm = A, .cow_page = 3, .cow_reuse = 1 },
};

static const struct step example_f_alt[] = {
	F_STEPS_1_TO_5,
	{ "f6' A exits instead", { OP(REMOVE, PTE, 0, 0, 16, A, 0) }, .lm = 15, .t = 16,
	  .smc0 = -1, .smc1 = -1, .sh = 1, .mc = 16, .avg = 1, .msh = 1, .ref = 16, .mapped = 16,
	  .pae = "", .mms = { { C, 64, 0, 16 } }, .cow_mm = C, .cow_page = 0, .cow_reuse = 0 },
	{ "f7' C DONTNEED 0..7", { OP(REMOVE, PTE, 0, 0, 8, C, 0) }, .lm = 7, .t = 8,
	  .smc0 = -1, .smc1 = -1, .sh = 1, .mc = 8, .avg = 1, .msh = 1, .partial = 1, .ref = 8,
	  .mapped = 16, .pae = "", .mms = { { C, 32, 0, 8 } } },
};

/* clang-format on */

#define RUN_EXAMPLE(name, kind, order, table)                                                    \
	do {                                                                                     \
		struct world *w_ = world_new(kind, order);                                       \
		check_step(                                                                      \
			w_, name,                                                                \
			&(struct step){"initial", .lm = -1, .smc0 = -1, .smc1 = -1, .pae = ""}); \
		run_steps(w_, name, table, sizeof(table) / sizeof(table[0]));                    \
		world_free(w_);                                                                  \
	} while (0)

static void test_examples(void)
{
	struct world *w;

	RUN_EXAMPLE("(a)", MC_KIND_ANON, 9, example_a);
	RUN_EXAMPLE("(b)", MC_KIND_ANON, 10, example_b);
	test_example_b_kernel_new_anon();

	w = world_new(MC_KIND_ANON, 4);
	world_folio(w, 1, MC_KIND_ANON, 0); /* G, B's COW copy of page 0 */
	run_steps(w, "(c)", example_c, sizeof(example_c) / sizeof(example_c[0]));
	is_int(M->folio_mapcount(&w->ctx, &w->f[1], w->state[1]), 0, "(c) c5: G unmapped");
	world_free(w);

	RUN_EXAMPLE("(d)", MC_KIND_SHMEM, 9, example_d);
	RUN_EXAMPLE("(e)", MC_KIND_ANON, 9, example_e);
	RUN_EXAMPLE("(f)", MC_KIND_ANON, 4, example_f);
	RUN_EXAMPLE("(f')", MC_KIND_ANON, 4, example_f_alt);
}

/* ---- costs, spec section 4 --------------------------------------------------------- */

struct cost_case {
	const char *what;
	unsigned int kind, order;
	struct mc_op setup[2]; /* applied first, not measured */
	struct mc_op op; /* measured */
	uint64_t atomics, lines;
	const char *spec; /* section 4's figure, for the diag table (NULL: not shown) */
};

/* clang-format off */
static const struct cost_case cost_cases[] = {
	{ "PTE map, 1 page", MC_KIND_FILE, 4, .op = OP(ADD, PTE, 0, 0, 1, A, 0), 1, 2, "1 / 2" },
	{ "PTE map, 16 pages (one batch)", MC_KIND_FILE, 4, .op = OP(ADD, PTE, 0, 0, 16, A, 0),
	  1, 2, "1 / 2" },
	{ "PMD map", MC_KIND_FILE, 9, .op = OP(ADD, PMD, 0, 0, 512, A, 0), 1, 2, "1 / 2" },
	{ "fork dup of a PMD THP (PAE set)", MC_KIND_ANON, 9,
	  { OP(NEW_ANON, PMD, EXCL, 0, 512, A, 0) }, OP(DUP, PMD, 0, 0, 512, B, A), 2, 2,
	  "1 + x = 2 / 2" },
	{ "PMD remap (PAE clear)", MC_KIND_ANON, 9,
	  { OP(NEW_ANON, PMD, EXCL, 0, 512, A, 0), OP(DUP, PMD, 0, 0, 512, B, A) },
	  OP(REMAP, PMD, 0, 0, 512, A, 0), 3, 2, "3 / 2" },
	{ "PMD remap (PAE set)", MC_KIND_ANON, 9, { OP(NEW_ANON, PMD, EXCL, 0, 512, A, 0) },
	  OP(REMAP, PMD, 0, 0, 512, A, 0), 3 + 512, 512, "3 + 512 / 2 (+512)" },
	{ "NEW_ANON mTHP 16 excl", MC_KIND_ANON, 4, .op = OP(NEW_ANON, PTE, EXCL, 0, 16, A, 0),
	  16, 16, "N / N" },
	{ "NEW_ANON PMD THP excl", MC_KIND_ANON, 9, .op = OP(NEW_ANON, PMD, EXCL, 0, 512, A, 0),
	  1, 2, "1 / 2" },
	{ "DUP anon PTE 16, x = 16", MC_KIND_ANON, 4, { OP(NEW_ANON, PTE, EXCL, 0, 16, A, 0) },
	  OP(DUP, PTE, 0, 0, 16, B, A), 1 + 16, 16, "1 + x / 2 + n (union)" },
	{ "DUP anon PTE 16, x = 0", MC_KIND_ANON, 4,
	  { OP(NEW_ANON, PTE, EXCL, 0, 16, A, 0), OP(DUP, PTE, 0, 0, 16, B, A) },
	  OP(DUP, PTE, 0, 0, 16, C, B), 1, 16, NULL },
	{ "ADD anon PTE 4 at page 4, excl", MC_KIND_ANON, 4,
	  { OP(NEW_ANON, PTE, EXCL, 0, 4, A, 0) }, OP(ADD, PTE, EXCL, 4, 4, A, 0), 1 + 4, 6,
	  "1 + n / 2 + n (union)" },
	{ "REMOVE PTE 16", MC_KIND_FILE, 4, { OP(ADD, PTE, 0, 0, 16, A, 0) },
	  OP(REMOVE, PTE, 0, 0, 16, A, 0), 1, 2, "1 / 2" },
	{ "REMOVE PTE 8 that queues", MC_KIND_ANON, 4, { OP(NEW_ANON, PTE, EXCL, 0, 16, A, 0) },
	  OP(REMOVE, PTE, 0, 8, 8, A, 0), 1 + 2, 3, "1 + 2 / 2 + 1" },
	{ "REMOVE PTE, already PARTIAL", MC_KIND_ANON, 4,
	  { OP(NEW_ANON, PTE, EXCL, 0, 16, A, 0), OP(REMOVE, PTE, 0, 8, 8, A, 0) },
	  OP(REMOVE, PTE, 0, 4, 4, A, 0), 1, 2, NULL },
	{ "REMOVE PMD", MC_KIND_ANON, 9, { OP(NEW_ANON, PMD, EXCL, 0, 512, A, 0) },
	  OP(REMOVE, PMD, 0, 0, 512, A, 0), 1, 2, "1 / 2" },
	{ "ADD anon PMD K=1 excl (order 10)", MC_KIND_ANON, 10, .op = OP(ADD, PMD, EXCL, 512, 512,
	  A, 0), 2, 3, "1 + 1 / 2 + 1" },
	{ "PMD remap K=1, PAE set (order 10)", MC_KIND_ANON, 10,
	  { OP(NEW_ANON, PMD, EXCL, 0, 512, A, 0), OP(ADD, PMD, EXCL, 512, 512, A, 0) },
	  OP(REMAP, PMD, 0, 512, 512, A, 0), 3 + 512, 514, NULL },
	{ "PMD remap of a partial order-10 folio", MC_KIND_ANON, 10,
	  { OP(NEW_ANON, PMD, EXCL, 512, 512, A, 0) }, OP(REMAP, PMD, 0, 512, 512, A, 0),
	  3 + 512 + 2, 515, NULL },
	{ "DUP file PMD = child refault", MC_KIND_FILE, 9, { OP(ADD, PMD, 0, 0, 512, A, 0) },
	  OP(DUP, PMD, 0, 0, 512, B, A), 1, 2, NULL },
	{ "DUP file PTE 16", MC_KIND_FILE, 4, { OP(ADD, PTE, 0, 0, 16, A, 0) },
	  OP(DUP, PTE, 0, 0, 16, B, A), 1, 2, "1 / 2" },
	{ "file PMD remap: zap + PTE refault", MC_KIND_FILE, 9, { OP(ADD, PMD, 0, 0, 512, A, 0) },
	  OP(REMAP, PMD, 0, 0, 512, A, 0), 2, 2, NULL },
	{ "small NEW_ANON excl", MC_KIND_ANON, 0, .op = OP(NEW_ANON, PTE, EXCL, 0, 1, A, 0), 1, 1,
	  "1 / 1" },
	{ "small DUP, PAE cleared", MC_KIND_ANON, 0, { OP(NEW_ANON, PTE, EXCL, 0, 1, A, 0) },
	  OP(DUP, PTE, 0, 0, 1, B, A), 2, 1, NULL },
	{ "small REMOVE", MC_KIND_ANON, 0, { OP(NEW_ANON, PTE, EXCL, 0, 1, A, 0) },
	  OP(REMOVE, PTE, 0, 0, 1, A, 0), 1, 1, "1 / 1" },
};

/* clang-format on */

static void test_costs(void)
{
	tap_diag("%-36s %8s %6s | %s", "operation (64-bit)", "atomics", "lines",
		 "spec section 4: RMW / lines");
	for (size_t i = 0; i < sizeof(cost_cases) / sizeof(cost_cases[0]); i++) {
		const struct cost_case *cc = &cost_cases[i];
		struct world *w = world_new(cc->kind, cc->order);
		uint64_t atomics, lines;

		for (int k = 0; k < 2 && cc->setup[k].nr; k++)
			world_apply(w, 0, &cc->setup[k]);
		atomics = w->ctx.atomics;
		lines = w->ctx.cachelines;
		world_apply(w, 0, &cc->op);
		atomics = w->ctx.atomics - atomics;
		lines = w->ctx.cachelines - lines;
		is_int(atomics, cc->atomics, "cost %s: atomics", cc->what);
		is_int(lines, cc->lines, "cost %s: cache lines", cc->what);
		is_int(w->ctx.violations, 0, "cost %s: valid op stream", cc->what);
		if (cc->spec)
			tap_diag("%-36s %8" PRIu64 " %6" PRIu64 " | %s", cc->what, atomics, lines,
				 cc->spec);
		world_free(w);
	}
}

/* ---- geometry the RFC newly allows ------------------------------------------------- */

static void test_geometry(void)
{
	const struct tmpages_large *s;
	struct world *w;

	/* P13's own example: 512-page folio by two PMDs and one PTE */
	w = world_new(MC_KIND_FILE, 9);
	s = w->state[0];
	world_apply(w, 0, &(struct mc_op)OP(ADD, PMD, 0, 0, 512, A, 0));
	world_apply(w, 0, &(struct mc_op)OP(ADD, PMD, 0, 0, 512, B, 0));
	world_apply(w, 0, &(struct mc_op)OP(ADD, PTE, 0, 7, 1, C, 0));
	is_int(s->large_mapcount + 1, 3, "P13 example: mapcount 3");
	is_int(s->total_mapped_pages, 1025, "P13 example: 1025 total mapped pages");
	is_int(w->ctx.vm[MC_NR_FILE_PMDMAPPED], 512, "P13 example: FilePmdMapped once");
	world_apply(w, 0, &(struct mc_op)OP(REMOVE, PMD, 0, 0, 512, A, 0));
	is_int(w->ctx.vm[MC_NR_FILE_PMDMAPPED], 512, "one PMD left: FilePmdMapped stays");
	world_apply(w, 0, &(struct mc_op)OP(REMOVE, PMD, 0, 0, 512, B, 0));
	is_int(w->ctx.vm[MC_NR_FILE_PMDMAPPED], 0, "last PMD gone: T - mapcount == 0");
	is_int(w->ctx.vm[MC_NR_FILE_MAPPED], 512, "PTE left: Mapped counts the whole folio");
	world_apply(w, 0, &(struct mc_op)OP(REMOVE, PTE, 0, 7, 1, C, 0));
	is_int(w->ctx.vm[MC_NR_FILE_MAPPED], 0, "unmapped: Mapped back to 0");
	is_int(w->ctx.violations, 0, "P13 example: no invariant breach");
	M->fini(&w->ctx, &w->f[0], w->state[0]);
	is_int(w->ctx.violations, 0, "P13 example: fini finds the initial state");
	world_free(w);

	/* order 18 anon by one PUD (kernel NEW_ANON) */
	w = world_new(MC_KIND_ANON, 18);
	s = w->state[0];
	world_apply(w, 0, &(struct mc_op)OP(NEW_ANON, PUD, EXCL, 0, MC_PUD_NR, A, 0));
	is_int(s->large_mapcount, 0, "PUD NEW_ANON: LM 0");
	is_int(s->total_mapped_pages, MC_PUD_NR, "PUD NEW_ANON: T 262144");
	is_int(tmpages_pae(s, 0) + tmpages_pae(s, 1) + tmpages_pae(s, 512), 1,
	       "PUD NEW_ANON: PAE on the unit's first page only");
	is_int(w->ctx.vm[MC_NR_ANON_MAPPED], MC_PUD_NR, "PUD: AnonPages +262144");
	is_int(w->ctx.vm[MC_NR_ANON_THPS], 0, "PUD: AnonHugePages untouched");
	is_int(M->page_mapcount(&w->ctx, &w->f[0], w->state[0], 77), 1, "PUD: kpagecount 1");
	world_apply(w, 0, &(struct mc_op)OP(DUP, PUD, 0, 0, MC_PUD_NR, B, A));
	is_int(M->page_mapcount(&w->ctx, &w->f[0], w->state[0], 77), 2, "PUD dup: kpagecount 2");
	is_int(tmpages_pae(s, 0), 0, "PUD dup clears the unit's PAE");
	world_apply(w, 0, &(struct mc_op)OP(REMOVE, PUD, 0, 0, MC_PUD_NR, B, 0));
	world_apply(w, 0, &(struct mc_op)OP(REMOVE, PUD, 0, 0, MC_PUD_NR, A, 0));
	is_int(s->total_mapped_pages, 0, "PUD: all gone, T 0");
	is_int(M->partially_mapped(&w->ctx, &w->f[0], w->state[0]), 0, "PUD: never partial");
	is_int(w->ctx.violations, 0, "PUD: no invariant breach");
	world_free(w);

	/* order 18 anon by PMDs: first map is not what NEW_ANON assumes -> ADD_ANON */
	w = world_new(MC_KIND_ANON, 18);
	s = w->state[0];
	world_apply(w, 0, &(struct mc_op)OP(NEW_ANON, PMD, EXCL, 3 * 512, 512, A, 0));
	world_apply(w, 0, &(struct mc_op)OP(ADD, PMD, EXCL, 0, 512, A, 0));
	is_int(s->large_mapcount, 1, "order 18 by 2 PMDs: LM 1");
	is_int(s->total_mapped_pages, 1024, "order 18 by 2 PMDs: T 1024");
	is_int(w->ctx.vm[MC_NR_ANON_MAPPED], MC_PUD_NR, "order 18 by PMDs: whole folio counted");
	is_int(w->ctx.vm[MC_NR_ANON_THPS], 0, "order 18 by PMDs: AnonHugePages untouched");
	is_int(tmpages_pae(s, 1536) && tmpages_pae(s, 0), 1, "PAE on both PMDs' first pages");
	is_int(M->partially_mapped(&w->ctx, &w->f[0], w->state[0]), 0,
	       "add never detects a partial mapping");
	world_apply(w, 0, &(struct mc_op)OP(REMOVE, PMD, 0, 0, 512, A, 0));
	is_int(M->partially_mapped(&w->ctx, &w->f[0], w->state[0]), 1,
	       "PMD removal leaving 0 < T < N queues");
	is_int(w->ctx.events[MC_EV_THP_DEFERRED_SPLIT_PAGE], 1, "thp_deferred_split_page +1");
	is_int(w->ctx.events[MC_EV_DEFERRED_SPLIT_QUEUED], 1, "deferred split queued +1");
	world_apply(w, 0, &(struct mc_op)OP(REMAP, PMD, 0, 3 * 512, 512, A, 0));
	is_int(s->total_mapped_pages, 512, "REMAP K=3 keeps T");
	is_int(s->large_mapcount, 511, "REMAP K=3: 512 PTEs, no PMD");
	is_int(tmpages_pae(s, 1536) && tmpages_pae(s, 2047), 1, "REMAP of exclusive PMD: PAE x512");
	is_int(w->ctx.violations, 0, "order 18 by PMDs: no invariant breach");
	world_free(w);

	/* order-1 anon folio: partial but never queued (deferred_split_folio ignores it) */
	w = world_new(MC_KIND_ANON, 1);
	world_apply(w, 0, &(struct mc_op)OP(NEW_ANON, PTE, EXCL, 0, 2, A, 0));
	world_apply(w, 0, &(struct mc_op)OP(REMOVE, PTE, 0, 1, 1, A, 0));
	is_int(M->partially_mapped(&w->ctx, &w->f[0], w->state[0]), 0, "order 1: never queued");
	is_int(w->ctx.events[MC_EV_DEFERRED_SPLIT_QUEUED], 0, "order 1: no queue event");
	world_free(w);
}

/* ---- COW at PMD level and for small folios; smaps' per-kind fields ----------------- */

static bool cow(struct world *w, int fi, uint32_t mm, uint32_t page, enum mc_level level,
		uint32_t ref)
{
	struct mc_query_ctx q = {.mm = mm, .refcount = ref};

	return M->cow_reuse(&w->ctx, &w->f[fi], w->state[fi], page, level, &q);
}

static void test_cow_and_smaps_fields(void)
{
	struct world *w = world_new(MC_KIND_ANON, 9);
	struct mc_smaps sm;

	world_apply(w, 0, &(struct mc_op)OP(NEW_ANON, PMD, EXCL, 0, 512, A, 0));
	is_int(cow(w, 0, A, 5, MC_LEVEL_PMD, 1), 1, "PMD COW: PAE of the PMD's first page");
	sm = world_smaps(w, A, 1);
	is_int(sm.anon_huge, 2u << 20, "smaps: PMD entry adds 2 MiB AnonHugePages");
	is_int(sm.anonymous, 2u << 20, "smaps: Anonymous 2 MiB");
	is_int(sm.rss, 2u << 20, "smaps: Rss 2 MiB");
	is_int(sm.pss_anon, sm.pss, "smaps: all Pss is Pss_Anon");
	world_apply(w, 0, &(struct mc_op)OP(DUP, PMD, 0, 0, 512, B, A));
	is_int(cow(w, 0, A, 5, MC_LEVEL_PMD, 2), 0, "PMD COW after fork: PAE clear, REF 2: copy");
	world_apply(w, 0, &(struct mc_op)OP(REMOVE, PMD, 0, 0, 512, B, 0));
	is_int(cow(w, 0, A, 5, MC_LEVEL_PMD, 1), 1, "PMD COW: REF 1 reuses without PAE");
	is_int(cow(w, 0, A, 5, MC_LEVEL_PTE, 1), 0,
	       "PTE COW on a single mapping: copy (mapcount <= 1, let the folio go)");
	world_free(w);

	w = world_new(MC_KIND_ANON, 0);
	world_apply(w, 0, &(struct mc_op)OP(NEW_ANON, PTE, EXCL, 0, 1, A, 0));
	is_int(cow(w, 0, A, 0, MC_LEVEL_PTE, 1), 1, "small COW: PAE reuses");
	world_apply(w, 0, &(struct mc_op)OP(DUP, PTE, 0, 0, 1, B, A));
	is_int(cow(w, 0, A, 0, MC_LEVEL_PTE, 2), 0, "small COW after fork: copy");
	is_int(M->maybe_shared(&w->ctx, &w->f[0], w->state[0]), 1,
	       "small: shared iff mapcount > 1");
	world_apply(w, 0, &(struct mc_op)OP(REMOVE, PTE, 0, 0, 1, B, 0));
	is_int(cow(w, 0, A, 0, MC_LEVEL_PTE, 1), 1, "small COW: REF 1 reuses");
	w->f[0].ksm = 1;
	is_int(cow(w, 0, A, 0, MC_LEVEL_PTE, 1), 0, "small COW: a KSM page is never reused");
	world_free(w);

	w = world_new(MC_KIND_FILE, 4);
	world_apply(w, 0, &(struct mc_op)OP(ADD, PTE, 0, 0, 16, A, 0));
	world_apply(w, 0, &(struct mc_op)OP(ADD, PTE, 0, 0, 16, A, 0));
	is_int(cow(w, 0, A, 0, MC_LEVEL_PTE, 1), 0, "file folio: a write fault never reuses");
	is_int(M->maybe_shared(&w->ctx, &w->f[0], w->state[0]), 0,
	       "large file folio mapped twice by one mm: exclusive (one slot)");
	sm = world_smaps(w, A, 48);
	is_int(sm.private_, 32 * 4096, "same-mm double mapping counts as Private");
	is_int(sm.pss >> MC_PSS_SHIFT, 32 * 4096 / 2, "... with Pss divided by the average 2");
	is_int(sm.pss_file, sm.pss, "smaps: page cache Pss is Pss_File");
	is_int(sm.anonymous, 0, "smaps: no Anonymous for file");
	world_free(w);

	w = world_new(MC_KIND_SHMEM, 9);
	world_apply(w, 0, &(struct mc_op)OP(ADD, PMD, 0, 0, 512, A, 0));
	sm = world_smaps(w, A, 513);
	is_int(sm.shmem_pmd, 2u << 20, "smaps: shmem PMD adds ShmemPmdMapped");
	is_int(sm.pss_shmem, sm.pss, "smaps: shmem Pss is Pss_Shmem");
	world_free(w);
}

/* ---- the replayer's split protocol (spec 2.8) ----------------------------------------- */

static void test_split_protocol(void)
{
	struct world *w = world_new(MC_KIND_ANON, 4);
	const struct tmpages_large *s = w->state[0];
	struct mc_folio parts[4];
	void *pst[4];
	bool pae[16];
	int violations = 0;

	world_apply(w, 0, &(struct mc_op)OP(NEW_ANON, PTE, EXCL, 0, 16, A, 0));
	world_apply(w, 0, &(struct mc_op)OP(DUP, PTE, 0, 8, 8, B, A)); /* B shares 8..15 */
	for (uint32_t p = 0; p < 16; p++)
		pae[p] = tmpages_pae(s, p);
	/* try_to_migrate_one: one PTE per call; the first one queues (an artifact) */
	for (uint32_t p = 0; p < 16; p++)
		world_apply(w, 0, &(struct mc_op)OP(REMOVE, PTE, MC_OPF_FREEZE, p, 1, A, 0));
	is_int(M->partially_mapped(&w->ctx, &w->f[0], w->state[0]), 1,
	       "freeze removal per page queues the folio (kernel artifact)");
	for (uint32_t p = 8; p < 16; p++)
		world_apply(w, 0, &(struct mc_op)OP(REMOVE, PTE, MC_OPF_FREEZE, p, 1, B, 0));
	is_int(w->ctx.vm[MC_NR_ANON_MAPPED], 0, "frozen: AnonPages 0");
	M->fini(&w->ctx, &w->f[0], w->state[0]);
	is_int(w->ctx.violations, 0, "frozen folio is at the initial state");

	for (int i = 0; i < 4; i++) {
		parts[i] = (struct mc_folio){.pfn = 0x1000 + 4 * i, .slot = i, .order = 2};
		pst[i] = malloc(M->state_size(2));
		M->init(&w->ctx, &parts[i], pst[i]);
	}
	/* remove_migration_pte: one page per call, A's mappings then B's */
	for (uint32_t p = 0; p < 16; p++) {
		struct mc_op op =
			OP(ADD, PTE, MC_OPF_RESTORE | (pae[p] ? EXCL : 0), p % 4, 1, A, 0);

		M->apply(&w->ctx, &parts[p / 4], pst[p / 4], &op);
	}
	for (uint32_t p = 8; p < 16; p++) {
		struct mc_op op = OP(ADD, PTE, MC_OPF_RESTORE, p % 4, 1, B, 0);

		M->apply(&w->ctx, &parts[p / 4], pst[p / 4], &op);
	}
	is_int(w->ctx.vm[MC_NR_ANON_MAPPED], 16, "restored: 4 folios x 4 pages");
	for (int i = 0; i < 4; i++) {
		const struct tmpages_large *ps = pst[i];
		bool shared = i >= 2;

		is_int(ps->large_mapcount + 1, shared ? 8 : 4, "part %d: mapcount", i);
		is_int(ps->total_mapped_pages, shared ? 8 : 4, "part %d: T", i);
		is_int(tmpages_slot_id(ps, 0), A, "part %d: A claims slot 0", i);
		is_int(tmpages_slot_id(ps, 1), shared ? B : 0, "part %d: slot 1", i);
		is_int(tmpages_shared_bit(ps), shared, "part %d: SH", i);
		is_int(tmpages_pae(ps, 0), !shared, "part %d: PAE restored from the entry", i);
		is_int(M->partially_mapped(&w->ctx, &parts[i], pst[i]), 0, "part %d: not partial",
		       i);
	}
	violations = (int)w->ctx.violations;
	is_int(violations, 0, "split protocol: no invariant breach");
	for (int i = 0; i < 4; i++)
		free(pst[i]);
	world_free(w);
}

/* ---- overflows (spec 5) and the invariant checks (spec 1.3) ---------------------------- */

static void test_overflows(void)
{
	struct world *w = world_new(MC_KIND_FILE, 4);
	struct tmpages_large *s = w->state[0];
	struct tmpages_small *sm;

	world_apply(w, 0, &(struct mc_op)OP(ADD, PTE, 0, 0, 1, A, 0));
	/* pretend 2^31 entries exist, raw INT32_MAX (only the counters are preset) */
	s->large_mapcount = INT32_MAX;
	s->mm_id_mapcount[0] = INT32_MAX;
	s->total_mapped_pages = INT32_MAX;
	world_apply(w, 0, &(struct mc_op)OP(ADD, PTE, 0, 0, 1, A, 0));
	is_int(w->ctx.overflows, 2, "LM and SMC wrap at INT32_MAX: 2 overflows");
	is_int(s->large_mapcount, INT32_MIN, "LM wrapped in two's complement");
	is_int(s->mm_id_mapcount[0], INT32_MIN, "SMC wrapped in two's complement");
	is_int(s->total_mapped_pages, (int64_t)INT32_MAX + 1, "T is a long: no wrap at 2^31");
	ok(w->ctx.violations >= 1, "a wrapped LM breaks J3: counted as a violation");
	world_free(w);

	w = world_new(MC_KIND_FILE, 4);
	s = w->state[0];
	world_apply(w, 0, &(struct mc_op)OP(ADD, PTE, 0, 0, 1, A, 0));
	s->total_mapped_pages = INT64_MAX;
	world_apply(w, 0, &(struct mc_op)OP(ADD, PTE, 0, 1, 1, A, 0));
	is_int(w->ctx.overflows, 1, "T wraps at LONG_MAX: 1 overflow");
	is_int(s->total_mapped_pages, INT64_MIN, "T wrapped in two's complement");
	world_free(w);

	w = world_new(MC_KIND_FILE, 0);
	sm = w->state[0];
	sm->mapcount = INT32_MAX;
	world_apply(w, 0, &(struct mc_op)OP(ADD, PTE, 0, 0, 1, A, 0));
	is_int(w->ctx.overflows, 1, "small _mapcount wraps: 1 overflow");
	is_int(sm->mapcount, INT32_MIN, "small _mapcount wrapped");
	world_free(w);
}

static void test_violations(void)
{
	struct world *w = world_new(MC_KIND_ANON, 9);
	const struct tmpages_large *s = w->state[0];

	world_apply(w, 0, &(struct mc_op)OP(REMOVE, PTE, 0, 0, 1, A, 0));
	is_int(w->ctx.violations, 1, "removal of what is not mapped: violation");
	is_int(s->large_mapcount, -1, "... and the state is left alone");
	M->apply(&w->ctx, &w->f[0], w->state[0], &(struct mc_op)OP(ADD, PMD, 0, 100, 512, A, 0));
	is_int(w->ctx.violations, 2, "misaligned PMD: violation");
	M->apply(&w->ctx, &w->f[0], w->state[0], &(struct mc_op)OP(ADD, PTE, 0, 500, 13, A, 0));
	is_int(w->ctx.violations, 3, "map past the folio's end: violation");
	M->apply(&w->ctx, &w->f[0], w->state[0], &(struct mc_op)OP(ADD, PTE, 0, 0, 1, 0, 0));
	is_int(w->ctx.violations, 4, "mm id 0 (MM_ID_DUMMY): violation");
	M->apply(&w->ctx, &w->f[0], w->state[0], &(struct mc_op)OP(REMAP, PMD, 0, 0, 512, A, 0));
	is_int(w->ctx.violations, 5, "REMAP without a PMD: violation");
	world_apply(w, 0, &(struct mc_op)OP(NEW_ANON, PMD, EXCL, 0, 512, A, 0));
	world_apply(w, 0, &(struct mc_op)OP(NEW_ANON, PTE, EXCL, 0, 1, B, 0));
	is_int(w->ctx.violations, 6, "NEW_ANON of a mapped folio: violation ...");
	is_int(s->large_mapcount, 1, "... applied as an anon add");
	M->fini(&w->ctx, &w->f[0], w->state[0]);
	is_int(w->ctx.violations, 7, "fini of a mapped folio: violation");
	world_free(w);
}

static void test_sizes(void)
{
	static const unsigned int orders[] = {0, 1, 2, 4, 9, 10, 18};

	is_int(M->metadata_bytes(9), 28,
	       "metadata: 28 B per large folio (LM 4 + T 8 + SMC 8 + ids 8)");
	is_int(M->metadata_bytes(0), 0, "metadata: small folios count 0 (spec 4)");
	is_int(M->state_size(0), 5, "state: a small folio's is 5 bytes, packed");
	is_int(M->state_align(0), 1, "state: a small folio's sits at any address");
	is_int(M->state_align(4), 8, "state: a large folio's is 8-aligned");
	tap_diag("%-6s %12s %15s", "order", "state_size", "metadata_bytes");
	for (size_t i = 0; i < sizeof(orders) / sizeof(orders[0]); i++)
		tap_diag("%-6u %12zu %15zu", orders[i], M->state_size(orders[i]),
			 M->metadata_bytes(orders[i]));
}

int main(void)
{
	test_examples();
	test_costs();
	test_geometry();
	test_cow_and_smaps_fields();
	test_split_protocol();
	test_overflows();
	test_violations();
	test_sizes();
	return tap_done();
}
