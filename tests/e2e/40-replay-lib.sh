# Shared by the tests that replay traces and query a results database (sourced,
# not run): the TAP helpers of tap.sh, $DB in their temp dir, gen + replay of
# inline scenarios and queries of the stored metrics.
. "$(dirname "${BASH_SOURCE:-$0}")/tap.sh"
MAPCOUNT=${MAPCOUNT:-$(pwd)/mapcount}
DB=$T/results.db

# replay_scenario NAME: stdin is the scenario; sets RUN to the new run id
replay_scenario() {
	cat >"$T/$1.scn"
	"$MAPCOUNT" gen "$T/$1.scn" -o "$T/$1.trace" || echo "# gen $1 failed"
	RUN=$("$MAPCOUNT" replay "$T/$1.trace" --db "$DB" --label "$1" 2>"$T/$1.err")
}

# replay_partial_mthp NAME: example (e) of spec/models/mm-id-slots.md, a 16-page
# anon mTHP in A, fork B, both unmap pages 8..15, then checkpoint e4; sets RUN
replay_partial_mthp() {
	replay_scenario "$1" <<'SCN'
folio f anon 4
map A f pte 0 16
fork A B
unmap A f pte 8 8
unmap B f pte 8 8
checkpoint e4
SCN
}

q() {
	sqlite3 "$DB" "$1"
}

# metric MODEL NAME CHECKPOINT-LABEL: the value in run $RUN, as an integer
metric() {
	q "SELECT CAST(m.value AS INTEGER) FROM metrics m JOIN checkpoints c USING (run_id, checkpoint)
	   WHERE m.run_id = $RUN AND m.model = '$1' AND m.name = '$2' AND c.label = '$3'"
}

# proc MODEL MM COLUMN CHECKPOINT-LABEL
proc() {
	q "SELECT p.$3 FROM process_metrics p JOIN checkpoints c USING (run_id, checkpoint)
	   WHERE p.run_id = $RUN AND p.model = '$1' AND p.mm = '$2' AND c.label = '$4'"
}

# kernel_diffs DB MODEL: MODEL against the kernel's smaps_rollup (model `kernel`)
# over every process at the quiescent checkpoints, "rows max|d|rss max|d|pss max|d|uss"
kernel_diffs() {
	sqlite3 -separator ' ' "$1" "
		SELECT count(*), coalesce(max(abs(o.rss_bytes - k.rss_bytes)), 0),
		       coalesce(max(abs(o.pss_bytes - k.pss_bytes)), 0),
		       coalesce(max(abs(o.uss_bytes - k.uss_bytes)), 0)
		FROM process_metrics k
		JOIN process_metrics o ON o.run_id = k.run_id AND o.checkpoint = k.checkpoint
		     AND o.mm = k.mm AND o.model = '$2'
		JOIN checkpoints c ON c.run_id = k.run_id AND c.checkpoint = k.checkpoint
		WHERE k.model = 'kernel' AND c.label LIKE 'quiet%'"
}
