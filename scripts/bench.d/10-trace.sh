#!/bin/sh
# Trace codec: encode and decode speed (one core, CPU time) and size of a
# fork/map/unmap-heavy synthetic stream (lib/trace-bench.c).
# Targets: decode >= 50 M records/s, <= 4 bytes/record.
# MAPCOUNT_BENCH_RECORDS (default 10000000), MAPCOUNT_BENCH_LEVEL and
# MAPCOUNT_BENCH_FRAME (zstd level, raw frame bytes) override the defaults.
set -e
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d /tmp/mc-bench-trace.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
echo "== trace codec: ./mapcount gen --bench-stream ${MAPCOUNT_BENCH_RECORDS:-10000000} (load: $(cut -d' ' -f1-3 /proc/loadavg))"
./mapcount gen --bench-stream "${MAPCOUNT_BENCH_RECORDS:-10000000}" -o "$tmp/bench.trace"
