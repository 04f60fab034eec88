// SPDX-License-Identifier: GPL-2.0
/*
 * legacy-doublemap model: the spec's PG_double_map worked example, file THPs,
 * deferred split, remap, COW reuse, smaps PSS, vmstat, overflow, per-op costs
 * and a randomized property test (folio and page mapcounts equal an exact
 * count of entries after every operation).
 */
#include <stdlib.h>
#include <string.h>

#include "models/legacy-doublemap.h"
#include "tests/tap.h"

static const struct mc_model *M = &mc_model_legacy_doublemap;

struct fx {
	struct mc_model_ctx ctx;
	struct mc_folio f;
	struct mc_legacy_state *s;
	uint64_t d_atomics, d_lines;	/* cost of the last op */
};

static void fx_init(struct fx *x, unsigned int order, enum mc_kind kind)
{
	memset(x, 0, sizeof(*x));
	x->ctx.model = M;
	x->f.order = order;
	x->f.kind = kind;
	x->s = calloc(1, M->state_size(order));
	M->init(&x->ctx, &x->f, x->s);
}

static void fx_fini(struct fx *x)
{
	M->fini(&x->ctx, &x->f, x->s);
	free(x->s);
}

static void fx_op(struct fx *x, uint8_t type, uint8_t level, uint16_t flags, uint32_t first,
		  uint32_t nr, uint32_t mm)
{
	struct mc_op op = { .type = type, .level = level, .flags = flags, .first = first,
			    .nr = nr, .mm = mm, .src_mm = type == MC_OP_DUP ? 1 : 0 };
	uint64_t a = x->ctx.atomics, l = x->ctx.cachelines;

	M->apply(&x->ctx, &x->f, x->s, &op);
	x->d_atomics = x->ctx.atomics - a;
	x->d_lines = x->ctx.cachelines - l;
}

static int64_t fmc(struct fx *x)
{
	return M->folio_mapcount(&x->ctx, &x->f, x->s);
}

static int64_t pmc(struct fx *x, uint32_t page)
{
	return M->page_mapcount(&x->ctx, &x->f, x->s, page);
}

static struct mc_smaps smaps(struct fx *x, uint32_t first, uint32_t nr, enum mc_level level,
			     uint32_t refcount)
{
	struct mc_query_ctx q = { .mm = 1, .refcount = refcount };
	struct mc_smaps acc = { 0 };

	M->smaps_account(&x->ctx, &x->f, x->s, first, nr, level, &q, &acc);
	return acc;
}

static bool cow(struct fx *x, uint32_t page, enum mc_level level, uint32_t refcount)
{
	struct mc_query_ctx q = { .mm = 1, .refcount = refcount };

	return M->cow_reuse(&x->ctx, &x->f, x->s, page, level, &q);
}

#define EX MC_OPF_EXCLUSIVE

/* ---- the spec's worked example: THP in A, forked to B and C, three splits, exits ---- */

struct dm_step {
	const char *what;
	uint8_t type, level;
	uint16_t flags;
	uint32_t first, nr, mm;
	/* expected after the step */
	int32_t cm, mc0, mc511;
	bool dm;
	int64_t fmc, pm0, pm511;
	bool shared, pae0, queued, mapped;
	int64_t thps, anon;
	uint64_t atomics, lines;
	uint64_t pss_a;	/* smaps PSS of one mm's 512 pages, bytes (>> 12), refcount > 1 */
};

/* floor(2^24 / 3) per page, 512 pages, >> 12 */
#define PSS3 (512ull * ((4096ull << 12) / 3) >> 12)
#define PSS2 (512ull * 4096 / 2)
#define PSS1 (512ull * 4096)

static const struct dm_step dm_steps[] = {
	{ "A faults the THP (NEW_ANON pmd)", MC_OP_NEW_ANON, MC_LEVEL_PMD, EX, 0, 512, 1,
	  0, -1, -1, false, 1, 1, 1, false, true, false, true, 512, 512, 1, 2, PSS1 },
	{ "fork B (dup pmd)", MC_OP_DUP, MC_LEVEL_PMD, 0, 0, 512, 2,
	  1, -1, -1, false, 2, 2, 2, true, false, false, true, 512, 512, 2, 2, PSS2 },
	{ "fork C (dup pmd)", MC_OP_DUP, MC_LEVEL_PMD, 0, 0, 512, 3,
	  2, -1, -1, false, 3, 3, 3, true, false, false, true, 512, 512, 1, 2, PSS3 },
	{ "A splits: +1, DoubleMap set +1, compound 2->1", MC_OP_REMAP, MC_LEVEL_PMD, 0, 0, 512, 1,
	  1, 1, 1, true, 514, 3, 3, true, false, false, true, 512, 512, 1026, 512, PSS3 },
	{ "B splits: +1, compound 1->0", MC_OP_REMAP, MC_LEVEL_PMD, 0, 0, 512, 2,
	  0, 2, 2, true, 1025, 3, 3, true, false, false, true, 512, 512, 514, 512, PSS3 },
	{ "C splits: +1, last compound, DoubleMap -1", MC_OP_REMAP, MC_LEVEL_PMD, 0, 0, 512, 3,
	  -1, 2, 2, false, 1536, 3, 3, true, false, false, true, 0, 512, 1026, 512, PSS3 },
	{ "A exits (512 PTE removals)", MC_OP_REMOVE, MC_LEVEL_PTE, 0, 0, 512, 1,
	  -1, 1, 1, false, 1024, 2, 2, true, false, false, true, 0, 512, 512, 512, PSS2 },
	{ "B exits", MC_OP_REMOVE, MC_LEVEL_PTE, 0, 0, 512, 2,
	  -1, 0, 0, false, 512, 1, 1, false, false, false, true, 0, 512, 512, 512, PSS1 },
	{ "C exits: last unmaps, queued at page 0", MC_OP_REMOVE, MC_LEVEL_PTE, 0, 0, 512, 3,
	  -1, -1, -1, false, 0, 0, 0, true, false, true, false, 0, 0, 513, 512, PSS1 },
};

