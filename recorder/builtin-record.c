// SPDX-License-Identifier: GPL-2.0
/*
 * mapcount record: capture rmap activity of a live system into a trace
 * (shared/spec/interfaces.md §1 record, recorder-sources.md).
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <tracefs.h>

#include "lib/builtin.h"
#include "recorder/kprobe-plan.h"
#include "recorder/kprobe.h"
#include "recorder/record.h"

struct recorder *g_rec;
volatile int g_stop;

static const char usage_text[] =
	"usage: mapcount record -o TRACE [options] [--all | --pid PID... | --cgroup PATH | -- "
	"COMMAND [ARGS...]]\n"
	"\n"
	"Capture rmap activity (map, unmap, fork, exec, exit of folios) of a live system.\n"
	"Needs root and tracefs.\n"
	"\n"
	"  -o, --output TRACE          trace file to write (refused if it exists)\n"
	"  -f, --force                 replace an existing TRACE\n"
	"  -a, --all                   record every process (default without COMMAND)\n"
	"  -p, --pid PID               record PID and its descendants (repeatable)\n"
	"  -G, --cgroup PATH           record the processes of a cgroup and their descendants\n"
	"  -d, --duration S            stop after S seconds\n"
	"  -s, --source SRC            auto, pagemap or kprobe (default auto)\n"
	"  -c, --checkpoint-interval MS  kernel-truth checkpoint every MS ms (default 1000, 0 "
	"off)\n"
	"  -F, --checkpoint-freeze     stop the recorded tree while reading the kernel's figures\n"
	"  -b, --buffer-kb N           ring buffer per CPU in KiB (default 8192)\n"
	"  -r, --rescan-interval MS    full pagemap rescan every MS ms (default 30000, 0 off)\n"
	"  -v, --verbose               report shadow-versus-kernel differences on stderr\n"
	"      --print-kprobes         print the kprobes the kprobe source would use here, and "
	"exit\n"
	"  -h, --help                  this text\n"
	"\n"
	"A recorded process marks a quiescent point by raising SIGSTOP: the recorder\n"
	"takes a checkpoint flagged quiet, then sends SIGCONT.\n";

static void on_signal(int sig)
{
	(void)sig;
	g_stop = 1;
}

static int parse_num(const char *opt, const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	if (errno || end == s || *end || *out < 0) {
		fprintf(stderr, "mapcount record: %s: '%s' is not a non-negative number\n", opt, s);
		return -1;
	}
	return 0;
}

static int parse_args(struct recorder *r, int argc, char **argv)
{
	static const struct option opts[] = {{"output", required_argument, NULL, 'o'},
					     {"force", no_argument, NULL, 'f'},
					     {"all", no_argument, NULL, 'a'},
					     {"pid", required_argument, NULL, 'p'},
					     {"cgroup", required_argument, NULL, 'G'},
					     {"duration", required_argument, NULL, 'd'},
					     {"source", required_argument, NULL, 's'},
					     {"checkpoint-interval", required_argument, NULL, 'c'},
					     {"checkpoint-freeze", no_argument, NULL, 'F'},
					     {"buffer-kb", required_argument, NULL, 'b'},
					     {"rescan-interval", required_argument, NULL, 'r'},
					     {"verbose", no_argument, NULL, 'v'},
					     {"print-kprobes", no_argument, NULL, 'K'},
					     {"help", no_argument, NULL, 'h'},
					     {0}};
	int c, modes = 0;
	double v;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+o:fap:G:d:s:c:Fb:r:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			r->out = optarg;
			break;
		case 'f':
			r->force = true;
			break;
		case 'a':
			r->mode = MODE_ALL;
			modes |= 1;
			break;
		case 'p': {
			char *end;
			long pid = strtol(optarg, &end, 10);
			pid_t *np;

			if (*end || pid <= 0 || pid > 4194304) {
				fprintf(stderr, "mapcount record: --pid: '%s' is not a pid\n",
					optarg);
				return 2;
			}
			np = realloc(r->pids, (r->npids + 1) * sizeof(*np));
			if (!np)
				return 1;
			r->pids = np;
			r->pids[r->npids++] = (pid_t)pid;
			r->mode = MODE_PID;
			modes |= 2;
			break;
		}
		case 'G':
			r->cgroup = optarg;
			r->mode = MODE_CGROUP;
			modes |= 4;
			break;
		case 'd':
			if (parse_num("--duration", optarg, &r->duration))
				return 2;
			break;
		case 's':
			if (!strcmp(optarg, "auto"))
				r->source = SRC_AUTO;
			else if (!strcmp(optarg, "pagemap"))
				r->source = SRC_PAGEMAP;
			else if (!strcmp(optarg, "kprobe"))
				r->source = SRC_KPROBE;
			else {
				fprintf(stderr,
					"mapcount record: --source: '%s' is not auto, pagemap "
					"or kprobe\n",
					optarg);
				return 2;
			}
			break;
		case 'c':
			if (parse_num("--checkpoint-interval", optarg, &v))
				return 2;
			r->ckpt_interval_ms = (unsigned)v;
			break;
		case 'F':
			r->ckpt_freeze = true;
			break;
		case 'b':
			if (parse_num("--buffer-kb", optarg, &v) || v < 64) {
				fprintf(stderr, "mapcount record: --buffer-kb: at least 64\n");
				return 2;
			}
			r->buffer_kb = (size_t)v;
			break;
		case 'r':
			if (parse_num("--rescan-interval", optarg, &v))
				return 2;
			r->rescan_interval_ms = (unsigned)v;
			break;
		case 'v':
			r->verbose = true;
			break;
		case 'K':
			r->print_kprobes = true;
			return 0;
		case 'h':
			fputs(usage_text, stdout);
			return -1;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (optind < argc) {
		r->command = argv + optind;
		r->mode = MODE_COMMAND;
		modes |= 8;
	}
	if (!r->out && !r->print_kprobes) {
		fprintf(stderr, "mapcount record: -o TRACE is required\n");
		return 2;
	}
	if (modes & (modes - 1)) {
		fprintf(stderr, "mapcount record: --all, --pid, --cgroup and COMMAND exclude each "
				"other\n");
		return 2;
	}
	if (r->ckpt_freeze && r->mode == MODE_ALL) {
		fprintf(stderr, "mapcount record: --checkpoint-freeze needs --pid, --cgroup or "
				"COMMAND\n");
		return 2;
	}
	return 0;
}

/* ---- what to record at the start ---- */

