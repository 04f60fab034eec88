/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the recorder's test workloads. With MAPCOUNT_QUIET set, a
 * workload marks each quiescent point by stopping itself with SIGSTOP;
 * `mapcount record` then takes a checkpoint flagged quiet and sends SIGCONT.
 */
#ifndef MAPCOUNT_WORKLOAD_H
#define MAPCOUNT_WORKLOAD_H

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define KB 1024ul
#define MB (1024ul * 1024)
#define THP_SIZE (2 * MB)

static inline void die(const char *what)
{
	fprintf(stderr, "%s: %s\n", what, strerror(errno));
	exit(1);
}

/* If whoever would send SIGCONT dies, do not stay stopped forever: a
 * stopped process still dies of the SIGKILL its parent's death sends. */
static inline void quiet(void)
{
	const char *rec = getenv("MAPCOUNT_RECORDER");

	if (!getenv("MAPCOUNT_QUIET"))
		return;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (rec && kill((pid_t)atoi(rec), 0) < 0)
		return;	/* the recorder that would wake us is gone */
	raise(SIGSTOP);
}

/* An anonymous private region of len bytes aligned to align. */
static inline char *map_aligned(size_t len, size_t align, int advice)
{
	char *p =
		mmap(NULL, len + align, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *a;

	if (p == MAP_FAILED)
		die("mmap");
	a = (char *)(((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1));
	if (a > p)
		munmap(p, a - p);
	munmap(a + len, p + len + align - (a + len));
	if (advice && madvise(a, len, advice))
		die("madvise");
	return a;
}

static inline void touch(char *p, size_t len, int val)
{
	for (size_t i = 0; i < len; i += 4096)
		p[i] = (char)val;
}

static inline void wait_child(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		die("child");
}

#endif
