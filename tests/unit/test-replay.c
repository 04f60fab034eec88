// SPDX-License-Identifier: GPL-2.0
/*
 * The replay engine: which model operations each record becomes (batches,
 * fork, exec ids, the split protocol), the shadow kept in step, and records
 * that contradict the state counted and skipped. A probe model logs every
 * operation and keeps exact per-page counts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replayer/replay.h"
#include "tests/tap.h"

#define LOG_MAX 4096

static struct mc_op oplog[LOG_MAX];
static uint64_t oppfn[LOG_MAX];
static unsigned int nlog, inits, finis;

struct probe {
	int32_t entries;
	int32_t count[];	/* per page */
};

static size_t probe_size(unsigned int order)
{
	return sizeof(struct probe) + sizeof(int32_t) * (1u << order);
}

static void probe_init(struct mc_model_ctx *c, const struct mc_folio *f, void *st)
{
	memset(st, 0, probe_size(f->order));
	inits++;
}

static void probe_fini(struct mc_model_ctx *c, const struct mc_folio *f, void *st)
{
	finis++;
}

static size_t probe_meta(unsigned int order)
{
	return 4;
}

static void probe_apply(struct mc_model_ctx *c, const struct mc_folio *f, void *st,
			const struct mc_op *op)
{
	struct probe *p = st;
	int d = op->type == MC_OP_REMOVE ? -1 : 1;

	if (nlog < LOG_MAX) {
		oppfn[nlog] = f->pfn;
		oplog[nlog++] = *op;
	}
	if (op->type == MC_OP_REMAP) {
		p->entries += 511;
		return;
	}
	p->entries += op->level ? d : d * (int32_t)op->nr;
	for (uint32_t i = 0; i < op->nr; i++)
		p->count[op->first + i] += d;
}

static int64_t probe_mapcount(const struct mc_model_ctx *c, const struct mc_folio *f,
			      const void *st)
{
	return ((const struct probe *)st)->entries;
}

static bool probe_mapped(const struct mc_model_ctx *c, const struct mc_folio *f, const void *st)
{
	return ((const struct probe *)st)->entries > 0;
}

static int64_t probe_page(const struct mc_model_ctx *c, const struct mc_folio *f, const void *st,
			  uint32_t page)
{
	return ((const struct probe *)st)->count[page];
}

static bool probe_false(const struct mc_model_ctx *c, const struct mc_folio *f, const void *st)
{
	return false;
}

static bool probe_cow(const struct mc_model_ctx *c, const struct mc_folio *f, const void *st,
		      uint32_t page, enum mc_level level, const struct mc_query_ctx *q)
{
	return false;
}

/* exclusive: mapped exactly once (good enough to see the flag carried over a split) */
static bool probe_excl(const struct mc_model_ctx *c, const struct mc_folio *f, const void *st,
		       uint32_t page)
{
	return ((const struct probe *)st)->count[page] == 1;
}

static bool probe_pm_excl(const struct mc_model_ctx *c, const struct mc_folio *f, const void *st,
			  uint32_t page, enum mc_level level)
{
	return false;
}

static void probe_smaps(const struct mc_model_ctx *c, const struct mc_folio *f, const void *st,
			uint32_t first, uint32_t nr, enum mc_level level,
			const struct mc_query_ctx *q, struct mc_smaps *acc)
{
	acc->rss += (uint64_t)nr * MC_PAGE_SIZE;
}

static const struct mc_model probe_model = {
	.abi_version = MC_MODEL_ABI_VERSION,
	.name = "oracle",
	.state_size = probe_size,
	.init = probe_init,
	.fini = probe_fini,
	.metadata_bytes = probe_meta,
	.apply = probe_apply,
	.folio_mapcount = probe_mapcount,
	.folio_mapped = probe_mapped,
	.page_mapcount = probe_page,
	.maybe_shared = probe_false,
	.cow_reuse = probe_cow,
	.partially_mapped = probe_false,
	.anon_exclusive = probe_excl,
	.pagemap_exclusive = probe_pm_excl,
	.smaps_account = probe_smaps,
};

