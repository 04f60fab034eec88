// SPDX-License-Identifier: GPL-2.0
/*
 * Source A (recorder-sources.md §2): kprobes on the rmap functions, in the
 * dynamic-event group and tracefs instance mapcount_<pid>. Every rmap call
 * becomes an exact MAP/UNMAP/REMAP record; fork is copy_page_range (DUP of
 * each copied VMA, expanded from the shadow), exec and exit follow the mm
 * pointers (exit_mmap), mremap and exec's stack shift are move_page_tables.
 * Events are merged across CPUs by timestamp behind a 2 ms watermark.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <tracefs.h>
#include <event-parse.h>

#include "recorder/kprobe.h"

enum { ET_NEWTASK = KH_NR, ET_EXEC, ET_SIGNAL, ET_LOST, ET_NR };

#define WATERMARK_NS 2000000ull
#define VM_PFNMAP_ 0x00000400ull /* include/linux/mm.h@6.12 */
#define VM_MIXEDMAP_ 0x10000000ull
#define CLONE_VM_ 0x100ull
#define CLONE_THREAD_ 0x10000ull
#define RMAP_EXCLUSIVE_ 1u /* include/linux/rmap.h@6.1, @6.12 */
#define RMAP_COMPOUND_ 2u /* include/linux/rmap.h@6.1 */
#define WIN_MASK ((1ull << WIN_SHIFT) - 1)

/* Events that do not fit the shadow (counted, reported, never guessed at). */
enum odd {
	ODD_MAP_SHAPE, /* a map outside its folio, or a misaligned PMD */
	ODD_MAP_OVER_PMD, /* a PMD map where PTEs are */
	ODD_UNMAP_PMD, /* a PMD unmap where the shadow has no such PMD */
	ODD_UNMAP_OTHER, /* a PTE unmap of a page the shadow has another PFN at */
	ODD_UNMAP_UNSEEN, /* a PTE unmap of a page mapped before the recording began */
	ODD_MOVE, /* a moved page whose folio is unknown */
	ODD_PAGEMAP, /* at a checkpoint, pagemap disagrees with the shadow */
	ODD_NR
};

static const char *const odd_names[ODD_NR] = {
	"maps outside their folio",
	"PMD maps over PTEs",
	"PMD unmaps of no PMD",
	"unmaps of another PFN",
	"unmaps of pages mapped before the recording",
	"moves of unknown folios",
	"pages pagemap disagrees on",
};

struct kev {
	uint64_t ts;
	uint64_t v[KF_NR_FIELDS];
	int32_t pid;
	uint16_t type, cpu;
	char str[16];
};

struct kevdef {
	struct tep_event *ev;
	struct tep_format_field *f[KF_NR_FIELDS];
	struct tep_format_field *str;
};

/* A pending entry/return pair of one thread (exit_mmap, move_page_tables). */
struct kpair {
	struct mm *mm;
	uint64_t old, dst, len;
};

static struct {
	struct kplan plan;
	char group[64];
	struct tracefs_instance *inst;
	struct tracefs_dynevent *dyn[KH_NR];
	struct tep_handle *tep;
	struct kevdef def[ET_NR];
	struct kevdef *by_id[65536];
	struct kev *evs;
	size_t nevs, cap;
	uint64_t vmb;
	struct u64map exiting, moving; /* tid -> struct kpair * */
	struct u64map forking; /* parent tid -> child struct mm * */
	struct u64map remapped; /* mm id << 40 ^ head: PMD remove the REMAP replaced */
	struct u64map cands; /* tgid -> the mm its exec is building */
	struct u64map replaced; /* mm id << 40 ^ vpn -> pfn + 1 a map replaced there */
	struct u64map switched; /* tgid: its exec's mm took over at the old mm's exit */
	struct folio scratch;
	uint64_t raw, overrun_seen;
	bool marked; /* a MISSED mark came since the last look at the stats */
	uint64_t odd[ODD_NR]; /* events the shadow did not expect, by kind */
	bool reading_failed;
} K;

/* ---- set-up and teardown ---- */

static int on_missed(struct tep_event *event, struct tep_record *rec, int cpu, void *ctx);

static void sweep_groups(void)
{
	struct tracefs_dynevent **all = tracefs_dynevent_get_all(
		TRACEFS_DYNEVENT_KPROBE | TRACEFS_DYNEVENT_KRETPROBE, NULL);

	for (size_t i = 0; all && all[i]; i++) {
		char *sys = NULL, *end;
		pid_t pid;

		tracefs_dynevent_info(all[i], &sys, NULL, NULL, NULL, NULL);
		if (sys && !strncmp(sys, "mapcount_", 9)) {
			pid = (pid_t)strtol(sys + 9, &end, 10);
			if (!*end && pid > 0 && kill(pid, 0) < 0 && errno == ESRCH)
				tracefs_dynevent_destroy(all[i], true);
		}
		free(sys);
	}
	tracefs_dynevent_list_free(all);
}

static int resolve(struct kevdef *d, const char *sys, const char *name, const char *const *fields,
		   const int *slots, const char *str, char *err, size_t errlen)
{
	d->ev = tep_find_event_by_name(K.tep, sys, name);
	if (!d->ev || d->ev->id < 0 || d->ev->id > 65535) {
		snprintf(err, errlen, "tracefs: event %s:%s has no format", sys, name);
		return -1;
	}
	for (int i = 0; fields[i]; i++) {
		d->f[slots[i]] = tep_find_field(d->ev, fields[i]);
		if (!d->f[slots[i]]) {
			snprintf(err, errlen, "tracefs: %s:%s has no field %s", sys, name,
				 fields[i]);
			return -1;
		}
	}
	if (str && !(d->str = tep_find_field(d->ev, str))) {
		snprintf(err, errlen, "tracefs: %s:%s has no field %s", sys, name, str);
		return -1;
	}
	K.by_id[d->ev->id] = d;
	return 0;
}

