// SPDX-License-Identifier: GPL-2.0
/* The results database (db.h). */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "replayer/db.h"

#define DB_BUSY_MS 60000	/* how long one statement waits for the lock */
#define DB_RETRIES 50		/* then how often a whole step is retried */
/* the page cache of the writer: a checkpoint appends to a few B-tree leaves, so
 * SQLite's 2 MiB default would only add to the replay's peak memory */
#define DB_CACHE_KIB "256"

struct db {
	sqlite3 *h;
	char path[512];
	char err[768];
	sqlite3_stmt *ins_metric, *ins_proc;
};

const char *db_error(const struct db *db)
{
	return db->err;
}

struct sqlite3 *db_handle(struct db *db)
{
	return db->h;
}

static int db_fail(struct db *db, const char *what)
{
	snprintf(db->err, sizeof(db->err), "%s: %s: %s", db->path, what, sqlite3_errmsg(db->h));
	return -1;
}

static bool db_busy(int rc)
{
	return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
}

static void db_backoff(int attempt)
{
	usleep((useconds_t)(1000 * (1 + attempt % 20)));
}

int db_exec(struct db *db, const char *sql)
{
	int rc;

	for (int attempt = 0;; attempt++) {
		rc = sqlite3_exec(db->h, sql, NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			return 0;
		if (!db_busy(rc) || attempt == DB_RETRIES)
			return db_fail(db, "cannot write");
		db_backoff(attempt);
	}
}

static int db_step(struct db *db, sqlite3_stmt *st)
{
	int rc;

	for (int attempt = 0;; attempt++) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_DONE || rc == SQLITE_ROW)
			return rc;
		sqlite3_reset(st);
		if (!db_busy(rc) || attempt == DB_RETRIES)
			return db_fail(db, "cannot write");
		db_backoff(attempt);
	}
}

