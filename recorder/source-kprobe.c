// SPDX-License-Identifier: GPL-2.0
/*
 * Source A (recorder-sources.md §2): kprobes on the rmap functions. This file
 * holds the feature probe; the hook tables and BTF offsets are in
 * kprobe-plan.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tracefs.h>

#include "recorder/record.h"

int kprobe_available(char *reason, size_t len)
{
	static const char *const targets[] = { "folio_add_new_anon_rmap",
					       "page_add_new_anon_rmap" };
	struct tracefs_dynevent *ev;
	char sys[64];
	int ok = 0;

	if (access("/sys/kernel/tracing/kprobe_events", F_OK) < 0) {
		snprintf(reason, len, "unavailable: this kernel has no kprobe events "
				      "(CONFIG_KPROBE_EVENTS is not set)");
		return 0;
	}
	snprintf(sys, sizeof(sys), "mapcount_%d", getpid());
	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]) && !ok; i++) {
		ev = tracefs_kprobe_alloc(sys, "probe_test", targets[i], NULL);
		if (!ev)
			continue;
		if (tracefs_dynevent_create(ev) == 0) {
			ok = 1;
			tracefs_dynevent_destroy(ev, true);
		} else {
			char *e = tracefs_error_last(NULL);

			snprintf(reason, len, "unavailable: creating a kprobe on %s failed: %s",
				 targets[i], e && *e ? e : strerror(errno));
			free(e);
		}
		tracefs_dynevent_free(ev);
	}
	return ok;
}
