// SPDX-License-Identifier: GPL-2.0
/* fork and copy-on-write: 4K pages and a THP, the child writes half of each. */
#include "workload.h"

int main(void)
{
	size_t small = 8 * MB;
	char *s = map_aligned(small, 4096, MADV_NOHUGEPAGE);
	char *t = map_aligned(2 * THP_SIZE, THP_SIZE, MADV_HUGEPAGE);
	pid_t pid;

	touch(s, small, 1);
	touch(t, 2 * THP_SIZE, 1);
	quiet();
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		quiet();
		touch(s, small / 2, 2);
		touch(t, THP_SIZE, 2);
		quiet();
		_exit(0);
	}
	wait_child(pid);
	quiet();
	/* the parent writes what the child had shared: no copies needed now */
	touch(s, small, 3);
	quiet();
	return 0;
}
