// SPDX-License-Identifier: GPL-2.0
/*
 * A consistent, fork/map/unmap/exit-heavy synthetic trace for the replay
 * benchmark (scripts/bench.d/20-replay.sh): processes fault anon folios
 * (mostly small, some 64 KiB mTHPs and PMD THPs), map shared page-cache
 * pages, unmap, fork with their whole address space and exit. Every record
 * agrees with the state, so replay does its full work on every one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replayer/bench-trace.h"
#include "models/model.h"
#include "lib/trace.h"

#define BT_PROCS 48
#define BT_FILE_FOLIOS 20000
/* per process: slot regions by folio order (0, 4, 9) */
static const uint32_t bt_slots[3] = { 1536, 64, 2 };
static const unsigned int bt_order[3] = { 0, 4, 9 };
static const uint64_t bt_region[3] = { 0x10000, 0x40000, 0x80000 };	/* VPN bases */
/* PFN bases per pool: order 0 anon, order 4, order 9, file */
static const uint64_t bt_pfn_base[4] = { 0x100000, 0x4000000, 0x8000000, 0x10000 };

struct bt_pool {	/* folio ids of one kind, a free stack, mapping counts */
	uint32_t *free;
	uint32_t nr_free, next, cap;
	uint32_t *maps;
};

struct bt_proc {
	uint32_t tid;	/* 0: no process here */
	uint32_t cursor[3];	/* where this process faults and unmaps next */
	uint32_t *slot[3];	/* folio id + 1 mapped at each slot, 0 = free */
	uint32_t used[3];
};

struct bench {
	uint64_t rng;
	struct mc_writer *w;
	struct bt_pool pool[4];	/* 0, 1, 2: anon by region; 3: file order 0 */
	struct bt_proc proc[BT_PROCS];
	uint32_t next_tid;
	uint64_t rmap;	/* rmap records written */
	int err;
};

static uint32_t bt_rand(struct bench *b)
{
	b->rng = b->rng * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(b->rng >> 33);
}

static void bt_put(struct bench *b, const struct mc_record *r)
{
	if (!b->err && mc_writer_put(b->w, r))
		b->err = 1;
	if (r->type >= MC_REC_MAP && r->type <= MC_REC_FREE)
		b->rmap++;
}

static uint64_t bt_pfn(unsigned int pool, uint32_t id)
{
	return bt_pfn_base[pool] + ((uint64_t)id << (pool < 3 ? bt_order[pool] : 0));
}

static uint32_t bt_alloc(struct bench *b, unsigned int pool)
{
	struct bt_pool *p = &b->pool[pool];

	if (p->nr_free)
		return p->free[--p->nr_free];
	return p->next < p->cap ? p->next++ : UINT32_MAX;
}

static void bt_unmap_slot(struct bench *b, struct bt_proc *pr, unsigned int r, uint32_t k)
{
	uint32_t id = pr->slot[r][k] - 1;
	unsigned int pool = pr->slot[r][k] & 0x80000000u ? 3 : r;
	struct mc_record rec = { .type = MC_REC_UNMAP };

	id &= 0x7fffffff;
	rec.u.unmap = (struct mc_rec_unmap){
		.mm = pr->tid,
		.vpn = bt_region[r] + ((uint64_t)k << bt_order[r]),
		.pfn = bt_pfn(pool, id),
		.nr = 1u << bt_order[r],
		.lf = r == 2 ? MC_LF_PMD : MC_LF_PTE,
	};
	bt_put(b, &rec);
	pr->slot[r][k] = 0;
	pr->used[r]--;
	if (--b->pool[pool].maps[id] == 0 && pool < 3) {
		/* the last unmap of an anon folio frees it */
		rec.type = MC_REC_FREE;
		rec.u.free.pfn = bt_pfn(pool, id);
		bt_put(b, &rec);
		b->pool[pool].free[b->pool[pool].nr_free++] = id;
	}
}

static void bt_exit(struct bench *b, struct bt_proc *pr)
{
	struct mc_record rec = { .type = MC_REC_EXIT };

	rec.u.exit.mm = pr->tid;
	bt_put(b, &rec);
	/* the replayer zaps in address order; mirror the bookkeeping only */
	for (unsigned int r = 0; r < 3; r++)
		for (uint32_t k = 0; k < bt_slots[r]; k++) {
			uint32_t v = pr->slot[r][k];
			unsigned int pool = v & 0x80000000u ? 3 : r;
			uint32_t id = (v - 1) & 0x7fffffff;

			if (!v)
				continue;
			pr->slot[r][k] = 0;
			if (--b->pool[pool].maps[id] == 0 && pool < 3) {
				rec.type = MC_REC_FREE;
				rec.u.free.pfn = bt_pfn(pool, id);
				bt_put(b, &rec);
				b->pool[pool].free[b->pool[pool].nr_free++] = id;
			}
		}
	memset(pr->used, 0, sizeof(pr->used));
	pr->tid = 0;
}

