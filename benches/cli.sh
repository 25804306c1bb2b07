#!/usr/bin/env bash
# Wall times of whole `planner` processes, medians of several runs (release build).
#   benches/cli.sh            # every case
#   RUNS=5 benches/cli.sh     # fewer repetitions
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/planner
runs=${RUNS:-11}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# time_case NAME RUNS COMMAND...: prints the median wall time in milliseconds.
time_case() {
  local name=$1 n=$2; shift 2
  for _ in $(seq "$n"); do
    local t0 t1
    t0=$(date +%s%N)
    "$@" > /dev/null
    t1=$(date +%s%N)
    echo $(( (t1 - t0) / 1000000 ))
  done > "$tmp/times"
  printf '%-58s %8s ms (median of %s runs)\n' "$name" "$(median < "$tmp/times")" "$n"
}

time_case "optimize --target-rate 2 --timeout 5" "$runs" \
  $bin optimize --target-rate 2 --timeout 5
time_case "optimize --sustained --range fries.batch=5,7,8,10" "$runs" \
  $bin optimize --sustained --range fries.batch=5,7,8,10
time_case "run: 100 replications x 10,000 Poisson clients" 5 \
  $bin run --arrivals poisson --rate 2 --clients 10000 --replications 100 \
  --set soda.units=3 --set burger.units=7 --set fries.batch=10
big=(sweep --range soda.units=1..=100 --range burger.units=1..=100 --range fries.batch=1..=100 --csv "$tmp/big.csv")
time_case "sweep of 1,000,000 configurations --csv, all cores" 3 $bin "${big[@]}"
time_case "sweep of 1,000,000 configurations --csv, 1 thread" 3 env RAYON_NUM_THREADS=1 $bin "${big[@]}"
