// SPDX-License-Identifier: GPL-2.0
/* mapcount gen: compile a scenario file into a trace. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/builtin.h"
#include "lib/gen-common.h"
#include "lib/scenario.h"
#include "lib/trace-bench.h"

static const char gen_usage_text[] =
	"usage: mapcount gen SCENARIO -o TRACE [--force] [--format-version N]\n"
	"       mapcount gen --workload NAME [KEY=VALUE...] -o TRACE [--force]\n"
	"\n"
	"Compile a scenario file (SCENARIO, or - for stdin) into a trace.\n"
	"\n"
	"  -o, --output TRACE   the trace to write (refused if it exists)\n"
	"  -f, --force          replace TRACE if it exists\n"
	"  --format-version N   write trace format N: 2 (the default, column frames) or 1,\n"
	"                       which mapcount builds from before version 2 read\n"
	"  -h, --help           this text\n"
	"\n"
	"A scenario is one statement a line ('#' starts a comment):\n"
	"  folio F anon|file|shmem ORDER   map MM F pte FIRST NR | pmd [K] | pud\n"
	"  unmap MM F pte FIRST NR | pmd [K] | pud   remap MM F [K]\n"
	"  fork PARENT CHILD   exec MM   exit MM   split F [ORDER]   free F\n"
	"  checkpoint [LABEL]\n"
	"A statement that contradicts the mappings so far is an error (file:line: what).\n"
	"\n"
	"--workload writes a synthetic workload instead (server, shell, pagecache, mthp);\n"
	"'mapcount gen --workload x --help' describes them and their parameters.\n";

static void gen_usage(FILE *out)
{
	fputs(gen_usage_text, out);
}

struct gen_source {
	FILE *in;
	const char *name;
};

static int emit_to_writer(void *ctx, const struct mc_record *rec)
{
	return mc_writer_put(ctx, rec);
}

static int gen_compile(void *ctx, struct mc_writer *w)
{
	struct gen_source *src = ctx;
	char err[512];

	if (mc_scenario_compile(src->in, src->name, emit_to_writer, w, err, sizeof(err))) {
		/* a failed write is the cause of a failed emit: name it */
		fprintf(stderr, "mapcount gen: %s\n", mc_writer_error(w) ?: err);
		return -1;
	}
	return 0;
}

int cmd_gen(int argc, char **argv)
{
	static const struct option opts[] = {
		MC_GEN_OPTIONS,
		{ "format-version", required_argument, NULL, 'V' },
		{ "bench-stream", required_argument, NULL, 'B' },	/* hidden: make bench */
		{ NULL, 0, NULL, 0 },
	};
	struct mc_gen_args args = { .usage = gen_usage };
	unsigned long long bench = 0, version = MC_TRACE_VERSION;
	struct mc_rec_header hdr;
	struct gen_source src;
	char extra[512];
	int c, ret;

	if (mc_gen_wants_workload(argc, argv))
		return cmd_gen_workload(argc, argv);
	while ((c = mc_gen_getopt(argc, argv, opts, &args)) > 0) {
		switch (c) {
		case 'B':
			bench = strtoull(optarg, NULL, 0);
			break;
		case 'V': {
			char *end;

			version = strtoull(optarg, &end, 10);
			if (*end || !version || version > MC_TRACE_VERSION) {
				fprintf(stderr, "mapcount gen: --format-version %s: this mapcount "
					"writes versions 1 to %d\n", optarg, MC_TRACE_VERSION);
				return 2;
			}
			break;
		}
		}
	}
	if (!c)
		return args.status;
	if (bench && args.output)
		return mc_trace_bench(bench, args.output);
	if (optind + 1 != argc || !args.output) {
		fprintf(stderr, "mapcount gen: %s\n\n%s",
			!args.output ? "missing -o TRACE" : "expects one SCENARIO", gen_usage_text);
		return 2;
	}
	src.name = argv[optind];
	src.in = strcmp(src.name, "-") ? fopen(src.name, "r") : stdin;
	if (!src.in) {
		fprintf(stderr, "mapcount gen: %s: %s\n", src.name, strerror(errno));
		return 1;
	}
	mc_header_init(&hdr, "scenario");
	hdr.version = version;
	snprintf(extra, sizeof(extra), "scenario=%s", src.name);
	hdr.extra = (struct mc_str){ extra, (uint32_t)strlen(extra) };
	ret = mc_gen_write(&args, &hdr, gen_compile, &src);
	if (src.in != stdin)
		fclose(src.in);
	return ret;
}
