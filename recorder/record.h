/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mapcount record: shared state of the recorder. One thread runs the loop:
 * tracing.c reads the ring buffers into normalised events, source-pagemap.c
 * turns them into rmap records by diffing pagemap rescans against a shadow
 * (shadow.c, folio.c), truth.c stores the kernel's own figures at
 * checkpoints, emit.c writes records. See shared/spec/recorder-sources.md.
 */
#ifndef MAPCOUNT_RECORD_H
#define MAPCOUNT_RECORD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "lib/trace.h"
#include "recorder/u64map.h"

#define PAGE_SHIFT_4K 12
#define WIN_SHIFT 21 /* one PMD: 2 MiB */
#define WIN_PAGES 512
#define PMD_ORDER 9
#define MAX_VA ((1ull << 47) - 4096) /* x86-64 TASK_SIZE_MAX (4-level) */
#define LVL_PTE 0
#define LVL_PMD 1

enum rec_source { SRC_AUTO, SRC_PAGEMAP, SRC_KPROBE };
enum rec_mode { MODE_ALL, MODE_PID, MODE_CGROUP, MODE_COMMAND };

/* ---- events, as tracing.c hands them over ---- */
enum ev_type {
	EV_FAULT, /* a[0] address */
	EV_RSS, /* a[0] mm_id, a[1] curr, a[2] member, a[3] size (bytes) */
	EV_NEWTASK, /* a[0] new pid, a[1] clone_flags, str comm */
	EV_EXEC, /* a[0] pid, a[1] old_pid, str basename of the file */
	EV_EXIT, /* a[0] pid, a[1] group_dead (UINT64_MAX: the kernel does not say) */
	EV_SIGNAL, /* a[0] signal delivered to pid, a[1] its si_code */
	EV_SYS_ENTER, /* sys = enum sysc, a[0..5] arguments */
	EV_SYS_EXIT, /* sys = enum sysc, a[0] return value */
	EV_MM_LOCK, /* a[0] mm pointer (write lock taken by pid) */
	EV_COLLAPSE, /* a[0] mm pointer: khugepaged collapsed something */
	EV_REMOTE, /* migration, ksm, ...: something changed somewhere */
	EV_LOST, /* a[0] count (0 unknown), cpu */
};

enum sysc {
	SYS_MUNMAP,
	SYS_MREMAP,
	SYS_MADVISE,
	SYS_MPROTECT,
	SYS_PKEY_MPROTECT,
	SYS_BRK,
	SYS_MMAP,
	SYS_MLOCK,
	SYS_MLOCK2,
	SYS_MLOCKALL,
	SYS_SHMDT,
	SYS_REMAP_FILE_PAGES,
	SYS_MBIND,
	SYS_PROCESS_MADVISE,
	SYS_MOVE_PAGES,
	SYS_MIGRATE_PAGES,
	SYS_NR
};

struct rec_event {
	uint64_t ts;
	uint64_t a[12];
	int32_t pid; /* common_pid: the thread */
	uint16_t type;
	uint16_t sys;
	uint16_t cpu;
	char str[16];
};

/* ---- tracing.c ---- */
struct tracing;
struct tracing_opts {
	enum rec_mode mode;
	const pid_t *pids; /* MODE_PID / MODE_COMMAND: event pid filter */
	int npids;
	size_t buffer_kb;
};
/* Removes mapcount_<pid> instances whose recorder is dead; returns how many. */
int tracing_sweep_stale(void);
/* NULL with a one-line message in err. */
struct tracing *tracing_open(const struct tracing_opts *o, char *err, size_t errlen);
int tracing_start(struct tracing *t);
/* Read what the per-CPU buffers hold; events are appended, sorted by ts. */
int tracing_read(struct tracing *t, struct rec_event **evs, size_t *n, size_t *cap);
/* Stop tracing, then read everything left, partly filled pages included. */
int tracing_drain(struct tracing *t, struct rec_event **evs, size_t *n, size_t *cap);
/* Bytes of raw ring-buffer data read so far (for the raw-ftrace comparison). */
uint64_t tracing_raw_bytes(const struct tracing *t);
void events_sort(struct rec_event *evs, size_t n); /* by time, then CPU */
uint64_t tracing_overruns(const struct tracing *t);
void tracing_close(struct tracing *t);
struct kp_plan;

