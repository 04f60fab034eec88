// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>

#include "lib/builtin.h"

int cmd_dump(int argc, char **argv)
{
	fprintf(stderr, "mapcount dump: not implemented yet (issue #2)\n");
	return 1;
}
