// SPDX-License-Identifier: GPL-2.0
/* The exact oracle, table-driven: each case is a folio and a list of ops with
 * the truth expected after every op; then PSS, split, hash growth and bad ops. */
#include "tests/tap.h"
#include "tests/unit/model-rig.h"
#include "models/oracle.h"

#define A 1
#define B 2
#define C 3
#define CHECK_ONLY 0xff
#define EXCL MC_OPF_EXCLUSIVE

/* Truth after one op; page/page_mc check one page's mapcount. */
struct step {
	struct mc_op op;
	int64_t mapcount;
	uint32_t mms;
	uint64_t mapped;
	int partial;
	int64_t vm_mapped;	/* NR_ANON_MAPPED (anon) or NR_FILE_MAPPED */
	int64_t vm_pmd;		/* the kind's PMDMAPPED counter */
	uint32_t page;
	int64_t page_mc;
};

struct oracle_case {
	const char *name;
	unsigned int kind, order;
	const struct step *steps;
	unsigned int nr_steps;
};

/* Table ops (constant initializers); code uses the rig_*() constructors. */
#define OP(t, lvl, f, n, m, src, fl)                                                       \
	{ .type = MC_OP_##t, .level = lvl, .flags = fl, .first = f, .nr = n, .mm = m,      \
	  .src_mm = src }
#define PTE(t, f, n, m) OP(t, MC_LEVEL_PTE, f, n, m, 0, 0)
#define PTE_X(t, f, n, m) OP(t, MC_LEVEL_PTE, f, n, m, 0, EXCL)
#define PMD(t, k, m) OP(t, MC_LEVEL_PMD, (k) * 512, 512, m, 0, 0)
#define PMD_X(t, k, m) OP(t, MC_LEVEL_PMD, (k) * 512, 512, m, 0, EXCL)
#define PUD(t, m) OP(t, MC_LEVEL_PUD, 0, MC_PUD_NR, m, 0, 0)
#define DUP_PTE(f, n, m, parent) OP(DUP, MC_LEVEL_PTE, f, n, m, parent, 0)
#define DUP_PMD(k, m, parent) OP(DUP, MC_LEVEL_PMD, (k) * 512, 512, m, parent, 0)
#define STEPS(s) s, sizeof(s) / sizeof(s[0])

/* 16-page anon mTHP: A keeps 3 pages, forks B, B exits (mm-id-slots.md (c)). */
static const struct step mthp_partial[] = {
	{ PTE_X(NEW_ANON, 0, 16, A), 16, 1, 16, 0, 16, 0, 5, 1 },
	{ PTE(REMOVE, 3, 13, A), 3, 1, 3, 1, 3, 0, 5, 0 },
	{ DUP_PTE(0, 3, B, A), 6, 2, 3, 1, 3, 0, 2, 2 },
	{ PTE(REMOVE, 0, 3, B), 3, 1, 3, 1, 3, 0, 0, 1 },
	{ PTE(REMOVE, 0, 3, A), 0, 0, 0, 0, 0, 0, 0, 0 },
};

/* PMD THP in A, fork B, A remaps and unmaps half, B exits (total-mapped-pages.md (a)). */
static const struct step thp_remap[] = {
	{ PMD_X(NEW_ANON, 0, A), 1, 1, 512, 0, 512, 512, 300, 1 },
	{ DUP_PMD(0, B, A), 2, 2, 512, 0, 512, 512, 300, 2 },
	{ PMD(REMAP, 0, A), 513, 2, 512, 0, 512, 512, 300, 2 },
	{ PTE(REMOVE, 256, 256, A), 257, 2, 512, 0, 512, 512, 300, 1 },
	{ PMD(REMOVE, 0, B), 256, 1, 256, 1, 256, 0, 300, 0 },
	{ PTE(REMOVE, 0, 256, A), 0, 0, 0, 0, 0, 0, 0, 0 },
};

/* File order-9 folio: PMD in A, pages 0..2 by PTEs in B, A unmaps, C maps by
 * PMD (entire-nrmapped.md (d)); a file PMD dup is the child's refault. */
static const struct step file_pmd_pte[] = {
	{ PMD(ADD, 0, A), 1, 1, 512, 0, 512, 512, 0, 1 },
	{ PTE(ADD, 0, 3, B), 4, 2, 512, 0, 512, 512, 1, 2 },
	{ PMD(REMOVE, 0, A), 3, 1, 3, 0, 3, 0, 1, 1 },
	{ PMD(ADD, 0, C), 4, 2, 512, 0, 512, 512, 2, 2 },
	{ DUP_PMD(0, A, C), 5, 3, 512, 0, 512, 512, 2, 3 },
	{ PTE(ADD, 1, 1, B), 6, 3, 512, 0, 512, 512, 1, 4 },
	{ PTE(REMOVE, 0, 3, B), 3, 3, 512, 0, 512, 512, 1, 3 },
	{ PTE(REMOVE, 1, 1, B), 2, 2, 512, 0, 512, 512, 1, 2 },
	{ PMD(REMOVE, 0, C), 1, 1, 512, 0, 512, 512, 1, 1 },
	{ PMD(REMOVE, 0, A), 0, 0, 0, 0, 0, 0, 1, 0 },
};

/* A 1 GiB shmem folio: PUD in A, PMD 3 in B, PTEs 0..9 in C. */
static const struct step pud_order18[] = {
	{ PUD(ADD, A), 1, 1, MC_PUD_NR, 0, MC_PUD_NR, MC_PUD_NR, 7, 1 },
	{ PMD(ADD, 3, B), 2, 2, MC_PUD_NR, 0, MC_PUD_NR, MC_PUD_NR, 3 * 512 + 7, 2 },
	{ PTE(ADD, 0, 10, C), 12, 3, MC_PUD_NR, 0, MC_PUD_NR, MC_PUD_NR, 9, 2 },
	{ PTE(ADD, 3 * 512, 2, C), 14, 3, MC_PUD_NR, 0, MC_PUD_NR, MC_PUD_NR, 3 * 512, 3 },
	{ PUD(REMOVE, A), 13, 2, 522, 0, 522, MC_PUD_NR, 3 * 512, 2 },
	{ PMD(REMAP, 3, B), 524, 2, 522, 0, 522, 0, 3 * 512, 2 },
	{ PTE(REMOVE, 3 * 512, 512, B), 12, 1, 12, 0, 12, 0, 3 * 512 + 1, 1 },
	{ PTE(REMOVE, 0, 10, C), 2, 1, 2, 0, 2, 0, 0, 0 },
	{ PTE(REMOVE, 3 * 512, 2, C), 0, 0, 0, 0, 0, 0, 3 * 512, 0 },
};

