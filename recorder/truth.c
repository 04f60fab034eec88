// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel truth at checkpoints (recorder-sources.md §4): smaps_rollup of every
 * tracked process and /proc/meminfo, written as KPROC/KMEM before the
 * CHECKPOINT. Pages of the shadow that processes outside the recording also
 * map (kpagecount above our own count) are given to the "outside" pseudo-mm
 * so that a replay's PSS divides by the same mapcount as the kernel's.
 */
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "recorder/record.h"

/*
 * The outside pseudo-mm maps each extra mapper of a page at a VPN of its own,
 * taken from a pool of slots: (pfn, k-th extra mapper) -> slot.
 */
static struct u64map outside_slot; /* pfn << 16 | k -> vpn */
static uint64_t *free_slots;
static size_t nfree, free_cap;
static uint64_t next_slot = 1;

static uint64_t slot_get(uint64_t pfn, unsigned k)
{
	uint64_t vpn = nfree ? free_slots[--nfree] : next_slot++;

	u64map_put(&outside_slot, pfn << 16 | k, (void *)(uintptr_t)vpn);
	return vpn;
}

static uint64_t slot_put(uint64_t pfn, unsigned k)
{
	uint64_t vpn = (uintptr_t)u64map_del(&outside_slot, pfn << 16 | k);

	if (array_reserve((void **)&free_slots, &free_cap, nfree + 1, sizeof(*free_slots), 1024))
		return vpn; /* the slot is not reused */
	free_slots[nfree++] = vpn;
	return vpn;
}

uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

bool proc_is_stopped(pid_t pid)
{
	char path[64], buf[512], *s;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_file_str(path, buf, sizeof(buf)) < 0 || !(s = strrchr(buf, ')')))
		return false;
	return s[2] == 'T' || s[2] == 't';
}

int freeze_tree(struct recorder *r, bool stop)
{
	uint64_t deadline = mono_ns() + 200000000ull;
	bool all;

	if (stop)
		r->freeze_start = mono_ns();
	u64map_for_each(&r->procs.by_pid, i)
		kill(((struct proc *)r->procs.by_pid.vals[i])->pid, stop ? SIGSTOP : SIGCONT);
	if (!stop) {
		r->freeze_end = mono_ns();
		return 0;
	}
	do {
		all = true;
		u64map_for_each(&r->procs.by_pid, i)
		{
			struct proc *p = r->procs.by_pid.vals[i];

			if (!proc_is_stopped(p->pid) && kill(p->pid, 0) == 0)
				all = false;
		}
		if (!all)
			usleep(500);
	} while (!all && mono_ns() < deadline);
	return all ? 0 : -1;
}

static uint64_t field_kb(const char *buf, const char *name)
{
	const char *s = strstr(buf, name);

	return s ? strtoull(s + strlen(name), NULL, 10) : 0;
}

struct kb_field {
	const char *key; /* "\nName:" as the file spells it */
	size_t off; /* uint64_t member of the record */
};

#define KPROC(key, member)                                          \
	{                                                           \
		"\n" key ":", offsetof(struct mc_rec_kproc, member) \
	}
static const struct kb_field rollup_fields[] = {
	KPROC("Rss", rss),
	KPROC("Pss", pss),
	KPROC("Pss_Anon", pss_anon),
	KPROC("Pss_File", pss_file),
	KPROC("Pss_Shmem", pss_shmem),
	KPROC("Shared_Clean", shared_clean),
	KPROC("Shared_Dirty", shared_dirty),
	KPROC("Private_Clean", private_clean),
	KPROC("Private_Dirty", private_dirty),
	KPROC("AnonHugePages", anon_huge),
};

#define KMEM(key, member)                                          \
	{                                                          \
		"\n" key ":", offsetof(struct mc_rec_kmem, member) \
	}
static const struct kb_field meminfo_fields[] = {
	KMEM("AnonPages", anon_pages),
	KMEM("Mapped", mapped),
	KMEM("Shmem", shmem),
	KMEM("AnonHugePages", anon_huge),
	KMEM("ShmemPmdMapped", shmem_pmd),
	KMEM("FilePmdMapped", file_pmd),
};

