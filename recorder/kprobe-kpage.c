// SPDX-License-Identifier: GPL-2.0
/*
 * Per-page kernel truth at checkpoints (recorder-sources.md §4): for every
 * page a tracked shadow maps, /proc/kpagecount of the PFN pagemap reports
 * there and pagemap's PM_MMAP_EXCLUSIVE (bit 56), as KPAGE records. A PFN
 * that differs from the shadow's is counted: the shadow is wrong there.
 */
#include <stdlib.h>
#include <unistd.h>

#include "recorder/kprobe.h"

#define PM_PRESENT_ (1ull << 63)
#define PM_MMAP_EXCLUSIVE_ (1ull << 56)
#define PM_PFN_MASK_ ((1ull << 55) - 1)

static uint64_t window_kpages(struct mm *mm, int fd, const struct swin *w)
{
	uint64_t pm[WIN_PAGES], kpc[WIN_PAGES], bad = 0;
	ssize_t got = pread(fd, pm, sizeof(pm), (off_t)(w->idx << 9) * 8);
	struct mc_record rec = {.type = MC_REC_KPAGE};

	if (got != (ssize_t)sizeof(pm))
		return 0;
	for (unsigned i = 0; i < WIN_PAGES;) {
		uint64_t pfn = (pm[i] & PM_PRESENT_) ? pm[i] & PM_PFN_MASK_ : 0;
		unsigned j = i + 1;

		/* one read for a run of consecutive PFNs (a THP, a fresh mTHP) */
		while (pfn && j < WIN_PAGES && (pm[j] & PM_PRESENT_) &&
		       (pm[j] & PM_PFN_MASK_) == pfn + (j - i))
			j++;
		if (!pfn || kpagecount_read(pfn, j - i, kpc + i))
			for (unsigned k = i; k < j; k++)
				kpc[k] = 0;
		i = j;
	}
	for (unsigned i = 0; i < WIN_PAGES; i++) {
		uint64_t pfn = (pm[i] & PM_PRESENT_) ? pm[i] & PM_PFN_MASK_ : 0;

		if (!w->pfn[i])
			continue;
		bad += pfn != w->pfn[i];
		rec.u.kpage.mm = mm->id;
		rec.u.kpage.vpn = (w->idx << 9) + i;
		rec.u.kpage.pfn = pfn;
		rec.u.kpage.kpagecount = pfn ? kpc[i] : 0;
		rec.u.kpage.flags = (pm[i] & PM_MMAP_EXCLUSIVE_) ? 1 : 0;
		emit(&rec);
	}
	return bad;
}

uint64_t kpage_emit_all(struct recorder *r)
{
	struct u64map seen = {0};
	uint64_t bad = 0;

	u64map_for_each(&r->procs.by_pid, i)
	{
		struct proc *p = r->procs.by_pid.vals[i];
		struct swin **v;
		size_t n;
		int fd;

		if (u64map_get(&seen, p->mm->id) || (fd = proc_pagemap_fd(p)) < 0)
			continue;
		u64map_put(&seen, p->mm->id, p);
		shadow_windows_sorted(p->mm, &v, &n);
		for (size_t k = 0; k < n; k++)
			bad += window_kpages(p->mm, fd, v[k]);
		free(v);
	}
	u64map_free(&seen);
	return bad;
}
