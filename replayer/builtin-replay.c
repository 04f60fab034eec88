// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>

#include "lib/builtin.h"

int cmd_replay(int argc, char **argv)
{
	fprintf(stderr, "mapcount replay: not implemented yet (issue #4)\n");
	return 1;
}
