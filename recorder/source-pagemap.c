// SPDX-License-Identifier: GPL-2.0
/*
 * Source B (recorder-sources.md §3): tracepoints say where something may
 * have changed; /proc/PID/pagemap, PAGEMAP_SCAN and /proc/kpageflags say
 * what the page tables hold now; the difference against the shadow becomes
 * MAP/UNMAP/REMAP records. munmap, exec and exit follow syscall semantics;
 * a fork is resolved by scanning the child at once and diffing it against
 * the parent.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "recorder/record.h"

/* uapi of 6.7+ (Debian 12 ships 6.1 headers): include/uapi/linux/fs.h@6.12 */
struct mc_page_region {
	uint64_t start, end, categories;
};

struct mc_pm_scan_arg {
	uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
	uint64_t category_inverted, category_mask, category_anyof_mask, return_mask;
};

#define MC_PAGEMAP_SCAN _IOWR('f', 16, struct mc_pm_scan_arg)
#define MC_PAGE_IS_PRESENT (1u << 3)
#define MC_PAGE_IS_HUGE (1u << 6)
#define PM_PRESENT (1ull << 63)
#define PM_PFN_MASK ((1ull << 55) - 1)
#define CLONE_VM_FLAG 0x100ull
#define CLONE_THREAD_FLAG 0x10000ull
#define WIN_BYTES (1ull << WIN_SHIFT)

struct wscan {
	uint64_t idx;
	bool present, huge;
};

struct wvec {
	struct wscan *v;
	size_t n, cap;
};

static int wvec_add(struct wvec *wv, uint64_t idx, bool present, bool huge)
{
	if (wv->n && wv->v[wv->n - 1].idx == idx) {
		wv->v[wv->n - 1].present |= present;
		wv->v[wv->n - 1].huge = wv->v[wv->n - 1].huge && huge;
		return 0;
	}
	if (array_reserve((void **)&wv->v, &wv->cap, wv->n + 1, sizeof(*wv->v), 256))
		return -1;
	wv->v[wv->n++] = (struct wscan){idx, present, huge};
	return 0;
}

/* Windows of [start, end) holding present pages; huge when one PMD maps all of it. */
static int scan_present(int fd, uint64_t start, uint64_t end, struct wvec *wv)
{
	static struct mc_page_region regs[512];

	while (start < end) {
		struct mc_pm_scan_arg a = {
			.size = sizeof(a),
			.start = start,
			.end = end,
			.vec = (uintptr_t)regs,
			.vec_len = 512,
			.category_anyof_mask = MC_PAGE_IS_PRESENT,
			.return_mask = MC_PAGE_IS_PRESENT | MC_PAGE_IS_HUGE,
		};
		long n = ioctl(fd, MC_PAGEMAP_SCAN, &a);

		if (n < 0)
			return -1;
		for (long k = 0; k < n; k++) {
			const struct mc_page_region *rg = &regs[k];

			for (uint64_t idx = rg->start >> WIN_SHIFT;
			     idx <= (rg->end - 1) >> WIN_SHIFT; idx++) {
				bool whole = rg->start <= idx << WIN_SHIFT &&
					     rg->end >= (idx + 1) << WIN_SHIFT;

				if (wvec_add(wv, idx, true,
					     whole && (rg->categories & MC_PAGE_IS_HUGE)))
					return -1;
			}
		}
		if (a.walk_end <= start)
			break;
		start = a.walk_end;
	}
	return 0;
}