static void test_doublemap_example(void)
{
	struct fx x;

	fx_init(&x, 9, MC_KIND_ANON);
	for (size_t i = 0; i < sizeof(dm_steps) / sizeof(dm_steps[0]); i++) {
		const struct dm_step *t = &dm_steps[i];
		bool all_same = true;

		fx_op(&x, t->type, t->level, t->flags, t->first, t->nr, t->mm);
		tap_diag("step %zu: %s", i, t->what);
		is_int(mc_legacy_compound_raw(x.s, 0), t->cm, "compound_mapcount raw");
		is_int(x.s->mapcount[0], t->mc0, "page[0]._mapcount raw");
		is_int(x.s->mapcount[511], t->mc511, "page[511]._mapcount raw");
		for (int p = 1; p < 511; p++)
			all_same &= x.s->mapcount[p] == t->mc0;
		ok(all_same, "every subpage _mapcount raw = %d", t->mc0);
		is_int(mc_legacy_double_map(x.s, 0), t->dm, "PG_double_map");
		is_int(fmc(&x), t->fmc, "folio_mapcount (entries)");
		is_int(pmc(&x, 0), t->pm0, "page_mapcount(0)");
		is_int(pmc(&x, 511), t->pm511, "page_mapcount(511)");
		is_int(M->maybe_shared(&x.ctx, &x.f, x.s), t->shared, "maybe_shared");
		is_int(M->anon_exclusive(&x.ctx, &x.f, x.s, 0), t->pae0, "PageAnonExclusive(0)");
		is_int(M->partially_mapped(&x.ctx, &x.f, x.s), t->queued, "deferred split queue");
		is_int(M->pagemap_exclusive(&x.ctx, &x.f, x.s, 9, MC_LEVEL_PTE), t->pm0 == 1,
		       "pagemap PM_MMAP_EXCLUSIVE(9)");
		is_int(M->page_mapcount(&x.ctx, &x.f, x.s, 9) == t->pm0, 1, "page_mapcount(9)");
		/* refcount = entries: only the fresh, exclusive THP is reused */
		is_int(t->mapped && cow(&x, 9, t->fmc <= 3 ? MC_LEVEL_PMD : MC_LEVEL_PTE, t->fmc),
		       i == 0, "cow_reuse with refcount = entries");
		is_int(x.ctx.vm[MC_NR_SHMEM_PMDMAPPED] + x.ctx.vm[MC_NR_FILE_PMDMAPPED], 0,
		       "no file PMD stats");
		is_int(M->folio_mapped(&x.ctx, &x.f, x.s), t->mapped, "folio_mapped");
		is_int(x.ctx.vm[MC_NR_ANON_THPS], t->thps, "NR_ANON_THPS");
		is_int(x.ctx.vm[MC_NR_ANON_MAPPED], t->anon, "NR_ANON_MAPPED");
		is_int(x.ctx.vm[MC_NR_FILE_MAPPED], 0, "NR_FILE_MAPPED");
		is_int(x.d_atomics, t->atomics, "atomics of the step");
		is_int(x.d_lines, t->lines, "struct-page lines of the step");
		if (t->mapped) {
			enum mc_level lv = t->fmc <= 3 ? MC_LEVEL_PMD : MC_LEVEL_PTE;
			struct mc_smaps a = smaps(&x, 0, 512, lv, 2);

			is_int(a.pss >> MC_PSS_SHIFT, t->pss_a, "smaps PSS (bytes) of 512 pages");
			is_int(a.pss_anon, a.pss, "Pss_Anon = Pss");
			is_int(a.rss, 512 * 4096, "Rss");
			is_int(a.anonymous, 512 * 4096, "Anonymous");
		}
		is_int(x.ctx.violations, 0, "no violations");
	}
	is_int(x.ctx.events[MC_EV_THP_DEFERRED_SPLIT_PAGE], 1, "thp_deferred_split_page once");
	is_int(x.ctx.overflows, 0, "no overflow");
	fx_fini(&x);
	is_int(x.ctx.violations, 0, "fini: state back to initial");
}

/* ---- file THP: PMD + PTE (entire-nrmapped.md (d) on 6.1) ---- */

