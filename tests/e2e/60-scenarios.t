#!/bin/bash
# The scenario corpus: every traces/scenarios/*.scn carries its expected
# answers in "#!" lines; gen + replay each through every model and check
# them with SQL against the results database.
#   #! expect LABEL MODELS METRIC = VALUE
#   #! expect-proc LABEL MODELS MM FIELD = VALUE      FIELD: rss, pss, uss (pages,
#                                                   or bytes with a B suffix), mapmax
# MODELS is "all" (every model of the run) or a comma list.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MAPCOUNT=${MAPCOUNT:-$ROOT/mapcount}
command -v sqlite3 >/dev/null || { echo "1..0 # SKIP sqlite3 CLI not installed"; exit 0; }
. "$ROOT/tests/e2e/tap.sh"

to_bytes() { # value -> bytes (pages unless suffixed B)
	case $1 in
	*B) echo "${1%B}" ;;
	*) awk -v v="$1" 'BEGIN { printf "%.0f\n", v * 4096 }' ;;
	esac
}

for scn in "$ROOT"/traces/scenarios/*.scn; do
	grep -q '^#! expect' "$scn" || continue
	name=$(basename "$scn" .scn)
	trace="$T/$name.trace" db="$T/$name.db"
	if ! "$MAPCOUNT" gen "$scn" -o "$trace" 2>"$T/err"; then
		ok 1 "$name: gen failed: $(head -1 "$T/err")"
		continue
	fi
	if ! run=$("$MAPCOUNT" replay "$trace" --db "$db" 2>"$T/err"); then
		ok 1 "$name: replay failed: $(head -1 "$T/err")"
		continue
	fi
	all=$(sqlite3 "$db" "SELECT DISTINCT model FROM metrics WHERE run_id = $run AND model <> 'kernel' ORDER BY model" | tr '\n' ',')
	while read -r kind label models rest; do
		[ "$models" = all ] && models=$all
		for model in ${models//,/ }; do
			if [ "$kind" = "#!expect" ]; then
				read -r metric _ want <<<"$rest"
				got=$(sqlite3 "$db" "SELECT value FROM metrics JOIN checkpoints USING (run_id, checkpoint)
					WHERE run_id = $run AND label = '$label' AND model = '$model' AND name = '$metric'")
				[ -n "$got" ] && awk -v g="$got" -v w="$want" 'BEGIN { exit !(g == w) }'
				ok $? "$name @$label $model $metric = $want${got:+ (got $got)}"
			else
				read -r mm field _ want <<<"$rest"
				case $field in
				mapmax) col=mapmax; w=$want ;;
				*) col=${field}_bytes; w=$(to_bytes "$want") ;;
				esac
				got=$(sqlite3 "$db" "SELECT $col FROM process_metrics JOIN checkpoints USING (run_id, checkpoint)
					WHERE run_id = $run AND label = '$label' AND model = '$model' AND mm = '$mm'" 2>&1)
				[ -n "$got" ] && awk -v g="$got" -v w="$w" 'BEGIN { exit !(g == w) }'
				ok $? "$name @$label $model $mm $field = $want${got:+ (got $got)}"
			fi
		done
	done < <(sed -n 's/^#! \(expect[a-z-]*\) /#!\1 /p' "$scn")
done
done_testing
