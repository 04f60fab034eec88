/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Source A (recorder-sources.md §2): kprobes on the kernel's rmap functions.
 * kprobe-hooks.c picks the hook table by what /proc/kallsyms holds and
 * writes the fetchargs with offsets from BTF (btf.c); kprobe-source.c
 * creates the events, reads them and turns them into exact records;
 * kprobe-kpage.c stores per-page kernel truth at checkpoints.
 */
#ifndef MAPCOUNT_KPROBE_H
#define MAPCOUNT_KPROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "recorder/record.h"

/* ---- kprobe-hooks.c ---- */
enum khook_id {
	KH_NEW_ANON, /* folio_add_new_anon_rmap / page_add_new_anon_rmap */
	KH_ADD_ANON, /* folio_add_anon_rmap_ptes / page_add_anon_rmap */
	KH_ADD_ANON_PMD, /* folio_add_anon_rmap_pmd */
	KH_ADD_FILE, /* folio_add_file_rmap_ptes / page_add_file_rmap */
	KH_ADD_FILE_PMD, /* folio_add_file_rmap_pmd */
	KH_REMOVE, /* folio_remove_rmap_ptes / page_remove_rmap */
	KH_REMOVE_PMD, /* folio_remove_rmap_pmd */
	KH_SPLIT_PMD, /* __split_huge_pmd (page family: the split is inline) */
	KH_FORK, /* copy_page_range */
	KH_EXIT_MMAP, /* exit_mmap entry */
	KH_EXIT_MMAP_RET,
	KH_MOVE, /* move_page_tables entry (mremap, exec's stack shift) */
	KH_MOVE_RET,
	KH_MM_ACCESS, /* mm_access: binds a task to its mm pointer */
	KH_NR
};

/* Fields every hook may carry, decoded by name from the event format. */
enum kfield {
	KF_FOLIO,
	KF_PAGE,
	KF_NR,
	KF_MM,
	KF_ADDR,
	KF_RFLAGS,
	KF_FLAGS,
	KF_ORDER,
	KF_MAPPING,
	KF_INDEX,
	KF_VSTART,
	KF_VEND,
	KF_PGOFF,
	KF_COMPOUND,
	KF_CHEAD,
	KF_HFLAGS,
	KF_HORDER,
	KF_HMAPPING,
	KF_HINDEX,
	KF_SMM,
	KF_VFLAGS,
	KF_ANON_VMA,
	KF_FREEZE,
	KF_NEW,
	KF_LEN,
	KF_RET,
	KF_PID,
	KF_TGID,
	KF_VMB,
	KF_NR_FIELDS
};

enum khook_family {
	KFAM_FOLIO, /* v6.8+: folio_*_rmap_{ptes,pmd}; the PMD split's adds are visible */
	KFAM_PAGE, /* v5.19-v6.1: page_*_rmap; the PMD split is inline */
};

struct khook {
	const char *event; /* event name in the group */
	const char *symbol; /* kernel function */
	bool ret; /* return probe */
	char fmt[640]; /* fetchargs */
};

struct kplan {
	enum khook_family family;
	struct khook hook[KH_NR]; /* symbol NULL: not hooked on this kernel */
	unsigned page_size; /* sizeof(struct page) */
	unsigned pg_head, pg_swapbacked; /* enum pageflags bits */
	uint64_t vmemmap_default;
};

/* Fill plan from kallsyms and BTF; -1 with a one-line reason in err. */
int kplan_make(struct kplan *plan, char *err, size_t errlen);
const char *kfield_name(enum kfield f);

/* ---- kprobe-source.c ---- */
/* Set up the dynamic events and the instance mapcount_<pid>; -1 + err. */
int kprobe_open(struct recorder *r, size_t buffer_kb, char *err, size_t errlen);
int kprobe_start(void);
/* The recording loop of Source A (record_loop's counterpart). */
int kprobe_loop(struct recorder *r, uint64_t start);
/* Bytes of ring-buffer records read so far. */
uint64_t kprobe_raw_bytes(void);
/* Disable and destroy the events and the instance; safe to call twice. */
void kprobe_close(void);

/* ---- kprobe-kpage.c ---- */
/* KPAGE records for every page the tracked shadows map; returns pages whose
 * pagemap PFN differs from the shadow. */
uint64_t kpage_emit_all(struct recorder *r);

#endif /* MAPCOUNT_KPROBE_H */
