// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>

#include "lib/builtin.h"

int cmd_info(int argc, char **argv)
{
	fprintf(stderr, "mapcount info: not implemented yet (issue #2)\n");
	return 1;
}
