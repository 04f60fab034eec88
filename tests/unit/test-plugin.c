// SPDX-License-Identifier: GPL-2.0
/* Model plugins: load the example plugin, run it beside the oracle, resolve
 * --models lists, and see `mapcount models --plugin` list it. */
#include <limits.h>

#include "tests/tap.h"
#include "tests/unit/model-rig.h"
#include "models/oracle.h"
#include "models/plugin.h"

static char plugin_path[PATH_MAX];

/* A fork, a partial unmap and an exit through the plugin and the oracle. */
static void test_run_beside_oracle(const struct mc_model *avg)
{
	struct mc_model_ctx cx, co;
	struct mc_folio f = rig_folio(1, MC_KIND_ANON, 4);
	struct mc_op ops[] = {
		rig_flags(rig_pte(MC_OP_NEW_ANON, 0, 16, 1), MC_OPF_EXCLUSIVE),
		rig_dup(rig_pte(MC_OP_ADD, 0, 16, 2), 1),
		rig_pte(MC_OP_REMOVE, 8, 8, 1),
		rig_pte(MC_OP_REMOVE, 8, 8, 2),
		rig_pte(MC_OP_REMOVE, 0, 8, 2),
	};
	/* average after each op: (16+8)>>4, (32+8)>>4, (24+8)>>4, (16+8)>>4, (8+8)>>4 */
	static const int64_t avg_mc[] = {1, 2, 2, 1, 1};
	/* op 3 leaves pages 8..15 unmapped but 16 pages of mappings: the toy
	 * misses it (the oracle does not); op 4 drops below 16 and flags it */
	static const int partial[] = {0, 0, 0, 0, 1}, exact_partial[] = {0, 0, 0, 1, 1};
	int bad = 0;
	void *sx, *so;

	rig_ctx_init(&cx, avg);
	rig_ctx_init(&co, &mc_model_oracle);
	sx = rig_state(&cx, &f);
	so = rig_state(&co, &f);
	for (unsigned int i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		avg->apply(&cx, &f, sx, &ops[i]);
		mc_model_oracle.apply(&co, &f, so, &ops[i]);
		if (avg->folio_mapcount(&cx, &f, sx) !=
		    mc_model_oracle.folio_mapcount(&co, &f, so)) {
			tap_diag("op %u: folio mapcount differs from the oracle", i);
			bad++;
		}
		if (avg->page_mapcount(&cx, &f, sx, 0) != avg_mc[i] ||
		    avg->partially_mapped(&cx, &f, sx) != partial[i] ||
		    mc_model_oracle.partially_mapped(&co, &f, so) != exact_partial[i]) {
			tap_diag("op %u: average or partial flag unexpected", i);
			bad++;
		}
	}
	is_int(bad, 0, "example-average: mapcount = oracle, average and partial flag as designed");
	is_int(cx.vm[MC_NR_ANON_MAPPED], 16, "whole folio counted while mapped (oracle: 8)");
	is_int(co.vm[MC_NR_ANON_MAPPED], 8, "oracle: 8 pages mapped");
	ok(avg->maybe_shared(&cx, &f, sx) && !mc_model_oracle.maybe_shared(&co, &f, so),
	   "8 entries of one mm: the toy says shared, the oracle does not");
	ok(cx.atomics == 10 && !cx.violations && !cx.overflows, "2 atomics per op, no violation");
	ops[0] = rig_pte(MC_OP_REMOVE, 0, 8, 1);
	avg->apply(&cx, &f, sx, &ops[0]);
	mc_model_oracle.apply(&co, &f, so, &ops[0]);
	ok(!cx.vm[MC_NR_ANON_MAPPED] && !avg->folio_mapped(&cx, &f, sx),
	   "unmapped: AnonPages back to 0");
	rig_state_free(&cx, &f, sx);
	rig_state_free(&co, &f, so);
	rig_ctx_fini(&cx);
	rig_ctx_fini(&co);
}

