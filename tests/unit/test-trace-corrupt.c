// SPDX-License-Identifier: GPL-2.0
/*
 * A damaged trace never crashes the reader and never yields a wrong record:
 * the trace cut at every byte offset, and with random bytes flipped, reads as
 * a prefix of the original records followed by a clear error (or the clean
 * end, where the cut falls between frames).
 */
#include <fcntl.h>
#include <regex.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/tap.h"
#include "tests/unit/trace-testlib.h"

#define NR 400

static struct mc_record want[NR];
static char tmpdir[] = "/tmp/mc-test-corrupt.XXXXXX";
static char path[256], bad_path[256];
static int bad_fd;
static regex_t err_re;

static size_t make_trace(uint8_t **data, unsigned int version)
{
	struct mc_rec_header hdr;
	struct mc_writer *w;
	char err[256];
	struct stat sb;
	int fd;

	mc_header_init(&hdr, "scenario");
	hdr.version = version;
	w = mc_writer_open(path, &hdr, MC_W_FORCE, err, sizeof(err));
	if (!w)
		return 0;
	mc_writer_set_frame_size(w, 300);
	for (int i = 0; i < NR; i++) {
		unsigned int type = 3 + tl_rand() % 18;	/* no HEADER or TIME */

		tl_random_record(&want[i], type);
		/* keep strings short so that frames hold many records */
		if (type == MC_REC_NOTE)
			want[i].u.note.text.len %= 20;
		if (type == MC_REC_MM)
			want[i].u.mm.name.len %= 20;
		if (type == MC_REC_EXEC)
			want[i].u.exec.name.len %= 20;
		if (type == MC_REC_CHECKPOINT)
			want[i].u.checkpoint.label.len %= 20;
		if (mc_writer_put(w, &want[i]))
			return 0;
	}
	if (mc_writer_close(w) || stat(path, &sb))
		return 0;
	*data = malloc((size_t)sb.st_size);
	fd = open(path, O_RDONLY);
	if (!*data || read(fd, *data, (size_t)sb.st_size) != sb.st_size)
		return 0;
	close(fd);
	return (size_t)sb.st_size;
}

/* Reads bad_path; 0 if what it gives is a valid prefix and a clear ending. */
static int check_damaged(const uint8_t *data, size_t len, size_t *nread, int *clean)
{
	struct mc_reader *r;
	struct mc_record rec;
	char err[256];
	int ret;

	/* the damaged copy lives in a memfd: thousands of them, no disk */
	if (ftruncate(bad_fd, 0) || pwrite(bad_fd, data, len, 0) != (ssize_t)len)
		return -1;
	*nread = 0;
	*clean = 0;
	r = mc_reader_open(bad_path, err, sizeof(err));
	if (!r)
		return regexec(&err_re, err, 0, NULL, 0) ? (tap_diag("open: %s", err), -1) : 0;
	while ((ret = mc_reader_next(r, &rec)) == 1) {
		if (*nread >= NR || !tl_record_eq(&rec, &want[*nread])) {
			tap_diag("record %zu is wrong", *nread);
			mc_reader_close(r);
			return -1;
		}
		(*nread)++;
	}
	if (ret < 0 && regexec(&err_re, mc_reader_error(r), 0, NULL, 0)) {
		tap_diag("unclear error: %s", mc_reader_error(r));
		ret = -2;
	}
	*clean = ret == 0;
	mc_reader_close(r);
	return ret == -2 ? -1 : 0;
}

static void test_truncation(const uint8_t *data, size_t size)
{
	size_t nread, last = 0, clean_ends = 0;
	int clean, bad = 0, monotonic = 1;

	for (size_t cut = 0; cut < size; cut++) {
		if (check_damaged(data, cut, &nread, &clean)) {
			if (!bad++)
				tap_diag("cut at %zu", cut);
			continue;
		}
		monotonic &= nread >= last;
		last = nread;
		clean_ends += clean;
	}
	ok(!bad, "cut at each of %zu offsets: a valid prefix, then a clear error", size);
	ok(monotonic, "a longer cut never gives fewer records");
	ok(clean_ends > 1 && clean_ends < 100, "cuts between frames end cleanly (%zu)",
	   clean_ends);
	check_damaged(data, size, &nread, &clean);
	ok(nread == NR && clean, "the whole file gives every record");
}

static void test_flips(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size);
	size_t nread, short_reads = 0;
	int clean, bad = 0;

	for (int i = 0; i < 2000; i++) {
		size_t at = tl_rand() % size;
		int flips = 1 + (int)(tl_rand() % 3);

		memcpy(copy, data, size);
		for (int k = 0; k < flips; k++)
			copy[(at + tl_rand() % 64) % size] ^= (uint8_t)(1 + tl_rand() % 255);
		if (check_damaged(copy, size, &nread, &clean)) {
			if (!bad++)
				tap_diag("flip at %zu", at);
			continue;
		}
		short_reads += nread < NR;
	}
	ok(!bad, "2000 damaged copies: each a valid prefix, then a clear error");
	ok(short_reads > 1900, "damage is detected (%zu of 2000 stopped early)", short_reads);
	free(copy);
}

int main(void)
{
	uint8_t *data = NULL;
	size_t size;
	char cmd[300];

	tl_init_pool();
	if (!mkdtemp(tmpdir))
		tap_plan_skip_all("cannot make a temporary directory");
	snprintf(path, sizeof(path), "%s/good.trace", tmpdir);
	bad_fd = memfd_create("bad.trace", 0);
	if (bad_fd < 0)
		tap_plan_skip_all("no memfd_create");
	snprintf(bad_path, sizeof(bad_path), "/proc/self/fd/%d", bad_fd);
	regcomp(&err_re, "^/proc/self/fd/[0-9]+: frame [0-9]+, offset [0-9]+: [a-zA-Z]",
		REG_EXTENDED);
	for (unsigned int version = 1; version <= MC_TRACE_VERSION; version++) {
		size = make_trace(&data, version);
		ok(size > 1000, "a %d-record trace of %zu bytes, format version %u", NR, size,
		   version);
		if (size) {
			test_truncation(data, size);
			test_flips(data, size);
		}
		free(data);
		data = NULL;
	}
	regfree(&err_re);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd))
		tap_diag("could not remove %s", tmpdir);
	return tap_done();
}