static struct replay rp;

static int rec_folio(uint64_t pfn, unsigned int order, unsigned int kind)
{
	struct mc_record r = { .type = MC_REC_FOLIO };

	r.u.folio = (struct mc_rec_folio){ .pfn = pfn, .order = order, .kind = kind };
	return rp_record(&rp, &r);
}

static int rec_map(uint32_t mm, uint64_t vpn, uint64_t pfn, uint64_t first, uint64_t nr,
		   unsigned int lf)
{
	struct mc_record r = { .type = MC_REC_MAP };

	r.u.map = (struct mc_rec_map){ mm, vpn, pfn, first, nr, lf };
	return rp_record(&rp, &r);
}

static int rec_unmap(uint32_t mm, uint64_t vpn, uint64_t pfn, uint64_t nr, unsigned int lf)
{
	struct mc_record r = { .type = MC_REC_UNMAP };

	r.u.unmap = (struct mc_rec_unmap){ mm, vpn, pfn, nr, lf };
	return rp_record(&rp, &r);
}

static int rec_simple(unsigned int type, uint64_t a, uint64_t b, uint64_t c)
{
	struct mc_record r = { .type = (uint8_t)type };

	switch (type) {
	case MC_REC_FORK:
		r.u.fork = (struct mc_rec_fork){ (uint32_t)a, (uint32_t)b, c };
		break;
	case MC_REC_EXEC:
		r.u.exec.mm = (uint32_t)a;
		break;
	case MC_REC_EXIT:
		r.u.exit.mm = (uint32_t)a;
		break;
	case MC_REC_SPLIT:
		r.u.split = (struct mc_rec_split){ a, b };
		break;
	case MC_REC_FREE:
		r.u.free.pfn = a;
		break;
	case MC_REC_REMAP:
		r.u.remap = (struct mc_rec_remap){ (uint32_t)a, b, c, MC_LEVEL_PMD };
		break;
	}
	return rp_record(&rp, &r);
}

static bool op_is(unsigned int i, unsigned int type, unsigned int level, unsigned int flags,
		  uint32_t first, uint32_t nr, uint32_t mm)
{
	const struct mc_op *o = &oplog[i];

	if (i < nlog && o->type == type && o->level == level && o->flags == flags &&
	    o->first == first && o->nr == nr && o->mm == mm)
		return true;
	if (i < nlog)
		tap_diag("op %u: type %u level %u flags %u first %u nr %u mm %u", i, o->type,
			 o->level, o->flags, o->first, o->nr, o->mm);
	else
		tap_diag("op %u missing (%u logged)", i, nlog);
	return false;
}

static void setup(void)
{
	const struct mc_model *m[] = { &probe_model };
	char err[256];

	rp_fini(&rp);
	if (rp_init(&rp, m, 1, "test", err, sizeof(err)))
		tap_diag("rp_init: %s", err);
	rp.err = NULL;	/* inconsistencies are counted, not printed */
	nlog = 0;
}