static bool is_user_process(pid_t pid)
{
	char path[64], buf[1024], *s;
	unsigned long flags = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_file_str(path, buf, sizeof(buf)) < 0 || !(s = strrchr(buf, ')')))
		return false;
	/* field 9, after ") S ppid pgrp session tty tpgid": PF_KTHREAD is 0x00200000 */
	if (sscanf(s + 2, "%*c %*d %*d %*d %*d %*d %lu", &flags) != 1)
		return false;
	return !(flags & 0x00200000ul) && s[2] != 'Z' && s[2] != 'X';
}

static pid_t ppid_of(pid_t pid)
{
	char path[64], buf[1024], *s;
	int ppid = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_file_str(path, buf, sizeof(buf)) < 0 || !(s = strrchr(buf, ')')))
		return 0;
	sscanf(s + 2, "%*c %d", &ppid);
	return ppid;
}

static int add_pid(pid_t **v, int *n, pid_t pid)
{
	pid_t *nv;

	for (int i = 0; i < *n; i++)
		if ((*v)[i] == pid)
			return 0;
	nv = realloc(*v, (*n + 1) * sizeof(*nv));
	if (!nv)
		return -1;
	*v = nv;
	(*v)[(*n)++] = pid;
	return 0;
}

/* The processes to record now: all, the given pids with descendants, or a cgroup's. */
static int initial_set(struct recorder *r, pid_t **out, int *nout)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	pid_t *all = NULL;
	int nall = 0;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		pid_t pid = (pid_t)strtol(de->d_name, NULL, 10);

		if (pid > 0 && pid != r->self && is_user_process(pid) && add_pid(&all, &nall, pid))
			break;
	}
	closedir(d);
	*out = NULL;
	*nout = 0;
	if (r->mode == MODE_ALL) {
		*out = all;
		*nout = nall;
		return 0;
	}
	if (r->mode == MODE_CGROUP) {
		char path[512], buf[65536], *s, *save;

		snprintf(path, sizeof(path), "%s/cgroup.procs", r->cgroup);
		if (read_file_str(path, buf, sizeof(buf)) < 0) {
			fprintf(stderr,
				"mapcount record: %s: cannot read (is --cgroup a cgroup "
				"directory?)\n",
				path);
			free(all);
			return -1;
		}
		for (s = strtok_r(buf, "\n", &save); s; s = strtok_r(NULL, "\n", &save))
			add_pid(out, nout, (pid_t)strtol(s, NULL, 10));
	} else {
		for (int i = 0; i < r->npids; i++) {
			if (kill(r->pids[i], 0) < 0 && errno == ESRCH) {
				fprintf(stderr, "mapcount record: --pid %d: no such process\n",
					r->pids[i]);
				free(all);
				return -1;
			}
			add_pid(out, nout, r->pids[i]);
		}
	}
	/* descendants: repeat until no process is added */
	for (bool grew = true; grew;) {
		grew = false;
		for (int i = 0; i < nall; i++) {
			pid_t pp = ppid_of(all[i]);
			int before = *nout;

			for (int k = 0; k < before; k++)
				if ((*out)[k] == pp)
					add_pid(out, nout, all[i]);
			grew |= *nout > before;
		}
	}
	free(all);
	return 0;
}

