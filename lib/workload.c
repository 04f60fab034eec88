// SPDX-License-Identifier: GPL-2.0
/*
 * Synthetic rmap workloads (see workload.h). The generator keeps, per
 * process, the list of regions it maps (one folio, a page range, a level)
 * and per folio the number of regions that map it, so every record it
 * writes is consistent with what came before, and anon folios are freed
 * exactly when their last mapping goes.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/workload.h"
#include "models/model.h"

const char *const mc_workload_help[] = {
	"server\tprefork server: a parent with a heap (thp% in PMD THPs) and libraries; procs-1 "
	"workers forked from it each serve requests, writing cow% of the inherited heap over "
	"their life (COW: PMD split, then 4 KiB copies), malloc/free small buffers, mmap "
	"data files; a worker exits after its requests and the parent forks a new one",
	"shell\tshell-script storm: a shell forks, the child execs a command that maps its "
	"text and shared libraries (page-cache folios of orders 0, 2, 4) and a small heap, "
	"runs briefly and exits; up to procs-1 commands at once",
	"pagecache\tpage-cache readers: procs processes map file folios of orders 0, 2, 4 and "
	"9 (whole, PMD for order 9 half the time, or a window of a large folio), unmap them, "
	"come and go; unmapped folios are evicted and read in again",
	"mthp\tmTHP-heavy allocation: procs processes allocate anon folios of orders 2, 3, 4 "
	"and 9 up to about heap pages each, unmap parts of them (deferred split candidates), "
	"split PMDs, fork (sharing them), split folios, exit",
	NULL,
};

enum wl_kind { WL_SERVER, WL_SHELL, WL_PAGECACHE, WL_MTHP, WL_NR };

static const char *const wl_names[WL_NR] = {"server", "shell", "pagecache", "mthp"};

static enum wl_kind wl_kind(const char *name)
{
	enum wl_kind k = 0;

	while (k < WL_NR - 1 && strcmp(name, wl_names[k]))
		k++;
	return k;
}

struct wregion {
	uint64_t vpn; /* first page mapped */
	uint32_t folio; /* index into gen.folios */
	uint32_t first; /* first page index in the folio */
	uint32_t nr;
	uint8_t level;
};

struct wproc {
	uint32_t mm; /* trace mm id, 0 when dead */
	uint64_t next_vpn; /* bump allocator for new anon regions */
	uint16_t *cmaps; /* regions of each page-cache slot this process maps */
	uint32_t requests; /* server worker: requests left before it exits */
	uint32_t cow; /* server worker: heap pages it still has to write */
	uint64_t pages; /* pages mapped */
	struct wregion *regions;
	size_t nregions, cap;
};

struct wfolio {
	uint64_t pfn;
	uint32_t maps; /* regions mapping it, all processes */
	uint32_t cslot; /* page-cache slot + 1, 0 for anon */
	uint8_t order, kind, live;
};

struct gen {
	const struct mc_workload_params *p;
	struct mc_writer *w;
	uint64_t rng, written, next_ckpt, ckpt_every, ckpt_no;
	uint32_t next_mm;
	uint64_t next_pfn;
	uint64_t *free_pfns[MC_MAX_ORDER + 1]; /* reusable head PFNs per order */
	size_t nfree[MC_MAX_ORDER + 1], capfree[MC_MAX_ORDER + 1];
	struct wfolio *folios;
	size_t nfolios, capfolios;
	uint32_t *free_folios;
	size_t nfree_folios, capfree_folios;
	uint32_t *cache; /* file folios of the page cache */
	size_t ncache;
	struct wproc *procs;
	size_t nprocs, live;
	int error;
	char *err;
	size_t errlen;
};

static void *grow(void *ptr, size_t *cap, size_t need, size_t elem)
{
	size_t n;

	if (need <= *cap)
		return ptr;
	n = *cap ? *cap * 2 : 16;
	while (n < need)
		n *= 2;
	ptr = realloc(ptr, n * elem);
	if (!ptr) {
		fprintf(stderr, "mapcount: out of memory\n");
		exit(1);
	}
	*cap = n;
	return ptr;
}