static int enable_tracepoints(char *err, size_t errlen)
{
	static const char *const newtask[] = {"pid", "clone_flags", NULL};
	static const int newtask_slot[] = {KF_PID, KF_RFLAGS};
	static const char *const exec[] = {"pid", "old_pid", NULL};
	static const int exec_slot[] = {KF_PID, KF_TGID};
	static const char *const sig[] = {"sig", NULL};
	static const int sig_slot[] = {KF_NR};

	if (tracefs_event_enable(K.inst, "task", "task_newtask") < 0 ||
	    tracefs_event_enable(K.inst, "sched", "sched_process_exec") < 0 ||
	    tracefs_event_enable(K.inst, "signal", "signal_deliver") < 0) {
		snprintf(err, errlen,
			 "tracefs: cannot enable task_newtask, sched_process_exec or "
			 "signal_deliver: %s",
			 strerror(errno));
		return -1;
	}
	if (resolve(&K.def[ET_NEWTASK], "task", "task_newtask", newtask, newtask_slot, "comm", err,
		    errlen) ||
	    resolve(&K.def[ET_EXEC], "sched", "sched_process_exec", exec, exec_slot, "filename",
		    err, errlen) ||
	    resolve(&K.def[ET_SIGNAL], "signal", "signal_deliver", sig, sig_slot, NULL, err,
		    errlen))
		return -1;
	if (tracefs_event_filter_apply(K.inst, K.def[ET_SIGNAL].ev, "sig == 19") < 0) {
		snprintf(err, errlen, "tracefs: signal_deliver: filter 'sig == 19' refused");
		return -1;
	}
	return 0;
}

static int create_kprobes(char *err, size_t errlen)
{
	for (int i = 0; i < KH_NR; i++) {
		const struct khook *h = &K.plan.hook[i];

		if (!h->symbol)
			continue;
		K.dyn[i] = h->ret ? tracefs_kretprobe_alloc(K.group, h->event, h->symbol,
							    h->fmt[0] ? h->fmt : NULL, 0)
				  : tracefs_kprobe_alloc(K.group, h->event, h->symbol,
							 h->fmt[0] ? h->fmt : NULL);
		if (!K.dyn[i] || tracefs_dynevent_create(K.dyn[i])) {
			char *e = tracefs_error_last(NULL);

			snprintf(err, errlen, "kprobe %s on %s: %s", h->event, h->symbol,
				 e && *e ? e : strerror(errno));
			free(e);
			return -1;
		}
		if (tracefs_event_enable(K.inst, K.group, h->event) < 0) {
			snprintf(err, errlen, "tracefs: cannot enable %s:%s", K.group, h->event);
			return -1;
		}
	}
	return 0;
}

static int resolve_kprobes(char *err, size_t errlen)
{
	for (int i = 0; i < KH_NR; i++) {
		struct kevdef *d = &K.def[i];

		if (!K.plan.hook[i].symbol)
			continue;
		d->ev = tep_find_event_by_name(K.tep, K.group, K.plan.hook[i].event);
		if (!d->ev || d->ev->id < 0 || d->ev->id > 65535) {
			snprintf(err, errlen, "tracefs: %s:%s has no format", K.group,
				 K.plan.hook[i].event);
			return -1;
		}
		for (int f = 0; f < KF_NR_FIELDS; f++)
			d->f[f] = tep_find_field(d->ev, kfield_name(f));
		K.by_id[d->ev->id] = d;
	}
	return 0;
}

int kprobe_open(struct recorder *r, size_t buffer_kb, char *err, size_t errlen)
{
	const char *systems[] = {K.group, "task", "sched", "signal", NULL};
	int n = 0;

	snprintf(K.group, sizeof(K.group), "mapcount_%d", getpid());
	sweep_groups();
	if (kplan_make(&K.plan, err, errlen))
		return -1;
	K.vmb = K.plan.vmemmap_default;
	K.inst = tracefs_instance_create(K.group);
	if (!K.inst || !tracefs_instance_is_new(K.inst)) {
		snprintf(err, errlen, "tracefs: cannot create instance %s (%s)", K.group,
			 K.inst ? "it exists" : strerror(errno));
		tracefs_instance_free(K.inst);
		K.inst = NULL;
		return -1;
	}
	tracefs_trace_off(K.inst);
	if (tracefs_instance_set_buffer_size(K.inst, buffer_kb, -1) < 0 ||
	    tracefs_instance_file_write(K.inst, "trace_clock", "mono") < 0 ||
	    tracefs_option_enable(K.inst, TRACEFS_OPTION_OVERWRITE) < 0) {
		snprintf(err, errlen, "tracefs: cannot set up instance %s: %s", K.group,
			 strerror(errno));
		goto fail;
	}
	if (create_kprobes(err, errlen))
		goto fail;
	K.tep = tracefs_local_events_system(NULL, systems);
	if (!K.tep) {
		snprintf(err, errlen, "tracefs: cannot read the event formats");
		goto fail;
	}
	if (resolve_kprobes(err, errlen) || enable_tracepoints(err, errlen))
		goto fail;
	tracefs_follow_missed_events(K.inst, on_missed, NULL);
	for (int i = 0; i < KH_NR; i++)
		n += K.dyn[i] != NULL;
	fprintf(stderr, "mapcount record: kprobe: %d probes in group %s\n", n, K.group);
	return 0;
fail:
	kprobe_close();
	return -1;
}

