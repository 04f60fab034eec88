// SPDX-License-Identifier: GPL-2.0
/*
 * Cross-model property test: random rmap operation streams (new anon, maps
 * at PTE/PMD/PUD level, unmaps, forks, remaps, splits, exits) through every
 * implemented built-in model and the oracle, with a minimal simulator of
 * who maps what. After every op: each model's folio mapcount equals the
 * oracle's, promised answers hold (never exclusive while shared, precise
 * page mapcounts and vmstat where the scheme is precise, whole-folio
 * AnonPages/Mapped where it is not), no overflow, no violation. Each freed
 * folio's counters must be back at their initial values when it is freed
 * (each model's fini() checks); at the end every vmstat is 0.
 * Precise-scheme page mapcounts and PMDMAPPED/precise MAPPED counters are
 * not compared while a folio other than order 9 has (had) a PMD or PUD
 * entry: kernels before the RFC cannot make those mappings and each model
 * replays them by its own extension rules.
 *
 * The models of $BUILD/example-plugin.so are driven too when it exists.
 * MAPCOUNT_SEED (default: time) and MAPCOUNT_OPS (default 1000000 model
 * ops) control the run; the seed is printed so that a failure reproduces
 * (the first ops of a run do not depend on MAPCOUNT_OPS; MAPCOUNT_VERBOSE=1
 * prints every op).
 */
#include <time.h>

#include "tests/tap.h"
#include "tests/unit/model-rig.h"
#include "models/oracle.h"
#include "models/plugin.h"

#define MAX_MODELS 16
#define MAX_MMS 6
#define MAX_FOLIOS 64
#define MAX_SPLIT_PIECES 32
#define MAX_FAIL_KINDS 12

struct fail_kind {
	const char *what;
	uint64_t n;
};

/* ---- random numbers (xorshift64*) ---- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static uint32_t below(uint32_t n)
{
	return n ? (uint32_t)((rnd() >> 32) % n) : 0;
}

static int chance(unsigned int percent)
{
	return below(100) < percent;
}

/* ---- the simulator ---- */

struct record { /* one mapping call's worth of entries of one mm */
	uint16_t folio;
	uint8_t level;
	uint32_t first, nr;
};

struct sim_mm {
	int live;
	uint32_t id; /* mm ids grow: id order is creation order */
	struct record *recs;
	uint32_t nr_recs, cap;
};

struct sim_folio {
	int live;
	struct mc_folio f;
	void *state[MAX_MODELS];
	int64_t *pc; /* naive per-page mapcount */
	int64_t entries;
	int64_t mm_entries[MAX_MMS]; /* by simulator mm index */
	int odd; /* has had a PMD/PUD entry while not of order 9 */
};

/* What each model promises, decided by name (see the model specs). */
struct model_run {
	const struct mc_model *m;
	struct mc_model_ctx ctx;
	int never_false_exclusive; /* mm-id-slots*, total-mapped-pages: I3 / J5 */
	int precise_pages; /* per-page mapcount kept: kpagecount exact */
	int precise_mapped; /* NR_*_MAPPED = distinct mapped pages */
	int whole_mapped; /* NR_*_MAPPED counts the whole folio from first map */
	uint64_t checks, failures;
	struct fail_kind kinds[MAX_FAIL_KINDS];
};

static struct model_run runs[MAX_MODELS];
static unsigned int nr_runs;
static struct sim_mm mms[MAX_MMS];
static struct sim_folio folios[MAX_FOLIOS];
static uint32_t next_mm_id = 1;
static uint64_t next_pfn = 0x100000, seed, ops_sent, op_budget;
static int64_t whole_mapped[2]; /* sum of nr_pages of mapped folios: anon, file+shmem */
/* live folios with sf->odd: mappings no kernel before the RFC makes, which
 * each model replays by its extension rules, so precise-scheme checks pause */
static unsigned int odd_live;
static struct fail_kind harness_kinds[MAX_FAIL_KINDS];
static int verbose; /* MAPCOUNT_VERBOSE=1: print every op */
static uint64_t harness_failures, splits, forks, remaps, exits, frees, order18_ops;
static const struct mc_model_ctx *octx; /* the oracle's context (runs[0]) */

static uint64_t op_hist[MC_OP_NR_TYPES][3];
static const char *const op_names[] = {"NEW_ANON", "ADD", "REMOVE", "DUP", "REMAP"};
static const char *const level_names[] = {"pte", "pmd", "pud"};

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p) {
		fprintf(stderr, "test-property: out of memory\n");
		exit(1);
	}
	return p;
}