/* Order-10 anon folio mapped by two PMDs, forked (total-mapped-pages.md (b)). */
static const struct step order10_pmds[] = {
	{ PMD_X(NEW_ANON, 0, A), 1, 1, 512, 1, 512, 1024, 600, 0 },
	{ PMD_X(ADD, 1, A), 2, 1, 1024, 0, 1024, 1024, 600, 1 },
	{ DUP_PMD(0, B, A), 3, 2, 1024, 0, 1024, 1024, 0, 2 },
	{ DUP_PMD(1, B, A), 4, 2, 1024, 0, 1024, 1024, 600, 2 },
	{ PMD(REMOVE, 1, A), 3, 2, 1024, 0, 1024, 1024, 600, 1 },
	{ PMD(REMOVE, 0, B), 2, 2, 1024, 0, 1024, 1024, 0, 1 },
	{ PMD(REMOVE, 1, B), 1, 1, 512, 1, 512, 1024, 600, 0 },
	{ PMD(REMOVE, 0, A), 0, 0, 0, 0, 0, 0, 0, 0 },
};

/* Small file page mapped twice by A (two VMAs), once by B. */
static const struct step small_file[] = {
	{ PTE(ADD, 0, 1, A), 1, 1, 1, 0, 1, 0, 0, 1 },
	{ PTE(ADD, 0, 1, A), 2, 1, 1, 0, 1, 0, 0, 2 },
	{ PTE(ADD, 0, 1, B), 3, 2, 1, 0, 1, 0, 0, 3 },
	{ PTE(REMOVE, 0, 1, A), 2, 2, 1, 0, 1, 0, 0, 2 },
	{ PTE(REMOVE, 0, 1, A), 1, 1, 1, 0, 1, 0, 0, 1 },
	{ PTE(REMOVE, 0, 1, B), 0, 0, 0, 0, 0, 0, 0, 0 },
};

static const struct oracle_case cases[] = {
	{ "mthp-partial", MC_KIND_ANON, 4, STEPS(mthp_partial) },
	{ "thp-remap", MC_KIND_ANON, 9, STEPS(thp_remap) },
	{ "file-pmd-pte", MC_KIND_FILE, 9, STEPS(file_pmd_pte) },
	{ "pud-order18", MC_KIND_SHMEM, 18, STEPS(pud_order18) },
	{ "order10-pmds", MC_KIND_ANON, 10, STEPS(order10_pmds) },
	{ "small-file", MC_KIND_FILE, 0, STEPS(small_file) },
};

static enum mc_vmstat_item mapped_item(unsigned int kind)
{
	return kind == MC_KIND_ANON ? MC_NR_ANON_MAPPED : MC_NR_FILE_MAPPED;
}

static enum mc_vmstat_item pmd_item(unsigned int kind)
{
	if (kind == MC_KIND_ANON)
		return MC_NR_ANON_THPS;
	return kind == MC_KIND_SHMEM ? MC_NR_SHMEM_PMDMAPPED : MC_NR_FILE_PMDMAPPED;
}

static int state_is_fresh(const struct mc_model_ctx *ctx, const struct mc_folio *f,
			  const void *st)
{
	size_t n = ctx->model->state_size(f->order);
	void *fresh = rig_xmalloc(n);
	int same;

	ctx->model->init((struct mc_model_ctx *)ctx, f, fresh);
	same = !memcmp(fresh, st, n);
	free(fresh);
	return same;
}

static void run_case(const struct oracle_case *c)
{
	const struct mc_model *m = &mc_model_oracle;
	struct mc_model_ctx ctx;
	struct mc_folio f = rig_folio(7, c->kind, c->order);
	void *st;
	int bad = 0;

	rig_ctx_init(&ctx, m);
	st = rig_state(&ctx, &f);
	for (unsigned int i = 0; i < c->nr_steps; i++) {
		const struct step *s = &c->steps[i];
		int64_t got[8], want[8] = { s->mapcount, s->mms, (int64_t)s->mapped, s->partial,
					    s->vm_mapped, s->vm_pmd, s->page_mc, 0 };
		static const char *const what[8] = { "folio_mapcount", "mm count", "mapped pages",
						     "partially_mapped", "vm mapped", "vm pmd",
						     "page mapcount", "violations" };

		m->apply(&ctx, &f, st, &s->op);
		got[0] = m->folio_mapcount(&ctx, &f, st);
		got[1] = mc_oracle_mm_count(&f, st);
		got[2] = (int64_t)mc_oracle_mapped_pages(&f, st);
		got[3] = m->partially_mapped(&ctx, &f, st);
		got[4] = ctx.vm[mapped_item(c->kind)];
		got[5] = ctx.vm[pmd_item(c->kind)];
		got[6] = m->page_mapcount(&ctx, &f, st, s->page);
		got[7] = (int64_t)ctx.violations;
		for (int k = 0; k < 8; k++) {
			if (got[k] != want[k]) {
				tap_diag("%s step %u: %s got %lld, want %lld", c->name, i + 1,
					 what[k], (long long)got[k], (long long)want[k]);
				bad++;
			}
		}
		if (m->folio_mapped(&ctx, &f, st) != (s->mapcount > 0))
			bad++;
	}
	ok(!bad, "%s: %u steps match the truth table", c->name, c->nr_steps);
	ok(state_is_fresh(&ctx, &f, st), "%s: unmapped state equals a fresh init()", c->name);
	rig_state_free(&ctx, &f, st);
	is_int(ctx.violations, 0, "%s: fini of an unmapped folio is clean", c->name);
	rig_ctx_fini(&ctx);
}

