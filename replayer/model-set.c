// SPDX-License-Identifier: GPL-2.0
/* Resolving --models (model-set.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replayer/model-set.h"

/* Everything the replay calls; ctx_init/ctx_fini may be NULL. */
static const char *model_missing(const struct mc_model *m)
{
	if (m->abi_version != MC_MODEL_ABI_VERSION)
		return "abi_version";
#define NEED(fn)          \
	if (!m->fn)       \
		return #fn;
	NEED(state_size) NEED(init) NEED(fini) NEED(metadata_bytes) NEED(apply)
	NEED(folio_mapcount) NEED(folio_mapped) NEED(page_mapcount) NEED(maybe_shared)
	NEED(cow_reuse) NEED(partially_mapped) NEED(anon_exclusive) NEED(pagemap_exclusive)
	NEED(smaps_account)
#undef NEED
	return NULL;
}

static int model_set_add(struct model_set *ms, const struct mc_model *m, char *err, size_t errlen)
{
	const char *missing = model_missing(m);

	for (unsigned int i = 0; i < ms->nr; i++)
		if (ms->models[i] == m || !strcmp(ms->models[i]->name, m->name))
			return 0;	/* named twice, or the oracle named explicitly */
	if (missing) {
		snprintf(err, errlen, "model %s cannot be replayed: it has no %s", m->name, missing);
		return -1;
	}
	if (ms->nr == RP_MAX_MODELS) {
		snprintf(err, errlen, "more than %d models", RP_MAX_MODELS);
		return -1;
	}
	ms->models[ms->nr++] = m;
	return 0;
}

struct model_set *model_set_open(const char *list, char *err, size_t errlen)
{
	struct model_set *ms = calloc(1, sizeof(*ms));
	const struct mc_model *oracle = mc_model_find("oracle");
	char *copy = NULL, *save = NULL;
	size_t at = 0;

	if (!ms || !(copy = strdup(list))) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (!oracle || model_set_add(ms, oracle, err, errlen))
		goto fail;
	if (!strcmp(list, "all")) {
		unsigned int n;
		const struct mc_model *const *all = mc_builtin_models(&n);

		for (unsigned int i = 0; i < n; i++)
			if (model_set_add(ms, all[i], err, errlen))
				goto fail;
	} else {
		for (char *name = strtok_r(copy, ",", &save); name;
		     name = strtok_r(NULL, ",", &save)) {
			const struct mc_model *m = mc_model_find(name);

			if (!m) {
				snprintf(err, errlen, "--models: no model named '%s' "
						      "(see 'mapcount models')", name);
				goto fail;
			}
			if (model_set_add(ms, m, err, errlen))
				goto fail;
		}
	}
	for (unsigned int i = 0; i < ms->nr; i++)
		at += (size_t)snprintf(ms->names + at, sizeof(ms->names) - at, "%s%s", i ? "," : "",
				       ms->models[i]->name);
	free(copy);
	return ms;
fail:
	free(copy);
	free(ms);
	return NULL;
}

void model_set_close(struct model_set *ms)
{
	free(ms);
}