static int prefix(const char *name, const char *p)
{
	return !strncmp(name, p, strlen(p));
}

/* Count a failed check; print the first two of each kind with the full op. */
static void fail(struct model_run *r, const struct sim_folio *sf, const struct mc_op *op,
		 const char *what, int64_t want, int64_t got)
{
	struct fail_kind *kinds = r ? r->kinds : harness_kinds;
	unsigned int k;

	if (r)
		r->failures++;
	else
		harness_failures++;
	for (k = 0; k < MAX_FAIL_KINDS && kinds[k].what && kinds[k].what != what; k++)
		;
	if (k == MAX_FAIL_KINDS)
		k--;
	kinds[k].what = what;
	if (++kinds[k].n > 2)
		return;
	tap_diag("%s: %s: seed %llu op %llu: %s %s first %u nr %u mm %u src %u flags %#x on "
		 "folio slot %u (%s order %u): want %lld, got %lld",
		 r ? r->m->name : "harness/oracle", what, (unsigned long long)seed,
		 (unsigned long long)ops_sent, op ? op_names[op->type] : "-",
		 op ? level_names[op->level] : "-", op ? op->first : 0, op ? op->nr : 0,
		 op ? op->mm : 0, op ? op->src_mm : 0, op ? op->flags : 0, sf->f.slot,
		 sf->f.kind == MC_KIND_ANON   ? "anon"
		 : sf->f.kind == MC_KIND_FILE ? "file"
					      : "shmem",
		 sf->f.order, (long long)want, (long long)got);
}

static void print_fail_kinds(const char *name, const struct fail_kind *kinds)
{
	for (unsigned int k = 0; k < MAX_FAIL_KINDS && kinds[k].what; k++)
		tap_diag("%s: %llu x %s", name, (unsigned long long)kinds[k].n, kinds[k].what);
}

static int mm_index(uint32_t id)
{
	for (int i = 0; i < MAX_MMS; i++)
		if (mms[i].live && mms[i].id == id)
			return i;
	return -1;
}

static int64_t entries_of(const struct mc_op *op)
{
	return op->level == MC_LEVEL_PTE ? op->nr : 1;
}

/* The simulator's own truth, page by page (no cleverness to share bugs with). */
static void naive_apply(struct sim_folio *sf, const struct mc_op *op)
{
	int dir = op->type == MC_OP_REMOVE ? -1 : 1;
	int64_t e = entries_of(op);

	if (op->type == MC_OP_REMAP) {
		e = MC_PMD_NR - 1; /* pages keep their count: one PMD became 512 PTEs */
	} else {
		for (uint32_t p = op->first; p < op->first + op->nr; p++)
			sf->pc[p] += dir;
	}
	sf->entries += dir * e;
	sf->mm_entries[mm_index(op->mm)] += dir * e;
}

static unsigned int naive_mm_count(const struct sim_folio *sf)
{
	unsigned int n = 0;

	for (int i = 0; i < MAX_MMS; i++)
		n += sf->mm_entries[i] > 0;
	return n;
}

/*
 * The kernel checks a freed folio's counters (mm/page_alloc.c:
 * free_tail_page_prepare); flag bits such as PageAnonExclusive or the
 * deferred-split marks may stay set until the free. Each model's fini() makes
 * those counter checks and counts a violation when one fails.
 */
static void free_state(struct model_run *r, struct sim_folio *sf, unsigned int mi)
{
	uint64_t before = r->ctx.violations;

	rig_state_free(&r->ctx, &sf->f, sf->state[mi]);
	if (r->ctx.violations != before)
		fail(r, sf, NULL, "counters not back to their initial values at free (violations)",
		     0, (int64_t)(r->ctx.violations - before));
}