/* Fill the record's fields from "Name: N kB" lines of path. */
static int read_kb_file(const char *path, const struct kb_field *f, size_t n, void *rec)
{
	char buf[8192];

	buf[0] = '\n'; /* so that the first line matches "\nName:" too */
	if (read_file_str(path, buf + 1, sizeof(buf) - 1) <= 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		*(uint64_t *)((char *)rec + f[i].off) = field_kb(buf, f[i].key);
	return 0;
}

/* pfn -> mappings in the tracked shadows */
static void count_ours(struct recorder *r, struct u64map *ours)
{
	u64map_for_each(&r->procs.mms, k)
	{
		struct mm *mm = r->procs.mms.vals[k];

		if (mm->flags & MC_MM_OUTSIDE)
			continue;
		u64map_for_each(&mm->wins, j)
		{
			struct swin *w = mm->wins.vals[j];

			for (unsigned i = 0; i < WIN_PAGES; i++)
				if (w->pfn[i])
					u64map_put(ours, w->pfn[i],
						   (void *)((uintptr_t)u64map_get(ours, w->pfn[i]) +
							    1));
		}
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* kpagecount of every key of ours, into kpc (same keys). */
static void read_counts(const struct u64map *ours, struct u64map *kpc)
{
	uint64_t *pfns = malloc((ours->n + 1) * sizeof(*pfns)), buf[512];
	size_t n = 0;

	if (!pfns)
		return;
	u64map_for_each(ours, i) pfns[n++] = ours->keys[i];
	qsort(pfns, n, sizeof(*pfns), cmp_u64);
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;

		while (j < n && pfns[j] - pfns[i] < 512)
			j++;
		if (kpagecount_read(pfns[i], pfns[j - 1] - pfns[i] + 1, buf) == 0)
			for (size_t k = i; k < j; k++)
				u64map_put(kpc, pfns[k], (void *)(uintptr_t)buf[pfns[k] - pfns[i]]);
		i = j;
	}
	free(pfns);
}

/* outside_maps value: head pfn << 16 | extra mappers */
static void outside_update(struct recorder *r, uint64_t pfn, unsigned want)
{
	uintptr_t v = (uintptr_t)u64map_get(&r->outside_maps, pfn);
	unsigned have = v & 0xffff;
	uint64_t head = v >> 16;
	struct folio *f = NULL;

	if (want > 0xffff)
		want = 0xffff;
	if (want == have)
		return;
	if (want > have) {
		f = folio_of(pfn, false);
		if (!f)
			return;
		head = f->head;
	}
	if (!r->outside) {
		r->outside = mm_new(0, "", MC_MM_OUTSIDE);
		if (!r->outside)
			return;
		r->outside->users = 1;
	}
	for (unsigned k = have; k < want; k++)
		emit_map(r->outside, slot_get(pfn, k), f, pfn, 1, LVL_PTE, MC_CONF_OBSERVED, 0);
	for (unsigned k = want; k < have; k++) {
		struct mc_record rec = {.type = MC_REC_UNMAP};

		rec.u.unmap.mm = r->outside->id;
		rec.u.unmap.vpn = slot_put(pfn, k);
		rec.u.unmap.pfn = head;
		rec.u.unmap.nr = 1;
		rec.u.unmap.lf = LVL_PTE | (MC_CONF_OBSERVED << MC_LF_CONF_SHIFT);
		emit(&rec);
	}
	if (want)
		u64map_put(&r->outside_maps, pfn, (void *)(uintptr_t)(head << 16 | want));
	else
		u64map_del(&r->outside_maps, pfn);
}

static void outside_sync(struct recorder *r, struct u64map *ours, struct u64map *kpc)
{
	uint64_t *gone = malloc((r->outside_maps.n + 1) * sizeof(*gone));
	size_t ngone = 0;

	u64map_for_each(ours, i)
	{
		uint64_t pfn = ours->keys[i], mine = (uintptr_t)ours->vals[i];
		uint64_t all = (uintptr_t)u64map_get(kpc, pfn);

		outside_update(r, pfn, all > mine ? (unsigned)(all - mine) : 0);
	}
	/* pages we no longer map: the outside mappers leave the trace with them */
	u64map_for_each(&r->outside_maps, i) if (gone && !u64map_get(ours, r->outside_maps.keys[i]))
		gone[ngone++] = r->outside_maps.keys[i];
	for (size_t i = 0; i < ngone; i++)
		outside_update(r, gone[i], 0);
	free(gone);
}

/* smaps as the shadow predicts it: fs/proc/task_mmu.c:smaps_account@6.12 */
static void predict(const struct mm *mm, const struct u64map *kpc, uint64_t *rss, uint64_t *pss,
		    uint64_t *uss)
{
	uint64_t pss_fp = 0;

	*rss = *uss = 0;
	u64map_for_each(&mm->wins, j)
	{
		const struct swin *w = mm->wins.vals[j];

		for (unsigned i = 0; i < WIN_PAGES; i++) {
			uint64_t c;

			if (!w->pfn[i])
				continue;
			c = (uintptr_t)u64map_get(kpc, w->pfn[i]);
			if (!c)
				c = 1;
			*rss += 4;
			pss_fp += (4096ull << 12) / c;
			if (c == 1)
				*uss += 4;
		}
	}
	*pss = (pss_fp >> 12) / 1024;
}

static uint64_t absdiff(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

static bool same_counts(const struct u64map *a, const struct u64map *b)
{
	if (a->n != b->n)
		return false;
	u64map_for_each(a, i) if (u64map_get(b, a->keys[i]) != a->vals[i]) return false;
	return true;
}

/* smaps_rollup of every tracked mm, one KPROC each (unemitted); n of them. */
static size_t read_rollups(struct recorder *r, struct mc_record *out, size_t max)
{
	struct u64map seen = {0};
	size_t n = 0;
	char path[64];

	u64map_for_each(&r->procs.by_pid, i)
	{
		struct proc *p = r->procs.by_pid.vals[i];

		if (n == max || u64map_get(&seen, p->mm->id) || proc_mm_owner(p) != p)
			continue;
		u64map_put(&seen, p->mm->id, p);
		memset(&out[n], 0, sizeof(out[n]));
		out[n].type = MC_REC_KPROC;
		out[n].u.kproc.mm = p->mm->id;
		snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", p->pid);
		if (read_kb_file(path, rollup_fields,
				 sizeof(rollup_fields) / sizeof(*rollup_fields),
				 &out[n].u.kproc) == 0)
			n++;
	}
	u64map_free(&seen);
	return n;
}

static void selfcheck(struct recorder *r, const char *label, const struct mc_rec_kproc *k,
		      const struct u64map *kpc)
{
	struct mm *mm = u64map_get(&r->procs.mms, k->mm);
	uint64_t rss, pss, uss;

	if (!mm)
		return;
	predict(mm, kpc, &rss, &pss, &uss);
	uss = absdiff(uss, k->private_clean + k->private_dirty);
	rss = absdiff(rss, k->rss);
	pss = absdiff(pss, k->pss);
	if (rss > r->selfcheck_worst_rss)
		r->selfcheck_worst_rss = rss;
	if (pss > r->selfcheck_worst_pss)
		r->selfcheck_worst_pss = pss;
	if (uss > r->selfcheck_worst_uss)
		r->selfcheck_worst_uss = uss;
	if ((rss || uss || pss > 4) && r->verbose)
		fprintf(stderr,
			"mapcount record: %s %s: shadow vs smaps: rss %+lld kB, pss %+lld kB, "
			"uss %+lld kB\n",
			label, mm->name, (long long)rss, (long long)pss, (long long)uss);
}

int truth_checkpoint(struct recorder *r, const char *label, unsigned flags)
{
	struct u64map ours = {0}, kpc = {0}, again = {0};
	size_t max = r->procs.by_pid.n + 1, n = 0;
	struct mc_record rec = {0}, *kprocs = calloc(max, sizeof(*kprocs));
	uint64_t t0 = mono_ns();

	if (!kprocs)
		return -1;
	if (t0 > r->now)
		r->now = t0;
	count_ours(r, &ours);
	/*
	 * Mappers outside the recording come and go while smaps is read: read
	 * kpagecount before and after, until both agree (or three tries).
	 */
	read_counts(&ours, &kpc);
	for (int tries = 0; tries < 3; tries++) {
		n = read_rollups(r, kprocs, max);
		u64map_free(&again);
		read_counts(&ours, &again);
		if (same_counts(&kpc, &again))
			break;
		u64map_free(&kpc);
		kpc = again;
		again = (struct u64map){0};
	}
	outside_sync(r, &ours, &kpc);
	for (size_t i = 0; i < n; i++) {
		emit(&kprocs[i]);
		selfcheck(r, label, &kprocs[i].u.kproc, &kpc);
	}
	rec.type = MC_REC_KMEM;
	read_kb_file("/proc/meminfo", meminfo_fields,
		     sizeof(meminfo_fields) / sizeof(*meminfo_fields), &rec.u.kmem);
	emit(&rec);
	memset(&rec, 0, sizeof(rec));
	rec.type = MC_REC_CHECKPOINT;
	rec.u.checkpoint.label = (struct mc_str){label, (uint32_t)strlen(label)};
	rec.u.checkpoint.flags = flags;
	rec.u.checkpoint.span_ns = mono_ns() - t0;
	emit(&rec);
	u64map_free(&ours);
	u64map_free(&kpc);
	u64map_free(&again);
	free(kprocs);
	r->nckpt++;
	return 0;
}
