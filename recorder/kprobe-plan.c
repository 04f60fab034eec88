// SPDX-License-Identifier: GPL-2.0
/*
 * Hook tables of Source A, newest first. A table is used when every required
 * function of it is present in kallsyms under its exact name (a .constprop or
 * .isra clone alone would miss calls, so it does not count).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recorder/kprobe-plan.h"

const char *const kp_slot_fields[KS_MAX] = {
	"?folio", "?fl", "?o", "?idx", "?page", "?nr", "?mm", "?vs", "?pgo", "?addr", "?vb", "?cmp",
};
const char *const kp_fork_fields[KS_MAX] = {"dmm", "smm", "s", "e", "vf", "av"};

enum role { NONE, FOLIO, PAGE, NR, VMA, ADDR, COMPOUND, DST_VMA, SRC_VMA };

struct hook {
	const char *event, *func;
	enum kp_op op;
	/* the parameters in declaration order, by role and by the name BTF gives */
	struct {
		enum role role;
		const char *name;
	} params[6];
	bool optional;
};

struct generation {
	const char *name;
	const struct hook *hooks;
	size_t n;
};

#define P(r, n)      \
	{            \
		r, n \
	}

/* 6.8 - 6.18: mm/rmap.c after the rmap interface overhaul (folio_*_ptes/_pmd) */
static const struct hook gen_folio[] = {
	{"add_anon_ptes",
	 "folio_add_anon_rmap_ptes",
	 KP_ADD_ANON,
	 {P(FOLIO, "folio"), P(PAGE, "page"), P(NR, "nr_pages"), P(VMA, "vma"),
	  P(ADDR, "address")}},
	{"add_anon_pmd",
	 "folio_add_anon_rmap_pmd",
	 KP_ADD_ANON_PMD,
	 {P(FOLIO, "folio"), P(PAGE, "page"), P(VMA, "vma"), P(ADDR, "address")}},
	{"new_anon",
	 "folio_add_new_anon_rmap",
	 KP_ADD_NEW_ANON,
	 {P(FOLIO, "folio"), P(VMA, "vma"), P(ADDR, "address")}},
	{"add_file_ptes",
	 "folio_add_file_rmap_ptes",
	 KP_ADD_FILE,
	 {P(FOLIO, "folio"), P(PAGE, "page"), P(NR, "nr_pages"), P(VMA, "vma")}},
	{"add_file_pmd",
	 "folio_add_file_rmap_pmd",
	 KP_ADD_FILE_PMD,
	 {P(FOLIO, "folio"), P(PAGE, "page"), P(VMA, "vma")}},
	{"add_file_pud",
	 "folio_add_file_rmap_pud",
	 KP_ADD_FILE_PUD,
	 {P(FOLIO, "folio"), P(PAGE, "page"), P(VMA, "vma")},
	 true},
	{"rm_ptes",
	 "folio_remove_rmap_ptes",
	 KP_REMOVE,
	 {P(FOLIO, "folio"), P(PAGE, "page"), P(NR, "nr_pages"), P(VMA, "vma")}},
	{"rm_pmd",
	 "folio_remove_rmap_pmd",
	 KP_REMOVE_PMD,
	 {P(FOLIO, "folio"), P(PAGE, "page"), P(VMA, "vma")}},
	{"rm_pud",
	 "folio_remove_rmap_pud",
	 KP_REMOVE_PUD,
	 {P(FOLIO, "folio"), P(PAGE, "page"), P(VMA, "vma")},
	 true},
	{"fork", "copy_page_range", KP_FORK, {P(DST_VMA, "dst_vma"), P(SRC_VMA, "src_vma")}},
};

/* 6.2 - 6.7: page_* with a vma; folio_add_new_anon_rmap from about 6.4 */
static const struct hook gen_page_62[] = {
	{"add_anon",
	 "page_add_anon_rmap",
	 KP_ADD_ANON,
	 {P(PAGE, "page"), P(VMA, "vma"), P(ADDR, "address"), P(NONE, "flags")}},
	{"new_anon",
	 "folio_add_new_anon_rmap",
	 KP_ADD_NEW_ANON,
	 {P(FOLIO, "folio"), P(VMA, "vma"), P(ADDR, "address")}},
	{"add_file_range",
	 "folio_add_file_rmap_range",
	 KP_ADD_FILE,
	 {P(FOLIO, "folio"), P(PAGE, "page"), P(NR, "nr_pages"), P(VMA, "vma"),
	  P(COMPOUND, "compound")}},
	{"rm",
	 "page_remove_rmap",
	 KP_REMOVE,
	 {P(PAGE, "page"), P(VMA, "vma"), P(COMPOUND, "compound")}},
	{"fork", "copy_page_range", KP_FORK, {P(DST_VMA, "dst_vma"), P(SRC_VMA, "src_vma")}},
	{"split_pmd",
	 "__split_huge_pmd",
	 KP_SPLIT_PMD,
	 {P(VMA, "vma"), P(NONE, "pmd"), P(ADDR, "address")},
	 true},
};

