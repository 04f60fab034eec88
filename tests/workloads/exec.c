// SPDX-License-Identifier: GPL-2.0
/* exec: memory in use, then exec of itself, which starts over in a new mm. */
#include "workload.h"

int main(int argc, char **argv)
{
	char *p = map_aligned(4 * MB, 4096, MADV_NOHUGEPAGE);

	touch(p, 4 * MB, argc);
	quiet();
	if (argc == 1) {
		execl("/proc/self/exe", argv[0], "again", (char *)NULL);
		die("exec");
	}
	return 0;
}
