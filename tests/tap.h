/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small TAP producer for mapcount's C tests; `prove` runs the binaries and
 * prints the summary. Each check prints "ok N - name" or "not ok N - name"
 * with the failing expression, file and line, and the values compared.
 */
#ifndef MAPCOUNT_TAP_H
#define MAPCOUNT_TAP_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int tap_count, tap_failed;

static inline void tap_plan_skip_all(const char *why)
{
	printf("1..0 # SKIP %s\n", why);
	exit(0);
}

static inline int tap_ok(int cond, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	tap_count++;
	printf("%sok %d - ", cond ? "" : "not ", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond) {
		tap_failed++;
		printf("#   failed at %s:%d\n", file, line);
	}
	fflush(stdout);
	return cond;
}

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

#define is_int(got, want, ...)                                                               \
	do {                                                                                 \
		int64_t g_ = (int64_t)(got), w_ = (int64_t)(want);                           \
		if (!tap_ok(g_ == w_, __FILE__, __LINE__, __VA_ARGS__))                      \
			printf("#   got %" PRId64 ", want %" PRId64 " (%s)\n", g_, w_, #got); \
	} while (0)

static inline void tap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* Print the plan and return the exit status: call as `return tap_done();`. */
static inline int tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

#endif