const char *sysc_name(enum sysc s);

/* ---- folio.c: folios from /proc/kpageflags ---- */
enum folio_kind { FK_ANON = 0, FK_FILE = 1, FK_SHMEM = 2, FK_KSM = 16 };
struct folio {
	uint64_t head;
	uint32_t mapped; /* pages of it mapped in tracked shadows */
	uint8_t order;
	uint8_t kind;
	bool announced; /* FOLIO record written */
	bool fresh; /* not yet mapped by anyone we track: its first map is "new" */
};
int folios_open(char *err, size_t errlen);
void folios_close(void);
/* The folio holding pfn, read from kpageflags if not cached (or verify is set);
 * NULL when the page is not modelled (zero page, hugetlb, not an rmap page). */
struct folio *folio_of(uint64_t pfn, bool verify);
/* The cached folio holding pfn, or NULL. */
struct folio *folio_cached(uint64_t pfn);
void folio_forget_unmapped(void);
void folio_reset_counts(void);
/* Source A: a folio as a probe described it (SPLIT if it shrank while mapped). */
struct folio *folio_note(uint64_t head, unsigned order, unsigned kind, bool fresh);
/* While on, folio_of() believes the cache instead of re-reading kpageflags. */
void folio_trust_cache(bool on);
/* kpageflags blocks read since the last call are considered stale. */
void folio_new_pass(void);
/* Read kpageflags once for the PFNs a window is about to map. */
void folio_prefetch(const uint64_t *pfns, size_t n);
size_t folio_count(void);
/* Re-read kpageflags for every cached large folio; SPLIT records for splits. */
void folio_check_splits(void);
int kpagecount_read(uint64_t pfn, size_t n, uint64_t *out);

/* ---- mm and process table (procs.c) ---- */
struct swin { /* 2 MiB of one mm's address space */
	uint64_t idx; /* va >> WIN_SHIFT */
	uint16_t count; /* present entries */
	bool pmd; /* one PMD maps pfn[0..511] (consecutive) */
	uint64_t pfn[WIN_PAGES]; /* 0 = nothing mapped */
};

struct mm {
	uint32_t id; /* trace mm id */
	int users; /* processes using it (vfork children share) */
	pid_t pid;
	uint32_t flags;
	struct u64map wins; /* idx -> struct swin * */
	uint64_t pages[3]; /* mapped pages by kind: anon, file, shmem */
	uint64_t mm_ptr; /* kernel mm_struct pointer, if learnt */
	uint32_t mm_id; /* rss_stat hash, if learnt */
	int64_t kern_rss[4]; /* last rss_stat sizes in pages, -1 unknown */
	uint64_t rss_checked_at; /* ts of the last mismatch-driven rescan */
	int64_t rss_mismatch; /* mismatch left after that rescan */
	uint64_t rss_seen; /* when the current mismatch was first seen, 0 none */
	int64_t rss_seen_diff;
	char name[40];
};

struct range {
	uint64_t start, end;
};

struct fault_check {
	uint64_t addr;
	uint64_t ts; /* when the fault began */
	bool retry; /* its window is read again this round */
};

