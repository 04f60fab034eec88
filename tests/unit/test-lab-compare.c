// SPDX-License-Identifier: GPL-2.0
/*
 * Per-page kernel-of-its-era check for the kernel lab (tests/lab): replay a
 * recorded trace through the oracle and one model and, at every quiet
 * checkpoint, hold each KPAGE record (the kernel's /proc/kpagecount and
 * pagemap PM_MMAP_EXCLUSIVE) against the model's page_mapcount and
 * pagemap_exclusive for the same page. Where the kernel and the oracle
 * differ, the model must side with the kernel.
 *
 *   test-lab-compare                      self-test on synthetic traces
 *   test-lab-compare MODEL TRACE...       TAP per trace (used by tests/e2e/70-lab.t)
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "replayer/model-set.h"
#include "replayer/replay.h"
#include "tests/tap.h"

struct page_cmp {
	uint64_t checkpoints, pages;
	uint64_t pfn_diff; /* the replay maps another PFN (or nothing) there */
	uint64_t count_diff[2]; /* [0] oracle, [1] model: kpagecount differs */
	uint64_t excl_diff[2]; /* PM_MMAP_EXCLUSIVE differs */
	int64_t worst_count[2]; /* largest |model - kernel| page mapcount */
	uint64_t kernel_vs_oracle_excl; /* pages where the kernel's exclusivity is not the oracle's
					 */
	int shown;
};

static void show(struct page_cmp *c, const char *what, const struct mc_rec_kpage *k, int64_t got)
{
	if (c->shown++ < 5)
		tap_diag("  %s: mm %u vpn %#llx pfn %#llx: kernel count %llu excl %llu, got %lld",
			 what, k->mm, (unsigned long long)k->vpn, (unsigned long long)k->pfn,
			 (unsigned long long)k->kpagecount, (unsigned long long)(k->flags & 1),
			 (long long)got);
}

static void compare_page(struct replay *rp, const struct mc_rec_kpage *k, struct page_cmp *c)
{
	struct rp_mm *mm = k->mm < rp->nr_trace_mms ? rp->mm_by_trace[k->mm] : NULL;
	uint64_t leaf = mm && mm->live ? sh_lookup(&mm->sh, k->vpn, NULL) : 0;
	bool excl[2];
	struct ft_slot *s;
	struct mc_folio f;
	uint32_t page;

	c->pages++;
	if (!leaf) {
		c->pfn_diff++;
		show(c, "not mapped in the replay", k, 0);
		return;
	}
	s = ft_slot(&rp->ft, sh_leaf_slot(leaf));
	f = ft_folio(&rp->ft, s);
	page = sh_leaf_page(leaf) + (uint32_t)(k->vpn & (sh_level_pages(sh_leaf_level(leaf)) - 1));
	if (f.pfn + page != k->pfn) {
		c->pfn_diff++;
		show(c, "another PFN in the replay", k, (int64_t)(f.pfn + page));
		return;
	}
	for (unsigned m = 0; m < 2; m++) {
		const struct mc_model *md = rp->model[m];
		const void *st = rp_state(rp, s, m);
		int64_t count = md->page_mapcount(&rp->ctx[m], &f, st, page);
		int64_t d = count - (int64_t)k->kpagecount;

		excl[m] = md->pagemap_exclusive(&rp->ctx[m], &f, st, page, sh_leaf_level(leaf));
		if (d) {
			c->count_diff[m]++;
			if (m)
				show(c, "model page_mapcount", k, count);
		}
		if (llabs(d) > c->worst_count[m])
			c->worst_count[m] = llabs(d);
		if (excl[m] != (k->flags & 1)) {
			c->excl_diff[m]++;
			if (m)
				show(c, "model pagemap_exclusive", k, excl[m]);
		}
	}
	c->kernel_vs_oracle_excl += excl[0] != (k->flags & 1);
}

