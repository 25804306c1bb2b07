#!/usr/bin/env bash
# The code one iteration of an engine bench runs, and how often it misses the instruction
# cache, by callgrind's simulation: what told why `sweep_config` took longer than 69f68d1
# with fewer instructions (docs/benchmarks.md, "Spare task boxes and less code an
# assessment"). Run by hand; not part of the tests.
#
# Usage: benches/footprint.sh [BENCH] [BENCH_BINARY]
#   BENCH: one bench of `benches/engine.rs` (default sweep_config).
#   BENCH_BINARY: as for instructions.sh (default: built here).
#   UNIT=function: the function one iteration calls once (default: as instructions.sh's;
#   see benches/callgrind.py, which reads callgrind's output for both).
#
# Prints, an iteration: instructions; first-level instruction-cache misses (callgrind's
# 32 KiB, 8-way model of this machine's cache); the hot code, the 64-byte lines run at
# least once an iteration on average (over 32 KiB, the loop of iterations evicts its own
# code); then the functions with the most hot code.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "footprint.sh: valgrind is not installed" >&2; exit 2; }
bench=${1:-sweep_config}
unit=$(python3 benches/callgrind.py unit "$bench" 2>&1) || { echo "footprint.sh: $unit" >&2; exit 2; }
bin=${2:-}
if [ -z "$bin" ]; then
    bin=$(benches/engine_binary.sh)
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
valgrind --tool=callgrind --dump-instr=yes --cache-sim=yes \
    --toggle-collect='criterion::bencher::Bencher<M>::iter*' \
    --callgrind-out-file="$work/out" "$bin" --bench --profile-time 2 "^$bench\$|^$bench/" \
    >/dev/null 2>&1
python3 benches/callgrind.py footprint "$work/out" "$unit"
