// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/output.h"

static void output_free(struct mc_output *o)
{
	free(o->path);
	free(o->tmp);
	o->path = o->tmp = NULL;
}

int mc_output_open(struct mc_output *o, const char *path, const struct mc_rec_header *hdr,
		   bool force)
{
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (int)(slash - path + 1) : 0;
	char err[512];
	struct stat sb;
	mode_t mask;

	memset(o, 0, sizeof(*o));
	o->force = force;
	if (!force && !lstat(path, &sb)) {
		fprintf(stderr, "mapcount: %s: already exists (--force replaces it)\n", path);
		return -1;
	}
	if (!lstat(path, &sb) && S_ISDIR(sb.st_mode)) {
		fprintf(stderr, "mapcount: %s: is a directory\n", path);
		return -1;
	}
	o->path = strdup(path);
	if (!o->path || asprintf(&o->tmp, "%.*s.%s.XXXXXX", dirlen, path, path + dirlen) < 0) {
		o->tmp = NULL;
		fprintf(stderr, "mapcount: %s: out of memory\n", path);
		output_free(o);
		return -1;
	}
	o->fd = mkostemp(o->tmp, O_CLOEXEC);
	if (o->fd < 0) {
		fprintf(stderr, "mapcount: %s: cannot create a file next to it: %s\n", path,
			strerror(errno));
		output_free(o);
		return -1;
	}
	mask = umask(0);
	umask(mask);
	if (fchmod(o->fd, 0666 & ~mask))
		fprintf(stderr, "mapcount: %s: chmod: %s\n", o->tmp, strerror(errno));
	o->w = mc_writer_fdopen(o->fd, path, hdr, err, sizeof(err));
	if (!o->w) {
		fprintf(stderr, "mapcount: %s\n", err);
		close(o->fd);
		unlink(o->tmp);
		output_free(o);
		return -1;
	}
	return 0;
}

void mc_output_abort(struct mc_output *o)
{
	mc_writer_close(o->w);
	close(o->fd);
	unlink(o->tmp);
	output_free(o);
}

/* Move tmp to path, refusing to replace a file that appeared meanwhile. */
static int output_place_new(struct mc_output *o)
{
	if (!renameat2(AT_FDCWD, o->tmp, AT_FDCWD, o->path, RENAME_NOREPLACE))
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	/* a file system without RENAME_NOREPLACE: link never replaces either */
	if (link(o->tmp, o->path))
		return -1;
	unlink(o->tmp);
	return 0;
}

int mc_output_commit(struct mc_output *o)
{
	char err[512];
	int ret = 0;

	if (mc_writer_close_err(o->w, err, sizeof(err))) {
		fprintf(stderr, "mapcount: %s\n", err);
		ret = -1;
	}
	if (close(o->fd) && !ret) {
		fprintf(stderr, "mapcount: %s: close: %s\n", o->path, strerror(errno));
		ret = -1;
	}
	if (!ret && (o->force ? rename(o->tmp, o->path) : output_place_new(o))) {
		fprintf(stderr, "mapcount: %s: %s\n", o->path,
			errno == EEXIST ? "already exists (--force replaces it)" : strerror(errno));
		ret = -1;
	}
	if (ret)
		unlink(o->tmp);
	output_free(o);
	return ret;
}
