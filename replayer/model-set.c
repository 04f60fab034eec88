// SPDX-License-Identifier: GPL-2.0
/* Resolving --models (model-set.h) through the plugin loader; the oracle goes first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/plugin.h"
#include "replayer/bench-trace.h"
#include "replayer/model-set.h"

struct model_set *model_set_open(const char *list, char *err, size_t errlen)
{
	const struct mc_model *named[MC_MAX_MODELS];
	const struct mc_model *oracle = mc_model_find("oracle");
	struct model_set *ms;
	size_t at = 0;
	int n;

	if (!strcmp(list, "null")) {
		/* hidden, for scripts/bench.d/20-replay.sh: no model at all */
		ms = calloc(1, sizeof(*ms));
		if (ms) {
			ms->models[ms->nr++] = &rp_null_model;
			snprintf(ms->names, sizeof(ms->names), "null");
		}
		return ms;
	}
	if (!oracle || !mc_model_implemented(oracle)) {
		snprintf(err, errlen, "the oracle model is not implemented; nothing to compare with");
		return NULL;
	}
	n = mc_models_resolve(list, named, MC_MAX_MODELS, err, errlen);
	if (n < 0)
		return NULL;
	ms = calloc(1, sizeof(*ms));
	if (!ms) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	/* every metric is a comparison with the oracle: it is always model 0 */
	ms->models[ms->nr++] = oracle;
	for (int i = 0; i < n && ms->nr < RP_MAX_MODELS; i++)
		if (named[i] != oracle)
			ms->models[ms->nr++] = named[i];
	for (unsigned int i = 0; i < ms->nr; i++)
		at += (size_t)snprintf(ms->names + at, sizeof(ms->names) - at, "%s%s", i ? "," : "",
				       ms->models[i]->name);
	return ms;
}

void model_set_close(struct model_set *ms)
{
	free(ms);
}
