// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the trace decoder and reader (scripts/fuzz.sh).
 * The first byte picks what the rest is:
 *   0: a raw frame: decode and format every record;
 *   1: a whole trace file, read from a memfd;
 *   2: a raw frame, compressed behind a valid header frame, read as a trace.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zstd.h>

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

static void read_trace(const uint8_t *p, size_t len)
{
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
	if (r) {
		while (mc_reader_next(r, &rec) == 1)
			mc_record_format(text, sizeof(text), &rec);
		mc_reader_close(r);
	}
}

static void read_behind_header(const uint8_t *p, size_t len)
{
	static uint8_t buf[1 << 18];
	struct mc_decode_state st = { 0 };
	struct mc_record hdr = { .type = MC_REC_HEADER };
	long h;
	size_t z1, z2, cap = sizeof(buf);

	mc_header_init(&hdr.u.header, "fuzz");
	h = mc_encode_record(buf, cap, &st, &hdr);
	z1 = ZSTD_compress(buf + 1024, cap - 1024, buf, (size_t)h, 1);
	if (ZSTD_isError(z1) || len > cap / 2)
		return;
	z2 = ZSTD_compress(buf + 1024 + z1, cap - 1024 - z1, p, len, 1);
	if (ZSTD_isError(z2))
		return;
	read_trace(buf + 1024, z1 + z2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	switch (data[0] % 3) {
	case 0:
		decode_frame(data + 1, size - 1);
		break;
	case 1:
		read_trace(data + 1, size - 1);
		break;
	default:
		read_behind_header(data + 1, size - 1);
		break;
	}
	return 0;
}
