// SPDX-License-Identifier: GPL-2.0
/* Checkpoint metrics (metrics.h). Work is proportional to live folios + mapped pages. */
#include <stdlib.h>
#include <string.h>

#include "replayer/metrics.h"

const char *const rp_metric_names[RP_NR_METRICS] = {
#define RP_METRIC_NAME(E, name, doc) name,
	RP_METRIC_TABLE(RP_METRIC_NAME)
#undef RP_METRIC_NAME
};

void rp_checkpoint_free(struct rp_checkpoint *c)
{
	free(c->values);
	free(c->mm_names);
	free(c->mm_pids);
	free(c->procs);
	free(c->pagecount);
	memset(c, 0, sizeof(*c));
}

/* Divergences of every model on one live folio. */
static void folio_metrics(struct replay *rp, struct rp_checkpoint *c, const struct ft_slot *s)
{
	const struct mc_folio fo = ft_folio(&rp->ft, s), *f = &fo;
	uint32_t nr = mc_folio_nr_pages(f);
	bool mapped = s->entries > 0, large = f->order > 0, anon = f->kind == MC_KIND_ANON;
	bool exact_shared = false, exact_partial = false;
	int64_t *pc = c->pagecount;

	if (mapped) {
		const struct mc_model *o = rp->model[0];
		const void *os = rp_state(rp, s, 0);

		for (uint32_t p = 0; p < nr; p++) {
			pc[p] = o->page_mapcount(&rp->ctx[0], f, os, p);
			exact_partial |= pc[p] == 0;
		}
		exact_shared = large && o->maybe_shared(&rp->ctx[0], f, os);
	}
	for (unsigned int m = 0; m < rp->nr_models; m++) {
		const struct mc_model *model = rp->model[m];
		const struct mc_model_ctx *ctx = &rp->ctx[m];
		const void *st = rp_state(rp, s, m);
		double *v = c->values[m];

		if (model->folio_mapped(ctx, f, st))
			v[RP_M_FOLIOS_MAPPED]++;
		if (model->folio_mapcount(ctx, f, st) != (int64_t)s->entries)
			v[RP_M_FOLIO_MAPCOUNT_MISMATCHES]++;
		if (!mapped)
			continue;
		if (m) {
			uint64_t err = 0;

			for (uint32_t p = 0; p < nr; p++) {
				int64_t d = model->page_mapcount(ctx, f, st, p) - pc[p];

				err += (uint64_t)(d < 0 ? -d : d);
			}
			v[RP_M_PAGE_MAPCOUNT_ERROR] += (double)err;
		}
		if (large) {
			bool shared = model->maybe_shared(ctx, f, st);

			v[RP_M_FALSE_SHARED_FOLIOS] += shared && !exact_shared;
			v[RP_M_FALSE_EXCLUSIVE_FOLIOS] += !shared && exact_shared;
		}
		if (large && anon) {
			bool partial = model->partially_mapped(ctx, f, st);

			v[RP_M_PARTIALLY_MAPPED_MISSED] += exact_partial && !partial;
			v[RP_M_PARTIALLY_MAPPED_FALSE] += partial && !exact_partial;
		}
	}
}

/* One present entry of mm, as smaps, pagemap and a write fault would see it. */
static void entry_metrics(struct replay *rp, struct rp_checkpoint *c, struct mc_smaps *acc,
			  int64_t *mapmax, const struct rp_mm *mm, uint64_t leaf)
{
	const struct ft_slot *s = ft_slot(&rp->ft, sh_leaf_slot(leaf));
	const struct mc_folio fo = ft_folio(&rp->ft, s), *f = &fo;
	unsigned int level = sh_leaf_level(leaf);
	uint32_t first = sh_leaf_page(leaf), nr = sh_level_pages(level);
	bool anon = f->kind == MC_KIND_ANON;
	struct mc_query_ctx q = {
		.mm = mm->id,
		/* the page cache holds one reference per page; each mapping one more */
		.refcount = anon ? s->entries : mc_folio_nr_pages(f) + s->entries,
	};
	bool reuse0 = false, excl0 = false;

	for (unsigned int m = 0; m < rp->nr_models; m++) {
		const struct mc_model *model = rp->model[m];
		const struct mc_model_ctx *ctx = &rp->ctx[m];
		const void *st = rp_state(rp, s, m);
		double *v = c->values[m];
		bool excl, reuse;
		int64_t count;

		model->smaps_account(ctx, f, st, first, nr, level, &q, &acc[m]);
		/* numa_maps gather_stats: one count per PTE, the head's for a PMD
		 * (fs/proc/task_mmu.c:gather_pte_stats@v6.12) */
		count = model->page_mapcount(ctx, f, st, first);
		if (count > mapmax[m])
			mapmax[m] = count;
		/* pagemap: every page of a huge entry carries the entry's bit */
		excl = model->pagemap_exclusive(ctx, f, st, first, level);
		if (m == 0)
			excl0 = excl;
		else if (excl != excl0)
			v[RP_M_PAGEMAP_EXCLUSIVE_ERRORS] += nr;
		if (!anon)
			continue;
		reuse = model->cow_reuse(ctx, f, st, first, level, &q);
		if (m == 0) {
			reuse0 = reuse;
			continue;
		}
		v[RP_M_COW_REUSE_WRONG] += reuse && !reuse0;
		v[RP_M_COW_COPY_UNNEEDED] += !reuse && reuse0;
	}
}

