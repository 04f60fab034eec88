// SPDX-License-Identifier: GPL-2.0
/* Placeholder until the model lands (issue #3): registered, but has no operations. */
#include "models/model.h"

const struct mc_model mc_model_entire_nrmapped = {
	.abi_version = MC_MODEL_ABI_VERSION,
	.name = "entire-nrmapped",
	.description = "(not implemented yet)",
};