static uint64_t rnd(struct gen *g)
{
	/* xorshift64*: deterministic from the seed, fast enough for 100M records */
	g->rng ^= g->rng >> 12;
	g->rng ^= g->rng << 25;
	g->rng ^= g->rng >> 27;
	return g->rng * 0x2545F4914F6CDD1DULL;
}

static uint32_t below(struct gen *g, uint32_t n)
{
	return n ? (uint32_t)(((rnd(g) >> 32) * n) >> 32) : 0;
}

static int percent(struct gen *g, unsigned int pct)
{
	return below(g, 100) < pct;
}

static void put(struct gen *g, struct mc_record *rec)
{
	if (g->error)
		return;
	if (mc_writer_put(g->w, rec)) {
		snprintf(g->err, g->errlen, "%s", mc_writer_error(g->w));
		g->error = 1;
	}
	g->written++;
}

static void emit_mm(struct gen *g, uint32_t mm)
{
	struct mc_record rec = {.type = MC_REC_MM};
	char name[32];
	int n = snprintf(name, sizeof(name), "%u/%s", mm, g->p->name);

	rec.u.mm.mm = mm;
	rec.u.mm.pid = mm;
	rec.u.mm.name.s = name;
	rec.u.mm.name.len = n;
	put(g, &rec);
}

static uint32_t folio_new(struct gen *g, unsigned int order, unsigned int kind)
{
	struct mc_record rec = {.type = MC_REC_FOLIO};
	struct wfolio *f;
	uint64_t pfn;
	uint32_t idx;

	if (g->nfree[order]) {
		pfn = g->free_pfns[order][--g->nfree[order]];
	} else {
		uint64_t n = 1ull << order;

		pfn = (g->next_pfn + n - 1) & ~(n - 1);
		g->next_pfn = pfn + n;
	}
	if (g->nfree_folios) {
		idx = g->free_folios[--g->nfree_folios];
	} else {
		g->folios = grow(g->folios, &g->capfolios, g->nfolios + 1, sizeof(*g->folios));
		idx = g->nfolios++;
	}
	f = &g->folios[idx];
	f->pfn = pfn;
	f->order = order;
	f->kind = kind;
	f->maps = 0;
	f->cslot = 0;
	f->live = 1;
	rec.u.folio.pfn = pfn;
	rec.u.folio.order = order;
	rec.u.folio.kind = kind;
	put(g, &rec);
	return idx;
}

static void folio_free(struct gen *g, uint32_t idx)
{
	struct mc_record rec = {.type = MC_REC_FREE};
	struct wfolio *f = &g->folios[idx];

	rec.u.free.pfn = f->pfn;
	put(g, &rec);
	f->live = 0;
	g->free_pfns[f->order] = grow(g->free_pfns[f->order], &g->capfree[f->order],
				      g->nfree[f->order] + 1, sizeof(uint64_t));
	g->free_pfns[f->order][g->nfree[f->order]++] = f->pfn;
	g->free_folios =
		grow(g->free_folios, &g->capfree_folios, g->nfree_folios + 1, sizeof(uint32_t));
	g->free_folios[g->nfree_folios++] = idx;
}

#define FILE_BASE 0x400000000ull /* page-cache slot i maps at FILE_BASE + i * 512 */

static void region_add(struct gen *g, struct wproc *pr, const struct wregion *r)
{
	uint32_t cs = g->folios[r->folio].cslot;

	if (cs)
		pr->cmaps[cs - 1]++;
	pr->regions = grow(pr->regions, &pr->cap, pr->nregions + 1, sizeof(*r));
	pr->regions[pr->nregions++] = *r;
}

static uint64_t vpn_alloc(struct wproc *pr, unsigned int order)
{
	uint64_t n = 1ull << (order < MC_PMD_ORDER ? order : MC_PMD_ORDER);
	uint64_t vpn = (pr->next_vpn + n - 1) & ~(n - 1);

	pr->next_vpn = vpn + (1ull << order);
	return vpn;
}

