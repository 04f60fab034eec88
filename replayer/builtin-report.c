// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>

#include "lib/builtin.h"

int cmd_report(int argc, char **argv)
{
	fprintf(stderr, "mapcount report: not implemented yet (issue #4)\n");
	return 1;
}
