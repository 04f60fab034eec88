/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Version 2 frames: the records of a frame stored column by column.
 *
 * A frame is a small header, then the record types one byte each, then one
 * column per kind of field: mm ids, VPN steps, PFN steps, other numbers (U,
 * DT and string lengths), string bytes. Numbers in the columns are prefix
 * varints (lib/varint.h). Like fields sit together, so zstd finds longer
 * matches and the decoder reads no record lengths; the header declares the
 * codings of every type the frame uses, so unknown types stay skippable and
 * fields can still be appended (schemas/trace-format.md).
 *
 * The decoder reads a batch of records without checking where the columns
 * end, then checks that none ran past its end (mc_cols_run()): the frame
 * buffer must have MC_COLS_SLACK readable bytes after it.
 */
#ifndef MAPCOUNT_TRACE_COLUMNS_H
#define MAPCOUNT_TRACE_COLUMNS_H

#include "lib/trace-decode.h"
#include "lib/trace.h"
#include "lib/varint.h"

/*
 * For the functions that inline mc_cols_run(): GCC packs the PFN and VPN
 * cursors into one vector register and unpacks them every record.
 */
#if defined(__GNUC__) && !defined(__clang__)
#define mc_cols_loop __attribute__((optimize("no-tree-slp-vectorize")))
#else
#define mc_cols_loop
#endif

enum mc_column { MC_COL_MM, MC_COL_VPN, MC_COL_PFN, MC_COL_U, MC_COL_BYTES, MC_NR_COLS };

/*
 * Past a column's end, the fast path reads at most MC_COLS_BATCH records of
 * this build's types, each at most MC_COLS_RECORD_MAX bytes of a column, plus
 * the 9 bytes one varint load reads; other records are read checking.
 */
#define MC_COLS_BATCH 64u
#define MC_COLS_RECORD_MAX 128u
#define MC_COLS_SLACK (MC_COLS_BATCH * MC_COLS_RECORD_MAX + 16u)

enum mc_cols_decl {
	MC_DECL_NONE,		/* the frame does not declare the type */
	MC_DECL_OTHER,		/* declared; read field by field from its codings */
	MC_DECL_FAST,		/* a type of this build, declared with its fields */
	MC_DECL_SPECIAL,	/* the same, but TIME or HEADER: the caller checks them */
};

/* Reading a version 2 frame. */
struct mc_cols_reader {
	const uint8_t *type, *type_end;
	const uint8_t *p[MC_NR_COLS], *end[MC_NR_COLS];
	uint64_t pfn, vpn, time;
	uint32_t nrec;
	uint8_t decl[256];	/* per type id: enum mc_cols_decl */
	uint8_t nfields[256];
	const uint8_t *codings[256];
};

/*
 * Parse the header of a raw version 2 frame of len bytes (plus the slack)
 * and get ready to decode its records. 0, or -1 with *why set.
 */
int mc_cols_open(struct mc_cols_reader *c, const uint8_t *buf, size_t len, const char **why);
/*
 * A record whose type is not declared with this build's fields: 1, or -1
 * with *why set. A type this build does not know comes back with its type
 * and no fields, for the caller to skip.
 */
int mc_cols_next_generic(struct mc_cols_reader *c, struct mc_record *rec, const char **why);

/* ---- the fast path: a known type with this build's fields ---- */

/* The column pointers of one record, kept in registers while it is decoded. */
struct mc_cols_cursor {
	const uint8_t *p[MC_NR_COLS];
	const uint8_t *const *end;
	uint64_t pfn, vpn, time;
};

static mc_always_inline uint64_t mc_cols_small(struct mc_cols_cursor *k, enum mc_column col)
{
	const uint8_t *p = k->p[col];
	uint64_t v;

	if (likely(*p & 1)) {
		k->p[col] = p + 1;
		return *p >> 1;
	}
	k->p[col] = mc_get_pvarint_fast(p, &v);
	return v;
}

/*
 * An mm id: over 32 bits makes the end-of-record check fail, as a bad field.
 * mc_cols_small() written again so that the one-byte path has no range check
 * (calling it costs 1.6 instructions a record more on the bench stream).
 */
static mc_always_inline uint32_t mc_cols_mm(struct mc_cols_cursor *k)
{
	const uint8_t *p = k->p[MC_COL_MM];
	uint64_t v;

	if (likely(*p & 1)) {
		k->p[MC_COL_MM] = p + 1;
		return *p >> 1;
	}
	p = mc_get_pvarint_fast(p, &v);
	k->p[MC_COL_MM] = v > UINT32_MAX ? k->end[MC_COL_MM] + 1 : p;
	return (uint32_t)v;
}

