// SPDX-License-Identifier: GPL-2.0
/* mapcount replay: traces through the models into a results database. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "lib/builtin.h"
#include "replayer/bench-trace.h"
#include "replayer/db.h"
#include "replayer/metrics.h"
#include "replayer/model-set.h"
#include "replayer/progress.h"
#include "replayer/readahead.h"
#include "replayer/replay.h"

static const char replay_usage[] =
	"usage: mapcount replay TRACE... --db RESULTS [options]\n"
	"\n"
	"Replay each trace through the models (the oracle always included) and append\n"
	"one run per trace to the SQLite database RESULTS; print each run id.\n"
	"\n"
	"  --db RESULTS           results database (created if missing, never truncated)\n"
	"  --models all|LIST      comma list of model names; a name with '/' or ending\n"
	"                         in .so is a plugin (default: all built-in models)\n"
	"  --checkpoint-every N   also checkpoint every N records\n"
	"  --label TEXT           stored with the run(s)\n"
	"  --help                 this text\n";

struct replay_opts {
	const char *db;
	const char *models;
	const char *label;
	uint64_t every;
	bool stats;	/* MAPCOUNT_REPLAY_STATS: speed and memory on stderr (bench) */
	bool decode_only;	/* hidden --decode-only: read the records, replay nothing */
};

struct replay_job {
	const struct replay_opts *o;
	struct db *db;
	struct model_set *ms;
	struct replay rp;
	struct rp_checkpoint ck;
	int64_t run;
	uint32_t nck;
};

static int take_checkpoint(struct replay_job *j, const char *label, const char *kind,
			   uint64_t time_ns, char *err, size_t errlen)
{
	struct db_checkpoint ck = {
		.number = ++j->nck,
		.label = label,
		.kind = kind,
		.record = j->rp.recno,
		.time_ns = time_ns,
	};

	if (rp_checkpoint_compute(&j->rp, &j->ck)) {
		snprintf(err, errlen, "out of memory at a checkpoint");
		return -1;
	}
	if (db_checkpoint(j->db, j->run, &ck, &j->rp, &j->ck)) {
		snprintf(err, errlen, "%s", db_error(j->db));
		return -1;
	}
	rp_kernel_clear(&j->rp);
	return 0;
}