/* Map pages first..first+nr-1 of folio idx at level, at a fresh address. */
static void map_new(struct gen *g, struct wproc *pr, uint32_t idx, uint32_t first, uint32_t nr,
		    unsigned int level, int new_anon)
{
	struct mc_record rec = {.type = MC_REC_MAP};
	struct wfolio *f = &g->folios[idx];
	struct wregion r = {.folio = idx, .first = first, .nr = nr, .level = level};

	r.vpn = (f->cslot ? FILE_BASE + ((uint64_t)(f->cslot - 1) << MC_PMD_ORDER)
			  : vpn_alloc(pr, f->order)) +
		first;
	rec.u.map.mm = pr->mm;
	rec.u.map.vpn = r.vpn;
	rec.u.map.pfn = f->pfn;
	rec.u.map.first = first;
	rec.u.map.nr = nr;
	rec.u.map.lf = level | (new_anon ? MC_LF_NEW_ANON | MC_LF_EXCLUSIVE : 0);
	put(g, &rec);
	f->maps++;
	pr->pages += nr;
	region_add(g, pr, &r);
}

static void unmap_record(struct gen *g, struct wproc *pr, const struct wregion *r, uint64_t vpn,
			 uint32_t nr)
{
	struct mc_record rec = {.type = MC_REC_UNMAP};

	rec.u.unmap.mm = pr->mm;
	rec.u.unmap.vpn = vpn;
	rec.u.unmap.pfn = g->folios[r->folio].pfn;
	rec.u.unmap.nr = nr;
	rec.u.unmap.lf = r->level; /* confidence 0: exact */
	put(g, &rec);
	pr->pages -= nr;
}

static void folio_put(struct gen *g, uint32_t idx)
{
	struct wfolio *f = &g->folios[idx];

	if (--f->maps == 0 && f->kind == MC_KIND_ANON)
		folio_free(g, idx);
}

static void region_remove(struct gen *g, struct wproc *pr, size_t i)
{
	uint32_t cs = g->folios[pr->regions[i].folio].cslot;

	if (cs)
		pr->cmaps[cs - 1]--;
	pr->regions[i] = pr->regions[--pr->nregions];
}

/* Unmap the whole of region i. */
static void unmap_region(struct gen *g, struct wproc *pr, size_t i)
{
	struct wregion r = pr->regions[i];

	unmap_record(g, pr, &r, r.vpn, r.nr);
	region_remove(g, pr, i);
	folio_put(g, r.folio);
}

/* A PMD region becomes a PTE region (PMD split in this mm). */
static void remap_region(struct gen *g, struct wproc *pr, size_t i)
{
	struct mc_record rec = {.type = MC_REC_REMAP};
	struct wregion *r = &pr->regions[i];

	rec.u.remap.mm = pr->mm;
	rec.u.remap.vpn = r->vpn;
	rec.u.remap.pfn = g->folios[r->folio].pfn;
	rec.u.remap.lf = MC_LEVEL_PMD;
	put(g, &rec);
	r->level = MC_LEVEL_PTE;
}

/* Unmap nr pages at offset off of PTE region i, keeping the rest mapped. */
static void unmap_part(struct gen *g, struct wproc *pr, size_t i, uint32_t off, uint32_t nr)
{
	struct wregion r = pr->regions[i], tail = r;

	unmap_record(g, pr, &r, r.vpn + off, nr);
	if (off + nr < r.nr) {
		tail.vpn = r.vpn + off + nr;
		tail.first = r.first + off + nr;
		tail.nr = r.nr - off - nr;
		g->folios[r.folio].maps++;
		region_add(g, pr, &tail);
	}
	if (off) {
		pr->regions[i].nr = off;
	} else {
		region_remove(g, pr, i);
		folio_put(g, r.folio);
	}
}

/* Copy-on-write of one page of anon region i by pr: a new small folio. */
static void cow_page(struct gen *g, struct wproc *pr, size_t i, uint32_t off)
{
	struct mc_record rec = {.type = MC_REC_MAP};
	uint64_t vpn;
	uint32_t idx;

	if (pr->regions[i].level == MC_LEVEL_PMD)
		remap_region(g, pr, i);
	vpn = pr->regions[i].vpn + off;
	unmap_part(g, pr, i, off, 1);
	idx = folio_new(g, 0, MC_KIND_ANON);
	rec.u.map.mm = pr->mm;
	rec.u.map.vpn = vpn;
	rec.u.map.pfn = g->folios[idx].pfn;
	rec.u.map.nr = 1;
	rec.u.map.lf = MC_LEVEL_PTE | MC_LF_NEW_ANON | MC_LF_EXCLUSIVE;
	put(g, &rec);
	g->folios[idx].maps++;
	pr->pages++;
	region_add(g, pr, &(struct wregion){.vpn = vpn, .folio = idx, .nr = 1});
}