/* 5.19 - 6.1: page_* with a vma and a compound flag */
static const struct hook gen_page_519[] = {
	{"add_anon",
	 "page_add_anon_rmap",
	 KP_ADD_ANON,
	 {P(PAGE, "page"), P(VMA, "vma"), P(ADDR, "address"), P(NONE, "flags")}},
	{"new_anon",
	 "page_add_new_anon_rmap",
	 KP_ADD_NEW_ANON,
	 {P(PAGE, "page"), P(VMA, "vma"), P(ADDR, "address")}},
	{"add_file",
	 "page_add_file_rmap",
	 KP_ADD_FILE,
	 {P(PAGE, "page"), P(VMA, "vma"), P(COMPOUND, "compound")}},
	{"rm",
	 "page_remove_rmap",
	 KP_REMOVE,
	 {P(PAGE, "page"), P(VMA, "vma"), P(COMPOUND, "compound")}},
	{"fork", "copy_page_range", KP_FORK, {P(DST_VMA, "dst_vma"), P(SRC_VMA, "src_vma")}},
	{"split_pmd",
	 "__split_huge_pmd",
	 KP_SPLIT_PMD,
	 {P(VMA, "vma"), P(NONE, "pmd"), P(ADDR, "address")},
	 true},
};

static const struct generation generations[] = {
	{"folio (6.8+)", gen_folio, sizeof(gen_folio) / sizeof(gen_folio[0])},
	{"page (6.2-6.7)", gen_page_62, sizeof(gen_page_62) / sizeof(gen_page_62[0])},
	{"page (5.19-6.1)", gen_page_519, sizeof(gen_page_519) / sizeof(gen_page_519[0])},
};

/* Which names of interest kallsyms has: exact (2) or only as a clone (1). */
struct names {
	const char *name;
	int seen;
};

static int scan_kallsyms(const char *path, struct names *v, size_t n)
{
	FILE *f = fopen(path, "re");
	char line[512], sym[256];

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *dot;

		if (sscanf(line, "%*s %*s %255s", sym) != 1)
			continue;
		dot = strchr(sym, '.');
		for (size_t i = 0; i < n; i++) {
			size_t len = strlen(v[i].name);

			if (strncmp(sym, v[i].name, len))
				continue;
			if (!sym[len])
				v[i].seen = 2;
			else if (dot == sym + len && v[i].seen < 1)
				v[i].seen = 1;
		}
	}
	fclose(f);
	return 0;
}

static int seen_of(const struct names *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return v[i].seen;
	return 0;
}

static int offsets(const struct btf *btf, struct kp_plan *pl, char *why, size_t len)
{
	pl->vm_start = btf_member_offset(btf, "vm_area_struct", "vm_start");
	pl->vm_end = btf_member_offset(btf, "vm_area_struct", "vm_end");
	pl->vm_mm = btf_member_offset(btf, "vm_area_struct", "vm_mm");
	pl->vm_flags = btf_member_offset(btf, "vm_area_struct", "vm_flags");
	pl->vm_pgoff = btf_member_offset(btf, "vm_area_struct", "vm_pgoff");
	pl->anon_vma = btf_member_offset(btf, "vm_area_struct", "anon_vma");
	pl->folio_flags = btf_member_offset(btf, "folio", "flags");
	pl->folio_index = btf_member_offset(btf, "folio", "index");
	/* the order is the low byte of _flags_1 (6.x), else _folio_order (5.x-6.1) */
	pl->folio_order = btf_member_offset(btf, "folio", "_flags_1");
	if (pl->folio_order < 0)
		pl->folio_order = btf_member_offset(btf, "folio", "_folio_order");
	pl->page_size = btf_struct_size(btf, "page");
	if (btf_enum_value(btf, "PG_head", &pl->pg_head))
		pl->pg_head = -1;
	if (btf_enum_value(btf, "PG_swapbacked", &pl->pg_swapbacked))
		pl->pg_swapbacked = -1;
	if (pl->vm_start < 0 || pl->vm_end < 0 || pl->vm_mm < 0 || pl->vm_flags < 0 ||
	    pl->vm_pgoff < 0 || pl->anon_vma < 0 || pl->page_size <= 0) {
		snprintf(why, len, "BTF lacks a vm_area_struct member the probes need");
		return -1;
	}
	return 0;
}

/* name=$argN:type, or with off >= 0 name=+off($argN):type */
static void append(char *buf, size_t cap, const char *name, long off, int arg, const char *type)
{
	size_t used = strlen(buf);

	if (off >= 0)
		snprintf(buf + used, cap - used, "%s%s=+%ld($arg%d):%s", used ? " " : "", name, off,
			 arg, type);
	else
		snprintf(buf + used, cap - used, "%s%s=$arg%d:%s", used ? " " : "", name, arg,
			 type);
}

