// SPDX-License-Identifier: GPL-2.0
/*
 * The private tracefs instance mapcount_<pid> and its per-CPU readers
 * (recorder-sources.md §5): overwrite mode so losses show as MISSED marks,
 * trace_clock mono, fields resolved by name from the format files once.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tracefs.h>
#include <event-parse.h>
#include <kbuffer.h>

#include "recorder/kprobe-plan.h"
#include "recorder/record.h"

#define MAX_FIELDS 12
#define MAX_PAGES_PER_READ 512

struct evdef {
	const char *sys, *name;
	uint16_t type, sysc;
	const char *fields[MAX_FIELDS]; /* NULL-terminated; "*" = every syscall argument */
	const char *str; /* string field copied to ev->str */
	const char *filter;
	bool optional;
	unsigned only; /* ONLY_B / ONLY_A: needed by one source only */
	/* resolved */
	struct tep_event *ev;
	struct tep_format_field *f[MAX_FIELDS];
	struct tep_format_field *fstr;
	int nf;
};

#define ONLY_B 1
#define ONLY_A 2

#define SYSC(nm, id)                                            \
	{"syscalls", "sys_enter_" nm, EV_SYS_ENTER, id, {"*"}}, \
	{                                                       \
		"syscalls", "sys_exit_" nm, EV_SYS_EXIT, id,    \
		{                                               \
			"ret"                                   \
		}                                               \
	}

static struct evdef pagemap_events[] = {
	{"exceptions", "page_fault_user", EV_FAULT, 0, {"address"}, .only = ONLY_B},
	{"exceptions",
	 "page_fault_kernel",
	 EV_FAULT,
	 0,
	 {"address"},
	 NULL,
	 "address < 0x800000000000",
	 .only = ONLY_B},
	{"kmem", "rss_stat", EV_RSS, 0, {"mm_id", "curr", "member", "size"}},
	{"task", "task_newtask", EV_NEWTASK, 0, {"pid", "clone_flags"}, "comm"},
	{"sched", "sched_process_exec", EV_EXEC, 0, {"pid", "old_pid"}, "filename"},
	{"sched", "sched_process_exit", EV_EXIT, 0, {"pid", "?group_dead"}},
	{"signal", "signal_deliver", EV_SIGNAL, 0, {"sig", "code"}, NULL, "sig == 19"},
	{"huge_memory", "mm_collapse_huge_page", EV_COLLAPSE, 0, {"mm"}, NULL, NULL, true},
	{"mmap_lock",
	 "mmap_lock_acquire_returned",
	 EV_MM_LOCK,
	 0,
	 {"mm"},
	 NULL,
	 "write == 1",
	 true},
	{"pagemap", "mm_lru_insertion", EV_LRU, 0, {"folio", "pfn"}, NULL, NULL, true, ONLY_A},
	SYSC("munmap", SYS_MUNMAP),
	SYSC("mremap", SYS_MREMAP),
	SYSC("madvise", SYS_MADVISE),
	SYSC("mprotect", SYS_MPROTECT),
	SYSC("pkey_mprotect", SYS_PKEY_MPROTECT),
	SYSC("brk", SYS_BRK),
	SYSC("mmap", SYS_MMAP),
	SYSC("mlock", SYS_MLOCK),
	SYSC("mlock2", SYS_MLOCK2),
	SYSC("mlockall", SYS_MLOCKALL),
	SYSC("shmdt", SYS_SHMDT),
	SYSC("remap_file_pages", SYS_REMAP_FILE_PAGES),
	SYSC("mbind", SYS_MBIND),
	SYSC("process_madvise", SYS_PROCESS_MADVISE),
	SYSC("move_pages", SYS_MOVE_PAGES),
	SYSC("migrate_pages", SYS_MIGRATE_PAGES),
};

#define NEVENTS (sizeof(pagemap_events) / sizeof(pagemap_events[0]))

static const char *const sysc_names[SYS_NR] = {
	"munmap",	 "mremap",	    "madvise",
	"mprotect",	 "pkey_mprotect",   "brk",
	"mmap",		 "mlock",	    "mlock2",
	"mlockall",	 "shmdt",	    "remap_file_pages",
	"mbind",	 "process_madvise", "move_pages",
	"migrate_pages",
};

