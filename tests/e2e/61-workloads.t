#!/bin/bash
# Synthetic workloads (mapcount gen --workload): deterministic from the seed,
# consistent (every model replays them with no inconsistency and no broken
# invariant), parameters checked.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MAPCOUNT=${MAPCOUNT:-$ROOT/mapcount}
command -v sqlite3 >/dev/null || { echo "1..0 # SKIP sqlite3 CLI not installed"; exit 0; }
. "$ROOT/tests/e2e/40-replay-lib.sh"

for w in server shell pagecache mthp; do
	small="records=30000 seed=7 checkpoints=3"
	[ $w = server ] && small="$small heap=1024 requests=20"
	[ $w = pagecache ] && small="$small file=4096"
	"$MAPCOUNT" gen --workload $w $small -o "$T/$w.a" 2>"$T/err"
	ok $? "$w: generated ($small)"
	"$MAPCOUNT" gen --workload $w $small -o "$T/$w.b" 2>"$T/err"
	cmp -s "$T/$w.a" "$T/$w.b"
	ok $? "$w: the same seed gives a byte-identical trace"
	"$MAPCOUNT" gen --workload $w ${small/seed=7/seed=8} -o "$T/$w.c" 2>"$T/err"
	! cmp -s "$T/$w.a" "$T/$w.c"
	ok $? "$w: another seed gives another trace"
	recs=$("$MAPCOUNT" info "$T/$w.a" | sed -n 's/^records: *//p')
	[ "${recs:-0}" -ge 30000 ] && [ "$recs" -lt 31000 ]
	ok $? "$w: about the records asked for ($recs)"
	"$MAPCOUNT" info "$T/$w.a" | grep -q "workload=$w"
	ok $? "$w: the header names the workload and its parameters"
	run=$("$MAPCOUNT" replay "$T/$w.a" --db "$T/$w.db" 2>"$T/err")
	ok $? "$w: replays through every model $(head -1 "$T/err")"
	read -r models bad <<<"$(sqlite3 -separator ' ' "$T/$w.db" "
		SELECT count(DISTINCT model), coalesce(sum(value), -1) FROM metrics
		WHERE run_id = $run AND name IN ('inconsistencies', 'violations')")"
	[ "${models:-0}" -ge 2 ] && [ "$bad" = 0.0 ]
	ok $? "$w: $models models, no inconsistencies or violations at any checkpoint ($bad)"
	cps=$(sqlite3 "$T/$w.db" "SELECT count(*) FROM checkpoints WHERE run_id = $run")
	ok $(test "$cps" = 4; echo $?) "$w: 3 checkpoints plus the end ($cps)"
	mapped=$(sqlite3 "$T/$w.db" "SELECT max(value) FROM metrics
		WHERE run_id = $run AND model = 'oracle' AND name = 'folios_mapped'")
	ok $(test "${mapped%.0}" -gt 0; echo $?) "$w: folios stay mapped ($mapped at most)"
done

# what each workload is about shows in its records
info() { "$MAPCOUNT" info "$T/$1.a" | awk -v t="$2" '$1 == t { print $2 }'; }
ok $(test "$(info shell EXEC)" -gt 0; echo $?) "shell: fork+exec ($(info shell EXEC) execs)"
ok $(test "$(info server REMAP)" -gt 0; echo $?) "server: COW of THPs splits PMDs ($(info server REMAP))"
ok $(test "$(info server FORK)" -gt 0; echo $?) "server: workers forked ($(info server FORK))"
ok $(test "$(info mthp SPLIT)" -gt 0; echo $?) "mthp: folios split ($(info mthp SPLIT))"
orders=$("$MAPCOUNT" dump "$T/pagecache.a" | sed -n 's/.* FOLIO .*order=\([0-9]*\) kind=1.*/\1/p' |
	sort -un | tr '\n' ' ')
ok $(test "$orders" = "0 2 4 9 "; echo $?) "pagecache: file folios of orders $orders"

# parameters
"$MAPCOUNT" gen --workload server bogus=1 -o "$T/x" 2>"$T/err"
ok $(test $? = 2 && grep -q "bogus=1" "$T/err"; echo $?) "unknown parameter: exit 2, named"
"$MAPCOUNT" gen --workload server thp=101 -o "$T/x" 2>"$T/err"
ok $(test $? = 2; echo $?) "thp=101: exit 2"
"$MAPCOUNT" gen --workload server records=lots -o "$T/x" 2>"$T/err"
ok $(test $? = 2; echo $?) "records=lots: exit 2"
"$MAPCOUNT" gen --workload nosuch -o "$T/x" 2>"$T/err"
ok $(test $? = 2; echo $?) "unknown workload: exit 2"
"$MAPCOUNT" gen --workload mthp records=10 -o "$T/server.a" 2>"$T/err"
ok $(test $? = 1 && cmp -s "$T/server.a" "$T/server.b"; echo $?) "existing output refused, kept"
"$MAPCOUNT" gen --workload x --help | grep -q "^  pagecache"
ok $? "--help lists the workloads"

done_testing