/* Replay one trace into one run. 0 ok, 1 the trace (or the database) failed. */
static int replay_trace(struct replay_job *j, const char *path)
{
	char err[1024] = "", err2[1024], label[64];
	struct mc_reader *r = mc_reader_open(path, err, sizeof(err));
	struct db_run run = { .trace = path, .label = j->o->label, .models = j->ms->names };
	struct db_run_end end = { 0 };
	const struct mc_record *rec = NULL;
	struct readahead ra;
	struct progress pr;
	const char *fail = NULL;
	uint64_t now_ns = 0;
	double t0 = progress_now();
	int rc;

	if (!r) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (rp_init(&j->rp, j->ms->models, j->ms->nr, path, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", path, err);
		mc_reader_close(r);
		return 1;
	}
	run.hdr = mc_reader_header(r);
	j->run = db_run_begin(j->db, &run);
	if (j->run < 0) {
		fprintf(stderr, "%s\n", db_error(j->db));
		goto out;
	}
	ra_start(&ra, r, &j->rp);
	j->nck = 0;
	progress_start(&pr, path);
	while ((rc = ra_next(&ra, &rec)) > 0) {
		int x = rp_record(&j->rp, rec);

		now_ns = rec->time;
		if (x < 0) {
			snprintf(err, sizeof(err), "%s: record %llu: out of memory", path,
				 (unsigned long long)j->rp.recno);
			fail = err;
			break;
		}
		if (x > 0) {
			const struct mc_str *l = &rec->u.checkpoint.label;

			snprintf(label, sizeof(label), "%.*s", (int)(l->len < 63 ? l->len : 63),
				 l->s ? l->s : "");
			if (take_checkpoint(j, label, "trace", now_ns, err, sizeof(err))) {
				fail = err;
				break;
			}
		}
		if (j->o->every && j->rp.recno % j->o->every == 0) {
			snprintf(label, sizeof(label), "every %llu", (unsigned long long)j->o->every);
			if (take_checkpoint(j, label, "every", now_ns, err, sizeof(err))) {
				fail = err;
				break;
			}
		}
		if (progress_due(j->rp.recno))
			progress_update(&pr, j->rp.recno, mc_reader_offset(r), mc_reader_size(r));
	}
	progress_end(&pr);
	if (rc < 0 && !fail) {
		/* the valid prefix is replayed and stored; the run says where it stopped */
		snprintf(err, sizeof(err), "%s", mc_reader_error(r));
		fail = err;
	}
	if (fail)
		fprintf(stderr, "%s\n", fail);
	if (take_checkpoint(j, "end", "end", now_ns, err2, sizeof(err2))) {
		fprintf(stderr, "%s\n", err2);
		fail = fail ? fail : "cannot write the end checkpoint";
	}
	end.records = j->rp.recno;
	end.inconsistencies = j->rp.inconsistencies;
	end.lost_events = j->rp.lost_events;
	end.peak_live_folios = j->rp.ft.peak_live;
	end.seconds = progress_now() - t0;
	end.error = fail;
	end.type_count = j->rp.type_count;
	if (db_run_end(j->db, j->run, &end)) {
		fprintf(stderr, "%s\n", db_error(j->db));
		fail = "db";
	}
	if (j->rp.inconsistencies)
		fprintf(stderr, "%s: %llu inconsistent records skipped\n", path,
			(unsigned long long)j->rp.inconsistencies);
	if (j->o->stats) {
		struct rusage ru;

		getrusage(RUSAGE_SELF, &ru);
		fprintf(stderr,
			"%s: %llu records in %.3f s: %.2f M records/s; peak live folios %llu, "
			"maxrss %ld KiB, %.1f bytes per peak live folio\n",
			path, (unsigned long long)end.records, end.seconds,
			(double)end.records / end.seconds / 1e6,
			(unsigned long long)end.peak_live_folios, ru.ru_maxrss,
			end.peak_live_folios ? ru.ru_maxrss * 1024.0 / (double)end.peak_live_folios
					     : 0.0);
	}
	printf("%lld\n", (long long)j->run);
	fflush(stdout);
out:
	rp_fini(&j->rp);
	mc_reader_close(r);
	return fail || j->run < 0;
}

/* Read every record and do nothing with it: the decode speed the replay is held to. */
#define RP_DECODE_BATCH 64	/* records a read: the reader's fast batch */

static int decode_only(int n, char **paths)
{
	int status = 0;

	for (int i = 0; i < n; i++) {
		char err[1024];
		struct mc_reader *r = mc_reader_open(paths[i], err, sizeof(err));
		static struct mc_record recs_buf[RP_DECODE_BATCH];
		double t0 = progress_now(), dt;
		uint64_t recs = 0;
		int rc;

		if (!r) {
			fprintf(stderr, "%s\n", err);
			status = 1;
			continue;
		}
		while ((rc = mc_reader_read(r, recs_buf, RP_DECODE_BATCH)) > 0)
			recs += (uint64_t)rc;
		dt = progress_now() - t0;
		if (rc < 0) {
			fprintf(stderr, "%s\n", mc_reader_error(r));
			status = 1;
		}
		fprintf(stderr, "%s: %llu records in %.3f s: %.2f M records/s (decode only)\n",
			paths[i], (unsigned long long)recs, dt, (double)recs / dt / 1e6);
		mc_reader_close(r);
	}
	return status;
}

int cmd_replay(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "models", required_argument, NULL, 'm' },
		{ "checkpoint-every", required_argument, NULL, 'e' },
		{ "label", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		/* hidden, for scripts/bench.d/20-replay.sh */
		{ "gen-bench", required_argument, NULL, 'g' },
		{ "decode-only", no_argument, NULL, 'D' },
		{ 0 },
	};
	struct replay_opts o = { .models = "all" };
	unsigned long long gen_bench = 0;
	struct replay_job j = { .o = &o };
	char err[1024];
	int c, status = 0;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		char *end;

		switch (c) {
		case 'd':
			o.db = optarg;
			break;
		case 'm':
			o.models = optarg;
			break;
		case 'l':
			o.label = optarg;
			break;
		case 'e':
			o.every = strtoull(optarg, &end, 0);
			if (*end || !*optarg || optarg[0] == '-' || !o.every) {
				fprintf(stderr, "mapcount replay: --checkpoint-every wants a "
						"positive number, not '%s'\n", optarg);
				return 2;
			}
			break;
		case 'h':
			fputs(replay_usage, stdout);
			return 0;
		case 'g':
			gen_bench = strtoull(optarg, &end, 0);
			if (*end || !gen_bench)
				return 2;
			break;
		case 'D':
			o.decode_only = true;
			break;
		default:
			fputs(replay_usage, stderr);
			return 2;
		}
	}
	if (gen_bench)
		return optind == argc - 1 ? rp_bench_trace(gen_bench, argv[optind]) : 2;
	if (o.decode_only)
		return decode_only(argc - optind, argv + optind);
	if (optind >= argc || !o.db) {
		fprintf(stderr, "mapcount replay: %s\n%s",
			optind >= argc ? "no trace given" : "--db RESULTS is required", replay_usage);
		return 2;
	}
	o.stats = getenv("MAPCOUNT_REPLAY_STATS") != NULL;
	j.ms = model_set_open(o.models, err, sizeof(err));
	if (!j.ms) {
		fprintf(stderr, "mapcount replay: %s\n", err);
		return 1;
	}
	j.db = db_open(o.db, err, sizeof(err));
	if (!j.db) {
		fprintf(stderr, "%s\n", err);
		model_set_close(j.ms);
		return 1;
	}
	for (int i = optind; i < argc; i++)
		status |= replay_trace(&j, argv[i]);
	rp_checkpoint_free(&j.ck);
	db_close(j.db);
	model_set_close(j.ms);
	return status;
}
