// SPDX-License-Identifier: GPL-2.0
/* Progress line (progress.h). */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "replayer/progress.h"

double progress_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void progress_start(struct progress *p, const char *name)
{
	p->on = isatty(STDERR_FILENO);
	p->shown = false;
	p->name = name;
	p->start = p->last = progress_now();
}

void progress_update(struct progress *p, uint64_t records, uint64_t offset, uint64_t size)
{
	double now, rate;

	if (!p->on)
		return;
	now = progress_now();
	if (now - p->last < 0.5)
		return;
	p->last = now;
	rate = (double)records / (now - p->start);
	fprintf(stderr, "\r%s: %.1f M records, %.2f M records/s", p->name, (double)records / 1e6,
		rate / 1e6);
	if (size && offset && offset <= size) {
		double frac = (double)offset / (double)size;
		double eta = (now - p->start) * (1 - frac) / frac;

		fprintf(stderr, ", %.0f%%, ETA %d:%02d", frac * 100, (int)eta / 60, (int)eta % 60);
	}
	fprintf(stderr, "\033[K");
	p->shown = true;
}

void progress_end(struct progress *p)
{
	if (p->on && p->shown)
		fprintf(stderr, "\r\033[K");
	p->shown = false;
}
