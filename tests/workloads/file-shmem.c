// SPDX-License-Identifier: GPL-2.0
/* File-backed and shmem mappings: shared and private file maps, a private
 * write (COW to anon), memfd and shared anonymous memory across a fork. */
#include <fcntl.h>
#include <sys/mman.h>

#include "workload.h"

int main(void)
{
	char path[] = "/tmp/mapcount-wl-XXXXXX";
	int fd = mkstemp(path), mfd;
	size_t len = 1 * MB;
	char *fs, *fp, *ms, *sa;
	volatile char sum = 0;
	pid_t pid;

	if (fd < 0)
		die("mkstemp");
	unlink(path);
	if (ftruncate(fd, len))
		die("ftruncate");
	fs = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	fp = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	mfd = memfd_create("mapcount-wl", 0);
	if (mfd < 0 || ftruncate(mfd, len))
		die("memfd");
	ms = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	sa = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (fs == MAP_FAILED || fp == MAP_FAILED || ms == MAP_FAILED || sa == MAP_FAILED)
		die("mmap");
	touch(fs, len, 1);
	for (size_t i = 0; i < len; i += 4096)
		sum += fp[i]; /* read: the page cache pages, shared with fs */
	touch(ms, len, 1);
	touch(sa, len, 1);
	quiet();
	touch(fp, len / 2, 2); /* private write: anon copies */
	quiet();
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		touch(fs, len, 3);
		touch(ms + len / 2, len / 2, 3);
		touch(sa, len / 4, 3);
		for (size_t i = 0; i < len; i += 4096)
			sum += fp[i];
		quiet();
		_exit(0);
	}
	wait_child(pid);
	quiet();
	return sum == 42;
}
