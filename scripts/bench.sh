#!/bin/sh
# make bench: run every benchmark piece in scripts/bench.d in order. Each piece
# prints its own lines; the notes on the issues quote them.
set -e
cd "$(dirname "$0")/.."
for b in scripts/bench.d/*.sh; do
	[ -e "$b" ] || continue
	sh "$b"
done
