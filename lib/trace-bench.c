// SPDX-License-Identifier: GPL-2.0
/*
 * Trace codec benchmark: a synthetic stream shaped like a fork-heavy
 * workload (processes faulting folios in mostly ascending order, unmapping,
 * forking and exiting), written and read back on one core.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lib/trace-bench.h"
#include "lib/trace.h"

#define BENCH_MMS 64
#define BENCH_FOLIOS 4096

struct bench_state {
	uint64_t rng;
	uint64_t next_pfn;
	uint64_t pfn[BENCH_FOLIOS];
	uint8_t order[BENCH_FOLIOS];
	unsigned int cur, nr_folios;
	uint32_t next_mm;
	uint32_t mm[BENCH_MMS];
};

static uint32_t bench_rand(struct bench_state *b)
{
	b->rng = b->rng * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(b->rng >> 33);
}

static void bench_new_folio(struct bench_state *b, struct mc_record *rec)
{
	static const uint8_t orders[8] = { 0, 0, 0, 0, 2, 4, 4, 9 };
	unsigned int i = b->nr_folios++ % BENCH_FOLIOS;
	uint8_t order = orders[bench_rand(b) % 8];

	b->next_pfn = (b->next_pfn + (1u << order) - 1) & ~((1ull << order) - 1);
	b->pfn[i] = b->next_pfn;
	b->order[i] = order;
	b->next_pfn += 1u << order;
	b->cur = i;
	rec->type = MC_REC_FOLIO;
	rec->u.folio = (struct mc_rec_folio){ .pfn = b->pfn[i], .order = order,
					      .kind = bench_rand(b) % 4 ? MC_KIND_ANON : MC_KIND_FILE };
}

/* One record of the stream: mostly maps and unmaps of nearby folios. */
static void bench_record(struct bench_state *b, struct mc_record *rec)
{
	uint32_t r = bench_rand(b) % 100;
	unsigned int live = b->nr_folios < BENCH_FOLIOS ? b->nr_folios : BENCH_FOLIOS;
	uint32_t slot = bench_rand(b) % BENCH_MMS, mm = b->mm[slot];
	unsigned int f;
	uint64_t nr;

	if (r < 12 || !live) {
		bench_new_folio(b, rec);
		return;
	}
	/* fault-around locality: usually the folio after the last one */
	f = bench_rand(b) % 4 ? (b->cur + 1) % live : bench_rand(b) % live;
	b->cur = f;
	nr = b->order[f] == 9 ? 512 : 1u << b->order[f];
	if (r < 50) {
		rec->type = MC_REC_MAP;
		rec->u.map = (struct mc_rec_map){ .mm = mm, .vpn = 0x7f0000000ull + b->pfn[f],
						  .pfn = b->pfn[f], .nr = nr,
						  .lf = b->order[f] == 9 ? MC_LF_PMD : MC_LF_PTE };
	} else if (r < 86) {
		rec->type = MC_REC_UNMAP;
		rec->u.unmap = (struct mc_rec_unmap){ .mm = mm, .vpn = 0x7f0000000ull + b->pfn[f],
						      .pfn = b->pfn[f], .nr = nr,
						      .lf = b->order[f] == 9 ? MC_LF_PMD : MC_LF_PTE };
	} else if (r < 90) {
		b->mm[slot] = ++b->next_mm;
		rec->type = MC_REC_FORK;
		rec->u.fork = (struct mc_rec_fork){ .parent = b->mm[(slot + 1) % BENCH_MMS],
						    .child = b->mm[slot], .flags = MC_FORK_COPY_ALL };
	} else if (r < 93) {
		rec->type = MC_REC_EXIT;
		rec->u.exit.mm = mm;
	} else if (r < 96) {
		rec->type = MC_REC_FREE;
		rec->u.free.pfn = b->pfn[f];
	} else {
		rec->type = MC_REC_TIME;
		rec->u.time.dt = 1 + bench_rand(b) % 20000;
	}
}

static double now_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int mc_trace_bench(unsigned long long n, const char *path)
{
	struct bench_state b = { .rng = 42, .next_pfn = 0x100000 };
	struct mc_rec_header hdr;
	struct mc_writer *w;
	struct mc_reader *r;
	struct mc_record rec;
	unsigned long long got = 0;
	double t0, t_gen, t_enc, t_dec;
	uint64_t bytes;
	char err[512];
	int ret;

	for (uint32_t i = 0; i < BENCH_MMS; i++)
		b.mm[i] = ++b.next_mm;
	/* the generator alone, to take it out of the encode figure */
	t0 = now_cpu();
	for (unsigned long long i = 0; i < n; i++)
		bench_record(&b, &rec);
	t_gen = now_cpu() - t0;
	__asm__ volatile("" : : "r"(&rec) : "memory");

	memset(&b, 0, sizeof(b));
	b = (struct bench_state){ .rng = 42, .next_pfn = 0x100000 };
	for (uint32_t i = 0; i < BENCH_MMS; i++)
		b.mm[i] = ++b.next_mm;
	mc_header_init(&hdr, "bench");
	w = mc_writer_open(path, &hdr, MC_W_FORCE, err, sizeof(err));
	if (!w) {
		fprintf(stderr, "mapcount: %s\n", err);
		return 1;
	}
	t0 = now_cpu();
	for (unsigned long long i = 0; i < n; i++) {
		memset(&rec, 0, sizeof(rec));
		bench_record(&b, &rec);
		if (mc_writer_put(w, &rec))
			break;
	}
	bytes = mc_writer_bytes(w);
	if (mc_writer_close_err(w, err, sizeof(err))) {
		fprintf(stderr, "mapcount: %s\n", err);
		return 1;
	}
	t_enc = now_cpu() - t0 - t_gen;

	r = mc_reader_open(path, err, sizeof(err));
	if (!r) {
		fprintf(stderr, "mapcount: %s\n", err);
		return 1;
	}
	t0 = now_cpu();
	while ((ret = mc_reader_next(r, &rec)) == 1)
		got++;
	t_dec = now_cpu() - t0;
	if (ret < 0)
		fprintf(stderr, "mapcount: %s\n", mc_reader_error(r));
	mc_reader_close(r);
	printf("trace: %llu records (%llu read back), %llu bytes, %.2f bytes/record\n", n, got,
	       (unsigned long long)bytes, (double)bytes / (double)n);
	printf("trace: encode %.1f M records/s, decode %.1f M records/s (one core, CPU time)\n",
	       n / t_enc / 1e6, got / t_dec / 1e6);
	return ret < 0 || got != n;
}
