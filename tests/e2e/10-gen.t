#!/bin/sh
# mapcount gen, info and dump from the command line: exit codes, messages,
# nothing left behind on error, nothing replaced without --force.
cd "$(dirname "$0")/../.." || exit 1
MC=${MAPCOUNT:-$PWD/mapcount}
. tests/e2e/tap.sh
status_is() { # status_is WANT COMMAND...: exit status WANT, stderr in $T/err
	want=$1
	shift
	"$@" >"$T/stdout" 2>"$T/err"
	[ $? -eq "$want" ]
}

check "gen --help exits 0" status_is 0 "$MC" gen --help
check "info --help exits 0" status_is 0 "$MC" info --help
check "dump --help exits 0" status_is 0 "$MC" dump --help
check "gen without -o is a usage error" status_is 2 "$MC" gen traces/scenarios/demo.scn
check "info without TRACE is a usage error" status_is 2 "$MC" info
check "dump --limit x is a usage error" status_is 2 "$MC" dump --limit x "$T/x"

check "gen the demo" "$MC" gen traces/scenarios/demo.scn -o "$T/demo.trace"
check "existing output refused" status_is 1 "$MC" gen traces/scenarios/demo.scn -o "$T/demo.trace"
check "... saying so" grep -q "demo.trace: already exists (--force replaces it)" "$T/err"
check "--force replaces it" "$MC" gen traces/scenarios/demo.scn -o "$T/demo.trace" --force
check "gen reads stdin" sh -c "'$MC' gen - -o '$T/stdin.trace' < traces/scenarios/demo.scn"
check "same bytes from stdin but the scenario name" \
	sh -c "'$MC' dump '$T/stdin.trace' | tail -n +2 > '$T/a'; '$MC' dump '$T/demo.trace' | tail -n +2 > '$T/b'; cmp '$T/a' '$T/b'"

printf 'folio f anon 2\nmap A f pte 0 1\nfree f\n' > "$T/bad.scn"
check "contradiction: exit 1" status_is 1 "$MC" gen "$T/bad.scn" -o "$T/bad.trace"
check "... file:line: message" grep -q "^mapcount gen: $T/bad.scn:3: cannot free folio f: mm A still maps it$" "$T/err"
check "... no output left behind" sh -c "! ls -A '$T' | grep -q 'bad.trace'"
echo old > "$T/keep.trace"
check "failed --force keeps the old file" status_is 1 "$MC" gen "$T/bad.scn" -o "$T/keep.trace" --force
check "... intact" grep -qx old "$T/keep.trace"
check "missing scenario: exit 1" status_is 1 "$MC" gen "$T/none.scn" -o "$T/none.trace"
check "... names it" grep -q "none.scn: No such file" "$T/err"
echo target > "$T/target"
ln -s "$T/target" "$T/link.trace"
check "a symlink output is refused without --force" status_is 1 "$MC" gen traces/scenarios/demo.scn -o "$T/link.trace"
check "--force replaces the link, not its target" "$MC" gen traces/scenarios/demo.scn -o "$T/link.trace" --force
check "... target intact" grep -qx target "$T/target"

check "info on the demo" "$MC" info "$T/demo.trace"
check "... counts records" sh -c "'$MC' info '$T/demo.trace' | grep -q '^records: *18$'"
check "... per type" sh -c "'$MC' info '$T/demo.trace' | grep -q '^  CHECKPOINT *4$'"
check "dump prints the header and every record" sh -c "[ \$('$MC' dump '$T/demo.trace' | wc -l) -eq 19 ]"
check "dump line format" sh -c "'$MC' dump '$T/demo.trace' | grep -qx '#6 FORK parent=1 child=2 flags=1'"
check "dump --limit" sh -c "[ \$('$MC' dump --limit 3 '$T/demo.trace' | wc -l) -eq 4 ]"
check "dump reads stdin" sh -c "'$MC' dump - < '$T/demo.trace' | grep -q '^#18 '"

size=$(wc -c < "$T/demo.trace")
head -c $((size - 5)) "$T/demo.trace" > "$T/cut.trace"
check "truncated trace: info exits 1" status_is 1 "$MC" info "$T/cut.trace"
check "... prints what was valid" grep -q '^records: *0$' "$T/stdout"
check "... then the error" grep -q "cut.trace: frame 1, offset [0-9]*: truncated frame" "$T/err"
check "truncated trace: dump exits 1" status_is 1 "$MC" dump "$T/cut.trace"
check "not a trace" status_is 1 "$MC" info traces/scenarios/demo.scn
check "... says so" grep -q "demo.scn: frame 0, offset 0: not a zstd frame" "$T/err"

check "--format-version 1" "$MC" gen traces/scenarios/demo.scn -o "$T/v1.trace" --format-version 1
check "... writes a version 1 trace" sh -c "'$MC' info '$T/v1.trace' | grep -q '^format: *version 1,'"
check "... of the same records as version 2" \
	sh -c "'$MC' dump '$T/v1.trace' | tail -n +2 > '$T/a'; '$MC' dump '$T/demo.trace' | tail -n +2 > '$T/b'; cmp '$T/a' '$T/b'"
check "--format-version 3 is refused" status_is 2 "$MC" gen traces/scenarios/demo.scn \
	-o "$T/v3.trace" --format-version 3
check "... saying which versions it writes" grep -q "writes versions 1 to 2" "$T/err"

if command -v zstd >/dev/null; then
	check "zstd -dc decodes a trace" sh -c "zstd -qdc '$T/demo.trace' | grep -q mapcount"
else
	skip "zstd not installed"
fi
done_testing
