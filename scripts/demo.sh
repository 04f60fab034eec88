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
# demo_replay TRACE DIR: replay TRACE through the models into DIR/demo.db and
# show what they say. The replayer's work fills this in; until then it says so.
demo_replay() {
	echo
	echo "== replay: not in the demo yet (mapcount replay is still being written)"
}
demo_replay "$trace" "$out"
