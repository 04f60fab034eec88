// SPDX-License-Identifier: GPL-2.0
/* mremap: move PMD-mapped THPs to an aligned and to an unaligned place,
 * grow and shrink 4K-mapped ranges. */
#include "workload.h"

int main(void)
{
	char *t = map_aligned(2 * THP_SIZE, THP_SIZE, MADV_HUGEPAGE);
	char *dst = map_aligned(8 * MB, THP_SIZE, 0);
	char *s = map_aligned(2 * MB, 4096, MADV_NOHUGEPAGE);
	char *q;

	touch(t, 2 * THP_SIZE, 1);
	touch(s, 2 * MB, 1);
	quiet();
	q = mremap(t, THP_SIZE, THP_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	if (q == MAP_FAILED)
		die("mremap aligned");
	quiet();
	q = mremap(t + THP_SIZE, THP_SIZE, THP_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED,
		   dst + 4 * MB + 4096);
	if (q == MAP_FAILED)
		die("mremap unaligned");
	quiet();
	q = mremap(s, MB, 512 * KB, 0); /* shrink in place */
	if (q == MAP_FAILED)
		die("mremap shrink");
	quiet();
	q = mremap(s + MB, MB, 4 * MB, MREMAP_MAYMOVE); /* grow, likely moving */
	if (q == MAP_FAILED)
		die("mremap grow");
	touch(q + MB, MB, 2);
	quiet();
	return 0;
}
