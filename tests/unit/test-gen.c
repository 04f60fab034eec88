// SPDX-License-Identifier: GPL-2.0
/*
 * The scenario compiler: the records of every statement, and every error it
 * must report (file:line: message).
 */
#include <stdlib.h>
#include <string.h>

#include "lib/scenario.h"
#include "tests/tap.h"

static char out[1 << 16];
static size_t out_len;

static int capture(void *ctx, const struct mc_record *rec)
{
	out_len += (size_t)mc_record_format(out + out_len, sizeof(out) - out_len, rec);
	out_len += (size_t)snprintf(out + out_len, sizeof(out) - out_len, "\n");
	return 0;
}

/* Compiles text; returns 0 or -1 with the message in err. */
static int compile(const char *text, char *err, size_t errlen)
{
	FILE *in = fmemopen((void *)text, strlen(text), "r");
	int ret;

	out_len = 0;
	out[0] = 0;
	ret = mc_scenario_compile(in, "t.scn", capture, NULL, err, errlen);
	fclose(in);
	return ret;
}

static void records_are(const char *text, const char *want, const char *what)
{
	char err[512] = "";
	int ret = compile(text, err, sizeof(err));

	if (!ok(!ret && !strcmp(out, want), "%s", what)) {
		tap_diag("error: %s", err);
		tap_diag("got:\n%s", out);
		tap_diag("want:\n%s", want);
	}
}

static void error_is(const char *text, const char *want, const char *what)
{
	char err[512] = "";
	int ret = compile(text, err, sizeof(err));

	if (!ok(ret == -1 && strstr(err, want), "%s", what))
		tap_diag("got '%s', want '%s'", ret ? err : "no error", want);
}