static void test_map_batches(void)
{
	setup();
	rec_folio(0x400, 10, MC_KIND_FILE);
	nlog = 0;
	rec_map(1, 0x1100, 0x400, 0, 1024, MC_LF_PTE);
	is_int(nlog, 3, "a 1024-page PTE map crossing page tables: three batches");
	ok(op_is(0, MC_OP_ADD, 0, 0, 0, 256, 1) && op_is(1, MC_OP_ADD, 0, 0, 256, 512, 1) &&
		   op_is(2, MC_OP_ADD, 0, 0, 768, 256, 1),
	   "split at 512-page table boundaries");
	is_int(ft_lookup(&rp.ft, 0x400)->entries, 1024, "1024 entries map the folio");

	nlog = 0;
	rec_map(1, 0x1200, 0x400, 0, 1, MC_LF_PTE);
	is_int(rp.inconsistencies, 1, "map over a mapped VPN: an inconsistency");
	is_int(nlog, 0, "and no operation");

	rec_folio(0x800, 0, MC_KIND_ANON);
	rec_map(1, 0x1500, 0x800, 0, 1, MC_LF_PTE | MC_LF_NEW_ANON | MC_LF_EXCLUSIVE);
	nlog = 0;
	rec_unmap(1, 0x14fe, 0x400, 3, MC_LF_PTE);
	is_int(nlog, 2, "an unmap over two folios: one batch per folio");
	ok(op_is(0, MC_OP_REMOVE, 0, 0, 1022, 2, 1) && oppfn[0] == 0x400 &&
		   op_is(1, MC_OP_REMOVE, 0, 0, 0, 1, 1) && oppfn[1] == 0x800,
	   "in address order");

	nlog = 0;
	rec_unmap(1, 0x14fe, 0x400, 1, MC_LF_PTE);
	is_int(rp.inconsistencies, 2, "unmap of an unmapped VPN: an inconsistency");
	rec_unmap(1, 0x1100, 0x800, 1, MC_LF_PTE);
	is_int(rp.inconsistencies, 3, "unmap naming the wrong PFN: an inconsistency");
	rec_unmap(1, 0x14f0, 0x400, 16, MC_LF_PTE);
	is_int(rp.inconsistencies, 4, "unmap of a range with holes: an inconsistency");
	rec_unmap(1, 0x14f0, 0x400, 16, MC_LF_PTE | (MC_CONF_SEMANTIC << MC_LF_CONF_SHIFT));
	is_int(rp.inconsistencies, 4, "unless it comes from munmap semantics");
	ok(op_is(0, MC_OP_REMOVE, 0, 0, 1008, 14, 1), "which removes what is mapped");
	rec_simple(MC_REC_FREE, 0x400, 0, 0);
	is_int(rp.inconsistencies, 5, "free of a mapped folio: an inconsistency");
	rec_map(1, 0x3000, 0x999, 0, 1, MC_LF_PTE);
	is_int(rp.inconsistencies, 6, "map of an unknown folio: an inconsistency");
	rec_map(1, 0x3000, 0x400, 1000, 100, MC_LF_PTE);
	is_int(rp.inconsistencies, 7, "map past the folio's end: an inconsistency");
}

/* One-PTE MAP and UNMAP records take their own short path: same ops, same refusals. */
static void test_one_pte(void)
{
	char *text = NULL;
	size_t len = 0;

	setup();
	rp.err = open_memstream(&text, &len);
	rec_folio(0x200000, 9, MC_KIND_ANON);
	rec_folio(0x10, 0, MC_KIND_FILE);
	rec_map(1, 0x2000, 0x200000, 0, 512, MC_LF_PMD | MC_LF_NEW_ANON | MC_LF_EXCLUSIVE);
	nlog = 0;
	rec_map(1, 0x4001, 0x10, 0, 1, MC_LF_PTE);
	ok(nlog == 1 && op_is(0, MC_OP_ADD, 0, 0, 0, 1, 1), "one-PTE map: one ADD of page 0");
	rec_map(1, 0x4001, 0x10, 0, 1, MC_LF_PTE);
	rec_map(1, 0x2005, 0x10, 0, 1, MC_LF_PTE);
	rec_unmap(1, 0x2005, 0x200000, 1, MC_LF_PTE);
	rec_unmap(1, 0x4002, 0x10, 1, MC_LF_PTE);
	rec_unmap(1, 0x4001, 0x11, 1, MC_LF_PTE);
	is_int(rp.inconsistencies, 5, "five refused one-PTE records");
	is_int(nlog, 1, "and no operation from them");
	rec_unmap(1, 0x4001, 0x10, 1, MC_LF_PTE);
	ok(nlog == 2 && op_is(1, MC_OP_REMOVE, 0, 0, 0, 1, 1), "one-PTE unmap: one REMOVE");
	is_int(ft_lookup(&rp.ft, 0x10)->entries, 0, "the folio is unmapped");
	fclose(rp.err);
	rp.err = NULL;
	ok(text && strstr(text, "record 5: map over mapped VPN 0x4001 of mm 1; record skipped") &&
		   strstr(text, "record 6: map over mapped VPN 0x2005 of mm 1;") &&
		   strstr(text, "record 7: pte unmap of VPN 0x2005, which a pmd maps;") &&
		   strstr(text, "record 8: unmap of 1 pages at VPN 0x4002 in mm 1, VPN 0x4002 not "
				"mapped;") &&
		   strstr(text,
			  "record 9: unmap of VPN 0x4001 names PFN 0x11, the shadow has 0x10;"),
	   "each refusal reported with its record number");
	free(text);
}

