// SPDX-License-Identifier: GPL-2.0
/* Tracked processes and their mms: a vfork child shares its parent's mm
 * until it execs, so mms are counted by their users. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "recorder/record.h"

int read_file_str(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return (int)n;
}

void proc_read_comm(pid_t pid, char *comm, size_t len)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	if (read_file_str(path, comm, len) < 0)
		snprintf(comm, len, "?");
	comm[strcspn(comm, "\n")] = 0;
}

void mm_set_name(struct mm *mm, pid_t pid, const char *comm)
{
	mm->pid = pid;
	snprintf(mm->name, sizeof(mm->name), "%d/%.15s", pid, comm);
}

struct mm *mm_new(pid_t pid, const char *comm, uint32_t flags)
{
	struct procs *ps = &g_rec->procs;
	struct mm *mm = calloc(1, sizeof(*mm));

	if (!mm)
		return NULL;
	mm->id = ++ps->next_mm_id;
	mm->flags = flags;
	for (int i = 0; i < 4; i++)
		mm->kern_rss[i] = -1;
	if (flags & MC_MM_OUTSIDE)
		snprintf(mm->name, sizeof(mm->name), "outside");
	else
		mm_set_name(mm, pid, comm);
	if (u64map_put(&ps->mms, mm->id, mm)) {
		free(mm);
		return NULL;
	}
	emit_mm(mm);
	return mm;
}

void mm_put(struct mm *mm)
{
	struct procs *ps = &g_rec->procs;

	if (--mm->users > 0)
		return;
	shadow_clear(mm, false);
	u64map_free(&mm->wins);
	u64map_del(&ps->mms, mm->id);
	if (u64map_get(&ps->by_mmid, mm->mm_id) == mm)
		u64map_del(&ps->by_mmid, mm->mm_id);
	if (u64map_get(&ps->by_mmptr, mm->mm_ptr) == mm)
		u64map_del(&ps->by_mmptr, mm->mm_ptr);
	free(mm);
}

struct proc *proc_get(pid_t tgid)
{
	return u64map_get(&g_rec->procs.by_pid, (uint64_t)tgid);
}

struct proc *proc_add(pid_t tgid, pid_t parent, struct mm *mm, const char *comm)
{
	struct proc *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->pid = tgid;
	p->parent = parent;
	p->mm = mm;
	p->pagemap_fd = -1;
	snprintf(p->comm, sizeof(p->comm), "%s", comm);
	mm->users++;
	if (u64map_put(&g_rec->procs.by_pid, (uint64_t)tgid, p)) {
		mm_put(mm);
		free(p);
		return NULL;
	}
	return p;
}

void proc_remove(struct proc *p)
{
	u64map_del(&g_rec->procs.by_pid, (uint64_t)p->pid);
	if (p->pagemap_fd >= 0)
		close(p->pagemap_fd);
	mm_put(p->mm);
	free(p->dirty);
	free(p->faults);
	free(p);
}

pid_t tid_to_tgid(pid_t tid)
{
	struct procs *ps = &g_rec->procs;
	char path[64], buf[1024], *s;
	void *v;
	pid_t tgid;

	if (proc_get(tid))
		return tid;
	v = u64map_get(&ps->tid2tgid, (uint64_t)tid);
	if (v)
		return (pid_t)(uintptr_t)v;
	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	if (read_file_str(path, buf, sizeof(buf)) < 0 || !(s = strstr(buf, "\nTgid:")))
		return tid;
	tgid = (pid_t)strtol(s + 6, NULL, 10);
	if (tgid > 0 && tgid != tid)
		u64map_put(&ps->tid2tgid, (uint64_t)tid, (void *)(uintptr_t)tgid);
	return tgid > 0 ? tgid : tid;
}

/* Whole 2 MiB windows: a PMD mapping can only be judged over its window. */
void proc_mark_dirty(struct proc *p, uint64_t start, uint64_t end)
{
	struct range rg = {start & ~((1ull << WIN_SHIFT) - 1),
			   (end + (1ull << WIN_SHIFT) - 1) & ~((1ull << WIN_SHIFT) - 1)};

	if (rg.end > MAX_VA)
		rg.end = MAX_VA;
	if (rg.start >= rg.end)
		return;
	if (p->ndirty && p->dirty[p->ndirty - 1].start == rg.start &&
	    p->dirty[p->ndirty - 1].end == rg.end)
		return;
	if (array_reserve((void **)&p->dirty, &p->dirty_cap, p->ndirty + 1, sizeof(*p->dirty),
			  64)) {
		p->full_rescan = true;
		return;
	}
	p->dirty[p->ndirty++] = rg;
}

void proc_mark_fault(struct proc *p, uint64_t addr, uint64_t ts)
{
	proc_mark_dirty(p, addr, addr + 1);
	if (p->nfaults && p->faults[p->nfaults - 1].addr >> WIN_SHIFT == addr >> WIN_SHIFT)
		return; /* one check per window is enough */
	if (array_reserve((void **)&p->faults, &p->faults_cap, p->nfaults + 1, sizeof(*p->faults),
			  64))
		return;
	p->faults[p->nfaults++] = (struct fault_check){addr, ts, false};
}

int proc_pagemap_fd(struct proc *p)
{
	char path[64];

	if (p->pagemap_fd >= 0)
		return p->pagemap_fd;
	snprintf(path, sizeof(path), "/proc/%d/pagemap", p->pid);
	p->pagemap_fd = open(path, O_RDONLY | O_CLOEXEC);
	return p->pagemap_fd;
}

/*
 * A vfork child runs in its parent's mm until it execs; its page tables are
 * read through the parent, because the child's own /proc/PID/pagemap shows
 * the new program as soon as the exec happened, which we may not know yet.
 */
struct proc *proc_mm_owner(struct proc *p)
{
	struct proc *o;

	if (!p || p->mm->pid == p->pid || !(o = proc_get(p->mm->pid)) || o->mm != p->mm)
		return p;
	return o;
}

/*
 * A process that stopped itself to mark a quiescent point and is stopped
 * now, with the label of its checkpoint; NULL if none. A stop that does not
 * show within 0.5 s is forgotten. Checkpoint it, then proc_quiet_resume().
 */
struct proc *proc_quiet_ready(struct recorder *r, char *label, size_t len)
{
	u64map_for_each(&r->procs.by_pid, i)
	{
		struct proc *p = r->procs.by_pid.vals[i];

		if (!p->stop_pending)
			continue;
		if (!proc_is_stopped(p->pid)) {
			if (mono_ns() - p->stop_since > 500000000ull)
				p->stop_pending = false;
			continue;
		}
		snprintf(label, len, "quiet-%d-%u", p->pid, r->nckpt + 1);
		return p;
	}
	return NULL;
}

void proc_quiet_resume(struct proc *p)
{
	p->stop_pending = false;
	kill(p->pid, SIGCONT);
}
