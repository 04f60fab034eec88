/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Synthetic workloads: deterministic streams of rmap records that model what
 * real programs do to the rmap (forking servers, fork+exec storms, page-cache
 * readers, mTHP-heavy allocators), for traces larger than a 2-core machine
 * can record live. Every stream is consistent: a replay finds no
 * inconsistencies in it.
 */
#ifndef MAPCOUNT_LIB_WORKLOAD_H
#define MAPCOUNT_LIB_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "lib/trace.h"

struct mc_workload_params {
	const char *name; /* server, shell, pagecache, mthp */
	uint64_t records; /* stop after about this many records */
	uint64_t seed;
	unsigned int procs; /* processes alive at once */
	unsigned int heap_pages; /* per process anon memory, pages */
	unsigned int thp_percent; /* share of anon memory in PMD THPs */
	unsigned int cow_percent; /* share of a child's heap it writes */
	unsigned int file_pages; /* page cache the processes share */
	unsigned int requests; /* server: requests a worker serves before it exits */
	unsigned int checkpoints; /* checkpoint records spread over the stream */
};

/* One line per workload: "NAME<TAB>description". */
extern const char *const mc_workload_help[];

/* Defaults for NAME; returns -1 if there is no such workload. */
int mc_workload_defaults(const char *name, struct mc_workload_params *p);
/* Set "key=value" (procs, heap, thp, cow, file, requests, checkpoints, seed, records). */
int mc_workload_set(struct mc_workload_params *p, const char *kv, char *err, size_t errlen);
/* The header a workload trace carries. */
void mc_workload_header(const struct mc_workload_params *p, struct mc_rec_header *hdr);
/* Write the stream. Returns 0, or -1 with a message in err. */
int mc_workload_generate(const struct mc_workload_params *p, struct mc_writer *w, char *err,
			 size_t errlen);

#endif
