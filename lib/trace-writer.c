// SPDX-License-Identifier: GPL-2.0
/*
 * Trace writer: records are encoded into a raw frame (version 2: into the
 * frame's columns, lib/trace-columns.h; version 1: one after the other); a
 * full frame is compressed as one zstd frame (content size and checksum in it)
 * and written with one write loop, so a killed writer leaves whole frames and
 * at most one partial frame at the end. Frame 0, the header, is always a
 * version 1 frame: it says which version the others are.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "lib/trace-columns.h"
#include "lib/trace.h"

#define MC_DEFAULT_FRAME (256u << 10)
/*
 * Measured with `make bench` (scripts/bench.d/10-trace.sh): level 6 with
 * matches from 6 bytes gives 3.1 bytes/record and decodes at 56 M records/s
 * (from 4 bytes: the same size, 51 M/s; levels 3 to 12 decode alike). Version
 * 1 frames, records in a row, do best with matches from 4 bytes: 3.9
 * bytes/record.
 */
#define MC_DEFAULT_LEVEL 6
#define MC_MIN_MATCH 6
#define MC_MIN_MATCH_ROWS 4

struct mc_writer {
	int fd;
	bool own_fd;
	bool failed;
	bool cols;		/* version 2: the frames after the header are column frames */
	struct mc_cols_writer cw;
	char *name;
	ZSTD_CCtx *cctx;
	uint8_t *raw, *zbuf;
	size_t raw_cap, raw_len, zcap, frame_size;
	struct mc_decode_state st;
	uint64_t time;		/* absolute trace time of the last TIME record */
	uint64_t records, bytes, frames;
	uint64_t frame_records;	/* records the caller put in the current frame */
	char err[256];
};

