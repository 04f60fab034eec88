// SPDX-License-Identifier: GPL-2.0
/*
 * Version 2 column frames (lib/trace-columns.h): prefix varints, and the
 * rules of the format on frames built by hand: unknown types skipped with
 * their deltas applied, fields appended or missing, and every malformed
 * frame or record refused with a reason, after the records before it.
 */
#include <string.h>

#include "lib/trace-columns.h"
#include "tests/tap.h"
#include "tests/unit/trace-testlib.h"

static void test_pvarint(void)
{
	static const uint64_t edges[] = { 0,	       1,	  0x7f,		 0x80,
					  0x3fff,      0x4000,	  (1ull << 21) - 1, 1ull << 21,
					  1ull << 49,  (1ull << 56) - 1, 1ull << 56, UINT64_MAX };
	uint8_t buf[32];
	int bad = 0;

	for (unsigned int i = 0; i < 100000; i++) {
		uint64_t v = i < sizeof(edges) / sizeof(edges[0]) ? edges[i] : tl_value();
		uint64_t fast = ~v, careful = ~v;
		unsigned int len;

		memset(buf, 0xee, sizeof(buf));
		len = mc_put_pvarint(buf, v);
		if (mc_get_pvarint_fast(buf, &fast) != buf + len || fast != v ||
		    mc_get_pvarint(buf, buf + len, &careful) != buf + len || careful != v ||
		    mc_get_pvarint(buf, buf + len - 1, &careful) != NULL) {
			if (!bad++)
				tap_diag("value %llx, %u bytes", (unsigned long long)v, len);
		}
	}
	ok(!bad, "prefix varints round-trip; the careful reader stops at the end");
	ok(mc_put_pvarint(buf, 0x7f) == 1 && mc_put_pvarint(buf, 0x80) == 2 &&
	   mc_put_pvarint(buf, (1ull << 56) - 1) == 8 && mc_put_pvarint(buf, 1ull << 56) == 9,
	   "lengths: 7 bits a byte, 9 bytes from 2^56");
}

/* A frame built by hand. */
struct fb {
	uint8_t table[512], types[256], col[MC_NR_COLS][512];
	size_t tlen, ntypes, nrec, clen[MC_NR_COLS];
	uint8_t buf[4096 + MC_COLS_SLACK];
	size_t len;
};

/* declare a type with codings given as a string of MC_CODING_* digits */
static void fb_type(struct fb *f, unsigned int type, const char *codings)
{
	f->table[f->tlen++] = (uint8_t)type;
	f->table[f->tlen++] = (uint8_t)strlen(codings);
	for (const char *c = codings; *c; c++)
		f->table[f->tlen++] = (uint8_t)(*c - '0');
	f->ntypes++;
}

static void fb_rec(struct fb *f, unsigned int type)
{
	f->types[f->nrec++] = (uint8_t)type;
}

static void fb_val(struct fb *f, enum mc_column col, uint64_t v)
{
	f->clen[col] += mc_put_pvarint(f->col[col] + f->clen[col], v);
}

static void fb_delta(struct fb *f, enum mc_column col, int64_t step)
{
	fb_val(f, col, mc_zigzag(step));
}

/* The frame; lenfix is added to the length given for the U column. */
static void fb_finish(struct fb *f, int lenfix)
{
	size_t n = 0;

	n += mc_put_varint(f->buf + n, f->nrec);
	n += mc_put_varint(f->buf + n, f->ntypes);
	memcpy(f->buf + n, f->table, f->tlen);
	n += f->tlen;
	for (unsigned int c = 0; c < MC_NR_COLS; c++)
		n += mc_put_varint(f->buf + n, f->clen[c] + (c == MC_COL_U ? lenfix : 0));
	memcpy(f->buf + n, f->types, f->nrec);
	n += f->nrec;
	for (unsigned int c = 0; c < MC_NR_COLS; c++) {
		memcpy(f->buf + n, f->col[c], f->clen[c]);
		n += f->clen[c];
	}
	memset(f->buf + n, 0, MC_COLS_SLACK);
	f->len = n;
}

/* Reads the frame in batches of `batch`: records read, and *why at the end. */
static int fb_read(struct fb *f, struct mc_record *recs, unsigned int max, unsigned int batch,
		   const char **why)
{
	struct mc_cols_reader c;
	uint64_t time = 0;
	int n = 0, k;

	*why = NULL;
	if (mc_cols_open(&c, f->buf, f->len, why))
		return -1;
	while (n < (int)max) {
		k = mc_cols_read(&c, recs + n, batch, &time, why);
		n += k;
		if (!k || *why)
			break;
	}
	return n;
}

