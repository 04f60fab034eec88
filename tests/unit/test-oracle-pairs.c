// SPDX-License-Identifier: GPL-2.0
/*
 * The oracle's pair map against a plain array: random adds, takes and pops of
 * small and large deltas across the one-word/big-table boundary, through
 * growth, deletions and a slot's drop; keys out of range refused. A map filled to
 * its highest load, each pair found and deleted.
 */
#include <stdlib.h>

#include "models/oracle-pairs.h"
#include "tests/tap.h"

#define NR_SLOTS 3000u
#define NR_MMS 7u

static int64_t want[NR_SLOTS][NR_MMS];
static int present[NR_SLOTS][NR_MMS];

static uint32_t rnd(uint32_t n)
{
	static uint64_t s = 0x2545f4914f6cdd1dull;

	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return (uint32_t)(s >> 11) % n;
}

/* mm ids spread over their 31 bits, slots over their 27 */
static uint64_t key_of(uint32_t slot, uint32_t mm)
{
	return pairs_key(slot * 44711u % (1u << PAIRS_SLOT_BITS), 1 + mm * 0x12345677u % 0x7fffffffu);
}

static int check_all(const struct pairs *p)
{
	uint32_t used = 0;

	for (uint32_t s = 0; s < NR_SLOTS; s++)
		for (uint32_t m = 0; m < NR_MMS; m++) {
			if (pairs_get(p, key_of(s, m)) != want[s][m])
				return 0;
			used += present[s][m];
		}
	return used == pairs_used(p);
}

/* A fresh map of PAIRS_MIN places holds 7/8 of that many pairs without
 * growing; at that load every pair is found, and found again after every
 * other one's deletion. */
static void test_full_map(void)
{
	const uint32_t n = 1024 * 7 / 8;
	struct pairs p;
	int bad = 0;

	ok(!pairs_init(&p), "a second map set up");
	for (uint32_t i = 0; i < n; i++)
		bad += pairs_add(&p, key_of(i / NR_MMS, i % NR_MMS), 1 + i % 3) != PAIRS_NEW;
	is_int(p.main.cap, 1024, "filled to 7/8 without growing");
	for (uint32_t i = 0; i < n; i++)
		bad += pairs_get(&p, key_of(i / NR_MMS, i % NR_MMS)) != 1 + i % 3;
	bad += pairs_get(&p, key_of(n / NR_MMS + 1, 0)) != 0;
	for (uint32_t i = 0; i < n; i += 2)
		bad += pairs_take(&p, key_of(i / NR_MMS, i % NR_MMS), 1 + i % 3) != PAIRS_GONE;
	for (uint32_t i = 0; i < n; i++)
		bad += pairs_get(&p, key_of(i / NR_MMS, i % NR_MMS)) != (i % 2 ? 1 + i % 3 : 0);
	is_int(bad, 0, "every pair found at that load, and after half are deleted");
	is_int(pairs_used(&p), n / 2, "half the pairs left");
	pairs_fini(&p);
}

int main(void)
{
	static const int64_t deltas[] = { 1, 2, 5, 40, 62, 63, 64, 512, 1 << 18, 1ll << 33 };
	struct pairs p;
	int bad = 0;

	ok(!pairs_init(&p), "pair map set up");
	for (unsigned int i = 0; i < 400000; i++) {
		uint32_t s = rnd(NR_SLOTS), m = rnd(NR_MMS);
		int64_t d = deltas[rnd(sizeof(deltas) / sizeof(deltas[0]))];
		enum pairs_change c;

		/* a pop: the whole count, pair deleted (or none) */
		if (!rnd(16)) {
			bad += pairs_pop(&p, key_of(s, m)) != want[s][m];
			want[s][m] = 0;
			present[s][m] = 0;
			continue;
		}
		/* a take of any size: all or nothing */
		if (!rnd(4)) {
			int64_t have = want[s][m];

			c = pairs_take(&p, key_of(s, m), d);
			want[s][m] -= have >= d ? d : 0;
			if (c != (have < d ? PAIRS_SHORT : want[s][m] ? PAIRS_CHANGED : PAIRS_GONE))
				bad++;
			present[s][m] = want[s][m] != 0;
			continue;
		}
		/* a removal takes at most what is there */
		if (present[s][m] && rnd(2))
			d = want[s][m] > d ? -d : -want[s][m];
		c = pairs_add(&p, key_of(s, m), d);
		want[s][m] += d;
		if (c != (!present[s][m] ? PAIRS_NEW : want[s][m] ? PAIRS_CHANGED : PAIRS_GONE))
			bad++;
		present[s][m] = want[s][m] != 0;
	}
	is_int(bad, 0, "every add, take and pop says what it did to the pair");
	ok(check_all(&p), "every count as the array has it");
	ok(p.big.used > 0 && p.big.used < p.main.used, "some counts are in the big table");
	for (uint32_t s = 0; s < NR_SLOTS; s += 7) {
		uint32_t n = 0;

		for (uint32_t m = 0; m < NR_MMS; m++) {
			n += present[s][m];
			present[s][m] = 0;
			want[s][m] = 0;
		}
		bad += pairs_drop_slot(&p, (uint32_t)(key_of(s, 0) >> PAIRS_MM_BITS), n) != n;
	}
	is_int(bad, 0, "a slot's drop deletes its pairs");
	ok(check_all(&p), "and no other");
	is_int(pairs_add(&p, key_of(3, 1), 0), present[3][1] ? PAIRS_CHANGED : PAIRS_NEW,
	       "a zero delta keeps (or makes) a pair");
	want[3][1] += 0;
	present[3][1] = 1;
	ok(check_all(&p), "a pair of zero entries is kept, as it was");
	is_int(pairs_key(1u << PAIRS_SLOT_BITS, 1), PAIRS_NO_KEY, "slot out of range: no key");
	is_int(pairs_key(1, 1u << PAIRS_MM_BITS), PAIRS_NO_KEY, "mm out of range: no key");
	is_int(pairs_add(&p, PAIRS_NO_KEY, 1), PAIRS_NOMEM, "no key: refused");
	is_int(pairs_get(&p, PAIRS_NO_KEY), 0, "no key: no entries");
	is_int(pairs_take(&p, PAIRS_NO_KEY, 1), PAIRS_SHORT, "no key: nothing to take");
	is_int(pairs_pop(&p, PAIRS_NO_KEY), 0, "no key: nothing to pop");
	pairs_fini(&p);
	test_full_map();
	return tap_done();
}
