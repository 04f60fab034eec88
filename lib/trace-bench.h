/* SPDX-License-Identifier: GPL-2.0 */
/* `mapcount gen --bench-stream N -o TRACE` (hidden; scripts/bench.d/10-trace.sh). */
#ifndef MAPCOUNT_TRACE_BENCH_H
#define MAPCOUNT_TRACE_BENCH_H

/* Write n records of a fork/map/unmap-heavy stream to path, read them back,
 * print encode and decode rates and bytes per record. Exit status. */
int mc_trace_bench(unsigned long long n, const char *path);

#endif
