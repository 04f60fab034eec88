// SPDX-License-Identifier: GPL-2.0
/* Records read ahead of the replay, their memory loaded in stages (readahead.h). */
#include "replayer/readahead.h"

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

void ra_fill(struct readahead *ra)
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
