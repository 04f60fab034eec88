/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The replay engine: turns trace records into the rmap operation stream every
 * model sees, keeping the shadow address spaces and the folio table in step
 * and refusing (counting, reporting, skipping) records that contradict them.
 */
#ifndef MAPCOUNT_REPLAY_H
#define MAPCOUNT_REPLAY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* model.h before trace.h: records.h also defines the MC_KIND_* names, as macros */
#include "models/model.h"
#include "models/oracle.h"
#include "lib/trace.h"
#include "replayer/folio-table.h"
#include "replayer/shadow.h"

#define RP_MAX_MODELS 64	/* init0_call has a bit each */
#define RP_NAME_MAX 64

struct split_map;

struct rp_mm {
	uint32_t id;		/* the models' mm id: unique per mm lifetime, never 0 */
	uint32_t trace_id;
	uint32_t pid;
	bool live;
	char name[RP_NAME_MAX];	/* scenario name or PID/COMM */
	struct shadow_mm sh;
	struct rp_mm *prev, *next;	/* live mms in creation order */
};

/* Where the trace ids of exited mms lead: not live, no mappings. */
extern struct rp_mm rp_mm_exited;

/* Kernel-truth records waiting for their CHECKPOINT. */
struct rp_kproc {
	char name[RP_NAME_MAX];
	uint32_t pid;		/* the mm's, when the record came; 0 if none */
	struct mc_rec_kproc k;
};

#define RP_INIT0_MAX 256
/* a template row: a block's slot and states, in whole 16-byte units */
#define RP_INIT0_ROW ((FT_STATE0_OFFSET + RP_INIT0_MAX + 15) & ~(size_t)15)
#define RP_INIT0_KSM (MC_KIND_SHMEM + 1)

struct replay {
	unsigned int nr_models;	/* model 0 is the oracle */
	bool oracle;		/* it is, not the null model: its pairs can be prefetched */
	const struct mc_model *model[RP_MAX_MODELS];
	/* model[i]->apply, one load nearer: rp_apply() runs per operation per model */
	void (*apply[RP_MAX_MODELS])(struct mc_model_ctx *ctx, const struct mc_folio *f,
				     void *state, const struct mc_op *op);
	void (*init[RP_MAX_MODELS])(struct mc_model_ctx *ctx, const struct mc_folio *f,
				    void *state);
	void (*fini[RP_MAX_MODELS])(struct mc_model_ctx *ctx, const struct mc_folio *f,
				    void *state);
	struct mc_model_ctx ctx[RP_MAX_MODELS];
	size_t off[MC_MAX_ORDER + 1][RP_MAX_MODELS];	/* state offset by order, model */
	/*
	 * What the built-in models' init() writes for an order-0 folio, by kind
	 * (KSM: RP_INIT0_KSM): it depends on nothing else (tests/unit/test-replay.c
	 * checks), so a new folio's states are one copy. init0_call: the other
	 * models, whose init() is still called. The states lie as in a block
	 * (from FT_STATE0_OFFSET), so that init() sees the alignment it asked for.
	 */
	_Alignas(16) uint8_t init0[RP_INIT0_KSM + 1][RP_INIT0_ROW];
	size_t init0_bytes;	/* 0: no copy (the states outgrow RP_INIT0_MAX) */
	uint64_t init0_call;	/* bit i: model i */
	/*
	 * Likewise at the free of an order-0 folio: the bytes of the block that
	 * the templated models' fini() checks (their fini0_mask), in the block's
	 * first fini0_words 8-byte words. Where those match the template, only
	 * the models of fini0_call (the rest) have fini() called; else all do.
	 */
	_Alignas(16) uint8_t fini0_mask[RP_INIT0_ROW];
	size_t fini0_words;
	uint64_t fini0_call;	/* bit i: model i */

	struct folio_table ft;
	struct sh_pool pool;

