// SPDX-License-Identifier: GPL-2.0
/* Trace codec, writer and reader: round trips and the rules of the format. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zstd.h>

#include "tests/tap.h"
#include "tests/unit/trace-testlib.h"

#define NR_TYPES 20
#define STREAM 20000

static char tmpdir[] = "/tmp/mc-test-trace.XXXXXX";

static char *tmppath(const char *name)
{
	static char buf[4][256];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", tmpdir, name);
	return buf[k];
}

static void test_codec_round_trip(void)
{
	static uint8_t buf[1 << 20];
	static struct mc_record recs[2000];
	struct mc_decode_state est = { 0 }, dst = { 0 };
	size_t len = 0, nr = 0, pos = 0;
	int bad = 0, types_seen[NR_TYPES + 1] = { 0 };

	while (nr < 2000) {
		unsigned int type = 1 + tl_rand() % NR_TYPES;
		long n;

		tl_random_record(&recs[nr], type);
		n = mc_encode_record(buf + len, sizeof(buf) - len, &est, &recs[nr]);
		if (n < 0)
			break;
		types_seen[type] = 1;
		len += (size_t)n;
		nr++;
	}
	ok(nr > 200, "encoded %zu random records into %zu bytes", nr, len);
	for (size_t i = 0; i < nr; i++) {
		struct mc_record got;
		long n = mc_decode_record(buf + pos, len - pos, &dst, &got);

		if (n <= 0 || !tl_record_eq(&got, &recs[i])) {
			if (!bad++)
				tap_diag("record %zu (%s) differs", i, mc_record_name(recs[i].type));
			break;
		}
		pos += (size_t)n;
	}
	ok(!bad && pos == len, "every record decodes to what was encoded");
	is_int(mc_decode_record(buf + pos, len - pos, &dst, &(struct mc_record){ 0 }), 0,
	       "end of buffer gives 0");
	ok(est.pfn == dst.pfn && est.vpn == dst.vpn && est.time == dst.time,
	   "encoder and decoder delta state agree");
	int all = 1;

	for (int t = 1; t <= NR_TYPES; t++)
		all &= types_seen[t];
	ok(all, "every record type was exercised");
}

static void test_encode_capacity(void)
{
	struct mc_record rec;
	struct mc_decode_state st = { 0 }, st0;
	uint8_t buf[64];
	long full, n;

	tl_random_record(&rec, MC_REC_MAP);
	rec.u.map.vpn = UINT64_MAX;
	full = mc_encode_record(buf, sizeof(buf), &st, &rec);
	ok(full > 0, "MAP with extreme values encodes (%ld bytes)", full);
	memset(&st, 0, sizeof(st));
	st0 = st;
	n = mc_encode_record(buf, (size_t)full - 1, &st, &rec);
	ok(n == -1 && !memcmp(&st, &st0, sizeof(st)), "one byte short: -1, state untouched");
	n = mc_encode_record(buf, (size_t)full, &st, &rec);
	is_int(n, full, "exact capacity fits");
	rec.type = 200;
	is_int(mc_encode_record(buf, sizeof(buf), &st, &rec), -1, "unknown type is not encoded");
}

static void test_decode_rules(void)
{
	struct mc_decode_state st = { .pfn = 0x1000, .vpn = 77 };
	struct mc_record rec;
	const char *why = NULL;
	/* MAP with only mm=3 and vpn=+2: the other fields read as 0 */
	uint8_t short_map[] = { MC_REC_MAP, 2, 3, 4 };
	/* FREE with pfn=+1 and three bytes a newer writer added */
	uint8_t long_free[] = { MC_REC_FREE, 4, 2, 0xff, 0x01, 9 };
	/* an unknown type 99 of 3 bytes, then EXIT mm=5 */
	uint8_t unknown[] = { 99, 3, 1, 2, 3, MC_REC_EXIT, 1, 5 };
	uint8_t overrun[] = { MC_REC_MAP, 5, 1, 2 };
	uint8_t bad_varint[] = { MC_REC_MAP, 2, 1, 0x80 };
	uint8_t big_mm[] = { MC_REC_EXIT, 6, 0x80, 0x80, 0x80, 0x80, 0x10, 0 };
	uint8_t bad_str[] = { MC_REC_NOTE, 2, 5, 'a' };
	uint8_t overlong[] = { MC_REC_EXIT, 11, 0xff, 0xff, 0xff, 0xff, 0xff,
			       0xff, 0xff, 0xff, 0xff, 0x7f, 0 };

	is_int(mc_decode_record(short_map, sizeof(short_map), &st, &rec), 4, "short MAP decodes");
	ok(rec.u.map.mm == 3 && rec.u.map.vpn == 79 && rec.u.map.pfn == 0 && rec.u.map.nr == 0 &&
	   rec.u.map.lf == 0 && st.pfn == 0x1000,
	   "missing trailing fields are 0 and leave the PFN delta alone");
	is_int(mc_decode_record(long_free, sizeof(long_free), &st, &rec), 6, "long FREE decodes");
	ok(rec.type == MC_REC_FREE && rec.u.free.pfn == 0x1001, "trailing payload bytes ignored");
	is_int(mc_decode_record(unknown, sizeof(unknown), &st, &rec), 5, "unknown type: skipped");
	is_int(rec.type, 99, "unknown type reported as such");
	is_int(mc_decode_record(unknown + 5, 3, &st, &rec), 3, "record after it decodes");
	is_int(mc_decode_record(overrun, sizeof(overrun), &st, &rec), -1,
	       "length past the end: -1");
	is_int(mc_decode_record_why(bad_varint, sizeof(bad_varint), &st, &rec, &why), -1,
	       "varint running past the payload: -1");
	ok(why && strstr(why, "field vpn"), "and the reason names the field: %s", why);
	is_int(mc_decode_record(big_mm, sizeof(big_mm), &st, &rec), -1, "mm id over 32 bits: -1");
	is_int(mc_decode_record(bad_str, sizeof(bad_str), &st, &rec), -1, "string past payload: -1");
	is_int(mc_decode_record(overlong, sizeof(overlong), &st, &rec), -1,
	       "varint over 64 bits: -1");
}