static void test_file_pmd_pte(enum mc_kind kind)
{
	enum mc_vmstat_item pmd_item = kind == MC_KIND_SHMEM ? MC_NR_SHMEM_PMDMAPPED
							     : MC_NR_FILE_PMDMAPPED;
	struct mc_smaps a, b;
	struct fx x;

	tap_diag("file THP PMD + PTE, %s", kind == MC_KIND_SHMEM ? "shmem" : "file");
	fx_init(&x, 9, kind);
	fx_op(&x, MC_OP_ADD, MC_LEVEL_PMD, 0, 0, 512, 1);
	is_int(x.s->mapcount[0], 0, "PMD map increments page[0]._mapcount");
	is_int(x.s->mapcount[511], 0, "... and page[511]._mapcount");
	is_int(mc_legacy_compound_raw(x.s, 0), 0, "compound_mapcount 0");
	is_int(x.ctx.vm[MC_NR_FILE_MAPPED], 512, "Mapped 512");
	is_int(x.ctx.vm[pmd_item], 512, "PMDMAPPED 512");
	is_int(x.ctx.vm[MC_NR_ANON_MAPPED] + x.ctx.vm[MC_NR_ANON_THPS], 0, "no anon stats");
	is_int(x.d_atomics, 513, "file PMD map: 512 subpage + 1 compound RMW");
	is_int(x.d_lines, 512, "file PMD map touches 512 struct pages");
	is_int(fmc(&x), 1, "folio_mapcount 1");
	is_int(pmc(&x, 7), 1, "page_mapcount 1");

	fx_op(&x, MC_OP_ADD, MC_LEVEL_PTE, 0, 0, 3, 2);
	is_int(x.s->mapcount[2], 1, "PTE map: page[2]._mapcount 1");
	ok(mc_legacy_double_map(x.s, 0), "file PTE map sets PG_double_map");
	is_int(x.d_atomics, 6, "3 PTEs: 3 SetPageDoubleMap + 3 inc");
	is_int(x.d_lines, 3, "lines: pages 0..2 (page 1 holds the flag)");
	is_int(x.ctx.vm[MC_NR_FILE_MAPPED], 512, "Mapped unchanged");
	is_int(fmc(&x), 4, "folio_mapcount 4");
	is_int(pmc(&x, 0), 2, "page_mapcount(0) 2");
	is_int(pmc(&x, 3), 1, "page_mapcount(3) 1");
	ok(M->maybe_shared(&x.ctx, &x.f, x.s), "maybe shared (page 0 mapped twice)");
	ok(!M->pagemap_exclusive(&x.ctx, &x.f, x.s, 5, MC_LEVEL_PMD),
	   "pagemap PMD: head mapcount 2 -> not exclusive for page 5 either");
	ok(M->pagemap_exclusive(&x.ctx, &x.f, x.s, 5, MC_LEVEL_PTE), "pagemap PTE 5 exclusive");
	a = smaps(&x, 0, 512, MC_LEVEL_PMD, 512 + 4);
	b = smaps(&x, 0, 3, MC_LEVEL_PTE, 512 + 4);
	is_int(a.pss >> MC_PSS_SHIFT, 2091008, "A PSS = 509 + 3/2 pages");
	is_int(a.private_, 509 * 4096, "A USS 509 pages");
	is_int(a.shared, 3 * 4096, "A Shared 3 pages");
	is_int(kind == MC_KIND_SHMEM ? a.shmem_pmd : a.file_pmd, 512 * 4096, "PmdMapped 2 MiB");
	is_int(kind == MC_KIND_SHMEM ? a.pss_shmem : a.pss_file, a.pss, "Pss_File/Shmem");
	is_int(b.pss >> MC_PSS_SHIFT, 6144, "B PSS 1.5 pages");
	is_int(b.private_, 0, "B USS 0");
	ok(!cow(&x, 0, MC_LEVEL_PTE, 1), "file folio: COW always copies");

	fx_op(&x, MC_OP_REMOVE, MC_LEVEL_PMD, 0, 0, 512, 1);
	is_int(x.ctx.vm[MC_NR_FILE_MAPPED], 3, "A unmaps PMD: Mapped 3");
	is_int(x.ctx.vm[pmd_item], 0, "PMDMAPPED 0");
	is_int(x.d_atomics, 513, "file PMD unmap: 513 RMW");
	is_int(fmc(&x), 3, "folio_mapcount 3");
	ok(!M->partially_mapped(&x.ctx, &x.f, x.s), "file folios are never queued");

	fx_op(&x, MC_OP_ADD, MC_LEVEL_PMD, 0, 0, 512, 3);
	is_int(x.ctx.vm[MC_NR_FILE_MAPPED], 512, "C maps PMD: +509");
	ok(mc_legacy_double_map(x.s, 0), "PG_double_map stays (3 pages PTE-mapped)");
	is_int(x.d_atomics, 513, "no ClearPageDoubleMap");
	fx_op(&x, MC_OP_REMOVE, MC_LEVEL_PTE, 0, 0, 3, 2);
	fx_op(&x, MC_OP_REMOVE, MC_LEVEL_PMD, 0, 0, 512, 3);
	is_int(fmc(&x), 0, "unmapped");
	is_int(x.ctx.vm[MC_NR_FILE_MAPPED], 0, "Mapped 0");
	ok(mc_legacy_double_map(x.s, 0), "file PG_double_map is sticky until free");
	fx_op(&x, MC_OP_ADD, MC_LEVEL_PMD, 0, 0, 512, 4);
	ok(!mc_legacy_double_map(x.s, 0), "a PMD map finding no PTE-mapped page clears it");
	is_int(x.d_atomics, 514, "513 + ClearPageDoubleMap");
	fx_op(&x, MC_OP_REMOVE, MC_LEVEL_PMD, 0, 0, 512, 4);
	is_int(x.ctx.violations, 0, "no violations");
	fx_fini(&x);
	is_int(x.ctx.violations, 0, "fini clean");
}

/* ---- partial unmap -> deferred split (entire-nrmapped.md (b)) ---- */

static void test_partial_unmap(void)
{
	struct fx x;

	tap_diag("partial munmap of a PMD-mapped THP in one mm");
	fx_init(&x, 9, MC_KIND_ANON);
	fx_op(&x, MC_OP_NEW_ANON, MC_LEVEL_PMD, MC_OPF_EXCLUSIVE, 0, 512, 1);
	fx_op(&x, MC_OP_REMAP, MC_LEVEL_PMD, 0, 0, 512, 1);
	is_int(x.d_atomics, 1026, "excl remap: 512 PAE, 512 inc, dec, test_and_clear");
	ok(M->anon_exclusive(&x.ctx, &x.f, x.s, 300), "PAE propagated to page 300");
	ok(!mc_legacy_double_map(x.s, 0), "no DoubleMap (single PMD)");
	is_int(x.ctx.vm[MC_NR_ANON_THPS], 0, "AnonHugePages 0");
	is_int(x.ctx.vm[MC_NR_ANON_MAPPED], 512, "AnonPages 512");
	fx_op(&x, MC_OP_REMOVE, MC_LEVEL_PTE, 0, 1, 1, 1);
	is_int(x.ctx.vm[MC_NR_ANON_MAPPED], 511, "AnonPages 511");
	ok(M->partially_mapped(&x.ctx, &x.f, x.s), "queued for deferred split");
	is_int(x.d_atomics, 2, "add_negative + queue lock");
	is_int(x.d_lines, 3, "pages 0, 1, 2");
	is_int(x.ctx.events[MC_EV_DEFERRED_SPLIT_QUEUED], 1, "queued once");
	is_int(fmc(&x), 511, "folio_mapcount 511");
	ok(!M->maybe_shared(&x.ctx, &x.f, x.s), "page 0 mapped once: exclusive");
	fx_op(&x, MC_OP_REMOVE, MC_LEVEL_PTE, 0, 0, 1, 1);
	ok(M->maybe_shared(&x.ctx, &x.f, x.s), "page 0 unmapped: estimate 0 != 1 -> 'shared'");
	fx_op(&x, MC_OP_REMOVE, MC_LEVEL_PTE, 0, 2, 510, 1);
	is_int(x.d_atomics, 510, "already queued: no lock");
	is_int(x.ctx.events[MC_EV_DEFERRED_SPLIT_QUEUED], 1, "still queued once");
	is_int(x.ctx.vm[MC_NR_ANON_MAPPED], 0, "AnonPages 0");
	fx_fini(&x);
	is_int(x.ctx.violations, 0, "no violations");

	tap_diag("whole-THP munmap while PMD-mapped: not queued");
	fx_init(&x, 9, MC_KIND_ANON);
	fx_op(&x, MC_OP_NEW_ANON, MC_LEVEL_PMD, MC_OPF_EXCLUSIVE, 0, 512, 1);
	fx_op(&x, MC_OP_REMOVE, MC_LEVEL_PMD, 0, 0, 512, 1);
	ok(!M->partially_mapped(&x.ctx, &x.f, x.s), "not queued");
	is_int(x.d_atomics, 2, "add_negative + TestClearPageDoubleMap");
	is_int(x.d_lines, 2, "pages 0 and 1");
	is_int(x.ctx.vm[MC_NR_ANON_MAPPED] + x.ctx.vm[MC_NR_ANON_THPS], 0, "stats back to 0");
	fx_fini(&x);

	tap_diag("last PMD goes with PG_double_map set and half the pages PTE-mapped");
	fx_init(&x, 9, MC_KIND_ANON);
	fx_op(&x, MC_OP_NEW_ANON, MC_LEVEL_PMD, MC_OPF_EXCLUSIVE, 0, 512, 1);
	fx_op(&x, MC_OP_DUP, MC_LEVEL_PMD, 0, 0, 512, 2);
	fx_op(&x, MC_OP_REMAP, MC_LEVEL_PMD, 0, 0, 512, 1);
	fx_op(&x, MC_OP_REMOVE, MC_LEVEL_PTE, 0, 256, 256, 1);
	ok(!M->partially_mapped(&x.ctx, &x.f, x.s), "B's PMD still maps 256..511: not queued");
	is_int(pmc(&x, 300), 1, "page_mapcount(300) = 1 (B's PMD)");
	fx_op(&x, MC_OP_REMOVE, MC_LEVEL_PMD, 0, 0, 512, 2);
	is_int(x.d_atomics, 515, "add_negative + test_and_clear + 512 add_negative + queue lock");
	is_int(x.d_lines, 512, "512 struct pages");
	ok(M->partially_mapped(&x.ctx, &x.f, x.s), "0 < nr=256 < 512: queued");
	is_int(x.ctx.vm[MC_NR_ANON_MAPPED], 256, "AnonPages 256");
	is_int(fmc(&x), 256, "folio_mapcount 256");
	fx_op(&x, MC_OP_REMOVE, MC_LEVEL_PTE, 0, 0, 256, 1);
	fx_fini(&x);
	is_int(x.ctx.violations, 0, "no violations");
}