int kprobe_start(void)
{
	return tracefs_trace_on(K.inst);
}

void kprobe_close(void)
{
	if (K.inst) {
		tracefs_trace_off(K.inst);
		tracefs_event_disable(K.inst, NULL, NULL);
	}
	for (int i = 0; i < KH_NR; i++) {
		if (!K.dyn[i])
			continue;
		tracefs_dynevent_destroy(K.dyn[i], true);
		tracefs_dynevent_free(K.dyn[i]);
		K.dyn[i] = NULL;
	}
	if (K.inst) {
		tracefs_instance_destroy(K.inst);
		tracefs_instance_free(K.inst);
		K.inst = NULL;
	}
	if (K.tep)
		tep_free(K.tep);
	K.tep = NULL;
	u64map_for_each(&K.exiting, i) free(K.exiting.vals[i]);
	u64map_for_each(&K.moving, i) free(K.moving.vals[i]);
	u64map_free(&K.exiting);
	u64map_free(&K.moving);
	u64map_free(&K.forking);
	u64map_free(&K.remapped);
	u64map_free(&K.cands);
	u64map_free(&K.switched);
	u64map_free(&K.replaced);
	free(K.evs);
	K.evs = NULL;
	K.nevs = K.cap = 0;
}

uint64_t kprobe_raw_bytes(void)
{
	return K.raw;
}

/* ---- reading ---- */

static struct kev *push(void)
{
	if (K.nevs == K.cap) {
		size_t cap = K.cap ? K.cap * 2 : 4096;
		struct kev *v = realloc(K.evs, cap * sizeof(*v));

		if (!v)
			return NULL;
		K.evs = v;
		K.cap = cap;
	}
	return &K.evs[K.nevs++];
}

/* The last path component of a string field (exec's filename, a comm). */
static void copy_basename(struct kevdef *d, struct tep_record *rec, char *out, size_t len)
{
	int n = 0;
	const char *s = tep_get_field_raw(NULL, d->ev, d->str->name, rec, &n, 0);
	const char *slash;
	size_t l;

	out[0] = 0;
	if (!s || n <= 0)
		return;
	l = strnlen(s, (size_t)n);
	slash = memrchr(s, '/', l);
	if (slash) {
		l -= (size_t)(slash + 1 - s);
		s = slash + 1;
	}
	snprintf(out, len, "%.*s", (int)l, s);
}

static int on_record(struct tep_event *event, struct tep_record *rec, int cpu, void *ctx)
{
	struct kevdef *d = K.by_id[event->id & 0xffff];
	struct kev *e;

	(void)ctx;
	K.raw += (uint64_t)rec->size;
	if (!d || !(e = push()))
		return 0;
	memset(e, 0, sizeof(*e));
	e->ts = rec->ts;
	e->type = (uint16_t)(d - K.def);
	e->cpu = (uint16_t)cpu;
	e->pid = (int32_t)tep_read_number(K.tep, (uint8_t *)rec->data + 4, 4);
	for (int f = 0; f < KF_NR_FIELDS; f++) {
		unsigned long long v = 0;

		if (!d->f[f])
			continue;
		tep_read_number_field(d->f[f], rec->data, &v);
		if ((d->f[f]->flags & TEP_FIELD_IS_SIGNED) && d->f[f]->size < 8)
			v = (unsigned long long)(int64_t)(int32_t)v;
		e->v[f] = v;
	}
	if (d->str)
		copy_basename(d, rec, e->str, sizeof(e->str));
	return 0;
}

/* A MISSED mark in the stream (overwrite mode): a LOST record at that place. */
static int on_missed(struct tep_event *event, struct tep_record *rec, int cpu, void *ctx)
{
	struct kev *e = push();

	if (!e)
		return 0;
	memset(e, 0, sizeof(*e));
	e->ts = rec->ts;
	e->type = ET_LOST;
	e->cpu = (uint16_t)cpu;
	e->v[KF_NR] = rec->missed_events > 0 ? (uint64_t)rec->missed_events : 0;
	K.marked = true;
	return 0;
}

static uint64_t overruns(void)
{
	uint64_t total = 0;
	int ncpu = (int)sysconf(_SC_NPROCESSORS_CONF);

	for (int c = 0; c < ncpu; c++) {
		char path[64], *buf, *s;

		snprintf(path, sizeof(path), "per_cpu/cpu%d/stats", c);
		buf = tracefs_instance_file_read(K.inst, path, NULL);
		if (buf && (s = strstr(buf, "overrun:")))
			total += strtoull(s + 8, NULL, 10);
		free(buf);
	}
	return total;
}

static int cmp_kev(const void *x, const void *y)
{
	const struct kev *a = x, *b = y;

	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	return a->cpu < b->cpu ? -1 : a->cpu > b->cpu;
}

static int read_events(void)
{
	if (tracefs_iterate_raw_events(K.tep, K.inst, NULL, 0, on_record, NULL) < 0)
		return -1;
	qsort(K.evs, K.nevs, sizeof(*K.evs), cmp_kev);
	return 0;
}

/* ---- mms ---- */

static struct mm *mm_bind(struct mm *mm, uint64_t ptr)
{
	if (!mm->mm_ptr)
		mm->users++; /* the kernel's mm lives until its exit_mmap */
	mm->mm_ptr = ptr;
	u64map_put(&g_rec->procs.by_mmptr, ptr, mm);
	return mm;
}

/*
 * The trace mm of kernel mm pointer ptr, seen in thread tid's context. An
 * unknown pointer in a tracked process is either its own (not learnt yet)
 * or the mm an exec is building (bprm_mm_init@6.12, fs/exec.c): that one
 * becomes the process's mm at sched_process_exec.
 */
