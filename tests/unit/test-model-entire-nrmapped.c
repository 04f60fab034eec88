// SPDX-License-Identifier: GPL-2.0
/*
 * entire-nrmapped (v6.6) and entire-nrmapped-6.12: the worked examples of
 * shared/spec/models/entire-nrmapped.md section 6 step by step (every
 * counter and query after every step), the section 4 costs, overflow, the
 * split protocol, extension rules and invariant breaches.
 */
#include <string.h>

#include "models/entire-nrmapped.h"
#include "tests/tap.h"

extern const struct mc_model mc_model_entire_nrmapped;
extern const struct mc_model mc_model_entire_nrmapped_612;

#define E EN_ENTIRELY_MAPPED
#define PG(x) ((uint64_t)(x) << 24) /* PSS of x pages: bytes << PSS_SHIFT */
#define THIRD ((uint64_t)(1 << 24) / 3) /* floor(2^24 / 3): one page shared by three */
#define X MC_OPF_EXCLUSIVE
#define V66 1u
#define V612 2u
#define VBOTH 3u

enum { A = 1, B = 2, C = 3, NMM = 4 };
enum { F = 0, G = 1, NFOLIO = 2 }; /* G: the order-0 COW copy */

static const struct mc_model *const models[2] = {&mc_model_entire_nrmapped,
						 &mc_model_entire_nrmapped_612};
static const char *const vname[2] = {"6.6", "6.12"};

/* ---- a small shadow of the page tables, enough for smaps and refcounts ---- */

struct tfolio {
	struct mc_folio f;
	void *s; /* struct en_small (order 0) or struct en_state */
	uint8_t pte[NMM][MC_PMD_NR]; /* PTE entries per mm and page */
	uint8_t pmd[NMM]; /* PMD entries per mm */
};

struct world {
	enum en_version v;
	const struct mc_model *m;
	struct mc_model_ctx ctx;
	struct tfolio fo[NFOLIO];
};

/* The state of a large test folio */
static struct en_state *big(const struct tfolio *t)
{
	return t->s;
}

static void world_init(struct world *w, enum en_version v, unsigned int kind, unsigned int order)
{
	memset(w, 0, sizeof(*w));
	w->v = v;
	w->m = models[v];
	w->ctx.model = w->m;
	for (int i = 0; i < NFOLIO; i++) {
		struct tfolio *t = &w->fo[i];

		t->f.pfn = 0x1000u * (i + 1);
		t->f.slot = i;
		t->f.order = i == F ? order : 0;
		t->f.kind = i == F ? kind : MC_KIND_ANON;
		t->s = calloc(1, w->m->state_size(t->f.order));
		w->m->init(&w->ctx, &t->f, t->s);
	}
}

static void world_fini(struct world *w)
{
	for (int i = 0; i < NFOLIO; i++)
		free(w->fo[i].s);
}

static void shadow_entries(struct tfolio *t, uint32_t mm, const struct mc_op *op, int d)
{
	if (op->level == MC_LEVEL_PMD) {
		t->pmd[mm] += d;
		return;
	}
	for (uint32_t i = op->first; i < op->first + op->nr; i++)
		t->pte[mm][i] += d;
}

static void world_apply(struct world *w, int folio, const struct mc_op *op)
{
	struct tfolio *t = &w->fo[folio];

	w->m->apply(&w->ctx, &t->f, t->s, op);
	switch (op->type) {
	case MC_OP_NEW_ANON:
	case MC_OP_ADD:
	case MC_OP_DUP:
		shadow_entries(t, op->mm, op, 1);
		break;
	case MC_OP_REMOVE:
		shadow_entries(t, op->mm, op, -1);
		break;
	case MC_OP_REMAP:
		t->pmd[op->mm]--;
		for (uint32_t i = 0; i < MC_PMD_NR; i++)
			t->pte[op->mm][i]++;
		break;
	}
}

/* REF as the spec models it: one per entry, plus the page cache's N for file folios. */
static uint32_t refcount(const struct tfolio *t)
{
	uint32_t n = mc_folio_nr_pages(&t->f), ref = t->f.kind == MC_KIND_ANON ? 0 : n;

	for (int mm = 0; mm < NMM; mm++) {
		ref += t->pmd[mm];
		for (uint32_t i = 0; i < n; i++)
			ref += t->pte[mm][i];
	}
	return ref;
}

/* smaps of one mm: every present entry of every folio, as the page walk meets them */
static void world_smaps(const struct world *w, uint32_t mm, struct mc_smaps *acc)
{
	memset(acc, 0, sizeof(*acc));
	for (int i = 0; i < NFOLIO; i++) {
		const struct tfolio *t = &w->fo[i];
		struct mc_query_ctx q = {.mm = mm, .refcount = refcount(t)};

		for (int k = 0; k < t->pmd[mm]; k++)
			w->m->smaps_account(&w->ctx, &t->f, t->s, 0, MC_PMD_NR, MC_LEVEL_PMD, &q,
					    acc);
		for (uint32_t p = 0; p < mc_folio_nr_pages(&t->f); p++)
			for (int k = 0; k < t->pte[mm][p]; k++)
				w->m->smaps_account(&w->ctx, &t->f, t->s, p, 1, MC_LEVEL_PTE, &q,
						    acc);
	}
}

/* ---- the worked examples, one row per step ---- */

struct range {
	uint32_t lo, hi;
	int32_t v;
};

struct top {
	int folio;
	struct mc_op op;
};

struct cow_check {
	uint32_t mm; /* 0: no check */
	uint32_t page;
	int reuse;
};

struct row {
	const char *name;
	struct cow_check cow; /* write fault asked before the ops */
	struct top ops[3];
	int32_t em, npm, lm; /* lm: 6.12 (6.6 keeps -1) */
	struct range pmc[4]; /* PMC of F; pages not listed: -1 */
	struct range pae[2]; /* PAE of F; pages not listed: 0 */
	int pm0, pm1, fmc;
	int sh; /* 6.12 folio_likely_mapped_shared */
	int est; /* 6.6 folio_estimated_sharers (shared iff != 1) */
	int64_t pss[NMM]; /* -1: the mm maps nothing */
	int priv[NMM], shr[NMM]; /* Private / Shared pages */
	int64_t dvm[MC_NR_VMSTAT_ITEMS];
	int q66, q612, pm612; /* deferred split queue / PG_partially_mapped */
	int ev66, ev612; /* THP_DEFERRED_SPLIT_PAGE so far */
};

struct example {
	const char *name;
	unsigned int versions;
	unsigned int kind, order;
	const struct row *rows;
	unsigned int nrows;
};

#define OP(t, fo, mm_, lvl, first_, nr_, fl, src)                                         \
	{                                                                                 \
		fo,                                                                       \
		{                                                                         \
			.type = t, .level = lvl, .flags = fl, .first = first_, .nr = nr_, \
			.mm = mm_, .src_mm = src                                          \
		}                                                                         \
	}
#define NEWA(fo, mm, lvl, first, nr) OP(MC_OP_NEW_ANON, fo, mm, lvl, first, nr, X, 0)
#define ADD(fo, mm, lvl, first, nr) OP(MC_OP_ADD, fo, mm, lvl, first, nr, 0, 0)
#define REM(fo, mm, lvl, first, nr) OP(MC_OP_REMOVE, fo, mm, lvl, first, nr, 0, 0)
#define DUP(fo, mm, src, lvl, first, nr) OP(MC_OP_DUP, fo, mm, lvl, first, nr, 0, src)
#define REMAP(fo, mm) OP(MC_OP_REMAP, fo, mm, MC_LEVEL_PMD, 0, MC_PMD_NR, 0, 0)
#define PTE MC_LEVEL_PTE
#define PMD MC_LEVEL_PMD
#define PMDOP(t, fo, mm) t(fo, mm, PMD, 0, MC_PMD_NR)
#define NOPSS                  \
	{                      \
		-1, -1, -1, -1 \
	}
