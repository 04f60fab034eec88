/* SPDX-License-Identifier: GPL-2.0 */
/* A progress line on stderr (records/s, share of the trace read, ETA), only on a terminal. */
#ifndef MAPCOUNT_PROGRESS_H
#define MAPCOUNT_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct progress {
	bool on;
	bool shown;
	const char *name;
	double start, last;
};

void progress_start(struct progress *p, const char *name);
/* Cheap to call often: it looks at the clock every 64 Ki records. */
static inline bool progress_due(uint64_t records)
{
	return (records & 0xffff) == 0;
}
void progress_update(struct progress *p, uint64_t records, uint64_t offset, uint64_t size);
void progress_end(struct progress *p);

double progress_now(void);

#endif /* MAPCOUNT_PROGRESS_H */