static struct mm *mm_of(uint64_t ptr, pid_t tid, bool create)
{
	struct mm *mm = ptr ? u64map_get(&g_rec->procs.by_mmptr, ptr) : NULL;
	struct proc *p;

	if (mm || !ptr)
		return mm;
	p = proc_get(tid_to_tgid(tid));
	if (!p || !create)
		return NULL;
	if (!p->mm->mm_ptr)
		return mm_bind(p->mm, ptr);
	mm = mm_new(p->pid, p->comm, 0);
	if (!mm)
		return NULL;
	u64map_put(&K.cands, (uint64_t)p->pid, mm);
	return mm_bind(mm, ptr);
}

/* p's exec-built mm becomes its mm (exec_mmap@6.12, fs/exec.c). */
static bool take_candidate(struct proc *p)
{
	struct mm *mm = u64map_del(&K.cands, (uint64_t)p->pid), *prev = p->mm;

	if (!mm)
		return false;
	p->mm = mm;
	mm->users++;
	if (!prev->mm_ptr && prev->users == 1) {
		emit_exit(prev);
		shadow_clear(prev, false);
	}
	mm_put(prev);
	return true;
}

/* exit_mmap is over: the mm ends. A process still on it either execs (its
 * exec-built mm takes over) or exits. */
static void mm_exit(struct mm *mm)
{
	bool again = true;

	emit_exit(mm);
	shadow_clear(mm, false);
	u64map_for_each(&K.cands, i) if (K.cands.vals[i] == mm)
	{
		u64map_del(&K.cands, K.cands.keys[i]);
		break;
	}
	while (again) {
		again = false;
		u64map_for_each(&g_rec->procs.by_pid, i)
		{
			struct proc *p = g_rec->procs.by_pid.vals[i];

			if (p->mm != mm)
				continue;
			if (take_candidate(p))
				u64map_put(&K.switched, (uint64_t)p->pid, p);
			else
				proc_remove(p);
			again = true;
			break;
		}
	}
	if (mm->mm_ptr && u64map_get(&g_rec->procs.by_mmptr, mm->mm_ptr) == mm)
		u64map_del(&g_rec->procs.by_mmptr, mm->mm_ptr);
	mm->mm_ptr = 0;
	mm_put(mm);
}

/* ---- folios ---- */

static uint64_t pfn_of(uint64_t ptr)
{
	return (ptr - K.vmb) / K.plan.page_size;
}

struct kfolio {
	uint64_t head; /* head pfn */
	unsigned order, kind;
	uint64_t index; /* folio->index (file offset or anon linear index) */
	uint32_t first; /* the page of the call */
};

/* Decode the folio of an event (hook table: folio or page family). */
static void decode_folio(const struct kev *e, struct kfolio *kf, bool anon)
{
	const uint64_t *v = e->v;
	uint64_t head = v[KF_FOLIO], flags = v[KF_FLAGS], map = v[KF_MAPPING];
	uint64_t page = v[KF_PAGE], index = v[KF_INDEX];
	unsigned order = (unsigned)v[KF_ORDER];

	if (!head) {
		/* struct page: head, tail (compound_head bit 0) or small */
		head = page;
		if (!(flags >> K.plan.pg_head & 1)) {
			order = 0;
			if (v[KF_CHEAD] & 1) {
				head = v[KF_CHEAD] - 1;
				flags = v[KF_HFLAGS];
				order = (unsigned)v[KF_HORDER];
				map = v[KF_HMAPPING];
				index = v[KF_HINDEX];
			}
		}
	} else if (!(flags >> K.plan.pg_head & 1)) {
		order = 0;
	}
	if (!page)
		page = head;
	if (order > PMD_ORDER)
		order = PMD_ORDER + 1; /* not modelled; the map refuses it */
	kf->head = pfn_of(head);
	kf->first = (uint32_t)((page - head) / K.plan.page_size);
	kf->order = order;
	kf->index = index;
	if (anon || (map & 1))
		kf->kind = (map & 3) == 3 ? FK_ANON | FK_KSM : FK_ANON;
	else
		kf->kind = (flags >> K.plan.pg_swapbacked & 1) ? FK_SHMEM : FK_FILE;
}

/* The recorder's folio for kf, announced again when it is new or changed. */
static struct folio *folio_for(const struct kfolio *kf, bool fresh)
{
	struct folio *f = folio_cached(kf->head);
	bool same = f && f->head == kf->head && f->order == kf->order && f->kind == kf->kind;

	f = folio_note(kf->head, kf->order, kf->kind, fresh);
	if (!f) {
		/* overlaps a folio still mapped: describe it from the event alone */
		f = &K.scratch;
		memset(f, 0, sizeof(*f));
		f->head = kf->head;
		f->order = (uint8_t)kf->order;
		f->kind = (uint8_t)kf->kind;
	}
	if (fresh || !same)
		f->announced = false;
	f->fresh = false;
	return f;
}

/* ---- shadow updates ---- */

/* lf: MC_LF_* flags and the confidence, already in place */
static void put_map(struct mm *mm, uint64_t vpn, struct folio *f, uint32_t first, uint32_t nr,
		    unsigned level, unsigned lf)
{
	emit_map(mm, vpn, f, f->head + first, nr, level,
		 (lf & MC_LF_CONF_MASK) >> MC_LF_CONF_SHIFT, lf & ~MC_LF_CONF_MASK);
}

