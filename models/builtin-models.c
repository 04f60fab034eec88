// SPDX-License-Identifier: GPL-2.0
/* mapcount models: list the built-in models and those of plugins. */
#include <stdio.h>
#include <string.h>

#include "lib/builtin.h"
#include "models/plugin.h"

static void models_usage(FILE *out)
{
	fprintf(out, "usage: mapcount models [--plugin PATH]... [--verbose]\n\n"
		     "One line per model: NAME<TAB>DESCRIPTION, built-in models first, then\n"
		     "the models of each plugin in the order given.\n\n"
		     "  --plugin PATH  also load the model plugin at PATH (repeatable)\n"
		     "  -v, --verbose  also print how each model replays operations its\n"
		     "                 kernel lacks (its extension rules)\n"
		     "  -h, --help     this text\n");
}

static void print_model(const struct mc_model *m, int verbose)
{
	printf("%s\t%s%s\n", m->name, m->description ? m->description : "",
	       mc_model_implemented(m) ? "" : " [not implemented]");
	if (verbose)
		printf("\textension rules: %s\n",
		       m->extension_rules ? m->extension_rules : "(none given)");
}

int cmd_models(int argc, char **argv)
{
	const char *plugins[MC_MAX_MODELS];
	const struct mc_model *firsts[MC_MAX_MODELS];
	const struct mc_model *const *models;
	unsigned int nr_plugins = 0, count;
	int verbose = 0;
	char err[512];

	for (int i = 1; i < argc; i++) {
		const char *path = NULL;

		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			models_usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--verbose") || !strcmp(argv[i], "-v")) {
			verbose = 1;
		} else if (!strcmp(argv[i], "--plugin") && i + 1 < argc) {
			path = argv[++i];
		} else if (!strncmp(argv[i], "--plugin=", 9) && argv[i][9]) {
			path = argv[i] + 9;
		} else {
			fprintf(stderr, "mapcount models: unexpected argument '%s'\n", argv[i]);
			models_usage(stderr);
			return 2;
		}
		if (path && nr_plugins == MC_MAX_MODELS) {
			fprintf(stderr, "mapcount models: more than %d plugins\n", MC_MAX_MODELS);
			return 2;
		}
		if (path)
			plugins[nr_plugins++] = path;
	}

	/* load everything first: a bad plugin prints nothing but its error */
	for (unsigned int p = 0; p < nr_plugins; p++) {
		if (mc_plugin_load(plugins[p], &models, &count, err, sizeof(err))) {
			fprintf(stderr, "mapcount models: %s\n", err);
			return 1;
		}
	}
	models = mc_builtin_models(&count);
	for (unsigned int i = 0; i < count; i++)
		print_model(models[i], verbose);
	for (unsigned int p = 0; p < nr_plugins; p++) {
		unsigned int q = 0;

		mc_plugin_load(plugins[p], &models, &count, err, sizeof(err));
		firsts[p] = models[0];
		while (q < p && firsts[q] != models[0])
			q++;
		for (unsigned int i = 0; q == p && i < count; i++)
			print_model(models[i], verbose); /* a plugin given twice: once */
	}
	return fflush(stdout) ? 1 : 0;
}
