#!/bin/sh
# Replay speed and memory on a generated, consistent fork/map/unmap/exit-heavy
# trace (replayer/bench-trace.c): decode only, the oracle only, all models.
# Rates are records per CPU second of the whole replay (start-up, checkpoint
# and SQLite included), the best of REPLAY_BENCH_RUNS (default 3) runs: CPU time
# on this shared VM still varies by up to 30% from minute to minute.
# REPLAY_BENCH_RMAP (default 10000000) sets the number of rmap records. Peak RSS
# is also given as the cost of a folio more: above the same replay of a
# 1000-record trace (whose 20,000 page-cache folios are declared up front), per
# live folio more than it had.
set -e
cd "$(dirname "$0")/../.."
N=${REPLAY_BENCH_RMAP:-10000000}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

./mapcount replay --gen-bench "$N" "$T/bench.trace" >"$T/gen.out"
echo "replay bench: $(./mapcount --version)"
echo "replay bench: $(cat "$T/gen.out"), $(stat -c %s "$T/bench.trace") bytes"
./mapcount dump "$T/bench.trace" | awk '{ n[$2]++ } END {
	printf "replay bench: mix:"; for (t in n) if (t != "HEADER") printf " %s %d", t, n[t]; print "" }'

RUNS=${REPLAY_BENCH_RUNS:-3}

# anon THP sizes set to "always" fault in whole large folios: peak RSS moves
# in their steps, so say so next to the figures
always=$(grep -l '\[always\]' /sys/kernel/mm/transparent_hugepage/enabled \
	/sys/kernel/mm/transparent_hugepage/hugepages-*/enabled 2>/dev/null |
	sed 's|.*/\(hugepages-[^/]*\)/.*|\1|; s|.*/enabled|THP|' | tr '\n' ' ')
[ -z "$always" ] || echo "replay bench: note: anon THP set to always for: $always(peak RSS is rounded up)"

# cpu_seconds CMD...: run CMD RUNS times (a fresh $T/r.db each time), print the
# fewest user+sys CPU seconds; $T/time keeps "user sys maxrss" of that run
cpu_seconds() {
	best=
	for run in $(seq "$RUNS"); do
		rm -f "$T/r.db"*
		/usr/bin/time -f "%U %S %M" -o "$T/time.run" "$@" >/dev/null 2>"$T/stderr" || {
			cat "$T/stderr" >&2
			return 1
		}
		s=$(awk '{ printf "%.3f", $1 + $2 }' "$T/time.run")
		if [ -z "$best" ] || awk -v a="$s" -v b="$best" 'BEGIN { exit !(a < b) }'; then
			best=$s
			cp "$T/time.run" "$T/time"
		fi
	done
	echo "$best"
}

records=$(awk '{ print $4 }' "$T/gen.out")
decode=$(cpu_seconds ./mapcount replay --decode-only "$T/bench.trace")
rate() {
	awk -v r="$records" -v s="$1" 'BEGIN { printf "%.2f", r / s / 1e6 }'
}
echo "replay bench: best of $RUNS runs; decode only: $decode s CPU, $(rate "$decode") M records/s"
# the fixed part of the peak RSS (program, libraries, SQLite, buffers): a tiny trace
./mapcount replay --gen-bench 1000 "$T/tiny.trace" >/dev/null
# null: a model that does nothing, i.e. the replayer's own cost
for models in null oracle all; do
	MAPCOUNT_REPLAY_STATS=1 cpu_seconds ./mapcount replay "$T/tiny.trace" --db "$T/r.db" \
		--models "$models" >/dev/null
	fixed=$(awk '{ print $3 }' "$T/time")
	tiny_peak=$(sed -n 's/.*peak live folios \([0-9]*\).*/\1/p' "$T/stderr")
	s=$(MAPCOUNT_REPLAY_STATS=1 cpu_seconds ./mapcount replay "$T/bench.trace" --db "$T/r.db" \
		--models "$models")
	peak=$(sed -n 's/.*peak live folios \([0-9]*\).*/\1/p' "$T/stderr")
	maxrss=$(awk '{ print $3 }' "$T/time")
	echo "replay bench: models $models: $s s CPU, $(rate "$s") M records/s" \
		"($(awk -v d="$decode" -v s="$s" 'BEGIN { printf "%.0f", 100 * d / s }')% of decode);" \
		"peak RSS $maxrss KiB, $peak peak live folios," \
		"$(awk -v m="$maxrss" -v p="$peak" 'BEGIN { printf "%.0f", m * 1024 / p }') bytes per live folio" \
		"($(awk -v m="$maxrss" -v f="$fixed" -v p="$peak" -v t="$tiny_peak" \
			'BEGIN { printf "%.0f", (m - f) * 1024 / (p - t) }') a folio more, above" \
		"the $fixed KiB of the tiny trace's $tiny_peak)"
done