	struct rp_mm **mm_by_trace;	/* indexed by trace mm id */
	uint32_t nr_trace_mms;
	struct rp_mm *first, *last;	/* live mms, creation order */
	uint32_t next_mm_id;
	uint64_t live_mms;

	uint64_t recno;		/* number of the record being replayed (1 = first after header) */
	uint64_t type_count[MC_REC_MAX_ID + 1];	/* records replayed by type */
	uint64_t inconsistencies;
	uint64_t reported;	/* inconsistencies printed so far */
	uint64_t lost_events;
	bool oom;
	const char *trace_name;
	FILE *err;

	struct rp_kproc *kproc;
	uint32_t nr_kproc, cap_kproc;
	bool have_kmem;
	struct mc_rec_kmem kmem;

	/* scratch kept between records */
	void *scratch;
	size_t scratch_cap;
	struct split_map *split_v;	/* split.c: the mappings of the folio being split */
	size_t split_cap;
};

/* models[0] must be the oracle. Returns 0, or -1 with a message in err. */
int rp_init(struct replay *rp, const struct mc_model *const *models, unsigned int nr,
	    const char *trace_name, char *err, size_t errlen);
void rp_fini(struct replay *rp);

/*
 * Replay one record. Returns 1 for a CHECKPOINT (the caller takes the
 * checkpoint, then calls rp_kernel_clear()), 0 otherwise, -1 when out of memory.
 */
int rp_record(struct replay *rp, const struct mc_record *rec);
void rp_kernel_clear(struct replay *rp);

/* Count an inconsistency at the current record and report it (rate-limited). */
void rp_inconsistent(struct replay *rp, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Every model's apply() of op, init() or fini() on folio f and its state
 * block. Out of line and unrolled: each model has its own call site, whose
 * indirect call then always goes to the same function, which a branch
 * predictor gets right, where one call site cycling through every model's
 * function it would not.
 */
void rp_apply_all(struct replay *rp, const struct mc_folio *f, char *state, const struct mc_op *op);
void rp_init_all(struct replay *rp, const struct mc_folio *f, char *state);
void rp_fini_all(struct replay *rp, const struct mc_folio *f, char *state);

/* Run op through every model for folio s. */
static inline void rp_apply(struct replay *rp, struct ft_slot *s, const struct mc_op *op)
{
	struct mc_folio f = ft_folio(&rp->ft, s);

	rp_apply_all(rp, &f, ft_state(&rp->ft, s), op);
}

/* Every model's init() (fini: false) or fini() on the state of the live folio in s. */
static inline void rp_init_fini(struct replay *rp, struct ft_slot *s, bool fini)
{
	struct mc_folio f = ft_folio(&rp->ft, s);

	(fini ? rp_fini_all : rp_init_all)(rp, &f, ft_state(&rp->ft, s));
}

/* Start loading the oracle's pair of (slot, mm id), ahead of an operation on it. */
static inline void rp_prefetch_pair(const struct replay *rp, uint32_t slot, uint32_t mm)
{
	if (rp->oracle)
		mc_oracle_prefetch_pair(&rp->ctx[0], slot, mm);
}

/* The mm with trace id tid, live or exited; NULL if the trace never used it. */
static inline struct rp_mm *rp_mm_of(const struct replay *rp, uint64_t tid)
{
	return tid < rp->nr_trace_mms ? rp->mm_by_trace[tid] : NULL;
}

static inline void *rp_state(const struct replay *rp, const struct ft_slot *s, unsigned int m)
{
	return ft_state(&rp->ft, s) + rp->off[ft_order(s)][m];
}

/* A scratch buffer of at least bytes (kept and reused); NULL when out of memory. */
void *rp_scratch(struct replay *rp, size_t bytes);

/* Split protocol (split.c). */
int rp_split(struct replay *rp, uint64_t pfn, unsigned int order);

#endif /* MAPCOUNT_REPLAY_H */
