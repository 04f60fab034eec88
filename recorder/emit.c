// SPDX-License-Identifier: GPL-2.0
/* Building records and handing them to the trace writer. */
#include <stdarg.h>
#include <string.h>

#include "recorder/record.h"

static char write_error[256];

const char *emit_error(void)
{
	return write_error[0] ? write_error : NULL;
}

int emit(const struct mc_record *rec)
{
	struct mc_record copy = *rec;

	if (!g_rec->w || write_error[0])
		return -1;
	copy.time = g_rec->now;
	if (mc_writer_set_time(g_rec->w, g_rec->now - g_rec->start_ns) ||
	    mc_writer_put(g_rec->w, &copy)) {
		snprintf(write_error, sizeof(write_error), "%s", mc_writer_error(g_rec->w));
		g_stop = 1;
		return -1;
	}
	if (rec->type >= MC_REC_MAP && rec->type <= MC_REC_DUP)
		g_rec->rmap_records++;
	return 0;
}

static struct mc_str str_of(const char *s)
{
	return (struct mc_str){.s = s, .len = (uint32_t)strlen(s)};
}

void emit_mm(struct mm *mm)
{
	struct mc_record rec = {.type = MC_REC_MM};

	rec.u.mm.mm = mm->id;
	rec.u.mm.pid = (uint64_t)mm->pid;
	rec.u.mm.flags = mm->flags;
	rec.u.mm.name = str_of(mm->name);
	emit(&rec);
}

void emit_folio(struct folio *f)
{
	struct mc_record rec = {.type = MC_REC_FOLIO};

	rec.u.folio.pfn = f->head;
	rec.u.folio.order = f->order;
	rec.u.folio.kind = f->kind;
	f->announced = true;
	emit(&rec);
}

static uint64_t lf_of(unsigned level, unsigned conf)
{
	return level | (conf << MC_LF_CONF_SHIFT);
}

/* flags: MC_LF_NEW_ANON, MC_LF_EXCLUSIVE */
void emit_map(struct mm *mm, uint64_t vpn, struct folio *f, uint64_t pfn, uint32_t nr,
	      unsigned level, unsigned conf, unsigned flags)
{
	struct mc_record rec = {.type = MC_REC_MAP};

	if (!f->announced)
		emit_folio(f);
	rec.u.map.mm = mm->id;
	rec.u.map.vpn = vpn;
	rec.u.map.pfn = f->head;
	rec.u.map.first = pfn - f->head;
	rec.u.map.nr = nr;
	rec.u.map.lf = lf_of(level, conf) | flags;
	emit(&rec);
}

void emit_unmap(struct mm *mm, uint64_t vpn, struct folio *f, uint32_t nr, unsigned level,
		unsigned conf)
{
	struct mc_record rec = {.type = MC_REC_UNMAP};

	rec.u.unmap.mm = mm->id;
	rec.u.unmap.vpn = vpn;
	rec.u.unmap.pfn = f->head;
	rec.u.unmap.nr = nr;
	rec.u.unmap.lf = lf_of(level, conf);
	emit(&rec);
}

void emit_remap(struct mm *mm, uint64_t vpn, struct folio *f, unsigned conf)
{
	struct mc_record rec = {.type = MC_REC_REMAP};

	if (!f)
		return;
	rec.u.remap.mm = mm->id;
	rec.u.remap.vpn = vpn;
	rec.u.remap.pfn = f->head;
	rec.u.remap.lf = lf_of(LVL_PMD, conf);
	emit(&rec);
}

void emit_split(uint64_t head, unsigned order)
{
	struct mc_record rec = {.type = MC_REC_SPLIT};

	rec.u.split.pfn = head;
	rec.u.split.order = order;
	emit(&rec);
}

void emit_fork(struct mm *parent, struct mm *child, unsigned flags)
{
	struct mc_record rec = {.type = MC_REC_FORK};

	rec.u.fork.parent = parent->id;
	rec.u.fork.child = child->id;
	rec.u.fork.flags = flags;
	emit(&rec);
}

void emit_dup(struct mm *child, struct mm *parent, uint64_t vpn, uint64_t nr, unsigned conf)
{
	struct mc_record rec = {.type = MC_REC_DUP};

	rec.u.dup.child = child->id;
	rec.u.dup.parent = parent->id;
	rec.u.dup.vpn = vpn;
	rec.u.dup.nr = nr;
	rec.u.dup.lf = lf_of(0, conf);
	emit(&rec);
}

void emit_exec(struct mm *mm)
{
	struct mc_record rec = {.type = MC_REC_EXEC};

	rec.u.exec.mm = mm->id;
	rec.u.exec.name = str_of(mm->name);
	emit(&rec);
}

void emit_exit(struct mm *mm)
{
	struct mc_record rec = {.type = MC_REC_EXIT};

	rec.u.exit.mm = mm->id;
	emit(&rec);
}

void emit_lost(uint64_t count, unsigned cpu)
{
	struct mc_record rec = {.type = MC_REC_LOST};

	rec.u.lost.count = count;
	rec.u.lost.cpu = cpu;
	emit(&rec);
}

void emit_resync(struct mm *mm, uint64_t repaired, unsigned reason)
{
	struct mc_record rec = {.type = MC_REC_RESYNC};

	rec.u.resync.mm = mm ? mm->id : 0;
	rec.u.resync.repaired = repaired;
	rec.u.resync.reason = reason;
	emit(&rec);
}

void emit_note(const char *fmt, ...)
{
	struct mc_record rec = {.type = MC_REC_NOTE};
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	rec.u.note.text = str_of(buf);
	emit(&rec);
}