static void test_compat_rules(void)
{
	struct mc_record r[16];
	const char *why;
	struct fb f = { 0 };

	/* FREE, an unknown type 99 with a PFN and a U field, FREE: the PFN steps add up */
	fb_type(&f, MC_REC_FREE, "2");
	fb_type(&f, 99, "20");
	fb_rec(&f, MC_REC_FREE);
	fb_rec(&f, 99);
	fb_rec(&f, MC_REC_FREE);
	fb_delta(&f, MC_COL_PFN, 0x1000);
	fb_delta(&f, MC_COL_PFN, 5);
	fb_val(&f, MC_COL_U, 7);
	fb_delta(&f, MC_COL_PFN, 1);
	fb_finish(&f, 0);
	is_int(fb_read(&f, r, 16, 64, &why), 2, "unknown type skipped: %s", why ?: "no error");
	ok(r[0].u.free.pfn == 0x1000 && r[1].u.free.pfn == 0x1006,
	   "with its PFN step applied (0x%llx)", (unsigned long long)r[1].u.free.pfn);

	/* a newer writer: EXIT with a field more; an older one: MAP with two fields */
	memset(&f, 0, sizeof(f));
	fb_type(&f, MC_REC_EXIT, "10");
	fb_type(&f, MC_REC_MAP, "13");
	fb_type(&f, MC_REC_FREE, "2");
	fb_rec(&f, MC_REC_EXIT);
	fb_rec(&f, MC_REC_MAP);
	fb_rec(&f, MC_REC_FREE);
	fb_val(&f, MC_COL_MM, 5);
	fb_val(&f, MC_COL_U, 12345);
	fb_val(&f, MC_COL_MM, 3);
	fb_delta(&f, MC_COL_VPN, 0x700);
	fb_delta(&f, MC_COL_PFN, 9);
	fb_finish(&f, 0);
	is_int(fb_read(&f, r, 16, 64, &why), 3, "appended and missing fields: %s",
	       why ?: "no error");
	ok(r[0].type == MC_REC_EXIT && r[0].u.exit.mm == 5, "extra trailing field ignored");
	ok(r[1].type == MC_REC_MAP && r[1].u.map.mm == 3 && r[1].u.map.vpn == 0x700 &&
	   !r[1].u.map.pfn && !r[1].u.map.nr && !r[1].u.map.lf,
	   "missing trailing fields read as 0");
	ok(r[2].u.free.pfn == 9, "and leave the PFN delta alone");

	/* TIME: the frame's carried-over time is not a record, steps are */
	memset(&f, 0, sizeof(f));
	fb_type(&f, MC_REC_TIME, "4");
	fb_type(&f, MC_REC_EXIT, "1");
	fb_rec(&f, MC_REC_TIME);
	fb_rec(&f, MC_REC_EXIT);
	fb_rec(&f, MC_REC_TIME);
	fb_rec(&f, MC_REC_EXIT);
	fb_val(&f, MC_COL_U, 0);
	fb_val(&f, MC_COL_MM, 1);
	fb_val(&f, MC_COL_U, 500);
	fb_val(&f, MC_COL_MM, 2);
	fb_finish(&f, 0);
	is_int(fb_read(&f, r, 16, 64, &why), 3, "a TIME that does not move time is dropped");
	ok(r[0].type == MC_REC_EXIT && r[1].type == MC_REC_TIME && r[1].u.time.dt == 500 &&
	   r[2].time == 500, "the other one is the step; later records carry the time");
}

/* a frame of n EXIT records with mm ids 1..n, the last `missing` of them absent */
static void fb_exits(struct fb *f, unsigned int n, unsigned int missing)
{
	memset(f, 0, sizeof(*f));
	fb_type(f, MC_REC_EXIT, "1");
	for (unsigned int i = 0; i < n; i++) {
		fb_rec(f, MC_REC_EXIT);
		if (i < n - missing)
			fb_val(f, MC_COL_MM, i + 1);
	}
}

static bool open_fails(struct fb *f, const char *reason)
{
	struct mc_cols_reader c;
	const char *why = NULL;

	if (!mc_cols_open(&c, f->buf, f->len, &why))
		return false;
	tap_diag("%s", why);
	return strstr(why, reason) != NULL;
}

