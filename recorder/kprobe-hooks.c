// SPDX-License-Identifier: GPL-2.0
/*
 * The hook table of Source A (recorder-sources.md §2.1): which kernel
 * functions to probe, picked by their presence in /proc/kallsyms (never by
 * version number), and their fetchargs, with every offset read from BTF.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recorder/btf.h"
#include "recorder/kprobe.h"

static const char *const field_names[KF_NR_FIELDS] = {
	[KF_FOLIO] = "folio", [KF_PAGE] = "page",     [KF_NR] = "nr",	    [KF_MM] = "mm",
	[KF_ADDR] = "addr",   [KF_RFLAGS] = "rf",     [KF_FLAGS] = "pf",    [KF_ORDER] = "ord",
	[KF_MAPPING] = "map", [KF_INDEX] = "idx",     [KF_VSTART] = "vs",   [KF_VEND] = "ve",
	[KF_PGOFF] = "pgo",   [KF_COMPOUND] = "cp",   [KF_CHEAD] = "ch",    [KF_HFLAGS] = "hpf",
	[KF_HORDER] = "hord", [KF_HMAPPING] = "hmap", [KF_HINDEX] = "hidx", [KF_SMM] = "smm",
	[KF_VFLAGS] = "vf",   [KF_ANON_VMA] = "av",   [KF_FREEZE] = "fr",   [KF_NEW] = "dst",
	[KF_LEN] = "len",     [KF_RET] = "ret",	      [KF_PID] = "pid",	    [KF_TGID] = "tgid",
	[KF_VMB] = "vmb",
};

const char *kfield_name(enum kfield f)
{
	return f < KF_NR_FIELDS ? field_names[f] : "?";
}

/* Offsets the fetchargs need; every one comes from BTF. */
struct offs {
	long vm_mm, vm_start, vm_end, vm_pgoff, vm_flags, anon_vma;
	long flags, mapping, index, order, compound_head;
	long pid, tgid, task_mm;
};