/*
 * After lost events (or at a periodic rescan) processes may exist whose fork
 * we never saw: take on those that belong to the recording.
 */
static void adopt_untracked(struct recorder *r)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	pid_t *cand = NULL, *cg = NULL;
	int ncand = 0, ncg = 0;
	bool grew = true;

	r->adopt_pending = false;
	if (!d)
		return;
	while ((de = readdir(d))) {
		pid_t pid = (pid_t)strtol(de->d_name, NULL, 10);

		if (pid > 0 && pid != r->self && !proc_get(pid) && is_user_process(pid))
			add_pid(&cand, &ncand, pid);
	}
	closedir(d);
	if (r->mode == MODE_CGROUP) {
		if (initial_set(r, &cg, &ncg) == 0)
			for (int i = 0; i < ncg; i++)
				if (!proc_get(cg[i]))
					pagemap_track_new(r, cg[i], ppid_of(cg[i]));
		free(cg);
	}
	while (grew) {
		grew = false;
		for (int i = 0; i < ncand; i++) {
			pid_t pp;

			if (!cand[i] || proc_get(cand[i]))
				continue;
			pp = ppid_of(cand[i]);
			if (r->mode == MODE_ALL || (pp > 0 && proc_get(pp))) {
				pagemap_track_new(r, cand[i], pp);
				cand[i] = 0;
				grew = true;
			}
		}
	}
	free(cand);
}

/* ---- header ---- */

static unsigned config_flags(char *extra, size_t len)
{
	char path[300], line[256];
	struct utsname u;
	unsigned flags = 0;
	FILE *f;

	uname(&u);
	snprintf(path, sizeof(path), "/boot/config-%s", u.release);
	f = fopen(path, "re");
	if (!f)
		f = popen("gzip -dc /proc/config.gz 2>/dev/null", "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (!strcmp(line, "CONFIG_PAGE_MAPCOUNT=y\n"))
			flags |= MC_HDR_PAGE_MAPCOUNT;
		else if (!strcmp(line, "CONFIG_NO_PAGE_MAPCOUNT=y\n"))
			flags |= MC_HDR_NO_PAGE_MAPCOUNT;
		else if (!strcmp(line, "CONFIG_MM_ID=y\n"))
			flags |= MC_HDR_MM_ID;
	}
	if (!strncmp(path, "/boot", 5) && access(path, R_OK) == 0)
		fclose(f);
	else
		pclose(f);
	(void)extra;
	(void)len;
	return flags;
}

static void thp_setting(const char *file, char *out, size_t len)
{
	char buf[256], *a, *b;

	out[0] = 0;
	if (read_file_str(file, buf, sizeof(buf)) < 0 || !(a = strchr(buf, '[')) ||
	    !(b = strchr(a, ']')))
		return;
	*b = 0;
	snprintf(out, len, "%s", a + 1);
}

