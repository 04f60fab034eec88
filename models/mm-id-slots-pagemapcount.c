// SPDX-License-Identifier: GPL-2.0
/* Placeholder until the model lands (issue #3): registered, but has no operations. */
#include "models/model.h"

const struct mc_model mc_model_mm_id_slots_pagemapcount = {
	.abi_version = MC_MODEL_ABI_VERSION,
	.name = "mm-id-slots-pagemapcount",
	.description = "(not implemented yet)",
};
