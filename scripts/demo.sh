#!/bin/sh
<<<<<<< HEAD
# make demo: a short tour of mapcount on the bundled scenario.
set -e
cd "$(dirname "$0")/.."
D=${DEMO_DIR:-$(mktemp -d)}

# --- replay (issue #4): gen the bundled scenario, replay it through every
# model, show the report and one question asked in SQL.
./mapcount gen traces/scenarios/demo.scn -o "$D/demo.trace" --force
echo "== mapcount replay $D/demo.trace --db $D/results.db"
./mapcount replay "$D/demo.trace" --db "$D/results.db" --label demo >/dev/null
./mapcount report "$D/results.db"
echo
echo "== PSS per process at checkpoint 'partial', every model (bytes)"
sqlite3 -header -column "$D/results.db" "
SELECT p.model, p.mm, p.rss_bytes, p.pss_bytes, p.uss_bytes
FROM process_metrics p JOIN checkpoints c USING (run_id, checkpoint)
WHERE p.run_id = (SELECT max(run_id) FROM runs) AND c.label = 'partial'
ORDER BY p.mm, p.model;"
echo "(results kept in $D)"
# --- end of replay
=======
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
# demo_replay TRACE DIR: replay TRACE through the models into DIR/demo.db and
# show what they say. The replayer's work fills this in; until then it says so.
demo_replay() {
	echo
	echo "== replay: not in the demo yet (mapcount replay is still being written)"
}
demo_replay "$trace" "$out"
>>>>>>> foundation
