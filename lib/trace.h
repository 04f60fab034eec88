/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Trace files: a standard zstd stream of independent frames, each holding
 * whole records (schemas/records.h). Delta state resets at every frame, so a
 * frame decodes on its own and a truncated file keeps its complete frames.
 */
#ifndef MAPCOUNT_TRACE_H
#define MAPCOUNT_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../schemas/records.h"

struct mc_str {
	const char *s;	/* not NUL-terminated; valid until the next read */
	uint32_t len;
};

enum mc_field_coding { MC_CODING_U, MC_CODING_MM, MC_CODING_PFN, MC_CODING_VPN, MC_CODING_DT,
		       MC_CODING_STR };

#define MC_FIELD_C_U uint64_t
#define MC_FIELD_C_MM uint32_t
#define MC_FIELD_C_PFN uint64_t
#define MC_FIELD_C_VPN uint64_t
#define MC_FIELD_C_DT uint64_t
#define MC_FIELD_C_STR struct mc_str

/* struct mc_rec_<name> per record type, fields in table order */
#define MC_DECLARE_FIELD(field, coding, doc) MC_FIELD_C_##coding field;
#define MC_DECLARE_RECORD(NAME, name, id, fields, doc) \
	struct mc_rec_##name {                         \
		fields(MC_DECLARE_FIELD)               \
	};
MC_RECORD_TABLE(MC_DECLARE_RECORD)
#undef MC_DECLARE_RECORD
#undef MC_DECLARE_FIELD

enum mc_record_type {
#define MC_ENUM_RECORD(NAME, name, id, fields, doc) MC_REC_##NAME = id,
	MC_RECORD_TABLE(MC_ENUM_RECORD)
#undef MC_ENUM_RECORD
	MC_REC_MAX_ID = 255
};

struct mc_record {
	uint8_t type;		/* enum mc_record_type, or an unknown id (skipped by readers) */
	uint64_t time;		/* current time (ns) after the frame's TIME records */
	union {
#define MC_UNION_RECORD(NAME, name, id, fields, doc) struct mc_rec_##name name;
		MC_RECORD_TABLE(MC_UNION_RECORD)
#undef MC_UNION_RECORD
	} u;
};

/* "MAP", "UNMAP", ... or NULL for an unknown id */
const char *mc_record_name(unsigned int type);

/* The record table as data: for `dump --format-doc`, info and tests. */
struct mc_field_info {
	const char *name;
	enum mc_field_coding coding;
	const char *doc;
};

struct mc_record_info {
	const char *name;		/* "MAP" */
	unsigned int id;
	unsigned int nr_fields;
	const struct mc_field_info *fields;
	const char *doc;
};

/* NULL for an unknown id */
const struct mc_record_info *mc_record_info(unsigned int type);
/* Number of a type by name ("MAP", case-insensitive), or -1. */
int mc_record_type_by_name(const char *name);
const char *mc_coding_name(enum mc_field_coding coding);	/* "U", "MM", ... */

/* Largest raw (decompressed) frame a reader accepts, and a writer produces. */
#define MC_TRACE_MAX_FRAME (64u << 20)
#define MC_TRACE_MAGIC "mapcount"

/* Fill hdr with this build's defaults: magic, version, page shift and orders. */
void mc_header_init(struct mc_rec_header *hdr, const char *source);

/* ---- writing ---- */

struct mc_writer;

enum mc_writer_flags {
	MC_W_FORCE = 1,	/* replace an existing file (never through a symlink) */
};

/*
 * Create path (O_NOFOLLOW; refused if it exists unless MC_W_FORCE) and write
 * the header record as the first frame. On error returns NULL with a one-line
 * message "path: what" in err.
 */
struct mc_writer *mc_writer_open(const char *path, const struct mc_rec_header *hdr, int flags,
				 char *err, size_t errlen);
/* Also usable on an fd the caller opened (not closed by mc_writer_close). */
struct mc_writer *mc_writer_fdopen(int fd, const char *name, const struct mc_rec_header *hdr,
				   char *err, size_t errlen);
