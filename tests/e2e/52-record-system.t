#!/bin/bash
# mapcount record --all: a few seconds of the whole machine replay without
# inconsistencies; losses, if any, are marked in the trace.
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MAPCOUNT=${MAPCOUNT:-$ROOT/mapcount}

[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP record needs root"; exit 0; }
[ -d /sys/kernel/tracing/instances ] || { echo "1..0 # SKIP tracefs is not mounted"; exit 0; }
command -v sqlite3 >/dev/null || { echo "1..0 # SKIP sqlite3 is not installed"; exit 0; }

. "$(dirname "$0")/tap.sh"

echo "1..5"
"$MAPCOUNT" record -o "$T/all.trace" --all --duration 3 -c 1000 2>"$T/err"
ok $? "record --all --duration 3"
echo "# $(grep ' records (' "$T/err")"
"$MAPCOUNT" info "$T/all.trace" >"$T/info"
ok $? "info reads the trace"
ckpts=$("$MAPCOUNT" dump "$T/all.trace" | grep -c ' CHECKPOINT ')
ok $(test "$ckpts" -ge 3; echo $?) "$ckpts checkpoints"
"$MAPCOUNT" replay --db "$T/all.db" --models oracle "$T/all.trace" >/dev/null 2>"$T/replay"
ok $? "replays"
lost=$("$MAPCOUNT" dump "$T/all.trace" | grep -c ' LOST ')
inc=$(sqlite3 "$T/all.db" "SELECT coalesce(max(value), -1) FROM metrics
	WHERE model = 'oracle' AND name = 'inconsistencies'")
ok $(test "${inc%.0}" = 0 -o "$lost" -gt 0; echo $?) \
	"no inconsistencies ($inc) unless the recorder marked losses ($lost LOST records)"
exit $tap_fail