static void fill_header(struct recorder *r, struct mc_rec_header *h, char *extra, size_t len,
			struct utsname *u)
{
	struct timespec ts;
	char thp[32], mthp[32];

	uname(u);
	clock_gettime(CLOCK_REALTIME, &ts);
	thp_setting("/sys/kernel/mm/transparent_hugepage/enabled", thp, sizeof(thp));
	thp_setting("/sys/kernel/mm/transparent_hugepage/hugepages-64kB/enabled", mthp,
		    sizeof(mthp));
	h->magic = (struct mc_str){"mapcount", 8};
	h->version = MC_TRACE_VERSION;
	h->page_shift = 12;
	h->pmd_order = 9;
	h->pud_order = 18;
	h->source = r->source == SRC_KPROBE ? (struct mc_str){"kprobe", 6}
					    : (struct mc_str){"pagemap", 7};
	h->kernel = (struct mc_str){u->release, (uint32_t)strlen(u->release)};
	h->clock = (struct mc_str){"mono", 4};
	h->host = (struct mc_str){u->nodename, (uint32_t)strlen(u->nodename)};
	h->start_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	h->flags = config_flags(extra, len);
	snprintf(extra, len,
		 "mono_start_ns=%llu\nmode=%s\nthp=%s\nthp_64kB=%s\npagemap_scan=1\n"
		 "checkpoint_interval_ms=%u\nrecorder_pid=%d\n",
		 (unsigned long long)r->start_ns,
		 r->mode == MODE_ALL	  ? "all"
		 : r->mode == MODE_PID	  ? "pid"
		 : r->mode == MODE_CGROUP ? "cgroup"
					  : "command",
		 thp, mthp, r->ckpt_interval_ms, r->self);
	h->extra = (struct mc_str){extra, (uint32_t)strlen(extra)};
}

/* ---- the loop ---- */

static uint64_t vmstat_splits(void)
{
	char buf[16384];
	const char *s;
	uint64_t n = 0;

	if (read_file_str("/proc/vmstat", buf, sizeof(buf)) < 0)
		return 0;
	if ((s = strstr(buf, "\nthp_split_page ")))
		n += strtoull(s + 16, NULL, 10);
	if ((s = strstr(buf, "\nthp_deferred_split_page ")))
		n += strtoull(s + 25, NULL, 10);
	if ((s = strstr(buf, "\nthp_split_pmd ")))
		n += strtoull(s + 15, NULL, 10);
	return n;
}

static struct rec_event *evs;
static size_t nevs, cap_evs;

/* Events newer than now minus this may still have older company on another
 * CPU that the next read brings: they wait for the next round. */
#define WATERMARK_NS 2000000ull

/* Hand the events up to limit (trace time) to the source, keep the rest. */
static void process_events(struct recorder *r, uint64_t limit)
{
	size_t i;

	for (i = 0; i < nevs && evs[i].ts <= limit; i++) {
		if (evs[i].ts > r->now)
			r->now = evs[i].ts;
		pagemap_handle(r, &evs[i], evs, nevs, i);
	}
	r->events += i;
	if (i && i < nevs)
		memmove(evs, evs + i, (nevs - i) * sizeof(*evs));
	nevs -= i;
}

/* Append what the buffers hold to the events kept back; 0 or -1. */
static int read_events(struct recorder *r, bool drain)
{
	size_t held = nevs;
	int rc = drain ? tracing_drain(r->tr, &evs, &nevs, &cap_evs)
		       : tracing_read(r->tr, &evs, &nevs, &cap_evs);

	if ((held || drain) && nevs > held)
		events_sort(evs, nevs);
	return rc;
}

static void read_and_process(struct recorder *r)
{
	if (read_events(r, false) == 0)
		process_events(r, UINT64_MAX);
}

/* one quiet checkpoint per round: the process table may change */
static void quiet_checkpoints(struct recorder *r)
{
	char label[64];
	struct proc *p = proc_quiet_ready(r, label, sizeof(label));

	if (!p)
		return;
	/* everything the stopped process did is in the buffers now */
	read_and_process(r);
	pagemap_reconcile_all(r);
	u64map_for_each(&r->procs.by_pid, k)
	{
		struct proc *q = r->procs.by_pid.vals[k];

		if (proc_is_stopped(q->pid)) {
			q->full_rescan = true;
			q->rescan_reason = 0;
		}
	}
	pagemap_reconcile_all(r);
	truth_checkpoint(r, label, MC_CKPT_QUIET);
	proc_quiet_resume(p);
}

