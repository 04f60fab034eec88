// SPDX-License-Identifier: GPL-2.0
/* mapcount gen --workload: write a synthetic workload's trace (lib/workload.c). */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/builtin.h"
#include "lib/gen-common.h"
#include "lib/workload.h"

/* Print text from col 13 on, wrapped at 79 columns. */
static void print_wrapped(FILE *out, const char *text)
{
	int col = 13;

	while (*text) {
		int len = (int)strcspn(text, " ");

		if (col > 13 && col + 1 + len > 79) {
			fputs("\n            ", out);
			col = 13;
		} else if (col > 13) {
			fputc(' ', out);
			col++;
		}
		fprintf(out, "%.*s", len, text);
		col += len;
		text += len;
		text += strspn(text, " ");
	}
	fputc('\n', out);
}

static void workload_usage(FILE *out)
{
	fputs("usage: mapcount gen --workload NAME [KEY=VALUE...] -o TRACE [--force]\n"
	      "\n"
	      "Write a deterministic synthetic workload as a trace. Workloads:\n",
	      out);
	for (const char *const *h = mc_workload_help; *h; h++) {
		const char *tab = strchr(*h, '\t');

		fprintf(out, "  %-10.*s", (int)(tab - *h), *h);
		print_wrapped(out, tab + 1);
	}
	fputs("\nParameters (KEY=VALUE):\n"
	      "  records=N      stop after about N records (default 1000000)\n"
	      "  seed=N         random seed (default 1); the same seed gives the same trace\n"
	      "  procs=N        processes alive at once (default 8; pagecache 32)\n"
	      "  heap=PAGES     anon heap of the server's parent, of each mthp process (4096)\n"
	      "  thp=PERCENT    server: share of that heap in PMD THPs (default 50)\n"
	      "  cow=PERCENT    server: heap share a worker writes in its life (default 10)\n"
	      "  requests=N     server: requests a worker serves before it exits (default 200)\n"
	      "  file=PAGES     page cache the processes share (default 2048; pagecache 65536)\n"
	      "  checkpoints=N  checkpoint records spread over the trace (default 4)\n",
	      out);
}

int mc_gen_wants_workload(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--workload") || !strncmp(argv[i], "--workload=", 11))
			return 1;
	return 0;
}

struct workload_run {
	const struct mc_workload_params *p;
	const char *output;
};

static int workload_fill(void *ctx, struct mc_writer *w)
{
	const struct workload_run *run = ctx;
	char err[512];

	if (mc_workload_generate(run->p, w, err, sizeof(err))) {
		fprintf(stderr, "mapcount gen: %s: %s\n", run->output, err);
		return -1;
	}
	return 0;
}

int cmd_gen_workload(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "workload", required_argument, NULL, 'w' },
		MC_GEN_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct mc_gen_args args = { .usage = workload_usage };
	struct mc_workload_params p;
	struct workload_run run = { &p };
	const char *name = NULL;
	struct mc_rec_header hdr;
	struct timespec t0, t1;
	char err[512];
	double secs;
	int c;

	while ((c = mc_gen_getopt(argc, argv, opts, &args)) > 0)
		name = optarg;	/* --workload NAME, the one option of this mode alone */
	if (!c)
		return args.status;
	if (!name || !args.output) {
		fprintf(stderr, "mapcount gen: %s\n\n",
			!name ? "missing --workload NAME" : "missing -o TRACE");
		workload_usage(stderr);
		return 2;
	}
	if (mc_workload_defaults(name, &p)) {
		fprintf(stderr, "mapcount gen: '%s' is not a workload (see --workload x --help)\n",
			name);
		return 2;
	}
	for (; optind < argc; optind++) {
		if (mc_workload_set(&p, argv[optind], err, sizeof(err))) {
			fprintf(stderr, "mapcount gen: %s\n", err);
			return 2;
		}
	}
	mc_workload_header(&p, &hdr);
	run.output = args.output;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (mc_gen_write(&args, &hdr, workload_fill, &run))
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (isatty(2))
		fprintf(stderr, "mapcount gen: %s: workload %s, seed %" PRIu64 ", %.1f s\n",
			args.output, p.name, p.seed, secs);
	return 0;
}
