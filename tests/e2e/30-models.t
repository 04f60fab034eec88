#!/bin/sh
# mapcount models: the list, --verbose, plugins and their one-line errors.
MAPCOUNT=${MAPCOUNT:-./mapcount}
BUILD=${BUILD:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
n=0
fail=0

check() { # check NAME COMMAND...: ok when the command succeeds
	name=$1
	shift
	n=$((n + 1))
	if "$@"; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name"
		fail=1
	fi
}

"$MAPCOUNT" models >"$TMP/list" 2>"$TMP/err"
check "models exits 0 and writes nothing on stderr" test $? -eq 0 -a ! -s "$TMP/err"
for name in oracle legacy-doublemap entire-nrmapped entire-nrmapped-6.12 mm-id-slots \
	mm-id-slots-pagemapcount total-mapped-pages; do
	check "lists $name as NAME<TAB>DESCRIPTION" grep -q "^$name	[^	]" "$TMP/list"
done
check "oracle comes first" sh -c "head -n1 '$TMP/list' | grep -q '^oracle	'"
check "every line is NAME<TAB>DESCRIPTION" sh -c "! grep -v '^[A-Za-z0-9_.-]*	.' '$TMP/list'"

"$MAPCOUNT" models --verbose >"$TMP/verbose"
check "--verbose prints an extension-rules line per model" \
	test "$(grep -c '^	extension rules: ' "$TMP/verbose")" -eq "$(wc -l <"$TMP/list")"

"$MAPCOUNT" models --plugin "$BUILD/example-plugin.so" >"$TMP/plugged"
check "--plugin appends the plugin's model after the built-ins" \
	sh -c "tail -n1 '$TMP/plugged' | grep -q '^example-average	'"
check "--plugin keeps every built-in line" \
	test "$(wc -l <"$TMP/plugged")" -eq "$(($(wc -l <"$TMP/list") + 1))"

"$MAPCOUNT" models --plugin "$TMP/nosuch.so" >"$TMP/out" 2>"$TMP/err"
check "a missing plugin exits 1" test $? -eq 1
check "with one line naming it" \
	sh -c "test \$(wc -l <'$TMP/err') -eq 1 && grep -q 'nosuch.so' '$TMP/err'"
check "and prints no list" test ! -s "$TMP/out"

"$MAPCOUNT" models --bogus >/dev/null 2>&1
check "an unknown option exits 2" test $? -eq 2
"$MAPCOUNT" models --help >"$TMP/help"
check "--help exits 0 and shows usage" \
	sh -c "test $? -eq 0 && grep -q 'usage: mapcount models' '$TMP/help'"

if command -v "${CC:-cc}" >/dev/null 2>&1; then
	printf 'int not_a_plugin;\n' >"$TMP/nosym.c"
	cat >"$TMP/abi2.c" <<'SRC'
#include "models/model.h"
static const struct mc_model m[] = { { .abi_version = 2, .name = "future" } };
const struct mc_model *mapcount_models(unsigned int *count, int abi)
{
	*count = 1;
	return m;
}
SRC
	"${CC:-cc}" -shared -fPIC -o "$TMP/nosym.so" "$TMP/nosym.c" &&
		"${CC:-cc}" -shared -fPIC -I"$ROOT" -o "$TMP/abi2.so" "$TMP/abi2.c"
	check "test plugins build" test $? -eq 0
	"$MAPCOUNT" models --plugin "$TMP/nosym.so" 2>"$TMP/err" >/dev/null
	check "a .so without the symbol is refused (exit 1)" test $? -eq 1
	check "  $(cat "$TMP/err")" \
		grep -q "nosym.so: not a mapcount plugin: no symbol mapcount_models" "$TMP/err"
	"$MAPCOUNT" models --plugin "$TMP/abi2.so" 2>"$TMP/err" >/dev/null
	check "a plugin of another ABI is refused (exit 1)" test $? -eq 1
	check "  $(cat "$TMP/err")" \
		grep -q "abi2.so: ABI version 2, this mapcount speaks 1" "$TMP/err"
else
	n=$((n + 1))
	echo "ok $n # SKIP no C compiler to build bad plugins"
fi

echo "1..$n"
exit $fail