static void do_map(struct mm *mm, uint64_t va, const struct kfolio *kf, uint32_t nr, unsigned level,
		   unsigned lf, bool fresh)
{
	uint64_t vpn = va >> 12;
	struct folio *f;

	if (kf->order > PMD_ORDER || kf->first + nr > 1u << kf->order || !nr) {
		K.odd[ODD_MAP_SHAPE]++;
		return;
	}
	f = folio_for(kf, fresh);
	if (level == LVL_PMD) {
		struct swin *w = shadow_win(mm, vpn >> 9, true);

		if (!w || (vpn & 511) || kf->order != PMD_ORDER) {
			K.odd[ODD_MAP_SHAPE]++;
			return;
		}
		if (w->count) {
			K.odd[ODD_MAP_OVER_PMD]++;
			shadow_unmap_pages(mm, w, 0, WIN_PAGES, MC_CONF_SEMANTIC);
		}
		put_map(mm, vpn, f, 0, WIN_PAGES, LVL_PMD, lf);
		for (unsigned i = 0; i < WIN_PAGES; i++)
			shadow_set(mm, w, i, f->head + i);
		w->pmd = true;
		return;
	}
	/*
	 * A COW or a pinned copy at fork maps the new page before it removes the
	 * old one (wp_page_copy@6.12): the old one goes first here, and its
	 * remove, when it comes, is expected.
	 */
	for (uint32_t k = 0; k < nr; k++) {
		struct swin *w = shadow_win(mm, (vpn + k) >> 9, false);
		unsigned i = (vpn + k) & 511;

		if (w && w->pfn[i]) {
			u64map_put(&K.replaced, (uint64_t)mm->id << 40 ^ (vpn + k),
				   (void *)(uintptr_t)(w->pfn[i] + 1));
			shadow_unmap_pages(mm, w, i, i + 1, MC_CONF_SEMANTIC);
		}
	}
	put_map(mm, vpn, f, kf->first, nr, LVL_PTE, lf);
	for (uint32_t k = 0; k < nr; k++) {
		struct swin *w = shadow_win(mm, (vpn + k) >> 9, true);

		if (w)
			shadow_set(mm, w, (vpn + k) & 511, f->head + kf->first + k);
	}
}

static void do_unmap(struct mm *mm, uint64_t va, const struct kfolio *kf, uint32_t nr,
		     unsigned level)
{
	uint64_t vpn = va >> 12, pfn = kf->head + kf->first;
	struct folio head = {.head = kf->head};

	if (level == LVL_PMD) {
		struct swin *w = shadow_win(mm, vpn >> 9, false);
		uint64_t key = (uint64_t)mm->id << 40 ^ kf->head;

		if (u64map_del(&K.remapped, key))
			return; /* the REMAP already turned this PMD into PTEs */
		if (!w || !w->pmd || w->pfn[0] != kf->head) {
			K.odd[ODD_UNMAP_PMD]++;
			return;
		}
		emit_unmap(mm, vpn, &head, WIN_PAGES, LVL_PMD, MC_CONF_EXACT);
		for (unsigned i = 0; i < WIN_PAGES; i++)
			shadow_set(mm, w, i, 0);
		w->pmd = false;
		shadow_drop_if_empty(mm, w);
		return;
	}
	for (uint32_t k = 0; k < nr;) {
		struct swin *w = shadow_win(mm, (vpn + k) >> 9, false);
		unsigned i = (vpn + k) & 511, j = i;

		while (w && j < WIN_PAGES && k + (j - i) < nr && w->pfn[j] == pfn + k + (j - i))
			j++;
		if (j == i) {
			uint64_t key = (uint64_t)mm->id << 40 ^ (vpn + k);

			if ((uintptr_t)u64map_get(&K.replaced, key) == pfn + k + 1)
				u64map_del(&K.replaced, key);
			else
				K.odd[w && w->pfn[i] ? ODD_UNMAP_OTHER : ODD_UNMAP_UNSEEN]++;
			k++;
			continue;
		}
		if (w->pmd)
			shadow_remap(mm, w, MC_CONF_SEMANTIC);
		emit_unmap(mm, vpn + k, &head, j - i, LVL_PTE, MC_CONF_EXACT);
		for (unsigned x = i; x < j; x++)
			shadow_set(mm, w, x, 0);
		shadow_drop_if_empty(mm, w);
		k += j - i;
	}
}

/* A PMD mapping of an anon THP becomes PTEs (__split_huge_pmd_locked, non-freeze). */
static bool do_remap(struct mm *mm, uint64_t va, uint64_t head)
{
	struct swin *w = shadow_win(mm, va >> WIN_SHIFT, false);
	struct folio *f, tmp = {.order = PMD_ORDER};

	if (!w || !w->pmd || (head && w->pfn[0] != head))
		return false;
	f = folio_cached(w->pfn[0]);
	if (f && (f->kind & ~FK_KSM) != FK_ANON)
		return false; /* file PMDs are zapped, and the remove says so */
	tmp.head = w->pfn[0];
	emit_remap(mm, va >> 12, f ? f : &tmp, MC_CONF_EXACT);
	w->pmd = false;
	return true;
}

/* VA of page kf->first of a folio mapped by a VMA (linear_page_index inverted). */
static uint64_t va_of(const struct kev *e, const struct kfolio *kf)
{
	return e->v[KF_VSTART] + ((kf->index + kf->first - e->v[KF_PGOFF]) << 12);
}

/* ---- fork ---- */

static bool file_pmd(const struct swin *w)
{
	struct folio *f = w->pmd ? folio_cached(w->pfn[0]) : NULL;

	return f && (f->kind & ~FK_KSM) != FK_ANON;
}

/* copy_page_range copies [vs, ve) when vma_needs_copy (mm/memory.c@6.1, @6.12);
 * the kernel leaves file PMDs to be refaulted (copy_huge_pmd). */