/* PSS of small folios shared by 3, 2, 1 mms, and a page mapped twice by one mm. */
static void test_pss_small(void)
{
	const struct mc_model *m = &mc_model_oracle;
	struct mc_model_ctx ctx;
	struct mc_folio f = rig_folio(1, MC_KIND_ANON, 0), g = rig_folio(2, MC_KIND_FILE, 0);
	struct mc_query_ctx q = { .mm = A, .refcount = 3 };
	struct mc_smaps acc;
	struct mc_op op;
	void *st, *sg;

	rig_ctx_init(&ctx, m);
	st = rig_state(&ctx, &f);
	sg = rig_state(&ctx, &g);
	op = rig_flags(rig_pte(MC_OP_NEW_ANON, 0, 1, A), EXCL);
	m->apply(&ctx, &f, st, &op);
	ok(m->anon_exclusive(&ctx, &f, st, 0), "new exclusive anon page is PageAnonExclusive");
	ok(m->cow_reuse(&ctx, &f, st, 0, MC_LEVEL_PTE, &q), "A alone: COW reuses");
	op = rig_dup(rig_pte(MC_OP_ADD, 0, 1, B), A);
	m->apply(&ctx, &f, st, &op);
	op = rig_dup(rig_pte(MC_OP_ADD, 0, 1, C), B);
	m->apply(&ctx, &f, st, &op);
	ok(!m->anon_exclusive(&ctx, &f, st, 0) && m->maybe_shared(&ctx, &f, st),
	   "after two forks: shared, not exclusive");
	ok(!m->cow_reuse(&ctx, &f, st, 0, MC_LEVEL_PTE, &q), "shared by 3: COW copies");

	memset(&acc, 0, sizeof(acc));
	m->smaps_account(&ctx, &f, st, 0, 1, MC_LEVEL_PTE, &q, &acc);
	is_int(acc.pss, (4096ull << 12) / 3, "PSS of a page mapped 3 times: floor(2^24 / 3)");
	is_int(acc.pss_anon, acc.pss, "all of it anon PSS");
	ok(acc.shared == 4096 && acc.private_ == 0 && acc.rss == 4096 && acc.anonymous == 4096,
	   "shared 4 kB, rss 4 kB, anonymous 4 kB");

	op = rig_pte(MC_OP_REMOVE, 0, 1, B);
	m->apply(&ctx, &f, st, &op);
	q.refcount = 2;
	memset(&acc, 0, sizeof(acc));
	m->smaps_account(&ctx, &f, st, 0, 1, MC_LEVEL_PTE, &q, &acc);
	is_int(acc.pss, 4096ull << 11, "two mappers: half a page");
	op = rig_pte(MC_OP_REMOVE, 0, 1, C);
	m->apply(&ctx, &f, st, &op);
	q.refcount = 1;
	memset(&acc, 0, sizeof(acc));
	m->smaps_account(&ctx, &f, st, 0, 1, MC_LEVEL_PTE, &q, &acc);
	ok(acc.pss == 4096ull << 12 && acc.private_ == 4096, "refcount 1: full PSS, private");
	ok(m->anon_exclusive(&ctx, &f, st, 0) && m->pagemap_exclusive(&ctx, &f, st, 0, 0),
	   "last mapper: exclusive again (exact PAE), pagemap exclusive");

	/* file page mapped twice by A: one mm, but mapcount 2 -> Shared, half PSS */
	op = rig_pte(MC_OP_ADD, 0, 1, A);
	m->apply(&ctx, &g, sg, &op);
	m->apply(&ctx, &g, sg, &op);
	q.refcount = 3;
	memset(&acc, 0, sizeof(acc));
	m->smaps_account(&ctx, &g, sg, 0, 1, MC_LEVEL_PTE, &q, &acc);
	ok(acc.pss == 4096ull << 11 && acc.pss_file == acc.pss && acc.shared == 4096,
	   "file page mapped twice by one mm: PSS per mapping, Shared (PAGE_MAPCOUNT rule)");
	ok(!m->maybe_shared(&ctx, &g, sg) && !m->pagemap_exclusive(&ctx, &g, sg, 0, 0) &&
	   !m->anon_exclusive(&ctx, &g, sg, 0),
	   "one mm: not shared; pagemap not exclusive (mapcount 2); file never PAE");
	is_int(mc_oracle_mm_entries(&ctx, &g, sg, A), 2, "A holds 2 entries of the file page");
	is_int(ctx.vm[MC_NR_FILE_MAPPED], 1, "one file page mapped");
	is_int(ctx.vm[MC_NR_ANON_MAPPED], 1, "one anon page mapped");
	op = rig_pte(MC_OP_REMOVE, 0, 1, A);
	m->apply(&ctx, &g, sg, &op);
	m->apply(&ctx, &g, sg, &op);
	m->apply(&ctx, &f, st, &op);
	ok(!ctx.vm[MC_NR_FILE_MAPPED] && !ctx.vm[MC_NR_ANON_MAPPED] && !ctx.violations,
	   "all unmapped: vmstat 0, no violations");
	ok(!ctx.atomics && !ctx.cachelines && !ctx.overflows, "the oracle counts no costs");
	rig_state_free(&ctx, &f, st);
	rig_state_free(&ctx, &g, sg);
	rig_ctx_fini(&ctx);
}

/* smaps of PMD entries: AnonHugePages, per-page divisors with partial sharing. */
static void test_pss_pmd(void)
{
	const struct mc_model *m = &mc_model_oracle;
	struct mc_model_ctx ctx;
	struct mc_folio f = rig_folio(3, MC_KIND_SHMEM, 9);
	struct mc_query_ctx q = { .mm = A, .refcount = 600 };
	struct mc_smaps acc = { 0 };
	struct mc_op maps[] = { rig_pmd(MC_OP_ADD, 0, A), rig_pte(MC_OP_ADD, 0, 128, B),
				rig_pte(MC_OP_ADD, 0, 16, C) };
	void *st;

	rig_ctx_init(&ctx, m);
	st = rig_state(&ctx, &f);
	for (unsigned int i = 0; i < 3; i++)
		m->apply(&ctx, &f, st, &maps[i]);
	m->smaps_account(&ctx, &f, st, 0, 512, MC_LEVEL_PMD, &q, &acc);
	/* total-mapped-pages.md (d) d3, exact column: 16 pages /3, 112 /2, 384 alone */
	is_int(acc.pss, 16 * ((4096ull << 12) / 3) + 112 * (4096ull << 11) + 384 * (4096ull << 12),
	       "shmem PMD PSS: 16 pages by 3, 112 by 2, 384 alone");
	is_int(acc.pss_shmem, acc.pss, "all of it shmem PSS");
	ok(acc.shmem_pmd == 512 * 4096 && acc.anon_huge == 0 && acc.anonymous == 0,
	   "ShmemPmdMapped 2 MiB");
	ok(acc.private_ == 384 * 4096 && acc.shared == 128 * 4096, "USS 384 pages, shared 128");
	is_int(ctx.vm[MC_NR_SHMEM_PMDMAPPED], 512, "NR_SHMEM_PMDMAPPED 512");
	for (unsigned int i = 0; i < 3; i++) {
		maps[i].type = MC_OP_REMOVE;
		m->apply(&ctx, &f, st, &maps[i]);
	}
	ok(!ctx.vm[MC_NR_SHMEM_PMDMAPPED] && !ctx.vm[MC_NR_FILE_MAPPED] && !ctx.violations,
	   "shmem folio unmapped: counters back to 0");
	rig_state_free(&ctx, &f, st);
	rig_ctx_fini(&ctx);
}

/*
 * The replayer's split protocol: REMOVE(FREEZE) of every mapping, fini(old),
 * init(new), ADD(RESTORE) one page per call in (mm, address) order,
 * EXCLUSIVE iff anon_exclusive was true before.
 */