/* Fetch arguments for one hook: $argN by the parameter's position in BTF. */
static void fetchargs(const struct btf *btf, const struct hook *h, const struct kp_plan *pl,
		      char *out, size_t cap)
{
	const char *names[8];
	int np = btf_func_params(btf, h->func, names, 8);

	out[0] = 0;
	for (int i = 0; i < 6 && h->params[i].name; i++) {
		int arg = i + 1;

		/* the BTF position wins over the table's, where BTF has the function */
		for (int k = 0; k < np && k < 8; k++)
			if (!strcmp(names[k], h->params[i].name))
				arg = k + 1;
		switch (h->params[i].role) {
		case FOLIO:
			append(out, cap, "folio", -1, arg, "x64");
			if (pl->folio_flags >= 0)
				append(out, cap, "fl", pl->folio_flags, arg, "x64");
			if (pl->folio_order >= 0)
				append(out, cap, "o", pl->folio_order, arg, "u8");
			if (pl->folio_index >= 0)
				append(out, cap, "idx", pl->folio_index, arg, "x64");
			break;
		case PAGE:
			append(out, cap, "page", -1, arg, "x64");
			break;
		case NR:
			append(out, cap, "nr", -1, arg, "s32");
			break;
		case VMA:
			append(out, cap, "mm", pl->vm_mm, arg, "x64");
			append(out, cap, "vs", pl->vm_start, arg, "x64");
			append(out, cap, "pgo", pl->vm_pgoff, arg, "x64");
			break;
		case ADDR:
			append(out, cap, "addr", -1, arg, "x64");
			break;
		case COMPOUND:
			append(out, cap, "cmp", -1, arg, "u8");
			break;
		case DST_VMA:
			append(out, cap, "dmm", pl->vm_mm, arg, "x64");
			break;
		case SRC_VMA:
			append(out, cap, "smm", pl->vm_mm, arg, "x64");
			append(out, cap, "s", pl->vm_start, arg, "x64");
			append(out, cap, "e", pl->vm_end, arg, "x64");
			append(out, cap, "vf", pl->vm_flags, arg, "x64");
			append(out, cap, "av", pl->anon_vma, arg, "x64");
			break;
		case NONE:
			break;
		}
	}
}

int kp_plan_build(const char *kallsyms, const struct btf *btf, struct kp_plan *pl, char *why,
		  size_t whylen)
{
	struct names v[64];
	size_t nv = 0;

	memset(pl, 0, sizeof(*pl));
	if (!btf) {
		snprintf(why, whylen, "no BTF: offsets and parameter positions would be guesses");
		return -1;
	}
	for (size_t g = 0; g < sizeof(generations) / sizeof(generations[0]); g++)
		for (size_t i = 0; i < generations[g].n && nv < 63; i++)
			v[nv++] = (struct names){generations[g].hooks[i].func, 0};
	v[nv++] = (struct names){"vmemmap_base", 0};
	if (scan_kallsyms(kallsyms, v, nv)) {
		snprintf(why, whylen, "%s: cannot read", kallsyms);
		return -1;
	}
	if (offsets(btf, pl, why, whylen))
		return -1;
	for (size_t g = 0; g < sizeof(generations) / sizeof(generations[0]); g++) {
		const struct generation *gen = &generations[g];
		const char *missing = NULL, *cloned = NULL;

		for (size_t i = 0; i < gen->n; i++) {
			int s = seen_of(v, nv, gen->hooks[i].func);

			if (s == 1 && !cloned)
				cloned = gen->hooks[i].func;
			if (s < 2 && !gen->hooks[i].optional && !missing)
				missing = gen->hooks[i].func;
		}
		if (missing && cloned && !strcmp(missing, cloned)) {
			snprintf(why, whylen,
				 "%s exists only as a compiler clone: probing it "
				 "would miss calls",
				 cloned);
			return -1;
		}
		if (missing)
			continue;
		pl->generation = gen->name;
		for (size_t i = 0; i < gen->n && pl->nprobes < KP_MAX_PROBES; i++) {
			struct kp_probe *p = &pl->probes[pl->nprobes];

			if (seen_of(v, nv, gen->hooks[i].func) < 2)
				continue;
			snprintf(p->event, sizeof(p->event), "%s", gen->hooks[i].event);
			snprintf(p->func, sizeof(p->func), "%s", gen->hooks[i].func);
			p->op = gen->hooks[i].op;
			fetchargs(btf, &gen->hooks[i], pl, p->fetch, sizeof(p->fetch));
			/* PFNs from struct page pointers need the base of the page array */
			if (p->op != KP_FORK && seen_of(v, nv, "vmemmap_base") == 2 &&
			    strlen(p->fetch) + 24 < sizeof(p->fetch))
				strcat(p->fetch, " vb=@vmemmap_base:x64");
			pl->nprobes++;
		}
		return 0;
	}
	snprintf(why, whylen, "%s has none of the known sets of rmap functions", kallsyms);
	return -1;
}
