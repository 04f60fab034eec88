// SPDX-License-Identifier: GPL-2.0
/*
 * Per-mm shadow of present user pages: 2 MiB windows of PFNs, with a flag
 * for windows one PMD maps. Every change goes through here so that the
 * records written and the shadow never disagree.
 */
#include <stdlib.h>
#include <string.h>

#include "recorder/record.h"

static bool recount_wanted;

struct swin *shadow_win(struct mm *mm, uint64_t idx, bool create)
{
	struct swin *w = u64map_get(&mm->wins, idx);

	if (w || !create)
		return w;
	w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->idx = idx;
	if (u64map_put(&mm->wins, idx, w)) {
		free(w);
		return NULL;
	}
	return w;
}

static unsigned kind_slot(const struct folio *f)
{
	return (f->kind & ~FK_KSM) == FK_ANON ? 0 : (f->kind & ~FK_KSM) == FK_FILE ? 1 : 2;
}

void shadow_set(struct mm *mm, struct swin *w, unsigned i, uint64_t pfn)
{
	struct folio *f;

	if (w->pfn[i]) {
		f = folio_cached(w->pfn[i]);
		if (f) {
			f->mapped--;
			mm->pages[kind_slot(f)]--;
		}
		w->count--;
	}
	w->pfn[i] = pfn;
	if (pfn) {
		f = folio_cached(pfn);
		if (f) {
			f->mapped++;
			mm->pages[kind_slot(f)]++;
		}
		w->count++;
	}
}

void shadow_drop_if_empty(struct mm *mm, struct swin *w)
{
	if (!w->count) {
		u64map_del(&mm->wins, w->idx);
		free(w);
	}
}

void shadow_remap(struct mm *mm, struct swin *w, unsigned conf)
{
	emit_remap(mm, w->idx << 9, folio_cached(w->pfn[0]), conf);
	w->pmd = false;
}

/* Runs of pages that are consecutive in one folio become one record each.
 * The window stays allocated: callers drop it with shadow_drop_if_empty. */
void shadow_unmap_pages(struct mm *mm, struct swin *w, unsigned i0, unsigned i1, unsigned conf)
{
	if (w->pmd) {
		if (i0 == 0 && i1 == WIN_PAGES) {
			emit_unmap(mm, w->idx << 9, folio_cached(w->pfn[0]), WIN_PAGES, LVL_PMD,
				   conf);
			for (unsigned i = 0; i < WIN_PAGES; i++)
				shadow_set(mm, w, i, 0);
			w->pmd = false;
			return;
		}
		shadow_remap(mm, w, conf);
	}
	for (unsigned i = i0; i < i1;) {
		struct folio *f;
		unsigned j;

		if (!w->pfn[i]) {
			i++;
			continue;
		}
		f = folio_cached(w->pfn[i]);
		for (j = i + 1; j < i1 && w->pfn[j] == w->pfn[i] + (j - i) && f &&
				w->pfn[j] < f->head + (1ull << f->order);
		     j++)
			;
		if (f)
			emit_unmap(mm, (w->idx << 9) + i, f, j - i, LVL_PTE, conf);
		for (unsigned k = i; k < j; k++)
			shadow_set(mm, w, k, 0);
		i = j;
	}
}

void shadow_map_pages(struct mm *mm, struct swin *w, unsigned i0, unsigned i1, const uint64_t *pfns,
		      unsigned conf)
{
	for (unsigned i = i0; i < i1;) {
		struct folio *f;
		unsigned j;

		if (!pfns[i]) {
			i++;
			continue;
		}
		f = folio_of(pfns[i], true);
		if (!f) {
			i++;
			continue;
		}
		for (j = i + 1; j < i1 && pfns[j] == pfns[i] + (j - i) &&
				pfns[j] < f->head + (1ull << f->order);
		     j++)
			;
		emit_map(mm, (w->idx << 9) + i, f, pfns[i], j - i, LVL_PTE, conf,
			 f->fresh && f->kind == FK_ANON ? MC_LF_NEW_ANON : 0);
		f->fresh = false;
		for (unsigned k = i; k < j; k++)
			shadow_set(mm, w, k, pfns[k]);
		i = j;
	}
}

void shadow_map_pmd(struct mm *mm, struct swin *w, struct folio *f, unsigned conf)
{
	emit_map(mm, w->idx << 9, f, f->head, WIN_PAGES, LVL_PMD, conf,
		 f->fresh && f->kind == FK_ANON ? MC_LF_NEW_ANON : 0);
	f->fresh = false;
	for (unsigned i = 0; i < WIN_PAGES; i++)
		shadow_set(mm, w, i, f->head + i);
	w->pmd = true;
}