static void test_split(void)
{
	const struct mc_model *m = &mc_model_oracle;
	struct mc_model_ctx ctx;
	struct mc_folio f = rig_folio(4, MC_KIND_ANON, 4), g[16];
	bool excl[16];
	void *st, *sg[16];
	struct mc_op op;
	int64_t mapped;

	rig_ctx_init(&ctx, m);
	st = rig_state(&ctx, &f);
	op = rig_flags(rig_pte(MC_OP_NEW_ANON, 0, 16, A), EXCL);
	m->apply(&ctx, &f, st, &op);
	op = rig_dup(rig_pte(MC_OP_ADD, 0, 16, B), A);
	m->apply(&ctx, &f, st, &op);
	op = rig_pte(MC_OP_REMOVE, 8, 8, B);
	m->apply(&ctx, &f, st, &op);
	op = rig_pte(MC_OP_REMOVE, 15, 1, A);
	m->apply(&ctx, &f, st, &op);
	mapped = ctx.vm[MC_NR_ANON_MAPPED];
	is_int(mapped, 15, "before split: 15 pages mapped");
	ok(m->partially_mapped(&ctx, &f, st), "before split: partially mapped");
	for (uint32_t p = 0; p < 16; p++)
		excl[p] = m->anon_exclusive(&ctx, &f, st, p);
	ok(!excl[0] && !excl[7] && excl[8] && excl[14] && !excl[15],
	   "pages 0..7 shared, 8..14 exclusive to A, 15 unmapped");

	op = rig_flags(rig_pte(MC_OP_REMOVE, 0, 15, A), MC_OPF_FREEZE);
	m->apply(&ctx, &f, st, &op);
	op = rig_flags(rig_pte(MC_OP_REMOVE, 0, 8, B), MC_OPF_FREEZE);
	m->apply(&ctx, &f, st, &op);
	ok(state_is_fresh(&ctx, &f, st), "frozen: old folio state is fresh");
	rig_state_free(&ctx, &f, st);
	for (uint32_t p = 0; p < 16; p++) {
		g[p] = rig_folio(4 + p, MC_KIND_ANON, 0);	/* slot 4 reused by page 0 */
		sg[p] = rig_state(&ctx, &g[p]);
	}
	for (uint32_t mm = A; mm <= B; mm++) {
		for (uint32_t p = 0; p < (mm == A ? 15u : 8u); p++) {
			op = rig_flags(rig_pte(MC_OP_ADD, 0, 1, mm),
				       MC_OPF_RESTORE | (excl[p] ? MC_OPF_EXCLUSIVE : 0));
			m->apply(&ctx, &g[p], sg[p], &op);
		}
	}
	is_int(ctx.vm[MC_NR_ANON_MAPPED], mapped, "after split: same pages mapped");
	is_int(ctx.violations, 0, "restores with EXCLUSIVE only on exclusive pages");
	ok(mc_oracle_mm_count(&g[3], sg[3]) == 2 && m->folio_mapcount(&ctx, &g[3], sg[3]) == 2,
	   "page 3: two mms, mapcount 2");
	ok(m->anon_exclusive(&ctx, &g[12], sg[12], 0) && !m->folio_mapped(&ctx, &g[15], sg[15]),
	   "page 12 exclusive to A; page 15 unmapped");
	for (uint32_t p = 0; p < 16; p++) {
		for (uint32_t mm = A; mm <= B; mm++) {
			op = rig_pte(MC_OP_REMOVE, 0, 1, mm);
			if (mc_oracle_mm_entries(&ctx, &g[p], sg[p], mm))
				m->apply(&ctx, &g[p], sg[p], &op);
		}
		rig_state_free(&ctx, &g[p], sg[p]);
	}
	ok(!ctx.vm[MC_NR_ANON_MAPPED] && !ctx.violations, "split folios unmapped and freed");
	rig_ctx_fini(&ctx);
}

/* A replayer that reads each entry's exclusive bit just before freezing it
 * sees B exclusive once A's entry is frozen; its RESTORE is not a violation. */
static void test_restore_exclusive_read_late(void)
{
	const struct mc_model *m = &mc_model_oracle;
	struct mc_model_ctx ctx;
	struct mc_folio f = rig_folio(1, MC_KIND_ANON, 0), g;
	struct mc_op op;
	bool a_excl, b_excl;
	void *st, *sg;

	rig_ctx_init(&ctx, m);
	st = rig_state(&ctx, &f);
	op = rig_flags(rig_pte(MC_OP_NEW_ANON, 0, 1, A), EXCL);
	m->apply(&ctx, &f, st, &op);
	op = rig_dup(rig_pte(MC_OP_ADD, 0, 1, B), A);
	m->apply(&ctx, &f, st, &op);
	a_excl = m->anon_exclusive(&ctx, &f, st, 0);
	op = rig_flags(rig_pte(MC_OP_REMOVE, 0, 1, A), MC_OPF_FREEZE);
	m->apply(&ctx, &f, st, &op);
	b_excl = m->anon_exclusive(&ctx, &f, st, 0);
	op = rig_flags(rig_pte(MC_OP_REMOVE, 0, 1, B), MC_OPF_FREEZE);
	m->apply(&ctx, &f, st, &op);
	rig_state_free(&ctx, &f, st);
	g = rig_folio(1, MC_KIND_ANON, 0);
	sg = rig_state(&ctx, &g);
	op = rig_flags(rig_pte(MC_OP_ADD, 0, 1, A), MC_OPF_RESTORE | (a_excl ? EXCL : 0));
	m->apply(&ctx, &g, sg, &op);
	op = rig_flags(rig_pte(MC_OP_ADD, 0, 1, B), MC_OPF_RESTORE | (b_excl ? EXCL : 0));
	m->apply(&ctx, &g, sg, &op);
	ok(!a_excl && b_excl && !ctx.violations && m->folio_mapcount(&ctx, &g, sg) == 2,
	   "late-read exclusive bit on RESTORE: no violation, both mappings back");
	op = rig_pte(MC_OP_REMOVE, 0, 1, A);
	m->apply(&ctx, &g, sg, &op);
	op = rig_pte(MC_OP_REMOVE, 0, 1, B);
	m->apply(&ctx, &g, sg, &op);
	rig_state_free(&ctx, &g, sg);
	rig_ctx_fini(&ctx);
}

