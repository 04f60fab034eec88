/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The trace record table: the single source from which the encoder, the
 * decoder, `mapcount dump` and schemas/trace-format.md follow.
 *
 * MC_RECORD_TABLE(R) calls R(NAME, name, id, fields, doc) once per record
 * type; fields is a macro taking F and calling F(field, coding, doc) once per
 * field, in wire order. Codings (lib/varint.h):
 *   U    unsigned LEB128 varint
 *   MM   unsigned varint: an mm id of the trace (1, 2, ...)
 *   PFN  signed varint delta from the previous PFN field in the frame
 *   VPN  signed varint delta from the previous VPN field in the frame
 *   DT   unsigned varint delta from the previous TIME in the frame (ns)
 *   STR  varint length, then that many bytes (not NUL-terminated)
 *
 * On the wire a record is: type (1 byte), payload length (varint), payload.
 * Rules that keep old readers working: ids are never reused; fields are only
 * appended; a reader ignores payload bytes after the fields it knows, gives
 * missing trailing fields the value 0, and skips record types it does not
 * know.
 */
#ifndef MAPCOUNT_RECORDS_H
#define MAPCOUNT_RECORDS_H

/* lf field of MAP/UNMAP/REMAP/DUP: level in bits 0-1, then flags. */
#define MC_LF_LEVEL_MASK 0x3u
#define MC_LF_PTE 0u			/* levels: as enum mc_level in models/model.h */
#define MC_LF_PMD 1u
#define MC_LF_PUD 2u
#define MC_LF_NEW_ANON (1u << 2)	/* MAP: folio_add_new_anon_rmap */
#define MC_LF_EXCLUSIVE (1u << 3)	/* MAP: RMAP_EXCLUSIVE */
#define MC_LF_CONF_SHIFT 4		/* 2 bits: how the record was known */
#define MC_LF_CONF_MASK (0x3u << MC_LF_CONF_SHIFT)

enum mc_confidence {
	MC_CONF_EXACT = 0,	/* seen as it happened (kprobe) or given (scenario) */
	MC_CONF_OBSERVED = 1,	/* found by diffing a pagemap rescan against the shadow */
	MC_CONF_SEMANTIC = 2,	/* derived from a syscall's semantics (munmap, exit, exec) */
	MC_CONF_INFERRED = 3,	/* a guess for something too short-lived to observe */
};

/* FOLIO kind */
#ifndef MC_KIND_DEFINED	/* also in models/model.h, which stands alone for plugins */
#define MC_KIND_DEFINED
enum mc_kind {
	MC_KIND_ANON = 0,
	MC_KIND_FILE = 1,	/* page cache, not swap-backed */
	MC_KIND_SHMEM = 2,	/* shmem/tmpfs/memfd/MAP_SHARED|MAP_ANON: file + swapbacked */
};
#endif
#define MC_KIND_KSM 16u		/* added to MC_KIND_ANON */

/* FORK flags */
#define MC_FORK_COPY_ALL 1u	/* the child gets a duplicate of every mapping of the parent */

/* MM flags */
#define MC_MM_OUTSIDE 1u	/* pseudo-mm standing for processes outside the recording */

/* CHECKPOINT flags */
#define MC_CKPT_FROZEN 1u	/* the recorded tree was stopped while the kernel was read */
#define MC_CKPT_QUIET 2u	/* the workload declared itself quiescent */

/* HEADER flags */
#define MC_HDR_PAGE_MAPCOUNT 1u		/* recorded kernel has CONFIG_PAGE_MAPCOUNT */
#define MC_HDR_NO_PAGE_MAPCOUNT 2u	/* recorded kernel has CONFIG_NO_PAGE_MAPCOUNT */
#define MC_HDR_MM_ID 4u			/* recorded kernel has CONFIG_MM_ID */

#define MC_TRACE_VERSION 2	/* 2: column frames; readers still read 1 */

