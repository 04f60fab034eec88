/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Model plugins and model lists.
 *
 * A plugin is a shared object exporting MC_PLUGIN_SYMBOL (see model.h). It is
 * opened with RTLD_NOW | RTLD_LOCAL and stays loaded for the life of the
 * process, so the models it returns stay valid. Loading the same path twice
 * returns the same models.
 *
 * Errors are one line in err (no newline), naming the path and the problem:
 *   "x.so: not a mapcount plugin: no symbol mapcount_models"
 *   "x.so: ABI version 2, this mapcount speaks 1"
 */
#ifndef MAPCOUNT_PLUGIN_H
#define MAPCOUNT_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>

#include "models/model.h"

/* Most models one plugin or one --models list may name. */
#define MC_MAX_MODELS 64

/*
 * Load the plugin at path. On success *models points to *count model
 * pointers (owned by the loader, valid until exit) and 0 is returned; on
 * failure -1 with the reason in err. Every model is checked: ABI version,
 * a name, every required function, no clash with a built-in name.
 */
int mc_plugin_load(const char *path, const struct mc_model *const **models, unsigned int *count,
		   char *err, size_t errlen);

/* True when a model has every function the replayer calls (a built-in
 * placeholder without apply() is not implemented). */
bool mc_model_implemented(const struct mc_model *m);

/* True when a --models element names a plugin: it contains '/' or ends in .so. */
bool mc_model_spec_is_plugin(const char *name);

/*
 * Resolve a --models argument (interfaces.md, replay): "all" is every
 * implemented built-in model; otherwise a comma list of built-in names and
 * plugin paths (a plugin contributes all its models, in its order). Fills
 * out[0..n-1] in list order and returns n, or returns -1 with err set for
 * an unknown or unimplemented name, a plugin that does not load, a model
 * named twice, an empty element or more than max models.
 */
int mc_models_resolve(const char *spec, const struct mc_model **out, unsigned int max, char *err,
		      size_t errlen);

#endif
