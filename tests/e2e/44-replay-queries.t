#!/bin/sh
# Every SQL block of README.md's "Queries" section runs against a replayed
# scenario and answers (the last one needs kernel figures: it must run).
. "$(dirname "$0")/40-replay-lib.sh"
README=${SRCDIR:-$(dirname "$0")/../..}/README.md

replay_scenario q <<'SCN'
folio f anon 4
map A f pte 0 16
fork A B
fork A C
checkpoint forked
exit A
unmap C f pte 0 1
map C f pte 0 1
unmap B f pte 8 8
unmap C f pte 8 8
checkpoint late
folio g file 9
map B g pmd
SCN

# the ```sql blocks between "## Queries" and the next "## " heading
awk '/^## Queries/ { on = 1; next } /^## / { on = 0 }
     on && /^```sql/ { n++; f = sprintf("%s/query%d.sql", dir, n); next }
     on && /^```/ { f = ""; next }
     f != "" { print > f }' dir="$T" "$README"
nq=$(ls "$T"/query*.sql 2>/dev/null | wc -l)
ok "$([ "$nq" -ge 5 ] && echo 0 || echo 1)" "README has at least five queries ($nq)"
for f in "$T"/query*.sql; do
	name=$(basename "$f" .sql)
	out=$(sqlite3 "$DB" <"$f" 2>&1)
	st=$?
	is "$st" 0 "$name runs"
	case "$out" in *rror*) echo "# $out" ;; esac
	if grep -q "'kernel'" "$f"; then
		continue	# scenarios carry no kernel figures
	fi
	ok "$([ -n "$out" ] && echo 0 || echo 1)" "$name answers"
done
is "$(sqlite3 "$DB" <"$T/query1.sql" | head -1 | cut -d'|' -f1)" mm-id-slots \
	"query1: the mm-ID schemes over-report AnonPages most here (whole-folio counting)"
done_testing