/* Replay path through the oracle and model; 0, or -1 with a message on stderr. */
static int compare_trace(const char *path, const char *model, struct page_cmp *c)
{
	char err[512], list[128];
	struct mc_kpages {
		struct mc_rec_kpage *v;
		size_t n, cap;
	} kp = {0};
	struct model_set *ms;
	struct mc_reader *r;
	struct mc_record rec;
	struct replay rp;
	int rc, ret = 0;

	memset(c, 0, sizeof(*c));
	snprintf(list, sizeof(list), "oracle,%s", model);
	ms = model_set_open(list, err, sizeof(err));
	if (!ms) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	r = mc_reader_open(path, err, sizeof(err));
	if (!r || rp_init(&rp, ms->models, ms->nr, path, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		if (r)
			mc_reader_close(r);
		model_set_close(ms);
		return -1;
	}
	rp.err = NULL;
	while ((rc = mc_reader_next(r, &rec)) > 0) {
		if (rec.type == MC_REC_KPAGE) {
			if (kp.n == kp.cap) {
				size_t cap = kp.cap ? kp.cap * 2 : 4096;
				struct mc_rec_kpage *v = realloc(kp.v, cap * sizeof(*v));

				if (!v) {
					ret = -1;
					break;
				}
				kp.v = v;
				kp.cap = cap;
			}
			kp.v[kp.n++] = rec.u.kpage;
			continue;
		}
		rc = rp_record(&rp, &rec);
		if (rc < 0) {
			ret = -1;
			break;
		}
		if (rc == 1) {
			if (rec.u.checkpoint.flags & MC_CKPT_QUIET) {
				c->checkpoints += kp.n > 0;
				for (size_t i = 0; i < kp.n; i++)
					compare_page(&rp, &kp.v[i], c);
			}
			kp.n = 0;
			rp_kernel_clear(&rp);
		}
	}
	if (rc < 0 && ret == 0) {
		fprintf(stderr, "%s\n", mc_reader_error(r));
		ret = -1;
	}
	free(kp.v);
	rp_fini(&rp);
	mc_reader_close(r);
	model_set_close(ms);
	return ret;
}

static int lab_mode(const char *model, int n, char **traces)
{
	for (int i = 0; i < n; i++) {
		const char *name =
			strrchr(traces[i], '/') ? strrchr(traces[i], '/') + 1 : traces[i];
		struct page_cmp c;

		if (!ok(compare_trace(traces[i], model, &c) == 0, "%s: replays", name))
			continue;
		ok(c.checkpoints > 0 && c.pages > 0, "%s: %llu pages at %llu quiet checkpoints",
		   name, (unsigned long long)c.pages, (unsigned long long)c.checkpoints);
		is_int(c.pfn_diff, 0, "%s: the replay maps the kernel's PFN at every page", name);
		is_int(c.count_diff[1], 0,
		       "%s: %s page_mapcount == kpagecount (oracle differs on %llu, "
		       "worst |d| model %lld, oracle %lld)",
		       name, model, (unsigned long long)c.count_diff[0],
		       (long long)c.worst_count[1], (long long)c.worst_count[0]);
		is_int(c.excl_diff[1], 0,
		       "%s: %s pagemap_exclusive == PM_MMAP_EXCLUSIVE (oracle's "
		       "exclusivity differs from the kernel's on %llu)",
		       name, model, (unsigned long long)c.kernel_vs_oracle_excl);
	}
	return tap_done();
}

/* ---- self-test: the comparison finds what it should ---- */

static void put(struct mc_writer *w, struct mc_record *rec)
{
	if (mc_writer_put(w, rec))
		fprintf(stderr, "%s\n", mc_writer_error(w));
}

/* mm 1 maps one new anon page and 512 pages of a THP by PMD; KPAGE says count
 * kcount and exclusive for the small page; a quiet checkpoint follows. */
static int write_trace(const char *path, unsigned kcount, unsigned kvpn_off)
{
	struct mc_rec_header h = {.magic = {"mapcount", 8},
				  .version = MC_TRACE_VERSION,
				  .page_shift = 12,
				  .pmd_order = 9,
				  .pud_order = 18,
				  .source = {"scenario", 8}};
	char err[256];
	struct mc_writer *w = mc_writer_open(path, &h, MC_W_FORCE, err, sizeof(err));
	struct mc_record rec;

	if (!w)
		return -1;
	rec = (struct mc_record){.type = MC_REC_MM,
				 .u.mm = {.mm = 1, .pid = 7, .name = {"7/t", 3}}};
	put(w, &rec);
	rec = (struct mc_record){.type = MC_REC_FOLIO, .u.folio = {.pfn = 0x1000}};
	put(w, &rec);
	rec = (struct mc_record){.type = MC_REC_MAP,
				 .u.map = {.mm = 1,
					   .vpn = 0x400,
					   .pfn = 0x1000,
					   .nr = 1,
					   .lf = MC_LF_NEW_ANON | MC_LF_EXCLUSIVE}};
	put(w, &rec);
	rec = (struct mc_record){.type = MC_REC_FOLIO, .u.folio = {.pfn = 0x2000, .order = 9}};
	put(w, &rec);
	rec = (struct mc_record){.type = MC_REC_MAP,
				 .u.map = {.mm = 1,
					   .vpn = 0x600,
					   .pfn = 0x2000,
					   .nr = 512,
					   .lf = 1 | MC_LF_NEW_ANON | MC_LF_EXCLUSIVE}};
	put(w, &rec);
	rec = (struct mc_record){.type = MC_REC_KPAGE,
				 .u.kpage = {.mm = 1,
					     .vpn = 0x400 + kvpn_off,
					     .pfn = 0x1000,
					     .kpagecount = kcount,
					     .flags = kcount == 1}};
	put(w, &rec);
	rec = (struct mc_record){
		.type = MC_REC_KPAGE,
		.u.kpage = {.mm = 1, .vpn = 0x605, .pfn = 0x2005, .kpagecount = 1, .flags = 1}};
	put(w, &rec);
	rec = (struct mc_record){
		.type = MC_REC_CHECKPOINT,
		.u.checkpoint = {.label = {"quiet-7-1", 9}, .flags = MC_CKPT_QUIET}};
	put(w, &rec);
	return mc_writer_close(w);
}

static int self_test(void)
{
	char path[] = "/tmp/mapcount-lab-compare-XXXXXX";
	int fd = mkstemp(path);
	struct page_cmp c;

	if (fd < 0)
		tap_plan_skip_all("cannot create a temporary file");
	close(fd);
	ok(write_trace(path, 1, 0) == 0, "a trace with matching kernel truth is written");
	ok(compare_trace(path, "entire-nrmapped-6.12", &c) == 0, "it replays");
	is_int(c.checkpoints, 1, "one quiet checkpoint with KPAGE records");
	is_int(c.pages, 2, "two pages compared");
	is_int(c.pfn_diff + c.count_diff[1] + c.excl_diff[1], 0, "the model agrees with it");
	ok(write_trace(path, 2, 0) == 0, "a trace whose kernel counts 2 and shared");
	ok(compare_trace(path, "entire-nrmapped-6.12", &c) == 0, "it replays");
	is_int(c.count_diff[1], 1, "the page mapcount difference is found");
	is_int(c.worst_count[1], 1, "by its size");
	is_int(c.excl_diff[1], 1, "the exclusivity difference is found");
	ok(write_trace(path, 1, 1) == 0, "a trace whose KPAGE names an unmapped VPN");
	ok(compare_trace(path, "entire-nrmapped-6.12", &c) == 0, "it replays");
	is_int(c.pfn_diff, 1, "the missing mapping is found");
	unlink(path);
	return tap_done();
}

int main(int argc, char **argv)
{
	if (argc >= 3)
		return lab_mode(argv[1], argc - 2, argv + 2);
	if (argc == 2) {
		fprintf(stderr, "usage: test-lab-compare [MODEL TRACE...]\n");
		return 2;
	}
	return self_test();
}
