// SPDX-License-Identifier: GPL-2.0
/*
 * schemas/results.sql, embedded at build time (the .sql file is the source of
 * truth; tests/unit/test-replay-db.c checks the embedded copy matches it).
 */
#include "replayer/db.h"

__asm__(".section .rodata\n"
	".global mc_results_sql\n"
	".type mc_results_sql, @object\n"
	"mc_results_sql:\n"
	".incbin \"schemas/results.sql\"\n"
	".byte 0\n"
	".size mc_results_sql, . - mc_results_sql\n"
	".previous\n");
