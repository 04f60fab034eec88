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
#include "lib/output.h"
#include "lib/scenario.h"
#include "lib/trace-bench.h"

static const char gen_usage[] =
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

static int emit_to_writer(void *ctx, const struct mc_record *rec)
{
	return mc_writer_put(ctx, rec);
}

static int gen_compile(FILE *in, const char *scenario, struct mc_output *out)
{
	char err[512];

	if (mc_scenario_compile(in, scenario, emit_to_writer, out->w, err, sizeof(err))) {
		/* a failed write is the cause of a failed emit: name it */
		fprintf(stderr, "mapcount gen: %s\n", mc_writer_error(out->w) ?: err);
		return -1;
	}
	return 0;
}

int cmd_gen(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "format-version", required_argument, NULL, 'V' },
		{ "bench-stream", required_argument, NULL, 'B' },	/* hidden: make bench */
		{ NULL, 0, NULL, 0 },
	};
	const char *output = NULL, *scenario;
	unsigned long long bench = 0, version = MC_TRACE_VERSION;
	struct mc_rec_header hdr;
	struct mc_output out;
	bool force = false;
	char extra[512];
	FILE *in;
	int c, ret;

	if (mc_gen_wants_workload(argc, argv))
		return cmd_gen_workload(argc, argv);
	while ((c = getopt_long(argc, argv, "o:fh", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case 'f':
			force = true;
			break;
		case 'h':
			fputs(gen_usage, stdout);
			return 0;
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
		default:
			fputs(gen_usage, stderr);
			return 2;
		}
	}
	if (bench && output)
		return mc_trace_bench(bench, output);
	if (optind + 1 != argc || !output) {
		fprintf(stderr, "mapcount gen: %s\n\n%s",
			!output ? "missing -o TRACE" : "expects one SCENARIO", gen_usage);
		return 2;
	}
	scenario = argv[optind];
	in = strcmp(scenario, "-") ? fopen(scenario, "r") : stdin;
	if (!in) {
		fprintf(stderr, "mapcount gen: %s: %s\n", scenario, strerror(errno));
		return 1;
	}
	mc_header_init(&hdr, "scenario");
	hdr.version = version;
	snprintf(extra, sizeof(extra), "scenario=%s", scenario);
	hdr.extra = (struct mc_str){ extra, (uint32_t)strlen(extra) };
	if (mc_output_open(&out, output, &hdr, force)) {
		if (in != stdin)
			fclose(in);
		return 1;
	}
	ret = gen_compile(in, scenario, &out);
	if (in != stdin)
		fclose(in);
	if (ret) {
		mc_output_abort(&out);
		return 1;
	}
	return mc_output_commit(&out) ? 1 : 0;
}
