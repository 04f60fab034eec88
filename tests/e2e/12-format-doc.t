#!/bin/sh
# schemas/trace-format.md is generated from the record table; fail when stale.
cd "$(dirname "$0")/../.." || exit 1
MC=${MAPCOUNT:-$PWD/mapcount}
if "$MC" dump --format-doc | cmp -s - schemas/trace-format.md; then
	echo "ok 1 - schemas/trace-format.md matches the record table"
else
	echo "not ok 1 - schemas/trace-format.md is stale: run"
	echo "#   ./mapcount dump --format-doc > schemas/trace-format.md"
	"$MC" dump --format-doc | diff schemas/trace-format.md - | head -20 | sed 's/^/#   /'
	echo "1..1"
	exit 1
fi
echo "1..1"
