#!/bin/bash
# The unit tests again, built with ASan+UBSan (SANITIZE=1, into build-san/):
# each must pass and print no sanitizer report. MAPCOUNT_NO_SANITIZE=1 skips.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
[ -n "${MAPCOUNT_NO_SANITIZE:-}" ] && { echo "1..0 # SKIP MAPCOUNT_NO_SANITIZE is set"; exit 0; }
[ "${SANITIZE:-}" = 1 ] && { echo "1..0 # SKIP already running a sanitizer build"; exit 0; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# BUILD on the command line: the environment of `make check` names the normal build
if ! env -u MAKEFLAGS -u MAKELEVEL make -s -C "$ROOT" SANITIZE=1 BUILD=build-san tests >"$log" 2>&1; then
	echo "not ok 1 - SANITIZE=1 build"
	sed 's/^/# /' "$log" | tail -20
	echo "1..1"
	exit 1
fi
n=0 failed=0
for t in "$ROOT"/build-san/tests/test-*; do
	[ -x "$t" ] || continue
	case $t in *.d) continue ;; esac
	n=$((n + 1))
	MAPCOUNT_OPS=200000 ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		"$t" >"$log" 2>&1
	rc=$?
	if [ $rc = 0 ] && ! grep -q 'ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:' "$log"; then
		echo "ok $n - $(basename "$t") under ASan+UBSan"
	else
		echo "not ok $n - $(basename "$t") under ASan+UBSan (exit $rc)"
		grep -m5 'not ok\|ERROR\|runtime error' "$log" | sed 's/^/# /'
		failed=$((failed + 1))
	fi
done
[ $n -gt 0 ] || { echo "not ok 1 - no sanitizer test binaries were built"; n=1; failed=1; }
echo "1..$n"
[ $failed = 0 ]
