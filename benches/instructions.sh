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
# `planner::loadtest::assess::assess` for `sweep_config`. (A commit that inlines that function
# away needs another name here.)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "instructions.sh: valgrind is not installed" >&2; exit 2; }
bin=${1:-}
if [ -z "$bin" ]; then
    bin=$(benches/engine_binary.sh)
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

per_iteration() { # OUT_FILE FUNCTION
    python3 - "$1" "$2" <<'EOF'
import re, sys
path, unit = sys.argv[1], sys.argv[2]
names, callee, calls, npos = {}, None, None, 1
inside = units = 0
def name(s):
    m = re.match(r"\((\d+)\)(?: (.*))?", s)
    if not m:
        return s
    if m.group(2) is not None:
        names[m.group(1)] = m.group(2)
    return names.get(m.group(1), "?")
for line in open(path):
    line = line.rstrip("\n")
    if line.startswith("positions:"):
        npos = len(line.split()) - 1
    elif line.startswith("fn="):
        name(line[3:])
    elif line.startswith("cfn="):
        callee = name(line[4:])
    elif line.startswith("calls="):
        calls = int(line[6:].split()[0])
    elif calls is not None:
        cost = line.split()
        ir = int(cost[npos]) if len(cost) > npos else 0
        if callee.startswith("criterion::bencher::Bencher") and callee.endswith("::iter"):
            inside += ir
        if callee == unit:
            units += calls
        calls = None
print(f"{inside / units:,.0f}" if units else "no call of " + unit)
EOF
}

for bench in ${BENCHES:-load_test/1000 load_test/100000 sweep_config web_shop/10000 web_shop/100000}; do
    case $bench in
        sweep_config) unit=planner::loadtest::assess::assess ;;
        *) unit=planner::engine::simulate ;;
    esac
    valgrind --tool=callgrind --toggle-collect='criterion::bencher::Bencher<M>::iter*' \
        --callgrind-out-file="$work/out" "$bin" --bench --profile-time 3 "^$bench\$|^$bench/" \
        >/dev/null 2>&1
    printf '%-18s %s instructions per iteration\n' "$bench" "$(per_iteration "$work/out" "$unit")"
done