const char *sysc_name(enum sysc s)
{
	return s < SYS_NR ? sysc_names[s] : "?";
}

struct tracing {
	struct tracefs_instance *inst;
	struct tracefs_dynevent *kprobes[KP_MAX_PROBES];
	struct evdef kp_defs[KP_MAX_PROBES + 1];
	char kp_group[32];
	int nkprobes;
	struct tep_handle *tep;
	int ncpu;
	struct tracefs_cpu **tc;
	struct kbuffer **kb;
	void *page;
	int page_size;
	struct evdef *by_id[65536];
	uint64_t raw_bytes;
};

/* kprobes of group mapcount_<pid> whose recorder is dead */
static int sweep_dynevents(void)
{
	struct tracefs_dynevent **all = tracefs_dynevent_get_all(TRACEFS_DYNEVENT_KPROBE, NULL);
	int swept = 0;

	for (size_t i = 0; all && all[i]; i++) {
		char *sys = NULL, *end;
		pid_t pid;

		if (tracefs_dynevent_info(all[i], &sys, NULL, NULL, NULL, NULL) < 0 || !sys)
			continue;
		pid = strncmp(sys, "mapcount_", 9) ? 0 : (pid_t)strtol(sys + 9, &end, 10);
		if (pid > 0 && !*end && kill(pid, 0) < 0 && errno == ESRCH &&
		    tracefs_dynevent_destroy(all[i], true) == 0)
			swept++;
		free(sys);
	}
	tracefs_dynevent_list_free(all);
	return swept;
}

int tracing_sweep_stale(void)
{
	/* no regex: libtracefs 1.6.4 leaks the one it compiles */
	char **names = tracefs_instances(NULL);
	int swept = 0;

	for (size_t i = 0; names && names[i]; i++) {
		char *end;
		pid_t pid;
		struct tracefs_instance *inst;

		if (strncmp(names[i], "mapcount_", 9))
			continue;
		pid = (pid_t)strtol(names[i] + 9, &end, 10);
		if (*end || pid <= 0 || !(kill(pid, 0) < 0 && errno == ESRCH))
			continue;
		inst = tracefs_instance_alloc(NULL, names[i]);
		if (inst && tracefs_instance_destroy(inst) == 0)
			swept++;
		tracefs_instance_free(inst);
	}
	tracefs_list_free(names);
	swept += sweep_dynevents();
	return swept;
}

static int resolve(struct tracing *t, struct evdef *d, char *err, size_t errlen)
{
	int size = 0;
	char *fmt = tracefs_event_file_read(NULL, d->sys, d->name, "format", &size);
	struct tep_format_field *f;

	if (!fmt) {
		if (d->optional)
			return 1;
		snprintf(err, errlen, "tracefs: event %s:%s is missing", d->sys, d->name);
		return -1;
	}
	if (tep_parse_event(t->tep, fmt, size, d->sys)) {
		free(fmt);
		snprintf(err, errlen, "tracefs: %s:%s: cannot parse its format", d->sys, d->name);
		return -1;
	}
	free(fmt);
	d->ev = tep_find_event_by_name(t->tep, d->sys, d->name);
	if (!d->ev || d->ev->id < 0 || d->ev->id > 65535)
		return -1;
	d->nf = 0;
	if (d->fields[0] && !strcmp(d->fields[0], "*")) {
		for (f = d->ev->format.fields; f && d->nf < MAX_FIELDS; f = f->next)
			if (strcmp(f->name, "__syscall_nr"))
				d->f[d->nf++] = f;
	} else {
		for (int i = 0; i < MAX_FIELDS && d->fields[i]; i++) {
			bool optional = d->fields[i][0] == '?';

			d->f[i] = tep_find_field(d->ev, d->fields[i] + optional);
			if (!d->f[i] && !optional) {
				snprintf(err, errlen, "tracefs: %s:%s has no field '%s'", d->sys,
					 d->name, d->fields[i]);
				return -1;
			}
			d->nf++;
		}
	}
	if (d->str && !(d->fstr = tep_find_field(d->ev, d->str))) {
		snprintf(err, errlen, "tracefs: %s:%s has no field '%s'", d->sys, d->name, d->str);
		return -1;
	}
	t->by_id[d->ev->id] = d;
	return 0;
}

