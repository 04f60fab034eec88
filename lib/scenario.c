// SPDX-License-Identifier: GPL-2.0
/*
 * Scenario compiler: one statement a line, checked against a shadow of every
 * mm's mappings (per folio and mm, the level each page is mapped at) before
 * its records are emitted. See lib/scenario.h for the encoding.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "lib/scenario.h"

#define MAX_TOKENS 8
#define PMD_NR (1ull << 9)
#define PUD_ORDER 18

/* ---- names ---- */

struct name_table {
	char **names;		/* slot -> name, NULL if empty */
	uint32_t *index;	/* slot -> index in the owner's array */
	size_t cap, used;
};

static uint64_t name_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

static size_t name_slot(const struct name_table *t, const char *name)
{
	size_t i = name_hash(name) & (t->cap - 1);

	while (t->names[i] && strcmp(t->names[i], name))
		i = (i + 1) & (t->cap - 1);
	return i;
}

/* index of name, or -1 */
static long name_find(const struct name_table *t, const char *name)
{
	size_t i;

	if (!t->cap)
		return -1;
	i = name_slot(t, name);
	return t->names[i] ? (long)t->index[i] : -1;
}

static int name_add(struct name_table *t, const char *name, uint32_t index)
{
	size_t i;

	if ((t->used + 1) * 2 > t->cap) {
		struct name_table n = { 0 };

		n.cap = t->cap ? t->cap * 2 : 64;
		n.names = calloc(n.cap, sizeof(*n.names));
		n.index = calloc(n.cap, sizeof(*n.index));
		if (!n.names || !n.index) {
			free(n.names);
			free(n.index);
			return -1;
		}
		for (size_t k = 0; k < t->cap; k++) {
			if (!t->names[k])
				continue;
			i = name_slot(&n, t->names[k]);
			n.names[i] = t->names[k];
			n.index[i] = t->index[k];
		}
		n.used = t->used;
		free(t->names);
		free(t->index);
		*t = n;
	}
	i = name_slot(t, name);
	t->names[i] = strdup(name);
	if (!t->names[i])
		return -1;
	t->index[i] = index;
	t->used++;
	return 0;
}

static void name_table_free(struct name_table *t)
{
	for (size_t i = 0; i < t->cap; i++)
		free(t->names[i]);
	free(t->names);
	free(t->index);
}

/* ---- the shadow ---- */

struct mm {
	const char *name;	/* owned by the name table */
	int first_line, exit_line;	/* exit_line 0: alive */
};

enum folio_state { FOLIO_LIVE, FOLIO_SPLIT, FOLIO_FREED };

/* One mm's mappings of one folio: the level + 1 of each page, 0 = unmapped. */
struct folio_map {
	uint32_t mm;		/* index into mms */
	uint64_t mapped;	/* pages with a nonzero level */
	uint8_t *lvl;
};

struct folio {
	const char *name;
	uint64_t pfn;
	unsigned int order, kind;
	enum folio_state state;
	bool mapped_ever;
	int line, gone_line;
	struct folio_map *maps;
	size_t nr_maps, cap_maps;
};

struct mc_scenario {
	const char *filename;
	mc_emit_fn emit;
	void *ctx;
	int line;
	struct name_table mm_names, folio_names;
	struct mm *mms;
	size_t nr_mms, cap_mms;
	struct folio *folios;
	size_t nr_folios, cap_folios;
	uint64_t next_pfn;
	unsigned int checkpoints;
	char *tok[MAX_TOKENS];
	int ntok;
	char err[512];
};

static const char *const level_names[] = { "pte", "pmd", "pud" };

