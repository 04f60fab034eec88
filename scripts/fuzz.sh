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
	lib/trace-codec.c lib/trace-columns.c lib/trace-reader.c lib/trace-writer.c -lzstd

# seeds: the demo trace for each mode (the mode byte, then the bytes); the
# raw seeds are its frames after the header frame, in format version 1 (the
# records: type byte, one-byte length) and 2 (a column frame)
if [ -x ./mapcount ] && [ ! -e "$corpus/seed-demo-3" ]; then
	./mapcount gen traces/scenarios/demo.scn -o "$out/seed.trace" --force
	./mapcount gen traces/scenarios/demo.scn -o "$out/seed1.trace" --force --format-version 1
	{ printf '\001'; cat "$out/seed.trace"; } > "$corpus/seed-demo-1"
	{ printf '\011'; cat "$out/seed1.trace"; } > "$corpus/seed-demo-1b"
	if command -v zstd >/dev/null 2>&1; then
		for v in 1 2; do
			t="$out/seed.trace"
			[ "$v" = 1 ] && t="$out/seed1.trace"
			zstd -qdc "$t" > "$out/seed.raw"
			hlen=$(od -An -tu1 -j1 -N1 "$out/seed.raw" | tr -d ' ')
			tail -c +$((hlen + 3)) "$out/seed.raw" > "$out/seed.frames"
			if [ "$v" = 1 ]; then
				{ printf '\000'; cat "$out/seed.frames"; } > "$corpus/seed-demo-0"
				{ printf '\002'; cat "$out/seed.frames"; } > "$corpus/seed-demo-2"
			else
				{ printf '\003\077'; cat "$out/seed.frames"; } > "$corpus/seed-demo-3"
				{ printf '\004'; cat "$out/seed.frames"; } > "$corpus/seed-demo-4"
			fi
		done
	fi
fi
cd "$out"
exec ./fuzz-reader -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 -print_final_stats=1 \
	"../../$corpus"
