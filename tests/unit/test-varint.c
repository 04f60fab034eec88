// SPDX-License-Identifier: GPL-2.0
/*
 * Varints: every length from 1 to 10 bytes through the careful, the
 * small-value and the branch-free bulk readers, with garbage after the
 * value; truncated and overlong encodings refused.
 */
#include <string.h>

#include "lib/varint.h"
#include "tests/tap.h"
#include "tests/unit/trace-testlib.h"

static int check_value(uint64_t v)
{
	uint8_t buf[32];
	uint64_t a = 1, b = 2, c = 3;
	unsigned int n;

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)tl_rand();	/* garbage around the value */
	n = mc_put_varint(buf, v);
	if (n != mc_varint_len(v) || n > MC_VARINT_MAX)
		return 0;
	if (mc_get_varint_slow(buf, buf + n, &a) != buf + n || a != v)
		return 0;
	if (mc_get_varint(buf, buf + n, &b) != buf + n || b != v)
		return 0;
	if (mc_get_varint_fast(buf, buf + n, &c) != buf + n || c != v)
		return 0;
	/* one byte short: refused by the bounded readers */
	return !mc_get_varint(buf, buf + n - 1, &a) && !mc_get_varint_slow(buf, buf + n - 1, &a);
}

int main(void)
{
	static const uint8_t overlong[11] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					      0xff, 0xff, 0xff, 0xff, 0x01 };
	static const uint8_t too_big[10] = { 0xff, 0xff, 0xff, 0xff, 0xff,
					     0xff, 0xff, 0xff, 0xff, 0x02 };
	uint8_t buf[16];
	int good = 1, lens[MC_VARINT_MAX + 1] = { 0 };
	uint64_t v;

	for (unsigned int bits = 0; bits <= 64; bits++) {
		for (int k = 0; k < 2000; k++) {
			uint64_t x = bits == 64 ? tl_rand() : tl_rand() & ((1ull << bits) - 1);

			x |= bits ? 1ull << (bits - 1) : 0;	/* exactly `bits` bits */
			good &= check_value(x);
			lens[mc_varint_len(x)] = 1;
		}
	}
	ok(good, "130000 values of every bit length agree in all three readers");
	int all = 1;

	for (int n = 1; n <= MC_VARINT_MAX; n++)
		all &= lens[n];
	ok(all, "every encoded length from 1 to 10 bytes was exercised");
	ok(check_value(0) && check_value(UINT64_MAX) && check_value(127) && check_value(128),
	   "boundaries 0, 127, 128, 2^64-1");
	ok(!mc_get_varint(overlong, overlong + sizeof(overlong), &v) &&
	   !mc_get_varint_fast(overlong, overlong + sizeof(overlong), &v),
	   "11-byte varint refused");
	ok(!mc_get_varint(too_big, too_big + sizeof(too_big), &v) &&
	   !mc_get_varint_fast(too_big, too_big + sizeof(too_big), &v),
	   "10-byte varint above 2^64-1 refused");
	memset(buf, 0x80, sizeof(buf));
	ok(!mc_get_varint_fast(buf, buf + 9, &v), "bulk reader: long varint bounded by end");
	ok(!mc_get_varint(buf, buf, &v), "empty buffer refused");
	for (int64_t s = -1000; s <= 1000; s++)
		good &= mc_unzigzag(mc_zigzag(s)) == s && mc_zigzag(s) <= 2000;
	good &= mc_unzigzag(mc_zigzag(INT64_MIN)) == INT64_MIN;
	good &= mc_unzigzag(mc_zigzag(INT64_MAX)) == INT64_MAX;
	ok(good, "zigzag: small deltas of either sign stay small; extremes round-trip");
	return tap_done();
}
