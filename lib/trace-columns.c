// SPDX-License-Identifier: GPL-2.0
/*
 * Version 2 frames (lib/trace-columns.h): the frame header, records of types
 * decoded field by field from their declared codings, and the writer's side.
 *
 * Frame layout; the header's varints are LEB128 (lib/varint.h), the columns'
 * numbers prefix varints:
 *   varint nrec, varint ntypes
 *   ntypes times: type id (1 byte), nfields (1 byte), nfields codings (1 byte each)
 *   varint length of each field column: MM, VPN, PFN, U, BYTES
 *   the type column (nrec bytes), then the field columns in that order
 */
#include <stdlib.h>
#include <string.h>

#include "lib/trace-columns.h"

/* where each coding's values go */
static const enum mc_column mc_coding_column[] = {
	[MC_CODING_U] = MC_COL_U,     [MC_CODING_MM] = MC_COL_MM, [MC_CODING_PFN] = MC_COL_PFN,
	[MC_CODING_VPN] = MC_COL_VPN, [MC_CODING_DT] = MC_COL_U,  [MC_CODING_STR] = MC_COL_U,
};
#define MC_NR_CODINGS (sizeof(mc_coding_column) / sizeof(mc_coding_column[0]))

/* the slack after a frame covers a batch of records of this build's types */
#define MC_COUNT_FIELD(field, coding, doc) +1
#define MC_FIELDS_FIT(NAME, name, id, fields, doc)                                       \
	_Static_assert((0 fields(MC_COUNT_FIELD)) * MC_PVARINT_MAX <= MC_COLS_RECORD_MAX, \
		       #NAME " has too many fields for MC_COLS_RECORD_MAX");
MC_RECORD_TABLE(MC_FIELDS_FIT)
#undef MC_FIELDS_FIT
#undef MC_COUNT_FIELD

/* ---- reading ---- */

static bool mc_cols_same_fields(unsigned int type, unsigned int nfields, const uint8_t *codings)
{
	const struct mc_record_info *info = mc_record_info(type);

	if (!info || info->nr_fields != nfields)
		return false;
	for (unsigned int i = 0; i < nfields; i++)
		if (info->fields[i].coding != codings[i])
			return false;
	return true;
}

int mc_cols_open(struct mc_cols_reader *c, const uint8_t *buf, size_t len, const char **why)
{
	const uint8_t *p = buf, *end = buf + len;
	uint64_t nrec, ntypes, collen[MC_NR_COLS], total;

	memset(c->decl, 0, sizeof(c->decl));
	c->pfn = c->vpn = c->time = 0;
	p = mc_get_varint(p, end, &nrec);
	if (p)
		p = mc_get_varint(p, end, &ntypes);
	if (!p || nrec > len || ntypes > 256) {
		*why = "frame header is truncated or implausible";
		return -1;
	}
	for (uint64_t i = 0; i < ntypes; i++) {
		unsigned int type, nfields;

		if (end - p < 2 || (size_t)(end - p) < 2u + p[1]) {
			*why = "type table is truncated";
			return -1;
		}
		type = p[0];
		nfields = p[1];
		if (c->decl[type]) {
			*why = "type table declares a type twice";
			return -1;
		}
		for (unsigned int f = 0; f < nfields; f++) {
			if (p[2 + f] >= MC_NR_CODINGS) {
				*why = "type table names an unknown field coding";
				return -1;
			}
		}
		c->nfields[type] = (uint8_t)nfields;
		c->codings[type] = p + 2;
		if (!mc_cols_same_fields(type, nfields, p + 2))
			c->decl[type] = MC_DECL_OTHER;
		else if (type == MC_REC_TIME || type == MC_REC_HEADER)
			c->decl[type] = MC_DECL_SPECIAL;
		else
			c->decl[type] = MC_DECL_FAST;
		p += 2 + nfields;
	}
	total = nrec;
	for (unsigned int col = 0; col < MC_NR_COLS; col++) {
		p = mc_get_varint(p, end, &collen[col]);
		if (!p || collen[col] > len) {
			*why = "column lengths are truncated or implausible";
			return -1;
		}
		total += collen[col];
	}
	if (total != (uint64_t)(end - p)) {
		*why = "column lengths do not add up to the frame";
		return -1;
	}
	c->nrec = (uint32_t)nrec;
	c->type = p;
	c->type_end = p + nrec;
	p += nrec;
	for (unsigned int col = 0; col < MC_NR_COLS; col++) {
		c->p[col] = p;
		c->end[col] = p + collen[col];
		p += collen[col];
	}
	return 0;
}

union mc_cols_value {
	uint64_t u;
	struct mc_str s;
};

/* Set field i of a record of a known type, or do nothing past its last field. */
#define MC_SET_FIELD_U(dst, v) (*(dst) = (v)->u)
#define MC_SET_FIELD_MM(dst, v) (*(dst) = (uint32_t)(v)->u)
#define MC_SET_FIELD_PFN MC_SET_FIELD_U
#define MC_SET_FIELD_VPN MC_SET_FIELD_U
#define MC_SET_FIELD_DT MC_SET_FIELD_U
#define MC_SET_FIELD_STR(dst, v) (*(dst) = (v)->s)
#define MC_SET_FIELD(field, coding, doc)            \
	if (i == k++) {                             \
		MC_SET_FIELD_##coding(&r->field, v); \
		return;                             \
	}
#define MC_SET_RECORD(NAME, name, id, fields, doc)                                    \
	static void mc_cols_set_##name(struct mc_rec_##name *r, unsigned int i,       \
				       const union mc_cols_value *v)                  \
	{                                                                             \
		unsigned int k = 0;                                                   \
		fields(MC_SET_FIELD)                                                  \
	}