static void check_counters(const struct sim_folio *sf, const struct mc_op *op)
{
	static const char *const vm_names[] = {"NR_ANON_MAPPED", "NR_FILE_MAPPED", "NR_ANON_THPS",
					       "NR_SHMEM_PMDMAPPED", "NR_FILE_PMDMAPPED"};

	for (unsigned int i = 0; i < nr_runs; i++) {
		struct model_run *r = &runs[i];

		if (r->ctx.overflows || r->ctx.violations) {
			fail(r, sf, op, r->ctx.violations ? "violations" : "overflows", 0,
			     (int64_t)(r->ctx.violations + r->ctx.overflows));
			r->ctx.overflows = r->ctx.violations = 0; /* report each once */
		}
		for (int k = MC_NR_ANON_MAPPED; k <= MC_NR_FILE_MAPPED; k++) {
			int64_t want = octx->vm[k];

			if (r->whole_mapped)
				want = whole_mapped[k];
			else if (!r->precise_mapped || odd_live)
				continue;
			r->checks++;
			if (r->ctx.vm[k] != want)
				fail(r, sf, op, vm_names[k], want, r->ctx.vm[k]);
		}
		if (odd_live)
			continue; /* only PMD-sized folios PMD-mapped: every scheme agrees */
		for (int k = MC_NR_ANON_THPS; k < MC_NR_VMSTAT_ITEMS; k++) {
			r->checks++;
			if (r->ctx.vm[k] != octx->vm[k])
				fail(r, sf, op, vm_names[k], octx->vm[k], r->ctx.vm[k]);
		}
	}
}

static void check_folio(const struct sim_folio *sf, const struct mc_op *op)
{
	const struct mc_model *o = runs[0].m;
	const void *ost = sf->state[0];
	uint32_t n = mc_folio_nr_pages(&sf->f);
	uint32_t pages[3] = {op->first, op->first + op->nr - 1, below(n)};
	unsigned int mm_count = mc_oracle_mm_count(&sf->f, ost);

	/* the oracle against the naive simulator */
	if (o->folio_mapcount(octx, &sf->f, ost) != sf->entries)
		fail(NULL, sf, op, "oracle folio_mapcount", sf->entries,
		     o->folio_mapcount(octx, &sf->f, ost));
	if (mm_count != naive_mm_count(sf))
		fail(NULL, sf, op, "oracle mm count", naive_mm_count(sf), mm_count);
	for (int k = 0; k < 3; k++)
		if (o->page_mapcount(octx, &sf->f, ost, pages[k]) != sf->pc[pages[k]])
			fail(NULL, sf, op, "oracle page_mapcount", sf->pc[pages[k]],
			     o->page_mapcount(octx, &sf->f, ost, pages[k]));

	for (unsigned int i = 1; i < nr_runs; i++) {
		struct model_run *r = &runs[i];
		const void *st = sf->state[i];
		int64_t mc = r->m->folio_mapcount(&r->ctx, &sf->f, st);

		r->checks++;
		if (mc != sf->entries)
			fail(r, sf, op, "folio_mapcount", sf->entries, mc);
		if (r->m->folio_mapped(&r->ctx, &sf->f, st) != (sf->entries > 0))
			fail(r, sf, op, "folio_mapped", sf->entries > 0, !(sf->entries > 0));
		if (r->never_false_exclusive && mm_count >= 2 &&
		    !r->m->maybe_shared(&r->ctx, &sf->f, st))
			fail(r, sf, op, "maybe_shared (mms mapping)", mm_count, 0);
		for (int k = 0; r->precise_pages && !sf->odd && k < 3; k++) {
			int64_t pm = r->m->page_mapcount(&r->ctx, &sf->f, st, pages[k]);

			if (pm != sf->pc[pages[k]])
				fail(r, sf, op, "page_mapcount", sf->pc[pages[k]], pm);
		}
	}
}

/* Send one op to every model, keep the simulator in step, check. */
static void send(struct sim_folio *sf, const struct mc_op *op)
{
	int was_mapped = sf->entries > 0;
	int cls = sf->f.kind == MC_KIND_ANON ? 0 : 1;

	if (verbose)
		tap_diag("op %llu: %s %s first %u nr %u mm %u src %u flags %#x folio slot %u "
			 "pfn %#llx kind %u order %u",
			 (unsigned long long)ops_sent + 1, op_names[op->type],
			 level_names[op->level], op->first, op->nr, op->mm, op->src_mm, op->flags,
			 sf->f.slot, (unsigned long long)sf->f.pfn, sf->f.kind, sf->f.order);
	for (unsigned int i = 0; i < nr_runs; i++)
		runs[i].m->apply(&runs[i].ctx, &sf->f, sf->state[i], op);
	naive_apply(sf, op);
	op_hist[op->type][op->level]++;
	ops_sent++;
	if (sf->f.order == MC_PUD_ORDER)
		order18_ops++;
	if (was_mapped != (sf->entries > 0))
		whole_mapped[cls] += was_mapped ? -(int64_t)mc_folio_nr_pages(&sf->f)
						: (int64_t)mc_folio_nr_pages(&sf->f);
	if (!sf->odd && sf->f.order != MC_PMD_ORDER &&
	    mc_oracle_huge_entries(&sf->f, sf->state[0]) > 0) {
		sf->odd = 1;
		odd_live++;
	}
	check_folio(sf, op);
	check_counters(sf, op);
}

