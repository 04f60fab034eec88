// SPDX-License-Identifier: GPL-2.0
/* Records read ahead of the replay, their memory loaded in stages (readahead.h). */
#include "replayer/readahead.h"

#define RA_SLOT_AHEAD 4

_Static_assert(RA_SLOT_AHEAD < RA_RING / 2, "the slot stage follows the cell stage");

void ra_start(struct readahead *ra, struct mc_reader *r, const struct replay *rp)
{
	ra->r = r;
	ra->rp = rp;
	ra->head = ra->tail = 0;
	ra->rc = 1;
	ra->wait = false;
	/* strings point into the reader's buffer until it reads on (trace.h) */
	for (unsigned int t = 0; t <= MC_REC_MAX_ID; t++) {
		const struct mc_record_info *info = mc_record_info(t);

		ra->strings[t] = false;
		for (unsigned int f = 0; info && f < info->nr_fields; f++)
			ra->strings[t] |= info->fields[f].coding == MC_CODING_STR;
	}
}

/* At decode: the cell that leads to the record's folio. */
static void ra_cell(struct readahead *ra, unsigned int i)
{
	const struct mc_record *rec = &ra->rec[i];
	const struct replay *rp = ra->rp;
	struct rp_mm *mm;
	uint64_t blocker;

	ra->fcell[i] = NULL;
	ra->scell[i] = NULL;
	switch (rec->type) {
	case MC_REC_MAP:
		ra->fcell[i] = ft_radix_cell(&rp->ft, rec->u.map.pfn, 0);
		break;
	case MC_REC_FREE:
		ra->fcell[i] = ft_radix_cell(&rp->ft, rec->u.free.pfn, 0);
		break;
	case MC_REC_UNMAP:
		mm = rp_mm_of(rp, rec->u.unmap.mm);
		/* PTE unmaps only: the one kind frequent enough to matter */
		if (mm && !(rec->u.unmap.lf & MC_LF_LEVEL_MASK))
			ra->scell[i] = sh_cell(NULL, &mm->sh, rec->u.unmap.vpn,
					       MC_LEVEL_PTE, false, &blocker);
		if (ra->scell[i])
			__builtin_prefetch(ra->scell[i]);
		return;
	default:
		return;
	}
	if (ra->fcell[i])
		__builtin_prefetch(ra->fcell[i]);
}

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

/* Decode records until the ring is full, in batches (mc_reader_read()). */
static void ra_fill(struct readahead *ra)
{
	while (ra->head - ra->tail < RA_RING && ra->rc > 0 && !ra->wait) {
		unsigned int i = ra->head % RA_RING;
		unsigned int room = RA_RING - (unsigned int)(ra->head - ra->tail);
		int n;

		if (room > RA_RING - i)
			room = RA_RING - i;
		n = mc_reader_read(ra->r, &ra->rec[i], room);
		if (n <= 0) {
			ra->rc = n;
			break;
		}
		ra->head += (unsigned int)n;
		for (unsigned int end = i + (unsigned int)n; i < end; i++) {
			ra->wait |= ra->strings[ra->rec[i].type];
			ra_cell(ra, i);
		}
	}
}

int ra_next(struct readahead *ra, const struct mc_record **rec)
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
