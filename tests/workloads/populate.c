// SPDX-License-Identifier: GPL-2.0
/* Pages that arrive without a page fault: MAP_POPULATE and
 * MADV_POPULATE_WRITE (seen only through rss_stat and the syscalls). */
#include "workload.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

int main(void)
{
	char *a = mmap(NULL, 2 * MB, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	char *b = map_aligned(2 * MB, 4096, MADV_NOHUGEPAGE);

	if (a == MAP_FAILED)
		die("mmap");
	quiet();
	if (madvise(b, 2 * MB, MADV_POPULATE_WRITE))
		die("madvise");
	quiet();
	return 0;
}