static struct mc_op make_op(unsigned int type, unsigned int level, uint32_t first, uint32_t nr,
			    uint32_t mm, uint32_t src, unsigned int flags)
{
	return rig_op(type, level, first, nr, mm, src, flags);
}

/* ---- folios ---- */

static int free_slot(void)
{
	for (int i = 0; i < MAX_FOLIOS; i++)
		if (!folios[i].live)
			return i;
	return -1;
}

static unsigned int count_free_slots(void)
{
	unsigned int n = 0;

	for (int i = 0; i < MAX_FOLIOS; i++)
		n += !folios[i].live;
	return n;
}

static struct sim_folio *folio_new(int slot, unsigned int kind, unsigned int order, int ksm)
{
	struct sim_folio *sf = &folios[slot];

	memset(sf, 0, sizeof(*sf));
	sf->live = 1;
	sf->f = rig_folio((uint32_t)slot, kind, order);
	sf->f.pfn = next_pfn;
	sf->f.ksm = (uint8_t)ksm;
	next_pfn += 1ull << order;
	sf->pc = rig_xmalloc(sizeof(int64_t) << order);
	for (unsigned int i = 0; i < nr_runs; i++)
		sf->state[i] = rig_state(&runs[i].ctx, &sf->f);
	return sf;
}

static void folio_free(struct sim_folio *sf)
{
	for (unsigned int i = 0; i < nr_runs; i++)
		free_state(&runs[i], sf, i);
	free(sf->pc);
	odd_live -= sf->odd;
	sf->live = 0;
	frees++;
}

/* ---- mms and their records ---- */

static void rec_add(struct sim_mm *mm, uint16_t folio, unsigned int level, uint32_t first,
		    uint32_t nr)
{
	struct record *last = mm->nr_recs ? &mm->recs[mm->nr_recs - 1] : NULL;

	/* PTEs restored page by page after a split join into batches again */
	if (last && level == MC_LEVEL_PTE && last->level == MC_LEVEL_PTE && last->folio == folio &&
	    last->first + last->nr == first && first % MC_PMD_NR && last->nr < MC_PMD_NR) {
		last->nr += nr;
		return;
	}
	if (mm->nr_recs == mm->cap) {
		mm->cap = mm->cap ? mm->cap * 2 : 16;
		mm->recs = xrealloc(mm->recs, mm->cap * sizeof(*mm->recs));
	}
	mm->recs[mm->nr_recs++] = (struct record){folio, (uint8_t)level, first, nr};
}

static void rec_del(struct sim_mm *mm, uint32_t i)
{
	mm->recs[i] = mm->recs[--mm->nr_recs];
}

static int live_mm_count(void)
{
	int n = 0;

	for (int i = 0; i < MAX_MMS; i++)
		n += mms[i].live;
	return n;
}

static int mm_new(void)
{
	for (int i = 0; i < MAX_MMS; i++) {
		if (!mms[i].live) {
			mms[i].live = 1;
			mms[i].id = next_mm_id++;
			mms[i].nr_recs = 0;
			return i;
		}
	}
	return -1;
}

static int random_live_mm(void)
{
	int n = live_mm_count(), k;

	if (!n)
		return -1;
	k = (int)below((uint32_t)n);
	for (int i = 0; i < MAX_MMS; i++)
		if (mms[i].live && !k--)
			return i;
	return -1;
}

/* An anon folio with no mapping left is freed at once (no swap cache here). */
static void maybe_free_anon(struct sim_folio *sf)
{
	if (sf->live && sf->f.kind == MC_KIND_ANON && !sf->entries)
		folio_free(sf);
}

static void remove_record(int mi, uint32_t ri, uint32_t first, uint32_t nr, unsigned int flags)
{
	struct sim_mm *mm = &mms[mi];
	struct record r = mm->recs[ri];
	struct sim_folio *sf = &folios[r.folio];
	struct mc_op op = make_op(MC_OP_REMOVE, r.level, first, nr, mm->id, 0, flags);

	rec_del(mm, ri);
	if (r.level == MC_LEVEL_PTE) {
		if (first > r.first)
			rec_add(mm, r.folio, MC_LEVEL_PTE, r.first, first - r.first);
		if (first + nr < r.first + r.nr)
			rec_add(mm, r.folio, MC_LEVEL_PTE, first + nr, r.first + r.nr - first - nr);
	}
	send(sf, &op);
	maybe_free_anon(sf);
}

