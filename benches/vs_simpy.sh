#!/usr/bin/env bash
# planner against SimPy 4.1 on the same model, side by side, whole processes:
#
#   benches/vs_simpy.sh [CLIENTS] [RUNS]      (defaults 100000 and 5)
#
# The configuration of `cargo bench --bench engine` (soda 2, burger 6, fries batch 8, one
# client every 0.5 s). planner writes every client's row to a CSV file; SimPy only computes.
# Both must print the same summary (satisfied count, p50, p95, max), else the script fails.
# Prints each one's median wall time over RUNS runs, clients per second, and the ratio.
# SimPy is installed here only, into a virtualenv under target/ (never by the test suite).
set -euo pipefail
cd "$(dirname "$0")/.."
clients=${1:-100000}
runs=${2:-5}
venv=target/simpy-venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import simpy' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet 'simpy>=4.1,<4.2'
fi
cargo build --locked --profile dist --quiet
planner=(target/dist/planner run --set soda.units=2 --set burger.units=6 --set fries.batch=8
    --period 0.5 --clients "$clients" --csv "${TMPDIR:-/tmp}/vs_simpy.csv")
simpy=("$venv/bin/python" benches/vs_simpy.py "$clients" 0.5)

# Median wall time of RUNS runs of a command, in nanoseconds.
median_ns() {
    local times=() start
    for _ in $(seq "$runs"); do
        start=$(date +%s%N)
        "$@" >/dev/null
        times+=($(($(date +%s%N) - start)))
    done
    printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p"
}

# Same results first: planner's summary line against SimPy's.
ours=$("${planner[@]}" | sed -n 's/^satisfied \([0-9]*\/[0-9]*\) .*p50 \([0-9.]*\) s *p95 \([0-9.]*\) s *\(p99 [0-9.]* s *\)\{0,1\}max \([0-9.]*\) s.*/satisfied \1 p50 \2 p95 \3 max \5/p')
theirs=$("${simpy[@]}")
echo "planner: $ours"
echo "SimPy:   $theirs"
[ "$ours" = "$theirs" ] || { echo "the two disagree" >&2; exit 1; }

a=$(median_ns "${planner[@]}")
b=$(median_ns "${simpy[@]}")
rate() { echo "$clients $1" | awk '{ printf "%.3f M clients/s (%.3f s)", $1 / $2 * 1000, $2 / 1e9 }'; }
echo "planner (whole process, with --csv): $(rate "$a")"
echo "SimPy 4.1:                           $(rate "$b")"
echo "$a $b" | awk '{ printf "planner is %.1f× SimPy\n", $2 / $1 }'
