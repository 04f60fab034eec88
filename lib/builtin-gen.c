// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>

#include "lib/builtin.h"

int cmd_gen(int argc, char **argv)
{
	fprintf(stderr, "mapcount gen: not implemented yet (issue #2)\n");
	return 1;
}