/* clang-format off */
#define MC_REC_HEADER(F) \
	F(magic, STR, "the bytes \"mapcount\"") \
	F(version, U, "trace format version (2; 1 for row frames)") \
	F(page_shift, U, "log2 of the page size (12)") \
	F(pmd_order, U, "folio order mapped by one PMD (9)") \
	F(pud_order, U, "folio order mapped by one PUD (18)") \
	F(source, STR, "scenario, pagemap, kprobe or poll") \
	F(kernel, STR, "uname -r of the recorded kernel, or empty") \
	F(clock, STR, "timestamp clock (mono), or empty") \
	F(host, STR, "host name, or empty") \
	F(start_ns, U, "wall-clock start, ns since the epoch") \
	F(flags, U, "MC_HDR_* config flags") \
	F(extra, STR, "key=value lines: anything else worth keeping")

#define MC_REC_TIME(F) \
	F(dt, DT, "advance the current time by dt ns")

#define MC_REC_MM(F) \
	F(mm, MM, "trace mm id, unique for the trace") \
	F(pid, U, "process id, or 0") \
	F(flags, U, "MC_MM_* flags") \
	F(name, STR, "scenario name or PID/COMM")

#define MC_REC_FOLIO(F) \
	F(pfn, PFN, "head PFN") \
	F(order, U, "folio order") \
	F(kind, U, "0 anon, 1 file, 2 shmem; +16 KSM")

#define MC_REC_MAP(F) \
	F(mm, MM, "the mm whose page table gains the entries") \
	F(vpn, VPN, "virtual page number of the first page") \
	F(pfn, PFN, "head PFN of the folio") \
	F(first, U, "index of the first page in the folio") \
	F(nr, U, "pages mapped (512 for a PMD)") \
	F(lf, U, "level | MC_LF_* flags | confidence")

#define MC_REC_UNMAP(F) \
	F(mm, MM, "the mm whose page table loses the entries") \
	F(vpn, VPN, "virtual page number of the first page") \
	F(pfn, PFN, "head PFN of the folio (checked against the shadow)") \
	F(nr, U, "pages unmapped") \
	F(lf, U, "level | confidence")

#define MC_REC_REMAP(F) \
	F(mm, MM, "the mm whose PMD becomes PTEs") \
	F(vpn, VPN, "virtual page number the PMD maps") \
	F(pfn, PFN, "head PFN of the folio") \
	F(lf, U, "level (PMD) | confidence")

#define MC_REC_FORK(F) \
	F(parent, MM, "parent mm") \
	F(child, MM, "new child mm") \
	F(flags, U, "MC_FORK_COPY_ALL: duplicate every mapping now")

#define MC_REC_DUP(F) \
	F(child, MM, "child mm") \
	F(parent, MM, "parent mm") \
	F(vpn, VPN, "first virtual page copied") \
	F(nr, U, "pages of the parent's address space copied") \
	F(lf, U, "confidence")

#define MC_REC_EXEC(F) \
	F(mm, MM, "every mapping goes; the mm continues as a new, empty mm") \
	F(name, STR, "new name, or empty to keep it")

#define MC_REC_EXIT(F) \
	F(mm, MM, "every mapping goes; the mm ends")

#define MC_REC_SPLIT(F) \
	F(pfn, PFN, "head PFN of the folio") \
	F(order, U, "order of the new folios")

#define MC_REC_FREE(F) \
	F(pfn, PFN, "head PFN of the unmapped folio being freed")

#define MC_REC_CHECKPOINT(F) \
	F(label, STR, "checkpoint label") \
	F(flags, U, "MC_CKPT_* flags") \
	F(span_ns, U, "how long reading the kernel's figures took")

#define MC_REC_LOST(F) \
	F(count, U, "events lost (0 = unknown)") \
	F(cpu, U, "CPU whose buffer overran")