static void test_statements(void)
{
	records_are("folio a anon 0\nfolio t file 9\nfolio g shmem 18\nfolio b anon 2\n",
		    "FOLIO pfn=0x100000 order=0 kind=0\n"
		    "FOLIO pfn=0x100200 order=9 kind=1\n"
		    "FOLIO pfn=0x140000 order=18 kind=2\n"
		    "FOLIO pfn=0x180000 order=2 kind=0\n",
		    "folio: PFNs from 0x100000, aligned to the folio size, never reused");
	records_are("folio f anon 4 # comment\n\n  # only a comment\nmap A f pte 2 3\nmap A f pte 8 1\n",
		    "FOLIO pfn=0x100000 order=4 kind=0\n"
		    "MM mm=1 pid=0 flags=0 name=\"A\"\n"
		    "MAP mm=1 vpn=0x100002 pfn=0x100000 first=2 nr=3 lf=12\n"
		    "MAP mm=1 vpn=0x100008 pfn=0x100000 first=8 nr=1 lf=0\n",
		    "map pte: MM before first use; first map of anon is NEW_ANON|EXCLUSIVE");
	records_are("folio f file 10\nmap A f pmd\nmap B f pmd 1\nunmap A f pmd 0\nunmap B f pmd 1\n",
		    "FOLIO pfn=0x100000 order=10 kind=1\n"
		    "MM mm=1 pid=0 flags=0 name=\"A\"\n"
		    "MAP mm=1 vpn=0x100000 pfn=0x100000 first=0 nr=512 lf=1\n"
		    "MM mm=2 pid=0 flags=0 name=\"B\"\n"
		    "MAP mm=2 vpn=0x100200 pfn=0x100000 first=512 nr=512 lf=1\n"
		    "UNMAP mm=1 vpn=0x100000 pfn=0x100000 nr=512 lf=1\n"
		    "UNMAP mm=2 vpn=0x100200 pfn=0x100000 nr=512 lf=1\n",
		    "map/unmap pmd K of a file folio");
	records_are("folio g anon 18\nmap A g pud\nunmap A g pud\n",
		    "FOLIO pfn=0x100000 order=18 kind=0\n"
		    "MM mm=1 pid=0 flags=0 name=\"A\"\n"
		    "MAP mm=1 vpn=0x100000 pfn=0x100000 first=0 nr=262144 lf=14\n"
		    "UNMAP mm=1 vpn=0x100000 pfn=0x100000 nr=262144 lf=2\n",
		    "map/unmap pud");
	records_are("folio t anon 9\nmap A t pmd\nfork A B\nremap B t\nunmap B t pte 0 512\n"
		    "unmap A t pmd\n",
		    "FOLIO pfn=0x100000 order=9 kind=0\n"
		    "MM mm=1 pid=0 flags=0 name=\"A\"\n"
		    "MAP mm=1 vpn=0x100000 pfn=0x100000 first=0 nr=512 lf=13\n"
		    "MM mm=2 pid=0 flags=0 name=\"B\"\n"
		    "FORK parent=1 child=2 flags=1\n"
		    "REMAP mm=2 vpn=0x100000 pfn=0x100000 lf=1\n"
		    "UNMAP mm=2 vpn=0x100000 pfn=0x100000 nr=512 lf=0\n"
		    "UNMAP mm=1 vpn=0x100000 pfn=0x100000 nr=512 lf=1\n",
		    "fork copies the PMD; remap turns it into PTEs");
	records_are("folio f anon 0\nmap A f pte 0 1\nexec A\nmap A f pte 0 1\nexit A\nfree f\n",
		    "FOLIO pfn=0x100000 order=0 kind=0\n"
		    "MM mm=1 pid=0 flags=0 name=\"A\"\n"
		    "MAP mm=1 vpn=0x100000 pfn=0x100000 first=0 nr=1 lf=12\n"
		    "EXEC mm=1 name=\"\"\n"
		    "MAP mm=1 vpn=0x100000 pfn=0x100000 first=0 nr=1 lf=0\n"
		    "EXIT mm=1\n"
		    "FREE pfn=0x100000\n",
		    "exec empties the mm, exit ends it; only the first map is NEW_ANON");
	records_are("folio f anon 4\nmap A f pte 0 16\nsplit f 2\nunmap A f.1 pte 0 4\n"
		    "unmap A f.3 pte 3 1\nsplit f.0\nfree f.1\nunmap A f.0.2 pte 0 1\n",
		    "FOLIO pfn=0x100000 order=4 kind=0\n"
		    "MM mm=1 pid=0 flags=0 name=\"A\"\n"
		    "MAP mm=1 vpn=0x100000 pfn=0x100000 first=0 nr=16 lf=12\n"
		    "SPLIT pfn=0x100000 order=2\n"
		    "UNMAP mm=1 vpn=0x100004 pfn=0x100004 nr=4 lf=0\n"
		    "UNMAP mm=1 vpn=0x10000f pfn=0x10000c nr=1 lf=0\n"
		    "SPLIT pfn=0x100000 order=0\n"
		    "FREE pfn=0x100004\n"
		    "UNMAP mm=1 vpn=0x100002 pfn=0x100002 nr=1 lf=0\n",
		    "split names the parts F.0, F.1 ...; mappings stay with them");
	records_are("checkpoint\ncheckpoint mine\ncheckpoint\n",
		    "CHECKPOINT label=\"cp1\" flags=0 span_ns=0\n"
		    "CHECKPOINT label=\"mine\" flags=0 span_ns=0\n"
		    "CHECKPOINT label=\"cp3\" flags=0 span_ns=0\n",
		    "checkpoint labels default to cpN");
	records_are("folio f anon 0x9\nmap A f pmd 0x0\n",
		    "FOLIO pfn=0x100000 order=9 kind=0\n"
		    "MM mm=1 pid=0 flags=0 name=\"A\"\n"
		    "MAP mm=1 vpn=0x100000 pfn=0x100000 first=0 nr=512 lf=13\n",
		    "hex numbers");
}

