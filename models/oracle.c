// SPDX-License-Identifier: GPL-2.0
/* Placeholder until the model lands (issue #3): registered, but has no operations. */
#include "models/model.h"

const struct mc_model mc_model_oracle = {
	.abi_version = MC_MODEL_ABI_VERSION,
	.name = "oracle",
	.description = "(not implemented yet)",
};
