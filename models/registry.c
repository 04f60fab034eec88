// SPDX-License-Identifier: GPL-2.0
/* The built-in models, in the order `mapcount models` lists them. */
#include <string.h>

#include "models/model.h"

extern const struct mc_model mc_model_oracle;
extern const struct mc_model mc_model_legacy_doublemap;
extern const struct mc_model mc_model_entire_nrmapped;
extern const struct mc_model mc_model_entire_nrmapped_612;
extern const struct mc_model mc_model_mm_id_slots;
extern const struct mc_model mc_model_mm_id_slots_pagemapcount;
extern const struct mc_model mc_model_total_mapped_pages;

static const struct mc_model *const builtin_models[] = {
	&mc_model_oracle,
	&mc_model_legacy_doublemap,
	&mc_model_entire_nrmapped,
	&mc_model_entire_nrmapped_612,
	&mc_model_mm_id_slots,
	&mc_model_mm_id_slots_pagemapcount,
	&mc_model_total_mapped_pages,
};

const struct mc_model *const *mc_builtin_models(unsigned int *count)
{
	*count = sizeof(builtin_models) / sizeof(builtin_models[0]);
	return builtin_models;
}

const struct mc_model *mc_model_find(const char *name)
{
	for (size_t i = 0; i < sizeof(builtin_models) / sizeof(builtin_models[0]); i++)
		if (!strcmp(builtin_models[i]->name, name))
			return builtin_models[i];
	return NULL;
}
