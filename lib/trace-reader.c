// SPDX-License-Identifier: GPL-2.0
/*
 * Trace reader. Trusts nothing: a frame must be complete, carry its content
 * size (bounded by MC_TRACE_MAX_FRAME) and pass zstd's checksum before any of
 * its records is returned; every record is bounds-checked by the decoder.
 * On the first problem it stops with "path: frame N, offset M: what"; the
 * records already returned are the valid prefix.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "lib/trace-columns.h"
#include "lib/trace-decode.h"
#include "lib/trace.h"

#define MC_READ_CHUNK (128u << 10)
#define MC_SKIPPABLE_MAGIC 0x184D2A50u
#define MC_SKIPPABLE_MASK 0xFFFFFFF0u

struct mc_reader {
	int fd;
	bool own_fd, eof, failed, done;
	char *path;
	ZSTD_DCtx *dctx;
	uint8_t *in;		/* compressed bytes in[start..end) start at file offset in_off */
	size_t in_cap, in_start, in_end;
	uint64_t in_off;
	uint8_t *frame;		/* the current frame, decompressed */
	size_t frame_cap, frame_len, pos;
	uint64_t frame_no, frame_off;
	struct mc_decode_state st;
	bool cols;		/* version 2: the frame is read by column */
	struct mc_cols_reader cr;
	uint8_t *hdr_raw;	/* frame 0, which the header's strings point into */
	struct mc_rec_header hdr;
	uint64_t records, size;
	uint64_t time;		/* trace time of the last record returned */
	char err[512];
};