static int set_pid_filter(struct tracing *t, const struct tracing_opts *o)
{
	char buf[64];

	if (o->mode == MODE_ALL) {
		snprintf(buf, sizeof(buf), "%d", getpid());
		return tracefs_instance_file_write(t->inst, "set_event_notrace_pid", buf) < 0;
	}
	if (o->mode == MODE_CGROUP)
		return 0;
	tracefs_instance_file_write(t->inst, "set_event_pid", "");
	for (int i = 0; i < o->npids; i++) {
		char dir[64];
		struct dirent *de;
		DIR *d;

		/* every thread of the process; children follow through event-fork */
		snprintf(dir, sizeof(dir), "/proc/%d/task", o->pids[i]);
		d = opendir(dir);
		if (!d)
			return -1;
		while ((de = readdir(d)))
			if (de->d_name[0] != '.' &&
			    tracefs_instance_file_append(t->inst, "set_event_pid", de->d_name) < 0)
				break;
		closedir(d);
	}
	return tracefs_option_enable(t->inst, TRACEFS_OPTION_EVENT_FORK);
}

struct tracing *tracing_open(const struct tracing_opts *o, char *err, size_t errlen)
{
	struct tracing *t = calloc(1, sizeof(*t));
	char name[64];

	if (!t) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(name, sizeof(name), "mapcount_%d", getpid());
	t->inst = tracefs_instance_create(name);
	if (!t->inst) {
		snprintf(err, errlen, "tracefs: cannot create instance %s: %s", name,
			 strerror(errno));
		free(t);
		return NULL;
	}
	if (!tracefs_instance_is_new(t->inst)) {
		snprintf(err, errlen, "tracefs: instance %s already exists", name);
		tracefs_instance_free(t->inst);
		free(t);
		return NULL;
	}
	tracefs_trace_off(t->inst);
	if (tracefs_instance_set_buffer_size(t->inst, o->buffer_kb, -1) < 0 ||
	    tracefs_instance_file_write(t->inst, "trace_clock", "mono") < 0 ||
	    tracefs_option_enable(t->inst, TRACEFS_OPTION_OVERWRITE) < 0 || set_pid_filter(t, o)) {
		snprintf(err, errlen, "tracefs: cannot set up instance %s: %s", name,
			 strerror(errno));
		goto fail;
	}
	t->tep = tep_alloc();
	if (!t->tep)
		goto fail;
	tep_set_file_bigendian(t->tep, TEP_LITTLE_ENDIAN);
	tep_set_long_size(t->tep, 8);
	tep_set_page_size(t->tep, getpagesize());
	for (size_t i = 0; i < NEVENTS; i++) {
		struct evdef *d = &pagemap_events[i];
		int rc;

		if (d->only && d->only != (o->kprobe ? ONLY_A : ONLY_B))
			continue;
		rc = resolve(t, d, err, errlen);

		if (rc < 0)
			goto fail;
		if (rc > 0)
			continue;
		if (d->filter && tracefs_event_filter_apply(t->inst, d->ev, d->filter) < 0) {
			snprintf(err, errlen, "tracefs: %s:%s: filter '%s' refused", d->sys,
				 d->name, d->filter);
			goto fail;
		}
		if (tracefs_event_enable(t->inst, d->sys, d->name) < 0) {
			snprintf(err, errlen, "tracefs: cannot enable %s:%s: %s", d->sys, d->name,
				 strerror(errno));
			goto fail;
		}
	}
	t->ncpu = (int)sysconf(_SC_NPROCESSORS_CONF);
	t->tc = calloc(t->ncpu, sizeof(*t->tc));
	t->kb = calloc(t->ncpu, sizeof(*t->kb));
	if (!t->tc || !t->kb)
		goto fail;
	for (int c = 0; c < t->ncpu; c++) {
		t->tc[c] = tracefs_cpu_open(t->inst, c, true);
		t->kb[c] = kbuffer_alloc(KBUFFER_LSIZE_8, KBUFFER_ENDIAN_LITTLE);
		if (!t->kb[c])
			goto fail;
		if (t->tc[c] && tracefs_cpu_read_size(t->tc[c]) > t->page_size)
			t->page_size = tracefs_cpu_read_size(t->tc[c]);
	}
	t->page = malloc(t->page_size ? t->page_size : 4096);
	if (!t->page)
		goto fail;
	return t;
fail:
	if (!err[0])
		snprintf(err, errlen, "tracefs: setting up %s failed: %s", name, strerror(errno));
	tracing_close(t);
	return NULL;
}