static void periodic_checkpoint(struct recorder *r, const char *label)
{
	bool frozen = false;

	if (r->ckpt_freeze && r->procs.by_pid.n)
		frozen = freeze_tree(r, true) == 0;
	read_and_process(r);
	pagemap_reconcile_all(r);
	truth_checkpoint(r, label, frozen ? MC_CKPT_FROZEN : 0);
	if (r->ckpt_freeze)
		freeze_tree(r, false);
}

static int start_command(struct recorder *r, int *release_fd)
{
	int pfd[2];
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		char c, self[16];
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		/* lets a workload check that the recorder is there to wake it */
		snprintf(self, sizeof(self), "%d", (int)getppid());
		setenv("MAPCOUNT_RECORDER", self, 1);
		close(pfd[1]);
		if (read(pfd[0], &c, 1) != 1)
			_exit(127);
		execvp(r->command[0], r->command);
		fprintf(stderr, "mapcount record: %s: %s\n", r->command[0], strerror(errno));
		_exit(127);
	}
	close(pfd[0]);
	*release_fd = pfd[1];
	r->child = pid;
	return 0;
}

static int record_loop(struct recorder *r, uint64_t start)
{
	uint64_t last_split = 0;
	int status;
	bool child_done = false;

	r->last_ckpt = r->last_rescan = r->last_flush = start;
	r->split_stat = vmstat_splits();
	while (!g_stop) {
		uint64_t now;
		size_t got;

		now = mono_ns();
		got = nevs;
		if (read_events(r, false))
			return -1;
		got = nevs - got;
		process_events(r, now - WATERMARK_NS);
		if (r->adopt_pending)
			adopt_untracked(r);
		pagemap_reconcile_all(r);
		pagemap_check_rss(r);
		quiet_checkpoints(r);
		now = mono_ns();
		if (now - last_split > 100000000ull) {
			uint64_t s = vmstat_splits();

			last_split = now;
			if (s != r->split_stat) {
				r->split_stat = s;
				folio_new_pass();
				folio_check_splits();
				shadow_recount(r, false);
			}
		}
		if (r->ckpt_interval_ms && now - r->last_ckpt >= r->ckpt_interval_ms * 1000000ull) {
			char label[32];

			snprintf(label, sizeof(label), "tick-%u", r->nckpt + 1);
			periodic_checkpoint(r, label);
			r->last_ckpt = now;
			r->last_flush = 0; /* a checkpoint goes to disk at once */
		}
		if (r->rescan_interval_ms &&
		    now - r->last_rescan >= r->rescan_interval_ms * 1000000ull) {
			adopt_untracked(r);
			pagemap_rescan(r, NULL, 0);
			folio_forget_unmapped();
			r->last_rescan = now;
		}
		if (now - r->last_flush >= 1000000000ull) {
			mc_writer_flush(r->w);
			r->last_flush = now;
		}
		if (r->duration > 0 && now - start >= (uint64_t)(r->duration * 1e9))
			break;
		if (r->child && !child_done && waitpid(r->child, &status, WNOHANG) == r->child)
			child_done = true;
		if (child_done)
			break;
		if (!got)
			usleep(5000);
	}
	if (read_events(r, true) == 0)
		process_events(r, UINT64_MAX);
	pagemap_reconcile_all(r);
	return 0;
}

static int plan_kprobes(struct kp_plan *plan, char *why, size_t len)
{
	char err[256] = "";
	struct btf *btf = btf_open("/sys/kernel/btf/vmlinux", err, sizeof(err));
	int rc = kp_plan_build("/proc/kallsyms", btf, plan, why, len);

	btf_close(btf);
	if (rc && err[0] && strlen(why) + strlen(err) + 3 < len)
		strcat(strcat(why, "; "), err);
	return rc;
}

