#!/usr/bin/env bash
# Instructions per iteration of `cargo bench --bench engine`, counted by valgrind's callgrind:
# unlike the wall clock, the same for the same binary whatever else the machine is doing, so
# two commits compare on a shared, noisy machine. Run by hand; not part of the tests.
#
# Usage: benches/instructions.sh [BENCH_BINARY]
#   BENCH_BINARY: a binary from `cargo bench --bench engine --no-run` (default: built here),
#   run from this checkout (the web shop's benches read data/api.toml).
#   BENCHES="sweep_config load_test/100000": count only those (default: the five below).
#
# Each bench runs under callgrind with `--profile-time`, collecting only inside criterion's
# `Bencher::iter`; what it ran there is divided by the calls of the function that makes one
# iteration: `planner::engine::simulate` for `load_test` and `web_shop`,
# `planner::loadtest::assess::assess` for `sweep_config` (benches/callgrind.py, which reads
# callgrind's output; UNIT=function names another, for a commit that inlines that one away).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "instructions.sh: valgrind is not installed" >&2; exit 2; }
bin=${1:-}
if [ -z "$bin" ]; then
    bin=$(benches/engine_binary.sh)
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for bench in ${BENCHES:-load_test/1000 load_test/100000 sweep_config web_shop/10000 web_shop/100000}; do
    unit=$(python3 benches/callgrind.py unit "$bench" 2>&1) ||
        { echo "instructions.sh: $unit" >&2; exit 2; }
    valgrind --tool=callgrind --toggle-collect='criterion::bencher::Bencher<M>::iter*' \
        --callgrind-out-file="$work/out" "$bin" --bench --profile-time 3 "^$bench\$|^$bench/" \
        >/dev/null 2>&1
    printf '%-18s %s instructions per iteration\n' "$bench" \
        "$(python3 benches/callgrind.py instructions "$work/out" "$unit")"
done
