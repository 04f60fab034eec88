// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>

#include "lib/builtin.h"

int cmd_record(int argc, char **argv)
{
	fprintf(stderr, "mapcount record: not implemented yet (issue #5)\n");
	return 1;
}