struct proc {
	pid_t pid; /* tgid */
	struct mm *mm;
	int pagemap_fd; /* -1 until opened */
	bool exited;
	bool full_rescan; /* whole address space to reconcile */
	int rescan_reason; /* RESYNC reason of that rescan, -1 for a first scan */
	bool stop_pending; /* SIGSTOP delivered: quiet checkpoint when stopped */
	uint64_t stop_since;
	pid_t parent;
	char comm[16];
	struct range *dirty; /* ranges to reconcile */
	size_t ndirty, dirty_cap;
	uint64_t brk; /* last brk seen, 0 unknown */
	/* faults whose page must be present after the reconcile; a fault still
	 * in flight when its window was read is looked at again next round */
	struct fault_check *faults;
	size_t nfaults, faults_cap;
};

struct procs {
	struct u64map by_pid; /* tgid -> struct proc * */
	struct u64map tid2tgid; /* thread -> tgid (only threads != tgid) */
	struct u64map by_mmid; /* rss_stat mm_id -> struct mm * */
	struct u64map by_mmptr; /* mm pointer -> struct mm * */
	struct u64map mms; /* trace mm id -> struct mm *, every live mm */
	uint32_t next_mm_id;
};

/* ---- the recorder as a whole ---- */
struct recorder {
	/* options */
	const char *out;
	bool force;
	enum rec_mode mode;
	pid_t *pids;
	int npids;
	const char *cgroup;
	char **command;
	double duration;
	enum rec_source source;
	unsigned ckpt_interval_ms;
	bool ckpt_freeze;
	size_t buffer_kb;
	unsigned rescan_interval_ms;
	bool verbose;
	bool print_kprobes;

	/* state */
	struct mc_writer *w;
	struct tracing *tr;
	struct procs procs;
	pid_t self;
	pid_t child; /* -- COMMAND: the command's pid */
	uint64_t now; /* trace time of what is being emitted (mono ns) */
	uint64_t start_ns; /* mono time of the trace's time 0 */
	uint64_t last_flush, last_ckpt, last_rescan, last_split_check;
	uint64_t split_stat; /* vmstat thp_split_page + thp_deferred_split_page */
	unsigned nckpt;
	struct mm *outside; /* pseudo-mm for mappers outside the recording */
	const struct kp_plan *kp; /* Source A */
	uint64_t vmemmap_base; /* struct page array: PFN = (page - base) / size */
	struct u64map pending; /* thread -> struct rec_event * of its open syscall */
	uint64_t freeze_start, freeze_end; /* our own SIGSTOPs, not the workload's */
	struct u64map outside_maps; /* pfn -> extra mappers already emitted */
	bool adopt_pending; /* forks may have been lost: look for new processes */

	/* statistics */
	uint64_t events, lost_events, rmap_records, repaired, scans, windows;
	uint64_t selfcheck_worst_rss, selfcheck_worst_pss, selfcheck_worst_uss;
};

extern struct recorder *g_rec;
extern volatile int g_stop;

/* emit.c */
int emit(const struct mc_record *rec);
void emit_mm(struct mm *mm);
void emit_map(struct mm *mm, uint64_t vpn, struct folio *f, uint64_t pfn, uint32_t nr,
	      unsigned level, unsigned conf, unsigned flags);
void emit_unmap(struct mm *mm, uint64_t vpn, struct folio *f, uint32_t nr, unsigned level,
		unsigned conf);
void emit_remap(struct mm *mm, uint64_t vpn, struct folio *f, unsigned conf);
void emit_folio(struct folio *f);
void emit_split(uint64_t head, unsigned order);
void emit_fork(struct mm *parent, struct mm *child, unsigned flags);
void emit_dup(struct mm *child, struct mm *parent, uint64_t vpn, uint64_t nr, unsigned conf);
void emit_exec(struct mm *mm);
void emit_exit(struct mm *mm);
void emit_lost(uint64_t count, unsigned cpu);
void emit_resync(struct mm *mm, uint64_t repaired, unsigned reason);
const char *emit_error(void);
void emit_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* procs.c */
struct mm *mm_new(pid_t pid, const char *comm, uint32_t flags);
void mm_put(struct mm *mm);
struct proc *proc_get(pid_t tgid);
struct proc *proc_add(pid_t tgid, pid_t parent, struct mm *mm, const char *comm);
void proc_remove(struct proc *p);
pid_t tid_to_tgid(pid_t tid);
/* The process whose pagemap shows p's mm (a vfork child's parent). */
struct proc *proc_mm_owner(struct proc *p);
void proc_mark_dirty(struct proc *p, uint64_t start, uint64_t end);
void proc_mark_fault(struct proc *p, uint64_t addr, uint64_t ts);
int proc_pagemap_fd(struct proc *p);
struct proc *proc_quiet_ready(struct recorder *r, char *label, size_t len);
void proc_quiet_resume(struct proc *p);
void proc_read_comm(pid_t pid, char *comm, size_t len);
void mm_set_name(struct mm *mm, pid_t pid, const char *comm);
bool proc_is_tracked_cgroup(pid_t pid);

