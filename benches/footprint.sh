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
#   69f68d1's assessment was `planner::load::assess`).
#
# Prints, an iteration: instructions; first-level instruction-cache misses (callgrind's
# 32 KiB, 8-way model of this machine's cache); the hot code, the 64-byte lines run at
# least once an iteration on average (over 32 KiB, the loop of iterations evicts its own
# code); then the functions with the most hot code.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "footprint.sh: valgrind is not installed" >&2; exit 2; }
bench=${1:-sweep_config}
bin=${2:-}
if [ -z "$bin" ]; then
    bin=$(benches/engine_binary.sh)
fi
case $bench in
    sweep_config) unit=${UNIT:-planner::loadtest::assess::assess} ;;
    load_test/* | web_shop/*) unit=${UNIT:-planner::engine::simulate} ;;
    *) echo "footprint.sh: no bench '$bench' (sweep_config, load_test/N or web_shop/N)" >&2; exit 2 ;;
esac
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
valgrind --tool=callgrind --dump-instr=yes --cache-sim=yes \
    --toggle-collect='criterion::bencher::Bencher<M>::iter*' \
    --callgrind-out-file="$work/out" "$bin" --bench --profile-time 2 "^$bench\$|^$bench/" \
    >/dev/null 2>&1
python3 - "$work/out" "$unit" <<'EOF'
import collections, re, sys
path, unit = sys.argv[1], sys.argv[2]
names, fn, callee, last, events, npos = {}, None, None, 0, [], 1
in_call = False
units = 0
ir = collections.Counter()       # instructions per cache line
per_fn = collections.defaultdict(set)
totals = collections.Counter()

def name(s):
    m = re.match(r"\((\d+)\)(?: (.*))?", s)
    if not m:
        return s
    if m.group(2) is not None:
        names[m.group(1)] = m.group(2)
    return names.get(m.group(1), "?")

def position(tok):
    if tok.startswith("0x"):
        return int(tok, 16)
    if tok == "*":
        return last
    sign = 1 if tok[0] == "+" else -1
    digits = tok[1:]
    return last + sign * (int(digits, 16) if digits.startswith("0x") else int(digits))

for line in open(path):
    line = line.rstrip("\n")
    if line.startswith("events:"):
        events = line.split()[1:]
    elif line.startswith("positions:"):
        npos = len(line.split()) - 1
    elif line.startswith("fn="):
        fn = name(line[3:])
    elif line.startswith("cfn="):
        callee = name(line[4:])
    elif line.startswith("calls="):
        in_call = True
        if callee == unit:
            units += int(line[6:].split()[0])
    elif line and line[0] in "0123456789+-*":
        tokens = line.split()
        last = position(tokens[0])
        if in_call:  # the inclusive cost of a call, counted where it is spent
            in_call = False
            continue
        costs = dict(zip(events, (int(v) for v in tokens[npos:])))
        for event, value in costs.items():
            totals[event] += value
        if costs.get("Ir", 0) > 0:
            ir[last // 64] += costs["Ir"]
            per_fn[fn].add(last // 64)
if not units:
    sys.exit(f"footprint.sh: no call of {unit}")
hot = {line for line, n in ir.items() if n >= units / 2}
print(f"instructions       {totals['Ir'] / units:,.0f} an iteration")
print(f"I1 misses          {totals.get('I1mr', 0) / units:,.0f} an iteration")
print(f"hot code           {len(hot) * 64 / 1024:.1f} KiB")
rows = sorted(((len(lines & hot) * 64, f) for f, lines in per_fn.items()), reverse=True)
for size, f in rows[:12]:
    if size:
        print(f"  {size:6,} B  {f}")
EOF