/* ---- remap costs and results ---- */

static void test_remap(void)
{
	struct fx x;

	tap_diag("file PMD remap = zap + 512 PTE maps");
	fx_init(&x, 9, MC_KIND_FILE);
	fx_op(&x, MC_OP_ADD, MC_LEVEL_PMD, 0, 0, 512, 1);
	fx_op(&x, MC_OP_REMAP, MC_LEVEL_PMD, 0, 0, 512, 1);
	is_int(x.d_atomics, 1537, "513 (zap) + 512 x (SetPageDoubleMap + inc)");
	is_int(x.d_lines, 512, "512 struct pages");
	is_int(mc_legacy_compound_raw(x.s, 0), -1, "no PMD left");
	is_int(x.s->mapcount[100], 0, "page 100 PTE-mapped once");
	is_int(x.ctx.vm[MC_NR_FILE_MAPPED], 512, "Mapped 512 (net 0)");
	is_int(x.ctx.vm[MC_NR_FILE_PMDMAPPED], 0, "FilePmdMapped 0");
	is_int(fmc(&x), 512, "folio_mapcount 512");
	fx_op(&x, MC_OP_REMOVE, MC_LEVEL_PTE, 0, 0, 512, 1);
	fx_fini(&x);
	is_int(x.ctx.violations, 0, "no violations");

	tap_diag("remap of something not PMD-mapped is a violation, state unchanged");
	fx_init(&x, 9, MC_KIND_ANON);
	fx_op(&x, MC_OP_REMAP, MC_LEVEL_PMD, 0, 0, 512, 1);
	is_int(x.ctx.violations, 1, "violation counted");
	is_int(x.s->mapcount[0], -1, "untouched");
	fx_op(&x, MC_OP_ADD, MC_LEVEL_PMD, 0, 5, 512, 1);
	is_int(x.ctx.violations, 2, "misaligned PMD rejected");
	fx_op(&x, MC_OP_ADD, MC_LEVEL_PTE, 0, 510, 5, 1);
	is_int(x.ctx.violations, 3, "PTE range past the folio rejected");
	fx_op(&x, MC_OP_ADD, MC_LEVEL_PUD, 0, 0, 512, 1);
	is_int(x.ctx.violations, 4, "PUD on an order-9 folio rejected");
	fx_op(&x, MC_OP_NEW_ANON, MC_LEVEL_PMD, EX, 0, 512, 1);
	fx_op(&x, MC_OP_NEW_ANON, MC_LEVEL_PMD, EX, 0, 512, 2);
	is_int(x.ctx.violations, 5, "second NEW_ANON of a mapped folio: one violation");
	is_int(fmc(&x), 2, "... accounted as an add: 2 entries");
	is_int(x.ctx.vm[MC_NR_ANON_MAPPED], 512, "AnonPages not double counted");
	fx_op(&x, MC_OP_REMOVE, MC_LEVEL_PMD, 0, 0, 512, 1);
	fx_op(&x, MC_OP_REMOVE, MC_LEVEL_PMD, 0, 0, 512, 2);
	fx_fini(&x);
}

/* ---- COW reuse (do_wp_page, do_huge_pmd_wp_page @v6.1) ---- */

