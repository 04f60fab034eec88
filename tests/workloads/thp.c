// SPDX-License-Identifier: GPL-2.0
/* THP faults through madvise, then partial munmap, DONTNEED and mprotect of
 * PMD-mapped THPs (each a PMD split), with quiescent points between. */
#include "workload.h"

int main(void)
{
	size_t len = 8 * MB;
	char *p = map_aligned(len, THP_SIZE, MADV_HUGEPAGE);

	touch(p, len, 1);
	quiet();
	/* four pages out of the middle of THP 0 */
	if (munmap(p + 100 * 4096, 4 * 4096))
		die("munmap");
	quiet();
	/* the second half of THP 1 */
	if (madvise(p + THP_SIZE + MB, MB, MADV_DONTNEED))
		die("madvise");
	quiet();
	/* one page of THP 2 made read-only */
	if (mprotect(p + 2 * THP_SIZE + 4096, 4096, PROT_READ))
		die("mprotect");
	quiet();
	/* all of THP 3 */
	if (munmap(p + 3 * THP_SIZE, THP_SIZE))
		die("munmap");
	quiet();
	return 0;
}