static struct wproc *proc_new(struct gen *g)
{
	struct wproc *pr = NULL;

	for (size_t i = 0; i < g->nprocs; i++)
		if (!g->procs[i].mm) {
			pr = &g->procs[i];
			break;
		}
	if (!pr)
		return NULL;
	if (!pr->cmaps) {
		pr->cmaps = calloc(g->ncache + 1, sizeof(*pr->cmaps));
		if (!pr->cmaps) {
			fprintf(stderr, "mapcount: out of memory\n");
			exit(1);
		}
	}
	memset(pr->cmaps, 0, (g->ncache + 1) * sizeof(*pr->cmaps));
	pr->mm = ++g->next_mm;
	pr->next_vpn = 0x10000000;
	g->live++;
	pr->nregions = 0;
	emit_mm(g, pr->mm);
	return pr;
}

static void proc_drop_all(struct gen *g, struct wproc *pr)
{
	while (pr->nregions) {
		uint32_t folio = pr->regions[pr->nregions - 1].folio;

		region_remove(g, pr, pr->nregions - 1);
		folio_put(g, folio);
	}
	pr->pages = 0;
}

static void proc_exit(struct gen *g, struct wproc *pr)
{
	struct mc_record rec = {.type = MC_REC_EXIT};

	rec.u.exit.mm = pr->mm;
	put(g, &rec);
	proc_drop_all(g, pr);
	pr->mm = 0;
	g->live--;
}

static void proc_exec(struct gen *g, struct wproc *pr)
{
	struct mc_record rec = {.type = MC_REC_EXEC};

	rec.u.exec.mm = pr->mm;
	put(g, &rec);
	proc_drop_all(g, pr);
	pr->next_vpn = 0x10000000;
}

static struct wproc *proc_fork(struct gen *g, struct wproc *parent)
{
	struct mc_record rec = {.type = MC_REC_FORK};
	struct wproc *child = proc_new(g);

	if (!child)
		return NULL;
	rec.u.fork.parent = parent->mm;
	rec.u.fork.child = child->mm;
	rec.u.fork.flags = MC_FORK_COPY_ALL;
	put(g, &rec);
	child->regions =
		grow(child->regions, &child->cap, parent->nregions, sizeof(*child->regions));
	memcpy(child->regions, parent->regions, parent->nregions * sizeof(*child->regions));
	child->nregions = parent->nregions;
	child->next_vpn = parent->next_vpn;
	child->pages = parent->pages;
	memcpy(child->cmaps, parent->cmaps, g->ncache * sizeof(*child->cmaps));
	for (size_t i = 0; i < child->nregions; i++)
		g->folios[child->regions[i].folio].maps++;
	return child;
}

/* Anon memory: THP share as PMD-mapped order-9 folios, the rest small pages. */
static void alloc_heap(struct gen *g, struct wproc *pr, unsigned int pages)
{
	unsigned int thp = pages * g->p->thp_percent / 100 / MC_PMD_NR;

	for (unsigned int i = 0; i < thp; i++)
		map_new(g, pr, folio_new(g, MC_PMD_ORDER, MC_KIND_ANON), 0, MC_PMD_NR, MC_LEVEL_PMD,
			1);
	for (unsigned int i = thp * MC_PMD_NR; i < pages; i++)
		map_new(g, pr, folio_new(g, 0, MC_KIND_ANON), 0, 1, MC_LEVEL_PTE, 1);
}

static void cache_init(struct gen *g, const unsigned int *orders, unsigned int norders)
{
	unsigned int pages = 0;

	g->cache = calloc(g->p->file_pages + 1, sizeof(*g->cache));
	if (!g->cache) {
		fprintf(stderr, "mapcount: out of memory\n");
		exit(1);
	}
	while (pages < g->p->file_pages) {
		unsigned int order = orders[below(g, norders)];

		g->cache[g->ncache] = folio_new(g, order, MC_KIND_FILE);
		g->folios[g->cache[g->ncache]].cslot = g->ncache + 1;
		g->ncache++;
		pages += 1u << order;
	}
}