static bool want_symbol(const char *name)
{
	static const char *const names[] = {
		"folio_add_new_anon_rmap",
		"folio_add_anon_rmap_ptes",
		"folio_add_anon_rmap_pmd",
		"folio_add_file_rmap_ptes",
		"folio_add_file_rmap_pmd",
		"folio_remove_rmap_ptes",
		"folio_remove_rmap_pmd",
		"page_add_new_anon_rmap",
		"page_add_anon_rmap",
		"page_add_file_rmap",
		"page_remove_rmap",
		"__split_huge_pmd",
		"copy_page_range",
		"exit_mmap",
		"move_page_tables",
		"mm_access",
		"vmemmap_base",
		"folio_add_file_rmap_range",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

/* Names of interest present in kallsyms, as a '\n'-separated list "\nname\n...". */
static int read_kallsyms(char *out, size_t len)
{
	FILE *f = fopen("/proc/kallsyms", "re");
	char line[512], sym[256], type;
	size_t used = 1;

	if (!f)
		return -1;
	out[0] = '\n';
	out[1] = 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %c %255s", &type, sym) != 2 || strchr(line, '['))
			continue; /* module symbols are not rmap functions */
		if (!want_symbol(sym) || used + strlen(sym) + 2 >= len)
			continue;
		used += (size_t)snprintf(out + used, len - used, "%s\n", sym);
	}
	fclose(f);
	return 0;
}

static bool has(const char *syms, const char *name)
{
	char key[128];

	snprintf(key, sizeof(key), "\n%s\n", name);
	return strstr(syms, key) != NULL;
}

static void add(struct khook *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add(struct khook *h, const char *fmt, ...)
{
	size_t used = strlen(h->fmt);
	va_list ap;

	va_start(ap, fmt);
	if (used)
		h->fmt[used++] = ' ';
	vsnprintf(h->fmt + used, sizeof(h->fmt) - used, fmt, ap);
	va_end(ap);
}

static void hook(struct kplan *p, enum khook_id id, const char *event, const char *symbol, bool ret)
{
	p->hook[id].event = event;
	p->hook[id].symbol = symbol;
	p->hook[id].ret = ret;
	p->hook[id].fmt[0] = 0;
}

/* vma's mm and placement: what turns a folio index into a VA. */
static void vma_args(struct khook *h, const struct offs *o, const char *vma, bool place)
{
	add(h, "mm=+%ld(%s):x64", o->vm_mm, vma);
	if (place)
		add(h, "vs=+%ld(%s):x64 ve=+%ld(%s):x64 pgo=+%ld(%s):x64", o->vm_start, vma,
		    o->vm_end, vma, o->vm_pgoff, vma);
}

/* The folio (v6.8+): head flags, order byte, mapping (anon/KSM/file), index. */
static void folio_args(struct khook *h, const struct offs *o, const char *folio)
{
	add(h, "folio=%s:x64 pf=+0(%s):x64 ord=+%ld(%s):u8 map=+%ld(%s):x64 idx=+%ld(%s):x64",
	    folio, folio, o->order, folio, o->mapping, folio, o->index, folio);
}

/*
 * A struct page (page family): its own flags, order, mapping and index
 * (valid when it is a head or a small page), and the same read through
 * compound_head - 1 (valid when bit 0 of compound_head marks a tail).
 */
static void page_args(struct khook *h, const struct offs *o, const char *page)
{
	add(h, "page=%s:x64 pf=+0(%s):x64 ord=+%ld(%s):u8 map=+%ld(%s):x64 idx=+%ld(%s):x64", page,
	    page, o->order, page, o->mapping, page, o->index, page);
	add(h, "ch=+%ld(%s):x64 hpf=-1(+%ld(%s)):x64 hord=+%ld(+%ld(%s)):u8", o->compound_head,
	    page, o->compound_head, page, o->order - 1, o->compound_head, page);
	add(h, "hmap=+%ld(+%ld(%s)):x64 hidx=+%ld(+%ld(%s)):x64", o->mapping - 1, o->compound_head,
	    page, o->index - 1, o->compound_head, page);
}

static int offsets(const struct btf *b, struct offs *o, char *err, size_t errlen)
{
	struct {
		long *dst;
		const char *s, *m;
	} need[] = {
		{&o->vm_mm, "vm_area_struct", "vm_mm"},
		{&o->vm_start, "vm_area_struct", "vm_start"},
		{&o->vm_end, "vm_area_struct", "vm_end"},
		{&o->vm_pgoff, "vm_area_struct", "vm_pgoff"},
		{&o->vm_flags, "vm_area_struct", "vm_flags"},
		{&o->anon_vma, "vm_area_struct", "anon_vma"},
		{&o->flags, "page", "flags"},
		{&o->mapping, "page", "mapping"},
		{&o->index, "page", "index"},
		{&o->compound_head, "page", "compound_head"},
		{&o->pid, "task_struct", "pid"},
		{&o->tgid, "task_struct", "tgid"},
		{&o->task_mm, "task_struct", "mm"},
	};

	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		*need[i].dst = btf_member_offset(b, need[i].s, need[i].m);
		if (*need[i].dst < 0) {
			snprintf(err, errlen, "BTF: struct %s has no member %s", need[i].s,
				 need[i].m);
			return -1;
		}
	}
	/* folio_order(): _folio_order up to v6.5, the low byte of _flags_1 after
	 * (include/linux/mm.h:folio_order@6.1, @6.12) */
	o->order = btf_member_offset(b, "folio", "_folio_order");
	if (o->order < 0)
		o->order = btf_member_offset(b, "folio", "_flags_1");
	if (o->order < 0 || o->flags != 0) {
		snprintf(err, errlen, "BTF: struct folio has neither _folio_order nor _flags_1");
		return -1;
	}
	return 0;
}

int kplan_make(struct kplan *p, char *err, size_t errlen)
{
	static char syms[4096];
	struct btf *b;
	long long head = -1, swapbacked = -1;
	struct offs o;

	memset(p, 0, sizeof(*p));
	if (read_kallsyms(syms, sizeof(syms))) {
		snprintf(err, errlen, "/proc/kallsyms: cannot read");
		return -1;
	}
	b = btf_open("/sys/kernel/btf/vmlinux", err, errlen);
	if (!b)
		return -1;
	if (offsets(b, &o, err, errlen))
		goto fail;
	p->page_size = (unsigned)btf_struct_size(b, "page");
	btf_enum_value(b, "PG_head", &head);
	btf_enum_value(b, "PG_swapbacked", &swapbacked);
	p->pg_head = (unsigned)head;
	p->pg_swapbacked = (unsigned)swapbacked;
	if ((int)p->page_size <= 0 || head < 0 || swapbacked < 0) {
		snprintf(err, errlen,
			 "BTF: struct page or enum pageflags (PG_head, PG_swapbacked) "
			 "missing");
		goto fail;
	}
	/* x86-64 4-level default when the layout is not randomised */
	p->vmemmap_default = 0xffffea0000000000ull;

	if (has(syms, "folio_add_anon_rmap_ptes") && has(syms, "folio_remove_rmap_ptes")) {
		p->family = KFAM_FOLIO;
		hook(p, KH_NEW_ANON, "new_anon", "folio_add_new_anon_rmap", false);
		folio_args(&p->hook[KH_NEW_ANON], &o, "$arg1");
		vma_args(&p->hook[KH_NEW_ANON], &o, "$arg2", false);
		add(&p->hook[KH_NEW_ANON], "addr=$arg3:x64");
		hook(p, KH_ADD_ANON, "add_anon", "folio_add_anon_rmap_ptes", false);
		folio_args(&p->hook[KH_ADD_ANON], &o, "$arg1");
		add(&p->hook[KH_ADD_ANON], "page=$arg2:x64 nr=$arg3:s32");
		vma_args(&p->hook[KH_ADD_ANON], &o, "$arg4", false);
		add(&p->hook[KH_ADD_ANON], "addr=$arg5:x64 rf=$arg6:u32");
		hook(p, KH_ADD_ANON_PMD, "add_anon_pmd", "folio_add_anon_rmap_pmd", false);
		folio_args(&p->hook[KH_ADD_ANON_PMD], &o, "$arg1");
		add(&p->hook[KH_ADD_ANON_PMD], "page=$arg2:x64");
		vma_args(&p->hook[KH_ADD_ANON_PMD], &o, "$arg3", false);
		add(&p->hook[KH_ADD_ANON_PMD], "addr=$arg4:x64 rf=$arg5:u32");
		hook(p, KH_ADD_FILE, "add_file", "folio_add_file_rmap_ptes", false);
		folio_args(&p->hook[KH_ADD_FILE], &o, "$arg1");
		add(&p->hook[KH_ADD_FILE], "page=$arg2:x64 nr=$arg3:s32");
		vma_args(&p->hook[KH_ADD_FILE], &o, "$arg4", true);
		hook(p, KH_ADD_FILE_PMD, "add_file_pmd", "folio_add_file_rmap_pmd", false);
		folio_args(&p->hook[KH_ADD_FILE_PMD], &o, "$arg1");
		add(&p->hook[KH_ADD_FILE_PMD], "page=$arg2:x64");
		vma_args(&p->hook[KH_ADD_FILE_PMD], &o, "$arg3", true);
		hook(p, KH_REMOVE, "remove", "folio_remove_rmap_ptes", false);
		folio_args(&p->hook[KH_REMOVE], &o, "$arg1");
		add(&p->hook[KH_REMOVE], "page=$arg2:x64 nr=$arg3:s32");
		vma_args(&p->hook[KH_REMOVE], &o, "$arg4", true);
		hook(p, KH_REMOVE_PMD, "remove_pmd", "folio_remove_rmap_pmd", false);
		folio_args(&p->hook[KH_REMOVE_PMD], &o, "$arg1");
		add(&p->hook[KH_REMOVE_PMD], "page=$arg2:x64");
		vma_args(&p->hook[KH_REMOVE_PMD], &o, "$arg3", true);
	} else if (has(syms, "page_add_new_anon_rmap") && has(syms, "page_remove_rmap") &&
		   !has(syms, "folio_add_file_rmap_range")) {
		/* v5.19-v6.1 signatures (mm/rmap.c@6.1); 6.2-6.7 make the split's
		 * per-page adds visible and are not handled */
		p->family = KFAM_PAGE;
		hook(p, KH_NEW_ANON, "new_anon", "page_add_new_anon_rmap", false);
		page_args(&p->hook[KH_NEW_ANON], &o, "$arg1");
		vma_args(&p->hook[KH_NEW_ANON], &o, "$arg2", false);
		add(&p->hook[KH_NEW_ANON], "addr=$arg3:x64");
		hook(p, KH_ADD_ANON, "add_anon", "page_add_anon_rmap", false);
		page_args(&p->hook[KH_ADD_ANON], &o, "$arg1");
		vma_args(&p->hook[KH_ADD_ANON], &o, "$arg2", false);
		add(&p->hook[KH_ADD_ANON], "addr=$arg3:x64 rf=$arg4:u32");
		hook(p, KH_ADD_FILE, "add_file", "page_add_file_rmap", false);
		page_args(&p->hook[KH_ADD_FILE], &o, "$arg1");
		vma_args(&p->hook[KH_ADD_FILE], &o, "$arg2", true);
		add(&p->hook[KH_ADD_FILE], "cp=$arg3:u8");
		hook(p, KH_REMOVE, "remove", "page_remove_rmap", false);
		page_args(&p->hook[KH_REMOVE], &o, "$arg1");
		vma_args(&p->hook[KH_REMOVE], &o, "$arg2", true);
		add(&p->hook[KH_REMOVE], "cp=$arg3:u8");
		hook(p, KH_SPLIT_PMD, "split_pmd", "__split_huge_pmd", false);
		vma_args(&p->hook[KH_SPLIT_PMD], &o, "$arg1", false);
		add(&p->hook[KH_SPLIT_PMD], "addr=$arg3:x64 fr=$arg4:u8");
	} else {
		snprintf(err, errlen,
			 "kallsyms: no known rmap hook table (neither the folio_*_rmap_ptes "
			 "family of v6.8+ nor the page_*_rmap family of v5.19-v6.1)");
		goto fail;
	}
	hook(p, KH_FORK, "fork", "copy_page_range", false);
	add(&p->hook[KH_FORK],
	    "dst=+%ld($arg1):x64 smm=+%ld($arg2):x64 vs=+%ld($arg2):x64 "
	    "ve=+%ld($arg2):x64 vf=+%ld($arg2):x64 av=+%ld($arg2):x64",
	    o.vm_mm, o.vm_mm, o.vm_start, o.vm_end, o.vm_flags, o.anon_vma);
	hook(p, KH_EXIT_MMAP, "exit_mmap", "exit_mmap", false);
	add(&p->hook[KH_EXIT_MMAP], "mm=$arg1:x64");
	hook(p, KH_EXIT_MMAP_RET, "exit_mmap_ret", "exit_mmap", true);
	hook(p, KH_MOVE, "move", "move_page_tables", false);
	vma_args(&p->hook[KH_MOVE], &o, "$arg1", false);
	add(&p->hook[KH_MOVE], "addr=$arg2:x64 dst=$arg4:x64 len=$arg5:x64");
	hook(p, KH_MOVE_RET, "move_ret", "move_page_tables", true);
	add(&p->hook[KH_MOVE_RET], "ret=$retval:x64");
	hook(p, KH_MM_ACCESS, "mm_access", "mm_access", false);
	add(&p->hook[KH_MM_ACCESS], "pid=+%ld($arg1):s32 tgid=+%ld($arg1):s32 mm=+%ld($arg1):x64",
	    o.pid, o.tgid, o.task_mm);
	if (has(syms, "vmemmap_base"))
		add(&p->hook[KH_MM_ACCESS], "vmb=@vmemmap_base:x64");
	for (int i = 0; i < KH_NR; i++) {
		const char *s = p->hook[i].symbol;

		if (s && !has(syms, s)) {
			snprintf(err, errlen,
				 "kallsyms: %s is missing (inlined or renamed): cannot "
				 "hook it",
				 s);
			goto fail;
		}
	}
	btf_close(b);
	return 0;
fail:
	btf_close(b);
	return -1;
}
