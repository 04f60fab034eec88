#!/bin/bash
# Record each test workload live, replay the trace and compare, at every
# quiescent checkpoint, the oracle's RSS/PSS/USS per process with the
# kernel's own smaps_rollup stored in the trace (model `kernel`).
# Targets: RSS and USS exact, PSS within 4 KiB per process.
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MAPCOUNT=${MAPCOUNT:-$ROOT/mapcount}
BUILD=${BUILD:-$ROOT/build}
TRACING=/sys/kernel/tracing
WORKLOADS="thp mthp fork-cow mremap exec exit file-shmem populate"

[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP record needs root"; exit 0; }
[ -d $TRACING/instances ] || { echo "1..0 # SKIP tracefs is not mounted at $TRACING"; exit 0; }
command -v sqlite3 >/dev/null || { echo "1..0 # SKIP sqlite3 is not installed"; exit 0; }
for w in $WORKLOADS; do
	[ -x "$BUILD/workloads/$w" ] || { echo "1..0 # SKIP $BUILD/workloads/$w not built"; exit 0; }
done

. "$ROOT/tests/e2e/40-replay-lib.sh"

echo "1..$(($(echo $WORKLOADS | wc -w) * 5))"
for w in $WORKLOADS; do
	tr="$T/$w.trace" db="$T/$w.db"
	MAPCOUNT_QUIET=1 timeout 120 "$MAPCOUNT" record -o "$tr" -c 0 -- "$BUILD/workloads/$w" \
		2>"$T/$w.err"
	ok $? "$w: recorded"
	repaired=$("$MAPCOUNT" dump "$tr" | sed -n 's/.* RESYNC .*repaired=\([0-9]*\).*/\1/p' |
		awk '{s += $1} END {print s + 0}')
	echo "# $w: $repaired shadow entries repaired by rescans; $(tail -1 "$T/$w.err")"
	quiet=$("$MAPCOUNT" dump "$tr" | grep -c ' CHECKPOINT label="quiet')
	ok $(test "$quiet" -ge 1; echo $?) "$w: $quiet quiescent checkpoints"
	"$MAPCOUNT" replay --db "$db" "$tr" >/dev/null 2>"$T/$w.replay"
	ok $? "$w: replays through every model"
	read -r rows drss dpss duss <<<"$(kernel_diffs "$db" oracle)"
	[ "${rows:-0}" -gt 0 ] && [ "$drss" = 0 ] && [ "$duss" = 0 ] && [ "$dpss" -le 4096 ]
	ok $? "$w: oracle vs kernel over $rows process checkpoints: max |d| rss $drss B, pss $dpss B, uss $duss B"
	inc=$(sqlite3 "$db" "SELECT coalesce(max(value), -1) FROM metrics
		WHERE name = 'inconsistencies'")
	ok $(test "${inc%.0}" = 0; echo $?) "$w: no inconsistencies in replay ($inc)"
done
exit $tap_fail