/* Ops that contradict the state are refused, counted, and change nothing. */
static void test_violations(void)
{
	const struct mc_model *m = &mc_model_oracle;
	struct mc_model_ctx ctx;
	struct mc_folio f = rig_folio(1, MC_KIND_ANON, 4), h = rig_folio(2, MC_KIND_FILE, 9);
	struct mc_op bad[] = {
		rig_pte(MC_OP_REMOVE, 0, 1, A),		/* nothing mapped */
		rig_pmd(MC_OP_ADD, 0, A),		/* PMD on an order-4 folio */
		rig_pte(MC_OP_ADD, 10, 7, A),		/* past the end */
		rig_pte(MC_OP_ADD, 0, 1, 0),		/* mm 0 */
		rig_pmd(MC_OP_REMAP, 0, A),		/* no PMD */
		rig_dup(rig_pte(MC_OP_ADD, 0, 1, B), C), /* parent maps nothing */
		rig_op(9, MC_LEVEL_PTE, 0, 1, A, 0, 0), /* unknown type */
	};
	struct mc_op op;
	void *st, *sh;
	unsigned int i;

	rig_ctx_init(&ctx, m);
	st = rig_state(&ctx, &f);
	sh = rig_state(&ctx, &h);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		m->apply(&ctx, &f, st, &bad[i]);
	is_int(ctx.violations, i, "each contradicting op counts one violation");
	ok(state_is_fresh(&ctx, &f, st) && !ctx.vm[MC_NR_ANON_MAPPED],
	   "refused ops leave the state untouched");
	op = rig_pte(MC_OP_NEW_ANON, 0, 1, A);
	m->apply(&ctx, &h, sh, &op);
	is_int(ctx.violations, i + 1, "NEW_ANON on a file folio is refused");
	op = rig_pte(MC_OP_ADD, 0, 4, A);
	m->apply(&ctx, &f, st, &op);
	op = rig_flags(rig_dup(rig_pte(MC_OP_ADD, 0, 2, B), A), EXCL);
	m->apply(&ctx, &f, st, &op);
	is_int(ctx.violations, i + 2, "EXCLUSIVE on pages another mm maps is flagged");
	op = rig_pte(MC_OP_REMOVE, 0, 3, B);
	m->apply(&ctx, &f, st, &op);
	is_int(ctx.violations, i + 3, "an mm removing more entries than it holds is refused");
	is_int(m->folio_mapcount(&ctx, &f, st), 6, "mapcount unchanged by the refused removal");
	/* freeing a mapped folio drops its (folio, mm) pairs */
	rig_state_free(&ctx, &f, st);
	is_int(ctx.violations, i + 4, "fini of a mapped folio is a violation");
	is_int(mc_model_oracle.ctx_metadata_bytes(&ctx), 0, "and leaves no (folio, mm) pair");
	rig_state_free(&ctx, &h, sh);
	rig_ctx_fini(&ctx);
}

/* The same on an order-0 folio, by its one mapper and once shared by two (inline). */
static void test_violations_small(void)
{
	const struct mc_model *m = &mc_model_oracle;
	struct mc_model_ctx ctx;
	struct mc_folio f = rig_folio(1, MC_KIND_ANON, 0);
	struct mc_op bad[] = {
		rig_pte(MC_OP_REMOVE, 0, 1, A),		/* nothing mapped */
		rig_pmd(MC_OP_ADD, 0, A),		/* PMD on an order-0 folio */
		rig_pte(MC_OP_ADD, 1, 1, A),		/* past the end */
		rig_pte(MC_OP_ADD, 0, 2, A),		/* two pages */
		rig_pte(MC_OP_ADD, 0, 1, 0),		/* mm 0 */
		rig_pte(MC_OP_ADD, 0, 1, 1u << 31),	/* mm out of range */
		rig_pmd(MC_OP_REMAP, 0, A),		/* no PMD */
		rig_pte(MC_OP_REMAP, 0, 1, A),		/* REMAP of a PTE */
		rig_dup(rig_pte(MC_OP_ADD, 0, 1, B), C), /* parent maps nothing */
		rig_op(9, MC_LEVEL_PTE, 0, 1, A, 0, 0), /* unknown type */
	};
	struct mc_op op;
	unsigned int i;
	void *st;

	rig_ctx_init(&ctx, m);
	st = rig_state(&ctx, &f);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		m->apply(&ctx, &f, st, &bad[i]);
	is_int(ctx.violations, i, "order 0: each contradicting op counts one violation");
	ok(state_is_fresh(&ctx, &f, st) && !ctx.vm[MC_NR_ANON_MAPPED],
	   "order 0: refused ops leave the state untouched");
	op = rig_flags(rig_pte(MC_OP_NEW_ANON, 0, 1, A), EXCL);
	m->apply(&ctx, &f, st, &op);
	m->apply(&ctx, &f, st, &op);
	is_int(ctx.violations, i + 1, "order 0: NEW_ANON of a mapped page is refused");
	op = rig_pte(MC_OP_REMOVE, 0, 1, B);
	m->apply(&ctx, &f, st, &op);
	is_int(ctx.violations, i + 2, "order 0: B removing what A maps is refused");
	op = rig_flags(rig_pte(MC_OP_ADD, 0, 1, A), EXCL);
	m->apply(&ctx, &f, st, &op);
	is_int(ctx.violations, i + 3, "order 0: EXCLUSIVE on a page mapped twice is flagged");
	op = rig_dup(rig_pte(MC_OP_ADD, 0, 1, B), A);
	m->apply(&ctx, &f, st, &op);
	op = rig_pte(MC_OP_REMOVE, 0, 1, C);
	m->apply(&ctx, &f, st, &op);
	is_int(ctx.violations, i + 4,
	       "order 0, shared: C removing what it does not map is refused");
	op = rig_pte(MC_OP_REMOVE, 0, 1, B);
	m->apply(&ctx, &f, st, &op);
	m->apply(&ctx, &f, st, &op);
	is_int(ctx.violations, i + 5, "order 0, shared: B removing twice its one entry is refused");
	ok(m->folio_mapcount(&ctx, &f, st) == 2 && mc_oracle_mm_count(&f, st) == 1 &&
	   mc_oracle_mm_entries(&ctx, &f, st, A) == 2 && ctx.vm[MC_NR_ANON_MAPPED] == 1,
	   "order 0: A's two entries left, one mm, one page mapped");
	op = rig_pte(MC_OP_REMOVE, 0, 1, A);
	m->apply(&ctx, &f, st, &op);
	m->apply(&ctx, &f, st, &op);
	ok(state_is_fresh(&ctx, &f, st) && !ctx.vm[MC_NR_ANON_MAPPED] &&
	   !m->ctx_metadata_bytes(&ctx), "order 0: unmapped again, no pair left");
	m->apply(&ctx, &f, st, &op);
	rig_state_free(&ctx, &f, st);
	is_int(ctx.violations, i + 6, "order 0: a removal past the last entry is refused");
	rig_ctx_fini(&ctx);
}

#define D 4

/* An order-0 step: refused (1: counted, state untouched) or flagged (2: counted,
 * applied); the truth after it: mapcount, mms, entries of A..D, and how many
 * of those mms have a pair in the oracle's table (the others are inline). */
struct small_step {
	struct mc_op op;
	int refused;
	int64_t mapcount;
	uint32_t mms;
	int64_t entries[4];
	uint32_t in_table;
};

/* Pairs in the oracle's table: its context data begins with it (oracle.h). */
static uint32_t table_pairs(const struct mc_model_ctx *ctx)
{
	return pairs_used(ctx->priv);
}

/* Two holders inline for good, a third mm and later in the pair table;
 * refusals on both sides. */
