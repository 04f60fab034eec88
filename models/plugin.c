// SPDX-License-Identifier: GPL-2.0
/* Model plugins (dlopen) and resolution of --models lists. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/plugin.h"

/* Plugins loaded so far, by path, so that a second load returns the same models. */
struct loaded_plugin {
	char *path;
	const struct mc_model *models[MC_MAX_MODELS];
	unsigned int count;
};

static struct loaded_plugin *loaded;
static unsigned int nr_loaded;

bool mc_model_implemented(const struct mc_model *m)
{
	return m->state_size && m->init && m->fini && m->apply && m->metadata_bytes &&
	       m->folio_mapcount && m->folio_mapped && m->page_mapcount && m->maybe_shared &&
	       m->cow_reuse && m->partially_mapped && m->anon_exclusive && m->pagemap_exclusive &&
	       m->smaps_account;
}

bool mc_model_spec_is_plugin(const char *name)
{
	size_t n = strlen(name);

	return strchr(name, '/') || (n > 3 && !strcmp(name + n - 3, ".so"));
}

static int check_model(const char *path, const struct mc_model *m, char *err, size_t errlen)
{
	if (m->abi_version != MC_MODEL_ABI_VERSION) {
		snprintf(err, errlen, "%s: ABI version %d, this mapcount speaks %d", path,
			 m->abi_version, MC_MODEL_ABI_VERSION);
		return -1;
	}
	if (!m->name || !*m->name || strchr(m->name, ',') || !m->description) {
		snprintf(err, errlen, "%s: a model without a usable name or description", path);
		return -1;
	}
	if (!mc_model_implemented(m)) {
		snprintf(err, errlen, "%s: model '%s' lacks a required function", path, m->name);
		return -1;
	}
	if (mc_model_find(m->name)) {
		snprintf(err, errlen, "%s: model '%s' has the name of a built-in model", path,
			 m->name);
		return -1;
	}
	return 0;
}

static struct loaded_plugin *find_loaded(const char *path)
{
	for (unsigned int i = 0; i < nr_loaded; i++)
		if (!strcmp(loaded[i].path, path))
			return &loaded[i];
	return NULL;
}

static int remember(const char *path, const struct mc_model *models, unsigned int count, char *err,
		    size_t errlen)
{
	struct loaded_plugin *grown = realloc(loaded, (nr_loaded + 1) * sizeof(*loaded));
	struct loaded_plugin *p;

	if (grown)
		loaded = grown;
	if (!grown || !(grown[nr_loaded].path = strdup(path))) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	p = &loaded[nr_loaded++];
	p->count = count;
	for (unsigned int i = 0; i < count; i++)
		p->models[i] = &models[i];
	return 0;
}

int mc_plugin_load(const char *path, const struct mc_model *const **models, unsigned int *count,
		   char *err, size_t errlen)
{
	struct loaded_plugin *p = find_loaded(path);
	const struct mc_model *arr;
	unsigned int n = 0;
	mc_models_fn fn;
	void *handle = NULL;

	if (!p) {
		handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
		if (!handle) {
			const char *why = dlerror();
			size_t n = strlen(path);

			if (!strncmp(why, path, n) && !strncmp(why + n, ": ", 2))
				why += n + 2; /* dlerror names the path too */
			snprintf(err, errlen, "%s: cannot load: %s", path, why);
			return -1;
		}
		*(void **)&fn = dlsym(handle, MC_PLUGIN_SYMBOL);
		if (!fn) {
			snprintf(err, errlen, "%s: not a mapcount plugin: no symbol %s", path,
				 MC_PLUGIN_SYMBOL);
			dlclose(handle);
			return -1;
		}
		arr = fn(&n, MC_MODEL_ABI_VERSION);
		if (!arr || !n || n > MC_MAX_MODELS) {
			snprintf(err, errlen, "%s: %s returned %u models for ABI %d (want 1..%d)",
				 path, MC_PLUGIN_SYMBOL, arr ? n : 0, MC_MODEL_ABI_VERSION,
				 MC_MAX_MODELS);
			dlclose(handle);
			return -1;
		}
		for (unsigned int i = 0; i < n; i++) {
			if (check_model(path, &arr[i], err, errlen))
				goto refuse;
			for (unsigned int j = 0; j < i; j++) {
				if (!strcmp(arr[i].name, arr[j].name)) {
					snprintf(err, errlen, "%s: model '%s' appears twice", path,
						 arr[i].name);
					goto refuse;
				}
			}
		}
		if (remember(path, arr, n, err, errlen))
			goto refuse;
		p = &loaded[nr_loaded - 1];
	}
	*models = p->models;
	*count = p->count;
	return 0;
refuse:
	dlclose(handle);
	return -1;
}

static int append(const struct mc_model **out, unsigned int *n, unsigned int max,
		  const struct mc_model *m, char *err, size_t errlen)
{
	for (unsigned int i = 0; i < *n; i++) {
		if (!strcmp(out[i]->name, m->name)) {
			snprintf(err, errlen, "--models: model '%s' named twice", m->name);
			return -1;
		}
	}
	if (*n >= max) {
		snprintf(err, errlen, "--models: more than %u models", max);
		return -1;
	}
	out[(*n)++] = m;
	return 0;
}

static int resolve_one(const char *name, const struct mc_model **out, unsigned int *n,
		       unsigned int max, char *err, size_t errlen)
{
	const struct mc_model *const *models;
	const struct mc_model *m;
	unsigned int count;

	if (mc_model_spec_is_plugin(name)) {
		if (mc_plugin_load(name, &models, &count, err, errlen))
			return -1;
		for (unsigned int i = 0; i < count; i++)
			if (append(out, n, max, models[i], err, errlen))
				return -1;
		return 0;
	}
	if (!strcmp(name, "all")) {
		models = mc_builtin_models(&count);
		for (unsigned int i = 0; i < count; i++)
			if (mc_model_implemented(models[i]) &&
			    append(out, n, max, models[i], err, errlen))
				return -1;
		return 0;
	}
	m = mc_model_find(name);
	if (!m) {
		snprintf(err, errlen, "--models: unknown model '%s' (see 'mapcount models')", name);
		return -1;
	}
	if (!mc_model_implemented(m)) {
		snprintf(err, errlen, "--models: model '%s' is not implemented yet", name);
		return -1;
	}
	return append(out, n, max, m, err, errlen);
}

int mc_models_resolve(const char *spec, const struct mc_model **out, unsigned int max, char *err,
		      size_t errlen)
{
	char *copy = strdup(spec), *save = NULL, *name;
	unsigned int n = 0;
	int ret = 0;
	size_t len = strlen(spec);

	if (!copy) {
		snprintf(err, errlen, "--models: out of memory");
		return -1;
	}
	if (!len || spec[0] == ',' || spec[len - 1] == ',' || strstr(spec, ",,")) {
		snprintf(err, errlen, "--models: empty model name in '%s'", spec);
		ret = -1;
	}
	for (name = strtok_r(copy, ",", &save); !ret && name; name = strtok_r(NULL, ",", &save))
		ret = resolve_one(name, out, &n, max, err, errlen);
	free(copy);
	return ret ? -1 : (int)n;
}