MC_RECORD_TABLE(MC_SET_RECORD)
#undef MC_SET_RECORD
#undef MC_SET_FIELD

static void mc_cols_set(struct mc_record *rec, unsigned int i, const union mc_cols_value *v)
{
	switch (rec->type) {
#define MC_SET_CASE(NAME, name, id, fields, doc)        \
	case id:                                        \
		mc_cols_set_##name(&rec->u.name, i, v); \
		break;
		MC_RECORD_TABLE(MC_SET_CASE)
#undef MC_SET_CASE
	}
}

static const uint8_t *mc_cols_take(struct mc_cols_reader *c, enum mc_column col, uint64_t *v)
{
	const uint8_t *p = mc_get_pvarint(c->p[col], c->end[col], v);

	if (p)
		c->p[col] = p;
	return p;
}

int mc_cols_next_generic(struct mc_cols_reader *c, struct mc_record *rec, const char **why)
{
	unsigned int type = *c->type, known_fields;
	const struct mc_record_info *info = mc_record_info(type);

	rec->type = (uint8_t)type;
	if (!c->decl[type]) {
		*why = "its type is not in the frame's type table";
		return -1;
	}
	c->type++;
	memset(&rec->u, 0, sizeof(rec->u));
	for (unsigned int i = 0; info && i < info->nr_fields; i++)
		if (info->fields[i].coding == MC_CODING_STR)
			mc_cols_set(rec, i, &(union mc_cols_value){ .s = { "", 0 } });
	known_fields = info ? info->nr_fields : 0;
	for (unsigned int i = 0; i < c->nfields[type]; i++) {
		enum mc_field_coding coding = c->codings[type][i];
		union mc_cols_value v;

		if (!mc_cols_take(c, mc_coding_column[coding], &v.u)) {
			*why = "a field is truncated";
			return -1;
		}
		if (coding == MC_CODING_PFN)
			v.u = c->pfn += (uint64_t)mc_unzigzag(v.u);
		else if (coding == MC_CODING_VPN)
			v.u = c->vpn += (uint64_t)mc_unzigzag(v.u);
		else if (coding == MC_CODING_DT)
			c->time += v.u;
		else if (coding == MC_CODING_MM && v.u > UINT32_MAX)
			goto too_large;
		else if (coding == MC_CODING_STR) {
			const uint8_t *s = c->p[MC_COL_BYTES];

			if (v.u > (uint64_t)(c->end[MC_COL_BYTES] - s))
				goto too_large;
			v.s = (struct mc_str){ (const char *)s, (uint32_t)v.u };
			c->p[MC_COL_BYTES] = s + v.s.len;
		}
		if (i >= known_fields)
			continue;
		if (info->fields[i].coding != coding) {
			*why = "a field's coding differs from this build's";
			return -1;
		}
		mc_cols_set(rec, i, &v);
	}
	rec->time = c->time;
	return 1;
too_large:
	*why = "a field is too large for its column";
	return -1;
}