static void test_fork_exec(void)
{
	uint32_t id;

	setup();
	rec_folio(0x200000, 9, MC_KIND_ANON);
	rec_folio(0x10, 0, MC_KIND_ANON);
	rec_map(1, 0x40000, 0x200000, 0, 512, MC_LF_PMD | MC_LF_NEW_ANON | MC_LF_EXCLUSIVE);
	rec_map(1, 0x10, 0x10, 0, 1, MC_LF_PTE | MC_LF_NEW_ANON | MC_LF_EXCLUSIVE);
	ok(op_is(0, MC_OP_NEW_ANON, 1, MC_OPF_EXCLUSIVE, 0, 512, 1), "new anon PMD");
	nlog = 0;
	rec_simple(MC_REC_FORK, 1, 2, MC_FORK_COPY_ALL);
	is_int(nlog, 2, "fork: one DUP per entry");
	ok(op_is(0, MC_OP_DUP, 0, 0, 0, 1, 2) && oplog[0].src_mm == 1 &&
		   op_is(1, MC_OP_DUP, 1, 0, 0, 512, 2) && oplog[1].src_mm == 1,
	   "child 2 from parent 1, address order");
	is_int(ft_lookup(&rp.ft, 0x200000)->entries, 2, "two PMDs map the THP");

	nlog = 0;
	rec_simple(MC_REC_REMAP, 2, 0x40000, 0x200000);
	ok(op_is(0, MC_OP_REMAP, 1, 0, 0, 512, 2), "remap of the child's PMD");
	is_int(ft_lookup(&rp.ft, 0x200000)->entries, 513, "a PMD and 512 PTEs");
	rec_unmap(2, 0x40000, 0x200000, 512, MC_LF_PMD);
	is_int(rp.inconsistencies, 1, "PMD unmap of what PTEs map: an inconsistency");
	rec_simple(MC_REC_REMAP, 2, 0x40000, 0x200000);
	is_int(rp.inconsistencies, 2, "remap of a non-PMD: an inconsistency");

	id = rp.mm_by_trace[2]->id;
	nlog = 0;
	rec_simple(MC_REC_EXEC, 2, 0, 0);
	is_int(nlog, 2, "exec: the small folio, then the 512 PTEs in one batch");
	ok(op_is(0, MC_OP_REMOVE, 0, 0, 0, 1, id) && op_is(1, MC_OP_REMOVE, 0, 0, 0, 512, id),
	   "removed in address order by the old mm");
	ok(rp.mm_by_trace[2]->id != id && rp.mm_by_trace[2]->id > 2, "exec gives a new mm id");
	ok(rp.last == rp.mm_by_trace[2], "last in creation order");
	nlog = 0;
	rec_simple(MC_REC_EXIT, 1, 0, 0);
	ok(op_is(0, MC_OP_REMOVE, 0, 0, 0, 1, 1) && op_is(1, MC_OP_REMOVE, 1, 0, 0, 512, 1),
	   "exit removes the PMD at its level");
	is_int(rp.pool.tables, 0 + (rp.mm_by_trace[2]->sh.pgd ? 1 : 0),
	       "page tables returned to the pool");
	rec_map(1, 0x10, 0x10, 0, 1, MC_LF_PTE);
	is_int(rp.inconsistencies, 3, "use of an exited mm: an inconsistency");
	finis = inits = 0;
	rec_folio(0x10, 0, MC_KIND_FILE);
	ok(finis == 1 && inits == 1, "a folio record over an unmapped live folio: free + new");
	is_int(ft_kind(ft_lookup(&rp.ft, 0x10)), MC_KIND_FILE, "with the new kind");
}