/* Bring one window of mm in line with what the page tables hold (newpfn). */
static void apply_window(struct mm *mm, uint64_t idx, const uint64_t *newpfn, bool huge,
			 unsigned conf)
{
	struct swin *w = shadow_win(mm, idx, false);
	uint64_t tmp[WIN_PAGES];
	bool any = false;

	if (huge && newpfn[0] && !(newpfn[0] & (WIN_PAGES - 1))) {
		struct folio *f = folio_of(newpfn[0], true);

		if (f && f->order == PMD_ORDER && f->head == newpfn[0]) {
			if (w && w->pmd && w->pfn[0] == f->head)
				return;
			if (w) {
				shadow_unmap_pages(mm, w, 0, WIN_PAGES, conf);
				shadow_drop_if_empty(mm, w);
			}
			w = shadow_win(mm, idx, true);
			if (w)
				shadow_map_pmd(mm, w, f, conf);
			return;
		}
	}
	for (unsigned i = 0; i < WIN_PAGES; i++) {
		tmp[i] = (newpfn[i] && (!w || w->pfn[i] != newpfn[i])) ? newpfn[i] : 0;
		any |= tmp[i] != 0;
	}
	if (w) {
		bool pmd_same = w->pmd;

		for (unsigned i = 0; pmd_same && i < WIN_PAGES; i++)
			pmd_same = newpfn[i] == w->pfn[i];
		if (w->pmd && !huge)
			shadow_remap(mm, w, conf);
		else if (pmd_same)
			return;
		for (unsigned i = 0; i < WIN_PAGES;) {
			unsigned j = i;

			while (j < WIN_PAGES && w->pfn[j] && w->pfn[j] != newpfn[j])
				j++;
			if (j > i) {
				shadow_unmap_pages(mm, w, i, j, conf);
				i = j;
			} else {
				i++;
			}
		}
	}
	if (any && (w || (w = shadow_win(mm, idx, true)))) {
		folio_prefetch(tmp, WIN_PAGES);
		shadow_map_pages(mm, w, 0, WIN_PAGES, tmp, conf);
	}
	if (w)
		shadow_drop_if_empty(mm, w);
}

static int read_window(int fd, uint64_t idx, uint64_t *newpfn)
{
	uint64_t pm[WIN_PAGES];
	ssize_t got = pread(fd, pm, sizeof(pm), (off_t)(idx << 9) * 8);

	if (got < 0)
		return -1;
	memset(newpfn, 0, WIN_PAGES * sizeof(*newpfn));
	for (size_t i = 0; i < (size_t)got / 8; i++)
		if (pm[i] & PM_PRESENT)
			newpfn[i] = pm[i] & PM_PFN_MASK;
	return 0;
}

static bool proc_alive(pid_t pid)
{
	char path[64], buf[512], *s;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_file_str(path, buf, sizeof(buf)) < 0 || !(s = strrchr(buf, ')')))
		return false;
	return s[2] != 'Z' && s[2] != 'X';
}

/* Reconcile whole windows of [start, end) of p; -1 if p cannot be read. */
int pagemap_scan_process(struct recorder *r, struct proc *p, uint64_t start, uint64_t end,
			 unsigned conf)
{
	int fd = proc_pagemap_fd(p);
	struct wvec wv = {0};
	uint64_t first = start >> WIN_SHIFT, last = (end - 1) >> WIN_SHIFT, newpfn[WIN_PAGES];
	struct swin **sv = NULL;
	size_t ns = 0, a = 0, b = 0;

	if (fd < 0 || scan_present(fd, start, end, &wv)) {
		free(wv.v);
		return -1;
	}
	if (!wv.n && p->mm->wins.n && !proc_alive(p->pid)) {
		free(wv.v);
		return -1; /* exiting: EXIT will say it */
	}
	r->scans++;
	if (last - first < 64) {
		for (uint64_t idx = first; idx <= last; idx++) {
			struct swin *w = shadow_win(p->mm, idx, false);

			if (!w)
				continue;
			sv = realloc(sv, (ns + 1) * sizeof(*sv));
			if (!sv)
				break;
			sv[ns++] = w;
		}
	} else {
		struct swin **all;
		size_t n;

		shadow_windows_sorted(p->mm, &all, &n);
		sv = all;
		for (size_t k = 0; k < n; k++)
			if (all[k]->idx >= first && all[k]->idx <= last)
				sv[ns++] = all[k];
	}
	/* merge: scanned windows and shadow windows, in address order */
	while (a < wv.n || b < ns) {
		uint64_t ia = a < wv.n ? wv.v[a].idx : UINT64_MAX;
		uint64_t ib = b < ns ? sv[b]->idx : UINT64_MAX;
		uint64_t idx = ia < ib ? ia : ib;
		bool present = ia == idx, huge = present && wv.v[a].huge;

		if (present) {
			if (read_window(fd, idx, newpfn))
				break;
		} else {
			memset(newpfn, 0, sizeof(newpfn));
		}
		r->windows++;
		apply_window(p->mm, idx, newpfn, huge, conf);
		if (ia == idx)
			a++;
		if (ib == idx)
			b++;
	}
	free(sv);
	free(wv.v);
	return 0;
}