static int mc_writer_fail(struct mc_writer *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int mc_writer_fail(struct mc_writer *w, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (w->failed)
		return -1;	/* keep the first error: it is the cause */
	w->failed = true;
	n = snprintf(w->err, sizeof(w->err), "%s: ", w->name);
	va_start(ap, fmt);
	vsnprintf(w->err + n, sizeof(w->err) - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static int mc_write_all(struct mc_writer *w, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t k = write(w->fd, p, len);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return mc_writer_fail(w, "write: %s", strerror(errno));
		}
		if (k == 0)
			return mc_writer_fail(w, "write: wrote nothing");
		p += k;
		len -= (size_t)k;
	}
	return 0;
}

static int mc_grow(uint8_t **buf, size_t *cap, size_t want)
{
	uint8_t *p;

	if (want <= *cap)
		return 0;
	p = realloc(*buf, want);
	if (!p)
		return -1;
	*buf = p;
	*cap = want;
	return 0;
}

/* Every frame starts from zero delta state; carry the time over with a TIME. */
static void mc_frame_begin(struct mc_writer *w)
{
	struct mc_record t = { .type = MC_REC_TIME, .u.time.dt = w->time };

	w->raw_len = 0;
	w->frame_records = 0;
	memset(&w->st, 0, sizeof(w->st));
	if (w->cols)
		mc_cols_writer_reset(&w->cw);
	if (!w->time)
		return;
	if (w->cols) {
		if (mc_cols_put(&w->cw, &t))
			mc_writer_fail(w, "out of memory");
	} else {
		long n = mc_encode_record(w->raw, w->raw_cap, &w->st, &t);

		if (n > 0)
			w->raw_len = (size_t)n;
	}
}

int mc_writer_flush(struct mc_writer *w)
{
	size_t bound, z;

	if (w->failed)
		return -1;
	if (!w->frame_records)
		return 0;
	if (w->cols) {
		size_t size = mc_cols_frame_size(&w->cw);

		if (mc_grow(&w->raw, &w->raw_cap, size))
			return mc_writer_fail(w, "out of memory");
		w->raw_len = mc_cols_frame(&w->cw, w->raw);
	}
	bound = ZSTD_compressBound(w->raw_len);
	if (mc_grow(&w->zbuf, &w->zcap, bound))
		return mc_writer_fail(w, "out of memory");
	z = ZSTD_compress2(w->cctx, w->zbuf, w->zcap, w->raw, w->raw_len);
	if (ZSTD_isError(z))
		return mc_writer_fail(w, "zstd: %s", ZSTD_getErrorName(z));
	if (mc_write_all(w, w->zbuf, z))
		return -1;
	w->bytes += z;
	w->frames++;
	mc_frame_begin(w);
	return 0;
}

static int mc_put_cols(struct mc_writer *w, const struct mc_record *rec)
{
	char text[64];

	if (mc_cols_put(&w->cw, rec)) {
		mc_record_format(text, sizeof(text), rec);
		return mc_writer_fail(w, "record %llu (%s): out of memory or too large",
				      (unsigned long long)w->records, text);
	}
	w->records++;
	w->frame_records++;
	if (mc_cols_column_bytes(&w->cw) >= w->frame_size)
		return mc_writer_flush(w);
	return 0;
}

static int mc_put_raw(struct mc_writer *w, const struct mc_record *rec)
{
	if (w->cols)
		return mc_put_cols(w, rec);
	long n = mc_encode_record(w->raw + w->raw_len, w->raw_cap - w->raw_len, &w->st, rec);

	if (n < 0 && w->raw_len) {
		if (mc_writer_flush(w))
			return -1;
		n = mc_encode_record(w->raw + w->raw_len, w->raw_cap - w->raw_len, &w->st, rec);
	}
	if (n < 0) {
		/* one record larger than a frame: give it a frame of its own size */
		size_t want = w->raw_cap;

		while (n < 0 && want < MC_TRACE_MAX_FRAME) {
			want *= 2;
			if (mc_grow(&w->raw, &w->raw_cap, want))
				return mc_writer_fail(w, "out of memory");
			n = mc_encode_record(w->raw + w->raw_len, w->raw_cap - w->raw_len,
					     &w->st, rec);
		}
		if (n < 0)
			return mc_writer_fail(w, "record %llu (%s) is too large or of unknown type",
					      (unsigned long long)w->records,
					      mc_record_name(rec->type) ?: "?");
	}
	w->raw_len += (size_t)n;
	w->records++;
	w->frame_records++;
	if (w->raw_len >= w->frame_size)
		return mc_writer_flush(w);
	return 0;
}

int mc_writer_put(struct mc_writer *w, const struct mc_record *rec)
{
	if (w->failed)
		return -1;
	if (rec->type == MC_REC_HEADER)
		return mc_writer_fail(w, "a HEADER record may only start the trace");
	if (rec->type == MC_REC_TIME) {
		if (!rec->u.time.dt)
			return 0;	/* time does not move: nothing to say */
		w->time += rec->u.time.dt;
	}
	return mc_put_raw(w, rec);
}

int mc_writer_set_time(struct mc_writer *w, uint64_t now_ns)
{
	struct mc_record t = { .type = MC_REC_TIME };

	if (now_ns <= w->time)
		return w->failed ? -1 : 0;
	t.u.time.dt = now_ns - w->time;
	return mc_writer_put(w, &t);
}

uint64_t mc_writer_time(const struct mc_writer *w)
{
	return w->time;
}

static struct mc_writer *mc_writer_new(int fd, const char *name, char *err, size_t errlen)
{
	struct mc_writer *w = calloc(1, sizeof(*w));

	if (w) {
		w->fd = fd;
		w->name = strdup(name);
		w->cctx = ZSTD_createCCtx();
		w->frame_size = MC_DEFAULT_FRAME;
		w->raw_cap = MC_DEFAULT_FRAME + 4096;
		w->raw = malloc(w->raw_cap);
	}
	if (!w || !w->name || !w->cctx || !w->raw) {
		snprintf(err, errlen, "%s: out of memory", name);
		if (w) {
			ZSTD_freeCCtx(w->cctx);
			free(w->raw);
			free(w->name);
			free(w);
		}
		return NULL;
	}
	ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_checksumFlag, 1);
	ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_contentSizeFlag, 1);
	ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, MC_DEFAULT_LEVEL);
	ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_minMatch, MC_MIN_MATCH_ROWS);
	return w;
}

