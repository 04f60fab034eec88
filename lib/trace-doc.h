/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MAPCOUNT_TRACE_DOC_H
#define MAPCOUNT_TRACE_DOC_H

#include <stdio.h>

/* schemas/trace-format.md, written from the record table. */
void mc_trace_format_doc(FILE *out);

#endif