mc_cols_loop int mc_cols_careful(struct mc_cols_reader *c, struct mc_record *recs, unsigned int max,
		    uint64_t *time, const char **why)
{
	return mc_cols_run(c, recs, max, time, why, true);
}

mc_cols_loop int mc_cols_read(struct mc_cols_reader *c, struct mc_record *recs, unsigned int max,
		 uint64_t *time, const char **why)
{
	return mc_cols_run(c, recs, max < MC_COLS_BATCH ? max : MC_COLS_BATCH, time, why, false);
}

/* ---- writing ---- */

void mc_cols_writer_init(struct mc_cols_writer *w)
{
	memset(w, 0, sizeof(*w));
}

void mc_cols_writer_free(struct mc_cols_writer *w)
{
	for (unsigned int i = 0; i <= MC_NR_COLS; i++)
		free(w->col[i]);
	memset(w, 0, sizeof(*w));
}

void mc_cols_writer_reset(struct mc_cols_writer *w)
{
	memset(w->len, 0, sizeof(w->len));
	memset(w->used, 0, sizeof(w->used));
	w->pfn = w->vpn = 0;
}

static inline void mc_cols_put_varint(struct mc_cols_writer *w, enum mc_column col, uint64_t v)
{
	w->len[col] += mc_put_pvarint(w->col[col] + w->len[col], v);
}

#define MC_PUT_U(w, v) mc_cols_put_varint(w, MC_COL_U, v)
#define MC_PUT_MM(w, v) mc_cols_put_varint(w, MC_COL_MM, v)
#define MC_PUT_DT(w, v) mc_cols_put_varint(w, MC_COL_U, v)
#define MC_PUT_PFN(w, v)                                                            \
	do {                                                                        \
		mc_cols_put_varint(w, MC_COL_PFN, mc_zigzag((int64_t)((v) - (w)->pfn))); \
		(w)->pfn = (v);                                                     \
	} while (0)
#define MC_PUT_VPN(w, v)                                                            \
	do {                                                                        \
		mc_cols_put_varint(w, MC_COL_VPN, mc_zigzag((int64_t)((v) - (w)->vpn))); \
		(w)->vpn = (v);                                                     \
	} while (0)
#define MC_PUT_STR(w, v)                                                           \
	do {                                                                       \
		mc_cols_put_varint(w, MC_COL_U, (v).len);                          \
		if ((v).len)                                                       \
			memcpy((w)->col[MC_COL_BYTES] + (w)->len[MC_COL_BYTES], (v).s, \
			       (v).len);                                           \
		(w)->len[MC_COL_BYTES] += (v).len;                                 \
	} while (0)

#define MC_BOUND_STRLEN_U(v) 0
#define MC_BOUND_STRLEN_MM(v) 0
#define MC_BOUND_STRLEN_PFN(v) 0
#define MC_BOUND_STRLEN_VPN(v) 0
#define MC_BOUND_STRLEN_DT(v) 0
#define MC_BOUND_STRLEN_STR(v) (size_t)(v).len

#define MC_PUT_FIELD(field, coding, doc) MC_PUT_##coding(w, r->field);
#define MC_BOUND_FIELD(field, coding, doc) +MC_PVARINT_MAX + MC_BOUND_STRLEN_##coding(r->field)
#define MC_PUT_RECORD(NAME, name, id, fields, doc)                                         \
	static size_t mc_cols_bound_##name(const struct mc_rec_##name *r)                  \
	{                                                                                  \
		return 0 fields(MC_BOUND_FIELD);                                           \
	}                                                                                  \
	static void mc_cols_put_##name(struct mc_cols_writer *w, const struct mc_rec_##name *r) \
	{                                                                                  \
		fields(MC_PUT_FIELD)                                                       \
	}
