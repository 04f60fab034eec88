#!/bin/sh
# make bench, piece 40: a synthetic workload trace of 100 million records
# (mapcount gen --workload), then its replay through every model.
# Reports generation records/s and bytes/record, replay records/s and peak
# memory. MAPCOUNT_BENCH_RECORDS and MAPCOUNT_BENCH_WORKLOAD change the run
# (defaults 100000000, server); the trace lives in a temp dir, deleted after.
set -e
cd "$(dirname "$0")/../.."
records=${MAPCOUNT_BENCH_RECORDS:-100000000}
workload=${MAPCOUNT_BENCH_WORKLOAD:-server}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

now() { date +%s.%N; }

t0=$(now)
./mapcount gen --workload "$workload" records="$records" -o "$tmp/w.trace"
t1=$(now)
n=$(./mapcount info "$tmp/w.trace" | sed -n 's/^records: *//p')
bytes=$(stat -c %s "$tmp/w.trace")
awk -v w="$workload" -v n="$n" -v b="$bytes" -v t0="$t0" -v t1="$t1" 'BEGIN { s = t1 - t0
	printf "workload gen %s: %d records in %.1f s: %.2f M records/s, %.2f bytes/record (%.0f MiB)\n",
		w, n, s, n / s / 1e6, b / n, b / 1048576 }'

# the replayer's own figures (MAPCOUNT_REPLAY_STATS), and the kernel's peak RSS
MAPCOUNT_REPLAY_STATS=1 /usr/bin/time -f "time %e s wall, %U+%S s CPU, peak RSS %M KiB" \
	./mapcount replay "$tmp/w.trace" --db "$tmp/r.db" >/dev/null 2>"$tmp/replay.err" || {
	cat "$tmp/replay.err" >&2
	exit 1
}
models=$(sqlite3 "$tmp/r.db" "SELECT count(DISTINCT model) FROM metrics" 2>/dev/null || echo "?")
sed -n "s|^$tmp/w.trace: |workload replay $workload, $models models: |p" "$tmp/replay.err"
sed -n 's/^time /workload replay: /p' "$tmp/replay.err"
