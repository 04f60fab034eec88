/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The record decoder, generated from the record table: one function per
 * record type, inlined into the reader's loop. Two instances of each: a bulk
 * one for records with 8 bytes of slack after them in the buffer, whose
 * varints are read without branching on their length, and a careful one
 * that checks every byte (the last records of a frame, or a short buffer).
 */
#ifndef MAPCOUNT_TRACE_DECODE_H
#define MAPCOUNT_TRACE_DECODE_H

#include "lib/trace.h"
#include "lib/varint.h"

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define mc_always_inline inline __attribute__((always_inline))

/* Record types this build knows; others are skipped. */
static const bool mc_type_known[256] = {
#define MC_KNOWN_RECORD(NAME, name, id, fields, doc) [id] = true,
	MC_RECORD_TABLE(MC_KNOWN_RECORD)
#undef MC_KNOWN_RECORD
};

static mc_always_inline const uint8_t *mc_varint(const uint8_t *p, const uint8_t *end,
						 uint64_t *v, const bool bulk)
{
	return bulk ? mc_get_varint_fast(p, end, v) : mc_get_varint(p, end, v);
}

/* one reader per coding; NULL for a malformed field */

/* Small numbers: one byte nearly always, a branch that predicts well */
static mc_always_inline const uint8_t *mc_varint_small(const uint8_t *p, const uint8_t *end,
						       uint64_t *v, const bool bulk)
{
	if (likely(!(*p & 0x80))) {
		*v = *p;
		return p + 1;
	}
	return mc_varint(p, end, v, bulk);
}

static mc_always_inline const uint8_t *mc_dec_U(const uint8_t *p, const uint8_t *end,
						struct mc_decode_state *st, uint64_t *v,
						const bool bulk)
{
	return mc_varint_small(p, end, v, bulk);
}

static mc_always_inline const uint8_t *mc_dec_MM(const uint8_t *p, const uint8_t *end,
						 struct mc_decode_state *st, uint32_t *v,
						 const bool bulk)
{
	uint64_t x;

	p = mc_varint_small(p, end, &x, bulk);
	if (unlikely(!p || x > UINT32_MAX))
		return NULL;
	*v = (uint32_t)x;
	return p;
}

/* PFN and VPN fields: a signed step from the previous value of their kind */
static mc_always_inline const uint8_t *mc_dec_delta(const uint8_t *p, const uint8_t *end,
						    uint64_t *prev, uint64_t *v, const bool bulk)
{
	uint64_t x;

	p = mc_varint(p, end, &x, bulk);
	if (unlikely(!p))
		return NULL;
	*prev += (uint64_t)mc_unzigzag(x);
	*v = *prev;
	return p;
}

static mc_always_inline const uint8_t *mc_dec_PFN(const uint8_t *p, const uint8_t *end,
						  struct mc_decode_state *st, uint64_t *v,
						  const bool bulk)
{
	return mc_dec_delta(p, end, &st->pfn, v, bulk);
}

static mc_always_inline const uint8_t *mc_dec_VPN(const uint8_t *p, const uint8_t *end,
						  struct mc_decode_state *st, uint64_t *v,
						  const bool bulk)
{
	return mc_dec_delta(p, end, &st->vpn, v, bulk);
}

static mc_always_inline const uint8_t *mc_dec_DT(const uint8_t *p, const uint8_t *end,
						 struct mc_decode_state *st, uint64_t *v,
						 const bool bulk)
{
	p = mc_varint(p, end, v, bulk);
	if (unlikely(!p))
		return NULL;
	st->time += *v;
	return p;
}

static mc_always_inline const uint8_t *mc_dec_STR(const uint8_t *p, const uint8_t *end,
						  struct mc_decode_state *st, struct mc_str *v,
						  const bool bulk)
{
	uint64_t len;

	p = mc_get_varint(p, end, &len);
	if (unlikely(!p || len > (uint64_t)(end - p)))
		return NULL;
	v->s = (const char *)p;
	v->len = (uint32_t)len;
	return p + len;
}

static mc_always_inline void mc_zero_U(uint64_t *v) { *v = 0; }
static mc_always_inline void mc_zero_MM(uint32_t *v) { *v = 0; }
static mc_always_inline void mc_zero_PFN(uint64_t *v) { *v = 0; }
static mc_always_inline void mc_zero_VPN(uint64_t *v) { *v = 0; }
static mc_always_inline void mc_zero_DT(uint64_t *v) { *v = 0; }
static mc_always_inline void mc_zero_STR(struct mc_str *v) { *v = (struct mc_str){ "", 0 }; }

/*
 * A missing trailing field reads as 0 and leaves the delta state alone; a
 * field that starts inside the payload must end inside it (the bulk path may
 * read past the payload: the caller checks where the record ended).
 */
#define MC_DEC_FIELD(field, coding, doc)                                                \
	if (likely(p < pend)) {                                                         \
		p = mc_dec_##coding(p, pend, st, &r->field, bulk);                      \
		if (unlikely(!p)) {                                                     \
			*why = "field " #field " is truncated, overlong or too large";  \
			return NULL;                                                    \
		}                                                                       \
	} else {                                                                        \
		mc_zero_##coding(&r->field);                                            \
	}

#define MC_DEC_RECORD(NAME, name, id, fields, doc)                                          \
	static mc_always_inline const uint8_t *mc_dec_rec_##name(                           \
		const uint8_t *p, const uint8_t *pend, struct mc_decode_state *st,          \
		struct mc_rec_##name *r, const char **why, const bool bulk)                 \
	{                                                                                   \
		fields(MC_DEC_FIELD) return p;                                              \
	}
MC_RECORD_TABLE(MC_DEC_RECORD)
#undef MC_DEC_RECORD
#undef MC_DEC_FIELD

static mc_always_inline const uint8_t *mc_dec_payload(const uint8_t *p, const uint8_t *pend,
						      struct mc_decode_state *st,
						      struct mc_record *rec, const char **why,
						      const bool bulk)
{
	switch (rec->type) {
#define MC_DEC_CASE(NAME, name, id, fields, doc) \
	case id:                                 \
		return mc_dec_rec_##name(p, pend, st, &rec->u.name, why, bulk);
		MC_RECORD_TABLE(MC_DEC_CASE)
#undef MC_DEC_CASE
	}
	return pend;	/* an unknown type: the caller skips it */
}

/* mc_decode_record_why(), for inlining into loops */
static mc_always_inline long mc_decode_inline(const uint8_t *buf, size_t len,
					      struct mc_decode_state *st, struct mc_record *rec,
					      const char **why)
{
	const uint8_t *end = buf + len, *p, *pend, *q;
	uint64_t plen;

	if (unlikely(!len))
		return 0;
	p = mc_get_varint(buf + 1, end, &plen);
	if (unlikely(!p)) {
		*why = "record length is truncated or overlong";
		return -1;
	}
	if (unlikely(plen > (uint64_t)(end - p))) {
		*why = "record length runs past the end of the frame";
		return -1;
	}
	pend = p + plen;
	rec->type = buf[0];
	if (likely(end - pend >= 8)) {
		q = mc_dec_payload(p, pend, st, rec, why, true);
		if (unlikely(q > pend)) {
			*why = "the last field runs past the end of the record";
			return -1;
		}
	} else {
		q = mc_dec_payload(p, pend, st, rec, why, false);
	}
	if (unlikely(!q))
		return -1;
	rec->time = st->time;
	return pend - buf;
}

#endif /* MAPCOUNT_TRACE_DECODE_H */