static int fail(struct mc_scenario *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct mc_scenario *s, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(s->err, sizeof(s->err), "%s:%d: ", s->filename, s->line);

	va_start(ap, fmt);
	vsnprintf(s->err + n, sizeof(s->err) - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static int grow(void **arr, size_t *cap, size_t need, size_t size)
{
	void *p;
	size_t n;

	if (need <= *cap)
		return 0;
	n = *cap ? *cap * 2 : 16;
	while (n < need)
		n *= 2;
	p = realloc(*arr, n * size);
	if (!p)
		return -1;
	*arr = p;
	*cap = n;
	return 0;
}

static int emit(struct mc_scenario *s, const struct mc_record *rec)
{
	if (s->emit(s->ctx, rec))
		return fail(s, "writing the trace failed");
	return 0;
}

static uint64_t folio_pages(const struct folio *f)
{
	return 1ull << f->order;
}

/* ---- tokens ---- */

static bool valid_name(const char *t)
{
	if (!isalpha((unsigned char)*t) && *t != '_')
		return false;
	for (t++; *t; t++)
		if (!isalnum((unsigned char)*t) && !strchr("_.-", *t))
			return false;
	return true;
}

static int parse_number(struct mc_scenario *s, const char *t, const char *what, uint64_t *out)
{
	char *end;

	errno = 0;
	if (!isdigit((unsigned char)*t))
		return fail(s, "bad number '%s' for %s", t, what);
	*out = strtoull(t, &end, !strncasecmp(t, "0x", 2) ? 16 : 10);
	if (errno || *end || (t[0] == '0' && isdigit((unsigned char)t[1])))
		return fail(s, "bad number '%s' for %s (decimal or 0x hex)", t, what);
	return 0;
}

static int check_args(struct mc_scenario *s, int min, int max, const char *usage)
{
	if (s->ntok - 1 < min || s->ntok - 1 > max)
		return fail(s, "%s arguments to '%s'; usage: %s",
			    s->ntok - 1 < min ? "missing" : "too many", s->tok[0], usage);
	return 0;
}

/* ---- mms ---- */

static int mm_new(struct mc_scenario *s, const char *name, long *out)
{
	struct mc_record rec = { .type = MC_REC_MM };
	size_t i = s->nr_mms;

	if (!valid_name(name))
		return fail(s, "bad mm name '%s'", name);
	if (grow((void **)&s->mms, &s->cap_mms, i + 1, sizeof(*s->mms)) ||
	    name_add(&s->mm_names, name, (uint32_t)i))
		return fail(s, "out of memory");
	s->mms[i] = (struct mm){ .first_line = s->line };
	s->mms[i].name = s->mm_names.names[name_slot(&s->mm_names, name)];
	s->nr_mms++;
	rec.u.mm.mm = (uint32_t)(i + 1);
	rec.u.mm.name = (struct mc_str){ s->mms[i].name, (uint32_t)strlen(name) };
	*out = (long)i;
	return emit(s, &rec);
}

/* The live mm called name, created at its first use. */
static int mm_use(struct mc_scenario *s, const char *name, long *out)
{
	long i = name_find(&s->mm_names, name);

	if (i < 0)
		return mm_new(s, name, out);
	if (s->mms[i].exit_line)
		return fail(s, "mm %s exited at line %d; an exited mm's name cannot be used again",
			    name, s->mms[i].exit_line);
	*out = i;
	return 0;
}

/* ---- folios ---- */

static int folio_add(struct mc_scenario *s, const char *name, uint64_t pfn, unsigned int order,
		     unsigned int kind, bool mapped_ever, long *out)
{
	size_t i = s->nr_folios;
	long old = name_find(&s->folio_names, name);

	if (old >= 0)
		return fail(s, "folio %s already declared at line %d", name, s->folios[old].line);
	if (grow((void **)&s->folios, &s->cap_folios, i + 1, sizeof(*s->folios)) ||
	    name_add(&s->folio_names, name, (uint32_t)i))
		return fail(s, "out of memory");
	s->folios[i] = (struct folio){ .pfn = pfn, .order = order, .kind = kind,
				       .mapped_ever = mapped_ever, .line = s->line };
	s->folios[i].name = s->folio_names.names[name_slot(&s->folio_names, name)];
	s->nr_folios++;
	*out = (long)i;
	return 0;
}

static int folio_use(struct mc_scenario *s, const char *name, struct folio **out)
{
	long i = name_find(&s->folio_names, name);
	struct folio *f;

	if (i < 0)
		return fail(s, "unknown folio '%s'", name);
	f = &s->folios[i];
	if (f->state == FOLIO_SPLIT)
		return fail(s, "folio %s was split at line %d; its parts are %s.0, %s.1, ...", name,
			    f->gone_line, name, name);
	if (f->state == FOLIO_FREED)
		return fail(s, "folio %s was freed at line %d", name, f->gone_line);
	*out = f;
	return 0;
}

static struct folio_map *folio_map_find(struct folio *f, uint32_t mm)
{
	for (size_t i = 0; i < f->nr_maps; i++)
		if (f->maps[i].mm == mm)
			return &f->maps[i];
	return NULL;
}

static struct folio_map *folio_map_get(struct mc_scenario *s, struct folio *f, uint32_t mm)
{
	struct folio_map *m = folio_map_find(f, mm);

	if (m)
		return m;
	if (grow((void **)&f->maps, &f->cap_maps, f->nr_maps + 1, sizeof(*f->maps)))
		return NULL;
	m = &f->maps[f->nr_maps];
	m->lvl = calloc(folio_pages(f), 1);
	if (!m->lvl)
		return NULL;
	m->mm = mm;
	m->mapped = 0;
	f->nr_maps++;
	return m;
}

static void folio_map_drop(struct folio *f, struct folio_map *m)
{
	free(m->lvl);
	*m = f->maps[--f->nr_maps];
}

static void mm_unmap_all(struct mc_scenario *s, uint32_t mm)
{
	for (size_t i = 0; i < s->nr_folios; i++) {
		struct folio_map *m = folio_map_find(&s->folios[i], mm);

		if (m)
			folio_map_drop(&s->folios[i], m);
	}
}

/* ---- statements ---- */

static int stmt_folio(struct mc_scenario *s)
{
	static const char *const kinds[] = { [MC_KIND_ANON] = "anon", [MC_KIND_FILE] = "file",
					     [MC_KIND_SHMEM] = "shmem" };
	struct mc_record rec = { .type = MC_REC_FOLIO };
	uint64_t order, size, pfn;
	unsigned int kind;
	long i;

	if (check_args(s, 3, 3, "folio F anon|file|shmem ORDER"))
		return -1;
	if (!valid_name(s->tok[1]))
		return fail(s, "bad folio name '%s'", s->tok[1]);
	for (kind = 0; kind < 3; kind++)
		if (!strcmp(s->tok[2], kinds[kind]))
			break;
	if (kind == 3)
		return fail(s, "unknown folio kind '%s' (anon, file or shmem)", s->tok[2]);
	if (parse_number(s, s->tok[3], "ORDER", &order))
		return -1;
	if (order > MC_SCENARIO_MAX_ORDER)
		return fail(s, "folio order %llu is above %d", (unsigned long long)order,
			    MC_SCENARIO_MAX_ORDER);
	size = 1ull << order;
	pfn = (s->next_pfn + size - 1) & ~(size - 1);
	if (folio_add(s, s->tok[1], pfn, (unsigned int)order, kind, false, &i))
		return -1;
	s->next_pfn = pfn + size;
	rec.u.folio.pfn = pfn;
	rec.u.folio.order = order;
	rec.u.folio.kind = kind;
	return emit(s, &rec);
}

/* What a map/unmap statement names: mm, folio, level and page range. */
struct range {
	long mm;
	struct folio *f;
	unsigned int level;
	uint64_t first, nr;
};

static int parse_pmd_index(struct mc_scenario *s, struct folio *f, int at, uint64_t *first)
{
	uint64_t k = 0;

	if (f->order < 9)
		return fail(s, "folio %s has order %u; a PMD maps a folio of order 9 or more",
			    f->name, f->order);
	if (s->ntok > at && parse_number(s, s->tok[at], "K", &k))
		return -1;
	if (k >= folio_pages(f) / PMD_NR)
		return fail(s, "PMD %llu is out of range: folio %s has %llu PMDs",
			    (unsigned long long)k, f->name,
			    (unsigned long long)(folio_pages(f) / PMD_NR));
	*first = k * PMD_NR;
	return 0;
}

static int parse_range(struct mc_scenario *s, struct range *r)
{
	static const char *const usage = "map|unmap MM F pte FIRST NR | pmd [K] | pud";
	const char *lv;

	if (check_args(s, 3, 5, usage) || folio_use(s, s->tok[2], &r->f))
		return -1;
	lv = s->tok[3];
	if (!strcmp(lv, "pte")) {
		r->level = MC_LF_PTE;
		if (check_args(s, 5, 5, usage) || parse_number(s, s->tok[4], "FIRST", &r->first) ||
		    parse_number(s, s->tok[5], "NR", &r->nr))
			return -1;
		if (!r->nr)
			return fail(s, "NR must be at least 1");
		if (r->first >= folio_pages(r->f) || r->nr > folio_pages(r->f) - r->first)
			return fail(s, "pages %llu..%llu are past the end of folio %s (%llu pages)",
				    (unsigned long long)r->first,
				    (unsigned long long)(r->first + r->nr - 1), r->f->name,
				    (unsigned long long)folio_pages(r->f));
	} else if (!strcmp(lv, "pmd")) {
		r->level = MC_LF_PMD;
		r->nr = PMD_NR;
		if (check_args(s, 3, 4, usage) || parse_pmd_index(s, r->f, 4, &r->first))
			return -1;
	} else if (!strcmp(lv, "pud")) {
		r->level = MC_LF_PUD;
		r->first = 0;
		r->nr = 1ull << PUD_ORDER;
		if (check_args(s, 3, 3, usage))
			return -1;
		if (r->f->order != PUD_ORDER)
			return fail(s, "folio %s has order %u; a PUD maps an order-%d folio",
				    r->f->name, r->f->order, PUD_ORDER);
	} else {
		return fail(s, "unknown level '%s' (pte, pmd or pud)", lv);
	}
	/* the mm last: a malformed statement does not bring an mm into being */
	return mm_use(s, s->tok[1], &r->mm);
}

static int stmt_map(struct mc_scenario *s)
{
	struct mc_record rec = { .type = MC_REC_MAP };
	struct folio_map *m;
	struct range r;

	if (parse_range(s, &r))
		return -1;
	m = folio_map_find(r.f, (uint32_t)r.mm);
	for (uint64_t p = r.first; m && p < r.first + r.nr; p++)
		if (m->lvl[p])
			return fail(s, "mm %s already maps page %llu of folio %s (by a %s)",
				    s->tok[1], (unsigned long long)p, r.f->name,
				    level_names[m->lvl[p] - 1]);
	m = folio_map_get(s, r.f, (uint32_t)r.mm);
	if (!m)
		return fail(s, "out of memory");
	memset(m->lvl + r.first, (int)r.level + 1, r.nr);
	m->mapped += r.nr;
	rec.u.map = (struct mc_rec_map){ .mm = (uint32_t)r.mm + 1, .vpn = r.f->pfn + r.first,
					 .pfn = r.f->pfn, .first = r.first, .nr = r.nr,
					 .lf = r.level };
	if (r.f->kind == MC_KIND_ANON && !r.f->mapped_ever)
		rec.u.map.lf |= MC_LF_NEW_ANON | MC_LF_EXCLUSIVE;
	r.f->mapped_ever = true;
	return emit(s, &rec);
}

/* Pages first..first+nr-1 of f are mapped by m at level; else an error. */
static int check_mapped(struct mc_scenario *s, const char *what, const struct range *r,
			struct folio_map *m)
{
	for (uint64_t p = r->first; p < r->first + r->nr; p++) {
		if (!m || !m->lvl[p])
			return fail(s, "%s: mm %s does not map page %llu of folio %s", what,
				    s->tok[1], (unsigned long long)p, r->f->name);
		if (m->lvl[p] != r->level + 1)
			return fail(s, "%s: mm %s maps page %llu of folio %s by a %s, not a %s",
				    what, s->tok[1], (unsigned long long)p, r->f->name,
				    level_names[m->lvl[p] - 1], level_names[r->level]);
	}
	return 0;
}

static int stmt_unmap(struct mc_scenario *s)
{
	struct mc_record rec = { .type = MC_REC_UNMAP };
	struct folio_map *m;
	struct range r;

	if (parse_range(s, &r))
		return -1;
	m = folio_map_find(r.f, (uint32_t)r.mm);
	if (check_mapped(s, "unmap", &r, m))
		return -1;
	memset(m->lvl + r.first, 0, r.nr);
	m->mapped -= r.nr;
	if (!m->mapped)
		folio_map_drop(r.f, m);
	rec.u.unmap = (struct mc_rec_unmap){ .mm = (uint32_t)r.mm + 1, .vpn = r.f->pfn + r.first,
					     .pfn = r.f->pfn, .nr = r.nr, .lf = r.level };
	return emit(s, &rec);
}

static int stmt_remap(struct mc_scenario *s)
{
	struct mc_record rec = { .type = MC_REC_REMAP };
	struct folio_map *m;
	struct range r = { .level = MC_LF_PMD, .nr = PMD_NR };

	if (check_args(s, 2, 3, "remap MM F [K]") || folio_use(s, s->tok[2], &r.f) ||
	    parse_pmd_index(s, r.f, 3, &r.first) || mm_use(s, s->tok[1], &r.mm))
		return -1;
	m = folio_map_find(r.f, (uint32_t)r.mm);
	if (check_mapped(s, "remap", &r, m))
		return -1;
	memset(m->lvl + r.first, MC_LF_PTE + 1, r.nr);
	rec.u.remap = (struct mc_rec_remap){ .mm = (uint32_t)r.mm + 1, .vpn = r.f->pfn + r.first,
					     .pfn = r.f->pfn, .lf = MC_LF_PMD };
	return emit(s, &rec);
}

static int stmt_fork(struct mc_scenario *s)
{
	struct mc_record rec = { .type = MC_REC_FORK };
	long parent, child, old;

	if (check_args(s, 2, 2, "fork PARENT CHILD"))
		return -1;
	if (!strcmp(s->tok[1], s->tok[2]))
		return fail(s, "fork: parent and child are the same mm %s", s->tok[1]);
	old = name_find(&s->mm_names, s->tok[2]);
	if (old >= 0)
		return fail(s, "fork into an existing mm: %s was first used at line %d", s->tok[2],
			    s->mms[old].first_line);
	if (mm_use(s, s->tok[1], &parent) || mm_new(s, s->tok[2], &child))
		return -1;
	for (size_t i = 0; i < s->nr_folios; i++) {
		struct folio *f = &s->folios[i];
		struct folio_map *pm = folio_map_find(f, (uint32_t)parent), *cm;

		if (!pm)
			continue;
		cm = folio_map_get(s, f, (uint32_t)child);
		if (!cm)
			return fail(s, "out of memory");
		pm = folio_map_find(f, (uint32_t)parent);	/* maps may have moved */
		memcpy(cm->lvl, pm->lvl, folio_pages(f));
		cm->mapped = pm->mapped;
	}
	rec.u.fork = (struct mc_rec_fork){ .parent = (uint32_t)parent + 1,
					   .child = (uint32_t)child + 1,
					   .flags = MC_FORK_COPY_ALL };
	return emit(s, &rec);
}

static int mm_end(struct mc_scenario *s, bool is_exit)
{
	struct mc_record rec = { .type = is_exit ? MC_REC_EXIT : MC_REC_EXEC };
	long mm;

	if (check_args(s, 1, 1, is_exit ? "exit MM" : "exec MM") || mm_use(s, s->tok[1], &mm))
		return -1;
	mm_unmap_all(s, (uint32_t)mm);
	if (is_exit) {
		s->mms[mm].exit_line = s->line;
		rec.u.exit.mm = (uint32_t)mm + 1;
	} else {
		rec.u.exec.mm = (uint32_t)mm + 1;
		rec.u.exec.name = (struct mc_str){ "", 0 };
	}
	return emit(s, &rec);
}

/* The parts of a split folio inherit the slices of its mappings. */
static int split_parts(struct mc_scenario *s, long fi, unsigned int order)
{
	uint64_t parts = 1ull << (s->folios[fi].order - order), size = 1ull << order;
	char name[256];

	for (uint64_t k = 0; k < parts; k++) {
		struct folio *f = &s->folios[fi];
		long ci;

		if ((size_t)snprintf(name, sizeof(name), "%s.%llu", f->name,
				     (unsigned long long)k) >= sizeof(name))
			return fail(s, "folio name %s is too long to split", f->name);
		if (folio_add(s, name, f->pfn + k * size, order, f->kind, f->mapped_ever, &ci))
			return -1;
		f = &s->folios[fi];	/* the array may have moved */
		for (size_t i = 0; i < f->nr_maps; i++) {
			const uint8_t *slice = f->maps[i].lvl + k * size;
			struct folio_map *cm;
			uint64_t mapped = 0;

			for (uint64_t p = 0; p < size; p++)
				mapped += slice[p] != 0;
			if (!mapped)
				continue;
			cm = folio_map_get(s, &s->folios[ci], f->maps[i].mm);
			if (!cm)
				return fail(s, "out of memory");
			memcpy(cm->lvl, slice, size);
			cm->mapped = mapped;
		}
	}
	return 0;
}

static int stmt_exec(struct mc_scenario *s)
{
	return mm_end(s, false);
}

static int stmt_exit(struct mc_scenario *s)
{
	return mm_end(s, true);
}

static int stmt_split(struct mc_scenario *s)
{
	struct mc_record rec = { .type = MC_REC_SPLIT };
	uint64_t order = 0;
	struct folio *f;
	long fi;

	if (check_args(s, 1, 2, "split F [ORDER]") || folio_use(s, s->tok[1], &f))
		return -1;
	if (s->ntok > 2 && parse_number(s, s->tok[2], "ORDER", &order))
		return -1;
	if (order >= f->order)
		return fail(s, "cannot split folio %s of order %u to order %llu: the new order must be lower",
			    f->name, f->order, (unsigned long long)order);
	/*
	 * A PMD or PUD cannot span folios: the kernel splits a PMD into PTEs
	 * before it splits the folio (mm/huge_memory.c:unmap_folio@6.12, with
	 * TTU_SPLIT_HUGE_PMD); a scenario says so with remap.
	 */
	for (size_t i = 0; i < f->nr_maps; i++) {
		for (uint64_t p = 0; p < folio_pages(f); p++) {
			unsigned int lv = f->maps[i].lvl[p];

			if (lv == MC_LF_PUD + 1 || (lv == MC_LF_PMD + 1 && order < 9))
				return fail(s, "cannot split folio %s to order %llu: mm %s maps it by a %s (remap or unmap it first)",
					    f->name, (unsigned long long)order,
					    s->mms[f->maps[i].mm].name, level_names[lv - 1]);
		}
	}
	fi = f - s->folios;
	if (split_parts(s, fi, (unsigned int)order))
		return -1;
	f = &s->folios[fi];
	while (f->nr_maps)
		folio_map_drop(f, &f->maps[0]);
	f->state = FOLIO_SPLIT;
	f->gone_line = s->line;
	rec.u.split = (struct mc_rec_split){ .pfn = f->pfn, .order = order };
	return emit(s, &rec);
}

static int stmt_free(struct mc_scenario *s)
{
	struct mc_record rec = { .type = MC_REC_FREE };
	struct folio *f;

	if (check_args(s, 1, 1, "free F") || folio_use(s, s->tok[1], &f))
		return -1;
	if (f->nr_maps)
		return fail(s, "cannot free folio %s: mm %s still maps it", f->name,
			    s->mms[f->maps[0].mm].name);
	f->state = FOLIO_FREED;
	f->gone_line = s->line;
	rec.u.free.pfn = f->pfn;
	return emit(s, &rec);
}

static int stmt_checkpoint(struct mc_scenario *s)
{
	struct mc_record rec = { .type = MC_REC_CHECKPOINT };
	char label[32];

	if (check_args(s, 0, 1, "checkpoint [LABEL]"))
		return -1;
	s->checkpoints++;
	if (s->ntok > 1) {
		rec.u.checkpoint.label = (struct mc_str){ s->tok[1], (uint32_t)strlen(s->tok[1]) };
	} else {
		snprintf(label, sizeof(label), "cp%u", s->checkpoints);
		rec.u.checkpoint.label = (struct mc_str){ label, (uint32_t)strlen(label) };
	}
	return emit(s, &rec);
}

static const struct {
	const char *name;
	int (*fn)(struct mc_scenario *s);
} statements[] = {
	{ "folio", stmt_folio }, { "map", stmt_map },	{ "unmap", stmt_unmap },
	{ "remap", stmt_remap }, { "fork", stmt_fork }, { "split", stmt_split },
	{ "free", stmt_free },	 { "checkpoint", stmt_checkpoint },
	{ "exec", stmt_exec },	 { "exit", stmt_exit },
};

int mc_scenario_line(struct mc_scenario *s, const char *text)
{
	char buf[1024], *p, *save;

	s->line++;
	if (strlen(text) >= sizeof(buf))
		return fail(s, "line longer than %zu characters", sizeof(buf) - 1);
	strcpy(buf, text);
	p = strchr(buf, '#');
	if (p)
		*p = 0;
	s->ntok = 0;
	for (p = strtok_r(buf, " \t\r\n", &save); p; p = strtok_r(NULL, " \t\r\n", &save)) {
		if (s->ntok == MAX_TOKENS)
			return fail(s, "too many words");
		s->tok[s->ntok++] = p;
	}
	if (!s->ntok)
		return 0;
	for (size_t i = 0; i < sizeof(statements) / sizeof(statements[0]); i++)
		if (!strcmp(s->tok[0], statements[i].name))
			return statements[i].fn(s);
	return fail(s, "unknown statement '%s'", s->tok[0]);
}

struct mc_scenario *mc_scenario_new(const char *filename, mc_emit_fn emit_fn, void *ctx)
{
	struct mc_scenario *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->filename = filename;
	s->emit = emit_fn;
	s->ctx = ctx;
	s->next_pfn = MC_SCENARIO_FIRST_PFN;
	return s;
}

const char *mc_scenario_error(const struct mc_scenario *s)
{
	return s->err;
}

void mc_scenario_free(struct mc_scenario *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nr_folios; i++) {
		while (s->folios[i].nr_maps)
			folio_map_drop(&s->folios[i], &s->folios[i].maps[0]);
		free(s->folios[i].maps);
	}
	free(s->folios);
	free(s->mms);
	name_table_free(&s->mm_names);
	name_table_free(&s->folio_names);
	free(s);
}

int mc_scenario_compile(FILE *in, const char *filename, mc_emit_fn emit_fn, void *ctx, char *err,
			size_t errlen)
{
	struct mc_scenario *s = mc_scenario_new(filename, emit_fn, ctx);
	char *line = NULL;
	size_t cap = 0;
	int ret = 0;

	if (!s) {
		snprintf(err, errlen, "%s: out of memory", filename);
		return -1;
	}
	while (getline(&line, &cap, in) >= 0) {
		if (mc_scenario_line(s, line)) {
			snprintf(err, errlen, "%s", s->err);
			ret = -1;
			break;
		}
	}
	if (!ret && ferror(in)) {
		snprintf(err, errlen, "%s: read error", filename);
		ret = -1;
	}
	free(line);
	mc_scenario_free(s);
	return ret;
}