static void mm_exit(int mi)
{
	while (mms[mi].nr_recs) {
		struct record r = mms[mi].recs[mms[mi].nr_recs - 1];

		remove_record(mi, mms[mi].nr_recs - 1, r.first, r.nr, 0);
	}
	mms[mi].live = 0;
	exits++;
}

/* ---- actions ---- */

/* A PTE batch never crosses a page table: stay inside one 512-page region. */
static void pick_batch(const struct sim_folio *sf, uint32_t *first, uint32_t *nr)
{
	uint32_t n = mc_folio_nr_pages(&sf->f), left;

	*first = below(n);
	left = MC_PMD_NR - *first % MC_PMD_NR;
	if (left > n - *first)
		left = n - *first;
	*nr = chance(30) ? left : 1 + below(chance(70) ? (left < 16 ? left : 16) : left);
}

static unsigned int random_order(void)
{
	uint32_t x = below(100);

	if (x < 30)
		return 0;
	if (x < 65)
		return 1 + below(8);
	return x < 90 ? MC_PMD_ORDER : MC_PMD_ORDER + 1;
}

static int region_unmapped(const struct sim_folio *sf, uint32_t first, uint32_t nr)
{
	for (uint32_t p = first; p < first + nr; p++)
		if (sf->pc[p])
			return 0;
	return 1;
}

/* The first mapping of a new folio: NEW_ANON for anon, ADD otherwise. */
static void first_map(struct sim_folio *sf, int mi)
{
	uint32_t n = mc_folio_nr_pages(&sf->f), first = 0, nr = n;
	unsigned int level = MC_LEVEL_PTE, type = MC_OP_ADD, flags = 0;
	uint32_t x = below(100);
	struct mc_op op;

	if (sf->f.kind == MC_KIND_ANON && !sf->f.ksm) {
		type = MC_OP_NEW_ANON;
		flags = chance(90) ? MC_OPF_EXCLUSIVE : 0;
	}
	if (sf->f.order == MC_PUD_ORDER && x < 60) {
		level = MC_LEVEL_PUD;
	} else if (sf->f.order >= MC_PMD_ORDER && x < 80) {
		level = MC_LEVEL_PMD;
		first = below(n / MC_PMD_NR) * MC_PMD_NR;
		nr = MC_PMD_NR;
	} else if (n > MC_PMD_NR || x >= 90) {
		pick_batch(sf, &first, &nr); /* a scenario mapping less at first */
	}
	op = make_op(type, level, first, nr, mms[mi].id, 0, flags);
	rec_add(&mms[mi], (uint16_t)sf->f.slot, level, first, nr);
	send(sf, &op);
}

static void act_new_folio(void)
{
	int slot = free_slot(), mi = random_live_mm();
	unsigned int kind = chance(50) ? MC_KIND_ANON : chance(60) ? MC_KIND_FILE : MC_KIND_SHMEM;
	unsigned int order = random_order();
	int ksm = kind == MC_KIND_ANON && !order && chance(5);

	if (slot < 0)
		return;
	if (mi < 0 || (live_mm_count() < MAX_MMS && chance(10)))
		mi = mm_new();
	first_map(folio_new(slot, kind, order, ksm), mi);
}

/* Another mapping of a live folio: file pages anywhere (also twice by one
 * mm), anon pages only where nobody maps them (an anon page is mapped at
 * most once per mm; think swap-in), KSM pages by anyone. */
static void act_map(struct sim_folio *sf)
{
	int mi = random_live_mm();
	uint32_t n = mc_folio_nr_pages(&sf->f), first, nr;
	unsigned int level = MC_LEVEL_PTE, flags = 0;
	int anon = sf->f.kind == MC_KIND_ANON && !sf->f.ksm;
	struct mc_op op;

	if (mi < 0)
		return;
	if (sf->f.order == MC_PUD_ORDER && chance(10)) {
		level = MC_LEVEL_PUD;
		first = 0;
		nr = n;
	} else if (sf->f.order >= MC_PMD_ORDER && chance(40)) {
		level = MC_LEVEL_PMD;
		first = below(n / MC_PMD_NR) * MC_PMD_NR;
		nr = MC_PMD_NR;
	} else {
		pick_batch(sf, &first, &nr);
		while (anon && nr > 1 && !region_unmapped(sf, first, nr))
			nr /= 2;
	}
	if (anon) {
		if (!region_unmapped(sf, first, nr))
			return;
		flags = chance(50) ? MC_OPF_EXCLUSIVE : 0;
	}
	op = make_op(MC_OP_ADD, level, first, nr, mms[mi].id, 0, flags);
	rec_add(&mms[mi], (uint16_t)sf->f.slot, level, first, nr);
	send(sf, &op);
}