static void dup_range(struct mm *child, struct mm *parent, uint64_t vs, uint64_t ve)
{
	uint64_t run = 0, runlen = 0;

	for (uint64_t vpn = vs >> 12; vpn < ve >> 12;) {
		struct swin *pw = shadow_win(parent, vpn >> 9, false);
		unsigned i = vpn & 511;
		bool copy = pw && pw->pfn[i] && !file_pmd(pw);
		uint64_t step = pw ? 1 : WIN_PAGES - i;

		if (step > (ve >> 12) - vpn)
			step = (ve >> 12) - vpn;
		if (copy) {
			struct swin *cw = shadow_win(child, vpn >> 9, true);

			if (!runlen)
				run = vpn;
			runlen = vpn + 1 - run;
			if (cw) {
				shadow_set(child, cw, i, pw->pfn[i]);
				cw->pmd = pw->pmd;
			}
		} else if (runlen && (!pw || pw->pfn[i])) {
			emit_dup(child, parent, run, runlen, MC_CONF_EXACT);
			runlen = 0;
		}
		vpn += step;
	}
	if (runlen)
		emit_dup(child, parent, run, runlen, MC_CONF_EXACT);
}

static void on_fork(const struct kev *e)
{
	struct mm *parent = mm_of(e->v[KF_SMM], e->pid, false), *child;

	if (!parent)
		return;
	child = u64map_get(&g_rec->procs.by_mmptr, e->v[KF_NEW]);
	if (!child) {
		child = mm_new(parent->pid, "fork", 0);
		if (!child)
			return;
		mm_bind(child, e->v[KF_NEW]);
		emit_fork(parent, child, 0);
		u64map_put(&K.forking, (uint64_t)e->pid, child);
	}
	if (e->v[KF_ANON_VMA] || (e->v[KF_VFLAGS] & (VM_PFNMAP_ | VM_MIXEDMAP_)))
		dup_range(child, parent, e->v[KF_VSTART], e->v[KF_VEND]);
}

static void on_newtask(const struct kev *e)
{
	pid_t ptgid = tid_to_tgid(e->pid), pid = (pid_t)e->v[KF_PID];
	struct proc *pp = proc_get(ptgid);
	struct mm *cm = u64map_del(&K.forking, (uint64_t)e->pid);

	if (!pp)
		return;
	if (e->v[KF_RFLAGS] & CLONE_THREAD_) {
		u64map_put(&g_rec->procs.tid2tgid, (uint64_t)pid, (void *)(uintptr_t)ptgid);
		return;
	}
	if (e->v[KF_RFLAGS] & CLONE_VM_) {
		proc_add(pid, ptgid, pp->mm, e->str);
		return;
	}
	if (!cm && !(cm = mm_new(pid, e->str, 0)))
		return;
	if (proc_add(pid, ptgid, cm, e->str)) {
		mm_set_name(cm, pid, e->str);
		emit_mm(cm);
	}
}

static void on_exec(const struct kev *e)
{
	pid_t pid = (pid_t)e->v[KF_PID], old = (pid_t)e->v[KF_TGID];
	struct proc *p;

	if (old != pid)
		u64map_del(&g_rec->procs.tid2tgid, (uint64_t)old);
	p = proc_get(pid);
	if (!p)
		return;
	if (!u64map_del(&K.switched, (uint64_t)pid) && !take_candidate(p)) {
		/* nothing mapped in the new mm yet: its pointer is learnt later */
		struct mm *mm = mm_new(pid, e->str, 0);

		if (!mm)
			return;
		u64map_put(&K.cands, (uint64_t)pid, mm);
		take_candidate(p);
	}
	snprintf(p->comm, sizeof(p->comm), "%s", e->str);
	mm_set_name(p->mm, pid, p->comm);
	emit_mm(p->mm);
	if (p->pagemap_fd >= 0)
		close(p->pagemap_fd);
	p->pagemap_fd = -1;
}

/* ---- events ---- */

static void on_rmap(const struct kev *e)
{
	bool pmd = false, fresh = e->type == KH_NEW_ANON, anon;
	uint32_t nr = e->v[KF_NR] ? (uint32_t)e->v[KF_NR] : 1;
	unsigned lf = MC_CONF_EXACT << MC_LF_CONF_SHIFT;
	struct kfolio kf;
	struct mm *mm;
	uint64_t va;

	anon = e->type == KH_NEW_ANON || e->type == KH_ADD_ANON || e->type == KH_ADD_ANON_PMD;
	mm = mm_of(e->v[KF_MM], e->pid, e->type != KH_REMOVE && e->type != KH_REMOVE_PMD);
	if (!mm)
		return;
	decode_folio(e, &kf, anon);
	switch (e->type) {
	case KH_NEW_ANON:
		/* the whole folio: one PMD at PMD order, else PTEs (folio_add_new_anon_rmap@6.12)
		 */
		pmd = kf.order == PMD_ORDER;
		nr = 1u << kf.order;
		kf.first = 0;
		lf |= MC_LF_NEW_ANON | MC_LF_EXCLUSIVE;
		break;
	case KH_ADD_ANON:
		pmd = K.plan.family == KFAM_PAGE && (e->v[KF_RFLAGS] & RMAP_COMPOUND_);
		if (e->v[KF_RFLAGS] & RMAP_EXCLUSIVE_)
			lf |= MC_LF_EXCLUSIVE;
		if (!pmd && nr == WIN_PAGES && do_remap(mm, e->v[KF_ADDR], kf.head)) {
			/* __split_huge_pmd_locked@6.12: the PTEs, then the PMD's remove */
			u64map_put(&K.remapped, (uint64_t)mm->id << 40 ^ kf.head, mm);
			return;
		}
		break;
	case KH_ADD_ANON_PMD:
		pmd = true;
		if (e->v[KF_RFLAGS] & RMAP_EXCLUSIVE_)
			lf |= MC_LF_EXCLUSIVE;
		break;
	case KH_ADD_FILE_PMD:
	case KH_REMOVE_PMD:
		pmd = true;
		kf.first = 0;
		break;
	default:
		pmd = e->v[KF_COMPOUND] != 0;
		if (pmd)
			kf.first = 0;
		break;
	}
	if (pmd)
		nr = WIN_PAGES;
	if (e->type == KH_NEW_ANON || e->type == KH_ADD_ANON || e->type == KH_ADD_ANON_PMD)
		va = e->v[KF_ADDR] & (pmd ? ~WIN_MASK : ~0xfffull);
	else
		va = va_of(e, &kf);
	if (e->type == KH_REMOVE || e->type == KH_REMOVE_PMD)
		do_unmap(mm, va, &kf, nr, pmd ? LVL_PMD : LVL_PTE);
	else
		do_map(mm, va, &kf, nr, pmd ? LVL_PMD : LVL_PTE, lf, fresh);
}

