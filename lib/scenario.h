/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The scenario compiler behind `mapcount gen`: reads the scenario language
 * (interfaces.md section 2), keeps a shadow of every mapping, rejects every
 * statement that contradicts it, and emits the trace records.
 *
 * Encoding (the replayer relies on it): mms get ids 1, 2, ... in order of
 * first use, each announced by an MM record (pid 0, the scenario name) before
 * its first use. Folios get head PFNs from 0x100000 upward, aligned to their
 * size, never reused; page i of a folio sits at VPN head + i in every mm.
 */
#ifndef MAPCOUNT_SCENARIO_H
#define MAPCOUNT_SCENARIO_H

#include <stdio.h>

#include "lib/trace.h"

#define MC_SCENARIO_FIRST_PFN 0x100000ull
#define MC_SCENARIO_MAX_ORDER 18

/* Called for each record in trace order; returns 0, or -1 to stop. */
typedef int (*mc_emit_fn)(void *ctx, const struct mc_record *rec);

struct mc_scenario;

struct mc_scenario *mc_scenario_new(const char *filename, mc_emit_fn emit, void *ctx);
/* One line of the scenario (without or with its newline). 0, or -1 with
 * the error ("file:line: message") in mc_scenario_error(). */
int mc_scenario_line(struct mc_scenario *s, const char *line);
const char *mc_scenario_error(const struct mc_scenario *s);
void mc_scenario_free(struct mc_scenario *s);

/* Every line of in; 0 or -1 with "file:line: message" in err. */
int mc_scenario_compile(FILE *in, const char *filename, mc_emit_fn emit, void *ctx, char *err,
			size_t errlen);

#endif /* MAPCOUNT_SCENARIO_H */
