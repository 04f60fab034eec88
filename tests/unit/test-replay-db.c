// SPDX-License-Identifier: GPL-2.0
/*
 * Replay into SQLite through the command itself: inconsistent records
 * (counted, reported with their record number, skipped), kernel-truth records
 * stored as model 'kernel', --checkpoint-every, the embedded schema, schema
 * versions, usage errors.
 */
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/model.h"
#include "lib/builtin.h"
#include "lib/trace.h"
#include "replayer/db.h"
#include "tests/tap.h"

static char dir[] = "/tmp/mapcount-test-replay-db-XXXXXX";
static char trace[256], dbpath[256], errpath[256];

static struct mc_writer *w;

static void put(struct mc_record r)
{
	if (mc_writer_put(w, &r))
		tap_diag("put: %s", mc_writer_error(w));
}

#define REC(T, f, ...) put((struct mc_record){ .type = MC_REC_##T, .u.f = { __VA_ARGS__ } })

static void write_trace(void)
{
	struct mc_rec_header hdr;
	char err[256];

	mc_header_init(&hdr, "scenario");
	w = mc_writer_open(trace, &hdr, MC_W_FORCE, err, sizeof(err));
	if (!w)
		tap_diag("writer: %s", err);
	REC(MM, mm, .mm = 1, .pid = 42, .name = { "42/a.out", 8 });	/* 1 */
	REC(FOLIO, folio, .pfn = 0x1000, .order = 0, .kind = MC_KIND_ANON);	/* 2 */
	REC(MAP, map, .mm = 1, .vpn = 0x10, .pfn = 0x1000, .nr = 1,
	    .lf = MC_LF_NEW_ANON | MC_LF_EXCLUSIVE);				/* 3 */
	REC(MAP, map, .mm = 1, .vpn = 0x10, .pfn = 0x1000, .nr = 1);	/* 4: over a mapped VPN */
	REC(UNMAP, unmap, .mm = 1, .vpn = 0x20, .pfn = 0x1000, .nr = 1);	/* 5: not mapped */
	REC(FREE, free, .pfn = 0x1000);					/* 6: still mapped */
	REC(MAP, map, .mm = 1, .vpn = 0x30, .pfn = 0x9999, .nr = 1);	/* 7: unknown folio */
	REC(FOLIO, folio, .pfn = 0x1000, .order = 0, .kind = MC_KIND_FILE);	/* 8: mapped */
	REC(REMAP, remap, .mm = 1, .vpn = 0x10, .pfn = 0x1000, .lf = 1);	/* 9: not a PMD */
	REC(SPLIT, split, .pfn = 0x1000, .order = 0);			/* 10: order 0 */
	REC(KPROC, kproc, .mm = 1, .rss = 4, .pss = 4, .private_dirty = 4);	/* 11 */
	REC(KMEM, kmem, .anon_pages = 400, .mapped = 40);			/* 12 */
	REC(CHECKPOINT, checkpoint, .label = { "one", 3 });			/* 13 */
	REC(UNMAP, unmap, .mm = 1, .vpn = 0x10, .pfn = 0x1000, .nr = 1);	/* 14 */
	REC(FREE, free, .pfn = 0x1000);					/* 15 */
	REC(NOTE, note, .text = { "hello", 5 });				/* 16 */
	if (mc_writer_close(w))
		tap_diag("writer close failed");
}

static int run(char **argv)
{
	int argc = 0, rc, fd, saved_out, saved_err;

	while (argv[argc])
		argc++;
	fflush(stdout);
	fflush(stderr);
	saved_out = dup(1);
	saved_err = dup(2);
	fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	dup2(fd, 2);
	dup2(fd, 1);
	close(fd);
	optind = 0;	/* getopt restarts */
	rc = cmd_replay(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(saved_out);
	close(saved_err);
	return rc;
}

static double qd(sqlite3 *h, const char *sql)
{
	sqlite3_stmt *st;
	double v = -12345;

	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK) {
		tap_diag("%s: %s", sql, sqlite3_errmsg(h));
		return v;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_double(st, 0);
	sqlite3_finalize(st);
	return v;
}

static bool qs_is(sqlite3 *h, const char *sql, const char *want)
{
	sqlite3_stmt *st;
	bool same = false;

	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
		return false;
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *got = (const char *)sqlite3_column_text(st, 0);

		same = got && !strcmp(got, want);
		if (!same)
			tap_diag("got '%s', want '%s'", got ? got : "(null)", want);
	}
	sqlite3_finalize(st);
	return same;
}

static bool file_has(const char *path, const char *needle)
{
	char buf[8192];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	if (f)
		fclose(f);
	buf[n] = 0;
	return strstr(buf, needle) != NULL;
}