static const struct small_step two_holders[] = {
	{ PTE_X(NEW_ANON, 0, 1, A), 0, 1, 1, { 1, 0, 0, 0 }, 0 },
	{ DUP_PTE(0, 1, B, A), 0, 2, 2, { 1, 1, 0, 0 }, 0 },	/* second holder, inline */
	{ PTE(ADD, 0, 1, B), 0, 3, 2, { 1, 2, 0, 0 }, 0 },
	{ PTE(ADD, 0, 1, A), 0, 4, 2, { 2, 2, 0, 0 }, 0 },
	{ PTE(REMOVE, 0, 1, C), 1, 4, 2, { 2, 2, 0, 0 }, 0 },	/* C maps nothing */
	{ DUP_PTE(0, 1, D, C), 1, 4, 2, { 2, 2, 0, 0 }, 0 },	/* nor does the parent */
	{ DUP_PTE(0, 1, B, B), 1, 4, 2, { 2, 2, 0, 0 }, 0 },	/* the child is the parent */
	{ DUP_PTE(0, 1, C, 0), 1, 4, 2, { 2, 2, 0, 0 }, 0 },	/* no parent */
	{ PTE(NEW_ANON, 0, 1, C), 1, 4, 2, { 2, 2, 0, 0 }, 0 },	/* a mapped page */
	{ PTE_X(ADD, 0, 1, B), 2, 5, 2, { 2, 3, 0, 0 }, 0 },	/* EXCLUSIVE, shared */
	{ PTE(REMOVE, 0, 1, B), 0, 4, 2, { 2, 2, 0, 0 }, 0 },
	{ PTE(REMOVE, 0, 1, A), 0, 3, 2, { 1, 2, 0, 0 }, 0 },
	{ PTE(REMOVE, 0, 1, A), 0, 2, 1, { 0, 2, 0, 0 }, 0 },	/* first holder gone */
	{ PTE(REMOVE, 0, 1, A), 1, 2, 1, { 0, 2, 0, 0 }, 0 },
	{ DUP_PTE(0, 1, C, B), 0, 3, 2, { 0, 2, 1, 0 }, 0 },	/* C in the free spot */
	{ PTE(REMOVE, 0, 1, C), 0, 2, 1, { 0, 2, 0, 0 }, 0 },
	{ PTE(REMOVE, 0, 1, C), 1, 2, 1, { 0, 2, 0, 0 }, 0 },
	{ DUP_PTE(0, 1, C, B), 0, 3, 2, { 0, 2, 1, 0 }, 0 },
	{ DUP_PTE(0, 1, D, C), 0, 4, 3, { 0, 2, 1, 1 }, 1 },	/* a third mm: the table */
	{ PTE(ADD, 0, 1, A), 0, 5, 4, { 1, 2, 1, 1 }, 2 },	/* and a fourth */
	{ PTE(REMOVE, 0, 1, A), 0, 4, 3, { 0, 2, 1, 1 }, 1 },
	{ PTE(REMOVE, 0, 1, A), 1, 4, 3, { 0, 2, 1, 1 }, 1 },	/* no pair: refused */
	{ DUP_PTE(0, 1, B, A), 1, 4, 3, { 0, 2, 1, 1 }, 1 },
	{ DUP_PTE(0, 1, D, D), 1, 4, 3, { 0, 2, 1, 1 }, 1 },
	{ PTE(NEW_ANON, 0, 1, A), 1, 4, 3, { 0, 2, 1, 1 }, 1 },
	{ PTE_X(ADD, 0, 1, D), 2, 5, 3, { 0, 2, 1, 2 }, 1 },
	{ PTE(REMOVE, 0, 1, D), 0, 4, 3, { 0, 2, 1, 1 }, 1 },
	{ PTE(REMOVE, 0, 1, D), 0, 3, 2, { 0, 2, 1, 0 }, 0 },	/* the holders are left */
	{ PTE(REMOVE, 0, 1, B), 0, 2, 2, { 0, 1, 1, 0 }, 0 },
	{ PTE(REMOVE, 0, 1, C), 0, 1, 1, { 0, 1, 0, 0 }, 0 },
	{ PTE(REMOVE, 0, 1, B), 0, 0, 0, { 0, 0, 0, 0 }, 0 },	/* unmapped */
	{ PTE(ADD, 0, 1, C), 0, 1, 1, { 0, 0, 1, 0 }, 0 },
	{ PTE(ADD, 0, 1, D), 0, 2, 2, { 0, 0, 1, 1 }, 0 },
	{ PTE(REMOVE, 0, 1, C), 0, 1, 1, { 0, 0, 0, 1 }, 0 },
	{ PTE(REMOVE, 0, 1, D), 0, 0, 0, { 0, 0, 0, 0 }, 0 },
};

/*
 * A file page: a holder leaves while mms are in the table; a table mm that
 * maps again brings its pair into the free spot, a new mm takes one after the
 * look for its pair; DUPs from the table, to the table and to a spot.
 */
static const struct small_step table_mms[] = {
	{ PTE(ADD, 0, 1, A), 0, 1, 1, { 1, 0, 0, 0 }, 0 },
	{ PTE(ADD, 0, 1, B), 0, 2, 2, { 1, 1, 0, 0 }, 0 },
	{ PTE(ADD, 0, 1, C), 0, 3, 3, { 1, 1, 1, 0 }, 1 },	/* a third mm */
	{ PTE(ADD, 0, 1, D), 0, 4, 4, { 1, 1, 1, 1 }, 2 },	/* a fourth */
	{ PTE(ADD, 0, 1, C), 0, 5, 4, { 1, 1, 2, 1 }, 2 },
	{ PTE(REMOVE, 0, 1, A), 0, 4, 3, { 0, 1, 2, 1 }, 2 },	/* a holder leaves */
	{ PTE(REMOVE, 0, 1, A), 1, 4, 3, { 0, 1, 2, 1 }, 2 },	/* not inline, no pair */
	{ PTE(ADD, 0, 1, C), 0, 5, 3, { 0, 1, 3, 1 }, 1 },	/* C's pair moves inline */
	{ PTE(REMOVE, 0, 1, B), 0, 4, 2, { 0, 0, 3, 1 }, 1 },
	{ PTE(REMOVE, 0, 1, A), 1, 4, 2, { 0, 0, 3, 1 }, 1 },	/* a spot free, no pair */
	{ PTE(ADD, 0, 1, A), 0, 5, 3, { 1, 0, 3, 1 }, 1 },	/* A: no pair, the spot */
	{ DUP_PTE(0, 1, B, D), 0, 6, 4, { 1, 1, 3, 1 }, 2 },	/* from the table, to it */
	{ PTE(REMOVE, 0, 1, A), 0, 5, 3, { 0, 1, 3, 1 }, 2 },
	{ DUP_PTE(0, 1, D, B), 0, 6, 3, { 0, 1, 3, 2 }, 1 },	/* D's pair to the spot */
	{ DUP_PTE(0, 1, A, B), 0, 7, 4, { 1, 1, 3, 2 }, 2 },	/* no spot: the table */
	{ PTE(REMOVE, 0, 1, B), 0, 6, 3, { 1, 0, 3, 2 }, 1 },
	{ PTE(REMOVE, 0, 1, B), 1, 6, 3, { 1, 0, 3, 2 }, 1 },
	{ PTE(ADD, 0, 1, B), 0, 7, 4, { 1, 1, 3, 2 }, 2 },
	{ PTE(REMOVE, 0, 1, C), 0, 6, 4, { 1, 1, 2, 2 }, 2 },
	{ PTE(REMOVE, 0, 1, C), 0, 5, 4, { 1, 1, 1, 2 }, 2 },
	{ PTE(REMOVE, 0, 1, C), 0, 4, 3, { 1, 1, 0, 2 }, 2 },
	{ PTE(REMOVE, 0, 1, D), 0, 3, 3, { 1, 1, 0, 1 }, 2 },
	{ PTE(REMOVE, 0, 1, D), 0, 2, 2, { 1, 1, 0, 0 }, 2 },	/* both spots free */
	{ PTE(REMOVE, 0, 1, B), 0, 1, 1, { 1, 0, 0, 0 }, 1 },	/* one mm, in the table */
	{ PTE(REMOVE, 0, 1, A), 0, 0, 0, { 0, 0, 0, 0 }, 0 },
};

