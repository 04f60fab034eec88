// SPDX-License-Identifier: GPL-2.0
/*
 * Trace codec benchmark: a synthetic stream shaped like a fork-heavy
 * workload (a build, a shell script): processes fork, fault runs of
 * neighbouring pages in (new anon folios from an ascending allocator, shared
 * file folios), unmap ranges, exec and exit; written and read back on one
 * core.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/trace-bench.h"
#include "lib/trace-columns.h"
#include "lib/trace.h"

#define BENCH_MMS 64
#define BENCH_FILE_FOLIOS 4096

struct bench_mm {
	uint32_t id;
	uint64_t vpn;		/* where the next fault lands */
	uint64_t mapped_from;	/* start of the range faulted since the last unmap */
};

struct bench_state {
	uint64_t rng;
	uint64_t next_pfn;
	uint64_t file_pfn[BENCH_FILE_FOLIOS];
	uint32_t next_mm;
	struct bench_mm mm[BENCH_MMS];
	struct bench_mm *cur;
	unsigned int burst;	/* records left in the current mm's burst */
	unsigned int file_cursor;
	uint64_t pending_pfn;	/* a new folio declared, to be mapped next */
	unsigned int pending_order;
};

static uint32_t bench_rand(struct bench_state *b)
{
	b->rng = b->rng * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(b->rng >> 33);
}

static void bench_init(struct bench_state *b)
{
	memset(b, 0, sizeof(*b));
	b->rng = 42;
	b->next_pfn = 0x100000;
	for (unsigned int i = 0; i < BENCH_FILE_FOLIOS; i++)
		b->file_pfn[i] = 0x4000000 + i * 16 + bench_rand(b) % 4;
	for (unsigned int i = 0; i < BENCH_MMS; i++)
		b->mm[i] = (struct bench_mm){ .id = ++b->next_mm, .vpn = 0x7f0000000ull,
					      .mapped_from = 0x7f0000000ull };
	b->cur = &b->mm[0];
}

static void bench_map(struct bench_state *b, struct mc_record *rec, uint64_t pfn,
		      unsigned int order, unsigned int lf)
{
	uint64_t nr = 1ull << order;

	rec->type = MC_REC_MAP;
	rec->u.map = (struct mc_rec_map){ .mm = b->cur->id, .vpn = b->cur->vpn, .pfn = pfn,
					  .nr = nr, .lf = lf | (order == 9 ? MC_LF_PMD : 0) };
	b->cur->vpn += nr;
}

/* One record of the stream. */
static void bench_record(struct bench_state *b, struct mc_record *rec)
{
	uint32_t r;

	if (b->pending_pfn) {
		/* the new anon folio declared just before: its first map */
		bench_map(b, rec, b->pending_pfn, b->pending_order,
			  MC_LF_NEW_ANON | MC_LF_EXCLUSIVE);
		b->pending_pfn = 0;
		return;
	}
	if (!b->burst--) {
		b->cur = &b->mm[bench_rand(b) % BENCH_MMS];
		b->burst = 8 + bench_rand(b) % 64;
		rec->type = MC_REC_TIME;
		rec->u.time.dt = 1000 + bench_rand(b) % 100000;
		return;
	}
	r = bench_rand(b) % 100;
	if (r < 30) {
		/* anon fault: a new folio (mostly small, some mTHP and THP) */
		static const uint8_t orders[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 4, 4, 4, 9 };
		unsigned int order = orders[bench_rand(b) % 16];

		b->next_pfn = (b->next_pfn + (1ull << order) - 1) & ~((1ull << order) - 1);
		b->pending_pfn = b->next_pfn;
		b->pending_order = order;
		b->next_pfn += 1ull << order;
		b->cur->vpn = (b->cur->vpn + (1ull << order) - 1) & ~((1ull << order) - 1);
		rec->type = MC_REC_FOLIO;
		rec->u.folio = (struct mc_rec_folio){ .pfn = b->pending_pfn, .order = order };
	} else if (r < 65) {
		/* file fault: shared library or page cache pages, in order */
		b->file_cursor = bench_rand(b) % 8 ? b->file_cursor + 1 : bench_rand(b);
		bench_map(b, rec, b->file_pfn[b->file_cursor % BENCH_FILE_FOLIOS], 0, 0);
	} else if (r < 90) {
		/* munmap of what was faulted, one page at a time */
		rec->type = MC_REC_UNMAP;
		rec->u.unmap = (struct mc_rec_unmap){ .mm = b->cur->id,
						      .vpn = b->cur->mapped_from,
						      .pfn = b->next_pfn - 1 - bench_rand(b) % 64,
						      .nr = 1 };
		b->cur->mapped_from++;
	} else if (r < 95) {
		struct bench_mm *child = &b->mm[bench_rand(b) % BENCH_MMS];

		rec->type = MC_REC_FORK;
		rec->u.fork = (struct mc_rec_fork){ .parent = b->cur->id, .child = ++b->next_mm,
						    .flags = MC_FORK_COPY_ALL };
		*child = (struct bench_mm){ .id = b->next_mm, .vpn = b->cur->vpn,
					    .mapped_from = b->cur->mapped_from };
	} else if (r < 97) {
		rec->type = MC_REC_EXEC;
		rec->u.exec = (struct mc_rec_exec){ .mm = b->cur->id, .name = { "", 0 } };
		b->cur->vpn = b->cur->mapped_from = 0x7f0000000ull;
	} else if (r < 99) {
		rec->type = MC_REC_EXIT;
		rec->u.exit.mm = b->cur->id;
		*b->cur = (struct bench_mm){ .id = ++b->next_mm, .vpn = 0x7f0000000ull,
					     .mapped_from = 0x7f0000000ull };
	} else {
		rec->type = MC_REC_FREE;
		rec->u.free.pfn = b->next_pfn - 1 - bench_rand(b) % 256;
	}
}