static int cmp_range(const void *x, const void *y)
{
	const struct range *a = x, *b = y;

	return a->start < b->start ? -1 : a->start > b->start;
}

static bool shadow_has(struct mm *mm, uint64_t addr)
{
	struct swin *w = shadow_win(mm, addr >> WIN_SHIFT, false);

	return w && w->pfn[(addr >> 12) & (WIN_PAGES - 1)];
}

/* Faults whose page is still absent (the fault was in flight when its window
 * was read, e.g. a THP being cleared) are looked at again in later rounds,
 * for up to FAULT_RETRY_NS. */
#define FAULT_RETRY_NS 50000000ull

static void recheck_faults(struct recorder *r, struct proc *p)
{
	size_t keep = 0;

	for (size_t i = 0; i < p->nfaults; i++) {
		struct fault_check fc = p->faults[i];

		if (!shadow_has(p->mm, fc.addr) && r->now - fc.ts < FAULT_RETRY_NS) {
			fc.retry = true;
			p->faults[keep++] = fc;
		}
	}
	p->nfaults = keep;
}

static void reconcile_proc(struct recorder *r, struct proc *p)
{
	if (proc_mm_owner(p) != p) {
		p->full_rescan = false;
		p->ndirty = p->nfaults = 0;
		return;
	}
	if (r->source == SRC_KPROBE && !p->full_rescan) {
		p->ndirty = p->nfaults = 0; /* only rescans after losses */
		return;
	}
	if (p->full_rescan) {
		uint64_t before = r->rmap_records;
		int reason = p->rescan_reason;

		p->full_rescan = false;
		p->ndirty = 0;
		p->nfaults = 0;
		if (pagemap_scan_process(r, p, 0, MAX_VA,
					 reason < 0 ? MC_CONF_OBSERVED : MC_CONF_OBSERVED) == 0 &&
		    reason >= 0 && r->rmap_records > before) {
			r->repaired += r->rmap_records - before;
			emit_resync(p->mm, r->rmap_records - before, reason);
		}
		return;
	}
	if (!p->ndirty && !p->nfaults)
		return;
	if (p->nfaults) {
		/* last round's retries first: their windows are read again now */
		for (size_t i = 0; i < p->nfaults; i++)
			if (p->faults[i].retry)
				proc_mark_dirty(p, p->faults[i].addr, p->faults[i].addr + 1);
	}
	qsort(p->dirty, p->ndirty, sizeof(*p->dirty), cmp_range);
	for (size_t i = 0; i < p->ndirty;) {
		struct range rg = p->dirty[i++];

		while (i < p->ndirty && p->dirty[i].start <= rg.end) {
			if (p->dirty[i].end > rg.end)
				rg.end = p->dirty[i].end;
			i++;
		}
		pagemap_scan_process(r, p, rg.start, rg.end, MC_CONF_OBSERVED);
	}
	p->ndirty = 0;
	recheck_faults(r, p);
}

uint64_t pagemap_reconcile_all(struct recorder *r)
{
	uint64_t before = r->rmap_records;
	uint64_t now = mono_ns();

	if (now > r->now)
		r->now = now;
	folio_new_pass();
	u64map_for_each(&r->procs.by_pid, i) reconcile_proc(r, r->procs.by_pid.vals[i]);
	shadow_recount(r, false);
	return r->rmap_records - before;
}

uint64_t pagemap_rescan(struct recorder *r, struct proc *only, unsigned reason)
{
	uint64_t before = r->repaired;

	u64map_for_each(&r->procs.by_pid, i)
	{
		struct proc *p = r->procs.by_pid.vals[i];

		if (only && p != only)
			continue;
		p->full_rescan = true;
		p->rescan_reason = (int)reason;
	}
	pagemap_reconcile_all(r);
	return r->repaired - before;
}

