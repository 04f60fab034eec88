// SPDX-License-Identifier: GPL-2.0
/* The replay engine (replay.h): records -> shadow + folio table -> model ops. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "replayer/replay.h"

#define RP_REPORT_MAX 20	/* inconsistencies printed in full before going quiet */

void rp_inconsistent(struct replay *rp, const char *fmt, ...)
{
	va_list ap;

	rp->inconsistencies++;
	if (!rp->err || rp->reported > RP_REPORT_MAX)
		return;
	if (rp->reported++ == RP_REPORT_MAX) {
		fprintf(rp->err, "%s: further inconsistencies are counted, not shown\n",
			rp->trace_name);
		return;
	}
	fprintf(rp->err, "%s: record %llu: ", rp->trace_name, (unsigned long long)rp->recno);
	va_start(ap, fmt);
	vfprintf(rp->err, fmt, ap);
	va_end(ap);
	fprintf(rp->err, "; record skipped\n");
}

void *rp_scratch(struct replay *rp, size_t bytes)
{
	if (bytes > rp->scratch_cap) {
		size_t cap = rp->scratch_cap ? rp->scratch_cap : 4096;
		void *n;

		while (cap < bytes)
			cap *= 2;
		n = realloc(rp->scratch, cap);
		if (!n)
			return NULL;
		rp->scratch = n;
		rp->scratch_cap = cap;
	}
	return rp->scratch;
}

static void rp_init0_template(struct replay *rp, size_t bytes);

