/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The results database (schemas/results.sql): opened or created, migrated to
 * the current schema version, WAL mode, busy waits retried so that several
 * replays can append to one file at once. Every write is one transaction.
 */
#ifndef MAPCOUNT_DB_H
#define MAPCOUNT_DB_H

#include <stddef.h>
#include <stdint.h>

#include "replayer/metrics.h"

#define MC_RESULTS_SCHEMA_VERSION 1

extern const char mc_results_sql[];	/* schemas/results.sql (results-schema.c) */

struct db;

struct db_run {
	const char *trace, *label, *models;
	const struct mc_rec_header *hdr;	/* may be NULL */
};

struct db_run_end {
	uint64_t records, inconsistencies, lost_events, peak_live_folios;
	double seconds;
	const char *error;	/* NULL: status ok */
	const uint64_t *type_count;	/* [MC_REC_MAX_ID + 1] records by type, or NULL */
};

struct db_checkpoint {
	uint32_t number;
	const char *label, *kind;	/* kind: trace, every, end */
	uint64_t record, time_ns;
};

/* Open (creating or migrating) path. NULL + "path: what" in err on failure. */
struct db *db_open(const char *path, char *err, size_t errlen);
/* Open an existing database read-only (report). */
struct db *db_open_readonly(const char *path, char *err, size_t errlen);
void db_close(struct db *db);
const char *db_error(const struct db *db);
struct sqlite3 *db_handle(struct db *db);

/* A new run; returns its id, or -1. */
int64_t db_run_begin(struct db *db, const struct db_run *run);
int db_run_end(struct db *db, int64_t run_id, const struct db_run_end *end);
/* One checkpoint with every model's metrics and process figures, plus the kernel's
 * own figures the replay holds for it, in one transaction. */
int db_checkpoint(struct db *db, int64_t run_id, const struct db_checkpoint *ck,
		  const struct replay *rp, const struct rp_checkpoint *c);

/* Run sql (no results) with busy retries: 0 or -1. */
int db_exec(struct db *db, const char *sql);

#endif /* MAPCOUNT_DB_H */
