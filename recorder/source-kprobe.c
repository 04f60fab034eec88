// SPDX-License-Identifier: GPL-2.0
/*
 * Source A (recorder-sources.md §2): kprobes on the rmap functions. This file
 * holds the feature probe; the hook tables and BTF offsets are in
 * kprobe-plan.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tracefs.h>

#include "recorder/kprobe-plan.h"
#include "recorder/record.h"

int kprobe_available(char *reason, size_t len)
{
	static const char *const targets[] = {"folio_add_new_anon_rmap", "page_add_new_anon_rmap"};
	struct tracefs_dynevent *ev;
	char sys[64];
	int ok = 0;

	if (access("/sys/kernel/tracing/kprobe_events", F_OK) < 0) {
		snprintf(reason, len,
			 "unavailable: this kernel has no kprobe events "
			 "(CONFIG_KPROBE_EVENTS is not set)");
		return 0;
	}
	snprintf(sys, sizeof(sys), "mapcount_%d", getpid());
	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]) && !ok; i++) {
		ev = tracefs_kprobe_alloc(sys, "probe_test", targets[i], NULL);
		if (!ev)
			continue;
		if (tracefs_dynevent_create(ev) == 0) {
			ok = 1;
			tracefs_dynevent_destroy(ev, true);
		} else {
			char *e = tracefs_error_last(NULL);

			snprintf(reason, len, "unavailable: creating a kprobe on %s failed: %s",
				 targets[i], e && *e ? e : strerror(errno));
			free(e);
		}
		tracefs_dynevent_free(ev);
	}
	return ok;
}

/* ---- Source A: probe events to rmap records ---- */

#define VM_PFNMAP_ 0x400ull
#define VM_HUGETLB_ 0x400000ull
#define VM_MIXEDMAP_ 0x10000000ull

static uint64_t pfn_of(const struct recorder *r, const uint64_t *a, uint64_t page)
{
	uint64_t base = a[KS_VMEMMAP] != UINT64_MAX ? a[KS_VMEMMAP] : r->vmemmap_base;

	return (page - base) / (uint64_t)r->kp_page_size;
}

/* The trace mm of a kernel mm pointer, learning it from the task that runs. */
static struct mm *mm_by_ptr(struct recorder *r, uint64_t ptr, pid_t tid)
{
	struct mm *mm = u64map_get(&r->procs.by_mmptr, ptr);
	struct proc *p;

	if (mm)
		return mm;
	p = proc_mm_owner(proc_get(tid_to_tgid(tid)));
	if (!p || p->mm->mm_ptr)
		return NULL; /* someone else's mm (khugepaged, reclaim, ...) */
	p->mm->mm_ptr = ptr;
	u64map_put(&r->procs.by_mmptr, ptr, p->mm);
	return p->mm;
}

static unsigned order_of(const struct recorder *r, const uint64_t *a)
{
	if (a[KS_FLAGS] == UINT64_MAX || r->kp->pg_head < 0 || a[KS_ORDER] == UINT64_MAX)
		return 0;
	return (a[KS_FLAGS] >> r->kp->pg_head) & 1 ? (unsigned)(a[KS_ORDER] & 0xff) : 0;
}

static unsigned file_kind(const struct recorder *r, const uint64_t *a)
{
	if (a[KS_FLAGS] == UINT64_MAX || r->kp->pg_swapbacked < 0)
		return FK_FILE;
	return (a[KS_FLAGS] >> r->kp->pg_swapbacked) & 1 ? FK_SHMEM : FK_FILE;
}

/* Map nr pages from pfn at va in mm, window by window. */
static void map_ptes(struct mm *mm, uint64_t va, uint64_t pfn, uint64_t nr)
{
	uint64_t pfns[WIN_PAGES];

	while (nr) {
		struct swin *w = shadow_win(mm, va >> WIN_SHIFT, true);
		unsigned i0 = (va >> 12) & (WIN_PAGES - 1), i1 = WIN_PAGES;

		if (!w)
			return;
		if (nr < i1 - i0)
			i1 = i0 + (unsigned)nr;
		/* a PMD split shows as PTE adds of the pages the PMD maps */
		if (w->pmd && w->pfn[i0] == pfn) {
			shadow_remap(mm, w, MC_CONF_EXACT);
		} else {
			memset(pfns, 0, sizeof(pfns));
			for (unsigned i = i0; i < i1; i++)
				pfns[i] = pfn + (i - i0);
			shadow_unmap_pages(mm, w, i0, i1, MC_CONF_EXACT); /* stale, if any */
			shadow_map_pages(mm, w, i0, i1, pfns, MC_CONF_EXACT);
		}
		shadow_drop_if_empty(mm, w);
		nr -= i1 - i0;
		va += (uint64_t)(i1 - i0) << 12;
		pfn += i1 - i0;
	}
}

static void unmap_ptes(struct mm *mm, uint64_t va, uint64_t nr)
{
	while (nr) {
		struct swin *w = shadow_win(mm, va >> WIN_SHIFT, false);
		unsigned i0 = (va >> 12) & (WIN_PAGES - 1), i1 = WIN_PAGES;

		if (nr < i1 - i0)
			i1 = i0 + (unsigned)nr;
		if (w) {
			shadow_unmap_pages(mm, w, i0, i1, MC_CONF_EXACT);
			shadow_drop_if_empty(mm, w);
		}
		nr -= i1 - i0;
		va += (uint64_t)(i1 - i0) << 12;
	}
}

