/* SPDX-License-Identifier: GPL-2.0 */
/* The models a replay runs: resolved from --models, the oracle first, checked complete. */
#ifndef MAPCOUNT_MODEL_SET_H
#define MAPCOUNT_MODEL_SET_H

#include <stddef.h>

#include "replayer/replay.h"

struct model_set {
	const struct mc_model *models[RP_MAX_MODELS];
	unsigned int nr;
	char names[1024];	/* comma list, as stored with the run */
};

/* "all" or a comma list. NULL + message in err when a name is unknown or a model
 * lacks an operation the replay needs (see models/plugin.h). */
struct model_set *model_set_open(const char *list, char *err, size_t errlen);
void model_set_close(struct model_set *ms);

#endif /* MAPCOUNT_MODEL_SET_H */