/* Run an order-0 step table on a fresh folio of kind, checking every step. */
static void run_small_steps(const char *name, unsigned int kind, const struct small_step *steps,
			    unsigned int nr)
{
	const struct mc_model *m = &mc_model_oracle;
	enum mc_vmstat_item item = mapped_item(kind);
	bool anon = kind == MC_KIND_ANON;
	struct mc_query_ctx q = { .refcount = 2 };
	struct mc_model_ctx ctx;
	struct mc_folio f = rig_folio(5, kind, 0);
	size_t size = m->state_size(0);
	uint64_t want_violations = 0;
	unsigned char before[64];
	int bad = 0;
	void *st;

	rig_ctx_init(&ctx, m);
	st = rig_state(&ctx, &f);
	for (unsigned int i = 0; i < nr; i++) {
		const struct small_step *s = &steps[i];
		uint32_t pairs_before = table_pairs(&ctx);
		int step_bad = 0;

		memcpy(before, st, size);
		m->apply(&ctx, &f, st, &s->op);
		want_violations += s->refused != 0;
		step_bad += ctx.violations != want_violations;
		step_bad += s->refused == 1 &&
			    (memcmp(before, st, size) || table_pairs(&ctx) != pairs_before);
		step_bad += m->folio_mapcount(&ctx, &f, st) != s->mapcount;
		step_bad += m->page_mapcount(&ctx, &f, st, 0) != s->mapcount;
		step_bad += mc_oracle_mm_count(&f, st) != s->mms;
		step_bad += m->maybe_shared(&ctx, &f, st) != (s->mms > 1);
		step_bad += m->anon_exclusive(&ctx, &f, st, 0) !=
			    (anon && (s->mapcount == 1 || (s->mapcount > 1 && s->mms == 1)));
		for (q.mm = A; q.mm <= D; q.mm++)
			step_bad += m->cow_reuse(&ctx, &f, st, 0, MC_LEVEL_PTE, &q) !=
				    (anon && s->mms == 1 && s->entries[q.mm - 1] > 0);
		/* one folio: a pair per mm, inline or in the table */
		step_bad += m->ctx_metadata_bytes(&ctx) != 8ull * s->mms;
		step_bad += table_pairs(&ctx) != s->in_table;
		step_bad += ctx.vm[item] != (s->mapcount > 0);
		for (uint32_t mm = A; mm <= D; mm++)
			step_bad += mc_oracle_mm_entries(&ctx, &f, st, mm) != s->entries[mm - 1];
		step_bad += mc_oracle_mm_entries(&ctx, &f, st, 0) != 0;
		if (step_bad)
			tap_diag("%s, step %u: %d checks wrong", name, i + 1, step_bad);
		bad += step_bad;
	}
	ok(!bad, "order 0, %s: %u steps match, refusals change nothing", name, nr);
	ok(state_is_fresh(&ctx, &f, st) && !table_pairs(&ctx),
	   "order 0, %s: unmapped, state is fresh, no pair left", name);
	rig_state_free(&ctx, &f, st);
	rig_ctx_fini(&ctx);
}

static void test_two_holders(void)
{
	run_small_steps("two holders", MC_KIND_ANON, STEPS(two_holders));
	run_small_steps("table mms", MC_KIND_FILE, STEPS(table_mms));
	run_small_steps("table mms, anon", MC_KIND_ANON, STEPS(table_mms));
	is_int(mc_model_oracle.state_size(0), 20, "order 0: 20 bytes of state");
}

/* The oracle's mm count and mapcount of an order-0 folio are n. */
static bool small_counts_are(const struct mc_model_ctx *ctx, const struct mc_folio *f,
			     const void *st, int64_t mms, int64_t n)
{
	return mc_oracle_mm_count(f, st) == mms && ctx->model->folio_mapcount(ctx, f, st) == n &&
	       ctx->model->page_mapcount(ctx, f, st, 0) == n;
}

/* Apply op to f nr times. */
static void apply_n(struct mc_model_ctx *ctx, const struct mc_folio *f, void *st,
		    const struct mc_op *op, uint32_t nr)
{
	for (uint32_t i = 0; i < nr; i++)
		ctx->model->apply(ctx, f, st, op);
}

/*
 * Past the table counts packed in an order-0 state (2^15 - 1 mms, 2^16 - 1
 * entries), the page's table entries go to a summary pair: counts exact on
 * the way up and down, the summary no (folio, mm) pair, every pair gone when
 * the page is unmapped, when the last table mm moves inline, or when the page
 * is freed mapped.
 */
