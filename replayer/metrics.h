/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Checkpoint metrics: every model asked the kernel's questions about every
 * live folio and, through an smaps-style walk of the shadow page tables,
 * about every live mm; answers compared with the oracle's (model 0).
 */
#ifndef MAPCOUNT_METRICS_H
#define MAPCOUNT_METRICS_H

#include "replayer/replay.h"

/* M(ENUM, "name", "what it counts"): interfaces.md section 3, then extras. */
/* clang-format off */
#define RP_METRIC_TABLE(M) \
	M(FOLIOS_MAPPED, "folios_mapped", "folios with at least one mapping") \
	M(FOLIO_MAPCOUNT_MISMATCHES, "folio_mapcount_mismatches", \
	  "folios whose folio mapcount differs from the exact number of entries") \
	M(FALSE_SHARED_FOLIOS, "false_shared_folios", \
	  "mapped large folios called shared while one mm maps them") \
	M(FALSE_EXCLUSIVE_FOLIOS, "false_exclusive_folios", \
	  "mapped large folios called exclusive while two or more mms map them") \
	M(PARTIALLY_MAPPED_MISSED, "partially_mapped_missed", \
	  "partially mapped anon large folios not flagged") \
	M(PARTIALLY_MAPPED_FALSE, "partially_mapped_false", \
	  "mapped anon large folios flagged partially mapped that are not") \
	M(PAGE_MAPCOUNT_ERROR, "page_mapcount_error", \
	  "sum over pages of mapped folios of |kpagecount - exact|") \
	M(ANON_MAPPED_PAGES, "anon_mapped_pages", "NR_ANON_MAPPED (AnonPages), pages") \
	M(FILE_MAPPED_PAGES, "file_mapped_pages", "NR_FILE_MAPPED (Mapped), pages") \
	M(ATOMIC_OPS, "atomic_ops", "atomic RMW operations on accounting state so far") \
	M(CACHELINES_TOUCHED, "cachelines_touched", "struct-page cache lines touched so far") \
	M(METADATA_BYTES, "metadata_bytes", "bytes of accounting state for the live folios") \
	M(OVERFLOWS, "overflows", "counter wraps so far") \
	M(INCONSISTENCIES, "inconsistencies", "trace records that contradicted the replay") \
	M(VIOLATIONS, "violations", "model invariants found broken so far") \
	M(COW_REUSE_WRONG, "cow_reuse_wrong", \
	  "anon entries whose write fault would reuse where the oracle copies") \
	M(COW_COPY_UNNEEDED, "cow_copy_unneeded", \
	  "anon entries whose write fault would copy where the oracle reuses") \
	M(PAGEMAP_EXCLUSIVE_ERRORS, "pagemap_exclusive_errors", \
	  "mapped pages whose pagemap PM_MMAP_EXCLUSIVE bit differs from the oracle's") \
	M(ANON_THP_PAGES, "anon_thp_pages", "NR_ANON_THPS (AnonHugePages), pages") \
	M(SHMEM_PMD_MAPPED_PAGES, "shmem_pmd_mapped_pages", "NR_SHMEM_PMDMAPPED, pages") \
	M(FILE_PMD_MAPPED_PAGES, "file_pmd_mapped_pages", "NR_FILE_PMDMAPPED, pages") \
	M(THP_DEFERRED_SPLIT_PAGE, "thp_deferred_split_page", "thp_deferred_split_page events") \
	M(DEFERRED_SPLIT_QUEUED, "deferred_split_queued", "folios put on the deferred split queue") \
	M(FOLIOS_LIVE, "folios_live", "live folios (mapped or not)")

enum rp_metric {
#define RP_METRIC_ENUM(E, name, doc) RP_M_##E,
	RP_METRIC_TABLE(RP_METRIC_ENUM)
#undef RP_METRIC_ENUM
	RP_NR_METRICS
};
/* clang-format on */

extern const char *const rp_metric_names[RP_NR_METRICS];

/* One mm's smaps figures under every model, in bytes. */
struct rp_proc {
	uint64_t rss, pss, uss, pss_anon, pss_file, pss_shmem, shared, anon, anon_huge;
	int64_t mapmax;	/* numa_maps mapmax: the largest page mapcount over the mm's entries */
};

struct rp_checkpoint {
	unsigned int nr_models;
	double (*values)[RP_NR_METRICS];	/* [model][metric] */
	uint32_t nr_mms;
	char (*mm_names)[RP_NAME_MAX];		/* [mm] */
	uint32_t *mm_pids;			/* [mm] */
	struct rp_proc *procs;			/* [mm * nr_models + model] */
	uint32_t cap_mms;
	int64_t *pagecount;			/* oracle page mapcounts, scratch */
	size_t cap_pagecount;
};

/* Fill c from the replay's current state. 0, or -1 when out of memory. */
int rp_checkpoint_compute(struct replay *rp, struct rp_checkpoint *c);
void rp_checkpoint_free(struct rp_checkpoint *c);

#endif /* MAPCOUNT_METRICS_H */
