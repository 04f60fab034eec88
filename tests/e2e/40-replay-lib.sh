# Shared by the 4*-replay-*.t tests (sourced, not run): TAP helpers, a temp dir,
# and gen + replay of inline scenarios into one results database.
MAPCOUNT=${MAPCOUNT:-$(pwd)/mapcount}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
DB=$T/results.db
tap_n=0
tap_fail=0

ok() { # ok COND-STATUS NAME
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_fail=1
	fi
}

is() { # is GOT WANT NAME
	tap_n=$((tap_n + 1))
	if [ "$1" = "$2" ]; then
		echo "ok $tap_n - $3"
	else
		echo "not ok $tap_n - $3"
		echo "#   got '$1', want '$2'"
		tap_fail=1
	fi
}

done_testing() {
	echo "1..$tap_n"
	exit $tap_fail
}

# replay_scenario NAME: stdin is the scenario; sets RUN to the new run id
replay_scenario() {
	cat >"$T/$1.scn"
	"$MAPCOUNT" gen "$T/$1.scn" -o "$T/$1.trace" || echo "# gen $1 failed"
	RUN=$("$MAPCOUNT" replay "$T/$1.trace" --db "$DB" --label "$1" 2>"$T/$1.err")
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
