// SPDX-License-Identifier: GPL-2.0
/*
 * Folio split, the way mm/huge_memory.c:split_huge_page_to_list_to_order@v6.12
 * drives the rmap: unmap_folio() turns every mapping into migration entries
 * (try_to_migrate_one: PageAnonExclusive read, then folio_remove_rmap_* with
 * the mapping gone), the folio is split, and remap_page() ->
 * remove_migration_ptes() maps every page back with one PTE each
 * (folio_add_{anon,file}_rmap_pte, RMAP_EXCLUSIVE where the migration entry
 * said exclusive). A PMD mapping is first split into PTE migration entries
 * (split_huge_pmd_locked with freeze), so every page comes back PTE-mapped.
 */
#include <stdlib.h>
#include <string.h>

#include "replayer/replay.h"

struct split_map {
	struct rp_mm *mm;
	uint64_t vpn;		/* first VPN of the entry */
	uint32_t page;		/* first page of the old folio it maps */
	uint8_t level;
};

struct split_list {
	struct split_map *v;	/* kept in struct replay between splits */
	size_t nr, cap;
	uint64_t pages;		/* pages over all entries */
};

static int split_list_add(struct split_list *l, struct rp_mm *mm, uint64_t vpn, uint64_t leaf)
{
	if (l->nr == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct split_map *n = realloc(l->v, cap * sizeof(*n));

		if (!n)
			return -1;
		l->v = n;
		l->cap = cap;
	}
	l->v[l->nr].mm = mm;
	l->v[l->nr].vpn = vpn;
	l->v[l->nr].page = sh_leaf_page(leaf);
	l->v[l->nr].level = (uint8_t)sh_leaf_level(leaf);
	l->nr++;
	l->pages += sh_level_pages(sh_leaf_level(leaf));
	return 0;
}

/* Entries of slot in mm within [start, end), address order. */
static int split_collect_mm(struct split_list *l, struct rp_mm *mm, uint32_t slot, uint64_t start,
			    uint64_t end)
{
	struct sh_iter it;

	sh_iter_start(&it, &mm->sh, start, end);
	while (sh_iter_next(&it))
		if (sh_leaf_slot(*it.cell) == slot && split_list_add(l, mm, it.vpn, *it.cell))
			return -1;
	return 0;
}

/*
 * Every entry mapping the folio, in (mm creation order, address order). Mappings
 * mostly sit where the folio was last mapped (fork keeps addresses), so look
 * there first and walk whole address spaces only when that misses some.
 */
static int split_collect(struct replay *rp, struct split_list *l, const struct ft_slot *s)
{
	uint64_t start = ft_hint(s), end = start + ft_nr_pages(s) + 16;
	uint32_t id = ft_id(&rp->ft, s);
	uint64_t found = 0;

	for (struct rp_mm *mm = rp->first; mm; mm = mm->next)
		if (split_collect_mm(l, mm, id, start, end))
			return -1;
	found = l->nr;
	if (found == s->entries)
		return 0;
	l->nr = 0;
	l->pages = 0;
	for (struct rp_mm *mm = rp->first; mm; mm = mm->next)
		if (split_collect_mm(l, mm, id, 0, 1ull << SH_VPN_BITS))
			return -1;
	return 0;
}

/* Point the shadow entry e (and for a huge entry, its pages) at the new folios. */
static int split_reshadow(struct replay *rp, const struct split_map *e, const uint32_t *slots,
			  unsigned int order)
{
	uint64_t *cell = NULL;
	uint32_t pages = sh_level_pages(e->level);

	/* a huge entry becomes a table of entries one level down, down to PTEs */
	if (e->level == MC_LEVEL_PUD) {
		sh_lookup(&e->mm->sh, e->vpn, &cell);
		if (sh_demote(&rp->pool, cell, MC_LEVEL_PUD))
			return -1;
	}
	for (uint32_t i = 0; e->level > MC_LEVEL_PTE && i < pages; i += MC_PMD_NR) {
		sh_lookup(&e->mm->sh, e->vpn + i, &cell);
		if (sh_demote(&rp->pool, cell, MC_LEVEL_PMD))
			return -1;
	}
	sh_lookup(&e->mm->sh, e->vpn, &cell);
	/* the PTE cells of one huge entry are contiguous per page table */
	for (uint32_t i = 0; i < pages; i++) {
		uint32_t page = e->page + i;
		uint32_t slot = slots[page >> order];
		struct ft_slot *ns = ft_slot(&rp->ft, slot);

		if ((i & 511) == 0 && i)
			sh_lookup(&e->mm->sh, e->vpn + i, &cell);
		sh_pte_set(&cell[i & 511], sh_leaf(slot, page & ((1u << order) - 1), 0));
		ns->entries++;
		ft_set_hint(ns, e->vpn + i, page & ((1u << order) - 1));
	}
	e->mm->sh.entries += pages - 1;
	return 0;
}