/* Append a record; frames are cut at a size limit. 0 or -1 (error set).
 * rec->time is ignored: time moves by TIME records (u.time.dt ns; a dt of 0
 * is dropped) or mc_writer_set_time(). */
int mc_writer_put(struct mc_writer *w, const struct mc_record *rec);
/* End the current frame and write it out (e.g. once a second). */
int mc_writer_flush(struct mc_writer *w);
/* Flush, fsync, close. Returns 0 or -1; frees w either way. */
int mc_writer_close(struct mc_writer *w);
/* The same, and on -1 the error message is copied to err. */
int mc_writer_close_err(struct mc_writer *w, char *err, size_t errlen);
const char *mc_writer_error(const struct mc_writer *w);
uint64_t mc_writer_records(const struct mc_writer *w);
uint64_t mc_writer_bytes(const struct mc_writer *w);	/* compressed bytes written */
/* Frame size in raw bytes before it is compressed (default 256 KiB). */
void mc_writer_set_frame_size(struct mc_writer *w, size_t bytes);
void mc_writer_set_level(struct mc_writer *w, int zstd_level);
/* Advance the trace's time to now_ns (absolute, from the start of the
 * trace): puts a TIME record when time moves forward. 0 or -1. */
int mc_writer_set_time(struct mc_writer *w, uint64_t now_ns);
uint64_t mc_writer_time(const struct mc_writer *w);

/* ---- reading ---- */

struct mc_reader;

/* Opens path ("-" for stdin) and reads the header. NULL + err on failure. */
struct mc_reader *mc_reader_open(const char *path, char *err, size_t errlen);
const struct mc_rec_header *mc_reader_header(const struct mc_reader *r);
/*
 * Next record: 1 = rec filled, 0 = clean end of trace, -1 = error: the
 * records returned so far are the valid prefix and mc_reader_error() says
 * "path: frame N, offset M: what" (offset = byte offset in the file of the
 * frame that failed).
 * rec->time is the absolute trace time (ns) of the record. TIME records come
 * back with u.time.dt = the step since the previous record returned; those
 * that do not move time (a frame's carried-over time) are not returned.
 * Strings point into the reader's buffer until the next call.
 */
int mc_reader_next(struct mc_reader *r, struct mc_record *rec);
/*
 * Up to max records at once, the fast way to read a version 2 trace: the
 * number read (> 0), 0 at the clean end, -1 on an error (after a short read
 * that returned the records before it). Strings point into the reader's
 * buffer until the next call.
 */
int mc_reader_read(struct mc_reader *r, struct mc_record *recs, unsigned int max);
const char *mc_reader_error(const struct mc_reader *r);
uint64_t mc_reader_records(const struct mc_reader *r);	/* records returned */
uint64_t mc_reader_frame(const struct mc_reader *r);	/* current frame number (0 = header) */
uint64_t mc_reader_offset(const struct mc_reader *r);	/* compressed bytes consumed */
uint64_t mc_reader_size(const struct mc_reader *r);	/* file size, 0 if unknown (pipe) */
void mc_reader_close(struct mc_reader *r);

/* Decode records from a raw (decompressed) frame buffer: used by the reader,
 * the fuzzer and tests. Returns bytes consumed by one record, 0 at the end of
 * buf, -1 on a malformed record. state is reset per frame. */
struct mc_decode_state {
	uint64_t pfn, vpn, time;
};
long mc_decode_record(const uint8_t *buf, size_t len, struct mc_decode_state *st,
		      struct mc_record *rec);
/* The same; on -1 *why says what is wrong (a static string). */
long mc_decode_record_why(const uint8_t *buf, size_t len, struct mc_decode_state *st,
			  struct mc_record *rec, const char **why);
/* Encode one record into out (capacity cap). Returns bytes written, or -1 if
 * it does not fit. */
long mc_encode_record(uint8_t *out, size_t cap, struct mc_decode_state *st,
		      const struct mc_record *rec);

/* Text form of a record as `mapcount dump` prints it (stable, greppable). */
int mc_record_format(char *out, size_t cap, const struct mc_record *rec);

#endif /* MAPCOUNT_TRACE_H */
