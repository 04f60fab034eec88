// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>

#include "lib/builtin.h"

int cmd_models(int argc, char **argv)
{
	fprintf(stderr, "mapcount models: not implemented yet (issue #3)\n");
	return 1;
}
