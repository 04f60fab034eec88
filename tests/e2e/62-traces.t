#!/bin/bash
# The checked-in traces (traces/README.md): each is under 1 MiB, described in
# the README, decodes (mapcount info) and replays through every model with no
# inconsistency; the generated ones also break no model invariant and hold
# the records traces/make-traces.sh makes today.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MAPCOUNT=${MAPCOUNT:-$ROOT/mapcount}
case $MAPCOUNT in */*) MAPCOUNT=$(cd "$(dirname "$MAPCOUNT")" && pwd)/$(basename "$MAPCOUNT") ;; esac
command -v sqlite3 >/dev/null || { echo "1..0 # SKIP sqlite3 CLI not installed"; exit 0; }
. "$ROOT/tests/e2e/40-replay-lib.sh"

cd "$ROOT"
traces=$(ls traces/generated/*.trace traces/recorded/*.trace 2>/dev/null)
ok $(test "$(echo "$traces" | wc -w)" -ge 8; echo $?) "$(echo "$traces" | wc -w) checked-in traces"
for t in $traces; do
	name=${t#traces/}
	size=$(stat -c %s "$t")
	ok $(test "$size" -lt 1048576; echo $?) "$name: $size bytes, under 1 MiB"
	grep -q "\`$name\`" traces/README.md
	ok $? "$name: described in traces/README.md"
	"$MAPCOUNT" info "$t" >"$T/info" 2>"$T/err"
	ok $? "$name: decodes $(head -1 "$T/err")"
	lost=$(sed -n 's/^lost: *\([0-9]*\) LOST.*/\1/p' "$T/info")
	ok $(test "$lost" = 0; echo $?) "$name: no LOST records ($lost)"
	run=$("$MAPCOUNT" replay "$t" --db "$T/db" 2>"$T/err")
	ok $? "$name: replays $(head -1 "$T/err")"
	inc=$(sqlite3 "$T/db" "SELECT coalesce(sum(value), -1) FROM metrics
		WHERE run_id = $run AND name = 'inconsistencies'")
	ok $(test "$inc" = 0.0; echo $?) "$name: no inconsistencies under any model ($inc)"
	case $name in
	generated/*)
		viol=$(sqlite3 "$T/db" "SELECT coalesce(sum(value), -1) FROM metrics
			WHERE run_id = $run AND name = 'violations'")
		ok $(test "$viol" = 0.0; echo $?) "$name: no model invariant broken ($viol)"
		;;
	esac
done

# the generated traces are reproducible: the same records (the compressed
# bytes may change with the writer's zstd settings)
mkdir -p "$T/repo/traces"
cp traces/make-traces.sh "$T/repo/traces/"
MAPCOUNT=$MAPCOUNT "$T/repo/traces/make-traces.sh" generated >/dev/null 2>"$T/err"
ok $? "make-traces.sh generated runs $(head -1 "$T/err")"
for t in traces/generated/*.trace; do
	cmp -s <("$MAPCOUNT" dump "$t") <("$MAPCOUNT" dump "$T/repo/$t")
	ok $? "${t#traces/}: make-traces.sh rebuilds the same records"
done

done_testing