static void on_fork_vma(struct recorder *r, const struct rec_event *ev)
{
	const uint64_t *a = ev->a;
	struct mm *parent = mm_by_ptr(r, a[KS_SRC_MM], ev->pid), *child;

	if (!parent)
		return;
	child = u64map_get(&r->procs.by_mmptr, a[KS_DST_MM]);
	if (!child) {
		child = mm_new(0, "?", 0);
		if (!child)
			return;
		child->mm_ptr = a[KS_DST_MM];
		u64map_put(&r->procs.by_mmptr, child->mm_ptr, child);
		u64map_put(&r->pending_child, (uint64_t)ev->pid, child);
		emit_fork(parent, child, 0);
	}
	/* mm/memory.c:vma_needs_copy@6.12 (uffd-wp aside); hugetlb is not modelled */
	if ((a[KS_VMFLAGS] & VM_HUGETLB_) ||
	    !(a[KS_ANON_VMA] || (a[KS_VMFLAGS] & (VM_PFNMAP_ | VM_MIXEDMAP_))))
		return;
	emit_dup(child, parent, a[KS_START] >> 12, (a[KS_END] - a[KS_START]) >> 12, MC_CONF_EXACT);
	shadow_dup(child, parent, a[KS_START] >> 12, a[KS_END] >> 12);
}

struct mm *kprobe_take_child(struct recorder *r, pid_t tid)
{
	return u64map_del(&r->pending_child, (uint64_t)tid);
}

void kprobe_handle(struct recorder *r, const struct rec_event *ev)
{
	const uint64_t *a = ev->a;
	struct folio *f;
	struct mm *mm;
	uint64_t head, pfn, va, nr;
	unsigned order, kind;

	if (ev->sys == KP_FORK) {
		on_fork_vma(r, ev);
		return;
	}
	mm = mm_by_ptr(r, a[KS_MM], ev->pid);
	if (!mm)
		return;
	head = pfn_of(r, a, a[KS_FOLIO] != UINT64_MAX ? a[KS_FOLIO] : a[KS_PAGE]);
	pfn = a[KS_PAGE] != UINT64_MAX ? pfn_of(r, a, a[KS_PAGE]) : head;
	order = order_of(r, a);
	nr = a[KS_NR] != UINT64_MAX ? (uint32_t)a[KS_NR] : 1;
	folio_trust_cache(true);
	switch (ev->sys) {
	case KP_ADD_NEW_ANON:
	case KP_ADD_ANON:
	case KP_ADD_ANON_PMD:
		kind = FK_ANON;
		break;
	default:
		kind = file_kind(r, a);
		break;
	}
	if (ev->sys == KP_REMOVE || ev->sys == KP_REMOVE_PMD || ev->sys == KP_REMOVE_PUD) {
		f = folio_cached(head);
		if (f)
			kind = f->kind;
	} else {
		f = folio_note(head, order, kind, ev->sys == KP_ADD_NEW_ANON);
	}
	/* VA of file pages, and of anon ones on removal: linear in the vma's pgoff */
	if (a[KS_ADDR] != UINT64_MAX)
		va = a[KS_ADDR] + ((pfn - head) << 12);
	else
		va = a[KS_VSTART] + ((a[KS_INDEX] + (pfn - head) - a[KS_PGOFF]) << 12);
	switch (ev->sys) {
	case KP_ADD_NEW_ANON:
		if (!f)
			break;
		if (order == PMD_ORDER) {
			struct swin *w = shadow_win(mm, va >> WIN_SHIFT, true);

			if (w)
				shadow_map_pmd(mm, w, f, MC_CONF_EXACT);
		} else {
			map_ptes(mm, va, head, 1ull << order);
		}
		break;
	case KP_ADD_ANON:
	case KP_ADD_FILE:
		if (f)
			map_ptes(mm, va, pfn, nr);
		break;
	case KP_ADD_ANON_PMD:
	case KP_ADD_FILE_PMD: {
		struct swin *w = shadow_win(mm, va >> WIN_SHIFT, true);

		if (f && w) {
			shadow_unmap_pages(mm, w, 0, WIN_PAGES, MC_CONF_EXACT);
			shadow_map_pmd(mm, w, f, MC_CONF_EXACT);
		}
		break;
	}
	case KP_REMOVE:
		unmap_ptes(mm, va, nr);
		break;
	case KP_REMOVE_PMD: {
		struct swin *w = shadow_win(mm, va >> WIN_SHIFT, false);

		/* after a split the PTEs stay: the REMAP already said so */
		if (w && w->pmd) {
			shadow_unmap_pages(mm, w, 0, WIN_PAGES, MC_CONF_EXACT);
			shadow_drop_if_empty(mm, w);
		}
		break;
	}
	default: /* PUD mappings and PMD split hooks of older kernels: not modelled */
		break;
	}
	folio_trust_cache(false);
}