int tracing_add_kprobes(struct tracing *t, const struct kp_plan *pl, char *err, size_t errlen)
{
	snprintf(t->kp_group, sizeof(t->kp_group), "mapcount_%d", getpid());
	for (int i = 0; i < pl->nprobes; i++) {
		const struct kp_probe *p = &pl->probes[i];
		struct evdef *d = &t->kp_defs[i];
		struct tracefs_dynevent *ev =
			tracefs_kprobe_alloc(t->kp_group, p->event, p->func, p->fetch);

		if (!ev || tracefs_dynevent_create(ev)) {
			char *e = tracefs_error_last(NULL);

			snprintf(err, errlen, "tracefs: kprobe on %s refused: %s", p->func,
				 e && *e ? e : strerror(errno));
			free(e);
			tracefs_dynevent_free(ev);
			return -1;
		}
		t->kprobes[t->nkprobes++] = ev;
		*d = (struct evdef){.sys = t->kp_group,
				    .name = p->event,
				    .type = EV_KPROBE,
				    .sysc = (uint16_t)p->op};
		for (int k = 0; k < KS_MAX; k++)
			d->fields[k] = p->op == KP_FORK ? kp_fork_fields[k] : kp_slot_fields[k];
		if (resolve(t, d, err, errlen) ||
		    tracefs_event_enable(t->inst, d->sys, d->name) < 0) {
			if (!err[0])
				snprintf(err, errlen, "tracefs: cannot enable %s/%s", d->sys,
					 d->name);
			return -1;
		}
	}
	return 0;
}

int tracing_start(struct tracing *t)
{
	return tracefs_trace_on(t->inst);
}

static void copy_str(struct tracing *t, const struct evdef *d, const uint8_t *data, char *out,
		     size_t len)
{
	const struct tep_format_field *f = d->fstr;
	const char *s;
	size_t n;

	if (f->flags & TEP_FIELD_IS_DYNAMIC) {
		unsigned v = (unsigned)tep_read_number(t->tep, data + f->offset, 4);

		s = (const char *)data + (v & 0xffff);
		if (f->flags & TEP_FIELD_IS_RELATIVE)
			s += f->offset + f->size;
		n = v >> 16;
	} else {
		s = (const char *)data + f->offset;
		n = f->size;
	}
	/* the last path component, as the kernel makes comm at exec */
	for (size_t i = 0; i < n && s[i]; i++)
		if (s[i] == '/' && i + 1 < n) {
			n -= i + 1;
			s += i + 1;
			i = (size_t)-1;
		}
	n = strnlen(s, n);
	if (n >= len)
		n = len - 1;
	memcpy(out, s, n);
	out[n] = 0;
}

static int push(struct rec_event **evs, size_t *n, size_t *cap, const struct rec_event *e)
{
	if (array_reserve((void **)evs, cap, *n + 1, sizeof(**evs), 4096))
		return -1;
	(*evs)[(*n)++] = *e;
	return 0;
}

static int cmp_ts(const void *x, const void *y)
{
	const struct rec_event *a = x, *b = y;

	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	return a->cpu < b->cpu ? -1 : a->cpu > b->cpu;
}

void events_sort(struct rec_event *evs, size_t n)
{
	qsort(evs, n, sizeof(*evs), cmp_ts);
}