/* shadow.c */
struct swin *shadow_win(struct mm *mm, uint64_t idx, bool create);
/* Remove every mapping of mm in [start, end) with UNMAP records (conf). */
void shadow_unmap_range(struct mm *mm, uint64_t start, uint64_t end, unsigned conf);
/* Move [old, old+len) to new (mremap): MAP at new, then UNMAP at old. */
void shadow_move(struct mm *mm, uint64_t old, uint64_t len, uint64_t new);
/* Emit unmaps of everything (exec/exit are implied by the record). */
void shadow_clear(struct mm *mm, bool emit_unmaps);
void shadow_set(struct mm *mm, struct swin *w, unsigned i, uint64_t pfn);
void shadow_windows_sorted(struct mm *mm, struct swin ***out, size_t *n);
uint64_t shadow_pages(const struct mm *mm);
void shadow_unmap_pages(struct mm *mm, struct swin *w, unsigned i0, unsigned i1, unsigned conf);
/* Map pfns[i] at pages i0..i1-1 of w (which must be empty there). */
void shadow_map_pages(struct mm *mm, struct swin *w, unsigned i0, unsigned i1, const uint64_t *pfns,
		      unsigned conf);
void shadow_map_pmd(struct mm *mm, struct swin *w, struct folio *f, unsigned conf);
void shadow_remap(struct mm *mm, struct swin *w, unsigned conf);
void shadow_recount_request(void);
/* Copy the parent's entries of vpns [vs, ve) into child (fork). */
void shadow_dup(struct mm *child, struct mm *parent, uint64_t vs, uint64_t ve);
void shadow_drop_if_empty(struct mm *mm, struct swin *w);
/* Recount folio->mapped from every shadow if a split asked for it. */
void shadow_recount(struct recorder *r, bool force);

/* source-pagemap.c */
void pagemap_handle(struct recorder *r, const struct rec_event *ev, const struct rec_event *batch,
		    size_t nbatch, size_t pos);
/* Reconcile every dirty range; returns entries changed. */
uint64_t pagemap_reconcile_all(struct recorder *r);
/* Full rescan of one process (p) or all (NULL); RESYNC records; returns repaired. */
uint64_t pagemap_rescan(struct recorder *r, struct proc *p, unsigned reason);
int pagemap_scan_process(struct recorder *r, struct proc *p, uint64_t start, uint64_t end,
			 unsigned conf);
void pagemap_check_rss(struct recorder *r);
struct proc *pagemap_track_new(struct recorder *r, pid_t tgid, pid_t parent);

/* truth.c */
int truth_checkpoint(struct recorder *r, const char *label, unsigned flags);
int freeze_tree(struct recorder *r, bool stop);
bool proc_is_stopped(pid_t pid);

/* source-kprobe.c */
/* 1 when kprobe events can be created here, 0 if not (why in reason). */
int kprobe_available(char *reason, size_t len);

/* helpers */
uint64_t mono_ns(void);
int read_file_str(const char *path, char *buf, size_t len);

#endif /* MAPCOUNT_RECORD_H */