MC_RECORD_TABLE(MC_PUT_RECORD)
#undef MC_PUT_RECORD

static int mc_cols_reserve(struct mc_cols_writer *w, size_t bound)
{
	for (unsigned int i = 0; i <= MC_NR_COLS; i++) {
		size_t cap = w->cap[i] ? w->cap[i] : 4096;
		uint8_t *p;

		if (w->cap[i] - w->len[i] >= bound)
			continue;
		while (cap - w->len[i] < bound)
			cap *= 2;
		p = realloc(w->col[i], cap);
		if (!p)
			return -1;
		w->col[i] = p;
		w->cap[i] = cap;
	}
	return 0;
}

int mc_cols_put(struct mc_cols_writer *w, const struct mc_record *rec)
{
	size_t bound;

	switch (rec->type) {
#define MC_BOUND_CASE(NAME, name, id, fields, doc)                 \
	case id:                                                   \
		bound = 1 + mc_cols_bound_##name(&rec->u.name);    \
		break;
		MC_RECORD_TABLE(MC_BOUND_CASE)
#undef MC_BOUND_CASE
	default:
		return -1;
	}
	if (bound > MC_TRACE_MAX_FRAME / 4 || mc_cols_reserve(w, bound))
		return -1;
	switch (rec->type) {
#define MC_PUT_CASE(NAME, name, id, fields, doc)         \
	case id:                                         \
		mc_cols_put_##name(w, &rec->u.name);     \
		break;
		MC_RECORD_TABLE(MC_PUT_CASE)
#undef MC_PUT_CASE
	}
	w->col[MC_NR_COLS][w->len[MC_NR_COLS]++] = rec->type;
	w->used[rec->type] = true;
	return 0;
}

uint32_t mc_cols_records(const struct mc_cols_writer *w)
{
	return (uint32_t)w->len[MC_NR_COLS];
}

static size_t mc_cols_header(const struct mc_cols_writer *w, uint8_t *out)
{
	uint8_t tmp[MC_VARINT_MAX];
	unsigned int ntypes = 0;
	size_t n = 0;

	for (unsigned int t = 0; t < 256; t++)
		ntypes += w->used[t];
	n += mc_put_varint(out ? out + n : tmp, w->len[MC_NR_COLS]);
	n += mc_put_varint(out ? out + n : tmp, ntypes);
	for (unsigned int t = 0; t < 256; t++) {
		const struct mc_record_info *info;

		if (!w->used[t])
			continue;
		info = mc_record_info(t);
		if (out) {
			out[n] = (uint8_t)t;
			out[n + 1] = (uint8_t)info->nr_fields;
			for (unsigned int f = 0; f < info->nr_fields; f++)
				out[n + 2 + f] = (uint8_t)info->fields[f].coding;
		}
		n += 2 + info->nr_fields;
	}
	for (unsigned int col = 0; col < MC_NR_COLS; col++)
		n += mc_put_varint(out ? out + n : tmp, w->len[col]);
	return n;
}

size_t mc_cols_column_bytes(const struct mc_cols_writer *w)
{
	size_t n = 0;

	for (unsigned int i = 0; i <= MC_NR_COLS; i++)
		n += w->len[i];
	return n;
}

size_t mc_cols_frame_size(const struct mc_cols_writer *w)
{
	return mc_cols_header(w, NULL) + mc_cols_column_bytes(w);
}

size_t mc_cols_frame(const struct mc_cols_writer *w, uint8_t *out)
{
	size_t n = mc_cols_header(w, out);

	memcpy(out + n, w->col[MC_NR_COLS], w->len[MC_NR_COLS]);
	n += w->len[MC_NR_COLS];
	for (unsigned int col = 0; col < MC_NR_COLS; col++) {
		if (w->len[col])
			memcpy(out + n, w->col[col], w->len[col]);
		n += w->len[col];
	}
	return n;
}