#define DA(x) [MC_NR_ANON_MAPPED] = (x)
#define DT(x) [MC_NR_ANON_THPS] = (x)
#define DF(x) [MC_NR_FILE_MAPPED] = (x)
#define DFP(x) [MC_NR_FILE_PMDMAPPED] = (x)
#define INITIAL .em = -1, .npm = 0, .lm = -1

/* Rows several examples share: the same step from the same state. */
#define ROW_THP_FAULT(name)                                                                       \
	{                                                                                         \
		name, .ops = {PMDOP(NEWA, F, A)}, .em = 0, .npm = E, .lm = 0, .pae = {{0, 1, 1}}, \
		      .pm0 = 1, .pm1 = 1, .fmc = 1, .est = 1, .pss = {-1, PG(512), -1, -1},       \
		      .priv = {[A] = 512}, .dvm = {DA(512), DT(512)}, .q612 = 1                   \
	}
#define ROW_THP_FORK(name)                                                                      \
	{                                                                                       \
		name, .ops = {DUP(F, B, A, PMD, 0, 512)}, .em = 1, .npm = E, .lm = 1, .pm0 = 2, \
		      .pm1 = 2, .fmc = 2, .sh = 1, .est = 2, .pss = {-1, PG(256), PG(256), -1}, \
		      .shr = {[A] = 512, [B] = 512}, .q612 = 1                                  \
	}
#define ROW_THP_REMAP_SHARED(name)                                                                \
	{                                                                                         \
		name, .ops = {REMAP(F, A)}, .em = 0, .npm = E + 512, .lm = 512,                   \
		      .pmc = {{0, 512, 0}}, .pm0 = 2, .pm1 = 2, .fmc = 513, .sh = 1, .est = 2,    \
		      .pss = {-1, PG(256), PG(256), -1}, .shr = {[A] = 512, [B] = 512}, .q612 = 1 \
	}
#define ROW_THP_REMAP_EXCL(name)                                                                   \
	{                                                                                          \
		name, .ops = {REMAP(F, A)}, .em = -1, .npm = 512, .lm = 511, .pmc = {{0, 512, 0}}, \
		      .pae = {{0, 512, 1}}, .pm0 = 1, .pm1 = 1, .fmc = 512, .est = 1,              \
		      .pss = {-1, PG(512), -1, -1}, .priv = {[A] = 512}, .dvm = {DT(-512)},        \
		      .q612 = 1                                                                    \
	}
#define ROW_MTHP_FAULT(name)                                                                   \
	{                                                                                      \
		name, .ops = {NEWA(F, A, PTE, 0, 16)}, .em = -1, .npm = 16, .lm = 15,          \
		      .pmc = {{0, 16, 0}}, .pae = {{0, 16, 1}}, .pm0 = 1, .pm1 = 1, .fmc = 16, \
		      .est = 1, .pss = {-1, PG(16), -1, -1}, .priv = {[A] = 16},               \
		      .dvm = { DA(16) }                                                        \
	}
#define ROW_MTHP_FORK(name)                                                                  \
	{                                                                                    \
		name, .ops = {DUP(F, B, A, PTE, 0, 16)}, .em = -1, .npm = 16, .lm = 31,      \
		      .pmc = {{0, 16, 1}}, .pm0 = 2, .pm1 = 2, .fmc = 32, .sh = 1, .est = 2, \
		      .pss = {-1, PG(8), PG(8), -1},                                         \
		      .shr = { [A] = 16,                                                     \
			       [B] = 16 }                                                    \
	}

/* (a) anon PMD THP in A, fork B, A remaps, B exits, A writes page 5 */
static const struct row ex_a[] = {
	{"a0 allocated", .em = -1, .npm = 0, .lm = -1, .pss = NOPSS},
	ROW_THP_FAULT("a1 A faults 2M"),
	ROW_THP_FORK("a2 fork B"),
	ROW_THP_REMAP_SHARED("a3 A remaps"),
	{"a4 B exits", .ops = {PMDOP(REM, F, B)}, .em = -1, .npm = 512, .lm = 511,
	 .pmc = {{0, 512, 0}}, .pm0 = 1, .pm1 = 1, .fmc = 512, .est = 1,
	 .pss = {-1, PG(512), -1, -1}, .priv = {[A] = 512}, .dvm = {DT(-512)}, .q612 = 1},
	{"a5 A writes page 5", .cow = {A, 5, 0},
	 .ops = {NEWA(G, A, PTE, 0, 1), REM(F, A, PTE, 5, 1)}, .em = -1, .npm = 511, .lm = 510,
	 .pmc = {{0, 5, 0}, {6, 512, 0}}, .pm0 = 1, .pm1 = 1, .fmc = 511, .est = 1,
	 .pss = {-1, PG(512), -1, -1}, .priv = {[A] = 512}, .q66 = 1, .ev66 = 1, .q612 = 1,
	 .pm612 = 1, .ev612 = 1},
};

/* (b) partial munmap of one page of a PMD-mapped anon THP */
static const struct row ex_b[] = {
	ROW_THP_FAULT("b1 A faults THP"),
	ROW_THP_REMAP_EXCL("b2a munmap splits the PMD"),
	{"b2b zap page 1", .ops = {REM(F, A, PTE, 1, 1)}, .em = -1, .npm = 511, .lm = 510,
	 .pmc = {{0, 1, 0}, {2, 512, 0}}, .pae = {{0, 512, 1}}, .pm0 = 1, .pm1 = 0, .fmc = 511,
	 .est = 1, .pss = {-1, PG(511), -1, -1}, .priv = {[A] = 511}, .dvm = {DA(-1)}, .q66 = 1,
	 .ev66 = 1, .q612 = 1, .pm612 = 1, .ev612 = 1},
	{"b3 munmap the rest", .ops = {REM(F, A, PTE, 0, 1), REM(F, A, PTE, 2, 510)}, INITIAL,
	 .pae = {{0, 512, 1}}, .pss = NOPSS, .dvm = {DA(-511)}, .q66 = 1, .ev66 = 1, .q612 = 1,
	 .pm612 = 1, .ev612 = 1},
};

/* (b) variants: whole munmap while PMD-mapped; remap then munmap of everything */
static const struct row ex_b_whole[] = {
	ROW_THP_FAULT("bw1 A faults THP"),
	{"bw2 munmap 2M", .ops = {PMDOP(REM, F, A)}, INITIAL, .pae = {{0, 1, 1}}, .pss = NOPSS,
	 .dvm = {DA(-512), DT(-512)}, .q612 = 1},
};

static const struct row ex_b_remap_all[] = {
	ROW_THP_FAULT("br1 A faults THP"),
	ROW_THP_REMAP_EXCL("br2 remap"),
	{"br3 munmap all PTEs", .ops = {REM(F, A, PTE, 0, 512)}, INITIAL, .pae = {{0, 512, 1}},
	 .pss = NOPSS, .dvm = {DA(-512)}, .q66 = 1, .ev66 = 1, .q612 = 1},
};

/* (c) order-4 anon mTHP in A, fork B, B COWs page 3, A unmaps half, B exits */
static const struct row ex_c[] = {
	{"c0 allocated", INITIAL, .pss = NOPSS},
	ROW_MTHP_FAULT("c1 A faults 64K"),
	ROW_MTHP_FORK("c2 fork B"),
	{"c3 B writes page 3", .cow = {B, 3, 0},
	 .ops = {NEWA(G, B, PTE, 0, 1), REM(F, B, PTE, 3, 1)}, .em = -1, .npm = 16, .lm = 30,
	 .pmc = {{0, 3, 1}, {3, 4, 0}, {4, 16, 1}}, .pm0 = 2, .pm1 = 2, .fmc = 31, .sh = 1,
	 .est = 2, .pss = {-1, 17ull << 23, 17ull << 23, -1}, .priv = {[A] = 1, [B] = 1},
	 .shr = {[A] = 15, [B] = 15}, .dvm = {DA(1)}},
	{"c4 A unmaps 8..15", .ops = {REM(F, A, PTE, 8, 8)}, .em = -1, .npm = 16, .lm = 22,
	 .pmc = {{0, 3, 1}, {3, 4, 0}, {4, 8, 1}, {8, 16, 0}}, .pm0 = 2, .pm1 = 2, .fmc = 23,
	 .sh = 1, .est = 2, .pss = {-1, 9ull << 23, 25ull << 23, -1}, .priv = {[A] = 1, [B] = 9},
	 .shr = {[A] = 7, [B] = 7}},
	{"c5 B exits", .ops = {REM(F, B, PTE, 0, 3), REM(G, B, PTE, 0, 1), REM(F, B, PTE, 4, 12)},
	 .em = -1, .npm = 8, .lm = 7, .pmc = {{0, 8, 0}}, .pm0 = 1, .pm1 = 1, .fmc = 8, .est = 1,
	 .pss = {-1, PG(8), -1, -1}, .priv = {[A] = 8}, .dvm = {DA(-9)}, .q612 = 1, .pm612 = 1},
};

