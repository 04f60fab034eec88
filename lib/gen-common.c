// SPDX-License-Identifier: GPL-2.0
#include "lib/gen-common.h"
#include "lib/output.h"

int mc_gen_getopt(int argc, char **argv, const struct option *opts, struct mc_gen_args *a)
{
	int c;

	while ((c = getopt_long(argc, argv, "o:fh", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			a->output = optarg;
			break;
		case 'f':
			a->force = true;
			break;
		case 'h':
			a->usage(stdout);
			a->status = 0;
			return 0;
		case '?':
			a->usage(stderr);
			a->status = 2;
			return 0;
		default:
			return c;
		}
	}
	return -1;
}

int mc_gen_write(const struct mc_gen_args *a, const struct mc_rec_header *hdr,
		 int (*fill)(void *ctx, struct mc_writer *w), void *ctx)
{
	struct mc_output out;

	if (mc_output_open(&out, a->output, hdr, a->force))
		return 1;
	if (fill(ctx, out.w)) {
		mc_output_abort(&out);
		return 1;
	}
	return mc_output_commit(&out) ? 1 : 0;
}
