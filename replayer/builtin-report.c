// SPDX-License-Identifier: GPL-2.0
/* mapcount report: one run of a results database as an aligned table, one row per model. */
#include <getopt.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/builtin.h"
#include "replayer/db.h"

static const char report_usage[] =
	"usage: mapcount report RESULTS [--run ID]\n"
	"\n"
	"Summarise one run of a results database (default: the latest): per model,\n"
	"its divergence from the oracle at the final checkpoint and what it cost.\n"
	"\n"
	"  --run ID   the run to show\n"
	"  --help     this text\n";

/* Columns: header, SQL expression over final_summary s and the oracle's row o. */
static const struct {
	const char *head, *expr;
} report_cols[] = {
	{ "model", "s.model" },
	{ "mapped", "s.folios_mapped" },
	{ "mapcount!=", "s.mapcount_mismatches" },
	{ "false-shared", "s.false_shared" },
	{ "false-excl", "s.false_exclusive" },
	{ "partial-missed", "s.partial_missed" },
	{ "partial-false", "s.partial_false" },
	{ "page-mc-err", "s.page_mapcount_error" },
	{ "AnonPages+-", "s.anon_mapped_pages - o.anon_mapped_pages" },
	{ "Mapped+-", "s.file_mapped_pages - o.file_mapped_pages" },
	{ "cow-wrong", "s.cow_reuse_wrong" },
	{ "atomics", "s.atomic_ops" },
	{ "lines", "s.cachelines_touched" },
	{ "meta-bytes", "s.metadata_bytes" },
	{ "overflows", "s.overflows" },
	{ "violations", "s.violations" },
};
#define REPORT_NR_COLS (sizeof(report_cols) / sizeof(report_cols[0]))
#define REPORT_MAX_ROWS 64

static void cell_text(sqlite3_stmt *st, int i, char *out, size_t len)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		snprintf(out, len, "-");
	else if (sqlite3_column_type(st, i) == SQLITE_TEXT)
		snprintf(out, len, "%s", (const char *)sqlite3_column_text(st, i));
	else
		snprintf(out, len, "%.0f", sqlite3_column_double(st, i));
}

static int report_header(sqlite3 *h, const char *path, sqlite3_int64 run)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(h,
			       "SELECT trace, ifnull(label, ''), records, status, ifnull(error, ''), "
			       "inconsistencies, models, (SELECT count(*) FROM checkpoints c "
			       "WHERE c.run_id = r.run_id), ifnull(seconds, 0) "
			       "FROM runs r WHERE run_id = ?",
			       -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", path, sqlite3_errmsg(h));
		return 1;
	}
	sqlite3_bind_int64(st, 1, run);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		fprintf(stderr, "%s: no run %lld\n", path, (long long)run);
		sqlite3_finalize(st);
		return 1;
	}
	printf("run %lld: %s%s%s\n", (long long)run, sqlite3_column_text(st, 0),
	       *sqlite3_column_text(st, 1) ? " label " : "", sqlite3_column_text(st, 1));
	printf("  %lld records, %d checkpoints, %lld inconsistencies, %.2f s, status %s%s%s\n",
	       (long long)sqlite3_column_int64(st, 2), sqlite3_column_int(st, 7),
	       (long long)sqlite3_column_int64(st, 5), sqlite3_column_double(st, 8),
	       sqlite3_column_text(st, 3), *sqlite3_column_text(st, 4) ? ": " : "",
	       sqlite3_column_text(st, 4));
	sqlite3_finalize(st);
	printf("  final checkpoint, every model against the oracle (+- columns: model - oracle)\n\n");
	return 0;
}

static int report_table(sqlite3 *h, const char *path, sqlite3_int64 run)
{
	static char cells[REPORT_MAX_ROWS + 1][REPORT_NR_COLS][32];
	size_t width[REPORT_NR_COLS];
	char sql[2048];
	size_t at = 0;
	sqlite3_stmt *st;
	int rows = 1;

	at += (size_t)snprintf(sql + at, sizeof(sql) - at, "SELECT ");
	for (size_t i = 0; i < REPORT_NR_COLS; i++)
		at += (size_t)snprintf(sql + at, sizeof(sql) - at, "%s%s", i ? ", " : "",
				       report_cols[i].expr);
	snprintf(sql + at, sizeof(sql) - at,
		 " FROM final_summary s LEFT JOIN final_summary o ON o.run_id = s.run_id "
		 "AND o.model = 'oracle' WHERE s.run_id = ? ORDER BY s.model <> 'oracle', "
		 "instr((SELECT models FROM runs r WHERE r.run_id = s.run_id), s.model), s.model");
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", path, sqlite3_errmsg(h));
		return 1;
	}
	sqlite3_bind_int64(st, 1, run);
	for (size_t i = 0; i < REPORT_NR_COLS; i++)
		snprintf(cells[0][i], sizeof(cells[0][i]), "%s", report_cols[i].head);
	while (rows <= REPORT_MAX_ROWS && sqlite3_step(st) == SQLITE_ROW) {
		for (size_t i = 0; i < REPORT_NR_COLS; i++)
			cell_text(st, (int)i, cells[rows][i], sizeof(cells[rows][i]));
		rows++;
	}
	sqlite3_finalize(st);
	if (rows == 1) {
		fprintf(stderr, "%s: run %lld has no final checkpoint\n", path, (long long)run);
		return 1;
	}
	for (size_t i = 0; i < REPORT_NR_COLS; i++) {
		width[i] = 0;
		for (int r = 0; r < rows; r++)
			if (strlen(cells[r][i]) > width[i])
				width[i] = strlen(cells[r][i]);
	}
	for (int r = 0; r < rows; r++) {
		for (size_t i = 0; i < REPORT_NR_COLS; i++)
			printf(i ? "  %*s" : "%-*s", (int)width[i], cells[r][i]);
		printf("\n");
	}
	return 0;
}

int cmd_report(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "run", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	sqlite3_int64 run = 0;
	struct db *db;
	sqlite3 *h;
	char err[1024];
	int c, rc;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		char *end;

		switch (c) {
		case 'r':
			run = strtoll(optarg, &end, 10);
			if (*end || run <= 0) {
				fprintf(stderr, "mapcount report: --run wants a run id, not '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'h':
			fputs(report_usage, stdout);
			return 0;
		default:
			fputs(report_usage, stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "mapcount report: %s\n%s",
			optind >= argc ? "no results database given" : "one database at a time",
			report_usage);
		return 2;
	}
	db = db_open_readonly(argv[optind], err, sizeof(err));
	if (!db) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	h = db_handle(db);
	if (!run) {
		sqlite3_stmt *st;

		if (sqlite3_prepare_v2(h, "SELECT max(run_id) FROM runs", -1, &st, NULL) ==
			    SQLITE_OK &&
		    sqlite3_step(st) == SQLITE_ROW)
			run = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		if (!run) {
			fprintf(stderr, "%s: no runs yet\n", argv[optind]);
			db_close(db);
			return 1;
		}
	}
	rc = report_header(h, argv[optind], run) || report_table(h, argv[optind], run);
	db_close(db);
	return rc;
}