static int mc_reader_fail(struct mc_reader *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int mc_reader_fail(struct mc_reader *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	r->failed = true;
	n = snprintf(r->err, sizeof(r->err), "%s: frame %llu, offset %llu: ", r->path,
		     (unsigned long long)r->frame_no, (unsigned long long)r->frame_off);
	va_start(ap, fmt);
	vsnprintf(r->err + n, sizeof(r->err) - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* Read more input; 1 = got some, 0 = end of file, -1 = error. */
static int mc_reader_fill(struct mc_reader *r)
{
	size_t max_in = ZSTD_compressBound(MC_TRACE_MAX_FRAME) + MC_READ_CHUNK;
	ssize_t k;

	if (r->in_start) {
		memmove(r->in, r->in + r->in_start, r->in_end - r->in_start);
		r->in_end -= r->in_start;
		r->in_start = 0;
	}
	if (r->in_end == r->in_cap) {
		size_t cap = r->in_cap ? r->in_cap * 2 : MC_READ_CHUNK;
		uint8_t *p;

		if (r->in_cap >= max_in)
			return mc_reader_fail(r, "frame is larger than %u MiB",
					      MC_TRACE_MAX_FRAME >> 20);
		p = realloc(r->in, cap);
		if (!p)
			return mc_reader_fail(r, "out of memory");
		r->in = p;
		r->in_cap = cap;
	}
	do {
		k = read(r->fd, r->in + r->in_end, r->in_cap - r->in_end);
	} while (k < 0 && errno == EINTR);
	if (k < 0)
		return mc_reader_fail(r, "read: %s", strerror(errno));
	if (k == 0) {
		r->eof = true;
		return 0;
	}
	r->in_end += (size_t)k;
	return 1;
}

static uint32_t mc_le32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/*
 * Find the next whole frame in the input, check it and decompress it.
 * 1 = a frame is ready, 0 = clean end of the file, -1 = error.
 */
static int mc_reader_load_frame(struct mc_reader *r)
{
	for (;;) {
		size_t avail = r->in_end - r->in_start, csize;
		unsigned long long content;
		const uint8_t *src;

		if (r->frame_len || r->frame_off != r->in_off) {
			/* moving on from a frame (or skippable frame) to the next */
			r->frame_no++;
			r->frame_off = r->in_off;
			r->frame_len = r->pos = 0;
		}
		if (!avail) {
			if (r->eof)
				return 0;
			if (mc_reader_fill(r) < 0)
				return -1;
			continue;
		}
		src = r->in + r->in_start;
		csize = ZSTD_findFrameCompressedSize(src, avail);
		if (ZSTD_isError(csize) || csize > avail) {
			if (ZSTD_isError(csize) && ZSTD_getErrorCode(csize) != ZSTD_error_srcSize_wrong)
				return mc_reader_fail(r, "not a zstd frame (%s)",
						      ZSTD_getErrorName(csize));
			if (r->eof)
				return mc_reader_fail(r, "truncated frame: the file ends %zu bytes into it",
						      avail);
			if (mc_reader_fill(r) < 0)
				return -1;
			continue;
		}
		if ((mc_le32(src) & MC_SKIPPABLE_MASK) == MC_SKIPPABLE_MAGIC) {
			/* a seek table or other metadata: no records */
			r->in_start += csize;
			r->in_off += csize;
			continue;
		}
		content = ZSTD_getFrameContentSize(src, csize);
		if (content == ZSTD_CONTENTSIZE_UNKNOWN || content == ZSTD_CONTENTSIZE_ERROR)
			return mc_reader_fail(r, "zstd frame without a content size");
		if (content > MC_TRACE_MAX_FRAME)
			return mc_reader_fail(r, "frame of %llu bytes is larger than the %u MiB limit",
					      content, MC_TRACE_MAX_FRAME >> 20);
		if (content + MC_COLS_SLACK > r->frame_cap) {
			uint8_t *p = realloc(r->frame, content + MC_COLS_SLACK);

			if (!p)
				return mc_reader_fail(r, "out of memory");
			r->frame = p;
			r->frame_cap = content + MC_COLS_SLACK;
		}
		size_t got = ZSTD_decompressDCtx(r->dctx, r->frame, content, src, csize);

		if (ZSTD_isError(got))
			return mc_reader_fail(r, "zstd: %s", ZSTD_getErrorName(got));
		if (got != content)
			return mc_reader_fail(r, "frame holds %zu bytes, its header says %llu", got,
					      content);
		r->in_start += csize;
		r->in_off += csize;
		r->frame_len = got;
		r->pos = 0;
		memset(&r->st, 0, sizeof(r->st));
		/* the column decoder reads a little past a column's end */
		memset(r->frame + got, 0, MC_COLS_SLACK);
		if (r->cols && got) {
			const char *why;

			if (mc_cols_open(&r->cr, r->frame, got, &why))
				return mc_reader_fail(r, "%s", why);
			/* r->pos counts records of a column frame */
			r->frame_len = r->cr.nrec;
		}
		if (r->frame_len)
			return 1;
	}
}

/* Next record of any known or unknown type from the loaded version 1 frames. */
static int mc_reader_decode(struct mc_reader *r, struct mc_record *rec)
{
	for (;;) {
		if (r->pos >= r->frame_len) {
			int ret = mc_reader_load_frame(r);

			if (ret <= 0)
				return ret;
		}
		const char *why = NULL;

		long n = mc_decode_inline(r->frame + r->pos, r->frame_len - r->pos, &r->st, rec,
					  &why);

		if (unlikely(n < 0))
			return mc_reader_fail(r, "%s record at byte %zu: %s",
					      mc_record_name(r->frame[r->pos]) ?: "unknown",
					      r->pos, why);
		r->pos += (size_t)n;
		if (likely(mc_type_known[rec->type]))
			return 1;
		/* unknown record types are skipped */
	}
}

/* Up to max records of the current column frame: as mc_reader_read(). */
static mc_cols_loop int mc_reader_cols_run(struct mc_reader *r, struct mc_record *recs, unsigned int max)
{
	const char *why;
	int n = mc_cols_run(&r->cr, recs, max < MC_COLS_BATCH ? max : MC_COLS_BATCH, &r->time,
			    &why, false);

	r->records += (uint64_t)n;
	r->pos = r->cr.nrec - (size_t)(r->cr.type_end - r->cr.type);
	if (likely(!why))
		return n;
	mc_reader_fail(r, "%s record %zu of the frame: %s", mc_record_name(*r->cr.type) ?: "unknown",
		       r->pos, why);
	return n ? n : -1;
}

static int mc_reader_read_cols(struct mc_reader *r, struct mc_record *recs, unsigned int max)
{
	for (;;) {
		int n;

		if (r->pos >= r->frame_len) {
			n = mc_reader_load_frame(r);
			if (n <= 0) {
				r->done = !n;
				return n;
			}
		}
		n = mc_reader_cols_run(r, recs, max);
		if (n)
			return n;
	}
}

static int mc_reader_next_rows(struct mc_reader *r, struct mc_record *rec)
{
	int ret;

	for (;;) {
		ret = mc_reader_decode(r, rec);
		if (ret == 0)
			r->done = true;
		if (ret <= 0)
			return ret;
		if (rec->type == MC_REC_HEADER)
			return mc_reader_fail(r, "HEADER record at byte %zu: only frame 0 may hold one",
					      r->pos);
		/* as in mc_reader_cols_run() */
		if (rec->type != MC_REC_TIME)
			break;
		if (rec->time != r->time) {
			rec->u.time.dt = rec->time - r->time;
			break;
		}
	}
	r->time = rec->time;
	r->records++;
	return 1;
}

int mc_reader_next(struct mc_reader *r, struct mc_record *rec)
{
	if (r->failed)
		return -1;
	if (r->done)
		return 0;
	if (r->cols)
		return mc_reader_read_cols(r, rec, 1);
	return mc_reader_next_rows(r, rec);
}

int mc_reader_read(struct mc_reader *r, struct mc_record *recs, unsigned int max)
{
	unsigned int n = 0;
	int ret = 1;

	if (r->failed)
		return -1;
	if (r->done || !max)
		return 0;
	if (r->cols)
		return mc_reader_read_cols(r, recs, max);
	/* strings point into the frame: a batch ends with its frame */
	while (n < max && !(n && r->pos >= r->frame_len) &&
	       (ret = mc_reader_next_rows(r, &recs[n])) > 0)
		n++;
	return n ? (int)n : ret;
}

static int mc_str_is(struct mc_str s, const char *lit)
{
	return s.len == strlen(lit) && !memcmp(s.s, lit, s.len);
}

static int mc_reader_read_header(struct mc_reader *r)
{
	struct mc_record rec;
	int ret = mc_reader_decode(r, &rec);

	if (ret == 0)
		return mc_reader_fail(r, "empty file: not a mapcount trace");
	if (ret < 0)
		return -1;
	if (r->frame_no != 0 || rec.type != MC_REC_HEADER ||
	    !mc_str_is(rec.u.header.magic, MC_TRACE_MAGIC))
		return mc_reader_fail(r, "not a mapcount trace (no header)");
	if (rec.u.header.version > MC_TRACE_VERSION || !rec.u.header.version)
		return mc_reader_fail(r, "trace format version %llu; this mapcount reads 1 to %d",
				      (unsigned long long)rec.u.header.version, MC_TRACE_VERSION);
	if (rec.u.header.page_shift < 10 || rec.u.header.page_shift > 20 ||
	    rec.u.header.pmd_order >= rec.u.header.pud_order || rec.u.header.pud_order > 30)
		return mc_reader_fail(r, "implausible page shift %llu, PMD order %llu, PUD order %llu",
				      (unsigned long long)rec.u.header.page_shift,
				      (unsigned long long)rec.u.header.pmd_order,
				      (unsigned long long)rec.u.header.pud_order);
	if (r->pos != r->frame_len)
		return mc_reader_fail(r, "frame 0 holds more than the header");
	r->cols = rec.u.header.version >= 2;
	/* keep frame 0: the header's strings point into it */
	r->hdr = rec.u.header;
	r->hdr_raw = r->frame;
	r->frame = NULL;
	r->frame_cap = 0;
	return 0;
}

struct mc_reader *mc_reader_open(const char *path, char *err, size_t errlen)
{
	struct mc_reader *r = calloc(1, sizeof(*r));
	struct stat sb;

	if (!r || !(r->path = strdup(path)) || !(r->dctx = ZSTD_createDCtx())) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	if (!strcmp(path, "-")) {
		r->fd = 0;
	} else {
		r->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (r->fd < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto fail;
		}
		r->own_fd = true;
	}
	if (!fstat(r->fd, &sb) && S_ISREG(sb.st_mode))
		r->size = (uint64_t)sb.st_size;
	else if (!fstat(r->fd, &sb) && S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "%s: is a directory", path);
		goto fail;
	}
	if (mc_reader_read_header(r)) {
		snprintf(err, errlen, "%s", r->err);
		goto fail;
	}
	return r;
fail:
	if (r)
		mc_reader_close(r);
	return NULL;
}

const struct mc_rec_header *mc_reader_header(const struct mc_reader *r)
{
	return &r->hdr;
}

const char *mc_reader_error(const struct mc_reader *r)
{
	return r->failed ? r->err : NULL;
}

uint64_t mc_reader_records(const struct mc_reader *r)
{
	return r->records;
}

uint64_t mc_reader_frame(const struct mc_reader *r)
{
	return r->frame_no;
}

uint64_t mc_reader_offset(const struct mc_reader *r)
{
	return r->in_off;
}

uint64_t mc_reader_size(const struct mc_reader *r)
{
	return r->size;
}

void mc_reader_close(struct mc_reader *r)
{
	if (r->own_fd)
		close(r->fd);
	ZSTD_freeDCtx(r->dctx);
	free(r->in);
	free(r->frame);
	free(r->hdr_raw);
	free(r->path);
	free(r);
}
