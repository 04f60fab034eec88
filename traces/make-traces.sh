#!/bin/bash
# Rebuild the checked-in traces (traces/README.md): the generated workload
# traces always, the recorded ones when run as root with tracefs and the test
# workloads built (make tests). Usage: traces/make-traces.sh [generated|recorded]...
set -eu
cd "$(dirname "$0")/.."
MAPCOUNT=${MAPCOUNT:-./mapcount}
what=${*:-generated recorded}

# name and parameters of each generated trace
GENERATED="server:records=20000 heap=2048 requests=40
shell:records=20000
pagecache:records=20000 procs=16 file=8192
mthp:records=20000 heap=1024"
RECORDED="thp mthp fork-cow mremap exec exit file-shmem populate forkfault"

for w in $what; do
	case $w in
	generated)
		mkdir -p traces/generated
		while IFS=: read -r name params; do
			# shellcheck disable=SC2086
			"$MAPCOUNT" gen --workload "$name" $params -o "traces/generated/$name.trace" --force
			echo "traces/generated/$name.trace: $params"
		done <<<"$GENERATED"
		;;
	recorded)
		mkdir -p traces/recorded
		for r in $RECORDED; do
			MAPCOUNT_QUIET=1 "$MAPCOUNT" record -c 0 -o "traces/recorded/$r.trace" --force \
				-- "build/workloads/$r" 2>"traces/recorded/$r.log" >/dev/null
			tail -1 "traces/recorded/$r.log"
			rm "traces/recorded/$r.log"
		done
		;;
	*)
		echo "usage: $0 [generated|recorded]..." >&2
		exit 2
		;;
	esac
done
