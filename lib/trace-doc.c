// SPDX-License-Identifier: GPL-2.0
/* schemas/trace-format.md from the record table: `mapcount dump --format-doc`. */
#include "lib/trace-doc.h"
#include "lib/trace.h"

static const char doc_head[] =
	"# mapcount trace format, version %d\n"
	"\n"
	"<!-- Generated from schemas/records.h by `mapcount dump --format-doc`; do not edit.\n"
	"     tests/e2e/12-format-doc.t fails when this file is stale. -->\n"
	"\n"
	"## File\n"
	"\n"
	"A trace is a standard zstd stream (`zstd -dc TRACE` decodes it) made of\n"
	"independent zstd frames. Each frame carries its content size (at most %u MiB)\n"
	"and a content checksum, and holds whole records. Frame 0 holds only the\n"
	"HEADER record, always in the version 1 layout below; its `version` says how\n"
	"the other frames are laid out. Skippable frames (e.g. a seek table) may appear\n"
	"between frames and hold no records. The delta state (previous PFN, previous\n"
	"VPN, time) starts at 0 in every frame, so a frame decodes on its own; a writer\n"
	"starts each frame with a TIME record of the absolute time when that is not 0,\n"
	"which readers fold into the time of the records (they report TIME records as\n"
	"the step since the previous record and drop those that do not move time). A\n"
	"writer writes each frame with one write loop: a killed writer leaves whole\n"
	"frames and at most one partial frame, which readers report as truncated after\n"
	"returning the records of the whole frames.\n"
	"\n"
	"## Version 2 frames: records by column\n"
	"\n"
	"The records of a frame are stored field by field, like fields together, so\n"
	"that zstd finds long matches and a reader reads no record lengths:\n"
	"\n"
	"1. `nrec` and `ntypes`, LEB128 varints;\n"
	"2. the type table: for each of the `ntypes` record types the frame uses, its\n"
	"   id (1 byte), its number of fields (1 byte) and each field's coding (1 byte:\n"
	"   0 U, 1 MM, 2 PFN, 3 VPN, 4 DT, 5 STR);\n"
	"3. the byte length of each column, LEB128 varints: MM, VPN, PFN, U, BYTES;\n"
	"4. the type column: `nrec` bytes, the records' types in order;\n"
	"5. the columns, in that order. Each record's fields, in table order, take the\n"
	"   next value of their coding's column: MM values from MM, VPN steps from\n"
	"   VPN, PFN steps from PFN, U and DT values and STR lengths from U, and STR\n"
	"   bytes from BYTES.\n"
	"\n"
	"Numbers in the columns are prefix varints: the number of trailing zero bits\n"
	"of the first byte, plus one, is the length L (1 to 8 bytes), and the value is\n"
	"the 7L bits above those L bits, little-endian; a first byte of 0 is followed\n"
	"by the value in 8 bytes. The columns must add up to the frame exactly.\n"
	"\n"
	"Readers decode a record whose type the table declares with the fields they\n"
	"know; take only the fields they know and give missing trailing fields the\n"
	"value 0 when it declares more or fewer; skip a type they do not know, still\n"
	"applying its PFN and VPN steps; and refuse a record whose type the table\n"
	"does not declare, or whose field has another coding than theirs.\n"
	"\n"
	"## Version 1 frames: records in a row\n"
	"\n"
	"A record is its type (1 byte), its payload length (varint) and its payload:\n"
	"the fields below, in order, in LEB128 varints. Readers ignore payload bytes\n"
	"after the fields they know, give missing trailing fields the value 0 (a\n"
	"missing field leaves the delta state alone), and skip record types they do\n"
	"not know. Writers never reuse a type id and only append fields. `mapcount gen\n"
	"--format-version 1` writes version 1 traces.\n"
	"\n"
	"## Fields\n"
	"\n"
	"| coding | on the wire |\n"
	"|---|---|\n"
	"| U | unsigned varint (LEB128 of at most 10 bytes in version 1) |\n"
	"| MM | unsigned varint: an mm id of the trace (1, 2, ...; at most 2^32-1) |\n"
	"| PFN | zigzag signed varint: the step from the previous PFN field of the frame |\n"
	"| VPN | zigzag signed varint: the step from the previous VPN field of the frame |\n"
	"| DT | unsigned varint: ns added to the frame's time |\n"
	"| STR | varint length, then that many bytes (no NUL) |\n"
	"\n"
	"Constants used by the fields:\n"
	"\n"
	"- `lf` (MAP, UNMAP, REMAP, DUP): bits 0-1 level (0 PTE, 1 PMD, 2 PUD);\n"
	"  bit 2 NEW_ANON (folio_add_new_anon_rmap); bit 3 EXCLUSIVE (RMAP_EXCLUSIVE);\n"
	"  bits 4-5 confidence: 0 exact (kprobe, scenario), 1 observed (pagemap diff),\n"
	"  2 semantic (from a syscall's meaning), 3 inferred.\n"
	"- FOLIO `kind`: 0 anon, 1 file, 2 shmem; +16 KSM.\n"
	"- MM `flags`: 1 OUTSIDE (pseudo-mm for processes outside the recording).\n"
	"- FORK `flags`: 1 COPY_ALL (the child gets a duplicate of every mapping now).\n"
	"- CHECKPOINT `flags`: 1 FROZEN (the tree was stopped), 2 QUIET (quiescent).\n"
	"- HEADER `flags`: 1 PAGE_MAPCOUNT, 2 NO_PAGE_MAPCOUNT, 4 MM_ID (kernel config).\n"
	"\n"
	"`mapcount dump` prints one record a line: `#<number> <TYPE> field=value ...`\n"
	"(#0 is the header; U, MM and DT decimal, PFN and VPN 0x hex, STR quoted with\n"
	"`\\\"`, `\\\\` and `\\xNN` escapes).\n";

void mc_trace_format_doc(FILE *out)
{
	fprintf(out, doc_head, MC_TRACE_VERSION, MC_TRACE_MAX_FRAME >> 20);
	for (unsigned int id = 0; id < 256; id++) {
		const struct mc_record_info *info = mc_record_info(id);

		if (!info)
			continue;
		fprintf(out, "\n### %s (type %u)\n\n%c%s.\n\n| field | coding | meaning |\n|---|---|---|\n",
			info->name, id, info->doc[0] - 'a' + 'A', info->doc + 1);
		for (unsigned int i = 0; i < info->nr_fields; i++)
			fprintf(out, "| %s | %s | %s |\n", info->fields[i].name,
				mc_coding_name(info->fields[i].coding), info->fields[i].doc);
	}
}
