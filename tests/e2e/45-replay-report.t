#!/bin/sh
# mapcount report: the latest run (or --run ID) as one aligned row per model.
. "$(dirname "$0")/40-replay-lib.sh"

# example (e): a partially mapped mTHP
replay_partial_mthp one
first=$RUN
replay_scenario two <<'SCN'
folio p file 0
map A p pte 0 1
SCN

"$MAPCOUNT" report "$DB" >"$T/report" 2>"$T/err"
is "$?" 0 "report exits 0"
grep -q "^run $RUN: .*two.trace" "$T/report"
ok $? "the latest run by default"
nmodels=$(q "SELECT count(DISTINCT model) FROM metrics WHERE run_id = $RUN")
is "$(grep -cE '^(oracle|legacy|entire|mm-id|total)' "$T/report")" "$nmodels" "one row per model"
is "$(awk '/^model/ { print NF }' "$T/report")" \
	"$(awk '/^oracle/ { print NF }' "$T/report")" "a value under every heading"
widths=$(awk '/^model/ { on = 1 } on && NF { print length($0) }' "$T/report" | sort -u)
is "$(echo "$widths" | wc -l | tr -d ' ')" 1 \
	"every row as wide as the heading (columns right-aligned)"

"$MAPCOUNT" report "$DB" --run "$first" >"$T/report1"
is "$?" 0 "--run ID exits 0"
is "$(awk '/^mm-id-slots / { print $6 }' "$T/report1")" 1 \
	"run $first: mm-id-slots misses the partially mapped mTHP"
is "$(awk '/^mm-id-slots / { print $9 }' "$T/report1")" 8 \
	"run $first: and over-reports AnonPages by 8"

"$MAPCOUNT" report "$DB" --run 999 >/dev/null 2>"$T/err"
is "$?" 1 "an unknown run: exit 1"
grep -q "no run 999" "$T/err"
ok $? "naming it"
"$MAPCOUNT" report "$T/none.db" >/dev/null 2>&1
is "$?" 1 "a missing database: exit 1"
ok "$([ ! -e "$T/none.db" ] && echo 0 || echo 1)" "and not created"
"$MAPCOUNT" report >/dev/null 2>&1
is "$?" 2 "no database: usage error"
"$MAPCOUNT" report --help | grep -q "usage: mapcount report"
ok $? "--help"
done_testing