/* move_page_tables@6.12 moved ret bytes of [old, old + len) to dst: no rmap call */
static void do_move(struct mm *mm, uint64_t old, uint64_t dst, uint64_t len)
{
	bool down = dst < old;
	uint64_t n = len >> 12;

	for (uint64_t k = 0; k < n; k++) {
		uint64_t i = down ? k : n - 1 - k;
		uint64_t ov = (old >> 12) + i, nv = (dst >> 12) + i;
		struct swin *w = shadow_win(mm, ov >> 9, false), *nw;
		struct folio *f;
		struct kfolio kf;

		if (!w || !w->pfn[ov & 511])
			continue;
		f = folio_cached(w->pfn[ov & 511]);
		if (!f)
			f = folio_of(w->pfn[ov & 511], false);
		if (!f) {
			K.odd[ODD_MOVE]++;
			continue;
		}
		kf = (struct kfolio){.head = f->head,
				     .order = f->order,
				     .kind = f->kind,
				     .first = (uint32_t)(w->pfn[ov & 511] - f->head)};
		if (w->pmd && !(ov & 511) && !(nv & 511) && i + WIN_PAGES <= n) {
			do_map(mm, nv << 12, &kf, WIN_PAGES, LVL_PMD,
			       MC_CONF_SEMANTIC << MC_LF_CONF_SHIFT, false);
			nw = shadow_win(mm, ov >> 9, false);
			if (nw)
				shadow_unmap_pages(mm, nw, 0, WIN_PAGES, MC_CONF_SEMANTIC);
			k += WIN_PAGES - 1;
			continue;
		}
		do_map(mm, nv << 12, &kf, 1, LVL_PTE, MC_CONF_SEMANTIC << MC_LF_CONF_SHIFT, false);
		w = shadow_win(mm, ov >> 9, false);
		if (w) {
			shadow_unmap_pages(mm, w, ov & 511, (ov & 511) + 1, MC_CONF_SEMANTIC);
			shadow_drop_if_empty(mm, w);
		}
	}
}

static void on_pair(const struct kev *e)
{
	struct kpair *kp;
	struct mm *mm;

	switch (e->type) {
	case KH_EXIT_MMAP:
		mm = mm_of(e->v[KF_MM], e->pid, false);
		if (!mm) {
			struct proc *p = proc_get(tid_to_tgid(e->pid));

			/* a tracked process whose mm pointer was never learnt */
			if (p && !p->mm->mm_ptr)
				mm = mm_bind(p->mm, e->v[KF_MM]);
		}
		if (mm && (kp = calloc(1, sizeof(*kp)))) {
			kp->mm = mm;
			free(u64map_del(&K.exiting, (uint64_t)e->pid));
			u64map_put(&K.exiting, (uint64_t)e->pid, kp);
		}
		break;
	case KH_EXIT_MMAP_RET:
		kp = u64map_del(&K.exiting, (uint64_t)e->pid);
		if (kp && u64map_get(&g_rec->procs.by_mmptr, kp->mm->mm_ptr) == kp->mm)
			mm_exit(kp->mm);
		free(kp);
		break;
	case KH_MOVE:
		mm = mm_of(e->v[KF_MM], e->pid, false);
		if (mm && (kp = calloc(1, sizeof(*kp)))) {
			*kp = (struct kpair){mm, e->v[KF_ADDR], e->v[KF_NEW], e->v[KF_LEN]};
			free(u64map_del(&K.moving, (uint64_t)e->pid));
			u64map_put(&K.moving, (uint64_t)e->pid, kp);
		}
		break;
	case KH_MOVE_RET:
		kp = u64map_del(&K.moving, (uint64_t)e->pid);
		if (kp && u64map_get(&g_rec->procs.by_mmptr, kp->mm->mm_ptr) == kp->mm &&
		    e->v[KF_RET] <= kp->len)
			do_move(kp->mm, kp->old, kp->dst, e->v[KF_RET]);
		free(kp);
		break;
	}
}

static void on_mm_access(const struct kev *e)
{
	struct proc *p = proc_get((pid_t)e->v[KF_TGID]);

	if (e->v[KF_VMB])
		K.vmb = e->v[KF_VMB];
	if (p && e->v[KF_MM] && !p->mm->mm_ptr && !u64map_get(&g_rec->procs.by_mmptr, e->v[KF_MM]))
		mm_bind(p->mm, e->v[KF_MM]);
}