static void test_cow_reuse(void)
{
	struct fx x;

	tap_diag("COW reuse");
	fx_init(&x, 0, MC_KIND_ANON);
	fx_op(&x, MC_OP_NEW_ANON, MC_LEVEL_PTE, MC_OPF_EXCLUSIVE, 0, 1, 1);
	ok(cow(&x, 0, MC_LEVEL_PTE, 7), "small, PAE: reuse whatever the refcount");
	fx_op(&x, MC_OP_DUP, MC_LEVEL_PTE, 0, 0, 1, 2);
	ok(!M->anon_exclusive(&x.ctx, &x.f, x.s, 0), "fork cleared PAE");
	is_int(x.d_atomics, 2, "dup of an exclusive page: clear_bit + inc");
	ok(!cow(&x, 0, MC_LEVEL_PTE, 2), "shared, refcount 2: copy");
	fx_op(&x, MC_OP_REMOVE, MC_LEVEL_PTE, 0, 0, 1, 2);
	ok(cow(&x, 0, MC_LEVEL_PTE, 1), "child gone, refcount 1: reuse");
	x.f.ksm = 1;
	ok(!cow(&x, 0, MC_LEVEL_PTE, 1), "KSM: copy");
	x.f.ksm = 0;
	fx_op(&x, MC_OP_REMOVE, MC_LEVEL_PTE, 0, 0, 1, 1);
	fx_fini(&x);

	fx_init(&x, 9, MC_KIND_ANON);
	fx_op(&x, MC_OP_NEW_ANON, MC_LEVEL_PMD, MC_OPF_EXCLUSIVE, 0, 512, 1);
	ok(cow(&x, 0, MC_LEVEL_PMD, 1), "PMD THP, PAE(head): reuse");
	fx_op(&x, MC_OP_DUP, MC_LEVEL_PMD, 0, 0, 512, 2);
	ok(!cow(&x, 0, MC_LEVEL_PMD, 2), "after fork, refcount 2: split + retry");
	fx_op(&x, MC_OP_REMOVE, MC_LEVEL_PMD, 0, 0, 512, 2);
	ok(cow(&x, 0, MC_LEVEL_PMD, 1), "child gone, refcount 1: reuse");
	fx_op(&x, MC_OP_REMAP, MC_LEVEL_PMD, 0, 0, 512, 1);
	ok(!M->anon_exclusive(&x.ctx, &x.f, x.s, 9), "PAE(head) was clear: none propagated");
	ok(!cow(&x, 9, MC_LEVEL_PTE, 512), "PTE-mapped THP, 512 refs: copy");
	fx_op(&x, MC_OP_REMOVE, MC_LEVEL_PTE, 0, 1, 511, 1);
	ok(cow(&x, 0, MC_LEVEL_PTE, 1), "one PTE left of the whole folio, refcount 1: reuse");
	ok(!cow(&x, 0, MC_LEVEL_PTE, 2), "refcount 2: copy");
	fx_op(&x, MC_OP_REMOVE, MC_LEVEL_PTE, 0, 0, 1, 1);
	fx_fini(&x);
	is_int(x.ctx.violations, 0, "no violations");
}

/* ---- smaps fast path, vmstat, overflow ---- */

static void test_smaps_fast_path(void)
{
	struct mc_smaps a;
	struct fx x;

	tap_diag("smaps refcount==1 fast path");
	fx_init(&x, 9, MC_KIND_ANON);
	fx_op(&x, MC_OP_NEW_ANON, MC_LEVEL_PMD, MC_OPF_EXCLUSIVE, 0, 512, 1);
	a = smaps(&x, 0, 512, MC_LEVEL_PMD, 1);
	is_int(a.pss, (uint64_t)(512 * 4096) << 12, "Pss 2 MiB << 12");
	is_int(a.private_, 512 * 4096, "Private 2 MiB");
	is_int(a.anon_huge, 512 * 4096, "AnonHugePages 2 MiB");
	is_int(a.shared, 0, "Shared 0");
	fx_op(&x, MC_OP_DUP, MC_LEVEL_PMD, 0, 0, 512, 2);
	a = smaps(&x, 0, 512, MC_LEVEL_PMD, 2);
	is_int(a.pss >> MC_PSS_SHIFT, 512 * 2048, "shared by 2: 1 MiB");
	is_int(a.shared, 512 * 4096, "Shared 2 MiB");
	fx_op(&x, MC_OP_REMOVE, MC_LEVEL_PMD, 0, 0, 512, 2);
	fx_op(&x, MC_OP_REMOVE, MC_LEVEL_PMD, 0, 0, 512, 1);
	fx_fini(&x);
}

static void test_overflow(void)
{
	struct fx x;

	tap_diag("32-bit wraps");
	fx_init(&x, 0, MC_KIND_FILE);
	mc_legacy_small_of(x.s)->mapcount = INT32_MAX - 1;
	fx_op(&x, MC_OP_DUP, MC_LEVEL_PTE, 0, 0, 1, 2);
	is_int(x.ctx.overflows, 0, "INT32_MAX reached, no wrap yet");
	fx_op(&x, MC_OP_DUP, MC_LEVEL_PTE, 0, 0, 1, 3);
	is_int(x.ctx.overflows, 1, "wrap counted");
	is_int(mc_legacy_small_of(x.s)->mapcount, INT32_MIN, "two's complement wrap");
	is_int(pmc(&x, 0), (int64_t)INT32_MIN + 1, "page_mapcount reads the wrapped value");
	free(x.s);

	fx_init(&x, 9, MC_KIND_ANON);
	fx_op(&x, MC_OP_NEW_ANON, MC_LEVEL_PMD, MC_OPF_EXCLUSIVE, 0, 512, 1);
	mc_legacy_compound(x.s)[0] = INT32_MAX;
	fx_op(&x, MC_OP_DUP, MC_LEVEL_PMD, 0, 0, 512, 2);
	is_int(x.ctx.overflows, 1, "compound_mapcount wrap counted");
	free(x.s);
}

/* ---- costs per op class ---- */

struct cost_case {
	const char *what;
	unsigned int order;
	enum mc_kind kind;
	struct mc_op setup[3];
	struct mc_op op;
	uint64_t atomics, lines;
};

#define OP(t, l, fl, fi, n, m) { .type = MC_OP_##t, .level = MC_LEVEL_##l, .flags = (fl), \
				 .first = (fi), .nr = (n), .mm = (m), .src_mm = 1 }