struct proc *pagemap_track_new(struct recorder *r, pid_t tgid, pid_t parent)
{
	char comm[16];
	struct mm *mm;
	struct proc *p;

	proc_read_comm(tgid, comm, sizeof(comm));
	mm = mm_new(tgid, comm, 0);
	if (!mm)
		return NULL;
	p = proc_add(tgid, parent, mm, comm);
	if (p) {
		p->full_rescan = true;
		p->rescan_reason = -1;
	}
	return p;
}

/* ---- fork ---- */

struct cwin {
	uint64_t pfn[WIN_PAGES];
	bool huge;
};

/* The child's present windows, read now; NULL if it cannot be read. */
static struct u64map *read_child(struct proc *c)
{
	struct u64map *m = calloc(1, sizeof(*m));
	int fd = proc_pagemap_fd(c);
	struct wvec wv = {0};

	if (!m || fd < 0 || scan_present(fd, 0, MAX_VA, &wv)) {
		free(m);
		free(wv.v);
		return NULL;
	}
	for (size_t k = 0; k < wv.n; k++) {
		struct cwin *cw = calloc(1, sizeof(*cw));

		if (!cw || read_window(fd, wv.v[k].idx, cw->pfn) ||
		    u64map_put(m, wv.v[k].idx, cw)) {
			free(cw);
			continue;
		}
		cw->huge = wv.v[k].huge;
	}
	free(wv.v);
	return m;
}

/* What the kernel's dup_mmap copies when we could not look: anon pages. */
static struct u64map *guess_child(struct mm *parent)
{
	struct u64map *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	u64map_for_each(&parent->wins, k)
	{
		struct swin *w = parent->wins.vals[k];
		struct cwin *cw = calloc(1, sizeof(*cw));

		if (!cw)
			continue;
		for (unsigned i = 0; i < WIN_PAGES; i++) {
			struct folio *f = w->pfn[i] ? folio_cached(w->pfn[i]) : NULL;

			if (f && (f->kind & ~FK_KSM) == FK_ANON)
				cw->pfn[i] = w->pfn[i];
		}
		cw->huge = w->pmd && cw->pfn[0];
		u64map_put(m, w->idx, cw);
	}
	return m;
}

static void free_cwins(struct u64map *m)
{
	u64map_for_each(m, i) free(m->vals[i]);
	u64map_free(m);
	free(m);
}

static bool child_matches(const struct swin *pw, const struct cwin *cw, unsigned i)
{
	if (!cw)
		return false;
	if (pw->pmd)
		return cw->huge && cw->pfn[0] == pw->pfn[0];
	return !cw->huge && cw->pfn[i] == pw->pfn[i];
}

static void dup_runs(struct mm *child, struct mm *parent, struct u64map *cws, unsigned conf)
{
	struct swin **pv;
	size_t n;
	uint64_t rs = 0, re = 0; /* open run [rs, re) of vpns */
	bool open = false;

	shadow_windows_sorted(parent, &pv, &n);
	for (size_t k = 0; k <= n; k++) {
		struct swin *pw = k < n ? pv[k] : NULL;
		struct cwin *cw = pw ? u64map_get(cws, pw->idx) : NULL;

		if (open && (!pw || (pw->idx << 9) > re + WIN_PAGES)) {
			emit_dup(child, parent, rs, re - rs, conf);
			shadow_dup(child, parent, rs, re);
			open = false;
		}
		for (unsigned i = 0; pw && i < WIN_PAGES; i++) {
			uint64_t vpn = (pw->idx << 9) + i;

			if (!pw->pfn[i])
				continue;
			if (child_matches(pw, cw, i)) {
				if (!open)
					rs = vpn;
				open = true;
				re = vpn + 1;
				continue;
			}
			if (open) {
				emit_dup(child, parent, rs, re - rs, conf);
				shadow_dup(child, parent, rs, re);
				open = false;
			}
		}
	}
	free(pv);
}

