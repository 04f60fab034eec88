#!/bin/sh
# Truncated and corrupt traces: the valid prefix is replayed and stored (its
# checkpoints and an 'end' checkpoint), the run records the error, exit 1.
# (Records that contradict the shadow: tests/unit/test-replay-db.c.)
. "$(dirname "$0")/40-replay-lib.sh"

# enough records for several zstd frames (frames are cut at 256 KiB raw)
awk 'BEGIN {
	for (i = 0; i < 60000; i++) {
		printf "folio f%d anon 0\nmap P%d f%d pte 0 1\n", i, i % 7, i
		if (i % 1000 == 999) printf "checkpoint c%d\n", i
	}
}' >"$T/big.scn"
"$MAPCOUNT" gen "$T/big.scn" -o "$T/big.trace"
total=$("$MAPCOUNT" info "$T/big.trace" 2>/dev/null | awk '/^records/ {print $2; exit}')
size=$(stat -c %s "$T/big.trace")

head -c $((size * 9 / 10)) "$T/big.trace" >"$T/trunc.trace"
RUN=$("$MAPCOUNT" replay "$T/trunc.trace" --db "$DB" 2>"$T/trunc.err")
is "$?" 1 "truncated: exit 1"
is "$(wc -l <"$T/trunc.err" | tr -d ' ')" 1 "truncated: one line on stderr"
grep -q "trunc.trace: frame [0-9]*, offset [0-9]*" "$T/trunc.err"
ok $? "truncated: the message names the file, frame and offset"
is "$RUN" 1 "truncated: the run id is still printed"
is "$(q "SELECT status FROM runs WHERE run_id = 1")" error "truncated: run status error"
is "$(q "SELECT error IS NOT NULL AND error LIKE '%frame%' FROM runs WHERE run_id = 1")" 1 \
	"truncated: the run says why"
recs=$(q "SELECT records FROM runs WHERE run_id = 1")
ok "$([ "$recs" -gt 2000 ] && [ "$recs" -lt "$total" ] && echo 0 || echo 1)" \
	"truncated: a prefix of the records replayed ($recs)"
nck=$(q "SELECT count(*) FROM checkpoints WHERE run_id = 1 AND kind = 'trace'")
ok "$([ "$nck" -ge 1 ] && [ "$nck" -lt 60 ] && echo 0 || echo 1)" \
	"truncated: the prefix's own checkpoints are stored ($nck of 60)"
is "$(q "SELECT label || ' ' || record FROM checkpoints WHERE run_id = 1
	ORDER BY checkpoint DESC LIMIT 1")" \
	"end $recs" "truncated: the end checkpoint at the last good record"
is "$(q "SELECT CAST(value AS INTEGER) FROM metrics m JOIN checkpoints c USING (run_id, checkpoint)
	WHERE run_id = 1 AND model = 'oracle' AND name = 'anon_mapped_pages' AND c.label = 'c999'")" \
	1000 "truncated: checkpoint c999 saw 1000 anon pages"

# corrupt: garbage in the middle of the file
cp "$T/big.trace" "$T/bad.trace"
printf 'garbage garbage garbage garbage' |
	dd of="$T/bad.trace" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
RUN=$("$MAPCOUNT" replay "$T/bad.trace" --db "$DB" 2>"$T/bad.err")
is "$?" 1 "corrupt: exit 1"
is "$(q "SELECT status FROM runs WHERE run_id = $RUN")" error "corrupt: run status error"
grep -q "bad.trace: frame [0-9]*, offset [0-9]*" "$T/bad.err"
ok $? "corrupt: the message names the file, frame and offset"
recs=$(q "SELECT records FROM runs WHERE run_id = $RUN")
ok "$([ "$recs" -lt "${total:-999999}" ] && echo 0 || echo 1)" \
	"corrupt: stopped before the end"
is "$(q "SELECT label FROM checkpoints WHERE run_id = $RUN ORDER BY checkpoint DESC LIMIT 1")" end \
	"corrupt: an end checkpoint"

# the whole trace is fine
RUN=$("$MAPCOUNT" replay "$T/big.trace" --db "$DB" 2>/dev/null)
is "$?" 0 "whole: exit 0"
is "$(q "SELECT count(*) FROM checkpoints WHERE run_id = $RUN")" 61 "whole: 60 checkpoints and end"

# missing and non-trace files
"$MAPCOUNT" replay "$T/nonexistent.trace" --db "$DB" >/dev/null 2>"$T/missing.err"
is "$?" 1 "missing trace: exit 1"
grep -q "nonexistent.trace" "$T/missing.err"
ok $? "missing trace: the message names the file"
echo "not a trace" >"$T/text.trace"
"$MAPCOUNT" replay "$T/text.trace" --db "$DB" >/dev/null 2>&1
is "$?" 1 "not a trace: exit 1"
echo "not a database" >"$T/notdb"
"$MAPCOUNT" replay "$T/big.trace" --db "$T/notdb" >/dev/null 2>"$T/notdb.err"
is "$?" 1 "not a database: exit 1"
is "$(cat "$T/notdb")" "not a database" "not a database: left as it was"

done_testing
