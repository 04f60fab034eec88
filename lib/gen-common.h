/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What `mapcount gen SCENARIO` (lib/builtin-gen.c) and `mapcount gen
 * --workload` (lib/gen-workload.c) share: -o, --force and --help, and writing
 * the trace whole or not at all.
 */
#ifndef MAPCOUNT_GEN_COMMON_H
#define MAPCOUNT_GEN_COMMON_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "lib/trace.h"

/* The first entries of each mode's option table. */
#define MC_GEN_OPTIONS                                  \
	{ "output", required_argument, NULL, 'o' },     \
	{ "force", no_argument, NULL, 'f' },            \
	{ "help", no_argument, NULL, 'h' }

struct mc_gen_args {
	void (*usage)(FILE *out);	/* the mode's usage text */
	const char *output;
	bool force;
	int status;			/* the exit status when mc_gen_getopt() says done */
};

/*
 * getopt_long() over @opts, taking -o, -f and -h itself. Returns the next of
 * the mode's own options (its argument in optarg), -1 after the last option,
 * or 0 when the command is done: after --help (status 0) or after a usage
 * error, with the usage printed (status 2).
 */
int mc_gen_getopt(int argc, char **argv, const struct option *opts, struct mc_gen_args *a);

/*
 * Write the trace a->output with @hdr: @fill writes the records (0, or -1 after
 * printing why), then it is moved into place. Returns the exit status, 0 or 1.
 */
int mc_gen_write(const struct mc_gen_args *a, const struct mc_rec_header *hdr,
		 int (*fill)(void *ctx, struct mc_writer *w), void *ctx);

#endif /* MAPCOUNT_GEN_COMMON_H */