static void test_split(void)
{
	const struct ft_slot *s;
	unsigned int i;
	bool restore_ok = true;

	setup();
	rec_folio(0x1000, 2, MC_KIND_ANON);
	rec_map(1, 0x100, 0x1000, 0, 4, MC_LF_PTE | MC_LF_NEW_ANON | MC_LF_EXCLUSIVE);
	rec_map(3, 0x500, 0x1000, 1, 2, MC_LF_PTE);
	nlog = 0;
	rec_simple(MC_REC_SPLIT, 0x1000, 0, 0);
	is_int(nlog, 12, "split of an order-2 folio with 6 PTEs: 6 removes, 6 restores");
	for (i = 0; i < 4; i++)
		ok(op_is(i, MC_OP_REMOVE, 0, MC_OPF_FREEZE, i, 1, 1), "freeze mm 1 page %u", i);
	ok(op_is(4, MC_OP_REMOVE, 0, MC_OPF_FREEZE, 1, 1, 2) &&
		   op_is(5, MC_OP_REMOVE, 0, MC_OPF_FREEZE, 2, 1, 2),
	   "then mm 2 (creation order)");
	for (i = 0; i < 6; i++) {
		/* the probe calls a page exclusive while one entry maps it: every
		 * page is asked before any mapping is frozen, so pages 0 and 3 are
		 * exclusive, 1 and 2 (mapped by both mms) are not */
		static const uint32_t pages[6] = { 0, 1, 2, 3, 1, 2 };
		unsigned int fl = MC_OPF_RESTORE | (pages[i] % 3 == 0 ? MC_OPF_EXCLUSIVE : 0);

		restore_ok &= op_is(6 + i, MC_OP_ADD, 0, fl, 0, 1, i < 4 ? 1 : 2) &&
			      oppfn[6 + i] == 0x1000 + pages[i];
	}
	ok(restore_ok, "restores one page per call into the new folios, exclusive carried");
	s = ft_lookup(&rp.ft, 0x1001);
	ok(s && ft_order(s) == 0 && s->entries == 2, "new folio 0x1001 mapped twice");
	is_int(sh_leaf_slot(sh_lookup(&rp.mm_by_trace[3]->sh, 0x500, NULL)), ft_id(&rp.ft, s),
	       "the shadow points at the new folio");

	rec_folio(0x200000, 9, MC_KIND_ANON);
	rec_map(1, 0x40000, 0x200000, 0, 512, MC_LF_PMD | MC_LF_NEW_ANON | MC_LF_EXCLUSIVE);
	nlog = 0;
	rec_simple(MC_REC_SPLIT, 0x200000, 2, 0);
	ok(op_is(0, MC_OP_REMOVE, 1, MC_OPF_FREEZE, 0, 512, 1), "a PMD is frozen in one call");
	is_int(nlog, 513, "and restored one page per call");
	ok(op_is(512, MC_OP_ADD, 0, MC_OPF_RESTORE | MC_OPF_EXCLUSIVE, 3, 1, 1) &&
		   oppfn[512] == 0x200000 + 508,
	   "the last page into the last order-2 folio");
	s = ft_lookup(&rp.ft, 0x200000 + 508);
	ok(s && s->entries == 4 && ft_order(s) == 2, "which 4 PTEs map");
	is_int(sh_leaf_level(sh_lookup(&rp.mm_by_trace[1]->sh, 0x401ff, NULL)), 0,
	       "the PMD became PTEs");
	rec_simple(MC_REC_SPLIT, 0x200000, 2, 0);
	is_int(rp.inconsistencies, 0 + 1, "split to the same order: an inconsistency");
}

static size_t align_three(unsigned int order)
{
	return 3;
}

