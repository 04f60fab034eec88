// SPDX-License-Identifier: GPL-2.0
/* Placeholder until the model lands (issue #3): registered, but has no operations. */
#include "models/model.h"

const struct mc_model mc_model_entire_nrmapped_612 = {
	.abi_version = MC_MODEL_ABI_VERSION,
	.name = "entire-nrmapped-6.12",
	.description = "(not implemented yet)",
};