static void fork_child(struct recorder *r, struct proc *pp, pid_t cpid, const char *comm)
{
	struct u64map *cws;
	struct mm *cm;
	struct proc *c;
	unsigned conf = MC_CONF_OBSERVED;
	uint64_t matched = 0;

	reconcile_proc(r, pp);
	cm = mm_new(cpid, comm, 0);
	if (!cm || !(c = proc_add(cpid, pp->pid, cm, comm)))
		return;
	emit_fork(pp->mm, cm, 0);
	cws = read_child(c);
	if (cws) {
		u64map_for_each(&pp->mm->wins, k)
		{
			struct swin *pw = pp->mm->wins.vals[k];
			struct cwin *cw = u64map_get(cws, pw->idx);

			for (unsigned i = 0; cw && i < WIN_PAGES; i++)
				matched += pw->pfn[i] && cw->pfn[i] == pw->pfn[i];
		}
		/* nothing in common with a parent that has anon memory: it already exec'd */
		if (!matched && pp->mm->pages[0]) {
			free_cwins(cws);
			cws = NULL;
		}
	}
	if (!cws) {
		/* the exec or exit on its way says what happened next; a child that
		 * did neither is caught by the rss_stat comparison */
		cws = guess_child(pp->mm);
		conf = MC_CONF_INFERRED;
		if (!cws)
			return;
	}
	dup_runs(cm, pp->mm, cws, conf);
	if (conf == MC_CONF_OBSERVED) {
		/* what the child has beyond the copies (COW done since, pinned copies) */
		struct swin **sv;
		size_t n;

		u64map_for_each(cws, k)
		{
			struct cwin *cw = cws->vals[k];

			apply_window(cm, cws->keys[k], cw->pfn, cw->huge, MC_CONF_OBSERVED);
		}
		shadow_windows_sorted(cm, &sv, &n);
		for (size_t k = 0; k < n; k++)
			if (!u64map_get(cws, sv[k]->idx)) {
				shadow_unmap_pages(cm, sv[k], 0, WIN_PAGES, MC_CONF_OBSERVED);
				shadow_drop_if_empty(cm, sv[k]);
			}
		free(sv);
	}
	free_cwins(cws);
}

/* ---- events ---- */

static void on_newtask(struct recorder *r, const struct rec_event *ev)
{
	pid_t ptgid = tid_to_tgid(ev->pid), child = (pid_t)ev->a[0];
	struct proc *pp = proc_get(ptgid), *c;

	if (ev->a[1] & CLONE_THREAD_FLAG) {
		if (pp)
			u64map_put(&r->procs.tid2tgid, (uint64_t)child, (void *)(uintptr_t)ptgid);
		return;
	}
	if ((c = proc_get(child))) {
		/* the pid is new again: whatever held it is gone (its exit was lost) */
		if (c->mm->users == 1)
			emit_exit(c->mm);
		proc_remove(c);
	}
	if (!pp) {
		if (r->mode == MODE_ALL && child != r->self && ptgid != r->self)
			pagemap_track_new(r, child, ptgid);
		return;
	}
	if (ev->a[1] & CLONE_VM_FLAG) {
		c = proc_add(child, ptgid, pp->mm, ev->str);
		(void)c;
		return;
	}
	if (r->source == SRC_KPROBE) {
		/* the fork probes already built the child's mm */
		struct mm *mm = kprobe_take_child(r, ev->pid);

		if (mm) {
			mm_set_name(mm, child, ev->str);
			emit_mm(mm);
		} else if ((mm = mm_new(child, ev->str, 0))) {
			emit_fork(pp->mm, mm, 0);
		}
		if (mm)
			proc_add(child, ptgid, mm, ev->str);
		return;
	}
	fork_child(r, pp, child, ev->str);
}