/* Where each model's state sits in a folio's block, and what a bad alignment gets. */
static void test_state_layout(void)
{
	unsigned int n;
	const struct mc_model *const *all = mc_builtin_models(&n);
	struct mc_model odd = probe_model;
	const struct mc_model *m[] = { &odd };
	struct replay r;
	char err[256] = "";
	bool fits = true;

	if (rp_init(&r, all, n, "test", err, sizeof(err))) {
		ok(0, "rp_init of the built-in models: %s", err);
		return;
	}
	for (unsigned int o = 0; o <= MC_MAX_ORDER; o += 4) {
		/* order-0 states start after the slot, in a 16-byte aligned block */
		size_t end = 0, base = o ? 0 : FT_STATE0_OFFSET;

		for (unsigned int i = 0; i < n; i++) {
			size_t align = all[i]->state_align ? all[i]->state_align(o) : 8;

			fits &= (base + r.off[o][i]) % align == 0 && r.off[o][i] >= end;
			end = r.off[o][i] + all[i]->state_size(o);
		}
		fits &= end <= r.ft.state_size[o];
	}
	ok(fits, "each model's state at its alignment, none overlapping, inside the block");
	is_int(r.ft.stride, 64, "an order-0 folio of all %u built-in models: one 64-byte line", n);
	rp_fini(&r);

	odd.state_align = align_three;
	ok(rp_init(&r, m, 1, "test", err, sizeof(err)) && strstr(err, "alignment 3"),
	   "a state alignment that is not 1, 2, 4 or 8 is refused: %s", err);
}

/* rp afresh with every built-in model, then the probe (a model not built in) */
static bool rp_init_builtin_and_probe(void)
{
	unsigned int n;
	const struct mc_model *all[RP_MAX_MODELS + 1], *const *builtin = mc_builtin_models(&n);
	char err[256];

	for (unsigned int i = 0; i < n; i++)
		all[i] = builtin[i];
	all[n] = &probe_model;
	rp_fini(&rp);
	if (rp_init(&rp, all, n + 1, "test", err, sizeof(err))) {
		ok(0, "rp_init: %s", err);
		return false;
	}
	return true;
}

/*
 * A new order-0 folio's built-in states are copied from rp.init0: each
 * built-in init() must write the same for any PFN and slot of a kind, and a
 * model that is not built in (the probe) still has its init() called.
 */
static void test_init0_template(void)
{
	unsigned int n, kinds[] = { MC_KIND_ANON, MC_KIND_FILE, MC_KIND_SHMEM, 16 };
	const struct mc_model *const *builtin = mc_builtin_models(&n);
	_Alignas(16) uint8_t block[FT_STATE0_OFFSET + RP_INIT0_MAX];
	bool same = true, copied = true;

	if (!rp_init_builtin_and_probe())
		return;
	is_int(rp.init0_call, 1ull << n, "only the probe's init() is still called");
	for (unsigned int k = 0; k < 4; k++) {
		unsigned int t = kinds[k] == 16 ? RP_INIT0_KSM : kinds[k];
		uint64_t pfn = 0x1234567 + k;
		struct ft_slot *s;

		for (unsigned int i = 0; i < n; i++) {
			struct mc_folio f = { .pfn = 0x2000 + 77 * k, .slot = 5 + k * 1000,
					      .kind = kinds[k] & 15, .ksm = kinds[k] == 16 };
			uint8_t *at = block + FT_STATE0_OFFSET + rp.off[0][i];

			memset(block, 0x5a, sizeof(block));
			builtin[i]->init(&rp.ctx[i], &f, at);
			same &= !memcmp(at, rp.init0[t] + FT_STATE0_OFFSET + rp.off[0][i],
					builtin[i]->state_size(0));
		}
		inits = 0;
		rec_folio(pfn, 0, kinds[k]);
		s = ft_lookup(&rp.ft, pfn);
		copied &= s && inits == 1 &&
			  !memcmp(ft_state(&rp.ft, s), rp.init0[t] + FT_STATE0_OFFSET,
				  rp.off[0][n]);
	}
	ok(same, "every built-in order-0 init() writes its kind's template, whatever the PFN");
	ok(copied, "a new order-0 folio gets the template and the probe's own init()");
}

/*
 * A free of an order-0 folio calls fini() only of the models that gave no
 * fini0_mask while the masked bytes are as init() left them: each built-in
 * fini() must then have no effect, whatever the other bytes hold, and a
 * counter off in any model's state must still reach every fini().
 */
