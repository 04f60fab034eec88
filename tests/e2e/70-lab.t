#!/bin/bash
# Kernel lab: inside Debian 6.1 and 6.12 guests (qemu), record the test
# workloads with the kprobe source, then on the host replay each trace through
# the oracle and the model of that kernel's era and hold both to the kernel at
# every quiet checkpoint: smaps_rollup RSS and USS exact, PSS within 4 KiB per
# process, and per page kpagecount and PM_MMAP_EXCLUSIVE (tests/unit/test-lab-compare).
# Skips when tests/lab/lab.sh --check fails (qemu or kernel images missing).
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MAPCOUNT=${MAPCOUNT:-$ROOT/mapcount}
BUILD=${BUILD:-$ROOT/build}
LAB=$ROOT/tests/lab/lab.sh
GUEST=$ROOT/tests/lab/guest-record.sh
COMPARE=$BUILD/tests/test-lab-compare
KERNELS=${LAB_KERNELS:-"6.1 6.12"}
declare -A MODEL=([6.1]=legacy-doublemap [6.12]=entire-nrmapped-6.12)
declare -A WORKLOADS=([6.1]="thp fork-cow mremap exec exit file-shmem populate"
		      [6.12]="thp mthp fork-cow mremap exec exit file-shmem populate")

why=$("$LAB" --check) || { echo "1..0 # SKIP kernel lab: $why"; exit 0; }
command -v sqlite3 >/dev/null || { echo "1..0 # SKIP sqlite3 is not installed"; exit 0; }
[ -x "$COMPARE" ] || { echo "1..0 # SKIP $COMPARE not built (make tests)"; exit 0; }
for w in ${WORKLOADS[6.12]}; do
	[ -x "$BUILD/workloads/$w" ] || { echo "1..0 # SKIP $BUILD/workloads/$w not built"; exit 0; }
done

. "$ROOT/tests/e2e/40-replay-lib.sh"

# lab_record K OUT [W]: boot kernel K, record every workload (or only W) in it, results in
# OUT; sets rc
lab_record() {
	local try script=$GUEST
	if [ -n "${3:-}" ]; then
		script=$T/guest-$1-$3.sh
		{ echo "LAB_WORKLOADS=$3"; cat "$GUEST"; } >"$script"
	fi
	for try in 1 2; do
		rm -rf "$2"
		BUILD=$BUILD "$LAB" --kernel "$1" --run "$script" --out "$2" --timeout 400 \
			>"$2.log" 2>&1
		rc=$?
		# TCG now and then trips over text patching while booting: boot once more
		[ -f "$2/status" ] || ! grep -q 'Kernel panic' "$2/console.log" 2>/dev/null && break
		echo "# $1: the guest panicked before the lab ran ($(grep -m1 -o 'Oops: [^[]*' \
			"$2/console.log")); booting again"
	done
}

# assess K W OUT: the checks of workload W's recording in OUT, one "STATUS NAME" line each
assess() {
	local k=$1 w=$2 out=$3 model=${MODEL[$1]} tr=$3/$2.trace db=$T/$1-$2.db m rows drss dpss duss
	local inc lost
	if [ ! -s "$tr" ]; then
		echo "1 $k $w: recorded ($(tail -n 1 "$out/$w.err" 2>/dev/null))"
		return
	fi
	rm -f "$db"
	"$MAPCOUNT" replay --db "$db" --models "oracle,$model" "$tr" >/dev/null 2>"$T/$k-$w.replay"
	echo "$? $k $w: replays through oracle and $model"
	inc=$(sqlite3 "$db" "SELECT coalesce(max(value), -1) FROM metrics
		WHERE model = 'oracle' AND name = 'inconsistencies'")
	lost=$("$MAPCOUNT" dump "$tr" | grep -c ' LOST ')
	echo "$(test "${inc%.0}" = 0 || test "$lost" -gt 0; echo $?)" \
		"$k $w: no inconsistency the recorder did not mark ($inc, $lost LOST)"
	for m in oracle "$model"; do
		read -r rows drss dpss duss <<<"$(kernel_diffs "$db" "$m")"
		[ "${rows:-0}" -gt 0 ] && [ "$drss" = 0 ] && [ "$duss" = 0 ] && [ "$dpss" -le 4096 ]
		echo "$? $k $w: $m vs kernel smaps over $rows process checkpoints:" \
			"max |d| rss $drss B, pss $dpss B, uss $duss B"
	done
	"$COMPARE" "$model" "$tr" >"$T/$k-$w.cmp" 2>&1
	echo "$? $k $w: $model per page (kpagecount, PM_MMAP_EXCLUSIVE) agrees with the kernel"
}

# diagnose K W OUT WHICH: on stderr (prove shows it), what the failed WHICH recording of W
# looked like
diagnose() {
	{
		echo "## $1 $2, $4 recording: recorder said:"
		sed 's/^/##   /' "$3/$2.err"
		echo "## $1 $2, $4 recording: replay said:"
		head -n 25 "$T/$1-$2.replay" | sed 's/^/##   /'
		grep '^not ok\|^#   ' "$T/$1-$2.cmp" 2>/dev/null | head -n 25 | sed 's/^/##   /'
	} >&2
}

for k in $KERNELS; do
	out=$T/$k
	t0=$SECONDS
	lab_record "$k" "$out"
	ok $rc "$k: guest booted, recorded every workload and came back ($((SECONDS - t0)) s)"
	echo "# $k: $(cat "$out/kernel" 2>/dev/null);" \
		"per workload (s): $(tr '\n' ' ' <"$out/times" 2>/dev/null)"
	grep -q '^mapcount record: source kprobe' "$out/auto.err" 2>/dev/null
	ok $? "$k: --source auto picks kprobe in the guest"
	killed=$(cat "$out/killed.left" 2>/dev/null)
	ok $(test "${killed:-0}" -gt 0; echo $?) "$k: a SIGKILLed recorder leaves its kprobes ($killed)"
	left=$(grep -c mapcount_ "$out/dynamic_events.left" "$out/instances.left" 2>/dev/null |
		awk -F: '{s += $2} END {print s + 0}')
	ok $(test "$left" = 0; echo $?) \
		"$k: the next recorder swept them: no mapcount_* dynamic event or instance left ($left)"
	for w in ${WORKLOADS[$k]}; do
		assess "$k" "$w" "$out" >"$T/$k-$w.res"
		if grep -qv '^0 ' "$T/$k-$w.res" && [ -s "$out/$w.trace" ]; then
			# one recording in a guest under TCG is one interleaving: when it disagrees,
			# show why, then hold a second recording in a fresh guest to every check
			sed 's/^[1-9][0-9]* /# first recording failed: /; /^0 /d' "$T/$k-$w.res"
			diagnose "$k" "$w" "$out" first
			out_w=$T/$k-$w.again
			lab_record "$k" "$out_w" "$w"
			assess "$k" "$w" "$out_w" >"$T/$k-$w.res"
			! grep -qv '^0 ' "$T/$k-$w.res" || diagnose "$k" "$w" "$out_w" second
		else
			out_w=$out
		fi
		grep -v '^mapcount record: source' "$out_w/$w.err" 2>/dev/null | sed "s/^/# $k $w: /"
		while read -r st name; do ok "$st" "$name"; done <"$T/$k-$w.res"
		sed -n 's/^\(not \)\{0,1\}ok [0-9]* - /# /p; /^#   /p' "$T/$k-$w.cmp"
	done
done
done_testing
