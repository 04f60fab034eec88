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

#define RA_RING 32	/* a power of two */

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

/*
 * The next record, in trace order; valid (strings included) until the next
 * call. Returns as mc_reader_next(): 1, 0 at the end, -1 on a reader error
 * once every record before it was handed out.
 */
int ra_next(struct readahead *ra, const struct mc_record **rec);

#endif /* MAPCOUNT_READAHEAD_H */