static int parse_page(struct tracing *t, int cpu, struct rec_event **evs, size_t *n, size_t *cap)
{
	struct kbuffer *kb = t->kb[cpu];
	unsigned long long ts;
	int missed;

	if (kbuffer_load_subbuffer(kb, t->page) < 0)
		return 0;
	/* what ftrace itself holds for these events: the sub-buffer's data and
	 * its header, not the unused rest of a partly filled page */
	t->raw_bytes += (uint64_t)kbuffer_subbuffer_size(kb) + kbuffer_start_of_data(kb);
	missed = kbuffer_missed_events(kb);
	if (missed) {
		struct rec_event e = {.type = EV_LOST, .cpu = (uint16_t)cpu};

		e.a[0] = missed > 0 ? (uint64_t)missed : 0;
		kbuffer_read_event(kb, &ts);
		e.ts = ts;
		if (push(evs, n, cap, &e))
			return -1;
	}
	for (void *data = kbuffer_read_event(kb, &ts); data; data = kbuffer_next_event(kb, &ts)) {
		unsigned id = (unsigned)tep_read_number(t->tep, data, 2);
		struct evdef *d = id < 65536 ? t->by_id[id] : NULL;
		struct rec_event e;

		if (!d)
			continue;
		memset(&e, 0, sizeof(e));
		e.ts = ts;
		e.type = d->type;
		e.sys = d->sysc;
		e.cpu = (uint16_t)cpu;
		e.pid = (int32_t)tep_read_number(t->tep, (uint8_t *)data + 4, 4);
		for (int i = 0; i < d->nf; i++) {
			unsigned long long v = 0;

			if (!d->f[i]) {
				e.a[i] = UINT64_MAX; /* optional field this kernel lacks */
				continue;
			}
			tep_read_number_field(d->f[i], data, &v);
			if ((d->f[i]->flags & TEP_FIELD_IS_SIGNED) && d->f[i]->size < 8)
				v = (unsigned long long)(int64_t)(int32_t)v;
			e.a[i] = v;
		}
		if (d->fstr)
			copy_str(t, d, data, e.str, sizeof(e.str));
		if (push(evs, n, cap, &e))
			return -1;
	}
	return 0;
}

int tracing_read(struct tracing *t, struct rec_event **evs, size_t *n, size_t *cap)
{
	size_t first = *n;

	for (int c = 0; c < t->ncpu; c++) {
		if (!t->tc[c])
			continue;
		for (int k = 0; k < MAX_PAGES_PER_READ; k++) {
			int got = tracefs_cpu_read(t->tc[c], t->page, true);

			if (got <= 0)
				break;
			if (parse_page(t, c, evs, n, cap))
				return -1;
		}
	}
	if (*n > first)
		qsort(*evs + first, *n - first, sizeof(**evs), cmp_ts);
	return 0;
}

/* Stop tracing and take what is left, including partly filled pages. */
int tracing_drain(struct tracing *t, struct rec_event **evs, size_t *n, size_t *cap)
{
	size_t first = *n;

	tracefs_trace_off(t->inst);
	if (tracing_read(t, evs, n, cap))
		return -1;
	first = *n;
	for (int c = 0; c < t->ncpu; c++) {
		int got;

		if (!t->tc[c])
			continue;
		while ((got = tracefs_cpu_flush(t->tc[c], t->page)) > 0) {
			if (parse_page(t, c, evs, n, cap))
				return -1;
		}
	}
	if (*n > first)
		qsort(*evs + first, *n - first, sizeof(**evs), cmp_ts);
	return 0;
}

uint64_t tracing_raw_bytes(const struct tracing *t)
{
	return t->raw_bytes;
}

uint64_t tracing_overruns(const struct tracing *t)
{
	uint64_t total = 0;

	for (int c = 0; c < t->ncpu; c++) {
		char path[64], *buf, *s;

		snprintf(path, sizeof(path), "per_cpu/cpu%d/stats", c);
		buf = tracefs_instance_file_read(t->inst, path, NULL);
		if (buf && (s = strstr(buf, "overrun:")))
			total += strtoull(s + 8, NULL, 10);
		free(buf);
	}
	return total;
}

void tracing_close(struct tracing *t)
{
	if (!t)
		return;
	for (int c = 0; t->tc && c < t->ncpu; c++)
		if (t->tc[c])
			tracefs_cpu_close(t->tc[c]);
	for (int c = 0; t->kb && c < t->ncpu; c++)
		if (t->kb[c])
			kbuffer_free(t->kb[c]);
	if (t->inst) {
		tracefs_trace_off(t->inst);
		tracefs_event_disable(t->inst, NULL, NULL);
		tracefs_instance_destroy(t->inst);
		tracefs_instance_free(t->inst);
	}
	for (int i = 0; i < t->nkprobes; i++) {
		tracefs_dynevent_destroy(t->kprobes[i], true);
		tracefs_dynevent_free(t->kprobes[i]);
	}
	if (t->tep)
		tep_free(t->tep);
	free(t->tc);
	free(t->kb);
	free(t->page);
	free(t);
}