static void test_errors(void)
{
	error_is("frob x\n", "t.scn:1: unknown statement 'frob'", "unknown statement");
	error_is("folio f anon\n", "t.scn:1: missing arguments to 'folio'", "missing argument");
	error_is("folio f anon 1 2\n", "too many arguments to 'folio'", "too many arguments");
	error_is("folio f anon x1\n", "bad number 'x1'", "bad number");
	error_is("folio f anon 09\n", "bad number '09'", "leading zero refused");
	error_is("folio f anon 0x\n", "bad number '0x'", "bare 0x");
	error_is("folio f anon 19\n", "folio order 19 is above 18", "order too large");
	error_is("folio 1f anon 0\n", "bad folio name '1f'", "bad folio name");
	error_is("folio f anon 0\nmap 9A f pte 0 1\n", "t.scn:2: bad mm name '9A'", "bad mm name");
	error_is("folio f blob 0\n", "unknown folio kind 'blob'", "unknown kind");
	error_is("folio f anon 0\nfolio f file 0\n", "t.scn:2: folio f already declared at line 1",
		 "duplicate folio");
	error_is("map A g pte 0 1\n", "unknown folio 'g'", "unknown folio");
	error_is("folio f anon 2\nmap A f pte 2 3\n",
		 "pages 2..4 are past the end of folio f (4 pages)", "map past the end");
	error_is("folio f anon 2\nmap A f pte 4 1\n", "past the end of folio f", "first past end");
	error_is("folio f anon 2\nmap A f pte 0 0\n", "NR must be at least 1", "NR 0");
	error_is("folio f anon 8\nmap A f pmd\n",
		 "folio f has order 8; a PMD maps a folio of order 9 or more", "pmd on order < 9");
	error_is("folio f anon 10\nmap A f pmd 2\n",
		 "PMD 2 is out of range: folio f has 2 PMDs", "pmd K out of range");
	error_is("folio f anon 17\nmap A f pud\n", "folio f has order 17; a PUD maps an order-18",
		 "pud on order != 18");
	error_is("folio f anon 2\nmap A f pxx 0 1\n", "unknown level 'pxx'", "unknown level");
	error_is("folio f anon 9\nmap A f pte 0 1\nmap A f pmd\n",
		 "t.scn:3: mm A already maps page 0 of folio f (by a pte)", "map of a mapped page");
	error_is("folio f anon 2\nunmap A f pte 0 1\n", "unmap: mm A does not map page 0 of folio f",
		 "unmap of what is not mapped");
	error_is("folio f anon 9\nmap A f pmd\nunmap A f pte 0 1\n",
		 "unmap: mm A maps page 0 of folio f by a pmd, not a pte", "unmap at another level");
	error_is("folio f anon 9\nmap A f pte 0 512\nremap A f\n",
		 "remap: mm A maps page 0 of folio f by a pte, not a pmd", "remap of PTEs");
	error_is("folio f anon 9\nremap A f\n", "remap: mm A does not map page 0", "remap unmapped");
	error_is("folio f anon 0\nmap A f pte 0 1\nmap B f pte 0 1\nfork A B\n",
		 "t.scn:4: fork into an existing mm: B was first used at line 3", "fork into existing");
	error_is("fork A A\n", "parent and child are the same mm A", "fork into itself");
	error_is("exit A\nexec A\n",
		 "t.scn:2: mm A exited at line 1; an exited mm's name cannot be used again",
		 "use of an exited mm");
	error_is("exit A\nfork B A\n", "fork into an existing mm: A", "fork into an exited name");
	error_is("folio f anon 2\nsplit f 2\n",
		 "cannot split folio f of order 2 to order 2: the new order must be lower",
		 "split to order >= its order");
	error_is("folio f anon 9\nmap A f pmd\nsplit f\n",
		 "cannot split folio f to order 0: mm A maps it by a pmd", "split under a PMD");
	error_is("folio f anon 2\nsplit f\nmap A f pte 0 1\n",
		 "folio f was split at line 2; its parts are f.0, f.1, ...", "use of a split folio");
	error_is("folio f anon 2\nfolio f.1 anon 0\nsplit f\n",
		 "t.scn:3: folio f.1 already declared at line 2", "split part name taken");
	error_is("folio f anon 2\nmap A f pte 1 1\nfree f\n",
		 "cannot free folio f: mm A still maps it", "free of a mapped folio");
	error_is("folio f anon 2\nfree f\nmap A f pte 0 1\n", "t.scn:3: folio f was freed at line 2",
		 "use of a freed folio");
	error_is("folio f anon 2\nfree f\nfree f\n", "folio f was freed at line 2", "double free");
	error_is("checkpoint a b\n", "too many arguments to 'checkpoint'", "checkpoint arguments");
	error_is("exec\n", "missing arguments to 'exec'", "exec without mm");
	error_is("folio f anon 0\nmap A f pte 0 1\nfork A B\nmap B f pte 0 1\n",
		 "mm B already maps page 0 of folio f", "fork duplicates the mappings");
	error_is("folio f anon 4\nmap A f pte 0 16\nsplit f 2\nunmap A f.0 pte 0 5\n",
		 "pages 0..4 are past the end of folio f.0 (4 pages)", "parts have the new order");
}

int main(void)
{
	test_statements();
	test_errors();
	return tap_done();
}
