/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Source A's plan: which rmap functions to probe on the running kernel and
 * with which fetch arguments, chosen by the names present in kallsyms (never
 * by version number) with offsets and parameter positions from BTF
 * (recorder-sources.md §2).
 */
#ifndef MAPCOUNT_KPROBE_PLAN_H
#define MAPCOUNT_KPROBE_PLAN_H

#include <stddef.h>

#include "recorder/btf.h"

enum kp_op {
	KP_ADD_ANON, /* folio/page, nr, vma, address */
	KP_ADD_ANON_PMD,
	KP_ADD_NEW_ANON, /* folio, vma, address: all pages, PMD if PMD order */
	KP_ADD_FILE, /* folio/page, nr, vma (no address) */
	KP_ADD_FILE_PMD,
	KP_ADD_FILE_PUD,
	KP_REMOVE, /* folio/page, nr, vma (no address) */
	KP_REMOVE_PMD,
	KP_REMOVE_PUD,
	KP_FORK, /* copy_page_range(dst_vma, src_vma) */
	KP_SPLIT_PMD, /* __split_huge_pmd(vma, pmd, address, ...) */
};

#define KP_MAX_PROBES 16

/* Where each probe field lands in rec_event.a[]: the fork probe has its own. */
enum kp_slot {
	KS_FOLIO,
	KS_FLAGS,
	KS_ORDER,
	KS_INDEX,
	KS_PAGE,
	KS_NR,
	KS_MM,
	KS_VSTART,
	KS_PGOFF,
	KS_ADDR,
	KS_VMEMMAP,
	KS_COMPOUND,
	KS_MAX,
	KS_DST_MM = 0,
	KS_SRC_MM,
	KS_START,
	KS_END,
	KS_VMFLAGS,
	KS_ANON_VMA,
};
/* "?name": the probe may lack it (then the slot reads UINT64_MAX) */
extern const char *const kp_slot_fields[KS_MAX];
extern const char *const kp_fork_fields[KS_MAX];

struct kp_probe {
	char event[32]; /* event name in the group mapcount_<pid> */
	char func[64]; /* kernel symbol */
	char fetch[512]; /* fetch arguments, e.g. "folio=$arg1:x64 ..." */
	enum kp_op op;
};

struct kp_plan {
	const char *generation; /* which hook table matched */
	int nprobes;
	struct kp_probe probes[KP_MAX_PROBES];
	/* offsets the fetch arguments use, for the record */
	long vm_start, vm_end, vm_mm, vm_flags, vm_pgoff, anon_vma;
	long folio_flags, folio_index, folio_order;
	long long pg_head; /* bit of PG_head in folio->flags */
	long long pg_swapbacked; /* bit of PG_swapbacked: shmem among non-anon folios */
	long page_size; /* sizeof(struct page): PFN = (page - vmemmap_base) / it */
};

/*
 * Build the plan from a kallsyms file and a BTF (which may be NULL: then the
 * documented parameter positions and the 6.18 offsets would be guesses, so
 * the plan is refused). 0, or -1 with the reason in why.
 */
int kp_plan_build(const char *kallsyms, const struct btf *btf, struct kp_plan *plan, char *why,
		  size_t whylen);

#endif
