// SPDX-License-Identifier: GPL-2.0
/*
 * Record encoding, decoding and text form, generated from the record table
 * (schemas/records.h): one specialised function per record type, so decoding
 * a record is a switch and a straight run of varint reads.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/trace-decode.h"
#include "lib/trace.h"
#include "lib/varint.h"


/* ---- the table as data ---- */

#define MC_INFO_FIELD(field, coding, doc) { #field, MC_CODING_##coding, doc },
#define MC_INFO_FIELDS(NAME, name, id, fields, doc) \
	static const struct mc_field_info mc_fields_##name[] = { fields(MC_INFO_FIELD) };
MC_RECORD_TABLE(MC_INFO_FIELDS)

static const struct mc_record_info mc_infos[256] = {
#define MC_INFO_RECORD(NAME, name, id, fields, doc)                                   \
	[id] = { #NAME, id, sizeof(mc_fields_##name) / sizeof(mc_fields_##name[0]), \
		 mc_fields_##name, doc },
	MC_RECORD_TABLE(MC_INFO_RECORD)
#undef MC_INFO_RECORD
};

const struct mc_record_info *mc_record_info(unsigned int type)
{
	if (type >= 256 || !mc_infos[type].name)
		return NULL;
	return &mc_infos[type];
}

const char *mc_record_name(unsigned int type)
{
	const struct mc_record_info *info = mc_record_info(type);

	return info ? info->name : NULL;
}

int mc_record_type_by_name(const char *name)
{
	for (unsigned int i = 0; i < 256; i++)
		if (mc_infos[i].name && !strcasecmp(mc_infos[i].name, name))
			return (int)i;
	return -1;
}

const char *mc_coding_name(enum mc_field_coding coding)
{
	static const char *const names[] = {
		[MC_CODING_U] = "U",	 [MC_CODING_MM] = "MM", [MC_CODING_PFN] = "PFN",
		[MC_CODING_VPN] = "VPN", [MC_CODING_DT] = "DT", [MC_CODING_STR] = "STR",
	};

	return (unsigned int)coding < sizeof(names) / sizeof(names[0]) ? names[coding] : "?";
}

void mc_header_init(struct mc_rec_header *hdr, const char *source)
{
	memset(hdr, 0, sizeof(*hdr));
	hdr->magic = (struct mc_str){ MC_TRACE_MAGIC, sizeof(MC_TRACE_MAGIC) - 1 };
	hdr->version = MC_TRACE_VERSION;
	hdr->page_shift = 12;
	hdr->pmd_order = 9;
	hdr->pud_order = 18;
	hdr->source = (struct mc_str){ source, (uint32_t)strlen(source) };
	hdr->kernel = hdr->clock = hdr->host = hdr->extra = (struct mc_str){ "", 0 };
}

/* ---- decoding: lib/trace-decode.h ---- */

long mc_decode_record_why(const uint8_t *buf, size_t len, struct mc_decode_state *st,
			  struct mc_record *rec, const char **why)
{
	return mc_decode_inline(buf, len, st, rec, why);
}

long mc_decode_record(const uint8_t *buf, size_t len, struct mc_decode_state *st,
		      struct mc_record *rec)
{
	const char *why;

	return mc_decode_inline(buf, len, st, rec, &why);
}

/* ---- encoding ---- */

static inline uint8_t *mc_enc_U(uint8_t *q, struct mc_decode_state *st, uint64_t v)
{
	return q + mc_put_varint(q, v);
}

static inline uint8_t *mc_enc_MM(uint8_t *q, struct mc_decode_state *st, uint32_t v)
{
	return q + mc_put_varint(q, v);
}

static inline uint8_t *mc_enc_delta(uint8_t *q, uint64_t *prev, uint64_t v)
{
	q += mc_put_varint(q, mc_zigzag((int64_t)(v - *prev)));
	*prev = v;
	return q;
}

static inline uint8_t *mc_enc_PFN(uint8_t *q, struct mc_decode_state *st, uint64_t v)
{
	return mc_enc_delta(q, &st->pfn, v);
}

static inline uint8_t *mc_enc_VPN(uint8_t *q, struct mc_decode_state *st, uint64_t v)
{
	return mc_enc_delta(q, &st->vpn, v);
}

static inline uint8_t *mc_enc_DT(uint8_t *q, struct mc_decode_state *st, uint64_t v)
{
	st->time += v;
	return q + mc_put_varint(q, v);
}

static inline uint8_t *mc_enc_STR(uint8_t *q, struct mc_decode_state *st, struct mc_str v)
{
	q += mc_put_varint(q, v.len);
	if (v.len)
		memcpy(q, v.s, v.len);
	return q + v.len;
}

/* Bytes a field may take at most. */
#define MC_BOUND_U(v) MC_VARINT_MAX
#define MC_BOUND_MM(v) MC_VARINT_MAX
#define MC_BOUND_PFN(v) MC_VARINT_MAX
#define MC_BOUND_VPN(v) MC_VARINT_MAX
#define MC_BOUND_DT(v) MC_VARINT_MAX
#define MC_BOUND_STR(v) (MC_VARINT_MAX + (size_t)(v).len)

#define MC_ENC_FIELD(field, coding, doc) q = mc_enc_##coding(q, st, r->field);
#define MC_BOUND_FIELD(field, coding, doc) +MC_BOUND_##coding(r->field)
#define MC_ENC_RECORD(NAME, name, id, fields, doc)                                       \
	static inline uint8_t *mc_enc_rec_##name(uint8_t *q, struct mc_decode_state *st, \
						 const struct mc_rec_##name *r)         \
	{                                                                                \
		fields(MC_ENC_FIELD) return q;                                           \
	}                                                                                \
	static inline size_t mc_bound_rec_##name(const struct mc_rec_##name *r)          \
	{                                                                                \
		return 0 fields(MC_BOUND_FIELD);                                         \
	}
MC_RECORD_TABLE(MC_ENC_RECORD)
#undef MC_ENC_RECORD

/* Writes the record at out, which has room for its bound; returns the end. */
static uint8_t *mc_encode_unchecked(uint8_t *out, struct mc_decode_state *st,
				    const struct mc_record *rec)
{
	uint8_t *payload = out + 2, *q = payload;
	size_t plen;

	switch (rec->type) {
#define MC_ENC_CASE(NAME, name, id, fields, doc)                   \
	case id:                                                   \
		q = mc_enc_rec_##name(payload, st, &rec->u.name);  \
		break;
		MC_RECORD_TABLE(MC_ENC_CASE)
#undef MC_ENC_CASE
	}
	out[0] = rec->type;
	plen = (size_t)(q - payload);
	if (likely(plen < 0x80)) {
		out[1] = (uint8_t)plen;
		return q;
	}
	/* a long payload: make room for its multi-byte length */
	unsigned int lenlen = mc_varint_len(plen);

	memmove(payload + lenlen - 1, payload, plen);
	mc_put_varint(out + 1, plen);
	return out + 1 + lenlen + plen;
}

long mc_encode_record(uint8_t *out, size_t cap, struct mc_decode_state *st,
		      const struct mc_record *rec)
{
	struct mc_decode_state tmp = *st;
	uint8_t stackbuf[512], *buf;
	size_t bound;
	long n;

	switch (rec->type) {
#define MC_BOUND_CASE(NAME, name, id, fields, doc)                  \
	case id:                                                    \
		bound = 1 + MC_VARINT_MAX + mc_bound_rec_##name(&rec->u.name); \
		break;
		MC_RECORD_TABLE(MC_BOUND_CASE)
#undef MC_BOUND_CASE
	default:
		return -1;	/* a writer knows every type it writes */
	}
	if (likely(bound <= cap)) {
		n = mc_encode_unchecked(out, &tmp, rec) - out;
		*st = tmp;
		return n;
	}
	/* near the end of out: encode aside, keep it only if it fits */
	buf = bound <= sizeof(stackbuf) ? stackbuf : malloc(bound);
	if (!buf)
		return -1;
	n = mc_encode_unchecked(buf, &tmp, rec) - buf;
	if ((size_t)n <= cap) {
		memcpy(out, buf, (size_t)n);
		*st = tmp;
	} else {
		n = -1;
	}
	if (buf != stackbuf)
		free(buf);
	return n;
}

/* ---- text form ---- */

struct mc_fmt {
	char *out;
	size_t cap, n;
};

static void mc_fmt_printf(struct mc_fmt *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void mc_fmt_printf(struct mc_fmt *f, const char *fmt, ...)
{
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(f->n < f->cap ? f->out + f->n : NULL, f->n < f->cap ? f->cap - f->n : 0,
		      fmt, ap);
	va_end(ap);
	if (k > 0)
		f->n += (size_t)k;
}

static void mc_fmt_U(struct mc_fmt *f, const char *name, uint64_t v)
{
	mc_fmt_printf(f, " %s=%llu", name, (unsigned long long)v);
}

static void mc_fmt_MM(struct mc_fmt *f, const char *name, uint32_t v)
{
	mc_fmt_printf(f, " %s=%u", name, v);
}

static void mc_fmt_PFN(struct mc_fmt *f, const char *name, uint64_t v)
{
	mc_fmt_printf(f, " %s=0x%llx", name, (unsigned long long)v);
}

#define mc_fmt_VPN mc_fmt_PFN
#define mc_fmt_DT mc_fmt_U

/* Quoted, with \" \\ and \xNN for anything not printable ASCII. */
static void mc_fmt_STR(struct mc_fmt *f, const char *name, struct mc_str v)
{
	mc_fmt_printf(f, " %s=\"", name);
	for (uint32_t i = 0; i < v.len; i++) {
		unsigned char c = (unsigned char)v.s[i];

		if (c == '"' || c == '\\')
			mc_fmt_printf(f, "\\%c", c);
		else if (c < 0x20 || c > 0x7e)
			mc_fmt_printf(f, "\\x%02x", c);
		else
			mc_fmt_printf(f, "%c", c);
	}
	mc_fmt_printf(f, "\"");
}

#define MC_FMT_FIELD(field, coding, doc) mc_fmt_##coding(&f, #field, r->field);

int mc_record_format(char *out, size_t cap, const struct mc_record *rec)
{
	struct mc_fmt f = { out, cap, 0 };

	if (cap)
		out[0] = 0;
	switch (rec->type) {
#define MC_FMT_CASE(NAME, name, id, fields, doc)                     \
	case id: {                                                   \
		const struct mc_rec_##name *r = &rec->u.name;        \
		mc_fmt_printf(&f, "%s", #NAME);                      \
		fields(MC_FMT_FIELD) break;                          \
	}
		MC_RECORD_TABLE(MC_FMT_CASE)
#undef MC_FMT_CASE
	default:
		mc_fmt_printf(&f, "UNKNOWN type=%u", rec->type);
		break;
	}
	return (int)f.n;
}