static void bt_fork(struct bench *b, struct bt_proc *parent, struct bt_proc *child)
{
	struct mc_record rec = { .type = MC_REC_FORK };

	if (child == parent)
		return;
	if (child->tid)
		bt_exit(b, child);
	child->tid = ++b->next_tid;
	rec.u.fork = (struct mc_rec_fork){ .parent = parent->tid, .child = child->tid,
					   .flags = MC_FORK_COPY_ALL };
	bt_put(b, &rec);
	for (unsigned int r = 0; r < 3; r++) {
		for (uint32_t k = 0; k < bt_slots[r]; k++) {
			uint32_t v = parent->slot[r][k];

			child->slot[r][k] = v;
			if (v)
				b->pool[v & 0x80000000u ? 3 : r].maps[(v - 1) & 0x7fffffff]++;
		}
		child->used[r] = parent->used[r];
	}
}

/* Map a new anon folio, or a page-cache page, at a free slot of pr. */
static void bt_map(struct bench *b, struct bt_proc *pr, bool file)
{
	uint32_t x = bt_rand(b) % 100;
	unsigned int r = file ? 0 : x < 88 ? 0 : x < 98 ? 1 : 2;
	unsigned int pool = file ? 3 : r;
	struct mc_record rec = { 0 };
	uint32_t k, id;

	if (pr->used[r] == bt_slots[r])
		return;
	/* fault-around locality: the next free slot after the last fault */
	k = pr->cursor[r];
	while (pr->slot[r][k])
		k = (k + 1) % bt_slots[r];
	pr->cursor[r] = (k + 1) % bt_slots[r];
	if (file) {
		id = bt_rand(b) % BT_FILE_FOLIOS;
	} else {
		id = bt_alloc(b, pool);
		if (id == UINT32_MAX)
			return;
		rec.type = MC_REC_FOLIO;
		rec.u.folio = (struct mc_rec_folio){ .pfn = bt_pfn(pool, id),
						     .order = bt_order[r], .kind = MC_KIND_ANON };
		bt_put(b, &rec);
	}
	rec.type = MC_REC_MAP;
	rec.u.map = (struct mc_rec_map){
		.mm = pr->tid,
		.vpn = bt_region[r] + ((uint64_t)k << bt_order[r]),
		.pfn = bt_pfn(pool, id),
		.first = 0,
		.nr = 1u << bt_order[r],
		.lf = (r == 2 ? MC_LF_PMD : MC_LF_PTE) |
		      (file ? 0 : MC_LF_NEW_ANON | MC_LF_EXCLUSIVE),
	};
	bt_put(b, &rec);
	pr->slot[r][k] = (id + 1) | (file ? 0x80000000u : 0);
	pr->used[r]++;
	b->pool[pool].maps[id]++;
}

static void bt_unmap(struct bench *b, struct bt_proc *pr)
{
	unsigned int r = bt_rand(b) % 16 ? 0 : bt_rand(b) % 8 ? 1 : 2;
	uint32_t k;

	if (!pr->used[r])
		return;
	/* munmap/MADV_DONTNEED of runs: mostly at a moving position, sometimes anywhere */
	k = bt_rand(b) % 8 ? pr->cursor[r] : bt_rand(b) % bt_slots[r];
	while (!pr->slot[r][k])
		k = (k + 1) % bt_slots[r];
	pr->cursor[r] = (k + 1) % bt_slots[r];
	bt_unmap_slot(b, pr, r, k);
}

static int bt_setup(struct bench *b)
{
	static const uint32_t caps[4] = { 1u << 22, 1u << 17, 1u << 12, BT_FILE_FOLIOS };
	struct mc_record rec = { .type = MC_REC_FOLIO };

	for (unsigned int i = 0; i < 4; i++) {
		b->pool[i].cap = caps[i];
		b->pool[i].free = malloc(caps[i] * sizeof(uint32_t));
		b->pool[i].maps = calloc(caps[i], sizeof(uint32_t));
		if (!b->pool[i].free || !b->pool[i].maps)
			return -1;
	}
	for (unsigned int i = 0; i < BT_PROCS; i++)
		for (unsigned int r = 0; r < 3; r++)
			if (!(b->proc[i].slot[r] = calloc(bt_slots[r], sizeof(uint32_t))))
				return -1;
	for (uint32_t i = 0; i < BT_FILE_FOLIOS; i++) {
		rec.u.folio = (struct mc_rec_folio){ .pfn = bt_pfn(3, i), .kind = MC_KIND_FILE };
		bt_put(b, &rec);
	}
	b->proc[0].tid = ++b->next_tid;
	return 0;
}

