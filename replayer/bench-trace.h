/* SPDX-License-Identifier: GPL-2.0 */
/* `mapcount replay --gen-bench N TRACE` (hidden; scripts/bench.d/20-replay.sh). */
#ifndef MAPCOUNT_BENCH_TRACE_H
#define MAPCOUNT_BENCH_TRACE_H

#include <stdint.h>

#include "models/model.h"

/* Write a consistent synthetic trace of at least n rmap records. Exit status. */
int rp_bench_trace(uint64_t n, const char *path);

/* A model that does nothing (`--models null`, hidden): the replayer's own cost. */
extern const struct mc_model rp_null_model;

#endif