static const struct cost_case cost_cases[] = {
	{ "anon PTE map, 1 page (small folio, new)", 0, MC_KIND_ANON, { { 0 } },
	  OP(NEW_ANON, PTE, EX, 0, 1, 1), 1, 1 },
	{ "anon PTE map, 1 page of a THP (restore, excl)", 9, MC_KIND_ANON, { { 0 } },
	  OP(ADD, PTE, EX, 5, 1, 1), 2, 2 },
	{ "anon PTE map, 16 pages of a THP (not excl)", 9, MC_KIND_ANON, { { 0 } },
	  OP(ADD, PTE, 0, 16, 16, 1), 16, 17 },
	{ "file PTE map, 1 page (small folio)", 0, MC_KIND_FILE, { { 0 } },
	  OP(ADD, PTE, 0, 0, 1, 1), 1, 1 },
	{ "file PTE map, 1 page of a THP", 9, MC_KIND_FILE, { { 0 } },
	  OP(ADD, PTE, 0, 5, 1, 1), 2, 3 },
	{ "file PTE map, 16 pages of a THP", 9, MC_KIND_FILE, { { 0 } },
	  OP(ADD, PTE, 0, 16, 16, 1), 32, 18 },
	{ "file PTE map, 101 pages over 2 regions (order 10)", 10, MC_KIND_FILE, { { 0 } },
	  OP(ADD, PTE, 0, 500, 101, 1), 202, 103 },
	{ "anon PMD map (new THP fault)", 9, MC_KIND_ANON, { { 0 } },
	  OP(NEW_ANON, PMD, EX, 0, 512, 1), 1, 2 },
	{ "file PMD map", 9, MC_KIND_FILE, { { 0 } },
	  OP(ADD, PMD, 0, 0, 512, 1), 513, 512 },
	{ "fork dup of an anon PMD THP (PAE set)", 9, MC_KIND_ANON,
	  { OP(NEW_ANON, PMD, EX, 0, 512, 1) }, OP(DUP, PMD, 0, 0, 512, 2), 2, 2 },
	{ "fork dup of a file PMD THP (child refault)", 9, MC_KIND_FILE,
	  { OP(ADD, PMD, 0, 0, 512, 1) }, OP(DUP, PMD, 0, 0, 512, 2), 513, 512 },
	{ "fork dup of 16 anon PTEs (PAE set)", 9, MC_KIND_ANON,
	  { OP(ADD, PTE, EX, 16, 16, 1) }, OP(DUP, PTE, 0, 16, 16, 2), 32, 17 },
	{ "anon PMD remap, sole mapper, PAE", 9, MC_KIND_ANON,
	  { OP(NEW_ANON, PMD, EX, 0, 512, 1) }, OP(REMAP, PMD, 0, 0, 512, 1), 1026, 512 },
	{ "anon PMD remap, sole mapper, no PAE", 9, MC_KIND_ANON,
	  { OP(NEW_ANON, PMD, EX, 0, 512, 1), OP(DUP, PMD, 0, 0, 512, 2),
	    OP(REMOVE, PMD, 0, 0, 512, 2) }, OP(REMAP, PMD, 0, 0, 512, 1), 514, 512 },
	{ "anon PMD remap, sets PG_double_map", 9, MC_KIND_ANON,
	  { OP(NEW_ANON, PMD, EX, 0, 512, 1), OP(DUP, PMD, 0, 0, 512, 2) },
	  OP(REMAP, PMD, 0, 0, 512, 1), 1026, 512 },
	{ "file PMD remap (zap + 512 PTE maps)", 9, MC_KIND_FILE,
	  { OP(ADD, PMD, 0, 0, 512, 1) }, OP(REMAP, PMD, 0, 0, 512, 1), 1537, 512 },
	{ "anon PMD unmap, last, no DoubleMap", 9, MC_KIND_ANON,
	  { OP(NEW_ANON, PMD, EX, 0, 512, 1) }, OP(REMOVE, PMD, 0, 0, 512, 1), 2, 2 },
	{ "anon PTE unmap, 1 page, queues", 9, MC_KIND_ANON,
	  { OP(ADD, PTE, EX, 0, 16, 1) }, OP(REMOVE, PTE, 0, 5, 1, 1), 2, 3 },
	{ "anon PMD map of region 1 of an order-10 folio", 10, MC_KIND_ANON,
	  { OP(NEW_ANON, PMD, EX, 0, 512, 1) }, OP(ADD, PMD, EX, 512, 512, 1), 2, 3 },
};

static void test_costs(void)
{
	tap_diag("%-48s %8s %8s", "op class (6.1 path)", "atomics", "lines");
	for (size_t i = 0; i < sizeof(cost_cases) / sizeof(cost_cases[0]); i++) {
		const struct cost_case *t = &cost_cases[i];
		struct fx x;

		fx_init(&x, t->order, t->kind);
		for (int j = 0; j < 3 && t->setup[j].nr; j++)
			M->apply(&x.ctx, &x.f, x.s, &t->setup[j]);
		fx_op(&x, t->op.type, t->op.level, t->op.flags, t->op.first, t->op.nr, t->op.mm);
		tap_diag("%-48s %8" PRIu64 " %8" PRIu64, t->what, x.d_atomics, x.d_lines);
		is_int(x.d_atomics, t->atomics, "%s: atomics", t->what);
		is_int(x.d_lines, t->lines, "%s: struct-page lines", t->what);
		is_int(x.ctx.violations, 0, "%s: no violations", t->what);
		free(x.s);
	}
}

static void test_sizes(void)
{
	static const unsigned int orders[] = { 0, 1, 2, 4, 9, 10, 18 };

	tap_diag("%5s %14s %14s", "order", "state_size", "metadata_bytes");
	for (size_t i = 0; i < sizeof(orders) / sizeof(orders[0]); i++)
		tap_diag("%5u %14zu %14zu", orders[i], M->state_size(orders[i]),
			 M->metadata_bytes(orders[i]));
	is_int(M->metadata_bytes(0), 4, "order 0: one _mapcount");
	is_int(M->state_size(0), sizeof(struct mc_legacy_small), "order 0: _mapcount and PAE only");
	is_int(M->state_size(0), 5, "order 0: 5 bytes, packed");
	is_int(M->state_align(0), 1, "order 0: any address");
	is_int(M->metadata_bytes(9), 2052, "THP: 512 _mapcount + compound_mapcount");
	is_int(M->metadata_bytes(4), 68, "order 4: 16 _mapcount + compound_mapcount");
	ok(M->state_size(9) >= sizeof(struct mc_legacy_state) + 2048 + 4 + 1 + 64,
	   "state holds every field");
}

/* ---- property test: random streams against an exact count of entries ---- */

#define P_MMS 4

struct exact {
	uint8_t pte[P_MMS][1024];	/* order <= 10 */
	uint8_t pmd[P_MMS][2];
	uint8_t pud[P_MMS];
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state % n);
}

static int64_t exact_fmc(const struct exact *e, uint32_t n)
{
	int64_t t = 0;

	for (int m = 0; m < P_MMS; m++) {
		for (uint32_t i = 0; i < n; i++)
			t += e->pte[m][i];
		t += e->pmd[m][0] + e->pmd[m][1] + e->pud[m];
	}
	return t;
}

static int64_t exact_pmc(const struct exact *e, uint32_t page)
{
	int64_t t = 0;

	for (int m = 0; m < P_MMS; m++)
		t += e->pte[m][page] + e->pmd[m][page >> 9];
	return t;
}