/* (d) file order-9 folio: PMD in A, pages 0..2 by PTE in B, A unmaps, C maps by PMD */
static const struct row ex_d[] = {
	{"d0 in page cache", INITIAL, .pss = NOPSS},
	{"d1 A maps PMD", .ops = {PMDOP(ADD, F, A)}, .em = 0, .npm = E, .lm = 0, .pm0 = 1, .pm1 = 1,
	 .fmc = 1, .est = 1, .pss = {-1, PG(512), -1, -1}, .priv = {[A] = 512},
	 .dvm = {DF(512), DFP(512)}},
	{"d2 B maps 0..2", .ops = {ADD(F, B, PTE, 0, 3)}, .em = 0, .npm = E + 3, .lm = 3,
	 .pmc = {{0, 3, 0}}, .pm0 = 2, .pm1 = 2, .fmc = 4, .sh = 1, .est = 2,
	 .pss = {-1, 1021ull << 23, 3ull << 23, -1}, .priv = {[A] = 509},
	 .shr = {[A] = 3, [B] = 3}},
	{"d3 A unmaps PMD", .ops = {PMDOP(REM, F, A)}, .em = -1, .npm = 3, .lm = 2,
	 .pmc = {{0, 3, 0}}, .pm0 = 1, .pm1 = 1, .fmc = 3, .est = 1, .pss = {-1, -1, PG(3), -1},
	 .priv = {[B] = 3}, .dvm = {DF(-509), DFP(-512)}},
	{"d4 C maps PMD", .ops = {PMDOP(ADD, F, C)}, .em = 0, .npm = E + 3, .lm = 3,
	 .pmc = {{0, 3, 0}}, .pm0 = 2, .pm1 = 2, .fmc = 4, .sh = 1, .est = 2,
	 .pss = {-1, -1, 3ull << 23, 1021ull << 23}, .priv = {[C] = 509}, .shr = {[B] = 3, [C] = 3},
	 .dvm = {DF(509), DFP(512)}},
};

/* (e) three mms, exit of all mappers */
static const struct row ex_e[] = {
	ROW_THP_FAULT("e1 A faults THP"),
	ROW_THP_FORK("e2 A forks B"),
	{"e3 A forks C", .ops = {DUP(F, C, A, PMD, 0, 512)}, .em = 2, .npm = E, .lm = 2, .pm0 = 3,
	 .pm1 = 3, .fmc = 3, .sh = 1, .est = 3, .pss = {-1, 512 * THIRD, 512 * THIRD, 512 * THIRD},
	 .shr = {[A] = 512, [B] = 512, [C] = 512}, .q612 = 1},
	{"e4 B remaps", .ops = {REMAP(F, B)}, .em = 1, .npm = E + 512, .lm = 513,
	 .pmc = {{0, 512, 0}}, .pm0 = 3, .pm1 = 3, .fmc = 514, .sh = 1, .est = 3,
	 .pss = {-1, 512 * THIRD, 512 * THIRD, 512 * THIRD},
	 .shr = {[A] = 512, [B] = 512, [C] = 512}, .q612 = 1},
	{"e5 A exits", .ops = {PMDOP(REM, F, A)}, .em = 0, .npm = E + 512, .lm = 512,
	 .pmc = {{0, 512, 0}}, .pm0 = 2, .pm1 = 2, .fmc = 513, .sh = 1, .est = 2,
	 .pss = {-1, -1, PG(256), PG(256)}, .shr = {[B] = 512, [C] = 512}, .q612 = 1},
	{"e6 B exits", .ops = {REM(F, B, PTE, 0, 512)}, .em = 0, .npm = E, .lm = 0, .pm0 = 1,
	 .pm1 = 1, .fmc = 1, .est = 1, .pss = {-1, -1, -1, PG(512)}, .priv = {[C] = 512},
	 .q612 = 1},
	{"e7 C exits", .ops = {PMDOP(REM, F, C)}, INITIAL, .pss = NOPSS,
	 .dvm = {DA(-512), DT(-512)}, .q612 = 1},
};

/* (f) order-4 mTHP: the 6.12 heuristic says "exclusive" while A and B map halves */
static const struct row ex_f[] = {
	ROW_MTHP_FAULT("f1 A faults mTHP"),
	ROW_MTHP_FORK("f2 fork B"),
	{"f3 A DONTNEEDs 0..7", .ops = {REM(F, A, PTE, 0, 8)}, .em = -1, .npm = 16, .lm = 23,
	 .pmc = {{0, 8, 0}, {8, 16, 1}}, .pm0 = 1, .pm1 = 1, .fmc = 24, .sh = 1, .est = 1,
	 .pss = {-1, PG(4), PG(12), -1}, .priv = {[B] = 8}, .shr = {[A] = 8, [B] = 8}},
	{"f4 B DONTNEEDs 8..15", .ops = {REM(F, B, PTE, 8, 8)}, .em = -1, .npm = 16, .lm = 15,
	 .pmc = {{0, 16, 0}}, .pm0 = 1, .pm1 = 1, .fmc = 16, .sh = 0, .est = 1,
	 .pss = {-1, PG(8), PG(8), -1}, .priv = {[A] = 8, [B] = 8}},
};

/* (f) 6.6 estimate on a PMD THP: A keeps 256..511, B keeps 0..255, est = 1 */
static const struct row ex_f_est[] = {
	ROW_THP_FAULT("g1 A faults THP"),
	ROW_THP_FORK("g2 fork B"),
	ROW_THP_REMAP_SHARED("g3 A remaps"),
	{"g4 A unmaps 0..255", .ops = {REM(F, A, PTE, 0, 256)}, .em = 0, .npm = E + 256, .lm = 256,
	 .pmc = {{256, 512, 0}}, .pm0 = 1, .pm1 = 1, .fmc = 257, .sh = 1, .est = 1,
	 .pss = {-1, PG(128), PG(384), -1}, .priv = {[B] = 256}, .shr = {[A] = 256, [B] = 256},
	 .q612 = 1},
	{"g5 B remaps", .ops = {REMAP(F, B)}, .em = -1, .npm = 512, .lm = 767,
	 .pmc = {{0, 256, 0}, {256, 512, 1}}, .pm0 = 1, .pm1 = 1, .fmc = 768, .sh = 1, .est = 1,
	 .pss = {-1, PG(128), PG(384), -1}, .priv = {[B] = 256}, .shr = {[A] = 256, [B] = 256},
	 .dvm = {DT(-512)}, .q612 = 1},
	{"g6 B unmaps 256..511", .ops = {REM(F, B, PTE, 256, 256)}, .em = -1, .npm = 512, .lm = 511,
	 .pmc = {{0, 512, 0}}, .pm0 = 1, .pm1 = 1, .fmc = 512, .sh = 0, .est = 1,
	 .pss = {-1, PG(256), PG(256), -1}, .priv = {[A] = 256, [B] = 256}, .q612 = 1},
};