/*
 * Map a page-cache folio: order 9 by PMD half the time, otherwise by PTEs,
 * the whole folio or (window percent of the time) a window of a large one.
 */
static void map_file_window(struct gen *g, struct wproc *pr, uint32_t idx, unsigned int window)
{
	struct wfolio *f = &g->folios[idx];
	uint32_t n = 1u << f->order, first = 0;

	if (pr->cmaps[f->cslot - 1])
		return; /* one mapping per process and file folio keeps the layout simple */
	if (f->order == MC_PMD_ORDER && percent(g, 50)) {
		map_new(g, pr, idx, 0, MC_PMD_NR, MC_LEVEL_PMD, 0);
		return;
	}
	if (n > 1 && percent(g, window)) {
		first = below(g, n);
		n = 1 + below(g, n - first);
	}
	map_new(g, pr, idx, first, n, MC_LEVEL_PTE, 0);
}

static void map_file(struct gen *g, struct wproc *pr, uint32_t idx)
{
	map_file_window(g, pr, idx, 0);
}

static void maybe_checkpoint(struct gen *g)
{
	struct mc_record rec = {.type = MC_REC_CHECKPOINT};
	char label[32];

	if (!g->ckpt_every || g->written < g->next_ckpt || g->ckpt_no == g->p->checkpoints)
		return;
	g->next_ckpt += g->ckpt_every;
	rec.u.checkpoint.label.s = label;
	rec.u.checkpoint.label.len = snprintf(label, sizeof(label), "w%" PRIu64, ++g->ckpt_no);
	put(g, &rec);
}

static struct wproc *random_proc(struct gen *g, size_t from)
{
	size_t n = g->nprocs - from;

	for (size_t tries = 0; tries < n; tries++) {
		struct wproc *pr = &g->procs[from + below(g, n)];

		if (pr->mm)
			return pr;
	}
	for (size_t i = from; i < g->nprocs; i++)
		if (g->procs[i].mm)
			return &g->procs[i];
	return NULL;
}

/* Write one page of a heap region pr still shares (a COW fault); 0 if none found. */
static int cow_shared(struct gen *g, struct wproc *pr)
{
	for (unsigned int tries = 0; tries < 8 && pr->nregions; tries++) {
		size_t i = below(g, pr->nregions);
		struct wregion *r = &pr->regions[i];
		struct wfolio *f = &g->folios[r->folio];

		if (f->kind == MC_KIND_ANON && f->maps > 1) {
			cow_page(g, pr, i, below(g, r->nr));
			return 1;
		}
	}
	return 0;
}

/*
 * A prefork server (Apache prefork, PostgreSQL, php-fpm): workers are forked
 * from the parent, share its heap and libraries, and exit after a fixed
 * number of requests (MaxRequestsPerChild); the parent forks a new one.
 */
static void server_step(struct gen *g, struct wproc *parent)
{
	struct wproc *w;
	uint32_t writes;

	if (g->live < g->nprocs) {
		w = proc_fork(g, parent);
		w->requests = g->p->requests ? g->p->requests : 1;
		w->cow = (uint32_t)((uint64_t)g->p->heap_pages * g->p->cow_percent / 100);
		return;
	}
	w = random_proc(g, 1);
	/* this request's share of the worker's writes to the inherited heap */
	writes = w->cow / w->requests;
	if (below(g, w->requests) < w->cow % w->requests)
		writes++;
	w->cow -= writes;
	while (writes-- && cow_shared(g, w))
		;
	if (percent(g, 50)) {
		/* a request buffer: malloc'ed small pages, freed (trimmed) at the end */
		unsigned int n = 1 + below(g, 8);

		alloc_heap(g, w, n);
		if (percent(g, 70))
			while (n--)
				unmap_region(g, w, w->nregions - 1);
	}
	if (percent(g, 20)) {
		/* a request reads a data file through mmap (the libraries are inherited) */
		size_t half = g->ncache / 2;

		map_file_window(g, w, g->cache[half + below(g, g->ncache - half)], 25);
	} else if (w->nregions && percent(g, 10)) {
		size_t i = below(g, w->nregions);
		uint32_t cs = g->folios[w->regions[i].folio].cslot;

		if (cs > g->ncache / 2)
			unmap_region(g, w, i); /* munmap of a data file */
	}
	if (--w->requests == 0) {
		proc_exit(g, w);
		return;
	}
	if (percent(g, 1) && parent->nregions) {
		/* the parent recycles part of its heap */
		size_t i = below(g, parent->nregions);
		struct wfolio *f = &g->folios[parent->regions[i].folio];

		if (f->kind == MC_KIND_ANON) {
			unsigned int order = f->order ? MC_PMD_ORDER : 0;

			unmap_region(g, parent, i);
			map_new(g, parent, folio_new(g, order, MC_KIND_ANON), 0, 1u << order,
				order ? MC_LEVEL_PMD : MC_LEVEL_PTE, 1);
		}
	}
}