static void handle(struct recorder *r, const struct kev *e)
{
	struct proc *p;

	if (e->ts > r->now)
		r->now = e->ts;
	switch (e->type) {
	case KH_NEW_ANON:
	case KH_ADD_ANON:
	case KH_ADD_ANON_PMD:
	case KH_ADD_FILE:
	case KH_ADD_FILE_PMD:
	case KH_REMOVE:
	case KH_REMOVE_PMD:
		on_rmap(e);
		break;
	case KH_SPLIT_PMD: {
		struct mm *mm = mm_of(e->v[KF_MM], e->pid, false);

		/* __split_huge_pmd_locked@6.1 is inline: the PTEs appear here */
		if (mm)
			do_remap(mm, e->v[KF_ADDR] & ~WIN_MASK, 0);
		break;
	}
	case KH_FORK:
		on_fork(e);
		break;
	case KH_EXIT_MMAP:
	case KH_EXIT_MMAP_RET:
	case KH_MOVE:
	case KH_MOVE_RET:
		on_pair(e);
		break;
	case KH_MM_ACCESS:
		on_mm_access(e);
		break;
	case ET_NEWTASK:
		on_newtask(e);
		break;
	case ET_EXEC:
		on_exec(e);
		break;
	case ET_SIGNAL:
		if (e->ts >= r->freeze_start && e->ts <= r->freeze_end)
			break;
		p = proc_get(tid_to_tgid(e->pid));
		if (p) {
			p->stop_pending = true;
			p->stop_since = e->ts;
		}
		break;
	case ET_LOST:
		r->lost_events += e->v[KF_NR];
		emit_lost(e->v[KF_NR], e->cpu);
		pagemap_rescan(r, NULL, 1);
		break;
	}
	r->events++;
}

/* Handle the events up to upto (trace clock); the rest wait for later ones. */
static void process(struct recorder *r, uint64_t upto)
{
	size_t n = 0;

	folio_new_pass();
	while (n < K.nevs && K.evs[n].ts <= upto)
		handle(r, &K.evs[n++]);
	memmove(K.evs, K.evs + n, (K.nevs - n) * sizeof(*K.evs));
	K.nevs -= n;
}

static void check_overruns(struct recorder *r)
{
	uint64_t o = overruns();

	/* the stats catch losses the stream did not mark */
	if (o > K.overrun_seen && !K.marked) {
		struct kev e = {.type = ET_LOST, .ts = mono_ns()};

		e.v[KF_NR] = o - K.overrun_seen;
		handle(r, &e);
	}
	K.overrun_seen = o;
	K.marked = false;
}

static int read_all(struct recorder *r)
{
	if (read_events()) {
		K.reading_failed = true;
		return -1;
	}
	process(r, UINT64_MAX);
	check_overruns(r);
	return 0;
}

static void checkpoint(struct recorder *r, const char *label, unsigned flags)
{
	uint64_t bad = kpage_emit_all(r);

	if (bad) {
		emit_note("kprobe: %llu pages differ between the shadow and pagemap at %s",
			  (unsigned long long)bad, label);
		if (r->verbose)
			fprintf(stderr,
				"mapcount record: %s: %llu shadow pages differ from "
				"pagemap\n",
				label, (unsigned long long)bad);
		K.odd[ODD_PAGEMAP] += bad;
	}
	truth_checkpoint(r, label, flags);
}

/* one quiet checkpoint per round: the process table may change */
static void quiet_points(struct recorder *r)
{
	char label[64];
	struct proc *p = proc_quiet_ready(r, label, sizeof(label));

	if (!p)
		return;
	/* what the stopped process did is in the buffers now */
	read_all(r);
	checkpoint(r, label, MC_CKPT_QUIET);
	proc_quiet_resume(p);
}

int kprobe_loop(struct recorder *r, uint64_t start)
{
	bool child_done = false;
	int status;

	r->last_ckpt = r->last_flush = start;
	K.overrun_seen = overruns();
	while (!g_stop) {
		uint64_t now;
		size_t before = K.nevs;

		if (read_events()) {
			K.reading_failed = true;
			return -1;
		}
		now = mono_ns();
		process(r, now - WATERMARK_NS);
		quiet_points(r);
		if (r->ckpt_interval_ms && now - r->last_ckpt >= r->ckpt_interval_ms * 1000000ull) {
			char label[32];
			bool frozen = false;

			if (r->ckpt_freeze && r->procs.by_pid.n)
				frozen = freeze_tree(r, true) == 0;
			read_all(r);
			snprintf(label, sizeof(label), "tick-%u", r->nckpt + 1);
			checkpoint(r, label, frozen ? MC_CKPT_FROZEN : 0);
			if (r->ckpt_freeze)
				freeze_tree(r, false);
			r->last_ckpt = now;
		}
		if (now - r->last_flush >= 1000000000ull) {
			check_overruns(r);
			mc_writer_flush(r->w);
			r->last_flush = now;
		}
		if (r->duration > 0 && now - start >= (uint64_t)(r->duration * 1e9))
			break;
		if (r->child && !child_done && waitpid(r->child, &status, WNOHANG) == r->child)
			child_done = true;
		if (child_done)
			break;
		if (K.nevs == before)
			usleep(5000);
	}
	tracefs_trace_off(K.inst);
	read_all(r);
	kpage_emit_all(r);
	for (int i = 0; i < ODD_NR; i++)
		if (K.odd[i])
			fprintf(stderr, "mapcount record: kprobe: %llu %s\n",
				(unsigned long long)K.odd[i], odd_names[i]);
	return 0;
}