static void fill_header(struct mc_rec_header *hdr, unsigned int version)
{
	mc_header_init(hdr, "scenario");
	hdr->version = version;
	hdr->kernel = (struct mc_str){ "6.18.0", 6 };
	hdr->host = (struct mc_str){ "testhost", 8 };
	hdr->start_ns = 1700000000000000000ull;
}

/* Writes a random stream with TIME records; returns records written. */
static size_t write_stream(const char *path, struct mc_record *recs, uint64_t *times, size_t nr,
			   size_t frame_size, unsigned int version)
{
	char err[256];
	struct mc_rec_header hdr;
	struct mc_writer *w;
	uint64_t now = 0;

	fill_header(&hdr, version);
	w = mc_writer_open(path, &hdr, MC_W_FORCE, err, sizeof(err));
	if (!w) {
		tap_diag("%s", err);
		return 0;
	}
	mc_writer_set_frame_size(w, frame_size);
	for (size_t i = 0; i < nr; i++) {
		unsigned int type = 2 + tl_rand() % (NR_TYPES - 1);	/* no HEADER */

		tl_random_record(&recs[i], type);
		if (type == MC_REC_TIME)
			recs[i].u.time.dt = 1 + recs[i].u.time.dt % 1000000;
		now += type == MC_REC_TIME ? recs[i].u.time.dt : 0;
		times[i] = now;
		if (mc_writer_put(w, &recs[i])) {
			tap_diag("%s", mc_writer_error(w));
			mc_writer_close(w);
			return 0;
		}
	}
	if (mc_writer_close_err(w, err, sizeof(err))) {
		tap_diag("%s", err);
		return 0;
	}
	return nr;
}

/* Reads the file back, by mc_reader_next() or in batches of random sizes. */
static void test_file_round_trip(unsigned int version, bool batches)
{
	static struct mc_record recs[STREAM], got[100];
	static uint64_t times[STREAM];
	const char *path = tmppath("rt.trace");
	char err[256];
	struct mc_reader *r;
	size_t i = 0;
	int ret, bad = 0;

	is_int(write_stream(path, recs, times, STREAM, 4096, version), STREAM,
	       "version %u: wrote %d records", version, STREAM);
	r = mc_reader_open(path, err, sizeof(err));
	ok(r, "reader opens it");
	if (!r) {
		tap_diag("%s", err);
		return;
	}
	const struct mc_rec_header *h = mc_reader_header(r);

	ok(tl_str_eq(h->kernel, (struct mc_str){ "6.18.0", 6 }) && h->version == version &&
	   h->pmd_order == 9 && h->start_ns == 1700000000000000000ull,
	   "header fields survive");
	for (;;) {
		unsigned int want = batches ? 1 + tl_rand() % 100 : 1;

		ret = batches ? mc_reader_read(r, got, want) : mc_reader_next(r, got);
		if (ret <= 0)
			break;
		if (ret > (int)want) {
			bad++;
			tap_diag("asked for %u records, got %d", want, ret);
			break;
		}
		for (int k = 0; k < ret && !bad; k++, i++) {
			if (i >= STREAM || !tl_record_eq(&got[k], &recs[i]) ||
			    got[k].time != times[i]) {
				bad++;
				tap_diag("record %zu (%s) differs", i, mc_record_name(got[k].type));
			}
		}
		if (bad)
			break;
	}
	is_int(ret, 0, "clean end");
	ok(!bad && i == STREAM, "every record and its time come back (%zu%s)", i,
	   batches ? ", read in batches" : "");
	ok(mc_reader_frame(r) > 10, "the stream spans many frames (%llu)",
	   (unsigned long long)mc_reader_frame(r));
	is_int(mc_reader_offset(r), mc_reader_size(r), "the whole file was consumed");
	is_int(mc_reader_records(r), STREAM, "the reader counted them");
	mc_reader_close(r);
}