static void on_exec(struct recorder *r, const struct rec_event *ev)
{
	pid_t pid = (pid_t)ev->a[0], old = (pid_t)ev->a[1];
	struct proc *p;

	if (old != pid)
		u64map_del(&r->procs.tid2tgid, (uint64_t)old);
	p = proc_get(pid);
	if (!p)
		return;
	snprintf(p->comm, sizeof(p->comm), "%s", ev->str);
	if (p->mm->users > 1) {
		struct mm *mm = mm_new(pid, p->comm, 0);

		if (!mm)
			return;
		mm_put(p->mm);
		p->mm = mm;
		mm->users = 1;
	} else {
		struct mm *mm = p->mm;

		mm_set_name(mm, pid, p->comm);
		emit_exec(mm);
		shadow_clear(mm, false);
		if (mm->mm_id && u64map_get(&r->procs.by_mmid, mm->mm_id) == mm)
			u64map_del(&r->procs.by_mmid, mm->mm_id);
		mm->mm_id = 0;
		for (int i = 0; i < 4; i++)
			mm->kern_rss[i] = -1;
		mm->rss_mismatch = 0;
	}
	if (p->pagemap_fd >= 0)
		close(p->pagemap_fd);
	p->pagemap_fd = -1;
	p->ndirty = 0;
	p->brk = 0;
	/* Source A: the new mm shows itself through the probes */
	if (u64map_get(&r->procs.by_mmptr, p->mm->mm_ptr) == p->mm)
		u64map_del(&r->procs.by_mmptr, p->mm->mm_ptr);
	p->mm->mm_ptr = 0;
	p->full_rescan = r->source != SRC_KPROBE;
	p->rescan_reason = -1;
}

static void on_exit_task(struct recorder *r, const struct rec_event *ev)
{
	pid_t tid = (pid_t)ev->a[0], tgid = tid_to_tgid(tid);
	struct proc *p;
	void *pend;

	if (tid != tgid)
		u64map_del(&r->procs.tid2tgid, (uint64_t)tid);
	pend = u64map_del(&r->pending, (uint64_t)tid);
	free(pend);
	/* before 6.16 (no group_dead) the leader's exit stands for the group's */
	if (ev->a[1] == UINT64_MAX ? tid != tgid : !ev->a[1])
		return;
	if (!(p = proc_get(tgid)))
		return;
	if (p->mm->users == 1)
		emit_exit(p->mm);
	proc_remove(p);
}

static bool sys_failed(uint64_t ret)
{
	return (int64_t)ret < 0 && (int64_t)ret > -4096;
}

#define PAGE_UP(x) (((x) + 4095) & ~4095ull)
#define MADV_FREE_ 8
#define MADV_REMOVE_ 9
#define MADV_DONTNEED_ 4
#define MADV_DONTNEED_LOCKED_ 24
#define MAP_FIXED_ 0x10
#define MAP_POPULATE_ 0x8000
#define MAP_FIXED_NOREPLACE_ 0x100000
#define MREMAP_DONTUNMAP_ 4

static void on_sys_exit(struct recorder *r, struct proc *p, const struct rec_event *in,
			uint64_t ret)
{
	struct mm *mm = p->mm;
	uint64_t a0 = in->a[0], a1 = in->a[1];

	if (sys_failed(ret))
		return;
	switch (in->sys) {
	case SYS_MUNMAP:
		shadow_unmap_range(mm, a0, a0 + PAGE_UP(a1), MC_CONF_SEMANTIC);
		break;
	case SYS_MADVISE:
		if (in->a[2] == MADV_DONTNEED_ || in->a[2] == MADV_DONTNEED_LOCKED_ ||
		    in->a[2] == MADV_REMOVE_)
			shadow_unmap_range(mm, a0, a0 + PAGE_UP(a1), MC_CONF_SEMANTIC);
		proc_mark_dirty(p, a0, a0 + PAGE_UP(a1));
		break;
	case SYS_MREMAP: {
		uint64_t old_len = PAGE_UP(a1), new_len = PAGE_UP(in->a[2]);

		if (ret == a0) {
			if (new_len < old_len)
				shadow_unmap_range(mm, a0 + new_len, a0 + old_len,
						   MC_CONF_SEMANTIC);
		} else if (old_len) {
			shadow_move(mm, a0, old_len < new_len ? old_len : new_len, ret);
			if (!(in->a[3] & MREMAP_DONTUNMAP_) && new_len < old_len)
				shadow_unmap_range(mm, a0, a0 + old_len, MC_CONF_SEMANTIC);
		}
		proc_mark_dirty(p, ret, ret + new_len);
		proc_mark_dirty(p, a0, a0 + old_len);
		break;
	}
	case SYS_BRK:
		if (p->brk && ret < p->brk)
			shadow_unmap_range(mm, PAGE_UP(ret), PAGE_UP(p->brk), MC_CONF_SEMANTIC);
		p->brk = ret;
		break;
	case SYS_MMAP:
		if (in->a[3] & MAP_FIXED_)
			shadow_unmap_range(mm, ret, ret + PAGE_UP(a1), MC_CONF_SEMANTIC);
		if (in->a[3] & (MAP_FIXED_ | MAP_POPULATE_ | MAP_FIXED_NOREPLACE_))
			proc_mark_dirty(p, ret, ret + PAGE_UP(a1));
		break;
	case SYS_MPROTECT:
	case SYS_PKEY_MPROTECT:
	case SYS_MLOCK:
	case SYS_MLOCK2:
	case SYS_REMAP_FILE_PAGES:
	case SYS_MBIND:
		proc_mark_dirty(p, a0, a0 + PAGE_UP(a1));
		break;
	default: /* mlockall, shmdt, process_madvise, move/migrate_pages */
		p->full_rescan = true;
		p->rescan_reason = 2;
		break;
	}
}

