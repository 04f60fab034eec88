// SPDX-License-Identifier: GPL-2.0
/* mapcount info: what a trace holds, at a glance. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lib/builtin.h"
#include "lib/trace.h"

static const char info_usage[] =
	"usage: mapcount info TRACE\n"
	"\n"
	"Summarise TRACE (- for stdin): header, record counts per type, mms, folios,\n"
	"time span, lost events, frames and size. A damaged trace is summarised up\n"
	"to the damage, then the error is printed and the exit status is 1.\n"
	"\n"
	"  -h, --help   this text\n";

struct info_counts {
	uint64_t per_type[256];
	uint64_t records, lost_events, lost_unknown;
	uint32_t max_mm;
	uint64_t first_time, last_time;
};

static void print_str(const char *label, struct mc_str s)
{
	printf("%-13s", label);
	for (uint32_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.s[i];

		if (c == '\n')
			printf("\n%-13s", "");
		else
			putchar(c >= 0x20 && c < 0x7f ? c : '?');
	}
	putchar('\n');
}

static void print_header(const char *path, const struct mc_rec_header *h)
{
	char when[64] = "unknown";
	time_t t = (time_t)(h->start_ns / 1000000000ull);
	struct tm tm;

	if (h->start_ns && gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	printf("%-13s%s\n", "trace:", path);
	printf("%-13sversion %llu, page shift %llu, PMD order %llu, PUD order %llu\n", "format:",
	       (unsigned long long)h->version, (unsigned long long)h->page_shift,
	       (unsigned long long)h->pmd_order, (unsigned long long)h->pud_order);
	print_str("source:", h->source);
	print_str("kernel:", h->kernel);
	print_str("host:", h->host);
	print_str("clock:", h->clock);
	printf("%-13s%s\n", "start:", when);
	printf("%-13s0x%llx%s%s%s\n", "flags:", (unsigned long long)h->flags,
	       h->flags & MC_HDR_PAGE_MAPCOUNT ? " PAGE_MAPCOUNT" : "",
	       h->flags & MC_HDR_NO_PAGE_MAPCOUNT ? " NO_PAGE_MAPCOUNT" : "",
	       h->flags & MC_HDR_MM_ID ? " MM_ID" : "");
	if (h->extra.len)
		print_str("extra:", h->extra);
}

static void count(struct info_counts *c, const struct mc_record *rec)
{
	if (!c->records++)
		c->first_time = rec->time;
	c->last_time = rec->time;
	c->per_type[rec->type]++;
	if (rec->type == MC_REC_MM && rec->u.mm.mm > c->max_mm)
		c->max_mm = rec->u.mm.mm;
	if (rec->type == MC_REC_LOST) {
		c->lost_events += rec->u.lost.count;
		c->lost_unknown += !rec->u.lost.count;
	}
}

static void print_counts(const struct info_counts *c, const struct mc_reader *r)
{
	uint64_t bytes = mc_reader_offset(r);
	double span = (double)(c->last_time - c->first_time) / 1e9;

	printf("%-13s%llu\n", "records:", (unsigned long long)c->records);
	for (unsigned int t = 0; t < 256; t++)
		if (c->per_type[t])
			printf("  %-11s%llu\n", mc_record_name(t),
			       (unsigned long long)c->per_type[t]);
	printf("%-13s%llu MM records, highest id %u; %llu exits, %llu execs\n", "mms:",
	       (unsigned long long)c->per_type[MC_REC_MM], c->max_mm,
	       (unsigned long long)c->per_type[MC_REC_EXIT],
	       (unsigned long long)c->per_type[MC_REC_EXEC]);
	printf("%-13s%llu declared, %llu split, %llu freed\n", "folios:",
	       (unsigned long long)c->per_type[MC_REC_FOLIO],
	       (unsigned long long)c->per_type[MC_REC_SPLIT],
	       (unsigned long long)c->per_type[MC_REC_FREE]);
	printf("%-13s%llu\n", "checkpoints:", (unsigned long long)c->per_type[MC_REC_CHECKPOINT]);
	printf("%-13s%.9f s (%llu to %llu ns)\n", "time span:", span,
	       (unsigned long long)c->first_time, (unsigned long long)c->last_time);
	printf("%-13s%llu LOST records: %llu events%s\n", "lost:",
	       (unsigned long long)c->per_type[MC_REC_LOST], (unsigned long long)c->lost_events,
	       c->lost_unknown ? " and some of unknown number" : "");
	printf("%-13s%llu (including the header frame)\n", "frames:",
	       (unsigned long long)mc_reader_frame(r));
	printf("%-13s%llu bytes read", "size:", (unsigned long long)bytes);
	if (c->records)
		printf(", %.2f bytes/record", (double)bytes / (double)c->records);
	printf("\n");
}

int cmd_info(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct info_counts counts;
	struct mc_record rec;
	struct mc_reader *r;
	char err[512];
	int c, ret;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(info_usage, stdout);
			return 0;
		}
		fputs(info_usage, stderr);
		return 2;
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "mapcount info: expects one TRACE\n\n%s", info_usage);
		return 2;
	}
	r = mc_reader_open(argv[optind], err, sizeof(err));
	if (!r) {
		fprintf(stderr, "mapcount info: %s\n", err);
		return 1;
	}
	print_header(argv[optind], mc_reader_header(r));
	while ((ret = mc_reader_next(r, &rec)) == 1)
		count(&counts, &rec);
	print_counts(&counts, r);
	if (ret < 0) {
		fflush(stdout);
		fprintf(stderr, "mapcount info: %s\n", mc_reader_error(r));
	}
	mc_reader_close(r);
	return ret < 0 ? 1 : 0;
}
