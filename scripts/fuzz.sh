#!/bin/sh
# Fuzz the trace reader and decoder with libFuzzer for N seconds (default 60):
#   scripts/fuzz.sh [SECONDS]
# Builds build/fuzz/fuzz-reader with clang -fsanitize=fuzzer,address,undefined,
# seeds fuzz-corpus/reader from real traces, exits non-zero on any crash (the
# crashing input is left in build/fuzz/). Exit 77: no clang or no libFuzzer.
set -e
cd "$(dirname "$0")/.."
secs=${1:-60}
CLANG=${CLANG:-clang}
if ! command -v "$CLANG" >/dev/null 2>&1; then
	echo "fuzz.sh: $CLANG not found (apt-get install clang libclang-rt-14-dev)" >&2
	exit 77
fi
out=build/fuzz
corpus=fuzz-corpus/reader
mkdir -p "$out" "$corpus"
echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }' > "$out/probe.c"
if ! $CLANG -fsanitize=fuzzer -o "$out/probe" "$out/probe.c" 2>/dev/null; then
	echo "fuzz.sh: $CLANG cannot link libFuzzer targets (apt-get install libclang-rt-14-dev)" >&2
	exit 77
fi
$CLANG -std=gnu11 -g -O1 -D_GNU_SOURCE -I. -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -o "$out/fuzz-reader" tests/fuzz/fuzz-reader.c \
	lib/trace-codec.c lib/trace-reader.c lib/trace-writer.c -lzstd

# seeds: the demo trace for each mode (the mode byte, then the bytes); the
# raw seeds are its records after the header (type byte, one-byte length)
if [ -x ./mapcount ] && [ ! -e "$corpus/seed-demo-1" ]; then
	./mapcount gen traces/scenarios/demo.scn -o "$out/seed.trace" --force
	{ printf '\001'; cat "$out/seed.trace"; } > "$corpus/seed-demo-1"
	if command -v zstd >/dev/null 2>&1; then
		zstd -qdc "$out/seed.trace" > "$out/seed.raw"
		hlen=$(od -An -tu1 -j1 -N1 "$out/seed.raw" | tr -d ' ')
		{ printf '\000'; tail -c +$((hlen + 3)) "$out/seed.raw"; } > "$corpus/seed-demo-0"
		{ printf '\002'; tail -c +$((hlen + 3)) "$out/seed.raw"; } > "$corpus/seed-demo-2"
	fi
fi
cd "$out"
exec ./fuzz-reader -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 -print_final_stats=1 \
	"../../$corpus"
