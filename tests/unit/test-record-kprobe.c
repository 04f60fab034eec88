// SPDX-License-Identifier: GPL-2.0
/* Source A's plan: hook table choice from kallsyms, offsets and parameter
 * positions from BTF (this machine's /sys/kernel/btf/vmlinux when readable). */
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "recorder/kprobe-plan.h"
#include "tests/tap.h"

static const char *write_kallsyms(const char *dir, const char *name, const char *const *syms)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	for (int i = 0; f && syms[i]; i++)
		fprintf(f, "ffffffff8160%04x T %s\n", i, syms[i]);
	if (f)
		fclose(f);
	return path;
}

static const struct kp_probe *probe(const struct kp_plan *p, const char *event)
{
	for (int i = 0; i < p->nprobes; i++)
		if (!strcmp(p->probes[i].event, event))
			return &p->probes[i];
	return NULL;
}

int main(void)
{
	static const char *const v618[] = {"folio_add_anon_rmap_ptes",
					   "folio_add_anon_rmap_pmd",
					   "folio_add_new_anon_rmap",
					   "folio_add_file_rmap_ptes",
					   "folio_add_file_rmap_pmd",
					   "folio_remove_rmap_ptes",
					   "folio_remove_rmap_pmd",
					   "copy_page_range",
					   "do_set_pmd",
					   NULL};
	static const char *const v61[] = {"page_add_anon_rmap",
					  "page_add_new_anon_rmap",
					  "page_add_file_rmap",
					  "page_remove_rmap",
					  "copy_page_range",
					  "__split_huge_pmd",
					  NULL};
	static const char *const clone[] = {"page_add_anon_rmap", "page_add_new_anon_rmap",
					    "page_add_file_rmap", "page_remove_rmap.constprop.0",
					    "copy_page_range",	  NULL};
	char dir[] = "/tmp/mapcount-kp-XXXXXX", err[256] = "", why[256];
	struct btf *btf = btf_open("/sys/kernel/btf/vmlinux", err, sizeof(err));
	struct kp_plan plan;
	const struct kp_probe *p;
	const char *names[8];
	struct utsname u;

	if (!btf)
		tap_plan_skip_all("no readable /sys/kernel/btf/vmlinux");
	if (!mkdtemp(dir))
		tap_plan_skip_all("cannot make a temporary directory");

	ok(btf_member_offset(btf, "vm_area_struct", "vm_start") == 0, "vm_start is first");
	ok(btf_member_offset(btf, "vm_area_struct", "vm_end") == 8, "vm_end follows it");
	ok(btf_member_offset(btf, "vm_area_struct", "vm_mm") > 8, "vm_mm found");
	ok(btf_member_offset(btf, "folio", "index") > 0, "folio->index inside the page union");
	ok(btf_member_offset(btf, "vm_area_struct", "no_such_member") == -1, "missing member: -1");
	ok(btf_member_offset(btf, "no_such_struct", "x") == -1, "missing struct: -1");
	is_int(btf_func_params(btf, "copy_page_range", names, 8), 2,
	       "copy_page_range has 2 params");
	ok(!strcmp(names[0], "dst_vma") && !strcmp(names[1], "src_vma"), "named dst_vma, src_vma");

	uname(&u);
	if (!strncmp(u.release, "6.18.", 5)) {
		long long pg_head;

		/* recorder-sources.md §2.2, measured on this 6.18 */
		is_int(btf_member_offset(btf, "vm_area_struct", "vm_mm"), 16, "6.18: vm_mm +16");
		is_int(btf_member_offset(btf, "vm_area_struct", "vm_flags"), 32,
		       "6.18: vm_flags +32");
		is_int(btf_member_offset(btf, "vm_area_struct", "anon_vma"), 64,
		       "6.18: anon_vma +64");
		is_int(btf_member_offset(btf, "vm_area_struct", "vm_pgoff"), 80,
		       "6.18: vm_pgoff +80");
		is_int(btf_member_offset(btf, "folio", "_flags_1"), 64, "6.18: folio _flags_1 +64");
		ok(btf_enum_value(btf, "PG_head", &pg_head) == 0 && pg_head > 0, "PG_head found");
	}

	is_int(kp_plan_build(write_kallsyms(dir, "k618", v618), btf, &plan, why, sizeof(why)), 0,
	       "6.18 symbols: a plan");
	ok(plan.generation && !strncmp(plan.generation, "folio", 5), "the folio hook table");
	p = probe(&plan, "add_anon_ptes");
	ok(p && strstr(p->fetch, "nr=$arg3:s32") && strstr(p->fetch, "addr=$arg5:x64"),
	   "add_anon_ptes: nr is arg3, address arg5");
	ok(!probe(&plan, "add_file_pud"), "an optional hook kallsyms lacks is left out");
	p = probe(&plan, "fork");
	ok(p && strstr(p->fetch, "av=+") && strstr(p->fetch, "($arg2)"), "fork reads src_vma");

	is_int(kp_plan_build(write_kallsyms(dir, "k61", v61), btf, &plan, why, sizeof(why)), 0,
	       "6.1 symbols: a plan");
	ok(plan.generation && strstr(plan.generation, "5.19"), "the 5.19-6.1 table: %s",
	   plan.generation);
	ok(probe(&plan, "split_pmd") != NULL, "with the PMD split hook");

	is_int(kp_plan_build(write_kallsyms(dir, "kclone", clone), btf, &plan, why, sizeof(why)),
	       -1, "a clone-only rmap function is refused");
	ok(strstr(why, "clone") != NULL, "and says so: %s", why);
	is_int(kp_plan_build("/nonexistent/kallsyms", btf, &plan, why, sizeof(why)), -1,
	       "unreadable kallsyms is refused");
	is_int(kp_plan_build(write_kallsyms(dir, "k618", v618), NULL, &plan, why, sizeof(why)), -1,
	       "no BTF: no guessing");

	unlink(write_kallsyms(dir, "k618", v618));
	unlink(write_kallsyms(dir, "k61", v61));
	unlink(write_kallsyms(dir, "kclone", clone));
	rmdir(dir);
	btf_close(btf);
	return tap_done();
}