static void act_unmap(void)
{
	int mi = random_live_mm();
	uint32_t ri, first, nr;
	struct record r;

	if (mi < 0 || !mms[mi].nr_recs)
		return;
	ri = below(mms[mi].nr_recs);
	r = mms[mi].recs[ri];
	first = r.first;
	nr = r.nr;
	if (r.level == MC_LEVEL_PTE && r.nr > 1 && chance(60)) {
		first = r.first + below(r.nr);
		nr = 1 + below(r.first + r.nr - first);
	}
	remove_record(mi, ri, first, nr, 0);
}

static void act_remap(void)
{
	int mi = random_live_mm();
	struct mc_op op;
	struct record r;

	if (mi < 0 || !mms[mi].nr_recs)
		return;
	for (int tries = 0; tries < 8; tries++) {
		uint32_t ri = below(mms[mi].nr_recs);

		r = mms[mi].recs[ri];
		if (r.level != MC_LEVEL_PMD)
			continue;
		op = make_op(MC_OP_REMAP, MC_LEVEL_PMD, r.first, MC_PMD_NR, mms[mi].id, 0, 0);
		mms[mi].recs[ri].level = MC_LEVEL_PTE;
		send(&folios[r.folio], &op);
		remaps++;
		return;
	}
}

static void act_fork(void)
{
	int parent = random_live_mm(), child;

	if (parent < 0 || live_mm_count() >= MAX_MMS)
		return;
	child = mm_new();
	for (uint32_t i = 0; i < mms[parent].nr_recs; i++) {
		struct record r = mms[parent].recs[i];
		struct mc_op op = make_op(MC_OP_DUP, r.level, r.first, r.nr, mms[child].id,
					  mms[parent].id, 0);

		rec_add(&mms[child], r.folio, r.level, r.first, r.nr);
		send(&folios[r.folio], &op);
	}
	forks++;
}

static int by_mm_id(const void *a, const void *b)
{
	uint32_t x = mms[*(const int *)a].id, y = mms[*(const int *)b].id;

	return x < y ? -1 : x > y;
}

/* The replayer's split protocol (models/model.h, mm-id-slots.md 2.7). */
static void act_split(struct sim_folio *sf)
{
	unsigned int order = sf->f.order, new_order, pieces, kind = sf->f.kind;
	uint32_t n = mc_folio_nr_pages(&sf->f), old = sf->f.slot;
	int order_mm[MAX_MMS], nmm = 0, slots[MAX_SPLIT_PIECES];
	unsigned char *excl = rig_xmalloc(n);
	uint16_t *count = rig_xmalloc(sizeof(*count) * n * MAX_MMS);

	new_order = order > 5 ? order - 5 + below(5) : below(order);
	pieces = 1u << (order - new_order);
	if (count_free_slots() + 1 < pieces || sf->f.ksm)
		goto out;
	for (uint32_t p = 0; p < n; p++)
		excl[p] = runs[0].m->anon_exclusive(octx, &sf->f, sf->state[0], p);
	for (int i = 0; i < MAX_MMS; i++)
		if (mms[i].live)
			order_mm[nmm++] = i;
	qsort(order_mm, (size_t)nmm, sizeof(int), by_mm_id);

	/* REMOVE(FREEZE) every mapping, remembering who mapped which page */
	for (int k = 0; k < nmm; k++) {
		struct sim_mm *mm = &mms[order_mm[k]];

		for (uint32_t ri = 0; ri < mm->nr_recs;) {
			struct record r = mm->recs[ri];
			struct mc_op op;

			if (r.folio != old) {
				ri++;
				continue;
			}
			for (uint32_t p = r.first; p < r.first + r.nr; p++)
				count[(size_t)k * n + p]++;
			rec_del(mm, ri);
			if (r.level == MC_LEVEL_PTE && r.nr <= 64 && chance(50)) {
				for (uint32_t p = r.first; p < r.first + r.nr; p++) {
					op = make_op(MC_OP_REMOVE, MC_LEVEL_PTE, p, 1, mm->id, 0,
						     MC_OPF_FREEZE);
					send(sf, &op);
				}
			} else {
				op = make_op(MC_OP_REMOVE, r.level, r.first, r.nr, mm->id, 0,
					     MC_OPF_FREEZE);
				send(sf, &op);
			}
		}
	}
	folio_free(sf);
	for (unsigned int i = 0; i < pieces; i++) {
		slots[i] = i ? free_slot() : (int)old;
		folio_new(slots[i], kind, new_order, 0);
	}
	/* ADD(RESTORE) one page per call in (mm creation order, address order) */
	for (int k = 0; k < nmm; k++) {
		struct sim_mm *mm = &mms[order_mm[k]];

		for (uint32_t p = 0; p < n; p++) {
			struct sim_folio *nf = &folios[slots[p >> new_order]];
			uint32_t sub = p & ((1u << new_order) - 1);

			for (unsigned int c = count[(size_t)k * n + p]; c; c--) {
				struct mc_op op =
					make_op(MC_OP_ADD, MC_LEVEL_PTE, sub, 1, mm->id, 0,
						MC_OPF_RESTORE | (excl[p] ? MC_OPF_EXCLUSIVE : 0));

				rec_add(mm, (uint16_t)nf->f.slot, MC_LEVEL_PTE, sub, 1);
				send(nf, &op);
			}
		}
	}
	for (unsigned int i = 0; i < pieces; i++)
		if (kind == MC_KIND_ANON)
			maybe_free_anon(&folios[slots[i]]);
	splits++;
out:
	free(excl);
	free(count);
}