/* (f) one mm maps pages 1..511 only: est = 0, "shared" */
static const struct row ex_f_est0[] = {
	ROW_THP_FAULT("h1 A faults THP"),
	ROW_THP_REMAP_EXCL("h2 remap"),
	{"h3 unmap page 0", .ops = {REM(F, A, PTE, 0, 1)}, .em = -1, .npm = 511, .lm = 510,
	 .pmc = {{1, 512, 0}}, .pae = {{0, 512, 1}}, .pm0 = 0, .pm1 = 1, .fmc = 511, .est = 0,
	 .pss = {-1, PG(511), -1, -1}, .priv = {[A] = 511}, .dvm = {DA(-1)}, .q66 = 1, .ev66 = 1,
	 .q612 = 1, .pm612 = 1, .ev612 = 1},
};

/* (f) false positive: a 16-page file folio mapped twice by A (two VMAs) */
static const struct row ex_f_twice[] = {
	{"i1 A maps it", .ops = {ADD(F, A, PTE, 0, 16)}, .em = -1, .npm = 16, .lm = 15,
	 .pmc = {{0, 16, 0}}, .pm0 = 1, .pm1 = 1, .fmc = 16, .est = 1, .pss = {-1, PG(16), -1, -1},
	 .priv = {[A] = 16}, .dvm = {DF(16)}},
	{"i2 A maps it again", .ops = {ADD(F, A, PTE, 0, 16)}, .em = -1, .npm = 16, .lm = 31,
	 .pmc = {{0, 16, 1}}, .pm0 = 2, .pm1 = 2, .fmc = 32, .sh = 1, .est = 2,
	 .pss = {-1, PG(16), -1, -1}, .shr = {[A] = 32}},
};

#define EX(n, vers, k, o, rows)                                     \
	{                                                           \
		n, vers, k, o, rows, sizeof(rows) / sizeof(rows[0]) \
	}

static const struct example examples[] = {
	EX("(a) fork, remap, exit, COW", VBOTH, MC_KIND_ANON, 9, ex_a),
	EX("(b) partial munmap", VBOTH, MC_KIND_ANON, 9, ex_b),
	EX("(b) whole munmap", VBOTH, MC_KIND_ANON, 9, ex_b_whole),
	EX("(b) remap + munmap all", VBOTH, MC_KIND_ANON, 9, ex_b_remap_all),
	EX("(c) mTHP fork/COW/unmap", VBOTH, MC_KIND_ANON, 4, ex_c),
	EX("(d) file PMD + PTEs", VBOTH, MC_KIND_FILE, 9, ex_d),
	EX("(e) three mms", VBOTH, MC_KIND_ANON, 9, ex_e),
	EX("(f) mTHP halves", VBOTH, MC_KIND_ANON, 4, ex_f),
	EX("(f) 6.6 est on halves", VBOTH, MC_KIND_ANON, 9, ex_f_est),
	EX("(f) 6.6 est 0", VBOTH, MC_KIND_ANON, 9, ex_f_est0),
	EX("(f) file mapped twice", VBOTH, MC_KIND_FILE, 4, ex_f_twice),
};

static int32_t range_value(const struct range *r, unsigned int nr, uint32_t p, int32_t dflt)
{
	for (unsigned int i = 0; i < nr && r[i].hi; i++)
		if (p >= r[i].lo && p < r[i].hi)
			return r[i].v;
	return dflt;
}

static void check_pages(const struct world *w, const struct row *r, const char *tag)
{
	const struct tfolio *t = &w->fo[F];
	uint32_t n = mc_folio_nr_pages(&t->f), bad_pmc = n, bad_pae = n;

	for (uint32_t p = n; p-- > 0;) {
		if (en_pmc_read(&t->f, t->s, p) != range_value(r->pmc, 4, p, -1))
			bad_pmc = p;
		if (en_pae(t->s, t->f.order, p) != range_value(r->pae, 2, p, 0))
			bad_pae = p;
	}
	if (!ok(bad_pmc == n, "%s: PMC of every page", tag))
		tap_diag("page %u: PMC %d", bad_pmc, en_pmc_read(&t->f, t->s, bad_pmc));
	if (!ok(bad_pae == n, "%s: PAE of every page", tag))
		tap_diag("page %u differs", bad_pae);
}

static void check_smaps(const struct world *w, const struct row *r, const char *tag)
{
	for (uint32_t mm = A; mm < NMM; mm++) {
		struct mc_smaps acc;

		world_smaps(w, mm, &acc);
		if (r->pss[mm] < 0) {
			is_int(acc.rss, 0, "%s: mm %u maps nothing", tag, mm);
			continue;
		}
		is_int(acc.pss, r->pss[mm], "%s: PSS of mm %u", tag, mm);
		is_int(acc.private_ / MC_PAGE_SIZE, r->priv[mm], "%s: Private pages of mm %u", tag,
		       mm);
		is_int(acc.shared / MC_PAGE_SIZE, r->shr[mm], "%s: Shared pages of mm %u", tag, mm);
	}
}

static void check_row(struct world *w, const struct row *r, const int64_t *vm_before)
{
	const struct tfolio *t = &w->fo[F];
	const struct mc_model *m = w->m;
	const struct mc_model_ctx *ctx = &w->ctx;
	bool v612 = w->v == EN_V6_12;
	char tag[96];

	snprintf(tag, sizeof(tag), "%s %s", vname[w->v], r->name);
	is_int(big(t)->entire_mapcount, r->em, "%s: EM", tag);
	is_int(big(t)->nr_pages_mapped, r->npm, "%s: NPM", tag);
	is_int(big(t)->large_mapcount, v612 ? r->lm : -1, "%s: LM", tag);
	check_pages(w, r, tag);
	is_int(m->page_mapcount(ctx, &t->f, t->s, 0), r->pm0, "%s: page mapcount 0", tag);
	is_int(m->page_mapcount(ctx, &t->f, t->s, 1), r->pm1, "%s: page mapcount 1", tag);
	is_int(m->folio_mapcount(ctx, &t->f, t->s), r->fmc, "%s: folio_mapcount", tag);
	is_int(m->folio_mapped(ctx, &t->f, t->s), r->fmc > 0, "%s: folio_mapped", tag);
	is_int(r->pm0, r->est, "%s: est is page 0's mapcount", tag);
	is_int(m->maybe_shared(ctx, &t->f, t->s), v612 ? r->sh : r->est != 1, "%s: %s", tag,
	       v612 ? "folio_likely_mapped_shared" : "folio_estimated_sharers != 1");
	check_smaps(w, r, tag);
	for (int i = 0; i < MC_NR_VMSTAT_ITEMS; i++)
		is_int(ctx->vm[i] - vm_before[i], r->dvm[i], "%s: vmstat item %d delta", tag, i);
	is_int(m->partially_mapped(ctx, &t->f, t->s), v612 ? r->pm612 : r->q66,
	       "%s: partially mapped mark", tag);
	is_int(big(t)->queued, v612 ? r->q612 : r->q66, "%s: deferred split queue", tag);
	is_int(ctx->events[MC_EV_THP_DEFERRED_SPLIT_PAGE], v612 ? r->ev612 : r->ev66,
	       "%s: THP_DEFERRED_SPLIT_PAGE", tag);
	is_int(en_check_invariants(&t->f, t->s, w->v) +
		       en_check_invariants(&w->fo[G].f, w->fo[G].s, w->v),
	       0, "%s: invariants I1-I4", tag);
	is_int(ctx->violations, 0, "%s: no violations", tag);
	is_int(ctx->overflows, 0, "%s: no overflows", tag);
}

static void run_example(const struct example *ex, enum en_version v)
{
	struct world w;

	world_init(&w, v, ex->kind, ex->order);
	tap_diag("%s, %s", ex->name, vname[v]);
	for (unsigned int i = 0; i < ex->nrows; i++) {
		const struct row *r = &ex->rows[i];
		int64_t vm_before[MC_NR_VMSTAT_ITEMS];

		if (r->cow.mm) {
			struct mc_query_ctx q = {.mm = r->cow.mm, .refcount = refcount(&w.fo[F])};

			is_int(w.m->cow_reuse(&w.ctx, &w.fo[F].f, w.fo[F].s, r->cow.page, PTE, &q),
			       r->cow.reuse, "%s %s: COW reuse decision", vname[v], r->name);
		}
		memcpy(vm_before, w.ctx.vm, sizeof(vm_before));
		for (int k = 0; k < 3 && r->ops[k].op.nr; k++)
			world_apply(&w, r->ops[k].folio, &r->ops[k].op);
		check_row(&w, r, vm_before);
	}
	world_fini(&w);
}

