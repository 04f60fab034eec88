/* SPDX-License-Identifier: GPL-2.0 */
/*
 * LEB128 varints as the trace uses them: 7 bits a byte, low bits first, the
 * top bit set on every byte but the last; at most 10 bytes for 64 bits.
 * Signed values are zigzag-coded first so that small deltas of either sign
 * take one byte.
 */
#ifndef MAPCOUNT_VARINT_H
#define MAPCOUNT_VARINT_H

#include <stddef.h>
#include <stdint.h>

#define MC_VARINT_MAX 10

static inline uint64_t mc_zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline int64_t mc_unzigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

static inline unsigned int mc_varint_len(uint64_t v)
{
	unsigned int n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

/* Writes v at p (room for MC_VARINT_MAX bytes needed); returns bytes written. */
static inline unsigned int mc_put_varint(uint8_t *p, uint64_t v)
{
	unsigned int n = 0;

	if (v < 0x80) {
		p[0] = (uint8_t)v;
		return 1;
	}
	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

/* The careful path: every byte bounds-checked, overlong encodings refused. */
static inline const uint8_t *mc_get_varint_slow(const uint8_t *p, const uint8_t *end,
						uint64_t *out)
{
	uint64_t v = 0;

	for (unsigned int shift = 0; shift < 64; shift += 7) {
		if (p >= end)
			return NULL;
		uint64_t b = *p++;

		if (shift == 63 && b > 1)
			return NULL;
		v |= (b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*out = v;
			return p;
		}
	}
	return NULL;
}

/*
 * Reads a varint from p (not beyond end). Returns the byte after it, or NULL
 * if it is truncated or longer than 64 bits. One-byte values and values far
 * from the end of the buffer take the fast paths.
 */
static inline const uint8_t *mc_get_varint(const uint8_t *p, const uint8_t *end, uint64_t *out)
{
	if (p < end && !(p[0] & 0x80)) {
		*out = p[0];
		return p + 1;
	}
	if (end - p >= 2 && !(p[1] & 0x80)) {
		*out = (p[0] & 0x7fu) | (uint64_t)p[1] << 7;
		return p + 2;
	}
	if (end - p >= 3 && !(p[2] & 0x80)) {
		*out = (p[0] & 0x7fu) | (uint64_t)(p[1] & 0x7f) << 7 | (uint64_t)p[2] << 14;
		return p + 3;
	}
	return mc_get_varint_slow(p, end, out);
}

/*
 * Branch-free read of a varint of up to 8 bytes, for callers that know 8
 * bytes are readable at p (the decoder's bulk path); longer ones take the
 * careful path, bounded by end. Varint lengths vary from field to field,
 * where a branch per byte would mispredict.
 */
static inline __attribute__((always_inline)) const uint8_t *
mc_get_varint_fast(const uint8_t *p, const uint8_t *end,
						uint64_t *out)
{
	uint64_t x, stop;
	unsigned int bits;

	__builtin_memcpy(&x, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	x = __builtin_bswap64(x);
#endif
	stop = ~x & 0x8080808080808080ull;
	if (__builtin_expect(!stop, 0))
		return mc_get_varint_slow(p, end, out);
	bits = (unsigned int)__builtin_ctzll(stop) + 1;	/* 8 * length */
	x &= ~0ull >> (64 - bits);
	/* squeeze out the continuation bits: 7-bit groups, then 14, then 28 */
	x = (x & 0x007f007f007f007full) | ((x & 0x7f007f007f007f00ull) >> 1);
	x = (x & 0x00003fff00003fffull) | ((x & 0x3fff00003fff0000ull) >> 2);
	x = (x & 0x000000000fffffffull) | ((x & 0x0fffffff00000000ull) >> 4);
	*out = x;
	return p + bits / 8;
}

/*
 * Prefix varints, for the columns of version 2 frames: the number of trailing
 * zero bits of the first byte, plus one, is the length L; for L <= 8 the value
 * is the 7L bits above those L bits, little-endian. A first byte of 0 means
 * the value is the 8 bytes after it. Reading one takes a shift or two instead
 * of a loop over its bytes.
 */
#define MC_PVARINT_MAX 9

static inline unsigned int mc_put_pvarint(uint8_t *p, uint64_t v)
{
	unsigned int len = 1;
	uint64_t x;

	if (v < 0x80) {
		p[0] = (uint8_t)(v << 1 | 1);
		return 1;
	}
	if (v >= 1ull << 56) {
		p[0] = 0;
		for (unsigned int i = 0; i < 8; i++)
			p[1 + i] = (uint8_t)(v >> 8 * i);
		return 9;
	}
	while (v >> (7 * len))
		len++;
	x = (v << len) | (1ull << (len - 1));
	for (unsigned int i = 0; i < len; i++)
		p[i] = (uint8_t)(x >> 8 * i);
	return len;
}

static inline uint64_t mc_load_le64(const uint8_t *p)
{
	uint64_t x;

	__builtin_memcpy(&x, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	x = __builtin_bswap64(x);
#endif
	return x;
}

/* Per first byte of a prefix varint: its length and the shifts that take its
 * value out of the 8 bytes at its start (the first byte 0 is apart). */
struct mc_pvarint_shape {
	uint8_t len, lsh, rsh, pad;
};

#define MC_PV_LEN(b) ((b) ? __builtin_ctz(b) + 1 : 9)
#define MC_PV(b)                                                  \
	{ MC_PV_LEN(b), MC_PV_LEN(b) >= 8 ? 0 : 64 - 8 * MC_PV_LEN(b), \
	  MC_PV_LEN(b) >= 9 ? 0 : 64 - 7 * MC_PV_LEN(b), 0 }
#define MC_PV4(b) MC_PV(b), MC_PV(b + 1), MC_PV(b + 2), MC_PV(b + 3)
#define MC_PV16(b) MC_PV4(b), MC_PV4(b + 4), MC_PV4(b + 8), MC_PV4(b + 12)
#define MC_PV64(b) MC_PV16(b), MC_PV16(b + 16), MC_PV16(b + 32), MC_PV16(b + 48)
static const struct mc_pvarint_shape mc_pvarint_shapes[256] = {
	MC_PV64(0), MC_PV64(64), MC_PV64(128), MC_PV64(192)
};

/* For callers that know 9 bytes are readable at p. */
static inline __attribute__((always_inline)) const uint8_t *
mc_get_pvarint_fast(const uint8_t *p, uint64_t *out)
{
	const struct mc_pvarint_shape *sh = &mc_pvarint_shapes[p[0]];

	if (__builtin_expect(!p[0], 0)) {
		*out = mc_load_le64(p + 1);
		return p + 9;
	}
	*out = (mc_load_le64(p) << sh->lsh) >> sh->rsh;
	return p + sh->len;
}

/* Bounded by end: NULL if the varint does not end before it. */
static inline const uint8_t *mc_get_pvarint(const uint8_t *p, const uint8_t *end, uint64_t *out)
{
	uint64_t x = 0;
	unsigned int len;

	if (p >= end)
		return NULL;
	len = p[0] ? (unsigned int)__builtin_ctz(p[0]) + 1 : 9;
	if ((size_t)(end - p) < len)
		return NULL;
	if (len == 9) {
		for (unsigned int i = 0; i < 8; i++)
			x |= (uint64_t)p[1 + i] << 8 * i;
		*out = x;
		return p + 9;
	}
	for (unsigned int i = 0; i < len; i++)
		x |= (uint64_t)p[i] << 8 * i;
	*out = (x << (64 - 8 * len)) >> (64 - 7 * len);
	return p + len;
}

#endif /* MAPCOUNT_VARINT_H */