static struct sim_folio *random_folio(int want_mapped)
{
	for (int tries = 0; tries < 16; tries++) {
		struct sim_folio *sf = &folios[below(MAX_FOLIOS)];

		if (sf->live && (!want_mapped || sf->entries > 0))
			return sf;
	}
	return NULL;
}

static void act_free(void)
{
	struct sim_folio *sf = random_folio(0);

	if (sf && !sf->entries)
		folio_free(sf);
}

/* The order-18 folio: one at a time, made again (a few times per run) when
 * the last one is freed. */
static void act_order18(void)
{
	static uint64_t pfn; /* of the live order-18 folio */
	static int slot = -1;
	static unsigned int made;
	int mi = random_live_mm();

	if (slot < 0 || !folios[slot].live || folios[slot].f.pfn != pfn) {
		if (made >= 12)
			return;
		made++;
		slot = free_slot();
		if (slot < 0 || mi < 0) {
			slot = -1;
			return;
		}
		folio_new(slot, chance(50) ? MC_KIND_ANON : MC_KIND_SHMEM, MC_PUD_ORDER, 0);
		pfn = folios[slot].f.pfn;
		first_map(&folios[slot], mi);
		return;
	}
	if (chance(70))
		act_map(&folios[slot]);
	else
		act_remap();
}

static void step(void)
{
	uint32_t x = below(1000);
	struct sim_folio *sf;

	if (x < 150) {
		act_new_folio();
	} else if (x < 330) {
		sf = random_folio(1);
		if (sf && sf->f.order < MC_PUD_ORDER)
			act_map(sf);
	} else if (x < 640) {
		act_unmap();
	} else if (x < 700) {
		act_remap();
	} else if (x < 760) {
		act_fork();
	} else if (x < 790) {
		int mi = random_live_mm();

		if (mi >= 0)
			mm_exit(mi);
	} else if (x < 815) {
		sf = random_folio(1);
		if (sf && sf->f.order && sf->f.order < MC_PUD_ORDER)
			act_split(sf);
	} else if (x < 990) {
		act_free();
	} else {
		act_order18();
	}
}

/* ---- driver ---- */

static void setup_models(void)
{
	unsigned int count;
	const struct mc_model *const *builtins = mc_builtin_models(&count);

	for (unsigned int i = 0; i < count && nr_runs < MAX_MODELS; i++) {
		const struct mc_model *m = builtins[i];
		struct model_run *r;

		if (!mc_model_implemented(m)) {
			tap_diag("%s: not implemented, not driven", m->name);
			continue;
		}
		r = &runs[nr_runs++];
		r->m = m;
		rig_ctx_init(&r->ctx, m);
		r->never_false_exclusive =
			prefix(m->name, "mm-id-slots") || prefix(m->name, "total-mapped-pages");
		r->precise_pages = prefix(m->name, "legacy-doublemap") ||
				   prefix(m->name, "entire-nrmapped") ||
				   !strcmp(m->name, "mm-id-slots-pagemapcount");
		r->precise_mapped = r->precise_pages;
		r->whole_mapped =
			!strcmp(m->name, "mm-id-slots") || prefix(m->name, "total-mapped-pages");
	}
}