static void shell_step(struct gen *g, struct wproc *shell)
{
	struct wproc *cmd = random_proc(g, 1);

	if (!cmd || percent(g, 30)) {
		cmd = proc_fork(g, shell);
		if (!cmd) {
			proc_exit(g, random_proc(g, 1));
			return;
		}
		proc_exec(g, cmd);
		/* the program: its text, libc, a small heap and stack */
		for (unsigned int n = 4 + below(g, 12); n--;)
			map_file(g, cmd, g->cache[below(g, g->ncache)]);
		alloc_heap(g, cmd, 8 + below(g, 24));
		return;
	}
	if (percent(g, 40))
		proc_exit(g, cmd);
	else
		alloc_heap(g, cmd, 1 + below(g, 4));
}

static void pagecache_step(struct gen *g)
{
	struct wproc *pr = random_proc(g, 0);

	if (!pr) {
		pr = proc_new(g);
		return;
	}
	if (below(g, 1000) < 2) {
		proc_exit(g, pr);
		proc_new(g);
		return;
	}
	if (pr->nregions && percent(g, 45)) {
		size_t i = below(g, pr->nregions);
		struct wregion *r = &pr->regions[i];

		if (r->level == MC_LEVEL_PTE && r->nr > 1 && percent(g, 30))
			unmap_part(g, pr, i, below(g, r->nr), 1);
		else
			unmap_region(g, pr, i);
		return;
	}
	if (percent(g, 3)) {
		/* evict an unmapped folio and read a new one in */
		size_t c = below(g, g->ncache);
		uint32_t idx = g->cache[c];

		if (!g->folios[idx].maps) {
			unsigned int order = g->folios[idx].order;

			folio_free(g, idx);
			g->cache[c] = folio_new(g, order, MC_KIND_FILE);
			g->folios[g->cache[c]].cslot = c + 1;
		}
		return;
	}
	map_file_window(g, pr, g->cache[below(g, g->ncache)], 25);
}

/*
 * Split the folio of region i, its only mapping, into order-0 folios: the
 * region becomes one region a page; unmapped pieces are freed.
 */
static void split_region(struct gen *g, struct wproc *pr, size_t i)
{
	struct mc_record rec = {.type = MC_REC_SPLIT};
	struct wregion r = pr->regions[i];
	struct wfolio old = g->folios[r.folio];
	uint32_t n = 1u << old.order;

	rec.u.split.pfn = old.pfn;
	rec.u.split.order = 0;
	put(g, &rec);
	g->folios[r.folio].live = 0;
	g->free_folios =
		grow(g->free_folios, &g->capfree_folios, g->nfree_folios + 1, sizeof(uint32_t));
	g->free_folios[g->nfree_folios++] = r.folio;
	region_remove(g, pr, i);
	for (uint32_t k = 0; k < n; k++) {
		uint32_t p;

		if (g->nfree_folios) {
			p = g->free_folios[--g->nfree_folios];
		} else {
			g->folios =
				grow(g->folios, &g->capfolios, g->nfolios + 1, sizeof(*g->folios));
			p = g->nfolios++;
		}
		g->folios[p] = (struct wfolio){.pfn = old.pfn + k, .kind = old.kind, .live = 1};
		if (k < r.first || k >= r.first + r.nr) {
			folio_free(g, p);
			continue;
		}
		g->folios[p].maps = 1;
		region_add(g, pr,
			   &(struct wregion){.vpn = r.vpn + k - r.first, .folio = p, .nr = 1});
	}
}