static void mc_writer_free(struct mc_writer *w)
{
	mc_cols_writer_free(&w->cw);
	ZSTD_freeCCtx(w->cctx);
	free(w->raw);
	free(w->zbuf);
	free(w->name);
	free(w);
}

/* Frame 0: the header alone, written at once. */
static int mc_writer_header(struct mc_writer *w, const struct mc_rec_header *hdr)
{
	struct mc_record rec = { .type = MC_REC_HEADER, .u.header = *hdr };

	if (!hdr->version || hdr->version > MC_TRACE_VERSION)
		return mc_writer_fail(w, "cannot write trace format version %llu (1 to %d)",
				      (unsigned long long)hdr->version, MC_TRACE_VERSION);
	if (mc_put_raw(w, &rec) || mc_writer_flush(w))
		return -1;
	w->cols = hdr->version >= 2;
	if (w->cols)
		ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_minMatch, MC_MIN_MATCH);
	mc_frame_begin(w);
	return 0;
}

struct mc_writer *mc_writer_fdopen(int fd, const char *name, const struct mc_rec_header *hdr,
				   char *err, size_t errlen)
{
	struct mc_writer *w = mc_writer_new(fd, name, err, errlen);

	if (!w)
		return NULL;
	if (mc_writer_header(w, hdr)) {
		snprintf(err, errlen, "%s", w->err);
		mc_writer_free(w);
		return NULL;
	}
	w->records = 0;	/* count the records after the header, as readers do */
	return w;
}

struct mc_writer *mc_writer_open(const char *path, const struct mc_rec_header *hdr, int flags,
				 char *err, size_t errlen)
{
	int oflags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC;
	struct mc_writer *w;
	int fd;

	oflags |= (flags & MC_W_FORCE) ? O_TRUNC : O_EXCL;
	fd = open(path, oflags, 0644);
	if (fd < 0) {
		if (errno == EEXIST)
			snprintf(err, errlen, "%s: already exists (--force replaces it)", path);
		else if (errno == ELOOP)
			snprintf(err, errlen, "%s: is a symbolic link; refusing to write through it",
				 path);
		else
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	w = mc_writer_fdopen(fd, path, hdr, err, errlen);
	if (!w) {
		close(fd);
		return NULL;
	}
	w->own_fd = true;
	return w;
}

int mc_writer_close_err(struct mc_writer *w, char *err, size_t errlen)
{
	int ret = mc_writer_flush(w);

	if (!ret && fsync(w->fd) && errno != EINVAL && errno != EROFS && errno != ENOTSUP)
		ret = mc_writer_fail(w, "fsync: %s", strerror(errno));
	if (w->own_fd && close(w->fd) && !ret)
		ret = mc_writer_fail(w, "close: %s", strerror(errno));
	if (ret && errlen)
		snprintf(err, errlen, "%s", w->err);
	mc_writer_free(w);
	return ret;
}

int mc_writer_close(struct mc_writer *w)
{
	return mc_writer_close_err(w, NULL, 0);
}

const char *mc_writer_error(const struct mc_writer *w)
{
	return w->failed ? w->err : NULL;
}

uint64_t mc_writer_records(const struct mc_writer *w)
{
	return w->records;
}

uint64_t mc_writer_bytes(const struct mc_writer *w)
{
	return w->bytes;
}

void mc_writer_set_frame_size(struct mc_writer *w, size_t bytes)
{
	if (bytes < 64)
		bytes = 64;
	if (bytes > MC_TRACE_MAX_FRAME / 2)
		bytes = MC_TRACE_MAX_FRAME / 2;
	if (!mc_grow(&w->raw, &w->raw_cap, bytes + 4096))
		w->frame_size = bytes;
}

void mc_writer_set_level(struct mc_writer *w, int zstd_level)
{
	ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, zstd_level);
}
