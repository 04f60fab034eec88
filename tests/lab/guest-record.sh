#!/bin/sh
# Guest side of the kernel lab: record every test workload with the kprobe
# source at its quiescent points, and check that --source auto picks kprobe.
# Runs under tests/lab/guest-init.sh (busybox sh, root, tracefs mounted).
# Leaves in $RESULTS: WORKLOAD.trace, WORKLOAD.err, auto.err, kernel, times,
# killed.left (kprobes a SIGKILLed recorder left), *.left (what is left at the end).
LIST=${LAB_WORKLOADS:-"thp mthp fork-cow mremap exec exit file-shmem populate"}
uname -r >"$RESULTS/kernel"
# THP by madvise (also on the kernel command line); mthp sets its own size
echo madvise >/sys/kernel/mm/transparent_hugepage/enabled
status=0
for w in $LIST; do
	# mTHP (anon large folios below PMD order) exists from v6.8 on
	if [ "$w" = mthp ] && [ ! -d /sys/kernel/mm/transparent_hugepage/hugepages-64kB ]; then
		echo "$w skipped" >>"$RESULTS/times"
		continue
	fi
	t0=$(date +%s)
	MAPCOUNT_QUIET=1 "$MAPCOUNT" record --source kprobe -c 0 -o "$RESULTS/$w.trace" \
		-- "$WORKLOADS/$w" 2>"$RESULTS/$w.err" || status=1
	echo "$w $(($(date +%s) - t0))" >>"$RESULTS/times"
done
# a recorder killed by SIGKILL leaves its kprobes; the next one sweeps them
"$MAPCOUNT" record --source kprobe -c 0 -o /tmp/killed.trace -- sleep 60 2>/dev/null &
i=0
while ! grep -q mapcount_ /sys/kernel/tracing/dynamic_events && [ $i -lt 100 ]; do
	sleep 0.2
	i=$((i + 1))
done
sleep 1
kill -9 $!
wait $! 2>/dev/null
grep -c mapcount_ /sys/kernel/tracing/dynamic_events >"$RESULTS/killed.left"
"$MAPCOUNT" record -c 0 -o /tmp/auto.trace -- /bin/true 2>"$RESULTS/auto.err" || status=1
# no dynamic event or instance of ours may be left behind
cat /sys/kernel/tracing/dynamic_events >"$RESULTS/dynamic_events.left"
ls /sys/kernel/tracing/instances >"$RESULTS/instances.left"
exit $status