static void mthp_step(struct gen *g)
{
	static const unsigned int orders[] = {2, 3, 4, 4, 9};
	struct wproc *pr = random_proc(g, 0);

	if (!pr) {
		proc_new(g);
		return;
	}
	if (below(g, 1000) < 1) {
		struct wproc *child = proc_fork(g, pr);

		if (!child)
			proc_exit(g, random_proc(g, 0));
		return;
	}
	/* each process's footprint hovers around heap pages */
	if (pr->nregions && percent(g, pr->pages < g->p->heap_pages ? 45 : 70)) {
		size_t i = below(g, pr->nregions);
		struct wregion *r = &pr->regions[i];
		struct wfolio *f = &g->folios[r->folio];

		if (f->order && f->order < MC_PMD_ORDER && f->maps == 1 && percent(g, 2)) {
			split_region(g, pr, i);
		} else if (r->level == MC_LEVEL_PMD && percent(g, 30)) {
			remap_region(g, pr, i);
		} else if (r->level == MC_LEVEL_PTE && r->nr > 1 && percent(g, 50)) {
			uint32_t off = below(g, r->nr);

			unmap_part(g, pr, i, off, 1 + below(g, r->nr - off));
		} else {
			unmap_region(g, pr, i);
		}
		return;
	}
	if (below(g, 1000) < 1) {
		proc_exit(g, pr);
		return;
	}
	{
		unsigned int order = orders[below(g, 5)];
		uint32_t idx = folio_new(g, order, MC_KIND_ANON);

		if (order == MC_PMD_ORDER)
			map_new(g, pr, idx, 0, MC_PMD_NR, MC_LEVEL_PMD, 1);
		else
			map_new(g, pr, idx, 0, 1u << order, MC_LEVEL_PTE, 1);
	}
}

int mc_workload_defaults(const char *name, struct mc_workload_params *p)
{
	for (size_t i = 0; i < WL_NR; i++) {
		if (strcmp(name, wl_names[i]))
			continue;
		*p = (struct mc_workload_params){
			.name = wl_names[i],
			.records = 1000000,
			.seed = 1,
			.procs = 8,
			.heap_pages = 4096,
			.thp_percent = 50,
			.cow_percent = 10,
			.file_pages = 2048,
			.requests = 200,
			.checkpoints = 4,
		};
		if (!strcmp(name, "pagecache")) {
			p->procs = 32;
			p->file_pages = 65536;
		}
		return 0;
	}
	return -1;
}

int mc_workload_set(struct mc_workload_params *p, const char *kv, char *err, size_t errlen)
{
	static const struct {
		const char *key;
		size_t off;
		int wide;
	} keys[] = {
		{"procs", offsetof(struct mc_workload_params, procs), 0},
		{"heap", offsetof(struct mc_workload_params, heap_pages), 0},
		{"thp", offsetof(struct mc_workload_params, thp_percent), 0},
		{"cow", offsetof(struct mc_workload_params, cow_percent), 0},
		{"file", offsetof(struct mc_workload_params, file_pages), 0},
		{"requests", offsetof(struct mc_workload_params, requests), 0},
		{"checkpoints", offsetof(struct mc_workload_params, checkpoints), 0},
		{"seed", offsetof(struct mc_workload_params, seed), 1},
		{"records", offsetof(struct mc_workload_params, records), 1},
	};
	const char *eq = strchr(kv, '=');
	unsigned long long v;
	char *end;

	for (size_t i = 0; eq && i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strncmp(kv, keys[i].key, eq - kv) || keys[i].key[eq - kv])
			continue;
		errno = 0;
		v = strtoull(eq + 1, &end, 0);
		if (errno || end == eq + 1 || *end || (!keys[i].wide && v > UINT32_MAX)) {
			snprintf(err, errlen, "workload parameter %s: '%s' is not a number",
				 keys[i].key, eq + 1);
			return -1;
		}
		if (keys[i].wide)
			*(uint64_t *)((char *)p + keys[i].off) = v;
		else
			*(unsigned int *)((char *)p + keys[i].off) = v;
		if ((p->thp_percent > 100 || p->cow_percent > 100)) {
			snprintf(err, errlen, "workload parameter %s: a percentage is 0..100",
				 keys[i].key);
			return -1;
		}
		return 0;
	}
	snprintf(err, errlen,
		 "'%s' is not a workload parameter (procs, heap, thp, cow, file, requests, "
		 "checkpoints, "
		 "seed, records)",
		 kv);
	return -1;
}

