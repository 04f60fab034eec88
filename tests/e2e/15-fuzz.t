#!/bin/sh
# Fuzz the trace reader for MAPCOUNT_FUZZ_SECONDS (default 60) seconds; any
# crash, sanitizer report or leak fails the test.
cd "$(dirname "$0")/../.." || exit 1
secs=${MAPCOUNT_FUZZ_SECONDS:-60}
if ! command -v "${CLANG:-clang}" >/dev/null 2>&1; then
	echo "1..0 # SKIP clang not installed (needed for libFuzzer)"
	exit 0
fi
log=$(mktemp /tmp/mc-fuzz.XXXXXX)
trap 'rm -f "$log"' EXIT
sh scripts/fuzz.sh "$secs" >"$log" 2>&1
rc=$?
if [ $rc -eq 77 ]; then
	echo "1..0 # SKIP $(grep '^fuzz.sh:' "$log" | head -1)"
	exit 0
fi
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
if [ $rc -eq 0 ] && [ -n "$runs" ]; then
	echo "ok 1 - ${secs}s of fuzzing the trace reader: $runs inputs, no crash"
else
	echo "not ok 1 - the fuzzer failed (exit $rc)"
	grep -E 'ERROR|runtime error|SUMMARY|Test unit written|error:' "$log" | head -20 | sed 's/^/#   /'
fi
echo "1..1"
[ $rc -eq 0 ] && [ -n "$runs" ]