static mc_always_inline uint64_t mc_cols_wide(struct mc_cols_cursor *k, enum mc_column col)
{
	uint64_t v;

	k->p[col] = mc_get_pvarint_fast(k->p[col], &v);
	return v;
}

static mc_always_inline void mc_cols_get_str(struct mc_cols_cursor *k, struct mc_str *out)
{
	uint64_t len = mc_cols_small(k, MC_COL_U);
	const uint8_t *p = k->p[MC_COL_BYTES];

	/* p is past the end after an earlier bad string of the batch */
	if (unlikely(p > k->end[MC_COL_BYTES] || len > (uint64_t)(k->end[MC_COL_BYTES] - p))) {
		k->p[MC_COL_BYTES] = k->end[MC_COL_BYTES] + 1;
		*out = (struct mc_str){ "", 0 };
		return;
	}
	*out = (struct mc_str){ (const char *)p, (uint32_t)len };
	k->p[MC_COL_BYTES] = p + len;
}

#define mc_cols_get_U(k, out) (*(out) = mc_cols_small(k, MC_COL_U))
#define mc_cols_get_MM(k, out) (*(out) = mc_cols_mm(k))
#define mc_cols_get_PFN(k, out) \
	(*(out) = (k)->pfn += (uint64_t)mc_unzigzag(mc_cols_wide(k, MC_COL_PFN)))
#define mc_cols_get_VPN(k, out) \
	(*(out) = (k)->vpn += (uint64_t)mc_unzigzag(mc_cols_wide(k, MC_COL_VPN)))
#define mc_cols_get_DT(k, out) (*(out) = mc_cols_wide(k, MC_COL_U), (k)->time += *(out))
#define mc_cols_get_STR(k, out) mc_cols_get_str(k, out)

#define MC_COLS_OVERRUN_WHY "a field is too large or runs past the end of its column"

static mc_always_inline bool mc_cols_overrun(const struct mc_cols_cursor *k)
{
	return (k->p[MC_COL_MM] > k->end[MC_COL_MM]) | (k->p[MC_COL_VPN] > k->end[MC_COL_VPN]) |
	       (k->p[MC_COL_PFN] > k->end[MC_COL_PFN]) | (k->p[MC_COL_U] > k->end[MC_COL_U]) |
	       (k->p[MC_COL_BYTES] > k->end[MC_COL_BYTES]);
}

static mc_always_inline void mc_cols_cursor_load(struct mc_cols_cursor *k,
						 const struct mc_cols_reader *c)
{
	/* no loops: the cursor must stay in registers */
	k->p[MC_COL_MM] = c->p[MC_COL_MM];
	k->p[MC_COL_VPN] = c->p[MC_COL_VPN];
	k->p[MC_COL_PFN] = c->p[MC_COL_PFN];
	k->p[MC_COL_U] = c->p[MC_COL_U];
	k->p[MC_COL_BYTES] = c->p[MC_COL_BYTES];
	k->end = c->end;
	k->pfn = c->pfn;
	k->vpn = c->vpn;
	k->time = c->time;
}

static mc_always_inline void mc_cols_cursor_save(const struct mc_cols_cursor *k,
						 struct mc_cols_reader *c)
{
	c->p[MC_COL_MM] = k->p[MC_COL_MM];
	c->p[MC_COL_VPN] = k->p[MC_COL_VPN];
	c->p[MC_COL_PFN] = k->p[MC_COL_PFN];
	c->p[MC_COL_U] = k->p[MC_COL_U];
	c->p[MC_COL_BYTES] = k->p[MC_COL_BYTES];
	c->pfn = k->pfn;
	c->vpn = k->vpn;
	c->time = k->time;
}

/* The fields of a record of a known type declared with this build's fields. */
static mc_always_inline void mc_cols_decode(struct mc_cols_cursor *k, struct mc_record *rec)
{
	switch (rec->type) {
#define MC_COLS_FIELD(field, coding, doc) mc_cols_get_##coding(k, &r->field);
#define MC_COLS_CASE(NAME, name, id, fields, doc)          \
	case id: {                                         \
		struct mc_rec_##name *r = &rec->u.name;    \
		fields(MC_COLS_FIELD) break;               \
	}
		MC_RECORD_TABLE(MC_COLS_CASE)
#undef MC_COLS_CASE
#undef MC_COLS_FIELD
	}
}

/* mc_cols_run() checking every record, and the same not inlined. */
int mc_cols_careful(struct mc_cols_reader *c, struct mc_record *recs, unsigned int max,
		    uint64_t *time, const char **why);
