#!/bin/sh
# make demo: compile the bundled scenario into a trace, look at it, and (once
# the replayer lands) replay it through every model.
set -e
cd "$(dirname "$0")/.."
out=build/demo
mkdir -p "$out"
trace=$out/demo.trace

echo "== gen: traces/scenarios/demo.scn -> $trace"
./mapcount gen traces/scenarios/demo.scn -o "$trace" --force
echo
echo "== info $trace"
./mapcount info "$trace"
echo
echo "== dump $trace"
./mapcount dump "$trace"

# ---- replay ----------------------------------------------------------------
# demo_replay TRACE DIR: replay TRACE through every model into DIR/demo.db, show
# the report and one question asked in SQL.
demo_replay() {
	rm -f "$2/demo.db" "$2/demo.db-wal" "$2/demo.db-shm"
	echo
	echo "== replay $1 --db $2/demo.db"
	./mapcount replay "$1" --db "$2/demo.db" --label demo >/dev/null
	./mapcount report "$2/demo.db"
	echo
	echo "== PSS per process at checkpoint 'partial', every model (bytes)"
	sqlite3 -header -column "$2/demo.db" "
SELECT p.model, p.mm, p.rss_bytes, p.pss_bytes, p.uss_bytes
FROM process_metrics p JOIN checkpoints c USING (run_id, checkpoint)
WHERE p.run_id = (SELECT max(run_id) FROM runs) AND c.label = 'partial'
ORDER BY p.mm, p.model;"
}
demo_replay "$trace" "$out"

# ---- corpus ----------------------------------------------------------------
# Two cases of traces/scenarios (traces/README.md) that show where the schemes
# differ: what the comment at the top of each file says, then what they report.
demo_corpus() { # SCENARIO CHECKPOINT SQL-WHAT
	name=$(basename "$1" .scn)
	echo
	echo "== corpus: $1"
	sed -n 's/^# \{0,1\}//p' "$1" | sed -n '/^! expect/q;p' | sed 's/^/   /'
	./mapcount gen "$1" -o "$out/$name.trace" --force
	rm -f "$out/$name.db" "$out/$name.db-wal" "$out/$name.db-shm"
	./mapcount replay "$out/$name.trace" --db "$out/$name.db" --label "$name" >/dev/null
	./mapcount report "$out/$name.db"
	echo
	echo "   at checkpoint '$2': $3"
	sqlite3 -header -column "$out/$name.db" "$4"
}
demo_corpus traces/scenarios/doublemap-fork-split.scn c-split \
	"atomic RMW operations so far and page mapcount error, per model" "
SELECT m.model, max(CASE WHEN m.name = 'atomic_ops' THEN m.value END) AS atomic_ops,
       max(CASE WHEN m.name = 'page_mapcount_error' THEN m.value END) AS page_mapcount_error
FROM metrics m JOIN checkpoints c USING (run_id, checkpoint)
WHERE c.label = 'c-split' GROUP BY m.model ORDER BY m.model;"
demo_corpus traces/scenarios/clone-exec-slots.scn stuck \
	"D alone maps the THP; is it called shared, and what are D's PSS and USS" "
SELECT p.model, m.value AS false_shared_folios, p.pss_bytes, p.uss_bytes
FROM process_metrics p JOIN checkpoints c USING (run_id, checkpoint)
JOIN metrics m ON m.run_id = p.run_id AND m.checkpoint = p.checkpoint AND m.model = p.model
WHERE c.label = 'stuck' AND p.mm = 'D' AND m.name = 'false_shared_folios' ORDER BY p.model;"