/* A random valid op for mm m; returns false if none was picked. */
static bool random_op(struct exact *e, const struct mc_folio *f, struct mc_op *op, bool *first_map)
{
	uint32_t n = mc_folio_nr_pages(f), m = rnd(P_MMS), r = f->order >= 9 ? rnd(n >> 9) : 0;
	uint32_t a = rnd(n), len = 1 + rnd(n - a < 32 ? n - a : 32);
	bool anon = f->kind == MC_KIND_ANON;
	uint32_t k = rnd(6);

	memset(op, 0, sizeof(*op));
	op->mm = m + 1;
	if (k <= 1) {	/* PTE map or unmap of a run this mm maps the same way */
		bool map = !e->pte[m][a];

		for (uint32_t i = a; i < a + len; i++)
			if (e->pte[m][i] == map || (anon && map && e->pmd[m][i >> 9]))
				return false;
		op->type = map ? MC_OP_ADD : MC_OP_REMOVE;
		op->first = a;
		op->nr = len;
		if (map && anon && *first_map) {
			op->type = MC_OP_NEW_ANON;
			*first_map = false;
		}
		for (uint32_t i = a; i < a + len; i++)
			e->pte[m][i] = map;
		return true;
	}
	if (f->order < 9)
		return false;
	if (k == 2) {	/* PMD map or unmap */
		bool map = !e->pmd[m][r];

		if (map && anon)
			for (uint32_t i = r << 9; i < (r + 1) << 9; i++)
				if (e->pte[m][i])
					return false;
		op->type = map ? MC_OP_ADD : MC_OP_REMOVE;
		if (map && anon && *first_map) {
			op->type = MC_OP_NEW_ANON;
			*first_map = false;
		}
		op->level = MC_LEVEL_PMD;
		op->first = r << 9;
		op->nr = 512;
		e->pmd[m][r] = map;
		return true;
	}
	if (k == 3) {	/* remap */
		if (!e->pmd[m][r])
			return false;
		if (!anon)
			for (uint32_t i = r << 9; i < (r + 1) << 9; i++)
				if (e->pte[m][i])
					return false;
		op->type = MC_OP_REMAP;
		op->level = MC_LEVEL_PMD;
		op->first = r << 9;
		op->nr = 512;
		e->pmd[m][r] = 0;
		for (uint32_t i = r << 9; i < (r + 1) << 9; i++)
			e->pte[m][i] = 1;
		return true;
	}
	if (k == 4) {	/* dup one of mm 0's PMDs into an mm without mappings there */
		if (!e->pmd[0][r] || m == 0 || e->pmd[m][r])
			return false;
		for (uint32_t i = r << 9; i < (r + 1) << 9; i++)
			if (e->pte[m][i])
				return false;
		op->type = MC_OP_DUP;
		op->level = MC_LEVEL_PMD;
		op->first = r << 9;
		op->nr = 512;
		op->src_mm = 1;
		e->pmd[m][r] = 1;
		return true;
	}
	/* dup of mm 0's PTE run */
	if (m == 0)
		return false;
	for (uint32_t i = a; i < a + len; i++)
		if (!e->pte[0][i] || e->pte[m][i] || (anon && e->pmd[m][i >> 9]))
			return false;
	op->type = MC_OP_DUP;
	op->first = a;
	op->nr = len;
	op->src_mm = 1;
	for (uint32_t i = a; i < a + len; i++)
		e->pte[m][i] = 1;
	return true;
}

static void property_run(unsigned int order, enum mc_kind kind, int steps)
{
	uint32_t n = 1u << order;
	bool first_map = true, good = true, pages_good = true, stats_good = true;
	struct exact *e = calloc(1, sizeof(*e));
	struct fx x;
	int done = 0;

	fx_init(&x, order, kind);
	while (done < steps) {
		struct mc_op op;

		if (!random_op(e, &x.f, &op, &first_map))
			continue;
		done++;
		M->apply(&x.ctx, &x.f, x.s, &op);
		good &= fmc(&x) == exact_fmc(e, n);
		for (uint32_t i = 0; i < n; i++)
			pages_good &= pmc(&x, i) == exact_pmc(e, i);
		if (kind != MC_KIND_ANON) {
			int64_t mapped = 0;

			for (uint32_t i = 0; i < n; i++)
				mapped += exact_pmc(e, i) > 0;
			stats_good &= x.ctx.vm[MC_NR_FILE_MAPPED] == mapped;
		}
		good &= M->folio_mapped(&x.ctx, &x.f, x.s) == (exact_fmc(e, n) > 0);
	}
	ok(good, "order %u %s: folio_mapcount and folio_mapped exact after %d ops", order,
	   kind == MC_KIND_ANON ? "anon" : "file", steps);
	ok(pages_good, "order %u: page_mapcount exact for every page after every op", order);
	if (kind != MC_KIND_ANON)
		ok(stats_good, "order %u file: NR_FILE_MAPPED = distinct mapped pages", order);
	is_int(x.ctx.violations, 0, "order %u: no violations", order);
	is_int(x.ctx.overflows, 0, "order %u: no overflows", order);
	/* tear down: unmap everything, then fini must find the initial counters */
	for (int m = 0; m < P_MMS; m++) {
		for (uint32_t i = 0; i < n; i++)
			if (e->pte[m][i])
				fx_op(&x, MC_OP_REMOVE, MC_LEVEL_PTE, 0, i, 1, m + 1);
		for (uint32_t r = 0; order >= 9 && r < (n >> 9); r++)
			if (e->pmd[m][r])
				fx_op(&x, MC_OP_REMOVE, MC_LEVEL_PMD, 0, r << 9, 512, m + 1);
	}
	is_int(fmc(&x), 0, "order %u: unmapped at the end", order);
	is_int(x.ctx.vm[MC_NR_FILE_MAPPED] + x.ctx.vm[MC_NR_ANON_THPS] +
		       x.ctx.vm[MC_NR_FILE_PMDMAPPED], 0, "order %u: counters back to 0", order);
	fx_fini(&x);
	is_int(x.ctx.violations, 0, "order %u: fini clean", order);
	free(e);
}

