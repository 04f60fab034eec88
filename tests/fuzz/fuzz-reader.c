// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the trace decoder and reader (scripts/fuzz.sh).
 * The first byte picks what the rest is:
 *   0: a raw version 1 frame: decode and format every record;
 *   1: a whole trace file, read from a memfd;
 *   2: a raw frame, compressed behind a valid version 1 header frame, read as a trace;
 *   3: a raw version 2 (column) frame, decoded in batches of 1 to 64;
 *   4: a raw frame behind a version 2 header, read as a trace in batches.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zstd.h>

#include "lib/trace-columns.h"
#include "lib/trace.h"

static void decode_frame(const uint8_t *p, size_t len)
{
	struct mc_decode_state st = { 0 };
	struct mc_record rec;
	char text[4096];
	size_t pos = 0;
	long n;

	while ((n = mc_decode_record(p + pos, len - pos, &st, &rec)) > 0) {
		if (n > (long)(len - pos))
			__builtin_trap();	/* consumed more than it had */
		mc_record_format(text, sizeof(text), &rec);
		pos += (size_t)n;
	}
}

static void decode_cols(const uint8_t *p, size_t len)
{
	static uint8_t buf[(1 << 20) + MC_COLS_SLACK];
	static struct mc_record recs[MC_COLS_BATCH];
	struct mc_cols_reader c;
	char text[4096];
	uint64_t time = 0;
	const char *why;
	unsigned int batch;
	int n;

	if (len < 1 || len - 1 > 1 << 20)
		return;
	batch = 1 + p[0] % MC_COLS_BATCH;
	memcpy(buf, p + 1, len - 1);
	memset(buf + len - 1, 0, MC_COLS_SLACK);
	if (mc_cols_open(&c, buf, len - 1, &why))
		return;
	while ((n = mc_cols_read(&c, recs, batch, &time, &why)) > 0) {
		if (n > (int)batch)
			__builtin_trap();
		for (int i = 0; i < n; i++)
			mc_record_format(text, sizeof(text), &recs[i]);
		if (why)
			break;
	}
}

static void read_trace(const uint8_t *p, size_t len, bool batches)
{
	static struct mc_record recs[16];
	struct mc_record rec;
	struct mc_reader *r;
	char path[64], err[512], text[4096];
	static int fd = -1;

	if (fd < 0)
		fd = memfd_create("fuzz-trace", 0);
	if (fd < 0 || ftruncate(fd, 0) || pwrite(fd, p, len, 0) != (ssize_t)len)
		return;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	r = mc_reader_open(path, err, sizeof(err));
	if (r && batches) {
		int n;

		while ((n = mc_reader_read(r, recs, 16)) > 0)
			for (int i = 0; i < n; i++)
				mc_record_format(text, sizeof(text), &recs[i]);
		mc_reader_close(r);
	} else if (r) {
		while (mc_reader_next(r, &rec) == 1)
			mc_record_format(text, sizeof(text), &rec);
		mc_reader_close(r);
	}
}

static void read_behind_header(const uint8_t *p, size_t len, unsigned int version)
{
	static uint8_t buf[1 << 18];
	struct mc_decode_state st = { 0 };
	struct mc_record hdr = { .type = MC_REC_HEADER };
	long h;
	size_t z1, z2, cap = sizeof(buf);

	mc_header_init(&hdr.u.header, "fuzz");
	hdr.u.header.version = version;
	h = mc_encode_record(buf, cap, &st, &hdr);
	z1 = ZSTD_compress(buf + 1024, cap - 1024, buf, (size_t)h, 1);
	if (ZSTD_isError(z1) || len > cap / 2)
		return;
	z2 = ZSTD_compress(buf + 1024 + z1, cap - 1024 - z1, p, len, 1);
	if (ZSTD_isError(z2))
		return;
	read_trace(buf + 1024, z1 + z2, version > 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	switch (data[0] % 5) {
	case 0:
		decode_frame(data + 1, size - 1);
		break;
	case 1:
		read_trace(data + 1, size - 1, data[0] & 8);
		break;
	case 2:
		read_behind_header(data + 1, size - 1, 1);
		break;
	case 3:
		decode_cols(data + 1, size - 1);
		break;
	default:
		read_behind_header(data + 1, size - 1, 2);
		break;
	}
	return 0;
}
