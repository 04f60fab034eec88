#!/bin/sh
# A model plugin used end to end: gen a scenario, replay it with
# --models oracle,PLUGIN, find the plugin's metrics beside the oracle's.
MAPCOUNT=${MAPCOUNT:-./mapcount}
BUILD=${BUILD:-build}
PLUGIN=$BUILD/example-plugin.so
. "$(dirname "$0")/tap.sh"

if "$MAPCOUNT" replay --help 2>&1 | grep -q 'not implemented'; then
	echo "1..0 # SKIP mapcount replay is not implemented in this build"
	exit 0
fi
if ! command -v sqlite3 >/dev/null 2>&1; then
	echo "1..0 # SKIP no sqlite3 command"
	exit 0
fi
metric() { # metric MODEL LABEL NAME: the value at the checkpoint labelled LABEL
	sqlite3 "$T/r.db" "SELECT CAST(m.value AS INTEGER) FROM metrics m JOIN checkpoints c
		ON c.run_id = m.run_id AND c.checkpoint = m.checkpoint
		WHERE m.model = '$1' AND c.label = '$2' AND m.name = '$3'"
}

# 16-page anon mTHP: A keeps 3 pages, forks B, both exit
cat >"$T/s.scn" <<'SCN'
folio M anon 4
map A M pte 0 16
checkpoint c1
unmap A M pte 3 13
checkpoint c2
fork A B
checkpoint c3
exit A
exit B
checkpoint c4
SCN
"$MAPCOUNT" gen "$T/s.scn" -o "$T/s.trace" >/dev/null
check "gen the scenario" test $? -eq 0
"$MAPCOUNT" replay "$T/s.trace" --db "$T/r.db" --models "oracle,$PLUGIN" \
	>"$T/out" 2>"$T/err"
check "replay with the plugin exits 0 and prints the run id" \
	sh -c "test $? -eq 0 && grep -qx '[0-9][0-9]*' '$T/out'"
check "the plugin's model has metrics rows" \
	test "$(sqlite3 "$T/r.db" \
		"SELECT COUNT(*) FROM metrics WHERE model = 'example-average'")" -gt 0
check "AnonPages at c2: plugin counts the whole folio (16)" \
	test "$(metric example-average c2 anon_mapped_pages)" = 16
check "AnonPages at c2: oracle counts 3" test "$(metric oracle c2 anon_mapped_pages)" = 3
check "c2: the plugin calls A's folio shared (false_shared_folios 1)" \
	test "$(metric example-average c2 false_shared_folios)" = 1
for label in c1 c2 c3 c4; do
	check "$label: plugin folio mapcount exact" \
		test "$(metric example-average $label folio_mapcount_mismatches)" = 0
done
check "c4: everything unmapped, AnonPages 0" \
	test "$(metric example-average c4 anon_mapped_pages)" = 0

printf 'int x;\n' >"$T/x.c"
if command -v "${CC:-cc}" >/dev/null 2>&1 &&
	"${CC:-cc}" -shared -fPIC -o "$T/x.so" "$T/x.c"; then
	"$MAPCOUNT" replay "$T/s.trace" --db "$T/r2.db" --models "oracle,$T/x.so" \
		>/dev/null 2>"$T/err"
	check "replay refuses a .so that is not a plugin (exit 1)" test $? -eq 1
	check "  with one line: $(cat "$T/err")" sh -c "test \$(wc -l <'$T/err') -eq 1 &&
		grep -q 'x.so: not a mapcount plugin' '$T/err'"
fi
done_testing