/* ---- section 4 costs ---- */

struct cost {
	uint64_t atomics, lines;
};

static struct cost measure(struct world *w, int folio, const struct mc_op *op)
{
	struct cost before = {w->ctx.atomics, w->ctx.cachelines};

	world_apply(w, folio, op);
	return (struct cost){w->ctx.atomics - before.atomics, w->ctx.cachelines - before.lines};
}

static struct cost cost_of(enum en_version v, unsigned int kind, unsigned int order,
			   const struct top *setup, unsigned int nsetup, const struct top *op)
{
	struct world w;
	struct cost c;

	world_init(&w, v, kind, order);
	for (unsigned int i = 0; i < nsetup; i++)
		world_apply(&w, setup[i].folio, &setup[i].op);
	c = measure(&w, op->folio, &op->op);
	ok(w.ctx.violations == 0, "%s: cost set-up is consistent", vname[v]);
	world_fini(&w);
	return c;
}

struct cost_case {
	const char *name;
	unsigned int kind, order;
	struct top setup[4];
	struct top op;
	struct cost want[2]; /* 6.6, 6.12 */
	bool diag;
};

static const struct top pmd_fork[] = {PMDOP(NEWA, F, A), DUP(F, B, A, PMD, 0, 512)};

static const struct cost_case cost_cases[] = {
	{"PTE map of 1 page (file)",
	 MC_KIND_FILE,
	 9,
	 {},
	 ADD(F, A, PTE, 100, 1),
	 {{2, 3}, {3, 3}},
	 true},
	{"PTE map of 16 pages (file)",
	 MC_KIND_FILE,
	 9,
	 {},
	 ADD(F, A, PTE, 100, 16),
	 {{32, 18}, {18, 18}},
	 true},
	{"PTE map of 16 pages from page 0",
	 MC_KIND_FILE,
	 9,
	 {},
	 ADD(F, A, PTE, 0, 16),
	 {{32, 16}, {18, 16}}},
	{"PTE map of 16 already mapped pages",
	 MC_KIND_FILE,
	 9,
	 {ADD(F, A, PTE, 100, 16)},
	 ADD(F, B, PTE, 100, 16),
	 {{16, 16}, {17, 18}}},
	{"PMD map (file)", MC_KIND_FILE, 9, {}, PMDOP(ADD, F, A), {{2, 2}, {3, 2}}, true},
	{"second PMD map (file)",
	 MC_KIND_FILE,
	 9,
	 {PMDOP(ADD, F, A)},
	 PMDOP(ADD, F, B),
	 {{1, 2}, {2, 2}}},
	{"new anon PMD THP", MC_KIND_ANON, 9, {}, PMDOP(NEWA, F, A), {{1, 2}, {2, 3}}},
	{"new anon order 0", MC_KIND_ANON, 0, {}, NEWA(F, A, PTE, 0, 1), {{1, 1}, {1, 1}}},
	{"new anon mTHP order 4 (6.6 extrapolated)",
	 MC_KIND_ANON,
	 4,
	 {},
	 NEWA(F, A, PTE, 0, 16),
	 {{48, 16}, {16, 16}}},
	{"fork dup of a PMD THP",
	 MC_KIND_ANON,
	 9,
	 {PMDOP(NEWA, F, A)},
	 DUP(F, B, A, PMD, 0, 512),
	 {{2, 2}, {3, 2}},
	 true},
	{"fork dup of a PTE-mapped THP",
	 MC_KIND_ANON,
	 9,
	 {pmd_fork[0], pmd_fork[1], PMDOP(REM, F, B), REMAP(F, A)},
	 DUP(F, B, A, PTE, 0, 512),
	 {{512, 512}, {513, 512}}},
	{"fork dup of 16 file PTEs",
	 MC_KIND_FILE,
	 9,
	 {ADD(F, A, PTE, 100, 16)},
	 DUP(F, B, A, PTE, 100, 16),
	 {{16, 17}, {17, 18}}},
	{"PMD remap (PAE set)",
	 MC_KIND_ANON,
	 9,
	 {PMDOP(NEWA, F, A)},
	 REMAP(F, A),
	 {{1538, 512}, {1029, 512}},
	 true},
	{"PMD remap (no PAE, f = 512, last)",
	 MC_KIND_ANON,
	 9,
	 {pmd_fork[0], pmd_fork[1], PMDOP(REM, F, B)},
	 REMAP(F, A),
	 {{1026, 512}, {517, 512}},
	 true},
	{"exit of a PTE-mapped THP",
	 MC_KIND_ANON,
	 9,
	 {PMDOP(NEWA, F, A), REMAP(F, A)},
	 REM(F, A, PTE, 0, 512),
	 {{1025, 512}, {514, 512}},
	 true},
	{"PTE unmap of 16 pages (file)",
	 MC_KIND_FILE,
	 9,
	 {ADD(F, A, PTE, 100, 16)},
	 REM(F, A, PTE, 100, 16),
	 {{32, 18}, {18, 18}}},
	{"last PMD unmap, pages still PTE-mapped (queues)",
	 MC_KIND_ANON,
	 9,
	 {pmd_fork[0], pmd_fork[1], REMAP(F, B), REM(F, B, PTE, 3, 509)},
	 PMDOP(REM, F, A),
	 {{3, 3}, {5, 3}}},
};

static void test_costs(void)
{
	tap_diag("%-48s %14s %14s", "operation (cost: atomics / lines)", "v6.6", "v6.12");
	for (unsigned int i = 0; i < sizeof(cost_cases) / sizeof(cost_cases[0]); i++) {
		const struct cost_case *cc = &cost_cases[i];
		unsigned int nsetup = 0;
		struct cost got[2];

		while (nsetup < 4 && cc->setup[nsetup].op.nr)
			nsetup++;
		for (int v = 0; v < 2; v++) {
			got[v] = cost_of(v, cc->kind, cc->order, cc->setup, nsetup, &cc->op);
			is_int(got[v].atomics, cc->want[v].atomics, "%s %s: atomics", vname[v],
			       cc->name);
			is_int(got[v].lines, cc->want[v].lines, "%s %s: cache lines", vname[v],
			       cc->name);
		}
		if (cc->diag)
			tap_diag("%-48s %7llu / %-4llu %7llu / %-4llu", cc->name,
				 (unsigned long long)got[0].atomics,
				 (unsigned long long)got[0].lines,
				 (unsigned long long)got[1].atomics,
				 (unsigned long long)got[1].lines);
	}
}

/* ---- sizes ---- */

static void test_sizes(void)
{
	static const unsigned int orders[] = {0, 1, 2, 4, 9, 18};

	tap_diag("%-6s %16s %16s %16s", "order", "state_size", "metadata 6.6", "metadata 6.12");
	for (unsigned int i = 0; i < sizeof(orders) / sizeof(orders[0]); i++) {
		unsigned int o = orders[i];

		tap_diag("%-6u %16zu %16zu %16zu", o, models[0]->state_size(o),
			 models[0]->metadata_bytes(o), models[1]->metadata_bytes(o));
	}
	is_int(models[0]->metadata_bytes(9), 2056, "6.6 metadata of a PMD THP");
	is_int(models[1]->metadata_bytes(9), 2060, "6.12 metadata of a PMD THP");
	is_int(models[0]->metadata_bytes(4), 72, "6.6 metadata of order 4");
	is_int(models[1]->metadata_bytes(4), 76, "6.12 metadata of order 4");
	is_int(models[0]->metadata_bytes(0), 4, "6.6 metadata of order 0");
	is_int(models[1]->metadata_bytes(0), 4, "6.12 metadata of order 0");
	ok(models[0]->state_size(9) >= sizeof(struct en_state) + 4 * 511 + 64,
	   "state holds 512 mapcounts and 512 PAE bits");
	for (int v = 0; v < 2; v++) {
		is_int(models[v]->state_size(0), 5, "%s: order 0 keeps _mapcount + PAE in 5 bytes",
		       vname[v]);
		is_int(models[v]->state_align(0), 1, "%s: order 0 state at any byte", vname[v]);
		for (unsigned int i = 1; i < sizeof(orders) / sizeof(orders[0]); i++)
			ok(models[v]->state_align(orders[i]) == 8 &&
				   models[v]->state_size(orders[i]) % 8 == 0,
			   "%s: order %u state 8-byte aligned", vname[v], orders[i]);
	}
}