static void test_fini0_mask(void)
{
	unsigned int n, kinds[] = { MC_KIND_ANON, MC_KIND_FILE, MC_KIND_SHMEM, 16 };
	const struct mc_model *const *builtin = mc_builtin_models(&n);
	bool no_effect = true, caught = true, none = true;

	if (!rp_init_builtin_and_probe())
		return;
	is_int(rp.fini0_call, 1ull << n, "only the probe's fini() is called at a clean free");
	ok(rp.fini0_words && rp.fini0_words * 8 <= rp.ft.stride,
	   "the masked words (%zu) lie inside a block of %zu bytes", rp.fini0_words, rp.ft.stride);
	srand(7);
	for (unsigned int k = 0; k < 4; k++) {
		unsigned int t = kinds[k] == 16 ? RP_INIT0_KSM : kinds[k];
		struct mc_folio f = { .pfn = 0x3000 + k, .slot = 9, .kind = kinds[k] & 15,
				      .ksm = kinds[k] == 16 };

		for (unsigned int i = 0; i < n; i++) {
			size_t at = FT_STATE0_OFFSET + rp.off[0][i];

			for (unsigned int trial = 0; trial < 200; trial++) {
				_Alignas(16) uint8_t block[RP_INIT0_ROW];
				struct mc_model_ctx before = rp.ctx[i];

				for (size_t b = 0; b < sizeof(block); b++)
					block[b] = rp.fini0_mask[b] ? rp.init0[t][b] :
								      (uint8_t)rand();
				builtin[i]->fini(&rp.ctx[i], &f, block + at);
				no_effect &= !memcmp(&before, &rp.ctx[i], sizeof(before));
			}
		}
	}
	ok(no_effect, "a built-in fini() of a state clean under its mask changes nothing");
	for (unsigned int i = 0; i < n; i++) {
		size_t at = FT_STATE0_OFFSET + rp.off[0][i], b = 0;
		uint64_t violations = rp.ctx[i].violations;
		unsigned int calls = finis;
		struct ft_slot *s;

		while (!rp.fini0_mask[at + b])
			b++;
		rec_folio(0x5000 + i, 0, MC_KIND_ANON);
		rec_map(1, 0x6000, 0x5000 + i, 0, 1, MC_LF_PTE | MC_LF_NEW_ANON | MC_LF_EXCLUSIVE);
		rec_unmap(1, 0x6000, 0x5000 + i, 1, MC_LF_PTE);
		s = ft_lookup(&rp.ft, 0x5000 + i);
		if (!s) {
			ok(0, "folio %#x is live", 0x5000 + i);
			return;
		}
		((uint8_t *)s)[at + b] ^= 1;
		rec_simple(MC_REC_FREE, 0x5000 + i, 0, 0);
		caught &= rp.ctx[i].violations > violations && finis == calls + 1;
		if (rp.ctx[i].violations <= violations)
			tap_diag("%s: counter off at byte %zu, no violation", builtin[i]->name, b);
	}
	ok(caught, "a counter off in any built-in state at the free is a violation");
	for (unsigned int i = 0; i < n; i++)
		rp.ctx[i].violations = 0;
	rec_folio(0x7000, 0, MC_KIND_ANON);
	rec_map(1, 0x7000, 0x7000, 0, 1, MC_LF_PTE | MC_LF_NEW_ANON | MC_LF_EXCLUSIVE);
	rec_unmap(1, 0x7000, 0x7000, 1, MC_LF_PTE);
	finis = 0;
	rec_simple(MC_REC_FREE, 0x7000, 0, 0);
	is_int(finis, 1, "a clean free still calls the probe's fini()");
	for (unsigned int i = 0; i < n; i++)
		none &= !rp.ctx[i].violations;
	ok(none, "and no built-in model counts a violation");
}

int main(void)
{
	test_state_layout();
	test_init0_template();
	test_fini0_mask();
	test_map_batches();
	test_one_pte();
	test_fork_exec();
	test_split();
	rp_fini(&rp);
	return tap_done();
}
