/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mapcount model interface: what a mapcount scheme must implement so that the
 * replayer can feed it rmap operations and ask it the kernel's questions.
 *
 * A model is a table of functions (struct mc_model). The replayer keeps one
 * model context (struct mc_model_ctx) per model and, per live folio, one block
 * of per-folio state of state_size(order) bytes for every model, side by side.
 * The replayer owns the folio facts (struct mc_folio); a model owns only the
 * bytes of its per-folio state and whatever it hangs off its context.
 *
 * Rules every model follows:
 *  - apply() does what the kernel of the model's era does for that operation,
 *    in the kernel's update order, and adds to ctx->atomics the atomic RMW
 *    operations on accounting state and to ctx->cachelines the number of
 *    distinct struct pages (64-byte lines) the kernel touches for the call.
 *  - the vmstat counters in ctx->vm are the model's NR_* counters, in pages.
 *  - a counter that would wrap its kernel width increments ctx->overflows and
 *    wraps the way the kernel's two's-complement atomic would (never C UB).
 *  - queries never change state and never count costs.
 *  - after every mapping of a folio is removed, its counters are back at the
 *    values init() set (the kernel's free-time checks on counters); flag bits
 *    (PageAnonExclusive, deferred-split marks, PG_double_map of file folios)
 *    may stay set until the free, as in the kernel. fini() verifies the
 *    counters and counts a violation when one is off.
 *
 * Plugins: a shared object exporting
 *	const struct mc_model *mapcount_models(unsigned int *count, int abi);
 * returning an array of models built against MC_MODEL_ABI_VERSION; the loader
 * refuses a plugin whose models carry another abi_version.
 */
#ifndef MAPCOUNT_MODEL_H
#define MAPCOUNT_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 2: struct mc_model grew (ctx_metadata_bytes, state_align), so a plugin's
 * array of models built against 1 would be read with the wrong stride;
 * 3: it grew again (fini0_mask) */
#define MC_MODEL_ABI_VERSION 3

#define MC_PAGE_SIZE 4096u
#define MC_PMD_ORDER 9u
#define MC_PUD_ORDER 18u
#define MC_PMD_NR (1u << MC_PMD_ORDER)
#define MC_PUD_NR (1u << MC_PUD_ORDER)
#define MC_MAX_ORDER 18u

#ifndef MC_KIND_DEFINED	/* also in schemas/records.h */
#define MC_KIND_DEFINED
enum mc_kind {
	MC_KIND_ANON = 0,
	MC_KIND_FILE = 1,	/* page cache, not swap-backed */
	MC_KIND_SHMEM = 2,	/* shmem/tmpfs/memfd/MAP_SHARED|MAP_ANON: file + swapbacked */
};
#endif

enum mc_level {
	MC_LEVEL_PTE = 0,
	MC_LEVEL_PMD = 1,
	MC_LEVEL_PUD = 2,
};

/* Facts about a live folio, owned by the replayer; identical for all models. */
struct mc_folio {
	uint64_t pfn;		/* head PFN */
	uint32_t slot;		/* dense id of the live folio; reused after free */
	uint8_t order;
	uint8_t kind;		/* enum mc_kind */
	uint8_t ksm;		/* KSM folio (always order 0) */
	uint8_t pad;
};

static inline uint32_t mc_folio_nr_pages(const struct mc_folio *f)
{
	return 1u << f->order;
}

static inline bool mc_folio_large(const struct mc_folio *f)
{
	return f->order > 0;
}

enum mc_op_type {
	/*
	 * folio_add_new_anon_rmap: the first mapping of a freshly allocated anon
	 * folio. level PTE maps pages first..first+nr-1 (the kernel maps all of
	 * an mTHP; a scenario may map fewer: the model applies its spec's replay
	 * rule), level PMD maps one PMD, level PUD the whole folio.
	 */
	MC_OP_NEW_ANON = 0,
	/* folio_add_{anon,file}_rmap_{ptes,pmd,pud}: a batch of nr PTEs of one
	 * folio in one page table, or one PMD/PUD entry. */
	MC_OP_ADD = 1,
	/* folio_remove_rmap_{ptes,pmd,pud} */
	MC_OP_REMOVE = 2,
	/* fork: folio_try_dup_anon_rmap_* / folio_dup_file_rmap_* for mm (the
	 * child) copying src_mm's entries. A file PMD/PUD is not copied by the
	 * kernel; the model treats it as the child's refault (an ADD). */
	MC_OP_DUP = 3,
	/* __split_huge_pmd_locked (freeze=false): mm's PMD mapping of pages
	 * first..first+511 becomes 512 PTEs (anon); file: the PMD is zapped and
	 * (scenario rule) the 512 pages are PTE-mapped again. */
	MC_OP_REMAP = 4,
	MC_OP_NR_TYPES
};

enum mc_op_flags {
	MC_OPF_EXCLUSIVE = 1u << 0,	/* RMAP_EXCLUSIVE: anon page(s) exclusive to mm */
	MC_OPF_FREEZE = 1u << 1,	/* removal for folio split/migration (migration entries) */
	MC_OPF_RESTORE = 1u << 2,	/* re-add after split/migration (remove_migration_pte) */
};

struct mc_op {
	uint8_t type;		/* enum mc_op_type */
	uint8_t level;		/* enum mc_level */
	uint16_t flags;		/* enum mc_op_flags */
	uint32_t first;		/* first page index inside the folio */
	uint32_t nr;		/* pages covered: PTE batch size, 512 for PMD, 1 << 18 for PUD */
	uint32_t mm;		/* mm whose page table changes (the child for DUP); never 0 */
	uint32_t src_mm;	/* DUP: the parent mm; else 0 */
};

/* NR_* counters of /proc/vmstat (meminfo), in pages. */
enum mc_vmstat_item {
	MC_NR_ANON_MAPPED = 0,	/* AnonPages */
	MC_NR_FILE_MAPPED,	/* Mapped */
	MC_NR_ANON_THPS,	/* AnonHugePages */
	MC_NR_SHMEM_PMDMAPPED,	/* ShmemPmdMapped */
	MC_NR_FILE_PMDMAPPED,	/* FilePmdMapped */
	MC_NR_VMSTAT_ITEMS
};

/* Event counters a model may keep (deferred split, COW copies, ...). */
enum mc_event_item {
	MC_EV_THP_DEFERRED_SPLIT_PAGE = 0,	/* thp_deferred_split_page */
	MC_EV_DEFERRED_SPLIT_QUEUED,		/* folios newly put on the deferred split queue */
	MC_EV_NR_EVENTS
};

struct mc_model;

struct mc_model_ctx {
	const struct mc_model *model;
	int64_t vm[MC_NR_VMSTAT_ITEMS];
	uint64_t events[MC_EV_NR_EVENTS];
	uint64_t atomics;	/* atomic RMW operations on accounting state */
	uint64_t cachelines;	/* distinct struct-page lines, summed over operations */
	uint64_t overflows;	/* counter wraps */
	uint64_t violations;	/* model invariants found broken (a bug or a bad op stream) */
	void *priv;		/* the model's own context data */
};

/*
 * smaps accumulation for one mm, the way fs/proc/task_mmu.c:smaps_account
 * does it for the model's kernel. Byte values; pss is in bytes << MC_PSS_SHIFT.
 */
#define MC_PSS_SHIFT 12
struct mc_smaps {
	uint64_t rss;
	uint64_t pss;		/* bytes << MC_PSS_SHIFT */
	uint64_t pss_anon;
	uint64_t pss_file;
	uint64_t pss_shmem;
	uint64_t shared;	/* Shared_Clean + Shared_Dirty */
	uint64_t private_;	/* Private_Clean + Private_Dirty (USS) */
	uint64_t anonymous;
	uint64_t anon_huge;	/* AnonHugePages (PMD-mapped anon) */
	uint64_t shmem_pmd;	/* ShmemPmdMapped */
	uint64_t file_pmd;	/* FilePmdMapped */
};

/* Arguments of the smaps and COW queries that the replayer knows. */
struct mc_query_ctx {
	uint32_t mm;		/* the mm being walked / faulting */
	uint32_t refcount;	/* folio refcount as the kernel would have it */
};

struct mc_model {
	int abi_version;	/* MC_MODEL_ABI_VERSION */
	const char *name;	/* as in interfaces.md, e.g. "entire-nrmapped-6.12" */
	const char *description;	/* one line */
	/* one paragraph: how operations the model's kernel lacks (PUD level,
	 * anon mTHP, folios larger than a PMD, ...) are replayed */
	const char *extension_rules;

	/* context set-up; may be NULL */
	int (*ctx_init)(struct mc_model_ctx *ctx);
	void (*ctx_fini)(struct mc_model_ctx *ctx);

	/* per-folio state */
	size_t (*state_size)(unsigned int order);
	void (*init)(struct mc_model_ctx *ctx, const struct mc_folio *f, void *state);
	void (*fini)(struct mc_model_ctx *ctx, const struct mc_folio *f, void *state);
	/* bytes of accounting state the scheme keeps in the kernel for a folio
	 * of this order (metadata_bytes), not the simulator's state_size */
	size_t (*metadata_bytes)(unsigned int order);

	/* the operation stream */
	void (*apply)(struct mc_model_ctx *ctx, const struct mc_folio *f, void *state,
		      const struct mc_op *op);

	/* queries: the kernel's answers */
	int64_t (*folio_mapcount)(const struct mc_model_ctx *ctx, const struct mc_folio *f,
				  const void *state);
	bool (*folio_mapped)(const struct mc_model_ctx *ctx, const struct mc_folio *f,
			     const void *state);
	/* /proc/kpagecount for page index page */
	int64_t (*page_mapcount)(const struct mc_model_ctx *ctx, const struct mc_folio *f,
				 const void *state, uint32_t page);
	/* folio_maybe_mapped_shared / folio_likely_mapped_shared / estimate */
	bool (*maybe_shared)(const struct mc_model_ctx *ctx, const struct mc_folio *f,
			     const void *state);
	/* would a write fault by q->mm on page (mapped at level) reuse the anon
	 * folio instead of copying? */
	bool (*cow_reuse)(const struct mc_model_ctx *ctx, const struct mc_folio *f,
			  const void *state, uint32_t page, enum mc_level level,
			  const struct mc_query_ctx *q);
	/* the model's partially-mapped mark (deferred split flag/queue) */
	bool (*partially_mapped)(const struct mc_model_ctx *ctx, const struct mc_folio *f,
				 const void *state);
	/* PageAnonExclusive of page */
	bool (*anon_exclusive)(const struct mc_model_ctx *ctx, const struct mc_folio *f,
			       const void *state, uint32_t page);
	/* pagemap PM_MMAP_EXCLUSIVE for page, mapped at level */
	bool (*pagemap_exclusive)(const struct mc_model_ctx *ctx, const struct mc_folio *f,
				  const void *state, uint32_t page, enum mc_level level);
	/* smaps: account one present entry mapping pages first..first+nr-1 */
	void (*smaps_account)(const struct mc_model_ctx *ctx, const struct mc_folio *f,
			      const void *state, uint32_t first, uint32_t nr,
			      enum mc_level level, const struct mc_query_ctx *q,
			      struct mc_smaps *acc);

	/* Optional: NULL means "not provided". */

	/* bytes of accounting state the scheme keeps outside the per-folio state
	 * right now (per-mm records, per-(folio, mm) pairs); metadata_bytes
	 * adds this to the sum of metadata_bytes(order) over live folios */
	uint64_t (*ctx_metadata_bytes)(const struct mc_model_ctx *ctx);

	/* the alignment (1, 2, 4 or 8) the per-folio state of this order needs;
	 * NULL: 8. A model whose order-0 state is a packed struct answers 1 for
	 * order 0, so the replayer packs the order-0 states of many models into
	 * fewer bytes a folio (most folios are order 0) */
	size_t (*state_align)(unsigned int order);

	/* order 0: set to 0xff the bytes of mask (state_size(0) bytes, zeroed by
	 * the caller) that fini() checks against what init() wrote. fini() of an
	 * order-0 state whose masked bytes are still as init() wrote them must
	 * have no effect: the replayer skips the call for such a state (a free of
	 * an unmapped folio, the common case) and makes it for any other. Only
	 * the built-in models' is used, as only their init() is a known constant */
	void (*fini0_mask)(uint8_t *mask);
};

/* Plugin entry point (see the top of this file). */
typedef const struct mc_model *(*mc_models_fn)(unsigned int *count, int abi);
#define MC_PLUGIN_SYMBOL "mapcount_models"

/* Built-in models, in the order `mapcount models` lists them. */
const struct mc_model *const *mc_builtin_models(unsigned int *count);
const struct mc_model *mc_model_find(const char *name);

/* Shared helpers for models. */

/* Are all n int32 counters at -1 (all bits set)? Branch-free so that it vectorizes. */
static inline bool mc_all_minus_one(const int32_t *v, size_t n)
{
	uint32_t all = ~0u;

	for (size_t i = 0; i < n; i++)
		all &= (uint32_t)v[i];
	return all == ~0u;
}

/* Two's-complement add on an int32 counter, counting a wrap as an overflow
 * (the builtin stores the wrapped sum and reports the wrap in one step). */
static inline int32_t mc_atomic_add32(struct mc_model_ctx *ctx, int32_t *v, int32_t delta)
{
	if (__builtin_add_overflow(*v, delta, v))
		ctx->overflows++;
	return *v;
}

/* state_align for a model whose order-0 state is a packed struct and whose
 * larger states are 8-byte aligned */
static inline size_t mc_state_align_packed0(unsigned int order)
{
	return order ? 8 : 1;
}

/* fini0_mask for a model whose order-0 state starts with the int32 _mapcount,
 * the one counter its fini() checks */
static inline void mc_fini0_mask_mapcount(uint8_t *mask)
{
	__builtin_memset(mask, 0xff, sizeof(int32_t));
}

/* mc_atomic_add32 on a counter at any byte address: a field of a packed state
 * (state_align 1), which no int32_t pointer may point at. */
static inline int32_t mc_atomic_add32_at(struct mc_model_ctx *ctx, void *p, int32_t delta)
{
	int32_t v;

	__builtin_memcpy(&v, p, sizeof(v));
	mc_atomic_add32(ctx, &v, delta);
	__builtin_memcpy(p, &v, sizeof(v));
	return v;
}

static inline int16_t mc_atomic_add16(struct mc_model_ctx *ctx, int16_t *v, int16_t delta)
{
	if (__builtin_add_overflow(*v, delta, v))
		ctx->overflows++;
	return *v;
}

/*
 * Pages whose own struct page one call touched, kept as one range [lo, hi)
 * that takes in every range added (empty while lo == hi); the models count
 * its length as lines, with the head pages they track apart.
 */
struct mc_page_hull {
	uint32_t lo, hi;
};

static inline void mc_hull_add(struct mc_page_hull *h, uint32_t lo, uint32_t hi)
{
	if (h->lo == h->hi) {
		h->lo = lo;
		h->hi = hi;
		return;
	}
	if (lo < h->lo)
		h->lo = lo;
	if (hi > h->hi)
		h->hi = hi;
}

static inline bool mc_hull_has(const struct mc_page_hull *h, uint32_t page)
{
	return page >= h->lo && page < h->hi;
}

/* Bits lo..lo+len-1 of a 64-bit word; 1 <= len <= 64 - lo. */
static inline uint64_t mc_bit_range(uint32_t lo, uint32_t len)
{
	return (len == 64 ? ~0ull : (1ull << len) - 1) << lo;
}

/* PSS contribution of one page mapped mapcount times, fs/proc/task_mmu.c style. */
static inline uint64_t mc_pss_share(uint64_t bytes, uint64_t mapcount)
{
	uint64_t pss = bytes << MC_PSS_SHIFT;

	return mapcount >= 2 ? pss / mapcount : pss;
}

static inline void mc_smaps_add_pss(struct mc_smaps *acc, unsigned int kind, uint64_t pss)
{
	acc->pss += pss;
	if (kind == MC_KIND_ANON)
		acc->pss_anon += pss;
	else if (kind == MC_KIND_SHMEM)
		acc->pss_shmem += pss;
	else
		acc->pss_file += pss;
}

/*
 * The part of smaps every scheme shares (fs/proc/task_mmu.c:smaps_account,
 * smaps_pmd_entry): Rss, Anonymous and, for a PMD entry, the THP counters.
 */
static inline void mc_smaps_add_entry(struct mc_smaps *acc, const struct mc_folio *f,
				      uint64_t size, enum mc_level level)
{
	acc->rss += size;
	if (f->kind == MC_KIND_ANON)
		acc->anonymous += size;
	if (level != MC_LEVEL_PMD)
		return;
	if (f->kind == MC_KIND_ANON)
		acc->anon_huge += size;
	else if (f->kind == MC_KIND_SHMEM)
		acc->shmem_pmd += size;
	else
		acc->file_pmd += size;
}

#endif /* MAPCOUNT_MODEL_H */
