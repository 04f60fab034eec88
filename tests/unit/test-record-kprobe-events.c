// SPDX-License-Identifier: GPL-2.0
/* Source A's translation: synthetic probe events (as the kprobes of the 6.8+
 * hook table would report them) become the expected rmap records. */
#include <string.h>
#include <unistd.h>

#include "recorder/kprobe-plan.h"
#include "recorder/record.h"
#include "tests/tap.h"

#define VMEMMAP 0xffffea0000000000ull
#define MMPTR 0xffff888012345000ull
#define CHILD_MMPTR 0xffff888012346000ull

static struct recorder rec;

static uint64_t page_ptr(uint64_t pfn)
{
	return VMEMMAP + pfn * 64;
}

static struct rec_event probe(enum kp_op op, uint64_t folio_pfn, unsigned order, uint64_t pfn,
			      uint64_t nr, uint64_t addr)
{
	struct rec_event e = {.type = EV_KPROBE, .sys = (uint16_t)op, .pid = getpid()};

	for (int i = 0; i < KS_MAX; i++)
		e.a[i] = UINT64_MAX;
	e.a[KS_FOLIO] = page_ptr(folio_pfn);
	e.a[KS_FLAGS] = order ? 1ull << 6 : 0; /* PG_head */
	e.a[KS_ORDER] = order;
	e.a[KS_PAGE] = page_ptr(pfn);
	e.a[KS_NR] = nr;
	e.a[KS_MM] = MMPTR;
	e.a[KS_ADDR] = addr;
	return e;
}

int main(void)
{
	char path[] = "/tmp/mapcount-kpev-XXXXXX", err[256];
	struct mc_rec_header hdr = {.magic = {"mapcount", 8},
				    .version = MC_TRACE_VERSION,
				    .page_shift = 12,
				    .pmd_order = 9,
				    .pud_order = 18};
	struct kp_plan plan = {.pg_head = 6, .pg_swapbacked = -1, .page_size = 64};
	struct mc_reader *rd;
	struct mc_record out;
	struct rec_event e;
	struct proc *p;
	int fd = mkstemp(path), maps = 0, unmaps = 0, remaps = 0, dups = 0, forks = 0, newanon = 0;
	uint64_t pmd_maps = 0;

	if (fd < 0 || getuid() != 0 || folios_open(err, sizeof(err)))
		tap_plan_skip_all("needs root (the folio table opens /proc/kpageflags)");
	close(fd);
	g_rec = &rec;
	rec.source = SRC_KPROBE;
	rec.kp = &plan;
	rec.kp_page_size = 64;
	rec.vmemmap_base = VMEMMAP;
	rec.w = mc_writer_open(path, &hdr, MC_W_FORCE, err, sizeof(err));
	ok(rec.w != NULL, "writer opened");
	p = pagemap_track_new(&rec, getpid(), 0);
	ok(p != NULL, "our own process is tracked");
	p->full_rescan = false;

	/* a new anon folio of order 0, then a THP by PMD, then an mTHP by PTEs */
	e = probe(KP_ADD_NEW_ANON, 0x1000, 0, 0x1000, 1, 0x7f0000001000);
	kprobe_handle(&rec, &e);
	e = probe(KP_ADD_NEW_ANON, 0x40000, 9, 0x40000, 512, 0x7f0000200000);
	kprobe_handle(&rec, &e);
	e = probe(KP_ADD_NEW_ANON, 0x3010, 4, 0x3010, 16, 0x7f0000410000);
	kprobe_handle(&rec, &e);
	ok(rec.procs.by_mmptr.n == 1, "the mm pointer was learnt from the task");
	is_int(shadow_pages(p->mm), 1 + 512 + 16, "shadow holds 529 pages");

	/* PMD split: PTE adds of the same pages, then the PMD removal */
	e = probe(KP_ADD_ANON, 0x40000, 9, 0x40000, 512, 0x7f0000200000);
	kprobe_handle(&rec, &e);
	e = probe(KP_REMOVE_PMD, 0x40000, 9, 0x40000, 512, UINT64_MAX);
	e.a[KS_VSTART] = 0x7f0000200000;
	e.a[KS_PGOFF] = 0;
	e.a[KS_INDEX] = 0;
	kprobe_handle(&rec, &e);
	is_int(shadow_pages(p->mm), 529, "a split keeps every page mapped");

	/* zap 4 pages of the mTHP (no address: VA from index and pgoff) */
	e = probe(KP_REMOVE, 0x3010, 4, 0x3012, 4, UINT64_MAX);
	e.a[KS_VSTART] = 0x7f0000400000;
	e.a[KS_PGOFF] = 0x7f0000400; /* anon pgoff is the VA's page number */
	e.a[KS_INDEX] = 0x7f0000410;
	kprobe_handle(&rec, &e);
	is_int(shadow_pages(p->mm), 525, "4 pages unmapped at the right VA");

	/* fork: one vma with an anon_vma is copied, one without is not */
	e = (struct rec_event){.type = EV_KPROBE, .sys = KP_FORK, .pid = getpid()};
	e.a[KS_DST_MM] = CHILD_MMPTR;
	e.a[KS_SRC_MM] = MMPTR;
	e.a[KS_START] = 0x7f0000000000;
	e.a[KS_END] = 0x7f0000600000;
	e.a[KS_VMFLAGS] = 0x73;
	e.a[KS_ANON_VMA] = 0xffff888000001000ull;
	kprobe_handle(&rec, &e);
	e.a[KS_START] = 0x7f1000000000;
	e.a[KS_END] = 0x7f1000100000;
	e.a[KS_ANON_VMA] = 0;
	kprobe_handle(&rec, &e);
	ok(kprobe_take_child(&rec, getpid()) != NULL, "the child mm waits for task_newtask");

	ok(mc_writer_close(rec.w) == 0, "trace written");
	rd = mc_reader_open(path, err, sizeof(err));
	ok(rd != NULL, "trace readable");
	while (rd && mc_reader_next(rd, &out) == 1) {
		switch (out.type) {
		case MC_REC_MAP:
			maps++;
			newanon += !!(out.u.map.lf & MC_LF_NEW_ANON);
			if ((out.u.map.lf & MC_LF_LEVEL_MASK) == 1)
				pmd_maps += out.u.map.nr;
			break;
		case MC_REC_UNMAP:
			unmaps++;
			ok(out.u.unmap.vpn == 0x7f0000412 && out.u.unmap.nr == 4 &&
				   out.u.unmap.pfn == 0x3010,
			   "UNMAP vpn %#llx nr %llu of folio %#llx",
			   (unsigned long long)out.u.unmap.vpn, (unsigned long long)out.u.unmap.nr,
			   (unsigned long long)out.u.unmap.pfn);
			break;
		case MC_REC_REMAP:
			remaps++;
			break;
		case MC_REC_FORK:
			forks++;
			break;
		case MC_REC_DUP:
			dups++;
			ok(out.u.dup.vpn == 0x7f0000000 && out.u.dup.nr == 0x600,
			   "DUP covers the anon vma only");
			break;
		}
	}
	is_int(maps, 3, "three MAP records");
	is_int(newanon, 3, "all flagged new anon");
	is_int(pmd_maps, 512, "the THP mapped by one PMD");
	is_int(remaps, 1, "the split is one REMAP");
	is_int(unmaps, 1, "one UNMAP");
	is_int(forks, 1, "one FORK");
	is_int(dups, 1, "one DUP");
	mc_reader_close(rd);
	unlink(path);
	folios_close();
	return tap_done();
}
