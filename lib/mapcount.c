// SPDX-License-Identifier: GPL-2.0
/* mapcount: record, replay and compare the kernel's large-folio mapcount schemes. */
#include <stdio.h>
#include <string.h>

#include "lib/builtin.h"

struct subcommand {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
};

static const struct subcommand subcommands[] = {
	{ "record", cmd_record, "-o TRACE [options] [-- COMMAND [ARGS...]]  capture a live system" },
	{ "replay", cmd_replay, "TRACE... --db RESULTS [options]             replay through models into SQLite" },
	{ "gen", cmd_gen, "SCENARIO -o TRACE                            build a trace from a scenario file" },
	{ "info", cmd_info, "TRACE                                        header, record counts, span, lost events" },
	{ "dump", cmd_dump, "TRACE [--limit N]                            records as text, one per line" },
	{ "models", cmd_models, "                                             list the models (built-in and plugins)" },
	{ "report", cmd_report, "RESULTS [--run ID]                           summary of a results database" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: mapcount COMMAND [ARGS]\n\n");
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		fprintf(out, "  mapcount %-7s %s\n", subcommands[i].name, subcommands[i].usage);
	fprintf(out, "\n'mapcount COMMAND --help' describes each command.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
#ifdef MC_BUILD_PGO
		printf("mapcount 0.1 (profile-guided build)\n");
#else
		printf("mapcount 0.1\n");
#endif
		return 0;
	}
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		if (!strcmp(argv[1], subcommands[i].name))
			return subcommands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "mapcount: '%s' is not a command; see 'mapcount --help'\n", argv[1]);
	return 2;
}