static int cmp_win(const void *a, const void *b)
{
	const struct swin *x = *(struct swin *const *)a, *y = *(struct swin *const *)b;

	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

void shadow_windows_sorted(struct mm *mm, struct swin ***out, size_t *n)
{
	struct swin **v = malloc((mm->wins.n + 1) * sizeof(*v));
	size_t k = 0;

	*out = v;
	*n = 0;
	if (!v)
		return;
	u64map_for_each(&mm->wins, i) v[k++] = mm->wins.vals[i];
	qsort(v, k, sizeof(*v), cmp_win);
	*n = k;
}

void shadow_unmap_range(struct mm *mm, uint64_t start, uint64_t end, unsigned conf)
{
	uint64_t first = start >> WIN_SHIFT, last = (end - 1) >> WIN_SHIFT;
	struct swin **v;
	size_t n;

	if (end <= start)
		return;
	shadow_windows_sorted(mm, &v, &n);
	for (size_t k = 0; k < n; k++) {
		struct swin *w = v[k];
		uint64_t ws = w->idx << WIN_SHIFT;
		unsigned i0, i1;

		if (w->idx < first || w->idx > last)
			continue;
		i0 = start > ws ? (start - ws) >> 12 : 0;
		i1 = end < ws + (1ull << WIN_SHIFT) ? (end - ws + 4095) >> 12 : WIN_PAGES;
		shadow_unmap_pages(mm, w, i0, i1, conf);
		shadow_drop_if_empty(mm, w);
	}
	free(v);
}

void shadow_move(struct mm *mm, uint64_t old, uint64_t len, uint64_t new)
{
	uint64_t *pfns = NULL;
	size_t npages = len >> 12, got = 0;
	bool whole_pmds = !((old | new | len) & ((1ull << WIN_SHIFT) - 1));

	if (!npages || !(pfns = calloc(npages, sizeof(*pfns))))
		return;
	for (size_t p = 0; p < npages; p++) {
		uint64_t va = old + (p << 12);
		struct swin *w = shadow_win(mm, va >> WIN_SHIFT, false);

		if (w && (pfns[p] = w->pfn[(va >> 12) & 511]))
			got++;
	}
	/* map at the new place first so that no folio looks unmapped midway */
	for (size_t p = 0; got && p < npages;) {
		uint64_t va = new + (p << 12);
		struct swin *src = shadow_win(mm, (old + (p << 12)) >> WIN_SHIFT, false);
		struct swin *w = shadow_win(mm, va >> WIN_SHIFT, true);
		unsigned i0 = (va >> 12) & 511, i1 = WIN_PAGES;

		if (!w)
			break;
		if (npages - p < WIN_PAGES - i0)
			i1 = i0 + (npages - p);
		if (w->count)
			shadow_unmap_pages(mm, w, i0, i1, MC_CONF_SEMANTIC);
		if (whole_pmds && src && src->pmd)
			shadow_map_pmd(mm, w, folio_cached(src->pfn[0]), MC_CONF_SEMANTIC);
		else
			shadow_map_pages(mm, w, i0, i1, pfns + p - i0, MC_CONF_SEMANTIC);
		shadow_drop_if_empty(mm, w);
		p += i1 - i0;
	}
	/* the old range goes, except where it overlaps the new one */
	if (new >= old + len || new + len <= old) {
		shadow_unmap_range(mm, old, old + len, MC_CONF_SEMANTIC);
	} else if (new > old) {
		shadow_unmap_range(mm, old, new, MC_CONF_SEMANTIC);
	} else {
		shadow_unmap_range(mm, new + len, old + len, MC_CONF_SEMANTIC);
	}
	free(pfns);
}

void shadow_clear(struct mm *mm, bool emit_unmaps)
{
	struct swin **v;
	size_t n;

	shadow_windows_sorted(mm, &v, &n);
	for (size_t k = 0; k < n; k++) {
		struct swin *w = v[k];

		if (emit_unmaps) {
			shadow_unmap_pages(mm, w, 0, WIN_PAGES, MC_CONF_SEMANTIC);
			shadow_drop_if_empty(mm, w);
			continue;
		}
		for (unsigned i = 0; i < WIN_PAGES; i++)
			if (w->pfn[i])
				shadow_set(mm, w, i, 0);
		u64map_del(&mm->wins, w->idx);
		free(w);
	}
	free(v);
}

uint64_t shadow_pages(const struct mm *mm)
{
	return mm->pages[0] + mm->pages[1] + mm->pages[2];
}

void shadow_recount_request(void)
{
	recount_wanted = true;
}

void shadow_recount(struct recorder *r, bool force)
{
	if (!recount_wanted && !force)
		return;
	recount_wanted = false;
	folio_reset_counts();
	u64map_for_each(&r->procs.mms, k)
	{
		struct mm *mm = r->procs.mms.vals[k];

		memset(mm->pages, 0, sizeof(mm->pages));
		u64map_for_each(&mm->wins, j)
		{
			struct swin *w = mm->wins.vals[j];

			for (unsigned i = 0; i < WIN_PAGES; i++) {
				struct folio *f;

				if (!w->pfn[i] || !(f = folio_cached(w->pfn[i])))
					continue;
				f->mapped++;
				mm->pages[kind_slot(f)]++;
			}
		}
	}
}

void shadow_dup(struct mm *child, struct mm *parent, uint64_t vs, uint64_t ve)
{
	for (uint64_t idx = vs >> 9; idx <= (ve - 1) >> 9; idx++) {
		struct swin *pw = shadow_win(parent, idx, false), *cw;

		if (!pw || !(cw = shadow_win(child, idx, true)))
			continue;
		for (unsigned i = 0; i < WIN_PAGES; i++) {
			uint64_t vpn = (idx << 9) + i;

			if (vpn >= vs && vpn < ve && pw->pfn[i])
				shadow_set(child, cw, i, pw->pfn[i]);
		}
		cw->pmd = pw->pmd;
		shadow_drop_if_empty(child, cw);
	}
}
