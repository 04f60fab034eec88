/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A trace written whole or not at all: records go to a temporary file next
 * to the destination, renamed over it only on success, so that a failed
 * command leaves nothing behind and never replaces a file unless forced.
 */
#ifndef MAPCOUNT_OUTPUT_H
#define MAPCOUNT_OUTPUT_H

#include "lib/trace.h"

struct mc_output {
	struct mc_writer *w;
	char *path, *tmp;
	int fd;
	bool force;
};

/* 0, or -1 after printing "mapcount: path: what" on stderr. */
int mc_output_open(struct mc_output *o, const char *path, const struct mc_rec_header *hdr,
		   bool force);
/* Finish the trace and move it into place. 0, or -1 after printing why. */
int mc_output_commit(struct mc_output *o);
/* Drop what was written. */
void mc_output_abort(struct mc_output *o);

#endif /* MAPCOUNT_OUTPUT_H */