int rp_split(struct replay *rp, uint64_t pfn, unsigned int order)
{
	struct ft_slot *s = ft_lookup(&rp->ft, pfn);
	struct split_list l = { .v = rp->split_v, .cap = rp->split_cap };
	struct mc_folio old;
	uint32_t nr_new, *slots;
	uint8_t *excl;
	size_t need;
	int ret = -1;

	if (!s || order >= ft_order(s)) {
		rp_inconsistent(rp, "split of %s at PFN %#llx to order %u",
				s ? "a folio of lower or equal order" : "an unknown folio",
				(unsigned long long)pfn, order);
		return 0;
	}
	old = ft_folio(&rp->ft, s);
	if (s->entries && split_collect(rp, &l, s))
		goto out;
	nr_new = 1u << (old.order - order);
	/* scratch: new slots, then one exclusive flag per model per mapped page */
	need = nr_new * sizeof(uint32_t) + (size_t)rp->nr_models * l.pages;
	slots = rp_scratch(rp, need);
	if (!slots)
		goto out;
	excl = (uint8_t *)(slots + nr_new);

	for (unsigned int m = 0; m < rp->nr_models; m++) {
		const struct mc_model *model = rp->model[m];
		void *state = rp_state(rp, s, m);
		uint8_t *x = excl + (size_t)m * l.pages;

		/*
		 * PageAnonExclusive of every mapped page first: a page that is
		 * exclusive has one mapping, so this is what each migration entry
		 * records, whatever order the mappings are then frozen in.
		 */
		for (size_t i = 0; i < l.nr; i++)
			for (uint32_t p = 0; p < sh_level_pages(l.v[i].level); p++)
				*x++ = old.kind == MC_KIND_ANON &&
				       model->anon_exclusive(&rp->ctx[m], &old, state,
							     l.v[i].page + p);
		for (size_t i = 0; i < l.nr; i++) {
			const struct split_map *e = &l.v[i];
			struct mc_op op = {
				.type = MC_OP_REMOVE,
				.level = e->level,
				.flags = MC_OPF_FREEZE,
				.first = e->page,
				.nr = sh_level_pages(e->level),
				.mm = e->mm->id,
			};

			model->apply(&rp->ctx[m], &old, state, &op);
		}
		model->fini(&rp->ctx[m], &old, state);
	}
	ft_remove(&rp->ft, s);	/* s is gone; inserts below may move the slot array */

	for (uint32_t k = 0; k < nr_new; k++) {
		struct ft_slot *ns = ft_insert(&rp->ft, old.pfn + ((uint64_t)k << order), order,
					       old.kind, old.ksm);

		if (!ns)
			goto out;
		slots[k] = ft_id(&rp->ft, ns);
		rp_init_fini(rp, ns, false);
	}

	for (unsigned int m = 0; m < rp->nr_models; m++) {
		const uint8_t *x = excl + (size_t)m * l.pages;

		for (size_t i = 0; i < l.nr; i++) {
			const struct split_map *e = &l.v[i];
			uint32_t pages = sh_level_pages(e->level);

			for (uint32_t p = 0; p < pages; p++) {
				uint32_t page = e->page + p;
				struct ft_slot *ns = ft_slot(&rp->ft, slots[page >> order]);
				struct mc_folio nf = ft_folio(&rp->ft, ns);
				struct mc_op op = {
					.type = MC_OP_ADD,
					.level = MC_LEVEL_PTE,
					.flags = MC_OPF_RESTORE | (*x++ ? MC_OPF_EXCLUSIVE : 0),
					.first = page & ((1u << order) - 1),
					.nr = 1,
					.mm = e->mm->id,
				};

				rp->model[m]->apply(&rp->ctx[m], &nf, rp_state(rp, ns, m), &op);
			}
		}
	}
	for (size_t i = 0; i < l.nr; i++)
		if (split_reshadow(rp, &l.v[i], slots, order))
			goto out;
	ret = 0;
out:
	rp->split_v = l.v;
	rp->split_cap = l.cap;
	return ret;
}
