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