/* The probe definitions Source A would create on this kernel. */
static int print_kprobes(void)
{
	char why[512] = "";
	struct kp_plan plan;

	if (plan_kprobes(&plan, why, sizeof(why))) {
		fprintf(stderr, "mapcount record: kprobe plan: %s\n", why);
		return 1;
	}
	printf("# hook table: %s; vm_area_struct: vm_start +%ld vm_end +%ld vm_mm +%ld "
	       "vm_flags +%ld vm_pgoff +%ld anon_vma +%ld; folio: flags +%ld index +%ld "
	       "order +%ld; PG_head %lld\n",
	       plan.generation, plan.vm_start, plan.vm_end, plan.vm_mm, plan.vm_flags,
	       plan.vm_pgoff, plan.anon_vma, plan.folio_flags, plan.folio_index, plan.folio_order,
	       plan.pg_head);
	for (int i = 0; i < plan.nprobes; i++)
		printf("p:mapcount_%d/%s %s %s\n", getpid(), plan.probes[i].event,
		       plan.probes[i].func, plan.probes[i].fetch);
	return 0;
}

static int check_environment(char *why, size_t len)
{
	if (geteuid() != 0) {
		snprintf(why, len,
			 "needs root (tracefs, /proc/kpageflags, other processes' pagemap)");
		return -1;
	}
	if (!tracefs_tracing_dir() || access("/sys/kernel/tracing/instances", W_OK) < 0) {
		snprintf(why, len,
			 "tracefs is not mounted or not writable "
			 "(mount -t tracefs nodev /sys/kernel/tracing)");
		return -1;
	}
	return 0;
}

static void summary(struct recorder *r)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	fprintf(stderr,
		"mapcount record: %s: %llu records (%llu rmap), %llu bytes; %llu events, "
		"%llu raw ftrace bytes, %llu lost; %u checkpoints; %llu entries repaired by "
		"rescans; recorder cpu %.2f s, %ld page faults\n",
		r->out, (unsigned long long)mc_writer_records(r->w),
		(unsigned long long)r->rmap_records, (unsigned long long)mc_writer_bytes(r->w),
		(unsigned long long)r->events,
		(unsigned long long)(r->tr ? tracing_raw_bytes(r->tr) : kprobe_raw_bytes()),
		(unsigned long long)r->lost_events, r->nckpt, (unsigned long long)r->repaired,
		ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
			(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6,
		ru.ru_minflt);
	fprintf(stderr,
		"mapcount record: shadow vs kernel, worst per process: rss %llu kB, pss %llu kB, "
		"uss %llu kB\n",
		(unsigned long long)r->selfcheck_worst_rss,
		(unsigned long long)r->selfcheck_worst_pss,
		(unsigned long long)r->selfcheck_worst_uss);
}

