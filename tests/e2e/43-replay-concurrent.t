#!/bin/sh
# Four replays append to one results database at once: every row of every run arrives.
. "$(dirname "$0")/40-replay-lib.sh"

awk 'BEGIN {
	for (i = 0; i < 2000; i++) {
		printf "folio f%d anon 0\nmap P%d f%d pte 0 1\n", i, i % 5, i
		if (i % 50 == 49) printf "checkpoint c%d\n", i
	}
	print "fork P0 Q"
	print "checkpoint forked"
}' >"$T/c.scn"
"$MAPCOUNT" gen "$T/c.scn" -o "$T/c.trace"

pids=""
for i in 1 2 3 4; do
	"$MAPCOUNT" replay "$T/c.trace" --db "$DB" --label "job$i" >"$T/out$i" 2>"$T/err$i" &
	pids="$pids $!"
done
i=0
for p in $pids; do
	i=$((i + 1))
	wait "$p"
	is "$?" 0 "replay $i exits 0"
	is "$(wc -c <"$T/err$i" | tr -d ' ')" 0 "replay $i: nothing on stderr"
done
is "$(cat "$T"/out? | sort -n | tr '\n' ' ')" "1 2 3 4 " "four distinct run ids printed"
is "$(q "SELECT count(*) FROM runs WHERE status = 'ok'")" 4 "four runs, all ok"
is "$(q "SELECT count(DISTINCT n) FROM
	(SELECT run_id, count(*) AS n FROM checkpoints GROUP BY run_id)")" \
	1 "every run has the same number of checkpoints"
is "$(q "SELECT count(*) FROM checkpoints")" $((4 * 42)) "4 x (40 + forked + end) checkpoints"
per_ck=$(q "SELECT count(*) FROM metrics WHERE run_id = 1 AND checkpoint = 1")
is "$(q "SELECT count(*) FROM metrics")" $((4 * 42 * per_ck)) "every metric row of every run"
models=$(q "SELECT count(DISTINCT model) FROM metrics WHERE run_id = 1")
# 5 mms up to 'forked' (41 checkpoints x 5 mms), 6 at forked and end
is "$(q "SELECT count(*) FROM process_metrics")" $((4 * models * (40 * 5 + 2 * 6))) \
	"every process row of every run"
is "$(q "SELECT count(DISTINCT value) FROM metrics WHERE name = 'anon_mapped_pages' AND
	model = 'oracle' AND checkpoint = 42")" 1 "the runs agree"
is "$(q "PRAGMA integrity_check")" ok "the database is intact"
done_testing