static void test_replay(void)
{
	char *argv[] = { "replay", trace, "--db", dbpath, "--checkpoint-every", "5",
			 "--label", "unit", NULL };
	sqlite3 *h;

	write_trace();
	is_int(run(argv), 0, "replay with inconsistent records exits 0");
	ok(file_has(errpath, "record 4: map over mapped VPN 0x10"), "record 4 reported");
	ok(file_has(errpath, "record 5: unmap of 1 pages at VPN 0x20"), "record 5 reported");
	ok(file_has(errpath, "record 6: free of folio at PFN 0x1000, which 1 entries still map"),
	   "record 6 reported");
	ok(file_has(errpath, "record 7: map of unknown folio at PFN 0x9999"), "record 7 reported");
	ok(file_has(errpath, "record 8: new folio at PFN 0x1000 over mapped folio at PFN 0x1000"),
	   "record 8 reported");
	ok(file_has(errpath, "record 9: remap of VPN 0x10, which is not a PMD mapping"),
	   "record 9 reported");
	ok(file_has(errpath, "record 10: split of a folio of lower or equal order"),
	   "record 10 reported");
	ok(file_has(errpath, "7 inconsistent records skipped"), "summary line");
	if (sqlite3_open(dbpath, &h) != SQLITE_OK)
		return;
	is_int(qd(h, "SELECT inconsistencies FROM runs"), 7, "runs.inconsistencies");
	is_int(qd(h, "SELECT records FROM runs"), 16, "runs.records");
	is_int(qd(h, "SELECT count(*) FROM runs WHERE label = 'unit' AND status = 'ok' AND "
		     "source = 'scenario'"),
	       1, "label, status and source stored");
	/* every 5 records: 5, 10, 15; the trace's at 13; end at 16 */
	is_int(qd(h, "SELECT count(*) FROM checkpoints"), 5, "five checkpoints");
	ok(qs_is(h, "SELECT group_concat(record, ',') FROM (SELECT record FROM checkpoints "
		    "ORDER BY checkpoint)", "5,10,13,15,16"),
	   "at records 5, 10, 13 (the trace's), 15 and 16 (end)");
	is_int(qd(h, "SELECT checkpoint FROM checkpoints WHERE label = 'one'"), 3,
	       "the trace's checkpoint is number 3");
	is_int(qd(h, "SELECT checkpoint FROM checkpoints WHERE label = 'end' AND record = 16"), 5,
	       "end is last");
	is_int(qd(h, "SELECT value FROM metrics WHERE model = 'oracle' AND checkpoint = 3 AND "
		     "name = 'inconsistencies'"),
	       7, "inconsistencies metric at checkpoint 3");
	is_int(qd(h, "SELECT value FROM metrics WHERE model = 'oracle' AND checkpoint = 1 AND "
		     "name = 'inconsistencies'"),
	       2, "and 2 at record 5");
	is_int(qd(h, "SELECT value FROM metrics WHERE model = 'kernel' AND checkpoint = 3 AND "
		     "name = 'anon_mapped_pages'"),
	       100, "kernel AnonPages 400 kB = 100 pages");
	is_int(qd(h, "SELECT count(*) FROM metrics WHERE model = 'kernel' AND checkpoint <> 3"), 0,
	       "kernel figures only at their checkpoint");
	is_int(qd(h, "SELECT rss_bytes FROM process_metrics WHERE model = 'kernel' AND "
		     "mm = '42/a.out' AND pid = 42"),
	       4096, "kernel smaps_rollup stored under PID/COMM");
	is_int(qd(h, "SELECT uss_bytes FROM process_metrics WHERE model = 'kernel'"), 4096,
	       "kernel USS = Private_Dirty");
	is_int(qd(h, "SELECT pss_bytes FROM process_metrics WHERE model = 'oracle' AND "
		     "checkpoint = 3 AND mm = '42/a.out'"),
	       4096, "oracle PSS beside it");
	is_int(qd(h, "SELECT value FROM metrics WHERE model = 'oracle' AND checkpoint = 5 AND "
		     "name = 'folios_live'"),
	       0, "the folio is freed at the end");
	is_int(qd(h, "PRAGMA user_version"), MC_RESULTS_SCHEMA_VERSION, "schema version stored");
	ok(qs_is(h, "PRAGMA journal_mode", "wal"), "WAL mode");
	sqlite3_exec(h, "PRAGMA user_version = 99", NULL, NULL, NULL);
	sqlite3_close(h);
	is_int(run(argv), 1, "a database from a newer mapcount is refused");
	ok(file_has(errpath, "results schema version 99 is newer"), "and says so");
}

static void test_schema_embedded(void)
{
	char path[512], *buf;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/schemas/results.sql", getenv("SRCDIR") ?: ".");
	f = fopen(path, "r");
	if (!f) {
		ok(0, "schemas/results.sql readable (run from the source tree)");
		return;
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	if (fread(buf, 1, (size_t)n, f) != (size_t)n)
		n = -1;
	fclose(f);
	ok(n > 0 && !strcmp(buf, mc_results_sql),
	   "the embedded schema is schemas/results.sql (else: make clean)");
	free(buf);
}

static void test_usage(void)
{
	char *noargs[] = { "replay", NULL };
	char *nodb[] = { "replay", trace, NULL };
	char *badevery[] = { "replay", trace, "--db", dbpath, "--checkpoint-every", "x", NULL };
	char *badmodel[] = { "replay", trace, "--db", dbpath, "--models", "nosuch", NULL };
	char *help[] = { "replay", "--help", NULL };

	is_int(run(noargs), 2, "no trace: usage error");
	is_int(run(nodb), 2, "no --db: usage error");
	is_int(run(badevery), 2, "bad --checkpoint-every: usage error");
	is_int(run(badmodel), 1, "unknown model: exit 1");
	ok(file_has(errpath, "nosuch"), "naming the model");
	is_int(run(help), 0, "--help exits 0");
	ok(file_has(errpath, "usage: mapcount replay"), "and prints the usage");
}

int main(void)
{
	if (!mkdtemp(dir))
		tap_plan_skip_all("no temporary directory");
	snprintf(trace, sizeof(trace), "%s/t.trace", dir);
	snprintf(dbpath, sizeof(dbpath), "%s/r.db", dir);
	snprintf(errpath, sizeof(errpath), "%s/err", dir);
	test_schema_embedded();
	test_replay();
	test_usage();
	unlink(trace);
	unlink(errpath);
	unlink(dbpath);
	{
		char p[300];

		snprintf(p, sizeof(p), "%s-wal", dbpath);
		unlink(p);
		snprintf(p, sizeof(p), "%s-shm", dbpath);
		unlink(p);
	}
	rmdir(dir);
	return tap_done();
}
