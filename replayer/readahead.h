/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Records read ahead of the replay, so that what each one touches is in cache
 * by its turn. Replay is bound by memory latency: a record finds its folio
 * through a radix cell or a shadow page-table cell, then needs the folio's
 * slot and state block (ft_prefetch()), each a likely miss. Records are
 * decoded in batches, RA_RING / 2 to RA_RING records before they are
 * replayed, and their cells are loaded then; RA_SLOT_AHEAD records before
 * its turn a record's cell names the slot, whose loads start. No prefetch
 * waits on a miss.
 *
 * The stages only read and tolerate stale data: replaying a record can change
 * what the records behind it find, and a wrong guess costs a cache line, never
 * a result.
 */
#ifndef MAPCOUNT_READAHEAD_H
#define MAPCOUNT_READAHEAD_H

#include "lib/trace.h"
#include "replayer/replay.h"

#define RA_RING 64	/* a power of two */

struct readahead {
	struct mc_reader *r;
	const struct replay *rp;
	uint64_t head, tail;	/* records decoded, records handed out */
	int rc;			/* the reader's last answer: 1 while it has more */
	bool wait;		/* the newest record holds strings: read on once it is out */
	bool strings[MC_REC_MAX_ID + 1];	/* record types with string fields */
	struct mc_record rec[RA_RING];
	const uint32_t *fcell[RA_RING];	/* the record's folio radix cell, if any */
	const uint64_t *scell[RA_RING];	/* else the shadow cell it unmaps, if any */
};

void ra_start(struct readahead *ra, struct mc_reader *r, const struct replay *rp);

/* Decode records until the ring is full, in batches (mc_reader_read()). */
void ra_fill(struct readahead *ra);

#define RA_SLOT_AHEAD 4

_Static_assert(RA_SLOT_AHEAD < RA_RING / 2, "the slot stage follows the cell stage");

/* RA_SLOT_AHEAD records before its turn: the slot the cell names now, and the
 * oracle's pair of it and the record's mm (always inlined: see ft_prefetch()). */
static inline __attribute__((always_inline)) void ra_slot(const struct readahead *ra,
							  unsigned int i)
{
	const struct mc_record *rec = &ra->rec[i];
	const struct replay *rp = ra->rp;
	const struct rp_mm *mm;
	uint32_t slot;

	if (ra->fcell[i])
		slot = ft_cell_slot(*ra->fcell[i]);
	else if (ra->scell[i] && sh_is_leaf(*ra->scell[i]))
		slot = sh_leaf_slot(*ra->scell[i]);
	else
		return;
	ft_prefetch(&rp->ft, slot);
	if (rec->type == MC_REC_UNMAP)
		mm = rp_mm_of(rp, rec->u.unmap.mm);
	else if (rec->type == MC_REC_MAP && !(rec->u.map.lf & MC_LF_NEW_ANON))
		mm = rp_mm_of(rp, rec->u.map.mm);
	else
		return;	/* a FREE, or a new anon folio: no pair to look up */
	if (mm)
		rp_prefetch_pair(rp, slot, mm->id);
}

/*
 * The next record, in trace order; valid (strings included) until the next
 * call. Returns as mc_reader_next(): 1, 0 at the end, -1 on a reader error
 * once every record before it was handed out. Inline: it runs per record.
 */
static inline int ra_next(struct readahead *ra, const struct mc_record **rec)
{
	/* refill once half the ring is out: batches decode faster than records */
	if (ra->head - ra->tail <= RA_RING / 2)
		ra_fill(ra);
	if (ra->tail == ra->head)
		return ra->rc;
	if (ra->head - ra->tail > RA_SLOT_AHEAD)
		ra_slot(ra, (ra->tail + RA_SLOT_AHEAD) % RA_RING);
	*rec = &ra->rec[ra->tail++ % RA_RING];
	if (ra->tail == ra->head)
		ra->wait = false;
	return 1;
}

#endif /* MAPCOUNT_READAHEAD_H */
