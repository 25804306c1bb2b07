#!/usr/bin/env bash
# The 1,000,000-configuration sweep as one run, then as 8 shards run 2 at a time on this
# machine and merged: wall time and total CPU (user + system, children included) of each,
# and a byte comparison of the two CSVs. Run by hand; not part of the tests.
#
# Usage: benches/shards.sh [PLANNER]   (default: target/dist/planner, built if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/dist/planner}
[ -x "$bin" ] || cargo build --locked --profile dist
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
space=(--range soda.units=1..=100 --range burger.units=1..=100 --range fries.batch=1..=100)
TIMEFORMAT='%R s wall, %U s user + %S s system CPU'

echo "single run:"
time "$bin" -q sweep "${space[@]}" --csv "$work/whole.csv" >/dev/null

echo "8 shards, 2 at a time, then the merge:"
time {
    printf '%s\n' 1 2 3 4 5 6 7 8 |
        xargs -P 2 -I K "$bin" -q sweep "${space[@]}" --shard K/8 --csv "$work/shard-K.csv" >/dev/null
    "$bin" merge "$work"/shard-*.csv --csv "$work/merged.csv" >/dev/null
}

echo "the merge alone:"
time "$bin" merge "$work"/shard-*.csv --csv "$work/merged.csv" >/dev/null

cmp "$work/whole.csv" "$work/merged.csv"
echo "merged CSV = single-run CSV, byte for byte ($(wc -l <"$work/whole.csv") lines)"