int cmd_record(int argc, char **argv)
{
	static struct recorder rec;
	struct recorder *r = &rec;
	struct tracing_opts to = {0};
	struct mc_rec_header hdr = {0};
	struct utsname u;
	char err[512] = "", extra[512], why[256];
	pid_t *initial = NULL;
	int ninitial = 0, release_fd = -1, rc;
	struct sigaction sa = {.sa_handler = on_signal};
	struct stat st;
	uint64_t start;
	static struct kp_plan plan;

	g_rec = r;
	/* windows come and go all the time: keep freed memory instead of
	 * giving it back to the kernel and faulting it in again */
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	mallopt(M_MMAP_THRESHOLD, 64 << 20);
	r->mode = MODE_ALL;
	r->source = SRC_AUTO;
	r->ckpt_interval_ms = 1000;
	r->buffer_kb = 8192;
	r->rescan_interval_ms = 30000;
	r->self = getpid();
	rc = parse_args(r, argc, argv);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (r->print_kprobes)
		return print_kprobes();
	if (check_environment(why, sizeof(why))) {
		fprintf(stderr, "mapcount record: %s\n", why);
		return 1;
	}
	if (!r->force && lstat(r->out, &st) == 0) {
		fprintf(stderr, "mapcount record: %s: exists (use --force to replace it)\n",
			r->out);
		return 1;
	}
	if (r->source != SRC_PAGEMAP) {
		int avail = kprobe_available(why, sizeof(why));

		if (avail > 0 && plan_kprobes(&plan, why, sizeof(why)) == 0) {
			r->source = SRC_KPROBE;
			r->kp = &plan;
			/* x86-64 without memory KASLR; mm_lru_insertion corrects it */
			r->vmemmap_base = 0xffffea0000000000ull;
			fprintf(stderr, "mapcount record: source kprobe (%s)\n", plan.generation);
		} else if (r->source == SRC_KPROBE) {
			fprintf(stderr, "mapcount record: --source kprobe: %s\n", why);
			return 1;
		} else {
			r->source = SRC_PAGEMAP;
			fprintf(stderr, "mapcount record: source pagemap (kprobe: %s)\n", why);
		}
	}
	rc = tracing_sweep_stale();
	if (rc > 0)
		fprintf(stderr, "mapcount record: removed %d stale mapcount_* instance%s\n", rc,
			rc == 1 ? "" : "s");
	if (folios_open(err, sizeof(err))) {
		fprintf(stderr, "mapcount record: %s\n", err);
		return 1;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (r->mode == MODE_COMMAND) {
		if (start_command(r, &release_fd)) {
			fprintf(stderr, "mapcount record: cannot start %s: %s\n", r->command[0],
				strerror(errno));
			return 1;
		}
		initial = malloc(sizeof(*initial));
		if (!initial)
			return 1;
		initial[0] = r->child;
		ninitial = 1;
	} else if (initial_set(r, &initial, &ninitial)) {
		return 1;
	}
	to.mode = r->mode;
	to.pids = initial;
	to.npids = ninitial;
	to.buffer_kb = r->buffer_kb;
	if (r->source == SRC_KPROBE) {
		/* Source A runs on its own instance and loop (recorder/kprobe-source.c) */
		rc = kprobe_open(r, r->buffer_kb * 4, err, sizeof(err));
	} else {
		r->tr = tracing_open(&to, err, sizeof(err));
		rc = r->tr ? 0 : -1;
	}
	if (rc) {
		fprintf(stderr, "mapcount record: %s\n", err);
		if (r->child)
			kill(r->child, SIGKILL);
		return 1;
	}
	r->start_ns = mono_ns();
	fill_header(r, &hdr, extra, sizeof(extra), &u);
	r->w = mc_writer_open(r->out, &hdr, r->force ? MC_W_FORCE : 0, err, sizeof(err));
	if (!r->w) {
		fprintf(stderr, "mapcount record: %s\n", err);
		r->tr ? tracing_close(r->tr) : kprobe_close();
		if (r->child)
			kill(r->child, SIGKILL);
		return 1;
	}
	start = r->start_ns;
	r->now = start;
	r->tr ? tracing_start(r->tr) : kprobe_start();
	for (int i = 0; i < ninitial; i++) {
		struct proc *p = pagemap_track_new(r, initial[i], 0);

		/* the command's first image is a copy of ours until it execs */
		if (p && r->mode == MODE_COMMAND)
			p->full_rescan = false;
		/* opening pagemap tells Source A the process's mm (mm_access) */
		if (p && r->source == SRC_KPROBE)
			proc_pagemap_fd(p);
	}
	pagemap_reconcile_all(r);
	if (release_fd >= 0) {
		if (write(release_fd, "x", 1) != 1)
			g_stop = 1;
		close(release_fd);
	}
	rc = r->tr ? record_loop(r, start) : kprobe_loop(r, start);
	/* nobody would wake a process that stopped itself for a checkpoint now */
	u64map_for_each(&r->procs.by_pid, i)
	{
		struct proc *p = r->procs.by_pid.vals[i];

		if (p->stop_pending)
			kill(p->pid, SIGCONT);
	}
	if (!emit_error())
		truth_checkpoint(r, "end", 0);
	/* the last frame out first, so that the summary counts its bytes (an
	 * error stays in the writer and is reported at the close) */
	if (!emit_error())
		mc_writer_flush(r->w);
	summary(r);
	r->tr ? tracing_close(r->tr) : kprobe_close();
	if (emit_error()) {
		fprintf(stderr, "mapcount record: %s\n", emit_error());
		mc_writer_close(r->w);
		return 1;
	}
	if (mc_writer_close(r->w)) {
		fprintf(stderr, "mapcount record: %s: closing failed\n", r->out);
		return 1;
	}
	free(initial);
	return rc ? 1 : 0;
}