/* The example plugin's models too, when it is built: no promises but the
 * universal ones (exact folio mapcount, clean reset, counters back to 0). */
static void setup_plugin_models(void)
{
	const char *build = getenv("BUILD");
	const struct mc_model *const *models;
	char path[4096], err[512];
	unsigned int count;

	snprintf(path, sizeof(path), "%s/example-plugin.so", build ? build : "build");
	if (mc_plugin_load(path, &models, &count, err, sizeof(err))) {
		tap_diag("plugin models not driven: %s", err);
		return;
	}
	for (unsigned int i = 0; i < count && nr_runs < MAX_MODELS; i++) {
		runs[nr_runs].m = models[i];
		rig_ctx_init(&runs[nr_runs++].ctx, models[i]);
	}
}

static uint64_t env_u64(const char *name, uint64_t def)
{
	const char *v = getenv(name);
	char *end;
	uint64_t x;

	if (!v || !*v)
		return def;
	x = strtoull(v, &end, 0);
	if (*end) {
		fprintf(stderr, "test-property: %s=%s is not a number\n", name, v);
		exit(2);
	}
	return x;
}

int main(void)
{
	struct timespec t0, t1;

	seed = env_u64("MAPCOUNT_SEED", (uint64_t)time(NULL));
	op_budget = env_u64("MAPCOUNT_OPS", 1000000);
	verbose = (int)env_u64("MAPCOUNT_VERBOSE", 0);
	rng_state = seed * 0x9e3779b97f4a7c15ull + 1;
	tap_diag("seed %llu (MAPCOUNT_SEED=%llu reproduces), %llu ops", (unsigned long long)seed,
		 (unsigned long long)seed, (unsigned long long)op_budget);
	setup_models();
	setup_plugin_models();
	if (nr_runs < 1 || strcmp(runs[0].m->name, "oracle")) {
		ok(0, "the oracle is the first built-in model and implemented");
		return tap_done();
	}
	octx = &runs[0].ctx;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (ops_sent < op_budget)
		step();
	for (int i = 0; i < MAX_MMS; i++)
		if (mms[i].live)
			mm_exit(i);
	for (int i = 0; i < MAX_FOLIOS; i++)
		if (folios[i].live)
			folio_free(&folios[i]);
	clock_gettime(CLOCK_MONOTONIC, &t1);

	tap_diag("%llu model ops (%llu on the order-18 folio), %llu forks, %llu exits, "
		 "%llu remaps, %llu splits, %llu frees, %u models, %.2f s",
		 (unsigned long long)ops_sent, (unsigned long long)order18_ops,
		 (unsigned long long)forks, (unsigned long long)exits, (unsigned long long)remaps,
		 (unsigned long long)splits, (unsigned long long)frees, nr_runs,
		 (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	for (int t = 0; t < MC_OP_NR_TYPES; t++)
		tap_diag("%-8s pte %8llu  pmd %7llu  pud %5llu", op_names[t],
			 (unsigned long long)op_hist[t][0], (unsigned long long)op_hist[t][1],
			 (unsigned long long)op_hist[t][2]);
	ok(ops_sent >= op_budget && splits && forks && remaps && order18_ops,
	   "the stream had every kind of operation");
	print_fail_kinds("harness/oracle", harness_kinds);
	is_int(harness_failures, 0, "oracle agrees with the naive simulator after every op");
	for (unsigned int i = 0; i < nr_runs; i++) {
		struct model_run *r = &runs[i];
		int zero = 1;

		for (int k = 0; k < MC_NR_VMSTAT_ITEMS; k++)
			zero &= !r->ctx.vm[k];
		print_fail_kinds(r->m->name, r->kinds);
		ok(!r->failures, "%s: %llu checks over %llu ops, no failure (%llu)", r->m->name,
		   (unsigned long long)r->checks, (unsigned long long)ops_sent,
		   (unsigned long long)r->failures);
		ok(zero, "%s: every vmstat counter back to 0 after the last unmap", r->m->name);
		rig_ctx_fini(&r->ctx);
	}
	for (int i = 0; i < MAX_MMS; i++)
		free(mms[i].recs);
	return tap_done();
}