#define MC_REC_KPROC(F) \
	F(mm, MM, "process") \
	F(rss, U, "smaps_rollup Rss, kB") \
	F(pss, U, "Pss, kB") \
	F(pss_anon, U, "Pss_Anon, kB") \
	F(pss_file, U, "Pss_File, kB") \
	F(pss_shmem, U, "Pss_Shmem, kB") \
	F(shared_clean, U, "Shared_Clean, kB") \
	F(shared_dirty, U, "Shared_Dirty, kB") \
	F(private_clean, U, "Private_Clean, kB") \
	F(private_dirty, U, "Private_Dirty, kB") \
	F(anon_huge, U, "AnonHugePages, kB")

#define MC_REC_KMEM(F) \
	F(anon_pages, U, "meminfo AnonPages, kB") \
	F(mapped, U, "Mapped, kB") \
	F(shmem, U, "Shmem, kB") \
	F(anon_huge, U, "AnonHugePages, kB") \
	F(shmem_pmd, U, "ShmemPmdMapped, kB") \
	F(file_pmd, U, "FilePmdMapped, kB")

#define MC_REC_KPAGE(F) \
	F(mm, MM, "process whose page table was read") \
	F(vpn, VPN, "virtual page number") \
	F(pfn, PFN, "PFN of the page") \
	F(kpagecount, U, "/proc/kpagecount") \
	F(flags, U, "bit 0: pagemap PM_MMAP_EXCLUSIVE")

#define MC_REC_NOTE(F) \
	F(text, STR, "free text from the producer")

#define MC_REC_RESYNC(F) \
	F(mm, MM, "mm rescanned, 0 for all") \
	F(repaired, U, "shadow entries the rescan corrected") \
	F(reason, U, "0 periodic, 1 lost events, 2 unexplained change")

#define MC_RECORD_TABLE(R) \
	R(HEADER, header, 1, MC_REC_HEADER, "trace header; the first record of the trace") \
	R(TIME, time, 2, MC_REC_TIME, "advance the current time") \
	R(MM, mm, 3, MC_REC_MM, "declare or name an mm") \
	R(FOLIO, folio, 4, MC_REC_FOLIO, "a folio comes into being (or is re-described) at a PFN") \
	R(MAP, map, 5, MC_REC_MAP, "map nr pages of a folio at one level") \
	R(UNMAP, unmap, 6, MC_REC_UNMAP, "unmap nr pages at one level") \
	R(REMAP, remap, 7, MC_REC_REMAP, "a PMD mapping becomes PTE mappings") \
	R(FORK, fork, 8, MC_REC_FORK, "a child mm is created from a parent") \
	R(DUP, dup, 9, MC_REC_DUP, "fork copies a range of the parent's page tables") \
	R(EXEC, exec, 10, MC_REC_EXEC, "the mm is replaced by a new, empty one") \
	R(EXIT, exit, 11, MC_REC_EXIT, "the mm is torn down") \
	R(SPLIT, split, 12, MC_REC_SPLIT, "a folio is split into folios of a lower order") \
	R(FREE, free, 13, MC_REC_FREE, "a folio is freed") \
	R(CHECKPOINT, checkpoint, 14, MC_REC_CHECKPOINT, "query every model now") \
	R(LOST, lost, 15, MC_REC_LOST, "events were lost here") \
	R(KPROC, kproc, 16, MC_REC_KPROC, "kernel truth: one process's smaps_rollup") \
	R(KMEM, kmem, 17, MC_REC_KMEM, "kernel truth: /proc/meminfo") \
	R(KPAGE, kpage, 18, MC_REC_KPAGE, "kernel truth: one page's kpagecount and exclusivity") \
	R(NOTE, note, 19, MC_REC_NOTE, "free text") \
	R(RESYNC, resync, 20, MC_REC_RESYNC, "a rescan corrected the recorder's shadow")
/* clang-format on */

#endif /* MAPCOUNT_RECORDS_H */