int mc_cols_read(struct mc_cols_reader *c, struct mc_record *recs, unsigned int max,
		 uint64_t *time, const char **why);

/*
 * Up to max (at most MC_COLS_BATCH) records of the frame into recs, with the
 * cursor in registers. Returns how many; *why is NULL, or says what is wrong
 * with the record at c->type, after the records returned. Unknown types are
 * skipped; *time is the time of the last record returned, and TIME records
 * come back as the step from it, those that do not move time not at all.
 *
 * Whether a column ran past its end is checked once for the batch, which the
 * frame's slack allows; if one did, the batch is decoded again checking each
 * record (careful), to stop at the bad one.
 */
static mc_always_inline int mc_cols_run(struct mc_cols_reader *c, struct mc_record *recs,
					unsigned int max, uint64_t *time_io, const char **why,
					const bool careful)
{
	struct mc_record *rec = recs;
	const uint8_t *const first = c->type, *t = first, *stop;
	uint64_t time = *time_io;
	struct mc_cols_cursor k, start;

	*why = NULL;
	mc_cols_cursor_load(&k, c);
	start = k;	/* where the batch began, to decode it again */
	stop = t + ((size_t)(c->type_end - t) < max ? (size_t)(c->type_end - t) : max);
	while (t < stop) {
		unsigned int type = *t;

		if (likely(c->decl[type] == MC_DECL_FAST)) {
			rec->type = (uint8_t)type;
			mc_cols_decode(&k, rec);
			rec->time = time;
			if (careful && mc_cols_overrun(&k)) {
				*why = MC_COLS_OVERRUN_WHY;
				break;
			}
			t++;
			rec++;
			continue;
		}
		if (!careful && mc_cols_overrun(&k))
			goto again;
		if (type == MC_REC_HEADER) {
			*why = "only frame 0 may hold a HEADER record";
			break;
		}
		if (c->decl[type] == MC_DECL_SPECIAL) {
			rec->type = MC_REC_TIME;
			mc_cols_get_DT(&k, &rec->u.time.dt);
			if (mc_cols_overrun(&k)) {
				*why = MC_COLS_OVERRUN_WHY;
				break;
			}
		} else {
			c->type = t;
			mc_cols_cursor_save(&k, c);
			if (mc_cols_next_generic(c, rec, why) < 0)
				break;
			mc_cols_cursor_load(&k, c);
		}
		t++;
		rec->time = k.time;
		/*
		 * Skip unknown types, and TIME records that do not move time:
		 * frames restart time at 0 and carry it over with a TIME of the
		 * absolute time. Other TIME records give the real step.
		 */
		if (!mc_type_known[type] || (type == MC_REC_TIME && rec->time == time)) {
			if (stop < c->type_end)
				stop++;
			continue;
		}
		if (type == MC_REC_TIME)
			rec->u.time.dt = rec->time - time;
		time = rec->time;
		rec++;
	}
	if (!careful && !*why && unlikely(mc_cols_overrun(&k)))
		goto again;
	c->type = t;
	mc_cols_cursor_save(&k, c);
	*time_io = time;
	return (int)(rec - recs);
again:
	mc_cols_cursor_save(&start, c);
	c->type = first;
	return mc_cols_careful(c, recs, max, time_io, why);
}

/* ---- writing a version 2 frame ---- */

struct mc_cols_writer {
	uint8_t *col[MC_NR_COLS + 1];	/* the fields' columns, then the type column */
	size_t len[MC_NR_COLS + 1], cap[MC_NR_COLS + 1];
	uint64_t pfn, vpn;
	bool used[256];
};

void mc_cols_writer_init(struct mc_cols_writer *w);
void mc_cols_writer_free(struct mc_cols_writer *w);
/* Start a new frame. */
void mc_cols_writer_reset(struct mc_cols_writer *w);
/* Append a record of a type of this build: 0, or -1 when out of memory. */
int mc_cols_put(struct mc_cols_writer *w, const struct mc_record *rec);
uint32_t mc_cols_records(const struct mc_cols_writer *w);
/* Bytes of the columns so far: the frame less its small header (cheap). */
size_t mc_cols_column_bytes(const struct mc_cols_writer *w);
/* Bytes the frame takes, and writing it to out (that many bytes). */
size_t mc_cols_frame_size(const struct mc_cols_writer *w);
size_t mc_cols_frame(const struct mc_cols_writer *w, uint8_t *out);

#endif /* MAPCOUNT_TRACE_COLUMNS_H */
