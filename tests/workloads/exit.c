// SPDX-License-Identifier: GPL-2.0
/* exit: children that fault memory in and exit, some after a vfork-style
 * spawn (posix_spawn), with the parent pausing in between. */
#include <spawn.h>

#include "workload.h"

extern char **environ;

int main(void)
{
	char *p = map_aligned(2 * MB, 4096, MADV_NOHUGEPAGE);
	char *argv[] = {"true", NULL};

	touch(p, 2 * MB, 1);
	for (int i = 0; i < 4; i++) {
		pid_t pid = fork();

		if (pid < 0)
			die("fork");
		if (pid == 0) {
			char *c = map_aligned(MB, 4096, MADV_NOHUGEPAGE);

			touch(c, MB, 2);
			touch(p, MB, 3);
			_exit(0);
		}
		wait_child(pid);
	}
	quiet();
	for (int i = 0; i < 2; i++) {
		pid_t pid;

		if (posix_spawnp(&pid, "true", NULL, NULL, argv, environ))
			die("posix_spawn");
		wait_child(pid);
	}
	quiet();
	return 0;
}
