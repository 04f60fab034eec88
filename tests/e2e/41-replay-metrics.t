#!/bin/sh
# Replay of small scenarios with every metric worked out by hand: the oracle
# (exact) and mm-id-slots (spec/models/mm-id-slots.md, examples d and e, the
# false-shared case of section 5) side by side.
. "$(dirname "$0")/40-replay-lib.sh"

# Shared small folios: a file page mapped by A and B, an anon page only by A.
replay_scenario small <<'SCN'
folio p file 0
folio q anon 0
map A p pte 0 1
map B p pte 0 1
map A q pte 0 1
checkpoint s
SCN
is "$(q "SELECT count(*) FROM runs WHERE run_id = $RUN AND status = 'ok'")" 1 "small: run stored"
for model in oracle legacy-doublemap mm-id-slots total-mapped-pages; do
	is "$(proc $model A pss_bytes s)" 6144 "small: $model PSS of A = 4096/2 + 4096"
	is "$(proc $model B pss_bytes s)" 2048 "small: $model PSS of B = 4096/2"
	is "$(proc $model A uss_bytes s)" 4096 "small: $model USS of A = the anon page"
	is "$(proc $model B uss_bytes s)" 0 "small: $model USS of B = 0"
	is "$(proc $model A rss_bytes s)" 8192 "small: $model RSS of A"
	is "$(metric $model anon_mapped_pages s)" 1 "small: $model AnonPages"
	is "$(metric $model file_mapped_pages s)" 1 "small: $model Mapped"
	is "$(metric $model folios_mapped s)" 2 "small: $model folios_mapped"
done

# Example (e): 16-page anon mTHP in A, fork B, both unmap pages 8..15.
replay_partial_mthp partial
# the oracle: exact by definition, for every metric name
while read -r name want; do
	is "$(metric oracle "$name" e4)" "$want" "partial: oracle $name"
done <<'EOF2'
folios_mapped 1
folio_mapcount_mismatches 0
false_shared_folios 0
false_exclusive_folios 0
partially_mapped_missed 0
partially_mapped_false 0
page_mapcount_error 0
anon_mapped_pages 8
file_mapped_pages 0
overflows 0
inconsistencies 0
EOF2
# mm-id-slots: 35 RMW = NEW_ANON 16 + DUP (1 + 16 PAE) + 2 removes;
# 36 lines = 16 + 16 (the DUP's pages 0..15, which include page[0] and page[1]:
# section 4 says to count the union) + 2 + 2; 24 bytes of page[1] state.
while read -r name want; do
	is "$(metric mm-id-slots "$name" e4)" "$want" "partial: mm-id-slots $name"
done <<'EOF2'
folios_mapped 1
folio_mapcount_mismatches 0
false_shared_folios 0
false_exclusive_folios 0
partially_mapped_missed 1
partially_mapped_false 0
page_mapcount_error 16
anon_mapped_pages 16
file_mapped_pages 0
atomic_ops 35
cachelines_touched 36
metadata_bytes 24
overflows 0
inconsistencies 0
EOF2
# PSS: exact 8 pages at mapcount 2 = 16 KiB each; model average (16+8)>>4 = 1: 32 KiB
is "$(proc oracle A pss_bytes e4)" 16384 "partial: oracle PSS of A (8 pages shared by 2)"
is "$(proc oracle B pss_bytes e4)" 16384 "partial: oracle PSS of B"
is "$(proc mm-id-slots A pss_bytes e4)" 32768 "partial: mm-id-slots average-mapcount PSS of A"
is "$(proc mm-id-slots B pss_bytes e4)" 32768 "partial: mm-id-slots PSS of B"
is "$(proc mm-id-slots A uss_bytes e4)" 0 "partial: mm-id-slots USS of A (maybe shared)"
is "$(q "SELECT CAST(diff AS INTEGER) FROM metric_divergence WHERE run_id = $RUN AND
	model = 'mm-id-slots' AND name = 'anon_mapped_pages' AND checkpoint_label = 'e4'")" 8 \
	"partial: the divergence view shows AnonPages over-accounted by 8"

# Example (d): 16-page file folio, A maps 16, B pages 0..7, C pages 0..1.
replay_scenario filed <<'SCN'
folio f file 4
map A f pte 0 16
map B f pte 0 8
map C f pte 0 2
checkpoint d3
SCN
# exact: A = (2 * floor(2^24/3) + 6 * 2^23 + 8 * 2^24) >> 12 bytes, B, C likewise
is "$(proc oracle A pss_bytes d3)" 47786 "file: oracle PSS of A"
is "$(proc oracle B pss_bytes d3)" 15018 "file: oracle PSS of B"
is "$(proc oracle C pss_bytes d3)" 2730 "file: oracle PSS of C"
is "$(proc oracle A uss_bytes d3)" 32768 "file: oracle USS of A (pages 8..15)"
is "$(proc mm-id-slots A pss_bytes d3)" 32768 "file: mm-id-slots PSS of A (average 2)"
is "$(proc mm-id-slots B pss_bytes d3)" 16384 "file: mm-id-slots PSS of B"
is "$(proc mm-id-slots C pss_bytes d3)" 4096 "file: mm-id-slots PSS of C"
is "$(proc mm-id-slots A uss_bytes d3)" 0 "file: mm-id-slots USS of A"
is "$(metric mm-id-slots page_mapcount_error d3)" 10 "file: kpagecount 2 vs 3,3,2x6,1x8"
is "$(metric mm-id-slots file_mapped_pages d3)" 16 "file: mm-id-slots Mapped"
is "$(metric oracle file_mapped_pages d3)" 16 "file: oracle Mapped"
is "$(q "SELECT rss_diff || ' ' || pss_diff FROM process_divergence WHERE run_id = $RUN AND
	model = 'mm-id-slots' AND mm = 'A' AND checkpoint = 1")" "0 -15018" \
	"file: the process view shows PSS under-reported for A"

# False shared (section 5): a slot claimed by C late counts 1 of its 16 mappings.
replay_scenario falseshared <<'SCN'
folio f anon 4
map A f pte 0 16
fork A B
fork A C
exit A
unmap C f pte 0 1
map C f pte 0 1
exit B
checkpoint f
SCN
is "$(metric oracle false_shared_folios f)" 0 "false shared: oracle"
is "$(metric mm-id-slots false_shared_folios f)" 1 \
	"false shared: mm-id-slots says shared, C alone maps"
is "$(metric mm-id-slots false_exclusive_folios f)" 0 "false shared: never false exclusive"
is "$(metric mm-id-slots folio_mapcount_mismatches f)" 0 "false shared: mapcount exact"
is "$(proc oracle C uss_bytes f)" 65536 "false shared: oracle USS of C = 16 pages"
is "$(proc mm-id-slots C uss_bytes f)" 0 "false shared: mm-id-slots USS of C = 0"

# every run has its checkpoints numbered from 1 and ends with 'end'
is "$(q "SELECT count(*) FROM runs r WHERE (SELECT label FROM checkpoints c WHERE
	c.run_id = r.run_id ORDER BY checkpoint DESC LIMIT 1) <> 'end'")" 0 "every run ends with 'end'"
is "$(q "SELECT count(*) FROM checkpoints WHERE checkpoint = 1")" 4 "checkpoints numbered from 1"
is "$(q "SELECT count(DISTINCT name) FROM metrics WHERE model = 'oracle'")" \
	"$(q "SELECT count(*) FROM metrics WHERE model = 'oracle' AND run_id = 1 AND checkpoint = 1")" \
	"every metric name once per model and checkpoint"
done_testing