int rp_init(struct replay *rp, const struct mc_model *const *models, unsigned int nr,
	    const char *trace_name, char *err, size_t errlen)
{
	size_t sizes[MC_MAX_ORDER + 1];

	memset(rp, 0, sizeof(*rp));
	rp->trace_name = trace_name;
	rp->err = stderr;
	rp->next_mm_id = 1;
	if (nr == 0 || nr > RP_MAX_MODELS) {
		snprintf(err, errlen, "%u models: between 1 and %u can be replayed at once", nr,
			 RP_MAX_MODELS);
		return -1;
	}
	for (unsigned int o = 0; o <= MC_MAX_ORDER; o++) {
		/* order-0 states follow the slot in its 16-byte aligned block: align
		 * them by their place in the block */
		size_t base = o ? 0 : FT_STATE0_OFFSET, at = base;

		for (unsigned int i = 0; i < nr; i++) {
			size_t align = models[i]->state_align ? models[i]->state_align(o) : 8;

			if (align != 1 && align != 2 && align != 4 && align != 8) {
				snprintf(err, errlen, "model %s: state alignment %zu for order %u "
					 "is not 1, 2, 4 or 8", models[i]->name, align, o);
				return -1;
			}
			at = (at + align - 1) & ~(align - 1);
			rp->off[o][i] = at - base;
			at += models[i]->state_size(o);
		}
		sizes[o] = o ? (at + 7) & ~(size_t)7 : at - base;
	}
	if (ft_init(&rp->ft, sizes)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rp->oracle = models[0] == &mc_model_oracle;
	for (unsigned int i = 0; i < nr; i++) {
		rp->model[i] = models[i];
		rp->apply[i] = models[i]->apply;
		rp->init[i] = models[i]->init;
		rp->fini[i] = models[i]->fini;
		rp->ctx[i].model = models[i];
		rp->nr_models = i + 1;
		if (models[i]->ctx_init && models[i]->ctx_init(&rp->ctx[i])) {
			snprintf(err, errlen, "model %s: context set-up failed", models[i]->name);
			rp->nr_models = i;
			rp_fini(rp);
			return -1;
		}
	}
	rp_init0_template(rp, sizes[0]);
	return 0;
}

static bool rp_builtin_model(const struct mc_model *m)
{
	unsigned int n;
	const struct mc_model *const *builtin = mc_builtin_models(&n);

	for (unsigned int i = 0; i < n; i++)
		if (builtin[i] == m)
			return true;
	return false;
}

/* rp->fini0_mask: model i's fini0_mask() at its place in the block */
static void rp_fini0_mask(struct replay *rp, unsigned int i)
{
	size_t at = FT_STATE0_OFFSET + rp->off[0][i], size = rp->model[i]->state_size(0);
	uint8_t mask[RP_INIT0_MAX] = { 0 };

	rp->model[i]->fini0_mask(mask);
	memcpy(rp->fini0_mask + at, mask, size);
	for (size_t b = 0; b < size; b++)
		if (mask[b] && (at + b) / 8 >= rp->fini0_words)
			rp->fini0_words = (at + b) / 8 + 1;
}

/* rp->init0: each built-in model's order-0 init() once per kind, on a dummy folio;
 * rp->fini0_mask: what their fini() checks */
static void rp_init0_template(struct replay *rp, size_t bytes)
{
	rp->init0_call = 0;
	rp->init0_bytes = bytes <= RP_INIT0_MAX ? bytes : 0;
	rp->fini0_call = 0;
	rp->fini0_words = 0;
	memset(rp->fini0_mask, 0, sizeof(rp->fini0_mask));
	for (unsigned int i = 0; i < rp->nr_models; i++) {
		if (!rp->init0_bytes || !rp_builtin_model(rp->model[i])) {
			rp->init0_call |= 1ull << i;
			rp->fini0_call |= 1ull << i;
			continue;
		}
		if (rp->model[i]->fini0_mask)
			rp_fini0_mask(rp, i);
		else
			rp->fini0_call |= 1ull << i;
		for (unsigned int t = 0; t <= RP_INIT0_KSM; t++) {
			struct mc_folio f = {
				.kind = t == RP_INIT0_KSM ? MC_KIND_ANON : t,
				.ksm = t == RP_INIT0_KSM,
			};
			uint8_t *state = rp->init0[t] + FT_STATE0_OFFSET + rp->off[0][i];

			rp->init[i](&rp->ctx[i], &f, state);
		}
	}
}

static void rp_zap(struct replay *rp, struct rp_mm *mm, uint64_t start, uint64_t end,
		   bool teardown);

/* Model i's call, if there is a model i: one call site per model (see rp_apply_all()). */
#define RP_EACH_MODEL(call)                                                                        \
	do {                                                                                       \
		unsigned int n = rp->nr_models, i = 0;                                             \
                                                                                                   \
		_Pragma("GCC unroll 8") for (; i < 8; i++) {                                       \
			if (i == n)                                                                \
				return;                                                            \
			call;                                                                      \
		}                                                                                  \
		for (; i < n; i++)                                                                 \
			call;                                                                      \
	} while (0)

void rp_apply_all(struct replay *rp, const struct mc_folio *f, char *state, const struct mc_op *op)
{
	const size_t *off = rp->off[f->order];

	RP_EACH_MODEL(rp->apply[i](&rp->ctx[i], f, state + off[i], op));
}

void rp_init_all(struct replay *rp, const struct mc_folio *f, char *state)
{
	const size_t *off = rp->off[f->order];

	RP_EACH_MODEL(rp->init[i](&rp->ctx[i], f, state + off[i]));
}

/* fn (rp->init or rp->fini) of each model i in the mask which, on order-0 folio f */
static void rp_call0(struct replay *rp,
		     void (*const *fn)(struct mc_model_ctx *, const struct mc_folio *, void *),
		     uint64_t which, const struct mc_folio *f, char *state)
{
	for (; which; which &= which - 1) {
		unsigned int i = (unsigned int)__builtin_ctzll(which);

		fn[i](&rp->ctx[i], f, state + rp->off[0][i]);
	}
}

/* init() of a new folio: for order 0, the built-in models' states copied in one go */
static void rp_init_new(struct replay *rp, struct ft_slot *s)
{
	struct mc_folio f = ft_folio(&rp->ft, s);
	char *state = ft_state(&rp->ft, s);

	if (f.order || !rp->init0_bytes) {
		rp_init_all(rp, &f, state);
		return;
	}
	memcpy(state, rp->init0[f.ksm ? RP_INIT0_KSM : f.kind] + FT_STATE0_OFFSET, rp->init0_bytes);
	rp_call0(rp, rp->init, rp->init0_call, &f, state);
}

void rp_fini_all(struct replay *rp, const struct mc_folio *f, char *state)
{
	const size_t *off = rp->off[f->order];

	RP_EACH_MODEL(rp->fini[i](&rp->ctx[i], f, state + off[i]));
}

/* Does an order-0 block differ from its kind's template where a fini() looks? */
static bool rp_fini0_dirty(const struct replay *rp, const struct ft_slot *s)
{
	const uint8_t *block = (const uint8_t *)s;
	const uint8_t *tmpl = rp->init0[ft_ksm(s) ? RP_INIT0_KSM : ft_kind(s)];
	uint64_t dirty = 0;

	for (size_t w = 0; w < rp->fini0_words; w++) {
		uint64_t b, t, m;

		memcpy(&b, block + 8 * w, 8);
		memcpy(&t, tmpl + 8 * w, 8);
		memcpy(&m, rp->fini0_mask + 8 * w, 8);
		dirty |= (b ^ t) & m;
	}
	return dirty;
}

/* Every model's fini() on the live folio in s; for an order-0 folio whose counters
 * are as init() left them, only those of the models that gave no fini0_mask. */
static void rp_fini_folio(struct replay *rp, struct ft_slot *s)
{
	struct mc_folio f;

	if (ft_order(s) || !rp->init0_bytes || rp_fini0_dirty(rp, s)) {
		rp_init_fini(rp, s, true);
		return;
	}
	f = ft_folio(&rp->ft, s);
	rp_call0(rp, rp->fini, rp->fini0_call, &f, ft_state(&rp->ft, s));
}

void rp_fini(struct replay *rp)
{
	struct ft_slot *s;

	/* tear down as the kernel would: every mm exits, then every folio is freed,
	 * so that each model sees a consistent end (fini() on unmapped state) */
	for (struct rp_mm *mm = rp->first; mm; mm = mm->next)
		rp_zap(rp, mm, 0, 1ull << SH_VPN_BITS, false);
	if (rp->ft.blocks)
		ft_for_each_live(&rp->ft, s)
			rp_fini_folio(rp, s);
	for (unsigned int i = 0; i < rp->nr_models; i++)
		if (rp->model[i]->ctx_fini)
			rp->model[i]->ctx_fini(&rp->ctx[i]);
	for (uint32_t i = 0; i < rp->nr_trace_mms; i++)
		if (rp->mm_by_trace[i] != &rp_mm_exited)
			free(rp->mm_by_trace[i]);
	free(rp->mm_by_trace);
	free(rp->kproc);
	free(rp->scratch);
	free(rp->split_v);
	sh_pool_fini(&rp->pool);
	ft_fini(&rp->ft);
	memset(rp, 0, sizeof(*rp));
}

/* ---- mms ---- */

/* What the trace id of an mm that exited leads to: its struct is freed, so that a
 * trace of many short-lived processes keeps 8 bytes per process, not a struct. */
struct rp_mm rp_mm_exited = { .live = false };

static void rp_mm_link(struct replay *rp, struct rp_mm *mm)
{
	mm->id = rp->next_mm_id++;
	mm->prev = rp->last;
	mm->next = NULL;
	if (rp->last)
		rp->last->next = mm;
	else
		rp->first = mm;
	rp->last = mm;
}

static void rp_mm_unlink(struct replay *rp, struct rp_mm *mm)
{
	if (mm->prev)
		mm->prev->next = mm->next;
	else
		rp->first = mm->next;
	if (mm->next)
		mm->next->prev = mm->prev;
	else
		rp->last = mm->prev;
	mm->prev = mm->next = NULL;
}

static void rp_set_name(struct rp_mm *mm, const struct mc_str *name)
{
	uint32_t n = name->len < RP_NAME_MAX - 1 ? name->len : RP_NAME_MAX - 1;

	memcpy(mm->name, name->s, n);
	mm->name[n] = 0;
}

/* rp_mm() for an mm not live: a new one, or one that exited (an inconsistency) */
static struct rp_mm *rp_mm_slow(struct replay *rp, uint32_t tid)
{
	struct rp_mm *mm;

	if (tid >= rp->nr_trace_mms) {
		uint32_t n = rp->nr_trace_mms ? rp->nr_trace_mms : 64;
		struct rp_mm **a;

		while (n <= tid)
			n *= 2;
		a = realloc(rp->mm_by_trace, (size_t)n * sizeof(*a));
		if (!a) {
			rp->oom = true;
			return NULL;
		}
		memset(a + rp->nr_trace_mms, 0, (size_t)(n - rp->nr_trace_mms) * sizeof(*a));
		rp->mm_by_trace = a;
		rp->nr_trace_mms = n;
	}
	if (rp->mm_by_trace[tid]) {
		rp_inconsistent(rp, "mm %u is used after its exit", tid);
		return NULL;
	}
	mm = calloc(1, sizeof(*mm));
	if (!mm) {
		rp->oom = true;
		return NULL;
	}
	mm->trace_id = tid;
	mm->live = true;
	snprintf(mm->name, sizeof(mm->name), "mm%u", tid);
	rp_mm_link(rp, mm);
	rp->mm_by_trace[tid] = mm;
	rp->live_mms++;
	return mm;
}

/* The live mm with trace id tid, created at its first use. NULL: out of memory or
 * an mm that exited (an inconsistency, reported here). Inline: a MAP asks each time. */
static inline struct rp_mm *rp_mm(struct replay *rp, uint32_t tid)
{
	struct rp_mm *mm = rp_mm_of(rp, tid);

	return mm && mm->live ? mm : rp_mm_slow(rp, tid);
}

/* ---- batches: runs of entries of one folio, as the kernel's batched rmap calls ---- */

struct rp_batch {
	uint32_t slot;
	uint32_t first, nr;
	uint64_t vpn;
	unsigned int level;
	bool active;
};

static void rp_batch_flush(struct replay *rp, struct rp_batch *b, unsigned int type,
			   const struct rp_mm *mm, const struct rp_mm *src)
{
	struct ft_slot *s;
	struct mc_op op;

	if (!b->active)
		return;
	b->active = false;
	s = ft_slot(&rp->ft, b->slot);
	op.type = (uint8_t)type;
	op.level = (uint8_t)b->level;
	op.flags = 0;
	op.first = b->first;
	op.nr = b->nr;
	op.mm = mm->id;
	op.src_mm = src ? src->id : 0;
	rp_apply(rp, s, &op);
}

/* Add the leaf at (vpn, level) to b, flushing b first when the leaf does not extend it:
 * PTEs of one folio, consecutive pages, inside one page table (folio_pte_batch).
 * Always inlined: it runs per entry unmapped or copied, mostly only to extend b. */
static inline __attribute__((always_inline)) void
rp_batch_add(struct replay *rp, struct rp_batch *b, uint64_t leaf, uint64_t vpn, unsigned int type,
	     const struct rp_mm *mm, const struct rp_mm *src)
{
	unsigned int level = sh_leaf_level(leaf);
	uint32_t slot = sh_leaf_slot(leaf), page = sh_leaf_page(leaf);

	if (b->active && level == 0 && b->level == 0 && b->slot == slot &&
	    b->first + b->nr == page && b->vpn + b->nr == vpn && (b->vpn >> 9) == (vpn >> 9)) {
		b->nr++;
		return;
	}
	rp_batch_flush(rp, b, type, mm, src);
	b->active = true;
	b->slot = slot;
	b->first = page;
	b->nr = sh_level_pages(level);
	b->vpn = vpn;
	b->level = level;
}

/*
 * A fork or an exit reaches every folio of the mm, each slot, state block and
 * oracle pair a likely cache miss: while the walk is at a PTE, start loading
 * those of the PTE RP_WALK_AHEAD further in the same page table, the pairs of
 * mm and of other (if not NULL). Always inlined: see ft_prefetch().
 */
#define RP_WALK_AHEAD 6

static inline __attribute__((always_inline)) void
rp_walk_prefetch(const struct replay *rp, const struct sh_iter *it, const struct rp_mm *mm,
		 const struct rp_mm *other)
{
	uint64_t e;

	if (it->level || (it->vpn & 511) >= 512 - RP_WALK_AHEAD)
		return;
	e = it->cell[RP_WALK_AHEAD];
	if (!sh_is_leaf(e))
		return;
	ft_prefetch(&rp->ft, sh_leaf_slot(e));
	rp_prefetch_pair(rp, sh_leaf_slot(e), mm->id);
	if (other)
		rp_prefetch_pair(rp, sh_leaf_slot(e), other->id);
}

/*
 * Remove every leaf of mm in [start, end) in address order, batched as zap
 * does. teardown: every table of mm goes next (exit, exec), so its cells and
 * counts are left as they are.
 */
static void rp_zap(struct replay *rp, struct rp_mm *mm, uint64_t start, uint64_t end,
		   bool teardown)
{
	struct rp_batch b = { .active = false };
	struct sh_iter it;

	sh_iter_start(&it, &mm->sh, start, end);
	while (sh_iter_next(&it)) {
		uint64_t leaf = *it.cell;
		struct ft_slot *s = ft_slot(&rp->ft, sh_leaf_slot(leaf));

		rp_walk_prefetch(rp, &it, mm, NULL);
		rp_batch_add(rp, &b, leaf, it.vpn, MC_OP_REMOVE, mm, NULL);
		s->entries--;
		if (teardown)
			continue;
		mm->sh.entries--;
		mm->sh.pages -= sh_level_pages(it.level);
		sh_cell_set(it.cell, it.level, 0);
	}
	rp_batch_flush(rp, &b, MC_OP_REMOVE, mm, NULL);
}

/* Install leaf at (vpn, level) in mm; an empty table in the way is dropped. */
static int rp_install(struct replay *rp, struct rp_mm *mm, uint64_t vpn, uint64_t leaf)
{
	unsigned int level = sh_leaf_level(leaf);
	uint64_t blocker;
	uint64_t *cell = sh_cell(&rp->pool, &mm->sh, vpn, level, true, &blocker);

	if (!cell)
		return -1;
	if (*cell && level > 0)
		sh_free_subtree(&rp->pool, cell, level);
	sh_cell_set(cell, level, leaf);
	mm->sh.entries++;
	mm->sh.pages += sh_level_pages(level);
	ft_slot(&rp->ft, sh_leaf_slot(leaf))->entries++;
	return 0;
}

/* Copy parent's leaves in [start, end) into child, telling the models (fork). */
static int rp_copy(struct replay *rp, struct rp_mm *parent, struct rp_mm *child, uint64_t start,
		   uint64_t end)
{
	struct rp_batch b = { .active = false };
	uint64_t *pte = NULL, pte_base = 0, blocker;
	struct sh_iter it;

	sh_iter_start(&it, &parent->sh, start, end);
	while (sh_iter_next(&it)) {
		uint64_t leaf = *it.cell;

		rp_walk_prefetch(rp, &it, child, parent);
		rp_batch_add(rp, &b, leaf, it.vpn, MC_OP_DUP, child, parent);
		if (it.level == 0 && pte && (it.vpn >> 9) == pte_base && !pte[it.vpn & 511]) {
			/* same page table as the last PTE: no walk from the top */
			sh_pte_set(&pte[it.vpn & 511], leaf);
			child->sh.entries++;
			child->sh.pages++;
			ft_slot(&rp->ft, sh_leaf_slot(leaf))->entries++;
			continue;
		}
		if (rp_install(rp, child, it.vpn, leaf))
			return -1;
		if (it.level == 0) {
			pte = sh_cell(&rp->pool, &child->sh, it.vpn, 0, false, &blocker) -
			      (it.vpn & 511);
			pte_base = it.vpn >> 9;
		}
	}
	rp_batch_flush(rp, &b, MC_OP_DUP, child, parent);
	return 0;
}

/* Is [vpn, vpn + nr) of mm free of leaves (huge leaves covering it included)? */
static bool rp_range_free(const struct rp_mm *mm, uint64_t vpn, uint64_t nr, uint64_t *clash)
{
	struct sh_iter it;

	sh_iter_start(&it, &mm->sh, vpn, vpn + nr);
	if (sh_iter_next(&it)) {
		*clash = it.vpn > vpn ? it.vpn : vpn;
		return false;
	}
	return true;
}

/*
 * Are the cells for [vpn, vpn + nr) at level free (tables are created on the
 * way, which is harmless)? A huge leaf above, a leaf, or (for a huge entry) a
 * table with leaves below is a clash; *clash gets its VPN. *first gets the
 * cell of vpn, so that the map does not walk to it again.
 */
static bool rp_cells_free(struct replay *rp, struct rp_mm *mm, uint64_t vpn, uint64_t nr,
			  unsigned int level, uint64_t *clash, uint64_t **first)
{
	for (uint64_t done = 0; done < nr;) {
		uint64_t at = vpn + done, blocker;
		uint64_t run = level ? 1 : 512 - (at & 511);
		uint64_t *cell = sh_cell(&rp->pool, &mm->sh, at, level, true, &blocker);

		if (!done)
			*first = cell;
		*clash = at;
		if (!cell) {
			rp->oom = !blocker;
			return false;
		}
		if (level) {
			if (!sh_subtree_empty(*cell, level))
				return false;
			return true;
		}
		if (run > nr - done)
			run = nr - done;
		for (uint64_t i = 0; i < run; i++) {
			if (cell[i]) {
				*clash = at + i;
				return false;
			}
		}
		done += run;
	}
	return true;
}

static const char *const level_names[] = { "pte", "pmd", "pud" };

/* ---- records ---- */

/* A MAP onto a mapped VPN (or under a huge leaf) is refused whole. */
static int rp_map_clash(struct replay *rp, const struct mc_rec_map *r, uint64_t clash)
{
	rp_inconsistent(rp, "map over mapped VPN %#llx of mm %u", (unsigned long long)clash, r->mm);
	return 0;
}

/* The operation a MAP record makes, but for the pages it covers. */
static void rp_map_op(struct mc_op *op, const struct mc_rec_map *r, const struct rp_mm *mm,
		      bool new_anon)
{
	op->type = new_anon ? MC_OP_NEW_ANON : MC_OP_ADD;
	op->level = (uint8_t)(r->lf & MC_LF_LEVEL_MASK);
	op->flags = (r->lf & MC_LF_EXCLUSIVE) ? MC_OPF_EXCLUSIVE : 0;
	op->mm = mm->id;
	op->src_mm = 0;
}

static int rp_map(struct replay *rp, const struct mc_rec_map *r)
{
	unsigned int level = r->lf & MC_LF_LEVEL_MASK;
	bool new_anon = r->lf & MC_LF_NEW_ANON;
	struct ft_slot *s = ft_lookup(&rp->ft, r->pfn);
	uint64_t clash, span, *first_cell = NULL;
	struct rp_mm *mm;
	struct mc_op op;
	uint32_t slot;

	if (!s) {
		rp_inconsistent(rp, "map of unknown folio at PFN %#llx", (unsigned long long)r->pfn);
		return 0;
	}
	if (level > MC_LEVEL_PUD) {
		rp_inconsistent(rp, "map at unknown level %u", level);
		return 0;
	}
	span = sh_level_pages(level);
	if (r->nr == 0 || r->first + r->nr > ft_nr_pages(s) || r->first > UINT32_MAX ||
	    (level > 0 && (r->nr != span || r->first % span || r->vpn % span))) {
		rp_inconsistent(rp, "map of pages %llu+%llu (%s) of an order-%u folio at VPN %#llx",
				(unsigned long long)r->first, (unsigned long long)r->nr,
				level_names[level], ft_order(s), (unsigned long long)r->vpn);
		return 0;
	}
	if (new_anon && (ft_kind(s) != MC_KIND_ANON || s->entries)) {
		rp_inconsistent(rp, "new anon map of a %s folio at PFN %#llx",
				s->entries ? "mapped" : "non-anon", (unsigned long long)r->pfn);
		return 0;
	}
	mm = rp_mm(rp, r->mm);
	if (!mm)
		return rp->oom ? -1 : 0;
	if (r->vpn + r->nr > 1ull << SH_VPN_BITS) {
		rp_inconsistent(rp, "map at VPN %#llx beyond the address space",
				(unsigned long long)r->vpn);
		return 0;
	}
	if (!level && r->nr == 1) {
		/* one PTE, the most frequent MAP: the loops below, unrolled */
		uint64_t blocker, *cell = sh_cell(&rp->pool, &mm->sh, r->vpn, 0, true, &blocker);

		if (!cell || *cell) {
			rp->oom = !cell && !blocker;
			return rp->oom ? -1 : rp_map_clash(rp, r, r->vpn);
		}
		slot = ft_id(&rp->ft, s);
		ft_set_hint(s, r->vpn, r->first);
		rp_map_op(&op, r, mm, new_anon);
		op.first = (uint32_t)r->first;
		op.nr = 1;
		rp_apply(rp, s, &op);
		sh_pte_set(cell, sh_leaf(slot, (uint32_t)r->first, 0));
		mm->sh.entries++;
		mm->sh.pages++;
		s->entries++;
		return 0;
	}
	if (!rp_cells_free(rp, mm, r->vpn, r->nr, level, &clash, &first_cell))
		return rp->oom ? -1 : rp_map_clash(rp, r, clash);
	slot = ft_id(&rp->ft, s);
	ft_set_hint(s, r->vpn, r->first);
	rp_map_op(&op, r, mm, new_anon);
	if (level > 0 || new_anon) {
		op.first = (uint32_t)r->first;
		op.nr = (uint32_t)r->nr;
		rp_apply(rp, s, &op);
	}
	for (uint64_t done = 0; done < r->nr;) {
		uint64_t vpn = r->vpn + done;
		/* one page table at a time: the kernel's batches never cross one */
		uint64_t run = level ? 1 : 512 - (vpn & 511);
		uint64_t blocker, *cell;

		if (run > r->nr - done)
			run = r->nr - done;
		cell = done ? sh_cell(&rp->pool, &mm->sh, vpn, level, true, &blocker) : first_cell;
		if (!cell)
			return -1;
		if (level > 0) {
			sh_free_subtree(&rp->pool, cell, level);
			*cell = sh_leaf(slot, (uint32_t)r->first, level);	/* level > 0 */
			mm->sh.entries++;
			mm->sh.pages += span;
			s->entries++;
			break;
		}
		if (!new_anon) {
			op.first = (uint32_t)(r->first + done);
			op.nr = (uint32_t)run;
			rp_apply(rp, s, &op);
		}
		for (uint64_t i = 0; i < run; i++)
			sh_pte_set(&cell[i], sh_leaf(slot, (uint32_t)(r->first + done + i), 0));
		mm->sh.entries += run;
		mm->sh.pages += run;
		s->entries += (uint32_t)run;
		done += run;
	}
	return 0;
}

static struct rp_mm *rp_mm_existing(struct replay *rp, uint32_t tid, const char *what)
{
	struct rp_mm *mm = rp_mm_of(rp, tid);

	if (!mm || !mm->live) {
		rp_inconsistent(rp, "%s in mm %u, which %s", what, tid, mm ? "exited" : "has no mappings");
		return NULL;
	}
	return mm;
}

/* A PTE UNMAP that names VPN at, which no PTE maps (a huge leaf blocker may). */
static void rp_unmap_hole(struct replay *rp, const struct mc_rec_unmap *r, uint64_t at,
			  uint64_t blocker)
{
	if (blocker)
		rp_inconsistent(rp, "pte unmap of VPN %#llx, which a %s maps",
				(unsigned long long)at, level_names[sh_leaf_level(blocker)]);
	else
		rp_inconsistent(rp,
				"unmap of %llu pages at VPN %#llx in mm %u, VPN %#llx not mapped",
				(unsigned long long)r->nr, (unsigned long long)r->vpn, r->mm,
				(unsigned long long)at);
}

/* Does the PTE UNMAP name the folio its first cell maps? Reported if not. */
static bool rp_unmap_pfn_ok(struct replay *rp, const struct mc_rec_unmap *r,
			    const struct ft_slot *s)
{
	if (ft_pfn(s) == r->pfn)
		return true;
	rp_inconsistent(rp, "unmap of VPN %#llx names PFN %#llx, the shadow has %#llx",
			(unsigned long long)r->vpn, (unsigned long long)r->pfn,
			(unsigned long long)ft_pfn(s));
	return false;
}

/* UNMAP of one PTE, the most frequent record: rp_unmap_ptes() without its loops. */
static void rp_unmap_pte(struct replay *rp, struct rp_mm *mm, const struct mc_rec_unmap *r)
{
	uint64_t blocker, *cell = sh_cell(&rp->pool, &mm->sh, r->vpn, 0, false, &blocker);
	struct ft_slot *s;
	struct mc_op op;

	if (!cell || !*cell) {
		rp_unmap_hole(rp, r, r->vpn, blocker);
		return;
	}
	s = ft_slot(&rp->ft, sh_leaf_slot(*cell));
	if (!rp_unmap_pfn_ok(rp, r, s))
		return;
	op.type = MC_OP_REMOVE;
	op.level = MC_LEVEL_PTE;
	op.flags = 0;
	op.first = sh_leaf_page(*cell);
	op.nr = 1;
	op.mm = mm->id;
	op.src_mm = 0;
	rp_apply(rp, s, &op);
	s->entries--;
	sh_pte_set(cell, 0);
	mm->sh.entries--;
	mm->sh.pages--;
}

/*
 * UNMAP of PTEs that must all be mapped: the cells are checked, then cleared
 * in batches per folio per page table (zap_present_ptes), without a walk.
 */
static void rp_unmap_ptes(struct replay *rp, struct rp_mm *mm, const struct mc_rec_unmap *r)
{
	struct rp_batch b = { .active = false };
	uint64_t *first_cell = NULL;	/* the first page table's, found once */

	for (int pass = 0; pass < 2; pass++) {
		for (uint64_t done = 0; done < r->nr;) {
			uint64_t at = r->vpn + done, blocker = 0;
			uint64_t run = 512 - (at & 511);
			uint64_t *cell = pass && !done ? first_cell :
					 sh_cell(&rp->pool, &mm->sh, at, 0, false, &blocker);

			if (run > r->nr - done)
				run = r->nr - done;
			if (pass) {
				for (uint64_t i = 0; i < run; i++) {
					uint64_t leaf = cell[i];

					rp_batch_add(rp, &b, leaf, at + i, MC_OP_REMOVE, mm, NULL);
					ft_slot(&rp->ft, sh_leaf_slot(leaf))->entries--;
					sh_pte_set(&cell[i], 0);
				}
				done += run;
				continue;
			}
			if (!cell) {
				rp_unmap_hole(rp, r, at, blocker);
				return;
			}
			for (uint64_t i = 0; i < run; i++) {
				if (!cell[i]) {
					rp_unmap_hole(rp, r, at + i, 0);
					return;
				}
			}
			if (!done &&
			    !rp_unmap_pfn_ok(rp, r, ft_slot(&rp->ft, sh_leaf_slot(cell[0]))))
				return;
			if (!done)
				first_cell = cell;
			done += run;
		}
	}
	rp_batch_flush(rp, &b, MC_OP_REMOVE, mm, NULL);
	mm->sh.entries -= r->nr;
	mm->sh.pages -= r->nr;
}

static void rp_unmap(struct replay *rp, const struct mc_rec_unmap *r)
{
	unsigned int level = r->lf & MC_LF_LEVEL_MASK;
	unsigned int conf = (r->lf & MC_LF_CONF_MASK) >> MC_LF_CONF_SHIFT;
	struct rp_mm *mm = rp_mm_existing(rp, r->mm, "unmap");
	uint64_t span, seen = 0;
	bool first = true;
	struct sh_iter it;

	if (!mm)
		return;
	if (level > MC_LEVEL_PUD) {
		rp_inconsistent(rp, "unmap at unknown level %u", level);
		return;
	}
	span = sh_level_pages(level);
	if (r->nr == 0 || r->vpn + r->nr > 1ull << SH_VPN_BITS ||
	    (level > 0 && (r->nr != span || r->vpn % span))) {
		rp_inconsistent(rp, "unmap of %llu pages (%s) at VPN %#llx", (unsigned long long)r->nr,
				level_names[level], (unsigned long long)r->vpn);
		return;
	}
	if (level == MC_LEVEL_PTE && conf != MC_CONF_SEMANTIC) {
		if (r->nr == 1)
			rp_unmap_pte(rp, mm, r);
		else
			rp_unmap_ptes(rp, mm, r);
		return;
	}
	/* check everything before changing anything: a bad record is skipped whole */
	sh_iter_start(&it, &mm->sh, r->vpn, r->vpn + r->nr);
	while (sh_iter_next(&it)) {
		uint64_t leaf = *it.cell;
		struct ft_slot *s = ft_slot(&rp->ft, sh_leaf_slot(leaf));

		if (it.level != level) {
			rp_inconsistent(rp, "%s unmap of VPN %#llx, which a %s maps", level_names[level],
					(unsigned long long)it.vpn, level_names[it.level]);
			return;
		}
		if (first && r->pfn != ft_pfn(s)) {
			rp_inconsistent(rp, "unmap of VPN %#llx names PFN %#llx, the shadow has %#llx",
					(unsigned long long)it.vpn, (unsigned long long)r->pfn,
					(unsigned long long)ft_pfn(s));
			return;
		}
		first = false;
		seen += sh_level_pages(it.level);
	}
	/* a range unmap derived from munmap/exit semantics may cover holes */
	if (seen != r->nr && !(conf == MC_CONF_SEMANTIC && seen)) {
		rp_inconsistent(rp, "unmap of %llu pages at VPN %#llx in mm %u, %llu of them mapped",
				(unsigned long long)r->nr, (unsigned long long)r->vpn, r->mm,
				(unsigned long long)seen);
		return;
	}
	rp_zap(rp, mm, r->vpn, r->vpn + r->nr, false);
}

static int rp_remap(struct replay *rp, const struct mc_rec_remap *r)
{
	struct rp_mm *mm = rp_mm_existing(rp, r->mm, "remap");
	uint64_t *cell, leaf;
	struct ft_slot *s;
	struct mc_op op;

	if (!mm)
		return 0;
	leaf = sh_lookup(&mm->sh, r->vpn, &cell);
	if (!leaf || sh_leaf_level(leaf) != MC_LEVEL_PMD || r->vpn % MC_PMD_NR) {
		rp_inconsistent(rp, "remap of VPN %#llx, which is not a PMD mapping",
				(unsigned long long)r->vpn);
		return 0;
	}
	s = ft_slot(&rp->ft, sh_leaf_slot(leaf));
	if (ft_pfn(s) != r->pfn) {
		rp_inconsistent(rp, "remap of VPN %#llx names PFN %#llx, the shadow has %#llx",
				(unsigned long long)r->vpn, (unsigned long long)r->pfn,
				(unsigned long long)ft_pfn(s));
		return 0;
	}
	op.type = MC_OP_REMAP;
	op.level = MC_LEVEL_PMD;
	op.flags = 0;
	op.first = sh_leaf_page(leaf);
	op.nr = MC_PMD_NR;
	op.mm = mm->id;
	op.src_mm = 0;
	rp_apply(rp, s, &op);
	if (sh_demote(&rp->pool, cell, MC_LEVEL_PMD))
		return -1;
	s->entries += MC_PMD_NR - 1;
	mm->sh.entries += MC_PMD_NR - 1;
	return 0;
}

static int rp_fork(struct replay *rp, const struct mc_rec_fork *r)
{
	struct rp_mm *parent = rp_mm(rp, r->parent);
	struct rp_mm *child;

	if (!parent)
		return rp->oom ? -1 : 0;
	if (r->child == r->parent) {
		rp_inconsistent(rp, "fork of mm %u into itself", r->parent);
		return 0;
	}
	child = rp_mm(rp, r->child);
	if (!child)
		return rp->oom ? -1 : 0;
	if (child->sh.entries) {
		rp_inconsistent(rp, "fork into mm %u, which already has mappings", r->child);
		return 0;
	}
	if (!strncmp(child->name, "mm", 2) && parent->name[0] && strncmp(parent->name, "mm", 2))
		memcpy(child->name, parent->name, sizeof(child->name));
	child->pid = child->pid ? child->pid : parent->pid;
	if (r->flags & MC_FORK_COPY_ALL)
		return rp_copy(rp, parent, child, 0, 1ull << SH_VPN_BITS);
	return 0;
}

static int rp_dup(struct replay *rp, const struct mc_rec_dup *r)
{
	struct rp_mm *parent = rp_mm_existing(rp, r->parent, "dup");
	struct rp_mm *child;
	uint64_t clash;
	struct sh_iter it;

	if (!parent)
		return 0;
	child = rp_mm(rp, r->child);
	if (!child)
		return rp->oom ? -1 : 0;
	if (r->nr == 0 || r->vpn + r->nr > 1ull << SH_VPN_BITS || child == parent) {
		rp_inconsistent(rp, "dup of %llu pages at VPN %#llx", (unsigned long long)r->nr,
				(unsigned long long)r->vpn);
		return 0;
	}
	sh_iter_start(&it, &parent->sh, r->vpn, r->vpn + r->nr);
	while (sh_iter_next(&it)) {
		uint64_t pages = sh_level_pages(it.level);

		if (it.vpn < r->vpn || it.vpn + pages > r->vpn + r->nr) {
			rp_inconsistent(rp, "dup of part of the %s at VPN %#llx",
					level_names[it.level], (unsigned long long)it.vpn);
			return 0;
		}
		if (!rp_range_free(child, it.vpn, pages, &clash)) {
			rp_inconsistent(rp, "dup over mapped VPN %#llx of mm %u",
					(unsigned long long)clash, r->child);
			return 0;
		}
	}
	return rp_copy(rp, parent, child, r->vpn, r->vpn + r->nr);
}

/* exec and exit: every mapping goes (exit_mmap), the mm_struct ends. exec
 * continues with a new mm: a new id, last in creation order, maybe a new name. */
static void rp_mm_end(struct replay *rp, uint32_t tid, const struct mc_str *exec_name)
{
	struct rp_mm *mm = rp_mm_existing(rp, tid, exec_name ? "exec" : "exit");

	if (!mm)
		return;
	rp_zap(rp, mm, 0, 1ull << SH_VPN_BITS, true);
	sh_mm_clear(&rp->pool, &mm->sh);
	rp_mm_unlink(rp, mm);
	if (exec_name) {
		rp_mm_link(rp, mm);
		if (exec_name->len)
			rp_set_name(mm, exec_name);
		return;
	}
	rp->mm_by_trace[mm->trace_id] = &rp_mm_exited;
	free(mm);
	rp->live_mms--;
}

static void rp_folio_drop(struct replay *rp, struct ft_slot *s)
{
	rp_fini_folio(rp, s);
	ft_remove(&rp->ft, s);
}

static int rp_folio(struct replay *rp, const struct mc_rec_folio *r)
{
	unsigned int kind = r->kind & 15;
	struct ft_slot *s;
	bool found = false;
	uint64_t pos;

	if (r->order > MC_MAX_ORDER || kind > MC_KIND_SHMEM || ((r->kind & 16) && r->order) ||
	    r->pfn >> FT_PFN_BITS || r->pfn & ((1ull << r->order) - 1)) {
		rp_inconsistent(rp, "folio of order %llu, kind %llu at PFN %#llx",
				(unsigned long long)r->order, (unsigned long long)r->kind,
				(unsigned long long)r->pfn);
		return 0;
	}
	/* live folios in the way: unmapped ones were freed without a record */
	pos = 0;
	while ((r->order || !ft_pfn_free(&rp->ft, r->pfn)) &&
	       (s = ft_overlap(&rp->ft, r->pfn, (unsigned int)r->order, &pos))) {
		if (s->entries) {
			rp_inconsistent(rp, "new folio at PFN %#llx over mapped folio at PFN %#llx",
					(unsigned long long)r->pfn, (unsigned long long)ft_pfn(s));
			return 0;
		}
		found = true;
	}
	pos = 0;
	while (found && (s = ft_overlap(&rp->ft, r->pfn, (unsigned int)r->order, &pos)))
		rp_folio_drop(rp, s);
	s = ft_insert(&rp->ft, r->pfn, (unsigned int)r->order, kind, r->kind & 16);
	if (!s)
		return -1;
	rp_init_new(rp, s);
	return 0;
}

static void rp_free(struct replay *rp, const struct mc_rec_free *r)
{
	struct ft_slot *s = ft_lookup(&rp->ft, r->pfn);

	if (!s) {
		rp_inconsistent(rp, "free of unknown folio at PFN %#llx", (unsigned long long)r->pfn);
		return;
	}
	if (s->entries) {
		rp_inconsistent(rp, "free of folio at PFN %#llx, which %u entries still map",
				(unsigned long long)r->pfn, s->entries);
		return;
	}
	rp_folio_drop(rp, s);
}

static int rp_mm_record(struct replay *rp, const struct mc_rec_mm *r)
{
	struct rp_mm *mm = rp_mm(rp, r->mm);

	if (!mm)
		return rp->oom ? -1 : 0;
	mm->pid = (uint32_t)r->pid;
	if (r->name.len)
		rp_set_name(mm, &r->name);
	return 0;
}

static int rp_kproc(struct replay *rp, const struct mc_rec_kproc *r)
{
	struct rp_mm *mm = rp_mm_of(rp, r->mm);
	struct rp_kproc *k;

	if (rp->nr_kproc == rp->cap_kproc) {
		uint32_t cap = rp->cap_kproc ? rp->cap_kproc * 2 : 64;
		struct rp_kproc *n = realloc(rp->kproc, cap * sizeof(*n));

		if (!n)
			return -1;
		rp->kproc = n;
		rp->cap_kproc = cap;
	}
	k = &rp->kproc[rp->nr_kproc++];
	k->k = *r;
	if (mm && mm->live) {
		k->pid = mm->pid;
		memcpy(k->name, mm->name, sizeof(k->name));
	} else {
		k->pid = 0;
		snprintf(k->name, sizeof(k->name), "mm%u", r->mm);
	}
	return 0;
}

void rp_kernel_clear(struct replay *rp)
{
	rp->nr_kproc = 0;
	rp->have_kmem = false;
}

int rp_record(struct replay *rp, const struct mc_record *rec)
{
	rp->recno++;
	rp->type_count[rec->type]++;
	switch (rec->type) {
	case MC_REC_MM:
		return rp_mm_record(rp, &rec->u.mm);
	case MC_REC_FOLIO:
		return rp_folio(rp, &rec->u.folio);
	case MC_REC_MAP:
		return rp_map(rp, &rec->u.map);
	case MC_REC_UNMAP:
		rp_unmap(rp, &rec->u.unmap);
		return 0;
	case MC_REC_REMAP:
		return rp_remap(rp, &rec->u.remap);
	case MC_REC_FORK:
		return rp_fork(rp, &rec->u.fork);
	case MC_REC_DUP:
		return rp_dup(rp, &rec->u.dup);
	case MC_REC_EXEC:
		rp_mm_end(rp, rec->u.exec.mm, &rec->u.exec.name);
		return 0;
	case MC_REC_EXIT:
		rp_mm_end(rp, rec->u.exit.mm, NULL);
		return 0;
	case MC_REC_SPLIT:
		return rp_split(rp, rec->u.split.pfn, (unsigned int)rec->u.split.order);
	case MC_REC_FREE:
		rp_free(rp, &rec->u.free);
		return 0;
	case MC_REC_CHECKPOINT:
		return 1;
	case MC_REC_LOST:
		rp->lost_events += rec->u.lost.count ? rec->u.lost.count : 1;
		return 0;
	case MC_REC_KPROC:
		return rp_kproc(rp, &rec->u.kproc);
	case MC_REC_KMEM:
		rp->kmem = rec->u.kmem;
		rp->have_kmem = true;
		return 0;
	default:
		/* HEADER, TIME, KPAGE, NOTE, RESYNC and unknown types change no state */
		return 0;
	}
}