static void test_pud(void)
{
	struct fx x;

	tap_diag("order-18 PUD (extension)");
	fx_init(&x, 18, MC_KIND_FILE);
	fx_op(&x, MC_OP_ADD, MC_LEVEL_PUD, 0, 0, 1u << 18, 1);
	is_int(fmc(&x), 1, "file PUD: folio_mapcount 1");
	is_int(pmc(&x, 100000), 1, "page_mapcount 1");
	is_int(x.ctx.vm[MC_NR_FILE_MAPPED], 1 << 18, "Mapped 262144");
	is_int(x.ctx.vm[MC_NR_FILE_PMDMAPPED], 0, "no PMDMAPPED");
	is_int(x.d_atomics, (1 << 18) + 1, "every _mapcount + the PUD count");
	fx_op(&x, MC_OP_ADD, MC_LEVEL_PMD, 0, 1024, 512, 2);
	is_int(fmc(&x), 2, "plus a PMD of region 2: 2");
	is_int(pmc(&x, 1030), 2, "page in region 2: 2");
	fx_op(&x, MC_OP_REMOVE, MC_LEVEL_PMD, 0, 1024, 512, 2);
	fx_op(&x, MC_OP_REMOVE, MC_LEVEL_PUD, 0, 0, 1u << 18, 1);
	is_int(x.ctx.vm[MC_NR_FILE_MAPPED], 0, "Mapped 0");
	fx_fini(&x);
	is_int(x.ctx.violations, 0, "no violations");

	fx_init(&x, 18, MC_KIND_ANON);
	fx_op(&x, MC_OP_NEW_ANON, MC_LEVEL_PUD, EX, 0, 1u << 18, 1);
	is_int(fmc(&x), 1, "anon PUD: folio_mapcount 1");
	is_int(pmc(&x, 7), 1, "page_mapcount 1");
	is_int(x.ctx.vm[MC_NR_ANON_MAPPED], 1 << 18, "AnonPages 262144");
	fx_op(&x, MC_OP_DUP, MC_LEVEL_PUD, 0, 0, 1u << 18, 2);
	is_int(pmc(&x, 7), 2, "after fork: 2");
	fx_op(&x, MC_OP_REMOVE, MC_LEVEL_PUD, 0, 0, 1u << 18, 2);
	fx_op(&x, MC_OP_REMOVE, MC_LEVEL_PUD, MC_OPF_FREEZE, 0, 1u << 18, 1);
	is_int(x.ctx.vm[MC_NR_ANON_MAPPED], 0, "AnonPages 0");
	fx_fini(&x);
	is_int(x.ctx.violations, 0, "no violations");
}

static void test_freeze_restore(void)
{
	struct fx x, y;

	tap_diag("folio split: REMOVE(FREEZE) of a PMD, then RESTORE of small folios");
	fx_init(&x, 9, MC_KIND_ANON);
	fx_op(&x, MC_OP_NEW_ANON, MC_LEVEL_PMD, EX, 0, 512, 1);
	fx_op(&x, MC_OP_REMOVE, MC_LEVEL_PMD, MC_OPF_FREEZE, 0, 512, 1);
	ok(!M->anon_exclusive(&x.ctx, &x.f, x.s, 0), "PAE moved into the migration entry");
	is_int(x.ctx.vm[MC_NR_ANON_MAPPED] + x.ctx.vm[MC_NR_ANON_THPS], 0, "stats 0");
	ok(M->partially_mapped(&x.ctx, &x.f, x.s), "the dying THP was queued by the removals");
	is_int(x.d_atomics, 1 + 512 + 1 + 1 + 512 + 1, "PAE, 512 inc, dec, DM, 512 dec, lock");
	fx_fini(&x);
	is_int(x.ctx.violations, 0, "fini clean after freeze");
	fx_init(&y, 0, MC_KIND_ANON);
	fx_op(&y, MC_OP_ADD, MC_LEVEL_PTE, MC_OPF_RESTORE | EX, 0, 1, 1);
	ok(M->anon_exclusive(&y.ctx, &y.f, y.s, 0), "restored exclusive");
	is_int(y.ctx.vm[MC_NR_ANON_MAPPED], 1, "AnonPages 1");
	fx_op(&y, MC_OP_REMOVE, MC_LEVEL_PTE, 0, 0, 1, 1);
	fx_fini(&y);
	is_int(y.ctx.violations, 0, "no violations");
}

static void test_anon_pmd_overcount(void)
{
	struct fx x;

	tap_diag("6.1: a PTE rmap added to a PMD-mapped THP without PG_double_map: AnonPages +1");
	fx_init(&x, 9, MC_KIND_ANON);
	fx_op(&x, MC_OP_NEW_ANON, MC_LEVEL_PMD, EX, 0, 512, 1);
	fx_op(&x, MC_OP_ADD, MC_LEVEL_PTE, 0, 0, 4, 2);	/* remove_migration_pte in mm 2 */
	is_int(x.ctx.vm[MC_NR_ANON_MAPPED], 516, "512 + 4 (kernel's double count)");
	is_int(fmc(&x), 5, "folio_mapcount stays exact");
	is_int(pmc(&x, 0), 2, "page_mapcount stays exact");
	fx_op(&x, MC_OP_REMAP, MC_LEVEL_PMD, 0, 0, 512, 1);
	fx_op(&x, MC_OP_REMOVE, MC_LEVEL_PTE, 0, 0, 512, 1);
	fx_op(&x, MC_OP_REMOVE, MC_LEVEL_PTE, 0, 0, 4, 2);
	is_int(fmc(&x), 0, "unmapped");
	is_int(x.ctx.vm[MC_NR_ANON_MAPPED], 4, "after a split the 4 pages leak from AnonPages");
	fx_fini(&x);
}

int main(void)
{
	test_doublemap_example();
	test_file_pmd_pte(MC_KIND_FILE);
	test_file_pmd_pte(MC_KIND_SHMEM);
	test_partial_unmap();
	test_remap();
	test_cow_reuse();
	test_smaps_fast_path();
	test_overflow();
	test_costs();
	test_sizes();
	test_freeze_restore();
	test_anon_pmd_overcount();
	test_pud();
	property_run(0, MC_KIND_ANON, 200);
	property_run(4, MC_KIND_ANON, 400);
	property_run(4, MC_KIND_FILE, 400);
	property_run(9, MC_KIND_ANON, 600);
	property_run(9, MC_KIND_FILE, 600);
	property_run(9, MC_KIND_SHMEM, 300);
	property_run(10, MC_KIND_ANON, 600);
	property_run(10, MC_KIND_FILE, 600);
	ok(M->extension_rules && strlen(M->extension_rules) > 100, "extension rules documented");
	return tap_done();
}
