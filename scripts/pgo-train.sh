#!/bin/sh
# pgo-train.sh TOOL PROFILE_DIR: run TOOL, built with profile counters, over the
# work mapcount is built for (decode, replay through every model with
# checkpoints, report); it leaves its counts (*.gcda) in PROFILE_DIR, where
# `make` reads them to compile the tool with -fprofile-use. Called by the Makefile.
set -e
cd "$(dirname "$0")/.."
tool=$1
prof=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

rm -rf "$prof"
echo "pgo: training $tool (a 1M-record bench trace and the bundled traces)"
"$tool" replay --gen-bench 1000000 "$T/bench.trace" >/dev/null
"$tool" replay --decode-only "$T/bench.trace" >/dev/null
"$tool" replay "$T/bench.trace" --db "$T/bench.db" --models all \
	--checkpoint-every 250000 >/dev/null
"$tool" replay traces/generated/*.trace traces/recorded/*.trace --db "$T/traces.db" \
	--models all --checkpoint-every 5000 >/dev/null
"$tool" report "$T/traces.db" >/dev/null

n=$(find "$prof" -name '*.gcda' 2>/dev/null | wc -l)
if [ "$n" -eq 0 ]; then
	echo "pgo: $tool wrote no profile to $prof" >&2
	exit 1
fi
echo "pgo: profile of $n source files in $prof"