static double now_cpu(void);

/*
 * The record decoder alone: the first records of the stream encoded into
 * column frames in memory, then decoded, without zstd in the way.
 */
static double bench_decode_only(unsigned long long n)
{
	static struct bench_state b;
	static struct mc_record recs[MC_COLS_BATCH];
	const size_t frame = 256u << 10, cap = 64u << 20;
	struct mc_cols_writer cw;
	struct mc_record rec;
	unsigned long long got = 0;
	size_t len = 0, *ends, nr_frames = 0;
	uint8_t *buf = malloc(cap);
	double t0, t;

	ends = calloc(cap / frame + 2, sizeof(*ends));
	if (!buf || !ends) {
		free(buf);
		free(ends);
		return 0;
	}
	bench_init(&b);
	mc_cols_writer_init(&cw);
	for (unsigned long long i = 0; i <= n; i++) {
		size_t bytes = mc_cols_column_bytes(&cw);

		if (bytes >= frame || (i == n && bytes)) {
			if (len + mc_cols_frame_size(&cw) + MC_COLS_SLACK > cap)
				break;
			len += mc_cols_frame(&cw, buf + len);
			memset(buf + len, 0, MC_COLS_SLACK);
			ends[nr_frames++] = len;
			len += MC_COLS_SLACK;
			mc_cols_writer_reset(&cw);
		}
		if (i == n)
			break;
		memset(&rec, 0, sizeof(rec));
		bench_record(&b, &rec);
		mc_cols_put(&cw, &rec);
	}
	mc_cols_writer_free(&cw);
	t0 = now_cpu();
	for (size_t f = 0, start = 0; f < nr_frames; start = ends[f++] + MC_COLS_SLACK) {
		struct mc_cols_reader c;
		uint64_t time = 0;
		const char *why;
		int k;

		if (mc_cols_open(&c, buf + start, ends[f] - start, &why))
			break;
		while ((k = mc_cols_read(&c, recs, MC_COLS_BATCH, &time, &why)) > 0)
			got += (unsigned long long)k;
	}
	t = now_cpu() - t0;
	free(buf);
	free(ends);
	return got / t / 1e6;
}

static double now_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int mc_trace_bench(unsigned long long n, const char *path)
{
	static struct bench_state b;
	struct mc_rec_header hdr;
	struct mc_writer *w;
	struct mc_reader *r;
	struct mc_record rec;
	static struct mc_record batch[MC_COLS_BATCH];
	unsigned long long got = 0;
	double t0, t_gen, t_enc, t_dec;
	uint64_t bytes;
	char err[512];
	int ret;

	bench_init(&b);
	/* the generator alone, to take it out of the encode figure */
	t0 = now_cpu();
	for (unsigned long long i = 0; i < n; i++)
		bench_record(&b, &rec);
	t_gen = now_cpu() - t0;
	__asm__ volatile("" : : "r"(&rec) : "memory");

	bench_init(&b);
	mc_header_init(&hdr, "bench");
	w = mc_writer_open(path, &hdr, MC_W_FORCE, err, sizeof(err));
	if (!w) {
		fprintf(stderr, "mapcount: %s\n", err);
		return 1;
	}
	/* knobs for tuning the defaults: MAPCOUNT_BENCH_LEVEL, MAPCOUNT_BENCH_FRAME */
	if (getenv("MAPCOUNT_BENCH_LEVEL"))
		mc_writer_set_level(w, atoi(getenv("MAPCOUNT_BENCH_LEVEL")));
	if (getenv("MAPCOUNT_BENCH_FRAME"))
		mc_writer_set_frame_size(w, strtoul(getenv("MAPCOUNT_BENCH_FRAME"), NULL, 0));
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
	while ((ret = mc_reader_read(r, batch, MC_COLS_BATCH)) > 0)
		got += (unsigned long long)ret;
	t_dec = now_cpu() - t0;
	if (ret < 0)
		fprintf(stderr, "mapcount: %s\n", mc_reader_error(r));
	mc_reader_close(r);
	printf("trace: %llu records (%llu read back), %llu bytes, %.2f bytes/record\n", n, got,
	       (unsigned long long)bytes, (double)bytes / (double)n);
	printf("trace: encode %.1f M records/s, decode %.1f M records/s (one core, CPU time)\n",
	       n / t_enc / 1e6, got / t_dec / 1e6);
	printf("trace: records alone (no zstd, in memory): decode %.1f M records/s\n",
	       bench_decode_only(n < 5000000 ? n : 5000000));
	return ret < 0 || got != n;
}
