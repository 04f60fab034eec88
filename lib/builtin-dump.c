// SPDX-License-Identifier: GPL-2.0
/* mapcount dump: every record of a trace as one line of text. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/builtin.h"
#include "lib/trace-doc.h"
#include "lib/trace.h"

static const char dump_usage[] =
	"usage: mapcount dump TRACE [--limit N]\n"
	"\n"
	"Print the records of TRACE (- for stdin), one a line:\n"
	"  #<number> <TYPE> field=value ...\n"
	"#0 is the header. Numbers are decimal, PFNs and VPNs 0x hex, strings quoted\n"
	"with \\\" \\\\ and \\xNN escapes. The fields are in schemas/trace-format.md.\n"
	"\n"
	"  -n, --limit N   stop after N records (after the header)\n"
	"  -h, --help      this text\n";

static void print_record(unsigned long long nr, const struct mc_record *rec, char *line,
			 size_t cap)
{
	size_t n = (size_t)mc_record_format(line, cap, rec);
	char *big;

	if (n >= cap && (big = malloc(n + 1))) {
		/* a long string: format it whole */
		mc_record_format(big, n + 1, rec);
		printf("#%llu %s\n", nr, big);
		free(big);
		return;
	}
	printf("#%llu %s\n", nr, line);
}

int cmd_dump(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "limit", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ "format-doc", no_argument, NULL, 'D' },	/* hidden: schemas/trace-format.md */
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long limit = ~0ull, nr = 0;
	struct mc_record rec;
	struct mc_reader *r;
	char err[512], *end, line[1 << 16];
	int c, ret;

	while ((c = getopt_long(argc, argv, "n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			limit = strtoull(optarg, &end, 10);
			if (*end || !*optarg || optarg[0] == '-') {
				fprintf(stderr, "mapcount dump: --limit wants a number, not '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'h':
			fputs(dump_usage, stdout);
			return 0;
		case 'D':
			mc_trace_format_doc(stdout);
			return 0;
		default:
			fputs(dump_usage, stderr);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "mapcount dump: expects one TRACE\n\n%s", dump_usage);
		return 2;
	}
	r = mc_reader_open(argv[optind], err, sizeof(err));
	if (!r) {
		fprintf(stderr, "mapcount dump: %s\n", err);
		return 1;
	}
	rec.type = MC_REC_HEADER;
	rec.u.header = *mc_reader_header(r);
	print_record(0, &rec, line, sizeof(line));
	while (nr < limit && mc_reader_next(r, &rec) == 1)
		print_record(++nr, &rec, line, sizeof(line));
	ret = nr < limit && mc_reader_error(r) ? 1 : 0;
	if (ret) {
		fflush(stdout);
		fprintf(stderr, "mapcount dump: %s\n", mc_reader_error(r));
	}
	mc_reader_close(r);
	if (fflush(stdout)) {
		perror("mapcount dump: stdout");
		return 1;
	}
	return ret;
}