/* ---- overflow ---- */

static void test_overflow(void)
{
	for (int v = 0; v < 2; v++) {
		struct world w;
		struct mc_op add1 = {.type = MC_OP_ADD, .level = PTE, .first = 0, .nr = 1, .mm = A};

		world_init(&w, v, MC_KIND_FILE, 0);
		((struct en_small *)w.fo[F].s)->mapcount = INT32_MAX - 1;
		w.m->apply(&w.ctx, &w.fo[F].f, w.fo[F].s, &add1);
		is_int(w.ctx.overflows, 0, "%s: _mapcount reaches INT32_MAX without a wrap",
		       vname[v]);
		w.m->apply(&w.ctx, &w.fo[F].f, w.fo[F].s, &add1);
		is_int(w.ctx.overflows, 1, "%s: _mapcount wrap detected", vname[v]);
		is_int(en_pmc_read(&w.fo[F].f, w.fo[F].s, 0), INT32_MIN,
		       "%s: wraps like a two's-complement atomic", vname[v]);
		is_int(w.m->page_mapcount(&w.ctx, &w.fo[F].f, w.fo[F].s, 0), 0,
		       "%s: kpagecount reads a wrapped word as a page type (0)", vname[v]);
		world_fini(&w);

		world_init(&w, v, MC_KIND_FILE, 4);
		big(&w.fo[F])->entire_mapcount = INT32_MAX;
		big(&w.fo[F])->nr_pages_mapped = E;
		big(&w.fo[F])->large_mapcount = v == EN_V6_12 ? INT32_MAX - 8 : -1;
		add1.nr = 16;
		w.m->apply(&w.ctx, &w.fo[F].f, w.fo[F].s, &add1);
		is_int(w.ctx.overflows, v == EN_V6_12,
		       "%s: _large_mapcount wrap detected (6.12 only)", vname[v]);
		world_fini(&w);
	}
}

/* ---- order 0 at any byte address (the replayer packs order-0 states) ---- */

struct small_step {
	struct mc_op op;
	int fmc; /* folio_mapcount after the op */
	int excl; /* PageAnonExclusive after the op (anon) */
};

/* A first map, fork, a third mapping, unmaps, a refused PMD, a restore and a freeze. */
static const struct small_step small_steps[] = {
	{{.type = MC_OP_NEW_ANON, .flags = X, .nr = 1, .mm = A}, 1, 1},
	{{.type = MC_OP_DUP, .nr = 1, .mm = B, .src_mm = A}, 2, 0},
	{{.type = MC_OP_ADD, .nr = 1, .mm = C}, 3, 0},
	{{.type = MC_OP_REMOVE, .nr = 1, .mm = B}, 2, 0},
	{{.type = MC_OP_REMOVE, .flags = MC_OPF_FREEZE, .nr = 1, .mm = C}, 1, 0},
	{{.type = MC_OP_REMOVE, .nr = 1, .mm = A}, 0, 0},
	{{.type = MC_OP_ADD, .flags = MC_OPF_RESTORE | X, .nr = 1, .mm = A}, 1, 1},
	{{.type = MC_OP_ADD, .level = PMD, .nr = MC_PMD_NR, .mm = B}, 1, 1}, /* refused */
	{{.type = MC_OP_REMOVE, .flags = MC_OPF_FREEZE, .nr = 1, .mm = A}, 0, 0},
};

enum {
	SQ_FMC,
	SQ_MAPPED,
	SQ_PMC,
	SQ_SHARED,
	SQ_COW,
	SQ_PARTIAL,
	SQ_EXCL,
	SQ_PMX,
	SQ_RSS,
	SQ_PSS,
	SQ_PRIVATE,
	SQ_INVARIANTS,
	SQ_ATOMICS,
	SQ_LINES,
	SQ_VIOLATIONS,
	SQ_OVERFLOWS,
	SQ_VM,
	SQ_NR = SQ_VM + MC_NR_VMSTAT_ITEMS
};

/* Every query of an order-0 folio mapped fmc times, and the context's counters */
static void small_answers(const struct mc_model *m, const struct mc_model_ctx *ctx,
			  const struct mc_folio *f, const void *st, enum en_version v, int fmc,
			  int64_t *a)
{
	struct mc_query_ctx q = {.mm = A, .refcount = fmc};
	struct mc_smaps acc = {0};

	m->smaps_account(ctx, f, st, 0, 1, PTE, &q, &acc);
	a[SQ_FMC] = m->folio_mapcount(ctx, f, st);
	a[SQ_MAPPED] = m->folio_mapped(ctx, f, st);
	a[SQ_PMC] = m->page_mapcount(ctx, f, st, 0);
	a[SQ_SHARED] = m->maybe_shared(ctx, f, st);
	a[SQ_COW] = m->cow_reuse(ctx, f, st, 0, PTE, &q);
	a[SQ_PARTIAL] = m->partially_mapped(ctx, f, st);
	a[SQ_EXCL] = m->anon_exclusive(ctx, f, st, 0);
	a[SQ_PMX] = m->pagemap_exclusive(ctx, f, st, 0, PTE);
	a[SQ_RSS] = acc.rss;
	a[SQ_PSS] = acc.pss;
	a[SQ_PRIVATE] = acc.private_;
	a[SQ_INVARIANTS] = en_check_invariants(f, st, v);
	a[SQ_ATOMICS] = ctx->atomics;
	a[SQ_LINES] = ctx->cachelines;
	a[SQ_VIOLATIONS] = ctx->violations;
	a[SQ_OVERFLOWS] = ctx->overflows;
	for (int i = 0; i < MC_NR_VMSTAT_ITEMS; i++)
		a[SQ_VM + i] = ctx->vm[i];
}

static bool same_answers(const int64_t *a, const int64_t *b, const char *tag)
{
	for (int i = 0; i < SQ_NR; i++) {
		if (a[i] != b[i]) {
			tap_diag("%s: answer %d (SQ_*): %lld aligned, %lld packed", tag, i,
				 (long long)a[i], (long long)b[i]);
			return false;
		}
	}
	return true;
}

