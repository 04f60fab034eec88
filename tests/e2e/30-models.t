#!/bin/sh
# mapcount models: the list, --verbose, plugins and their one-line errors.
MAPCOUNT=${MAPCOUNT:-./mapcount}
BUILD=${BUILD:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ABI=$(sed -n 's/^#define MC_MODEL_ABI_VERSION \([0-9]*\)$/\1/p' "$ROOT/models/model.h")
. "$ROOT/tests/e2e/tap.sh"

"$MAPCOUNT" models >"$T/list" 2>"$T/err"
check "models exits 0 and writes nothing on stderr" test $? -eq 0 -a ! -s "$T/err"
for name in oracle legacy-doublemap entire-nrmapped entire-nrmapped-6.12 mm-id-slots \
	mm-id-slots-pagemapcount total-mapped-pages; do
	check "lists $name as NAME<TAB>DESCRIPTION" grep -q "^$name	[^	]" "$T/list"
done
check "oracle comes first" sh -c "head -n1 '$T/list' | grep -q '^oracle	'"
check "every line is NAME<TAB>DESCRIPTION" sh -c "! grep -v '^[A-Za-z0-9_.-]*	.' '$T/list'"

"$MAPCOUNT" models --verbose >"$T/verbose"
check "--verbose prints an extension-rules line per model" \
	test "$(grep -c '^	extension rules: ' "$T/verbose")" -eq "$(wc -l <"$T/list")"

"$MAPCOUNT" models --plugin "$BUILD/example-plugin.so" >"$T/plugged"
check "--plugin appends the plugin's model after the built-ins" \
	sh -c "tail -n1 '$T/plugged' | grep -q '^example-average	'"
check "--plugin keeps every built-in line" \
	test "$(wc -l <"$T/plugged")" -eq "$(($(wc -l <"$T/list") + 1))"

"$MAPCOUNT" models --plugin "$T/nosuch.so" >"$T/out" 2>"$T/err"
check "a missing plugin exits 1" test $? -eq 1
check "with one line naming it" \
	sh -c "test \$(wc -l <'$T/err') -eq 1 && grep -q 'nosuch.so' '$T/err'"
check "and prints no list" test ! -s "$T/out"

"$MAPCOUNT" models --bogus >/dev/null 2>&1
check "an unknown option exits 2" test $? -eq 2
"$MAPCOUNT" models --help >"$T/help"
check "--help exits 0 and shows usage" \
	sh -c "test $? -eq 0 && grep -q 'usage: mapcount models' '$T/help'"

if command -v "${CC:-cc}" >/dev/null 2>&1; then
	printf 'int not_a_plugin;\n' >"$T/nosym.c"
	cat >"$T/abi2.c" <<'SRC'
#include "models/model.h"
static const struct mc_model m[] = { { .abi_version = MC_MODEL_ABI_VERSION + 1, .name = "future" } };
const struct mc_model *mapcount_models(unsigned int *count, int abi)
{
	*count = 1;
	return m;
}
SRC
	"${CC:-cc}" -shared -fPIC -o "$T/nosym.so" "$T/nosym.c" &&
		"${CC:-cc}" -shared -fPIC -I"$ROOT" -o "$T/abi2.so" "$T/abi2.c"
	check "test plugins build" test $? -eq 0
	"$MAPCOUNT" models --plugin "$T/nosym.so" 2>"$T/err" >/dev/null
	check "a .so without the symbol is refused (exit 1)" test $? -eq 1
	check "  $(cat "$T/err")" \
		grep -q "nosym.so: not a mapcount plugin: no symbol mapcount_models" "$T/err"
	"$MAPCOUNT" models --plugin "$T/abi2.so" 2>"$T/err" >/dev/null
	check "a plugin of another ABI is refused (exit 1)" test $? -eq 1
	check "  $(cat "$T/err")" \
		grep -q "abi2.so: ABI version $((ABI + 1)), this mapcount speaks $ABI" "$T/err"
else
	skip "no C compiler to build bad plugins"
fi

done_testing