static void test_open_rules(void)
{
	struct mc_rec_header hdr;
	char err[256];
	const char *path = tmppath("excl.trace"), *link = tmppath("link.trace");
	struct mc_writer *w;

	fill_header(&hdr, MC_TRACE_VERSION);
	w = mc_writer_open(path, &hdr, 0, err, sizeof(err));
	ok(w && !mc_writer_close(w), "new file is created");
	w = mc_writer_open(path, &hdr, 0, err, sizeof(err));
	ok(!w && strstr(err, "already exists"), "existing file refused: %s", err);
	w = mc_writer_open(path, &hdr, MC_W_FORCE, err, sizeof(err));
	ok(w && !mc_writer_close(w), "--force replaces it");
	ok(!symlink(path, link), "symlink made");
	w = mc_writer_open(link, &hdr, MC_W_FORCE, err, sizeof(err));
	ok(!w && strstr(err, "symbolic link"), "never through a symlink, even forced: %s", err);

	int fd = open("/dev/full", O_WRONLY);

	if (fd < 0) {
		ok(1, "# SKIP no /dev/full");
		return;
	}
	w = mc_writer_fdopen(fd, "/dev/full", &hdr, err, sizeof(err));
	ok(!w && strstr(err, "No space left"), "ENOSPC is reported: %s", err);
	close(fd);
}

static void test_reader_rules(void)
{
	const char *path = tmppath("unknown.trace");
	struct mc_rec_header hdr;
	struct mc_decode_state st = { 0 };
	struct mc_record rec = { .type = MC_REC_HEADER }, got;
	uint8_t raw[256], z[512];
	long n0;
	size_t len = 0, zl;
	char err[256];
	int fd;

	fill_header(&hdr, 1);	/* the frames below are version 1 frames */
	rec.u.header = hdr;
	n0 = mc_encode_record(raw, sizeof(raw), &st, &rec);
	zl = ZSTD_compress(z, sizeof(z), raw, (size_t)n0, 3);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ok(write(fd, z, zl) == (ssize_t)zl, "header frame written");
	/* frame 1: unknown type 77, then EXIT mm=4 */
	memset(&st, 0, sizeof(st));
	raw[len++] = 77;
	raw[len++] = 2;
	raw[len++] = 0xaa;
	raw[len++] = 0xbb;
	rec = (struct mc_record){ .type = MC_REC_EXIT, .u.exit.mm = 4 };
	len += (size_t)mc_encode_record(raw + len, sizeof(raw) - len, &st, &rec);
	zl = ZSTD_compress(z, sizeof(z), raw, len, 3);
	ok(write(fd, z, zl) == (ssize_t)zl, "data frame written");
	close(fd);

	struct mc_reader *r = mc_reader_open(path, err, sizeof(err));

	ok(r, "opens");
	if (!r)
		return;
	ok(mc_reader_next(r, &got) == 1 && got.type == MC_REC_EXIT && got.u.exit.mm == 4,
	   "unknown record type skipped by the reader");
	is_int(mc_reader_next(r, &got), 0, "then the end");
	mc_reader_close(r);

	fd = open(path, O_WRONLY | O_TRUNC);
	ok(write(fd, "hello, world\n", 13) == 13, "garbage written");
	close(fd);
	r = mc_reader_open(path, err, sizeof(err));
	ok(!r && strstr(err, "frame 0, offset 0: not a zstd frame"), "garbage refused: %s", err);
	r = mc_reader_open(tmppath("absent"), err, sizeof(err));
	ok(!r && strstr(err, "No such file"), "missing file: %s", err);
}

static void test_zstd_cli(void)
{
	const char *path = tmppath("cli.trace");
	char cmd[512];
	static struct mc_record recs[1000];
	static uint64_t times[1000];

	if (system("command -v zstd >/dev/null 2>&1")) {
		ok(1, "# SKIP zstd command not installed");
		return;
	}
	write_stream(path, recs, times, 1000, 1024, MC_TRACE_VERSION);
	snprintf(cmd, sizeof(cmd), "zstd -qdc %s > %s.raw", path, path);
	is_int(system(cmd), 0, "zstd -dc decodes the trace");
	snprintf(cmd, sizeof(cmd), "zstd -qt %s", path);
	is_int(system(cmd), 0, "zstd -t verifies its checksums");
}

int main(void)
{
	char cmd[300];

	tl_init_pool();
	if (!mkdtemp(tmpdir))
		tap_plan_skip_all("cannot make a temporary directory");
	test_codec_round_trip();
	test_encode_capacity();
	test_decode_rules();
	test_file_round_trip(1, false);
	test_file_round_trip(1, true);
	test_file_round_trip(2, false);
	test_file_round_trip(2, true);
	test_open_rules();
	test_reader_rules();
	test_zstd_cli();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd))
		tap_diag("could not remove %s", tmpdir);
	return tap_done();
}
