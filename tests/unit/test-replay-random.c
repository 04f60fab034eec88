// SPDX-License-Identifier: GPL-2.0
/*
 * A random walk of records (maps, unmaps, remaps, forks, dups, execs, exits,
 * splits, frees, some of them contradicting the state) through every built-in
 * model: no model may find its invariants broken, the oracle must agree with
 * the shadow, and the shadow's own counts must add up.
 */
#include <string.h>

#include "replayer/metrics.h"
#include "replayer/model-set.h"
#include "tests/tap.h"

#define NR_HEADS 24	/* folio heads at PFN i * 512 */
#define NR_TIDS 12
#define SPACE 4096	/* VPNs 0..SPACE-1 */

static uint64_t seed = 0x243f6a8885a308d3ull;

static uint32_t rnd(uint32_t n)
{
	seed ^= seed >> 12;
	seed ^= seed << 25;
	seed ^= seed >> 27;
	return (uint32_t)((seed * 0x2545f4914f6cdd1dull) >> 33) % n;
}

static struct replay rp;
static uint32_t tids[NR_TIDS], next_tid = 1;
static bool fresh[NR_HEADS];	/* anon folio at head i never mapped: NEW_ANON allowed */

/* A live trace mm (a slot of tids[]), started fresh when its mm exited. */
static uint32_t some_tid(void)
{
	uint32_t i = rnd(NR_TIDS);

	if (!tids[i])
		tids[i] = next_tid++;
	return tids[i];
}

static int feed(struct mc_record r)
{
	return rp_record(&rp, &r);
}

/* A mapped leaf of a random live mm, or 0. */
static uint64_t some_leaf(uint32_t *tid, uint64_t *vpn)
{
	for (int tries = 0; tries < 8; tries++) {
		struct rp_mm *mm;
		struct sh_iter it;

		*tid = some_tid();
		mm = *tid < rp.nr_trace_mms ? rp.mm_by_trace[*tid] : NULL;
		if (!mm || !mm->live || !mm->sh.entries)
			continue;
		sh_iter_start(&it, &mm->sh, rnd(SPACE), SPACE);
		if (sh_iter_next(&it)) {
			*vpn = it.vpn;
			return *it.cell;
		}
	}
	return 0;
}

static void step(void)
{
	static const uint8_t orders[] = { 0, 0, 2, 4, 9, 9 };
	uint32_t x = rnd(100), tid, head = rnd(NR_HEADS);
	uint64_t pfn = (uint64_t)head * 512, vpn, leaf;
	struct ft_slot *s = ft_lookup(&rp.ft, pfn);
	struct mc_record r = { 0 };

	if (x < 12) {
		r.type = MC_REC_FOLIO;
		r.u.folio = (struct mc_rec_folio){ pfn, orders[rnd(6)], rnd(3) };
	} else if (x < 45 && s && (ft_kind(s) != MC_KIND_ANON || fresh[head])) {
		/* a fresh anon folio is mapped once (NEW_ANON); its pages reach other
		 * mappings only by fork and a split's restore */
		uint32_t n = ft_nr_pages(s), first = rnd(n), nr = 1 + rnd(8);
		unsigned int lf = 0;

		if (first + nr > n)
			nr = n - first;
		if (ft_order(s) >= 9 && rnd(2)) {
			lf = MC_LF_PMD;
			first = 0;
			nr = 512;
			vpn = 512 * rnd(SPACE / 512);
		} else {
			vpn = rnd(SPACE - nr);
		}
		if (ft_kind(s) == MC_KIND_ANON)
			lf |= MC_LF_NEW_ANON | MC_LF_EXCLUSIVE;
		r.type = MC_REC_MAP;
		r.u.map = (struct mc_rec_map){ some_tid(), vpn, pfn, first, nr, lf };
	} else if (x < 70 && (leaf = some_leaf(&tid, &vpn))) {
		struct ft_slot *f = ft_slot(&rp.ft, sh_leaf_slot(leaf));
		unsigned int level = sh_leaf_level(leaf);
		uint64_t nr = level ? sh_level_pages(level) : 1;

		/* extend a PTE unmap over following pages of the same run */
		while (!level && nr < 16 && sh_lookup(&rp.mm_by_trace[tid]->sh, vpn + nr, NULL))
			nr++;
		if (level == MC_LEVEL_PMD && rnd(3) == 0) {
			r.type = MC_REC_REMAP;
			r.u.remap = (struct mc_rec_remap){ tid, vpn, ft_pfn(f), MC_LF_PMD };
		} else {
			r.type = MC_REC_UNMAP;
			r.u.unmap = (struct mc_rec_unmap){ tid, vpn, ft_pfn(f), nr,
							   level | (MC_CONF_SEMANTIC << MC_LF_CONF_SHIFT) };
		}
	} else if (x < 76) {
		uint32_t i = rnd(NR_TIDS), parent = some_tid();

		/* the child takes over a place; the mm there exits first */
		if (tids[i] && tids[i] != parent)
			feed((struct mc_record){ .type = MC_REC_EXIT, .u.exit.mm = tids[i] });
		if (tids[i] != parent) {
			tids[i] = next_tid++;
			r.type = MC_REC_FORK;
			r.u.fork = (struct mc_rec_fork){ parent, tids[i],
							 rnd(4) ? MC_FORK_COPY_ALL : 0 };
		}
	} else if (x < 80) {
		r.type = MC_REC_DUP;
		r.u.dup = (struct mc_rec_dup){ some_tid(), some_tid(), 512 * rnd(8), 512 };
	} else if (x < 82) {
		r.type = MC_REC_EXEC;
		r.u.exec.mm = some_tid();
	} else if (x < 83) {
		uint32_t i = rnd(NR_TIDS);

		if (tids[i]) {
			r.type = MC_REC_EXIT;
			r.u.exit.mm = tids[i];
			tids[i] = 0;
		}
	} else if (x < 93 && s && ft_order(s)) {
		r.type = MC_REC_SPLIT;
		r.u.split = (struct mc_rec_split){ pfn, rnd(ft_order(s)) };
	} else {
		r.type = MC_REC_FREE;
		r.u.free.pfn = pfn + (rnd(4) ? 0 : 1);
	}
	if (r.type)
		feed(r);
	if (r.type == MC_REC_FOLIO)
		fresh[head] = ft_lookup(&rp.ft, pfn) && ft_kind(ft_lookup(&rp.ft, pfn)) == MC_KIND_ANON;
	else if (r.type == MC_REC_SPLIT || (r.type == MC_REC_MAP && r.u.map.pfn == pfn))
		fresh[head] = false;
}

