/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the trace tests: random records and record comparison. */
#ifndef MAPCOUNT_TRACE_TESTLIB_H
#define MAPCOUNT_TRACE_TESTLIB_H

#include <string.h>

#include "lib/trace.h"

static uint64_t tl_seed = 0x9e3779b97f4a7c15ull;

static inline uint64_t tl_rand(void)
{
	/* xorshift64*: reproducible across runs */
	tl_seed ^= tl_seed >> 12;
	tl_seed ^= tl_seed << 25;
	tl_seed ^= tl_seed >> 27;
	return tl_seed * 0x2545f4914f6cdd1dull;
}

/* 0, all ones, or a random number of random bits: the extremes and between */
static inline uint64_t tl_value(void)
{
	switch (tl_rand() % 8) {
	case 0:
		return 0;
	case 1:
		return UINT64_MAX;
	case 2:
		return tl_rand() % 128;
	default:
		return tl_rand() >> (tl_rand() % 64);
	}
}

static char tl_strpool[8192];

static inline void tl_fill_U(uint64_t *v) { *v = tl_value(); }
static inline void tl_fill_MM(uint32_t *v) { *v = (uint32_t)tl_value(); }
static inline void tl_fill_PFN(uint64_t *v) { *v = tl_value(); }
static inline void tl_fill_VPN(uint64_t *v) { *v = tl_value(); }
static inline void tl_fill_DT(uint64_t *v) { *v = tl_value() >> (tl_rand() % 2 ? 0 : 20); }
static inline void tl_fill_STR(struct mc_str *v)
{
	static const uint32_t lens[] = { 0, 1, 8, 127, 128, 300, 5000 };
	uint32_t len = lens[tl_rand() % 7];

	v->s = tl_strpool + tl_rand() % (sizeof(tl_strpool) - len);
	v->len = len;
}

static inline void tl_random_record(struct mc_record *rec, unsigned int type)
{
	memset(rec, 0, sizeof(*rec));
	rec->type = (uint8_t)type;
	switch (type) {
#define TL_FILL_FIELD(field, coding, doc) tl_fill_##coding(&r->field);
#define TL_FILL_CASE(NAME, name, id, fields, doc)          \
	case id: {                                         \
		struct mc_rec_##name *r = &rec->u.name;    \
		fields(TL_FILL_FIELD) break;               \
	}
		MC_RECORD_TABLE(TL_FILL_CASE)
#undef TL_FILL_CASE
#undef TL_FILL_FIELD
	}
}

static inline void tl_init_pool(void)
{
	for (size_t i = 0; i < sizeof(tl_strpool); i++)
		tl_strpool[i] = (char)tl_rand();
}

static inline int tl_str_eq(struct mc_str a, struct mc_str b)
{
	return a.len == b.len && (!a.len || !memcmp(a.s, b.s, a.len));
}

/* Same type and fields (time is compared by the caller where it matters). */
static inline int tl_record_eq(const struct mc_record *a, const struct mc_record *b)
{
	if (a->type != b->type)
		return 0;
	switch (a->type) {
#define TL_EQ_FIELD_U(x, y) ((x) == (y))
#define TL_EQ_FIELD_MM TL_EQ_FIELD_U
#define TL_EQ_FIELD_PFN TL_EQ_FIELD_U
#define TL_EQ_FIELD_VPN TL_EQ_FIELD_U
#define TL_EQ_FIELD_DT TL_EQ_FIELD_U
#define TL_EQ_FIELD_STR(x, y) tl_str_eq(x, y)
#define TL_EQ_FIELD(field, coding, doc) &&TL_EQ_FIELD_##coding(x->field, y->field)
#define TL_EQ_CASE(NAME, name, id, fields, doc)                               \
	case id: {                                                            \
		const struct mc_rec_##name *x = &a->u.name, *y = &b->u.name;  \
		return 1 fields(TL_EQ_FIELD);                                 \
	}
		MC_RECORD_TABLE(TL_EQ_CASE)
	}
	return 1;
}

#endif