static void test_bad_frames(void)
{
	static struct mc_record r[200];
	struct mc_cols_reader c;
	const char *why;
	struct fb f;

	fb_exits(&f, 150, 1);
	fb_finish(&f, 0);
	for (unsigned int batch = 1; batch <= 64; batch *= 4) {
		is_int(fb_read(&f, r, 200, batch, &why), 149,
		       "column ends a record early (batches of %u): the records before it", batch);
		ok(why && strstr(why, "past the end of its column"), "then: %s", why);
	}
	ok(r[148].u.exit.mm == 149, "the last good one is intact");

	fb_exits(&f, 3, 0);
	f.types[1] = MC_REC_FREE;
	fb_finish(&f, 0);
	is_int(fb_read(&f, r, 200, 64, &why), 1, "a type the frame does not declare");
	ok(why && strstr(why, "not in the frame's type table"), "is refused: %s", why);

	memset(&f, 0, sizeof(f));
	fb_type(&f, MC_REC_EXIT, "0");
	fb_rec(&f, MC_REC_EXIT);
	fb_val(&f, MC_COL_U, 4);
	fb_finish(&f, 0);
	is_int(fb_read(&f, r, 200, 64, &why), 0, "a field coded otherwise than this build's");
	ok(why && strstr(why, "coding differs"), "is refused: %s", why);

	memset(&f, 0, sizeof(f));
	fb_type(&f, MC_REC_EXIT, "1");
	fb_rec(&f, MC_REC_EXIT);
	fb_val(&f, MC_COL_MM, 1ull << 40);
	fb_finish(&f, 0);
	is_int(fb_read(&f, r, 200, 64, &why), 0, "an mm id over 32 bits");
	ok(why != NULL, "is refused: %s", why);

	memset(&f, 0, sizeof(f));
	fb_type(&f, 99, "0");
	fb_rec(&f, 99);
	f.col[MC_COL_U][0] = 0x04;	/* a 3-byte varint, cut after 1 */
	f.clen[MC_COL_U] = 1;
	fb_finish(&f, 0);
	is_int(fb_read(&f, r, 200, 64, &why), 0, "a truncated field of an unknown type");
	ok(why && strstr(why, "truncated"), "is refused: %s", why);

	/* a string longer than the bytes left, then another string (a fuzzer's find) */
	memset(&f, 0, sizeof(f));
	fb_type(&f, MC_REC_NOTE, "5");
	fb_rec(&f, MC_REC_NOTE);
	fb_rec(&f, MC_REC_NOTE);
	fb_val(&f, MC_COL_U, 100);
	fb_val(&f, MC_COL_U, 1ull << 63);	/* would wrap a pointer */
	memcpy(f.col[MC_COL_BYTES], "abc", 3);
	f.clen[MC_COL_BYTES] = 3;
	fb_finish(&f, 0);
	is_int(fb_read(&f, r, 200, 64, &why), 0, "a string past the end of the bytes, then another");
	ok(why && strstr(why, "past the end of its column"), "is refused: %s", why);

	memset(&f, 0, sizeof(f));
	fb_type(&f, MC_REC_HEADER, "5");
	fb_rec(&f, MC_REC_HEADER);
	fb_val(&f, MC_COL_U, 0);
	fb_finish(&f, 0);
	is_int(fb_read(&f, r, 200, 64, &why), 0, "a HEADER in a data frame");
	ok(why && strstr(why, "HEADER"), "is refused: %s", why);

	fb_exits(&f, 3, 0);
	fb_finish(&f, 1);
	ok(open_fails(&f, "do not add up"), "column lengths that do not add up");
	fb_exits(&f, 3, 0);
	fb_type(&f, MC_REC_EXIT, "1");
	fb_finish(&f, 0);
	ok(open_fails(&f, "twice"), "a type declared twice");
	memset(&f, 0, sizeof(f));
	fb_type(&f, 99, "9");
	fb_finish(&f, 0);
	ok(open_fails(&f, "unknown field coding"), "an unknown coding");
	fb_exits(&f, 3, 0);
	fb_finish(&f, 0);
	int accepted = 0;

	for (size_t cut = 0; cut < f.len; cut++)
		accepted += !mc_cols_open(&c, f.buf, cut, &why);
	ok(!accepted, "every cut of a frame (%zu bytes) is refused when it is opened", f.len);
}

/* The writer's frames read back exactly, across batch sizes. */
static void test_writer_round_trip(void)
{
	static struct mc_record in[3000], out[3000];
	struct mc_cols_writer w;
	static uint8_t buf[1 << 20];
	struct mc_cols_reader c;
	uint64_t now = 0, time = 0;
	const char *why = NULL;
	size_t len, n = 0;
	int bad = 0, k;

	mc_cols_writer_init(&w);
	for (size_t i = 0; i < 3000; i++) {
		unsigned int type = 3 + tl_rand() % 18;	/* no HEADER or TIME */

		if (!mc_record_info(type))
			type = MC_REC_MAP;
		tl_random_record(&in[i], type);
		in[i].time = now;
		if (mc_cols_put(&w, &in[i]))
			bad++;
	}
	len = mc_cols_frame(&w, buf);
	ok(!bad && len == mc_cols_frame_size(&w) && mc_cols_records(&w) == 3000,
	   "3000 random records in a frame of %zu bytes", len);
	memset(buf + len, 0, MC_COLS_SLACK);
	ok(!mc_cols_open(&c, buf, len, &why), "it opens");
	while (n < 3000 && (k = mc_cols_read(&c, out + n, 1 + tl_rand() % 64, &time, &why)) > 0)
		n += (size_t)k;
	for (size_t i = 0; i < n && !bad; i++) {
		if (!tl_record_eq(&in[i], &out[i])) {
			tap_diag("record %zu (%s) differs", i, mc_record_name(in[i].type));
			bad = 1;
		}
	}
	ok(n == 3000 && !why && !bad, "and reads back (%zu)", n);
	mc_cols_writer_free(&w);
}

int main(void)
{
	tl_init_pool();
	test_pvarint();
	test_compat_rules();
	test_bad_frames();
	test_writer_round_trip();
	return tap_done();
}