/* The shadow's counts against its walk, its PTE line bitmaps, the folio table
 * and the oracle's answers. */
static bool consistent(struct rp_checkpoint *c)
{
	uint64_t entries = 0, slot_entries = 0;
	struct ft_slot *s;

	for (struct rp_mm *mm = rp.first; mm; mm = mm->next) {
		uint64_t walked = 0;
		struct sh_iter it;

		sh_iter_start(&it, &mm->sh, 0, 1ull << SH_VPN_BITS);
		while (sh_iter_next(&it))
			walked++;
		if (!sh_lines_cover(&mm->sh) || walked != mm->sh.entries) {
			tap_diag("mm %u: %llu entries, %llu walked, PTE line bitmaps %s", mm->id,
				 (unsigned long long)mm->sh.entries, (unsigned long long)walked,
				 sh_lines_cover(&mm->sh) ? "cover" : "miss lines");
			return false;
		}
		entries += mm->sh.entries;
	}
	ft_for_each_live(&rp.ft, s)
		slot_entries += s->entries;
	if (entries != slot_entries) {
		tap_diag("shadow entries %llu, folio table %llu", (unsigned long long)entries,
			 (unsigned long long)slot_entries);
		return false;
	}
	if (rp_checkpoint_compute(&rp, c))
		return false;
	return c->values[0][RP_M_FOLIO_MAPCOUNT_MISMATCHES] == 0 &&
	       c->values[0][RP_M_PAGE_MAPCOUNT_ERROR] == 0;
}

int main(void)
{
	struct rp_checkpoint c = { 0 };
	char err[256];
	struct model_set *ms = model_set_open("all", err, sizeof(err));
	bool ok_all = true;
	unsigned int bad_at = 0;

	if (!ms)
		tap_plan_skip_all("no models");
	if (rp_init(&rp, ms->models, ms->nr, "random", err, sizeof(err)))
		tap_plan_skip_all("rp_init failed");
	rp.err = NULL;
	for (unsigned int i = 1; i <= 20000 && ok_all; i++) {
		step();
		if (i % 500 == 0 && !consistent(&c)) {
			ok_all = false;
			bad_at = i;
		}
	}
	ok(ok_all, "shadow, folio table and oracle agree at every checkpoint (%u)", bad_at);
	tap_diag("%llu records, %llu inconsistent, %llu live folios, %llu live mms",
		 (unsigned long long)rp.recno, (unsigned long long)rp.inconsistencies,
		 (unsigned long long)rp.ft.live, (unsigned long long)rp.live_mms);
	ok(rp.inconsistencies < rp.recno / 2, "most records are consistent");
	ok(rp.type_count[MC_REC_SPLIT] > 100 && rp.type_count[MC_REC_REMAP] > 50,
	   "splits and remaps were exercised");
	for (unsigned int m = 0; m < rp.nr_models; m++)
		is_int(rp.ctx[m].violations, 0, "%s: no invariant violated", rp.model[m]->name);
	for (unsigned int m = 0; m < rp.nr_models; m++)
		if (!strncmp(rp.model[m]->name, "mm-id-slots", 11))
			is_int(c.values[m][RP_M_FALSE_EXCLUSIVE_FOLIOS], 0,
			       "%s: never a false exclusive", rp.model[m]->name);
	rp_fini(&rp);
	rp_checkpoint_free(&c);
	model_set_close(ms);
	return tap_done();
}