static void test_resolve(void)
{
	const struct mc_model *out[MC_MAX_MODELS];
	const struct mc_model *const *builtins;
	unsigned int nb, implemented = 0;
	char spec[2 * PATH_MAX + 64], err[512];
	int n;

	builtins = mc_builtin_models(&nb);
	for (unsigned int i = 0; i < nb; i++)
		implemented += mc_model_implemented(builtins[i]);
	n = mc_models_resolve("all", out, MC_MAX_MODELS, err, sizeof(err));
	is_int(n, implemented, "'all' is every implemented built-in model");
	snprintf(spec, sizeof(spec), "oracle,%s", plugin_path);
	n = mc_models_resolve(spec, out, MC_MAX_MODELS, err, sizeof(err));
	ok(n == 2 && !strcmp(out[0]->name, "oracle") && !strcmp(out[1]->name, "example-average"),
	   "'oracle,PLUGIN' gives the oracle then the plugin's model");
	n = mc_models_resolve("oracle,nosuch", out, MC_MAX_MODELS, err, sizeof(err));
	ok(n == -1 && strstr(err, "unknown model 'nosuch'"), "unknown name: %s", err);
	n = mc_models_resolve("oracle,,oracle", out, MC_MAX_MODELS, err, sizeof(err));
	ok(n == -1 && strstr(err, "empty model name"), "empty element: %s", err);
	n = mc_models_resolve("oracle,oracle", out, MC_MAX_MODELS, err, sizeof(err));
	ok(n == -1 && strstr(err, "named twice"), "duplicate: %s", err);
	snprintf(spec, sizeof(spec), "%s,%s", plugin_path, plugin_path);
	n = mc_models_resolve(spec, out, MC_MAX_MODELS, err, sizeof(err));
	ok(n == -1 && strstr(err, "named twice"), "same plugin twice: %s", err);
	n = mc_models_resolve("oracle", out, 0, err, sizeof(err));
	ok(n == -1 && strstr(err, "more than 0"), "too many models: %s", err);
	n = mc_models_resolve("./nosuch.so", out, MC_MAX_MODELS, err, sizeof(err));
	ok(n == -1 && strstr(err, "./nosuch.so: cannot load"), "missing plugin: %s", err);
	n = mc_models_resolve("/lib/x86_64-linux-gnu/libc.so.6", out, MC_MAX_MODELS, err,
			      sizeof(err));
	ok(n == -1 && strstr(err, "not a mapcount plugin: no symbol mapcount_models"),
	   "a library that is not a plugin: %s", err);
}

static void test_models_command(void)
{
	const char *mapcount = getenv("MAPCOUNT");
	char cmd[2 * PATH_MAX], line[1024];
	int found = 0, lines = 0, last_is_plugin = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "'%s' models --plugin '%s'", mapcount ? mapcount : "./mapcount",
		 plugin_path);
	p = popen(cmd, "r");
	if (!p) {
		ok(0, "run %s", cmd);
		return;
	}
	while (fgets(line, sizeof(line), p)) {
		lines++;
		last_is_plugin = !strncmp(line, "example-average\t", 16);
		found += last_is_plugin;
	}
	is_int(pclose(p), 0, "mapcount models --plugin exits 0");
	ok(found == 1 && last_is_plugin && lines > 1,
	   "the plugin's model is listed once, after the built-ins (%d lines)", lines);
}

int main(void)
{
	const char *build = getenv("BUILD");
	const struct mc_model *const *models;
	unsigned int count;
	char err[512];

	snprintf(plugin_path, sizeof(plugin_path), "%s/example-plugin.so", build ? build : "build");
	if (mc_plugin_load(plugin_path, &models, &count, err, sizeof(err))) {
		ok(0, "load %s: %s", plugin_path, err);
		return tap_done();
	}
	ok(count == 1 && !strcmp(models[0]->name, "example-average"),
	   "%s: one model, example-average", plugin_path);
	ok(mc_model_implemented(models[0]) && models[0]->extension_rules,
	   "it implements every function and states its extension rules");
	test_run_beside_oracle(models[0]);
	test_resolve();
	test_models_command();
	return tap_done();
}