static int mm_metrics(struct replay *rp, struct rp_checkpoint *c)
{
	uint32_t n = 0;

	if (rp->live_mms > c->cap_mms) {
		uint32_t cap = (uint32_t)rp->live_mms;

		free(c->mm_names);
		free(c->mm_pids);
		free(c->procs);
		c->mm_names = malloc(cap * sizeof(*c->mm_names));
		c->mm_pids = malloc(cap * sizeof(*c->mm_pids));
		c->procs = malloc((size_t)cap * rp->nr_models * sizeof(*c->procs));
		if (!c->mm_names || !c->mm_pids || !c->procs)
			return -1;
		c->cap_mms = cap;
	}
	for (const struct rp_mm *mm = rp->first; mm; mm = mm->next, n++) {
		struct mc_smaps acc[RP_MAX_MODELS];
		int64_t mapmax[RP_MAX_MODELS] = { 0 };
		struct rp_proc *procs = &c->procs[(size_t)n * rp->nr_models];
		struct sh_iter it;

		memcpy(c->mm_names[n], mm->name, RP_NAME_MAX);
		c->mm_pids[n] = mm->pid;
		memset(acc, 0, rp->nr_models * sizeof(acc[0]));
		sh_iter_start(&it, &mm->sh, 0, 1ull << SH_VPN_BITS);
		while (sh_iter_next(&it))
			entry_metrics(rp, c, acc, mapmax, mm, *it.cell);
		for (unsigned int m = 0; m < rp->nr_models; m++) {
			struct rp_proc *p = &procs[m];

			p->rss = acc[m].rss;
			p->pss = acc[m].pss >> MC_PSS_SHIFT;
			p->uss = acc[m].private_;
			p->pss_anon = acc[m].pss_anon >> MC_PSS_SHIFT;
			p->pss_file = acc[m].pss_file >> MC_PSS_SHIFT;
			p->pss_shmem = acc[m].pss_shmem >> MC_PSS_SHIFT;
			p->shared = acc[m].shared;
			p->anon = acc[m].anonymous;
			p->anon_huge = acc[m].anon_huge;
			p->mapmax = mapmax[m];
		}
	}
	c->nr_mms = n;
	return 0;
}

int rp_checkpoint_compute(struct replay *rp, struct rp_checkpoint *c)
{
	struct ft_slot *s;
	unsigned int max_order = 0;

	if (c->nr_models != rp->nr_models) {
		free(c->values);
		c->values = malloc(rp->nr_models * sizeof(*c->values));
		if (!c->values)
			return -1;
		c->nr_models = rp->nr_models;
	}
	memset(c->values, 0, rp->nr_models * sizeof(*c->values));
	for (unsigned int o = 0; o <= MC_MAX_ORDER; o++)
		if (rp->ft.live_by_order[o])
			max_order = o;
	if (c->cap_pagecount < 1u << max_order) {
		free(c->pagecount);
		c->pagecount = malloc(((size_t)1 << max_order) * sizeof(*c->pagecount));
		if (!c->pagecount)
			return -1;
		c->cap_pagecount = (size_t)1 << max_order;
	}
	ft_for_each_live(&rp->ft, s)
		folio_metrics(rp, c, s);
	if (mm_metrics(rp, c))
		return -1;
	for (unsigned int m = 0; m < rp->nr_models; m++) {
		const struct mc_model_ctx *ctx = &rp->ctx[m];
		double *v = c->values[m];
		double meta = 0;

		for (unsigned int o = 0; o <= MC_MAX_ORDER; o++)
			if (rp->ft.live_by_order[o])
				meta += (double)rp->ft.live_by_order[o] *
					(double)rp->model[m]->metadata_bytes(o);
		v[RP_M_ANON_MAPPED_PAGES] = (double)ctx->vm[MC_NR_ANON_MAPPED];
		v[RP_M_FILE_MAPPED_PAGES] = (double)ctx->vm[MC_NR_FILE_MAPPED];
		v[RP_M_ANON_THP_PAGES] = (double)ctx->vm[MC_NR_ANON_THPS];
		v[RP_M_SHMEM_PMD_MAPPED_PAGES] = (double)ctx->vm[MC_NR_SHMEM_PMDMAPPED];
		v[RP_M_FILE_PMD_MAPPED_PAGES] = (double)ctx->vm[MC_NR_FILE_PMDMAPPED];
		v[RP_M_ATOMIC_OPS] = (double)ctx->atomics;
		v[RP_M_CACHELINES_TOUCHED] = (double)ctx->cachelines;
		v[RP_M_METADATA_BYTES] = meta;
		v[RP_M_OVERFLOWS] = (double)ctx->overflows;
		v[RP_M_VIOLATIONS] = (double)ctx->violations;
		v[RP_M_INCONSISTENCIES] = (double)rp->inconsistencies;
		v[RP_M_THP_DEFERRED_SPLIT_PAGE] = (double)ctx->events[MC_EV_THP_DEFERRED_SPLIT_PAGE];
		v[RP_M_DEFERRED_SPLIT_QUEUED] = (double)ctx->events[MC_EV_DEFERRED_SPLIT_QUEUED];
		v[RP_M_FOLIOS_LIVE] = (double)rp->ft.live;
	}
	return 0;
}