/* The state at an 8-aligned address and at buf + off: same answers, bytes around untouched. */
static void test_small_packed(enum en_version v, unsigned int kind, unsigned int off)
{
	const struct mc_model *m = models[v];
	struct mc_folio f = {.pfn = 0x42, .order = 0, .kind = kind};
	struct mc_model_ctx ctx[2] = {{.model = m}, {.model = m}};
	_Alignas(8) unsigned char aligned[8], buf[64];
	void *st[2] = {aligned, buf + off};
	size_t size = m->state_size(0);
	bool anon = kind == MC_KIND_ANON, guard = true;
	int64_t a[2][SQ_NR];
	char tag[64];

	memset(buf, 0xa5, sizeof(buf));
	for (int k = 0; k < 2; k++)
		m->init(&ctx[k], &f, st[k]);
	for (unsigned int i = 0; i < sizeof(small_steps) / sizeof(small_steps[0]); i++) {
		const struct small_step *sp = &small_steps[i];
		struct mc_op op = sp->op;

		if (!anon && op.type == MC_OP_NEW_ANON)
			op.type = MC_OP_ADD; /* a page cache folio's first map */
		snprintf(tag, sizeof(tag), "%s %s at +%u, step %u", vname[v],
			 anon ? "anon" : "shmem", off, i);
		for (int k = 0; k < 2; k++) {
			m->apply(&ctx[k], &f, st[k], &op);
			small_answers(m, &ctx[k], &f, st[k], v, sp->fmc, a[k]);
		}
		ok(same_answers(a[0], a[1], tag), "%s: same answers as aligned", tag);
		is_int(a[1][SQ_FMC], sp->fmc, "%s: folio_mapcount", tag);
		is_int(a[1][SQ_PMC], sp->fmc, "%s: page mapcount", tag);
		is_int(a[1][SQ_MAPPED], sp->fmc > 0, "%s: folio_mapped", tag);
		/* 6.6: folio_estimated_sharers() != 1, so also when unmapped */
		is_int(a[1][SQ_SHARED], v == EN_V6_6 ? sp->fmc != 1 : sp->fmc > 1,
		       "%s: maybe shared", tag);
		is_int(a[1][SQ_EXCL], anon && sp->excl, "%s: PageAnonExclusive", tag);
		is_int(a[1][SQ_PARTIAL], 0, "%s: never partially mapped", tag);
		is_int(a[1][SQ_RSS], MC_PAGE_SIZE, "%s: smaps Rss of the entry", tag);
		is_int(a[1][SQ_VM + (anon ? MC_NR_ANON_MAPPED : MC_NR_FILE_MAPPED)], sp->fmc > 0,
		       "%s: NR_*_MAPPED", tag);
		is_int(a[1][SQ_VIOLATIONS], op.level == PMD || i > 7, "%s: violations", tag);
	}
	for (int k = 0; k < 2; k++)
		m->fini(&ctx[k], &f, st[k]);
	is_int(ctx[1].violations, 1, "%s %u: back at the initial state at fini", vname[v], off);

	/* a _mapcount wrap through the packed field */
	for (int k = 0; k < 2; k++) {
		m->init(&ctx[k], &f, st[k]);
		((struct en_small *)st[k])->mapcount = INT32_MAX;
		m->apply(&ctx[k], &f, st[k], &small_steps[2].op);
	}
	is_int(ctx[1].overflows, 1, "%s %u: packed _mapcount wrap counted", vname[v], off);
	is_int(en_pmc_read(&f, st[1], 0), INT32_MIN, "%s %u: wraps to INT32_MIN", vname[v], off);
	ok(!memcmp(st[0], st[1], size), "%s %u: same state bytes as aligned", vname[v], off);
	for (unsigned int i = 0; i < sizeof(buf); i++)
		guard &= i - off < size || buf[i] == 0xa5;
	ok(guard, "%s %u: no byte outside the %zu-byte state written", vname[v], off, size);
}

/* ---- split protocol: FREEZE removals, fini, init, RESTORE adds ---- */

static const struct top thp_fault = PMDOP(NEWA, F, A);
static const struct top thp_remap = REMAP(F, A);

/* A PMD-mapped exclusive THP split to order 0: freeze, fini, 512 x (init, restore). */
static void test_split_pmd(enum en_version v)
{
	struct mc_op freeze = {
		.type = MC_OP_REMOVE, .level = PMD, .flags = MC_OPF_FREEZE, .nr = 512, .mm = A};
	struct mc_op restore = {.type = MC_OP_ADD, .level = PTE, .nr = 1, .mm = A};
	struct mc_folio small = {.order = 0, .kind = MC_KIND_ANON};
	struct world w;
	struct tfolio *t = &w.fo[F];
	void *ss;
	bool excl;

	world_init(&w, v, MC_KIND_ANON, 9);
	world_apply(&w, F, &thp_fault.op);
	excl = w.m->anon_exclusive(&w.ctx, &t->f, t->s, 0);
	ok(excl, "%s split: head exclusive before the freeze", vname[v]);
	world_apply(&w, F, &freeze);
	ok(!en_pae(t->s, 9, 0), "%s split: freeze clears PAE", vname[v]);
	is_int(w.ctx.vm[MC_NR_ANON_MAPPED], 0, "%s split: AnonPages 0 while frozen", vname[v]);
	is_int(w.ctx.vm[MC_NR_ANON_THPS], 0, "%s split: AnonHugePages 0", vname[v]);
	w.m->fini(&w.ctx, &t->f, t->s);
	is_int(w.ctx.violations, 0, "%s split: old folio back at its initial state", vname[v]);
	ss = calloc(1, w.m->state_size(0));
	restore.flags = MC_OPF_RESTORE | (excl ? X : 0);
	for (uint32_t p = 0; p < 512; p++) {
		small.pfn = 0x9000 + p;
		w.m->init(&w.ctx, &small, ss);
		w.m->apply(&w.ctx, &small, ss, &restore);
		if (p == 7) {
			is_int(w.m->page_mapcount(&w.ctx, &small, ss, 0), 1,
			       "%s split: new folio mapped once", vname[v]);
			ok(w.m->anon_exclusive(&w.ctx, &small, ss, 0),
			   "%s split: new folio exclusive", vname[v]);
		}
	}
	free(ss);
	is_int(w.ctx.vm[MC_NR_ANON_MAPPED], 512, "%s split: AnonPages restored", vname[v]);
	is_int(w.ctx.events[MC_EV_THP_DEFERRED_SPLIT_PAGE], 0,
	       "%s split: PMD freeze does not queue", vname[v]);
	is_int(w.ctx.violations, 0, "%s split: no violations", vname[v]);
	world_fini(&w);
}

/* A PTE-mapped THP: per-page freezes queue (6.6) / flag (6.12) the dying folio at page 0. */
static void test_split_ptes(enum en_version v)
{
	struct mc_op freeze = {
		.type = MC_OP_REMOVE, .level = PTE, .flags = MC_OPF_FREEZE, .nr = 512, .mm = A};
	struct world w;
	struct tfolio *t = &w.fo[F];
	struct cost c;

	world_init(&w, v, MC_KIND_ANON, 9);
	world_apply(&w, F, &thp_fault.op);
	world_apply(&w, F, &thp_remap.op);
	c = measure(&w, F, &freeze);
	is_int(c.atomics, v == EN_V6_12 ? 2050 : 1537,
	       "%s split: freeze of 512 PTEs (PAE clears + per-page removals)", vname[v]);
	is_int(w.ctx.events[MC_EV_THP_DEFERRED_SPLIT_PAGE], 1,
	       "%s split: the first per-page freeze counts a deferred split", vname[v]);
	w.m->fini(&w.ctx, &t->f, t->s);
	is_int(w.ctx.violations, 0, "%s split: PTE-mapped folio fully frozen", vname[v]);
	world_fini(&w);
}

/* ---- extension rules and refused operations ---- */

static void ext_op(struct world *w, uint8_t type, uint32_t k, uint32_t mm, uint32_t src)
{
	struct mc_op op = {.type = type,
			   .level = PMD,
			   .flags = type == MC_OP_NEW_ANON ? X : 0,
			   .first = k * MC_PMD_NR,
			   .nr = MC_PMD_NR,
			   .mm = mm,
			   .src_mm = src};

	w->m->apply(&w->ctx, &w->fo[F].f, w->fo[F].s, &op);
}

/* PSS of one mm holding the PMDs ks[0..n-1] of the order-10 folio */
static uint64_t ext_pss(struct world *w, const uint32_t *ks, unsigned int n, uint32_t ref)
{
	struct mc_query_ctx q = {.refcount = ref};
	struct mc_smaps acc = {0};

	for (unsigned int i = 0; i < n; i++)
		w->m->smaps_account(&w->ctx, &w->fo[F].f, w->fo[F].s, ks[i] * MC_PMD_NR, MC_PMD_NR,
				    PMD, &q, &acc);
	return acc.pss;
}

