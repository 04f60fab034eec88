#!/bin/sh
# Recorder overhead on a fork- and fault-heavy workload, trace bytes per rmap
# record, and the raw ftrace bytes the same tracepoints took (per-CPU ring
# buffer bytes read) for comparison. Targets: slowdown <= 10%, ours <= 1/4 raw.
set -e
cd "$(dirname "$0")/../.."
W=build/workloads/forkfault
ROUNDS=${ROUNDS:-150}
if [ "$(id -u)" != 0 ] || [ ! -d /sys/kernel/tracing/instances ]; then
	echo "30-record: skipped (needs root and tracefs)"
	exit 0
fi
[ -x $W ] || make -s tests >/dev/null
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

plain() { $W $ROUNDS | awk '{print $2}'; }
traced() {
	rm -f "$T/b.trace"
	./mapcount record -o "$T/b.trace" -c 0 -- $W $ROUNDS 2>"$T/err" | awk '{print $2}'
}
# alternate, four of each; the fastest of each is the least disturbed by
# whatever else runs on the machine
for i in 1 2 3 4; do
	plain >>"$T/plain"
	traced >>"$T/traced"
done
best() { sort -n "$1" | head -1; }
p=$(best "$T/plain")
t=$(best "$T/traced")
line=$(grep ' records (' "$T/err")
rmap=$(echo "$line" | sed 's/.*records (\([0-9]*\) rmap).*/\1/')
raw=$(echo "$line" | sed 's/.* \([0-9]*\) raw ftrace bytes.*/\1/')
bytes=$(stat -c %s "$T/b.trace")
awk -v p="$p" -v t="$t" -v r="$rmap" -v b="$bytes" -v raw="$raw" -v n="$ROUNDS" 'BEGIN {
	printf "30-record: forkfault %d rounds: untraced %.3f s, recorded %.3f s, slowdown %+.1f%%\n",
		n, p / 1e9, t / 1e9, (t - p) * 100 / p
	printf "30-record: trace %d bytes for %d rmap records: %.2f bytes/record\n", b, r, b / r
	printf "30-record: raw ftrace data read: %d bytes (%.1f bytes/rmap record); ours = 1/%.0f of raw\n",
		raw, raw / r, raw / b
}'
