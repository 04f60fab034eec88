// SPDX-License-Identifier: GPL-2.0
/* Benchmark workload: fork- and fault-heavy. Each round forks a child that
 * faults 2 MiB in 4K pages and exits, while the parent maps, faults and
 * unmaps 1 MiB. Prints the elapsed time of the rounds in ns. */
#include <time.h>

#include "workload.h"

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 200;
	char *base = map_aligned(8 * MB, 4096, MADV_NOHUGEPAGE);
	unsigned long long t0;

	touch(base, 8 * MB, 1);
	t0 = now_ns();
	for (int i = 0; i < rounds; i++) {
		pid_t pid = fork();
		char *p;

		if (pid < 0)
			die("fork");
		if (pid == 0) {
			char *c = map_aligned(2 * MB, 4096, MADV_NOHUGEPAGE);

			touch(c, 2 * MB, 2);
			touch(base, 256 * KB, 2);
			_exit(0);
		}
		p = map_aligned(MB, 4096, MADV_NOHUGEPAGE);
		touch(p, MB, 3);
		munmap(p, MB);
		wait_child(pid);
	}
	printf("elapsed_ns %llu\n", now_ns() - t0);
	return 0;
}