static void test_small_many(void)
{
	enum { NMM = 33000, EXTRA = 70000 };
	const struct mc_model *m = &mc_model_oracle;
	struct mc_model_ctx ctx;
	struct mc_folio f = rig_folio(9, MC_KIND_FILE, 0), g = rig_folio(10, MC_KIND_FILE, 0);
	struct mc_op op;
	void *st, *sg;
	int bad = 0;

	rig_ctx_init(&ctx, m);
	st = rig_state(&ctx, &f);
	for (uint32_t mm = 1; mm <= NMM; mm++) {
		op = rig_pte(MC_OP_ADD, 0, 1, mm);
		m->apply(&ctx, &f, st, &op);
		bad += !small_counts_are(&ctx, &f, st, mm, mm);
	}
	is_int(bad, 0, "order 0: %d mms, every count exact past the packed width", NMM);
	is_int(table_pairs(&ctx), NMM - 2 + 1, "the third and later mms in the table, a summary");
	is_int(m->ctx_metadata_bytes(&ctx), 8ull * NMM, "the summary is no (folio, mm) pair");
	is_int(mc_oracle_mm_entries(&ctx, &f, st, 0), 0, "mm 0 holds nothing");
	op = rig_pte(MC_OP_ADD, 0, 1, 100);
	apply_n(&ctx, &f, st, &op, EXTRA);
	ok(small_counts_are(&ctx, &f, st, NMM, NMM + EXTRA) &&
	   mc_oracle_mm_entries(&ctx, &f, st, 100) == EXTRA + 1,
	   "a table mm's %d more entries counted", EXTRA);
	op.type = MC_OP_REMOVE;
	apply_n(&ctx, &f, st, &op, EXTRA);
	for (uint32_t mm = 1; mm <= NMM; mm++) {
		op = rig_pte(MC_OP_REMOVE, 0, 1, mm);
		m->apply(&ctx, &f, st, &op);
		bad += !small_counts_are(&ctx, &f, st, NMM - mm, NMM - mm);
	}
	is_int(bad, 0, "the holders, then every table mm gone: counts exact all the way");
	ok(state_is_fresh(&ctx, &f, st) && !table_pairs(&ctx) && !m->ctx_metadata_bytes(&ctx) &&
	   !ctx.violations && !ctx.vm[MC_NR_FILE_MAPPED],
	   "unmapped: state fresh, no pair left, no violation");

	/* few mms, entries past the width: C's pair and a summary */
	sg = rig_state(&ctx, &g);
	for (uint32_t mm = A; mm <= C; mm++) {
		op = rig_pte(MC_OP_ADD, 0, 1, mm);
		apply_n(&ctx, &g, sg, &op, mm == C ? EXTRA : 1);
	}
	ok(small_counts_are(&ctx, &g, sg, 3, EXTRA + 2) && table_pairs(&ctx) == 2,
	   "one table mm of %d entries: its pair and a summary", EXTRA);
	op = rig_pte(MC_OP_REMOVE, 0, 1, A);
	m->apply(&ctx, &g, sg, &op);
	op = rig_pte(MC_OP_ADD, 0, 1, C);
	m->apply(&ctx, &g, sg, &op);
	ok(small_counts_are(&ctx, &g, sg, 2, EXTRA + 2) && !table_pairs(&ctx) &&
	   mc_oracle_mm_entries(&ctx, &g, sg, C) == EXTRA + 1,
	   "C maps again into A's spot: its entries inline, no pair left");
	op = rig_pte(MC_OP_ADD, 0, 1, A);
	apply_n(&ctx, &g, sg, &op, EXTRA);
	ok(small_counts_are(&ctx, &g, sg, 3, 2 * EXTRA + 2) && table_pairs(&ctx) == 2,
	   "A back, in the table, past the width again");
	rig_state_free(&ctx, &g, sg);
	ok(!table_pairs(&ctx) && !m->ctx_metadata_bytes(&ctx) && ctx.violations == 1,
	   "freed mapped: its pairs and summary dropped, one violation");
	rig_state_free(&ctx, &f, st);
	rig_ctx_fini(&ctx);
}

/* Freeing a mapped order-0 folio drops its pairs, inline or in the table. */
static void test_small_freed_mapped(void)
{
	const struct mc_model *m = &mc_model_oracle;
	struct mc_model_ctx ctx;
	struct mc_folio f = rig_folio(1, MC_KIND_FILE, 0), g = rig_folio(2, MC_KIND_FILE, 0);
	void *sf, *sg;

	rig_ctx_init(&ctx, m);
	sf = rig_state(&ctx, &f);
	sg = rig_state(&ctx, &g);
	for (uint32_t mm = A; mm <= C; mm++) {
		struct mc_op op = rig_pte(MC_OP_ADD, 0, 1, mm);

		m->apply(&ctx, &g, sg, &op);
		if (mm != C)
			m->apply(&ctx, &f, sf, &op);
	}
	ok(m->ctx_metadata_bytes(&ctx) == 8 * 5 && table_pairs(&ctx) == 1,
	   "four holders inline, C's pair in the table");
	rig_state_free(&ctx, &f, sf);
	is_int(m->ctx_metadata_bytes(&ctx), 8 * 3, "freed mapped with two holders: pairs dropped");
	rig_state_free(&ctx, &g, sg);
	ok(!m->ctx_metadata_bytes(&ctx) && !table_pairs(&ctx) && ctx.violations == 2,
	   "freed mapped with a table mm: pairs dropped; two violations");
	rig_ctx_fini(&ctx);
}

/* Many mms on many folios: the pair table grows and empties correctly. */
static void test_pairs(void)
{
	enum { NF = 64, NMM = 300 };
	const struct mc_model *m = &mc_model_oracle;
	struct mc_model_ctx ctx;
	struct mc_folio f[NF];
	void *st[NF];
	int bad = 0;

	rig_ctx_init(&ctx, m);
	for (uint32_t i = 0; i < NF; i++) {
		f[i] = rig_folio(i, MC_KIND_FILE, i % 3);
		st[i] = rig_state(&ctx, &f[i]);
	}
	for (uint32_t mm = 1; mm <= NMM; mm++) {
		for (uint32_t i = 0; i < NF; i++) {
			struct mc_op op = rig_pte(MC_OP_ADD, 0, 1, mm);

			if ((mm + i) % 2)
				m->apply(&ctx, &f[i], st[i], &op);
		}
	}
	is_int(m->ctx_metadata_bytes(&ctx), 8ull * NF * NMM / 2, "one 8-byte pair per (folio, mm)");
	for (uint32_t i = 0; i < NF; i++)
		bad += mc_oracle_mm_count(&f[i], st[i]) != NMM / 2;
	for (uint32_t mm = 1; mm <= NMM; mm++) {
		for (uint32_t i = 0; i < NF; i++) {
			struct mc_op op = rig_pte(MC_OP_REMOVE, 0, 1, mm);

			if ((mm + i) % 2)
				m->apply(&ctx, &f[i], st[i], &op);
			if (mc_oracle_mm_entries(&ctx, &f[i], st[i], mm))
				bad++;
		}
	}
	is_int(bad, 0, "%d folios x %d mms: every mm count and pair exact", NF, NMM);
	ok(!m->ctx_metadata_bytes(&ctx) && !ctx.violations, "table empty again, no violations");
	for (uint32_t i = 0; i < NF; i++)
		rig_state_free(&ctx, &f[i], st[i]);
	rig_ctx_fini(&ctx);
}

int main(void)
{
	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
	test_pss_small();
	test_pss_pmd();
	test_split();
	test_restore_exclusive_read_late();
	test_violations();
	test_violations_small();
	test_two_holders();
	test_small_freed_mapped();
	test_small_many();
	test_pairs();
	for (unsigned int o = 0; o <= MC_MAX_ORDER; o += (o < 10 ? 1 : 8))
		tap_diag("oracle state bytes, order %2u: %zu (exact-scheme metadata %zu)", o,
			 mc_model_oracle.state_size(o), mc_model_oracle.metadata_bytes(o));
	return tap_done();
}