static void on_sys(struct recorder *r, const struct rec_event *ev)
{
	struct proc *p = proc_mm_owner(proc_get(tid_to_tgid(ev->pid)));
	struct rec_event *in;

	if (!p)
		return;
	if (ev->type == EV_SYS_ENTER) {
		in = u64map_get(&r->pending, (uint64_t)ev->pid);
		if (!in) {
			in = malloc(sizeof(*in));
			if (!in || u64map_put(&r->pending, (uint64_t)ev->pid, in)) {
				free(in);
				return;
			}
		}
		*in = *ev;
		return;
	}
	in = u64map_get(&r->pending, (uint64_t)ev->pid);
	if (!in || in->type != EV_SYS_ENTER || in->sys != ev->sys)
		return;
	in->type = EV_SYS_EXIT; /* consumed */
	/* the faults before this syscall are judged before its semantics apply */
	reconcile_proc(r, p);
	on_sys_exit(r, p, in, ev->a[0]);
}

static void on_rss(struct recorder *r, const struct rec_event *ev)
{
	struct mm *mm = NULL;
	unsigned member = (unsigned)ev->a[2];

	if (ev->a[1]) {
		struct proc *p = proc_get(tid_to_tgid(ev->pid));

		if (p) {
			mm = p->mm;
			if (mm->mm_id != (uint32_t)ev->a[0]) {
				if (u64map_get(&r->procs.by_mmid, mm->mm_id) == mm)
					u64map_del(&r->procs.by_mmid, mm->mm_id);
				mm->mm_id = (uint32_t)ev->a[0];
				u64map_put(&r->procs.by_mmid, mm->mm_id, mm);
			}
		}
	} else {
		mm = u64map_get(&r->procs.by_mmid, ev->a[0]);
	}
	if (mm && member < 4)
		mm->kern_rss[member] = (int64_t)ev->a[3] >> 12;
}

static void on_signal(struct recorder *r, const struct rec_event *ev)
{
	struct proc *p;

	/* only a SIGSTOP the process raised itself (tgkill: SI_TKILL) is the
	 * quiescence protocol; kill -STOP by anyone else is left alone */
	if (ev->a[0] != SIGSTOP || (int64_t)ev->a[1] != SI_TKILL ||
	    (ev->ts >= r->freeze_start && ev->ts <= r->freeze_end))
		return;
	p = proc_get(tid_to_tgid(ev->pid));
	if (p) {
		p->stop_pending = true;
		p->stop_since = ev->ts;
	}
}

