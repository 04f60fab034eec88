#!/bin/bash
# mapcount record: command line, refusals, clean stop on SIGINT, a readable
# prefix after SIGKILL and the sweep of the instance it leaves behind.
MAPCOUNT=${MAPCOUNT:-$(cd "$(dirname "$0")/../.." && pwd)/mapcount}
TRACING=/sys/kernel/tracing

[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP record needs root"; exit 0; }
[ -d $TRACING/instances ] || { echo "1..0 # SKIP tracefs is not mounted at $TRACING"; exit 0; }

. "$(dirname "$0")/tap.sh"

echo "1..17"

"$MAPCOUNT" record --help >"$T/help" 2>&1
is $? 0 "record --help exits 0"
grep -q -- "--checkpoint-interval" "$T/help"; ok $? "--help names the options"

"$MAPCOUNT" record -- true 2>"$T/err"
is $? 2 "record without -o is a usage error"

"$MAPCOUNT" record -o "$T/x" --pid 1 --all 2>"$T/err"
is $? 2 "--pid and --all together are a usage error"

echo keep >"$T/exists"
"$MAPCOUNT" record -o "$T/exists" -- true 2>"$T/err"
is $? 1 "an existing output is refused"
is "$(cat "$T/exists")" keep "the existing output is untouched"
is "$(wc -l <"$T/err")" 1 "one line says why"

ln -s "$T/target" "$T/link"
"$MAPCOUNT" record -o "$T/link" --force -- true 2>"$T/err"
ok $(test ! -e "$T/target"; echo $?) "a symlink output is not followed"

"$MAPCOUNT" record -o "$T/k" --source kprobe -- true 2>"$T/err"
is $? 1 "--source kprobe fails where kprobes are unavailable"
grep -q "kprobe" "$T/err" && [ "$(wc -l <"$T/err")" = 1 ]
ok $? "one clear line: $(head -c 120 "$T/err")"

"$MAPCOUNT" record -o "$T/a" -c 0 -- true 2>"$T/err"
is $? 0 "record -- true"
grep -q "source pagemap" "$T/err"; ok $? "auto says which source it picked"

setpriv --reuid=65534 --regid=65534 --clear-groups "$MAPCOUNT" record -o "$T/u" -- true \
	2>"$T/err"
rc=$?
is "$rc $(wc -l <"$T/err")" "1 1" "without root: exit 1 and one line"

# SIGINT: clean end, instance gone
"$MAPCOUNT" record -o "$T/int" --all --duration 30 -c 300 2>"$T/err" &
pid=$!
sleep 1.5
kill -INT $pid
wait $pid
is $? 0 "SIGINT ends the recording cleanly"
ok $(test ! -d $TRACING/instances/mapcount_$pid; echo $?) "and removes the instance"

# SIGKILL: complete frames stay readable, the next run sweeps the instance
"$MAPCOUNT" record -o "$T/kill" --all --duration 30 -c 300 2>/dev/null &
pid=$!
sleep 4
kill -KILL $pid
wait $pid 2>/dev/null
"$MAPCOUNT" dump "$T/kill" 2>/dev/null | grep -q " CHECKPOINT "
ok $? "after SIGKILL the flushed frames hold checkpoints"
"$MAPCOUNT" record -o "$T/after" -c 0 -- true 2>"$T/err"
ok $(test ! -d $TRACING/instances/mapcount_$pid; echo $?) "the next record removes mapcount_$pid"
exit $tap_fail