static void bt_free(struct bench *b)
{
	for (unsigned int i = 0; i < 4; i++) {
		free(b->pool[i].free);
		free(b->pool[i].maps);
	}
	for (unsigned int i = 0; i < BT_PROCS; i++)
		for (unsigned int r = 0; r < 3; r++)
			free(b->proc[i].slot[r]);
}

int rp_bench_trace(uint64_t rmap_records, const char *path)
{
	struct bench b = { .rng = 7 };
	struct mc_rec_header hdr;
	uint64_t records;
	unsigned int cur = 0;
	char err[512];
	int ret = 1;

	mc_header_init(&hdr, "bench");
	b.w = mc_writer_open(path, &hdr, MC_W_FORCE, err, sizeof(err));
	if (!b.w) {
		fprintf(stderr, "mapcount: %s\n", err);
		return 1;
	}
	if (bt_setup(&b))
		goto out;
	while (b.rmap < rmap_records && !b.err) {
		uint32_t x = bt_rand(&b) % 10000;
		struct bt_proc *pr;

		/* a process runs for a while: 15 of 16 records come from the same one */
		if (bt_rand(&b) % 16 == 0)
			cur = bt_rand(&b) % BT_PROCS;
		pr = &b.proc[cur];

		if (!pr->tid) {
			/* an empty place: fork some live process into it */
			for (unsigned int i = 0; i < BT_PROCS; i++)
				if (b.proc[i].tid && x < 100) {
					bt_fork(&b, &b.proc[i], pr);
					break;
				}
			continue;
		}
		/* per 10000: 1 fork and 1 exit (each one walks ~1600 mappings),
		 * 5498 maps (680 of them file pages), 4500 unmaps: address spaces
		 * fill up to their slots and stay near full */
		if (x < 1)
			bt_fork(&b, pr, &b.proc[bt_rand(&b) % BT_PROCS]);
		else if (x < 2 && pr != &b.proc[0])
			bt_exit(&b, pr);
		else if (x < 5500)
			bt_map(&b, pr, x >= 4820);
		else
			bt_unmap(&b, pr);
	}
	ret = b.err;
out:
	records = mc_writer_records(b.w);
	if (mc_writer_close_err(b.w, err, sizeof(err))) {
		fprintf(stderr, "mapcount: %s\n", err);
		ret = 1;
	}
	if (!ret)
		printf("%llu rmap records, %llu records\n", (unsigned long long)b.rmap,
		       (unsigned long long)records);
	bt_free(&b);
	return ret;
}

/*
 * The null model (`replay --models null`, hidden): every operation and query
 * does nothing, so a replay through it measures the replayer alone (decode,
 * shadow, folio table, batching, checkpoints).
 */
static size_t null_size(unsigned int order)
{
	return 8;
}

static void null_folio(struct mc_model_ctx *ctx, const struct mc_folio *f, void *state)
{
}

static void null_apply(struct mc_model_ctx *ctx, const struct mc_folio *f, void *state,
		       const struct mc_op *op)
{
}

static int64_t null_count(const struct mc_model_ctx *ctx, const struct mc_folio *f,
			  const void *state)
{
	return 0;
}

static bool null_bool(const struct mc_model_ctx *ctx, const struct mc_folio *f, const void *state)
{
	return false;
}

static int64_t null_page(const struct mc_model_ctx *ctx, const struct mc_folio *f,
			 const void *state, uint32_t page)
{
	return 0;
}

static bool null_cow(const struct mc_model_ctx *ctx, const struct mc_folio *f, const void *state,
		     uint32_t page, enum mc_level level, const struct mc_query_ctx *q)
{
	return false;
}

static bool null_page_bool(const struct mc_model_ctx *ctx, const struct mc_folio *f,
			   const void *state, uint32_t page)
{
	return false;
}

static bool null_pagemap(const struct mc_model_ctx *ctx, const struct mc_folio *f,
			 const void *state, uint32_t page, enum mc_level level)
{
	return false;
}

static void null_smaps(const struct mc_model_ctx *ctx, const struct mc_folio *f, const void *state,
		       uint32_t first, uint32_t nr, enum mc_level level,
		       const struct mc_query_ctx *q, struct mc_smaps *acc)
{
}

const struct mc_model rp_null_model = {
	.abi_version = MC_MODEL_ABI_VERSION,
	.name = "null",
	.description = "does nothing: measures the replayer alone (benchmarks)",
	.state_size = null_size,
	.init = null_folio,
	.fini = null_folio,
	.metadata_bytes = null_size,
	.apply = null_apply,
	.folio_mapcount = null_count,
	.folio_mapped = null_bool,
	.page_mapcount = null_page,
	.maybe_shared = null_bool,
	.cow_reuse = null_cow,
	.partially_mapped = null_bool,
	.anon_exclusive = null_page_bool,
	.pagemap_exclusive = null_pagemap,
	.smaps_account = null_smaps,
};
