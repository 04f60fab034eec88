# TAP helpers for the tests/e2e/*.t scripts (sourced, not run: make check runs
# only *.t): a temporary directory $T removed on exit, and test lines that
# count themselves. A script prints its plan first or calls done_testing last.
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
tap_n=0
tap_fail=0

ok() { # ok STATUS NAME: passes when STATUS is 0
	tap_n=$((tap_n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_fail=1
	fi
}

is() { # is GOT WANT NAME
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		echo "#   got '$1', want '$2'"
	fi
}

check() { # check NAME COMMAND...: passes when the command succeeds, else shows its output
	tap_name=$1
	shift
	if "$@" >"$T/check.out" 2>&1; then
		ok 0 "$tap_name"
	else
		ok 1 "$tap_name"
		sed 's/^/#   /' "$T/check.out"
	fi
}

skip() { # skip REASON: a test that could not run here
	tap_n=$((tap_n + 1))
	echo "ok $tap_n # SKIP $1"
}

done_testing() { # the plan, after the last test; exit 1 if any failed
	echo "1..$tap_n"
	exit $tap_fail
}