/* traces/scenarios/order10-order18.scn: an order-10 anon folio mapped by two PMDs */
static void test_order10(enum en_version v)
{
	static const uint32_t both[] = {0, 1}, first[] = {0};
	struct world w;
	struct tfolio *t = &w.fo[F];

	world_init(&w, v, MC_KIND_ANON, 10);
	ext_op(&w, MC_OP_NEW_ANON, 0, A, 0);
	ext_op(&w, MC_OP_ADD, 1, A, 0);
	ok(w.m->anon_exclusive(&w.ctx, &t->f, t->s, 300),
	   "%s order 10: an exclusive PMD sets PAE on its pages", vname[v]);
	ext_op(&w, MC_OP_DUP, 0, B, A);
	ext_op(&w, MC_OP_DUP, 1, B, A);
	is_int(w.m->folio_mapcount(&w.ctx, &t->f, t->s), 4, "%s order 10 forked: 4 entries",
	       vname[v]);
	is_int(w.m->page_mapcount(&w.ctx, &t->f, t->s, 700), 2, "%s order 10 forked: page 700",
	       vname[v]);
	is_int(ext_pss(&w, both, 2, 4), PG(512), "%s order 10 forked: PSS of A", vname[v]);
	is_int(w.ctx.vm[MC_NR_ANON_MAPPED], 1024, "%s order 10: AnonPages", vname[v]);
	ext_op(&w, MC_OP_REMOVE, 1, A, 0);
	is_int(w.m->folio_mapcount(&w.ctx, &t->f, t->s), 3, "%s order 10 a-cut: 3 entries",
	       vname[v]);
	is_int(ext_pss(&w, first, 1, 3), PG(256), "%s order 10 a-cut: PSS of A", vname[v]);
	is_int(ext_pss(&w, both, 2, 3), PG(768), "%s order 10 a-cut: PSS of B", vname[v]);
	ok(!w.m->partially_mapped(&w.ctx, &t->f, t->s), "%s order 10 a-cut: not partial", vname[v]);
	ext_op(&w, MC_OP_REMOVE, 0, B, 0);
	ext_op(&w, MC_OP_REMOVE, 1, B, 0);
	is_int(w.m->folio_mapcount(&w.ctx, &t->f, t->s), 1, "%s order 10 b-exit: 1 entry",
	       vname[v]);
	is_int(w.ctx.vm[MC_NR_ANON_MAPPED], 512, "%s order 10 b-exit: AnonPages", vname[v]);
	ok(w.m->partially_mapped(&w.ctx, &t->f, t->s), "%s order 10 b-exit: partial detected",
	   vname[v]);
	ext_op(&w, MC_OP_REMAP, 0, A, 0);
	is_int(w.m->folio_mapcount(&w.ctx, &t->f, t->s), 512, "%s order 10 remap: 512 PTEs",
	       vname[v]);
	ok(!w.m->anon_exclusive(&w.ctx, &t->f, t->s, 300),
	   "%s order 10 remap: fork cleared PAE for good", vname[v]);
	w.m->apply(&w.ctx, &t->f, t->s,
		   &(struct mc_op){.type = MC_OP_REMOVE, .level = PTE, .nr = 512, .mm = A});
	w.m->fini(&w.ctx, &t->f, t->s);
	is_int(w.ctx.violations, 0, "%s order 10: consistent to the end", vname[v]);
	world_fini(&w);
}

static void test_extensions(void)
{
	for (int v = 0; v < 2; v++) {
		struct world w;
		struct tfolio *t;
		struct mc_smaps acc = {0};
		struct mc_query_ctx q = {.mm = A, .refcount = 100};

		/* PUD of an order-18 file folio: entire path, no PMDMAPPED */
		world_init(&w, v, MC_KIND_FILE, 18);
		t = &w.fo[F];
		w.m->apply(&w.ctx, &t->f, t->s,
			   &(struct mc_op){.type = MC_OP_ADD,
					   .level = MC_LEVEL_PUD,
					   .first = 0,
					   .nr = MC_PUD_NR,
					   .mm = A});
		is_int(big(t)->entire_mapcount, 0, "%s PUD: EM", vname[v]);
		is_int(big(t)->nr_pages_mapped, E, "%s PUD: NPM", vname[v]);
		is_int(w.ctx.vm[MC_NR_FILE_MAPPED], MC_PUD_NR, "%s PUD: Mapped", vname[v]);
		is_int(w.ctx.vm[MC_NR_FILE_PMDMAPPED], 0, "%s PUD: no FilePmdMapped", vname[v]);
		/* a PMD of the same folio (K = 3) is counted per page */
		w.m->apply(&w.ctx, &t->f, t->s,
			   &(struct mc_op){.type = MC_OP_ADD,
					   .level = PMD,
					   .first = 3 * 512,
					   .nr = 512,
					   .mm = B});
		is_int(big(t)->nr_pages_mapped, E + 512, "%s PMD of order 18: NPM", vname[v]);
		is_int(w.m->page_mapcount(&w.ctx, &t->f, t->s, 3 * 512), 2,
		       "%s PMD of order 18: page mapcount exact", vname[v]);
		is_int(w.m->page_mapcount(&w.ctx, &t->f, t->s, 0), 1,
		       "%s PMD of order 18: other pages untouched", vname[v]);
		is_int(w.m->folio_mapcount(&w.ctx, &t->f, t->s), 2,
		       "%s PMD of order 18: folio_mapcount counts it once", vname[v]);
		is_int(en_check_invariants(&t->f, t->s, v), 0, "%s PMD of order 18: invariants",
		       vname[v]);
		w.m->smaps_account(&w.ctx, &t->f, t->s, 3 * 512, 512, PMD, &q, &acc);
		is_int(acc.pss, PG(256), "%s PMD of order 18: PSS", vname[v]);
		is_int(acc.file_pmd, 2 << 20, "%s PMD of order 18: FilePmdMapped", vname[v]);
		w.m->apply(&w.ctx, &t->f, t->s,
			   &(struct mc_op){.type = MC_OP_REMOVE,
					   .level = PMD,
					   .first = 3 * 512,
					   .nr = 512,
					   .mm = B});
		w.m->apply(&w.ctx, &t->f, t->s,
			   &(struct mc_op){.type = MC_OP_REMOVE,
					   .level = MC_LEVEL_PUD,
					   .first = 0,
					   .nr = MC_PUD_NR,
					   .mm = A});
		is_int(w.ctx.vm[MC_NR_FILE_MAPPED], 0, "%s PUD: Mapped back to 0", vname[v]);
		w.m->fini(&w.ctx, &t->f, t->s);
		is_int(w.ctx.violations, 0, "%s PUD: back at the initial state", vname[v]);
		world_fini(&w);

		/* refused: PMD on an order-4 folio; breach: unmap of an unmapped page */
		world_init(&w, v, MC_KIND_FILE, 4);
		t = &w.fo[F];
		w.m->apply(
			&w.ctx, &t->f, t->s,
			&(struct mc_op){
				.type = MC_OP_ADD, .level = PMD, .first = 0, .nr = 512, .mm = A});
		is_int(w.ctx.violations, 1, "%s: PMD map of an order-4 folio refused", vname[v]);
		is_int(big(t)->entire_mapcount, -1, "%s: refused op leaves the state", vname[v]);
		w.m->apply(
			&w.ctx, &t->f, t->s,
			&(struct mc_op){
				.type = MC_OP_REMOVE, .level = PTE, .first = 2, .nr = 1, .mm = A});
		ok(w.ctx.violations >= 2, "%s: unmap of an unmapped page counted, no abort",
		   vname[v]);
		world_fini(&w);
	}
}

int main(void)
{
	for (unsigned int i = 0; i < sizeof(examples) / sizeof(examples[0]); i++)
		for (int v = 0; v < 2; v++)
			if (examples[i].versions & (1u << v))
				run_example(&examples[i], v);
	test_costs();
	test_sizes();
	test_overflow();
	for (int v = 0; v < 2; v++)
		for (unsigned int off = 1; off < 64; off += 36) {
			test_small_packed(v, MC_KIND_ANON, off);
			test_small_packed(v, MC_KIND_SHMEM, off);
		}
	for (int v = 0; v < 2; v++) {
		test_split_pmd(v);
		test_split_ptes(v);
		test_order10(v);
	}
	test_extensions();
	return tap_done();
}