static int db_user_version(struct db *db)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(db->h, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (db_step(db, st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/*
 * Bring the schema to MC_RESULTS_SCHEMA_VERSION inside one write transaction.
 * results.sql always holds the whole current schema and is idempotent; a
 * future version adds its ALTER TABLE steps to migrations[] before it.
 */
static int db_migrate(struct db *db)
{
	static const char *const migrations[MC_RESULTS_SCHEMA_VERSION + 1] = {
		[1] = NULL,	/* version 1: the first schema, all in results.sql */
	};
	char sql[64];
	int v;

	if (db_exec(db, "BEGIN IMMEDIATE"))
		return -1;
	v = db_user_version(db);
	if (v < 0)
		goto fail;
	if (v > MC_RESULTS_SCHEMA_VERSION) {
		snprintf(db->err, sizeof(db->err),
			 "%s: results schema version %d is newer than this mapcount's (%d)",
			 db->path, v, MC_RESULTS_SCHEMA_VERSION);
		db_exec(db, "ROLLBACK");
		return -1;
	}
	if (v < MC_RESULTS_SCHEMA_VERSION) {
		for (int i = v + 1; i <= MC_RESULTS_SCHEMA_VERSION; i++)
			if (migrations[i] && db_exec(db, migrations[i]))
				goto fail;
		if (db_exec(db, mc_results_sql))
			goto fail;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", MC_RESULTS_SCHEMA_VERSION);
		if (db_exec(db, sql))
			goto fail;
	}
	return db_exec(db, "COMMIT");
fail:
	sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

static struct db *db_open_flags(const char *path, int flags, char *err, size_t errlen)
{
	struct db *db = calloc(1, sizeof(*db));

	if (!db) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	snprintf(db->path, sizeof(db->path), "%s", path);
	if (sqlite3_open_v2(path, &db->h, flags, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot open: %s", path,
			 db->h ? sqlite3_errmsg(db->h) : "out of memory");
		db_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db->h, DB_BUSY_MS);
	sqlite3_extended_result_codes(db->h, 1);
	return db;
}

struct db *db_open(const char *path, char *err, size_t errlen)
{
	struct db *db = db_open_flags(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, err, errlen);
	sqlite3_stmt *st = NULL;
	bool wal = false;

	if (!db)
		return NULL;
	/* WAL: readers never block the writer, writers queue on one lock */
	for (int attempt = 0; attempt <= DB_RETRIES && !wal; attempt++) {
		int rc = sqlite3_prepare_v2(db->h, "PRAGMA journal_mode=WAL", -1, &st, NULL);

		if (rc == SQLITE_OK)
			rc = sqlite3_step(st);
		wal = rc == SQLITE_ROW && !strcmp((const char *)sqlite3_column_text(st, 0), "wal");
		sqlite3_finalize(st);
		if (!wal && !db_busy(rc)) {
			db_fail(db, "not a results database, or cannot use WAL mode");
			break;
		}
		if (!wal)
			db_backoff(attempt);
	}
	if (!wal || db_exec(db, "PRAGMA synchronous=NORMAL") ||
	    db_exec(db, "PRAGMA cache_size=-" DB_CACHE_KIB) || db_migrate(db) ||
	    sqlite3_prepare_v2(db->h,
			       "INSERT OR REPLACE INTO metrics(run_id, model, checkpoint, name, value) "
			       "VALUES (?, ?, ?, ?, ?)",
			       -1, &db->ins_metric, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db->h,
			       "INSERT INTO process_metrics(run_id, model, checkpoint, mm, rss_bytes, "
			       "pss_bytes, uss_bytes, pss_anon_bytes, pss_file_bytes, "
			       "pss_shmem_bytes, shared_bytes, anon_bytes, anon_huge_bytes, pid, mapmax) "
			       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			       -1, &db->ins_proc, NULL) != SQLITE_OK) {
		if (!db->err[0])
			db_fail(db, "cannot set up the results schema");
		snprintf(err, errlen, "%s", db->err);
		db_close(db);
		return NULL;
	}
	return db;
}

struct db *db_open_readonly(const char *path, char *err, size_t errlen)
{
	struct db *db;

	if (access(path, R_OK)) {
		snprintf(err, errlen, "%s: cannot read the results database", path);
		return NULL;
	}
	db = db_open_flags(path, SQLITE_OPEN_READONLY, err, errlen);
	if (db && db_user_version(db) < 1) {
		snprintf(err, errlen, "%s: not a mapcount results database", path);
		db_close(db);
		return NULL;
	}
	return db;
}

void db_close(struct db *db)
{
	if (!db)
		return;
	sqlite3_finalize(db->ins_metric);
	sqlite3_finalize(db->ins_proc);
	sqlite3_close(db->h);
	free(db);
}

static void db_now(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void db_bind_str(sqlite3_stmt *st, int i, const struct mc_str *s)
{
	if (s && s->len)
		sqlite3_bind_text(st, i, s->s, (int)s->len, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

int64_t db_run_begin(struct db *db, const struct db_run *run)
{
	sqlite3_stmt *st;
	char now[32];
	int64_t id = -1;

	db_now(now, sizeof(now));
	if (sqlite3_prepare_v2(db->h,
			       "INSERT INTO runs(trace, label, models, source, kernel, host, "
			       "trace_start_ns, started, status, mapcount_version) "
			       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'running', '0.1')",
			       -1, &st, NULL) != SQLITE_OK)
		return db_fail(db, "cannot add the run");
	sqlite3_bind_text(st, 1, run->trace, -1, SQLITE_STATIC);
	if (run->label)
		sqlite3_bind_text(st, 2, run->label, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, run->models, -1, SQLITE_STATIC);
	db_bind_str(st, 4, run->hdr ? &run->hdr->source : NULL);
	db_bind_str(st, 5, run->hdr ? &run->hdr->kernel : NULL);
	db_bind_str(st, 6, run->hdr ? &run->hdr->host : NULL);
	sqlite3_bind_int64(st, 7, run->hdr ? (int64_t)run->hdr->start_ns : 0);
	sqlite3_bind_text(st, 8, now, -1, SQLITE_STATIC);
	/* one statement: its own transaction; the rowid is this connection's */
	if (db_step(db, st) == SQLITE_DONE)
		id = sqlite3_last_insert_rowid(db->h);
	sqlite3_finalize(st);
	return id;
}

static int db_run_end_rows(struct db *db, int64_t run_id, const struct db_run_end *end)
{
	sqlite3_stmt *st;
	char now[32];
	int rc;

	db_now(now, sizeof(now));
	if (sqlite3_prepare_v2(db->h,
			       "UPDATE runs SET records = ?, inconsistencies = ?, lost_events = ?, "
			       "peak_live_folios = ?, seconds = ?, finished = ?, status = ?, "
			       "error = ? WHERE run_id = ?",
			       -1, &st, NULL) != SQLITE_OK)
		return db_fail(db, "cannot finish the run");
	sqlite3_bind_int64(st, 1, (int64_t)end->records);
	sqlite3_bind_int64(st, 2, (int64_t)end->inconsistencies);
	sqlite3_bind_int64(st, 3, (int64_t)end->lost_events);
	sqlite3_bind_int64(st, 4, (int64_t)end->peak_live_folios);
	sqlite3_bind_double(st, 5, end->seconds);
	sqlite3_bind_text(st, 6, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, end->error ? "error" : "ok", -1, SQLITE_STATIC);
	if (end->error)
		sqlite3_bind_text(st, 8, end->error, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, run_id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, "cannot finish the run");
	if (!end->type_count)
		return 0;
	if (sqlite3_prepare_v2(db->h, "INSERT OR REPLACE INTO run_records VALUES (?, ?, ?)", -1,
			       &st, NULL) != SQLITE_OK)
		return db_fail(db, "cannot finish the run");
	for (unsigned int t = 0; t <= MC_REC_MAX_ID && rc == SQLITE_DONE; t++) {
		char unknown[16];
		const char *name = mc_record_name(t);

		if (!end->type_count[t])
			continue;
		if (!name) {
			snprintf(unknown, sizeof(unknown), "type%u", t);
			name = unknown;
		}
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, run_id);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 3, (int64_t)end->type_count[t]);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(db, "cannot finish the run");
}

/* Run fn(db, arg) in one write transaction, retried while the database is busy. */
static int db_transaction(struct db *db, int (*fn)(struct db *db, const void *arg),
			  const void *arg)
{
	for (int attempt = 0;; attempt++) {
		int rc;

		if (db_exec(db, "BEGIN IMMEDIATE"))
			return -1;
		if (!fn(db, arg)) {
			rc = sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL);
			if (rc == SQLITE_OK)
				return 0;
			db_fail(db, "cannot commit");
		} else {
			rc = sqlite3_extended_errcode(db->h);
		}
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
		if (!db_busy(rc) || attempt == DB_RETRIES)
			return -1;
		db_backoff(attempt);
	}
}

struct db_run_end_args {
	int64_t run_id;
	const struct db_run_end *end;
};

static int db_run_end_tx(struct db *db, const void *arg)
{
	const struct db_run_end_args *a = arg;

	return db_run_end_rows(db, a->run_id, a->end);
}

int db_run_end(struct db *db, int64_t run_id, const struct db_run_end *end)
{
	struct db_run_end_args a = { run_id, end };

	return db_transaction(db, db_run_end_tx, &a);
}

static int db_metric(struct db *db, int64_t run, const char *model, uint32_t ck, const char *name,
		     double value)
{
	sqlite3_stmt *st = db->ins_metric;
	int rc;

	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_text(st, 2, model, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, ck);
	sqlite3_bind_text(st, 4, name, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 5, value);
	rc = sqlite3_step(st);
	return rc == SQLITE_DONE ? 0 : db_fail(db, "cannot write a metric");
}

static int db_proc(struct db *db, int64_t run, const char *model, uint32_t ck, const char *mm,
		   uint32_t pid, const struct rp_proc *p)
{
	sqlite3_stmt *st = db->ins_proc;
	const uint64_t v[] = { p->rss,	    p->pss,	 p->uss,    p->pss_anon, p->pss_file,
			       p->pss_shmem, p->shared, p->anon, p->anon_huge };
	int rc;

	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_text(st, 2, model, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, ck);
	sqlite3_bind_text(st, 4, mm, -1, SQLITE_STATIC);
	for (int i = 0; i < 9; i++)
		sqlite3_bind_int64(st, 5 + i, (int64_t)v[i]);
	if (pid)
		sqlite3_bind_int64(st, 14, pid);
	else
		sqlite3_bind_null(st, 14);
	if (p->mapmax >= 0)
		sqlite3_bind_int64(st, 15, p->mapmax);
	else
		sqlite3_bind_null(st, 15);
	rc = sqlite3_step(st);
	return rc == SQLITE_DONE ? 0 : db_fail(db, "cannot write process figures");
}

/* The live kernel's own figures at this checkpoint, stored as model 'kernel'. */
static int db_kernel(struct db *db, int64_t run, uint32_t ck, const struct replay *rp)
{
	for (uint32_t i = 0; i < rp->nr_kproc; i++) {
		const struct mc_rec_kproc *k = &rp->kproc[i].k;
		struct rp_proc p = {
			.rss = k->rss * 1024,
			.pss = k->pss * 1024,
			.uss = (k->private_clean + k->private_dirty) * 1024,
			.pss_anon = k->pss_anon * 1024,
			.pss_file = k->pss_file * 1024,
			.pss_shmem = k->pss_shmem * 1024,
			.shared = (k->shared_clean + k->shared_dirty) * 1024,
			.anon_huge = k->anon_huge * 1024,
			.mapmax = -1,	/* not in smaps_rollup */
		};

		if (db_proc(db, run, "kernel", ck, rp->kproc[i].name, rp->kproc[i].pid, &p))
			return -1;
	}
	if (rp->have_kmem) {
		const struct mc_rec_kmem *k = &rp->kmem;
		const struct {
			const char *name;
			uint64_t kb;
		} v[] = {
			{ "anon_mapped_pages", k->anon_pages },
			{ "file_mapped_pages", k->mapped },
			{ "anon_thp_pages", k->anon_huge },
			{ "shmem_pages", k->shmem },
			{ "shmem_pmd_mapped_pages", k->shmem_pmd },
			{ "file_pmd_mapped_pages", k->file_pmd },
		};

		for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
			if (db_metric(db, run, "kernel", ck, v[i].name, (double)(v[i].kb / 4)))
				return -1;
	}
	return 0;
}

static int db_checkpoint_rows(struct db *db, int64_t run, const struct db_checkpoint *ck,
			      const struct replay *rp, const struct rp_checkpoint *c)
{
	sqlite3_stmt *st;
	uint64_t mapped = 0;
	int rc;

	for (const struct rp_mm *mm = rp->first; mm; mm = mm->next)
		mapped += mm->sh.pages;
	if (sqlite3_prepare_v2(db->h,
			       "INSERT INTO checkpoints(run_id, checkpoint, label, record, time_ns, "
			       "kind, live_mms, live_folios, mapped_pages) "
			       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			       -1, &st, NULL) != SQLITE_OK)
		return db_fail(db, "cannot write a checkpoint");
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_int64(st, 2, ck->number);
	sqlite3_bind_text(st, 3, ck->label, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (int64_t)ck->record);
	sqlite3_bind_int64(st, 5, (int64_t)ck->time_ns);
	sqlite3_bind_text(st, 6, ck->kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, (int64_t)rp->live_mms);
	sqlite3_bind_int64(st, 8, (int64_t)rp->ft.live);
	sqlite3_bind_int64(st, 9, (int64_t)mapped);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, "cannot write a checkpoint");
	for (unsigned int m = 0; m < c->nr_models; m++)
		for (unsigned int i = 0; i < RP_NR_METRICS; i++)
			if (db_metric(db, run, rp->model[m]->name, ck->number, rp_metric_names[i],
				      c->values[m][i]))
				return -1;
	for (uint32_t n = 0; n < c->nr_mms; n++)
		for (unsigned int m = 0; m < c->nr_models; m++)
			if (db_proc(db, run, rp->model[m]->name, ck->number, c->mm_names[n],
				    c->mm_pids[n], &c->procs[(size_t)n * c->nr_models + m]))
				return -1;
	return db_kernel(db, run, ck->number, rp);
}

struct db_checkpoint_args {
	int64_t run_id;
	const struct db_checkpoint *ck;
	const struct replay *rp;
	const struct rp_checkpoint *c;
};

static int db_checkpoint_tx(struct db *db, const void *arg)
{
	const struct db_checkpoint_args *a = arg;

	return db_checkpoint_rows(db, a->run_id, a->ck, a->rp, a->c);
}

int db_checkpoint(struct db *db, int64_t run_id, const struct db_checkpoint *ck,
		  const struct replay *rp, const struct rp_checkpoint *c)
{
	struct db_checkpoint_args a = { run_id, ck, rp, c };

	/* the whole checkpoint or nothing; a busy database is waited for */
	return db_transaction(db, db_checkpoint_tx, &a);
}
