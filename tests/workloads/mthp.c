// SPDX-License-Identifier: GPL-2.0
/* mTHP: enable 64 KiB anonymous folios where madvised, fault a region in,
 * partially unmap one folio, fork and COW one page; restore the setting at
 * exit. "madvise", not "always": a run killed while stopped (SIGKILL from
 * PR_SET_PDEATHSIG) cannot restore it, and then only MADV_HUGEPAGE regions
 * keep getting 64 KiB folios, not every process on the machine. */
#include <fcntl.h>

#include "workload.h"

static const char knob[] = "/sys/kernel/mm/transparent_hugepage/hugepages-64kB/enabled";
static char saved[32];

static void set_knob(const char *v)
{
	int fd = open(knob, O_WRONLY);

	if (fd < 0 || write(fd, v, strlen(v)) < 0) {
		if (fd >= 0)
			close(fd);
		die(knob);
	}
	close(fd);
}

static void restore(void)
{
	if (saved[0])
		set_knob(saved);
}

static void on_signal(int sig)
{
	restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

int main(void)
{
	char buf[256], *a, *b;
	int fd = open(knob, O_RDONLY);
	ssize_t n;
	char *p;
	pid_t pid;

	if (fd < 0 || (n = read(fd, buf, sizeof(buf) - 1)) <= 0)
		die(knob);
	close(fd);
	buf[n] = 0;
	a = strchr(buf, '[');
	b = a ? strchr(a, ']') : NULL;
	if (!b)
		die("parse knob");
	*b = 0;
	snprintf(saved, sizeof(saved), "%s", a + 1);
	atexit(restore);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	set_knob("madvise");

	p = map_aligned(MB, 64 * KB, MADV_NOHUGEPAGE);
	/* NOHUGEPAGE would also stop mTHP: take it back for the mTHP region */
	madvise(p, MB, MADV_HUGEPAGE);
	touch(p, MB, 1);
	quiet();
	if (munmap(p + 64 * KB + 8192, 8192))
		die("munmap");
	quiet();
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		p[5 * 64 * KB + 4096] = 2; /* COW one page of an mTHP */
		quiet();
		_exit(0);
	}
	wait_child(pid);
	quiet();
	return 0;
}