void mc_workload_header(const struct mc_workload_params *p, struct mc_rec_header *hdr)
{
	static char extra[256];

	memset(hdr, 0, sizeof(*hdr));
	hdr->magic = (struct mc_str){"mapcount", 8};
	hdr->version = MC_TRACE_VERSION;
	hdr->page_shift = 12;
	hdr->pmd_order = MC_PMD_ORDER;
	hdr->pud_order = MC_PUD_ORDER;
	hdr->source = (struct mc_str){"workload", 8};
	hdr->extra.s = extra;
	hdr->extra.len =
		snprintf(extra, sizeof(extra),
			 "workload=%s\nseed=%" PRIu64 "\nprocs=%u\nheap=%u\nthp=%u\ncow=%u\n"
			 "file=%u\nrequests=%u\n",
			 p->name, p->seed, p->procs, p->heap_pages, p->thp_percent, p->cow_percent,
			 p->file_pages, p->requests);
}

int mc_workload_generate(const struct mc_workload_params *p, struct mc_writer *w, char *err,
			 size_t errlen)
{
	static const unsigned int lib_orders[] = {0, 0, 0, 2, 4};
	static const unsigned int cache_orders[] = {0, 0, 0, 2, 2, 4, 4, 9};
	struct gen g = {.p = p, .w = w, .err = err, .errlen = errlen};
	enum wl_kind kind = wl_kind(p->name);
	struct wproc *root = NULL;
	size_t libs;

	if (!p->procs || p->procs > 1000000) {
		snprintf(err, errlen, "workload %s: procs must be 1..1000000", p->name);
		return -1;
	}
	if ((kind == WL_SERVER || kind == WL_SHELL) && p->procs < 2) {
		snprintf(err, errlen, "workload %s: procs must be at least 2", p->name);
		return -1;
	}
	g.rng = p->seed * 0x9E3779B97F4A7C15ULL + 1;
	g.next_pfn = 0x100000;
	g.nprocs = p->procs;
	g.procs = calloc(g.nprocs, sizeof(*g.procs));
	if (!g.procs) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (p->checkpoints)
		g.ckpt_every = g.next_ckpt = p->records / (p->checkpoints + 1) + 1;

	switch (kind) {
	case WL_SERVER:
	case WL_SHELL: /* a root process with libraries and a heap */
		cache_init(&g, lib_orders, 5);
		root = proc_new(&g);
		/* its libraries: the first half of the server's cache, 64 folios of the shell's */
		libs = kind == WL_SERVER ? g.ncache / 2 : g.ncache < 64 ? g.ncache : 64;
		for (size_t i = 0; i < libs; i++)
			map_file(&g, root, g.cache[i]);
		alloc_heap(&g, root, kind == WL_SERVER ? p->heap_pages : 64);
		break;
	case WL_PAGECACHE:
		cache_init(&g, cache_orders, 8);
		for (unsigned int i = 0; i < p->procs; i++)
			proc_new(&g);
		break;
	default:
		break;
	}

	while (g.written < p->records && !g.error) {
		switch (kind) {
		case WL_SERVER:
			server_step(&g, root);
			break;
		case WL_SHELL:
			shell_step(&g, root);
			break;
		case WL_PAGECACHE:
			pagecache_step(&g);
			break;
		default:
			mthp_step(&g);
		}
		maybe_checkpoint(&g);
	}

	for (size_t i = 0; i < g.nprocs; i++) {
		free(g.procs[i].regions);
		free(g.procs[i].cmaps);
	}
	for (unsigned int o = 0; o <= MC_MAX_ORDER; o++)
		free(g.free_pfns[o]);
	free(g.procs);
	free(g.folios);
	free(g.free_folios);
	free(g.cache);
	return g.error ? -1 : 0;
}