void pagemap_handle(struct recorder *r, const struct rec_event *ev, const struct rec_event *batch,
		    size_t nbatch, size_t pos)
{
	struct proc *p;

	if (r->source == SRC_KPROBE) {
		/* the probes carry the rmap changes; mremap moves PTEs without any */
		if (ev->type == EV_KPROBE) {
			kprobe_handle(r, ev);
			return;
		}
		if (ev->type == EV_LRU) {
			r->vmemmap_base = ev->a[0] - ev->a[1] * (uint64_t)r->kp_page_size;
			return;
		}
		if (ev->type == EV_FAULT || ev->type == EV_MM_LOCK || ev->type == EV_COLLAPSE ||
		    ((ev->type == EV_SYS_ENTER || ev->type == EV_SYS_EXIT) &&
		     ev->sys != SYS_MREMAP))
			return;
	}

	switch (ev->type) {
	case EV_FAULT:
		p = proc_mm_owner(proc_get(tid_to_tgid(ev->pid)));
		if (p)
			proc_mark_fault(p, ev->a[0], ev->ts);
		break;
	case EV_RSS:
		on_rss(r, ev);
		break;
	case EV_NEWTASK:
		on_newtask(r, ev);
		break;
	case EV_EXEC:
		on_exec(r, ev);
		break;
	case EV_EXIT:
		on_exit_task(r, ev);
		break;
	case EV_SIGNAL:
		on_signal(r, ev);
		break;
	case EV_SYS_ENTER:
	case EV_SYS_EXIT:
		on_sys(r, ev);
		break;
	case EV_MM_LOCK:
		p = proc_get(tid_to_tgid(ev->pid));
		if (p && p->mm->mm_ptr != ev->a[0]) {
			if (u64map_get(&r->procs.by_mmptr, p->mm->mm_ptr) == p->mm)
				u64map_del(&r->procs.by_mmptr, p->mm->mm_ptr);
			p->mm->mm_ptr = ev->a[0];
			u64map_put(&r->procs.by_mmptr, ev->a[0], p->mm);
		}
		break;
	case EV_COLLAPSE: {
		struct mm *mm = u64map_get(&r->procs.by_mmptr, ev->a[0]);

		u64map_for_each(&r->procs.by_pid, i)
		{
			p = r->procs.by_pid.vals[i];
			if (p->mm == mm) {
				p->full_rescan = true;
				p->rescan_reason = 2;
			}
		}
		break;
	}
	case EV_LOST:
		r->lost_events += ev->a[0];
		emit_lost(ev->a[0], ev->cpu);
		r->adopt_pending = true;
		u64map_for_each(&r->procs.by_pid, i)
		{
			p = r->procs.by_pid.vals[i];
			p->full_rescan = true;
			p->rescan_reason = 1;
		}
		break;
	default:
		break;
	}
}

#define RSS_SETTLE_NS 50000000ull

/* rss_stat members: 0 file, 1 anon, 3 shmem (include/linux/mm_types_task.h) */
static int64_t rss_diff(const struct mm *mm)
{
	return (mm->kern_rss[1] - (int64_t)mm->pages[0]) +
	       (mm->kern_rss[0] - (int64_t)mm->pages[1]) * 1000 +
	       (mm->kern_rss[3] - (int64_t)mm->pages[2]) * 1000000;
}

/*
 * The kernel's own counters (rss_stat) against the shadow: a difference
 * that is new means something changed that no event explained (GUP,
 * remote unmap): rescan that process, at most every 200 ms.
 */
void pagemap_check_rss(struct recorder *r)
{
	if (r->source == SRC_KPROBE)
		return;
	u64map_for_each(&r->procs.by_pid, i)
	{
		struct proc *p = r->procs.by_pid.vals[i];
		struct mm *mm = p->mm;
		int64_t diff;

		if (mm->kern_rss[0] < 0 || mm->kern_rss[1] < 0 || mm->kern_rss[3] < 0 ||
		    p->full_rescan || p->ndirty)
			continue;
		diff = rss_diff(mm);
		if (diff == mm->rss_mismatch || r->now - mm->rss_checked_at < 200000000ull) {
			mm->rss_seen = 0;
			continue;
		}
		/* an exec or exit whose event is still on its way looks the same:
		 * only a difference that stays for RSS_SETTLE_NS is acted on */
		if (!mm->rss_seen || diff != mm->rss_seen_diff) {
			mm->rss_seen = r->now;
			mm->rss_seen_diff = diff;
			continue;
		}
		if (r->now - mm->rss_seen < RSS_SETTLE_NS)
			continue;
		mm->rss_seen = 0;
		mm->rss_checked_at = r->now;
		p->full_rescan = true;
		p->rescan_reason = 2;
		reconcile_proc(r, p);
		mm->rss_mismatch = rss_diff(mm);
	}
}
